/* SPDX-License-Identifier: ISC */
/*
 * Differential fuzz target for the PROXY protocol reader
 * (src/proxy/ppin.c).  The input is what a peer sends.  It is fed whole,
 * split in two at a point from a hash of the input, in chunks of 1-16
 * bytes whose sizes the input chooses, and one byte at a time: every way
 * must give the same verdict, command, addresses and header length, and
 * the length must lie within the input.  A verdict once given never
 * changes.  Then against the strict reader of the unit tests
 * (tests/unit/pphdr_read.c): a header it accepts, within PPIN_V2_LEN_MAX,
 * must be accepted here with the same length, command and addresses
 * (mapped IPv6 read as IPv4, UNSPEC as PPIN_UNKNOWN, LOCAL's addresses
 * ignored).  Deterministic; any failure is __builtin_trap().
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fuzz_split.h"

#include "proxy/ppin.h"
#include "../unit/pphdr_read.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_ASSERT(x)	do { if (!(x)) __builtin_trap(); } while (0)

struct fuzz_run {
	struct ppin_parser	p;
	enum ppin_rc		rc;
	size_t			end;	/* of the header, in the input */
};

static void
fuzz_piece(struct fuzz_run *r, const uint8_t *d, size_t at, size_t n)
{
	enum ppin_rc	rc;
	size_t		used;

	rc = ppin_feed(&r->p, d + at, n, &used);
	FUZZ_ASSERT(used <= n);
	if (r->rc != PPIN_AGAIN) {
		FUZZ_ASSERT(rc == r->rc && used == 0);
		return;
	}
	if (rc == PPIN_AGAIN)
		FUZZ_ASSERT(used == n && r->p.err == PPIN_E_NONE);
	if (rc == PPIN_DONE)
		r->end = at + used;
	if (rc == PPIN_ERROR)
		FUZZ_ASSERT(r->p.err != PPIN_E_NONE &&
		    strcmp(ppin_strerror(r->p.err), "unknown") != 0);
	r->rc = rc;
}

static void
fuzz_start(struct fuzz_run *r)
{
	ppin_init(&r->p);
	r->rc = PPIN_AGAIN;
	r->end = 0;
}

static int
fuzz_addr_eq(const union addr_sa *a, const union addr_sa *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return 0;
	if (a->sa.sa_family == AF_INET)
		return memcmp(&a->sin.sin_addr, &b->sin.sin_addr, 4) == 0 &&
		    a->sin.sin_port == b->sin.sin_port;
	return memcmp(&a->sin6.sin6_addr, &b->sin6.sin6_addr, 16) == 0 &&
	    a->sin6.sin6_port == b->sin6.sin6_port;
}

static void
fuzz_same(const struct fuzz_run *a, const struct fuzz_run *b)
{
	FUZZ_ASSERT(a->rc == b->rc);
	FUZZ_ASSERT(a->p.err == b->p.err);
	FUZZ_ASSERT(a->p.version == b->p.version);
	if (a->rc != PPIN_DONE)
		return;
	FUZZ_ASSERT(a->end == b->end && a->p.total == b->p.total);
	FUZZ_ASSERT(a->p.command == b->p.command);
	if (a->p.command == PPIN_PROXY)
		FUZZ_ASSERT(fuzz_addr_eq(&a->p.src, &b->p.src) &&
		    fuzz_addr_eq(&a->p.dst, &b->p.dst));
}

/* The oracle's address, mapped IPv6 as IPv4, as ppin reports it. */
static void
fuzz_unmap(union addr_sa *a)
{
	union addr_sa	v4;

	if (a->sa.sa_family != AF_INET6 ||
	    !IN6_IS_ADDR_V4MAPPED(&a->sin6.sin6_addr))
		return;
	memset(&v4, 0, sizeof(v4));
	v4.sin.sin_family = AF_INET;
	memcpy(&v4.sin.sin_addr, &a->sin6.sin6_addr.s6_addr[12], 4);
	v4.sin.sin_port = a->sin6.sin6_port;
	*a = v4;
}

static void
fuzz_oracle(const uint8_t *d, size_t n, const struct fuzz_run *r)
{
	struct pphdr_info	info;

	memset(&info, 0, sizeof(info));
	if (pphdr_read(d, n, &info) == -1)
		return;
	if (info.version == 2 && info.len > 16 + PPIN_V2_LEN_MAX) {
		FUZZ_ASSERT(r->rc == PPIN_ERROR &&
		    r->p.err == PPIN_E_TOO_BIG);
		return;
	}
	FUZZ_ASSERT(r->rc == PPIN_DONE);
	FUZZ_ASSERT(r->end == info.len && r->p.version == info.version);
	if (info.version == 2 && info.command == 0) {
		FUZZ_ASSERT(r->p.command == PPIN_LOCAL);
		return;
	}
	if (info.family == AF_UNSPEC) {
		FUZZ_ASSERT(r->p.command == PPIN_UNKNOWN);
		return;
	}
	FUZZ_ASSERT(r->p.command == PPIN_PROXY);
	fuzz_unmap(&info.src);
	fuzz_unmap(&info.dst);
	FUZZ_ASSERT(fuzz_addr_eq(&r->p.src, &info.src));
	FUZZ_ASSERT(fuzz_addr_eq(&r->p.dst, &info.dst));
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct fuzz_run		whole, r;
	size_t			i, j, k;
	static const uint8_t	none[1];

	if (n == 0)
		d = none;
	fuzz_start(&whole);
	fuzz_piece(&whole, d, 0, n);
	if (whole.rc == PPIN_DONE)
		FUZZ_ASSERT(whole.end <= n && whole.end > 0);
	if (whole.rc == PPIN_ERROR && whole.p.err == PPIN_E_NOT_PROXY)
		FUZZ_ASSERT(!ppin_signed(&whole.p));
	if (whole.rc == PPIN_DONE)
		FUZZ_ASSERT(ppin_signed(&whole.p));

	/* two pieces */
	k = n ? fuzz_hash(d, n) % (n + 1) : 0;
	fuzz_start(&r);
	fuzz_piece(&r, d, 0, k);
	fuzz_piece(&r, d, k, n - k);
	fuzz_same(&r, &whole);

	/* chunks of 1-16 bytes, sizes from the input read backwards */
	fuzz_start(&r);
	for (i = 0, j = n; i < n; i += k) {
		k = j > 0 ? 1 + (d[--j] & 15) : 1;
		if (k > n - i)
			k = n - i;
		fuzz_piece(&r, d, i, k);
	}
	fuzz_same(&r, &whole);

	/* one byte at a time, then nothing */
	fuzz_start(&r);
	for (i = 0; i < n; i++)
		fuzz_piece(&r, d, i, 1);
	fuzz_piece(&r, d, 0, 0);
	fuzz_same(&r, &whole);

	fuzz_oracle(d, n, &whole);
	return 0;
}
