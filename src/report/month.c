/* SPDX-License-Identifier: ISC */
/*
 * A month of the traffic history (see month.h).  Three reads, no writes:
 * the month's daily rows, the services as last configured and the month's
 * distinct-client counts.  The daily rows are summed here, not in SQL, so
 * that the per-day series for the charts come from the same pass.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "month.h"

int
report_month_check(const char *s)
{
	int	i, m;

	if (strlen(s) != 7 || s[4] != '-')
		return -1;
	for (i = 0; i < 7; i++)
		if (i != 4 && (s[i] < '0' || s[i] > '9'))
			return -1;
	m = (s[5] - '0') * 10 + (s[6] - '0');
	return m >= 1 && m <= 12 && strncmp(s, "1970", 4) >= 0 ? 0 : -1;
}

static int
report_days_in(const char *month)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	int	y = atoi(month), m = atoi(month + 5);

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

static struct report_service *
report_service(struct report *r, const char *name)
{
	struct report_service	*s;
	size_t			 i;
	int			 k;

	/* the rows come by service: the last one is the likely one */
	if (r->nsvcs > 0 && strcmp(r->svcs[r->nsvcs - 1].name, name) == 0)
		return &r->svcs[r->nsvcs - 1];
	for (i = 0; i < r->nsvcs; i++)
		if (strcmp(r->svcs[i].name, name) == 0)
			return &r->svcs[i];
	if ((s = reallocarray(r->svcs, r->nsvcs + 1, sizeof(*s))) == NULL)
		return NULL;
	r->svcs = s;
	s = &r->svcs[r->nsvcs];
	memset(s, 0, sizeof(*s));
	if ((s->name = strdup(name)) == NULL)
		return NULL;
	r->nsvcs++;
	/* until the services table says otherwise */
	strcpy(s->mode, "proxy");
	for (k = 0; k < CL_NKIND; k++)
		s->clients[k].exact = 1;
	return s;
}

static int
report_fail(sqlite3 *db, char *err, size_t errlen, const char *path)
{
	snprintf(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) :
	    "out of memory");
	return -1;
}

static int
report_days(struct report *r, sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt		*st;
	struct report_service	*s;
	struct report_family	*f;
	char			 from[32], to[32];
	int			 rc, day, fam;

	if (sqlite3_prepare_v2(db, "SELECT d, service, family, connections,"
	    " bytes_in, bytes_out, unreachable, peak_open FROM day"
	    " WHERE d BETWEEN ? AND ? ORDER BY service", -1, &st, NULL) !=
	    SQLITE_OK)
		return report_fail(db, err, errlen, r->db);
	snprintf(from, sizeof(from), "%s-01", r->month);
	snprintf(to, sizeof(to), "%s-%02d", r->month, r->ndays);
	sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, to, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *d = (const char *)sqlite3_column_text(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 1);
		const char *family = (const char *)sqlite3_column_text(st, 2);

		if (d == NULL || name == NULL || family == NULL ||
		    strlen(d) != 10)
			continue;
		day = atoi(d + 8) - 1;
		if (day < 0 || day >= r->ndays)
			continue;
		fam = strcmp(family, "ipv4") == 0 ? ACCT_IPV4 : ACCT_IPV6;
		if ((s = report_service(r, name)) == NULL) {
			sqlite3_finalize(st);
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		f = &s->fam[fam];
		f->connections += (uint64_t)sqlite3_column_int64(st, 3);
		f->bytes_in += (uint64_t)sqlite3_column_int64(st, 4);
		f->bytes_out += (uint64_t)sqlite3_column_int64(st, 5);
		f->unreachable += (uint64_t)sqlite3_column_int64(st, 6);
		if ((uint64_t)sqlite3_column_int64(st, 7) > f->peak_open)
			f->peak_open = (uint64_t)sqlite3_column_int64(st, 7);
		s->day[day][fam] += (uint64_t)sqlite3_column_int64(st, 4) +
		    (uint64_t)sqlite3_column_int64(st, 5);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : report_fail(db, err, errlen, r->db);
}

static struct report_service *
report_find(struct report *r, const char *name)
{
	size_t	i;

	for (i = 0; name != NULL && i < r->nsvcs; i++)
		if (strcmp(r->svcs[i].name, name) == 0)
			return &r->svcs[i];
	return NULL;
}

static int
report_services(struct report *r, sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt		*st;
	struct report_service	*s;
	int			 rc;

	if (sqlite3_prepare_v2(db, "SELECT name, mode, ipv6, ipv4 FROM"
	    " services", -1, &st, NULL) != SQLITE_OK)
		return report_fail(db, err, errlen, r->db);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *mode = (const char *)sqlite3_column_text(st, 1);

		if ((s = report_find(r, (const char *)sqlite3_column_text(st,
		    0))) == NULL || mode == NULL)
			continue;
		snprintf(s->mode, sizeof(s->mode), "%s", mode);
		s->configured = 1;
		s->reach[ACCT_IPV6] = sqlite3_column_int(st, 2) != 0;
		s->reach[ACCT_IPV4] = sqlite3_column_int(st, 3) != 0;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : report_fail(db, err, errlen, r->db);
}

static int
report_clients(struct report *r, sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt		*st;
	struct report_service	*s;
	int			 rc, k;

	if (sqlite3_prepare_v2(db, "SELECT service, kind, count, exact FROM"
	    " clients WHERE period = ?", -1, &st, NULL) != SQLITE_OK)
		return report_fail(db, err, errlen, r->db);
	sqlite3_bind_text(st, 1, r->month, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 1);

		if ((s = report_find(r, (const char *)sqlite3_column_text(st,
		    0))) == NULL || kind == NULL)
			continue;
		for (k = 0; k < CL_NKIND; k++)
			if (strcmp(kind, clients_kind_name(k)) == 0) {
				s->clients[k].n =
				    (uint64_t)sqlite3_column_int64(st, 2);
				s->clients[k].exact =
				    sqlite3_column_int(st, 3) != 0;
			}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : report_fail(db, err, errlen, r->db);
}

static int
report_by_name(const void *a, const void *b)
{
	return strcmp(((const struct report_service *)a)->name,
	    ((const struct report_service *)b)->name);
}

int
report_load(struct report *r, const char *path, const char *month,
    char *err, size_t errlen)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*st;
	const char	*v;
	size_t		 i;
	int		 rc = -1, f;

	memset(r, 0, sizeof(*r));
	r->db = path;
	snprintf(r->month, sizeof(r->month), "%s", month);
	r->ndays = report_days_in(month);
	if (access(path, R_OK) == -1) {
		snprintf(err, errlen, "no traffic history at %s: %s", path,
		    strerror(errno));
		return -1;
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		report_fail(db, err, errlen, path);
		goto done;
	}
	/* a running daemon may be writing: wait for it a little */
	sqlite3_busy_timeout(db, 2000);
	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key ="
	    " 'schema'", -1, &st, NULL) != SQLITE_OK) {
		report_fail(db, err, errlen, path);
		goto done;
	}
	v = sqlite3_step(st) == SQLITE_ROW ?
	    (const char *)sqlite3_column_text(st, 0) : NULL;
	/* 4 differs from 3 in the kernel counters' rows only, which a
	   report does not read */
	if (v == NULL || (strcmp(v, "3") != 0 && strcmp(v, "4") != 0)) {
		snprintf(err, errlen, "%s: history schema %s, not 4 (start "
		    "this version of v6gated once to upgrade it)", path,
		    v ? v : "unknown");
		sqlite3_finalize(st);
		goto done;
	}
	sqlite3_finalize(st);
	if (report_days(r, db, err, errlen) == -1 ||
	    report_services(r, db, err, errlen) == -1 ||
	    report_clients(r, db, err, errlen) == -1)
		goto done;
	/* not configured any more: both families reach it if both came */
	for (i = 0; i < r->nsvcs; i++)
		if (!r->svcs[i].configured)
			for (f = 0; f < ACCT_NFAMILY; f++)
				r->svcs[i].reach[f] =
				    report_bytes(&r->svcs[i], f) > 0;
	if (r->nsvcs > 1)
		qsort(r->svcs, r->nsvcs, sizeof(*r->svcs), report_by_name);
	rc = 0;
done:
	sqlite3_close(db);
	if (rc == -1)
		report_free(r);
	return rc;
}

void
report_free(struct report *r)
{
	size_t	i;

	for (i = 0; i < r->nsvcs; i++)
		free(r->svcs[i].name);
	free(r->svcs);
	r->svcs = NULL;
	r->nsvcs = 0;
}

uint64_t
report_bytes(const struct report_service *s, int f)
{
	return s->fam[f].bytes_in + s->fam[f].bytes_out;
}

int
report_share(const struct report_service *s, uint64_t v6, uint64_t v4,
    double *share)
{
	if (!s->reach[ACCT_IPV6] || !s->reach[ACCT_IPV4] || v6 + v4 == 0)
		return 0;
	*share = (double)v6 / (double)(v6 + v4);
	return 1;
}

int
report_availability(const struct report_service *s, double *avail)
{
	uint64_t	c = s->fam[ACCT_IPV6].connections +
			    s->fam[ACCT_IPV4].connections;
	uint64_t	u = s->fam[ACCT_IPV6].unreachable +
			    s->fam[ACCT_IPV4].unreachable;

	if (strcmp(s->mode, "proxy") != 0 || c == 0)
		return 0;
	*avail = u >= c ? 0 : 1 - (double)u / (double)c;
	return 1;
}
