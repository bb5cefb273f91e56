/* SPDX-License-Identifier: ISC */
#ifndef V6G_CHECK_H
#define V6G_CHECK_H

#include <stddef.h>

#include "conf/conf.h"
#include "snap/snap.h"

/*
 * Health checks of proxy backends (a service's "check" setting), run by one
 * thread of their own with its own epoll loop, so that no check ever
 * blocks a data-plane worker.  A check is a TCP connect, a full TLS
 * handshake through OpenSSL with the service's host name as SNI (the
 * protocol version, cipher, and the certificate's notAfter and names are
 * recorded), or an HTTP request with the right Host (inside TLS for a tls
 * service).  Results go to each backend's pool_state (pool/state.h): the
 * health record, and up after rise passes / down after fall failures.
 * State changes and certificate warnings are logged once.
 */

/*
 * File descriptors the checker may hold: one socket per probe in flight,
 * its epoll and its eventfd.  Due checks beyond that wait for a free slot
 * rather than take descriptors from the data plane, whose budget leaves
 * these out (check_fds()).
 */
#define CHECK_FDS	258

/* The descriptors the checker needs for gc's checks (CHECK_FDS at most):
   what the daemon keeps out of the proxy's budget. */
unsigned check_fds(const struct gw_conf *gc);

/* Start the checker thread.  Returns 0, or -1 with err set. */
int	check_start(char *err, size_t errlen);

/*
 * Check the backends of a snapshot from now on (main thread, once it went
 * live).  The checker keeps its own copy of what it needs and the states'
 * addresses (which live as long as the daemon); the snapshot may be freed
 * afterwards.  A backend checked
 * before with the same settings keeps its counts and schedule; a backend
 * no longer checked is set up.  Returns 0, or -1 with err set (out of
 * memory: the previous checks go on).
 */
int	check_apply(const struct snap *, char *err, size_t errlen);

/* Stop the thread and free everything. */
void	check_stop(void);

#endif
