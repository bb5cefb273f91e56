/* SPDX-License-Identifier: ISC */
#ifndef V6G_CLIENTS_H
#define V6G_CLIENTS_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "counters.h"

/*
 * Distinct clients per service, the "active IPv6 users" of a site: per
 * local day and per calendar month, IPv6 addresses (/128), IPv6 /64
 * prefixes and IPv4 addresses (/32).  Exact up to accounting.clients_exact
 * per set, then a HyperLogLog estimate (cset.h).  The main thread feeds the
 * sets from the workers' queues (clientq.h) and the history stores their
 * members and counts at every checkpoint, so that a restart continues the
 * day and the month.
 */

enum clients_kind {
	CL_IPV6,		/* /128 */
	CL_IPV6_64,		/* /64 */
	CL_IPV4,		/* /32 */
	CL_NKIND
};

enum clients_period {
	CL_DAY,
	CL_MONTH,
	CL_NPERIOD
};

struct clients_count {
	uint64_t	n;
	int		exact;
};

/* The limit of exact sets (applies to sets created from now on). */
void		clients_set_limit(size_t);

/*
 * accounting.clients_key_file: the hash key of the sketches, 32 hex digits
 * (openssl rand -hex 16), the same file on every gateway of a fleet so that
 * their sketches merge (v6gatectl report --state-dir).  Read once, before
 * the history opens; without it the history keeps the key its first start
 * drew.  -1 with err: a file that cannot be read or is not a key.
 */
int		clients_key_read(const char *file, char *, size_t);

/* Main thread: take what the workers queued. */
void		clients_drain(void);
/* Main thread: a client of a service seen otherwise (nat64, siit: the
   kernel's sets, kcount.c); key as in clientq.h. */
void		clients_seen(struct acct_service *, int family,
		    const uint8_t key[16]);

/*
 * At a checkpoint, in the history's transaction: start new periods when
 * the local date changed, then store what changed.  clients_stored() after
 * the commit; on a failed commit everything is kept for the next one.
 */
int		clients_store(time_t, char *, size_t);
void		clients_stored(void);
/* The next store is the last (a clean stop): write every sketch. */
void		clients_final(void);

/* Load today's and this month's sets from the history (at its start). */
int		clients_load(time_t, char *, size_t);

/* The current counts of a service (zeros if it had no client yet). */
void		clients_get(const struct acct_service *,
		    struct clients_count [CL_NKIND][CL_NPERIOD]);

const char	*clients_kind_name(enum clients_kind);

#endif
