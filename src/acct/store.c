/* SPDX-License-Identifier: ISC */
/*
 * The traffic history in SQLite (see store.h).  One writer, the daemon's
 * main thread, one transaction per checkpoint; WAL so that reports read
 * while it writes.  A busy or full database makes a checkpoint fail, not
 * wait: the caller keeps the deltas and tries again at the next one, and
 * the data plane never notices.
 */

#include <errno.h>
#include <stdio.h>
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

static const char store_schema[] =
	"PRAGMA journal_mode=WAL;"
	"PRAGMA synchronous=NORMAL;"
	"CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);"
	"INSERT OR IGNORE INTO meta VALUES ('schema', '" STORE_SCHEMA "');"
	/* running totals: a restart continues them.  unreachable: of the
	   connections, those that found no backend */
	"CREATE TABLE IF NOT EXISTS totals (service TEXT, family TEXT,"
	" connections INTEGER NOT NULL, bytes_in INTEGER NOT NULL,"
	" bytes_out INTEGER NOT NULL, unreachable INTEGER NOT NULL DEFAULT 0,"
	" packets_in INTEGER NOT NULL DEFAULT 0,"
	" packets_out INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (service, family)) WITHOUT ROWID;"
	/* t: Unix time of the minute / hour; d: local date YYYY-MM-DD;
	   peak_open: the most connections open at a checkpoint */
	"CREATE TABLE IF NOT EXISTS minute (t INTEGER, service TEXT,"
	" family TEXT, connections INTEGER NOT NULL, bytes_in INTEGER NOT NULL,"
	" bytes_out INTEGER NOT NULL, unreachable INTEGER NOT NULL DEFAULT 0,"
	" peak_open INTEGER NOT NULL DEFAULT 0,"
	" packets_in INTEGER NOT NULL DEFAULT 0,"
	" packets_out INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (t, service, family)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS hour (t INTEGER, service TEXT,"
	" family TEXT, connections INTEGER NOT NULL, bytes_in INTEGER NOT NULL,"
	" bytes_out INTEGER NOT NULL, unreachable INTEGER NOT NULL DEFAULT 0,"
	" peak_open INTEGER NOT NULL DEFAULT 0,"
	" packets_in INTEGER NOT NULL DEFAULT 0,"
	" packets_out INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (t, service, family)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS day (d TEXT, service TEXT, family TEXT,"
	" connections INTEGER NOT NULL, bytes_in INTEGER NOT NULL,"
	" bytes_out INTEGER NOT NULL, unreachable INTEGER NOT NULL DEFAULT 0,"
	" peak_open INTEGER NOT NULL DEFAULT 0,"
	" packets_in INTEGER NOT NULL DEFAULT 0,"
	" packets_out INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (d, service, family)) WITHOUT ROWID;"
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
 * Upgrades, each in one transaction: schema 1 (before unreachable and
 * peak_open) to 2, 2 (before packets) to 3, and 3 (named counters) to 4
 * (a counter per set element).  The named counters' last values go: their
 * table is replaced by the guard's (one checkpoint's worth at most).
 */
static const char store_migrate_1[] =
	"ALTER TABLE totals ADD COLUMN unreachable INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE minute ADD COLUMN unreachable INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE minute ADD COLUMN peak_open INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE hour ADD COLUMN unreachable INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE hour ADD COLUMN peak_open INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE day ADD COLUMN unreachable INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE day ADD COLUMN peak_open INTEGER NOT NULL DEFAULT 0;"
	"UPDATE meta SET value = '2' WHERE key = 'schema';";
static const char store_migrate_2[] =
	"ALTER TABLE totals ADD COLUMN packets_in INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE totals ADD COLUMN packets_out INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE minute ADD COLUMN packets_in INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE minute ADD COLUMN packets_out INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE hour ADD COLUMN packets_in INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE hour ADD COLUMN packets_out INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE day ADD COLUMN packets_in INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE day ADD COLUMN packets_out INTEGER NOT NULL DEFAULT 0;"
	"UPDATE meta SET value = '3' WHERE key = 'schema';";
static const char store_migrate_3[] =
	"DROP TABLE IF EXISTS kcounters;"
	STORE_KCOUNTERS
	"UPDATE meta SET value = '4' WHERE key = 'schema';";

/* "add these" on a row that may not exist yet; the peak is a maximum */
#define STORE_UPSERT(table, key)					\
	"INSERT INTO " table " (" key ", service, family, connections,"	\
	" bytes_in, bytes_out, unreachable, peak_open, packets_in,"	\
	" packets_out) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"		\
	" ON CONFLICT (" key ", service, family) DO UPDATE SET"	\
	" connections = connections + excluded.connections,"		\
	" bytes_in = bytes_in + excluded.bytes_in,"			\
	" bytes_out = bytes_out + excluded.bytes_out,"			\
	" unreachable = unreachable + excluded.unreachable,"		\
	" peak_open = max(peak_open, excluded.peak_open),"		\
	" packets_in = packets_in + excluded.packets_in,"		\
	" packets_out = packets_out + excluded.packets_out"

static int
store_fail(char *err, size_t errlen, const char *what)
{
	snprintf(err, errlen, "history %s: %s", what, store_h ?
	    sqlite3_errmsg(store_h) : "not open");
	return -1;
}

static int
store_migrate_step(const char *sql, char *err, size_t errlen)
{
	/* all of it or nothing: a half-done upgrade could not be redone */
	if (sqlite3_exec(store_h, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return store_fail(err, errlen, "upgrade");
	if (sqlite3_exec(store_h, sql, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_exec(store_h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		store_fail(err, errlen, "upgrade");
		sqlite3_exec(store_h, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	return 0;
}

/* Bring a database of an older schema up to this one. */
static int
store_migrate(char *err, size_t errlen)
{
	char	v[8];
	int	r;

	if ((r = store_meta_get("schema", v, 1, err, errlen)) == -1)
		return -1;
	if (r == 1 && v[0] == '1' &&
	    store_migrate_step(store_migrate_1, err, errlen) == -1)
		return -1;
	if (r == 1 && (v[0] == '1' || v[0] == '2') &&
	    store_migrate_step(store_migrate_2, err, errlen) == -1)
		return -1;
	if (r == 1 && v[0] >= '1' && v[0] <= '3' &&
	    store_migrate_step(store_migrate_3, err, errlen) == -1)
		return -1;
	if (r == 1 && v[0] > '4') {
		snprintf(err, errlen, "history schema %c is newer than this "
		    "v6gated's (%s)", v[0], STORE_SCHEMA);
		return -1;
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
	    SQLITE_OK ||
	    store_migrate(err, errlen) == -1 ||
	    sqlite3_prepare_v2(store_h, "INSERT INTO totals (service, family,"
	    " connections, bytes_in, bytes_out, unreachable, packets_in,"
	    " packets_out) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
	    " ON CONFLICT (service, family)"
	    " DO UPDATE SET connections = connections + excluded.connections,"
	    " bytes_in = bytes_in + excluded.bytes_in,"
	    " bytes_out = bytes_out + excluded.bytes_out,"
	    " unreachable = unreachable + excluded.unreachable,"
	    " packets_in = packets_in + excluded.packets_in,"
	    " packets_out = packets_out + excluded.packets_out", -1,
	    &st_total, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(store_h, STORE_UPSERT("minute", "t"), -1,
	    &st_minute, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(store_h, STORE_UPSERT("hour", "t"), -1,
	    &st_hour, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(store_h, STORE_UPSERT("day", "d"), -1, &st_day,
	    NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(store_h, "INSERT OR IGNORE INTO client_member"
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
		store_close();
		return -1;
	}
	return 0;
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
	sqlite3_stmt	*st;
	struct acct_cell c;
	int		 rc;

	if (sqlite3_prepare_v2(store_h, "SELECT service, family, connections,"
	    " bytes_in, bytes_out, unreachable, packets_in, packets_out"
	    " FROM totals", -1, &st, NULL) !=
	    SQLITE_OK)
		return store_fail(err, errlen, "totals");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *fam = (const char *)sqlite3_column_text(st, 1);

		memset(&c, 0, sizeof(c));
		c.connections = (uint64_t)sqlite3_column_int64(st, 2);
		c.bytes_in = (uint64_t)sqlite3_column_int64(st, 3);
		c.bytes_out = (uint64_t)sqlite3_column_int64(st, 4);
		c.unreachable = (uint64_t)sqlite3_column_int64(st, 5);
		c.packets_in = (uint64_t)sqlite3_column_int64(st, 6);
		c.packets_out = (uint64_t)sqlite3_column_int64(st, 7);
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
store_begin(char *err, size_t errlen)
{
	if (store_h == NULL ||
	    sqlite3_exec(store_h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(err, errlen, "begin");
	return 0;
}

static int
store_upsert(sqlite3_stmt *st, int key_is_text, int64_t t, const char *d,
    const char *service, int family, const struct acct_cell *c,
    uint64_t peak_open)
{
	int	rc;

	sqlite3_reset(st);
	if (key_is_text)
		sqlite3_bind_text(st, 1, d, -1, SQLITE_STATIC);
	else
		sqlite3_bind_int64(st, 1, t);
	sqlite3_bind_text(st, 2, service, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, acct_family_name(family), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (int64_t)c->connections);
	sqlite3_bind_int64(st, 5, (int64_t)c->bytes_in);
	sqlite3_bind_int64(st, 6, (int64_t)c->bytes_out);
	sqlite3_bind_int64(st, 7, (int64_t)c->unreachable);
	sqlite3_bind_int64(st, 8, (int64_t)peak_open);
	sqlite3_bind_int64(st, 9, (int64_t)c->packets_in);
	sqlite3_bind_int64(st, 10, (int64_t)c->packets_out);
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
	sqlite3_stmt	*st = st_total;
	int		rc;

	localtime_r(&t, &tm);
	strftime(d, sizeof(d), "%Y-%m-%d", &tm);
	/* totals: the first column is the service, not a time */
	sqlite3_reset(st);
	sqlite3_bind_text(st, 1, service, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, acct_family_name(family), -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (int64_t)c->connections);
	sqlite3_bind_int64(st, 4, (int64_t)c->bytes_in);
	sqlite3_bind_int64(st, 5, (int64_t)c->bytes_out);
	sqlite3_bind_int64(st, 6, (int64_t)c->unreachable);
	sqlite3_bind_int64(st, 7, (int64_t)c->packets_in);
	sqlite3_bind_int64(st, 8, (int64_t)c->packets_out);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE ||
	    store_upsert(st_minute, 0, t - t % 60, NULL, service, family, c,
	    peak_open) ||
	    store_upsert(st_hour, 0, t - t % 3600, NULL, service, family, c,
	    peak_open) ||
	    store_upsert(st_day, 1, 0, d, service, family, c, peak_open))
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
	char	sql[1024], d[16], today[16], month[8];
	time_t	old = now - (time_t)r->days * 86400;
	struct tm tm;

	localtime_r(&old, &tm);
	strftime(d, sizeof(d), "%Y-%m-%d", &tm);
	localtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	strftime(month, sizeof(month), "%Y-%m", &tm);
	/* members and sketches: only the current day and month need them
	   (a set of a past period is stored before it is freed) */
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
