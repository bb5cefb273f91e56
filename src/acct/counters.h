/* SPDX-License-Identifier: ISC */
#ifndef V6G_COUNTERS_H
#define V6G_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

/*
 * Traffic counters per service x family x direction.  Each worker writes
 * only its own slot, without locks or atomic read-modify-writes; readers sum
 * the slots.  A service's counters are found by name, so they survive a
 * reload that keeps the service.
 *
 * Units: payload bytes relayed (what the TCP peers sent, not IP bytes) for
 * proxy services; IP bytes and packets for nat64 and siit services, which
 * the kernel counts (kcount.h) and the main thread adds to "kern".
 * bytes_in = client -> backend, bytes_out = backend -> client.
 */

enum acct_family {
	ACCT_IPV6,
	ACCT_IPV4,
	ACCT_NFAMILY
};

/*
 * The per-service counters: one X() line each.  The list generates the
 * fields of struct acct_cell, their sums (counters.c), the history's
 * columns in the totals, minute, hour and day tables (store.c: CREATE,
 * upserts, reads, and an ALTER TABLE ADD COLUMN for a database that lacks
 * one), the checkpoint's deltas (history.c), the per-family JSON of
 * "v6gatectl status" and "stats" (api/stats.c, api/status.c) and the
 * per-service samples of /metrics (api/metrics.c).  Adding a counter is a
 * line here, the code that adds to it, and its documentation (v6gatectl(8)
 * for the JSON, v6gated(8) for a metric, v6gate.conf(5) for the column).
 *
 * X(field, json, sql, show, proxy_metric, xlat_metric, direction)
 *   field	 the member of struct acct_cell (its writers use it by name)
 *   json	 its key in the per-family objects of status and stats
 *   sql	 its column in the history, or NULL: not stored
 *   show	 ACCT_PROXY, ACCT_XLAT: the modes whose JSON shows it;
 *		 ACCT_SUMMARY: also in status' all-family total of a service;
 *		 ACCT_OPEN: it counts closings, and what is shown is what is
 *		 open (connections minus it)
 *   proxy_metric, xlat_metric
 *		 ACCT_METRIC(name, type, HELP) of proxy services, of nat64 and
 *		 siit services, or ACCT_NO_METRIC.  Consecutive lines of one
 *		 metric share its HELP and TYPE (in order of the list: the proxy
 *		 metrics first, then the nat64 and siit ones)
 *   direction	 the metric's direction label ("in", "out"), or NULL
 *
 * The order of the list is the order of the JSON keys, of the columns and
 * of the metrics.
 */
enum acct_mode {
	ACCT_MODE_PROXY,	/* proxy services */
	ACCT_MODE_XLAT,		/* nat64 and siit services */
	ACCT_NMODE
};
#define ACCT_PROXY	(1 << ACCT_MODE_PROXY)	/* shown for proxy services */
#define ACCT_XLAT	(1 << ACCT_MODE_XLAT)	/* shown for nat64, siit */
#define ACCT_ALL	(ACCT_PROXY | ACCT_XLAT)
#define ACCT_SUMMARY	0x4	/* in status' total of a service too */
#define ACCT_OPEN	0x8	/* shown as connections minus it */

#define ACCT_METRIC(name, type, help)	{ name, type, help }
#define ACCT_NO_METRIC			{ NULL, NULL, NULL }

#define ACCT_HELP_PAYLOAD						\
	"Payload bytes relayed by the proxy (TCP payload, not IP bytes); " \
	"direction in: client to backend, out: backend to client."
#define ACCT_HELP_IP_BYTES						\
	"IP bytes of nat64 and siit services, counted by nftables before " \
	"translation; direction in: client to server, out: server to "	\
	"client."
#define ACCT_HELP_IP_PACKETS						\
	"IP packets of nat64 and siit services, as v6gate_ip_bytes_total."

#define ACCT_CELL_COUNTERS(X)						\
	/* routed to this service */					\
	X(connections, "connections", "connections",			\
	    ACCT_ALL | ACCT_SUMMARY,					\
	    ACCT_METRIC("v6gate_connections_total", "counter",		\
	    "Proxy connections routed to a service, by the client's "	\
	    "address family."), ACCT_NO_METRIC, NULL)			\
	/* of those, closed again (before this run: all of them) */	\
	X(closed, "open", NULL, ACCT_ALL | ACCT_SUMMARY | ACCT_OPEN,	\
	    ACCT_METRIC("v6gate_open_connections", "gauge",		\
	    "Proxy connections of a service open now, by the client's "	\
	    "address family."), ACCT_NO_METRIC, NULL)			\
	/* client -> backend */						\
	X(bytes_in, "bytes_in", "bytes_in", ACCT_ALL | ACCT_SUMMARY,	\
	    ACCT_METRIC("v6gate_payload_bytes_total", "counter",	\
	    ACCT_HELP_PAYLOAD), ACCT_METRIC("v6gate_ip_bytes_total",	\
	    "counter", ACCT_HELP_IP_BYTES), "in")			\
	/* backend -> client */						\
	X(bytes_out, "bytes_out", "bytes_out", ACCT_ALL | ACCT_SUMMARY,	\
	    ACCT_METRIC("v6gate_payload_bytes_total", "counter",	\
	    ACCT_HELP_PAYLOAD), ACCT_METRIC("v6gate_ip_bytes_total",	\
	    "counter", ACCT_HELP_IP_BYTES), "out")			\
	/* of connections, found no backend */				\
	X(unreachable, "unreachable", "unreachable", ACCT_ALL,		\
	    ACCT_METRIC("v6gate_unreachable_total", "counter",		\
	    "Proxy connections that found no backend of their service."), \
	    ACCT_NO_METRIC, NULL)					\
	/* nat64, siit: the kernel counts them (kcount.c) */		\
	X(packets_in, "packets_in", "packets_in", ACCT_XLAT,		\
	    ACCT_NO_METRIC, ACCT_METRIC("v6gate_ip_packets_total",	\
	    "counter", ACCT_HELP_IP_PACKETS), "in")			\
	X(packets_out, "packets_out", "packets_out", ACCT_XLAT,	\
	    ACCT_NO_METRIC, ACCT_METRIC("v6gate_ip_packets_total",	\
	    "counter", ACCT_HELP_IP_PACKETS), "out")

struct acct_cell {
#define ACCT_CELL_FIELD(f, json, sql, show, mp, mx, dir)	uint64_t f;
	ACCT_CELL_COUNTERS(ACCT_CELL_FIELD)
#undef ACCT_CELL_FIELD
};

/* The list as data, for the code that walks it at run time. */

struct acct_metric {
	const char	*name;		/* NULL: none */
	const char	*type;		/* "counter", "gauge" */
	const char	*help;
};

struct acct_counter {
	const char		*field;
	const char		*json;
	const char		*sql;		/* NULL: not stored */
	unsigned		 show;		/* ACCT_PROXY ... ACCT_OPEN */
	size_t			 off;		/* in struct acct_cell */
	struct acct_metric	 metric[ACCT_NMODE];	/* by enum acct_mode */
	const char		*direction;	/* NULL: no label */
};

#define ACCT_COUNT_ONE(f, json, sql, show, mp, mx, dir)	+ 1
enum { ACCT_NCOUNTERS = 0 ACCT_CELL_COUNTERS(ACCT_COUNT_ONE) };
#undef ACCT_COUNT_ONE

extern const struct acct_counter	acct_counters[ACCT_NCOUNTERS];

static inline uint64_t *
acct_cell_at(struct acct_cell *c, const struct acct_counter *k)
{
	return (uint64_t *)(void *)((char *)c + k->off);
}

static inline uint64_t
acct_cell_get(const struct acct_cell *c, const struct acct_counter *k)
{
	return *(const uint64_t *)(const void *)((const char *)c + k->off);
}

/* What the status shows of a counter: the count, or what is open. */
static inline int64_t
acct_cell_shown(const struct acct_cell *c, const struct acct_counter *k)
{
	uint64_t	v = acct_cell_get(c, k);

	return (int64_t)(k->show & ACCT_OPEN ? c->connections - v : v);
}

/* One worker's counters for one service: a cache line of its own. */
struct acct_slot {
	struct acct_cell	fam[ACCT_NFAMILY];
} __attribute__((aligned(64)));

/*
 * Open connections of a service and family, and the most open at once
 * since the last checkpoint took it: shared by the workers (atomic
 * read-modify-writes, at a connection's start and end only, not per
 * byte), so that the peak is the peak of the sum, exactly.
 */
struct acct_open {
	uint64_t	open;
	uint64_t	peak;
} __attribute__((aligned(64)));

struct acct_clients;	/* clients.c */
struct acct_fentry;	/* counters.c: an entry of state_dir/counters */

struct acct_service {
	char			 name[65];
	struct acct_slot	*slots;		/* [acct_nworkers], in
						   state_dir/counters or,
						   failing that, the heap */
	struct acct_fentry	*fentry;	/* NULL: slots on the heap */
	struct acct_open	 open[ACCT_NFAMILY];
	/* main thread only: */
	struct acct_cell	 base[ACCT_NFAMILY];	/* before this run
							   (history) */
	struct acct_cell	 saved[ACCT_NFAMILY];	/* of this run, in the
							   history already */
	struct acct_cell	 pending[ACCT_NFAMILY];	/* being written */
	uint64_t		 peak[ACCT_NFAMILY];	/* taken, not stored
							   yet */
	struct acct_clients	*clients;		/* distinct clients */
	struct acct_cell	 kern[ACCT_NFAMILY];	/* counted by the
							   kernel (kcount.c) */
};

/* Sizes the slots; call once before any acct_service_get(). */
void		 acct_init(int nworkers);

/*
 * The workers' slots in state_dir/counters, a shared mapping (MAP_SHARED):
 * what they counted outlives the process (kill -9, a failed last
 * checkpoint on a full disk), and each entry also keeps what the history
 * has of it ("saved").  At open, a previous run's file is taken over: its
 * services are created with what the history has not stored yet, which
 * the next checkpoint writes.  Call after acct_init(), before any
 * acct_service_get() and before the workers count; -1 with err: the slots
 * are on the heap (counting goes on; a kill -9 loses the counts since the
 * last checkpoint).
 */
int		 acct_map_open(const char *state_dir, char *, size_t);
void		 acct_map_close(void);

/*
 * The checkpoint's side (history.c).  acct_map_begin(): a checkpoint
 * starts; it writes acct_map_ck(), this file's id and the checkpoint's
 * number, into the history in its transaction, so that a start can tell
 * whether a checkpoint cut short by kill -9 was committed or not
 * (acct_map_committed() with the stored value, at the history's first
 * open).  acct_map_pending(): what the checkpoint writes of a service's
 * slots; acct_map_stored(): the commit is done.
 */
void		 acct_map_begin(void);
#define ACCT_MAP_CKLEN	33		/* its length, without the NUL */
int		 acct_map_ck(char *, size_t);	/* 0: no file */
void		 acct_map_committed(const char *);
void		 acct_map_pending(struct acct_service *,
		    const struct acct_cell [ACCT_NFAMILY]);
void		 acct_map_stored(void);

/* Where a service's counts are kept (for a log line), NULL: memory. */
const char	*acct_map_where(const struct acct_service *);

/* The counters of a service name, created on first use (NULL: out of
   memory).  Main thread. */
struct acct_service *acct_service_get(const char *);

/* dst += src, counter by counter (the list above). */
void		 acct_cell_add(struct acct_cell *, const struct acct_cell *);

/* Sum over workers, plus the base from before this run. */
void		 acct_service_sum(const struct acct_service *,
		    struct acct_cell [ACCT_NFAMILY]);

/* This run's counts only (what the history has not seen yet + saved). */
void		 acct_service_live(const struct acct_service *,
		    struct acct_cell [ACCT_NFAMILY]);

/* The workers' part of it (what state_dir/counters holds). */
void		 acct_service_slots(const struct acct_service *,
		    struct acct_cell [ACCT_NFAMILY]);

/* Every service ever counted in this run. */
void		 acct_foreach(void (*)(struct acct_service *, void *), void *);

/*
 * A connection of the service opens, closes (any worker): the open count
 * and its high-water mark.  acct_peak_take(): the most open at once since
 * the last take, and a new period starts with what is open now (main
 * thread, at a checkpoint).
 */
static inline void
acct_open_max(struct acct_open *o, uint64_t n)
{
	uint64_t	p = __atomic_load_n(&o->peak, __ATOMIC_RELAXED);

	while (p < n && !__atomic_compare_exchange_n(&o->peak, &p, n, 1,
	    __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		;
}

static inline void
acct_open_inc(struct acct_service *as, int f)
{
#ifndef V6G_NO_COUNTING
	acct_open_max(&as->open[f], __atomic_add_fetch(&as->open[f].open, 1,
	    __ATOMIC_RELAXED));
#endif
}

static inline void
acct_open_dec(struct acct_service *as, int f)
{
#ifndef V6G_NO_COUNTING
	__atomic_sub_fetch(&as->open[f].open, 1, __ATOMIC_RELAXED);
#endif
}

uint64_t	 acct_peak_take(struct acct_service *, int);

/*
 * Single-writer add: only the worker owning the slot calls these.
 * V6G_NO_COUNTING is for the benchmark only (tests/bench/v6gated-nocount):
 * with it the data path counts nothing, which measures what counting costs.
 */
static inline void
acct_add(uint64_t *c, uint64_t n)
{
#ifndef V6G_NO_COUNTING
	__atomic_store_n(c, __atomic_load_n(c, __ATOMIC_RELAXED) + n,
	    __ATOMIC_RELAXED);
#endif
}

static inline uint64_t
acct_read(const uint64_t *c)
{
	return __atomic_load_n(c, __ATOMIC_RELAXED);
}

const char	*acct_family_name(enum acct_family);

#endif
