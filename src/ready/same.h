/* SPDX-License-Identifier: ISC */
#ifndef V6G_READY_SAME_H
#define V6G_READY_SAME_H

#include <stddef.h>

/*
 * Is the homepage the same over IPv6 as over IPv4?  A separate IPv6 page
 * does not pass the assessment.  Compared: the final status, the final
 * URL's path, the <title>, and the bodies' similarity after removing
 * whitespace and what changes on every request (see same.c).
 */

struct same_page {
	int		 status;
	const char	*path;		/* of the final URL */
	const char	*title;		/* or NULL */
	const char	*body;
	size_t		 len;
};

struct same_result {
	int		 status;	/* equal */
	int		 path;
	int		 title;
	double		 similarity;	/* 0..1 */
	int		 consistent;	/* all four */
};

#define SAME_MIN_SIMILARITY	0.90

void		 same_compare(const struct same_page *v6,
		    const struct same_page *v4, struct same_result *);

#endif
