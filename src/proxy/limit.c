/* SPDX-License-Identifier: ISC */
/*
 * See limit.h.  Take increments first and checks after, so two workers
 * racing for a client's last slot cannot both win.
 */

#include "limit.h"

#define LIMIT_BUCKETS	65536

static uint32_t	limit_tab[2][LIMIT_BUCKETS];

static void
limit_hash(uint64_t key, uint32_t *h0, uint32_t *h1)
{
	/* splitmix64: two independent 16-bit indexes from one mix */
	key += 0x9e3779b97f4a7c15ULL;
	key = (key ^ (key >> 30)) * 0xbf58476d1ce4e5b9ULL;
	key = (key ^ (key >> 27)) * 0x94d049bb133111ebULL;
	key ^= key >> 31;
	*h0 = (uint32_t)(key & (LIMIT_BUCKETS - 1));
	*h1 = (uint32_t)((key >> 32) & (LIMIT_BUCKETS - 1));
}

int
limit_pending_take(uint64_t key, unsigned limit)
{
	uint32_t	h0, h1, a, b;

	limit_hash(key, &h0, &h1);
	a = __atomic_add_fetch(&limit_tab[0][h0], 1, __ATOMIC_RELAXED);
	b = __atomic_add_fetch(&limit_tab[1][h1], 1, __ATOMIC_RELAXED);
	if ((a < b ? a : b) > limit) {
		limit_pending_put(key);
		return -1;
	}
	return 0;
}

void
limit_pending_put(uint64_t key)
{
	uint32_t	h0, h1;

	limit_hash(key, &h0, &h1);
	__atomic_sub_fetch(&limit_tab[0][h0], 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&limit_tab[1][h1], 1, __ATOMIC_RELAXED);
}
