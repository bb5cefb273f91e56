/* SPDX-License-Identifier: ISC */
/*
 * The readiness rows of the history database.  One row per site and
 * check holds the site's whole result as JSON (it is small: a few KB), so
 * the report and status can show any figure of it without a column per
 * figure, and the pass/fail and time are columns for the queries.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "record.h"

#define RECORD_FILE	"v6gate.db"

static const char record_schema[] =
	"CREATE TABLE IF NOT EXISTS readiness (time INTEGER, site TEXT,"
	" service TEXT, pass INTEGER, doc TEXT, PRIMARY KEY (time, site));";

static sqlite3 *
record_open(const char *path, int write, char *err, size_t errlen)
{
	sqlite3	*db = NULL;

	if (sqlite3_open_v2(path, &db, write ? SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, db ? sqlite3_errmsg(db) :
		    "out of memory");
		sqlite3_close(db);
		return NULL;
	}
	/* the daemon's checkpoints hold the lock for milliseconds */
	sqlite3_busy_timeout(db, 2000);
	if (write && sqlite3_exec(db, record_schema, NULL, NULL, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

static time_t
record_time(json_object *doc)
{
	struct tm	 tm;
	const char	*s = json_object_get_string(json_object_object_get(doc,
			    "time"));

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm) == NULL)
		return time(NULL);
	return timegm(&tm);
}

int
record_put(const char *state_dir, json_object *doc, unsigned keep_days,
    char *err, size_t errlen)
{
	json_object	*sites = json_object_object_get(doc, "sites"), *s;
	sqlite3_stmt	*st = NULL;
	sqlite3		*db;
	char		 path[4096];
	time_t		 t = record_time(doc);
	size_t		 i;
	int		 rc = -1;

	snprintf(path, sizeof(path), "%s/%s", state_dir, RECORD_FILE);
	if ((db = record_open(path, 1, err, errlen)) == NULL)
		return -1;
	if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO readiness VALUES "
	    "(?, ?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
		goto done;
	for (i = 0; i < json_object_array_length(sites); i++) {
		s = json_object_array_get_idx(sites, i);
		sqlite3_bind_int64(st, 1, (sqlite3_int64)t);
		sqlite3_bind_text(st, 2, json_object_get_string(
		    json_object_object_get(s, "site")), -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 3, json_object_get_string(
		    json_object_object_get(s, "service")), -1,
		    SQLITE_TRANSIENT);
		sqlite3_bind_int(st, 4, json_object_get_boolean(
		    json_object_object_get(s, "pass")));
		sqlite3_bind_text(st, 5, json_object_to_json_string_ext(s,
		    JSON_C_TO_STRING_PLAIN), -1, SQLITE_TRANSIENT);
		if (sqlite3_step(st) != SQLITE_DONE)
			goto done;
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (sqlite3_prepare_v2(db, "DELETE FROM readiness WHERE time < ?", -1,
	    &st, NULL) != SQLITE_OK)
		goto done;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(t - (time_t)keep_days *
	    86400));
	if (sqlite3_step(st) != SQLITE_DONE ||
	    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		goto done;
	rc = 0;
done:
	if (rc == -1)
		snprintf(err, errlen, "%s: %s", path, sqlite3_errmsg(db));
	sqlite3_finalize(st);
	if (rc == -1)
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_close(db);
	return rc;
}

json_object *
record_last(const char *state_dir, char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	sqlite3		*db;
	json_object	*doc = NULL, *sites, *s;
	char		 path[4096], when[32];
	time_t		 last = 0, t;
	struct tm	 tm;
	int		 pass = 1;

	err[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", state_dir, RECORD_FILE);
	if ((db = record_open(path, 0, err, errlen)) == NULL)
		return NULL;
	/* (no table yet: no check has run) */
	if (sqlite3_prepare_v2(db, "SELECT time, doc FROM readiness r WHERE "
	    "time = (SELECT MAX(time) FROM readiness WHERE site = r.site) "
	    "ORDER BY site", -1, &st, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return NULL;
	}
	sites = json_object_new_array();
	while (sqlite3_step(st) == SQLITE_ROW) {
		t = (time_t)sqlite3_column_int64(st, 0);
		if ((s = json_tokener_parse((const char *)sqlite3_column_text(
		    st, 1))) == NULL)
			continue;
		last = t > last ? t : last;
		pass &= json_object_get_boolean(json_object_object_get(s,
		    "pass"));
		json_object_array_add(sites, s);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	if (json_object_array_length(sites) == 0) {
		json_object_put(sites);
		return NULL;
	}
	doc = json_object_new_object();
	gmtime_r(&last, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_object_add(doc, "time", json_object_new_string(when));
	json_object_object_add(doc, "unix", json_object_new_int64(last));
	json_object_object_add(doc, "pass", json_object_new_boolean(pass));
	json_object_object_add(doc, "sites", sites);
	return doc;
}

int
record_month(const char *path, const char *month, record_fn *fn, void *arg,
    char *err, size_t errlen)
{
	sqlite3_stmt	*st = NULL;
	sqlite3		*db;
	json_object	*s;
	struct tm	 tm;
	time_t		 from, to;
	int		 y, m;

	if (sscanf(month, "%4d-%2d", &y, &m) != 2) {
		snprintf(err, errlen, "%s: not a month", month);
		return -1;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = m - 1;
	tm.tm_mday = 1;
	tm.tm_isdst = -1;
	from = mktime(&tm);	/* the report's calendar is the local one */
	tm.tm_mon++;
	tm.tm_isdst = -1;
	to = mktime(&tm);
	if ((db = record_open(path, 0, err, errlen)) == NULL)
		return -1;
	if (sqlite3_prepare_v2(db, "SELECT time, site, service, pass, doc "
	    "FROM readiness WHERE time >= ? AND time < ? ORDER BY site, time",
	    -1, &st, NULL) != SQLITE_OK) {
		/* an older history: no check has run yet */
		sqlite3_close(db);
		return 0;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)from);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)to);
	while (sqlite3_step(st) == SQLITE_ROW) {
		s = json_tokener_parse((const char *)sqlite3_column_text(st,
		    4));
		fn(arg, (time_t)sqlite3_column_int64(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    sqlite3_column_int(st, 3), s);
		json_object_put(s);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return 0;
}

static json_object *
record_copy(json_object *o, const char *k)
{
	json_object	*v = json_object_object_get(o, k);

	return v != NULL ? json_object_get(v) : NULL;
}

json_object *
record_summary(json_object *last)
{
	json_object	*o, *sites, *arr, *s, *x, *lv, *h;
	size_t		 i, j;
	char		 key[16];

	if (last == NULL)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "time", record_copy(last, "time"));
	json_object_object_add(o, "unix", record_copy(last, "unix"));
	json_object_object_add(o, "pass", record_copy(last, "pass"));
	sites = json_object_object_get(last, "sites");
	arr = json_object_new_array();
	for (i = 0; i < json_object_array_length(sites); i++) {
		s = json_object_array_get_idx(sites, i);
		x = json_object_new_object();
		json_object_object_add(x, "site", record_copy(s, "site"));
		json_object_object_add(x, "services", record_copy(s,
		    "services"));
		json_object_object_add(x, "pass", record_copy(s, "pass"));
		lv = json_object_object_get(s, "levels");
		for (j = 0; j < json_object_array_length(lv); j++) {
			snprintf(key, sizeof(key), "level%d",
			    json_object_get_int(json_object_object_get(
			    json_object_array_get_idx(lv, j), "level")));
			json_object_object_add(x, key, record_copy(
			    json_object_array_get_idx(lv, j), "rate"));
		}
		h = json_object_object_get(s, "homepage");
		json_object_object_add(x, "success_rate", record_copy(h,
		    "success_rate"));
		json_object_object_add(x, "consistent", record_copy(h,
		    "consistent"));
		json_object_object_add(x, "degradation", record_copy(
		    json_object_object_get(h, "degradation"), "overall"));
		json_object_object_add(x, "failing", json_object_new_int(
		    (int)json_object_array_length(json_object_object_get(s,
		    "failing"))));
		json_object_object_add(x, "ipv4_bypass", record_copy(s,
		    "ipv4_bypass"));
		json_object_array_add(arr, x);
	}
	json_object_object_add(o, "sites", arr);
	return o;
}
