/* SPDX-License-Identifier: ISC */
#ifndef V6G_BACKENDS_H
#define V6G_BACKENDS_H

#include <stdio.h>

#include <json-c/json.h>

#include "pool/state.h"
#include "snap/snap.h"

/*
 * "v6gatectl backends": each proxy backend's state (up, down, draining,
 * backup), its last health check (result, latency, consecutive failures,
 * TLS version, cipher and certificate expiry), its connections now and in
 * total.  "drain" and "enable" set the operator's drain flag, which lives
 * in the backend's state and so survives a reload.
 */

/* A backend's figures, read once, as its JSON and /metrics (metrics.c)
   both render them. */
struct backends_view {
	const char		*state;		/* up, down, draining, backup */
	long			 conns;		/* open now */
	uint64_t		 total;		/* connections sent to it */
	uint64_t		 failures;	/* failed connect attempts */
	int			 checked;	/* its service checks: h holds
						   the last result */
	struct pool_health	 h;
};

/* Backend b of service i of a snapshot. */
void		 backends_read(const struct snap *, size_t i, size_t b,
		    struct backends_view *);

json_object	*backends_json(const struct snap *);
void		 backends_text(json_object *, FILE *);

/* Drain (1) or enable (0) a backend of a service, by name and address.
   Returns 0 with msg saying what changed, or -1 with msg saying why not. */
int		 backends_drain(const struct snap *, const char *service,
		    const char *backend, int drain, char *msg, size_t len);

#endif
