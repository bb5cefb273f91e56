/* SPDX-License-Identifier: ISC */
/*
 * The registry of per-service counters.  Entries are created by the main
 * thread when a config snapshot goes live and are never freed: a service
 * removed by a reload keeps its totals in case it comes back, and a worker
 * may still be counting the last bytes of its connections.
 */

#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "log.h"
#include "namemap.h"

const struct acct_counter acct_counters[ACCT_NCOUNTERS] = {
#define ACCT_COUNTER(f, json, sql, show, mp, mx, dir)			\
	{ #f, json, sql, show, offsetof(struct acct_cell, f), { mp, mx }, dir },
	ACCT_CELL_COUNTERS(ACCT_COUNTER)
#undef ACCT_COUNTER
};

static struct namemap	*acct_names;	/* name -> acct_service */
static struct acct_service	**acct_all;
static size_t			 acct_n, acct_cap;
static int			 acct_nworkers = 1;

void
acct_init(int nworkers)
{
	acct_nworkers = nworkers;
}

struct acct_service *
acct_service_get(const char *name)
{
	struct acct_service	*as;
	void			*prev;

	/* a hash: a reload of 10,000 services must not scan 10,000 times */
	if (acct_names == NULL && (acct_names = namemap_new()) == NULL)
		return NULL;
	if ((as = namemap_lookup(acct_names, name, strlen(name))) != NULL)
		return as;
	if ((as = calloc(1, sizeof(*as))) == NULL ||
	    (as->slots = aligned_alloc(64, sizeof(struct acct_slot) *
	    (size_t)acct_nworkers)) == NULL) {
		free(as);
		return NULL;
	}
	memset(as->slots, 0, sizeof(struct acct_slot) * (size_t)acct_nworkers);
	strncpy(as->name, name, sizeof(as->name) - 1);
	if (acct_n == acct_cap) {
		size_t			 ncap = acct_cap ? acct_cap * 2 : 64;
		struct acct_service	**n = realloc(acct_all,
					    ncap * sizeof(*n));

		if (n == NULL) {
			free(as->slots);
			free(as);
			return NULL;
		}
		acct_all = n;
		acct_cap = ncap;
	}
	if (namemap_add(acct_names, as->name, as, &prev) == -1) {
		free(as->slots);
		free(as);
		return NULL;
	}
	acct_all[acct_n++] = as;
	return as;
}

void
acct_foreach(void (*fn)(struct acct_service *, void *), void *arg)
{
	size_t	i;

	for (i = 0; i < acct_n; i++)
		fn(acct_all[i], arg);
}

void
acct_service_sum(const struct acct_service *as,
    struct acct_cell sum[ACCT_NFAMILY])
{
	int	f;

	acct_service_live(as, sum);
	for (f = 0; f < ACCT_NFAMILY; f++) {
#define ACCT_SUM_BASE(c, json, sql, show, mp, mx, dir)			\
		sum[f].c += as->base[f].c;
		ACCT_CELL_COUNTERS(ACCT_SUM_BASE)
#undef ACCT_SUM_BASE
	}
}

void
acct_service_live(const struct acct_service *as,
    struct acct_cell sum[ACCT_NFAMILY])
{
	int	w, f;

	/* what the kernel counted (main thread), then the workers' */
	memcpy(sum, as->kern, sizeof(struct acct_cell) * ACCT_NFAMILY);
	for (w = 0; w < acct_nworkers; w++)
		for (f = 0; f < ACCT_NFAMILY; f++) {
			const struct acct_cell *c = &as->slots[w].fam[f];

			/* closings first: a connection closing between the
			   two reads must not make "open" negative */
#define ACCT_SUM_OPEN(x, json, sql, show, mp, mx, dir)			\
			if ((show) & ACCT_OPEN)				\
				sum[f].x += acct_read(&c->x);
#define ACCT_SUM_REST(x, json, sql, show, mp, mx, dir)			\
			if (!((show) & ACCT_OPEN))			\
				sum[f].x += acct_read(&c->x);
			ACCT_CELL_COUNTERS(ACCT_SUM_OPEN)
			ACCT_CELL_COUNTERS(ACCT_SUM_REST)
#undef ACCT_SUM_OPEN
#undef ACCT_SUM_REST
		}
}

const char *
acct_family_name(enum acct_family f)
{
	return f == ACCT_IPV6 ? "ipv6" : "ipv4";
}
