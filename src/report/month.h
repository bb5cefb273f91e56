/* SPDX-License-Identifier: ISC */
#ifndef V6G_REPORT_MONTH_H
#define V6G_REPORT_MONTH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "acct/clients.h"
#include "acct/counters.h"
#include "siphash.h"

/*
 * One calendar month of the traffic history, per service, as the monthly
 * report shows it (v6gatectl report): read from the history database
 * (state_dir/v6gate.db, read-only; the daemon need not run), then rendered
 * as text, CSV, JSON or HTML.  Figures and their rules are in v6gatectl(8),
 * REPORT.
 */

#define REPORT_MAXDAYS	31

struct report_family {
	uint64_t	bytes_in;	/* client -> backend */
	uint64_t	bytes_out;	/* backend -> client */
	uint64_t	connections;
	uint64_t	unreachable;
	uint64_t	peak_open;	/* the most open at once */
};

/*
 * A gateway's distinct clients of a kind in the month as stored, for a
 * merge (REPORT_SETS): the members while the set is exact, the sketch
 * (HLL_REGS registers, hashed with the history's clients_key) once not.
 */
struct report_set {
	uint8_t			(*member)[16];
	size_t			 nmember, cap;
	uint8_t			*reg;		/* or NULL */
};

/* How a merged count of distinct clients came about. */
enum report_merge {
	RM_EXACT,		/* the union of the members */
	RM_SKETCH,		/* sketches of one key merged: an estimate */
	RM_BOUNDS		/* not mergeable: at least min, at most n */
};

struct report_service {
	char			*name;
	char			 mode[8];	/* proxy, nat64, siit */
	int			 configured;	/* in the services table */
	int			 reach[ACCT_NFAMILY];	/* can clients of the
							   family reach it */
	struct report_family	 fam[ACCT_NFAMILY];
	struct clients_count	 clients[CL_NKIND];
	uint64_t		 day[REPORT_MAXDAYS][ACCT_NFAMILY];	/* bytes */
	/* merged reports: how each count was merged, and its lower bound
	   (= clients[k].n but for RM_BOUNDS) */
	enum report_merge	 merge[CL_NKIND];
	uint64_t		 clients_min[CL_NKIND];
	struct report_set	 set[CL_NKIND];	/* REPORT_SETS */
};

/* One site's readiness checks in the month (ready/record.c); per day
   the day's last check. */
struct report_ready {
	char			*site;
	char			*service;
	unsigned		 checks, passed;
	int			 day[REPORT_MAXDAYS];	/* -1 none, 0 fail,
							   1 pass */
	double			 l2[REPORT_MAXDAYS];	/* link rates, NAN */
	double			 l3[REPORT_MAXDAYS];
	double			 degr[REPORT_MAXDAYS];	/* overall, NAN */
	int			 last_pass;		/* the month's last */
	int			 bypass;
	unsigned		 failing;
};

struct report {
	char			 month[8];	/* YYYY-MM */
	char			 period[12];	/* month, or a day */
	int			 ndays;
	const char		*gateway;	/* gateway.name, or NULL */
	const char		*db;		/* the file read */
	char			 stored_name[65];	/* meta gateway */
	int			 has_key;	/* meta "clients_key" */
	struct siphash_key	 key;
	/* a merged report: the gateways' own (in the order given) */
	const struct report	*parts;
	size_t			 nparts;
	/* merged: counts that are bounds, not figures (the reason) */
	const char		*bounds_why;
	struct report_service	*svcs;		/* sorted by name */
	size_t			 nsvcs;
	struct report_ready	*ready;		/* by site */
	size_t			 nready;
};

/* 0 if s is a month "YYYY-MM" (01-12), -1 if not. */
int	report_month_check(const char *);

/* Read month (YYYY-MM) of the history in db, or one day of it
   (YYYY-MM-DD: v6gatectl stats --state-dir); -1 with err.  REPORT_SETS:
   the distinct clients' members and sketches too, for report_merge(). */
#define REPORT_SETS	0x1
int	report_load(struct report *, const char *db, const char *month,
	    unsigned flags, char *err, size_t errlen);
void	report_free(struct report *);
/* The service of that name, added (zeroed, mode proxy) if new; NULL: out
   of memory.  report_by_name() sorts them for qsort(). */
struct report_service *report_service_add(struct report *, const char *);
int	report_by_name(const void *, const void *);
/* The service of that name, or NULL. */
const struct report_service *report_service_find(const struct report *,
	    const char *);

/*
 * One report of several gateways' reports of the same month (merge.c):
 * bytes, connections, unreachable and the daily series add up; peak_open
 * adds up too (an upper bound of the fleet's: the peaks need not
 * coincide); distinct clients are merged as sets (each client once),
 * which needs the parts loaded with REPORT_SETS.  out->parts points to
 * in, which must outlive out.  -1: out of memory.
 */
int	report_merge(struct report *out, const struct report *in, size_t n,
	    char *err, size_t errlen);

/* One gateway's distinct clients of a kind, for report_clients_merge(). */
struct report_part {
	struct clients_count		 count;	/* as counted */
	const struct report_set		*set;	/* or NULL */
	const struct siphash_key	*key;	/* of set->reg, or NULL */
};

struct report_merged {
	uint64_t		n;		/* the figure, or at most */
	uint64_t		min;		/* at least (RM_BOUNDS) */
	int			exact;
	enum report_merge	how;
	const char		*why;		/* RM_BOUNDS: why */
};

/*
 * The distinct clients of n gateways together: members merged as sets
 * (exact), sketches of one hash key register by register (an estimate);
 * what cannot be merged (sketches of different keys, a count without
 * members or sketch) gives bounds: at least the largest part, at most
 * their sum less what the members say they share.  -1: out of memory.
 */
int	report_clients_merge(const struct report_part *, size_t n,
	    struct report_merged *);

/*
 * The IPv6 share of v6 and v4 bytes for a service: 1 and *share when it
 * applies (both families can reach the service and some bytes passed),
 * 0 when it does not.
 */
int	report_share(const struct report_service *, uint64_t v6, uint64_t v4,
	    double *share);
/* The share of connections that reached a backend (proxy services with
   connections): 1 and *avail, else 0. */
int	report_availability(const struct report_service *, double *avail);
/* The gateway's name: gateway.name, else the name its daemon stored,
   else the file read. */
const char *report_gw_name(const struct report *);
/* All bytes of a family, both directions. */
uint64_t report_bytes(const struct report_service *, int family);

/* The renderings (text.c, csv.c, json.c, html.c). */
void	report_text(const struct report *, FILE *);
void	report_csv(const struct report *, FILE *);
void	report_json(const struct report *, FILE *);
void	report_html(const struct report *, FILE *);
/* Today and this month (fleet.c: v6gatectl stats --state-dir). */
void	report_fleet_text(const struct report *day,
	    const struct report *month, FILE *);
void	report_fleet_json(const struct report *day,
	    const struct report *month, FILE *);

#endif
