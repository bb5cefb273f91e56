/* SPDX-License-Identifier: ISC */
/*
 * The audit log's writer (see audit.h).
 *
 * Workers copy a record into their own single-producer ring (the writer
 * is the one consumer) and nudge an eventfd when it is a quarter full; the
 * writer thread also wakes every 200 ms, formats what it finds as JSON
 * lines into a buffer and writes it to the day's file, whole lines only
 * (a disk that fills in the middle of one: the part of it that got out is
 * taken back, and the line counted dropped).  At a new UTC day it opens the
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
#include <stdarg.h>
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
static int		 audit_fd = -1;
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

/*
 * Lines are formatted into a buffer and written with write(2), whole
 * lines only: stdio could let part of a line out and not say how much.
 * A line is at most a few KiB (every string escaped 6-fold); the buffer
 * is written out before one could fail to fit.
 */
#define AUDIT_LINE_MAX	4096
#define AUDIT_BUF	(64 * 1024)

struct audit_buf {
	char	 b[AUDIT_BUF];
	size_t	 len;
	int	 over;		/* the line did not fit: it is dropped */
};

static void __attribute__((format(printf, 2, 3)))
audit_put(struct audit_buf *ab, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (ab->over)
		return;
	va_start(ap, fmt);
	n = vsnprintf(ab->b + ab->len, sizeof(ab->b) - ab->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(ab->b) - ab->len)
		ab->over = 1;
	else
		ab->len += (size_t)n;
}

static void
audit_time(struct audit_buf *ab, uint64_t ms)
{
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;
	char		buf[32];

	gmtime_r(&t, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	audit_put(ab, "\"%s.%03uZ\"", buf, (unsigned)(ms % 1000));
}

/* A JSON string; bytes outside printable ASCII as \u00XX. */
static void
audit_str(struct audit_buf *ab, const char *s)
{
	audit_put(ab, "\"");
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			audit_put(ab, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			audit_put(ab, "\\u%04x", c);
		else
			audit_put(ab, "%c", c);
	}
	audit_put(ab, "\"");
}

static void
audit_addr(struct audit_buf *ab, const union addr_sa *a)
{
	char	buf[ADDR_STRLEN];

	if (a->sa.sa_family == AF_UNSPEC)
		audit_put(ab, "null");
	else
		audit_str(ab, addr_fmt(a, buf, sizeof(buf)));
}

/* One line at the buffer's end; 0, or -1 when it did not fit (nothing of
   it stays). */
static int
audit_line(struct audit_buf *ab, const struct audit_rec *r)
{
	size_t	start = ab->len;
	char	id[64];

	if (r->kind == AUDIT_NAT64)
		snprintf(id, sizeof(id), "%" PRIx64 "-m%" PRIu64, audit_t0,
		    r->id);
	else
		audit_id_fmt(r->id, id, sizeof(id));
	audit_put(ab, "{\"v\":%d,\"event\":\"%s\",\"id\":\"%s\",\"open\":",
	    AUDIT_VERSION, r->event == AUDIT_OPEN ? "open" : "close", id);
	audit_time(ab, r->t_open_ms);
	audit_put(ab, ",\"close\":");
	if (r->event == AUDIT_CLOSE)
		audit_time(ab, r->t_close_ms);
	else
		audit_put(ab, "null");
	audit_put(ab, ",\"client\":");
	audit_addr(ab, &r->client);
	audit_put(ab, ",\"listener\":");
	audit_str(ab, r->listener);
	audit_put(ab, ",\"name\":");
	if (r->name[0] != '\0')
		audit_str(ab, r->name);
	else
		audit_put(ab, "null");
	audit_put(ab, ",\"service\":");
	audit_str(ab, r->service);
	audit_put(ab, ",\"backend\":");
	audit_addr(ab, &r->backend);
	audit_put(ab, ",\"local\":");
	audit_addr(ab, &r->local);
	if (r->kind == AUDIT_NAT64)	/* Jool does not count per session */
		audit_put(ab, ",\"bytes_in\":null,\"bytes_out\":null,"
		    "\"reason\":");
	else
		audit_put(ab, ",\"bytes_in\":%" PRIu64 ",\"bytes_out\":%"
		    PRIu64 ",\"reason\":", r->bytes_in, r->bytes_out);
	if (r->event == AUDIT_CLOSE)
		audit_str(ab, r->reason ? r->reason : "");
	else
		audit_put(ab, "null");
	if (r->kind == AUDIT_NAT64)
		audit_put(ab, ",\"kind\":\"nat64\",\"protocol\":\"%s\","
		    "\"poll_ms\":%u", r->proto == IPPROTO_TCP ? "tcp" :
		    r->proto == IPPROTO_UDP ? "udp" : "icmp", r->poll_ms);
	if (r->via.sa.sa_family != AF_UNSPEC) {
		/* the peer the gateway saw: a balancer (accept_proxy) */
		audit_put(ab, ",\"via\":");
		audit_addr(ab, &r->via);
	}
	audit_put(ab, "}\n");
	if (ab->over) {
		ab->len = start;
		ab->over = 0;
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------------ files */

void
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

	return fstat(audit_fd, &a) == 0 && stat(audit_path, &b) == 0 &&
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
	if (audit_fd != -1 && strcmp(day, audit_day) < 0)
		snprintf(day, sizeof(day), "%s", audit_day);
	if (audit_fd != -1 && strcmp(day, audit_day) == 0 &&
	    !__atomic_load_n(&audit_reopen_req, __ATOMIC_RELAXED) &&
	    audit_same_file())
		return 0;
	pthread_mutex_lock(&audit_file_mtx);
	if (audit_fd != -1) {
		if (close(audit_fd) == -1)
			audit_error("closing", audit_path);
		audit_fd = -1;
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
	if (fd == -1) {
		pthread_mutex_unlock(&audit_file_mtx);
		audit_error("opening", audit_path);
		return -1;
	}
	audit_fd = fd;
	pthread_mutex_unlock(&audit_file_mtx);
	{
		/* a line cut short (a crash, a failed truncation) ends here:
		   the next one starts on a line of its own */
		struct stat	sb;
		char		last;

		if (fstat(fd, &sb) == 0 && sb.st_size > 0 &&
		    pread(fd, &last, 1, sb.st_size - 1) == 1 && last != '\n')
			(void)!write(fd, "\n", 1);
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

	if (audit_open_file() == 0 && fstatvfs(audit_fd, &sv) == 0 &&
	    (uint64_t)sv.f_bavail * sv.f_frsize >= AUDIT_ROOM)
		__atomic_store_n(&audit_fail, 0, __ATOMIC_RELAXED);
}

/*
 * The buffer out, whole lines only.  A short write (the disk filled in
 * the middle of it) is taken back to the end of the last whole line that
 * got out, and what did not is dropped: the file never keeps half a line,
 * and a line counted as written is in it.  Returns the lines written;
 * *failed set on an error (counted, logged).
 */
static uint64_t
audit_flush(struct audit_buf *ab, int *failed)
{
	struct stat	st;
	size_t		done = 0, keep, i;
	ssize_t		n = 0;
	uint64_t	lines = 0;
	int		e;

	if (ab->len == 0)
		return 0;
	/* (O_APPEND, and this thread the file's one writer: the batch
	   starts at the size it has now) */
	if (fstat(audit_fd, &st) == -1) {
		audit_error("writing", audit_path);
		*failed = 1;
		ab->len = 0;
		return 0;
	}
	while (done < ab->len) {
		n = write(audit_fd, ab->b + done, ab->len - done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		done += (size_t)n;
	}
	keep = done;
	if (done < ab->len) {
		e = n == 0 ? ENOSPC : errno;
		while (keep > 0 && ab->b[keep - 1] != '\n')
			keep--;
		if (keep < done && ftruncate(audit_fd, st.st_size +
		    (off_t)keep) == -1) {
			/* half a line stays: a new file descriptor, whose
			   opening ends it (audit_open_file) */
			audit_error("truncating", audit_path);
			close(audit_fd);
			audit_fd = -1;
		}
		errno = e;
		audit_error("writing", audit_path);
		*failed = 1;
	}
	for (i = 0; i < keep; i++)
		if (ab->b[i] == '\n')
			lines++;
	ab->len = 0;
	return lines;
}

static int
audit_drain(void)
{
	static struct audit_buf	ab;	/* the writer's */
	uint64_t		head, tail, n = 0, written = 0;
	int			i, failed = 0;

	if (audit_open_file() == -1)
		failed = 1;	/* nowhere to write: lost, and counted */
	for (i = 0; i < aq_n; i++) {
		struct audit_q *q = &aq[i];

		head = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
		for (tail = q->tail; tail != head; tail++, n++) {
			if (failed)
				continue;
			if (sizeof(ab.b) - ab.len < AUDIT_LINE_MAX)
				written += audit_flush(&ab, &failed);
			if (!failed)
				(void)audit_line(&ab, &q->ring[tail %
				    AUDIT_RING]);
		}
		__atomic_store_n(&q->tail, tail, __ATOMIC_RELEASE);
	}
	if (!failed)
		written += audit_flush(&ab, &failed);
	ab.len = 0;
	/* a line too long for the buffer (none can be), or past a failed
	   write: dropped */
	__atomic_add_fetch(&audit_records, written, __ATOMIC_RELAXED);
	__atomic_add_fetch(&audit_lost, n - written, __ATOMIC_RELAXED);
	if (failed)
		return n > 0 ? -1 : 0;
	if (n > 0)
		__atomic_store_n(&audit_fail, 0, __ATOMIC_RELAXED);
	else if (__atomic_load_n(&audit_fail, __ATOMIC_RELAXED))
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
	if (audit_fd != -1 && close(audit_fd) == -1)
		audit_error("closing", audit_path);
	audit_fd = -1;
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
