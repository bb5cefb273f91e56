/* SPDX-License-Identifier: ISC */
#ifndef V6G_PPHDR_READ_H
#define V6G_PPHDR_READ_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

/*
 * A strict reader of PROXY protocol headers, v1 and v2
 * (haproxy.org/download/2.6/doc/proxy-protocol.txt), for the tests of
 * src/common/pphdr.c only: it accepts what the specification allows and
 * nothing else, so that a header the writer gets subtly wrong fails here
 * rather than in some backend.  The daemon's own reader (src/proxy/ppin.c)
 * is checked against it by fuzz_ppin.
 */

struct pphdr_info {
	int		 version;	/* 1 or 2 */
	int		 command;	/* v2: 0 LOCAL, 1 PROXY; v1: 1 */
	int		 family;	/* AF_INET, AF_INET6 or AF_UNSPEC
					   (v1 UNKNOWN, v2 0x00) */
	union addr_sa	 src, dst;	/* address and port; all zero but the
					   family for AF_UNSPEC */
	const uint8_t	*authority;	/* v2 PP2_TYPE_AUTHORITY, into the
					   input, or NULL */
	size_t		 authority_len;
	const uint8_t	*unique_id;	/* v2 PP2_TYPE_UNIQUE_ID, or NULL */
	size_t		 unique_id_len;
	int		 other_tlvs;	/* v2 TLVs of any other type */
	size_t		 len;		/* header bytes, CRLF or TLVs included */
	const char	*why;		/* on error, the rule broken */
};

/*
 * Read the header at the start of buf (more bytes may follow it).  Returns
 * 0 and fills info, or -1 with info->why set.
 */
int	pphdr_read(const uint8_t *buf, size_t n, struct pphdr_info *info);

#endif
