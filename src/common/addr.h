/* SPDX-License-Identifier: ISC */
#ifndef V6G_ADDR_H
#define V6G_ADDR_H

#include <sys/socket.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

/* "[ffff:...:ffff]:65535" and a NUL */
#define ADDR_STRLEN	(INET6_ADDRSTRLEN + 9)

union addr_sa {
	struct sockaddr		sa;
	struct sockaddr_in	sin;
	struct sockaddr_in6	sin6;
	struct sockaddr_storage	ss;
};

/*
 * Parse "192.0.2.1:443" or "[2001:db8::1]:443" (the port is required).
 * IPv4-mapped IPv6 addresses are refused: write the IPv4 form.  Pure: on
 * error fills err and returns -1.
 */
int		 addr_parse_endpoint(const char *, union addr_sa *, char *,
		    size_t);

/* Parse a bare address "192.0.2.1" or "2001:db8::1" (port 0). */
int		 addr_parse_ip(const char *, union addr_sa *);

/* Length of the sockaddr for the family. */
socklen_t	 addr_len(const union addr_sa *);

/* Print as "192.0.2.1:443" / "[2001:db8::1]:443"; returns buf. */
const char	*addr_fmt(const union addr_sa *, char *, size_t);

/* Print the address only, without port or brackets. */
const char	*addr_fmt_ip(const union addr_sa *, char *, size_t);

uint16_t	 addr_port(const union addr_sa *);
int		 addr_equal(const union addr_sa *, const union addr_sa *);
int		 addr_is_any(const union addr_sa *);

/*
 * The client a connection is counted against for per-client limits: its
 * IPv6 /64 (one subscriber's LAN) or its IPv4 /32.  IPv4 keys are tagged
 * with ffff:ffff::/32, a prefix no unicast IPv6 source can have.
 */
uint64_t	 addr_client_key(const union addr_sa *);

/* "2001:db8::/64", "192.0.2.7/32" or a bare address (all of it). */
int		 addr_prefix_parse(const char *, union addr_sa *, int *len);

/* Does address a lie in prefix p/len (same family)? */
int		 addr_in_prefix(const union addr_sa *, const union addr_sa *,
		    int len);

#endif
