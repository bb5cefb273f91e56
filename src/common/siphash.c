/* SPDX-License-Identifier: ISC */
/*
 * SipHash-1-3 of exactly 16 bytes: two message words and the final block,
 * which holds only the length.  Checked against the reference vectors in
 * tests/unit/test_clients.c.
 */

#include <string.h>
#include <sys/random.h>

#include "log.h"
#include "siphash.h"

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND do {							\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

static uint64_t
le64(const uint8_t *p)
{
	uint64_t	v = 0;
	int		i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

uint64_t
siphash16(const struct siphash_key *k, const uint8_t in[16])
{
	uint64_t	v0 = 0x736f6d6570736575ULL ^ k->k0;
	uint64_t	v1 = 0x646f72616e646f6dULL ^ k->k1;
	uint64_t	v2 = 0x6c7967656e657261ULL ^ k->k0;
	uint64_t	v3 = 0x7465646279746573ULL ^ k->k1;
	uint64_t	m;

	m = le64(in);
	v3 ^= m; SIPROUND; v0 ^= m;
	m = le64(in + 8);
	v3 ^= m; SIPROUND; v0 ^= m;
	m = (uint64_t)16 << 56;		/* the length, no tail bytes */
	v3 ^= m; SIPROUND; v0 ^= m;
	v2 ^= 0xff;
	SIPROUND; SIPROUND; SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

void
siphash_key_random(struct siphash_key *k)
{
	if (getrandom(k, sizeof(*k), 0) != (ssize_t)sizeof(*k))
		fatal("getrandom");
}
