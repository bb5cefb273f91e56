/* SPDX-License-Identifier: ISC */
#ifndef V6G_LISTEN_H
#define V6G_LISTEN_H

#include <stddef.h>

#include "addr.h"

/*
 * The proxy's listening sockets for one address: n of them (one per
 * worker), SO_REUSEPORT, non-blocking, close-on-exec, IPV6_V6ONLY for
 * IPv6, TCP_DEFER_ACCEPT and TCP_NODELAY.  Binding a port below 1024
 * needs CAP_NET_BIND_SERVICE: the daemon's privileged process opens them
 * and hands them to the proxy (priv/priv.h).
 */

/* fds[n] filled: 0; or -1 with err (errno's text and, for the usual
   causes, what to do), nothing left open. */
int	listen_open(const union addr_sa *, int n, int *fds, char *err,
	    size_t errlen);

#endif
