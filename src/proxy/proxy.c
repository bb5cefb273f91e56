/* SPDX-License-Identifier: ISC */
/*
 * The main thread's side of the proxy (see proxy.h): worker threads, the
 * listening sockets, and the life of config snapshots.
 *
 * Each listener address has one SO_REUSEPORT socket per worker, opened here
 * so that a bind failure (address in use, address not on this host) is
 * found before a reload commits to anything.  A snapshot is freed by
 * whichever thread drops its last reference: the main thread when it is
 * replaced, a worker when its last connection on it closes.
 */

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "acct/clientq.h"
#include "acct/counters.h"
#include "clock.h"
#include "listen.h"
#include "log.h"
#include "proxy.h"
#include "worker.h"

int				 proxy_nworkers;
static struct worker		*proxy_w;
static struct proxy_snap	*proxy_cur;
static struct proxy_lsock	**proxy_lsocks;	/* of proxy_cur */
static unsigned			 proxy_max;	/* effective */
static unsigned			 proxy_open;	/* atomic */

static pthread_mutex_t		 proxy_ack_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t		 proxy_ack_cond = PTHREAD_COND_INITIALIZER;
static int			 proxy_acks;

int
proxy_conn_take(void)
{
	unsigned max = __atomic_load_n(&proxy_max, __ATOMIC_RELAXED);

	if (__atomic_add_fetch(&proxy_open, 1, __ATOMIC_RELAXED) > max) {
		__atomic_sub_fetch(&proxy_open, 1, __ATOMIC_RELAXED);
		return -1;
	}
	return 0;
}

void
proxy_conn_put(void)
{
	__atomic_sub_fetch(&proxy_open, 1, __ATOMIC_RELAXED);
}

int
proxy_conn_crowded(void)
{
	unsigned max = __atomic_load_n(&proxy_max, __ATOMIC_RELAXED);
	unsigned open = __atomic_load_n(&proxy_open, __ATOMIC_RELAXED);

	return (uint64_t)open * 10 >= (uint64_t)max * 9;
}

void
proxy_worker_acked(void)
{
	pthread_mutex_lock(&proxy_ack_lock);
	proxy_acks++;
	pthread_cond_signal(&proxy_ack_cond);
	pthread_mutex_unlock(&proxy_ack_lock);
}

static void
proxy_snap_free(struct proxy_snap *snap)
{
	int	i;

	if (snap->w != NULL)
		for (i = 0; i < proxy_nworkers; i++) {
			free(snap->w[i].wl);
			free(snap->w[i].rr);
		}
	free(snap->w);
	free(snap->lsocks);
	free(snap);
}

/* The workers' view of live, with everything but its listening sockets
   and its reference to live. */
static struct proxy_snap *
proxy_snap_new(struct snap *live)
{
	const struct gw_conf	*gc = live->conf;
	struct proxy_snap	*snap;
	size_t			 nl = gc->nlisteners, ns = gc->nservices, j;
	int			 i;

	if ((snap = calloc(1, sizeof(*snap))) == NULL)
		return NULL;
	snap->conf = gc;
	if ((snap->lsocks = calloc(nl ? nl : 1, sizeof(*snap->lsocks))) ==
	    NULL || (snap->w = aligned_alloc(64, sizeof(*snap->w) *
	    (size_t)proxy_nworkers)) == NULL)
		goto fail;
	memset(snap->w, 0, sizeof(*snap->w) * (size_t)proxy_nworkers);
	for (i = 0; i < proxy_nworkers; i++) {
		if ((snap->w[i].wl = calloc(nl ? nl : 1,
		    sizeof(*snap->w[i].wl))) == NULL ||
		    (snap->w[i].rr = calloc(ns ? ns : 1,
		    sizeof(*snap->w[i].rr))) == NULL)
			goto fail;
		/* workers start at different backends */
		for (j = 0; j < ns; j++)
			snap->w[i].rr[j] = (uint32_t)i;
	}
	return snap;
fail:
	proxy_snap_free(snap);
	return NULL;
}

void
proxy_snap_release(struct proxy_snap *snap)
{
	if (__atomic_sub_fetch(&snap->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	snap_release(snap->live);
	proxy_snap_free(snap);
}

int
proxy_start(int nworkers)
{
	int	i;

	proxy_nworkers = nworkers;
	acct_init(nworkers);
	if (clientq_init(nworkers) == -1) {
		log_warn("%s: client queues", __func__);
		return -1;
	}
	if ((proxy_w = calloc((size_t)nworkers, sizeof(*proxy_w))) == NULL) {
		log_warn("%s: calloc", __func__);
		return -1;
	}
	for (i = 0; i < nworkers; i++)
		if (worker_start(&proxy_w[i], i) == -1)
			return -1;
	return 0;
}

/* Where listening sockets come from (see proxy.h): here, by default. */
static int
proxy_bind_local(const union addr_sa *a, int n, int *fds, char *err,
    size_t errlen)
{
	return listen_open(a, n, fds, err, errlen);
}

static proxy_bind_fn	*proxy_bind = proxy_bind_local;
static proxy_unbind_fn	*proxy_unbind;

void
proxy_set_binder(proxy_bind_fn *bind, proxy_unbind_fn *unbind)
{
	proxy_bind = bind;
	proxy_unbind = unbind;
}

static void
proxy_lsock_close(struct proxy_lsock *ls)
{
	int	i;

	for (i = 0; i < proxy_nworkers; i++)
		if (ls->fds[i] != -1)
			close(ls->fds[i]);
	if (proxy_unbind != NULL)
		proxy_unbind(&ls->addr);
	free(ls->fds);
	free(ls);
}

/* One listening socket per worker for a; NULL with err on failure. */
static struct proxy_lsock *
proxy_lsock_open(const struct conf_listener *cl, char *err, size_t errlen)
{
	struct proxy_lsock	*ls;
	char			 e[256];

	if ((ls = calloc(1, sizeof(*ls))) == NULL ||
	    (ls->fds = malloc(sizeof(int) * (size_t)proxy_nworkers)) == NULL) {
		free(ls);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ls->addr = cl->addr;
	if (proxy_bind(&cl->addr, proxy_nworkers, ls->fds, e, sizeof(e)) ==
	    -1) {
		snprintf(err, errlen, "listener %s (line %d): %s", cl->text,
		    cl->line, e);
		free(ls->fds);
		free(ls);
		return NULL;
	}
	/* bound with FREEBIND (listen.c): a typo binds too, so say it */
	if (listen_addr_local(&cl->addr) == 0)
		log_warnx("listener %s (line %d): the address is not on this "
		    "host (yet): bound anyway, served once it is configured "
		    "(a keepalived backup's service address)", cl->text,
		    cl->line);
	return ls;
}

/*
 * How many connections the fd limit allows: two sockets each, plus the
 * listeners, the pipes kept ready, what others hold (other, the health
 * checker's sockets) and some slack for the control socket and logs.
 * Pipes for bytes in flight come out of the slack of connections that are
 * idle.
 */
static unsigned
proxy_fd_budget(const struct gw_conf *gc, unsigned other)
{
	struct rlimit	rl;
	unsigned long	reserve, avail;

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur ==
	    RLIM_INFINITY)
		return gc->max_connections;
	reserve = 100 + other + gc->nlisteners *
	    (unsigned long)proxy_nworkers +
	    2UL * PROXY_PIPES_FREE * (unsigned long)proxy_nworkers;
	avail = rl.rlim_cur > reserve ? (rl.rlim_cur - reserve) / 2 : 1;
	if (avail >= gc->max_connections)
		return gc->max_connections;
	if (avail == proxy_max)
		return (unsigned)avail;		/* said so already */
	log_warnx("max_connections %u needs %lu file descriptors but the "
	    "open-file limit is %lu: at most %lu connections (raise "
	    "LimitNOFILE)", gc->max_connections,
	    2UL * gc->max_connections + reserve, (unsigned long)rl.rlim_cur,
	    avail);
	return (unsigned)avail;
}

int
proxy_apply(struct snap *live, unsigned fds_other, char *err,
    size_t errlen)
{
	const struct gw_conf	 *gc = live->conf;
	struct proxy_snap	 *snap, *old = proxy_cur;
	struct proxy_lsock	**ls;
	struct timespec		  deadline;
	size_t			  i, j, oldn = old ? old->conf->nlisteners : 0;
	int			  w, rc = 0;

	if ((snap = proxy_snap_new(live)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ls = snap->lsocks;
	/* Keep the sockets of addresses that stay; open the new ones. */
	for (i = 0; i < gc->nlisteners; i++) {
		for (j = 0; j < oldn; j++)
			if (addr_equal(&proxy_lsocks[j]->addr,
			    &gc->listeners[i].addr))
				break;
		if (j < oldn)
			ls[i] = proxy_lsocks[j];
		else if ((ls[i] = proxy_lsock_open(&gc->listeners[i], err,
		    errlen)) == NULL) {
			for (j = 0; j < i; j++)
				if (ls[j]->refs == 0)
					proxy_lsock_close(ls[j]);
			proxy_snap_free(snap);
			return -1;
		}
		for (w = 0; w < proxy_nworkers; w++) {
			struct worker_listener *wl = &snap->w[w].wl[i];

			wl->tag.kind = EVK_LISTENER;
			wl->fd = ls[i]->fds[w];
			wl->cl = &gc->listeners[i];
		}
	}
	snap->live = snap_ref(live);
	for (i = 0; i < gc->nlisteners; i++)
		ls[i]->refs++;
	snap->refs = 1 + proxy_nworkers;	/* main + each worker */
	__atomic_store_n(&proxy_max, proxy_fd_budget(gc, fds_other),
	    __ATOMIC_RELAXED);

	pthread_mutex_lock(&proxy_ack_lock);
	proxy_acks = 0;
	pthread_mutex_unlock(&proxy_ack_lock);
	for (w = 0; w < proxy_nworkers; w++)
		worker_post(&proxy_w[w], snap, 0);
	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += 10;
	pthread_mutex_lock(&proxy_ack_lock);
	while (proxy_acks < proxy_nworkers && rc == 0)
		rc = pthread_cond_timedwait(&proxy_ack_cond, &proxy_ack_lock,
		    &deadline);
	pthread_mutex_unlock(&proxy_ack_lock);
	if (rc != 0)
		fatalx("a worker did not take the new configuration in 10 s");

	/* No worker polls the old snapshot's sockets any more. */
	for (j = 0; j < oldn; j++)
		if (--proxy_lsocks[j]->refs == 0)
			proxy_lsock_close(proxy_lsocks[j]);
	proxy_cur = snap;
	proxy_lsocks = ls;
	if (old != NULL)
		proxy_snap_release(old);
	return 0;
}

static int	proxy_joined;

void
proxy_stop_workers(void)
{
	int	w;

	if (proxy_joined)
		return;
	for (w = 0; w < proxy_nworkers; w++)
		worker_post(&proxy_w[w], NULL, 1);
	for (w = 0; w < proxy_nworkers; w++)
		worker_join(&proxy_w[w]);
	proxy_joined = 1;
}

void
proxy_stop(void)
{
	size_t	i;

	proxy_stop_workers();
	if (proxy_cur != NULL) {
		for (i = 0; i < proxy_cur->conf->nlisteners; i++)
			if (--proxy_lsocks[i]->refs == 0)
				proxy_lsock_close(proxy_lsocks[i]);
		proxy_snap_release(proxy_cur);
		proxy_cur = NULL;
	}
	free(proxy_w);
	proxy_w = NULL;
}

void
proxy_stats_sum(struct proxy_stats *sum)
{
	int	w;

	memset(sum, 0, sizeof(*sum));
	for (w = 0; w < proxy_nworkers; w++) {
		const struct proxy_stats *s = &proxy_w[w].stats;

#define PROXY_STATS_SUM(name, text)					\
		sum->name += __atomic_load_n(&s->name, __ATOMIC_RELAXED);
		PROXY_COUNTERS(PROXY_STATS_SUM)
#undef PROXY_STATS_SUM
		sum->open += __atomic_load_n(&s->open, __ATOMIC_RELAXED);
		sum->first_flight += __atomic_load_n(&s->first_flight,
		    __ATOMIC_RELAXED);
		sum->connecting += __atomic_load_n(&s->connecting,
		    __ATOMIC_RELAXED);
		sum->pipes += __atomic_load_n(&s->pipes, __ATOMIC_RELAXED);
	}
}

int
proxy_alive(uint64_t within_ms)
{
	uint64_t	now = clock_ms(CLOCK_MONOTONIC), t;
	int		w;

	for (w = 0; w < proxy_nworkers && !proxy_joined; w++) {
		t = __atomic_load_n(&proxy_w[w].alive_ms, __ATOMIC_RELAXED);
		if (t == 0 || now - t > within_ms)
			return 0;
	}
	return 1;
}

int
proxy_listener_bound(size_t i)
{
	int	w;

	if (proxy_cur == NULL || i >= proxy_cur->conf->nlisteners)
		return 0;
	for (w = 0; w < proxy_nworkers; w++)
		if (!listen_fd_ok(proxy_lsocks[i]->fds[w],
		    &proxy_cur->conf->listeners[i].addr))
			return 0;
	return 1;
}

int
proxy_workers(void)
{
	return proxy_nworkers;
}

unsigned
proxy_max_connections(void)
{
	return __atomic_load_n(&proxy_max, __ATOMIC_RELAXED);
}
