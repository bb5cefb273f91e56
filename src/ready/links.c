/* SPDX-License-Identifier: ISC */
/*
 * The links of a page (see links.h), found by libxml2's HTML parser: it
 * reads any bytes at all as browsers do (unclosed tags, attributes
 * without quotes, stray '<', binary junk), decodes character references,
 * and finds the encoding as they do from <meta charset> or <meta
 * http-equiv>; with neither it reads UTF-8, and bytes that are not UTF-8
 * as ISO-8859-1.  This file only takes what the parser reports: it does
 * not tokenize HTML, fetch, or decide which links the check follows.
 *
 * The parser runs in SAX mode: it reports each start tag with its
 * attributes, and no tree is built.  Heads up: libxml2's tree builder
 * stops the whole parse at 256 levels of nesting, which a page of
 * unclosed <font> or <div> tags reaches, and every link after that point
 * would be lost; its SAX parser has no such limit and needs no memory for
 * the page beyond its stack of open element names.
 *
 * Bounded on any input: no HTML_PARSE_HUGE, so libxml2's limits on the
 * length of a name and of a text hold; no entity is loaded and nothing is
 * fetched (HTML_PARSE_NONET); at most LINKS_MAX links are kept; the title
 * is cut at LINKS_TITLE_MAX bytes; a page is parsed at most three times
 * (see links_extract()).
 *
 * The first <base href> sets the base of every URL in the page, even of
 * those written before it (HTML, "document base URL"); a <base href> that
 * does not resolve to an http(s) URL is ignored.  When links come before
 * it, the parse stops there and runs again with the base known.
 */

#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libxml/HTMLparser.h>
#include <libxml/SAX2.h>
#include <libxml/xmlerror.h>
#include <libxml/encoding.h>
#include <libxml/globals.h>
#include <libxml/parser.h>

#include "links.h"

#define LINKS_TITLE_MAX	1024	/* bytes of <title> kept */

#define LINKS_OPTIONS	(HTML_PARSE_RECOVER | HTML_PARSE_NOERROR | \
			    HTML_PARSE_NOWARNING | HTML_PARSE_NONET)

/* The links seen, kept or not: a hash table of (kind, URL). */
struct links_seen {
	uint64_t	*hash;
	int32_t		*idx;	/* in links.v; -1 dropped; -2 empty slot */
	size_t		 cap;	/* a power of two */
	size_t		 n;
};

struct links_walk {
	struct links		*out;
	struct links_seen	 seen;
	size_t			 cap;	/* of out->v */
	htmlParserCtxtPtr	 ctxt;
	const char		*page_url;
	char			 base[URL_MAX];
	int			 base_done;	/* the first <base href> seen */
	int			 again;	/* it came after links: parse again */
	int			 oom;
	int			 in_title;	/* in the first <title> */
	char			 title[LINKS_TITLE_MAX + 1];
	size_t			 title_len;
	int			 title_space;	/* white space before the next */
	int			 title_full;
	int			 title_cut;	/* within a character */
};

/* What one element loads or links to, by its name and attribute. */
struct links_rule {
	const char	*elem;
	const char	*attr;
	enum link_kind	 kind;
	enum link_res	 res;
};

static const struct links_rule links_rules[] = {
	{ "a",		"href",		LINK_ANCHOR,	RES_NONE },
	{ "area",	"href",		LINK_ANCHOR,	RES_NONE },
	{ "img",	"src",		LINK_RESOURCE,	RES_IMAGE },
	{ "input",	"src",		LINK_RESOURCE,	RES_IMAGE },
	{ "video",	"poster",	LINK_RESOURCE,	RES_IMAGE },
	{ "link",	"href",		LINK_RESOURCE,	RES_NONE },
	{ "script",	"src",		LINK_RESOURCE,	RES_SCRIPT },
	{ "iframe",	"src",		LINK_RESOURCE,	RES_FRAME },
	{ "frame",	"src",		LINK_RESOURCE,	RES_FRAME },
	{ "video",	"src",		LINK_RESOURCE,	RES_MEDIA },
	{ "audio",	"src",		LINK_RESOURCE,	RES_MEDIA },
	{ "source",	"src",		LINK_RESOURCE,	RES_MEDIA },
	{ "embed",	"src",		LINK_RESOURCE,	RES_MEDIA },
	{ "object",	"data",		LINK_RESOURCE,	RES_MEDIA },
};

/* libxml2's generic error channel, silenced. */
static void
links_quiet(void *ctx, const char *fmt, ...)
{
	(void)ctx;
	(void)fmt;
}

/*
 * Encoding labels as browsers read them (WHATWG Encoding, "labels"):
 * "gb2312" and "gbk" pages are GBK, whose superset GB18030 iconv has;
 * a plain GB2312 decoder stops at the first GBK-only character, and
 * Chinese pages labelled gb2312 are full of them.
 */
static const char *const links_aliases[][2] = {
	{ "GB18030",		"GB2312" },
	{ "GB18030",		"GBK" },
	{ "GB18030",		"X-GBK" },
	{ "BIG5-HKSCS",		"BIG5" },
};

static pthread_once_t	links_once = PTHREAD_ONCE_INIT;

static void
links_setup(void)
{
	size_t	 i;

	xmlInitParser();
	for (i = 0; i < sizeof(links_aliases) / sizeof(links_aliases[0]); i++)
		(void)xmlAddEncodingAlias(links_aliases[i][0],
		    links_aliases[i][1]);
}

void
links_init(void)
{
	(void)pthread_once(&links_once, links_setup);
}

const char *
links_res_name(enum link_res r)
{
	switch (r) {
	case RES_NONE:
		return "none";
	case RES_IMAGE:
		return "image";
	case RES_SCRIPT:
		return "script";
	case RES_STYLE:
		return "style";
	case RES_FRAME:
		return "frame";
	case RES_MEDIA:
		return "media";
	}
	return "none";
}

static int
links_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* FNV-1a of the kind and the URL. */
static uint64_t
links_hash(enum link_kind kind, const char *url)
{
	uint64_t	 h = 1469598103934665603ull;

	h = (h ^ (uint64_t)kind) * 1099511628211ull;
	for (; *url != '\0'; url++)
		h = (h ^ (unsigned char)*url) * 1099511628211ull;
	return h;
}

static int
links_seen_grow(struct links_seen *s)
{
	struct links_seen	 t;
	size_t			 i, j;

	t.cap = s->cap ? s->cap * 2 : 256;
	t.n = s->n;
	if ((t.hash = calloc(t.cap, sizeof(*t.hash))) == NULL ||
	    (t.idx = malloc(t.cap * sizeof(*t.idx))) == NULL) {
		free(t.hash);
		return -1;
	}
	for (i = 0; i < t.cap; i++)
		t.idx[i] = -2;
	for (i = 0; i < s->cap; i++) {
		if (s->idx[i] == -2)
			continue;
		for (j = s->hash[i] & (t.cap - 1); t.idx[j] != -2;
		    j = (j + 1) & (t.cap - 1))
			;
		t.hash[j] = s->hash[i];
		t.idx[j] = s->idx[i];
	}
	free(s->hash);
	free(s->idx);
	*s = t;
	return 0;
}

/*
 * Whether (kind, url) was seen; if not, it is recorded with index idx.
 * A link beyond LINKS_MAX is known by its hash alone, so that it is
 * counted once in dropped: two of them that collide count once.
 * -1 when out of memory.
 */
static int
links_seen_add(struct links_walk *w, enum link_kind kind, const char *url,
    int32_t idx)
{
	struct links_seen	*s = &w->seen;
	const struct link	*l;
	uint64_t		 h = links_hash(kind, url);
	size_t			 j;

	if ((s->n + 1) * 2 > s->cap && links_seen_grow(s) == -1)
		return -1;
	for (j = h & (s->cap - 1); s->idx[j] != -2;
	    j = (j + 1) & (s->cap - 1)) {
		if (s->hash[j] != h)
			continue;
		if (s->idx[j] == -1)
			return 1;
		l = &w->out->v[s->idx[j]];
		if (l->kind == kind && strcmp(l->url, url) == 0)
			return 1;
	}
	s->hash[j] = h;
	s->idx[j] = idx;
	s->n++;
	return 0;
}

/* A copy of ref cut to fit URL_MAX, not within a UTF-8 character. */
static void
links_raw(const char *ref, char *buf)
{
	size_t	 n = strlen(ref);

	if (n >= URL_MAX) {
		n = URL_MAX - 1;
		while (n > 0 && ((unsigned char)ref[n] & 0xc0) == 0x80)
			n--;
	}
	memcpy(buf, ref, n);
	buf[n] = '\0';
}

static void
links_add(struct links_walk *w, enum link_kind kind, enum link_res res,
    const char *ref, long line)
{
	struct links	*out = w->out;
	struct link	*l, *v;
	char		 url[URL_MAX];
	enum url_kind	 uk;
	int		 seen;
	size_t		 cap;

	if (w->oom)
		return;
	if ((uk = url_resolve(w->base, ref, url, sizeof(url))) == URL_BAD)
		links_raw(ref, url);
	seen = links_seen_add(w, kind, url,
	    out->n < LINKS_MAX ? (int32_t)out->n : -1);
	if (seen == -1) {
		w->oom = 1;
		return;
	}
	if (seen)
		return;
	if (out->n >= LINKS_MAX) {
		out->dropped++;
		return;
	}
	/* Grow by doubling, up to LINKS_MAX entries. */
	if (out->n == w->cap) {
		cap = w->cap ? w->cap * 2 : 16;
		if (cap > LINKS_MAX)
			cap = LINKS_MAX;
		if ((v = reallocarray(out->v, cap, sizeof(*v))) == NULL) {
			w->oom = 1;
			return;
		}
		out->v = v;
		w->cap = cap;
	}
	l = &out->v[out->n];
	if ((l->url = strdup(url)) == NULL) {
		w->oom = 1;
		return;
	}
	l->kind = kind;
	l->res = res;
	l->ukind = uk;
	l->line = line > INT_MAX ? INT_MAX : line < 0 ? 0 : (int)line;
	out->n++;
}

/* The value of attribute name in atts (libxml2's name, value, ...,
   NULL, names in lower case), or NULL; "" for one without a value. */
static const char *
links_attr(const xmlChar **atts, const char *name)
{
	size_t	 i;

	if (atts == NULL)
		return NULL;
	for (i = 0; atts[i] != NULL; i += 2)
		if (strcasecmp((const char *)atts[i], name) == 0)
			return atts[i + 1] != NULL ?
			    (const char *)atts[i + 1] : "";
	return NULL;
}

/* Whether the space-separated list s holds token (case-insensitive). */
static int
links_has_token(const char *s, const char *token)
{
	size_t	 n = strlen(token), k;

	while (*s != '\0') {
		while (links_space((unsigned char)*s))
			s++;
		for (k = 0; s[k] != '\0' && !links_space((unsigned char)s[k]);
		    k++)
			;
		if (k == n && strncasecmp(s, token, n) == 0)
			return 1;
		s += k;
	}
	return 0;
}

/* What <link rel=...> loads: a style sheet, an icon, or nothing we count
   (preload, canonical, alternate pages...). */
static enum link_res
links_rel(const xmlChar **atts)
{
	const char	*rel;

	if ((rel = links_attr(atts, "rel")) == NULL)
		return RES_NONE;
	if (links_has_token(rel, "stylesheet"))
		return RES_STYLE;
	if (links_has_token(rel, "icon"))
		return RES_IMAGE;
	return RES_NONE;
}

/* <input src> loads an image only with type=image. */
static int
links_input_image(const xmlChar **atts)
{
	const char	*type;

	return (type = links_attr(atts, "type")) != NULL &&
	    strcasecmp(type, "image") == 0;
}

/*
 * The title's text, as it comes in pieces: runs of white space become
 * one space, none at either end, at most LINKS_TITLE_MAX bytes.
 */
static void
links_title_text(struct links_walk *w, const unsigned char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len && !w->title_full; i++) {
		if (links_space(s[i])) {
			w->title_space = w->title_len > 0;
			continue;
		}
		if (w->title_space) {
			if (w->title_len + 1 >= LINKS_TITLE_MAX) {
				w->title_full = 1;
				break;
			}
			w->title[w->title_len++] = ' ';
			w->title_space = 0;
		}
		if (w->title_len >= LINKS_TITLE_MAX) {
			/* Cut within a character: drop its first bytes. */
			w->title_cut = (s[i] & 0xc0) == 0x80;
			w->title_full = 1;
			break;
		}
		w->title[w->title_len++] = (char)s[i];
	}
}

static void
links_title_end(struct links_walk *w)
{
	size_t	 n = w->title_len;

	if (!w->in_title)
		return;
	w->in_title = 0;
	if (w->title_cut) {
		while (n > 0 && ((unsigned char)w->title[n - 1] & 0xc0) == 0x80)
			n--;
		if (n > 0 && ((unsigned char)w->title[n - 1] & 0xc0) == 0xc0)
			n--;
	}
	while (n > 0 && w->title[n - 1] == ' ')
		n--;
	w->title[n] = '\0';
	if ((w->out->title = strdup(w->title)) == NULL)
		w->oom = 1;
}

/*
 * The first <base href> (HTML, "document base URL"), if it resolves to an
 * http(s) URL.  It counts for the links written before it too: when there
 * are such links, the parse stops and runs again with this base.
 */
static void
links_base(struct links_walk *w, const xmlChar **atts)
{
	const char	*href;
	char		 url[URL_MAX];

	if (w->base_done || (href = links_attr(atts, "href")) == NULL)
		return;
	w->base_done = 1;
	if (url_resolve(w->page_url, href, url, sizeof(url)) != URL_WEB)
		return;
	memcpy(w->base, url, sizeof(url));
	if (w->out->n > 0 || w->out->dropped > 0) {
		w->again = 1;
		xmlStopParser(w->ctxt);
	}
}

/* SAX: an element starts (its name and attributes in lower case). */
static void
links_start(void *ctx, const xmlChar *xname, const xmlChar **atts)
{
	struct links_walk	*w = ctx;
	const struct links_rule	*r;
	const char		*name = (const char *)xname, *v;
	enum link_res		 res;
	size_t			 i;

	if (w->oom || w->again)
		return;
	if (strcasecmp(name, "title") == 0) {
		if (w->out->title == NULL && !w->in_title)
			w->in_title = 1;
		return;
	}
	if (strcasecmp(name, "base") == 0) {
		links_base(w, atts);
		return;
	}
	for (i = 0; i < sizeof(links_rules) / sizeof(links_rules[0]); i++) {
		r = &links_rules[i];
		if (strcasecmp(name, r->elem) != 0)
			continue;
		res = r->res;
		if (strcmp(r->elem, "link") == 0 &&
		    (res = links_rel(atts)) == RES_NONE)
			continue;
		if (strcmp(r->elem, "input") == 0 && !links_input_image(atts))
			continue;
		if ((v = links_attr(atts, r->attr)) == NULL)
			continue;
		links_add(w, r->kind, res, v, xmlSAX2GetLineNumber(w->ctxt));
	}
}

/* SAX: an element ends, written or implied. */
static void
links_end(void *ctx, const xmlChar *name)
{
	struct links_walk	*w = ctx;

	if (w->in_title && strcasecmp((const char *)name, "title") == 0)
		links_title_end(w);
}

/* SAX: text, white space included (the title's). */
static void
links_text(void *ctx, const xmlChar *s, int len)
{
	struct links_walk	*w = ctx;

	if (w->in_title && len > 0)
		links_title_text(w, s, (size_t)len);
}

/* SAX: script and style text, which is never the title's. */
static void
links_cdata(void *ctx, const xmlChar *s, int len)
{
	(void)ctx;
	(void)s;
	(void)len;
}

/*
 * One run of the parser over the page: 0; 1 if it stopped at bytes the
 * page's declared encoding cannot convert; -1 if none could start.
 */
static int
links_parse(struct links_walk *w, const char *html, int len, int options)
{
	htmlSAXHandler	 sax;
	htmlParserCtxtPtr ctxt;
	xmlSAXHandler	*old;
	int		 bad_enc;

	memset(&sax, 0, sizeof(sax));
	sax.startElement = links_start;
	sax.endElement = links_end;
	sax.characters = links_text;
	sax.ignorableWhitespace = links_text;
	sax.cdataBlock = links_cdata;
	if ((ctxt = htmlCreateMemoryParserCtxt(html, len)) == NULL)
		return -1;
	(void)htmlCtxtUseOptions(ctxt, options);
	/*
	 * UTF-8 until a <meta> says otherwise, as htmlReadMemory() has it;
	 * htmlCreateMemoryParserCtxt() alone would read ISO-8859-1.
	 */
	ctxt->charset = XML_CHAR_ENCODING_UTF8;
	/* As htmlSAXParseDoc() does: the handler swapped in, then back. */
	old = ctxt->sax;
	ctxt->sax = &sax;
	ctxt->userData = w;
	w->ctxt = ctxt;
	(void)htmlParseDocument(ctxt);
	bad_enc = ctxt->errNo == XML_ERR_INVALID_ENCODING ||
	    ctxt->errNo == XML_I18N_CONV_FAILED;
	ctxt->sax = old;
	ctxt->userData = NULL;
	w->ctxt = NULL;
	htmlFreeParserCtxt(ctxt);
	links_title_end(w);	/* a title the page never closed */
	return bad_enc;
}

static void
links_walk_reset(struct links_walk *w)
{
	links_free(w->out);
	free(w->seen.hash);
	free(w->seen.idx);
	memset(&w->seen, 0, sizeof(w->seen));
	w->cap = 0;
	w->in_title = w->title_len = w->title_space = 0;
	w->title_full = w->title_cut = 0;
}

int
links_extract(const char *html, size_t len, const char *page_url,
    struct links *out)
{
	struct links_walk	*w;
	xmlGenericErrorFunc	 old_err;
	void			*old_ctx;
	int			 rc, opts;

	links_init();
	/*
	 * Heads up: HTML_PARSE_NOERROR silences the parser, not its input
	 * layer, which prints "I/O error : encoder error" to stderr for bytes
	 * the declared encoding cannot convert.  The generic channel is the
	 * calling thread's own (libxml2 keeps it per thread), silenced while
	 * this runs and then given back.
	 */
	memset(out, 0, sizeof(*out));
	if (len == 0)
		return -1;
	if (len > INT_MAX)
		len = INT_MAX;
	/* Heap: two URL buffers and the title's. */
	if ((w = calloc(1, sizeof(*w))) == NULL)
		return -1;
	old_err = xmlGenericError;
	old_ctx = xmlGenericErrorContext;
	xmlSetGenericErrorFunc(NULL, links_quiet);
	w->out = out;
	w->page_url = page_url;
	snprintf(w->base, sizeof(w->base), "%s", page_url);
	opts = LINKS_OPTIONS;
	rc = links_parse(w, html, (int)len, opts);
	if (rc == 1 && !w->again && !w->oom) {
		/*
		 * Heads up: libxml2 stops the whole parse at the first bytes
		 * the declared encoding cannot convert, where a browser shows
		 * U+FFFD and goes on.  Then the declaration is ignored: UTF-8,
		 * else ISO-8859-1, which never fails, and the links (ASCII in
		 * nearly every page) are all found.
		 */
		links_walk_reset(w);
		opts |= HTML_PARSE_IGNORE_ENC;
		rc = links_parse(w, html, (int)len, opts);
	}
	if (rc >= 0 && w->again && !w->oom) {
		links_walk_reset(w);
		w->again = 0;
		rc = links_parse(w, html, (int)len, opts);
	}
	if (rc == 1)
		rc = 0;
	if (w->oom)
		rc = -1;
	if (rc == -1)
		links_free(out);
	xmlSetGenericErrorFunc(old_ctx, old_err);
	free(w->seen.hash);
	free(w->seen.idx);
	free(w);
	return rc;
}

void
links_free(struct links *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].url);
	free(l->v);
	free(l->title);
	memset(l, 0, sizeof(*l));
}
