/* SPDX-License-Identifier: ISC */
#ifndef V6G_PROXY_H
#define V6G_PROXY_H

#include <stddef.h>

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

int		 proxy_workers(void);
unsigned	 proxy_max_connections(void);

#endif
