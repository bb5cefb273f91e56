/* SPDX-License-Identifier: ISC */
#ifndef V6G_PAGES_H
#define V6G_PAGES_H

#include <stdio.h>

#include "snap/snap.h"
#include "status.h"

/*
 * What the HTTP endpoint (http.c) serves: one table of {path, content
 * type, render function}.  Each body is built fresh for its request from
 * the live snapshot; nothing here changes anything.
 */

/* Where the figures come from: the daemon's facts and its live snapshot
   (a function: a reload replaces it). */
struct pages_src {
	const struct status_daemon	*d;
	const struct snap		*(*live)(void);
};

/* A request as the pages see it: its query's "range", or NULL. */
struct pages_req {
	const struct pages_src	*src;
	const struct snap	*sn;
	const char		*range;
};

/* 0, PAGES_ERROR (a 500) or PAGES_BAD_QUERY (a 400: its query) */
enum { PAGES_ERROR = -1, PAGES_BAD_QUERY = -2 };
typedef int	pages_render_fn(const struct pages_req *, FILE *);

struct pages_page {
	const char	*path;
	const char	*type;		/* Content-Type */
	pages_render_fn	*render;
};

/* The page at path, or NULL (a 404). */
const struct pages_page	*pages_find(const char *path);

/* "/metrics, /status, ...": for the 404's message. */
const char		*pages_list(void);

#endif
