/* SPDX-License-Identifier: ISC */
/*
 * The readiness check's fetches on one libcurl multi handle.  libcurl does
 * the HTTP and the TLS; this file decides what runs when (the concurrency
 * and per-host pace bounds), pins each hop to the address our resolver
 * found (CURLOPT_CONNECT_TO an address literal: libcurl's own lookup
 * would use another resolver and not be timed; CURLOPT_RESOLVE would put
 * one family's address in the cache that every handle of the multi
 * shares), and follows redirects itself for the same reason.
 */

#include <arpa/inet.h>

#include <curl/curl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "fetch.h"

#define FETCH_PACE_US	100000		/* one host: 10 starts a second */

struct fetch_host {
	char		 name[256];
	uint64_t	 last;		/* start, microseconds */
};

struct fetch_pace {
	struct fetch_host	*hosts;
	size_t			 nhosts, caphosts;
};

struct fetch_run {
	const struct fetch_opts	*o;
	CURLM			*m;
	struct fetch		**queue;	/* not started */
	size_t			 nqueue;
	unsigned		 running;
	struct fetch_pace	*pace;
};

struct fetch_pace *
fetch_pace_new(void)
{
	return calloc(1, sizeof(struct fetch_pace));
}

void
fetch_pace_free(struct fetch_pace *p)
{
	if (p == NULL)
		return;
	free(p->hosts);
	free(p);
}

static pthread_once_t	fetch_once = PTHREAD_ONCE_INIT;

static void
fetch_lib_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t
fetch_write(char *p, size_t size, size_t nmemb, void *arg)
{
	struct fetch	*f = arg;
	size_t		 n = size * nmemb, want;
	char		*nb;

	/* body_max is the bound: the fetch ends there, the status counts */
	if (n > f->cap - f->len) {
		f->truncated = 1;
		n = f->cap - f->len;
	}
	if (f->len + n + 1 > f->alloc) {
		want = f->alloc ? f->alloc : 16384;
		while (want < f->len + n + 1)
			want *= 2;
		if ((nb = realloc(f->body, want)) == NULL)
			return 0;
		f->body = nb;
		f->alloc = want;
	}
	memcpy(f->body + f->len, p, n);
	f->len += n;
	f->body[f->len] = '\0';
	return f->truncated ? 0 : size * nmemb;
}

static uint64_t *
fetch_host_last(struct fetch_run *run, const char *name)
{
	struct fetch_pace	*r = run->pace;
	struct fetch_host	*nh;
	size_t			 i;

	for (i = 0; i < r->nhosts; i++)
		if (strcmp(r->hosts[i].name, name) == 0)
			return &r->hosts[i].last;
	if (r->nhosts == r->caphosts) {
		size_t cap = r->caphosts ? r->caphosts * 2 : 16;

		if ((nh = realloc(r->hosts, cap * sizeof(*nh))) == NULL)
			return NULL;
		r->hosts = nh;
		r->caphosts = cap;
	}
	snprintf(r->hosts[r->nhosts].name, sizeof(r->hosts[0].name), "%s",
	    name);
	r->hosts[r->nhosts].last = 0;
	return &r->hosts[r->nhosts++].last;
}

static void __attribute__((format(printf, 3, 4)))
fetch_fail(struct fetch *f, enum fetch_rc rc, const char *fmt, ...)
{
	va_list	ap;

	f->rc = rc;
	va_start(ap, fmt);
	vsnprintf(f->err, sizeof(f->err), fmt, ap);
	va_end(ap);
}

/*
 * Set f's handle up for the hop to url: resolve its host in f's family,
 * pin it.  0, or -1 with f answered.
 */
static int
fetch_hop(struct fetch_run *r, struct fetch *f, const char *url)
{
	const struct fetch_opts	*o = r->o;
	struct url_parts	 u;
	union addr_sa		 a;
	struct curl_slist	*pin;
	char			 ip[INET6_ADDRSTRLEN], line[600];
	size_t			 n = 0;
	double			 ms = 0;
	enum dns_rc		 rc;
	CURL			*h = f->h;

	if (url_split(url, &u) == -1) {
		fetch_fail(f, FETCH_REDIRECTS, "redirected to %s, not http(s)",
		    url);
		return -1;
	}
	snprintf(f->final, sizeof(f->final), "%s", url);
	snprintf(f->host, sizeof(f->host), "%s", u.host);
	if (url_host_is_ipv4(u.host) || url_host_is_ipv6(u.host)) {
		if ((url_host_is_ipv4(u.host) ? AF_INET : AF_INET6) !=
		    f->family) {
			fetch_fail(f, FETCH_NO_ADDR, "%s is an address of the "
			    "other family", u.host);
			return -1;
		}
		pin = NULL;
	} else {
		rc = o->resolve(o->resolve_arg, u.host, f->family, &a, &n,
		    &ms);
		f->t.dns += ms;
		f->t.total += ms;
		if (rc == DNS_TIMEOUT || rc == DNS_FAIL) {
			fetch_fail(f, FETCH_DNS, "resolver: %s", dns_rc_name(
			    rc));
			return -1;
		}
		if (rc == DNS_NONAME || n == 0) {
			fetch_fail(f, FETCH_NO_ADDR, "%s has no %s record",
			    u.host, f->family == AF_INET6 ? "AAAA" : "A");
			return -1;
		}
		addr_fmt_ip(&a, ip, sizeof(ip));
		snprintf(line, sizeof(line), f->family == AF_INET6 ?
		    "%s:%u:[%s]:%u" : "%s:%u:%s:%u", u.host, u.port, ip,
		    u.port);
		pin = curl_slist_append(NULL, line);
	}
	curl_slist_free_all(f->pin);
	f->pin = pin;
	fetch_clear(f);
	f->truncated = 0;

	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_CONNECT_TO, pin);
	curl_easy_setopt(h, CURLOPT_IPRESOLVE, f->family == AF_INET6 ?
	    CURL_IPRESOLVE_V6 : CURL_IPRESOLVE_V4);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)o->timeout);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)o->timeout);
	curl_easy_setopt(h, CURLOPT_USERAGENT, "v6gate-readiness/"
	    PACKAGE_VERSION);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, fetch_write);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, f);
	curl_easy_setopt(h, CURLOPT_PRIVATE, f);
	/* a new connection per fetch: each is timed as a visitor's first */
	curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
	if (o->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	return 0;
}

static int
fetch_tls_code(CURLcode c)
{
	switch (c) {
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_USE_SSL_FAILED:
		return 1;
	default:
		return 0;
	}
}

static double
fetch_info_ms(CURL *h, CURLINFO what)
{
	curl_off_t	v = 0;

	curl_easy_getinfo(h, what, &v);
	return (double)v / 1e3;
}

/*
 * A hop is over: its times, and either the fetch's answer or the next
 * hop (queued at the front, so a redirect chain is not starved).
 */
static int
fetch_done(struct fetch_run *r, struct fetch *f, CURLcode c)
{
	CURL	*h = f->h;
	double	 conn, app, pre, start;
	long	 status = 0;
	char	*loc = NULL, next[URL_MAX];

	conn = fetch_info_ms(h, CURLINFO_CONNECT_TIME_T);
	app = fetch_info_ms(h, CURLINFO_APPCONNECT_TIME_T);
	pre = fetch_info_ms(h, CURLINFO_PRETRANSFER_TIME_T);
	start = fetch_info_ms(h, CURLINFO_STARTTRANSFER_TIME_T);
	f->t.total += fetch_info_ms(h, CURLINFO_TOTAL_TIME_T);
	f->t.connect = conn;
	f->t.tls = app > conn ? app - conn : 0;
	f->t.first_byte = start > pre ? start - pre : 0;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	f->status = (int)status;

	if (c != CURLE_OK && !(c == CURLE_WRITE_ERROR && f->truncated)) {
		f->rc = c == CURLE_OPERATION_TIMEDOUT ? FETCH_TIMEOUT :
		    c == CURLE_COULDNT_CONNECT ? FETCH_CONNECT :
		    fetch_tls_code(c) ? FETCH_TLS : FETCH_PROTO;
		fetch_fail(f, f->rc, "%s", curl_easy_strerror(c));
		return 0;
	}
	f->rc = FETCH_OK;
	if (status < 300 || status > 399 ||
	    curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc) != CURLE_OK ||
	    loc == NULL)
		return 0;
	if (f->hops == FETCH_HOPS) {
		fetch_fail(f, FETCH_REDIRECTS, "more than %d redirects",
		    FETCH_HOPS);
		return 0;
	}
	snprintf(next, sizeof(next), "%s", loc);
	f->hops++;
	if (fetch_hop(r, f, next) == -1)
		return 0;
	memmove(r->queue + 1, r->queue, r->nqueue * sizeof(*r->queue));
	r->queue[0] = f;
	r->nqueue++;
	return 1;
}

/* Start what the bounds allow; the wait until the next may start. */
static long
fetch_start(struct fetch_run *r)
{
	uint64_t	 now = clock_us(CLOCK_MONOTONIC), *last;
	long		 wait = 1000;
	size_t		 i;

	for (i = 0; i < r->nqueue && r->running < r->o->concurrency;) {
		struct fetch	*f = r->queue[i];

		last = fetch_host_last(r, f->host);
		if (last != NULL && *last != 0 && now - *last <
		    FETCH_PACE_US) {
			long w = (long)((FETCH_PACE_US - (now - *last)) /
			    1000) + 1;

			if (w < wait)
				wait = w;
			i++;
			continue;
		}
		if (last != NULL)
			*last = now;
		memmove(r->queue + i, r->queue + i + 1, (r->nqueue - i - 1) *
		    sizeof(*r->queue));
		r->nqueue--;
		curl_multi_add_handle(r->m, f->h);
		r->running++;
	}
	return wait;
}

void
fetch_run(const struct fetch_opts *o, struct fetch **v, size_t n)
{
	struct fetch_run	 r = { o, NULL, NULL, 0, 0, NULL };
	struct fetch_pace	 own = { NULL, 0, 0 };
	struct CURLMsg		*msg;
	struct fetch		*f;
	size_t			 i;
	int			 still, left, ended;
	long			 wait;

	pthread_once(&fetch_once, fetch_lib_init);
	r.pace = o->pace != NULL ? o->pace : &own;
	/* a redirect re-queues its fetch: room for all of them */
	if ((r.queue = calloc(n + 1, sizeof(*r.queue))) == NULL ||
	    (r.m = curl_multi_init()) == NULL) {
		for (i = 0; i < n; i++)
			fetch_fail(v[i], FETCH_PROTO, "%s", "out of memory");
		free(r.queue);
		return;
	}
	for (i = 0; i < n; i++) {
		f = v[i];
		f->rc = FETCH_OK;
		f->status = 0;
		f->hops = 0;
		f->err[0] = '\0';
		memset(&f->t, 0, sizeof(f->t));
		f->cap = o->body_max;
		if ((f->h = curl_easy_init()) == NULL) {
			fetch_fail(f, FETCH_PROTO, "%s", "out of memory");
			continue;
		}
		if (fetch_hop(&r, f, f->url) == 0)
			r.queue[r.nqueue++] = f;
	}
	while (r.nqueue > 0 || r.running > 0) {
		wait = fetch_start(&r);
		curl_multi_perform(r.m, &still);
		ended = 0;
		while ((msg = curl_multi_info_read(r.m, &left)) != NULL) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
			    (char **)&f);
			curl_multi_remove_handle(r.m, msg->easy_handle);
			r.running--;
			ended++;
			fetch_done(&r, f, msg->data.result);
		}
		/*
		 * A fetch that ended made room: start the next now.  The wait
		 * was computed when there was none, and with nothing left
		 * running no socket would cut it short (a second lost per
		 * full round of concurrency).
		 */
		if (ended == 0 && (r.running > 0 || r.nqueue > 0))
			curl_multi_poll(r.m, NULL, 0, (int)wait, NULL);
	}
	for (i = 0; i < n; i++) {
		curl_easy_cleanup(v[i]->h);
		v[i]->h = NULL;
		curl_slist_free_all(v[i]->pin);
		v[i]->pin = NULL;
	}
	curl_multi_cleanup(r.m);
	free(r.queue);
	free(own.hosts);
}

void
fetch_clear(struct fetch *f)
{
	free(f->body);
	f->body = NULL;
	f->len = f->alloc = 0;
}

const char *
fetch_rc_name(enum fetch_rc rc)
{
	static const char *const names[] = {
		[FETCH_OK] = "ok", [FETCH_NO_ADDR] = "no address",
		[FETCH_DNS] = "resolver", [FETCH_CONNECT] = "connect",
		[FETCH_TIMEOUT] = "timeout", [FETCH_TLS] = "tls",
		[FETCH_PROTO] = "http", [FETCH_REDIRECTS] = "redirects",
	};

	return names[rc];
}
