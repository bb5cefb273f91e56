/* SPDX-License-Identifier: ISC */
/*
 * Listening sockets (see listen.h).  The options are set on the listening
 * socket so that accepted ones inherit them: no setsockopt() per
 * connection.
 */

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listen.h"

static int
listen_one(const union addr_sa *a)
{
	int	fd, one = 1, e;

	if ((fd = socket(a->sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ==
	    -1 || setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one,
	    sizeof(one)) == -1)
		goto fail;
	/* [::]:443 must not take IPv4 too: 0.0.0.0:443 may be another
	   listener. */
	if (a->sa.sa_family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6,
	    IPV6_V6ONLY, &one, sizeof(one)) == -1)
		goto fail;
	/*
	 * TLS and HTTP clients speak first: let the kernel hand us a
	 * connection only once its first bytes are in (HAProxy's
	 * defer-accept, nginx's "deferred"), which saves a wakeup and a read
	 * per connection.  One that stays silent is handed over after about
	 * a second, and then meets the first-flight timeout.
	 */
	if (setsockopt(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &one,
	    sizeof(one)) == -1)
		goto fail;
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == -1)
		goto fail;
	if (bind(fd, &a->sa, addr_len(a)) == -1 ||
	    listen(fd, SOMAXCONN) == -1)
		goto fail;
	return fd;
fail:
	e = errno;
	close(fd);
	errno = e;
	return -1;
}

int
listen_open(const union addr_sa *a, int n, int *fds, char *err,
    size_t errlen)
{
	int	i, e;

	for (i = 0; i < n; i++)
		if ((fds[i] = listen_one(a)) == -1) {
			e = errno;
			while (i-- > 0)
				close(fds[i]);
			snprintf(err, errlen, "%s%s", strerror(e),
			    e == EADDRNOTAVAIL ? " (the address is not "
			    "configured on this host)" : e == EACCES ?
			    " (ports below 1024 need root or "
			    "CAP_NET_BIND_SERVICE)" : "");
			return -1;
		}
	return 0;
}
