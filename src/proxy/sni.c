/* SPDX-License-Identifier: ISC */
/*
 * A minimal, resumable reader of a TLS (or TLCP) client's first flight,
 * intended only to find the server_name (RFC 6066 §3) to route on.  It
 * checks every length against the length that encloses it, remembers the
 * host name, and otherwise interprets nothing: it does not negotiate, look
 * at cipher suites or key shares, decrypt ECH, or read anything after the
 * ClientHello (a ChangeCipherSpec or early data may follow in the same
 * read).  It keeps a few hundred bytes of state rather than a copy of the
 * hello, so the hello may arrive split over any number of reads and of TLS
 * records, at any byte.  No I/O, no allocation, no logging.
 *
 * Two layers: sni_feed() strips record headers (RFC 8446 §5.1) and hands
 * the handshake bytes of each record to sni_hello(), which walks the
 * ClientHello (RFC 8446 §4.1.2) one field at a time.  A field is either a
 * big-endian integer of 1-4 bytes, read straight from the caller's buffer
 * when it is all there and collected in field[] when a read or a record
 * ends inside it, or a span (random, session_id, an extension we do not
 * care about) that is skipped in one step however long it is.
 */

#include <string.h>

#include "common/hostname.h"
#include "sni.h"

#define SNI_CT_HANDSHAKE	22	/* RFC 8446 §5.1 ContentType */
#define SNI_HT_CLIENT_HELLO	1	/* RFC 8446 §4 HandshakeType */
#define SNI_EXT_SERVER_NAME	0x0000	/* RFC 6066 §3 */
#define SNI_EXT_ECH		0xfe0d	/* RFC 9849 encrypted_client_hello */
#define SNI_NT_HOST_NAME	0	/* RFC 6066 §3 NameType */
#define SNI_V_TLCP		0x0101	/* GB/T 38636-2020 (GM/T 0024) */
#define SNI_V_MIN		0x0300	/* SSL 3.0 */
#define SNI_V_MAX		0x0304	/* TLS 1.3 */
/*
 * RFC 8446 §5.1: a TLSPlaintext fragment is at most 2^14 bytes.  Allow the
 * 256 bytes of slack that §5.2 gives a TLSCiphertext rather than be the
 * strictest implementation on the path; the hello itself is capped at
 * SNI_HELLO_MAX anyway.
 */
#define SNI_RECORD_MAX		(16384 + 256)
#define SNI_HS_HEADER		4	/* msg_type(1) length(3) */
#define SNI_V2_HEADER		11	/* length(2) msg_type(1) version(2)
					   and three 2-byte lengths */

/* Where the record layer is: struct sni_parser.state. */
enum sni_state {
	SNI_S_RECORD,		/* collecting a record header into hdr[] */
	SNI_S_BODY,		/* in a handshake record: rec_left bytes of it
				   are still to go to sni_hello() */
	SNI_S_V2_BODY,		/* skipping the rec_left bytes left of an
				   SSLv2-compatible hello */
	SNI_S_DONE,		/* ClientHello complete; name, flags valid */
	SNI_S_ERROR,		/* gave up; err says why */
};

/*
 * Where sni_hello() is in the ClientHello: struct sni_parser.hs_state.
 * A state either reads a big-endian field of sni_width[] bytes or, when
 * that width is 0, passes over the bytes up to span_end.
 */
enum sni_hs_state {
	SNI_H_HEADER,		/* msg_type, 24-bit length */
	SNI_H_VERSION,		/* legacy_version (client_version) */
	SNI_H_RANDOM,		/* span: random[32] */
	SNI_H_SID_LEN,		/* legacy_session_id length */
	SNI_H_SID,		/* span: legacy_session_id */
	SNI_H_CS_LEN,		/* cipher_suites length */
	SNI_H_CS,		/* span: cipher_suites */
	SNI_H_COMP_LEN,		/* legacy_compression_methods length */
	SNI_H_COMP,		/* span: legacy_compression_methods */
	SNI_H_EXT_LEN,		/* extensions block length */
	SNI_H_EXT_HDR,		/* extension_type, extension_data length */
	SNI_H_EXT_BODY,		/* span: an extension we skip */
	SNI_H_SN_LIST_LEN,	/* server_name_list length */
	SNI_H_SN_TYPE,		/* name_type */
	SNI_H_SN_LEN,		/* length of the name */
	SNI_H_SN_SKIP,		/* span: a name of another name_type */
	SNI_H_SN_NAME,		/* span: HostName, copied into name[] */
};

static const uint8_t	sni_width[] = {
	[SNI_H_HEADER] = SNI_HS_HEADER,
	[SNI_H_VERSION] = 2,
	[SNI_H_SID_LEN] = 1,
	[SNI_H_CS_LEN] = 2,
	[SNI_H_COMP_LEN] = 1,
	[SNI_H_EXT_LEN] = 2,
	[SNI_H_EXT_HDR] = 4,
	[SNI_H_SN_LIST_LEN] = 2,
	[SNI_H_SN_TYPE] = 1,
	[SNI_H_SN_LEN] = 2,
	[SNI_H_SN_NAME] = 0,	/* sets the size of the table */
};

void
sni_init(struct sni_parser *p)
{
	memset(p, 0, sizeof(*p));
	p->err = SNI_E_NONE;
	p->state = SNI_S_RECORD;
	p->hs_state = SNI_H_HEADER;
}

const char *
sni_strerror(enum sni_err err)
{
	switch (err) {
	case SNI_E_NONE:
		return "none";
	case SNI_E_NOT_TLS:
		return "not_tls";
	case SNI_E_TOO_BIG:
		return "too_big";
	case SNI_E_MALFORMED:
		return "malformed";
	case SNI_E_BAD_NAME:
		return "bad_name";
	}
	return "unknown";
}

/* Give up for good.  A half-copied name is no result: clear it. */
static enum sni_rc
sni_fail(struct sni_parser *p, enum sni_err err)
{
	p->state = SNI_S_ERROR;
	p->err = err;
	p->namelen = 0;
	p->name[0] = '\0';
	return SNI_ERROR;
}

static enum sni_rc
sni_done(struct sni_parser *p)
{
	p->name[p->namelen] = '\0';
	if (p->namelen == 0)
		p->flags |= SNI_F_NO_SNI;
	p->state = SNI_S_DONE;
	return SNI_DONE;
}

static int
sni_version_ok(unsigned v)
{
	return (v >= SNI_V_MIN && v <= SNI_V_MAX) || v == SNI_V_TLCP;
}

/*
 * Check the first have (1-5) bytes of a TLS record header, RFC 8446 §5.1:
 * type(1) legacy_record_version(2) length(2).  The checks run in byte
 * order, so a prefix that passes never fails for an earlier byte later, and
 * a caller fed one byte at a time gets the verdict of one fed everything.
 *
 * Record versions: RFC 5246 Appendix E.1 lets a client put any {03,xx} in
 * the ClientHello's record, typically {03,00} or {03,01}; TLS 1.3 sends
 * 0x0301 (RFC 8446 §5.1).  TLCP uses 0x0101 in both the record and the
 * hello; nginx, HAProxy and sniproxy all take a major version other than 3
 * for "not TLS", which leaves TLCP clients unroutable by name.
 */
static enum sni_err
sni_record_check(const uint8_t *h, size_t have, int first)
{
	enum sni_err	bad = first ? SNI_E_NOT_TLS : SNI_E_MALFORMED;
	unsigned	len;

	/*
	 * RFC 8446 §5.1: handshake records must not be interleaved with
	 * other types, so nothing but a handshake record can come before the
	 * ClientHello is complete.
	 */
	if (h[0] != SNI_CT_HANDSHAKE)
		return bad;
	if (have >= 2 && h[1] != 3 && h[1] != 1)
		return bad;
	if (have >= 3 && !sni_version_ok((unsigned)h[1] << 8 | h[2]))
		return bad;
	if (have >= 5) {
		/* RFC 8446 §5.1: no zero-length handshake fragments. */
		len = (unsigned)h[3] << 8 | h[4];
		if (len == 0 || len > SNI_RECORD_MAX)
			return SNI_E_MALFORMED;
	}
	return SNI_E_NONE;
}

/*
 * Check the first have (1-11) bytes of an SSLv2-compatible ClientHello,
 * RFC 5246 Appendix E.2: a 2-byte header whose high bit is set (which is
 * why we are here) holding the length of the rest, then msg_type 1,
 * version, cipher_spec_length, session_id_length, challenge_length, and
 * the three fields, which must fill the record exactly.  In byte order,
 * like sni_record_check().
 */
static enum sni_err
sni_v2_check(const uint8_t *h, size_t have)
{
	unsigned	len, cs, sid, ch;

	if (have >= 3 && h[2] != SNI_HT_CLIENT_HELLO)
		return SNI_E_NOT_TLS;
	/* A TLS client's version, not SSL 2.0 (0x0002) itself. */
	if (have >= 4 && h[3] != 3)
		return SNI_E_NOT_TLS;
	if (have >= 5 && h[4] > (SNI_V_MAX & 0xff))
		return SNI_E_NOT_TLS;
	if (have >= 7) {
		/* Not zero, and a multiple of the 3-byte V2CipherSpec. */
		cs = (unsigned)h[5] << 8 | h[6];
		if (cs == 0 || cs % 3 != 0)
			return SNI_E_MALFORMED;
	}
	if (have >= 9) {
		sid = (unsigned)h[7] << 8 | h[8];
		if (sid != 0 && sid != 16)
			return SNI_E_MALFORMED;
	}
	if (have >= 11) {
		ch = (unsigned)h[9] << 8 | h[10];
		if (ch < 16 || ch > 32)
			return SNI_E_MALFORMED;
		len = ((unsigned)h[0] & 0x7f) << 8 | h[1];
		if (len != SNI_V2_HEADER - 2 + cs + sid + ch)
			return SNI_E_MALFORMED;
	}
	return SNI_E_NONE;
}

/*
 * Read a record header: 5 bytes, or the 11 fixed bytes of an SSLv2 hello
 * when the very first byte has its high bit set.  Consumes what it uses of
 * [*dp, end), which is not empty.  Returns SNI_AGAIN (header incomplete
 * or complete, see p->state) or SNI_ERROR.
 */
static enum sni_rc
sni_header(struct sni_parser *p, const uint8_t **dp, const uint8_t *end)
{
	const uint8_t	*d = *dp, *h;
	size_t		 want, have, k;
	enum sni_err	 err;
	unsigned	 len;
	int		 v2;

	v2 = !p->seen_record && ((p->hdr_have ? p->hdr[0] : d[0]) & 0x80);
	want = v2 ? SNI_V2_HEADER : 5;
	if (p->hdr_have == 0 && (size_t)(end - d) >= want) {
		/* The whole header is in this read: no copy. */
		h = d;
		have = want;
		*dp = d + want;
	} else {
		k = want - p->hdr_have;
		if (k > (size_t)(end - d))
			k = (size_t)(end - d);
		memcpy(p->hdr + p->hdr_have, d, k);
		p->hdr_have += (uint8_t)k;
		h = p->hdr;
		have = p->hdr_have;
		*dp = d + k;
	}

	/*
	 * For the version of an alert: taken as soon as it is known good,
	 * even if the length after it is not, and from the bytes alone, so
	 * that it does not depend on how they were split.
	 */
	if (!v2 && !p->seen_record && have >= 3 &&
	    h[0] == SNI_CT_HANDSHAKE && sni_version_ok(h[1] << 8 | h[2]))
		p->record_version = (uint16_t)(h[1] << 8 | h[2]);
	err = v2 ? sni_v2_check(h, have) :
	    sni_record_check(h, have, !p->seen_record);
	if (err != SNI_E_NONE)
		return sni_fail(p, err);
	if (have < want)
		return SNI_AGAIN;

	p->hdr_have = 0;
	if (v2) {
		/*
		 * No record version in SSLv2: an alert would answer with
		 * the version the client offered.
		 */
		p->record_version = (uint16_t)(h[3] << 8 | h[4]);
		p->flags |= SNI_F_SSLV2;
		len = ((unsigned)h[0] & 0x7f) << 8 | h[1];
		p->rec_left = (uint16_t)(len - (SNI_V2_HEADER - 2));
		p->state = SNI_S_V2_BODY;
	} else {
		if (!p->seen_record && p->record_version == SNI_V_TLCP)
			p->flags |= SNI_F_TLCP;
		p->rec_left = (uint16_t)((unsigned)h[3] << 8 | h[4]);
		p->state = SNI_S_BODY;
	}
	p->seen_record = 1;
	return SNI_AGAIN;
}

/*
 * Enter a state that reads a fixed-size field; it must fit before lim, the
 * end of what encloses it.
 */
static enum sni_rc
sni_expect(struct sni_parser *p, enum sni_hs_state st, uint32_t lim)
{
	if (p->pos + sni_width[st] > lim)
		return sni_fail(p, SNI_E_MALFORMED);
	p->hs_state = (uint8_t)st;
	return SNI_AGAIN;
}

/* Enter a span state: len bytes that must fit before lim. */
static enum sni_rc
sni_span(struct sni_parser *p, enum sni_hs_state st, uint32_t len,
    uint32_t lim)
{
	if (p->pos + len > lim)
		return sni_fail(p, SNI_E_MALFORMED);
	p->hs_state = (uint8_t)st;
	p->span_end = p->pos + len;
	return SNI_AGAIN;
}

/* After an extension: the next one, or the end of the hello. */
static enum sni_rc
sni_next_ext(struct sni_parser *p)
{
	if (p->pos == p->hs_end)
		return sni_done(p);
	return sni_expect(p, SNI_H_EXT_HDR, p->hs_end);
}

/*
 * Collect the field of the current state.  Returns 1 with its value in *v
 * and *dp advanced past it, or 0 when [*dp, end) ended first (all of it
 * then consumed into field[]).
 */
static int
sni_field(struct sni_parser *p, const uint8_t **dp, const uint8_t *end,
    uint32_t *v)
{
	const uint8_t	*d = *dp, *f;
	size_t		 w = sni_width[p->hs_state], k, i;
	uint32_t	 x = 0;

	if (p->field_have == 0 && (size_t)(end - d) >= w) {
		f = d;
		*dp = d + w;
	} else {
		k = w - p->field_have;
		if (k > (size_t)(end - d))
			k = (size_t)(end - d);
		memcpy(p->field + p->field_have, d, k);
		p->field_have += (uint8_t)k;
		*dp = d + k;
		if (p->field_have < w)
			return 0;
		p->field_have = 0;
		f = p->field;
	}
	for (i = 0; i < w; i++)
		x = x << 8 | f[i];
	*v = x;
	p->pos += (uint32_t)w;
	return 1;
}

/* A field of the current state was read: check it and move on. */
static enum sni_rc
sni_field_done(struct sni_parser *p, uint32_t v)
{
	uint32_t	len;
	unsigned	type;

	switch (p->hs_state) {
	case SNI_H_HEADER:
		if (v >> 24 != SNI_HT_CLIENT_HELLO)
			return sni_fail(p, SNI_E_MALFORMED);
		/*
		 * The 24-bit length allows 16 MiB, spread over a thousand
		 * records; nobody needs more than 16 KiB (the BoringSSL and
		 * Envoy cap), and saying so early bounds the work.
		 */
		len = v & 0xffffff;
		if (len > SNI_HELLO_MAX)
			return sni_fail(p, SNI_E_TOO_BIG);
		p->hs_end = p->pos + len;
		return sni_expect(p, SNI_H_VERSION, p->hs_end);
	case SNI_H_VERSION:
		/*
		 * RFC 8446 §4.1.2: legacy_version is 0x0303 for TLS 1.2 and
		 * 1.3 (the real versions are in supported_versions); older
		 * clients send down to SSL 3.0.  TLCP sends 0x0101.
		 */
		if (v == SNI_V_TLCP)
			p->flags |= SNI_F_TLCP;
		else if (v < SNI_V_MIN || v > SNI_V_MAX)
			return sni_fail(p, SNI_E_MALFORMED);
		return sni_span(p, SNI_H_RANDOM, 32, p->hs_end);
	case SNI_H_SID_LEN:
		/* RFC 8446 §4.1.2: legacy_session_id<0..32>. */
		if (v > 32)
			return sni_fail(p, SNI_E_MALFORMED);
		return sni_span(p, SNI_H_SID, v, p->hs_end);
	case SNI_H_CS_LEN:
		/* CipherSuite cipher_suites<2..2^16-2>: pairs of bytes. */
		if (v < 2 || v % 2 != 0)
			return sni_fail(p, SNI_E_MALFORMED);
		return sni_span(p, SNI_H_CS, v, p->hs_end);
	case SNI_H_COMP_LEN:
		/* legacy_compression_methods<1..2^8-1> */
		if (v < 1)
			return sni_fail(p, SNI_E_MALFORMED);
		return sni_span(p, SNI_H_COMP, v, p->hs_end);
	case SNI_H_EXT_LEN:
		/*
		 * The extensions are the last field: their block must end
		 * where the hello does (sniproxy's "pos != data_len").
		 * TLS 1.3 wants at least 8 bytes; TLS 1.2 allows an empty
		 * block, and it is no harder to route.
		 */
		if (p->pos + v != p->hs_end)
			return sni_fail(p, SNI_E_MALFORMED);
		return sni_next_ext(p);
	case SNI_H_EXT_HDR:
		type = v >> 16;
		len = v & 0xffff;
		if (p->pos + len > p->hs_end)
			return sni_fail(p, SNI_E_MALFORMED);
		/*
		 * RFC 8446 §4.2: "There MUST NOT be more than one extension
		 * of the same type in a given extension block."  Checked for
		 * the IANA types below 64 (server_name among them) and ECH;
		 * others, GREASE included (RFC 8701 §3: any type, any body),
		 * are skipped unread.
		 */
		if (type < 64) {
			if (p->ext_seen & (UINT64_C(1) << type))
				return sni_fail(p, SNI_E_MALFORMED);
			p->ext_seen |= UINT64_C(1) << type;
		} else if (type == SNI_EXT_ECH) {
			/*
			 * RFC 9849: the server_name we see is the outer
			 * public_name; the real one is encrypted.  Chrome
			 * sends a GREASE ECH too, indistinguishable here.
			 */
			if (p->flags & SNI_F_ECH)
				return sni_fail(p, SNI_E_MALFORMED);
			p->flags |= SNI_F_ECH;
		}
		p->ext_end = p->pos + len;
		if (type == SNI_EXT_SERVER_NAME)
			return sni_expect(p, SNI_H_SN_LIST_LEN, p->ext_end);
		return sni_span(p, SNI_H_EXT_BODY, len, p->ext_end);
	case SNI_H_SN_LIST_LEN:
		/*
		 * RFC 6066 §3: ServerName server_name_list<1..2^16-1>, and
		 * it is all the extension holds.  (An empty extension is
		 * what a server answers, never what a client sends.)
		 */
		if (v == 0 || p->pos + v != p->ext_end)
			return sni_fail(p, SNI_E_MALFORMED);
		return sni_expect(p, SNI_H_SN_TYPE, p->ext_end);
	case SNI_H_SN_TYPE:
		p->name_type = (uint8_t)v;
		return sni_expect(p, SNI_H_SN_LEN, p->ext_end);
	case SNI_H_SN_LEN:
		if (p->pos + v > p->ext_end)
			return sni_fail(p, SNI_E_MALFORMED);
		/*
		 * RFC 6066 §3 defines only host_name, and what follows any
		 * other name_type is not specified ("select (name_type)").
		 * We read every entry as a type and a 16-bit length, as Go
		 * does, and pass over other types, so that the list still
		 * has to add up.  (BoringSSL and OpenSSL reject them: the
		 * backend will say so.)
		 */
		if (p->name_type != SNI_NT_HOST_NAME)
			return sni_span(p, SNI_H_SN_SKIP, v, p->ext_end);
		/* HostName opaque<1..2^16-1> */
		if (v == 0)
			return sni_fail(p, SNI_E_MALFORMED);
		/*
		 * RFC 6066 §3: "The ServerNameList MUST NOT contain more
		 * than one name of the same name_type."  Two names would
		 * leave the backend and us free to pick different ones.
		 */
		if (p->namelen != 0)
			return sni_fail(p, SNI_E_MALFORMED);
		if (v > SNI_NAME_MAX)
			return sni_fail(p, SNI_E_BAD_NAME);
		return sni_span(p, SNI_H_SN_NAME, v, p->ext_end);
	default:
		/* A span state has no field: cannot happen. */
		return sni_fail(p, SNI_E_MALFORMED);
	}
}

/* The span of the current state was passed over: move on. */
static enum sni_rc
sni_span_done(struct sni_parser *p)
{
	switch (p->hs_state) {
	case SNI_H_RANDOM:
		return sni_expect(p, SNI_H_SID_LEN, p->hs_end);
	case SNI_H_SID:
		return sni_expect(p, SNI_H_CS_LEN, p->hs_end);
	case SNI_H_CS:
		return sni_expect(p, SNI_H_COMP_LEN, p->hs_end);
	case SNI_H_COMP:
		/*
		 * RFC 5246 §7.4.1.2: a hello may end here, without an
		 * extensions block (SSL 3.0 and old TLS 1.0 clients).
		 */
		if (p->pos == p->hs_end)
			return sni_done(p);
		return sni_expect(p, SNI_H_EXT_LEN, p->hs_end);
	case SNI_H_EXT_BODY:
		return sni_next_ext(p);
	case SNI_H_SN_SKIP:
		if (p->pos == p->ext_end)
			return sni_next_ext(p);
		return sni_expect(p, SNI_H_SN_TYPE, p->ext_end);
	case SNI_H_SN_NAME:
		/*
		 * RFC 6066 §3: ASCII, no trailing dot, no IP literal.  The
		 * comparison is case-insensitive, so route on lower case.
		 */
		if (hostname_check(p->name, p->namelen) != HOSTNAME_OK)
			return sni_fail(p, SNI_E_BAD_NAME);
		hostname_lower(p->name, p->namelen);
		p->name[p->namelen] = '\0';
		if (p->pos == p->ext_end)
			return sni_next_ext(p);
		return sni_expect(p, SNI_H_SN_TYPE, p->ext_end);
	default:
		/* A field state has no span: cannot happen. */
		return sni_fail(p, SNI_E_MALFORMED);
	}
}

/*
 * Walk n > 0 handshake bytes, the body of a record or a part of it.
 * Returns SNI_AGAIN having used all of them, or SNI_DONE at the end of the
 * ClientHello (the rest is not ours to read), or SNI_ERROR.
 */
static enum sni_rc
sni_hello(struct sni_parser *p, const uint8_t *d, size_t n)
{
	const uint8_t	*end = d + n;
	enum sni_rc	 rc;
	uint32_t	 v;
	size_t		 k;

	/*
	 * No "while (d < end)": a span may be empty (a session_id of 0
	 * bytes, an empty extension last in the hello) and must be
	 * finished even when it starts at the end of the bytes.
	 */
	for (;;) {
		if (sni_width[p->hs_state] == 0) {
			k = p->span_end - p->pos;
			if (k > (size_t)(end - d))
				k = (size_t)(end - d);
			if (p->hs_state == SNI_H_SN_NAME) {
				/* sni_span() capped it at SNI_NAME_MAX */
				memcpy(p->name + p->namelen, d, k);
				p->namelen += k;
			}
			d += k;
			p->pos += (uint32_t)k;
			if (p->pos != p->span_end)
				return SNI_AGAIN;
			rc = sni_span_done(p);
		} else {
			if (!sni_field(p, &d, end, &v))
				return SNI_AGAIN;
			rc = sni_field_done(p, v);
		}
		if (rc != SNI_AGAIN)
			return rc;
	}
}

enum sni_rc
sni_feed(struct sni_parser *p, const uint8_t *d, size_t n)
{
	const uint8_t	*end;
	enum sni_rc	 rc;
	size_t		 k;

	if (p->state == SNI_S_DONE)
		return SNI_DONE;
	if (p->state == SNI_S_ERROR)
		return SNI_ERROR;
	if (n == 0)
		return SNI_AGAIN;

	end = d + n;
	while (d < end) {
		switch (p->state) {
		case SNI_S_RECORD:
			if ((rc = sni_header(p, &d, end)) != SNI_AGAIN)
				return rc;
			break;
		case SNI_S_BODY:
			k = p->rec_left;
			if (k > (size_t)(end - d))
				k = (size_t)(end - d);
			if ((rc = sni_hello(p, d, k)) != SNI_AGAIN)
				return rc;
			d += k;
			p->rec_left -= (uint16_t)k;
			if (p->rec_left == 0)
				p->state = SNI_S_RECORD;
			break;
		case SNI_S_V2_BODY:
			/*
			 * Nothing to read in an SSLv2 hello (no extensions,
			 * so no SNI): wait for its end, then the client
			 * waits for us.
			 */
			k = p->rec_left;
			if (k > (size_t)(end - d))
				k = (size_t)(end - d);
			d += k;
			p->rec_left -= (uint16_t)k;
			if (p->rec_left == 0)
				return sni_done(p);
			break;
		default:
			return sni_fail(p, SNI_E_MALFORMED);
		}
	}
	return SNI_AGAIN;
}
