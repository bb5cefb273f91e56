/* SPDX-License-Identifier: ISC */
#ifndef V6G_TRACE_H
#define V6G_TRACE_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "addr.h"

/*
 * v6gatectl trace: the audit log's records (audit.h) that match what a
 * legacy server logged, or every record of a client.  Reads the day files
 * the query's times fall in (and the next day, where connections that
 * ended after midnight are), plain or gzipped.
 */

enum trace_mode {
	TRACE_PEER,		/* --at TIME --peer ADDR:PORT [--server] */
	TRACE_CLIENT		/* --client PREFIX --from T1 --to T2 */
};

struct trace_query {
	enum trace_mode	 mode;
	/* TRACE_PEER: the gateway's address and port the server logged, at
	   a time, give or take the skew */
	uint64_t	 at_ms;
	uint64_t	 skew_ms;
	union addr_sa	 peer;
	int		 has_server;
	union addr_sa	 server;
	/* TRACE_CLIENT */
	union addr_sa	 prefix;
	int		 prefix_len;
	uint64_t	 from_ms, to_ms;
};

/*
 * Parse "2026-11-23T10:15:30.123Z" (RFC 3339, any offset, any fraction)
 * or "1795428930.123" (Unix seconds, as nginx's $msec).  0 or -1.
 */
int	trace_time_parse(const char *, uint64_t *ms);

/* A match: which of the dirs it is from, the record parsed, its line. */
typedef void	trace_fn(void *arg, size_t dir, json_object *,
		    const char *);

/*
 * Every matching record of the audit logs in dirs (several gateways', or
 * a collector's copies) to fn: of one dir in time order of its files, of
 * several in the time of each record (its close, else its open).
 * Returns the number of matches, or -1 with err (no audit log at a dir).
 */
long	trace_run(const char *const *dirs, size_t ndirs,
	    const struct trace_query *, trace_fn *fn, void *arg, char *err,
	    size_t errlen);

#endif
