/* SPDX-License-Identifier: ISC */
#ifndef V6G_COUNTERS_H
#define V6G_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Traffic counters per service x family x direction.  Each worker writes
 * only its own slot, without locks or atomic read-modify-writes; readers sum
 * the slots.  A service's counters are found by name, so they survive a
 * reload that keeps the service.
 *
 * Units: payload bytes relayed (what the TCP peers sent, not IP bytes) for
 * proxy services; IP bytes and packets for nat64 and siit services, which
 * the kernel counts (kcount.h) and the main thread adds to "kern".
 * bytes_in = client -> backend, bytes_out = backend -> client.
 */

enum acct_family {
	ACCT_IPV6,
	ACCT_IPV4,
	ACCT_NFAMILY
};

struct acct_cell {
	uint64_t	connections;	/* routed to this service */
	uint64_t	closed;		/* of those, closed again */
	uint64_t	bytes_in;	/* client -> backend */
	uint64_t	bytes_out;	/* backend -> client */
	uint64_t	unreachable;	/* of connections, found no backend */
	uint64_t	packets_in;	/* nat64, siit (kcount.c) */
	uint64_t	packets_out;
};

/* One worker's counters for one service: a cache line of its own. */
struct acct_slot {
	struct acct_cell	fam[ACCT_NFAMILY];
} __attribute__((aligned(64)));

struct acct_clients;	/* clients.c */

struct acct_service {
	char			 name[65];
	struct acct_slot	*slots;		/* [acct_nworkers] */
	/* main thread only: */
	struct acct_cell	 base[ACCT_NFAMILY];	/* before this run
							   (history) */
	struct acct_cell	 saved[ACCT_NFAMILY];	/* of this run, in the
							   history already */
	struct acct_cell	 pending[ACCT_NFAMILY];	/* being written */
	struct acct_clients	*clients;		/* distinct clients */
	struct acct_cell	 kern[ACCT_NFAMILY];	/* counted by the
							   kernel (kcount.c) */
};

/* Sizes the slots; call once before any acct_service_get(). */
void		 acct_init(int nworkers);

/* The counters of a service name, created on first use (NULL: out of
   memory).  Main thread. */
struct acct_service *acct_service_get(const char *);

/* Sum over workers, plus the base from before this run. */
void		 acct_service_sum(const struct acct_service *,
		    struct acct_cell [ACCT_NFAMILY]);

/* This run's counts only (what the history has not seen yet + saved). */
void		 acct_service_live(const struct acct_service *,
		    struct acct_cell [ACCT_NFAMILY]);

/* Every service ever counted in this run. */
void		 acct_foreach(void (*)(struct acct_service *, void *), void *);

/*
 * Single-writer add: only the worker owning the slot calls these.
 * V6G_NO_COUNTING is for the benchmark only (tests/bench/v6gated-nocount):
 * with it the data path counts nothing, which measures what counting costs.
 */
static inline void
acct_add(uint64_t *c, uint64_t n)
{
#ifndef V6G_NO_COUNTING
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n,
	    __ATOMIC_RELAXED);
#endif
}

static inline uint64_t
acct_read(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

const char	*acct_family_name(enum acct_family);

#endif
