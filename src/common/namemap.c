/* SPDX-License-Identifier: ISC */
/*
 * A name map (see namemap.h): two open-addressing hash tables, one for
 * exact names and one for wildcard suffixes.  A lookup costs one probe for
 * an exact name and one more per label for wildcards, whatever the number
 * of names (sniproxy scans a list of regexes instead).  A map grows while
 * it is built and, for a listener's routes, is never written after that, so
 * workers read it without locks.  Defaults are not kept here: the proxy
 * falls back to the listener's default service.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "namemap.h"

struct namemap_entry {
	char		*name;		/* NULL: empty slot */
	size_t		 len;
	uint32_t	 hash;
	void		*val;
};

struct namemap_hash {
	struct namemap_entry	*slots;
	size_t			 size;	/* power of two, or 0 */
	size_t			 used;
};

struct namemap {
	struct namemap_hash	exact;
	struct namemap_hash	wild;	/* keyed by the suffix after "*." */
};

/* FNV-1a: short keys, no adversary controls the table's content. */
static uint32_t
namemap_hashfn(const char *s, size_t len)
{
	uint32_t	h = 2166136261u;
	size_t		i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 16777619u;
	}
	return h;
}

static struct namemap_entry *
namemap_find(const struct namemap_hash *t, const char *s, size_t len, uint32_t h)
{
	size_t	i, mask;

	if (t->size == 0)
		return NULL;
	mask = t->size - 1;
	for (i = h & mask;; i = (i + 1) & mask) {
		struct namemap_entry *e = &t->slots[i];

		if (e->name == NULL)
			return NULL;
		if (e->hash == h && e->len == len &&
		    memcmp(e->name, s, len) == 0)
			return e;
	}
}

static int
namemap_grow(struct namemap_hash *t)
{
	struct namemap_entry	*old = t->slots, *ns;
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
namemap_insert(struct namemap_hash *t, const char *s, size_t len, void *val,
    void **prev)
{
	struct namemap_entry	*e;
	uint32_t		 h = namemap_hashfn(s, len);
	size_t			 i;

	*prev = NULL;
	if ((e = namemap_find(t, s, len, h)) != NULL) {
		*prev = e->val;
		return -1;
	}
	/* Keep the load factor at most 1/2: probes stay short. */
	if ((t->used + 1) * 2 > t->size && namemap_grow(t) == -1)
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

struct namemap *
namemap_new(void)
{
	return calloc(1, sizeof(struct namemap));
}

static void
namemap_hash_free(struct namemap_hash *t)
{
	size_t	i;

	for (i = 0; i < t->size; i++)
		free(t->slots[i].name);
	free(t->slots);
}

void
namemap_free(struct namemap *rt)
{
	if (rt == NULL)
		return;
	namemap_hash_free(&rt->exact);
	namemap_hash_free(&rt->wild);
	free(rt);
}

int
namemap_add(struct namemap *rt, const char *name, void *val, void **prev)
{
	size_t	len = strlen(name);

	if (len > 2 && name[0] == '*' && name[1] == '.')
		return namemap_insert(&rt->wild, name + 2, len - 2, val, prev);
	return namemap_insert(&rt->exact, name, len, val, prev);
}

void *
namemap_lookup(const struct namemap *rt, const char *name, size_t len)
{
	struct namemap_entry	*e;
	size_t			 i;

	if ((e = namemap_find(&rt->exact, name, len,
	    namemap_hashfn(name, len))) != NULL)
		return e->val;
	if (rt->wild.used == 0)
		return NULL;
	/* Longest suffix first: strip one label at a time from the left. */
	for (i = 0; i < len; i++) {
		if (name[i] != '.')
			continue;
		if ((e = namemap_find(&rt->wild, name + i + 1, len - i - 1,
		    namemap_hashfn(name + i + 1, len - i - 1))) != NULL)
			return e->val;
	}
	return NULL;
}

size_t
namemap_count(const struct namemap *rt)
{
	return rt->exact.used + rt->wild.used;
}
