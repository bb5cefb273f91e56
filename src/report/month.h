/* SPDX-License-Identifier: ISC */
#ifndef V6G_REPORT_MONTH_H
#define V6G_REPORT_MONTH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "acct/clients.h"
#include "acct/counters.h"

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

struct report_service {
	char			*name;
	char			 mode[8];	/* proxy, nat64, siit */
	int			 configured;	/* in the services table */
	int			 reach[ACCT_NFAMILY];	/* can clients of the
							   family reach it */
	struct report_family	 fam[ACCT_NFAMILY];
	struct clients_count	 clients[CL_NKIND];
	uint64_t		 day[REPORT_MAXDAYS][ACCT_NFAMILY];	/* bytes */
};

struct report {
	char			 month[8];	/* YYYY-MM */
	int			 ndays;
	const char		*gateway;	/* gateway.name, or NULL */
	const char		*db;		/* the file read */
	struct report_service	*svcs;		/* sorted by name */
	size_t			 nsvcs;
};

/* 0 if s is a month "YYYY-MM" (01-12), -1 if not. */
int	report_month_check(const char *);

/* Read month of the history in db; -1 with err. */
int	report_load(struct report *, const char *db, const char *month,
	    char *err, size_t errlen);
void	report_free(struct report *);

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
/* All bytes of a family, both directions. */
uint64_t report_bytes(const struct report_service *, int family);

/* The renderings (text.c, csv.c, json.c, html.c). */
void	report_text(const struct report *, FILE *);
void	report_csv(const struct report *, FILE *);
void	report_json(const struct report *, FILE *);
void	report_html(const struct report *, FILE *);

#endif
