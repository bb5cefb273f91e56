/* SPDX-License-Identifier: ISC */
/*
 * Link extraction (ready/links.c): anchors and each kind of resource,
 * <base href>, duplicates, the title, encodings, and pages a browser
 * copes with: unclosed tags, attributes without quotes, junk, deep
 * nesting, a 10 MB page, more than LINKS_MAX links.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ready/links.h"
#include "t.h"

#define PAGE	"https://www.a.gov.cn/news/index.html"

static int
t_extract(const char *html, struct links *l)
{
	return links_extract(html, strlen(html), PAGE, l);
}

/* The index of (kind, url) in l, or -1; fails the test if it is there
   more than once. */
static long
t_find(const struct links *l, enum link_kind kind, const char *url)
{
	size_t	 i;
	long	 at = -1;

	for (i = 0; i < l->n; i++)
		if (l->v[i].kind == kind && strcmp(l->v[i].url, url) == 0) {
			CHECK(at == -1);
			at = (long)i;
		}
	if (at == -1)
		fprintf(stderr, "  missing: %s\n", url);
	return at;
}

/* (kind, url) is there, of res and ukind. */
static void
t_has(const struct links *l, enum link_kind kind, enum link_res res,
    enum url_kind uk, const char *url)
{
	long	 i;

	CHECK((i = t_find(l, kind, url)) >= 0);
	if (i < 0)
		return;
	CHECK_STR(links_res_name(l->v[i].res), links_res_name(res));
	CHECK_INT(l->v[i].ukind, uk);
}

static size_t
t_count(const struct links *l, enum link_kind kind)
{
	size_t	 i, n = 0;

	for (i = 0; i < l->n; i++)
		n += l->v[i].kind == kind;
	return n;
}

static void
t_anchors(void)
{
	struct links	 l;
	const char	*html =
	    "<!DOCTYPE html>\n"
	    "<html><head><title>News</title></head><body>\n"
	    "<a href=\"/\">Home</a>\n"
	    "<a href=\"2026/a.html\">A</a>\n"
	    "<a href=\"../about/\">About</a>\n"
	    "<a href=\"?page=2\">Next</a>\n"
	    "<a href=\"#top\">Top</a>\n"
	    "<a href=\"//img.a.gov.cn/gallery/\">Gallery</a>\n"
	    "<a href=\"http://192.0.2.10/old\">Old</a>\n"
	    "<a href=\"javascript:void(0)\">JS</a>\n"
	    "<a href=\"mailto:office@a.gov.cn\">Mail</a>\n"
	    "<a href=\"https://www.a.gov.cn:8443/app\">App</a>\n"
	    "<a href=\"HTTPS://WWW.A.GOV.CN/Case\">Case</a>\n"
	    "<a name=\"anchor-only\">no href</a>\n"
	    "<map><area href=\"/map/east.html\" shape=rect></map>\n"
	    "<a href=\"http://exa mple.org/\">Bad</a>\n"
	    "</body></html>\n";

	CHECK_INT(t_extract(html, &l), 0);
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB, "https://www.a.gov.cn/");
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB,
	    "https://www.a.gov.cn/news/2026/a.html");
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB,
	    "https://www.a.gov.cn/about/");
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB,
	    "https://www.a.gov.cn/news/index.html?page=2");
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB, PAGE);
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB,
	    "https://img.a.gov.cn/gallery/");
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB, "http://192.0.2.10/old");
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_NOT_WEB, "javascript:");
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_NOT_WEB, "mailto:");
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB,
	    "https://www.a.gov.cn:8443/app");
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB,
	    "https://www.a.gov.cn/Case");
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB,
	    "https://www.a.gov.cn/map/east.html");
	/* A bad URL is kept as written, for the report. */
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_BAD, "http://exa mple.org/");
	CHECK_INT(l.n, 13);
	CHECK_INT(t_count(&l, LINK_RESOURCE), 0);
	CHECK_INT(l.dropped, 0);
	CHECK_STR(l.title, "News");
	/* In document order, with their lines. */
	CHECK_STR(l.v[0].url, "https://www.a.gov.cn/");
	CHECK_INT(l.v[0].line, 3);
	CHECK_STR(l.v[1].url, "https://www.a.gov.cn/news/2026/a.html");
	CHECK_INT(l.v[1].line, 4);
	links_free(&l);
	CHECK(l.v == NULL && l.n == 0 && l.title == NULL);
}

static void
t_resources(void)
{
	struct links	 l;
	const char	*html =
	    "<html><head>\n"
	    "<link rel=\"stylesheet\" href=\"/css/site.css\">\n"
	    "<link rel=\"Alternate StyleSheet\" href=\"/css/big.css\">\n"
	    "<link rel=\"shortcut icon\" href=\"/favicon.ico\">\n"
	    "<link rel=\"canonical\" href=\"/canonical\">\n"
	    "<link rel=\"preload\" href=\"/preload.js\">\n"
	    "<script src=\"https://static.a.gov.cn/js/app.js\"></script>\n"
	    "<script>var inline = '<img src=\"/not-a-link.png\">';</script>\n"
	    "</head><body>\n"
	    "<img src=\"/img/logo.png\" alt=logo>\n"
	    "<input type=\"IMAGE\" src=\"/img/go.png\">\n"
	    "<input type=\"text\" src=\"/img/not.png\">\n"
	    "<video src=\"/v/intro.mp4\" poster=\"/v/intro.jpg\">\n"
	    "  <source src=\"/v/intro.webm\"></video>\n"
	    "<audio src=\"http://media.example.org/a.mp3\"></audio>\n"
	    "<embed src=\"/flash/old.swf\">\n"
	    "<object data=\"/doc/report.pdf\"></object>\n"
	    "<iframe src=\"https://map.example.com/embed?x=1\"></iframe>\n"
	    "<img src=\"data:image/gif;base64,R0lGODlhAQABAAAAACw=\">\n"
	    "</body></html>\n";

	CHECK_INT(t_extract(html, &l), 0);
	t_has(&l, LINK_RESOURCE, RES_STYLE, URL_WEB,
	    "https://www.a.gov.cn/css/site.css");
	t_has(&l, LINK_RESOURCE, RES_STYLE, URL_WEB,
	    "https://www.a.gov.cn/css/big.css");
	t_has(&l, LINK_RESOURCE, RES_IMAGE, URL_WEB,
	    "https://www.a.gov.cn/favicon.ico");
	t_has(&l, LINK_RESOURCE, RES_SCRIPT, URL_WEB,
	    "https://static.a.gov.cn/js/app.js");
	t_has(&l, LINK_RESOURCE, RES_IMAGE, URL_WEB,
	    "https://www.a.gov.cn/img/logo.png");
	t_has(&l, LINK_RESOURCE, RES_IMAGE, URL_WEB,
	    "https://www.a.gov.cn/img/go.png");
	t_has(&l, LINK_RESOURCE, RES_MEDIA, URL_WEB,
	    "https://www.a.gov.cn/v/intro.mp4");
	t_has(&l, LINK_RESOURCE, RES_IMAGE, URL_WEB,
	    "https://www.a.gov.cn/v/intro.jpg");
	t_has(&l, LINK_RESOURCE, RES_MEDIA, URL_WEB,
	    "https://www.a.gov.cn/v/intro.webm");
	t_has(&l, LINK_RESOURCE, RES_MEDIA, URL_WEB,
	    "http://media.example.org/a.mp3");
	t_has(&l, LINK_RESOURCE, RES_MEDIA, URL_WEB,
	    "https://www.a.gov.cn/flash/old.swf");
	t_has(&l, LINK_RESOURCE, RES_MEDIA, URL_WEB,
	    "https://www.a.gov.cn/doc/report.pdf");
	t_has(&l, LINK_RESOURCE, RES_FRAME, URL_WEB,
	    "https://map.example.com/embed?x=1");
	t_has(&l, LINK_RESOURCE, RES_IMAGE, URL_NOT_WEB, "data:");
	/* Not loaded: canonical, preload, text input, script text. */
	CHECK_INT(l.n, 14);
	CHECK_INT(t_count(&l, LINK_ANCHOR), 0);
	CHECK(l.title == NULL);
	links_free(&l);
}

static void
t_base(void)
{
	struct links	 l;

	/* The first <base href> counts, for links before it too. */
	CHECK_INT(t_extract("<html><head>"
	    "<link rel=stylesheet href=\"s.css\">"
	    "<base target=_blank>"
	    "<base href=\"https://cdn.a.gov.cn/site/\">"
	    "<base href=\"https://wrong.example/\">"
	    "</head><body><a href=\"p.html\">p</a>"
	    "<a href=\"/root\">r</a></body></html>", &l), 0);
	CHECK_INT(l.n, 3);
	t_has(&l, LINK_RESOURCE, RES_STYLE, URL_WEB,
	    "https://cdn.a.gov.cn/site/s.css");
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB,
	    "https://cdn.a.gov.cn/site/p.html");
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB, "https://cdn.a.gov.cn/root");
	links_free(&l);

	/* A relative base resolves against the page. */
	CHECK_INT(t_extract("<base href=\"/v2/\"><a href=x>x</a>", &l), 0);
	CHECK_INT(l.n, 1);
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB, "https://www.a.gov.cn/v2/x");
	links_free(&l);

	/* A base that is not http(s) is ignored. */
	CHECK_INT(t_extract("<base href=\"javascript:x\"><a href=y>y</a>",
	    &l), 0);
	CHECK_INT(l.n, 1);
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB,
	    "https://www.a.gov.cn/news/y");
	links_free(&l);
}

static void
t_duplicates(void)
{
	struct links	 l;

	CHECK_INT(t_extract("<a href=/x>1</a><a href=\"/x#f\">2</a>"
	    "<a href=https://www.a.gov.cn:443/x>3</a>"
	    "<a href=../x>4</a>"	/* /x too: /news/../x */
	    "<img src=/x><img src=/x>"
	    "<script src=/x></script>"	/* same kind, same URL */
	    "<a href=mailto:a@b>m</a><a href=mailto:c@d>m</a>"
	    "<a href=/y>y</a>", &l), 0);
	CHECK_INT(t_count(&l, LINK_ANCHOR), 3);
	CHECK_INT(t_count(&l, LINK_RESOURCE), 1);
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB, "https://www.a.gov.cn/x");
	t_has(&l, LINK_RESOURCE, RES_IMAGE, URL_WEB, "https://www.a.gov.cn/x");
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_NOT_WEB, "mailto:");
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB, "https://www.a.gov.cn/y");
	links_free(&l);
}

static void
t_broken(void)
{
	struct links	 l;

	/* Unclosed tags, unquoted attributes, stray '<', no </html>. */
	CHECK_INT(t_extract("<html><body><div><p>text <b>bold"
	    "<a href=/one>one<a href=two.html class=x>two"
	    "<p>1 < 2 and <a href='/three?a=1&b=2'>three"
	    "<img src=/i.png<a href=/four>four</a>"
	    "<a href=\"/five\"/>five"
	    "<table><tr><td><a href=/six>six</td></table"
	    "<a href=\"/seven", &l), 0);
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB, "https://www.a.gov.cn/one");
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB,
	    "https://www.a.gov.cn/news/two.html");
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB,
	    "https://www.a.gov.cn/three?a=1&b=2");
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB, "https://www.a.gov.cn/five");
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB, "https://www.a.gov.cn/six");
	links_free(&l);

	/* 300 unclosed <font> tags: the links after them are still found
	   (libxml2's tree builder would stop at 256 levels). */
	{
		char	 p[300 * 8 + 64];
		size_t	 i, o = 0;

		for (i = 0; i < 300; i++)
			o += (size_t)sprintf(p + o, "<font>x");
		sprintf(p + o, "<a href=/after>after</a>");
		CHECK_INT(t_extract(p, &l), 0);
		CHECK_INT(l.n, 1);
		t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB,
		    "https://www.a.gov.cn/after");
		links_free(&l);
	}

	/* An attribute without a value, and one twice: the first. */
	CHECK_INT(t_extract("<a href>empty</a><a href=/1 href=/2>d</a>", &l),
	    0);
	CHECK_INT(l.n, 2);
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB, PAGE);
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB, "https://www.a.gov.cn/1");
	links_free(&l);

	/* Character references in attributes are decoded. */
	CHECK_INT(t_extract("<a href=\"/q?a=1&amp;b=2&#38;c=3\">q</a>", &l),
	    0);
	CHECK_INT(l.n, 1);
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB,
	    "https://www.a.gov.cn/q?a=1&b=2&c=3");
	links_free(&l);

	/* Not HTML at all: a document, no links. */
	CHECK_INT(links_extract("\x89PNG\r\n\x1a\n\0\0\0\rIHDR\xff\xfe", 18,
	    PAGE, &l), 0);
	CHECK_INT(l.n, 0);
	links_free(&l);

	/* Nothing at all: no document. */
	CHECK_INT(links_extract("", 0, PAGE, &l), -1);
	CHECK(l.n == 0 && l.v == NULL && l.title == NULL);
	links_free(&l);
}

static void
t_title(void)
{
	struct links	 l;

	CHECK_INT(t_extract("<title>\n\t  Ministry   of\r\n Examples \n"
	    "</title><title>second</title>", &l), 0);
	CHECK_STR(l.title, "Ministry of Examples");
	links_free(&l);

	CHECK_INT(t_extract("<html><head><title></title></head></html>", &l),
	    0);
	CHECK_STR(l.title, "");
	links_free(&l);

	CHECK_INT(t_extract("<title>A &amp; B &lt;c&gt;</title>", &l), 0);
	CHECK_STR(l.title, "A & B <c>");
	links_free(&l);

	/* UTF-8 without a declaration. */
	CHECK_INT(t_extract("<title>\xe4\xb8\xad\xe5\x9b\xbd\xe6\x94\xbf"
	    "\xe5\xba\x9c\xe7\xbd\x91</title>", &l), 0);
	CHECK_STR(l.title, "\xe4\xb8\xad\xe5\x9b\xbd\xe6\x94\xbf"
	    "\xe5\xba\x9c\xe7\xbd\x91");
	links_free(&l);

	/* Not UTF-8 and not declared: read as ISO-8859-1. */
	CHECK_INT(t_extract("<title>\xe9t\xe9</title>", &l), 0);
	CHECK_STR(l.title, "\xc3\xa9t\xc3\xa9");
	links_free(&l);

	/* A title the page never closes ends with the page. */
	CHECK_INT(t_extract("<title>open  end", &l), 0);
	CHECK_STR(l.title, "open end");
	links_free(&l);

	/* Markup and script text inside: the text only. */
	CHECK_INT(t_extract("<title>A <b>bold</b> <i>move</i></title>"
	    "<script>var t = 'not the title';</script>", &l), 0);
	CHECK_STR(l.title, "A bold move");
	links_free(&l);

	/* GB2312 declared by <meta charset>: the title comes out UTF-8. */
	CHECK_INT(t_extract("<html><head><meta charset=\"gb2312\">"
	    "<title>\xd6\xd0\xb9\xfa</title></head></html>", &l), 0);
	CHECK_STR(l.title, "\xe4\xb8\xad\xe5\x9b\xbd");
	links_free(&l);
	/* gb2312 read as GBK, as browsers do: U+6607 is GBK's 0x954e, and
	   not in GB2312. */
	CHECK_INT(t_extract("<meta charset=gb2312><title>\x95\x4e\xd6\xd0"
	    "</title>", &l), 0);
	CHECK_STR(l.title, "\xe6\x98\x87\xe4\xb8\xad");
	links_free(&l);
	/* Bytes the declared encoding cannot convert: libxml2 would stop
	   there; the links after them are found. */
	CHECK_INT(t_extract("<meta charset=gb2312><a href=/before>b</a>"
	    "<p>\xff\xff\xff\xfe</p><a href=/after>a</a>", &l), 0);
	CHECK_INT(l.n, 2);
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB, "https://www.a.gov.cn/before");
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB, "https://www.a.gov.cn/after");
	links_free(&l);
	CHECK_INT(t_extract("<html><head><meta http-equiv=\"Content-Type\" "
	    "content=\"text/html; charset=GBK\">"
	    "<title>\xd6\xd0\xb9\xfa</title></head></html>", &l), 0);
	CHECK_STR(l.title, "\xe4\xb8\xad\xe5\x9b\xbd");
	links_free(&l);

	/* A long title is cut, at 1024 bytes and at a character. */
	{
		char	*big = malloc(100000);
		size_t	 i, o;

		CHECK(big != NULL);
		if (big == NULL)
			return;
		o = (size_t)sprintf(big, "<title>x");
		for (i = 0; i < 30000; i++)
			o += (size_t)sprintf(big + o, "\xe4\xb8\xad");
		sprintf(big + o, "</title>");
		CHECK_INT(t_extract(big, &l), 0);
		CHECK(l.title != NULL);
		if (l.title != NULL) {
			CHECK(strlen(l.title) <= 1024);
			CHECK(strlen(l.title) >= 1024 - 3);
			/* "x" then whole characters only */
			CHECK_INT((strlen(l.title) - 1) % 3, 0);
		}
		links_free(&l);
		free(big);
	}
}

/* A page of n distinct anchors, then the first 10 again. */
static char *
t_many(size_t n, size_t *len)
{
	char	*p;
	size_t	 i, o = 0, cap = n * 40 + 400;

	if ((p = malloc(cap)) == NULL)
		return NULL;
	for (i = 0; i < n + 10; i++)
		o += (size_t)snprintf(p + o, cap - o,
		    "<a href=\"/p/%zu.html\">x</a>\n", i < n ? i : i - n);
	*len = o;
	return p;
}

static void
t_max(void)
{
	struct links	 l;
	char		*p;
	size_t		 len;

	if ((p = t_many(LINKS_MAX + 500, &len)) == NULL) {
		CHECK(p != NULL);
		return;
	}
	CHECK_INT(links_extract(p, len, PAGE, &l), 0);
	CHECK_INT(l.n, LINKS_MAX);
	CHECK_INT(l.dropped, 500);
	CHECK_STR(l.v[0].url, "https://www.a.gov.cn/p/0.html");
	CHECK_STR(l.v[LINKS_MAX - 1].url, "https://www.a.gov.cn/p/9999.html");
	links_free(&l);
	free(p);
}

/* 10 MB, a million levels deep: it returns, in seconds, with every link;
   then 10 MB of random bytes. */
static void
t_huge(void)
{
	struct links	 l;
	char		*p;
	size_t		 n = 10u << 20, o = 0, i;
	struct timespec	 t0, t1;
	double		 s;

	if ((p = malloc(n + 64)) == NULL) {
		CHECK(p != NULL);
		return;
	}
	o += (size_t)sprintf(p, "<a href=/first>f</a>");
	for (i = 0; o + 5 < n / 2; i++)
		o += (size_t)sprintf(p + o, "<div>");
	while (o + 64 < n)
		o += (size_t)sprintf(p + o, "<p>text <a href=/same>s</a>");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	CHECK_INT(links_extract(p, o, PAGE, &l), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	s = (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(stderr, "  10 MB, %zu levels: %.2f s, %zu links\n", i, s,
	    l.n);
	CHECK(s < 60);
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB, "https://www.a.gov.cn/first");
	t_has(&l, LINK_ANCHOR, RES_NONE, URL_WEB, "https://www.a.gov.cn/same");
	CHECK_INT(l.n, 2);
	links_free(&l);

	/* Random bytes. */
	{
		uint32_t	 x = 2463534242u;

		for (i = 0; i < n; i++) {
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			p[i] = (char)(x >> 24);
		}
		CHECK(links_extract(p, n, PAGE, &l) >= -1);
		links_free(&l);
	}
	free(p);
}

int
main(void)
{
	links_init();
	CHECK_STR(links_res_name(RES_NONE), "none");
	CHECK_STR(links_res_name(RES_IMAGE), "image");
	CHECK_STR(links_res_name(RES_SCRIPT), "script");
	CHECK_STR(links_res_name(RES_STYLE), "style");
	CHECK_STR(links_res_name(RES_FRAME), "frame");
	CHECK_STR(links_res_name(RES_MEDIA), "media");
	t_anchors();
	t_resources();
	t_base();
	t_duplicates();
	t_broken();
	t_title();
	t_max();
	t_huge();
	return t_done("test_ready_links");
}
