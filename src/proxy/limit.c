/* SPDX-License-Identifier: ISC */
/*
 * See limit.h.  Counts take increments first and check after, so two
 * workers racing for a client's last slot cannot both win.  Rates are
 * checked first and counted after: under a race a client may get one
 * connection more in a second, never fewer than its limit.
 */

#include <string.h>

#include "limit.h"
#include "mix.h"

#define LIMIT_BUCKETS	65536

static uint32_t	limit_pending[2][LIMIT_BUCKETS];
static uint32_t	limit_conns[2][LIMIT_BUCKETS];
/* rate cells: second (32 bits) | last second's count | this second's */
static uint64_t	limit_rates[2][LIMIT_BUCKETS];

static void
limit_hash(uint64_t key, uint32_t *h0, uint32_t *h1)
{
	/* two independent 16-bit indexes from one mix */
	key = mix64(key);
	*h0 = (uint32_t)(key & (LIMIT_BUCKETS - 1));
	*h1 = (uint32_t)((key >> 32) & (LIMIT_BUCKETS - 1));
}

uint64_t
limit_key(uint64_t client_key, uint64_t service_hash)
{
	return mix64(client_key ^ mix64(service_hash));
}

static int
limit_count_take(uint32_t tab[2][LIMIT_BUCKETS], uint64_t key,
    unsigned limit)
{
	uint32_t	h0, h1, a, b;

	limit_hash(key, &h0, &h1);
	a = __atomic_add_fetch(&tab[0][h0], 1, __ATOMIC_RELAXED);
	b = __atomic_add_fetch(&tab[1][h1], 1, __ATOMIC_RELAXED);
	if ((a < b ? a : b) > limit) {
		__atomic_sub_fetch(&tab[0][h0], 1, __ATOMIC_RELAXED);
		__atomic_sub_fetch(&tab[1][h1], 1, __ATOMIC_RELAXED);
		return -1;
	}
	return 0;
}

static void
limit_count_put(uint32_t tab[2][LIMIT_BUCKETS], uint64_t key)
{
	uint32_t	h0, h1;

	limit_hash(key, &h0, &h1);
	__atomic_sub_fetch(&tab[0][h0], 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&tab[1][h1], 1, __ATOMIC_RELAXED);
}

int
limit_pending_take(uint64_t key, unsigned limit)
{
	return limit_count_take(limit_pending, key, limit);
}

void
limit_pending_put(uint64_t key)
{
	limit_count_put(limit_pending, key);
}

/*
 * The key of client_key's first plen bits (48 or 32), tagged with plen so
 * that a /48 never shares counts with the /64 of the same value.
 */
static uint64_t
limit_prefix_key(uint64_t client_key, unsigned plen)
{
	uint8_t	b[8];

	/* client_key holds the address's first 8 bytes in memory order */
	memcpy(b, &client_key, sizeof(b));
	memset(b + plen / 8, 0, sizeof(b) - plen / 8);
	memcpy(&client_key, b, sizeof(b));
	return mix64(client_key ^ mix64(plen));
}

int
limit_prefix_take(uint64_t client_key, int v6, const struct limit_prefix *l)
{
	uint64_t	k48, k32;

	if (limit_pending_take(client_key, l->per_client) == -1)
		return -1;
	if (!v6)
		return 0;
	k48 = limit_prefix_key(client_key, 48);
	k32 = limit_prefix_key(client_key, 32);
	if (limit_pending_take(k48, l->per_48) == -1)
		goto fail;
	if (limit_pending_take(k32, l->per_32) == -1) {
		limit_pending_put(k48);
		goto fail;
	}
	return 0;
fail:
	limit_pending_put(client_key);
	return -2;
}

void
limit_prefix_put(uint64_t client_key, int v6)
{
	limit_pending_put(client_key);
	if (!v6)
		return;
	limit_pending_put(limit_prefix_key(client_key, 48));
	limit_pending_put(limit_prefix_key(client_key, 32));
}

int
limit_conn_take(uint64_t key, unsigned limit)
{
	return limit_count_take(limit_conns, key, limit);
}

void
limit_conn_put(uint64_t key)
{
	limit_count_put(limit_conns, key);
}

/*
 * A rate cell brought to second *sec: (prev, cur).  Workers read their
 * clocks at different moments: a cell already in a later second is taken
 * as it is (*sec moves to it), never moved back and wiped.
 */
static void
limit_cell(uint64_t v, uint32_t *sec, uint32_t *prev, uint32_t *cur)
{
	uint32_t	s = (uint32_t)(v >> 32);

	if (s == *sec || (s > *sec && s - *sec < 2)) {
		*sec = s;
		*prev = (uint32_t)(v >> 16) & 0xffff;
		*cur = (uint32_t)v & 0xffff;
	} else if (s + 1 == *sec) {
		*prev = (uint32_t)v & 0xffff;
		*cur = 0;
	} else
		*prev = *cur = 0;
}

int
limit_rate_take(uint64_t key, unsigned limit, uint64_t now_ms)
{
	uint32_t	h[2], sec, prev, cur, in, est, best = 0;
	uint64_t	v, nv;
	int		r;

	limit_hash(key, &h[0], &h[1]);
	for (r = 0; r < 2; r++) {
		sec = (uint32_t)(now_ms / 1000);
		in = (uint32_t)(now_ms % 1000);
		v = __atomic_load_n(&limit_rates[r][h[r]], __ATOMIC_RELAXED);
		limit_cell(v, &sec, &prev, &cur);
		if (sec != (uint32_t)(now_ms / 1000))
			in = 0;		/* a cell ahead: its second begins */
		/* rounded down, as HAProxy's freq_ctr: a limit of 1 a second
		   admits one a second, not one every two */
		est = cur + prev * (1000 - in) / 1000;
		if (r == 0 || est < best)
			best = est;
	}
	if (best + 1 > limit)
		return -1;
	for (r = 0; r < 2; r++) {
		v = __atomic_load_n(&limit_rates[r][h[r]], __ATOMIC_RELAXED);
		do {
			sec = (uint32_t)(now_ms / 1000);
			limit_cell(v, &sec, &prev, &cur);
			if (cur < 0xffff)
				cur++;
			nv = (uint64_t)sec << 32 | (uint64_t)prev << 16 | cur;
		} while (!__atomic_compare_exchange_n(&limit_rates[r][h[r]],
		    &v, nv, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	}
	return 0;
}
