/* SPDX-License-Identifier: ISC */
#ifndef V6G_SNI_H
#define V6G_SNI_H

#include <stddef.h>
#include <stdint.h>

/*
 * A pure, resumable ClientHello parser: it reads the first flight of a TLS
 * (or TLCP) client byte by byte as it arrives, possibly split over any number
 * of TCP reads and over several TLS records (RFC 8446 §5.1), and finds the
 * server_name (RFC 6066 §3).  No I/O, no allocation, no logging: the caller
 * owns the bytes and forwards them untouched.
 */

#define SNI_HELLO_MAX	16384	/* cap on the ClientHello handshake body */
#define SNI_NAME_MAX	255

enum sni_rc {
	SNI_AGAIN,		/* need more bytes: call sni_feed() again */
	SNI_DONE,		/* ClientHello complete; see name / flags */
	SNI_ERROR,		/* not a valid ClientHello; see err */
};

enum sni_err {
	SNI_E_NONE,
	SNI_E_NOT_TLS,		/* first bytes are not a TLS/TLCP handshake */
	SNI_E_TOO_BIG,		/* handshake body > SNI_HELLO_MAX */
	SNI_E_MALFORMED,	/* a length or field is inconsistent */
	SNI_E_BAD_NAME,		/* server_name fails RFC 6066 §3 */
};

#define SNI_F_NO_SNI	0x01	/* complete hello without server_name */
#define SNI_F_SSLV2	0x02	/* SSLv2-compatible hello (never has SNI) */
#define SNI_F_TLCP	0x04	/* TLCP / GM/T 0024 hello (version 0x0101) */
#define SNI_F_ECH	0x08	/* carries encrypted_client_hello: the name is
				   the outer public name */

struct sni_parser {
	/* results, valid after SNI_DONE (name) or SNI_ERROR (err) */
	char		name[SNI_NAME_MAX + 1];	/* lower-cased, NUL-ended */
	size_t		namelen;		/* 0 when no server_name */
	unsigned	flags;			/* SNI_F_* */
	enum sni_err	err;
	uint16_t	record_version;		/* of the first record, for
						   the version of an alert */

	/* private: the parser's position; see sni.c */
	uint8_t		state;		/* enum sni_state: record layer */
	uint8_t		hs_state;	/* enum sni_hs_state: in the hello */
	uint8_t		seen_record;	/* first record header is complete */
	uint8_t		hdr_have;	/* bytes of hdr[] collected */
	uint8_t		hdr[11];	/* record header, or SSLv2 header */
	uint8_t		field_have;	/* bytes of field[] collected */
	uint8_t		field[4];	/* a length field split over reads */
	uint8_t		name_type;	/* of the server_name entry read */
	uint16_t	rec_left;	/* bytes left in the current record */
	uint32_t	pos;		/* offset in the handshake message */
	uint32_t	hs_end;		/* end of the ClientHello message */
	uint32_t	ext_end;	/* end of the current extension */
	uint32_t	span_end;	/* end of the bytes being skipped */
	uint64_t	ext_seen;	/* extension types 0-63 seen */
};

/* Prepare a parser for a new connection. */
void		 sni_init(struct sni_parser *);

/*
 * Feed the next len bytes received from the client (only the new ones).
 * Returns SNI_AGAIN until the ClientHello is complete, then SNI_DONE; or
 * SNI_ERROR.  Once it returned SNI_DONE or SNI_ERROR it keeps returning it.
 * Bytes after the ClientHello (ChangeCipherSpec, early data) are not looked
 * at.
 */
enum sni_rc	 sni_feed(struct sni_parser *, const uint8_t *, size_t);

/* A short name for an enum sni_err, for counters and logs. */
const char	*sni_strerror(enum sni_err);

#endif
