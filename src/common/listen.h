/* SPDX-License-Identifier: ISC */
#ifndef V6G_LISTEN_H
#define V6G_LISTEN_H

#include <stddef.h>

#include "addr.h"

/*
 * The proxy's listening sockets for one address: n of them (one per
 * worker), SO_REUSEPORT, non-blocking, close-on-exec, IPV6_V6ONLY for
 * IPv6, TCP_DEFER_ACCEPT, TCP_NODELAY, and IP_FREEBIND / IPV6_FREEBIND:
 * an address that is not (yet) on this host binds, and is served once it
 * is (a keepalived backup, before VRRP moves the address to it).  Binding a port below 1024
 * needs CAP_NET_BIND_SERVICE: the daemon's privileged process opens them
 * and hands them to the proxy (priv/priv.h).
 */

/* fds[n] filled: 0; or -1 with err (errno's text and, for the usual
   causes, what to do), nothing left open. */
int	listen_open(const union addr_sa *, int n, int *fds, char *err,
	    size_t errlen);

/*
 * Whether a is an address of this host now, usable (an IPv6 address still
 * in duplicate address detection is not): bind() without FREEBIND takes
 * it.  1 yes (always for the wildcard), 0 no, -1 could not tell (errno).
 */
int	listen_addr_local(const union addr_sa *);

/* Whether fd is a socket listening on exactly a: 1 or 0. */
int	listen_fd_ok(int fd, const union addr_sa *);

#endif
