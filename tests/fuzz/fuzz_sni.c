/* SPDX-License-Identifier: ISC */
/*
 * Differential fuzz target for the ClientHello parser (src/proxy/sni.c).
 * The input is the client's byte stream.  It is fed whole, then again
 * split in two at a point taken from a hash of the input, in chunks whose
 * sizes the input chooses, and one byte at a time; every way must end in
 * the same result (rc, err, flags, record_version, name), since a parser
 * that depends on how TCP cut the stream is exactly the bug this parser
 * exists to avoid.  It also checks what must hold for any input: a name
 * only with SNI_DONE, valid and lower-case; an error only with SNI_ERROR;
 * a finished parser stays finished.  Deterministic: no randomness, no
 * global state.  Any failure is __builtin_trap().
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "common/hostname.h"
#include "fuzz_split.h"
#include "proxy/sni.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_ASSERT(x)	do { if (!(x)) __builtin_trap(); } while (0)

static void
fuzz_invariants(const struct sni_parser *p, enum sni_rc rc)
{
	size_t	i;

	switch (rc) {
	case SNI_AGAIN:
		FUZZ_ASSERT(p->err == SNI_E_NONE);
		break;
	case SNI_DONE:
		FUZZ_ASSERT(p->err == SNI_E_NONE);
		FUZZ_ASSERT(p->namelen <= SNI_NAME_MAX);
		FUZZ_ASSERT(p->name[p->namelen] == '\0');
		FUZZ_ASSERT(strlen(p->name) == p->namelen);
		FUZZ_ASSERT((p->namelen == 0) == !!(p->flags & SNI_F_NO_SNI));
		if (p->flags & SNI_F_SSLV2)
			FUZZ_ASSERT(p->namelen == 0);
		if (p->namelen != 0)
			FUZZ_ASSERT(hostname_check(p->name, p->namelen) ==
			    HOSTNAME_OK);
		for (i = 0; i < p->namelen; i++)
			FUZZ_ASSERT(p->name[i] < 'A' || p->name[i] > 'Z');
		break;
	case SNI_ERROR:
		FUZZ_ASSERT(p->err != SNI_E_NONE);
		FUZZ_ASSERT(p->namelen == 0 && p->name[0] == '\0');
		FUZZ_ASSERT(strcmp(sni_strerror(p->err), "unknown") != 0);
		break;
	default:
		FUZZ_ASSERT(0);
	}
}

/* Everything a caller may look at. */
static void
fuzz_same(const struct sni_parser *a, enum sni_rc ra,
    const struct sni_parser *b, enum sni_rc rb)
{
	FUZZ_ASSERT(ra == rb);
	FUZZ_ASSERT(a->err == b->err);
	FUZZ_ASSERT(a->flags == b->flags);
	FUZZ_ASSERT(a->record_version == b->record_version);
	if (ra == SNI_DONE) {
		FUZZ_ASSERT(a->namelen == b->namelen);
		FUZZ_ASSERT(memcmp(a->name, b->name, a->namelen + 1) == 0);
	}
}

/*
 * Feed one piece and check that a verdict, once given, never changes:
 * before it every call says SNI_AGAIN, after it every call repeats it.
 */
static enum sni_rc
fuzz_feed(struct sni_parser *p, enum sni_rc prev, const uint8_t *d,
    size_t n)
{
	enum sni_rc	rc = sni_feed(p, d, n);

	if (prev != SNI_AGAIN)
		FUZZ_ASSERT(rc == prev);
	fuzz_invariants(p, rc);
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct sni_parser	whole, p;
	enum sni_rc		rw, r;
	size_t			i, k, j;
	static const uint8_t	none[1];

	if (n == 0)		/* no arithmetic on a NULL pointer */
		d = none;
	/* whole */
	sni_init(&whole);
	rw = fuzz_feed(&whole, SNI_AGAIN, d, n);

	/* two pieces */
	k = n ? fuzz_hash(d, n) % (n + 1) : 0;
	sni_init(&p);
	r = fuzz_feed(&p, SNI_AGAIN, d, k);
	r = fuzz_feed(&p, r, d + k, n - k);
	fuzz_same(&p, r, &whole, rw);

	/* chunks of 1-16 bytes, sizes from the input read backwards */
	sni_init(&p);
	r = SNI_AGAIN;
	for (i = 0, j = n; i < n; i += k) {
		k = j > 0 ? 1 + (d[--j] & 15) : 1;
		if (k > n - i)
			k = n - i;
		r = fuzz_feed(&p, r, d + i, k);
	}
	fuzz_same(&p, r, &whole, rw);

	/* one byte at a time, then nothing */
	sni_init(&p);
	r = SNI_AGAIN;
	for (i = 0; i < n; i++)
		r = fuzz_feed(&p, r, d + i, 1);
	r = fuzz_feed(&p, r, d, 0);
	fuzz_same(&p, r, &whole, rw);

	/* a finished parser ignores what follows */
	if (rw != SNI_AGAIN) {
		r = fuzz_feed(&whole, rw, d, n);
		fuzz_same(&whole, r, &p, rw);
	}
	return 0;
}
