/* SPDX-License-Identifier: ISC */
#ifndef V6G_MIX_H
#define V6G_MIX_H

#include <stdint.h>

/*
 * Cheap non-cryptographic hashing for tables and choices no outsider can
 * steer (SipHash, siphash.h, is for those that can).
 */

/* splitmix64's finalizer: every input bit reaches every output bit. */
static inline uint64_t
mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* FNV-1a, 64 bits, of a string. */
static inline uint64_t
fnv1a64(const char *s)
{
	uint64_t	h = 14695981039346656037ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

#endif
