/* SPDX-License-Identifier: ISC */
#ifndef V6G_HTTP_H
#define V6G_HTTP_H

#include <stddef.h>
#include <stdint.h>

/*
 * A bounded, resumable HTTP/1.x request-head parser that finds the host a
 * plain-HTTP client asks for (RFC 9112 §3.2: the Host header, or the
 * authority of an absolute-form request target).  No I/O, no allocation, no
 * logging: the caller owns the bytes and forwards them untouched.
 */

#define HTTP_HEAD_MAX	16384	/* cap on the request line + headers */
#define HTTP_HOST_MAX	255

enum http_rc {
	HTTP_AGAIN,		/* need more bytes */
	HTTP_DONE,		/* request head complete; see host */
	HTTP_ERROR,		/* bad request; see err */
};

enum http_err {
	HTTP_E_NONE,
	HTTP_E_NOT_HTTP,	/* not an HTTP/1.x request line */
	HTTP_E_TOO_BIG,		/* head longer than HTTP_HEAD_MAX */
	HTTP_E_MALFORMED,	/* bad request line or header syntax */
	HTTP_E_BAD_HOST,	/* Host value is not a name or IP literal */
	HTTP_E_DUP_HOST,	/* more than one Host (RFC 9112 §3.2) */
	HTTP_E_NO_HOST,		/* HTTP/1.1 without Host (RFC 9112 §3.2) */
	HTTP_E_FRAMING,		/* bad Content-Length or Transfer-Encoding,
				   both, or a bad chunk (RFC 9112 §6.3) */
	HTTP_E_UPGRADE,		/* an Upgrade field (RFC 9110 §7.8) */
};

/* How the request's body is framed, after HTTP_DONE (RFC 9112 §6.3). */
enum http_body {
	HTTP_B_NONE,		/* no body: the next request follows */
	HTTP_B_LENGTH,		/* Content-Length bytes (clen > 0) */
	HTTP_B_CHUNKED,		/* Transfer-Encoding: chunked */
};

struct http_parser {
	/* results, valid after HTTP_DONE (host) or HTTP_ERROR (err) */
	char		host[HTTP_HOST_MAX + 1];	/* lower-cased, without
							   port; IPv6 literal
							   without brackets */
	size_t		hostlen;	/* 0: HTTP/1.0 without Host */
	uint16_t	port;		/* port in Host, 0 if none */
	int		minor;		/* HTTP/1.<minor> */
	enum http_err	err;
	uint64_t	clen;		/* Content-Length */
	uint8_t		body;		/* enum http_body */

	/* private: the parser's position; see http.c */
	uint32_t	total;		/* head bytes consumed so far */
	uint32_t	portval;	/* digits of the port being read */
	uint16_t	nfields;	/* header field lines seen */
	uint16_t	vlen;		/* bytes of the host being read */
	uint8_t		state;		/* enum http_state */
	uint8_t		saved;		/* state to resume at the LF after
					   a CR */
	uint8_t		hstate;		/* enum http_host_state */
	uint8_t		toklen;		/* method length */
	uint8_t		match;		/* bytes of a keyword matched */
	uint8_t		field;		/* enum http_field being matched */
	uint8_t		ndigits;	/* port or length digits read */
	uint16_t	flags;		/* HTTP_F_* */
};

void		 http_init(struct http_parser *);

/*
 * Feed the next len bytes received (only the new ones).  Returns HTTP_AGAIN
 * until the empty line that ends the head, then HTTP_DONE; or HTTP_ERROR.
 * Once done or failed it keeps returning that.
 */
enum http_rc	 http_feed(struct http_parser *, const uint8_t *, size_t);

const char	*http_strerror(enum http_err);

/*
 * The framing of a client's byte stream after its first request head
 * (RFC 9112 §6): request heads, each parsed as above, then the body each
 * announces, by Content-Length or chunked (chunk sizes, extensions,
 * trailers), then the next head, pipelined or not.  The caller forwards
 * bytes as they are; this only says which bytes are what, and stops at the
 * end of each head so that the caller can route it before forwarding it.
 * Bounded, resumable, no allocation.
 */
enum http_frame_rc {
	HTTP_FR_BODY,		/* *used bytes of a body: forward them */
	HTTP_FR_PART,		/* all len bytes belong to a head not
				   complete yet: hold them */
	HTTP_FR_HEAD,		/* a head ended after *used bytes (it began
				   where the last HTTP_FR_BODY or HTTP_FR_HEAD
				   ended): see head, then forward */
	HTTP_FR_ERROR,		/* bad framing or head: see err */
};

struct http_frame {
	struct http_parser head;	/* the last request head */
	uint64_t	 left;		/* body or chunk-data bytes to go */
	enum http_err	 err;
	uint16_t	 tbytes;	/* trailer-section bytes so far */
	uint8_t		 phase;		/* enum http_phase; see http.c */
	uint8_t		 ndigits;	/* chunk-size digits */
};

/*
 * Start after a first flight that http_feed() completed: its body is
 * next.  (Or from nothing, with head NULL: a request head is next.)
 */
void		 http_frame_init(struct http_frame *,
		    const struct http_parser *);

/*
 * Take the next bytes of the stream; len > 0.  Returns what the first
 * *used of them are (all of them for HTTP_FR_PART); call again with the
 * rest.  After HTTP_FR_ERROR it keeps failing.
 */
enum http_frame_rc http_frame_feed(struct http_frame *, const uint8_t *,
		    size_t, size_t *);

#endif
