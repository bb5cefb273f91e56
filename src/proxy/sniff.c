/* SPDX-License-Identifier: ISC */
/*
 * The sniffer table (see sniff.h): for TLS and HTTP, thin wrappers that
 * turn each parser's own enums into the common ones, the counters their
 * results bump, and the bytes that refuse a client.  The parsers stay pure
 * and unaware of this file; this file does no I/O and keeps no state, so
 * the table is shared read-only by every worker.
 */

#include <string.h>

#include "sniff.h"

/*
 * feed() is the one indirect call per read: let it be a tail call to the
 * parser by making the parsers' return values the common ones.
 */
_Static_assert(SNI_AGAIN == (int)SNIFF_MORE && SNI_DONE == (int)SNIFF_DONE &&
    SNI_ERROR == (int)SNIFF_ERROR, "enum sni_rc and enum sniff_rc differ");
_Static_assert(HTTP_AGAIN == (int)SNIFF_MORE &&
    HTTP_DONE == (int)SNIFF_DONE && HTTP_ERROR == (int)SNIFF_ERROR,
    "enum http_rc and enum sniff_rc differ");

_Static_assert(HTTP_FR_BODY == (int)SNIFF_FW_PASS &&
    HTTP_FR_PART == (int)SNIFF_FW_HOLD && HTTP_FR_HEAD == (int)SNIFF_FW_HEAD &&
    HTTP_FR_ERROR == (int)SNIFF_FW_ERROR,
    "enum http_frame_rc and enum sniff_follow differ");

/* The counters are named by 16-bit offsets. */
_Static_assert(sizeof(struct proxy_stats) <= UINT16_MAX,
    "struct proxy_stats outgrew SNIFF_STAT()");

#define SNIFF_NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* TLS (and TLCP): sni.c */

static void
sniff_tls_init(union sniff_state *st)
{
	sni_init(&st->sni);
}

static enum sniff_rc
sniff_tls_feed(union sniff_state *st, const uint8_t *buf, size_t len)
{
	return (enum sniff_rc)sni_feed(&st->sni, buf, len);
}

static unsigned
sniff_tls_found(const union sniff_state *st, const char **name, size_t *len)
{
	*name = st->sni.name;
	*len = st->sni.namelen;
	return st->sni.flags;
}

static unsigned
sniff_tls_error(const union sniff_state *st, const char **reason)
{
	*reason = sni_strerror(st->sni.err);
	return st->sni.err;
}

static void
sniff_tls_too_big(union sniff_state *st)
{
	st->sni.err = SNI_E_TOO_BIG;
}

/*
 * A fatal alert (RFC 8446 §6), in the clear as no handshake took place, in
 * the record version the client used (TLCP keeps 0x0101), or TLS 1.0 when
 * that is not one a TLS client understands (or none was read).
 */
static size_t
sniff_tls_reject(const union sniff_state *st, enum sniff_refusal why,
    uint8_t *buf)
{
	/* AlertDescription, RFC 8446 §6.2 */
	static const uint8_t	 alerts[SNIFF_R_COUNT] = {
		[SNIFF_R_BAD_FIRST_FLIGHT] = 50,	/* decode_error */
		[SNIFF_R_NO_ROUTE] = 112,	/* unrecognized_name,
						   RFC 6066 §3 */
		[SNIFF_R_NOT_ALLOWED] = 49,	/* access_denied */
		[SNIFF_R_LIMIT] = 80,		/* internal_error: TLS has
						   no "slow down" */
		[SNIFF_R_UNREACHABLE] = 80,	/* internal_error */
	};
	uint16_t		 v = st->sni.record_version;

	if (v < 0x0101 || (v >> 8) > 3)
		v = 0x0301;
	buf[0] = 21;			/* ContentType alert */
	buf[1] = (uint8_t)(v >> 8);
	buf[2] = (uint8_t)v;
	buf[3] = 0;			/* length: 2 */
	buf[4] = 2;
	buf[5] = 2;			/* AlertLevel fatal */
	buf[6] = alerts[why];
	return 7;
}

static const struct sniff_count sniff_tls_flags[] = {
	{ SNI_F_NO_SNI,		SNIFF_STAT(tls_no_sni) },
	{ SNI_F_SSLV2,		SNIFF_STAT(tls_sslv2) },
	{ SNI_F_TLCP,		SNIFF_STAT(tls_tlcp) },
	{ SNI_F_ECH,		SNIFF_STAT(tls_ech) },
};

static const struct sniff_count sniff_tls_errors[] = {
	{ SNI_E_NOT_TLS,	SNIFF_STAT(tls_not_tls) },
	{ SNI_E_TOO_BIG,	SNIFF_STAT(tls_too_big) },
	{ SNI_E_BAD_NAME,	SNIFF_STAT(tls_bad_name) },
};

/* HTTP/1.x: http.c */

static void
sniff_http_init(union sniff_state *st)
{
	http_init(&st->http);
}

static enum sniff_rc
sniff_http_feed(union sniff_state *st, const uint8_t *buf, size_t len)
{
	return (enum sniff_rc)http_feed(&st->http, buf, len);
}

static unsigned
sniff_http_found(const union sniff_state *st, const char **name, size_t *len)
{
	*name = st->http.host;
	*len = st->http.hostlen;
	return 0;
}

static unsigned
sniff_http_error(const union sniff_state *st, const char **reason)
{
	*reason = http_strerror(st->http.err);
	return st->http.err;
}

static void
sniff_http_too_big(union sniff_state *st)
{
	st->http.err = HTTP_E_TOO_BIG;
}

#define SNIFF_HTTP_STATUS(s)						\
	"HTTP/1.1 " s "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

/*
 * A status line and an empty body, whatever the request's version: the
 * connection is closed after it.  The array bound makes the compiler check
 * SNIFF_REJECT_MAX.
 */
static size_t
sniff_http_reject(const union sniff_state *st, enum sniff_refusal why,
    uint8_t *buf)
{
	static const char	 status[SNIFF_R_COUNT][SNIFF_REJECT_MAX] = {
		[SNIFF_R_BAD_FIRST_FLIGHT] =
		    SNIFF_HTTP_STATUS("400 Bad Request"),
		/* RFC 9110 §15.5.20 */
		[SNIFF_R_NO_ROUTE] =
		    SNIFF_HTTP_STATUS("421 Misdirected Request"),
		[SNIFF_R_NOT_ALLOWED] = SNIFF_HTTP_STATUS("403 Forbidden"),
		/* RFC 6585 §4 */
		[SNIFF_R_LIMIT] = SNIFF_HTTP_STATUS("429 Too Many Requests"),
		[SNIFF_R_UNREACHABLE] =
		    SNIFF_HTTP_STATUS("503 Service Unavailable"),
	};
	size_t			 len = strnlen(status[why], SNIFF_REJECT_MAX);

	(void)st;
	memcpy(buf, status[why], len);
	return len;
}

/* The requests after the first: HTTP/1.1 keep-alive and pipelining. */
static size_t
sniff_http_follow_init(union sniff_follow_state *fw,
    const union sniff_state *st)
{
	http_frame_init(&fw->http, &st->http);
	return st->http.total;
}

static enum sniff_follow
sniff_http_follow(union sniff_follow_state *fw, const uint8_t *buf,
    size_t len, size_t *used)
{
	return (enum sniff_follow)http_frame_feed(&fw->http, buf, len, used);
}

static void
sniff_http_follow_found(const union sniff_follow_state *fw,
    const char **name, size_t *len)
{
	*name = fw->http.head.host;
	*len = fw->http.head.hostlen;
}

static const struct sniff_count sniff_http_errors[] = {
	{ HTTP_E_NOT_HTTP,	SNIFF_STAT(http_not_http) },
	{ HTTP_E_TOO_BIG,	SNIFF_STAT(http_too_big) },
	{ HTTP_E_BAD_HOST,	SNIFF_STAT(http_bad_host) },
	{ HTTP_E_DUP_HOST,	SNIFF_STAT(http_dup_host) },
	{ HTTP_E_NO_HOST,	SNIFF_STAT(http_no_host) },
};

const struct sniffer sniff_table[] = {
	[CONF_TLS] = {
		.name = "tls",
		.init = sniff_tls_init,
		.feed = sniff_tls_feed,
		.found = sniff_tls_found,
		.flags = sniff_tls_flags,
		.nflags = SNIFF_NELEM(sniff_tls_flags),
		.error = sniff_tls_error,
		.errors = sniff_tls_errors,
		.nerrors = SNIFF_NELEM(sniff_tls_errors),
		.malformed = SNIFF_STAT(tls_malformed),
		.too_big = sniff_tls_too_big,
		.reject = sniff_tls_reject,
	},
	[CONF_HTTP] = {
		.name = "http",
		.init = sniff_http_init,
		.feed = sniff_http_feed,
		.found = sniff_http_found,
		.flags = NULL,
		.nflags = 0,
		.error = sniff_http_error,
		.errors = sniff_http_errors,
		.nerrors = SNIFF_NELEM(sniff_http_errors),
		.malformed = SNIFF_STAT(http_malformed),
		.too_big = sniff_http_too_big,
		.reject = sniff_http_reject,
		.follow_init = sniff_http_follow_init,
		.follow = sniff_http_follow,
		.follow_found = sniff_http_follow_found,
		.misdirected = SNIFF_STAT(http_misdirected),
		.follow_error = SNIFF_STAT(http_bad_request),
	},
};

/* The table is sized by its last entry: a protocol added last without one
   fails here rather than as a NULL call. */
_Static_assert(SNIFF_NELEM(sniff_table) == CONF_PROTO_COUNT,
    "a protocol of enum conf_proto has no sniffer");

uint16_t
sniff_error_stat(const struct sniffer *sn, const union sniff_state *st,
    const char **reason)
{
	unsigned	err = sn->error(st, reason);
	size_t		i;

	for (i = 0; i < sn->nerrors; i++)
		if (sn->errors[i].code == err)
			return sn->errors[i].stat;
	return sn->malformed;
}
