/* SPDX-License-Identifier: ISC */
#ifndef V6G_AUDIT_H
#define V6G_AUDIT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "addr.h"

/*
 * The audit log: one JSON line per proxied connection, so that what a
 * legacy server logged (the gateway's address and port, a time) leads back
 * to the IPv6 client.  Files state_dir/audit/audit-YYYY-MM-DD.jsonl, one
 * per UTC day, compressed (.gz) the day after and deleted after
 * audit.retention_days.  Format in v6gated(8), AUDIT LOG; version 1.
 *
 * The workers never wait for it: each has a ring of records that a writer
 * thread empties; a full ring drops the record and counts it.  The writer
 * says when it cannot write (audit_failing), for audit.fail_closed.
 */

#define AUDIT_VERSION	1
#define AUDIT_NAME_MAX	255

enum audit_event {
	AUDIT_OPEN,		/* connected to a backend (audit.at_open) */
	AUDIT_CLOSE
};

enum audit_kind {
	AUDIT_PROXY,		/* a connection the proxy relayed */
	AUDIT_NAT64		/* a Jool mapping (mapping.c) */
};

struct audit_rec {
	uint64_t	 id;
	uint64_t	 t_open_ms;	/* UTC, ms */
	uint64_t	 t_close_ms;	/* 0 for AUDIT_OPEN */
	union addr_sa	 client;
	union addr_sa	 local;		/* the gateway toward the backend */
	union addr_sa	 backend;
	union addr_sa	 via;		/* the load balancer whose PROXY header
					   named client, or AF_UNSPEC */
	char		 listener[ADDR_STRLEN];
	char		 service[65];
	char		 name[AUDIT_NAME_MAX + 1];	/* SNI or Host */
	uint64_t	 bytes_in, bytes_out;
	const char	*reason;	/* a string literal */
	uint8_t		 event;
	uint8_t		 kind;		/* enum audit_kind */
	uint8_t		 proto;		/* nat64: IPPROTO_TCP, _UDP, _ICMPV6 */
	uint32_t	 poll_ms;	/* nat64: times are within this */
};

struct audit_stats {
	uint64_t	records;	/* written */
	uint64_t	dropped;	/* a ring was full */
	uint64_t	errors;		/* failed writes, opens, rotations */
	int		failing;	/* the last write failed */
	char		file[4200];	/* being written */
};

/* Start the writer for nworkers rings, under state_dir/audit: 0; 1 with
   err when running but the file cannot be opened yet (it tries again);
   -1 with err when it cannot run (the directory cannot be made). */
int	audit_start(int nworkers, const char *state_dir, unsigned days,
	    char *, size_t);
/* Drain what is queued, close the file, stop the writer. */
void	audit_stop(void);
/* The daemon is stopping: a full ring makes a push wait (the connections
   closed at a stop are logged), not drop. */
void	audit_quiesce(void);
/* The writer runs (enabled at start). */
int	audit_running(void);
/* Retention from a reload. */
void	audit_set_days(unsigned);
/* SIGUSR1: reopen the file (after an external rotation). */
void	audit_reopen(void);

/* Worker w: queue a record (copied); never blocks.  The main thread
   has a ring of its own: w = AUDIT_MAIN. */
#define AUDIT_MAIN	(-1)
void	audit_push(int w, const struct audit_rec *);
/* The writer cannot write now (fail_closed refuses connections). */
int	audit_failing(void);
void	audit_stats(struct audit_stats *);
/* The UTC day of t as its files name it: "YYYY-MM-DD". */
void	audit_utc_day(time_t, char *, size_t);

/* Unique across restarts: the daemon's start (ms) and a counter.  The
   start is taken once, before any connection, whether or not the log
   runs: PROXY v2's UNIQUE_ID carries the same ids. */
void	audit_ids_start(void);
void	audit_id_fmt(uint64_t id, char *, size_t);

#endif
