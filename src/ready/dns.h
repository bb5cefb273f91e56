/* SPDX-License-Identifier: ISC */
#ifndef V6G_READY_DNS_H
#define V6G_READY_DNS_H

#include <stddef.h>

#include "addr.h"

/*
 * DNS as the readiness check needs it, through c-ares: a name's A or AAAA
 * records, a zone's name servers, and whether one name server answers
 * over the family of its address.  Each call waits for its answer (the
 * check runs off the data path); no cache, so each homepage attempt's
 * lookup is timed afresh.
 */

struct dns;

enum dns_rc {
	DNS_OK,			/* an answer, maybe with no records */
	DNS_NONAME,		/* NXDOMAIN */
	DNS_TIMEOUT,		/* no answer in time */
	DNS_FAIL,		/* refused, server failure, bad answer */
};

/* server: AF_UNSPEC for the system's (resolv.conf).  NULL + err. */
struct dns	*dns_open(const union addr_sa *server, unsigned timeout_ms,
		    char *err, size_t errlen);
void		 dns_close(struct dns *);

/* The addresses of name of family (AF_INET: A, AF_INET6: AAAA), up to
   max, in *n; *ms: how long it took. */
enum dns_rc	 dns_addrs(struct dns *, const char *name, int family,
		    union addr_sa *out, size_t max, size_t *n, double *ms);

#define DNS_NAME_MAX	256
/* The NS names of zone, up to max, in *n. */
enum dns_rc	 dns_ns(struct dns *, const char *zone,
		    char (*names)[DNS_NAME_MAX], size_t max, size_t *n);

/* Whether the name server at addr (port 53) answers a query for zone's
   SOA: DNS_OK if it answered at all, even with an error code. */
enum dns_rc	 dns_probe(const union addr_sa *addr, const char *zone,
		    unsigned timeout_ms, double *ms);

const char	*dns_rc_name(enum dns_rc);

#endif
