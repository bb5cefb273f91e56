/* SPDX-License-Identifier: ISC */
#ifndef V6G_PROXY_H
#define V6G_PROXY_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "snap/snap.h"
#include "stats.h"

/*
 * The proxy as the main thread sees it: start the workers, make a config
 * snapshot live (opening and closing listening sockets), stop, and read
 * counters.  Only the main thread calls these.
 */

/* Pipes a worker keeps ready; their fds count against the fd limit. */
#define PROXY_PIPES_FREE	64

int		 proxy_start(int nworkers);

/*
 * Where the listening sockets come from: listen_open() (common/listen.h)
 * unless the daemon says otherwise (its unprivileged process asks the
 * privileged one, which binds).  bind fills fds[n] (0), or fails with err
 * (-1); unbind says an address's sockets were closed (may be NULL).
 */
typedef int	proxy_bind_fn(const union addr_sa *, int n, int *fds,
		    char *err, size_t errlen);
typedef void	proxy_unbind_fn(const union addr_sa *);
void		 proxy_set_binder(proxy_bind_fn *, proxy_unbind_fn *);

/*
 * Make a snapshot (its links filled) live.  Opens the listening sockets it
 * adds (all workers' sockets for an address, or none), posts it, waits
 * until every worker took it, then closes the sockets it dropped.
 * fds_other: the file descriptors others hold beside the proxy (the health
 * checker's), left out of the connections' budget.  On failure nothing
 * changed and err says why.  On success the proxy holds a reference of its
 * own until the last connection accepted on it closes.
 */
int		 proxy_apply(struct snap *, unsigned fds_other, char *,
		    size_t);

/* Stop the workers (closing their connections); the config and the
   counters stay readable until proxy_stop(). */
void		 proxy_stop_workers(void);

/* Stop the workers if not yet, close the listeners, drop the snapshot. */
void		 proxy_stop(void);

/* Sum of every worker's counters. */
void		 proxy_stats_sum(struct proxy_stats *);

/* A worker's loop turns at least this often, busy or idle. */
#define PROXY_TICK_MS	1000

/* Whether every worker's loop turned within the last within_ms (a stuck
   worker, or one that died, does not): what the watchdog proves. */
int		 proxy_alive(uint64_t within_ms);

/* Whether every worker's socket for listener i of the live configuration
   listens on its address (api/health.c): 1 or 0. */
int		 proxy_listener_bound(size_t i);

int		 proxy_workers(void);
unsigned	 proxy_max_connections(void);

#endif
