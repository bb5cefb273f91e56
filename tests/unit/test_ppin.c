/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for the PROXY protocol reader (src/proxy/ppin.c).  Every
 * header is fed whole, one byte at a time, and in two calls split at every
 * point, with the client's first bytes after it: each way must agree on
 * the result and on where the header ended.  Headers come from the
 * daemon's own writer (pphdr.c) and by hand: v1 and v2, TCP4 and TCP6,
 * LOCAL, UNKNOWN, UDP/UNIX, TLVs; then bad signatures, lengths and TLVs.
 */

#include <arpa/inet.h>
#include <stdint.h>
#include <string.h>

#include "pphdr.h"
#include "proxy/ppin.h"
#include "t.h"

#define TAIL	"\x16\x03\x01"		/* a ClientHello's first bytes */

struct want {
	enum ppin_rc	 rc;
	enum ppin_err	 err;
	uint8_t		 version;
	uint8_t		 command;
	const char	*src, *dst;	/* "addr port", PPIN_PROXY */
	size_t		 total;		/* header bytes */
};

static void
check_addr(const union addr_sa *a, const char *want, int line)
{
	char	text[INET6_ADDRSTRLEN], got[INET6_ADDRSTRLEN + 8];
	const void *ap = a->sa.sa_family == AF_INET ?
	    (const void *)&a->sin.sin_addr : (const void *)&a->sin6.sin6_addr;
	uint16_t port = a->sa.sa_family == AF_INET ? a->sin.sin_port :
	    a->sin6.sin6_port;

	if (inet_ntop(a->sa.sa_family, ap, text, sizeof(text)) == NULL)
		strcpy(text, "?");
	snprintf(got, sizeof(got), "%s %u", text, ntohs(port));
	if (strcmp(got, want) != 0)
		fprintf(stderr, "line %d: address %s, expected %s\n", line,
		    got, want);
	CHECK_STR(got, want);
}

/* One way of feeding: pieces of at most step bytes, or split at cut. */
static void
feed_check(const uint8_t *in, size_t n, size_t step, size_t cut,
    const struct want *w, int line)
{
	struct ppin_parser	p;
	enum ppin_rc		rc = PPIN_AGAIN;
	size_t			i = 0, k, used, upto = 0;

	ppin_init(&p);
	while (i < n && rc == PPIN_AGAIN) {
		k = cut ? (i < cut ? cut - i : n - i) : step;
		if (k > n - i)
			k = n - i;
		rc = ppin_feed(&p, in + i, k, &used);
		CHECK(used <= k);
		if (rc == PPIN_AGAIN)
			CHECK_INT(used, k);
		upto = i + used;
		i += k;
	}
	if (rc != w->rc)
		fprintf(stderr, "line %d: step %zu cut %zu: rc %d err %d\n",
		    line, step, cut, rc, p.err);
	CHECK_INT(rc, w->rc);
	CHECK_INT(p.err, w->err);
	if (w->version)
		CHECK_INT(p.version, w->version);
	if (rc != PPIN_DONE)
		return;
	CHECK_INT(upto, w->total);
	CHECK_INT(p.total, w->total);
	CHECK_INT(p.command, w->command);
	if (w->command == PPIN_PROXY) {
		check_addr(&p.src, w->src, line);
		check_addr(&p.dst, w->dst, line);
	}
	/* finished: the same again, nothing read */
	CHECK_INT(ppin_feed(&p, in, n, &used), PPIN_DONE);
	CHECK_INT(used, 0);
}

static void
run(const void *in, size_t n, const struct want *w, int line)
{
	size_t	cut;

	feed_check(in, n, n ? n : 1, 0, w, line);
	feed_check(in, n, 1, 0, w, line);
	for (cut = 1; cut < n; cut++)
		feed_check(in, n, 0, cut, w, line);
}

#define RUN(s, ...) do {						\
	struct want w_ = { __VA_ARGS__ };				\
	run(s, sizeof(s) - 1, &w_, __LINE__);				\
} while (0)

static void
test_v1(void)
{
	RUN("PROXY TCP4 192.0.2.1 198.51.100.2 50000 443\r\n" TAIL,
	    PPIN_DONE, PPIN_E_NONE, 1, PPIN_PROXY, "192.0.2.1 50000",
	    "198.51.100.2 443", 45);
	RUN("PROXY TCP6 2001:db8::5 2001:db8:100::10 65535 0\r\n" TAIL,
	    PPIN_DONE, PPIN_E_NONE, 1, PPIN_PROXY, "2001:db8::5 65535",
	    "2001:db8:100::10 0", 49);
	/* a mapped address is the IPv4 client it is */
	RUN("PROXY TCP6 ::ffff:192.0.2.7 ::ffff:192.0.2.8 1 2\r\n",
	    PPIN_DONE, PPIN_E_NONE, 1, PPIN_PROXY, "192.0.2.7 1",
	    "192.0.2.8 2", 50);
	RUN("PROXY UNKNOWN\r\n" TAIL, PPIN_DONE, PPIN_E_NONE, 1,
	    PPIN_UNKNOWN, NULL, NULL, 15);
	RUN("PROXY UNKNOWN ffff::1 ffff::2 1 2\r\nGET", PPIN_DONE,
	    PPIN_E_NONE, 1, PPIN_UNKNOWN, NULL, NULL, 35);
	/* the longest line: 107 bytes with its CRLF */
	RUN("PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n",
	    PPIN_DONE, PPIN_E_NONE, 1, PPIN_PROXY,
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535",
	    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535", 104);
}

static void
test_v1_bad(void)
{
	const struct want bad = { PPIN_ERROR, PPIN_E_MALFORMED, 1, 0, NULL,
	    NULL, 0 };

	RUN("PROXY TCP4 192.0.2.1 198.51.100.2 50000 443\n", .rc = PPIN_ERROR,
	    .err = PPIN_E_MALFORMED);			/* LF without CR */
	RUN("PROXY TCP4 192.0.2.1 198.51.100.2 50000 443\rX", .rc = PPIN_ERROR,
	    .err = PPIN_E_MALFORMED);			/* CR without LF */
	RUN("PROXY TCP4 192.0.2.1 198.51.100.2 050000 443\r\n", .rc = PPIN_ERROR,
	    .err = PPIN_E_MALFORMED);			/* leading zero */
	RUN("PROXY TCP4 192.0.2.1 198.51.100.2 65536 443\r\n", .rc = PPIN_ERROR,
	    .err = PPIN_E_MALFORMED);
	RUN("PROXY TCP4 192.0.2.1  198.51.100.2 1 443\r\n", .rc = PPIN_ERROR,
	    .err = PPIN_E_MALFORMED);			/* two spaces */
	RUN("PROXY TCP4 192.0.2.1 198.51.100.2 1 443 \r\n", .rc = PPIN_ERROR,
	    .err = PPIN_E_MALFORMED);			/* a space at the end */
	RUN("PROXY TCP4 192.0.2.1 198.51.100.2 1\r\n", .rc = PPIN_ERROR,
	    .err = PPIN_E_MALFORMED);			/* a field short */
	RUN("PROXY TCP4 2001:db8::1 198.51.100.2 1 2\r\n", .rc = PPIN_ERROR,
	    .err = PPIN_E_MALFORMED);			/* IPv6 in TCP4 */
	RUN("PROXY TCP6 192.0.2.1 2001:db8::1 1 2\r\n", .rc = PPIN_ERROR,
	    .err = PPIN_E_MALFORMED);
	RUN("PROXY TCP5 192.0.2.1 198.51.100.2 1 2\r\n", .rc = PPIN_ERROR,
	    .err = PPIN_E_MALFORMED);
	RUN("PROXY UNKNOWNX\r\n", .rc = PPIN_ERROR, .err = PPIN_E_MALFORMED);
	RUN("PROXY \r\n", .rc = PPIN_ERROR, .err = PPIN_E_MALFORMED);
	{
		/* no CRLF within 107 bytes */
		char	long_line[200];

		memset(long_line, 'A', sizeof(long_line));
		memcpy(long_line, "PROXY UNKNOWN ", 14);
		run(long_line, sizeof(long_line), &bad, __LINE__);
		/* the same with the CRLF at 107 and 108 */
		memcpy(long_line + 105, "\r\n", 2);
		{
			struct want ok = { PPIN_DONE, PPIN_E_NONE, 1,
			    PPIN_UNKNOWN, NULL, NULL, 107 };

			run(long_line, sizeof(long_line), &ok, __LINE__);
		}
		memset(long_line + 105, 'A', 2);
		memcpy(long_line + 106, "\r\n", 2);
		run(long_line, sizeof(long_line), &bad, __LINE__);
	}
}

static void
test_signatures(void)
{
	/* not a header, known at the first byte that differs */
	RUN("\x16\x03\x01\x02\x00", .rc = PPIN_ERROR, .err = PPIN_E_NOT_PROXY, .version = 0);
	RUN("GET / HTTP/1.1\r\n", .rc = PPIN_ERROR, .err = PPIN_E_NOT_PROXY, .version = 0);
	RUN("POST / HTTP/1.1\r\n", .rc = PPIN_ERROR, .err = PPIN_E_NOT_PROXY, .version = 0);
	RUN("PROXy TCP4", .rc = PPIN_ERROR, .err = PPIN_E_NOT_PROXY, .version = 0);
	RUN("PROXYTCP4", .rc = PPIN_ERROR, .err = PPIN_E_NOT_PROXY, .version = 0);
	RUN("\r\n\r\n\0\r\nQUIX\n\x21\x11", .rc = PPIN_ERROR, .err = PPIN_E_NOT_PROXY, .version = 0);
	RUN("\r\n\r\n\r\n", .rc = PPIN_ERROR, .err = PPIN_E_NOT_PROXY, .version = 0);
	/* a prefix of a signature: wait for more */
	RUN("PROX", .rc = PPIN_AGAIN);
	RUN("\r\n\r\n\0\r\nQUI", .rc = PPIN_AGAIN);
	{
		struct ppin_parser	p;
		size_t			used;

		ppin_init(&p);
		CHECK_INT(ppin_feed(&p, (const uint8_t *)"PROXY", 5, &used),
		    PPIN_AGAIN);
		CHECK(!ppin_signed(&p));
		CHECK_INT(ppin_feed(&p, (const uint8_t *)" ", 1, &used),
		    PPIN_AGAIN);
		CHECK(ppin_signed(&p));
		ppin_init(&p);
		CHECK_INT(ppin_feed(&p, (const uint8_t *)"P", 1, &used),
		    PPIN_AGAIN);
		CHECK_INT(ppin_feed(&p, (const uint8_t *)"U", 1, &used),
		    PPIN_ERROR);
		CHECK(!ppin_signed(&p));
		CHECK_INT(ppin_feed(&p, (const uint8_t *)"T", 1, &used),
		    PPIN_ERROR);
		CHECK_INT(used, 0);
		CHECK_STR(ppin_strerror(p.err), "no PROXY header");
	}
}

/* The signature, then version/command, family, length. */
#define V2(cmd, fam, hi, lo)						\
	"\r\n\r\n\0\r\nQUIT\n" cmd fam hi lo

static void
test_v2(void)
{
	RUN(V2("\x21", "\x11", "\x00", "\x0c")
	    "\xc0\x00\x02\x01" "\xc6\x33\x64\x02" "\xc3\x50" "\x01\xbb" TAIL,
	    PPIN_DONE, PPIN_E_NONE, 2, PPIN_PROXY, "192.0.2.1 50000",
	    "198.51.100.2 443", 28);
	RUN(V2("\x21", "\x21", "\x00", "\x24")
	    "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x05"
	    "\x20\x01\x0d\xb8\x01\0\0\0\0\0\0\0\0\0\0\x10"
	    "\xff\xff" "\x00\x50" TAIL,
	    PPIN_DONE, PPIN_E_NONE, 2, PPIN_PROXY, "2001:db8::5 65535",
	    "2001:db8:100::10 80", 52);
	/* TLVs skipped: NOOP empty, an unknown type, a CRC32C */
	RUN(V2("\x21", "\x11", "\x00", "\x1b")
	    "\x0a\x00\x00\x01" "\x0a\x00\x00\x02" "\x00\x01" "\x00\x02"
	    "\x04\x00\x00" "\xe0\x00\x02" "ab" "\x03\x00\x04\x01\x02\x03\x04"
	    TAIL, PPIN_DONE, PPIN_E_NONE, 2, PPIN_PROXY, "10.0.0.1 1",
	    "10.0.0.2 2", 43);
	/* LOCAL: addresses and whatever else skipped, peer is the client */
	RUN(V2("\x20", "\x00", "\x00", "\x00") TAIL, PPIN_DONE, PPIN_E_NONE,
	    2, PPIN_LOCAL, NULL, NULL, 16);
	RUN(V2("\x20", "\x11", "\x00", "\x0f")
	    "\x0a\x00\x00\x01" "\x0a\x00\x00\x02" "\x00\x01" "\x00\x02"
	    "\xff\xff\xff" TAIL, PPIN_DONE, PPIN_E_NONE, 2, PPIN_LOCAL, NULL,
	    NULL, 31);
	/* UNSPEC, UDP: no addresses to use */
	RUN(V2("\x21", "\x00", "\x00", "\x00") TAIL, PPIN_DONE, PPIN_E_NONE,
	    2, PPIN_UNKNOWN, NULL, NULL, 16);
	RUN(V2("\x21", "\x12", "\x00", "\x0c")
	    "\x0a\x00\x00\x01" "\x0a\x00\x00\x02" "\x00\x01" "\x00\x02",
	    PPIN_DONE, PPIN_E_NONE, 2, PPIN_UNKNOWN, NULL, NULL, 28);
	/* mapped addresses in a TCP6 block: IPv4 */
	RUN(V2("\x21", "\x21", "\x00", "\x24")
	    "\0\0\0\0\0\0\0\0\0\0\xff\xff\xc0\x00\x02\x07"
	    "\0\0\0\0\0\0\0\0\0\0\xff\xff\xc0\x00\x02\x08"
	    "\x00\x01" "\x00\x02", PPIN_DONE, PPIN_E_NONE, 2, PPIN_PROXY,
	    "192.0.2.7 1", "192.0.2.8 2", 52);
}

static void
test_v2_unix(void)
{
	uint8_t		 h[16 + 216 + 3];
	struct want	 w = { PPIN_DONE, PPIN_E_NONE, 2, PPIN_UNKNOWN, NULL,
			    NULL, 16 + 216 };

	memset(h, 'x', sizeof(h));
	memcpy(h, V2("\x21", "\x31", "\x00", "\xd8"), 16);
	run(h, sizeof(h), &w, __LINE__);
	/* a length short of the UNIX block */
	h[15] = 215;
	w.rc = PPIN_ERROR;
	w.err = PPIN_E_MALFORMED;
	run(h, sizeof(h), &w, __LINE__);
}

static void
test_v2_bad(void)
{
	RUN(V2("\x11", "\x11", "\x00", "\x0c"), .rc = PPIN_ERROR, .err = PPIN_E_MALFORMED, .version = 2);					/* version 1 */
	RUN(V2("\x22", "\x11", "\x00", "\x0c"), .rc = PPIN_ERROR, .err = PPIN_E_MALFORMED, .version = 2);					/* command 2 */
	RUN(V2("\x21", "\x41", "\x00", "\x0c"), .rc = PPIN_ERROR, .err = PPIN_E_MALFORMED, .version = 2);					/* family 4 */
	RUN(V2("\x21", "\x13", "\x00", "\x0c"), .rc = PPIN_ERROR, .err = PPIN_E_MALFORMED, .version = 2);					/* protocol 3 */
	RUN(V2("\x21", "\x11", "\x00", "\x0b"), .rc = PPIN_ERROR, .err = PPIN_E_MALFORMED, .version = 2);					/* shorter than IPv4's */
	RUN(V2("\x21", "\x21", "\x00", "\x0c"), .rc = PPIN_ERROR, .err = PPIN_E_MALFORMED, .version = 2);					/* shorter than IPv6's */
	RUN(V2("\x21", "\x11", "\x10", "\x01"), .rc = PPIN_ERROR, .err = PPIN_E_TOO_BIG, .version = 2);					/* 4097 */
	RUN(V2("\x20", "\x00", "\xff", "\xff"), .rc = PPIN_ERROR, .err = PPIN_E_TOO_BIG, .version = 2);					/* LOCAL as well */
	/* a TLV's value past the length */
	RUN(V2("\x21", "\x11", "\x00", "\x10")
	    "\x0a\x00\x00\x01" "\x0a\x00\x00\x02" "\x00\x01" "\x00\x02"
	    "\x04\x00\x02" "a" "bcdef", .rc = PPIN_ERROR, .err = PPIN_E_MALFORMED, .version = 2);
	/* the length ends inside a TLV's header */
	RUN(V2("\x21", "\x11", "\x00", "\x0e")
	    "\x0a\x00\x00\x01" "\x0a\x00\x00\x02" "\x00\x01" "\x00\x02"
	    "\x04\x00" "\x00" TAIL, .rc = PPIN_ERROR, .err = PPIN_E_MALFORMED, .version = 2);
	RUN(V2("\x21", "\x00", "\x00", "\x01") "\x04" TAIL, .rc = PPIN_ERROR,
	    .err = PPIN_E_MALFORMED, .version = 2);
}

/* What the daemon itself sends to backends reads back. */
static void
test_writer(void)
{
	union addr_sa	 s, d;
	struct pphdr	 h;
	uint8_t		 buf[PPHDR_MAX + 3];
	size_t		 n;
	struct want	 w = { PPIN_DONE, PPIN_E_NONE, 0, PPIN_PROXY,
			    "2001:db8:1::2 45754", "2001:db8:100::10 443", 0 };
	int		 v;

	memset(&s, 0, sizeof(s));
	memset(&d, 0, sizeof(d));
	s.sin6.sin6_family = d.sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8:1::2", &s.sin6.sin6_addr);
	inet_pton(AF_INET6, "2001:db8:100::10", &d.sin6.sin6_addr);
	s.sin6.sin6_port = htons(45754);
	d.sin6.sin6_port = htons(443);
	memset(&h, 0, sizeof(h));
	h.src = &s;
	h.dst = &d;
	h.authority = "www.example.org";
	h.authority_len = strlen(h.authority);
	h.unique_id = "19ab2f0c3e1-42";
	h.unique_id_len = strlen(h.unique_id);
	for (v = 0; v < 2; v++) {
		n = pphdr_write(v ? PPHDR_V2 : PPHDR_V1, &h, buf, PPHDR_MAX);
		CHECK(n > 0);
		memcpy(buf + n, TAIL, 3);
		w.version = (uint8_t)(v + 1);
		w.total = n;
		run(buf, n + 3, &w, __LINE__);
	}
}

int
main(void)
{
	test_v1();
	test_v1_bad();
	test_signatures();
	test_v2();
	test_v2_unix();
	test_v2_bad();
	test_writer();
	return t_done("test_ppin");
}
