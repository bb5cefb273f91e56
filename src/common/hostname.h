/* SPDX-License-Identifier: ISC */
#ifndef V6G_HOSTNAME_H
#define V6G_HOSTNAME_H

#include <stddef.h>

#define HOSTNAME_MAX	253	/* RFC 1035 §2.3.4, without the trailing dot */

enum hostname_rc {
	HOSTNAME_OK,
	HOSTNAME_EMPTY,		/* zero length */
	HOSTNAME_TOO_LONG,	/* more than HOSTNAME_MAX bytes */
	HOSTNAME_BAD_CHAR,	/* not letter, digit, '-' or '_' */
	HOSTNAME_BAD_LABEL,	/* empty label (".." or leading dot), > 63 */
	HOSTNAME_TRAILING_DOT,	/* "a.example." (RFC 6066 §3 forbids it) */
	HOSTNAME_IP_LITERAL,	/* "192.0.2.1" or contains ':' */
};

/*
 * Check a DNS host name as RFC 6066 §3 wants it in a server_name: ASCII,
 * dot-separated labels of 1-63 letters, digits, hyphens (and underscores,
 * which real sites use and browsers accept), no trailing dot, not an IP
 * literal.  Pure: no allocation, no logging.
 */
enum hostname_rc	 hostname_check(const char *, size_t);

/* What an enum hostname_rc means, for error messages. */
const char		*hostname_strerror(enum hostname_rc);

/* ASCII lower-case in place. */
void			 hostname_lower(char *, size_t);

#endif
