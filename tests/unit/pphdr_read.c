/* SPDX-License-Identifier: ISC */
/*
 * A strict PROXY protocol reader, the oracle of test_pphdr and fuzz_pphdr.
 * It follows proxy-protocol.txt to the letter where the letter is clear,
 * and is stricter where it is not, saying so:
 *
 *  - v1 (§2.1): exactly one space between fields; IPv4 as four decimals
 *    0-255 without leading zeros; IPv6 as groups of one to four hex digits
 *    with at most one "::" and no dotted IPv4 tail (the text allows only
 *    hex groups), 128 bits in all; ports 0-65535 without leading zeros;
 *    the line ends at the first CRLF, within 107 bytes, and a lone CR or LF
 *    is an error.  After "UNKNOWN" the receiver must ignore the rest of the
 *    line, which must still be US-ASCII text.
 *  - v2 (§2.2): the signature, version 2, command LOCAL or PROXY, family
 *    UNSPEC, TCP over IPv4 or TCP over IPv6 (UDP and UNIX are valid but are
 *    not a TCP proxy's to send, so they are refused), a length that covers
 *    the addresses and then exactly a sequence of whole TLVs.  With UNSPEC
 *    there is no address block: the TLVs start right after the 16 bytes.
 *    A TLV type other than NOOP may appear once.  AUTHORITY is 1-255 bytes
 *    (haproxy's limit) of UTF-8 (§2.2.2) without controls or spaces, as a
 *    host name is; UNIQUE_ID is 1-128 bytes (§2.2.5); CRC32C is 4 bytes and
 *    must match (§2.2.3).  Other types are counted and skipped.
 */

#include <string.h>

#include "pphdr_read.h"

#define PP_V1_MAX		107
#define PP_V2_FIXED		16
#define PP2_TYPE_AUTHORITY	0x02
#define PP2_TYPE_CRC32C		0x03
#define PP2_TYPE_NOOP		0x04
#define PP2_TYPE_UNIQUE_ID	0x05

static const uint8_t	pp_sig[12] = {
	0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
};

static int
pp_fail(struct pphdr_info *info, const char *why)
{
	info->why = why;
	return -1;
}

static void
pp_set(union addr_sa *a, int af, const uint8_t *addr, unsigned int port)
{
	memset(a, 0, sizeof(*a));
	a->sa.sa_family = (sa_family_t)af;
	if (af == AF_INET) {
		memcpy(&a->sin.sin_addr, addr, 4);
		a->sin.sin_port = htons((uint16_t)port);
	} else if (af == AF_INET6) {
		memcpy(&a->sin6.sin6_addr, addr, 16);
		a->sin6.sin6_port = htons((uint16_t)port);
	}
}

/* 0-65535 in 1-5 digits, "0" the only number that starts with 0. */
static int
pp_port(const uint8_t *s, size_t len, unsigned int *port)
{
	unsigned int	v = 0;
	size_t		i;

	if (len == 0 || len > 5 || (s[0] == '0' && len > 1))
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*port = v;
	return 0;
}

static int
pp_v4(const uint8_t *s, size_t len, uint8_t *out)
{
	size_t	i = 0, start;
	int	k;

	for (k = 0; k < 4; k++) {
		unsigned int	v = 0;

		if (k > 0) {
			if (i >= len || s[i] != '.')
				return -1;
			i++;
		}
		for (start = i; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			if (i - start == 3)
				return -1;
			v = v * 10 + (unsigned int)(s[i] - '0');
		}
		if (i == start || (s[start] == '0' && i - start > 1) ||
		    v > 255)
			return -1;
		out[k] = (uint8_t)v;
	}
	return i == len ? 0 : -1;
}

static int
pp_hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
pp_v6(const uint8_t *s, size_t len, uint8_t *out)
{
	unsigned int	w[8];
	size_t		i = 0, start;
	int		ng = 0, dc = -1, k, h;

	if (len >= 2 && s[0] == ':' && s[1] == ':') {
		dc = 0;
		i = 2;
	}
	while (i < len) {
		unsigned int	v = 0;

		for (start = i; i < len && (h = pp_hexval(s[i])) != -1; i++) {
			if (i - start == 4)
				return -1;
			v = v << 4 | (unsigned int)h;
		}
		if (i == start || ng == 8)
			return -1;
		w[ng++] = v;
		if (i == len)
			break;
		if (s[i] != ':')
			return -1;
		i++;
		if (i < len && s[i] == ':') {
			if (dc != -1)
				return -1;	/* a second "::" */
			dc = ng;
			i++;
		} else if (i == len)
			return -1;		/* a trailing single ':' */
	}
	if (dc == -1 ? ng != 8 : ng > 7)
		return -1;
	memset(out, 0, 16);
	for (k = 0; k < ng; k++) {
		/* groups after the "::" move to the end */
		int	pos = dc != -1 && k >= dc ? k + 8 - ng : k;

		out[2 * pos] = (uint8_t)(w[k] >> 8);
		out[2 * pos + 1] = (uint8_t)w[k];
	}
	return 0;
}

/* Next space-separated field of the line: [*p, end of field). */
static size_t
pp_field(const uint8_t *line, size_t eol, size_t p)
{
	size_t	e;

	for (e = p; e < eol && line[e] != ' '; e++)
		;
	return e - p;
}

static int
pp_read_v1(const uint8_t *b, size_t n, struct pphdr_info *info)
{
	const uint8_t	*field;
	uint8_t		 a[2][16];
	unsigned int	 port[2];
	size_t		 i, eol, p, flen;
	int		 af, k;

	/* The line: the first CRLF, within 107 bytes, no lone CR or LF. */
	for (i = 0;; i++) {
		if (i + 2 > PP_V1_MAX)
			return pp_fail(info, "v1: no CRLF in 107 bytes");
		if (i >= n)
			return pp_fail(info, "v1: truncated line");
		if (b[i] == '\n')
			return pp_fail(info, "v1: LF without CR");
		if (b[i] == '\r') {
			if (i + 1 >= n)
				return pp_fail(info, "v1: truncated line");
			if (b[i + 1] != '\n')
				return pp_fail(info, "v1: CR without LF");
			break;
		}
	}
	eol = i;
	info->version = 1;
	info->command = 1;
	info->len = eol + 2;

	if (eol < 6 || memcmp(b, "PROXY ", 6) != 0)
		return pp_fail(info, "v1: not \"PROXY \"");
	p = 6;
	flen = pp_field(b, eol, p);
	if (flen == 7 && memcmp(b + p, "UNKNOWN", 7) == 0) {
		/* §2.1: anything may follow, up to the CRLF. */
		for (i = p + 7; i < eol; i++)
			if (b[i] < 0x20 || b[i] > 0x7e)
				return pp_fail(info, "v1: not US-ASCII text");
		info->family = AF_UNSPEC;
		info->src.sa.sa_family = AF_UNSPEC;
		info->dst.sa.sa_family = AF_UNSPEC;
		return 0;
	}
	if (flen == 4 && memcmp(b + p, "TCP4", 4) == 0)
		af = AF_INET;
	else if (flen == 4 && memcmp(b + p, "TCP6", 4) == 0)
		af = AF_INET6;
	else
		return pp_fail(info, "v1: protocol not TCP4, TCP6 or UNKNOWN");
	p += flen;

	/* SP src SP dst SP sport SP dport, each field non-empty. */
	for (k = 0; k < 4; k++) {
		if (p >= eol || b[p] != ' ')
			return pp_fail(info, "v1: missing field");
		p++;
		field = b + p;
		flen = pp_field(b, eol, p);
		if (k < 2) {
			if ((af == AF_INET ? pp_v4(field, flen, a[k]) :
			    pp_v6(field, flen, a[k])) == -1)
				return pp_fail(info, af == AF_INET ?
				    "v1: bad IPv4 address" :
				    "v1: bad IPv6 address");
		} else if (pp_port(field, flen, &port[k - 2]) == -1)
			return pp_fail(info, "v1: bad port");
		p += flen;
	}
	if (p != eol)
		return pp_fail(info, "v1: junk before CRLF");
	info->family = af;
	pp_set(&info->src, af, a[0], port[0]);
	pp_set(&info->dst, af, a[1], port[1]);
	return 0;
}

/*
 * Well-formed UTF-8 (RFC 3629 §4: no overlong forms, no surrogates,
 * nothing above U+10FFFF) without C0 controls, space or DEL.
 */
static int
pp_authority_ok(const uint8_t *s, size_t len)
{
	size_t		i = 0, k, more;
	uint32_t	cp, min;

	while (i < len) {
		uint8_t	c = s[i++];

		if (c <= 0x20 || c == 0x7f)
			return 0;
		if (c < 0x80)
			continue;
		if (c >= 0xc2 && c <= 0xdf) {
			more = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			more = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			more = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else
			return 0;
		if (len - i < more)
			return 0;
		for (k = 0; k < more; k++) {
			if ((s[i] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i++] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
	}
	return 1;
}

/* RFC 4960 Appendix B (Castagnoli), with the 4 bytes at skip read as 0. */
static uint32_t
pp_crc32c(const uint8_t *b, size_t n, size_t skip)
{
	uint32_t	crc = 0xffffffff;
	size_t		i;
	int		k;

	for (i = 0; i < n; i++) {
		crc ^= i >= skip && i < skip + 4 ? 0 : b[i];
		for (k = 0; k < 8; k++)
			crc = crc >> 1 ^ (0x82f63b78 & (0 - (crc & 1)));
	}
	return ~crc;
}

static int
pp_read_v2(const uint8_t *b, size_t n, struct pphdr_info *info)
{
	uint8_t		 seen[256];
	size_t		 len, alen, p, end, tlen, crc_at = 0;
	int		 af, has_crc = 0;

	if (n < PP_V2_FIXED)
		return pp_fail(info, "v2: truncated header");
	if (b[12] >> 4 != 2)
		return pp_fail(info, "v2: version not 2");
	if ((b[12] & 0x0f) > 1)
		return pp_fail(info, "v2: command not LOCAL or PROXY");
	switch (b[13]) {
	case 0x00:
		af = AF_UNSPEC;
		alen = 0;
		break;
	case 0x11:
		af = AF_INET;
		alen = 12;
		break;
	case 0x21:
		af = AF_INET6;
		alen = 36;
		break;
	case 0x12:
	case 0x22:
	case 0x31:
	case 0x32:
		return pp_fail(info, "v2: UDP or UNIX, not from a TCP proxy");
	default:
		return pp_fail(info, "v2: bad family/protocol byte");
	}
	len = (size_t)b[14] << 8 | b[15];
	end = PP_V2_FIXED + len;
	if (end > n)
		return pp_fail(info, "v2: length beyond the input");
	if (len < alen)
		return pp_fail(info, "v2: length shorter than the addresses");
	info->version = 2;
	info->command = b[12] & 0x0f;
	info->family = af;
	info->len = end;
	if (af == AF_INET) {
		pp_set(&info->src, af, b + 16, (unsigned int)b[24] << 8 | b[25]);
		pp_set(&info->dst, af, b + 20, (unsigned int)b[26] << 8 | b[27]);
	} else if (af == AF_INET6) {
		pp_set(&info->src, af, b + 16, (unsigned int)b[48] << 8 | b[49]);
		pp_set(&info->dst, af, b + 32, (unsigned int)b[50] << 8 | b[51]);
	} else {
		info->src.sa.sa_family = AF_UNSPEC;
		info->dst.sa.sa_family = AF_UNSPEC;
	}

	memset(seen, 0, sizeof(seen));
	for (p = PP_V2_FIXED + alen; p < end; p += tlen) {
		uint8_t	type;

		if (end - p < 3)
			return pp_fail(info, "v2: TLV header overruns");
		type = b[p];
		tlen = (size_t)b[p + 1] << 8 | b[p + 2];
		p += 3;
		if (tlen > end - p)
			return pp_fail(info, "v2: TLV value overruns");
		if (type != PP2_TYPE_NOOP && seen[type]++)
			return pp_fail(info, "v2: duplicate TLV");
		switch (type) {
		case PP2_TYPE_AUTHORITY:
			if (tlen == 0 || tlen > 255)
				return pp_fail(info, "v2: AUTHORITY length");
			if (!pp_authority_ok(b + p, tlen))
				return pp_fail(info, "v2: AUTHORITY not a "
				    "UTF-8 host name");
			info->authority = b + p;
			info->authority_len = tlen;
			break;
		case PP2_TYPE_UNIQUE_ID:
			if (tlen == 0 || tlen > 128)
				return pp_fail(info, "v2: UNIQUE_ID length");
			info->unique_id = b + p;
			info->unique_id_len = tlen;
			break;
		case PP2_TYPE_CRC32C:
			if (tlen != 4)
				return pp_fail(info, "v2: CRC32C length");
			has_crc = 1;
			crc_at = p;
			info->other_tlvs++;
			break;
		default:
			info->other_tlvs++;
			break;
		}
	}
	if (has_crc && pp_crc32c(b, end, crc_at) !=
	    ((uint32_t)b[crc_at] << 24 | (uint32_t)b[crc_at + 1] << 16 |
	    (uint32_t)b[crc_at + 2] << 8 | b[crc_at + 3]))
		return pp_fail(info, "v2: CRC32C mismatch");
	return 0;
}

int
pphdr_read(const uint8_t *buf, size_t n, struct pphdr_info *info)
{
	memset(info, 0, sizeof(*info));
	if (n == 0)
		return pp_fail(info, "truncated header");
	/*
	 * §2.2 tells the versions apart by their first bytes; a prefix of
	 * either, too short to tell, is a truncated header.
	 */
	if (n >= sizeof(pp_sig) && memcmp(buf, pp_sig, sizeof(pp_sig)) == 0)
		return pp_read_v2(buf, n, info);
	if (n >= 5 && memcmp(buf, "PROXY", 5) == 0)
		return pp_read_v1(buf, n, info);
	if ((n < sizeof(pp_sig) && memcmp(buf, pp_sig, n) == 0) ||
	    (n < 5 && memcmp(buf, "PROXY", n) == 0))
		return pp_fail(info, "truncated header");
	return pp_fail(info, "not a PROXY protocol header");
}
