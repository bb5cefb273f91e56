/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for a page's link extraction (ready/links.c, with
 * ready/url.c under it): the input is the page, fetched from a fixed URL.
 * Besides not crashing or hanging, what the crawler relies on: at most
 * LINKS_MAX links, anchors without a resource kind, every URL within
 * URL_MAX; a web URL that url_split() takes and that is already normal
 * (resolving it again gives it back); a not-web one that is "scheme:";
 * no (kind, URL) twice; a title within its bound with white space
 * collapsed.  Then the page against itself in ready/same.c: similarity 1.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ready/links.h"
#include "ready/same.h"
#include "ready/url.h"

#define FUZZ_PAGE	"https://www.a.gov.cn/news/index.html"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
fuzz_url(const struct link *l)
{
	struct url_parts	 p;
	char			 again[URL_MAX];
	size_t			 n;

	if (l->url == NULL || (n = strlen(l->url)) >= URL_MAX)
		__builtin_trap();
	switch (l->ukind) {
	case URL_WEB:
		if (url_split(l->url, &p) != 0 || p.port == 0 ||
		    p.path[0] != '/' || p.host[0] == '\0')
			__builtin_trap();
		if (url_resolve(NULL, l->url, again, sizeof(again)) !=
		    URL_WEB || strcmp(again, l->url) != 0)
			__builtin_trap();
		break;
	case URL_NOT_WEB:
		if (n < 2 || l->url[n - 1] != ':')
			__builtin_trap();
		break;
	case URL_BAD:
		break;
	default:
		__builtin_trap();
	}
}

static void
fuzz_title(const char *t)
{
	size_t	 i, n;

	if (t == NULL)
		return;
	if ((n = strlen(t)) > 1024)
		__builtin_trap();
	if (n > 0 && (t[0] == ' ' || t[n - 1] == ' '))
		__builtin_trap();
	for (i = 0; i < n; i++)
		if (t[i] == '\t' || t[i] == '\n' || t[i] == '\r' ||
		    (t[i] == ' ' && t[i + 1] == ' '))
			__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct links		 l;
	struct same_page	 pg;
	struct same_result	 r;
	size_t			 i, j;

	if (links_extract((const char *)d, n, FUZZ_PAGE, &l) == 0) {
		if (l.n > LINKS_MAX || (l.dropped > 0 && l.n != LINKS_MAX))
			__builtin_trap();
		for (i = 0; i < l.n; i++) {
			if ((l.v[i].kind == LINK_ANCHOR) !=
			    (l.v[i].res == RES_NONE))
				__builtin_trap();
			fuzz_url(&l.v[i]);
		}
		/* Duplicates: quadratic, so on small lists only. */
		for (i = 0; i < l.n && l.n <= 256; i++)
			for (j = i + 1; j < l.n; j++)
				if (l.v[i].kind == l.v[j].kind &&
				    strcmp(l.v[i].url, l.v[j].url) == 0)
					__builtin_trap();
		fuzz_title(l.title);
	} else if (l.n != 0 || l.v != NULL || l.title != NULL)
		__builtin_trap();

	pg.status = 200;
	pg.path = "/";
	pg.title = l.title;
	pg.body = (const char *)d;
	pg.len = n;
	same_compare(&pg, &pg, &r);
	if (r.similarity != 1.0 || !r.consistent)
		__builtin_trap();
	links_free(&l);
	return 0;
}
