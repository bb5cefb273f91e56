/* SPDX-License-Identifier: ISC */
#ifndef V6G_SIPHASH_H
#define V6G_SIPHASH_H

#include <stddef.h>
#include <stdint.h>

/*
 * SipHash-1-3 (Aumasson and Bernstein; the variant Python and Rust use for
 * their hash tables) of a 16-byte key such as an IPv6 address.  Keyed with
 * a secret drawn at start, so that clients cannot choose addresses that
 * collide in our tables or skew a HyperLogLog.
 */

struct siphash_key {
	uint64_t	k0, k1;
};

/* A fresh random key (getrandom); aborts only if the kernel cannot. */
void		siphash_key_random(struct siphash_key *);
uint64_t	siphash16(const struct siphash_key *, const uint8_t in[16]);

#endif
