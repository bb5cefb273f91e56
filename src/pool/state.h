/* SPDX-License-Identifier: ISC */
#ifndef V6G_POOL_STATE_H
#define V6G_POOL_STATE_H

#include <pthread.h>
#include <stdint.h>

#include "addr.h"

/*
 * The live state of one backend of one service, kept by (service name,
 * backend address) for the life of the daemon, so that health, drain and
 * counters survive a reload.  Created by the main thread on first use,
 * never freed before exit.
 *
 * Three writers, each its own fields:
 *  - workers: conns, total, failures (atomics);
 *  - the health checker: up and the health record (under lock);
 *  - the operator (main thread): drain.
 * Workers read up and drain with relaxed atomic loads.
 */

#define POOL_NAME_MAX	65

/* Certificate warnings (health.cert_warn bits). */
#define POOL_CERT_EXPIRING	0x01	/* within cert_warn_days, or past */
#define POOL_CERT_NAMES		0x02	/* does not cover a service name */

/* What the last health checks found; read and written under lock. */
struct pool_health {
	int		 checked;	/* a check has completed */
	int		 ok;		/* the last one passed */
	unsigned	 oks, fails;	/* consecutive */
	unsigned	 latency_ms;	/* of the last check */
	uint64_t	 last_ms;	/* UTC ms of the last check */
	uint64_t	 changed_ms;	/* UTC ms of the last up/down change */
	char		 error[160];	/* why the last check failed */
	/* tls: the handshake and the certificate */
	char		 tls_version[16];
	char		 cipher[64];
	int64_t		 not_after;	/* Unix seconds, 0: unknown */
	char		 subject[256];	/* CN and DNS names, ", "-joined */
	unsigned	 cert_warn;	/* POOL_CERT_* */
	char		 cert_note[192];	/* the warning, in words */
	/* http */
	int		 status;	/* last status line's code, 0: none */
};

struct pool_state {
	char		 service[POOL_NAME_MAX];
	char		 addr[ADDR_STRLEN];	/* as addr_fmt() prints it */
	uint8_t		 up;		/* atomic: 1 unless checks say down */
	uint8_t		 drain;		/* atomic: operator's "drain" */
	uint8_t		 checking;	/* a check is configured */
	long		 conns;		/* atomic: open now */
	uint64_t	 total;		/* atomic: connections sent to it */
	uint64_t	 failures;	/* atomic: failed connect attempts */
	uint32_t	 gen;		/* main thread: the last config
					   that had this backend */
	pthread_mutex_t	 lock;		/* health */
	struct pool_health health;
	struct pool_state *next;	/* registry (main thread) */
};

/* The state of a service's backend, created up (NULL: out of memory). */
struct pool_state *pool_state_get(const char *service, const char *addr);

/* The existing state, or NULL. */
struct pool_state *pool_state_find(const char *service, const char *addr);

/* Every state, in creation order (any thread; fn must not create one). */
void		 pool_state_foreach(void (*)(struct pool_state *, void *),
		    void *);

/*
 * A config of generation gen went live: the backends it does not have
 * forget the operator's drain, so that one removed and added again later
 * is not drained without anyone saying so.  Main thread.
 */
void		 pool_state_sweep(uint32_t gen);

/* Whether st is a backend of the config that went live last (sweep). */
int		 pool_state_live(const struct pool_state *);

/* A copy of the health record, taken under its lock. */
void		 pool_state_health(struct pool_state *, struct pool_health *);

#endif
