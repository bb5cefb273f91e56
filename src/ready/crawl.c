/* SPDX-License-Identifier: ISC */
/*
 * One site checked as the assessment does, in its order: the homepage
 * host's AAAA records, the zone's name servers over IPv6, the homepage
 * fetched `attempts` times over each family (success rate, medians of its
 * times, the degradation ratio, the same page on both), then the links of
 * level 2 (the homepage's same-site anchors) and level 3 (theirs), each
 * fetched over IPv6, and the hosts the pages load resources from.  Every
 * failure becomes one entry of "failing" with one reason.
 *
 * Bounds: at most max_pages fetches in all (what is left is listed as
 * skipped), `concurrency` in flight and 10 starts a second per host
 * (fetch.c), redirects up to FETCH_HOPS, bodies up to CRAWL_BODY_MAX.
 */

#include <arpa/inet.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crawl.h"
#include "fetch.h"
#include "links.h"
#include "same.h"
#include "site.h"
#include "suggest.h"
#include "url.h"

#define CRAWL_BODY_MAX	(2u << 20)	/* pages whose links we read */
#define CRAWL_PROBE_MAX	(64u << 10)	/* a link or resource: its status */
#define CRAWL_ADDRS	8
#define CRAWL_NS	16

/* What our resolver said of a host, per family, once per check. */
struct crawl_host {
	char		 name[256];
	int		 done[2];	/* [0] AF_INET, [1] AF_INET6 */
	enum dns_rc	 rc[2];
	union addr_sa	 addr[2][CRAWL_ADDRS];
	size_t		 n[2];
};

/* A host the checked pages load resources from. */
struct crawl_res {
	char		 host[256];
	char		*url;		/* the first one met */
	unsigned	 urls;
	unsigned	 kinds;		/* 1 << enum link_res */
	int		 level;		/* of the page it was first met on */
	int		 same;		/* of the site */
};

/* A link to check at a level. */
struct crawl_link {
	char		*url;
	int		 level;
	struct fetch	*f;
};

struct crawl {
	const struct gw_conf		*gc;
	const struct conf_readiness	*rc;
	const struct crawl_target	*t;
	struct dns			*dns;
	int				 fresh;	/* homepage: no cache */
	struct crawl_host		*hosts;
	size_t				 nhosts, caphosts;
	char				**seen;
	size_t				 nseen, capseen;
	struct crawl_res		*res;
	size_t				 nres, capres;
	unsigned			 fetches;
	struct fetch_pace		*pace;	/* over the whole site */
	char				 host[256], zone[256];
	json_object			*failing, *skipped;
};

static int
crawl_fam(int family)
{
	return family == AF_INET6;
}

static struct crawl_host *
crawl_host_get(struct crawl *c, const char *name)
{
	struct crawl_host	*nh;
	size_t			 i;

	for (i = 0; i < c->nhosts; i++)
		if (strcmp(c->hosts[i].name, name) == 0)
			return &c->hosts[i];
	if (c->nhosts == c->caphosts) {
		size_t cap = c->caphosts ? c->caphosts * 2 : 32;

		if ((nh = realloc(c->hosts, cap * sizeof(*nh))) == NULL)
			return NULL;
		c->hosts = nh;
		c->caphosts = cap;
	}
	nh = &c->hosts[c->nhosts++];
	memset(nh, 0, sizeof(*nh));
	snprintf(nh->name, sizeof(nh->name), "%s", name);
	return nh;
}

/* fetch.c's resolver: once per host and family, except for the
   homepage's attempts (c->fresh), each timed on its own. */
static enum dns_rc
crawl_resolve(void *arg, const char *name, int family, union addr_sa *out,
    size_t *n, double *ms)
{
	struct crawl		*c = arg;
	struct crawl_host	*h;
	int			 k = crawl_fam(family);

	*ms = 0;
	if ((h = crawl_host_get(c, name)) == NULL)
		return DNS_FAIL;
	if (!h->done[k] || c->fresh) {
		h->rc[k] = dns_addrs(c->dns, name, family, h->addr[k],
		    CRAWL_ADDRS, &h->n[k], ms);
		h->done[k] = 1;
	}
	*n = h->n[k];
	if (*n > 0)
		*out = h->addr[k][0];
	return h->rc[k];
}

static struct crawl_host *
crawl_lookup(struct crawl *c, const char *name, int family)
{
	union addr_sa	 a;
	size_t		 n;
	double		 ms;

	crawl_resolve(c, name, family, &a, &n, &ms);
	return crawl_host_get(c, name);
}

/* Whether a is an address one of the gateway's listeners binds. */
static int
crawl_is_gateway(const struct crawl *c, const union addr_sa *a)
{
	union addr_sa	 x, y;
	size_t		 i;

	for (i = 0; i < c->gc->nlisteners; i++) {
		x = c->gc->listeners[i].addr;
		y = *a;
		if (x.sa.sa_family != y.sa.sa_family)
			continue;
		if (x.sa.sa_family == AF_INET ? x.sin.sin_addr.s_addr ==
		    y.sin.sin_addr.s_addr : memcmp(&x.sin6.sin6_addr,
		    &y.sin6.sin6_addr, 16) == 0)
			return 1;
	}
	return 0;
}

/* Whether the URL was met already; if not, it is now. */
static int
crawl_seen(struct crawl *c, const char *url)
{
	char	**nv;
	size_t	  i;

	for (i = 0; i < c->nseen; i++)
		if (strcmp(c->seen[i], url) == 0)
			return 1;
	if (c->nseen == c->capseen) {
		size_t cap = c->capseen ? c->capseen * 2 : 64;

		if ((nv = realloc(c->seen, cap * sizeof(*nv))) == NULL)
			return 1;
		c->seen = nv;
		c->capseen = cap;
	}
	c->seen[c->nseen++] = strdup(url);
	return 0;
}

static void
crawl_fail(struct crawl *c, const char *url, const char *host, int level,
    const char *reason, const char *detail)
{
	json_object	*o = json_object_new_object();

	json_object_object_add(o, "url", json_object_new_string(url));
	json_object_object_add(o, "host", json_object_new_string(host));
	json_object_object_add(o, "level", json_object_new_int(level));
	json_object_object_add(o, "reason", json_object_new_string(reason));
	json_object_object_add(o, "detail", json_object_new_string(detail));
	json_object_array_add(c->failing, o);
}

static void
crawl_skip(struct crawl *c, const char *url, int level, const char *reason)
{
	json_object	*o = json_object_new_object();

	json_object_object_add(o, "url", json_object_new_string(url));
	json_object_object_add(o, "level", json_object_new_int(level));
	json_object_object_add(o, "reason", json_object_new_string(reason));
	json_object_array_add(c->skipped, o);
}

/* Whether a fetch reached the page: a status below 400 at its end. */
static int
crawl_works(const struct fetch *f)
{
	return f->rc == FETCH_OK && f->status >= 200 && f->status < 400;
}

/*
 * The one reason an IPv6 fetch failed.  A same-site host whose AAAA
 * records all point away from this gateway is named so: that is what to
 * fix first.
 */
static const char *
crawl_reason(struct crawl *c, const struct fetch *f, char *detail,
    size_t len)
{
	struct crawl_host	*h = crawl_host_get(c, f->host);
	size_t			 i, gw = 0;
	int			 elsewhere;

	if (f->rc == FETCH_OK)
		snprintf(detail, len, "HTTP %d at %.200s", f->status,
		    f->final);
	else
		snprintf(detail, len, "%s", f->err);
	elsewhere = 0;
	if (h != NULL && h->n[1] > 0 && site_same(f->host, c->host)) {
		for (i = 0; i < h->n[1]; i++)
			gw += crawl_is_gateway(c, &h->addr[1][i]);
		elsewhere = gw == 0;
	}
	switch (f->rc) {
	case FETCH_NO_ADDR:
		return "no_aaaa";
	case FETCH_DNS:
	case FETCH_TIMEOUT:
		return elsewhere ? "aaaa_elsewhere" : "timeout";
	case FETCH_CONNECT:
		return elsewhere ? "aaaa_elsewhere" : "ipv6_unreachable";
	case FETCH_TLS:
		return "tls_error";
	case FETCH_PROTO:
	case FETCH_REDIRECTS:
	case FETCH_OK:
	default:
		return "http_error";
	}
}

static struct fetch *
crawl_fetch_new(const char *url, int family)
{
	struct fetch	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return NULL;
	snprintf(f->url, sizeof(f->url), "%s", url);
	f->family = family;
	return f;
}

static void
crawl_fetch_free(struct fetch *f)
{
	if (f == NULL)
		return;
	fetch_clear(f);
	free(f);
}

/* Run fetches within what is left of max_pages; 0 when none could. */
static size_t
crawl_run(struct crawl *c, struct fetch **v, size_t n, size_t body_max)
{
	struct fetch_opts	 o;
	size_t			 left;

	left = c->rc->max_pages > c->fetches ? c->rc->max_pages -
	    c->fetches : 0;
	if (n > left)
		n = left;
	if (n == 0)
		return 0;
	o.concurrency = c->rc->concurrency;
	o.timeout = c->rc->timeout;
	o.insecure = c->rc->insecure;
	o.body_max = body_max;
	o.resolve = crawl_resolve;
	o.resolve_arg = c;
	o.pace = c->pace;
	fetch_run(&o, v, n);
	c->fetches += (unsigned)n;
	return n;
}

static json_object *
crawl_addrs(const union addr_sa *v, size_t n)
{
	json_object	*a = json_object_new_array();
	char		 ip[INET6_ADDRSTRLEN];
	size_t		 i;

	for (i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(addr_fmt_ip(
		    &v[i], ip, sizeof(ip))));
	return a;
}

static json_object *
crawl_aaaa(struct crawl *c, json_object *site)
{
	struct crawl_host	*h;
	json_object		*o = json_object_new_object(), *recs, *r;
	char			 ip[INET6_ADDRSTRLEN];
	size_t			 i;

	h = crawl_lookup(c, c->host, AF_INET6);
	crawl_lookup(c, c->host, AF_INET);
	recs = json_object_new_array();
	for (i = 0; h != NULL && i < h->n[1]; i++) {
		r = json_object_new_object();
		json_object_object_add(r, "address", json_object_new_string(
		    addr_fmt_ip(&h->addr[1][i], ip, sizeof(ip))));
		json_object_object_add(r, "gateway", json_object_new_boolean(
		    crawl_is_gateway(c, &h->addr[1][i])));
		json_object_array_add(recs, r);
	}
	json_object_object_add(o, "ok", json_object_new_boolean(h != NULL &&
	    h->n[1] > 0));
	json_object_object_add(o, "records", recs);
	json_object_object_add(o, "a", h != NULL ? crawl_addrs(h->addr[0],
	    h->n[0]) : json_object_new_array());
	if (h == NULL || h->rc[1] == DNS_TIMEOUT || h->rc[1] == DNS_FAIL)
		json_object_object_add(o, "error", json_object_new_string(
		    h != NULL ? dns_rc_name(h->rc[1]) : "out of memory"));
	json_object_object_add(site, "aaaa", o);
	return o;
}

/* The zone's name servers, each asked over IPv6 at its AAAA records. */
static int
crawl_ns(struct crawl *c, json_object *site)
{
	char			 names[CRAWL_NS][DNS_NAME_MAX];
	json_object		*o = json_object_new_object(), *arr, *s;
	struct crawl_host	*h;
	size_t			 n = 0, i, j, v6 = 0;
	enum dns_rc		 rc;
	double			 ms;
	int			 up;

	rc = dns_ns(c->dns, c->zone, names, CRAWL_NS, &n);
	arr = json_object_new_array();
	for (i = 0; i < n; i++) {
		h = crawl_lookup(c, names[i], AF_INET6);
		up = 0;
		for (j = 0; h != NULL && j < h->n[1] && !up; j++)
			up = dns_probe(&h->addr[1][j], c->zone,
			    c->rc->timeout * 1000, &ms) == DNS_OK;
		v6 += up;
		s = json_object_new_object();
		json_object_object_add(s, "name", json_object_new_string(
		    names[i]));
		json_object_object_add(s, "aaaa", h != NULL ? crawl_addrs(
		    h->addr[1], h->n[1]) : json_object_new_array());
		json_object_object_add(s, "ipv6", json_object_new_boolean(up));
		json_object_array_add(arr, s);
		if (!up)
			crawl_fail(c, names[i], names[i], 0, h != NULL &&
			    h->n[1] > 0 ? "ipv6_unreachable" : "no_aaaa",
			    h != NULL && h->n[1] > 0 ? "name server does not "
			    "answer over IPv6" : "name server has no AAAA "
			    "record");
	}
	if (rc != DNS_OK)
		json_object_object_add(o, "error", json_object_new_string(
		    dns_rc_name(rc)));
	json_object_object_add(o, "ok", json_object_new_boolean(n > 0 &&
	    v6 == n));
	json_object_object_add(o, "servers", arr);
	json_object_object_add(o, "total", json_object_new_int((int)n));
	json_object_object_add(o, "ipv6", json_object_new_int((int)v6));
	json_object_object_add(site, "ns", o);
	return n > 0 && v6 == n;
}

static int
crawl_cmp_double(const void *a, const void *b)
{
	double	x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
crawl_median(double *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), crawl_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The homepage over one family: attempts, medians; the last good page. */
struct crawl_home {
	unsigned	 attempts, successes;
	struct fetch	*page;		/* the last that worked, or the last */
	char		*title;
	double		 med[5];	/* dns connect tls first_byte total */
};

static const char *const crawl_times[5] = {
	"dns", "connect", "tls", "first_byte", "total"
};

static double
crawl_round(double v)
{
	return round(v * 1000) / 1000;
}

static void
crawl_home(struct crawl *c, const char *url, int family,
    struct crawl_home *hp)
{
	double		*t[5];
	struct fetch	*f;
	struct links	 l;
	unsigned	 i, k;

	memset(hp, 0, sizeof(*hp));
	for (k = 0; k < 5; k++)
		t[k] = calloc(c->rc->attempts, sizeof(double));
	c->fresh = 1;
	for (i = 0; i < c->rc->attempts; i++) {
		if ((f = crawl_fetch_new(url, family)) == NULL)
			break;
		if (crawl_run(c, &f, 1, CRAWL_BODY_MAX) == 0) {
			crawl_fetch_free(f);
			break;
		}
		hp->attempts++;
		if (crawl_works(f) && t[4] != NULL) {
			double v[5] = { f->t.dns, f->t.connect, f->t.tls,
			    f->t.first_byte, f->t.total };

			for (k = 0; k < 5; k++)
				if (t[k] != NULL)
					t[k][hp->successes] = v[k];
			hp->successes++;
		}
		if (hp->page == NULL || crawl_works(f) ||
		    !crawl_works(hp->page)) {
			crawl_fetch_free(hp->page);
			hp->page = f;
		} else
			crawl_fetch_free(f);
	}
	c->fresh = 0;
	for (k = 0; k < 5; k++) {
		hp->med[k] = t[k] != NULL ? crawl_median(t[k],
		    hp->successes) : 0;
		free(t[k]);
	}
	if (hp->page != NULL && hp->page->body != NULL &&
	    links_extract(hp->page->body, hp->page->len, hp->page->final,
	    &l) == 0) {
		if (l.title != NULL)
			hp->title = strdup(l.title);
		links_free(&l);
	}
}

static json_object *
crawl_home_json(const struct crawl_home *hp)
{
	json_object	*o = json_object_new_object(), *t;
	unsigned	 k;

	json_object_object_add(o, "attempts", json_object_new_int(
	    (int)hp->attempts));
	json_object_object_add(o, "successes", json_object_new_int(
	    (int)hp->successes));
	json_object_object_add(o, "status", json_object_new_int(
	    hp->page != NULL ? hp->page->status : 0));
	json_object_object_add(o, "url", json_object_new_string(
	    hp->page != NULL ? hp->page->final : ""));
	json_object_object_add(o, "title", hp->title != NULL ?
	    json_object_new_string(hp->title) : NULL);
	if (hp->page != NULL && !crawl_works(hp->page))
		json_object_object_add(o, "error", json_object_new_string(
		    hp->page->rc == FETCH_OK ? "HTTP status" :
		    hp->page->err));
	t = json_object_new_object();
	for (k = 0; k < 5; k++)
		json_object_object_add(t, crawl_times[k],
		    json_object_new_double(crawl_round(hp->med[k])));
	json_object_object_add(o, "times", t);
	return o;
}

/* The homepage on both families: rate, consistency, degradation. */
static json_object *
crawl_homepage(struct crawl *c, const char *url, struct crawl_home *h6,
    struct crawl_home *h4, int *ok, double *overall)
{
	json_object		*o = json_object_new_object(), *d, *s;
	struct same_page	 p6, p4;
	struct same_result	 r;
	struct url_parts	 u6, u4;
	double			 rate, x;
	unsigned		 k;
	char			 detail[300];

	crawl_home(c, url, AF_INET6, h6);
	crawl_home(c, url, AF_INET, h4);
	json_object_object_add(o, "ipv6", crawl_home_json(h6));
	json_object_object_add(o, "ipv4", crawl_home_json(h4));
	rate = h6->attempts ? (double)h6->successes / h6->attempts : 0;
	json_object_object_add(o, "success_rate", json_object_new_double(
	    crawl_round(rate)));

	memset(&r, 0, sizeof(r));
	if (h6->successes > 0 && h4->successes > 0) {
		url_split(h6->page->final, &u6);
		url_split(h4->page->final, &u4);
		p6 = (struct same_page){ h6->page->status, u6.path,
		    h6->title, h6->page->body ? h6->page->body : "",
		    h6->page->len };
		p4 = (struct same_page){ h4->page->status, u4.path,
		    h4->title, h4->page->body ? h4->page->body : "",
		    h4->page->len };
		same_compare(&p6, &p4, &r);
	}
	json_object_object_add(o, "consistent", json_object_new_boolean(
	    r.consistent));
	s = json_object_new_object();
	json_object_object_add(s, "status", json_object_new_boolean(
	    r.status));
	json_object_object_add(s, "path", json_object_new_boolean(r.path));
	json_object_object_add(s, "title", json_object_new_boolean(
	    r.title));
	json_object_object_add(s, "similarity", json_object_new_double(
	    crawl_round(r.similarity)));
	json_object_object_add(o, "consistency", s);

	/* (v6 - v4) / v4 per time; none when either family never worked */
	d = json_object_new_object();
	*overall = NAN;
	for (k = 0; k < 5; k++) {
		if (h6->successes == 0 || h4->successes == 0 ||
		    h4->med[k] <= 0) {
			json_object_object_add(d, crawl_times[k], NULL);
			continue;
		}
		x = (h6->med[k] - h4->med[k]) / h4->med[k];
		json_object_object_add(d, crawl_times[k],
		    json_object_new_double(crawl_round(x)));
		if (k == 4)
			*overall = x;
	}
	json_object_object_add(d, "overall", isnan(*overall) ? NULL :
	    json_object_new_double(crawl_round(*overall)));
	json_object_object_add(o, "degradation", d);

	if (h6->successes < h6->attempts && h6->page != NULL) {
		const char *why = crawl_works(h6->page) ? "timeout" :
		    crawl_reason(c, h6->page, detail, sizeof(detail));

		if (crawl_works(h6->page))
			snprintf(detail, sizeof(detail), "%u of %u attempts "
			    "failed", h6->attempts - h6->successes,
			    h6->attempts);
		crawl_fail(c, url, c->host, 1, why, detail);
	}
	if (h6->successes > 0 && h4->successes > 0 && !r.consistent) {
		snprintf(detail, sizeof(detail), "the IPv6 homepage differs "
		    "from the IPv4 one:%s%s%s similarity %.2f",
		    r.status ? "" : " status,", r.path ? "" : " final path,",
		    r.title ? "" : " title,", r.similarity);
		crawl_fail(c, url, c->host, 1, "http_error", detail);
	}
	*ok = rate >= 0.9 && r.consistent;
	return o;
}

static void
crawl_res_add(struct crawl *c, const struct link *l, const char *host,
    int level)
{
	struct crawl_res	*nr;
	size_t			 i;

	for (i = 0; i < c->nres; i++)
		if (strcmp(c->res[i].host, host) == 0) {
			c->res[i].urls++;
			c->res[i].kinds |= 1u << l->res;
			return;
		}
	if (c->nres == c->capres) {
		size_t cap = c->capres ? c->capres * 2 : 16;

		if ((nr = realloc(c->res, cap * sizeof(*nr))) == NULL)
			return;
		c->res = nr;
		c->capres = cap;
	}
	nr = &c->res[c->nres++];
	memset(nr, 0, sizeof(*nr));
	snprintf(nr->host, sizeof(nr->host), "%s", host);
	nr->url = strdup(l->url);
	nr->urls = 1;
	nr->kinds = 1u << l->res;
	nr->level = level;
	nr->same = site_same(host, c->host);
}

/*
 * The links of one page at `level` (the level its anchors lead to):
 * same-site anchors not met yet go to out; IPv4 literals count and fail
 * there; what is not the web is listed as skipped; resources are noted
 * when want_res.
 */
static void
crawl_page_links(struct crawl *c, const struct fetch *page, int level,
    int want_res, struct crawl_link **out, size_t *n, size_t *cap)
{
	struct links		 l;
	struct url_parts	 u;
	struct crawl_link	*nv;
	size_t			 i;

	if (page == NULL || page->body == NULL ||
	    links_extract(page->body, page->len, page->final, &l) == -1)
		return;
	for (i = 0; i < l.n; i++) {
		const struct link *k = &l.v[i];

		if (k->kind == LINK_RESOURCE) {
			if (want_res && k->ukind == URL_WEB &&
			    url_split(k->url, &u) == 0)
				crawl_res_add(c, k, u.host, level - 1);
			continue;
		}
		if (k->ukind != URL_WEB) {
			if (k->ukind == URL_NOT_WEB && !crawl_seen(c, k->url))
				crawl_skip(c, k->url, level, "not_web");
			continue;
		}
		if (url_split(k->url, &u) == -1)
			continue;
		if (!url_host_is_ipv4(u.host) && !site_same(u.host, c->host))
			continue;	/* another site: not graded */
		if (crawl_seen(c, k->url))
			continue;
		if (*n == *cap) {
			size_t ncap = *cap ? *cap * 2 : 64;

			if ((nv = realloc(*out, ncap * sizeof(*nv))) == NULL)
				break;
			*out = nv;
			*cap = ncap;
		}
		(*out)[*n].url = strdup(k->url);
		(*out)[*n].level = level;
		(*out)[*n].f = NULL;
		(*n)++;
	}
	links_free(&l);
}

/*
 * Check the links of one level over IPv6: the counts, a failing entry
 * for each that does not work.  With need_pages, the pages that failed
 * over IPv6 are fetched over IPv4 for their links.
 */
static void
crawl_level(struct crawl *c, struct crawl_link *v, size_t n, int level,
    unsigned *links, unsigned *ok, int need_pages)
{
	struct fetch		**fv;
	struct url_parts	 u;
	char			 detail[300];
	size_t			 i, nf = 0, ran;

	*links = *ok = 0;
	if ((fv = calloc(n + 1, sizeof(*fv))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		url_split(v[i].url, &u);
		if (url_host_is_ipv4(u.host)) {
			(*links)++;
			crawl_fail(c, v[i].url, u.host, level, "ipv4_literal",
			    "a link written with an IPv4 address");
			continue;
		}
		if ((v[i].f = crawl_fetch_new(v[i].url, AF_INET6)) != NULL)
			fv[nf++] = v[i].f;
	}
	ran = crawl_run(c, fv, nf, need_pages ? CRAWL_BODY_MAX :
	    CRAWL_PROBE_MAX);
	for (i = 0; i < nf; i++) {
		struct fetch *f = fv[i];

		if (i >= ran) {
			crawl_skip(c, f->url, level, "max_pages");
			continue;
		}
		(*links)++;
		if (crawl_works(f)) {
			(*ok)++;
			continue;
		}
		crawl_fail(c, f->url, f->host, level, crawl_reason(c, f,
		    detail, sizeof(detail)), detail);
		if (need_pages) {
			/* its links still lead somewhere: read it over IPv4 */
			struct fetch *g = crawl_fetch_new(f->url, AF_INET);

			if (g != NULL) {
				fetch_clear(f);
				if (crawl_run(c, &g, 1, CRAWL_BODY_MAX) == 1)
					*f = *g;
				free(g);
			}
		}
	}
	free(fv);
}

static json_object *
crawl_level_json(int level, unsigned links, unsigned ok)
{
	json_object	*o = json_object_new_object();

	json_object_object_add(o, "level", json_object_new_int(level));
	json_object_object_add(o, "links", json_object_new_int((int)links));
	json_object_object_add(o, "ipv6", json_object_new_int((int)ok));
	json_object_object_add(o, "rate", json_object_new_double(
	    crawl_round(links ? (double)ok / links : 1)));
	return o;
}

/* Each resource host: its first URL over IPv6. */
static json_object *
crawl_resources(struct crawl *c)
{
	json_object	*arr = json_object_new_array(), *o, *kinds;
	struct fetch	**fv;
	char		 detail[300];
	size_t		 i, ran, k;

	if ((fv = calloc(c->nres + 1, sizeof(*fv))) == NULL)
		return arr;
	for (i = 0; i < c->nres; i++)
		fv[i] = crawl_fetch_new(c->res[i].url, AF_INET6);
	ran = crawl_run(c, fv, c->nres, CRAWL_PROBE_MAX);
	for (i = 0; i < c->nres; i++) {
		o = json_object_new_object();
		json_object_object_add(o, "host", json_object_new_string(
		    c->res[i].host));
		if (i < ran)
			json_object_object_add(o, "ipv6",
			    json_object_new_boolean(crawl_works(fv[i])));
		else
			json_object_object_add(o, "ipv6", NULL);
		json_object_object_add(o, "same_site",
		    json_object_new_boolean(c->res[i].same));
		json_object_object_add(o, "urls", json_object_new_int(
		    (int)c->res[i].urls));
		kinds = json_object_new_array();
		for (k = RES_IMAGE; k <= RES_MEDIA; k++)
			if (c->res[i].kinds & (1u << k))
				json_object_array_add(kinds,
				    json_object_new_string(links_res_name(
				    (enum link_res)k)));
		json_object_object_add(o, "kinds", kinds);
		json_object_array_add(arr, o);
		if (i >= ran)
			crawl_skip(c, c->res[i].url, c->res[i].level,
			    "max_pages");
		else if (!crawl_works(fv[i]))
			crawl_fail(c, c->res[i].url, c->res[i].host,
			    c->res[i].level, crawl_reason(c, fv[i], detail,
			    sizeof(detail)), detail);
		crawl_fetch_free(fv[i]);
	}
	free(fv);
	return arr;
}

/* The homepage host's A records that are not the gateway's: IPv4 goes
   around the gateway, which then counts only IPv6. */
static int
crawl_bypass(struct crawl *c)
{
	struct crawl_host	*h = crawl_host_get(c, c->host);
	size_t			 i, j, k;
	int			 bypass = 0;

	for (i = 0; h != NULL && i < h->n[0]; i++) {
		int mine = 0;

		for (j = 0; j < c->t->nsvcs; j++)
			for (k = 0; k < c->t->svcs[j]->nlisteners; k++) {
				const union addr_sa *l =
				    &c->t->svcs[j]->listeners[k]->addr;

				if (l->sa.sa_family == AF_INET &&
				    l->sin.sin_addr.s_addr ==
				    h->addr[0][i].sin.sin_addr.s_addr)
					mine = 1;
			}
		if (!mine)
			bypass = 1;
	}
	return bypass;
}

static void
crawl_links_free(struct crawl_link *v, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++) {
		free(v[i].url);
		crawl_fetch_free(v[i].f);
	}
	free(v);
}

static void
crawl_free(struct crawl *c)
{
	size_t	i;

	for (i = 0; i < c->nseen; i++)
		free(c->seen[i]);
	free(c->seen);
	for (i = 0; i < c->nres; i++)
		free(c->res[i].url);
	free(c->res);
	free(c->hosts);
	fetch_pace_free(c->pace);
}

json_object *
crawl_site(const struct gw_conf *gc, struct dns *dns,
    const struct crawl_target *t)
{
	struct crawl		 c;
	struct crawl_home	 h6, h4;
	struct crawl_link	*l2 = NULL, *l3 = NULL;
	struct url_parts	 u;
	json_object		*site, *levels, *names;
	const struct fetch	*home;
	size_t			 n2 = 0, c2 = 0, n3 = 0, c3 = 0, i;
	unsigned		 links2 = 0, ok2 = 0, links3 = 0, ok3 = 0;
	double			 overall = NAN;
	char			 buf[256];
	int			 home_ok, ns_ok, aaaa_ok, pass;

	memset(&c, 0, sizeof(c));
	c.gc = gc;
	c.rc = &gc->readiness;
	c.t = t;
	c.dns = dns;
	c.failing = json_object_new_array();
	c.skipped = json_object_new_array();
	c.pace = fetch_pace_new();

	site = json_object_new_object();
	json_object_object_add(site, "service", json_object_new_string(
	    t->svcs[0]->name));
	names = json_object_new_array();
	for (i = 0; i < t->nsvcs; i++)
		json_object_array_add(names, json_object_new_string(
		    t->svcs[i]->name));
	json_object_object_add(site, "services", names);
	json_object_object_add(site, "site", json_object_new_string(t->site));
	if (url_split(t->site, &u) == -1) {
		json_object_object_add(site, "pass",
		    json_object_new_boolean(0));
		json_object_object_add(site, "error", json_object_new_string(
		    "not an http(s) URL"));
		json_object_put(c.failing);
		json_object_put(c.skipped);
		fetch_pace_free(c.pace);
		return site;
	}
	snprintf(c.host, sizeof(c.host), "%s", u.host);
	if (site_registrable(u.host, buf, sizeof(buf)) != NULL)
		snprintf(c.zone, sizeof(c.zone), "%s", buf);
	else
		snprintf(c.zone, sizeof(c.zone), "%s", u.host);
	json_object_object_add(site, "host", json_object_new_string(c.host));
	json_object_object_add(site, "zone", json_object_new_string(c.zone));

	aaaa_ok = json_object_get_boolean(json_object_object_get(
	    crawl_aaaa(&c, site), "ok"));
	ns_ok = crawl_ns(&c, site);
	crawl_seen(&c, t->site);
	json_object_object_add(site, "homepage", crawl_homepage(&c, t->site,
	    &h6, &h4, &home_ok, &overall));

	/* level 2: the homepage's links, as an IPv6 visitor sees it */
	home = h6.successes > 0 ? h6.page : h4.successes > 0 ? h4.page :
	    NULL;
	if (home != NULL)
		crawl_seen(&c, home->final);
	if (home != NULL && c.rc->depth >= 2) {
		crawl_page_links(&c, home, 2, 1, &l2, &n2, &c2);
		crawl_level(&c, l2, n2, 2, &links2, &ok2, c.rc->depth >= 3);
	}
	if (c.rc->depth >= 3) {
		for (i = 0; i < n2; i++)
			if (l2[i].f != NULL && l2[i].f->rc == FETCH_OK)
				crawl_page_links(&c, l2[i].f, 3, 1, &l3, &n3,
				    &c3);
		crawl_level(&c, l3, n3, 3, &links3, &ok3, 0);
	}
	levels = json_object_new_array();
	if (c.rc->depth >= 2)
		json_object_array_add(levels, crawl_level_json(2, links2,
		    ok2));
	if (c.rc->depth >= 3)
		json_object_array_add(levels, crawl_level_json(3, links3,
		    ok3));
	json_object_object_add(site, "levels", levels);
	json_object_object_add(site, "pages", json_object_new_int(
	    (int)(1 + links2 + links3)));
	json_object_object_add(site, "fetches", json_object_new_int(
	    (int)c.fetches));
	json_object_object_add(site, "resources", crawl_resources(&c));
	json_object_object_add(site, "failing", c.failing);
	json_object_object_add(site, "skipped", c.skipped);
	json_object_object_add(site, "ipv4_bypass", json_object_new_boolean(
	    crawl_bypass(&c)));

	pass = aaaa_ok && ns_ok && home_ok &&
	    (links2 == 0 || (double)ok2 / links2 >= c.rc->min_link_rate) &&
	    (links3 == 0 || (double)ok3 / links3 >= c.rc->min_link_rate) &&
	    !isnan(overall) && overall <= c.rc->max_degradation;
	json_object_object_add(site, "pass", json_object_new_boolean(pass));
	json_object_object_add(site, "suggest", suggest_site(gc, dns, t,
	    site));

	crawl_fetch_free(h6.page);
	crawl_fetch_free(h4.page);
	free(h6.title);
	free(h4.title);
	crawl_links_free(l2, n2);
	crawl_links_free(l3, n3);
	crawl_free(&c);
	return site;
}
