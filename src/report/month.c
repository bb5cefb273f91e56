/* SPDX-License-Identifier: ISC */
/*
 * A month of the traffic history (see month.h).  Reads, no writes:
 * the month's daily rows, the services as last configured and the month's
 * distinct-client counts; and the readiness checks of the month (their
 * rows are ready/record.c's).  The daily rows are summed here, not in SQL, so
 * that the per-day series for the charts come from the same pass.
 */

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "acct/hll.h"
#include "month.h"
#include "ready/record.h"

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

struct report_service *
report_service_add(struct report *r, const char *name)
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
	if (strlen(r->period) == 10) {		/* one day of it */
		snprintf(from, sizeof(from), "%s", r->period);
		snprintf(to, sizeof(to), "%s", r->period);
	}
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
		if ((s = report_service_add(r, name)) == NULL) {
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

/* (a row's name may be NULL) */
static struct report_service *
report_find(struct report *r, const char *name)
{
	return name == NULL ? NULL :
	    (struct report_service *)report_service_find(r, name);
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
report_kind(const char *kind)
{
	int	k;

	for (k = 0; kind != NULL && k < CL_NKIND; k++)
		if (strcmp(kind, clients_kind_name(k)) == 0)
			return k;
	return -1;
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
	sqlite3_bind_text(st, 1, r->period, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 1);

		if ((s = report_find(r, (const char *)sqlite3_column_text(st,
		    0))) == NULL || (k = report_kind(kind)) == -1)
			continue;
		s->clients[k].n = (uint64_t)sqlite3_column_int64(st, 2);
		s->clients[k].exact = sqlite3_column_int(st, 3) != 0;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : report_fail(db, err, errlen, r->db);
}

/* One stored member or sketch of the month into its service's set. */
static int
report_set_row(struct report *r, sqlite3_stmt *st, int sketch)
{
	struct report_service	*s;
	struct report_set	*rs;
	const void		*b = sqlite3_column_blob(st, 2);
	size_t			 len;
	int			 k;

	len = (size_t)sqlite3_column_bytes(st, 2);

	if ((s = report_find(r, (const char *)sqlite3_column_text(st,
	    0))) == NULL || (k = report_kind((const char *)
	    sqlite3_column_text(st, 1))) == -1 || b == NULL ||
	    len != (sketch ? HLL_REGS : 16))
		return 0;
	rs = &s->set[k];
	if (sketch) {
		if (rs->reg == NULL && (rs->reg = malloc(HLL_REGS)) == NULL)
			return -1;
		memcpy(rs->reg, b, HLL_REGS);
		return 0;
	}
	if (rs->nmember == rs->cap) {
		size_t	  ncap = rs->cap ? rs->cap * 2 : 64;
		uint8_t	(*n)[16] = reallocarray(rs->member, ncap, 16);

		if (n == NULL)
			return -1;
		rs->member = n;
		rs->cap = ncap;
	}
	memcpy(rs->member[rs->nmember++], b, 16);
	return 0;
}

/*
 * The members and sketches of the month (REPORT_SETS), and the key of
 * the sketches.  The daemon keeps them for the current and the previous
 * month (store_expire): an older month merges by its counts only.
 */
static int
report_sets(struct report *r, sqlite3 *db, char *err, size_t errlen)
{
	static const char *const sql[2] = {
		"SELECT service, kind, addr FROM client_member WHERE"
		" period = ?",
		"SELECT service, kind, registers FROM client_hll WHERE"
		" period = ?"
	};
	sqlite3_stmt	*st;
	int		 rc, i;

	for (i = 0; i < 2; i++) {
		if (sqlite3_prepare_v2(db, sql[i], -1, &st, NULL) != SQLITE_OK)
			return report_fail(db, err, errlen, r->db);
		sqlite3_bind_text(st, 1, r->period, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			if (report_set_row(r, st, i) == -1) {
				sqlite3_finalize(st);
				snprintf(err, errlen, "out of memory");
				return -1;
			}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return report_fail(db, err, errlen, r->db);
	}
	return 0;
}

/* The gateway's name and its clients' hash key, as the daemon stored
   them (an older daemon stored no name). */
static int
report_meta(struct report *r, sqlite3 *db, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	const char	*key;
	size_t		 len;
	int		 rc;

	if (sqlite3_prepare_v2(db, "SELECT key, value FROM meta WHERE key IN"
	    " ('gateway', 'clients_key')", -1, &st, NULL) != SQLITE_OK)
		return report_fail(db, err, errlen, r->db);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		key = (const char *)sqlite3_column_text(st, 0);
		len = (size_t)sqlite3_column_bytes(st, 1);
		if (key != NULL && strcmp(key, "clients_key") == 0 &&
		    len == sizeof(r->key)) {
			memcpy(&r->key, sqlite3_column_blob(st, 1), len);
			r->has_key = 1;
		} else if (key != NULL && strcmp(key, "gateway") == 0 &&
		    len < sizeof(r->stored_name))
			snprintf(r->stored_name, sizeof(r->stored_name), "%s",
			    (const char *)sqlite3_column_text(st, 1));
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : report_fail(db, err, errlen, r->db);
}

static double
report_level(json_object *site, int level)
{
	json_object	*lv = json_object_object_get(site, "levels"), *x;
	size_t		 i;

	for (i = 0; i < json_object_array_length(lv); i++) {
		x = json_object_array_get_idx(lv, i);
		if (json_object_get_int(json_object_object_get(x, "level")) ==
		    level)
			return json_object_get_double(json_object_object_get(
			    x, "rate"));
	}
	return NAN;
}

static void
report_ready_row(void *arg, time_t t, const char *site, const char *service,
    int pass, json_object *doc)
{
	struct report		*r = arg;
	struct report_ready	*rr, *nv;
	json_object		*d;
	struct tm		 tm;
	size_t			 i;
	int			 k;

	for (i = 0; i < r->nready; i++)
		if (strcmp(r->ready[i].site, site) == 0)
			break;
	if (i == r->nready) {
		if ((nv = realloc(r->ready, (i + 1) * sizeof(*nv))) == NULL)
			return;
		r->ready = nv;
		rr = &r->ready[r->nready++];
		memset(rr, 0, sizeof(*rr));
		rr->site = strdup(site);
		rr->service = strdup(service ? service : "");
		for (k = 0; k < REPORT_MAXDAYS; k++) {
			rr->day[k] = -1;
			rr->l2[k] = rr->l3[k] = rr->degr[k] = NAN;
		}
	}
	rr = &r->ready[i];
	localtime_r(&t, &tm);
	if ((k = tm.tm_mday - 1) < 0 || k >= r->ndays)
		return;
	rr->checks++;
	rr->passed += pass != 0;
	rr->day[k] = pass != 0;
	rr->l2[k] = report_level(doc, 2);
	rr->l3[k] = report_level(doc, 3);
	d = json_object_object_get(json_object_object_get(
	    json_object_object_get(doc, "homepage"), "degradation"), "overall");
	rr->degr[k] = d != NULL ? json_object_get_double(d) : NAN;
	rr->last_pass = pass != 0;
	rr->bypass = json_object_get_boolean(json_object_object_get(doc,
	    "ipv4_bypass"));
	rr->failing = (unsigned)json_object_array_length(
	    json_object_object_get(doc, "failing"));
}

int
report_by_name(const void *a, const void *b)
{
	return strcmp(((const struct report_service *)a)->name,
	    ((const struct report_service *)b)->name);
}

int
report_load(struct report *r, const char *path, const char *month,
    unsigned flags, char *err, size_t errlen)
{
	sqlite3		*db = NULL;
	sqlite3_stmt	*st;
	const char	*v;
	size_t		 i;
	int		 rc = -1, f;

	memset(r, 0, sizeof(*r));
	r->db = path;
	snprintf(r->month, sizeof(r->month), "%.7s", month);
	snprintf(r->period, sizeof(r->period), "%s", month);
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
	    report_clients(r, db, err, errlen) == -1 ||
	    report_meta(r, db, err, errlen) == -1 ||
	    ((flags & REPORT_SETS) && report_sets(r, db, err, errlen) ==
	    -1) ||
	    record_month(path, month, report_ready_row, r, err, errlen) == -1)
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
	int	k;

	for (i = 0; i < r->nsvcs; i++) {
		free(r->svcs[i].name);
		for (k = 0; k < CL_NKIND; k++) {
			free(r->svcs[i].set[k].member);
			free(r->svcs[i].set[k].reg);
		}
	}
	free(r->svcs);
	r->svcs = NULL;
	r->nsvcs = 0;
	for (i = 0; i < r->nready; i++) {
		free(r->ready[i].site);
		free(r->ready[i].service);
	}
	free(r->ready);
	r->ready = NULL;
	r->nready = 0;
}

const struct report_service *
report_service_find(const struct report *r, const char *name)
{
	size_t	i;

	for (i = 0; i < r->nsvcs; i++)
		if (strcmp(r->svcs[i].name, name) == 0)
			return &r->svcs[i];
	return NULL;
}

const char *
report_gw_name(const struct report *r)
{
	if (r->gateway != NULL)
		return r->gateway;
	return r->stored_name[0] != '\0' ? r->stored_name : r->db;
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
