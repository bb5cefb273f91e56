/* SPDX-License-Identifier: ISC */
#ifndef V6G_READY_URL_H
#define V6G_READY_URL_H

#include <stddef.h>
#include <stdint.h>

/*
 * URLs as the readiness check keeps them: absolute, normalised, resolved
 * with libcurl's URL API (CURLU), never parsed by hand.
 */

#define URL_MAX		2048
#define URL_HOST_MAX	253	/* a DNS name's most characters */

enum url_kind {
	URL_WEB,		/* http or https: the check follows it */
	URL_NOT_WEB,		/* javascript:, mailto:, tel:, data:, ftp:... */
	URL_BAD,		/* not a URL (libcurl refuses it) */
};

/* The parts of a normalised URL. */
struct url_parts {
	char		 scheme[8];	/* "http" or "https" */
	char		 host[256];	/* lower case, no brackets, no dot at
					   the end */
	uint16_t	 port;		/* explicit, else the scheme's */
	int		 port_given;	/* other than the scheme's default */
	char		 path[URL_MAX];	/* path and query, at least "/" */
};

/*
 * Resolve ref (as written in a page: relative, absolute, with a fragment)
 * against base, an absolute URL, and normalise it: scheme and host in
 * lower case, the default port dropped, the fragment dropped, an empty
 * path made "/", dot segments removed.  out gets the URL for URL_WEB, and
 * for URL_NOT_WEB the scheme followed by ':' (such as "mailto:"); it is ""
 * for URL_BAD, also when the URL does not fit in outlen or URL_MAX.
 */
enum url_kind	 url_resolve(const char *base, const char *ref, char *out,
		    size_t outlen);

/* Split a normalised absolute URL; -1 if it is not http(s). */
int		 url_split(const char *url, struct url_parts *);

/* Whether host is written as an IPv4 address ("192.0.2.1"). */
int		 url_host_is_ipv4(const char *host);
/* Whether host is written as an IPv6 address (without its brackets). */
int		 url_host_is_ipv6(const char *host);

#endif
