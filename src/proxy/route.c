/* SPDX-License-Identifier: ISC */
/*
 * Routing tables: two open-addressing hash tables per listener, one for exact
 * names and one for wildcard suffixes.  A lookup costs one probe for an
 * exact name and one more per label for wildcards, whatever the number of
 * names configured (sniproxy scans a list of regexes instead).  Tables grow
 * while the config is built and are never written after that, so workers
 * read them without locks.  Defaults are not kept here: the caller falls
 * back to the listener's default service.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"

struct route_entry {
	char		*name;		/* NULL: empty slot */
	size_t		 len;
	uint32_t	 hash;
	void		*val;
};

struct route_hash {
	struct route_entry	*slots;
	size_t			 size;	/* power of two, or 0 */
	size_t			 used;
};

struct route_table {
	struct route_hash	exact;
	struct route_hash	wild;	/* keyed by the suffix after "*." */
};

/* FNV-1a: short keys, no adversary controls the table's content. */
static uint32_t
route_hashfn(const char *s, size_t len)
{
	uint32_t	h = 2166136261u;
	size_t		i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static struct route_entry *
route_find(const struct route_hash *t, const char *s, size_t len, uint32_t h)
{
	size_t	i, mask;

	if (t->size == 0)
		return NULL;
	mask = t->size - 1;
	for (i = h & mask;; i = (i + 1) & mask) {
		struct route_entry *e = &t->slots[i];

		if (e->name == NULL)
			return NULL;
		if (e->hash == h && e->len == len &&
		    memcmp(e->name, s, len) == 0)
			return e;
	}
}

static int
route_grow(struct route_hash *t)
{
	struct route_entry	*old = t->slots, *ns;
	size_t			 osize = t->size, nsize, i, j;

	nsize = osize ? osize * 2 : 16;
	if ((ns = calloc(nsize, sizeof(*ns))) == NULL)
		return -1;
	for (i = 0; i < osize; i++) {
		if (old[i].name == NULL)
			continue;
		for (j = old[i].hash & (nsize - 1); ns[j].name != NULL;
		    j = (j + 1) & (nsize - 1))
			;
		ns[j] = old[i];
	}
	free(old);
	t->slots = ns;
	t->size = nsize;
	return 0;
}

static int
route_insert(struct route_hash *t, const char *s, size_t len, void *val,
    void **prev)
{
	struct route_entry	*e;
	uint32_t		 h = route_hashfn(s, len);
	size_t			 i;

	*prev = NULL;
	if ((e = route_find(t, s, len, h)) != NULL) {
		*prev = e->val;
		return -1;
	}
	/* Keep the load factor at most 1/2: probes stay short. */
	if ((t->used + 1) * 2 > t->size && route_grow(t) == -1)
		return -1;
	for (i = h & (t->size - 1); t->slots[i].name != NULL;
	    i = (i + 1) & (t->size - 1))
		;
	if ((t->slots[i].name = strndup(s, len)) == NULL)
		return -1;
	t->slots[i].len = len;
	t->slots[i].hash = h;
	t->slots[i].val = val;
	t->used++;
	return 0;
}

struct route_table *
route_new(void)
{
	return calloc(1, sizeof(struct route_table));
}

static void
route_hash_free(struct route_hash *t)
{
	size_t	i;

	for (i = 0; i < t->size; i++)
		free(t->slots[i].name);
	free(t->slots);
}

void
route_free(struct route_table *rt)
{
	if (rt == NULL)
		return;
	route_hash_free(&rt->exact);
	route_hash_free(&rt->wild);
	free(rt);
}

int
route_add(struct route_table *rt, const char *name, void *val, void **prev)
{
	size_t	len = strlen(name);

	if (len > 2 && name[0] == '*' && name[1] == '.')
		return route_insert(&rt->wild, name + 2, len - 2, val, prev);
	return route_insert(&rt->exact, name, len, val, prev);
}

void *
route_lookup(const struct route_table *rt, const char *name, size_t len)
{
	struct route_entry	*e;
	size_t			 i;

	if ((e = route_find(&rt->exact, name, len,
	    route_hashfn(name, len))) != NULL)
		return e->val;
	if (rt->wild.used == 0)
		return NULL;
	/* Longest suffix first: strip one label at a time from the left. */
	for (i = 0; i < len; i++) {
		if (name[i] != '.')
			continue;
		if ((e = route_find(&rt->wild, name + i + 1, len - i - 1,
		    route_hashfn(name + i + 1, len - i - 1))) != NULL)
			return e->val;
	}
	return NULL;
}

size_t
route_count(const struct route_table *rt)
{
	return rt->exact.used + rt->wild.used;
}
