/* SPDX-License-Identifier: ISC */
#ifndef V6G_PPHDR_H
#define V6G_PPHDR_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/*
 * The PROXY protocol header a backend receives before the client's first
 * byte (haproxy.org/download/2.6/doc/proxy-protocol.txt): version 1, one
 * text line, or version 2, binary, with the TLVs PP2_TYPE_AUTHORITY (the
 * SNI or Host) and PP2_TYPE_UNIQUE_ID (the connection id of the audit log).
 * An IPv4 client is TCP4 and an IPv6 client TCP6; an IPv4-mapped IPv6
 * address (::ffff:a.b.c.d) is written as the IPv4 address it is.
 */

/* PROXY protocol toward a backend: none, or the header's version. */
enum pphdr_version {
	PPHDR_NONE,
	PPHDR_V1,		/* text line */
	PPHDR_V2,		/* binary, with AUTHORITY and UNIQUE_ID */
};

/* v2: 16 fixed + 36 (TCP6) + 3 + 255 (AUTHORITY) + 3 + 128 (UNIQUE_ID). */
#define PPHDR_MAX		441
#define PPHDR_AUTHORITY_MAX	255
#define PPHDR_UNIQUE_ID_MAX	128

struct pphdr {
	const union addr_sa	*src;		/* the client */
	const union addr_sa	*dst;		/* the address it connected to */
	const char		*authority;	/* SNI or Host, or NULL */
	size_t			 authority_len;
	const char		*unique_id;	/* or NULL */
	size_t			 unique_id_len;
};

/*
 * Write the header of version (PPHDR_V1 or PPHDR_V2) into buf.
 * Returns its length, or 0 when it cannot be written (cap too small, a
 * TLV too long, version NONE).  Addresses of two different families, or
 * of neither, give "PROXY UNKNOWN" (v1) or AF_UNSPEC (v2).
 */
size_t	pphdr_write(enum pphdr_version version, const struct pphdr *, uint8_t *buf,
	    size_t cap);

#endif
