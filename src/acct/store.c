/* SPDX-License-Identifier: ISC */
/*
 * The traffic history in SQLite (see store.h).  One writer, the daemon's
 * main thread, one transaction per checkpoint; WAL so that reports read
 * while it writes.  A busy or full database makes a checkpoint fail, not
 * wait: the caller keeps the deltas and tries again at the next one, and
 * the data plane never notices.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "store.h"

#define STORE_FILE	"v6gate.db"
#define STORE_SCHEMA	"4"

static sqlite3		*store_h;
static sqlite3_stmt	*st_total, *st_minute, *st_hour, *st_day;
static sqlite3_stmt	*st_member, *st_hll, *st_ccount;
static sqlite3_stmt	*st_kput, *st_kdel, *st_sput, *st_sdel;

#define STORE_KCOUNTERS							\
	"CREATE TABLE IF NOT EXISTS kcounters (elem TEXT PRIMARY KEY,"	\
	" service TEXT NOT NULL, handle INTEGER NOT NULL,"		\
	" packets INTEGER NOT NULL, bytes INTEGER NOT NULL) WITHOUT ROWID;"

/*
 * The tables of per-service counts: the running totals (a restart
 * continues them), and per minute, hour (t: Unix time of the minute /
 * hour) and local day (d: YYYY-MM-DD).  Their counter columns are the
 * stored ones of ACCT_CELL_COUNTERS (counters.h), built into the SQL at
 * open; the period tables add peak_open, the most connections open at
 * once in the period (counters.h).  A column the list has and a database
 * lacks is added at open, 0 for the past.
 */
static const struct store_ctable {
	const char	*name;
	const char	*key;		/* the period's column, or NULL */
	const char	*keytype;
	int		 key_text;	/* the key is bound as text */
} store_ctables[] = {
	{ "totals", NULL, NULL, 0 },
	{ "minute", "t", "INTEGER", 0 },
	{ "hour", "t", "INTEGER", 0 },
	{ "day", "d", "TEXT", 1 },
};
enum { ST_TOTALS, ST_MINUTE, ST_HOUR, ST_DAY, ST_NCTABLE };

static const char store_schema[] =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=NORMAL;"
	"CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);"
	"INSERT OR IGNORE INTO meta VALUES ('schema', '" STORE_SCHEMA "');";
/* (then the counts tables: store_ctables, store_upgrade()) */
static const char store_schema_more[] =
	/* the kernel's counters as last read (kcount.c), one per set
	   element ("set hexkey") with the service that owned it and the
	   handle of its table: the next read continues from them */
	STORE_KCOUNTERS
	/* the services as last configured: which families can reach them
	   (a report gives an IPv6 share only where both can) */
	"CREATE TABLE IF NOT EXISTS services (name TEXT PRIMARY KEY,"
	" mode TEXT NOT NULL, ipv6 INTEGER NOT NULL, ipv4 INTEGER NOT NULL)"
	" WITHOUT ROWID;"
	/* distinct clients per period: the counts, kept like the days */
	"CREATE TABLE IF NOT EXISTS clients (period TEXT, service TEXT,"
	" kind TEXT, count INTEGER NOT NULL, exact INTEGER NOT NULL,"
	" PRIMARY KEY (period, service, kind)) WITHOUT ROWID;"
	/* and, for the current periods only, the members or the sketch */
	"CREATE TABLE IF NOT EXISTS client_member (period TEXT, service TEXT,"
	" kind TEXT, addr BLOB, PRIMARY KEY (period, service, kind, addr))"
	" WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS client_hll (period TEXT, service TEXT,"
	" kind TEXT, registers BLOB NOT NULL,"
	" PRIMARY KEY (period, service, kind)) WITHOUT ROWID;";

/*
 * The schema number counts the changes that are not a new counter column
 * (those store_columns() adds): schema 1 to 3 had named kernel counters;
 * 4 has a counter per set element.  The named counters' last values go:
 * their table is replaced by the guard's (one checkpoint's worth at most).
 */
static const char store_migrate_3[] =
	"DROP TABLE IF EXISTS kcounters;"
	STORE_KCOUNTERS
	"UPDATE meta SET value = '4' WHERE key = 'schema';";

static int
store_fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "history %s: %s", what, store_h ?
	    sqlite3_errmsg(store_h) : "not open");
	return -1;
}

/* The SQL of a counts table, built from the list at open. */
struct store_sql {
	char	s[4096];
	size_t	len;
};

static void __attribute__((format(printf, 2, 3)))
store_sql_add(struct store_sql *q, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (q->len >= sizeof(q->s))
		return;
	va_start(ap, fmt);
	n = vsnprintf(q->s + q->len, sizeof(q->s) - q->len, fmt, ap);
	va_end(ap);
	q->len = n < 0 ? sizeof(q->s) : q->len + (size_t)n;
}

/* (cut short: a list that outgrew the buffer; seen at the first start) */
static int
store_sql_done(struct store_sql *q, char *err, size_t errlen)
{
	if (q->len < sizeof(q->s))
		return 0;
	snprintf(err, errlen, "history: SQL longer than %zu bytes (store.c)",
	    sizeof(q->s));
	return -1;
}

#define STORE_COUNT	"INTEGER NOT NULL DEFAULT 0"

/* "t, " or "" */
static void
store_sql_key(struct store_sql *q, const struct store_ctable *t)
{
	if (t->key != NULL)
		store_sql_add(q, "%s, ", t->key);
}

static int
store_sql_create(struct store_sql *q, const struct store_ctable *t,
    char *err, size_t errlen)
{
	size_t	i;

	q->len = 0;
	store_sql_add(q, "CREATE TABLE IF NOT EXISTS %s (", t->name);
	if (t->key != NULL)
		store_sql_add(q, "%s %s, ", t->key, t->keytype);
	store_sql_add(q, "service TEXT, family TEXT");
	for (i = 0; i < ACCT_NCOUNTERS; i++)
		if (acct_counters[i].sql != NULL)
			store_sql_add(q, ", %s " STORE_COUNT,
			    acct_counters[i].sql);
	if (t->key != NULL)
		store_sql_add(q, ", peak_open " STORE_COUNT);
	store_sql_add(q, ", PRIMARY KEY (");
	store_sql_key(q, t);
	store_sql_add(q, "service, family)) WITHOUT ROWID");
	return store_sql_done(q, err, errlen);
}

/* "add these" on a row that may not exist yet; the peak is a maximum.
   Parameters: the period (if any), service, family, the stored counters
   in the list's order, the peak (if a period). */
static int
store_sql_upsert(struct store_sql *q, const struct store_ctable *t,
    char *err, size_t errlen)
{
	const char	*c;
	size_t		 i, n = t->key != NULL ? 4 : 2;

	q->len = 0;
	store_sql_add(q, "INSERT INTO %s (", t->name);
	store_sql_key(q, t);
	store_sql_add(q, "service, family");
	for (i = 0; i < ACCT_NCOUNTERS; i++)
		if (acct_counters[i].sql != NULL) {
			store_sql_add(q, ", %s", acct_counters[i].sql);
			n++;
		}
	if (t->key != NULL)
		store_sql_add(q, ", peak_open");
	store_sql_add(q, ") VALUES (?");
	for (i = 1; i < n; i++)
		store_sql_add(q, ", ?");
	store_sql_add(q, ") ON CONFLICT (");
	store_sql_key(q, t);
	store_sql_add(q, "service, family) DO UPDATE SET ");
	for (i = n = 0; i < ACCT_NCOUNTERS; i++)
		if ((c = acct_counters[i].sql) != NULL)
			store_sql_add(q, "%s%s = %s + excluded.%s", n++ ?
			    ", " : "", c, c, c);
	if (t->key != NULL)
		store_sql_add(q, ", peak_open = max(peak_open,"
		    " excluded.peak_open)");
	return store_sql_done(q, err, errlen);
}

/*
 * Add the counter columns (and the peak) that a table of a database
 * written before them lacks.  What a column holds for the past is 0: it
 * was not counted then.
 */
static int
store_columns(const struct store_ctable *t, char *err, size_t errlen)
{
	struct store_sql	 q;
	sqlite3_stmt		*st;
	const char		*name;
	int			 have[ACCT_NCOUNTERS + 1];	/* + peak */
	int			 rc;
	size_t			 i;

	memset(have, 0, sizeof(have));
	have[ACCT_NCOUNTERS] = t->key == NULL;	/* totals: no peak */
	if (sqlite3_prepare_v2(store_h, "SELECT name FROM"
	    " pragma_table_info(?)", -1, &st, NULL) != SQLITE_OK)
		return store_fail(err, errlen, "upgrade");
	sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((name = (const char *)sqlite3_column_text(st, 0)) == NULL)
			continue;
		for (i = 0; i < ACCT_NCOUNTERS; i++)
			if (acct_counters[i].sql != NULL &&
			    strcmp(name, acct_counters[i].sql) == 0)
				have[i] = 1;
		if (strcmp(name, "peak_open") == 0)
			have[ACCT_NCOUNTERS] = 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail(err, errlen, "upgrade");
	for (i = 0; i <= ACCT_NCOUNTERS; i++) {
		if (have[i] || (i < ACCT_NCOUNTERS &&
		    acct_counters[i].sql == NULL))
			continue;
		q.len = 0;
		store_sql_add(&q, "ALTER TABLE %s ADD COLUMN %s " STORE_COUNT,
		    t->name, i < ACCT_NCOUNTERS ? acct_counters[i].sql :
		    "peak_open");
		if (store_sql_done(&q, err, errlen) == -1)
			return -1;
		if (sqlite3_exec(store_h, q.s, NULL, NULL, NULL) != SQLITE_OK)
			return store_fail(err, errlen, "upgrade");
	}
	return 0;
}

/*
 * Bring a database of an older schema, or with fewer counters, up to
 * this one: all of it or nothing, as a half-done upgrade could not be
 * redone.
 */
static int
store_upgrade(char *err, size_t errlen)
{
	struct store_sql	q;
	char			v[8];
	size_t			i;
	int			r;

	if ((r = store_meta_get("schema", v, 1, err, errlen)) == -1)
		return -1;
	if (r == 1 && v[0] > '4') {
		snprintf(err, errlen, "history schema %c is newer than this "
		    "v6gated's (%s)", v[0], STORE_SCHEMA);
		return -1;
	}
	if (sqlite3_exec(store_h, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return store_fail(err, errlen, "upgrade");
	for (i = 0; i < ST_NCTABLE; i++) {
		if (store_sql_create(&q, &store_ctables[i], err, errlen) == -1)
			goto fail;
		if (sqlite3_exec(store_h, q.s, NULL, NULL, NULL) != SQLITE_OK) {
			store_fail(err, errlen, "upgrade");
			goto fail;
		}
		if (store_columns(&store_ctables[i], err, errlen) == -1)
			goto fail;
	}
	if (r == 1 && v[0] >= '1' && v[0] <= '3' &&
	    sqlite3_exec(store_h, store_migrate_3, NULL, NULL, NULL) !=
	    SQLITE_OK) {
		store_fail(err, errlen, "upgrade");
		goto fail;
	}
	if (sqlite3_exec(store_h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		store_fail(err, errlen, "upgrade");
		goto fail;
	}
	return 0;
fail:
	sqlite3_exec(store_h, "ROLLBACK", NULL, NULL, NULL);
	return -1;
}

/* The upserts of the counts tables, in the order of store_ctables. */
static int
store_prepare_counts(char *err, size_t errlen)
{
	sqlite3_stmt	**st[ST_NCTABLE] = { &st_total, &st_minute, &st_hour,
			    &st_day };
	struct store_sql q;
	size_t		 i;

	for (i = 0; i < ST_NCTABLE; i++) {
		if (store_sql_upsert(&q, &store_ctables[i], err, errlen) == -1)
			return -1;
		if (sqlite3_prepare_v2(store_h, q.s, -1, st[i], NULL) !=
		    SQLITE_OK)
			return store_fail(err, errlen, store_ctables[i].name);
	}
	return 0;
}

int
store_open(const char *state_dir, char *err, size_t errlen)
{
	char	path[4096];

	if (mkdir(state_dir, 0750) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "state_dir %s: %s", state_dir,
		    strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", state_dir, STORE_FILE);
	if (sqlite3_open_v2(path, &store_h, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "history %s: %s", path, store_h ?
		    sqlite3_errmsg(store_h) : "out of memory");
		store_close();
		return -1;
	}
	/* a reader (a report) may hold the lock briefly; never wait long */
	sqlite3_busy_timeout(store_h, 100);
	if (sqlite3_exec(store_h, store_schema, NULL, NULL, NULL) !=
	    SQLITE_OK) {
		store_fail(err, errlen, path);
		goto fail;
	}
	/* (these say what failed themselves) */
	if (store_upgrade(err, errlen) == -1)
		goto fail;
	if (sqlite3_exec(store_h, store_schema_more, NULL, NULL, NULL) !=
	    SQLITE_OK) {
		store_fail(err, errlen, path);
		goto fail;
	}
	if (store_prepare_counts(err, errlen) == -1)
		goto fail;
	if (sqlite3_prepare_v2(store_h, "INSERT OR IGNORE INTO client_member"
	    " VALUES (?, ?, ?, ?)", -1, &st_member, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(store_h, "INSERT OR REPLACE INTO client_hll"
	    " VALUES (?, ?, ?, ?)", -1, &st_hll, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(store_h, "INSERT OR REPLACE INTO clients"
	    " VALUES (?, ?, ?, ?, ?)", -1, &st_ccount, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(store_h, "INSERT OR REPLACE INTO kcounters"
	    " VALUES (?, ?, ?, ?, ?)", -1, &st_kput, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(store_h, "DELETE FROM kcounters WHERE elem = ?",
	    -1, &st_kdel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(store_h, "INSERT OR REPLACE INTO services"
	    " VALUES (?, ?, ?, ?)", -1, &st_sput, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(store_h, "DELETE FROM services WHERE name = ?",
	    -1, &st_sdel, NULL) != SQLITE_OK) {
		store_fail(err, errlen, path);
		goto fail;
	}
	return 0;
fail:
	store_close();
	return -1;
}

void
store_close(void)
{
	sqlite3_finalize(st_total);
	sqlite3_finalize(st_minute);
	sqlite3_finalize(st_hour);
	sqlite3_finalize(st_day);
	sqlite3_finalize(st_member);
	sqlite3_finalize(st_hll);
	sqlite3_finalize(st_ccount);
	sqlite3_finalize(st_kput);
	sqlite3_finalize(st_kdel);
	sqlite3_finalize(st_sput);
	sqlite3_finalize(st_sdel);
	st_total = st_minute = st_hour = st_day = NULL;
	st_member = st_hll = st_ccount = st_kput = st_kdel = NULL;
	st_sput = st_sdel = NULL;
	if (store_h != NULL)
		sqlite3_close(store_h);
	store_h = NULL;
}

int
store_is_open(void)
{
	return store_h != NULL;
}

sqlite3 *
store_db(void)
{
	return store_h;
}

int
store_totals(void (*fn)(void *, const char *, int, const struct acct_cell *),
    void *arg, char *err, size_t errlen)
{
	struct store_sql q;
	sqlite3_stmt	*st;
	struct acct_cell c;
	size_t		 i;
	int		 rc, col;

	q.len = 0;
	store_sql_add(&q, "SELECT service, family");
	for (i = 0; i < ACCT_NCOUNTERS; i++)
		if (acct_counters[i].sql != NULL)
			store_sql_add(&q, ", %s", acct_counters[i].sql);
	store_sql_add(&q, " FROM totals");
	if (store_sql_done(&q, err, errlen) == -1)
		return -1;
	if (sqlite3_prepare_v2(store_h, q.s, -1, &st, NULL) != SQLITE_OK)
		return store_fail(err, errlen, "totals");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *fam = (const char *)sqlite3_column_text(st, 1);

		memset(&c, 0, sizeof(c));
		for (i = 0, col = 2; i < ACCT_NCOUNTERS; i++)
			if (acct_counters[i].sql != NULL)
				*acct_cell_at(&c, &acct_counters[i]) =
				    (uint64_t)sqlite3_column_int64(st, col++);
		fn(arg, (const char *)sqlite3_column_text(st, 0),
		    fam != NULL && strcmp(fam, "ipv4") == 0 ? ACCT_IPV4 :
		    ACCT_IPV6, &c);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail(err, errlen, "totals");
	return 0;
}

int
store_rows(const char *table, const char *since, store_row_fn *fn,
    void *arg, char *err, size_t errlen)
{
	const struct store_ctable *t = NULL;
	struct store_sql q;
	sqlite3_stmt	*st;
	struct acct_cell c;
	size_t		 i;
	int		 rc, col;

	for (i = 0; i < ST_NCTABLE; i++)
		if (store_ctables[i].key != NULL &&
		    strcmp(store_ctables[i].name, table) == 0)
			t = &store_ctables[i];
	if (t == NULL || store_h == NULL)
		return store_fail(err, errlen, table);
	q.len = 0;
	store_sql_add(&q, "SELECT %s, service, family", t->key);
	for (i = 0; i < ACCT_NCOUNTERS; i++)
		if (acct_counters[i].sql != NULL)
			store_sql_add(&q, ", %s", acct_counters[i].sql);
	store_sql_add(&q, " FROM %s WHERE %s >= ? ORDER BY %s", t->name,
	    t->key, t->key);
	if (store_sql_done(&q, err, errlen) == -1)
		return -1;
	if (sqlite3_prepare_v2(store_h, q.s, -1, &st, NULL) != SQLITE_OK)
		return store_fail(err, errlen, table);
	if (t->key_text)
		sqlite3_bind_text(st, 1, since, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, strtoll(since, NULL, 10));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *fam = (const char *)sqlite3_column_text(st, 2);
		const char *key = (const char *)sqlite3_column_text(st, 0);
		const char *svc = (const char *)sqlite3_column_text(st, 1);

		if (key == NULL || svc == NULL)
			continue;
		memset(&c, 0, sizeof(c));
		for (i = 0, col = 3; i < ACCT_NCOUNTERS; i++)
			if (acct_counters[i].sql != NULL)
				*acct_cell_at(&c, &acct_counters[i]) =
				    (uint64_t)sqlite3_column_int64(st, col++);
		fn(arg, key, svc, fam != NULL && strcmp(fam, "ipv4") == 0 ?
		    ACCT_IPV4 : ACCT_IPV6, &c);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail(err, errlen, table);
	return 0;
}

int
store_begin(char *err, size_t errlen)
{
	if (store_h == NULL ||
	    sqlite3_exec(store_h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(err, errlen, "begin");
	return 0;
}

/* One row of a counts table: as store_sql_upsert() says. */
static int
store_upsert(sqlite3_stmt *st, const struct store_ctable *t, int64_t tm,
    const char *d, const char *service, int family,
    const struct acct_cell *c, uint64_t peak_open)
{
	size_t	i;
	int	rc, p = 1;

	sqlite3_reset(st);
	if (t->key != NULL && t->key_text)
		sqlite3_bind_text(st, p++, d, -1, SQLITE_STATIC);
	else if (t->key != NULL)
		sqlite3_bind_int64(st, p++, tm);
	sqlite3_bind_text(st, p++, service, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, p++, acct_family_name(family), -1,
	    SQLITE_STATIC);
	for (i = 0; i < ACCT_NCOUNTERS; i++)
		if (acct_counters[i].sql != NULL)
			sqlite3_bind_int64(st, p++, (int64_t)acct_cell_get(c,
			    &acct_counters[i]));
	if (t->key != NULL)
		sqlite3_bind_int64(st, p++, (int64_t)peak_open);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

int
store_add(time_t t, const char *service, int family,
    const struct acct_cell *c, uint64_t peak_open, char *err, size_t errlen)
{
	struct tm	tm;
	char		d[16];

	localtime_r(&t, &tm);
	strftime(d, sizeof(d), "%Y-%m-%d", &tm);
	if (store_upsert(st_total, &store_ctables[ST_TOTALS], 0, NULL,
	    service, family, c, 0) == -1 ||
	    store_upsert(st_minute, &store_ctables[ST_MINUTE], t - t % 60,
	    NULL, service, family, c, peak_open) == -1 ||
	    store_upsert(st_hour, &store_ctables[ST_HOUR], t - t % 3600,
	    NULL, service, family, c, peak_open) == -1 ||
	    store_upsert(st_day, &store_ctables[ST_DAY], 0, d, service,
	    family, c, peak_open) == -1)
		return store_fail(err, errlen, "write");
	return 0;
}

int
store_commit(char *err, size_t errlen)
{
	if (sqlite3_exec(store_h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		store_fail(err, errlen, "commit");
		store_rollback();
		return -1;
	}
	return 0;
}

void
store_rollback(void)
{
	if (store_h != NULL && !sqlite3_get_autocommit(store_h))
		sqlite3_exec(store_h, "ROLLBACK", NULL, NULL, NULL);
}

/* Bind period, service, kind to the first three parameters. */
static void
store_bind3(sqlite3_stmt *st, const char *period, const char *service,
    const char *kind)
{
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, period, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, service, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, kind, -1, SQLITE_STATIC);
}

static int
store_step(sqlite3_stmt *st, char *err, size_t errlen)
{
	int	rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : store_fail(err, errlen, "write");
}

int
store_client_member(const char *period, const char *service,
    const char *kind, const uint8_t key[16], char *err, size_t errlen)
{
	store_bind3(st_member, period, service, kind);
	sqlite3_bind_blob(st_member, 4, key, 16, SQLITE_STATIC);
	return store_step(st_member, err, errlen);
}

int
store_client_hll(const char *period, const char *service, const char *kind,
    const uint8_t *reg, size_t len, char *err, size_t errlen)
{
	store_bind3(st_hll, period, service, kind);
	sqlite3_bind_blob(st_hll, 4, reg, (int)len, SQLITE_STATIC);
	return store_step(st_hll, err, errlen);
}

int
store_client_count(const char *period, const char *service,
    const char *kind, uint64_t count, int exact, char *err, size_t errlen)
{
	store_bind3(st_ccount, period, service, kind);
	sqlite3_bind_int64(st_ccount, 4, (int64_t)count);
	sqlite3_bind_int(st_ccount, 5, exact);
	return store_step(st_ccount, err, errlen);
}

/* Rows of the two periods: (service, period, kind, blob). */
static int
store_client_rows(const char *sql, const char *p1, const char *p2,
    store_client_fn *fn, void *arg, char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(store_h, sql, -1, &st, NULL) != SQLITE_OK)
		return store_fail(err, errlen, "clients");
	sqlite3_bind_text(st, 1, p1, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, p2, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		fn(arg, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    sqlite3_column_blob(st, 3),
		    (size_t)sqlite3_column_bytes(st, 3));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_fail(err, errlen, "clients");
	return 0;
}

int
store_client_members(const char *p1, const char *p2, store_client_fn *fn,
    void *arg, char *err, size_t errlen)
{
	return store_client_rows("SELECT service, period, kind, addr FROM"
	    " client_member WHERE period IN (?, ?)", p1, p2, fn, arg, err,
	    errlen);
}

int
store_client_exacts(const char *p1, const char *p2, store_client_fn *fn,
    void *arg, char *err, size_t errlen)
{
	/* the flag as text, "0" or "1" */
	return store_client_rows("SELECT service, period, kind,"
	    " CAST(exact AS TEXT) FROM clients WHERE period IN (?, ?)", p1, p2,
	    fn, arg, err, errlen);
}

int
store_client_hlls(const char *p1, const char *p2, store_client_fn *fn,
    void *arg, char *err, size_t errlen)
{
	return store_client_rows("SELECT service, period, kind, registers"
	    " FROM client_hll WHERE period IN (?, ?)", p1, p2, fn, arg, err,
	    errlen);
}

int
store_kcounter_put(const char *elem, const char *service, uint64_t table,
    uint64_t packets, uint64_t bytes, char *err, size_t errlen)
{
	int	rc;

	sqlite3_reset(st_kput);
	sqlite3_bind_text(st_kput, 1, elem, -1, SQLITE_STATIC);
	sqlite3_bind_text(st_kput, 2, service, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st_kput, 3, (int64_t)table);
	sqlite3_bind_int64(st_kput, 4, (int64_t)packets);
	sqlite3_bind_int64(st_kput, 5, (int64_t)bytes);
	rc = sqlite3_step(st_kput);
	sqlite3_reset(st_kput);
	return rc == SQLITE_DONE ? 0 : store_fail(err, errlen, "kcounters");
}

int
store_kcounter_del(const char *elem, char *err, size_t errlen)
{
	int	rc;

	sqlite3_reset(st_kdel);
	sqlite3_bind_text(st_kdel, 1, elem, -1, SQLITE_STATIC);
	rc = sqlite3_step(st_kdel);
	sqlite3_reset(st_kdel);
	return rc == SQLITE_DONE ? 0 : store_fail(err, errlen, "kcounters");
}

int
store_kcounters_load(void (*fn)(const char *, const char *, uint64_t,
    uint64_t, uint64_t), char *err, size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(store_h, "SELECT elem, service, handle,"
	    " packets, bytes FROM kcounters", -1, &st, NULL) != SQLITE_OK)
		return store_fail(err, errlen, "kcounters");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (sqlite3_column_text(st, 0) != NULL &&
		    sqlite3_column_text(st, 1) != NULL)
			fn((const char *)sqlite3_column_text(st, 0),
			    (const char *)sqlite3_column_text(st, 1),
			    (uint64_t)sqlite3_column_int64(st, 2),
			    (uint64_t)sqlite3_column_int64(st, 3),
			    (uint64_t)sqlite3_column_int64(st, 4));
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail(err, errlen, "kcounters");
}

int
store_services_clear(char *err, size_t errlen)
{
	if (sqlite3_exec(store_h, "DELETE FROM services", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return store_fail(err, errlen, "services");
	return 0;
}

int
store_service(const char *name, const char *mode, int ipv6, int ipv4,
    char *err, size_t errlen)
{
	int	rc;

	sqlite3_reset(st_sput);
	sqlite3_bind_text(st_sput, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st_sput, 2, mode, -1, SQLITE_STATIC);
	sqlite3_bind_int(st_sput, 3, ipv6);
	sqlite3_bind_int(st_sput, 4, ipv4);
	rc = sqlite3_step(st_sput);
	sqlite3_reset(st_sput);
	return rc == SQLITE_DONE ? 0 : store_fail(err, errlen, "services");
}

int
store_service_del(const char *name, char *err, size_t errlen)
{
	int	rc;

	sqlite3_reset(st_sdel);
	sqlite3_bind_text(st_sdel, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st_sdel);
	sqlite3_reset(st_sdel);
	return rc == SQLITE_DONE ? 0 : store_fail(err, errlen, "services");
}

int
store_meta_get(const char *key, void *val, size_t len, char *err,
    size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc, found = 0;

	if (sqlite3_prepare_v2(store_h, "SELECT value FROM meta WHERE key = ?",
	    -1, &st, NULL) != SQLITE_OK)
		return store_fail(err, errlen, "meta");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	    (size_t)sqlite3_column_bytes(st, 0) == len) {
		memcpy(val, sqlite3_column_blob(st, 0), len);
		found = 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_fail(err, errlen, "meta");
	return found;
}

int
store_meta_put(const char *key, const void *val, size_t len, char *err,
    size_t errlen)
{
	sqlite3_stmt	*st;
	int		 rc;

	if (sqlite3_prepare_v2(store_h, "INSERT OR REPLACE INTO meta"
	    " VALUES (?, ?)", -1, &st, NULL) != SQLITE_OK)
		return store_fail(err, errlen, "meta");
	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, val, (int)len, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : store_fail(err, errlen, "meta");
}

int
store_expire(time_t now, const struct store_retention *r, char *err,
    size_t errlen)
{
	char	sql[1024], d[16], today[16], month[16];
	time_t	old = now - (time_t)r->days * 86400;
	struct tm tm;

	localtime_r(&old, &tm);
	strftime(d, sizeof(d), "%Y-%m-%d", &tm);
	localtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	/* the previous month */
	snprintf(month, sizeof(month), "%04d-%02d", tm.tm_mon == 0 ?
	    tm.tm_year + 1899 : tm.tm_year + 1900, tm.tm_mon == 0 ? 12 :
	    tm.tm_mon);
	/*
	 * Members and sketches: the daemon needs those of the current day
	 * and month only (a set of a past period is stored before it is
	 * freed); the previous month's stay too, for the report that merges
	 * several gateways' month (v6gatectl report --state-dir), which is
	 * made in the days after it.
	 */
	snprintf(sql, sizeof(sql), "DELETE FROM minute WHERE t < %lld;"
	    "DELETE FROM hour WHERE t < %lld;"
	    "DELETE FROM day WHERE d < '%s';"
	    "DELETE FROM clients WHERE (length(period) = 10 AND period < '%s')"
	    " OR (length(period) = 7 AND period < '%.7s');"
	    "DELETE FROM client_member WHERE (length(period) = 10 AND"
	    " period < '%s') OR (length(period) = 7 AND period < '%s');"
	    "DELETE FROM client_hll WHERE (length(period) = 10 AND"
	    " period < '%s') OR (length(period) = 7 AND period < '%s');",
	    (long long)(now - (time_t)r->minutes * 60), (long long)old, d,
	    d, d, today, month, today, month);
	if (sqlite3_exec(store_h, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(err, errlen, "expire");
	return 0;
}
