/* SPDX-License-Identifier: ISC */
#ifndef V6G_API_STATS_H
#define V6G_API_STATS_H

#include <stdio.h>

#include <json-c/json.h>

#include "acct/clients.h"
#include "acct/counters.h"
#include "conf/conf.h"
#include "snap/snap.h"

/*
 * "v6gatectl stats": the traffic counters of the services, with their
 * distinct clients today and this month.  One JSON object, one member per
 * service named by it (schema in v6gatectl(8)); the text form is rendered
 * from it.
 */

/* All services, or the one named (NULL and err set if there is none). */
json_object	*stats_json(const struct snap *, const char *service, char *err,
		    size_t errlen);
void		 stats_text(json_object *, FILE *);

/* One family's counters (those shown for mode: ACCT_PROXY or ACCT_XLAT,
   counters.h) and distinct clients, as in both reports. */
json_object	*stats_family(const struct acct_cell *,
		    struct clients_count [CL_NKIND][CL_NPERIOD], int family,
		    unsigned mode);

/* The counters a service shows: ACCT_PROXY or ACCT_XLAT. */
unsigned	 stats_mode(const struct conf_service *);

#endif
