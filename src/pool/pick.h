/* SPDX-License-Identifier: ISC */
#ifndef V6G_POOL_PICK_H
#define V6G_POOL_PICK_H

#include <stdint.h>

#include "conf/conf.h"
#include "state.h"

/*
 * Which backend of a proxy service a connection tries next, by the
 * service's balance: only backends up and not drained, and not in tried
 * (a bit per index, the ones that already failed this connection).
 * Backups only when no other is eligible.  st: the backends' live states,
 * in svc->backends' order (the snapshot's).  rr is the worker's round
 * robin position for the service.  Returns an index in svc->backends, or
 * -1.  Called by workers: reads the states' atomics, takes no lock.
 */
int	pool_pick(const struct conf_service *svc, struct pool_state *const *st,
	    uint32_t *rr, uint64_t client_key, uint64_t tried);

/* Whether a backend would be picked at all (up and not drained). */
int	pool_eligible(const struct pool_state *);

#endif
