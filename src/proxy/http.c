/* SPDX-License-Identifier: ISC */
/*
 * A minimal HTTP/1.x request-head reader intended only to find the host a
 * plain-HTTP client asks for, so the connection can be routed like a TLS one
 * is by its server_name.  It reads the request line and the header fields
 * byte by byte as they arrive, split over any number of reads, keeping a few
 * counters and the host being read, never the head itself.  It interprets
 * the request-target (for absolute-form) and the Host field only; every
 * other field is checked for syntax and skipped.  It never looks past the
 * empty line that ends the head, so a body or a pipelined request is left
 * alone.  No I/O, no allocation, no logging.
 *
 * Choices made where RFC 9112 leaves room (each is repeated where it is
 * implemented):
 *  - a bare LF ends a line like CRLF (RFC 9112 §2.2 allows it; nginx and
 *    most servers do it); a CR not followed by LF is an error;
 *  - empty lines before the request line are skipped (RFC 9112 §2.2);
 *  - CONNECT (authority-form) is refused as HTTP_E_MALFORMED: a reverse
 *    proxy has nowhere to route a tunnel request;
 *  - an absolute-form target must use the "http" scheme; its host wins over
 *    the Host field (RFC 9112 §3.2.2), which must still be present once in
 *    HTTP/1.1 and is then only checked for host characters;
 *  - one trailing dot in a host ("a.example.") is removed: clients send it
 *    for fully-qualified names and it names the same host;
 *  - an IPv6 literal is stored without brackets in the canonical text form
 *    (RFC 5952), as inet_ntop() writes it;
 *  - obs-fold is refused (RFC 9112 §5.2 allows it);
 *  - the body's framing is checked here, as the gateway follows it from
 *    one request to the next (http_frame_feed() below): a Content-Length
 *    must be digits, given once; a Transfer-Encoding must be "chunked"
 *    alone, given once, in HTTP/1.1; both together are refused, as RFC
 *    9112 §6.3 allows, since a backend that reads the other one would see
 *    another request than ours (request smuggling);
 *  - an Upgrade field is refused: after a 101 the stream is another
 *    protocol, which the gateway (that does not read the answers) could no
 *    longer tell from requests it must route.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "hostname.h"
#include "http.h"

#define HTTP_METHOD_MAX	32	/* longest method; real ones are <= 16 */
#define HTTP_FIELDS_MAX	100	/* header field lines per request */
#define HTTP_PORT_DIGITS 5	/* "65535"; allows a few leading zeros */
#define HTTP_V6_MAX	45	/* INET6_ADDRSTRLEN - 1 */
#define HTTP_MISMATCH	0xff	/* match: the keyword cannot match anymore */
#define HTTP_CLEN_DIGITS 15	/* Content-Length: < 1 PB, no overflow */
#define HTTP_CHUNK_DIGITS 15	/* chunk-size: hex digits, < 2^60 */

enum http_state {
	HTTP_S_START,		/* before the request line; empty lines are
				   skipped here */
	HTTP_S_METHOD,		/* in the method token */
	HTTP_S_TARGET_START,	/* first byte of the request-target */
	HTTP_S_SCHEME,		/* matching "http://" of an absolute-form */
	HTTP_S_AUTHORITY,	/* host[:port] of an absolute-form */
	HTTP_S_TARGET,		/* rest of the request-target, skipped */
	HTTP_S_ASTERISK,	/* after "*": only SP may follow */
	HTTP_S_VERSION,		/* matching "HTTP/1.<minor>" */
	HTTP_S_LINE_END,	/* after the version: CRLF or LF */
	HTTP_S_FIELD_START,	/* first byte of a field line, or the empty
				   line ending the head */
	HTTP_S_NAME,		/* in a field name */
	HTTP_S_VALUE,		/* in a field value we skip */
	HTTP_S_HOST_VALUE,	/* in the Host field value */
	HTTP_S_CLEN_VALUE,	/* in the Content-Length field value */
	HTTP_S_TE_VALUE,	/* in the Transfer-Encoding field value */
	HTTP_S_CR,		/* after a CR: only LF may follow; then go
				   on in state "saved" */
	HTTP_S_DONE,		/* head complete: returns HTTP_DONE */
	HTTP_S_ERROR,		/* failed: returns HTTP_ERROR, see err */
};

/* Where we are in a host[:port] (RFC 9110 §7.2, RFC 3986 §3.2.2). */
enum http_host_state {
	HTTP_H_START,		/* nothing yet: '[' or a name byte */
	HTTP_H_NAME,		/* reg-name or IPv4address */
	HTTP_H_V6,		/* inside "[...]" */
	HTTP_H_V6_END,		/* after ']': ':' or the end */
	HTTP_H_PORT,		/* after ':': digits */
};

#define HTTP_F_HOST_FIELD	0x01	/* a Host field line was seen */
#define HTTP_F_TARGET_HOST	0x02	/* host came from an absolute-form
					   target; the Host value is not
					   stored */
#define HTTP_F_V6		0x04	/* host being read is "[...]" */
#define HTTP_F_TRAIL		0x08	/* trailing OWS after the Host value */
#define HTTP_F_BAD_TARGET	0x10	/* request-target we cannot route:
					   refused once the line proves to
					   be HTTP/1.x */
#define HTTP_F_CLEN		0x20	/* a Content-Length line was seen */
#define HTTP_F_TE		0x40	/* a Transfer-Encoding line was seen */
#define HTTP_F_VAL		0x80	/* a byte of the value being read */

/* The fields we interpret, by their lower-case names. */
enum http_field {
	HTTP_FD_OTHER,		/* skipped */
	HTTP_FD_HOST,
	HTTP_FD_CLEN,
	HTTP_FD_TE,
	HTTP_FD_UPGRADE,
	HTTP_FD_COUNT
};

static const char *const http_fields[HTTP_FD_COUNT] = {
	[HTTP_FD_HOST] = "host",
	[HTTP_FD_CLEN] = "content-length",
	[HTTP_FD_TE] = "transfer-encoding",
	[HTTP_FD_UPGRADE] = "upgrade",
};

static const char	http_connect[] = "CONNECT";
static const char	http_scheme[] = "http://";
static const char	http_version[] = "HTTP/1.";
static const char	http_chunked[] = "chunked";

/* tchar, RFC 9110 §5.6.2 */
static int
http_is_tchar(uint8_t c)
{
	if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/*
 * A byte that may appear in a request-target.  RFC 9112 §3.2 wants a URI
 * reference, but like most servers we only refuse what would break the
 * framing (controls, DEL) and let the backend judge the rest, including raw
 * UTF-8.
 */
static int
http_is_target(uint8_t c)
{
	return c > 0x20 && c != 0x7f;
}

static int
http_lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static void
http_fail(struct http_parser *p, enum http_err err)
{
	p->state = HTTP_S_ERROR;
	p->err = err;
	/* Never leave a half-read host for a caller to log or route by. */
	p->host[0] = '\0';
	p->hostlen = 0;
	p->port = 0;
}

/* Ends a line with CR: the next byte must be LF, then state goes on. */
static void
http_cr(struct http_parser *p)
{
	p->saved = p->state;
	p->state = HTTP_S_CR;
}

static void
http_host_begin(struct http_parser *p)
{
	p->hstate = HTTP_H_START;
	p->vlen = 0;
	p->portval = 0;
	p->ndigits = 0;
	p->flags &= ~(HTTP_F_V6 | HTTP_F_TRAIL);
}

static int
http_host_put(struct http_parser *p, uint8_t c)
{
	/* 253 + a trailing dot fit; "[...]" is capped lower. */
	if (p->vlen >= HTTP_HOST_MAX)
		return -1;
	/* The Host value beside an absolute-form target is only checked. */
	if (!(p->flags & HTTP_F_TARGET_HOST) || p->state == HTTP_S_AUTHORITY)
		p->host[p->vlen] = (char)c;
	p->vlen++;
	return 0;
}

/*
 * One byte of host[:port] that the caller did not take as a terminator.
 * Returns 0, or -1 if it cannot be part of a host we can route by.  Only
 * letters, digits, '-', '_' and '.' go into a name (what hostname_check()
 * accepts); RFC 3986 reg-name would allow more (pct-encoded, sub-delims)
 * but no DNS name has them.
 */
static int
http_host_byte(struct http_parser *p, uint8_t c)
{
	switch (p->hstate) {
	case HTTP_H_START:
		if (c == '[') {
			p->flags |= HTTP_F_V6;
			p->hstate = HTTP_H_V6;
			return 0;
		}
		p->hstate = HTTP_H_NAME;
		/* FALLTHROUGH */
	case HTTP_H_NAME:
		if (c == ':') {
			p->hstate = HTTP_H_PORT;
			return 0;
		}
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
		    (c >= 'A' && c <= 'Z') || c == '-' || c == '_' ||
		    c == '.'))
			return -1;
		return http_host_put(p, c);
	case HTTP_H_V6:
		if (c == ']') {
			p->hstate = HTTP_H_V6_END;
			return 0;
		}
		/* Hex, ':' and '.' (for "::ffff:192.0.2.1"); no zone id. */
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		    (c >= 'A' && c <= 'F') || c == ':' || c == '.') ||
		    p->vlen >= HTTP_V6_MAX)
			return -1;
		return http_host_put(p, c);
	case HTTP_H_V6_END:
		if (c != ':')
			return -1;
		p->hstate = HTTP_H_PORT;
		return 0;
	case HTTP_H_PORT:
		if (c < '0' || c > '9' || ++p->ndigits > HTTP_PORT_DIGITS)
			return -1;
		p->portval = p->portval * 10 + (c - '0');
		return 0;
	}
	return -1;
}

/*
 * The host[:port] read is complete and not empty: check it and, unless it
 * is a Host value overridden by an absolute-form target, make it the
 * result.  Returns 0 or -1.
 */
static int
http_host_end(struct http_parser *p)
{
	struct in6_addr	 a6;
	struct in_addr	 a4;
	size_t		 len = p->vlen;
	enum hostname_rc rc;

	if (p->hstate == HTTP_H_V6 || len == 0)
		return -1;		/* "[::1", ":80", "[]" */
	/*
	 * RFC 3986 §3.2.3 allows an empty port ("a.example:"), meaning the
	 * default; port 0 is not one a client can have connected to.
	 */
	if (p->ndigits > 0 && (p->portval == 0 || p->portval > 65535))
		return -1;
	if ((p->flags & HTTP_F_TARGET_HOST) && p->state != HTTP_S_AUTHORITY)
		return 0;

	p->host[len] = '\0';
	if (p->flags & HTTP_F_V6) {
		if (inet_pton(AF_INET6, p->host, &a6) != 1 ||
		    inet_ntop(AF_INET6, &a6, p->host, sizeof(p->host)) == NULL)
			return -1;
		len = strlen(p->host);
	} else {
		/*
		 * One trailing dot is dropped rather than refused: "a.example."
		 * is the same host written fully qualified, and clients send
		 * it.  hostname_check() refuses what would remain of "a..".
		 */
		if (p->host[len - 1] == '.')
			p->host[--len] = '\0';
		rc = hostname_check(p->host, len);
		if (rc == HOSTNAME_IP_LITERAL) {
			/* Dotted quad only; inet_pton() refuses "010.1.1.1". */
			if (inet_pton(AF_INET, p->host, &a4) != 1)
				return -1;
		} else if (rc != HOSTNAME_OK)
			return -1;
		hostname_lower(p->host, len);
	}
	p->hostlen = len;
	p->port = (uint16_t)p->portval;
	return 0;
}

/* The Host field line ended (at CR or LF). */
static void
http_host_field_end(struct http_parser *p)
{
	if (p->hstate == HTTP_H_START) {
		/*
		 * Empty value.  RFC 9112 §3.2 wants one for a target without
		 * authority, which HTTP/1.1 clients never use with us; we
		 * cannot route it.  HTTP/1.0 predates Host: treat as absent.
		 * Beside an absolute-form target it is ignored anyway.
		 */
		if (p->minor == 1 && !(p->flags & HTTP_F_TARGET_HOST))
			http_fail(p, HTTP_E_BAD_HOST);
		return;
	}
	if (http_host_end(p) == -1)
		http_fail(p, HTTP_E_BAD_HOST);
}

/* The empty line: the head is complete. */
static void
http_head_end(struct http_parser *p)
{
	/* RFC 9112 §3.2: a server MUST reject HTTP/1.1 without Host. */
	if (p->minor == 1 && !(p->flags & HTTP_F_HOST_FIELD)) {
		http_fail(p, HTTP_E_NO_HOST);
		return;
	}
	/*
	 * RFC 9112 §6.1: Transfer-Encoding with Content-Length "ought to be
	 * handled as an error" and in HTTP/1.0 the framing is faulty: both
	 * are how a request is smuggled past a proxy.
	 */
	if ((p->flags & HTTP_F_TE) &&
	    ((p->flags & HTTP_F_CLEN) || p->minor == 0)) {
		http_fail(p, HTTP_E_FRAMING);
		return;
	}
	if (p->flags & HTTP_F_TE)
		p->body = HTTP_B_CHUNKED;
	else
		p->body = p->clen > 0 ? HTTP_B_LENGTH : HTTP_B_NONE;
	p->host[p->hostlen] = '\0';
	p->state = HTTP_S_DONE;
}

/* A byte of the request-target after what we had to look at. */
static void
http_target_byte(struct http_parser *p, uint8_t c)
{
	p->state = HTTP_S_TARGET;
	if (c == ' ') {
		p->state = HTTP_S_VERSION;
		p->match = 0;
	} else if (c == '\r' || c == '\n')
		/* "GET /" alone is HTTP/0.9, which we do not speak. */
		http_fail(p, HTTP_E_NOT_HTTP);
	else if (!http_is_target(c))
		http_fail(p, HTTP_E_MALFORMED);
}

static void
http_request_line(struct http_parser *p, uint8_t c)
{
	switch (p->state) {
	case HTTP_S_START:
		/* RFC 9112 §2.2: SHOULD ignore empty lines before it. */
		if (c == '\r')
			http_cr(p);
		else if (c == '\n')
			;
		else if (http_is_tchar(c)) {
			p->state = HTTP_S_METHOD;
			p->toklen = 1;
			p->match = c == http_connect[0] ? 1 : HTTP_MISMATCH;
		} else
			/* A TLS record (0x16), SSLv2 hello, binary. */
			http_fail(p, HTTP_E_NOT_HTTP);
		break;
	case HTTP_S_METHOD:
		if (c == ' ') {
			/*
			 * RFC 9112 §3.2.3: CONNECT asks for a tunnel to an
			 * authority-form host:port.  We are a gateway to
			 * configured services, not a forward proxy: refuse.
			 */
			if (p->match == sizeof(http_connect) - 1)
				http_fail(p, HTTP_E_MALFORMED);
			else
				p->state = HTTP_S_TARGET_START;
		} else if (!http_is_tchar(c) || ++p->toklen > HTTP_METHOD_MAX)
			http_fail(p, HTTP_E_NOT_HTTP);
		else if (p->match < sizeof(http_connect) - 1 &&
		    c == (uint8_t)http_connect[p->match])
			p->match++;
		else
			p->match = HTTP_MISMATCH;
		break;
	case HTTP_S_TARGET_START:
		/* RFC 9112 §3.2: the four forms. */
		if (c == '/')
			p->state = HTTP_S_TARGET;
		else if (c == '*')
			p->state = HTTP_S_ASTERISK;
		else if (http_lower(c) == http_scheme[0]) {
			p->state = HTTP_S_SCHEME;
			p->match = 1;
		} else if (c == ' ')
			/* RFC 9112 §3: no whitespace in the target. */
			http_fail(p, HTTP_E_MALFORMED);
		else {
			/*
			 * Not a form we route by.  Whether that is a bad
			 * HTTP request or no HTTP at all ("SSH-2.0-x y") the
			 * version will tell.
			 */
			p->flags |= HTTP_F_BAD_TARGET;
			http_target_byte(p, c);
		}
		break;
	case HTTP_S_SCHEME:
		/*
		 * The scheme is case-insensitive (RFC 3986 §3.1).  Another
		 * scheme, a relative reference, or a host:port without
		 * CONNECT is not routable.
		 */
		if (http_lower(c) != http_scheme[p->match]) {
			p->flags |= HTTP_F_BAD_TARGET;
			http_target_byte(p, c);
		} else if (++p->match == sizeof(http_scheme) - 1) {
			p->state = HTTP_S_AUTHORITY;
			p->flags |= HTTP_F_TARGET_HOST;
			http_host_begin(p);
		}
		break;
	case HTTP_S_AUTHORITY:
		/*
		 * RFC 9112 §3.2.2: the target's authority is the host.  It
		 * ends at the path, the query, or the end of the target.
		 * A userinfo ('@') is an error (RFC 9110 §4.2.4).
		 */
		if (c != ' ' && !http_is_target(c))
			http_fail(p, HTTP_E_MALFORMED);
		else if (c == '/' || c == '?' || c == ' ') {
			if (p->hstate == HTTP_H_START || http_host_end(p) == -1)
				http_fail(p, HTTP_E_BAD_HOST);
			else if (c == ' ') {
				p->state = HTTP_S_VERSION;
				p->match = 0;
			} else
				p->state = HTTP_S_TARGET;
		} else if (http_host_byte(p, c) == -1)
			http_fail(p, HTTP_E_BAD_HOST);
		break;
	case HTTP_S_TARGET:
		http_target_byte(p, c);
		break;
	case HTTP_S_ASTERISK:
		if (c == ' ') {
			p->state = HTTP_S_VERSION;
			p->match = 0;
		} else
			http_fail(p, HTTP_E_MALFORMED);
		break;
	case HTTP_S_VERSION:
		/*
		 * RFC 9112 §2.3: "HTTP" is case-sensitive.  Another protocol
		 * (RTSP/1.0, SIP/2.0) or major version, notably the h2
		 * preface "PRI * HTTP/2.0" (RFC 9113 §3.4), is not ours.
		 */
		if (p->match < sizeof(http_version) - 1) {
			if (c == (uint8_t)http_version[p->match])
				p->match++;
			else if (p->match < 6)	/* before the '.' */
				http_fail(p, HTTP_E_NOT_HTTP);
			else
				http_fail(p, HTTP_E_MALFORMED);
		} else if (p->flags & HTTP_F_BAD_TARGET)
			http_fail(p, HTTP_E_MALFORMED);
		else if (c == '0' || c == '1') {
			p->minor = c - '0';
			p->state = HTTP_S_LINE_END;
		} else
			/* HTTP/1.2 and up do not exist. */
			http_fail(p, HTTP_E_MALFORMED);
		break;
	case HTTP_S_LINE_END:
		if (c == '\r')
			http_cr(p);
		else if (c == '\n')
			p->state = HTTP_S_FIELD_START;
		else
			http_fail(p, HTTP_E_MALFORMED);
		break;
	default:
		break;
	}
}

/* The ':' after the name of a field we interpret. */
static void
http_field_name(struct http_parser *p)
{
	p->flags &= ~(HTTP_F_VAL | HTTP_F_TRAIL);
	switch (p->field) {
	case HTTP_FD_HOST:
		/*
		 * RFC 9112 §3.2: more than one Host line MUST be rejected;
		 * backends disagree on which one wins.
		 */
		if (p->flags & HTTP_F_HOST_FIELD) {
			http_fail(p, HTTP_E_DUP_HOST);
			break;
		}
		p->flags |= HTTP_F_HOST_FIELD;
		p->state = HTTP_S_HOST_VALUE;
		http_host_begin(p);
		break;
	case HTTP_FD_CLEN:
		/*
		 * RFC 9110 §8.6 lets a recipient accept a list of equal
		 * values; a second line is refused instead, as backends
		 * disagree on which wins.
		 */
		if (p->flags & HTTP_F_CLEN) {
			http_fail(p, HTTP_E_FRAMING);
			break;
		}
		p->flags |= HTTP_F_CLEN;
		p->state = HTTP_S_CLEN_VALUE;
		p->clen = 0;
		p->ndigits = 0;
		break;
	case HTTP_FD_TE:
		if (p->flags & HTTP_F_TE) {
			http_fail(p, HTTP_E_FRAMING);
			break;
		}
		p->flags |= HTTP_F_TE;
		p->state = HTTP_S_TE_VALUE;
		p->match = 0;
		break;
	case HTTP_FD_UPGRADE:
		http_fail(p, HTTP_E_UPGRADE);
		break;
	default:
		p->state = HTTP_S_VALUE;
		break;
	}
}

/*
 * A byte of a Content-Length or Transfer-Encoding value (RFC 9112 §5.1:
 * surrounded by OWS).  Returns 0, or -1 when the framing is bad.
 */
static int
http_framing_byte(struct http_parser *p, uint8_t c)
{
	if (c == ' ' || c == '\t') {
		if (p->flags & HTTP_F_VAL)
			p->flags |= HTTP_F_TRAIL;
		return 0;
	}
	if (p->flags & HTTP_F_TRAIL)
		return -1;		/* "1 2", "chunked x" */
	p->flags |= HTTP_F_VAL;
	if (p->state == HTTP_S_CLEN_VALUE) {
		/* RFC 9110 §8.6: 1*DIGIT; no sign, no list. */
		if (c < '0' || c > '9' || ++p->ndigits > HTTP_CLEN_DIGITS)
			return -1;
		p->clen = p->clen * 10 + (uint64_t)(c - '0');
		return 0;
	}
	/* Only "chunked", in any case (RFC 9112 §7): another coding, or a
	   list, is one the backend might read differently. */
	if (p->match >= sizeof(http_chunked) - 1 ||
	    http_lower(c) != (uint8_t)http_chunked[p->match])
		return -1;
	p->match++;
	return 0;
}

/* The Content-Length or Transfer-Encoding line ended. */
static int
http_framing_end(struct http_parser *p)
{
	if (!(p->flags & HTTP_F_VAL))
		return -1;		/* empty */
	if (p->state == HTTP_S_TE_VALUE &&
	    p->match != sizeof(http_chunked) - 1)
		return -1;		/* "chunk" */
	return 0;
}

static void
http_field(struct http_parser *p, uint8_t c)
{
	unsigned	i;

	switch (p->state) {
	case HTTP_S_FIELD_START:
		if (c == '\r')
			http_cr(p);
		else if (c == '\n')
			http_head_end(p);
		else if (http_is_tchar(c)) {
			if (++p->nfields > HTTP_FIELDS_MAX) {
				http_fail(p, HTTP_E_TOO_BIG);
				break;
			}
			p->state = HTTP_S_NAME;
			/* The names we look for differ in their first byte. */
			p->field = HTTP_FD_OTHER;
			for (i = 1; i < HTTP_FD_COUNT; i++)
				if (http_fields[i][0] == http_lower(c))
					p->field = (uint8_t)i;
			p->match = 1;
		} else
			/*
			 * Includes a line starting with SP or HTAB: obs-fold,
			 * which RFC 9112 §5.2 lets a server reject, and which
			 * could hide a second Host from us but not from the
			 * backend.
			 */
			http_fail(p, HTTP_E_MALFORMED);
		break;
	case HTTP_S_NAME:
		if (c == ':') {
			if (p->field == HTTP_FD_OTHER ||
			    http_fields[p->field][p->match] != '\0')
				p->state = HTTP_S_VALUE;
			else
				http_field_name(p);
		} else if (!http_is_tchar(c))
			/* Also SP before ':': RFC 9112 §5.1 MUST reject. */
			http_fail(p, HTTP_E_MALFORMED);
		else if (p->field != HTTP_FD_OTHER &&
		    http_fields[p->field][p->match] == http_lower(c))
			p->match++;
		else
			p->field = HTTP_FD_OTHER;
		break;
	case HTTP_S_VALUE:
		/*
		 * RFC 9110 §5.5: NUL MUST be rejected (CR is handled by the
		 * CR state).  Other bytes of fields we do not interpret are
		 * the backend's business.
		 */
		if (c == '\r')
			http_cr(p);
		else if (c == '\n')
			p->state = HTTP_S_FIELD_START;
		else if (c == '\0')
			http_fail(p, HTTP_E_MALFORMED);
		break;
	case HTTP_S_HOST_VALUE:
		/* RFC 9112 §5.1: field-value is surrounded by OWS. */
		if (c == '\r' || c == '\n') {
			http_host_field_end(p);
			if (p->state == HTTP_S_ERROR)
				break;
			if (c == '\r') {
				/* The LF that must follow ends a VALUE line. */
				p->state = HTTP_S_VALUE;
				http_cr(p);
			} else
				p->state = HTTP_S_FIELD_START;
		} else if (c == ' ' || c == '\t') {
			if (p->hstate != HTTP_H_START)
				p->flags |= HTTP_F_TRAIL;
		} else if ((p->flags & HTTP_F_TRAIL) ||
		    http_host_byte(p, c) == -1)
			http_fail(p, HTTP_E_BAD_HOST);
		break;
	case HTTP_S_CLEN_VALUE:
	case HTTP_S_TE_VALUE:
		if (c == '\r' || c == '\n') {
			if (http_framing_end(p) == -1) {
				http_fail(p, HTTP_E_FRAMING);
				break;
			}
			if (c == '\r') {
				p->state = HTTP_S_VALUE;
				http_cr(p);
			} else
				p->state = HTTP_S_FIELD_START;
		} else if (c == '\0' || http_framing_byte(p, c) == -1)
			http_fail(p, HTTP_E_FRAMING);
		break;
	default:
		break;
	}
}

void
http_init(struct http_parser *p)
{
	memset(p, 0, sizeof(*p));
	p->state = HTTP_S_START;
	p->err = HTTP_E_NONE;
}

enum http_rc
http_feed(struct http_parser *p, const uint8_t *buf, size_t len)
{
	size_t	i;
	uint8_t	c;

	for (i = 0; i < len; i++) {
		if (p->state == HTTP_S_DONE || p->state == HTTP_S_ERROR)
			break;
		c = buf[i];
		if (++p->total > HTTP_HEAD_MAX) {
			http_fail(p, HTTP_E_TOO_BIG);
			break;
		}
		if (p->state == HTTP_S_CR) {
			/*
			 * RFC 9112 §2.2: a bare CR MUST be treated as invalid
			 * (or replaced, which would change what the backend
			 * sees).  Before any request line it is just binary.
			 */
			if (c != '\n') {
				http_fail(p, p->saved == HTTP_S_START ?
				    HTTP_E_NOT_HTTP : HTTP_E_MALFORMED);
				break;
			}
			p->state = p->saved;
		}
		if (p->state < HTTP_S_FIELD_START)
			http_request_line(p, c);
		else
			http_field(p, c);
	}
	switch (p->state) {
	case HTTP_S_DONE:
		return HTTP_DONE;
	case HTTP_S_ERROR:
		return HTTP_ERROR;
	default:
		return HTTP_AGAIN;
	}
}

const char *
http_strerror(enum http_err err)
{
	switch (err) {
	case HTTP_E_NONE:
		return "none";
	case HTTP_E_NOT_HTTP:
		return "not_http";
	case HTTP_E_TOO_BIG:
		return "too_big";
	case HTTP_E_MALFORMED:
		return "malformed";
	case HTTP_E_BAD_HOST:
		return "bad_host";
	case HTTP_E_DUP_HOST:
		return "dup_host";
	case HTTP_E_NO_HOST:
		return "no_host";
	case HTTP_E_FRAMING:
		return "bad_framing";
	case HTTP_E_UPGRADE:
		return "upgrade";
	}
	return "unknown";
}

/*
 * The framing of the requests after the first (http.h).  A head is read by
 * the parser above; a body is counted, never looked at, except for the
 * lines of the chunked coding (RFC 9112 §7.1):
 *
 *   chunked-body = *chunk last-chunk trailer-section CRLF
 *   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
 *
 * Choices, all toward refusing what two readers could frame differently:
 * chunk lines must end in CRLF (a bare LF is where parsers disagree); at
 * most 15 hex digits of size; only BWS, then ';', after the size; no
 * control bytes in an extension; a trailer section is field lines (a
 * token, ':', a value) of at most HTTP_HEAD_MAX bytes in all.
 */
enum http_phase {
	HTTP_P_HEAD,		/* in a request head, or before one */
	HTTP_P_NEXT,		/* a message ended: the next feed starts a
				   head */
	HTTP_P_LENGTH,		/* in a Content-Length body */
	HTTP_P_SIZE,		/* in a chunk-size */
	HTTP_P_SIZE_WS,		/* BWS after the chunk-size */
	HTTP_P_EXT,		/* in a chunk-ext */
	HTTP_P_SIZE_LF,		/* CR seen after a chunk-size line */
	HTTP_P_DATA,		/* in chunk-data */
	HTTP_P_DATA_CR,		/* after chunk-data: CR */
	HTTP_P_DATA_LF,		/* after chunk-data: LF */
	HTTP_P_TRAILER,		/* start of a trailer line, or the CRLF
				   that ends the message */
	HTTP_P_TRAILER_NAME,	/* in a trailer field name */
	HTTP_P_TRAILER_LINE,	/* in a trailer field value */
	HTTP_P_TRAILER_LF,	/* CR seen after a trailer line */
	HTTP_P_END_LF,		/* CR seen ending the message */
	HTTP_P_ERROR,
};

static int
http_hex(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (uint8_t)http_lower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* The head in f->head is complete: what follows it. */
static void
http_frame_body(struct http_frame *f)
{
	switch (f->head.body) {
	case HTTP_B_CHUNKED:
		f->phase = HTTP_P_SIZE;
		f->ndigits = 0;
		f->left = 0;
		break;
	case HTTP_B_LENGTH:
		f->phase = HTTP_P_LENGTH;
		f->left = f->head.clen;
		break;
	default:
		f->phase = HTTP_P_NEXT;
		break;
	}
}

void
http_frame_init(struct http_frame *f, const struct http_parser *head)
{
	memset(f, 0, sizeof(*f));
	if (head == NULL) {
		f->phase = HTTP_P_NEXT;
		return;
	}
	f->head = *head;
	http_frame_body(f);
}

/* One byte of a chunk line or of the trailer section; 0 or -1. */
static int
http_frame_byte(struct http_frame *f, uint8_t c)
{
	int	d;

	switch (f->phase) {
	case HTTP_P_SIZE:
		if ((d = http_hex(c)) >= 0) {
			if (++f->ndigits > HTTP_CHUNK_DIGITS)
				return -1;
			f->left = f->left << 4 | (uint64_t)d;
			return 0;
		}
		if (f->ndigits == 0)
			return -1;	/* "; ext" or "\r\n" without a size */
		/* FALLTHROUGH */
	case HTTP_P_SIZE_WS:
		if (c == ' ' || c == '\t')
			f->phase = HTTP_P_SIZE_WS;
		else if (c == ';')
			f->phase = HTTP_P_EXT;
		else if (c == '\r')
			f->phase = HTTP_P_SIZE_LF;
		else
			return -1;	/* "5 5", "5\n", "0x5" */
		return 0;
	case HTTP_P_EXT:
		/* Its syntax is the backend's business; not its framing. */
		if (c == '\r')
			f->phase = HTTP_P_SIZE_LF;
		else if ((c < 0x20 && c != '\t') || c == 0x7f)
			return -1;
		return 0;
	case HTTP_P_SIZE_LF:
		if (c != '\n')
			return -1;
		f->phase = f->left == 0 ? HTTP_P_TRAILER : HTTP_P_DATA;
		f->ndigits = 0;
		f->tbytes = 0;
		return 0;
	case HTTP_P_DATA_CR:
		if (c != '\r')
			return -1;
		f->phase = HTTP_P_DATA_LF;
		return 0;
	case HTTP_P_DATA_LF:
		if (c != '\n')
			return -1;
		f->phase = HTTP_P_SIZE;
		return 0;
	case HTTP_P_TRAILER:
		if (c == '\r')
			f->phase = HTTP_P_END_LF;
		else if (http_is_tchar(c))
			f->phase = HTTP_P_TRAILER_NAME;
		else
			return -1;	/* obs-fold, bare LF */
		return 0;
	case HTTP_P_TRAILER_NAME:
		/* a field line (RFC 9112 §5): not a request line */
		if (c == ':')
			f->phase = HTTP_P_TRAILER_LINE;
		else if (!http_is_tchar(c))
			return -1;
		return 0;
	case HTTP_P_TRAILER_LINE:
		if (c == '\r')
			f->phase = HTTP_P_TRAILER_LF;
		else if (c == '\0' || c == '\n')
			return -1;
		return 0;
	case HTTP_P_TRAILER_LF:
		if (c != '\n')
			return -1;
		f->phase = HTTP_P_TRAILER;
		return 0;
	case HTTP_P_END_LF:
		if (c != '\n')
			return -1;
		f->phase = HTTP_P_NEXT;
		return 0;
	default:
		return -1;
	}
}

static enum http_frame_rc
http_frame_fail(struct http_frame *f, enum http_err err)
{
	f->phase = HTTP_P_ERROR;
	f->err = err;
	return HTTP_FR_ERROR;
}

enum http_frame_rc
http_frame_feed(struct http_frame *f, const uint8_t *buf, size_t len,
    size_t *used)
{
	size_t		i = 0, n;
	uint32_t	before;
	enum http_rc	rc;

	*used = 0;
	if (f->phase == HTTP_P_NEXT) {
		http_init(&f->head);
		f->phase = HTTP_P_HEAD;
	}
	switch (f->phase) {
	case HTTP_P_ERROR:
		return HTTP_FR_ERROR;
	case HTTP_P_HEAD:
		before = f->head.total;
		rc = http_feed(&f->head, buf, len);
		if (rc == HTTP_AGAIN) {
			*used = len;
			return HTTP_FR_PART;
		}
		if (rc == HTTP_ERROR)
			return http_frame_fail(f, f->head.err);
		*used = f->head.total - before;
		http_frame_body(f);
		return HTTP_FR_HEAD;
	default:
		break;
	}
	while (i < len && f->phase != HTTP_P_NEXT) {
		if (f->phase == HTTP_P_LENGTH || f->phase == HTTP_P_DATA) {
			n = len - i < f->left ? len - i : (size_t)f->left;
			i += n;
			f->left -= n;
			if (f->left == 0)
				f->phase = f->phase == HTTP_P_LENGTH ?
				    HTTP_P_NEXT : HTTP_P_DATA_CR;
			continue;
		}
		if (f->phase >= HTTP_P_TRAILER && f->phase <= HTTP_P_END_LF &&
		    ++f->tbytes > HTTP_HEAD_MAX)
			return http_frame_fail(f, HTTP_E_TOO_BIG);
		if (http_frame_byte(f, buf[i++]) == -1)
			return http_frame_fail(f, HTTP_E_FRAMING);
	}
	*used = i;
	return HTTP_FR_BODY;
}
