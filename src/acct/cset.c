/* SPDX-License-Identifier: ISC */
/*
 * Distinct-client sets (see cset.h).  Linear probing over a power-of-two
 * table at most half full, keyed by the caller's 64-bit SipHash: the hash
 * is stored with the key, so a probe compares 16 bytes only when the hashes
 * match, growth needs no rehash, and the sketch can be built from the
 * table when the set outgrows its limit.
 */

#include <stdlib.h>
#include <string.h>

#include "cset.h"

#define CSET_MIN	64

int
cset_init(struct cset *s, size_t limit)
{
	memset(s, 0, sizeof(*s));
	s->limit = limit;
	if (limit == 0)			/* estimate from the first key */
		return (s->hll = calloc(1, sizeof(*s->hll))) ? 0 : -1;
	if ((s->keys = calloc(CSET_MIN, sizeof(*s->keys))) == NULL ||
	    (s->hashes = calloc(CSET_MIN, sizeof(*s->hashes))) == NULL) {
		cset_free(s);
		return -1;
	}
	s->size = CSET_MIN;
	return 0;
}

void
cset_free(struct cset *s)
{
	free(s->keys);
	free(s->hashes);
	free(s->hll);
	memset(s, 0, sizeof(*s));
}

/* From exact to estimate: the members' hashes into a new sketch. */
static int
cset_to_sketch(struct cset *s)
{
	size_t	i;

	if (s->hll != NULL)
		return 0;
	if ((s->hll = calloc(1, sizeof(*s->hll))) == NULL)
		return -1;
	for (i = 0; i < s->size; i++)
		if (s->hashes[i] != 0)
			hll_add(s->hll, s->hashes[i]);
	free(s->keys);
	free(s->hashes);
	s->keys = NULL;
	s->hashes = NULL;
	s->size = s->n = 0;
	return 0;
}

static int
cset_grow(struct cset *s)
{
	size_t		  nsize = s->size * 2, i, j;
	uint8_t		(*nkeys)[16];
	uint64_t	 *nhashes;

	if ((nkeys = calloc(nsize, sizeof(*nkeys))) == NULL)
		return -1;
	if ((nhashes = calloc(nsize, sizeof(*nhashes))) == NULL) {
		free(nkeys);
		return -1;
	}
	for (i = 0; i < s->size; i++) {
		if (s->hashes[i] == 0)
			continue;
		for (j = s->hashes[i] & (nsize - 1); nhashes[j] != 0;
		    j = (j + 1) & (nsize - 1))
			;
		nhashes[j] = s->hashes[i];
		memcpy(nkeys[j], s->keys[i], 16);
	}
	free(s->keys);
	free(s->hashes);
	s->keys = nkeys;
	s->hashes = nhashes;
	s->size = nsize;
	return 0;
}

int
cset_add(struct cset *s, const uint8_t key[16], uint64_t hash)
{
	size_t	i;

	if (hash == 0)
		hash = 1;		/* 0 marks an empty slot */
	if (s->keys == NULL)
		return hll_add(s->hll, hash);
	for (i = hash & (s->size - 1); s->hashes[i] != 0;
	    i = (i + 1) & (s->size - 1))
		if (s->hashes[i] == hash && memcmp(s->keys[i], key, 16) == 0)
			return 0;
	if (s->n == s->limit) {
		if (cset_to_sketch(s) == -1)
			return -1;
		hll_add(s->hll, hash);
		return 1;
	}
	/* grow first: a failure then leaves the set as it was */
	if ((s->n + 1) * 2 > s->size && cset_grow(s) == -1)
		return -1;
	for (i = hash & (s->size - 1); s->hashes[i] != 0;
	    i = (i + 1) & (s->size - 1))
		;
	s->hashes[i] = hash;
	memcpy(s->keys[i], key, 16);
	s->n++;
	return 1;
}

int
cset_merge_sketch(struct cset *s, const uint8_t *reg)
{
	if (cset_to_sketch(s) == -1)
		return -1;
	hll_merge(s->hll, (const struct hll *)reg);
	return 0;
}

int
cset_exact(const struct cset *s)
{
	return s->keys != NULL;
}

uint64_t
cset_count(const struct cset *s)
{
	return s->keys != NULL ? s->n : hll_estimate(s->hll);
}
