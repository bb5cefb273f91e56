/* SPDX-License-Identifier: ISC */
#ifndef V6G_FUZZ_SPLIT_H
#define V6G_FUZZ_SPLIT_H

#include <stddef.h>
#include <stdint.h>

/*
 * For the differential targets of resumable parsers (fuzz_sni, fuzz_ppin):
 * FNV-1a of the input, a split point libFuzzer moves with every mutation.
 */
static inline size_t
fuzz_hash(const uint8_t *d, size_t n)
{
	uint32_t	h = 2166136261u;
	size_t		i;

	for (i = 0; i < n; i++)
		h = (h ^ d[i]) * 16777619u;
	return h;
}

#endif
