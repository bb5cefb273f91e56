/* SPDX-License-Identifier: ISC */
/*
 * Backend choice (see pick.h).  A service has at most 64 backends, so each
 * balance is a scan: no shared structure to keep in step with health
 * changes, and workers never write anything another worker reads here
 * except the per-backend connection counts leastconn compares.
 */

#include <math.h>
#include <string.h>

#include "mix.h"
#include "pick.h"
#include "state.h"

int
pool_eligible(const struct pool_state *st)
{
	return __atomic_load_n(&st->up, __ATOMIC_RELAXED) &&
	    !__atomic_load_n(&st->drain, __ATOMIC_RELAXED);
}

static int
pool_ok(const struct conf_service *svc, struct pool_state *const *st,
    size_t i, int backup, uint64_t tried)
{
	return svc->backends[i].backup == backup && !(tried & (1ULL << i)) &&
	    pool_eligible(st[i]);
}

/* Weighted round robin: the next eligible entry of the smooth order. */
static int
pool_rr(const struct conf_service *svc, struct pool_state *const *st,
    uint32_t *rr, int backup, uint64_t tried)
{
	size_t	base = backup ? svc->nwrr_normal : 0;
	size_t	n = backup ? svc->nwrr - svc->nwrr_normal : svc->nwrr_normal;
	size_t	k, i;

	for (k = 0; k < n; k++) {
		i = svc->wrr[base + (*rr + k) % n];
		if (pool_ok(svc, st, i, backup, tried)) {
			*rr += (uint32_t)k + 1;
			return (int)i;
		}
	}
	return -1;
}

/*
 * Fewest open connections per unit of weight: a/wa < b/wb as a*wb < b*wa.
 * Ties go round robin, so that a quiet pool still spreads.
 */
static int
pool_leastconn(const struct conf_service *svc, struct pool_state *const *st,
    uint32_t *rr, int backup, uint64_t tried)
{
	size_t	n = svc->nbackends, k, i;
	long	bc = 0, c;
	int	best = -1;

	for (k = 0; k < n; k++) {
		i = (*rr + k) % n;
		if (!pool_ok(svc, st, i, backup, tried))
			continue;
		c = __atomic_load_n(&st[i]->conns, __ATOMIC_RELAXED);
		if (best == -1 || c * (long)svc->backends[best].weight <
		    bc * (long)svc->backends[i].weight) {
			best = (int)i;
			bc = c;
		}
	}
	if (best != -1)
		(*rr)++;
	return best;
}

/*
 * Source: weighted rendezvous hashing over the client's /64 or /32.  Each
 * backend scores weight / -ln(u) with u from hash(client, backend
 * address); the highest wins.  A client keeps its backend while it is up,
 * and when one goes down only its own clients move.
 */
static int
pool_source(const struct conf_service *svc, struct pool_state *const *st,
    uint64_t key, int backup, uint64_t tried)
{
	size_t		 i;
	double		 best_score = -1, u, score;
	int		 best = -1;
	uint64_t	 h;

	for (i = 0; i < svc->nbackends; i++) {
		const struct conf_backend *b = &svc->backends[i];

		if (!pool_ok(svc, st, i, backup, tried))
			continue;
		h = mix64(key ^ b->hash);
		/* (0, 1]: 53 bits, never 0 */
		u = ((double)(h >> 11) + 1.0) / 9007199254740992.0;
		score = (double)b->weight / -log(u);
		if (u >= 1.0)
			score = HUGE_VAL;
		if (score > best_score) {
			best_score = score;
			best = (int)i;
		}
	}
	return best;
}

int
pool_pick(const struct conf_service *svc, struct pool_state *const *st,
    uint32_t *rr, uint64_t client_key, uint64_t tried)
{
	int	backup, i = -1;

	for (backup = 0; backup <= 1 && i == -1; backup++)
		switch (svc->balance) {
		case CONF_BAL_ROUNDROBIN:
			i = pool_rr(svc, st, rr, backup, tried);
			break;
		case CONF_BAL_LEASTCONN:
			i = pool_leastconn(svc, st, rr, backup, tried);
			break;
		case CONF_BAL_SOURCE:
			i = pool_source(svc, st, client_key, backup,
			    tried);
			break;
		}
	return i;
}
