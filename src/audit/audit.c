/* SPDX-License-Identifier: ISC */
/*
 * The audit log's writer (see audit.h).
 *
 * Workers copy a record into their own single-producer ring (the writer
 * is the one consumer) and nudge an eventfd when it is a quarter full; the
 * writer thread also wakes every 200 ms, formats what it finds as JSON
 * lines into the day's file and flushes.  At a new UTC day it opens the
 * day's file and hands yesterday's to a short-lived thread that gzips it
 * (a big file must not stall the writer and fill the rings), then deletes
 * files past the retention.  Every failure is counted and logged once a
 * minute at most; "failing" is what fail_closed looks at.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <netinet/in.h>

#include <zlib.h>

#include "archive.h"
#include "audit.h"
#include "clock.h"
#include "log.h"

#define AUDIT_RING	4096	/* records per worker (about 2.3 MiB) */
#define AUDIT_ROOM	(1024 * 1024)	/* free bytes that end "failing" */

struct audit_q {
	uint64_t		head;		/* producer */
	uint64_t		dropped;
	uint64_t		tail __attribute__((aligned(64)));
	struct audit_rec	ring[AUDIT_RING];
} __attribute__((aligned(64)));

static struct audit_q	*aq;
static int		 aq_n;
static int		 audit_efd = -1;
static pthread_t	 audit_thr;
static int		 audit_running_flag;
static char		 audit_dir[4096];
static uint64_t		 audit_t0;	/* the daemon's start, for ids */

/* shared with the main thread (atomics) */
static unsigned		 audit_days;
static int		 audit_stop_req, audit_reopen_req, audit_fail;
static int		 audit_quiet;	/* stopping: pushes may wait */
static uint64_t		 audit_records, audit_errors, audit_lost;

/* the writer's own */
static FILE		*audit_f;
static char		 audit_path[4200];
static char		 audit_day[16];	/* of the open file */
static time_t		 audit_warned;	/* (atomic: several threads) */
static pthread_mutex_t	 audit_file_mtx = PTHREAD_MUTEX_INITIALIZER;


void
audit_ids_start(void)
{
	audit_t0 = clock_ms(CLOCK_REALTIME);
}

void
audit_id_fmt(uint64_t id, char *buf, size_t len)
{
	snprintf(buf, len, "%" PRIx64 "-%" PRIu64, audit_t0, id);
}

/*
 * Counted always, logged once a minute at most (from any thread); errno
 * says why.  Only a failure to write the log is "failing" (fail_closed):
 * not a failed compression of a closed day.
 */
static void
audit_error(const char *doing, const char *path)
{
	time_t	now = time(NULL), was;
	int	e = errno;

	__atomic_add_fetch(&audit_errors, 1, __ATOMIC_RELAXED);
	if (strcmp(doing, "compressing") != 0)
		__atomic_store_n(&audit_fail, 1, __ATOMIC_RELAXED);
	was = __atomic_load_n(&audit_warned, __ATOMIC_RELAXED);
	if (now - was >= 60 && __atomic_compare_exchange_n(&audit_warned,
	    &was, now, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		log_warnx("audit log: %s %s: %s", doing, path, strerror(e));
}

/* ------------------------------------------------------------ formatting */

static void
audit_time(FILE *f, uint64_t ms)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;
	char		buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	fprintf(f, "\"%s.%03uZ\"", buf, (unsigned)(ms % 1000));
}

/* A JSON string; bytes outside printable ASCII as \u00XX. */
static void
audit_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void
audit_addr(FILE *f, const union addr_sa *a)
{
	char	buf[ADDR_STRLEN];

	if (a->sa.sa_family == AF_UNSPEC)
		fputs("null", f);
	else
		audit_str(f, addr_fmt(a, buf, sizeof(buf)));
}

static void
audit_line(FILE *f, const struct audit_rec *r)
{
	char	id[64];

	if (r->kind == AUDIT_NAT64)
		snprintf(id, sizeof(id), "%" PRIx64 "-m%" PRIu64, audit_t0,
		    r->id);
	else
		audit_id_fmt(r->id, id, sizeof(id));
	fprintf(f, "{\"v\":%d,\"event\":\"%s\",\"id\":\"%s\",\"open\":",
	    AUDIT_VERSION, r->event == AUDIT_OPEN ? "open" : "close", id);
	audit_time(f, r->t_open_ms);
	fputs(",\"close\":", f);
	if (r->event == AUDIT_CLOSE)
		audit_time(f, r->t_close_ms);
	else
		fputs("null", f);
	fputs(",\"client\":", f);
	audit_addr(f, &r->client);
	fputs(",\"listener\":", f);
	audit_str(f, r->listener);
	fputs(",\"name\":", f);
	if (r->name[0] != '\0')
		audit_str(f, r->name);
	else
		fputs("null", f);
	fputs(",\"service\":", f);
	audit_str(f, r->service);
	fputs(",\"backend\":", f);
	audit_addr(f, &r->backend);
	fputs(",\"local\":", f);
	audit_addr(f, &r->local);
	if (r->kind == AUDIT_NAT64)	/* Jool does not count per session */
		fputs(",\"bytes_in\":null,\"bytes_out\":null,\"reason\":", f);
	else
		fprintf(f, ",\"bytes_in\":%" PRIu64 ",\"bytes_out\":%" PRIu64
		    ",\"reason\":", r->bytes_in, r->bytes_out);
	if (r->event == AUDIT_CLOSE)
		audit_str(f, r->reason ? r->reason : "");
	else
		fputs("null", f);
	if (r->kind == AUDIT_NAT64)
		fprintf(f, ",\"kind\":\"nat64\",\"protocol\":\"%s\","
		    "\"poll_ms\":%u", r->proto == IPPROTO_TCP ? "tcp" :
		    r->proto == IPPROTO_UDP ? "udp" : "icmp", r->poll_ms);
	fputs("}\n", f);
}

/* ------------------------------------------------------------------ files */

static void
audit_utc_day(time_t t, char *buf, size_t len)
{
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%d", &tm);
}

/* Archive one closed day (archive.h), in a thread of its own. */
static void *
audit_gzip(void *arg)
{
	char	*path = arg;

	/* EEXIST: archived already, or being archived: not an error */
	if (archive_day(path) == -1 && errno != EEXIST)
		audit_error("compressing", path);
	free(path);
	return NULL;
}

static void
audit_gzip_later(const char *path)
{
	pthread_t	 t;
	char		*p = strdup(path);

	if (p == NULL || pthread_create(&t, NULL, audit_gzip, p) != 0) {
		free(p);
		return;		/* stays plain; trace reads both */
	}
	pthread_detach(t);
}

/* Compress plain files of past days (a crash, a failed gzip) and delete
   those past the retention. */
static void
audit_sweep(const char *today)
{
	char		 cut[16], path[4400], newest[16];
	unsigned	 days = __atomic_load_n(&audit_days, __ATOMIC_RELAXED);
	struct dirent	*de;
	DIR		*d;

	audit_utc_day(time(NULL) - (time_t)days * 86400, cut, sizeof(cut));
	if ((d = opendir(audit_dir)) == NULL)
		return;
	/* the newest day on disk before today (every day has a file): if
	   even it is past the retention, the clock has jumped, and nothing
	   is deleted on its word */
	newest[0] = '\0';
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, "audit-", 6) == 0 &&
		    strlen(de->d_name) >= 16 &&
		    strncmp(de->d_name + 6, today, 10) < 0 &&
		    strncmp(de->d_name + 6, newest, 10) > 0)
			snprintf(newest, sizeof(newest), "%.10s",
			    de->d_name + 6);
	rewinddir(d);
	if (newest[0] != '\0' && strcmp(newest, cut) < 0) {
		log_warnx("audit log: every file is older than %u days (the "
		    "newest is of %s): the clock may be wrong; nothing "
		    "deleted", days, newest);
		days = 0;	/* no deletion below */
		cut[0] = '\0';
	}
	while ((de = readdir(d)) != NULL) {
		const char *n = de->d_name;
		size_t len = strlen(n);

		/* audit-YYYY-MM-DD.jsonl[.gz] */
		if (strncmp(n, "audit-", 6) != 0 || len < 22 ||
		    strncmp(n + 16, ".jsonl", 6) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", audit_dir, n);
		if (strncmp(n + 6, cut, 10) < 0) {
			if (unlink(path) == 0)
				log_info("audit log: %s removed (older than "
				    "%u days)", n, days);
		} else if (len == 22 && strncmp(n + 6, today, 10) < 0)
			audit_gzip_later(path);
	}
	closedir(d);
}

/* Is the open file still the one at its name (not removed or moved away
   without a SIGUSR1)? */
static int
audit_same_file(void)
{
	struct stat	a, b;

	return fstat(fileno(audit_f), &a) == 0 && stat(audit_path, &b) == 0 &&
	    a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* The file of today open; 0, or -1 (counted, logged). */
static int
audit_open_file(void)
{
	char	day[16];
	int	fd;

	audit_utc_day(time(NULL), day, sizeof(day));
	/* a clock stepped back: the day goes on in its file */
	if (audit_f != NULL && strcmp(day, audit_day) < 0)
		snprintf(day, sizeof(day), "%s", audit_day);
	if (audit_f != NULL && strcmp(day, audit_day) == 0 &&
	    !__atomic_load_n(&audit_reopen_req, __ATOMIC_RELAXED) &&
	    audit_same_file())
		return 0;
	pthread_mutex_lock(&audit_file_mtx);
	if (audit_f != NULL) {
		if (fclose(audit_f) == EOF)
			audit_error("closing", audit_path);
		audit_f = NULL;
	}
	__atomic_store_n(&audit_reopen_req, 0, __ATOMIC_RELAXED);
	snprintf(audit_path, sizeof(audit_path), "%s/audit-%s.jsonl",
	    audit_dir, day);
	/* the directory removed: made again */
	if (mkdir(audit_dir, 0750) == -1 && errno != EEXIST)
		fd = -1;
	else
		fd = open(audit_path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC,
		    0640);
	if (fd == -1 || (audit_f = fdopen(fd, "a")) == NULL) {
		if (fd != -1)
			close(fd);
		pthread_mutex_unlock(&audit_file_mtx);
		audit_error("opening", audit_path);
		return -1;
	}
	pthread_mutex_unlock(&audit_file_mtx);
	{
		/* a line cut short by a full disk ends here */
		struct stat	sb;
		char		last;

		if (fstat(fd, &sb) == 0 && sb.st_size > 0 &&
		    pread(fd, &last, 1, sb.st_size - 1) == 1 && last != '\n')
			fputc('\n', audit_f);
	}
	if (audit_day[0] != '\0' && strcmp(day, audit_day) != 0)
		audit_sweep(day);	/* yesterday's is closed now */
	snprintf(audit_day, sizeof(audit_day), "%s", day);
	return 0;
}

/* ----------------------------------------------------------------- writer */

/*
 * Nothing to write, but the last write failed: is there room again?  (So
 * that fail_closed, which stops the records coming, does not refuse
 * forever.)
 */
static void
audit_probe(void)
{
	struct statvfs	sv;

	if (audit_open_file() == 0 && fstatvfs(fileno(audit_f), &sv) == 0 &&
	    (uint64_t)sv.f_bavail * sv.f_frsize >= AUDIT_ROOM)
		__atomic_store_n(&audit_fail, 0, __ATOMIC_RELAXED);
}

static int
audit_drain(void)
{
	uint64_t	head, tail, n = 0;
	int		i, lost = 0;

	if (audit_open_file() == -1)
		lost = 1;
	for (i = 0; i < aq_n; i++) {
		struct audit_q *q = &aq[i];

		head = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
		for (tail = q->tail; tail != head; tail++) {
			if (!lost)
				audit_line(audit_f, &q->ring[tail %
				    AUDIT_RING]);
			n++;
		}
		__atomic_store_n(&q->tail, tail, __ATOMIC_RELEASE);
	}
	if (lost) {
		/* nowhere to write: they are lost, and counted */
		__atomic_add_fetch(&audit_lost, n, __ATOMIC_RELAXED);
		return n > 0 ? -1 : 0;
	}
	if (n > 0 && (fflush(audit_f) == EOF || ferror(audit_f))) {
		/* stdio cannot say how much got out: count them all lost,
		   and start the next write on a fresh line */
		clearerr(audit_f);
		audit_error("writing", audit_path);
		__atomic_add_fetch(&audit_lost, n, __ATOMIC_RELAXED);
		fclose(audit_f);
		audit_f = NULL;
		return -1;
	}
	if (n > 0) {
		__atomic_add_fetch(&audit_records, n, __ATOMIC_RELAXED);
		__atomic_store_n(&audit_fail, 0, __ATOMIC_RELAXED);
	} else if (__atomic_load_n(&audit_fail, __ATOMIC_RELAXED))
		audit_probe();
	return 0;
}

static void *
audit_main(void *arg)
{
	struct pollfd	pfd = { audit_efd, POLLIN, 0 };
	uint64_t	v;

	(void)arg;
	while (!__atomic_load_n(&audit_stop_req, __ATOMIC_ACQUIRE)) {
		if (poll(&pfd, 1, 200) > 0)
			(void)!read(audit_efd, &v, sizeof(v));
		audit_drain();
	}
	audit_drain();		/* what the stopped workers left */
	if (audit_f != NULL && fclose(audit_f) == EOF)
		audit_error("closing", audit_path);
	audit_f = NULL;
	return NULL;
}

int
audit_start(int nworkers, const char *state_dir, unsigned days, char *err,
    size_t errlen)
{
	char	day[16];

	snprintf(audit_dir, sizeof(audit_dir), "%s/audit", state_dir);
	if (mkdir(state_dir, 0750) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "audit log: %s: %s", state_dir,
		    strerror(errno));
		return -1;
	}
	if (mkdir(audit_dir, 0750) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "audit log: %s: %s", audit_dir,
		    strerror(errno));
		return -1;
	}
	/* one ring per worker, and the main thread's (NAT64 mappings) */
	if ((aq = aligned_alloc(64, sizeof(*aq) * (size_t)(nworkers + 1))) ==
	    NULL) {
		snprintf(err, errlen, "audit log: out of memory");
		return -1;
	}
	memset(aq, 0, sizeof(*aq) * (size_t)(nworkers + 1));
	aq_n = nworkers + 1;
	audit_days = days;
	if ((audit_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		snprintf(err, errlen, "audit log: eventfd: %s",
		    strerror(errno));
		return -1;
	}
	/* a first open now, so a bad directory is said at start */
	if (audit_open_file() == -1)
		snprintf(err, errlen, "audit log: cannot open %s: %s (tried "
		    "again every 200 ms)", audit_path, strerror(errno));
	audit_utc_day(time(NULL), day, sizeof(day));
	audit_sweep(day);
	if (pthread_create(&audit_thr, NULL, audit_main, NULL) != 0) {
		snprintf(err, errlen, "audit log: cannot start its thread");
		return -1;
	}
	audit_running_flag = 1;
	return __atomic_load_n(&audit_fail, __ATOMIC_RELAXED) ? 1 : 0;
}

void
audit_stop(void)
{
	if (!audit_running_flag)
		return;
	__atomic_store_n(&audit_stop_req, 1, __ATOMIC_RELEASE);
	pthread_join(audit_thr, NULL);
	audit_running_flag = 0;
	close(audit_efd);
	audit_efd = -1;
	free(aq);
	aq = NULL;
	aq_n = 0;
}

void
audit_quiesce(void)
{
	__atomic_store_n(&audit_quiet, 1, __ATOMIC_RELAXED);
}

int
audit_running(void)
{
	return audit_running_flag;
}

void
audit_set_days(unsigned days)
{
	__atomic_store_n(&audit_days, days, __ATOMIC_RELAXED);
}

void
audit_reopen(void)
{
	uint64_t	one = 1;

	__atomic_store_n(&audit_reopen_req, 1, __ATOMIC_RELAXED);
	if (audit_efd != -1)
		(void)!write(audit_efd, &one, sizeof(one));
}

void
audit_push(int w, const struct audit_rec *r)
{
	struct audit_q	*q;
	uint64_t	 head, tail, one = 1;
	int		 i;

	if (aq == NULL)
		return;
	q = &aq[w == AUDIT_MAIN ? aq_n - 1 : w];
	head = q->head;
	tail = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);
	/* the main thread and a stopping worker may wait (a burst of
	   mappings, the connections closed at a stop); a serving worker
	   never does */
	for (i = 0; head - tail == AUDIT_RING && i < 2000 &&
	    (w == AUDIT_MAIN || __atomic_load_n(&audit_quiet,
	    __ATOMIC_RELAXED)); i++) {
		struct timespec ms = { 0, 1000000 };

		(void)!write(audit_efd, &one, sizeof(one));
		nanosleep(&ms, NULL);
		tail = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);
	}
	if (head - tail == AUDIT_RING) {
		__atomic_store_n(&q->dropped, q->dropped + 1,
		    __ATOMIC_RELAXED);
		return;
	}
	q->ring[head % AUDIT_RING] = *r;
	__atomic_store_n(&q->head, head + 1, __ATOMIC_RELEASE);
	if (head + 1 - tail == AUDIT_RING / 4)
		(void)!write(audit_efd, &one, sizeof(one));
}

int
audit_failing(void)
{
	return __atomic_load_n(&audit_fail, __ATOMIC_RELAXED);
}

void
audit_stats(struct audit_stats *st)
{
	int	i;

	memset(st, 0, sizeof(*st));
	st->records = __atomic_load_n(&audit_records, __ATOMIC_RELAXED);
	st->errors = __atomic_load_n(&audit_errors, __ATOMIC_RELAXED);
	st->failing = audit_failing();
	st->dropped = __atomic_load_n(&audit_lost, __ATOMIC_RELAXED);
	for (i = 0; i < aq_n; i++)
		st->dropped += __atomic_load_n(&aq[i].dropped,
		    __ATOMIC_RELAXED);
	pthread_mutex_lock(&audit_file_mtx);
	snprintf(st->file, sizeof(st->file), "%s", audit_path);
	pthread_mutex_unlock(&audit_file_mtx);
}
