/* SPDX-License-Identifier: ISC */
/*
 * Tests for the ClientHello parser (src/proxy/sni.c).  Hellos are built
 * here field by field (records, handshake header, body, extensions), plus
 * two real ones captured from openssl s_client and curl.  Every hello is
 * fed whole, one byte at a time, and in two calls split at every point;
 * all must agree, and the verdict must come exactly at the byte that
 * decides it (a truncated hello is SNI_AGAIN, never SNI_DONE).
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "proxy/sni.h"

/* openssl s_client -connect 127.0.0.1:44331 -servername www.Example.COM
   (OpenSSL 3.0.19): 321 bytes, one record */
static const uint8_t real_openssl[] = {
	0x16, 0x03, 0x01, 0x01, 0x3c, 0x01, 0x00, 0x01, 0x38, 0x03, 0x03, 0x35,
	0xc5, 0x77, 0x97, 0x97, 0x20, 0x1d, 0x84, 0xb1, 0x4c, 0x9a, 0x63, 0x62,
	0x0e, 0x42, 0xca, 0x03, 0xb8, 0x7b, 0xa4, 0xd3, 0xca, 0x23, 0xe7, 0xab,
	0xbe, 0x1c, 0x7d, 0x82, 0x11, 0xc7, 0xdc, 0x20, 0x1e, 0xa8, 0x1e, 0x1f,
	0x20, 0xf8, 0x08, 0xa4, 0xf0, 0xc5, 0x93, 0x7c, 0xf0, 0xad, 0xdf, 0xb4,
	0xd7, 0x5b, 0x7d, 0x13, 0x8d, 0xaa, 0x6f, 0xb4, 0x98, 0x47, 0xb2, 0x8a,
	0xc7, 0x82, 0x5a, 0x4f, 0x00, 0x3e, 0x13, 0x02, 0x13, 0x03, 0x13, 0x01,
	0xc0, 0x2c, 0xc0, 0x30, 0x00, 0x9f, 0xcc, 0xa9, 0xcc, 0xa8, 0xcc, 0xaa,
	0xc0, 0x2b, 0xc0, 0x2f, 0x00, 0x9e, 0xc0, 0x24, 0xc0, 0x28, 0x00, 0x6b,
	0xc0, 0x23, 0xc0, 0x27, 0x00, 0x67, 0xc0, 0x0a, 0xc0, 0x14, 0x00, 0x39,
	0xc0, 0x09, 0xc0, 0x13, 0x00, 0x33, 0x00, 0x9d, 0x00, 0x9c, 0x00, 0x3d,
	0x00, 0x3c, 0x00, 0x35, 0x00, 0x2f, 0x00, 0xff, 0x01, 0x00, 0x00, 0xb1,
	0x00, 0x00, 0x00, 0x14, 0x00, 0x12, 0x00, 0x00, 0x0f, 0x77, 0x77, 0x77,
	0x2e, 0x45, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x43, 0x4f, 0x4d,
	0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x16,
	0x00, 0x14, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x1e, 0x00, 0x19, 0x00, 0x18,
	0x01, 0x00, 0x01, 0x01, 0x01, 0x02, 0x01, 0x03, 0x01, 0x04, 0x00, 0x23,
	0x00, 0x00, 0x00, 0x16, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00, 0x00, 0x0d,
	0x00, 0x2a, 0x00, 0x28, 0x04, 0x03, 0x05, 0x03, 0x06, 0x03, 0x08, 0x07,
	0x08, 0x08, 0x08, 0x09, 0x08, 0x0a, 0x08, 0x0b, 0x08, 0x04, 0x08, 0x05,
	0x08, 0x06, 0x04, 0x01, 0x05, 0x01, 0x06, 0x01, 0x03, 0x03, 0x03, 0x01,
	0x03, 0x02, 0x04, 0x02, 0x05, 0x02, 0x06, 0x02, 0x00, 0x2b, 0x00, 0x09,
	0x08, 0x03, 0x04, 0x03, 0x03, 0x03, 0x02, 0x03, 0x01, 0x00, 0x2d, 0x00,
	0x02, 0x01, 0x01, 0x00, 0x33, 0x00, 0x26, 0x00, 0x24, 0x00, 0x1d, 0x00,
	0x20, 0x26, 0x26, 0xde, 0xe7, 0xc8, 0x8d, 0xe0, 0x0e, 0x1a, 0x6a, 0x54,
	0xd2, 0x69, 0x48, 0x25, 0xb7, 0xfb, 0x3c, 0x6f, 0x6b, 0xb1, 0xfb, 0x33,
	0xff, 0xb2, 0x82, 0xf1, 0x34, 0xaa, 0xda, 0x9d, 0x0a,
};

/* curl https://www.example.org:44332/ --resolve ... (curl 7.88.1,
   OpenSSL 3.0.19): 517 bytes with padding, one record */
static const uint8_t real_curl[] = {
	0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 0x5d,
	0xf5, 0x77, 0xab, 0x8b, 0xeb, 0xc4, 0x78, 0x4a, 0x9d, 0x86, 0x74, 0x86,
	0x8e, 0x7d, 0xfd, 0x94, 0x3b, 0x9a, 0x70, 0x4c, 0x95, 0x31, 0x0a, 0x31,
	0x44, 0xe2, 0x74, 0x85, 0x63, 0x0e, 0xb5, 0x20, 0xc3, 0xe6, 0xe5, 0x0b,
	0x7d, 0x95, 0xfc, 0x8a, 0x57, 0xe3, 0x45, 0x1c, 0xff, 0x29, 0xdb, 0xed,
	0x2d, 0xd2, 0xe5, 0x66, 0x11, 0xb4, 0x97, 0x8d, 0x68, 0x1b, 0x0d, 0x97,
	0x46, 0x02, 0x4e, 0x8d, 0x00, 0x3e, 0x13, 0x02, 0x13, 0x03, 0x13, 0x01,
	0xc0, 0x2c, 0xc0, 0x30, 0x00, 0x9f, 0xcc, 0xa9, 0xcc, 0xa8, 0xcc, 0xaa,
	0xc0, 0x2b, 0xc0, 0x2f, 0x00, 0x9e, 0xc0, 0x24, 0xc0, 0x28, 0x00, 0x6b,
	0xc0, 0x23, 0xc0, 0x27, 0x00, 0x67, 0xc0, 0x0a, 0xc0, 0x14, 0x00, 0x39,
	0xc0, 0x09, 0xc0, 0x13, 0x00, 0x33, 0x00, 0x9d, 0x00, 0x9c, 0x00, 0x3d,
	0x00, 0x3c, 0x00, 0x35, 0x00, 0x2f, 0x00, 0xff, 0x01, 0x00, 0x01, 0x75,
	0x00, 0x00, 0x00, 0x14, 0x00, 0x12, 0x00, 0x00, 0x0f, 0x77, 0x77, 0x77,
	0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65, 0x2e, 0x6f, 0x72, 0x67,
	0x00, 0x0b, 0x00, 0x04, 0x03, 0x00, 0x01, 0x02, 0x00, 0x0a, 0x00, 0x16,
	0x00, 0x14, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x1e, 0x00, 0x19, 0x00, 0x18,
	0x01, 0x00, 0x01, 0x01, 0x01, 0x02, 0x01, 0x03, 0x01, 0x04, 0x00, 0x10,
	0x00, 0x0e, 0x00, 0x0c, 0x02, 0x68, 0x32, 0x08, 0x68, 0x74, 0x74, 0x70,
	0x2f, 0x31, 0x2e, 0x31, 0x00, 0x16, 0x00, 0x00, 0x00, 0x17, 0x00, 0x00,
	0x00, 0x31, 0x00, 0x00, 0x00, 0x0d, 0x00, 0x2a, 0x00, 0x28, 0x04, 0x03,
	0x05, 0x03, 0x06, 0x03, 0x08, 0x07, 0x08, 0x08, 0x08, 0x09, 0x08, 0x0a,
	0x08, 0x0b, 0x08, 0x04, 0x08, 0x05, 0x08, 0x06, 0x04, 0x01, 0x05, 0x01,
	0x06, 0x01, 0x03, 0x03, 0x03, 0x01, 0x03, 0x02, 0x04, 0x02, 0x05, 0x02,
	0x06, 0x02, 0x00, 0x2b, 0x00, 0x09, 0x08, 0x03, 0x04, 0x03, 0x03, 0x03,
	0x02, 0x03, 0x01, 0x00, 0x2d, 0x00, 0x02, 0x01, 0x01, 0x00, 0x33, 0x00,
	0x26, 0x00, 0x24, 0x00, 0x1d, 0x00, 0x20, 0xbb, 0x5e, 0x6f, 0xc7, 0xab,
	0xe2, 0x67, 0xf2, 0x43, 0xbd, 0xca, 0x16, 0x28, 0x5e, 0x08, 0x37, 0xb2,
	0x57, 0x37, 0x57, 0x99, 0x02, 0x29, 0x92, 0x33, 0x6b, 0x55, 0x9d, 0x12,
	0xbc, 0xdf, 0x6c, 0x00, 0x15, 0x00, 0xae, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	0x00,
};
/* ------------------------------------------------------------ builder */

#define BUF_MAX		(SNI_HELLO_MAX + 4096)

struct buf {
	size_t	n;
	uint8_t	b[BUF_MAX];
};

static void
put(struct buf *b, const void *p, size_t n)
{
	if (b->n + n > BUF_MAX) {
		fprintf(stderr, "test_sni: builder overflow\n");
		exit(2);
	}
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void
put8(struct buf *b, unsigned v)
{
	uint8_t	x = (uint8_t)v;

	put(b, &x, 1);
}

static void
put16(struct buf *b, unsigned v)
{
	put8(b, v >> 8);
	put8(b, v);
}

static void
put24(struct buf *b, unsigned v)
{
	put8(b, v >> 16);
	put16(b, v);
}

static void
putfill(struct buf *b, unsigned byte, size_t n)
{
	while (n-- > 0)
		put8(b, byte);
}

/* An extension: type, length, body. */
static void
ext_add(struct buf *e, unsigned type, const void *data, size_t len)
{
	put16(e, type);
	put16(e, (unsigned)len);
	put(e, data, len);
}

static void
ext_fill(struct buf *e, unsigned type, size_t len, unsigned byte)
{
	put16(e, type);
	put16(e, (unsigned)len);
	putfill(e, byte, len);
}

/* server_name (RFC 6066 §3) with one host_name. */
static void
ext_sni(struct buf *e, const char *name)
{
	size_t	len = strlen(name);

	put16(e, 0);
	put16(e, (unsigned)(len + 5));
	put16(e, (unsigned)(len + 3));
	put8(e, 0);
	put16(e, (unsigned)len);
	put(e, name, len);
}

/*
 * A ClientHello body with the given legacy_version, session_id, cipher
 * suite and compression lengths, and extensions (NULL: no block at all).
 */
static void
body_raw(struct buf *h, unsigned version, size_t sid, size_t cs, size_t comp,
    const struct buf *ext)
{
	size_t	i;

	put16(h, version);
	putfill(h, 0x5a, 32);			/* random */
	put8(h, (unsigned)sid);
	putfill(h, 0x22, sid);
	put16(h, (unsigned)cs);
	for (i = 0; i + 1 < cs; i += 2)		/* GREASE first, RFC 8701 */
		put16(h, i == 0 ? 0x0a0a : 0x1301 + (unsigned)i / 2);
	if (cs % 2)
		put8(h, 0x13);
	put8(h, (unsigned)comp);
	putfill(h, 0, comp);
	if (ext != NULL) {
		put16(h, (unsigned)ext->n);
		put(h, ext->b, ext->n);
	}
}

/* Handshake message: msg_type, 24-bit length (as given), body. */
static void
hs_make(struct buf *hs, unsigned type, size_t len, const struct buf *body)
{
	hs->n = 0;
	put8(hs, type);
	put24(hs, (unsigned)len);
	put(hs, body->b, body->n);
}

/* Wrap data into records of at most frag bytes, appended to out. */
static void
rec_make(struct buf *out, unsigned type, unsigned version, size_t frag,
    const uint8_t *data, size_t n)
{
	size_t	k;

	do {
		k = n < frag ? n : frag;
		put8(out, type);
		put16(out, version);
		put16(out, (unsigned)k);
		put(out, data, k);
		data += k;
		n -= k;
	} while (n > 0);
}

static struct buf	ext, body, hs, in;

/* The usual case: a TLS 1.2-style body around ext, in one record. */
static void
hello(unsigned recver, unsigned version, size_t frag, const struct buf *e)
{
	body.n = 0;
	body_raw(&body, version, 32, 8, 1, e);
	hs_make(&hs, 1, body.n, &body);
	in.n = 0;
	rec_make(&in, 22, recver, frag, hs.b, hs.n);
}

/* ------------------------------------------------------------- runner */

static int
same(const struct sni_parser *a, enum sni_rc ra, const struct sni_parser *b,
    enum sni_rc rb)
{
	return ra == rb && a->err == b->err && a->flags == b->flags &&
	    a->namelen == b->namelen && strcmp(a->name, b->name) == 0 &&
	    a->record_version == b->record_version;
}

/*
 * Feed in[0..n) whole, one byte at a time, and in two calls split at every
 * point; all must give the same result, which must be the one expected.
 * Returns the index of the byte that brought the verdict (n when none).
 */
static size_t
run(const char *what, const uint8_t *d, size_t n, enum sni_rc rc,
    enum sni_err err, const char *name, unsigned flags)
{
	static struct sni_parser	whole, p;
	enum sni_rc			r, r1, r2;
	size_t				i, k, at = n, wrong;
	int				failed = t_failed;

	sni_init(&whole);
	r = sni_feed(&whole, d, n);
	CHECK_INT(r, rc);
	CHECK_STR(sni_strerror(whole.err), sni_strerror(err));
	if (r != SNI_AGAIN) {	/* the name is a result, not progress */
		CHECK_STR(whole.name, name);
		CHECK_INT(whole.namelen, strlen(name));
	}
	CHECK_INT(whole.flags, flags);

	sni_init(&p);
	wrong = 0;
	for (i = 0; i < n; i++) {
		r1 = sni_feed(&p, d + i, 1);
		if (r1 != SNI_AGAIN && at == n)
			at = i;
		if (at != n && r1 != r)
			wrong++;
	}
	CHECK_INT(wrong, 0);
	CHECK(same(&p, sni_feed(&p, d, 0), &whole, r));

	wrong = 0;
	for (k = 0; k <= n; k++) {
		sni_init(&p);
		r1 = sni_feed(&p, d, k);
		r2 = sni_feed(&p, d + k, n - k);
		if (r1 != (k > at ? r : SNI_AGAIN) || !same(&p, r2, &whole, r))
			wrong++;
	}
	CHECK_INT(wrong, 0);

	/* Finished is final, and later bytes are not looked at. */
	if (r != SNI_AGAIN) {
		CHECK_INT(sni_feed(&whole, d, n), r);
		CHECK_INT(sni_feed(&whole, (const uint8_t *)"\x15", 1), r);
		CHECK_INT(whole.err, err);
	}

	if (t_failed != failed)
		fprintf(stderr, "  ^ in case: %s\n", what);
	return at;
}

/* A valid hello fills in[] exactly: the verdict comes at its last byte. */
static void
good(const char *what, const char *name, unsigned flags)
{
	CHECK_INT(run(what, in.b, in.n, SNI_DONE, SNI_E_NONE, name, flags),
	    in.n - 1);
}

static void
bad(const char *what, enum sni_err err)
{
	run(what, in.b, in.n, SNI_ERROR, err, "", 0);
}

/* Same, but flags may be set before the error (TLCP, ECH). */
static void
bad_flags(const char *what, enum sni_err err, unsigned flags)
{
	run(what, in.b, in.n, SNI_ERROR, err, "", flags);
}

/* ---------------------------------------------------------------- cases */

/* A hello's body is in body[]: frame it as one handshake message. */
static void
wrap(unsigned recver, size_t frag)
{
	hs_make(&hs, 1, body.n, &body);
	in.n = 0;
	rec_make(&in, 22, recver, frag, hs.b, hs.n);
}

/* server_name with a name of any bytes. */
static void
ext_sni_n(struct buf *e, const char *name, size_t len)
{
	put16(e, 0);
	put16(e, (unsigned)(len + 5));
	put16(e, (unsigned)(len + 3));
	put8(e, 0);
	put16(e, (unsigned)len);
	put(e, name, len);
}

/*
 * What a current browser sends (Chrome's order, roughly): GREASE
 * extensions first and last, GREASE in groups, key shares and versions,
 * optionally an X25519MLKEM768 key share and an ECH extension.
 */
static void
ext_browser(struct buf *e, const char *name, int pq, int ech)
{
	static struct buf	ks;
	static const char	groups[] = "\x00\x0a\x2a\x2a\x11\xec\x00\x1d"
				    "\x00\x17\x00\x18";
	static const char	sigalgs[] = "\x00\x08\x04\x03\x08\x04\x04\x01"
				    "\x05\x03";

	e->n = 0;
	ext_add(e, 0x0a0a, "", 0);			/* GREASE, empty */
	ext_sni(e, name);
	ext_add(e, 23, "", 0);				/* extended_ms */
	ext_add(e, 0xff01, "\x00", 1);			/* renegotiation_info */
	ext_add(e, 10, groups, sizeof(groups) - 1);	/* supported_groups */
	ext_add(e, 11, "\x01\x00", 2);			/* ec_point_formats */
	ext_add(e, 35, "", 0);				/* session_ticket */
	ext_add(e, 16, "\x00\x0c\x02h2\x08http/1.1", 14);	/* ALPN */
	ext_add(e, 5, "\x01\x00\x00\x00\x00", 5);	/* status_request */
	ext_add(e, 13, sigalgs, sizeof(sigalgs) - 1);
	ext_add(e, 18, "", 0);				/* SCT */

	/* key_share: GREASE, then X25519MLKEM768 (1184 + 32 bytes), X25519 */
	ks.n = 0;
	put16(&ks, 5 + (pq ? 4 + 1216 : 0) + 4 + 32);
	put16(&ks, 0x2a2a);
	put16(&ks, 1);
	put8(&ks, 0);
	if (pq) {
		put16(&ks, 0x11ec);
		put16(&ks, 1216);
		putfill(&ks, 0x42, 1216);
	}
	put16(&ks, 0x001d);
	put16(&ks, 32);
	putfill(&ks, 0x43, 32);
	ext_add(e, 51, ks.b, ks.n);

	ext_add(e, 45, "\x01\x01", 2);			/* psk_kex_modes */
	ext_add(e, 43, "\x06\x3a\x3a\x03\x04\x03\x03", 7);	/* versions */
	ext_add(e, 27, "\x02\x00\x02", 3);		/* compress_cert */
	ext_add(e, 0x4469, "\x00\x03\x02h2", 6);	/* ALPS */
	if (ech)
		ext_fill(e, 0xfe0d, 218, 0x99);		/* (GREASE) ECH */
	ext_add(e, 0x1a1a, "\x00", 1);			/* GREASE, 1 byte */
}

static void
test_basic(void)
{
	struct sni_parser	p;
	char			long_name[254];

	ext.n = 0;
	ext_sni(&ext, "www.example.com");
	hello(0x0301, 0x0303, 16384, &ext);
	good("normal SNI", "www.example.com", 0);
	CHECK_INT(in.n, 5 + 4 + 2 + 32 + 33 + 10 + 2 + 2 + ext.n);
	sni_init(&p);
	CHECK_INT(sni_feed(&p, NULL, 0), SNI_AGAIN);
	CHECK_INT(sni_feed(&p, in.b, in.n), SNI_DONE);
	CHECK_INT(p.record_version, 0x0301);
	CHECK_INT(p.err, SNI_E_NONE);

	hello(0x0303, 0x0303, 16384, &ext);
	good("record version 0x0303", "www.example.com", 0);
	hello(0x0301, 0x0304, 16384, &ext);
	good("client version 0x0304", "www.example.com", 0);
	/* RFC 5246 Appendix E.1: {03,00} is a typical record version. */
	hello(0x0300, 0x0300, 16384, &ext);
	good("SSL 3.0 record and client version", "www.example.com", 0);

	ext.n = 0;
	ext_sni(&ext, "WWW.Example.COM");
	hello(0x0301, 0x0303, 16384, &ext);
	good("uppercase SNI", "www.example.com", 0);

	ext.n = 0;
	ext_sni(&ext, "a");
	hello(0x0301, 0x0303, 16384, &ext);
	good("one-letter name", "a", 0);

	ext.n = 0;
	ext_sni(&ext, "_acme.Host-1.example");
	hello(0x0301, 0x0303, 16384, &ext);
	good("underscore and hyphen", "_acme.host-1.example", 0);

	/* 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253, the longest name */
	memset(long_name, 'a', 253);
	long_name[63] = long_name[127] = long_name[191] = '.';
	long_name[253] = '\0';
	ext.n = 0;
	ext_sni(&ext, long_name);
	hello(0x0301, 0x0303, 16384, &ext);
	good("253-byte name", long_name, 0);

	/* session_id may be empty (TLS 1.2 without resumption) */
	ext.n = 0;
	ext_sni(&ext, "empty-sid.example");
	body.n = 0;
	body_raw(&body, 0x0303, 0, 2, 1, &ext);
	wrap(0x0301, 16384);
	good("empty session_id, one cipher", "empty-sid.example", 0);

	/* SNI not first, an empty extension last */
	ext.n = 0;
	ext_add(&ext, 10, "\x00\x02\x00\x1d", 4);
	ext_sni(&ext, "late.example");
	ext_add(&ext, 23, "", 0);
	hello(0x0301, 0x0303, 16384, &ext);
	good("SNI in the middle, empty extension last", "late.example", 0);

	CHECK(sizeof(struct sni_parser) <= 512);
	fprintf(stderr, "test_sni: sizeof(struct sni_parser) = %zu\n",
	    sizeof(struct sni_parser));
}

static void
test_strerror(void)
{
	CHECK_STR(sni_strerror(SNI_E_NONE), "none");
	CHECK_STR(sni_strerror(SNI_E_NOT_TLS), "not_tls");
	CHECK_STR(sni_strerror(SNI_E_TOO_BIG), "too_big");
	CHECK_STR(sni_strerror(SNI_E_MALFORMED), "malformed");
	CHECK_STR(sni_strerror(SNI_E_BAD_NAME), "bad_name");
}

static void
test_no_sni(void)
{
	body.n = 0;
	body_raw(&body, 0x0301, 0, 4, 1, NULL);
	wrap(0x0301, 16384);
	good("no extensions block", "", SNI_F_NO_SNI);

	ext.n = 0;
	hello(0x0301, 0x0303, 16384, &ext);
	good("empty extensions block", "", SNI_F_NO_SNI);

	ext.n = 0;
	ext_add(&ext, 10, "\x00\x02\x00\x1d", 4);
	ext_add(&ext, 13, "\x00\x02\x04\x03", 4);
	ext_add(&ext, 0xff01, "\x00", 1);
	hello(0x0301, 0x0303, 16384, &ext);
	good("extensions without server_name", "", SNI_F_NO_SNI);

	/* An entry of an unknown name_type ends what we can read. */
	ext.n = 0;
	ext_add(&ext, 0, "\x00\x06\x01\x00\x03xyz", 8);
	hello(0x0301, 0x0303, 16384, &ext);
	good("server_name of name_type 1 only", "", SNI_F_NO_SNI);

	ext.n = 0;
	ext_add(&ext, 0, "\x00\x0a\x00\x00\x03" "abc" "\x01\x00\x01z", 12);
	hello(0x0301, 0x0303, 16384, &ext);
	good("host_name then name_type 1", "abc", 0);

	ext.n = 0;
	ext_add(&ext, 0, "\x00\x0a\x01\x00\x01z\x00\x00\x03" "abc", 12);
	hello(0x0301, 0x0303, 16384, &ext);
	good("name_type 1 then host_name", "abc", 0);

	ext.n = 0;
	ext_add(&ext, 0, "\x00\x05\x01\x00\x03xy", 7);
	hello(0x0301, 0x0303, 16384, &ext);
	bad("name_type 1 longer than the list", SNI_E_MALFORMED);
}

static void
test_grease_ech(void)
{
	ext_browser(&ext, "grease.example", 0, 0);
	hello(0x0301, 0x0303, 16384, &ext);
	good("GREASE ciphers, extensions, groups, versions", "grease.example",
	    0);

	ext_browser(&ext, "public.example", 0, 1);
	hello(0x0301, 0x0303, 16384, &ext);
	good("ECH: outer name", "public.example", SNI_F_ECH);

	ext.n = 0;
	ext_fill(&ext, 0xfe0d, 10, 0);
	hello(0x0301, 0x0303, 16384, &ext);
	good("ECH without server_name", "", SNI_F_ECH | SNI_F_NO_SNI);

	/* RFC 8701 §3: GREASE extensions may carry any body */
	ext.n = 0;
	ext_fill(&ext, 0x7a7a, 300, 0xff);
	ext_sni(&ext, "g.example");
	ext_fill(&ext, 0xeaea, 0, 0);
	hello(0x0301, 0x0303, 16384, &ext);
	good("GREASE extensions with bodies", "g.example", 0);

	/* A post-quantum key share: X25519MLKEM768 is 1216 bytes */
	ext_browser(&ext, "pq.example", 1, 1);
	hello(0x0301, 0x0303, 16384, &ext);
	CHECK(in.n > 1500);
	good("X25519MLKEM768 key share", "pq.example", SNI_F_ECH);
	hello(0x0301, 0x0303, 1400, &ext);
	good("X25519MLKEM768 key share, 1400-byte records", "pq.example",
	    SNI_F_ECH);
}

static void
test_records(void)
{
	static struct buf	tmp;
	size_t			at, half;

	ext_browser(&ext, "multi.example", 0, 0);
	body.n = 0;
	body_raw(&body, 0x0303, 32, 8, 1, &ext);
	hs_make(&hs, 1, body.n, &body);
	half = hs.n / 2;

	in.n = 0;
	rec_make(&in, 22, 0x0301, half + 1, hs.b, hs.n);
	good("2 records", "multi.example", 0);

	in.n = 0;
	rec_make(&in, 22, 0x0301, 1, hs.b, hs.n);
	CHECK_INT(in.n, hs.n * 6);
	good("1 handshake byte per record", "multi.example", 0);

	in.n = 0;
	rec_make(&in, 22, 0x0303, 2, hs.b, hs.n);
	good("2 handshake bytes per record", "multi.example", 0);

	in.n = 0;
	rec_make(&in, 22, 0x0301, 7, hs.b, hs.n);
	good("7 handshake bytes per record", "multi.example", 0);

	/* Later records may use another version (RFC 8446 §5.1). */
	in.n = 0;
	rec_make(&in, 22, 0x0301, half, hs.b, half);
	rec_make(&in, 22, 0x0303, half, hs.b + half, hs.n - half);
	good("second record with version 0x0303", "multi.example", 0);

	/* TLS 1.3 middlebox compatibility: ChangeCipherSpec right after */
	in.n = 0;
	rec_make(&in, 22, 0x0301, 16384, hs.b, hs.n);
	put(&in, "\x14\x03\x03\x00\x01\x01", 6);
	at = run("ChangeCipherSpec after the hello", in.b, in.n, SNI_DONE,
	    SNI_E_NONE, "multi.example", 0);
	CHECK_INT(at, in.n - 7);

	/* and 0-RTT data, not looked at */
	put(&in, "\x17\x03\x03\x00\x05hello", 10);
	at = run("early data after the hello", in.b, in.n, SNI_DONE,
	    SNI_E_NONE, "multi.example", 0);
	CHECK_INT(at, in.n - 17);

	/* Another handshake message coalesced into the same record */
	tmp.n = 0;
	put(&tmp, hs.b, hs.n);
	put(&tmp, "\x0b\x00\x00\x00", 4);
	in.n = 0;
	rec_make(&in, 22, 0x0301, 16384, tmp.b, tmp.n);
	at = run("handshake bytes after the hello in its record", in.b,
	    in.n, SNI_DONE, SNI_E_NONE, "multi.example", 0);
	CHECK_INT(at, in.n - 5);

	/* RFC 8446 §5.1: no other record type inside the handshake */
	in.n = 0;
	rec_make(&in, 22, 0x0301, half, hs.b, half);
	put(&in, "\x15\x03\x03\x00\x02\x01\x00", 7);
	rec_make(&in, 22, 0x0301, half, hs.b + half, hs.n - half);
	bad("alert record inside the hello", SNI_E_MALFORMED);

	in.n = 0;
	rec_make(&in, 22, 0x0301, half, hs.b, half);
	put(&in, "\x14\x03\x03\x00\x01\x01", 6);
	rec_make(&in, 22, 0x0301, half, hs.b + half, hs.n - half);
	bad("ChangeCipherSpec inside the hello", SNI_E_MALFORMED);

	in.n = 0;
	rec_make(&in, 22, 0x0301, half, hs.b, half);
	rec_make(&in, 22, 0x0200, half, hs.b + half, hs.n - half);
	bad("second record with version 0x0200", SNI_E_MALFORMED);

	in.n = 0;
	rec_make(&in, 22, 0x0301, half, hs.b, half);
	put(&in, "\x16\x03\x01\x00\x00", 5);
	rec_make(&in, 22, 0x0301, half, hs.b + half, hs.n - half);
	bad("zero-length second record", SNI_E_MALFORMED);

	in.n = 0;
	put(&in, "\x16\x03\x01\x00\x00", 5);
	rec_make(&in, 22, 0x0301, 16384, hs.b, hs.n);
	bad("zero-length first record", SNI_E_MALFORMED);

	in.n = 0;
	put(&in, "\x16\x03\x01\x41\x01", 5);	/* 16641 */
	put(&in, hs.b, hs.n);
	bad("record longer than 2^14 + 256", SNI_E_MALFORMED);
}

static void
test_sizes(void)
{
	size_t	base, at;

	ext_browser(&ext, "big.example", 1, 0);
	ext_fill(&ext, 21, 4500, 0);			/* padding */
	hello(0x0301, 0x0303, 16384, &ext);
	CHECK(in.n > 4096 + 1500);
	good("hello > 4 KiB", "big.example", 0);

	/* Exactly SNI_HELLO_MAX: in 2 records, and in one of 16388 bytes */
	ext_browser(&ext, "max.example", 1, 1);
	base = 2 + 32 + 1 + 32 + 2 + 8 + 1 + 1 + 2 + ext.n + 4;
	ext_fill(&ext, 21, SNI_HELLO_MAX - base, 0);
	hello(0x0301, 0x0303, 16384, &ext);
	CHECK_INT(hs.n, SNI_HELLO_MAX + 4);
	CHECK_INT(in.n, SNI_HELLO_MAX + 4 + 10);
	good("16 KiB hello in 2 records", "max.example", SNI_F_ECH);
	hello(0x0301, 0x0303, 16384 + 4, &ext);
	CHECK_INT(in.n, SNI_HELLO_MAX + 4 + 5);
	good("16 KiB hello in one 16388-byte record", "max.example",
	    SNI_F_ECH);

	/* One byte more: too big, known from the handshake header */
	ext.b[ext.n - 4 - (SNI_HELLO_MAX - base) + 3]++;
	put8(&ext, 0);
	hello(0x0301, 0x0303, 16384, &ext);
	CHECK_INT(hs.n, SNI_HELLO_MAX + 5);
	at = run("hello of SNI_HELLO_MAX + 1", in.b, in.n, SNI_ERROR,
	    SNI_E_TOO_BIG, "", 0);
	CHECK_INT(at, 8);

	in.n = 0;
	put(&in, "\x16\x03\x01\x00\x40\x01\xff\xff\xff\x03\x03", 11);
	putfill(&in, 0, 64 - 6);
	at = run("hello of 16 MiB", in.b, in.n, SNI_ERROR, SNI_E_TOO_BIG,
	    "", 0);
	CHECK_INT(at, 8);
}

static void
test_truncated(void)
{
	size_t	k, wrong = 0;

	/* every prefix of a hello, whatever field it ends in, is SNI_AGAIN */
	ext.n = 0;
	ext_add(&ext, 10, "\x00\x02\x00\x1d", 4);
	ext_sni(&ext, "cut.example");
	hello(0x0301, 0x0303, 40, &ext);
	good("short records", "cut.example", 0);
	for (k = 0; k < in.n; k++)
		if (run("truncated", in.b, k, SNI_AGAIN, SNI_E_NONE, "", 0)
		    != k)
			wrong++;
	CHECK_INT(wrong, 0);

	/* the handshake length promises more than the records hold */
	body.n = 0;
	body_raw(&body, 0x0303, 32, 8, 1, &ext);
	hs_make(&hs, 1, body.n + 20, &body);
	in.n = 0;
	rec_make(&in, 22, 0x0301, 16384, hs.b, hs.n);
	bad("handshake longer than its records, extensions end early",
	    SNI_E_MALFORMED);
	body.n = 0;
	body_raw(&body, 0x0303, 32, 8, 1, NULL);
	hs_make(&hs, 1, body.n + 20, &body);
	in.n = 0;
	rec_make(&in, 22, 0x0301, 16384, hs.b, hs.n);
	run("handshake longer than its records", in.b, in.n, SNI_AGAIN,
	    SNI_E_NONE, "", 0);
}

/* The standard body with extensions ext, one byte at offset off changed. */
static void
patched(size_t off, unsigned v)
{
	body.n = 0;
	body_raw(&body, 0x0303, 32, 8, 1, &ext);
	body.b[off] = (uint8_t)v;
	wrap(0x0301, 16384);
}

#define EXT_OFF	(2 + 32 + 1 + 32 + 2 + 8 + 1 + 1)	/* in body_raw() */

static void
test_malformed(void)
{
	ext.n = 0;
	ext_sni(&ext, "m.example");

	body.n = 0;
	body_raw(&body, 0x0303, 33, 8, 1, &ext);
	wrap(0x0301, 16384);
	bad("session_id of 33", SNI_E_MALFORMED);
	body.n = 0;
	body_raw(&body, 0x0303, 32, 7, 1, &ext);
	wrap(0x0301, 16384);
	bad("odd cipher_suites length", SNI_E_MALFORMED);
	body.n = 0;
	body_raw(&body, 0x0303, 32, 0, 1, &ext);
	wrap(0x0301, 16384);
	bad("no cipher suites", SNI_E_MALFORMED);
	body.n = 0;
	body_raw(&body, 0x0303, 32, 8, 0, &ext);
	wrap(0x0301, 16384);
	bad("no compression methods", SNI_E_MALFORMED);

	body.n = 0;
	body_raw(&body, 0x0200, 32, 8, 1, &ext);
	wrap(0x0301, 16384);
	bad("client_version 0x0200", SNI_E_MALFORMED);
	body.n = 0;
	body_raw(&body, 0x0305, 32, 8, 1, &ext);
	wrap(0x0301, 16384);
	bad("client_version 0x0305", SNI_E_MALFORMED);

	body.n = 0;
	body_raw(&body, 0x0303, 32, 8, 1, &ext);
	hs_make(&hs, 2, body.n, &body);
	in.n = 0;
	rec_make(&in, 22, 0x0301, 16384, hs.b, hs.n);
	bad("handshake type 2 (server_hello)", SNI_E_MALFORMED);

	hs_make(&hs, 1, 20, &body);
	in.n = 0;
	rec_make(&in, 22, 0x0301, 16384, hs.b, hs.n);
	bad("handshake length shorter than random", SNI_E_MALFORMED);
	hs_make(&hs, 1, body.n - 1, &body);
	in.n = 0;
	rec_make(&in, 22, 0x0301, 16384, hs.b, hs.n);
	bad("handshake length one short", SNI_E_MALFORMED);

	/* the extensions block must end exactly at the end of the hello */
	patched(EXT_OFF + 1, (unsigned)ext.n - 1);
	bad("extensions block one short", SNI_E_MALFORMED);
	patched(EXT_OFF + 1, (unsigned)ext.n + 1);
	bad("extensions block one long", SNI_E_MALFORMED);
	body.n = 0;
	body_raw(&body, 0x0303, 32, 8, 1, &ext);
	put8(&body, 0);
	wrap(0x0301, 16384);
	bad("a byte after the extensions block", SNI_E_MALFORMED);
	body.n = 0;
	body_raw(&body, 0x0303, 32, 8, 1, NULL);
	put8(&body, 0);
	wrap(0x0301, 16384);
	bad("one byte where the extensions length goes", SNI_E_MALFORMED);

	/* each extension inside the block */
	patched(EXT_OFF + 2 + 3, (unsigned)ext.n - 4 + 1);
	bad("extension longer than the block", SNI_E_MALFORMED);
	ext.n = 0;
	ext_sni(&ext, "m.example");
	put8(&ext, 0x00);
	put8(&ext, 0x0a);
	put8(&ext, 0x00);
	hello(0x0301, 0x0303, 16384, &ext);
	bad("3 bytes where an extension header goes", SNI_E_MALFORMED);

	/* server_name_list and HostName lengths */
	ext.n = 0;
	ext_sni(&ext, "m.example");
	patched(EXT_OFF + 2 + 4 + 1, 9 + 3 + 1);
	bad("server_name_list one long", SNI_E_MALFORMED);
	patched(EXT_OFF + 2 + 4 + 1, 9 + 3 - 1);
	bad("server_name_list one short", SNI_E_MALFORMED);
	patched(EXT_OFF + 2 + 4 + 2 + 1 + 1, 9 + 1);
	bad("name longer than the list", SNI_E_MALFORMED);
	patched(EXT_OFF + 2 + 4 + 2 + 1 + 1, 9 - 1);
	bad("name shorter than the list", SNI_E_MALFORMED);

	ext.n = 0;
	ext_add(&ext, 0, "\x00\x03\x00\x00\x00", 5);
	hello(0x0301, 0x0303, 16384, &ext);
	bad("empty host_name", SNI_E_MALFORMED);
	ext.n = 0;
	ext_add(&ext, 0, "\x00\x00", 2);
	hello(0x0301, 0x0303, 16384, &ext);
	bad("empty server_name_list", SNI_E_MALFORMED);
	ext.n = 0;
	ext_add(&ext, 0, "", 0);
	hello(0x0301, 0x0303, 16384, &ext);
	bad("empty server_name extension", SNI_E_MALFORMED);
	ext.n = 0;
	ext_add(&ext, 0, "\x00\x01", 2);
	hello(0x0301, 0x0303, 16384, &ext);
	bad("server_name_list without room for a name", SNI_E_MALFORMED);

	/* RFC 6066 §3: one name per name_type */
	ext.n = 0;
	ext_add(&ext, 0, "\x00\x0c\x00\x00\x03" "abc" "\x00\x00\x03xyz", 14);
	hello(0x0301, 0x0303, 16384, &ext);
	bad("two host_names", SNI_E_MALFORMED);
	ext.n = 0;
	ext_sni(&ext, "one.example");
	ext_sni(&ext, "two.example");
	hello(0x0301, 0x0303, 16384, &ext);
	bad("two server_name extensions", SNI_E_MALFORMED);

	/* RFC 8446 §4.2: one extension per type */
	ext.n = 0;
	ext_add(&ext, 10, "\x00\x02\x00\x1d", 4);
	ext_sni(&ext, "dup.example");
	ext_add(&ext, 10, "\x00\x02\x00\x1d", 4);
	hello(0x0301, 0x0303, 16384, &ext);
	bad("two supported_groups", SNI_E_MALFORMED);
	ext.n = 0;
	ext_fill(&ext, 0xfe0d, 4, 0);
	ext_fill(&ext, 0xfe0d, 4, 0);
	hello(0x0301, 0x0303, 16384, &ext);
	bad_flags("two encrypted_client_hello", SNI_E_MALFORMED, SNI_F_ECH);
}

static void
test_bad_name(void)
{
	static const char *const names[] = {
		"www.example.com.",	/* RFC 6066 §3: no trailing dot */
		".",
		"192.0.2.1",		/* no IP literals */
		"10.1",
		"::1",
		"[2001:db8::1]",
		"2001:db8::1",
		"a b.example",
		"a..example",
		".example",
		"exa/mple.com",
		"\xc3\xa9t\xc3\xa9.example",	/* U-labels, not A-labels */
		/* a 64-byte label */
		("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.example"),
	};
	char		long_name[300];
	size_t		i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		ext.n = 0;
		ext_sni(&ext, names[i]);
		hello(0x0301, 0x0303, 16384, &ext);
		bad(names[i], SNI_E_BAD_NAME);
	}

	ext.n = 0;
	ext_sni_n(&ext, "nul\0.example", 12);
	hello(0x0301, 0x0303, 16384, &ext);
	bad("NUL in the name", SNI_E_BAD_NAME);

	memset(long_name, 'a', sizeof(long_name));
	for (i = 63; i < sizeof(long_name); i += 64)
		long_name[i] = '.';
	ext.n = 0;
	ext_sni_n(&ext, long_name, 254);
	hello(0x0301, 0x0303, 16384, &ext);
	bad("254-byte name", SNI_E_BAD_NAME);
	ext.n = 0;
	ext_sni_n(&ext, long_name, 256);
	hello(0x0301, 0x0303, 16384, &ext);
	bad("256-byte name", SNI_E_BAD_NAME);
	ext.n = 0;
	ext_sni_n(&ext, long_name, 299);
	hello(0x0301, 0x0303, 16384, &ext);
	bad("299-byte name", SNI_E_BAD_NAME);
}

/* SSLv2-compatible hello, RFC 5246 Appendix E.2 */
static void
v2_make(unsigned type, unsigned version, size_t cs, size_t sid, size_t ch,
    int lendelta)
{
	size_t	len = 9 + cs + sid + ch + (size_t)lendelta;

	in.n = 0;
	put8(&in, 0x80 | (unsigned)(len >> 8));
	put8(&in, (unsigned)len);
	put8(&in, type);
	put16(&in, version);
	put16(&in, (unsigned)cs);
	put16(&in, (unsigned)sid);
	put16(&in, (unsigned)ch);
	putfill(&in, 0x01, cs);
	putfill(&in, 0x02, sid);
	putfill(&in, 0x03, ch);
}

static void
test_sslv2(void)
{
	struct sni_parser	p;
	size_t			at;

	v2_make(1, 0x0301, 3 * 9, 0, 16, 0);
	good("SSLv2-compatible hello", "", SNI_F_SSLV2 | SNI_F_NO_SNI);
	sni_init(&p);
	CHECK_INT(sni_feed(&p, in.b, in.n), SNI_DONE);
	CHECK_INT(p.record_version, 0x0301);

	v2_make(1, 0x0300, 3, 16, 32, 0);
	good("SSLv2-compatible hello, session_id, 32-byte challenge", "",
	    SNI_F_SSLV2 | SNI_F_NO_SNI);

	v2_make(1, 0x0301, 3 * 9, 0, 16, 0);
	put(&in, "\x16\x03\x01", 3);
	at = run("SSLv2 hello and more", in.b, in.n, SNI_DONE, SNI_E_NONE,
	    "", SNI_F_SSLV2 | SNI_F_NO_SNI);
	CHECK_INT(at, in.n - 4);

	v2_make(1, 0x0301, 4, 0, 16, 0);
	bad("SSLv2 cipher_spec_length 4", SNI_E_MALFORMED);
	v2_make(1, 0x0301, 0, 0, 16, 0);
	bad("SSLv2 cipher_spec_length 0", SNI_E_MALFORMED);
	v2_make(1, 0x0301, 3, 5, 16, 0);
	bad("SSLv2 session_id_length 5", SNI_E_MALFORMED);
	v2_make(1, 0x0301, 3, 0, 8, 0);
	bad("SSLv2 challenge 8", SNI_E_MALFORMED);
	v2_make(1, 0x0301, 3, 0, 33, 0);
	bad("SSLv2 challenge 33", SNI_E_MALFORMED);
	v2_make(1, 0x0301, 3, 0, 16, 1);
	bad("SSLv2 length one long", SNI_E_MALFORMED);
	v2_make(1, 0x0301, 3, 0, 16, -1);
	bad("SSLv2 length one short", SNI_E_MALFORMED);

	v2_make(4, 0x0301, 3, 0, 16, 0);
	bad("SSLv2 server hello", SNI_E_NOT_TLS);
	v2_make(1, 0x0002, 3, 0, 16, 0);
	bad("SSL 2.0 proper", SNI_E_NOT_TLS);
	v2_make(1, 0x0305, 3, 0, 16, 0);
	bad("SSLv2 hello, version 0x0305", SNI_E_NOT_TLS);
}

static void
test_tlcp(void)
{
	struct sni_parser	p;

	ext.n = 0;
	ext_sni(&ext, "SM2.Example.CN");
	hello(0x0101, 0x0101, 16384, &ext);
	good("TLCP record and client version", "sm2.example.cn",
	    SNI_F_TLCP);
	sni_init(&p);
	CHECK_INT(sni_feed(&p, in.b, in.n), SNI_DONE);
	CHECK_INT(p.record_version, 0x0101);

	hello(0x0101, 0x0101, 3, &ext);
	good("TLCP in 3-byte records", "sm2.example.cn", SNI_F_TLCP);
	hello(0x0301, 0x0101, 16384, &ext);
	good("TLCP client version in a TLS record", "sm2.example.cn",
	    SNI_F_TLCP);
	hello(0x0101, 0x0303, 16384, &ext);
	good("TLCP record, TLS client version", "sm2.example.cn",
	    SNI_F_TLCP);

	body.n = 0;
	body_raw(&body, 0x0101, 32, 8, 0, &ext);
	wrap(0x0101, 16384);
	bad_flags("TLCP, no compression methods", SNI_E_MALFORMED,
	    SNI_F_TLCP);
}

static void
test_not_tls(void)
{
	static const char *const texts[] = {
		"GET / HTTP/1.1\r\nHost: a.example\r\n\r\n",
		"CONNECT a.example:443 HTTP/1.1\r\n\r\n",
		"PROXY TCP6 2001:db8::1 2001:db8::2 50000 443\r\n",
		"SSH-2.0-OpenSSH_9.2\r\n",
		"\x15\x03\x01\x00\x02\x02\x28",	/* alert first */
		"\x14\x03\x03\x00\x01\x01",		/* CCS first */
		"\x17\x03\x03\x00\x01\x00",		/* application data */
	};
	size_t	i, at;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		at = run(texts[i], (const uint8_t *)texts[i],
		    strlen(texts[i]), SNI_ERROR, SNI_E_NOT_TLS, "", 0);
		CHECK_INT(at, 0);
	}

	/* PROXY protocol v2 signature */
	at = run("PROXY v2", (const uint8_t *)"\r\n\r\n\0\r\nQUIT\n\x21", 13,
	    SNI_ERROR, SNI_E_NOT_TLS, "", 0);
	CHECK_INT(at, 0);

	at = run("record version 0x0400", (const uint8_t *)
	    "\x16\x04\x00\x00\x05", 5, SNI_ERROR, SNI_E_NOT_TLS, "", 0);
	CHECK_INT(at, 1);
	at = run("record version 0x0200", (const uint8_t *)
	    "\x16\x02\x00\x00\x05", 5, SNI_ERROR, SNI_E_NOT_TLS, "", 0);
	CHECK_INT(at, 1);
	at = run("record version 0x0305", (const uint8_t *)
	    "\x16\x03\x05\x00\x05", 5, SNI_ERROR, SNI_E_NOT_TLS, "", 0);
	CHECK_INT(at, 2);
	at = run("record version 0x0102", (const uint8_t *)
	    "\x16\x01\x02\x00\x05", 5, SNI_ERROR, SNI_E_NOT_TLS, "", 0);
	CHECK_INT(at, 2);

	run("nothing yet", in.b, 0, SNI_AGAIN, SNI_E_NONE, "", 0);
	run("a handshake record type", (const uint8_t *)"\x16", 1, SNI_AGAIN,
	    SNI_E_NONE, "", 0);
}

static void
test_real(void)
{
	static struct buf	rec;

	run("openssl s_client", real_openssl, sizeof(real_openssl), SNI_DONE,
	    SNI_E_NONE, "www.example.com", 0);
	run("curl", real_curl, sizeof(real_curl), SNI_DONE, SNI_E_NONE,
	    "www.example.org", 0);

	/* the same hellos in 1-byte records, as censorship tools send */
	rec.n = 0;
	rec_make(&rec, 22, 0x0301, 1, real_openssl + 5,
	    sizeof(real_openssl) - 5);
	run("openssl s_client, 1-byte records", rec.b, rec.n, SNI_DONE,
	    SNI_E_NONE, "www.example.com", 0);
	rec.n = 0;
	rec_make(&rec, 22, 0x0303, 100, real_curl + 5, sizeof(real_curl) - 5);
	put(&rec, "\x14\x03\x03\x00\x01\x01", 6);
	run("curl, 100-byte records, ChangeCipherSpec", rec.b, rec.n,
	    SNI_DONE, SNI_E_NONE, "www.example.org", 0);
}

int
main(void)
{
	test_basic();
	test_strerror();
	test_no_sni();
	test_grease_ech();
	test_records();
	test_sizes();
	test_truncated();
	test_malformed();
	test_bad_name();
	test_sslv2();
	test_tlcp();
	test_not_tls();
	test_real();
	return t_done("test_sni");
}
