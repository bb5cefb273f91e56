/* SPDX-License-Identifier: ISC */
#ifndef V6G_CLIENTQ_H
#define V6G_CLIENTQ_H

#include <stdint.h>

#include "addr.h"
#include "counters.h"

/*
 * The clients the workers route, on their way to the main thread, which
 * keeps the distinct-client sets (clients.c).  One single-producer ring per
 * worker; a worker forgets a client it has already queued for a service in
 * this period (a small cache), so a busy client costs one hash per
 * connection and nothing else.  The main thread drains the rings every
 * checkpoint, and sooner when a ring is a quarter full (an eventfd).
 */

/* Allocate the rings; once, before the workers start. */
int		clientq_init(int nworkers);
/* The eventfd that says "drain me", for the main thread's epoll. */
int		clientq_fd(void);

/* Worker w: a connection from peer was routed to service as. */
void		clientq_push(int w, struct acct_service *, int family,
		    const union addr_sa *peer);

/* Main thread: every queued client, in order, to fn(arg, as, family,
   key), with key the 16-byte address (IPv4 as ::ffff:a.b.c.d). */
void		clientq_drain(void (*fn)(void *, struct acct_service *, int,
		    const uint8_t *), void *arg);

/* Main thread: a new day or month began; the workers' caches forget. */
void		clientq_new_period(void);

/* Clients lost because a ring was full: the sets are then not exact. */
uint64_t	clientq_dropped(void);

#endif
