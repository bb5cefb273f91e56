/* SPDX-License-Identifier: ISC */
/*
 * The PROXY protocol header toward a backend
 * (haproxy.org/download/2.6/doc/proxy-protocol.txt).  Version 1 is one
 * line of text (§2.1), version 2 a 16-byte binary header, the addresses
 * and TLVs (§2.2).  Both are built from the two socket addresses alone: no
 * allocation, no logging, no name lookups, and nothing is written unless
 * the whole header fits, so a caller never sends half of one.
 *
 * An IPv4 client that reached a dual-stack socket shows up as ::ffff:a.b.c.d;
 * it is written as the IPv4 address it is, never as a mapped address, so a
 * backend's ACLs and logs see one form per client.  When the two ends are
 * then of different families (or of neither) there is no TCP4 or TCP6 line
 * to write, and the header says UNKNOWN (v1) or LOCAL with AF_UNSPEC (v2).
 */

#include <string.h>

#include "pphdr.h"

#define PPHDR_V1_MAX		107	/* §2.1: the longest line, CRLF included */
#define PPHDR_V2_FIXED		16	/* signature, ver_cmd, fam, len */
#define PPHDR_V2_PROXY		0x21	/* version 2, command PROXY */
#define PPHDR_V2_LOCAL		0x20	/* version 2, command LOCAL */
#define PPHDR_V2_UNSPEC		0x00	/* AF_UNSPEC, UNSPEC */
#define PPHDR_V2_TCP4		0x11	/* AF_INET, STREAM */
#define PPHDR_V2_TCP6		0x21	/* AF_INET6, STREAM */
#define PPHDR_V2_TLV_HDR	3	/* type, 16-bit length */
#define PP2_TYPE_AUTHORITY	0x02
#define PP2_TYPE_UNIQUE_ID	0x05

/* §2.2: contains a NUL, so it is never a string. */
static const uint8_t	pphdr_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
};

/* One end of the connection as the header shows it. */
struct pphdr_end {
	int		af;		/* AF_INET, AF_INET6 or AF_UNSPEC */
	uint8_t		addr[16];	/* 4 or 16 bytes, network order */
	uint8_t		port[2];	/* network order */
};

/* Take an end apart, turning ::ffff:a.b.c.d into a.b.c.d. */
static void
pphdr_end(const union addr_sa *a, struct pphdr_end *e)
{
	memset(e, 0, sizeof(*e));
	e->af = AF_UNSPEC;
	if (a == NULL)
		return;
	if (a->sa.sa_family == AF_INET) {
		e->af = AF_INET;
		memcpy(e->addr, &a->sin.sin_addr, 4);
		memcpy(e->port, &a->sin.sin_port, 2);
	} else if (a->sa.sa_family == AF_INET6) {
		memcpy(e->port, &a->sin6.sin6_port, 2);
		if (IN6_IS_ADDR_V4MAPPED(&a->sin6.sin6_addr)) {
			e->af = AF_INET;
			memcpy(e->addr, &a->sin6.sin6_addr.s6_addr[12], 4);
		} else {
			e->af = AF_INET6;
			memcpy(e->addr, a->sin6.sin6_addr.s6_addr, 16);
		}
	}
}

/* Decimal, no leading zeros (§2.1 forbids them: they read as octal). */
static size_t
pphdr_dec(char *p, unsigned int v)
{
	char	tmp[5];
	size_t	n = 0, i;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 && n < sizeof(tmp));
	for (i = 0; i < n; i++)
		p[i] = tmp[n - 1 - i];
	return n;
}

static size_t
pphdr_fmt_v4(char *p, const uint8_t *a)
{
	size_t	n = 0;
	int	i;

	for (i = 0; i < 4; i++) {
		if (i > 0)
			p[n++] = '.';
		n += pphdr_dec(p + n, a[i]);
	}
	return n;
}

/*
 * RFC 5952 §4: lower-case hex without leading zeros, the longest run of two
 * or more zero groups (the first of equals) as "::".  Not inet_ntop(): it
 * writes some addresses with a dotted IPv4 tail (::1.2.3.4), which §2.1's
 * "sets of 4 hexadecimal digits delimited by colons" does not allow.
 */
static size_t
pphdr_fmt_v6(char *p, const uint8_t *a)
{
	static const char	hex[] = "0123456789abcdef";
	unsigned int		w[8];
	size_t			n = 0;
	int			i, j, best = -1, bestlen = 1, shift;

	for (i = 0; i < 8; i++)
		w[i] = (unsigned int)a[2 * i] << 8 | a[2 * i + 1];
	for (i = 0; i < 8; i = j + 1) {
		for (j = i; j < 8 && w[j] == 0; j++)
			;
		if (j - i > bestlen) {
			best = i;
			bestlen = j - i;
		}
	}
	for (i = 0; i < 8; i++) {
		if (i == best) {
			p[n++] = ':';
			p[n++] = ':';
			i += bestlen - 1;
			continue;
		}
		if (i > 0 && i != best + bestlen)
			p[n++] = ':';
		for (shift = 12; shift > 0 && (w[i] >> shift) == 0; shift -= 4)
			;
		for (; shift >= 0; shift -= 4)
			p[n++] = hex[(w[i] >> shift) & 0xf];
	}
	return n;
}

static size_t
pphdr_v1(const struct pphdr_end *src, const struct pphdr_end *dst,
    uint8_t *buf, size_t cap)
{
	char	line[PPHDR_V1_MAX];
	size_t	n;

	if (src->af != dst->af || src->af == AF_UNSPEC) {
		/* The short form: §2.1 lets the sender omit the rest. */
		memcpy(line, "PROXY UNKNOWN\r\n", 15);
		n = 15;
	} else {
		/* At most 104 bytes (TCP6 with 39-byte addresses). */
		memcpy(line, src->af == AF_INET ? "PROXY TCP4 " : "PROXY TCP6 ",
		    11);
		n = 11;
		if (src->af == AF_INET) {
			n += pphdr_fmt_v4(line + n, src->addr);
			line[n++] = ' ';
			n += pphdr_fmt_v4(line + n, dst->addr);
		} else {
			n += pphdr_fmt_v6(line + n, src->addr);
			line[n++] = ' ';
			n += pphdr_fmt_v6(line + n, dst->addr);
		}
		line[n++] = ' ';
		n += pphdr_dec(line + n,
		    (unsigned int)src->port[0] << 8 | src->port[1]);
		line[n++] = ' ';
		n += pphdr_dec(line + n,
		    (unsigned int)dst->port[0] << 8 | dst->port[1]);
		line[n++] = '\r';
		line[n++] = '\n';
	}
	if (n > cap)
		return 0;
	memcpy(buf, line, n);
	return n;
}

static uint8_t *
pphdr_tlv(uint8_t *p, uint8_t type, const char *v, size_t len)
{
	*p++ = type;
	*p++ = (uint8_t)(len >> 8);
	*p++ = (uint8_t)len;
	memcpy(p, v, len);
	return p + len;
}

static size_t
pphdr_v2(const struct pphdr_end *src, const struct pphdr_end *dst,
    const struct pphdr *h, uint8_t *buf, size_t cap)
{
	uint8_t		*p = buf;
	size_t		 alen, len, total;
	uint8_t		 fam;

	if (src->af != dst->af || src->af == AF_UNSPEC) {
		/* §2.2: no address block; the TLVs follow the 16 bytes. */
		fam = PPHDR_V2_UNSPEC;
		alen = 0;
	} else if (src->af == AF_INET) {
		fam = PPHDR_V2_TCP4;
		alen = 2 * 4 + 2 * 2;
	} else {
		fam = PPHDR_V2_TCP6;
		alen = 2 * 16 + 2 * 2;
	}
	/* At most 36 + 258 + 131: len always fits its 16 bits. */
	len = alen;
	if (h->authority != NULL)
		len += PPHDR_V2_TLV_HDR + h->authority_len;
	if (h->unique_id != NULL)
		len += PPHDR_V2_TLV_HDR + h->unique_id_len;
	total = PPHDR_V2_FIXED + len;
	if (total > cap)
		return 0;

	memcpy(p, pphdr_sig, sizeof(pphdr_sig));
	p += sizeof(pphdr_sig);
	/*
	 * No addresses: LOCAL, as HAProxy's own sender does; its receiver
	 * refuses PROXY with UNSPEC (it reads the TLVs from the wrong place).
	 */
	*p++ = fam == PPHDR_V2_UNSPEC ? PPHDR_V2_LOCAL : PPHDR_V2_PROXY;
	*p++ = fam;
	*p++ = (uint8_t)(len >> 8);
	*p++ = (uint8_t)len;
	if (alen != 0) {
		/* src addr, dst addr, src port, dst port */
		memcpy(p, src->addr, (alen - 4) / 2);
		p += (alen - 4) / 2;
		memcpy(p, dst->addr, (alen - 4) / 2);
		p += (alen - 4) / 2;
		memcpy(p, src->port, 2);
		memcpy(p + 2, dst->port, 2);
		p += 4;
	}
	if (h->authority != NULL)
		p = pphdr_tlv(p, PP2_TYPE_AUTHORITY, h->authority,
		    h->authority_len);
	if (h->unique_id != NULL)
		p = pphdr_tlv(p, PP2_TYPE_UNIQUE_ID, h->unique_id,
		    h->unique_id_len);
	return (size_t)(p - buf);
}

size_t
pphdr_write(enum pphdr_version version, const struct pphdr *h, uint8_t *buf,
    size_t cap)
{
	struct pphdr_end	src, dst;

	/*
	 * The TLVs are checked whatever the version, v1 which cannot carry
	 * them included: they are the caller's to get right, and a bad one
	 * should not go unnoticed only because a backend speaks v1.  The
	 * limits are haproxy's (PP2_AUTHORITY_MAX, UNIQUEID_LEN), and an
	 * empty TLV would tell a backend nothing.
	 */
	if (h->authority != NULL && (h->authority_len == 0 ||
	    h->authority_len > PPHDR_AUTHORITY_MAX))
		return 0;
	if (h->unique_id != NULL && (h->unique_id_len == 0 ||
	    h->unique_id_len > PPHDR_UNIQUE_ID_MAX))
		return 0;

	pphdr_end(h->src, &src);
	pphdr_end(h->dst, &dst);
	switch (version) {
	case PPHDR_V1:
		return pphdr_v1(&src, &dst, buf, cap);
	case PPHDR_V2:
		return pphdr_v2(&src, &dst, h, buf, cap);
	default:
		return 0;
	}
}
