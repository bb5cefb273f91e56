/* SPDX-License-Identifier: ISC */
/*
 * Distinct-client counting: SipHash-1-3 against OpenSSL's SipHash with the
 * same rounds, the HyperLogLog estimate within the 2 % the reports promise
 * over cardinalities from 1 to 2 million, and the exact set turning into
 * an estimate at its limit without losing anyone.
 */

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "acct/clients.h"
#include "acct/cset.h"
#include "acct/hll.h"
#include "siphash.h"
#include "t.h"

/* The reference: OpenSSL's SipHash, 1 compression and 3 final rounds. */
static uint64_t
ref_siphash13(const uint8_t key[16], const uint8_t in[16])
{
	EVP_MAC		*mac = EVP_MAC_fetch(NULL, "SIPHASH", NULL);
	EVP_MAC_CTX	*ctx = EVP_MAC_CTX_new(mac);
	unsigned int	 c = 1, d = 3;
	size_t		 size = 8, outl = 0;
	uint8_t		 out[8];
	uint64_t	 v = 0;
	OSSL_PARAM	 p[] = {
		OSSL_PARAM_size_t(OSSL_MAC_PARAM_SIZE, &size),
		OSSL_PARAM_uint(OSSL_MAC_PARAM_C_ROUNDS, &c),
		OSSL_PARAM_uint(OSSL_MAC_PARAM_D_ROUNDS, &d),
		OSSL_PARAM_END
	};
	int		 i;

	if (ctx == NULL || !EVP_MAC_init(ctx, key, 16, p) ||
	    !EVP_MAC_update(ctx, in, 16) ||
	    !EVP_MAC_final(ctx, out, &outl, sizeof(out)) || outl != 8) {
		fprintf(stderr, "OpenSSL SipHash failed\n");
		exit(1);
	}
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	for (i = 7; i >= 0; i--)
		v = v << 8 | out[i];
	return v;
}

static uint64_t
rnd64(uint64_t *s)
{
	/* splitmix64: reproducible inputs, independent of the code tested */
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void
key_bytes(const struct siphash_key *k, uint8_t b[16])
{
	int	i;

	for (i = 0; i < 8; i++) {
		b[i] = (uint8_t)(k->k0 >> (8 * i));
		b[8 + i] = (uint8_t)(k->k1 >> (8 * i));
	}
}

/* An IPv6 address from a counter, the way the synthetic clients look. */
static void
addr_of(uint64_t i, uint8_t a[16])
{
	memset(a, 0, 16);
	a[0] = 0x20;
	a[1] = 0x01;
	a[2] = 0x0d;
	a[3] = 0xb8;
	a[6] = (uint8_t)(i >> 24);
	a[7] = (uint8_t)(i >> 16);
	a[14] = (uint8_t)(i >> 8);
	a[15] = (uint8_t)i;
}

static void
test_siphash(void)
{
	struct siphash_key	k;
	uint8_t			kb[16], in[16];
	uint64_t		s = 1;
	int			i, j, same = 0;

	for (i = 0; i < 200; i++) {
		k.k0 = rnd64(&s);
		k.k1 = rnd64(&s);
		key_bytes(&k, kb);
		for (j = 0; j < 16; j++)
			in[j] = (uint8_t)rnd64(&s);
		if (i == 0)
			memset(in, 0, 16);
		same += siphash16(&k, in) == ref_siphash13(kb, in);
	}
	CHECK_INT(same, 200);
	/* the key matters */
	siphash_key_random(&k);
	addr_of(1, in);
	k.k0 ^= 1;
	{
		uint64_t a = siphash16(&k, in);

		k.k0 ^= 1;
		CHECK(a != siphash16(&k, in));
	}
}

/* The sketch's relative error over several keys per cardinality. */
static void
test_hll(void)
{
	static const uint64_t	ns[] = { 1, 2, 10, 100, 1000, 5000, 20000,
	    100000, 1000000, 2000000 };
	struct siphash_key	k;
	struct hll		*h = calloc(1, sizeof(*h)), *h2;
	uint8_t			a[16];
	uint64_t		s = 7, i, n, est;
	double			err, sq = 0, worst = 0;
	size_t			t, trial, trials = 0;

	CHECK(hll_estimate(h) == 0);
	for (t = 0; t < sizeof(ns) / sizeof(ns[0]); t++) {
		n = ns[t];
		for (trial = 0; trial < 3; trial++) {
			k.k0 = rnd64(&s);
			k.k1 = rnd64(&s);
			memset(h, 0, sizeof(*h));
			for (i = 0; i < n; i++) {
				addr_of(i, a);
				hll_add(h, siphash16(&k, a));
				/* duplicates change nothing */
				if (i % 3 == 0)
					hll_add(h, siphash16(&k, a));
			}
			est = hll_estimate(h);
			err = fabs((double)est - (double)n) / (double)n;
			if (n <= 100)
				CHECK_INT(est, n);	/* tiny: exact */
			else
				CHECK(err <= 0.02);
			if (err > worst)
				worst = err;
			sq += err * err;
			trials++;
		}
	}
	/* the standard error of 2^16 registers is 0.41 % */
	CHECK(sqrt(sq / (double)trials) < 0.006);
	fprintf(stderr, "hll: worst %.2f %%, rms %.2f %% over %zu trials\n",
	    worst * 100, sqrt(sq / (double)trials) * 100, trials);

	/* a union: two overlapping halves estimate the whole */
	h2 = calloc(1, sizeof(*h2));
	memset(h, 0, sizeof(*h));
	for (i = 0; i < 60000; i++) {
		addr_of(i, a);
		if (i < 40000)
			hll_add(h, siphash16(&k, a));
		if (i >= 20000)
			hll_add(h2, siphash16(&k, a));
	}
	hll_merge(h, h2);
	est = hll_estimate(h);
	CHECK(fabs((double)est - 60000) / 60000 <= 0.02);
	free(h);
	free(h2);
}

static void
test_cset(void)
{
	struct siphash_key	k;
	struct cset		s, s2;
	uint8_t			a[16];
	uint64_t		i, est;
	int			news = 0, known = 0, r;

	siphash_key_random(&k);
	CHECK(cset_init(&s, 1000) == 0);
	CHECK(cset_exact(&s));
	CHECK_INT(cset_count(&s), 0);
	for (i = 0; i < 1000; i++) {
		addr_of(i, a);
		news += cset_add(&s, a, siphash16(&k, a)) == 1;
	}
	for (i = 0; i < 1000; i++) {
		addr_of(i, a);
		known += cset_add(&s, a, siphash16(&k, a)) == 0;
	}
	CHECK_INT(news, 1000);
	CHECK_INT(known, 1000);
	CHECK(cset_exact(&s));
	CHECK_INT(cset_count(&s), 1000);
	/* the same hash, a different key: both counted (probes compare) */
	addr_of(5000, a);
	CHECK(cset_init(&s2, 10) == 0);
	CHECK(cset_add(&s2, a, 42) == 1);
	addr_of(5001, a);
	CHECK(cset_add(&s2, a, 42) == 1);
	CHECK(cset_add(&s2, a, 42) == 0);
	CHECK(cset_add(&s2, a, 0) == 1);	/* hash 0 is a valid hash */
	CHECK_INT(cset_count(&s2), 3);
	cset_free(&s2);

	/* one past the limit: an estimate, which knows the first 1000 */
	addr_of(1000, a);
	r = cset_add(&s, a, siphash16(&k, a));
	CHECK(r == 1);
	CHECK(!cset_exact(&s));
	est = cset_count(&s);
	CHECK(est >= 991 && est <= 1011);
	addr_of(10, a);
	CHECK(cset_add(&s, a, siphash16(&k, a)) == 0);	/* known */
	CHECK_INT(cset_count(&s), est);
	for (i = 1001; i < 50000; i++) {
		addr_of(i, a);
		cset_add(&s, a, siphash16(&k, a));
	}
	est = cset_count(&s);
	CHECK(fabs((double)est - 50000) / 50000 <= 0.02);

	/* a stored sketch merges: nobody counted twice */
	CHECK(cset_init(&s2, 100000) == 0);
	for (i = 40000; i < 60000; i++) {
		addr_of(i, a);
		cset_add(&s2, a, siphash16(&k, a));
	}
	CHECK(cset_exact(&s2));
	cset_merge_sketch(&s2, s.hll->reg);
	CHECK(!cset_exact(&s2));
	est = cset_count(&s2);
	CHECK(fabs((double)est - 60000) / 60000 <= 0.02);
	cset_free(&s2);
	cset_free(&s);

	/* limit 0: an estimate from the first client */
	CHECK(cset_init(&s, 0) == 0);
	addr_of(1, a);
	CHECK(cset_add(&s, a, siphash16(&k, a)) == 1);
	CHECK(cset_add(&s, a, siphash16(&k, a)) == 0);
	CHECK(!cset_exact(&s));
	CHECK_INT(cset_count(&s), 1);
	cset_free(&s);
}

/* accounting.clients_key_file: 32 hex digits, nothing else. */
static void
test_key_file(void)
{
	static const struct {
		const char	*text;
		int		 rc;
	} t[] = {
		{ "00112233445566778899aabbccddeeff\n", 0 },
		{ "00112233445566778899AABBCCDDEEFF", 0 },
		{ "00112233445566778899aabbccddeeff  \n", 0 },
		{ "00112233445566778899aabbccddee\n", -1 },	/* 30 */
		{ "00112233445566778899aabbccddeeff0\n", -1 },	/* 33 */
		{ "00112233445566778899aabbccddeexx\n", -1 },
		{ "", -1 },
	};
	char	path[] = "/tmp/test_clients.XXXXXX", err[256];
	size_t	i;
	FILE	*f;
	int	fd;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		if ((fd = mkstemp(path)) == -1 || (f = fdopen(fd, "w")) ==
		    NULL) {
			CHECK(0);
			return;
		}
		fputs(t[i].text, f);
		fclose(f);
		err[0] = '\0';
		CHECK_INT(clients_key_read(path, err, sizeof(err)), t[i].rc);
		if (t[i].rc == -1)
			CHECK(strstr(err, "not a key (32 hex digits") != NULL);
		unlink(path);
		memcpy(path + strlen(path) - 6, "XXXXXX", 6);
	}
	CHECK_INT(clients_key_read("/nonexistent/key", err, sizeof(err)), -1);
	CHECK(strstr(err, "/nonexistent/key: No such file") != NULL);
}

int
main(void)
{
	test_siphash();
	test_hll();
	test_cset();
	test_key_file();
	return t_done("test_clients");
}
