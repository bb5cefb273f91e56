/* SPDX-License-Identifier: ISC */
#ifndef V6G_PPIN_H
#define V6G_PPIN_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/*
 * A pure, resumable reader of the PROXY protocol header (v1 text and v2
 * binary, haproxy's proxy-protocol.txt) that a trusted L4 load balancer
 * puts in front of a client's bytes ("accept_proxy").  It reads the bytes
 * as they arrive, split over any number of reads, stops at the header's
 * last byte and says how many of the bytes it was given were the header:
 * the rest is the client's first flight.  No I/O, no allocation, no
 * logging.  It only reads: whom to trust is the caller's business.
 */

#define PPIN_V1_MAX	107	/* a v1 line, CRLF included (§2.1) */
#define PPIN_V2_LEN_MAX	4096	/* cap on v2's length field (addresses and
				   TLVs); the spec allows 65535, no load
				   balancer sends more than a few hundred */

enum ppin_rc {
	PPIN_AGAIN,		/* need more bytes: call ppin_feed() again */
	PPIN_DONE,		/* header complete: see command, src, dst */
	PPIN_ERROR,		/* not a valid header: see err */
};

enum ppin_err {
	PPIN_E_NONE,
	PPIN_E_NOT_PROXY,	/* the first bytes are not a signature */
	PPIN_E_MALFORMED,	/* a field, length or TLV is wrong */
	PPIN_E_TOO_BIG,		/* v2 length > PPIN_V2_LEN_MAX */
};

enum ppin_cmd {
	PPIN_PROXY,		/* src is the client, dst where it went */
	PPIN_LOCAL,		/* v2 LOCAL: the balancer's own (health
				   check): no addresses */
	PPIN_UNKNOWN,		/* v1 UNKNOWN, v2 UNSPEC, UDP or UNIX: no
				   addresses the receiver may use (§2.2) */
};

struct ppin_parser {
	/* results, valid after PPIN_DONE (or err after PPIN_ERROR) */
	enum ppin_err	err;
	uint8_t		version;	/* 1 or 2 once the signature is
					   complete, else 0 */
	uint8_t		command;	/* enum ppin_cmd */
	union addr_sa	src, dst;	/* PPIN_PROXY only */
	uint32_t	total;		/* bytes of the header */

	/* private: see ppin.c */
	uint8_t		state;		/* enum ppin_state */
	uint8_t		have;		/* bytes of buf[] */
	uint8_t		buf[PPIN_V1_MAX];	/* the signature, the v1
						   line, or v2's 16 bytes
						   and its addresses */
	uint8_t		alen;		/* v2 address bytes kept in buf */
	uint16_t	left;		/* v2 bytes after buf's */
	uint16_t	skip;		/* of them, ones skipped as they are:
					   a UNIX block, a TLV's value */
	uint8_t		tlv_have;	/* bytes of a TLV header read */
	uint8_t		tlv_len_hi;	/* its length's first byte */
};

/* Prepare a parser for a new connection. */
void		 ppin_init(struct ppin_parser *);

/*
 * Feed the next len bytes received (only the new ones).  *used is set to
 * how many of them were read: all of them with PPIN_AGAIN, those up to
 * the header's end with PPIN_DONE (the rest is the client's).  Once it
 * returned PPIN_DONE or PPIN_ERROR it keeps returning it with *used 0.
 * PPIN_E_NOT_PROXY comes as soon as a byte leaves both signatures, so a
 * client that sends no header is known at its first bytes.
 */
enum ppin_rc	 ppin_feed(struct ppin_parser *, const uint8_t *, size_t,
		    size_t *used);

/* Whether the bytes so far are a whole signature ("PROXY " or v2's 12
   bytes): a header was meant, however it goes on. */
int		 ppin_signed(const struct ppin_parser *);

/* A short name for an enum ppin_err, for logs. */
const char	*ppin_strerror(enum ppin_err);

#endif
