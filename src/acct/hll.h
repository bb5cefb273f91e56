/* SPDX-License-Identifier: ISC */
#ifndef V6G_HLL_H
#define V6G_HLL_H

#include <stdint.h>

/*
 * A HyperLogLog sketch: the number of distinct items added, estimated in
 * 64 KiB whatever their number, with a standard error of 0.41 % (2^16
 * registers): the 2 % a report may be off is five standard errors.  Items are added by a 64-bit hash, which must be uniform
 * (keyed: see siphash.h).
 */

#define HLL_P		16
#define HLL_REGS	(1u << HLL_P)

struct hll {
	uint8_t		reg[HLL_REGS];
};

/* 1 if a register moved (the sketch must be stored again), 0 if not. */
int		hll_add(struct hll *, uint64_t hash);
/* The estimated number of distinct hashes added. */
uint64_t	hll_estimate(const struct hll *);
/* dst becomes the sketch of both sets (the union). */
void		hll_merge(struct hll *dst, const struct hll *src);

#endif
