/* SPDX-License-Identifier: ISC */
/*
 * The PROXY protocol reader (see ppin.h), after haproxy's
 * doc/proxy-protocol.txt.  A minimal reader meant only to learn who the
 * client is: it keeps the signature, the v1 line and v2's first 16 bytes
 * and TCP addresses (at most PPIN_V1_MAX bytes in all), and walks the rest
 * of a v2 header without keeping it: TLVs are checked to tile the length
 * exactly (a TLV that overruns is what lets one header smuggle bytes past
 * another reader, Envoy CVE-2026-47692) and skipped.
 *
 * Where the spec leaves a choice, what haproxy's receiver does:
 *  - v2 LOCAL: the addresses and TLVs are skipped unread (§2.2: "the
 *    receiver must ... use the real connection endpoints").
 *  - v2 over UDP or UNIX, and UNSPEC: not an error but PPIN_UNKNOWN, as a
 *    receiver that does not support a family falls back to UNSPEC (§2.2).
 *  - v1 after "UNKNOWN": anything up to the CRLF is ignored (§2.1).
 *  - an IPv4-mapped IPv6 address is reported as the IPv4 address it is,
 *    so that IPv4 rules and counters see an IPv4 client.
 */

#include <arpa/inet.h>
#include <string.h>

#include "ppin.h"

#define PPIN_V2_FIXED	16

enum ppin_state {
	PPS_SIG,		/* matching "PROXY " or v2's 12 bytes */
	PPS_V1,			/* the v1 line, up to its LF */
	PPS_V2_FIXED,		/* v2's 16 bytes */
	PPS_V2_ADDR,		/* v2 TCP addresses, kept */
	PPS_V2_REST,		/* v2 after them: skipped bytes, TLVs */
	PPS_DONE,
	PPS_ERROR,
};

static const uint8_t	ppin_sig_v1[] = "PROXY ";
static const uint8_t	ppin_sig_v2[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
};

/* v2's family/protocol byte (§2.2, 14th byte). */
static const struct {
	uint8_t	byte;
	uint8_t	af;		/* AF_INET, AF_INET6: addresses kept */
	uint8_t	keep;		/* address bytes kept */
	uint8_t	skip;		/* address bytes skipped (no use for them) */
} ppin_v2_fam[] = {
	{ 0x00, AF_UNSPEC, 0, 0 },	/* UNSPEC: no address block */
	{ 0x11, AF_INET, 12, 0 },	/* TCP over IPv4 */
	{ 0x12, AF_UNSPEC, 0, 12 },	/* UDP over IPv4 */
	{ 0x21, AF_INET6, 36, 0 },	/* TCP over IPv6 */
	{ 0x22, AF_UNSPEC, 0, 36 },	/* UDP over IPv6 */
	{ 0x31, AF_UNSPEC, 0, 216 },	/* UNIX stream */
	{ 0x32, AF_UNSPEC, 0, 216 },	/* UNIX datagram */
};

/* v1's protocol field (§2.1). */
static const struct {
	const char	*name;
	int		 af;
} ppin_v1_proto[] = {
	{ "TCP4", AF_INET },
	{ "TCP6", AF_INET6 },
};

#define PPIN_NELEM(a)	(sizeof(a) / sizeof((a)[0]))

void
ppin_init(struct ppin_parser *p)
{
	memset(p, 0, sizeof(*p));
	p->state = PPS_SIG;
}

static enum ppin_rc
ppin_fail(struct ppin_parser *p, enum ppin_err err)
{
	p->state = PPS_ERROR;
	p->err = err;
	return PPIN_ERROR;
}

/* An address and a port in network order; a mapped IPv6 one as IPv4. */
static void
ppin_set(union addr_sa *a, int af, const uint8_t *addr, const uint8_t *port)
{
	static const uint8_t	mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff
	};

	memset(a, 0, sizeof(*a));
	if (af == AF_INET6 && memcmp(addr, mapped, 12) == 0) {
		af = AF_INET;
		addr += 12;
	}
	a->sa.sa_family = (sa_family_t)af;
	if (af == AF_INET) {
		memcpy(&a->sin.sin_addr, addr, 4);
		memcpy(&a->sin.sin_port, port, 2);
	} else {
		memcpy(&a->sin6.sin6_addr, addr, 16);
		memcpy(&a->sin6.sin6_port, port, 2);
	}
}

/* 0-65535 in 1-5 digits, no leading zero (§2.1); big-endian to out. */
static int
ppin_v1_port(const uint8_t *s, size_t len, uint8_t *out)
{
	unsigned	v = 0;
	size_t		i;

	if (len == 0 || len > 5 || (s[0] == '0' && len > 1))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	out[0] = (uint8_t)(v >> 8);
	out[1] = (uint8_t)v;
	return 0;
}

/* An address field: inet_pton() on a NUL-ended copy. */
static int
ppin_v1_addr(const uint8_t *s, size_t len, int af, uint8_t *out)
{
	char	text[INET6_ADDRSTRLEN];

	if (len == 0 || len >= sizeof(text))
		return -1;
	memcpy(text, s, len);
	text[len] = '\0';
	return inet_pton(af, text, out) == 1 ? 0 : -1;
}

/*
 * The complete line in buf, "PROXY " to CRLF: "UNKNOWN" and anything, or
 * TCP4/TCP6 and four fields, one space apart.
 */
static enum ppin_rc
ppin_v1_line(struct ppin_parser *p)
{
	const uint8_t	*b = p->buf;
	size_t		 eol = (size_t)p->have - 2, pos = 6, end, i;
	uint8_t		 addr[2][16], port[2][2];
	int		 af = -1, k;

	if (eol - pos >= 7 && memcmp(b + pos, "UNKNOWN", 7) == 0 &&
	    (eol - pos == 7 || b[pos + 7] == ' ')) {
		p->command = PPIN_UNKNOWN;
		p->state = PPS_DONE;
		return PPIN_DONE;
	}
	for (i = 0; i < PPIN_NELEM(ppin_v1_proto); i++)
		if (eol - pos > 4 && memcmp(b + pos, ppin_v1_proto[i].name, 4) ==
		    0 && b[pos + 4] == ' ')
			af = ppin_v1_proto[i].af;
	if (af == -1)
		return ppin_fail(p, PPIN_E_MALFORMED);
	pos += 5;
	for (k = 0; k < 4; k++) {
		for (end = pos; end < eol && b[end] != ' '; end++)
			;
		/* one space between fields, none after the last */
		if ((k < 3) != (end < eol))
			return ppin_fail(p, PPIN_E_MALFORMED);
		if (k < 2 ? ppin_v1_addr(b + pos, end - pos, af, addr[k]) :
		    ppin_v1_port(b + pos, end - pos, port[k - 2]))
			return ppin_fail(p, PPIN_E_MALFORMED);
		pos = end + 1;
	}
	ppin_set(&p->src, af, addr[0], port[0]);
	ppin_set(&p->dst, af, addr[1], port[1]);
	p->command = PPIN_PROXY;
	p->state = PPS_DONE;
	return PPIN_DONE;
}

/* v2's 16 bytes are in: what follows, and how long it is. */
static enum ppin_rc
ppin_v2_fixed(struct ppin_parser *p)
{
	const uint8_t	*b = p->buf;
	unsigned	 len = (unsigned)b[14] << 8 | b[15];
	size_t		 i;

	if (b[12] >> 4 != 2 || (b[12] & 0x0f) > 1)
		return ppin_fail(p, PPIN_E_MALFORMED);
	if (len > PPIN_V2_LEN_MAX)
		return ppin_fail(p, PPIN_E_TOO_BIG);
	p->state = PPS_V2_REST;
	if ((b[12] & 0x0f) == 0) {
		/* LOCAL: whatever follows is skipped unread */
		p->command = PPIN_LOCAL;
		p->left = (uint16_t)len;
		p->skip = (uint16_t)len;
		return PPIN_AGAIN;
	}
	for (i = 0; i < PPIN_NELEM(ppin_v2_fam); i++)
		if (ppin_v2_fam[i].byte == b[13])
			break;
	if (i == PPIN_NELEM(ppin_v2_fam) ||
	    len < (unsigned)ppin_v2_fam[i].keep + ppin_v2_fam[i].skip)
		return ppin_fail(p, PPIN_E_MALFORMED);
	p->command = ppin_v2_fam[i].keep ? PPIN_PROXY : PPIN_UNKNOWN;
	p->alen = ppin_v2_fam[i].keep;
	p->left = (uint16_t)(len - p->alen);
	p->skip = ppin_v2_fam[i].skip;
	if (p->alen > 0)
		p->state = PPS_V2_ADDR;
	return PPIN_AGAIN;
}

/* The TCP addresses are in (§2.2: src, dst, then the ports). */
static void
ppin_v2_addr(struct ppin_parser *p)
{
	const uint8_t	*a = p->buf + PPIN_V2_FIXED;

	if (p->alen == 12) {
		ppin_set(&p->src, AF_INET, a, a + 8);
		ppin_set(&p->dst, AF_INET, a + 4, a + 10);
	} else {
		ppin_set(&p->src, AF_INET6, a, a + 32);
		ppin_set(&p->dst, AF_INET6, a + 16, a + 34);
	}
	p->state = PPS_V2_REST;
}

/*
 * Bytes after v2's addresses: skip counted ones, else read a TLV's 3-byte
 * header (type, length) and skip its value, which must end within the
 * length.  Returns the bytes of b read.
 */
static size_t
ppin_v2_rest(struct ppin_parser *p, const uint8_t *b, size_t len)
{
	size_t		n;
	unsigned	tlen;

	if (p->skip > 0) {
		n = len < p->skip ? len : p->skip;
		p->skip = (uint16_t)(p->skip - n);
		p->left = (uint16_t)(p->left - n);
		return n;
	}
	p->left--;
	switch (p->tlv_have++) {
	case 0:			/* the type: any, skipped */
		break;
	case 1:
		p->tlv_len_hi = b[0];
		break;
	default:
		tlen = (unsigned)p->tlv_len_hi << 8 | b[0];
		p->tlv_have = 0;
		if (tlen > p->left) {
			ppin_fail(p, PPIN_E_MALFORMED);
			return 1;
		}
		p->skip = (uint16_t)tlen;
		return 1;
	}
	/* the length ends within a TLV's header */
	if (p->left == 0)
		ppin_fail(p, PPIN_E_MALFORMED);
	return 1;
}

/* Collect up to want bytes into buf; returns how many of b were taken. */
static size_t
ppin_take(struct ppin_parser *p, const uint8_t *b, size_t len, size_t want)
{
	size_t	n = want - p->have;

	if (n > len)
		n = len;
	memcpy(p->buf + p->have, b, n);
	p->have = (uint8_t)(p->have + n);
	return n;
}

/* One byte of a signature; the first chooses which. */
static enum ppin_rc
ppin_sig(struct ppin_parser *p, uint8_t c)
{
	const uint8_t	*sig;
	size_t		 len;

	if (p->have == 0 ? c == 'P' : p->buf[0] == 'P') {
		sig = ppin_sig_v1;
		len = sizeof(ppin_sig_v1) - 1;
	} else {
		sig = ppin_sig_v2;
		len = sizeof(ppin_sig_v2);
	}
	if (c != sig[p->have])
		return ppin_fail(p, PPIN_E_NOT_PROXY);
	p->buf[p->have++] = c;
	if (p->have == len) {
		p->version = sig == ppin_sig_v1 ? 1 : 2;
		p->state = p->version == 1 ? PPS_V1 : PPS_V2_FIXED;
	}
	return PPIN_AGAIN;
}

/* One byte of the v1 line: CR only right before the LF that ends it. */
static enum ppin_rc
ppin_v1(struct ppin_parser *p, uint8_t c)
{
	uint8_t	prev = p->buf[p->have - 1];

	if ((prev == '\r') != (c == '\n'))
		return ppin_fail(p, PPIN_E_MALFORMED);
	p->buf[p->have++] = c;
	if (c == '\n')
		return ppin_v1_line(p);
	if (p->have == PPIN_V1_MAX)
		return ppin_fail(p, PPIN_E_MALFORMED);	/* no CRLF in 107 */
	return PPIN_AGAIN;
}

enum ppin_rc
ppin_feed(struct ppin_parser *p, const uint8_t *b, size_t len, size_t *used)
{
	enum ppin_rc	rc = PPIN_AGAIN;
	size_t		i = 0;

	*used = 0;
	if (p->state == PPS_DONE)
		return PPIN_DONE;
	if (p->state == PPS_ERROR)
		return PPIN_ERROR;
	for (;;) {
		if (p->state == PPS_V2_REST && p->left == 0) {
			p->state = PPS_DONE;
			rc = PPIN_DONE;
		}
		if (rc != PPIN_AGAIN || i == len)
			break;
		switch (p->state) {
		case PPS_SIG:
			rc = ppin_sig(p, b[i++]);
			break;
		case PPS_V1:
			rc = ppin_v1(p, b[i++]);
			break;
		case PPS_V2_FIXED:
			i += ppin_take(p, b + i, len - i, PPIN_V2_FIXED);
			if (p->have == PPIN_V2_FIXED)
				rc = ppin_v2_fixed(p);
			break;
		case PPS_V2_ADDR:
			i += ppin_take(p, b + i, len - i,
			    PPIN_V2_FIXED + (size_t)p->alen);
			if (p->have == PPIN_V2_FIXED + p->alen)
				ppin_v2_addr(p);
			break;
		case PPS_V2_REST:
			i += ppin_v2_rest(p, b + i, len - i);
			if (p->state == PPS_ERROR)
				rc = PPIN_ERROR;
			break;
		}
	}
	*used = i;
	p->total += (uint32_t)i;
	return rc;
}

int
ppin_signed(const struct ppin_parser *p)
{
	return p->version != 0;
}

const char *
ppin_strerror(enum ppin_err err)
{
	static const char *const	text[] = {
		[PPIN_E_NONE] = "no error",
		[PPIN_E_NOT_PROXY] = "no PROXY header",
		[PPIN_E_MALFORMED] = "malformed PROXY header",
		[PPIN_E_TOO_BIG] = "PROXY header too big",
	};

	if ((size_t)err >= PPIN_NELEM(text) || text[err] == NULL)
		return "unknown";
	return text[err];
}
