/* SPDX-License-Identifier: ISC */
/*
 * Listening sockets (see listen.h).  The options are set on the listening
 * socket so that accepted ones inherit them: no setsockopt() per
 * connection.
 *
 * Every listener binds with IP_FREEBIND / IPV6_FREEBIND: the backup of a
 * keepalived pair binds its service addresses before VRRP gives them to
 * it, and serves them the moment they arrive, with no reload (the socket
 * is bound to the address, not to an interface: the kernel delivers to it
 * as soon as the address is local).  The price is that a mistyped address
 * binds too; listen_addr_local() lets the caller say so.
 */

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "listen.h"

/*
 * Heads up: IPV6_FREEBIND exists since Linux 4.15; before, IP_FREEBIND on
 * an IPv6 socket sets the same flag, so that is the fallback.
 */
static int
listen_freebind(int fd, int family)
{
	int	one = 1;

#ifdef IPV6_FREEBIND
	if (family == AF_INET6 && setsockopt(fd, IPPROTO_IPV6, IPV6_FREEBIND,
	    &one, sizeof(one)) == 0)
		return 0;
#endif
	return setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof(one));
}

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
	if (listen_freebind(fd, a->sa.sa_family) == -1)
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

int
listen_addr_local(const union addr_sa *a)
{
	union addr_sa	probe = *a;
	int		fd, rc, e;

	if (addr_is_any(a))
		return 1;
	/* port 0: no port of anyone's taken; no FREEBIND: the real test */
	if (probe.sa.sa_family == AF_INET)
		probe.sin.sin_port = 0;
	else
		probe.sin6.sin6_port = 0;
	if ((fd = socket(probe.sa.sa_family, SOCK_STREAM | SOCK_CLOEXEC,
	    0)) == -1)
		return -1;
	rc = bind(fd, &probe.sa, addr_len(&probe));
	e = errno;
	close(fd);
	if (rc == 0)
		return 1;
	errno = e;
	return e == EADDRNOTAVAIL ? 0 : -1;
}

int
listen_fd_ok(int fd, const union addr_sa *a)
{
	union addr_sa	got;
	socklen_t	len = sizeof(got);
	int		on = 0;
	socklen_t	olen = sizeof(on);

	memset(&got, 0, sizeof(got));
	if (fd == -1 || getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on,
	    &olen) == -1 || !on || getsockname(fd, &got.sa, &len) == -1)
		return 0;
	return addr_equal(&got, a);
}
