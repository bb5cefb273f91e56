/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target for the PROXY protocol writer (src/proxy/pphdr.c), checked
 * by the strict reader of the unit tests (tests/unit/pphdr_read.c).
 *
 * Writer mode: the input chooses the version, each end's family (IPv4,
 * IPv6, IPv4-mapped IPv6, or none), the addresses (IPv6 ones with runs of
 * zero groups), the ports, an authority of 0-300 bytes and a unique id of
 * 0-200, present or not, and a buffer size.  The header written with room
 * to spare must read back, consume exactly the length returned and give
 * back every field, mapped addresses as IPv4; it must be refused exactly
 * when a TLV is out of bounds or there is no version; a v2 header must be
 * exactly as long as the spec says and a v1 TCP6 line must have what
 * inet_ntop writes (RFC 5952) unless that has a dotted tail.  Then, with
 * the input's buffer size: the same header when it fits, 0 when not, and
 * not a byte touched past it either way.
 *
 * Reader mode (first byte 0xc0-0xff): the rest goes to the reader, which
 * must not crash, must stay within the input, and what it accepts must
 * hold together; a v2 header it accepts that the writer could have sent
 * must come out of the writer byte for byte, and likewise a TCP4 line.
 *
 * Deterministic, no global state.  Any failure is __builtin_trap().
 */

#include <arpa/inet.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pphdr.h"
#include "../unit/pphdr_read.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_ASSERT(x)	do { if (!(x)) __builtin_trap(); } while (0)

#define FUZZ_CAP_MAX	600		/* caps beyond PPHDR_MAX too */
#define FUZZ_CANARY	64
#define FUZZ_FILL	0xa5

/* The input, read front to back; zeros once it runs out. */
struct fuzz_in {
	const uint8_t	*d;
	size_t		 n;
};

static uint8_t
fuzz_byte(struct fuzz_in *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->d++;
}

static unsigned int
fuzz_u16(struct fuzz_in *in)
{
	unsigned int	v = fuzz_byte(in);

	return v << 8 | fuzz_byte(in);
}

enum fuzz_kind {
	FUZZ_V4,
	FUZZ_V6,
	FUZZ_MAPPED,
	FUZZ_OTHER,
};

/* One end: what the writer is given, and what the header must say. */
struct fuzz_end {
	union addr_sa	 sa;
	const union addr_sa *p;		/* &sa, or NULL */
	int		 af;		/* after ::ffff:0:0/96 -> IPv4 */
	uint8_t		 addr[16];
	uint16_t	 port;
};

static void
fuzz_end(struct fuzz_in *in, enum fuzz_kind kind, struct fuzz_end *e)
{
	uint8_t		a[16], zero;
	int		i, other;

	memset(e, 0, sizeof(*e));
	e->p = &e->sa;
	for (i = 0; i < 16; i++)
		a[i] = fuzz_byte(in);
	/* zero the groups whose bit is set: "::" has runs to compress */
	zero = fuzz_byte(in);
	for (i = 0; i < 8; i++)
		if (zero & (1 << i))
			a[2 * i] = a[2 * i + 1] = 0;
	e->port = (uint16_t)fuzz_u16(in);
	other = fuzz_byte(in) & 3;

	switch (kind) {
	case FUZZ_V4:
		e->sa.sin.sin_family = AF_INET;
		memcpy(&e->sa.sin.sin_addr, a, 4);
		e->sa.sin.sin_port = htons(e->port);
		e->af = AF_INET;
		memcpy(e->addr, a, 4);
		break;
	case FUZZ_V6:
		e->sa.sin6.sin6_family = AF_INET6;
		memcpy(&e->sa.sin6.sin6_addr, a, 16);
		e->sa.sin6.sin6_port = htons(e->port);
		/* the bytes may well spell a mapped address themselves */
		if (IN6_IS_ADDR_V4MAPPED(&e->sa.sin6.sin6_addr)) {
			e->af = AF_INET;
			memcpy(e->addr, a + 12, 4);
		} else {
			e->af = AF_INET6;
			memcpy(e->addr, a, 16);
		}
		break;
	case FUZZ_MAPPED:
		e->sa.sin6.sin6_family = AF_INET6;
		memset(&e->sa.sin6.sin6_addr, 0, 10);
		e->sa.sin6.sin6_addr.s6_addr[10] = 0xff;
		e->sa.sin6.sin6_addr.s6_addr[11] = 0xff;
		memcpy(&e->sa.sin6.sin6_addr.s6_addr[12], a, 4);
		e->sa.sin6.sin6_port = htons(e->port);
		e->af = AF_INET;
		memcpy(e->addr, a, 4);
		break;
	default:
		/* no end, AF_UNSPEC, AF_UNIX, or a family nobody uses */
		e->af = AF_UNSPEC;
		if (other == 0)
			e->p = NULL;
		else
			e->sa.sa.sa_family = (sa_family_t)(other == 1 ?
			    AF_UNSPEC : other == 2 ? AF_UNIX : 250);
		break;
	}
}

/* The end as the reader gives it back. */
static void
fuzz_same_end(const union addr_sa *got, const struct fuzz_end *e)
{
	FUZZ_ASSERT(got->sa.sa_family == e->af);
	if (e->af == AF_INET) {
		FUZZ_ASSERT(memcmp(&got->sin.sin_addr, e->addr, 4) == 0);
		FUZZ_ASSERT(ntohs(got->sin.sin_port) == e->port);
	} else {
		FUZZ_ASSERT(memcmp(&got->sin6.sin6_addr, e->addr, 16) == 0);
		FUZZ_ASSERT(ntohs(got->sin6.sin6_port) == e->port);
	}
}

/* v1 TCP6: the address as RFC 5952 has it, when inet_ntop agrees. */
static void
fuzz_v1_text(const uint8_t *line, size_t len, const struct fuzz_end *src,
    const struct fuzz_end *dst)
{
	char		s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	size_t		sl, dl;

	if (inet_ntop(AF_INET6, src->addr, s, sizeof(s)) == NULL ||
	    inet_ntop(AF_INET6, dst->addr, d, sizeof(d)) == NULL)
		__builtin_trap();
	sl = strlen(s);
	dl = strlen(d);
	if (strchr(s, '.') == NULL) {
		FUZZ_ASSERT(len > 11 + sl && memcmp(line + 11, s, sl) == 0);
		FUZZ_ASSERT(line[11 + sl] == ' ');
		if (strchr(d, '.') == NULL) {
			FUZZ_ASSERT(len > 12 + sl + dl);
			FUZZ_ASSERT(memcmp(line + 12 + sl, d, dl) == 0);
			FUZZ_ASSERT(line[12 + sl + dl] == ' ');
		}
	}
}

static const char	fuzz_name[] =
    "abcdefghijklmnopqrstuvwxyz0123456789-._:ABCDEFGHIJKLMNOPQRSTUVWXYZ";

static void
fuzz_writer(struct fuzz_in *in, uint8_t b0)
{
	struct fuzz_end		 src, dst;
	struct pphdr		 h;
	struct pphdr_info	 info;
	enum pphdr_version		 v;
	char			 auth[300], uid[200];
	uint8_t			 full[PPHDR_MAX + FUZZ_CANARY];
	uint8_t			 buf[FUZZ_CAP_MAX + FUZZ_CANARY];
	uint8_t			 rd[PPHDR_MAX + 16];
	size_t			 alen, ulen, len, cap, r, i, want;
	unsigned int		 c;
	uint8_t			 b1, ver;
	int			 af, valid;

	b1 = fuzz_byte(in);
	ver = b0 & 7;
	v = ver == 0 ? PPHDR_NONE : ver <= 3 ? PPHDR_V1 : PPHDR_V2;
	fuzz_end(in, (enum fuzz_kind)(b0 >> 3 & 3), &src);
	fuzz_end(in, (enum fuzz_kind)(b1 & 3), &dst);
	alen = fuzz_u16(in) % 301;
	ulen = fuzz_byte(in) % 201;
	c = fuzz_u16(in);
	for (i = 0; i < alen; i++)
		auth[i] = in->n ? fuzz_name[fuzz_byte(in) %
		    (sizeof(fuzz_name) - 1)] : (char)('a' + i % 26);
	for (i = 0; i < ulen; i++)
		uid[i] = in->n ? (char)fuzz_byte(in) : (char)i;

	memset(&h, 0, sizeof(h));
	h.src = src.p;
	h.dst = dst.p;
	if (b1 & 0x04) {
		h.authority = auth;
		h.authority_len = alen;
	} else
		h.authority_len = alen;		/* must be ignored */
	if (b1 & 0x08) {
		h.unique_id = uid;
		h.unique_id_len = ulen;
	} else
		h.unique_id_len = ulen;

	/* What the header must be. */
	af = src.af == dst.af ? src.af : AF_UNSPEC;
	valid = v != PPHDR_NONE &&
	    (h.authority == NULL || (alen >= 1 && alen <= 255)) &&
	    (h.unique_id == NULL || (ulen >= 1 && ulen <= 128));

	/* With room to spare. */
	memset(full, FUZZ_FILL, sizeof(full));
	len = pphdr_write(v, &h, full, PPHDR_MAX);
	FUZZ_ASSERT((len != 0) == valid);
	for (i = len; i < sizeof(full); i++)
		FUZZ_ASSERT(full[i] == FUZZ_FILL);
	if (len != 0) {
		FUZZ_ASSERT(len <= PPHDR_MAX);
		if (v == PPHDR_V2) {
			want = 16 + (af == AF_INET ? 12 : af == AF_INET6 ?
			    36 : 0);
			if (h.authority != NULL)
				want += 3 + alen;
			if (h.unique_id != NULL)
				want += 3 + ulen;
			FUZZ_ASSERT(len == want);
		} else {
			FUZZ_ASSERT(len <= 107);
			if (af == AF_UNSPEC)
				FUZZ_ASSERT(len == 15);
			if (af == AF_INET6)
				fuzz_v1_text(full, len, &src, &dst);
		}

		/* It reads back, followed by whatever comes next. */
		memcpy(rd, full, len);
		memset(rd + len, (b1 & 0x10) ? '\r' : '\n', sizeof(rd) - len);
		FUZZ_ASSERT(pphdr_read(rd, sizeof(rd), &info) == 0);
		FUZZ_ASSERT(info.len == len);
		FUZZ_ASSERT(info.version == (v == PPHDR_V1 ? 1 : 2));
		/* v2 without addresses is LOCAL */
		FUZZ_ASSERT(info.command == (v == PPHDR_V2 &&
		    af == AF_UNSPEC ? 0 : 1));
		FUZZ_ASSERT(info.family == af);
		FUZZ_ASSERT(info.other_tlvs == 0);
		if (af != AF_UNSPEC) {
			fuzz_same_end(&info.src, &src);
			fuzz_same_end(&info.dst, &dst);
		}
		if (v == PPHDR_V2 && h.authority != NULL)
			FUZZ_ASSERT(info.authority_len == alen &&
			    memcmp(info.authority, auth, alen) == 0);
		else
			FUZZ_ASSERT(info.authority == NULL);
		if (v == PPHDR_V2 && h.unique_id != NULL)
			FUZZ_ASSERT(info.unique_id_len == ulen &&
			    memcmp(info.unique_id, uid, ulen) == 0);
		else
			FUZZ_ASSERT(info.unique_id == NULL);
	}

	/* With the input's cap: around the length, or anywhere. */
	switch (b1 >> 6) {
	case 0:
		cap = c % (FUZZ_CAP_MAX + 1);
		break;
	case 1:
		cap = len;
		break;
	case 2:
		cap = len > (c & 7) ? len - 1 - (c & 7) : 0;
		break;
	default:
		cap = len + (c & 3);
		break;
	}
	memset(buf, FUZZ_FILL, sizeof(buf));
	r = pphdr_write(v, &h, buf, cap);
	FUZZ_ASSERT(r == (cap >= len ? len : 0));
	FUZZ_ASSERT(memcmp(buf, full, r) == 0);
	for (i = r; i < sizeof(buf); i++)
		FUZZ_ASSERT(buf[i] == FUZZ_FILL);
}

/* Whatever the reader accepts holds together, and lies within the input. */
static void
fuzz_reader(const uint8_t *d, size_t n)
{
	struct pphdr_info	 info;
	struct pphdr		 h;
	uint8_t			 out[PPHDR_MAX];
	size_t			 r;

	if (pphdr_read(d, n, &info) == -1) {
		FUZZ_ASSERT(info.why != NULL);
		return;
	}
	FUZZ_ASSERT(info.why == NULL);
	FUZZ_ASSERT(info.len > 0 && info.len <= n);
	FUZZ_ASSERT(info.command == 0 || info.command == 1);
	FUZZ_ASSERT(info.family == AF_UNSPEC || info.family == AF_INET ||
	    info.family == AF_INET6);
	FUZZ_ASSERT(info.src.sa.sa_family == info.family);
	FUZZ_ASSERT(info.dst.sa.sa_family == info.family);
	if (info.version == 1) {
		FUZZ_ASSERT(info.len <= 107);
		FUZZ_ASSERT(d[info.len - 2] == '\r' && d[info.len - 1] == '\n');
		FUZZ_ASSERT(info.command == 1);
		FUZZ_ASSERT(info.authority == NULL && info.unique_id == NULL);
	} else {
		FUZZ_ASSERT(info.version == 2);
		FUZZ_ASSERT(info.len >= 16 && info.len <= 16 + 65535);
	}
	if (info.authority != NULL) {
		FUZZ_ASSERT(info.authority > d && info.authority_len >= 1 &&
		    info.authority_len <= 255);
		FUZZ_ASSERT(info.authority + info.authority_len <= d +
		    info.len);
	}
	if (info.unique_id != NULL) {
		FUZZ_ASSERT(info.unique_id > d && info.unique_id_len >= 1 &&
		    info.unique_id_len <= 128);
		FUZZ_ASSERT(info.unique_id + info.unique_id_len <= d +
		    info.len);
	}

	/*
	 * What the writer could have sent, it must send byte for byte: a v2
	 * PROXY header with AUTHORITY before UNIQUE_ID and nothing else, no
	 * mapped address; a TCP4 line (IPv4 text has one form only) and the
	 * short UNKNOWN line.
	 */
	memset(&h, 0, sizeof(h));
	h.src = &info.src;
	h.dst = &info.dst;
	h.authority = (const char *)info.authority;
	h.authority_len = info.authority_len;
	h.unique_id = (const char *)info.unique_id;
	h.unique_id_len = info.unique_id_len;
	if (info.version == 2 && (info.command == 1) ==
	    (info.family != AF_UNSPEC) && info.other_tlvs == 0 &&
	    (info.authority == NULL || info.unique_id == NULL ||
	    info.authority < info.unique_id) &&
	    !(info.family == AF_INET6 &&
	    (IN6_IS_ADDR_V4MAPPED(&info.src.sin6.sin6_addr) ||
	    IN6_IS_ADDR_V4MAPPED(&info.dst.sin6.sin6_addr)))) {
		r = pphdr_write(PPHDR_V2, &h, out, sizeof(out));
		FUZZ_ASSERT(r == info.len && memcmp(out, d, r) == 0);
	}
	if (info.version == 1 && (info.family == AF_INET ||
	    (info.family == AF_UNSPEC && info.len == 15))) {
		r = pphdr_write(PPHDR_V1, &h, out, sizeof(out));
		FUZZ_ASSERT(r == info.len && memcmp(out, d, r) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct fuzz_in	in;
	uint8_t		b0;

	if (n == 0)
		return 0;
	b0 = d[0];
	if (b0 >= 0xc0) {
		fuzz_reader(d + 1, n - 1);
		return 0;
	}
	in.d = d + 1;
	in.n = n - 1;
	fuzz_writer(&in, b0);
	return 0;
}
