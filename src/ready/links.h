/* SPDX-License-Identifier: ISC */
#ifndef V6G_READY_LINKS_H
#define V6G_READY_LINKS_H

#include <stddef.h>

#include "url.h"

/*
 * The links of one HTML page, found by libxml2's HTML parser (which copes
 * with any broken HTML): what a visitor can follow, and what the page
 * loads.  Every URL is resolved against the page's URL or its <base href>.
 */

enum link_kind {
	LINK_ANCHOR,		/* <a href>, <area href> */
	LINK_RESOURCE,		/* what the page loads: see link_res */
};

enum link_res {
	RES_NONE,		/* an anchor */
	RES_IMAGE,		/* <img src>, <input type=image src>,
				   <video poster>, <link rel=icon href> */
	RES_SCRIPT,		/* <script src> */
	RES_STYLE,		/* <link rel=stylesheet href> */
	RES_FRAME,		/* <iframe src>, <frame src> */
	RES_MEDIA,		/* <video src>, <audio src>, <source src>,
				   <embed src>, <object data> */
};

struct link {
	enum link_kind	 kind;
	enum link_res	 res;
	enum url_kind	 ukind;
	char		*url;	/* url_resolve()'s out; for URL_BAD the
				   attribute as written (cut to URL_MAX) */
	int		 line;	/* in the page, from libxml2 */
};

struct links {
	struct link	*v;	/* in document order, duplicates removed
				   (the same kind and URL once) */
	size_t		 n;
	size_t		 dropped;	/* beyond LINKS_MAX */
	char		*title;	/* the first <title>'s text, whitespace
				   collapsed, at most 1024 bytes; or NULL */
};

/* libxml2's global set-up: call it once in the main thread before any
   thread may call links_extract() (its lazy set-up is not thread-safe). */
void		 links_init(void);

/*
 * Parse len bytes of html fetched from page_url.  Returns 0, or -1 when
 * libxml2 could not build any document (an empty input) or memory ran
 * out (out is then empty).  At most
 * LINKS_MAX links are kept; the rest are counted in out->dropped.
 */
#define LINKS_MAX	10000
int		 links_extract(const char *html, size_t len,
		    const char *page_url, struct links *out);
void		 links_free(struct links *);

const char	*links_res_name(enum link_res);

#endif
