/* SPDX-License-Identifier: ISC */
/*
 * The health checker (see check.h): one thread, one epoll loop, at most one
 * probe (probe.h) in flight per backend.
 *
 * check_apply() copies what the checks of a snapshot need into a check_set
 * and hands it over; the thread adopts it between two batches of events,
 * carrying over the counts, the schedule and the running probe of each
 * target (a backend's pool_state) whose settings did not change.  The
 * thread never reads a gw_conf.
 *
 * Timers: a target has one time that matters, its next start or, while its
 * probe runs, its deadline.  The thread keeps the earliest and scans the
 * targets only when it is reached, so a batch of events costs nothing per
 * target, and a scan of a few thousand targets is microseconds.
 *
 * Who writes what in a pool_state: the main thread sets checking, and up
 * when a backend is no longer checked; the thread writes up and the health
 * record while checking is set.  Both under st->lock: a result that lands
 * after a reload stopped checking a backend is dropped, rather than
 * leaving it down with nothing to bring it up again.
 *
 * check_apply() and check_stop() work without the thread (tests, or
 * check_apply() before check_start()): the states' flags are set at once,
 * the set waits for check_start(), and check_stop() frees it.
 */

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "clock.h"
#include "log.h"
#include "pool/save.h"
#include "pool/state.h"
#include "probe.h"
#include "pphdr.h"

#define CHECK_EVENTS		64
/* Probes in flight at once: see CHECK_FDS in check.h. */
#define CHECK_RUNNING_MAX	(CHECK_FDS - 2)
/* Bounds against a configuration the parser should have refused. */
#define CHECK_INTERVAL_MIN	100
#define CHECK_WARN_EVERY	60000	/* ms between lines about this
					   host's own shortages */

/* An http check's request: path, then Host (in brackets or not). */
#define CHECK_REQUEST	"GET %s HTTP/1.1\r\nHost: %s%s%s\r\n"		\
			"User-Agent: v6gate-check\r\nConnection: close\r\n\r\n"

/* What a service's checks share. */
struct check_svc {
	char			*name;
	enum conf_check_type	 type;
	enum conf_proto		 proto;
	int			 tls;
	unsigned		 interval_ms, timeout_ms;
	unsigned		 rise, fall;
	unsigned		 cert_warn_days;
	char			*path;
	uint16_t		*expect;
	size_t			 nexpect;
	char			*host;		/* the name checked, "" none */
	char			**names;	/* tls: to be covered */
	size_t			 nnames;
};

/* What was last logged of a certificate's warnings. */
struct check_certlog {
	unsigned		 bits;		/* POOL_CERT_* */
	int64_t			 not_after;
	int			 expired;
	char			 names[192];	/* "does not cover ..." */
};

/* One backend of one service. */
struct check_target {
	struct check_svc	*svc;
	struct pool_state	*st;
	union addr_sa		 addr;
	char			 text[ADDR_STRLEN];
	char			*req;		/* http */
	uint8_t			 pp[32];	/* the backend's PROXY header:
						   v1 UNKNOWN or v2 LOCAL, as a
						   check relays no client */
	size_t			 pplen;
	struct probe_spec	 spec;

	/* the thread's */
	struct check_target	*from;		/* adopting: the old one */
	int			 running;
	uint64_t		 next_ms;	/* monotonic: next start */
	uint64_t		 start_ms, deadline_ms;
	struct timespec		 t0;		/* the start, for latency */
	unsigned		 oks, fails;	/* consecutive */
	struct check_certlog	 certlog;
	struct probe		 probe;
};

struct check_set {
	struct check_svc	*svcs;
	size_t			 nsvcs;
	struct check_target	*targets;	/* never moved: epoll's
						   data.ptr */
	size_t			 ntargets;
};

/* the main thread's */
static pthread_t		 check_thr;
static int			 check_started;
static struct pool_state	**check_live;	/* what the last apply checks */
static size_t			 check_nlive;

/* shared */
static int			 check_epfd = -1, check_efd = -1;
static SSL_CTX			*check_ctx;	/* the check thread's, once it checks */
static int			 check_stop_req;	/* atomic */
static pthread_mutex_t		 check_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct check_set		*check_pending;	/* under check_mtx */
static char			 check_wake_tag;	/* epoll: the eventfd */

/* the thread's */
static struct check_set		*check_cur;
static size_t			 check_nrunning;
static uint64_t			 check_wake_ms;	/* earliest time that
						   matters */
static int			 check_full;	/* due checks wait for a
						   slot */
static uint64_t			 check_warned_ms;


/* ------------------------------------------------------------ the copies */

static void
check_svc_clear(struct check_svc *cs)
{
	size_t	i;

	free(cs->name);
	free(cs->path);
	free(cs->expect);
	free(cs->host);
	for (i = 0; i < cs->nnames; i++)
		free(cs->names[i]);
	free(cs->names);
}

static void
check_set_free(struct check_set *set)
{
	size_t	i;

	if (set == NULL)
		return;
	for (i = 0; i < set->ntargets; i++) {
		struct check_target *t = &set->targets[i];

		if (t->running) {
			probe_close(&t->probe);
			t->running = 0;
			check_nrunning--;
		}
		free(t->req);
	}
	for (i = 0; i < set->nsvcs; i++)
		check_svc_clear(&set->svcs[i]);
	free(set->targets);
	free(set->svcs);
	free(set);
}

static int
check_is_ip(const char *name)
{
	union addr_sa	a;

	return addr_parse_ip(name, &a) == 0;
}

/*
 * The name a check uses as SNI and Host: the service's first host that is
 * not a wildcard; for wildcards only, a name under the first ("*.example.org"
 * -> "check.example.org"); none for a default service without hosts.
 */
static char *
check_host_name(const struct conf_service *svc)
{
	const char	*h;
	char		*s;
	size_t		 i;

	for (i = 0; i < svc->nhosts; i++)
		if (strncmp(svc->hosts[i], "*.", 2) != 0)
			return strdup(svc->hosts[i]);
	if (svc->nhosts == 0)
		return strdup("");
	h = svc->hosts[0] + 2;
	if ((s = malloc(strlen(h) + 7)) != NULL)
		snprintf(s, strlen(h) + 7, "check.%s", h);
	return s;
}

static int
check_svc_fill(struct check_svc *cs, const struct conf_service *svc)
{
	const struct conf_check	*c = &svc->check;
	size_t			 i;

	cs->type = c->type;
	cs->proto = svc->protocol;
	cs->tls = c->type == CONF_CHECK_TLS ||
	    (c->type == CONF_CHECK_HTTP && svc->protocol == CONF_TLS);
	cs->interval_ms = c->interval_ms < CHECK_INTERVAL_MIN ?
	    CHECK_INTERVAL_MIN : c->interval_ms;
	cs->timeout_ms = c->timeout_ms > 0 ? c->timeout_ms : cs->interval_ms;
	cs->rise = c->rise > 0 ? c->rise : 1;
	cs->fall = c->fall > 0 ? c->fall : 1;
	cs->cert_warn_days = c->cert_warn_days;
	if ((cs->name = strdup(svc->name)) == NULL ||
	    (cs->path = strdup(c->path != NULL && c->path[0] != '\0' ?
	    c->path : "/")) == NULL ||
	    (cs->host = check_host_name(svc)) == NULL)
		return -1;
	if (c->nexpect > 0) {
		if ((cs->expect = calloc(c->nexpect, sizeof(*cs->expect))) ==
		    NULL)
			return -1;
		memcpy(cs->expect, c->expect, c->nexpect * sizeof(*c->expect));
		cs->nexpect = c->nexpect;
	}
	if (cs->tls && svc->nhosts > 0) {
		if ((cs->names = calloc(svc->nhosts, sizeof(char *))) == NULL)
			return -1;
		for (i = 0; i < svc->nhosts; i++, cs->nnames++)
			if ((cs->names[i] = strdup(svc->hosts[i])) == NULL)
				return -1;
	}
	return 0;
}

static int
check_target_fill(struct check_target *t, struct check_svc *cs,
    const struct conf_backend *be, struct pool_state *st)
{
	const char	*host = cs->host[0] != '\0' ? cs->host : be->text;
	int		 v6lit, len;

	/* an IPv6 literal (an http service's host) goes in brackets */
	v6lit = cs->host[0] != '\0' && strchr(host, ':') != NULL;

	t->svc = cs;
	t->st = st;
	t->addr = be->addr;
	snprintf(t->text, sizeof(t->text), "%s", be->text);
	t->probe.fd = -1;
	if (cs->type == CONF_CHECK_HTTP) {
		len = snprintf(NULL, 0, CHECK_REQUEST, cs->path,
		    v6lit ? "[" : "", host, v6lit ? "]" : "");
		if (len < 0 || (t->req = malloc((size_t)len + 1)) == NULL)
			return -1;
		snprintf(t->req, (size_t)len + 1, CHECK_REQUEST, cs->path,
		    v6lit ? "[" : "", host, v6lit ? "]" : "");
		t->spec.req = t->req;
		t->spec.reqlen = (size_t)len;
	}
	t->spec.type = cs->type;
	t->spec.tls = cs->tls;
	t->spec.addr = &t->addr;
	if (be->pp != PPHDR_NONE) {
		struct pphdr	h;

		memset(&h, 0, sizeof(h));	/* no addresses */
		t->pplen = pphdr_write(be->pp, &h, t->pp, sizeof(t->pp));
		t->spec.pp = t->pp;
		t->spec.pplen = t->pplen;
	}
	/* TLS clients send no server_name for an address (RFC 6066 §3) */
	t->spec.sni = cs->host[0] != '\0' && !check_is_ip(cs->host) ?
	    cs->host : NULL;
	t->spec.expect = cs->expect;
	t->spec.nexpect = cs->nexpect;
	t->spec.names = cs->names;
	t->spec.nnames = cs->nnames;
	t->spec.cert_warn_days = cs->cert_warn_days;
	return 0;
}

static int
check_checked(const struct conf_service *svc)
{
	return svc->mode == CONF_PROXY && svc->check.type != CONF_CHECK_NONE;
}

/* The checks of sn's config, copied; NULL: out of memory. */
static struct check_set *
check_set_new(const struct snap *sn)
{
	const struct gw_conf	*gc = sn->conf;
	struct check_set	*set;
	size_t			 i, j, k, ns = 0, nt = 0;

	for (i = 0; i < gc->nservices; i++)
		if (check_checked(&gc->services[i])) {
			ns++;
			nt += gc->services[i].nbackends;
		}
	if ((set = calloc(1, sizeof(*set))) == NULL)
		return NULL;
	if ((ns > 0 && (set->svcs = calloc(ns, sizeof(*set->svcs))) ==
	    NULL) || (nt > 0 && (set->targets = calloc(nt,
	    sizeof(*set->targets))) == NULL))
		goto fail;
	for (i = 0; i < gc->nservices; i++) {
		const struct conf_service	*svc = &gc->services[i];
		struct check_svc		*cs;

		if (!check_checked(svc))
			continue;
		cs = &set->svcs[set->nsvcs++];
		if (check_svc_fill(cs, svc) == -1)
			goto fail;
		for (j = 0; j < svc->nbackends; j++) {
			struct pool_state *st = snap_backend(sn, i, j);

			for (k = 0; k < j; k++)	/* one probe per state */
				if (snap_backend(sn, i, k) == st)
					break;
			if (k < j)
				continue;
			if (check_target_fill(&set->targets[set->ntargets++],
			    cs, &svc->backends[j], st) == -1)
				goto fail;
		}
	}
	return set;
fail:
	check_set_free(set);
	return NULL;
}

static int
check_svc_same(const struct check_svc *a, const struct check_svc *b)
{
	size_t	i;

	if (a->type != b->type || a->proto != b->proto ||
	    a->interval_ms != b->interval_ms ||
	    a->timeout_ms != b->timeout_ms || a->rise != b->rise ||
	    a->fall != b->fall || a->cert_warn_days != b->cert_warn_days ||
	    a->nexpect != b->nexpect || a->nnames != b->nnames ||
	    strcmp(a->path, b->path) != 0 || strcmp(a->host, b->host) != 0 ||
	    (a->nexpect > 0 && memcmp(a->expect, b->expect,
	    a->nexpect * sizeof(*a->expect)) != 0))
		return 0;
	for (i = 0; i < a->nnames; i++)
		if (strcmp(a->names[i], b->names[i]) != 0)
			return 0;
	return 1;
}

static int
check_target_same(const struct check_target *a, const struct check_target *b)
{
	if (strcmp(a->svc->name, b->svc->name) != 0 ||
	    !addr_equal(&a->addr, &b->addr) || !check_svc_same(a->svc, b->svc) ||
	    a->pplen != b->pplen || memcmp(a->pp, b->pp, a->pplen) != 0)
		return 0;
	if (a->req == NULL || b->req == NULL)
		return a->req == b->req;
	return strcmp(a->req, b->req) == 0;
}

/* ---------------------------------------------------------- the results */

/* The part of a note about names, "" if none. */
static const char *
check_note_names(const char *note)
{
	const char	*s = strstr(note, "does not cover ");

	return s != NULL ? s : "";
}

static void
check_certlog_set(struct check_certlog *cl, unsigned bits, int64_t not_after,
    const char *note)
{
	cl->bits = bits;
	cl->not_after = not_after;
	cl->expired = not_after != 0 && not_after <= (int64_t)time(NULL);
	snprintf(cl->names, sizeof(cl->names), "%s", check_note_names(note));
}

/*
 * Certificate warnings are logged when they change (another certificate,
 * expired now, other names missing), not at every check nor as the days
 * count down.
 */
static void
check_certlog(struct check_target *t)
{
	const struct probe	*p = &t->probe;
	struct check_certlog	 now;

	check_certlog_set(&now, p->cert_warn, p->not_after, p->cert_note);
	if (now.bits == t->certlog.bits && (now.bits == 0 ||
	    (now.not_after == t->certlog.not_after &&
	    now.expired == t->certlog.expired &&
	    strcmp(now.names, t->certlog.names) == 0)))
		return;
	if (now.bits != 0)
		log_warnx("service %s: backend %s: %s", t->svc->name, t->text,
		    p->cert_note);
	else
		log_info("service %s: backend %s: the certificate warning is "
		    "over", t->svc->name, t->text);
	t->certlog = now;
}

/* The probe is done: into the backend's state, up or down, logged. */
static void
check_record(struct check_target *t, unsigned latency_ms)
{
	const struct probe	*p = &t->probe;
	struct pool_state	*st = t->st;
	struct pool_health	*h = &st->health;
	int			 up, change = 0;

	if (p->ok) {
		t->fails = 0;
		if (t->oks < UINT_MAX)
			t->oks++;
	} else {
		t->oks = 0;
		if (t->fails < UINT_MAX)
			t->fails++;
	}
	pthread_mutex_lock(&st->lock);
	if (!__atomic_load_n(&st->checking, __ATOMIC_RELAXED)) {
		/* a reload stopped checking it meanwhile */
		pthread_mutex_unlock(&st->lock);
		return;
	}
	h->checked = 1;
	h->ok = p->ok;
	h->oks = t->oks;
	h->fails = t->fails;
	h->latency_ms = latency_ms;
	h->last_ms = clock_ms(CLOCK_REALTIME);
	snprintf(h->error, sizeof(h->error), "%s", p->error);
	h->status = p->status;
	/* a failed handshake leaves what the last one found */
	if (p->tls_done) {
		memcpy(h->tls_version, p->tls_version, sizeof(h->tls_version));
		memcpy(h->cipher, p->cipher, sizeof(h->cipher));
		h->not_after = p->not_after;
		memcpy(h->subject, p->subject, sizeof(h->subject));
		h->cert_warn = p->cert_warn;
		memcpy(h->cert_note, p->cert_note, sizeof(h->cert_note));
	}
	up = __atomic_load_n(&st->up, __ATOMIC_RELAXED);
	if (up && !p->ok && t->fails >= t->svc->fall) {
		__atomic_store_n(&st->up, 0, __ATOMIC_RELAXED);
		h->changed_ms = h->last_ms;
		change = -1;
	} else if (!up && p->ok && t->oks >= t->svc->rise) {
		__atomic_store_n(&st->up, 1, __ATOMIC_RELAXED);
		h->changed_ms = h->last_ms;
		change = 1;
	}
	pthread_mutex_unlock(&st->lock);
	if (change != 0)
		pool_save_now();	/* the last known health, for a restart */

	if (change < 0)
		log_warnx("service %s: backend %s is down: %s (%u checks "
		    "failed)", t->svc->name, t->text, p->error, t->fails);
	else if (change > 0)
		log_info("service %s: backend %s is up (%u checks passed)",
		    t->svc->name, t->text, t->oks);
	else if (LOG_DEBUGGING())
		log_debug("service %s: backend %s: check %s%s%s, %u ms",
		    t->svc->name, t->text, p->ok ? "passed" : "failed",
		    p->ok ? "" : ": ", p->error, latency_ms);
	if (p->tls_done)
		check_certlog(t);
}

/* A check this host could not run: nobody's result, said once a minute. */
static void
check_local_error(struct check_target *t, const char *err, uint64_t now)
{
	if (check_warned_ms == 0 || now - check_warned_ms >= CHECK_WARN_EVERY) {
		check_warned_ms = now;
		log_warnx("health checks: service %s: backend %s: %s (checks "
		    "wait)", t->svc->name, t->text, err);
	}
	t->next_ms = now + t->svc->interval_ms;
}

static void
check_done(struct check_target *t, uint64_t now)
{
	struct timespec	ts;
	int64_t		us;

	if (t->running) {
		t->running = 0;
		check_nrunning--;
		if (check_full)
			check_wake_ms = 0;	/* a slot for a due check */
	}
	clock_gettime(CLOCK_MONOTONIC, &ts);
	us = (int64_t)(ts.tv_sec - t->t0.tv_sec) * 1000000 +
	    (ts.tv_nsec - t->t0.tv_nsec) / 1000;
	check_record(t, us > 0 ? (unsigned)((us + 500) / 1000) : 0);
	/* every interval from start to start; at once if it took longer */
	t->next_ms = t->start_ms + t->svc->interval_ms;
	if (t->next_ms < now)
		t->next_ms = now;
	if (t->next_ms < check_wake_ms)
		check_wake_ms = t->next_ms;
}

static void
check_begin(struct check_target *t, uint64_t now)
{
	struct epoll_event	ev;
	char			err[160];

	t->start_ms = now;
	t->deadline_ms = now + t->svc->timeout_ms;
	clock_gettime(CLOCK_MONOTONIC, &t->t0);
	/* made at the first check, not at start: a gateway without checks
	   (a translator of 10,000 services, say) never pays for it */
	if (check_ctx == NULL && (check_ctx = probe_ctx_new(err,
	    sizeof(err))) == NULL) {
		check_local_error(t, err, now);
		return;
	}
	if (probe_start(&t->probe, &t->spec, check_ctx, err, sizeof(err)) ==
	    -1) {
		check_local_error(t, err, now);
		return;
	}
	if (t->probe.phase == PROBE_DONE) {
		check_done(t, now);
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
	ev.data.ptr = t;
	if (epoll_ctl(check_epfd, EPOLL_CTL_ADD, t->probe.fd, &ev) == -1) {
		snprintf(err, sizeof(err), "epoll_ctl: %s", strerror(errno));
		probe_close(&t->probe);
		check_local_error(t, err, now);
		return;
	}
	t->running = 1;
	check_nrunning++;
}

/* ------------------------------------------------------------- adoption */

static int
check_st_cmp(const void *a, const void *b)
{
	const struct pool_state	*x = (*(struct check_target * const *)a)->st;
	const struct pool_state	*y = (*(struct check_target * const *)b)->st;

	return x < y ? -1 : x > y;
}

/* Unchanged: what the old target had, its running probe included. */
static void
check_carry(struct check_target *t, struct check_target *o, uint64_t now)
{
	struct epoll_event	ev;

	t->running = o->running;
	t->next_ms = o->next_ms;
	t->start_ms = o->start_ms;
	t->deadline_ms = o->deadline_ms;
	t->t0 = o->t0;
	t->oks = o->oks;
	t->fails = o->fails;
	t->certlog = o->certlog;
	if (!o->running)
		return;
	t->probe = o->probe;
	t->probe.spec = &t->spec;	/* the same, in the new set */
	o->running = 0;
	o->probe.fd = -1;
	o->probe.ssl = NULL;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
	ev.data.ptr = t;
	if (epoll_ctl(check_epfd, EPOLL_CTL_MOD, t->probe.fd, &ev) == -1) {
		probe_close(&t->probe);
		t->running = 0;
		t->next_ms = now;
	}
}

/*
 * New, or changed: counts from zero, the health record cleared but for the
 * last change of up, the first check spread over the first interval (k of
 * n), so that a start or a reload does not probe every backend at once.
 */
static void
check_fresh(struct check_target *t, uint64_t now, size_t k, size_t n)
{
	struct pool_health	*h = &t->st->health;
	uint64_t		 changed;

	t->next_ms = now + (uint64_t)t->svc->interval_ms * k / n;
	pthread_mutex_lock(&t->st->lock);
	/* a warning logged already, before a reload, is not news */
	check_certlog_set(&t->certlog, h->cert_warn, h->not_after,
	    h->cert_note);
	changed = h->changed_ms;
	memset(h, 0, sizeof(*h));
	h->changed_ms = changed;
	pthread_mutex_unlock(&t->st->lock);
}

static void
check_adopt(struct check_set *nw, uint64_t now)
{
	struct check_set	 *old = check_cur;
	struct check_target	**idx = NULL, key, *kp = &key, **op;
	size_t			  i, k = 0, nfresh = 0;
	size_t			  nold = old != NULL ? old->ntargets : 0;

	/* without memory for the index, counts start over: no harm */
	if (nold > 0 && (idx = calloc(nold, sizeof(*idx))) != NULL) {
		for (i = 0; i < nold; i++)
			idx[i] = &old->targets[i];
		qsort(idx, nold, sizeof(*idx), check_st_cmp);
	}
	for (i = 0; i < nw->ntargets; i++) {
		struct check_target *t = &nw->targets[i];

		t->from = NULL;
		key.st = t->st;
		if (idx != NULL && (op = bsearch(&kp, idx, nold, sizeof(*idx),
		    check_st_cmp)) != NULL && check_target_same(t, *op))
			t->from = *op;
		else
			nfresh++;
	}
	for (i = 0; i < nw->ntargets; i++) {
		struct check_target *t = &nw->targets[i];

		if (t->from != NULL)
			check_carry(t, t->from, now);
		else
			check_fresh(t, now, k++, nfresh);
	}
	free(idx);
	check_set_free(old);	/* the probes of targets gone */
	check_cur = nw;
	check_nrunning = 0;
	for (i = 0; i < nw->ntargets; i++)
		check_nrunning += nw->targets[i].running != 0;
	check_wake_ms = 0;
	log_debug("health checks: %zu backends of %zu services, %zu new or "
	    "changed", nw->ntargets, nw->nsvcs, nfresh);
}

/* ------------------------------------------------------------ the thread */

static int
check_wait(uint64_t now)
{
	if (check_wake_ms == UINT64_MAX)
		return -1;
	if (check_wake_ms <= now)
		return 0;
	return check_wake_ms - now > INT_MAX ? INT_MAX :
	    (int)(check_wake_ms - now);
}

/* Time out, start what is due; returns epoll_wait()'s timeout. */
static int
check_run(uint64_t now)
{
	uint64_t	wake = UINT64_MAX;
	size_t		i;

	if (check_cur == NULL || now < check_wake_ms)
		return check_wait(now);
	check_full = 0;
	for (i = 0; i < check_cur->ntargets; i++) {
		struct check_target *t = &check_cur->targets[i];

		if (t->running && now >= t->deadline_ms) {
			probe_timeout(&t->probe, t->svc->timeout_ms);
			check_done(t, now);
		}
		if (!t->running && now >= t->next_ms) {
			if (check_nrunning >= CHECK_RUNNING_MAX) {
				check_full = 1;	/* a check_done() rescans */
				continue;
			}
			check_begin(t, now);
		}
		if (t->running && t->deadline_ms < wake)
			wake = t->deadline_ms;
		else if (!t->running && t->next_ms < wake)
			wake = t->next_ms;
	}
	check_wake_ms = wake;
	if (check_full && (check_warned_ms == 0 ||
	    now - check_warned_ms >= CHECK_WARN_EVERY)) {
		check_warned_ms = now;
		log_warnx("health checks: %d checks run at once, the most: "
		    "others start late", CHECK_RUNNING_MAX);
	}
	/* from now, not from before the scan: starting probes takes time */
	return check_wait(clock_ms(CLOCK_MONOTONIC));
}

static void *
check_main(void *arg)
{
	struct epoll_event	 evs[CHECK_EVENTS];
	struct check_set	*nw;
	sigset_t		 all;
	uint64_t		 now, v;
	int			 i, n, timeout = 0;

	/* Signals are the main thread's business. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);

	check_wake_ms = UINT64_MAX;
	for (;;) {
		n = epoll_wait(check_epfd, evs, CHECK_EVENTS, timeout);
		if (n == -1) {
			if (errno != EINTR)
				fatal("health checks: epoll_wait");
			n = 0;
		}
		now = clock_ms(CLOCK_MONOTONIC);
		for (i = 0; i < n; i++) {
			struct check_target *t = evs[i].data.ptr;

			if (evs[i].data.ptr == &check_wake_tag) {
				(void)!read(check_efd, &v, sizeof(v));
				continue;
			}
			if (!t->running)
				continue;
			probe_event(&t->probe, evs[i].events);
			if (t->probe.phase == PROBE_DONE)
				check_done(t, now);
		}
		if (__atomic_load_n(&check_stop_req, __ATOMIC_ACQUIRE))
			break;
		/* after the batch: its events point into the old set */
		pthread_mutex_lock(&check_mtx);
		nw = check_pending;
		check_pending = NULL;
		pthread_mutex_unlock(&check_mtx);
		if (nw != NULL)
			check_adopt(nw, now);
		timeout = check_run(now);
	}
	check_set_free(check_cur);
	check_cur = NULL;
	return NULL;
}

static void
check_wake(void)
{
	uint64_t	one = 1;

	if (check_efd != -1)
		(void)!write(check_efd, &one, sizeof(one));
}

/* ------------------------------------------------------------ main side */

static int
check_ptr_cmp(const void *a, const void *b)
{
	const struct pool_state	*x = *(struct pool_state * const *)a;
	const struct pool_state	*y = *(struct pool_state * const *)b;

	return x < y ? -1 : x > y;
}

unsigned
check_fds(const struct gw_conf *gc)
{
	unsigned long	n = 0;
	size_t		i;

	/* one socket per checked backend, its epoll and its eventfd */
	for (i = 0; i < gc->nservices; i++)
		if (gc->services[i].mode == CONF_PROXY &&
		    gc->services[i].check.type != CONF_CHECK_NONE)
			n += gc->services[i].nbackends;
	if (n == 0)
		return 0;
	return n + 2 < CHECK_FDS ? (unsigned)n + 2 : CHECK_FDS;
}

/*
 * Not checked (any more): up, its health record cleared.  Said when it was
 * down and is still in the configuration (gone: nobody cares).
 */
static void
check_uncheck(struct pool_state *st, int gone)
{
	int	was_down;

	pthread_mutex_lock(&st->lock);
	was_down = !__atomic_load_n(&st->up, __ATOMIC_RELAXED);
	if (__atomic_load_n(&st->checking, __ATOMIC_RELAXED)) {
		uint64_t changed = st->health.changed_ms;

		memset(&st->health, 0, sizeof(st->health));
		st->health.changed_ms = changed;
	}
	__atomic_store_n(&st->checking, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&st->up, 1, __ATOMIC_RELAXED);
	if (was_down)
		st->health.changed_ms = clock_ms(CLOCK_REALTIME);
	pthread_mutex_unlock(&st->lock);
	if (was_down)
		pool_save_now();
	if (was_down && !gone)
		log_info("service %s: backend %s is up (not checked any more)",
		    st->service, st->addr);
}

int
check_apply(const struct snap *sn, char *err, size_t errlen)
{
	const struct gw_conf	 *gc = sn->conf;
	struct check_set	 *set, *prev;
	struct pool_state	**live = NULL, **all = NULL;
	size_t			  i, j, nlive = 0, nall = 0;

	for (i = 0; i < gc->nservices; i++)
		if (gc->services[i].mode == CONF_PROXY)
			nall += gc->services[i].nbackends;
	if ((set = check_set_new(sn)) == NULL ||
	    (nall > 0 && ((live = calloc(nall, sizeof(*live))) == NULL ||
	    (all = calloc(nall, sizeof(*all))) == NULL))) {
		check_set_free(set);
		free(live);
		snprintf(err, errlen, "health checks: out of memory");
		return -1;
	}
	nall = 0;
	for (i = 0; i < gc->nservices; i++) {
		const struct conf_service *svc = &gc->services[i];

		if (svc->mode != CONF_PROXY)
			continue;
		for (j = 0; j < svc->nbackends; j++) {
			struct pool_state *st = snap_backend(sn, i, j);

			all[nall++] = st;
			if (!check_checked(svc)) {
				check_uncheck(st, 0);
				continue;
			}
			live[nlive++] = st;
			pthread_mutex_lock(&st->lock);
			__atomic_store_n(&st->checking, 1, __ATOMIC_RELAXED);
			pthread_mutex_unlock(&st->lock);
		}
	}
	/* checked before, gone from the configuration now */
	if (nall > 0)
		qsort(all, nall, sizeof(*all), check_ptr_cmp);
	for (i = 0; i < check_nlive; i++)
		if (nall == 0 || bsearch(&check_live[i], all, nall,
		    sizeof(*all), check_ptr_cmp) == NULL)
			check_uncheck(check_live[i], 1);
	free(all);
	free(check_live);
	check_live = live;
	check_nlive = nlive;

	pthread_mutex_lock(&check_mtx);
	prev = check_pending;		/* never adopted: nothing runs */
	check_pending = set;
	pthread_mutex_unlock(&check_mtx);
	check_set_free(prev);
	check_wake();
	return 0;
}

/* The thread's descriptors and TLS context (the thread is not running). */
static void
check_release(void)
{
	if (check_efd != -1)
		close(check_efd);
	if (check_epfd != -1)
		close(check_epfd);
	check_efd = check_epfd = -1;
	SSL_CTX_free(check_ctx);
	check_ctx = NULL;
}

int
check_start(char *err, size_t errlen)
{
	struct epoll_event	ev;

	if (check_started) {
		snprintf(err, errlen, "health checks: already started");
		return -1;
	}
	if ((check_epfd = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (check_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		snprintf(err, errlen, "health checks: epoll/eventfd: %s",
		    strerror(errno));
		goto fail;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = &check_wake_tag;
	if (epoll_ctl(check_epfd, EPOLL_CTL_ADD, check_efd, &ev) == -1) {
		snprintf(err, errlen, "health checks: epoll_ctl: %s",
		    strerror(errno));
		goto fail;
	}
	__atomic_store_n(&check_stop_req, 0, __ATOMIC_RELAXED);
	if ((errno = pthread_create(&check_thr, NULL, check_main, NULL)) !=
	    0) {
		snprintf(err, errlen, "health checks: cannot start the "
		    "thread: %s", strerror(errno));
		goto fail;
	}
	check_started = 1;
	return 0;
fail:
	check_release();
	return -1;
}

void
check_stop(void)
{
	struct check_set	*set;

	if (check_started) {
		__atomic_store_n(&check_stop_req, 1, __ATOMIC_RELEASE);
		check_wake();
		pthread_join(check_thr, NULL);
		check_started = 0;
	}
	pthread_mutex_lock(&check_mtx);
	set = check_pending;
	check_pending = NULL;
	pthread_mutex_unlock(&check_mtx);
	check_set_free(set);
	check_release();
	free(check_live);
	check_live = NULL;
	check_nlive = 0;
}
