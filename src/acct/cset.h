/* SPDX-License-Identifier: ISC */
#ifndef V6G_CSET_H
#define V6G_CSET_H

#include <stddef.h>
#include <stdint.h>

#include "hll.h"

/*
 * A set of distinct clients (16-byte keys: an IPv6 address, a /64 prefix
 * or an IPv4-mapped address), exact up to a limit, then estimated: past
 * the limit the members' hashes go into a HyperLogLog sketch, the table is
 * dropped and the sketch answers.  The caller hashes the keys (siphash16)
 * with one key for the table and the sketch.
 */

struct cset {
	uint8_t		(*keys)[16];	/* open addressing; NULL: estimate */
	uint64_t	*hashes;	/* of keys[i]; 0: empty slot */
	size_t		 size;		/* slots, a power of two */
	size_t		 n;		/* keys in the table */
	size_t		 limit;		/* exact up to this many keys */
	struct hll	*hll;		/* once an estimate */
};

int		 cset_init(struct cset *, size_t limit);
void		 cset_free(struct cset *);
/*
 * 1: the set changed (a new member, or the sketch moved: check
 * cset_exact()), 0: it did not; -1: out of memory, the key is lost.
 */
int		 cset_add(struct cset *, const uint8_t key[16], uint64_t hash);
/* The union with a stored sketch (HLL_REGS registers, the same hash):
   an estimate from now on.  -1: out of memory, nothing changed. */
int		 cset_merge_sketch(struct cset *, const uint8_t *);
int		 cset_exact(const struct cset *);
uint64_t	 cset_count(const struct cset *);

#endif
