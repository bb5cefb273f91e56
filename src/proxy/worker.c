/* SPDX-License-Identifier: ISC */
/*
 * A proxy worker thread (see worker.h): accepts on its own listening
 * sockets, runs its connections, expires their timers, and switches to a
 * new config snapshot when the main thread posts one.  Connections accepted
 * under an old snapshot keep it (and its services and backends) until they
 * close: a reload never drops an established connection.
 */

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "conn.h"
#include "log.h"
#include "proxy.h"
#include "worker.h"

#define WORKER_EVENTS		256
#define WORKER_ACCEPTS		64	/* per listener event */
#define WORKER_BACKOFF_MS	100	/* pause accepting on EMFILE */


static void
worker_listeners_arm(struct worker *w, uint32_t events)
{
	struct epoll_event	ev;
	size_t			i;

	for (i = 0; i < w->nwl; i++) {
		ev.events = events;
		ev.data.ptr = &w->wl[i].tag;
		if (epoll_ctl(w->epfd, EPOLL_CTL_MOD, w->wl[i].fd, &ev) == -1)
			log_warn("worker %d: epoll_ctl %s", w->id,
			    w->wl[i].cl->text);
	}
}

static void
worker_accept(struct worker *w, struct worker_listener *wl)
{
	union addr_sa	peer;
	socklen_t	len;
	int		fd, i;

	for (i = 0; i < WORKER_ACCEPTS; i++) {
		len = sizeof(peer);
		fd = accept4(wl->fd, &peer.sa, &len, SOCK_NONBLOCK |
		    SOCK_CLOEXEC);
		if (fd == -1) {
			switch (errno) {
			case EAGAIN:
			case EINTR:
			case ECONNABORTED:
				return;
			case EMFILE:
			case ENFILE:
			case ENOBUFS:
			case ENOMEM:
				/*
				 * Out of descriptors: the pending connection
				 * stays in the backlog and the listener stays
				 * readable, so polling it would spin.  Pause
				 * (sniproxy #89).
				 */
				/* logged at most every 10 s; counted always */
				if (w->emfile_log_ms == 0 || w->now_ms -
				    w->emfile_log_ms >= 10000) {
					log_warnx("worker %d: accept: %s; "
					    "pausing for %d ms", w->id,
					    strerror(errno),
					    WORKER_BACKOFF_MS);
					w->emfile_log_ms = w->now_ms;
				}
				WSTAT_INC(w, accept_backoff);
				w->paused = 1;
				w->resume_ms = w->now_ms + WORKER_BACKOFF_MS;
				worker_listeners_arm(w, 0);
				return;
			default:
				log_warn("worker %d: accept %s", w->id,
				    wl->cl->text);
				return;
			}
		}
		WSTAT_INC(w, accepted);
		if (proxy_conn_take() == -1) {
			WSTAT_INC(w, refused_max);
			close(fd);
			continue;
		}
		conn_accept(w, wl, fd, &peer);
	}
}

/*
 * Take a new snapshot: poll its listening sockets (keeping the ones that
 * did not change), stop polling the others, and let go of the old snapshot
 * once no connection of this worker uses it.
 */
static void
worker_switch(struct worker *w, struct proxy_snap *snap)
{
	struct proxy_snap	*old = w->snap;
	struct worker_listener	*nwl = snap->w[w->id].wl;
	struct epoll_event	 ev;
	size_t			 i, j, n = snap->conf->nlisteners;

	for (i = 0; i < n; i++) {
		int	op = EPOLL_CTL_ADD;

		for (j = 0; j < w->nwl; j++)
			if (w->wl[j].fd == nwl[i].fd) {
				op = EPOLL_CTL_MOD;
				w->wl[j].fd = -1;	/* kept */
				break;
			}
		ev.events = w->paused ? 0 : EPOLLIN;
		ev.data.ptr = &nwl[i].tag;
		/*
		 * Only ENOMEM or max_user_watches: a listener nobody polls
		 * would still get its share of SO_REUSEPORT connections.
		 */
		if (epoll_ctl(w->epfd, op, nwl[i].fd, &ev) == -1)
			fatal("worker %d: epoll_ctl %s", w->id,
			    nwl[i].cl->text);
	}
	for (j = 0; j < w->nwl; j++)
		if (w->wl[j].fd != -1)
			epoll_ctl(w->epfd, EPOLL_CTL_DEL, w->wl[j].fd, NULL);
	w->wl = nwl;
	w->nwl = n;
	w->snap = snap;
	if (old != NULL && old->w[w->id].conns == 0)
		proxy_snap_release(old);
}

/* Handle what the main thread posted; returns 1 to stop. */
static int
worker_mail(struct worker *w)
{
	struct proxy_snap	*snap;
	uint64_t		 v;
	int			 stop;

	(void)!read(w->wakefd, &v, sizeof(v));
	pthread_mutex_lock(&w->lock);
	snap = w->next_snap;
	w->next_snap = NULL;
	stop = w->stop;
	pthread_mutex_unlock(&w->lock);
	if (snap != NULL) {
		worker_switch(w, snap);
		proxy_worker_acked();
	}
	return stop;
}

static void *
worker_main(void *arg)
{
	struct worker		*w = arg;
	struct epoll_event	 evs[WORKER_EVENTS];
	struct conn		*c;
	int			 n, i, timeout;
	sigset_t		 all;

	/* Signals are the main thread's business. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);

	for (;;) {
		w->now_ms = clock_ms(CLOCK_MONOTONIC);
		timeout = w->snap ? conn_timers(w) : -1;
		if (w->paused) {
			if (w->resume_ms <= w->now_ms) {
				w->paused = 0;
				worker_listeners_arm(w, EPOLLIN);
			} else if (timeout < 0 || (uint64_t)timeout >
			    w->resume_ms - w->now_ms)
				timeout = (int)(w->resume_ms - w->now_ms);
		}
		if (w->again != NULL)
			timeout = 0;
		/* awake at least every PROXY_TICK_MS, to say so */
		if (timeout < 0 || timeout > PROXY_TICK_MS)
			timeout = PROXY_TICK_MS;
		n = epoll_wait(w->epfd, evs, WORKER_EVENTS, timeout);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			fatal("worker %d: epoll_wait", w->id);
		}
		w->now_ms = clock_ms(CLOCK_MONOTONIC);
		__atomic_store_n(&w->alive_ms, w->now_ms, __ATOMIC_RELAXED);
		for (i = 0; i < n; i++) {
			struct ev_tag *tag = evs[i].data.ptr;

			switch (tag->kind) {
			case EVK_WAKE:
				/*
				 * After the batch: a switch changes the
				 * listener records that later events of this
				 * batch point to.
				 */
				w->mail = 1;
				break;
			case EVK_LISTENER:
				worker_accept(w, (struct worker_listener *)
				    (void *)tag);
				break;
			default:
				conn_event(w, tag, evs[i].events);
				break;
			}
		}
		/* Connections that used their budget get another turn. */
		c = w->again;
		w->again = NULL;
		while (c != NULL) {
			struct conn *next = c->next_again;

			conn_resume(w, c);
			c = next;
		}
		conn_reap(w);
		if (w->mail) {
			w->mail = 0;
			if (worker_mail(w)) {
				conn_close_all(w);
				conn_reap(w);
				return NULL;
			}
		}
	}
}

int
worker_start(struct worker *w, int id)
{
	struct epoll_event	ev;

	memset(w, 0, sizeof(*w));
	w->id = id;
	TAILQ_INIT(&w->ff_list);
	TAILQ_INIT(&w->connect_list);
	TAILQ_INIT(&w->relay_list);
	pipe_pool_init(&w->pipes, PROXY_PIPES_FREE);
	pthread_mutex_init(&w->lock, NULL);
	if ((w->epfd = epoll_create1(EPOLL_CLOEXEC)) == -1 ||
	    (w->wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		log_warn("worker %d: epoll/eventfd", id);
		return -1;
	}
	w->waketag.kind = EVK_WAKE;
	ev.events = EPOLLIN;
	ev.data.ptr = &w->waketag;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->wakefd, &ev) == -1) {
		log_warn("worker %d: epoll_ctl", id);
		return -1;
	}
	if ((errno = pthread_create(&w->thread, NULL, worker_main, w)) != 0) {
		log_warn("worker %d: pthread_create", id);
		return -1;
	}
	return 0;
}

void
worker_post(struct worker *w, struct proxy_snap *snap, int stop)
{
	uint64_t	one = 1;

	pthread_mutex_lock(&w->lock);
	if (snap != NULL)
		w->next_snap = snap;
	if (stop)
		w->stop = 1;
	pthread_mutex_unlock(&w->lock);
	(void)!write(w->wakefd, &one, sizeof(one));
}

void
worker_join(struct worker *w)
{
	pthread_join(w->thread, NULL);
	if (w->snap != NULL)
		proxy_snap_release(w->snap);
	pipe_pool_clear(&w->pipes);
	close(w->epfd);
	close(w->wakefd);
}
