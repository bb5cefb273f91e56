/* SPDX-License-Identifier: ISC */
/*
 * The audit log's sender (see forward.h).
 *
 * Two readers walk the same files: "scan" runs ahead to the end of what
 * is written and counts what the collector has not taken (the lag);
 * "send" starts at the cursor and never passes scan, so the lag is exact.
 * A day's file is read to its end before the next day's: the writer opens
 * a day's file only after closing the day before's, so once a later day
 * has a file, what the earlier one holds is final.  A past day may have
 * become .gz meanwhile (archive.h): it is read through zlib, the same
 * bytes at the same offsets; a plain file open when it is archived and
 * removed is read on to its end through its descriptor.
 *
 * Sending goes batch by batch: up to a window of lines out, then wait
 * until the collector's TCP has acknowledged all of it (SIOCOUTQ, the
 * bytes not yet acknowledged, is 0), then move the cursor.  Over TLS the
 * same holds: a record is in the kernel when SSL_write returns.  A
 * connection that breaks before that sends the batch again.
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
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/sockios.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <zlib.h>

#include "audit.h"
#include "clock.h"
#include "forward.h"
#include "log.h"
#include "rfc5424.h"

#define FWD_WINDOW	(32 * 1024)	/* a reader's bytes of lines */
#define FWD_OUT		(3 * FWD_WINDOW + 1024)	/* their messages */
#define FWD_TICK_MS	200
#define FWD_IO_MS	10000		/* a send, its acknowledgement */
#define FWD_CONNECT_MS	5000		/* a connect, a TLS handshake */
#define FWD_BACKOFF_MAX	30		/* seconds between attempts */
#define FWD_SCAN_MAX	(16 * 1024 * 1024)	/* counted per tick */

struct fwd_target {
	char		*url;
	char		*ca;
	char		*gateway;
	union addr_sa	 addr;
	int		 tls;
	SSL_CTX		*ctx;		/* tls */
};

/* A place in the audit files. */
struct fwd_pos {
	char		day[16];	/* YYYY-MM-DD */
	uint64_t	off;
};

/* A reader: a day's file open, a window of its bytes. */
struct fwd_rd {
	char		day[16];	/* of the open file; "" none */
	int		fd;
	gzFile		gz;		/* an archived day */
	uint64_t	base;		/* the file offset of b[0] */
	size_t		len;
	char		b[FWD_WINDOW];
};

/* the main thread's; fwd_live and fwd_gen under fwd_mtx */
static pthread_mutex_t	 fwd_mtx = PTHREAD_MUTEX_INITIALIZER;
static struct fwd_target *fwd_pending, *fwd_live;
static int		 fwd_prepared;
static unsigned		 fwd_gen;
static pthread_t	 fwd_thr;
static int		 fwd_running;
static int		 fwd_stop_req;
static char		 fwd_dir[4096];	/* state_dir/audit */
static char		 fwd_cursor_txt[48];	/* under fwd_mtx */

/* the sender's, read by forward_stats() (atomics) */
static int		 fwd_connected;
static uint64_t		 fwd_sent, fwd_errors;
static uint64_t		 fwd_scanned_b, fwd_scanned_r;	/* scan's */
static uint64_t		 fwd_taken_b, fwd_taken_r;	/* the cursor's */

/* the sender thread's own */
static struct fwd_rd	 fwd_scan_rd = { "", -1, NULL, 0, 0, "" };
static struct fwd_rd	 fwd_send_rd = { "", -1, NULL, 0, 0, "" };
static struct fwd_pos	 fwd_cur, fwd_scan;
static int		 fwd_dirty;	/* the cursor moved since saved */
static unsigned		 fwd_my_gen;
static struct fwd_target fwd_my;	/* a copy of the live target */
static int		 fwd_fd = -1;
static SSL		*fwd_ssl;
static int		 fwd_quiet;	/* a failure said: not again */
static time_t		 fwd_warned;	/* file errors, once a minute */

static void
fwd_target_free(struct fwd_target *t)
{
	if (t == NULL)
		return;
	free(t->url);
	free(t->ca);
	free(t->gateway);
	SSL_CTX_free(t->ctx);
	free(t);
}

static int
fwd_stopping(void)
{
	return __atomic_load_n(&fwd_stop_req, __ATOMIC_ACQUIRE);
}

/* ---------------------------------------------------------------- files */

/* A file could not be read or the cursor saved: logged once a minute. */
static void
fwd_file_error(const char *doing, const char *what)
{
	time_t	now = time(NULL);
	int	e = errno;

	__atomic_add_fetch(&fwd_errors, 1, __ATOMIC_RELAXED);
	if (now - fwd_warned < 60)
		return;
	fwd_warned = now;
	log_warnx("audit forward: %s %s: %s", doing, what, strerror(e));
}

/* The first day after day with a file, plain or .gz: 0, or -1 none. */
static int
fwd_next_day(const char *day, char *next, size_t len)
{
	struct dirent	*de;
	DIR		*d;
	int		 found = 0;

	if ((d = opendir(fwd_dir)) == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		const char	*n = de->d_name;
		size_t		 l = strlen(n);

		/* audit-YYYY-MM-DD.jsonl[.gz] */
		if (strncmp(n, "audit-", 6) != 0 || (l != 22 && l != 25) ||
		    strncmp(n + 16, ".jsonl", 6) != 0 ||
		    (l == 25 && strcmp(n + 22, ".gz") != 0) ||
		    strncmp(n + 6, day, 10) <= 0)
			continue;
		if (!found || strncmp(n + 6, next, 10) < 0)
			snprintf(next, len, "%.10s", n + 6);
		found = 1;
	}
	closedir(d);
	return found ? 0 : -1;
}

static void
fwd_rd_close(struct fwd_rd *rd)
{
	if (rd->gz != NULL)
		gzclose(rd->gz);	/* and its descriptor */
	else if (rd->fd != -1)
		close(rd->fd);
	rd->gz = NULL;
	rd->fd = -1;
	rd->day[0] = '\0';
	rd->len = 0;
}

/* The day of pos open, its window at pos: the plain file while there is
   one, else its archive.  0, or -1 with errno (ENOENT: neither). */
static int
fwd_rd_open(struct fwd_rd *rd, const struct fwd_pos *pos)
{
	char	path[4200];

	if (strcmp(rd->day, pos->day) == 0 && pos->off >= rd->base &&
	    pos->off <= rd->base + rd->len)
		return 0;
	fwd_rd_close(rd);
	snprintf(path, sizeof(path), "%s/audit-%s.jsonl", fwd_dir, pos->day);
	if ((rd->fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		if (errno != ENOENT)
			return -1;
		/* archived: the plain file goes only once the .gz is whole */
		snprintf(path, sizeof(path), "%s/audit-%s.jsonl.gz", fwd_dir,
		    pos->day);
		if ((rd->fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			return -1;
		if ((rd->gz = gzdopen(rd->fd, "rb")) == NULL) {
			close(rd->fd);
			rd->fd = -1;
			errno = ENOMEM;
			return -1;
		}
		if (gzseek(rd->gz, (z_off_t)pos->off, SEEK_SET) == -1) {
			fwd_rd_close(rd);
			errno = EIO;
			return -1;
		}
	}
	snprintf(rd->day, sizeof(rd->day), "%s", pos->day);
	rd->base = pos->off;
	rd->len = 0;
	return 0;
}

/* The window filled from the file as far as it goes.  A broken archive
   ends where it breaks (said, and the next day follows). */
static int
fwd_rd_fill(struct fwd_rd *rd)
{
	ssize_t	n;
	int	ze;

	while (rd->len < sizeof(rd->b)) {
		if (rd->gz != NULL) {
			n = gzread(rd->gz, rd->b + rd->len,
			    (unsigned)(sizeof(rd->b) - rd->len));
			if (n < 0) {
				errno = EIO;
				fwd_file_error("reading the archive of",
				    gzerror(rd->gz, &ze));
				n = 0;
			}
		} else
			n = pread(rd->fd, rd->b + rd->len, sizeof(rd->b) -
			    rd->len, (off_t)(rd->base + rd->len));
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		if (n == 0)
			break;
		rd->len += (size_t)n;
	}
	return 0;
}

/*
 * Whole lines at pos: their length, *p at them; 0 when there are none
 * yet; -1 when the file cannot be read (errno).  At the end of a day that
 * is over (a later day has a file) pos moves to the next day's start and
 * *moved is set.  A last line without its newline counts once its day is
 * over; a line longer than the window goes in pieces.
 */
static ssize_t
fwd_read(struct fwd_rd *rd, struct fwd_pos *pos, const char **p, int *moved)
{
	char	next[16];
	size_t	cut;
	int	over = 0;

	*moved = 0;
	if (fwd_rd_open(rd, pos) == -1) {
		if (errno != ENOENT)
			return -1;
		/* no file: removed past the retention, or not made yet */
		if (fwd_next_day(pos->day, next, sizeof(next)) == -1)
			return 0;
		goto move;
	}
	if (pos->off > rd->base) {
		size_t d = (size_t)(pos->off - rd->base);

		memmove(rd->b, rd->b + d, rd->len - d);
		rd->len -= d;
		rd->base = pos->off;
	}
	for (;;) {
		if (fwd_rd_fill(rd) == -1)
			return -1;
		for (cut = rd->len; cut > 0 && rd->b[cut - 1] != '\n'; cut--)
			;
		*p = rd->b;
		if (cut > 0)
			return (ssize_t)cut;
		if (rd->len == sizeof(rd->b))
			return (ssize_t)rd->len;
		if (over)
			break;
		if (fwd_next_day(pos->day, next, sizeof(next)) == -1)
			return 0;
		over = 1;	/* once more: the day's end is final now */
	}
	if (rd->len > 0)
		return (ssize_t)rd->len;
move:
	fwd_rd_close(rd);
	snprintf(pos->day, sizeof(pos->day), "%s", next);
	pos->off = 0;
	*moved = 1;
	return 0;
}

/* Records in n bytes of whole lines (a last one cut short counts). */
static uint64_t
fwd_lines(const char *p, size_t n)
{
	uint64_t	lines = 0;
	size_t		i;

	for (i = 0; i < n; i++)
		if (p[i] == '\n')
			lines++;
	return lines + (n > 0 && p[n - 1] != '\n');
}

/* ---------------------------------------------------------------- cursor */

static void
fwd_cursor_moved(void)
{
	fwd_dirty = 1;
	pthread_mutex_lock(&fwd_mtx);
	snprintf(fwd_cursor_txt, sizeof(fwd_cursor_txt), "%s %" PRIu64,
	    fwd_cur.day, fwd_cur.off);
	pthread_mutex_unlock(&fwd_mtx);
}

/*
 * state_dir/audit/forward.cursor, text: "v6gate-audit-forward 1" and
 * "DAY OFFSET", the first byte the collector has not taken.  None, or
 * one that cannot be read: the start of today's file.
 */
static void
fwd_cursor_load(void)
{
	char			 path[4200], day[16];
	unsigned long long	 off;
	FILE			*f;
	int			 ok = 0;

	snprintf(path, sizeof(path), "%s/forward.cursor", fwd_dir);
	if ((f = fopen(path, "r")) != NULL) {
		ok = fscanf(f, "v6gate-audit-forward 1 %10s %llu", day,
		    &off) == 2 && strlen(day) == 10 && day[4] == '-' &&
		    day[7] == '-';
		fclose(f);
		if (!ok)
			log_warnx("audit forward: %s: not a cursor; sending "
			    "from the start of today's file", path);
	} else if (errno != ENOENT)
		log_warn("audit forward: %s; sending from the start of "
		    "today's file", path);
	if (ok) {
		struct stat	sb;

		snprintf(fwd_cur.day, sizeof(fwd_cur.day), "%s", day);
		fwd_cur.off = off;
		/* past the end of its plain file: not the file it was (made
		   again since): all of this one goes */
		snprintf(path, sizeof(path), "%s/audit-%s.jsonl", fwd_dir, day);
		if (stat(path, &sb) == 0 && (uint64_t)sb.st_size < off) {
			log_warnx("audit forward: the cursor is past the end of "
			    "%s: sending it from its start", path);
			fwd_cur.off = 0;
			ok = 0;		/* saved so */
		}
	} else {
		audit_utc_day(time(NULL), fwd_cur.day, sizeof(fwd_cur.day));
		fwd_cur.off = 0;
	}
	fwd_scan = fwd_cur;
	fwd_cursor_moved();
	fwd_dirty = !ok;
}

/* Saved when it moved, once a second at most (or now): a crash resends
   what moved since. */
static void
fwd_cursor_save(int now)
{
	static time_t	 last;
	char		 path[4200], tmp[4300];
	int		 fd, rc;

	if (!fwd_dirty || (!now && time(NULL) == last))
		return;
	last = time(NULL);
	snprintf(path, sizeof(path), "%s/forward.cursor", fwd_dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
	    0640)) == -1) {
		fwd_file_error("writing", tmp);
		return;
	}
	rc = dprintf(fd, "v6gate-audit-forward 1\n%s %" PRIu64 "\n",
	    fwd_cur.day, fwd_cur.off);
	if (close(fd) == -1 || rc < 0 || rename(tmp, path) == -1) {
		fwd_file_error("writing", path);
		return;
	}
	fwd_dirty = 0;
}

/* ------------------------------------------------------------ connection */

/* A connection that failed: counted; said once until one works. */
static void
fwd_fail(const char *doing, const char *why)
{
	__atomic_add_fetch(&fwd_errors, 1, __ATOMIC_RELAXED);
	if (!fwd_quiet)
		log_warnx("audit forward: %s: %s: %s (tried again; the "
		    "records wait in the audit files)", fwd_my.url, doing,
		    why);
	fwd_quiet = 1;
}

static const char *
fwd_ssl_why(void)
{
	static char	buf[256];
	long		vr;

	if (fwd_ssl != NULL && (vr = SSL_get_verify_result(fwd_ssl)) !=
	    X509_V_OK)
		return X509_verify_cert_error_string(vr);
	if (ERR_peek_error() == 0)
		return errno != 0 ? strerror(errno) : "closed";
	ERR_error_string_n(ERR_get_error(), buf, sizeof(buf));
	ERR_clear_error();
	return buf;
}

static void
fwd_close(void)
{
	if (fwd_ssl != NULL) {
		(void)SSL_shutdown(fwd_ssl);	/* close_notify, not waited */
		SSL_free(fwd_ssl);
		fwd_ssl = NULL;
	}
	if (fwd_fd != -1)
		close(fwd_fd);
	fwd_fd = -1;
	__atomic_store_n(&fwd_connected, 0, __ATOMIC_RELAXED);
}

/* The socket ready for events by deadline (ms, monotonic), in ticks so
   that a stop is not kept waiting: 1, or 0 (timed out, stopping). */
static int
fwd_wait(short events, uint64_t deadline)
{
	struct pollfd	pfd = { fwd_fd, events, 0 };
	uint64_t	now;
	int		n;

	while ((now = clock_ms(CLOCK_MONOTONIC)) < deadline && !fwd_stopping()) {
		n = poll(&pfd, 1, (int)(deadline - now < FWD_TICK_MS ?
		    deadline - now : FWD_TICK_MS));
		if (n > 0)
			return 1;
		if (n == -1 && errno != EINTR)
			return 0;
	}
	errno = ETIMEDOUT;
	return 0;
}

/* An SSL call that wants the socket: wait for it; 1, or 0. */
static int
fwd_ssl_wait(int rc, uint64_t deadline)
{
	switch (SSL_get_error(fwd_ssl, rc)) {
	case SSL_ERROR_WANT_READ:
		return fwd_wait(POLLIN, deadline);
	case SSL_ERROR_WANT_WRITE:
		return fwd_wait(POLLOUT, deadline);
	default:
		return 0;
	}
}

static int
fwd_connect(void)
{
	uint64_t	 deadline = clock_ms(CLOCK_MONOTONIC) + FWD_CONNECT_MS;
	char		 ip[ADDR_STRLEN];
	socklen_t	 sl = sizeof(int);
	int		 e = 0, rc;

	errno = 0;
	if ((fwd_fd = socket(fwd_my.addr.sa.sa_family, SOCK_STREAM |
	    SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1) {
		fwd_fail("socket", strerror(errno));
		return -1;
	}
	if (connect(fwd_fd, &fwd_my.addr.sa, addr_len(&fwd_my.addr)) == -1 &&
	    errno != EINPROGRESS)
		e = errno;
	else if (!fwd_wait(POLLOUT, deadline))
		e = errno != 0 ? errno : ETIMEDOUT;
	else if (getsockopt(fwd_fd, SOL_SOCKET, SO_ERROR, &e, &sl) == -1)
		e = errno;
	if (e != 0) {
		fwd_fail("connect", strerror(e));
		fwd_close();
		return -1;
	}
	if (fwd_my.tls) {
		/* the certificate must name the address (an IP SAN): it is
		   what audit.syslog says; no SNI for an address (RFC 6066) */
		if ((fwd_ssl = SSL_new(fwd_my.ctx)) == NULL ||
		    SSL_set_fd(fwd_ssl, fwd_fd) != 1 ||
		    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(fwd_ssl),
		    addr_fmt_ip(&fwd_my.addr, ip, sizeof(ip))) != 1) {
			fwd_fail("TLS", fwd_ssl_why());
			fwd_close();
			return -1;
		}
		errno = 0;
		while ((rc = SSL_connect(fwd_ssl)) != 1)
			if (!fwd_ssl_wait(rc, deadline)) {
				fwd_fail("TLS handshake", fwd_ssl_why());
				fwd_close();
				return -1;
			}
	}
	log_info("audit forward: %s: connected; %" PRIu64 " records to send",
	    fwd_my.url, __atomic_load_n(&fwd_scanned_r, __ATOMIC_RELAXED) -
	    __atomic_load_n(&fwd_taken_r, __ATOMIC_RELAXED));
	fwd_quiet = 0;
	__atomic_store_n(&fwd_connected, 1, __ATOMIC_RELAXED);
	return 0;
}

static int
fwd_write(const char *b, size_t len)
{
	uint64_t	deadline = clock_ms(CLOCK_MONOTONIC) + FWD_IO_MS;
	size_t		w;
	ssize_t		n;
	int		rc;

	errno = 0;
	while (len > 0) {
		if (fwd_ssl != NULL) {
			/* retried with the same arguments, as SSL wants */
			if ((rc = SSL_write_ex(fwd_ssl, b, len, &w)) == 1) {
				b += w;
				len -= w;
			} else if (!fwd_ssl_wait(rc, deadline)) {
				fwd_fail("sending", fwd_ssl_why());
				return -1;
			}
			continue;
		}
		if ((n = send(fwd_fd, b, len, MSG_NOSIGNAL)) > 0) {
			b += n;
			len -= (size_t)n;
		} else if ((n == 0 || (errno != EAGAIN && errno != EINTR)) ||
		    !fwd_wait(POLLOUT, deadline)) {
			fwd_fail("sending", strerror(errno ? errno : EPIPE));
			return -1;
		}
	}
	return 0;
}

/* Until the collector's TCP has acknowledged every byte sent: 0, or -1
   (the connection broke, or FWD_IO_MS went by). */
static int
fwd_wait_taken(void)
{
	uint64_t	deadline = clock_ms(CLOCK_MONOTONIC) + FWD_IO_MS;
	struct tcp_info	ti;
	socklen_t	tl;
	int		q;

	for (;;) {
		tl = sizeof(ti);
		if (ioctl(fwd_fd, SIOCOUTQ, &q) == -1 ||
		    getsockopt(fwd_fd, IPPROTO_TCP, TCP_INFO, &ti, &tl) == -1) {
			fwd_fail("sending", strerror(errno));
			return -1;
		}
		if (q == 0)
			return 0;
		/* reset, or closed by the collector with bytes unacknowledged */
		if (ti.tcpi_state != TCP_ESTABLISHED &&
		    ti.tcpi_state != TCP_CLOSE_WAIT) {
			fwd_fail("sending", "the connection closed before the "
			    "collector took everything");
			return -1;
		}
		if (clock_ms(CLOCK_MONOTONIC) >= deadline || fwd_stopping()) {
			fwd_fail("sending", "not acknowledged within 10 s");
			return -1;
		}
		poll(NULL, 0, 10);
	}
}

/* Nothing to send: a tick, watching for the collector to close (what it
   sends, such as a TLS 1.3 session ticket, is read and dropped).  0, or
   -1 closed. */
static int
fwd_idle(void)
{
	struct pollfd	pfd = { fwd_fd, POLLIN | POLLRDHUP, 0 };
	char		b[512];
	ssize_t		n;
	int		rc;

	if (poll(&pfd, 1, FWD_TICK_MS) <= 0)
		return 0;
	if (pfd.revents & (POLLRDHUP | POLLHUP | POLLERR)) {
		fwd_fail("connection", "closed by the collector");
		return -1;
	}
	if (fwd_ssl != NULL) {
		if ((rc = SSL_read(fwd_ssl, b, sizeof(b))) > 0)
			return 0;
		switch (SSL_get_error(fwd_ssl, rc)) {
		case SSL_ERROR_WANT_READ:
		case SSL_ERROR_WANT_WRITE:
			return 0;
		default:
			fwd_fail("connection", fwd_ssl_why());
			return -1;
		}
	}
	if ((n = recv(fwd_fd, b, sizeof(b), MSG_DONTWAIT)) > 0 ||
	    (n == -1 && (errno == EAGAIN || errno == EINTR)))
		return 0;
	fwd_fail("connection", n == 0 ? "closed by the collector" :
	    strerror(errno));
	return -1;
}

/* ---------------------------------------------------------------- sender */

/* scan to the end of what is written: the lag */
static void
fwd_scan_step(void)
{
	const char	*p;
	ssize_t		 n;
	uint64_t	 done = 0;
	int		 moved;

	while (done < FWD_SCAN_MAX) {
		if ((n = fwd_read(&fwd_scan_rd, &fwd_scan, &p, &moved)) == -1) {
			fwd_file_error("reading the file of", fwd_scan.day);
			return;
		}
		if (n == 0 && !moved)
			return;
		fwd_scan.off += (uint64_t)n;
		done += (uint64_t)n;
		__atomic_add_fetch(&fwd_scanned_b, (uint64_t)n,
		    __ATOMIC_RELAXED);
		__atomic_add_fetch(&fwd_scanned_r, fwd_lines(p, (size_t)n),
		    __ATOMIC_RELAXED);
	}
}

/* One batch from the cursor out and taken: 1; 0 nothing to send; -1 the
   connection failed (the batch goes again on the next one). */
static int
fwd_send_step(void)
{
	static char	 out[FWD_OUT];
	const char	*p, *nl;
	ssize_t		 n;
	size_t		 used = 0, took = 0, l, m;
	uint64_t	 recs = 0, sent = 0;
	int		 moved;

	do {
		if (strcmp(fwd_cur.day, fwd_scan.day) == 0 &&
		    fwd_cur.off >= fwd_scan.off)
			return 0;	/* never past what was counted */
		if ((n = fwd_read(&fwd_send_rd, &fwd_cur, &p, &moved)) ==
		    -1) {
			fwd_file_error("reading the file of", fwd_cur.day);
			return 0;
		}
		if (moved)
			fwd_cursor_moved();
	} while (n == 0 && moved);
	if (n == 0)
		return 0;
	if (strcmp(fwd_cur.day, fwd_scan.day) == 0 &&
	    (uint64_t)n > fwd_scan.off - fwd_cur.off)
		n = (ssize_t)(fwd_scan.off - fwd_cur.off);
	while (took < (size_t)n) {
		nl = memchr(p + took, '\n', (size_t)n - took);
		l = nl != NULL ? (size_t)(nl - (p + took)) : (size_t)n - took;
		if (sizeof(out) - used < 3 * l + 512)
			break;
		if (l > 0) {
			if ((m = rfc5424_frame(p + took, l, fwd_my.gateway,
			    (int)getpid(), out + used, sizeof(out) - used)) ==
			    0)
				break;
			used += m;
			sent++;
		}
		took += l + (nl != NULL);
		recs++;
	}
	if (used > 0 && (fwd_write(out, used) == -1 ||
	    fwd_wait_taken() == -1))
		return -1;
	fwd_cur.off += took;
	fwd_cursor_moved();
	__atomic_add_fetch(&fwd_sent, sent, __ATOMIC_RELAXED);
	__atomic_add_fetch(&fwd_taken_b, took, __ATOMIC_RELAXED);
	__atomic_add_fetch(&fwd_taken_r, recs, __ATOMIC_RELAXED);
	return 1;
}

/* The live target, when it changed: copied, the connection closed. */
static int
fwd_sync(void)
{
	int	on;

	pthread_mutex_lock(&fwd_mtx);
	on = fwd_live != NULL;
	if (fwd_my_gen != fwd_gen) {
		fwd_my_gen = fwd_gen;
		fwd_close();
		free(fwd_my.url);
		free(fwd_my.gateway);
		SSL_CTX_free(fwd_my.ctx);
		memset(&fwd_my, 0, sizeof(fwd_my));
		if (on) {
			fwd_my.url = strdup(fwd_live->url);
			fwd_my.gateway = strdup(fwd_live->gateway);
			fwd_my.addr = fwd_live->addr;
			fwd_my.tls = fwd_live->tls;
			if ((fwd_my.ctx = fwd_live->ctx) != NULL)
				SSL_CTX_up_ref(fwd_my.ctx);
			if (fwd_my.url == NULL || fwd_my.gateway == NULL) {
				fwd_my_gen--;	/* out of memory: next time */
				on = 0;
			}
		}
		fwd_quiet = 0;
	}
	pthread_mutex_unlock(&fwd_mtx);
	return on;
}

static void *
fwd_main(void *arg)
{
	uint64_t	retry = 0, backoff = 0, now;
	int		rc;

	(void)arg;
	fwd_cursor_load();
	while (!fwd_stopping()) {
		if (!fwd_sync()) {
			poll(NULL, 0, FWD_TICK_MS);
			continue;
		}
		fwd_scan_step();
		now = clock_ms(CLOCK_MONOTONIC);
		if (fwd_fd == -1 && now >= retry) {
			if (fwd_connect() == 0)
				backoff = 0;
			else {
				backoff = backoff == 0 ? 1000 : backoff * 2;
				if (backoff > FWD_BACKOFF_MAX * 1000)
					backoff = FWD_BACKOFF_MAX * 1000;
				retry = clock_ms(CLOCK_MONOTONIC) + backoff;
			}
		}
		if (fwd_fd == -1)
			poll(NULL, 0, FWD_TICK_MS);
		else if ((rc = fwd_send_step()) == -1 ||
		    (rc == 0 && fwd_idle() == -1)) {
			fwd_close();
			retry = clock_ms(CLOCK_MONOTONIC) + 1000;
		}
		fwd_cursor_save(0);
	}
	fwd_cursor_save(1);
	fwd_close();
	fwd_rd_close(&fwd_scan_rd);
	fwd_rd_close(&fwd_send_rd);
	free(fwd_my.url);
	free(fwd_my.gateway);
	SSL_CTX_free(fwd_my.ctx);
	memset(&fwd_my, 0, sizeof(fwd_my));
	return NULL;
}

/* ------------------------------------------------------------ interface */

int
forward_prepare(const struct forward_conf *fc, char *err, size_t len)
{
	struct fwd_target	*t;

	fwd_target_free(fwd_pending);
	fwd_pending = NULL;
	fwd_prepared = 1;
	if (fc->url == NULL)
		return 0;
	if ((t = calloc(1, sizeof(*t))) == NULL ||
	    (t->url = strdup(fc->url)) == NULL ||
	    (t->gateway = strdup(fc->gateway)) == NULL ||
	    (fc->ca != NULL && (t->ca = strdup(fc->ca)) == NULL)) {
		fwd_target_free(t);
		snprintf(err, len, "audit.syslog: out of memory");
		return -1;
	}
	t->addr = fc->addr;
	t->tls = fc->tls;
	if (t->tls) {
		/* the collector is verified, always: against audit.syslog_ca,
		   or the system's CAs */
		if ((t->ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
		    SSL_CTX_set_min_proto_version(t->ctx, TLS1_2_VERSION) != 1 ||
		    (t->ca != NULL ? SSL_CTX_load_verify_locations(t->ctx,
		    t->ca, NULL) : SSL_CTX_set_default_verify_paths(t->ctx)) !=
		    1) {
			snprintf(err, len, "audit.syslog_ca %s: cannot load: %s",
			    t->ca != NULL ? t->ca : "(the system's)",
			    ERR_reason_error_string(ERR_get_error()));
			ERR_clear_error();
			fwd_target_free(t);
			return -1;
		}
		SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
	}
	fwd_pending = t;
	return 0;
}

static int
fwd_str_eq(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a != NULL && b != NULL &&
	    strcmp(a, b) == 0);
}

int
forward_commit(const char *state_dir, char *err, size_t len)
{
	struct fwd_target	*old = NULL, *t = fwd_pending;

	if (!fwd_prepared)
		return 0;
	fwd_prepared = 0;
	fwd_pending = NULL;
	pthread_mutex_lock(&fwd_mtx);
	/* the same collector: the connection stays */
	if (t == NULL || fwd_live == NULL || !fwd_str_eq(t->url,
	    fwd_live->url) || !fwd_str_eq(t->ca, fwd_live->ca) ||
	    !fwd_str_eq(t->gateway, fwd_live->gateway)) {
		old = fwd_live;
		fwd_live = t;
		fwd_gen++;
	} else
		old = t;
	pthread_mutex_unlock(&fwd_mtx);
	fwd_target_free(old);
	if (fwd_running || fwd_live == NULL)
		return 0;
	snprintf(fwd_dir, sizeof(fwd_dir), "%s/audit", state_dir);
	if (pthread_create(&fwd_thr, NULL, fwd_main, NULL) != 0) {
		snprintf(err, len, "audit forward: cannot start its thread");
		return -1;
	}
	fwd_running = 1;
	return 0;
}

void
forward_stop(void)
{
	if (fwd_running) {
		__atomic_store_n(&fwd_stop_req, 1, __ATOMIC_RELEASE);
		pthread_join(fwd_thr, NULL);
		fwd_running = 0;
	}
	fwd_target_free(fwd_pending);
	fwd_pending = NULL;
	fwd_target_free(fwd_live);
	fwd_live = NULL;
}

void
forward_stats(struct forward_stats *st)
{
	uint64_t	sb, sr, tb, tr;

	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&fwd_mtx);
	if (fwd_live != NULL) {
		st->enabled = 1;
		snprintf(st->url, sizeof(st->url), "%s", fwd_live->url);
	}
	snprintf(st->cursor, sizeof(st->cursor), "%s", fwd_cursor_txt);
	pthread_mutex_unlock(&fwd_mtx);
	st->connected = __atomic_load_n(&fwd_connected, __ATOMIC_RELAXED);
	st->sent = __atomic_load_n(&fwd_sent, __ATOMIC_RELAXED);
	st->errors = __atomic_load_n(&fwd_errors, __ATOMIC_RELAXED);
	/* taken first: it never passes scanned */
	tb = __atomic_load_n(&fwd_taken_b, __ATOMIC_ACQUIRE);
	tr = __atomic_load_n(&fwd_taken_r, __ATOMIC_ACQUIRE);
	sb = __atomic_load_n(&fwd_scanned_b, __ATOMIC_ACQUIRE);
	sr = __atomic_load_n(&fwd_scanned_r, __ATOMIC_ACQUIRE);
	st->lag_bytes = sb > tb ? sb - tb : 0;
	st->lag_records = sr > tr ? sr - tr : 0;
}
