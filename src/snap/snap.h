/* SPDX-License-Identifier: ISC */
#ifndef V6G_SNAP_H
#define V6G_SNAP_H

#include <stddef.h>

#include "conf/conf.h"

/*
 * The live snapshot: a configuration (immutable once loaded, conf.h) and
 * its links to what lives beside it for the life of the daemon, found by
 * name so that they outlast a reload: each service's counters
 * (acct/counters.h) and each proxy backend's live state (pool/state.h).
 * Nothing here writes into the configuration.
 *
 * The daemon (v6gated.c) makes a snapshot when a configuration is to go
 * live and fills its links; the proxy's workers, the health checker and
 * the reports get a const reference.  Whoever drops the last reference
 * frees it, the configuration with it: the main thread when a reload
 * replaces it, a worker when the last connection accepted on it closes.
 * This module only holds; it knows neither counters nor states.
 */

struct acct_service;
struct pool_state;

struct snap_service {
	struct acct_service	 *acct;		/* its counters */
	struct pool_state	**st;		/* [nbackends]: its backends' */
};

struct snap {
	const struct gw_conf	*conf;
	struct snap_service	*svc;		/* [conf->nservices] */
	int			 refs;		/* atomic */
	struct gw_conf		*own;		/* conf, freed with it */
	struct pool_state	**states;	/* every svc[].st, at once */
};

/* A snapshot of gc, its links NULL, one reference: gc is taken, even on
   error.  NULL when out of memory. */
struct snap	*snap_new(struct gw_conf *);

struct snap	*snap_ref(struct snap *);
void		 snap_release(struct snap *);

/* A service's counters; the state of its backend b. */
static inline struct acct_service *
snap_acct(const struct snap *s, size_t svc)
{
	return s->svc[svc].acct;
}

static inline struct pool_state *
snap_backend(const struct snap *s, size_t svc, size_t b)
{
	return s->svc[svc].st[b];
}

#endif
