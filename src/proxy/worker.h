/* SPDX-License-Identifier: ISC */
#ifndef V6G_WORKER_H
#define V6G_WORKER_H

#include <pthread.h>
#include <stdint.h>
#include <sys/queue.h>

#include "conf/conf.h"
#include "snap/snap.h"
#include "pipe.h"
#include "stats.h"

/*
 * A proxy worker: one thread, one epoll loop, its own SO_REUSEPORT
 * listening socket per listener, its own connections, pipes and counters.
 * Nothing on the per-connection path is shared with another thread except
 * the max_connections counter and the pending-per-client sketch (atomics).
 *
 * The main thread talks to a worker only through worker_post() (a new
 * config snapshot, or stop) and reads its counters.
 */

struct conn;
TAILQ_HEAD(conn_list, conn);

/* What an epoll event's data.ptr points at. */
enum ev_kind {
	EVK_WAKE,		/* the worker's eventfd */
	EVK_LISTENER,		/* a listening socket */
	EVK_CLIENT,		/* a connection's client socket */
	EVK_BACKEND,		/* a connection's backend socket */
};

struct ev_tag {
	uint8_t		kind;	/* enum ev_kind */
};

/* A listening socket set: one fd per worker, all bound to one address. */
struct proxy_lsock {
	union addr_sa	 addr;
	int		*fds;		/* [nworkers] */
	int		 refs;		/* snapshots using it (main thread) */
};

struct worker_listener {
	struct ev_tag		 tag;
	int			 fd;
	const struct conf_listener *cl;
};

/*
 * A config snapshot as the workers run it.  Everything a worker needs to
 * switch to it is allocated here by the main thread, so a worker never
 * allocates (or fails) while switching.
 */
struct proxy_snap {
	struct snap		 *live;		/* the daemon's (a reference) */
	const struct gw_conf	 *conf;		/* live->conf */
	struct proxy_lsock	**lsocks;	/* [conf->nlisteners] */
	int			  refs;		/* atomic: main + workers */
	struct proxy_snap_worker {
		long			 conns;	/* of this worker, still
						   on this snapshot */
		struct worker_listener	*wl;	/* [conf->nlisteners] */
		uint32_t		*rr;	/* [conf->nservices]:
						   round robin */
	} __attribute__((aligned(64)))	 *w;	/* [nworkers], a cache line
						   each: written per conn */
};

struct worker {
	int			 id;
	pthread_t		 thread;
	int			 epfd;
	int			 wakefd;
	struct ev_tag		 waketag;

	/* set by worker_post() under lock, taken by the worker */
	pthread_mutex_t		 lock;
	struct proxy_snap	*next_snap;
	int			 stop;

	struct proxy_snap	*snap;		/* current */
	struct worker_listener	*wl;		/* snap->w[id].wl */
	size_t			 nwl;
	int			 mail;		/* the eventfd fired */
	int			 paused;	/* accept backoff */
	uint64_t		 resume_ms;
	uint64_t		 emfile_log_ms;	/* last "pausing" log line */
	uint64_t		 warn_ms;	/* last resource warning */

	uint64_t		 now_ms;	/* CLOCK_MONOTONIC, per loop */
	uint64_t		 alive_ms;	/* atomic: the loop's last turn
						   (proxy_alive()) */
	uint64_t		 next_id;

	struct conn_list	 ff_list;	/* first flight, by start */
	struct conn_list	 connect_list;	/* connecting, by start */
	struct conn_list	 relay_list;	/* relaying, by last activity */
	struct conn		*again;		/* more work, next round */
	struct conn		*dead;		/* closed, to free after this
						   round of events */
	struct conn		*pipe_waiters;	/* found no pipe: retried when
						   a descriptor comes free */

	struct pipe_pool	 pipes;
	uint8_t			 scratch[16384];	/* CONN_COPY_MAX */
	struct proxy_stats	 stats;		/* written by this worker */
};

/* Counter add from the owning worker; readers use proxy_stats_sum(). */
#define WSTAT_ADD(w, field, n)	__atomic_store_n(&(w)->stats.field,	\
	__atomic_load_n(&(w)->stats.field, __ATOMIC_RELAXED) + (n),	\
	__ATOMIC_RELAXED)
#define WSTAT_INC(w, field)	WSTAT_ADD(w, field, 1)
#define WSTAT_DEC(w, field)	WSTAT_ADD(w, field, (uint64_t)-1)

/*
 * The same, for a counter named by its offset in struct proxy_stats
 * (SNIFF_STAT()): tables name counters this way, and the compiler still
 * checks that the field exists where the offset is taken.
 */
#define WSTAT_AT(w, off)						\
	((uint64_t *)(void *)((char *)&(w)->stats + (off)))
#define WSTAT_INC_AT(w, off)	__atomic_store_n(WSTAT_AT(w, off),	\
	__atomic_load_n(WSTAT_AT(w, off), __ATOMIC_RELAXED) + 1,	\
	__ATOMIC_RELAXED)

int	worker_start(struct worker *, int id);
void	worker_post(struct worker *, struct proxy_snap *, int stop);
void	worker_join(struct worker *);

/* Called by the worker when it is done with a snapshot (see proxy.c). */
void	proxy_snap_release(struct proxy_snap *);
void	proxy_worker_acked(void);

/* Shared limits, read by workers. */
int	proxy_conn_take(void);
void	proxy_conn_put(void);
/* Open connections are at 90 % of max_connections or more. */
int	proxy_conn_crowded(void);
extern int	proxy_nworkers;

#endif
