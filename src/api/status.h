/* SPDX-License-Identifier: ISC */
#ifndef V6G_STATUS_H
#define V6G_STATUS_H

#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include <json-c/json.h>

#include "acct/clients.h"
#include "acct/counters.h"
#include "audit/audit.h"
#include "audit/forward.h"
#include "conf/conf.h"
#include "control.h"
#include "proxy/stats.h"
#include "snap/snap.h"

/*
 * "v6gatectl status": what the gateway runs and what it carried.  Built once
 * as a JSON object; the text form is rendered from that object, so the two
 * never disagree.
 */

struct status_daemon {
	pid_t		 pid;
	time_t		 started;
	time_t		 loaded;	/* last successful (re)load */
	unsigned	 reloads;
	unsigned	 reload_failures;
};

/*
 * What the status JSON and /metrics (metrics.c) both render, read once
 * into C structures: neither reads the other, so a renamed JSON key
 * cannot silently zero a metric.
 */
struct status_gateway {
	const struct snap		*sn;		/* the live snapshot */
	const struct gw_conf		*gc;		/* its configuration */
	const struct status_daemon	*d;
	int64_t				 uptime;	/* seconds */
	struct proxy_stats		 st;		/* all workers' */
	int				 history_open;
	uint64_t			 history_errors;
	struct audit_stats		 audit;
	int				 audit_enabled;	/* and running */
	struct forward_stats		 forward;	/* to a collector */
	int				 workers;
	int64_t				 max_connections;
	struct control_stats		 control;	/* its clients */
	int				 state_dir_mode;	/* or -1 */
	int				 state_dir_open;	/* > 0750 */
};

struct status_service {
	const struct conf_service	*conf;
	unsigned			 mode;	/* ACCT_PROXY, ACCT_XLAT */
	struct acct_cell		 fam[ACCT_NFAMILY];	/* since the
							   history began */
	struct clients_count		 cl[CL_NKIND][CL_NPERIOD];
};

void		 status_gateway_read(const struct status_daemon *,
		    const struct snap *, struct status_gateway *);
/* Service i's counters and clients; clients_drain() first, once for all
   services. */
void		 status_service_read(const struct snap *, size_t i,
		    struct status_service *);

json_object	*status_json(const struct status_daemon *, const struct snap *);
/* The last readiness check of the history, as status and /metrics show
   it (ready/record.c's summary), or NULL before the first. */
json_object	*status_readiness_read(const struct gw_conf *);
void		 status_text(json_object *, FILE *);

/* "v6gatectl services": each service, where clients reach it, who
   serves it. */
void		 status_services_text(json_object *, FILE *);

#endif
