/* SPDX-License-Identifier: ISC */
#ifndef V6G_PROXY_H
#define V6G_PROXY_H

#include <stddef.h>

#include "conf/conf.h"
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
 * Make gc live.  Opens the listening sockets gc adds (all workers' sockets
 * for an address, or none), posts the snapshot, waits until every worker
 * took it, then closes the sockets gc dropped.  fds_other: the file
 * descriptors others hold beside the proxy (the health checker's), left
 * out of the connections' budget.  On failure nothing changed and err says
 * why.  Takes ownership of gc on success only.
 */
int		 proxy_apply(struct gw_conf *, unsigned fds_other, char *,
		    size_t);

/* Stop the workers (closing their connections); the config and the
   counters stay readable until proxy_stop(). */
void		 proxy_stop_workers(void);

/* Stop the workers if not yet, close the listeners, free the config. */
void		 proxy_stop(void);

/* The live snapshot's config, or NULL before the first apply. */
const struct gw_conf *proxy_conf(void);

/* Sum of every worker's counters. */
void		 proxy_stats_sum(struct proxy_stats *);

int		 proxy_workers(void);
unsigned	 proxy_max_connections(void);

#endif
