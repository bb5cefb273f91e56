/* SPDX-License-Identifier: ISC */
/*
 * Tests for the PROXY protocol writer (src/common/pphdr.c).  The expected
 * headers are written out here byte by byte from proxy-protocol.txt, not
 * taken from the writer.  Every header is also written with every buffer
 * size from 0 to 16 past its length: below it nothing may be written and
 * 0 returned, from it on exactly the header.  Every header is read back
 * with the strict reader (pphdr_read.c), which is itself checked against a
 * list of headers that break one rule each.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "pphdr_read.h"
#include "pphdr.h"

#define CANARY	0xa5
#define SLACK	16

static union addr_sa
ep(const char *ip, uint16_t port)
{
	union addr_sa	a;

	if (addr_parse_ip(ip, &a) == -1) {
		fprintf(stderr, "test_pphdr: bad test address %s\n", ip);
		exit(1);
	}
	if (a.sa.sa_family == AF_INET)
		a.sin.sin_port = htons(port);
	else
		a.sin6.sin6_port = htons(port);
	return a;
}

static struct pphdr
hdr(const union addr_sa *src, const union addr_sa *dst, const char *auth,
    const char *uid)
{
	struct pphdr	h;

	memset(&h, 0, sizeof(h));
	h.src = src;
	h.dst = dst;
	h.authority = auth;
	h.authority_len = auth ? strlen(auth) : 0;
	h.unique_id = uid;
	h.unique_id_len = uid ? strlen(uid) : 0;
	return h;
}

/*
 * Write h with every cap from 0 to want_len + SLACK.  Below want_len: 0
 * and the buffer untouched; from it on: want_len and exactly want, with
 * nothing after it touched.
 */
static void
t_caps(const char *what, enum pphdr_version v, const struct pphdr *h,
    const uint8_t *want, size_t want_len)
{
	uint8_t		buf[PPHDR_MAX + 2 * SLACK];
	size_t		cap, r, i;
	int		bad = 0;

	for (cap = 0; cap <= want_len + SLACK && !bad; cap++) {
		memset(buf, CANARY, sizeof(buf));
		r = pphdr_write(v, h, buf, cap);
		if (r != (cap < want_len ? 0 : want_len)) {
			fprintf(stderr, "%s: cap %zu: returned %zu\n", what,
			    cap, r);
			bad = 1;
		} else if (r != 0 && memcmp(buf, want, want_len) != 0) {
			fprintf(stderr, "%s: cap %zu: wrong bytes\n", what,
			    cap);
			bad = 1;
		}
		for (i = r; i < sizeof(buf) && !bad; i++)
			if (buf[i] != CANARY) {
				fprintf(stderr, "%s: cap %zu: byte %zu "
				    "written\n", what, cap, i);
				bad = 1;
			}
	}
	CHECK(!bad);
}

/* The header, followed by a request, reads back as the given ends. */
static void
t_read_back(const char *what, enum pphdr_version v, const uint8_t *b, size_t len,
    int family, const union addr_sa *src, const union addr_sa *dst,
    const struct pphdr *h)
{
	static const char	 req[] = "GET / HTTP/1.1\r\n";
	uint8_t			 in[PPHDR_MAX + sizeof(req)];
	struct pphdr_info	 info;
	int			 rc;

	memcpy(in, b, len);
	memcpy(in + len, req, sizeof(req) - 1);
	rc = pphdr_read(in, len + sizeof(req) - 1, &info);
	if (rc == -1)
		fprintf(stderr, "%s: reader: %s\n", what, info.why);
	CHECK_INT(rc, 0);
	CHECK_INT(info.len, len);
	CHECK_INT(info.version, v == PPHDR_V1 ? 1 : 2);
	/* v2 without addresses is LOCAL, as HAProxy writes it */
	CHECK_INT(info.command, v == PPHDR_V2 && family == AF_UNSPEC ? 0 : 1);
	CHECK_INT(info.family, family);
	if (family != AF_UNSPEC) {
		CHECK(addr_equal(&info.src, src));
		CHECK(addr_equal(&info.dst, dst));
		CHECK_INT(addr_port(&info.src), addr_port(src));
		CHECK_INT(addr_port(&info.dst), addr_port(dst));
	}
	CHECK_INT(info.other_tlvs, 0);
	if (v == PPHDR_V2 && h->authority != NULL) {
		CHECK(info.authority_len == h->authority_len &&
		    memcmp(info.authority, h->authority,
		    h->authority_len) == 0);
	} else
		CHECK(info.authority == NULL);
	if (v == PPHDR_V2 && h->unique_id != NULL) {
		CHECK(info.unique_id_len == h->unique_id_len &&
		    memcmp(info.unique_id, h->unique_id,
		    h->unique_id_len) == 0);
	} else
		CHECK(info.unique_id == NULL);
}

/* A case: the expected header, its caps, and the read-back. */
static void
t_case(const char *what, enum pphdr_version v, const struct pphdr *h,
    const void *want, size_t want_len, int family,
    const union addr_sa *src, const union addr_sa *dst)
{
	t_caps(what, v, h, want, want_len);
	t_read_back(what, v, want, want_len, family, src, dst, h);
}

/* A v1 line. */
static void
t_line(const char *what, const struct pphdr *h, const char *want,
    int family, const union addr_sa *src, const union addr_sa *dst)
{
	t_case(what, PPHDR_V1, h, want, strlen(want), family, src, dst);
}

static void
test_v1(void)
{
	union addr_sa	s4 = ep("192.0.2.1", 56324);
	union addr_sa	d4 = ep("198.51.100.11", 443);
	union addr_sa	s6 = ep("2001:db8::1", 65535);
	union addr_sa	d6 = ep("64:ff9b::c000:221", 0);
	union addr_sa	m4 = ep("::ffff:192.0.2.1", 56324);
	union addr_sa	md = ep("::ffff:198.51.100.11", 443);
	union addr_sa	un, ux;
	struct pphdr	h;

	memset(&un, 0, sizeof(un));
	memset(&ux, 0, sizeof(ux));
	ux.sa.sa_family = AF_UNIX;

	h = hdr(&s4, &d4, NULL, NULL);
	t_line("v1 tcp4", &h,
	    "PROXY TCP4 192.0.2.1 198.51.100.11 56324 443\r\n",
	    AF_INET, &s4, &d4);
	/* v1 has no TLVs: they change nothing */
	h = hdr(&s4, &d4, "www.example.com", "c-1");
	t_line("v1 tcp4 tlv", &h,
	    "PROXY TCP4 192.0.2.1 198.51.100.11 56324 443\r\n",
	    AF_INET, &s4, &d4);

	h = hdr(&s6, &d6, NULL, NULL);
	t_line("v1 tcp6", &h,
	    "PROXY TCP6 2001:db8::1 64:ff9b::c000:221 65535 0\r\n",
	    AF_INET6, &s6, &d6);

	/* mapped addresses are the IPv4 addresses they are */
	h = hdr(&m4, &d4, NULL, NULL);
	t_line("v1 mapped src", &h,
	    "PROXY TCP4 192.0.2.1 198.51.100.11 56324 443\r\n",
	    AF_INET, &s4, &d4);
	h = hdr(&m4, &md, NULL, NULL);
	t_line("v1 mapped both", &h,
	    "PROXY TCP4 192.0.2.1 198.51.100.11 56324 443\r\n",
	    AF_INET, &s4, &d4);
	h = hdr(&s4, &md, NULL, NULL);
	t_line("v1 mapped dst", &h,
	    "PROXY TCP4 192.0.2.1 198.51.100.11 56324 443\r\n",
	    AF_INET, &s4, &d4);

	/* two families, or none: the short UNKNOWN line */
	h = hdr(&s4, &d6, NULL, NULL);
	t_line("v1 4/6", &h, "PROXY UNKNOWN\r\n", AF_UNSPEC, NULL, NULL);
	h = hdr(&s6, &d4, NULL, NULL);
	t_line("v1 6/4", &h, "PROXY UNKNOWN\r\n", AF_UNSPEC, NULL, NULL);
	h = hdr(&m4, &d6, NULL, NULL);
	t_line("v1 mapped/6", &h, "PROXY UNKNOWN\r\n", AF_UNSPEC, NULL,
	    NULL);
	h = hdr(&un, &un, NULL, NULL);
	t_line("v1 unspec", &h, "PROXY UNKNOWN\r\n", AF_UNSPEC, NULL, NULL);
	h = hdr(&ux, &ux, NULL, NULL);
	t_line("v1 unix", &h, "PROXY UNKNOWN\r\n", AF_UNSPEC, NULL, NULL);
	h = hdr(NULL, &d4, NULL, NULL);
	t_line("v1 null", &h, "PROXY UNKNOWN\r\n", AF_UNSPEC, NULL, NULL);
	h = hdr(&s4, &un, NULL, NULL);
	t_line("v1 4/unspec", &h, "PROXY UNKNOWN\r\n", AF_UNSPEC, NULL,
	    NULL);
}

/* RFC 5952 text, never a dotted tail, and the longest line. */
static void
test_v1_text(void)
{
	static const struct {
		const char	*in, *out;
	} t[] = {
		{ "2001:db8:0:0:1:0:0:1",	"2001:db8::1:0:0:1" },
		{ "2001:db8:0:1:1:1:1:1",	"2001:db8:0:1:1:1:1:1" },
		{ "2001:0DB8::0001",		"2001:db8::1" },
		{ "ABCD::EF",			"abcd::ef" },
		{ "::",				"::" },
		{ "::1",			"::1" },
		{ "1::",			"1::" },
		{ "fe80::",			"fe80::" },
		{ "0:1:2:3:4:5:6:7",		"0:1:2:3:4:5:6:7" },
		{ "1:2:3:4:5:6:7:0",		"1:2:3:4:5:6:7:0" },
		{ "0:0:1:2:3:4:5:6",		"::1:2:3:4:5:6" },
		{ "1:2:3:4:5:6:0:0",		"1:2:3:4:5:6::" },
		{ "1:0:0:2:0:0:0:3",		"1:0:0:2::3" },
		{ "1:0:0:2:0:0:3:4",		"1::2:0:0:3:4" },
		{ "1:0:2:0:0:0:0:3",		"1:0:2::3" },
		{ "::1.2.3.4",			"::102:304" },
		{ "::ffff:0:1.2.3.4",		"::ffff:0:102:304" },
		{ "64:ff9b::192.0.2.33",	"64:ff9b::c000:221" },
		{ "1000:200:30:4:0:5:60:700",	"1000:200:30:4:0:5:60:700" },
	};
	union addr_sa	src, dst = ep("::1", 2);
	struct pphdr	h;
	char		want[128];
	size_t		i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		src = ep(t[i].in, 1);
		h = hdr(&src, &dst, NULL, NULL);
		snprintf(want, sizeof(want), "PROXY TCP6 %s ::1 1 2\r\n",
		    t[i].out);
		t_line(t[i].in, &h, want, AF_INET6, &src, &dst);
	}

	/* §2.1's longest TCP6 line: 104 bytes */
	src = ep("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535);
	dst = ep("fffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65534);
	h = hdr(&src, &dst, NULL, NULL);
	t_line("v1 longest", &h, "PROXY TCP6 "
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
	    "fffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65534\r\n",
	    AF_INET6, &src, &dst);
	CHECK_INT(strlen("PROXY TCP6 "
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
	    "fffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65534\r\n"), 104);

	/* and TCP4's: 56 */
	src = ep("255.255.255.255", 65535);
	dst = ep("0.0.0.0", 0);
	h = hdr(&src, &dst, NULL, NULL);
	t_line("v1 tcp4 extremes", &h,
	    "PROXY TCP4 255.255.255.255 0.0.0.0 65535 0\r\n",
	    AF_INET, &src, &dst);
}

#define SIG	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, \
		0x54, 0x0a

static void
test_v2(void)
{
	/* 192.0.2.1:56324 -> 198.51.100.11:443 */
	static const uint8_t	tcp4[] = {
		SIG, 0x21, 0x11, 0x00, 0x0c,
		0xc0, 0x00, 0x02, 0x01,			/* src */
		0xc6, 0x33, 0x64, 0x0b,			/* dst */
		0xdc, 0x04, 0x01, 0xbb,			/* 56324, 443 */
	};
	/* the same with AUTHORITY "example.com" */
	static const uint8_t	tcp4_auth[] = {
		SIG, 0x21, 0x11, 0x00, 0x1a,
		0xc0, 0x00, 0x02, 0x01,
		0xc6, 0x33, 0x64, 0x0b,
		0xdc, 0x04, 0x01, 0xbb,
		0x02, 0x00, 0x0b, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.',
		'c', 'o', 'm',
	};
	/* [2001:db8::1]:1234 -> [2001:db8::2]:443, both TLVs */
	static const uint8_t	tcp6_tlv[] = {
		SIG, 0x21, 0x21, 0x00, 0x38,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
		0x04, 0xd2, 0x01, 0xbb,
		0x02, 0x00, 0x0b, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.',
		'c', 'o', 'm',
		0x05, 0x00, 0x03, 'a', 'b', 'c',
	};
	/* the same ends, UNIQUE_ID only */
	static const uint8_t	tcp6_uid[] = {
		SIG, 0x21, 0x21, 0x00, 0x2a,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,
		0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02,
		0x04, 0xd2, 0x01, 0xbb,
		0x05, 0x00, 0x03, 'a', 'b', 'c',
	};
	/* two families: no addresses */
	static const uint8_t	unspec[] = {
		SIG, 0x20, 0x00, 0x00, 0x00,
	};
	/* no addresses, the TLVs right after the 16 bytes */
	static const uint8_t	unspec_tlv[] = {
		SIG, 0x20, 0x00, 0x00, 0x14,
		0x02, 0x00, 0x0b, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.',
		'c', 'o', 'm',
		0x05, 0x00, 0x03, 'a', 'b', 'c',
	};
	union addr_sa	s4 = ep("192.0.2.1", 56324);
	union addr_sa	d4 = ep("198.51.100.11", 443);
	union addr_sa	m4 = ep("::ffff:192.0.2.1", 56324);
	union addr_sa	md = ep("::ffff:198.51.100.11", 443);
	union addr_sa	s6 = ep("2001:db8::1", 1234);
	union addr_sa	d6 = ep("2001:db8::2", 443);
	union addr_sa	un;
	struct pphdr	h;

	memset(&un, 0, sizeof(un));

	CHECK_INT(sizeof(tcp4), 28);
	CHECK_INT(sizeof(tcp6_tlv), 16 + 0x38);
	CHECK_INT(sizeof(unspec_tlv), 16 + 0x14);

	h = hdr(&s4, &d4, NULL, NULL);
	t_case("v2 tcp4", PPHDR_V2, &h, tcp4, sizeof(tcp4), AF_INET,
	    &s4, &d4);
	h = hdr(&m4, &md, NULL, NULL);
	t_case("v2 mapped both", PPHDR_V2, &h, tcp4, sizeof(tcp4),
	    AF_INET, &s4, &d4);
	h = hdr(&s4, &md, NULL, NULL);
	t_case("v2 mapped dst", PPHDR_V2, &h, tcp4, sizeof(tcp4),
	    AF_INET, &s4, &d4);
	h = hdr(&s4, &d4, "example.com", NULL);
	t_case("v2 tcp4 authority", PPHDR_V2, &h, tcp4_auth,
	    sizeof(tcp4_auth), AF_INET, &s4, &d4);
	h = hdr(&m4, &d4, "example.com", NULL);
	t_case("v2 mapped authority", PPHDR_V2, &h, tcp4_auth,
	    sizeof(tcp4_auth), AF_INET, &s4, &d4);

	h = hdr(&s6, &d6, "example.com", "abc");
	t_case("v2 tcp6 tlvs", PPHDR_V2, &h, tcp6_tlv, sizeof(tcp6_tlv),
	    AF_INET6, &s6, &d6);
	h = hdr(&s6, &d6, NULL, "abc");
	t_case("v2 tcp6 unique id", PPHDR_V2, &h, tcp6_uid,
	    sizeof(tcp6_uid), AF_INET6, &s6, &d6);

	h = hdr(&s4, &d6, NULL, NULL);
	t_case("v2 4/6", PPHDR_V2, &h, unspec, sizeof(unspec), AF_UNSPEC,
	    NULL, NULL);
	h = hdr(&m4, &d6, NULL, NULL);
	t_case("v2 mapped/6", PPHDR_V2, &h, unspec, sizeof(unspec),
	    AF_UNSPEC, NULL, NULL);
	h = hdr(&un, NULL, NULL, NULL);
	t_case("v2 none", PPHDR_V2, &h, unspec, sizeof(unspec), AF_UNSPEC,
	    NULL, NULL);
	h = hdr(&s6, &d4, "example.com", "abc");
	t_case("v2 6/4 tlvs", PPHDR_V2, &h, unspec_tlv, sizeof(unspec_tlv),
	    AF_UNSPEC, NULL, NULL);
}

/* TLV limits: 255 and 128 fit (PPHDR_MAX in all), one more does not. */
static void
test_tlv_limits(void)
{
	union addr_sa	s6 = ep("2001:db8::1", 1234);
	union addr_sa	d6 = ep("2001:db8::2", 443);
	union addr_sa	s4 = ep("192.0.2.1", 1);
	union addr_sa	d4 = ep("192.0.2.2", 2);
	char		auth[PPHDR_AUTHORITY_MAX + 2];
	char		uid[PPHDR_UNIQUE_ID_MAX + 2];
	uint8_t		want[PPHDR_MAX + 1], buf[PPHDR_MAX + 64];
	struct pphdr	h;
	size_t		i, n;

	/* labels of 63 bytes, the last ending in two U+00E9: 255 bytes */
	memset(auth, 'a', sizeof(auth));
	auth[63] = auth[127] = auth[191] = '.';
	for (i = 251; i < PPHDR_AUTHORITY_MAX; i += 2) {
		auth[i] = (char)0xc3;
		auth[i + 1] = (char)0xa9;
	}
	auth[PPHDR_AUTHORITY_MAX] = '\0';
	for (i = 0; i < sizeof(uid); i++)
		uid[i] = (char)(i * 7 + 1);
	uid[0] = '\0';				/* opaque: a NUL too */

	h = hdr(&s6, &d6, NULL, NULL);
	h.authority = auth;
	h.authority_len = PPHDR_AUTHORITY_MAX;
	h.unique_id = uid;
	h.unique_id_len = PPHDR_UNIQUE_ID_MAX;

	/* the largest header, built by hand */
	n = 0;
	memcpy(want, (const uint8_t[]){ SIG, 0x21, 0x21, 0x01, 0xa9 }, 16);
	n = 16;
	CHECK_INT(0x01a9, 36 + 3 + 255 + 3 + 128);
	memcpy(want + n, &s6.sin6.sin6_addr, 16);
	memcpy(want + n + 16, &d6.sin6.sin6_addr, 16);
	want[n + 32] = 0x04;
	want[n + 33] = 0xd2;
	want[n + 34] = 0x01;
	want[n + 35] = 0xbb;
	n += 36;
	want[n++] = 0x02;
	want[n++] = 0x00;
	want[n++] = 0xff;
	memcpy(want + n, auth, 255);
	n += 255;
	want[n++] = 0x05;
	want[n++] = 0x00;
	want[n++] = 0x80;
	memcpy(want + n, uid, 128);
	n += 128;
	CHECK_INT(n, PPHDR_MAX);
	t_case("v2 largest", PPHDR_V2, &h, want, n, AF_INET6, &s6, &d6);

	/* one byte more, each: nothing, whatever the cap */
	h.authority_len = PPHDR_AUTHORITY_MAX + 1;
	CHECK_INT(pphdr_write(PPHDR_V2, &h, buf, sizeof(buf)), 0);
	CHECK_INT(pphdr_write(PPHDR_V1, &h, buf, sizeof(buf)), 0);
	h.authority_len = PPHDR_AUTHORITY_MAX;
	h.unique_id_len = PPHDR_UNIQUE_ID_MAX + 1;
	CHECK_INT(pphdr_write(PPHDR_V2, &h, buf, sizeof(buf)), 0);
	CHECK_INT(pphdr_write(PPHDR_V1, &h, buf, sizeof(buf)), 0);
	h.unique_id_len = PPHDR_UNIQUE_ID_MAX;
	CHECK_INT(pphdr_write(PPHDR_V2, &h, buf, sizeof(buf)), PPHDR_MAX);

	/* empty but present: nothing */
	h = hdr(&s4, &d4, "", NULL);
	CHECK_INT(pphdr_write(PPHDR_V2, &h, buf, sizeof(buf)), 0);
	CHECK_INT(pphdr_write(PPHDR_V1, &h, buf, sizeof(buf)), 0);
	h = hdr(&s4, &d4, NULL, "");
	CHECK_INT(pphdr_write(PPHDR_V2, &h, buf, sizeof(buf)), 0);
	CHECK_INT(pphdr_write(PPHDR_V1, &h, buf, sizeof(buf)), 0);

	/* absent: the length is not looked at */
	h = hdr(&s4, &d4, NULL, NULL);
	h.authority_len = 1000;
	h.unique_id_len = 1000;
	CHECK_INT(pphdr_write(PPHDR_V2, &h, buf, sizeof(buf)), 28);

	/* no version */
	h = hdr(&s4, &d4, NULL, NULL);
	CHECK_INT(pphdr_write(PPHDR_NONE, &h, buf, sizeof(buf)), 0);

	/* the authority exactly as given: case, UTF-8 */
	h = hdr(&s4, &d4, "WWW.Example.COM", NULL);
	n = pphdr_write(PPHDR_V2, &h, buf, sizeof(buf));
	CHECK_INT(n, 28 + 3 + 15);
	CHECK(memcmp(buf + 31, "WWW.Example.COM", 15) == 0);
	h = hdr(&s4, &d4, "b\xc3\xbc" "cher.example", NULL);
	n = pphdr_write(PPHDR_V2, &h, buf, sizeof(buf));
	t_read_back("v2 utf-8", PPHDR_V2, buf, n, AF_INET, &s4, &d4, &h);
}

/* CRC-32C for building test headers; checked on RFC 3720 B.4's value. */
static uint32_t
t_crc32c(const uint8_t *b, size_t n)
{
	uint32_t	crc = 0xffffffff;
	size_t		i;
	int		k;

	for (i = 0; i < n; i++) {
		crc ^= b[i];
		for (k = 0; k < 8; k++)
			crc = (crc & 1) ? (crc >> 1) ^ 0x82f63b78 : crc >> 1;
	}
	return ~crc;
}

/* A v2 header from its parts; the length is the parts'. */
static size_t
t_v2(uint8_t *out, uint8_t ver_cmd, uint8_t fam, const void *body,
    size_t len)
{
	static const uint8_t	sig[] = { SIG };

	memcpy(out, sig, 12);
	out[12] = ver_cmd;
	out[13] = fam;
	out[14] = (uint8_t)(len >> 8);
	out[15] = (uint8_t)len;
	memcpy(out + 16, body, len);
	return 16 + len;
}

static void
t_accept(const char *what, const uint8_t *b, size_t n, size_t want_len,
    int family)
{
	struct pphdr_info	info;
	int			rc;

	rc = pphdr_read(b, n, &info);
	if (rc == -1)
		fprintf(stderr, "%s: refused: %s\n", what, info.why);
	CHECK_INT(rc, 0);
	CHECK_INT(info.len, want_len);
	CHECK_INT(info.family, family);
}

static void
t_refuse(const char *what, const uint8_t *b, size_t n, const char *why)
{
	struct pphdr_info	info;
	int			rc;

	rc = pphdr_read(b, n, &info);
	CHECK_INT(rc, -1);
	if (rc == -1 && strstr(info.why, why) == NULL)
		fprintf(stderr, "%s: refused for \"%s\", expected \"%s\"\n",
		    what, info.why, why);
	CHECK(rc == 0 || strstr(info.why, why) != NULL);
}

static void
test_reader_v1(void)
{
	static const struct {
		const char	*line, *why;
	} bad[] = {
		{ "PROXY TCP4 192.0.2.1 192.0.2.2 1 2\n", "LF without CR" },
		{ "PROXY TCP4 192.0.2.1 192.0.2.2 1 2\r", "truncated" },
		{ "PROXY TCP4 192.0.2.1 192.0.2.2 1 2", "truncated" },
		{ "PROXY TCP4 192.0.2.1\r192.0.2.2 1 2\r\n", "CR without LF" },
		{ "PROXY TCP4 192.0.2.1\n192.0.2.2 1 2\r\n", "LF without CR" },
		{ "PROXY TCP4 192.0.2.1 192.0.2.2 01 2\r\n", "bad port" },
		{ "PROXY TCP4 192.0.2.1 192.0.2.2 1 00\r\n", "bad port" },
		{ "PROXY TCP4 192.0.2.1 192.0.2.2 65536 2\r\n", "bad port" },
		{ "PROXY TCP4 192.0.2.1 192.0.2.2 100000 2\r\n", "bad port" },
		{ "PROXY TCP4 192.0.2.1 192.0.2.2 +1 2\r\n", "bad port" },
		{ "PROXY TCP4 192.0.2.1 192.0.2.2 -1 2\r\n", "bad port" },
		{ "PROXY TCP4 192.0.2.1 192.0.2.2 0x1 2\r\n", "bad port" },
		{ "PROXY TCP4 192.0.2.01 192.0.2.2 1 2\r\n", "bad IPv4" },
		{ "PROXY TCP4 192.0.2.256 192.0.2.2 1 2\r\n", "bad IPv4" },
		{ "PROXY TCP4 192.0.2 192.0.2.2 1 2\r\n", "bad IPv4" },
		{ "PROXY TCP4 192.0.2.1.5 192.0.2.2 1 2\r\n", "bad IPv4" },
		{ "PROXY TCP4 192.0.2. 192.0.2.2 1 2\r\n", "bad IPv4" },
		{ "PROXY TCP4 1.2.3.0004 192.0.2.2 1 2\r\n", "bad IPv4" },
		{ "PROXY TCP4 2001:db8::1 192.0.2.2 1 2\r\n", "bad IPv4" },
		{ "PROXY TCP4 ::ffff:192.0.2.1 192.0.2.2 1 2\r\n", "bad IPv4" },
		{ "PROXY TCP6 192.0.2.1 ::1 1 2\r\n", "bad IPv6" },
		{ "PROXY TCP6 ::1.2.3.4 ::1 1 2\r\n", "bad IPv6" },
		{ "PROXY TCP6 ::ffff:1.2.3.4 ::1 1 2\r\n", "bad IPv6" },
		{ "PROXY TCP6 1::2::3 ::1 1 2\r\n", "bad IPv6" },
		{ "PROXY TCP6 12345:: ::1 1 2\r\n", "bad IPv6" },
		{ "PROXY TCP6 1:2:3:4:5:6:7 ::1 1 2\r\n", "bad IPv6" },
		{ "PROXY TCP6 1:2:3:4:5:6:7:8:9 ::1 1 2\r\n", "bad IPv6" },
		{ "PROXY TCP6 1:2:3:4::5:6:7:8 ::1 1 2\r\n", "bad IPv6" },
		{ "PROXY TCP6 :1:2:3:4:5:6:7 ::1 1 2\r\n", "bad IPv6" },
		{ "PROXY TCP6 1:2:3:4:5:6:7: ::1 1 2\r\n", "bad IPv6" },
		{ "PROXY TCP6 ::: ::1 1 2\r\n", "bad IPv6" },
		{ "PROXY TCP6 [::1] ::1 1 2\r\n", "bad IPv6" },
		{ "PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n", "bad IPv6" },
		{ "PROXY TCP6 g:: ::1 1 2\r\n", "bad IPv6" },
		{ "PROXY  TCP4 192.0.2.1 192.0.2.2 1 2\r\n", "protocol" },
		{ "PROXY TCP4  192.0.2.1 192.0.2.2 1 2\r\n", "bad IPv4" },
		{ "PROXY TCP4 192.0.2.1 192.0.2.2 1  2\r\n", "bad port" },
		{ "PROXY TCP4 192.0.2.1 192.0.2.2 1 2 \r\n", "junk" },
		{ "PROXY TCP4 192.0.2.1 192.0.2.2 1 2 3\r\n", "junk" },
		{ "PROXY TCP4 192.0.2.1 192.0.2.2 1\r\n", "missing field" },
		{ "PROXY TCP4\r\n", "missing field" },
		{ "PROXY TCP4 \r\n", "bad IPv4" },
		{ "PROXY tcp4 192.0.2.1 192.0.2.2 1 2\r\n", "protocol" },
		{ "PROXY UDP4 192.0.2.1 192.0.2.2 1 2\r\n", "protocol" },
		{ "PROXY TCP 192.0.2.1 192.0.2.2 1 2\r\n", "protocol" },
		{ "PROXY UNKNOWNX\r\n", "protocol" },
		{ "PROXY unknown\r\n", "protocol" },
		{ "PROXY UNKNOWN \x01\r\n", "US-ASCII" },
		{ "PROXY UNKNOWN \xc3\xa9\r\n", "US-ASCII" },
		{ "PROXY\r\n", "not \"PROXY \"" },
		{ "PROXYTCP4 192.0.2.1 192.0.2.2 1 2\r\n", "not \"PROXY \"" },
		{ "proxy TCP4 192.0.2.1 192.0.2.2 1 2\r\n", "not a PROXY" },
		{ "PROX", "truncated" },
		{ "", "truncated" },
		{ "GET / HTTP/1.1\r\n", "not a PROXY" },
	};
	char	line[200];
	size_t	i, n;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		t_refuse(bad[i].line, (const uint8_t *)bad[i].line,
		    strlen(bad[i].line), bad[i].why);
	/* the NUL is part of the line, not its end */
	t_refuse("nul", (const uint8_t *)"PROXY TCP4 192.0.2.1\0 1 2\r\n",
	    27, "bad IPv4");

	/* valid, if not what the writer sends */
	t_accept("upper-case hex", (const uint8_t *)
	    "PROXY TCP6 2001:DB8::A ::1 1 2\r\n", 32, 32, AF_INET6);
	t_accept("uncompressed", (const uint8_t *)
	    "PROXY TCP6 0:0:0:0:0:0:0:1 0000:0::1 0 65535\r\n", 46, 46,
	    AF_INET6);
	t_accept("one group ::", (const uint8_t *)
	    "PROXY TCP6 1:2:3:4:5:6:7:: ::1 1 2\r\n", 36, 36, AF_INET6);
	t_accept("unknown, long form", (const uint8_t *)
	    "PROXY UNKNOWN ::1 ::1 1 2\r\n", 27, 27, AF_UNSPEC);
	t_accept("payload", (const uint8_t *)
	    "PROXY TCP4 0.0.0.0 255.255.255.255 0 65535\r\nGET /\r\n", 51, 44,
	    AF_INET);

	/* §2.1: the CRLF within 107 bytes, no further */
	memcpy(line, "PROXY UNKNOWN ", 14);
	memset(line + 14, 'f', 91);
	memcpy(line + 105, "\r\n", 2);
	t_accept("107 bytes", (const uint8_t *)line, 107, 107, AF_UNSPEC);
	memcpy(line, "PROXY UNKNOWN ", 14);
	memset(line + 14, 'f', 92);
	memcpy(line + 106, "\r\n", 2);
	t_refuse("108 bytes", (const uint8_t *)line, 108, "107");
	n = 150;
	memset(line + 14, 'f', n - 14);
	t_refuse("150 bytes", (const uint8_t *)line, n, "107");
}

static void
test_reader_v2(void)
{
	/* TCP4 with AUTHORITY and UNIQUE_ID: 16 + 32 bytes */
	static const uint8_t	base[] = {
		SIG, 0x21, 0x11, 0x00, 0x20,
		0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x0b,
		0xdc, 0x04, 0x01, 0xbb,
		0x02, 0x00, 0x0b, 'e', 'x', 'a', 'm', 'p', 'l', 'e', '.',
		'c', 'o', 'm',					/* 28 */
		0x05, 0x00, 0x03, 'a', 'b', 'c',		/* 42 */
	};
	/* one byte changed, or the input cut short */
	static const struct {
		size_t		 at;
		uint8_t		 to;
		size_t		 cut;		/* 0: not cut */
		const char	*why;
	} bad[] = {
		{ 0, 0x0c, 0, "not a PROXY" },
		{ 4, 0x01, 0, "not a PROXY" },
		{ 11, 0x0b, 0, "not a PROXY" },
		{ 12, 0x11, 0, "version" },
		{ 12, 0x31, 0, "version" },
		{ 12, 0x01, 0, "version" },
		{ 12, 0x22, 0, "command" },
		{ 12, 0x2f, 0, "command" },
		{ 13, 0x12, 0, "UDP" },
		{ 13, 0x22, 0, "UDP" },
		{ 13, 0x31, 0, "UNIX" },
		{ 13, 0x01, 0, "family" },
		{ 13, 0x10, 0, "family" },
		{ 13, 0x13, 0, "family" },
		{ 13, 0x41, 0, "family" },
		{ 14, 0x01, 0, "beyond the input" },
		{ 15, 0x21, 0, "beyond the input" },
		{ 15, 0x0b, 0, "shorter than the addresses" },
		{ 15, 0x00, 0, "shorter than the addresses" },
		{ 15, 0x1f, 0, "TLV value overruns" },
		{ 15, 0x0d, 0, "TLV header overruns" },
		{ 15, 0x0e, 0, "TLV header overruns" },
		{ 15, 0x1b, 0, "TLV header overruns" },
		{ 30, 0x0a, 0, "TLV value overruns" },
		{ 28, 0x05, 0, "duplicate" },
		{ 42, 0x02, 0, "duplicate" },
		{ 34, ' ', 0, "AUTHORITY not" },
		{ 34, 0x00, 0, "AUTHORITY not" },
		{ 34, 0x7f, 0, "AUTHORITY not" },
		{ 34, 0xff, 0, "AUTHORITY not" },
		{ 41, 0xc3, 0, "AUTHORITY not" },	/* cut UTF-8 */
		{ 34, 0x80, 0, "AUTHORITY not" },	/* lone continuation */
		{ 0, 0x0d, 47, "beyond the input" },
		{ 0, 0x0d, 16, "beyond the input" },
		{ 0, 0x0d, 15, "truncated" },
		{ 0, 0x0d, 12, "truncated" },
		{ 0, 0x0d, 5, "truncated" },
	};
	uint8_t		b[600], body[600];
	size_t		i, n;

	t_accept("base", base, sizeof(base), sizeof(base), AF_INET);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char	what[64];

		memcpy(b, base, sizeof(base));
		b[bad[i].at] = bad[i].to;
		snprintf(what, sizeof(what), "v2 byte %zu = 0x%02x, cut %zu",
		    bad[i].at, bad[i].to, bad[i].cut);
		t_refuse(what, b, bad[i].cut ? bad[i].cut : sizeof(base),
		    bad[i].why);
	}

	/* TLV values, each alone after UNSPEC */
	memcpy(body, (const uint8_t[]){ 0x02, 0x00, 0x00 }, 3);
	n = t_v2(b, 0x21, 0x00, body, 3);
	t_refuse("empty authority", b, n, "AUTHORITY length");
	memcpy(body, (const uint8_t[]){ 0x05, 0x00, 0x00 }, 3);
	n = t_v2(b, 0x21, 0x00, body, 3);
	t_refuse("empty unique id", b, n, "UNIQUE_ID length");
	memcpy(body, (const uint8_t[]){ 0x02, 0x01, 0x00 }, 3);
	memset(body + 3, 'a', 256);
	n = t_v2(b, 0x21, 0x00, body, 3 + 256);
	t_refuse("authority 256", b, n, "AUTHORITY length");
	body[1] = 0x00;
	body[2] = 0xff;
	n = t_v2(b, 0x21, 0x00, body, 3 + 255);
	t_accept("authority 255", b, n, n, AF_UNSPEC);
	memcpy(body, (const uint8_t[]){ 0x05, 0x00, 0x81 }, 3);
	n = t_v2(b, 0x21, 0x00, body, 3 + 129);
	t_refuse("unique id 129", b, n, "UNIQUE_ID length");
	body[2] = 0x80;
	n = t_v2(b, 0x21, 0x00, body, 3 + 128);
	t_accept("unique id 128", b, n, n, AF_UNSPEC);
	/* overlong '/', a surrogate, above U+10FFFF */
	memcpy(body, (const uint8_t[]){ 0x02, 0x00, 0x02, 0xc0, 0xaf }, 5);
	n = t_v2(b, 0x21, 0x00, body, 5);
	t_refuse("overlong", b, n, "AUTHORITY not");
	memcpy(body, (const uint8_t[]){ 0x02, 0x00, 0x03, 0xed, 0xa0, 0x80 },
	    6);
	n = t_v2(b, 0x21, 0x00, body, 6);
	t_refuse("surrogate", b, n, "AUTHORITY not");
	memcpy(body, (const uint8_t[]){ 0x02, 0x00, 0x04, 0xf4, 0x90, 0x80,
	    0x80 }, 7);
	n = t_v2(b, 0x21, 0x00, body, 7);
	t_refuse("above U+10FFFF", b, n, "AUTHORITY not");
	memcpy(body, (const uint8_t[]){ 0x02, 0x00, 0x04, 0xf0, 0x9f, 0x98,
	    0x80 }, 7);
	n = t_v2(b, 0x21, 0x00, body, 7);
	t_accept("U+1F600", b, n, n, AF_UNSPEC);

	/* NOOP may repeat; another type may not */
	memcpy(body, (const uint8_t[]){ 0x04, 0x00, 0x00, 0x04, 0x00, 0x01,
	    0xee }, 7);
	n = t_v2(b, 0x21, 0x00, body, 7);
	t_accept("noop twice", b, n, n, AF_UNSPEC);
	memcpy(body, (const uint8_t[]){ 0xe0, 0x00, 0x00, 0xe0, 0x00, 0x00 },
	    6);
	n = t_v2(b, 0x21, 0x00, body, 6);
	t_refuse("custom twice", b, n, "duplicate");

	/* CRC32C: 4 bytes, matching */
	CHECK_INT(t_crc32c((const uint8_t *)"123456789", 9), 0xe3069283);
	memcpy(body, (const uint8_t[]){ 0x03, 0x00, 0x04, 0, 0, 0, 0 }, 7);
	n = t_v2(b, 0x21, 0x00, body, 7);
	{
		uint32_t	crc = t_crc32c(b, n);

		b[19] = (uint8_t)(crc >> 24);
		b[20] = (uint8_t)(crc >> 16);
		b[21] = (uint8_t)(crc >> 8);
		b[22] = (uint8_t)crc;
	}
	t_accept("crc32c", b, n, n, AF_UNSPEC);
	b[22] ^= 1;
	t_refuse("crc32c wrong", b, n, "CRC32C mismatch");
	memcpy(body, (const uint8_t[]){ 0x03, 0x00, 0x03, 0, 0, 0 }, 6);
	n = t_v2(b, 0x21, 0x00, body, 6);
	t_refuse("crc32c 3 bytes", b, n, "CRC32C length");

	/* LOCAL, the 16 bytes alone; a header followed by data */
	n = t_v2(b, 0x20, 0x00, body, 0);
	t_accept("local", b, n, 16, AF_UNSPEC);
	memcpy(b + n, "\r\n\r\n", 4);
	t_accept("then data", b, n + 4, 16, AF_UNSPEC);
}

int
main(void)
{
	test_v1();
	test_v1_text();
	test_v2();
	test_tlv_limits();
	test_reader_v1();
	test_reader_v2();
	return t_done("test_pphdr");
}
