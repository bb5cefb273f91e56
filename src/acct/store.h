/* SPDX-License-Identifier: ISC */
#ifndef V6G_STORE_H
#define V6G_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "counters.h"

/*
 * The traffic history, in SQLite (state_dir/v6gate.db, WAL): the running
 * totals per service and family (so a restart continues them), and the
 * same counts per minute (a recent window), per hour and per day (kept
 * for reports, 13 months and more).  Days and months are the gateway's
 * local calendar, as a site reports them.  Main thread only.
 */

struct store_retention {
	unsigned	minutes;	/* minute rows kept, in minutes */
	unsigned	days;		/* hour and day rows kept, in days */
};

/* Open (and create) the database; 0, or -1 with err. */
int	store_open(const char *state_dir, char *, size_t);
void	store_close(void);
int	store_is_open(void);

/* Each service's totals as last stored: fn(service, family, cell). */
int	store_totals(void (*fn)(void *, const char *, int,
	    const struct acct_cell *), void *, char *, size_t);

/*
 * The rows of a counts table, oldest first: "minute" or "hour" (since: a
 * Unix time, as text) or "day" (since: "YYYY-MM-DD"); fn(arg, the row's
 * time or day as text, service, family, counters).  For the dashboard.
 */
typedef void store_row_fn(void *, const char *, const char *, int,
	    const struct acct_cell *);
int	store_rows(const char *table, const char *since, store_row_fn *,
	    void *, char *, size_t);

/*
 * One checkpoint: add these deltas (connections, bytes, unreachable) at
 * time t to the totals and to t's minute, hour and day rows, and raise
 * their peak of open connections to peak_open, in one transaction.
 */
int	store_begin(char *, size_t);
int	store_add(time_t, const char *service, int family,
	    const struct acct_cell *delta, uint64_t peak_open, char *, size_t);
int	store_commit(char *, size_t);
void	store_rollback(void);

/*
 * Distinct clients (clients.c), in the checkpoint's transaction: a member
 * of an exact set, a set's sketch once it is an estimate, and its count.
 * period is "YYYY-MM-DD" or "YYYY-MM"; kind "ipv6", "ipv6/64" or "ipv4".
 */
int	store_client_member(const char *period, const char *service,
	    const char *kind, const uint8_t key[16], char *, size_t);
int	store_client_hll(const char *period, const char *service,
	    const char *kind, const uint8_t *reg, size_t, char *, size_t);
int	store_client_count(const char *period, const char *service,
	    const char *kind, uint64_t count, int exact, char *, size_t);

/* The stored members and sketches of two periods (today, this month):
   fn(arg, service, period, kind, bytes, length). */
typedef void store_client_fn(void *, const char *, const char *,
	    const char *, const void *, size_t);
int	store_client_members(const char *, const char *, store_client_fn *,
	    void *, char *, size_t);
int	store_client_hlls(const char *, const char *, store_client_fn *,
	    void *, char *, size_t);
/* Their stored exact flags, as "0" or "1". */
int	store_client_exacts(const char *, const char *, store_client_fn *,
	    void *, char *, size_t);

/* The kernel's counters as last read (kcount.c), a row per element:
   written (or deleted) in the checkpoint's transaction; read back at
   start. */
int	store_kcounter_put(const char *elem, const char *service,
	    uint64_t table, uint64_t packets, uint64_t bytes, char *, size_t);
int	store_kcounter_del(const char *elem, char *, size_t);
int	store_kcounters_load(void (*)(const char *, const char *, uint64_t,
	    uint64_t, uint64_t), char *, size_t);

/* A service as configured now: its mode and which client families can
   reach it (in the checkpoint's transaction). */
int	store_service(const char *name, const char *mode, int ipv6, int ipv4,
	    char *, size_t);
int	store_services_clear(char *, size_t);
int	store_service_del(const char *name, char *, size_t);

/* A value in the meta table: 1 found (exactly len bytes), 0 not. */
int	store_meta_get(const char *, void *, size_t, char *, size_t);
int	store_meta_put(const char *, const void *, size_t, char *, size_t);

/* Delete rows older than the retention; cheap, run now and then. */
int	store_expire(time_t, const struct store_retention *, char *, size_t);

/* The SQLite handle for reports (read only use). */
struct sqlite3;
struct sqlite3	*store_db(void);

#endif
