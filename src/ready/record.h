/* SPDX-License-Identifier: ISC */
#ifndef V6G_READY_RECORD_H
#define V6G_READY_RECORD_H

#include <time.h>

#include <json-c/json.h>

/*
 * The readiness results kept in the history (state_dir/v6gate.db, table
 * "readiness": one row per site and check), for status, /metrics and the
 * monthly report.  Its own SQLite connection: the writer is the checker
 * process (v6gatectl readiness --store), the readers the daemon and
 * v6gatectl report.
 */

/* Keep each site of doc; rows older than keep_days go. */
int		 record_put(const char *state_dir, json_object *doc,
		    unsigned keep_days, char *err, size_t errlen);

/* The last check of each site, as a document like ready_run()'s ("sites"
   in site order), or NULL (none yet, or err set). */
json_object	*record_last(const char *state_dir, char *err, size_t errlen);

/*
 * What status and /metrics show of a record_last() document (NULL: no
 * check yet): per site its verdict, the link support rates of levels 2
 * and 3, the homepage's IPv6 success rate and overall degradation, how
 * many entries fail, whether IPv4 goes around the gateway.
 */
json_object	*record_summary(json_object *last);

/* Each row of month M (YYYY-MM) of the database at path, oldest first. */
typedef void	 record_fn(void *, time_t, const char *site,
		    const char *service, int pass, json_object *site_doc);
int		 record_month(const char *path, const char *month,
		    record_fn *, void *, char *err, size_t errlen);

#endif
