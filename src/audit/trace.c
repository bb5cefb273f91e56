/* SPDX-License-Identifier: ISC */
/*
 * Searching the audit log (see trace.h).  The files are one per UTC day,
 * so a query reads only the days its times touch.  A line is parsed only
 * when a cheap substring test says it may match (the gateway's address
 * and port, or the client's address), which keeps a day of millions of
 * lines a matter of seconds.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <zlib.h>

#include "archive.h"
#include "trace.h"

#define TRACE_LINE	8192
#define DAY_MS		86400000ULL
#define TRACE_MAX_SEC	253402300799ULL	/* 9999-12-31T23:59:59Z */

/* Exactly n decimal digits at *p (no sign, no space); advances *p. */
static int
trace_digits(const char **p, int n, int *v)
{
	*v = 0;
	for (; n > 0; n--, (*p)++) {
		if (**p < '0' || **p > '9')
			return -1;
		*v = *v * 10 + (**p - '0');
	}
	return 0;
}

static int
trace_mdays(int y, int m)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		return 29;
	return days[m - 1];
}

int
trace_time_parse(const char *s, uint64_t *ms)
{
	struct tm	 tm;
	const char	*p;
	uint64_t	 sec = 0, frac = 0;
	int		 digits = 0, oh, om, sign, y, mo, d, h, mi, se;
	time_t		 t;

	/* Unix seconds, maybe with a fraction */
	for (p = s; *p >= '0' && *p <= '9'; p++) {
		sec = sec * 10 + (uint64_t)(*p - '0');
		if (sec > TRACE_MAX_SEC)	/* past the year 9999 */
			return -1;
	}
	if (p > s && (*p == '\0' || *p == '.')) {
		if (*p == '.')
			for (p++; *p >= '0' && *p <= '9'; p++, digits++)
				if (digits < 3)
					frac = frac * 10 + (uint64_t)(*p - '0');
		if (*p != '\0')
			return -1;
		for (; digits < 3; digits++)
			frac *= 10;
		*ms = sec * 1000 + frac;
		return 0;
	}
	/* RFC 3339: YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM), exactly */
	p = s;
	if (trace_digits(&p, 4, &y) == -1 || *p++ != '-' ||
	    trace_digits(&p, 2, &mo) == -1 || *p++ != '-' ||
	    trace_digits(&p, 2, &d) == -1 ||
	    (*p != 'T' && *p != 't' && *p != ' ') ||
	    (p++, trace_digits(&p, 2, &h) == -1) || *p++ != ':' ||
	    trace_digits(&p, 2, &mi) == -1 || *p++ != ':' ||
	    trace_digits(&p, 2, &se) == -1)
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > trace_mdays(y, mo) ||
	    h > 23 || mi > 59 || se > 60)
		return -1;
	if (*p == '.') {
		if (p[1] < '0' || p[1] > '9')
			return -1;
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				frac = frac * 10 + (uint64_t)(*p - '0');
	}
	for (; digits < 3; digits++)
		frac *= 10;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (trace_digits(&p, 2, &oh) == -1 || *p++ != ':' ||
		    trace_digits(&p, 2, &om) == -1 || oh > 23 || om > 59)
			return -1;
		/* local = UTC + offset */
		t -= sign * (oh * 3600 + om * 60);
	} else
		return -1;
	if (*p != '\0' || t < 0 || (uint64_t)t > TRACE_MAX_SEC)
		return -1;
	*ms = (uint64_t)t * 1000 + frac;
	return 0;
}

static const char *
trace_str(json_object *o, const char *k)
{
	json_object	*v;

	return json_object_object_get_ex(o, k, &v) &&
	    json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}

/* A record's open and close times (close: now if still open). */
static int
trace_times(json_object *o, uint64_t *open, uint64_t *close)
{
	const char	*t;

	if ((t = trace_str(o, "open")) == NULL ||
	    trace_time_parse(t, open) == -1)
		return -1;
	if ((t = trace_str(o, "close")) == NULL)
		*close = (uint64_t)time(NULL) * 1000;
	else if (trace_time_parse(t, close) == -1)
		return -1;
	return 0;
}

struct trace_match {
	json_object	*o;
	char		*line;
	int		 closed;
	int		 show;
	uint64_t	 open, close;	/* widened by poll_ms */
	int		 has_close;	/* close is a time, not "now" */
	uint64_t	 at;		/* the record's: close, or open */
	size_t		 dir;		/* whose audit log */
	size_t		 seq;		/* the order read */
	char		 id[64];
};

struct trace_ctx {
	const struct trace_query	*q;
	char				 needle[80];
	struct trace_match		*m;
	size_t				 n;
	size_t				 dir;	/* being read */
};

static void
trace_line(struct trace_ctx *cx, const char *line)
{
	const struct trace_query	*q = cx->q;
	struct trace_match		*m;
	union addr_sa			 a;
	json_object			*o;
	const char			*s;
	uint64_t			 open, close;
	char				 err[64];

	if (strstr(line, cx->needle) == NULL)
		return;
	if ((o = json_tokener_parse(line)) == NULL)
		return;
	if (trace_times(o, &open, &close) == -1)
		goto no;
	{
		/* a NAT64 mapping's times are within its poll interval */
		json_object *v;

		if (json_object_object_get_ex(o, "poll_ms", &v)) {
			uint64_t p = (uint64_t)json_object_get_int64(v);

			open = open > p ? open - p : 0;
			close += p;
		}
	}
	if (q->mode == TRACE_PEER) {
		/* the window is applied in trace_run: a line without a close
		   time ends where the next user of the port began */
		if (q->has_server && ((s = trace_str(o, "backend")) == NULL ||
		    addr_parse_endpoint(s, &a, err, sizeof(err)) == -1 ||
		    !addr_equal(&a, &q->server)))
			goto no;
		/* the needle may have matched another field */
		if ((s = trace_str(o, "local")) == NULL ||
		    addr_parse_endpoint(s, &a, err, sizeof(err)) == -1 ||
		    !addr_equal(&a, &q->peer))
			goto no;
	} else {
		if (open > q->to_ms || close < q->from_ms)
			goto no;
		if ((s = trace_str(o, "client")) == NULL ||
		    addr_parse_endpoint(s, &a, err, sizeof(err)) == -1 ||
		    !addr_in_prefix(&a, &q->prefix, q->prefix_len))
			goto no;
	}
	if ((m = reallocarray(cx->m, cx->n + 1, sizeof(*m))) == NULL)
		goto no;
	cx->m = m;
	m = &cx->m[cx->n];
	if ((m->line = strdup(line)) == NULL)
		goto no;
	m->o = o;
	m->closed = (s = trace_str(o, "event")) != NULL &&
	    strcmp(s, "close") == 0;
	m->open = open;
	m->close = close;
	m->has_close = trace_str(o, "close") != NULL;
	m->at = m->has_close ? close : open;
	m->dir = cx->dir;
	m->seq = cx->n;
	m->show = 0;
	snprintf(m->id, sizeof(m->id), "%s", (s = trace_str(o, "id")) ?
	    s : "");
	/* the same line twice (a day being archived, read as both the
	   plain and the archived file); ids are a gateway's own */
	for (size_t i = 0; i < cx->n; i++)
		if (cx->m[i].closed == m->closed && cx->m[i].dir == m->dir &&
		    strcmp(cx->m[i].id, m->id) == 0) {
			free(m->line);
			goto no;
		}
	cx->n++;
	return;
no:
	json_object_put(o);
}

/* The members of an archived day that can hold the gateway port. */
static int
trace_indexed(struct trace_ctx *cx, const char *gz, const char *idx)
{
	struct archive_chunk	*c;
	char			 line[TRACE_LINE];
	uint64_t		 got;
	size_t			 n, i;
	gzFile			 f;
	int			 fd;

	if (archive_lookup(idx, addr_port(&cx->q->peer), &c, &n) == -1)
		return -1;
	if (access(gz, R_OK) == -1) {
		free(c);
		return -1;	/* nothing read yet: the caller reads it all */
	}
	for (i = 0; i < n; i++) {
		if ((fd = open(gz, O_RDONLY | O_CLOEXEC)) == -1 ||
		    lseek(fd, (off_t)c[i].offset, SEEK_SET) == -1 ||
		    (f = gzdopen(fd, "rb")) == NULL) {
			if (fd != -1)
				close(fd);
			continue;
		}
		/* its lines only: the reader would go on into the next */
		for (got = 0; got < c[i].length &&
		    gzgets(f, line, sizeof(line)) != NULL; )
		{
			got += strlen(line);
			trace_line(cx, line);
		}
		gzclose(f);
	}
	free(c);
	return 0;
}

static void
trace_file(struct trace_ctx *cx, const char *path)
{
	char	line[TRACE_LINE];
	gzFile	f;

	if ((f = gzopen(path, "rb")) == NULL)
		return;		/* no file that day: no connection */
	gzbuffer(f, 256 * 1024);
	while (gzgets(f, line, sizeof(line)) != NULL)
		trace_line(cx, line);
	gzclose(f);
}

/*
 * One day: its plain file (being written, or waiting to be archived) and
 * its archive, which both exist only if the clock stepped back over it; of
 * the archive, by the gateway port, only what can hold it.
 */
static void
trace_day(struct trace_ctx *cx, const char *dir, uint64_t day_ms)
{
	char		 day[16], path[4200], idx[4300];
	time_t		 t = (time_t)(day_ms / 1000);
	struct tm	 tm;
	struct stat	 sb;

	gmtime_r(&t, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	snprintf(path, sizeof(path), "%s/audit-%s.jsonl", dir, day);
	if (stat(path, &sb) == 0)
		trace_file(cx, path);
	snprintf(path, sizeof(path), "%s/audit-%s.jsonl.gz", dir, day);
	snprintf(idx, sizeof(idx), "%s/audit-%s.jsonl.idx", dir, day);
	if (stat(path, &sb) == -1)
		return;
	if (cx->q->mode == TRACE_PEER && stat(idx, &sb) == 0 &&
	    trace_indexed(cx, path, idx) == 0)
		return;
	trace_file(cx, path);
}

/*
 * The text every client in the prefix starts with, as the log writes
 * addresses (RFC 5952, as inet_ntop): its whole 16-bit groups up to the
 * first zero one (where "::" may begin), or its whole IPv4 octets.
 */
static void
trace_client_needle(const struct trace_query *q, char *buf, size_t len)
{
	const uint8_t	*b;
	size_t		 o;
	int		 i;

	o = (size_t)snprintf(buf, len, "\"client\":\"%s",
	    q->prefix.sa.sa_family == AF_INET6 ? "[" : "");
	if (q->prefix.sa.sa_family == AF_INET6) {
		b = q->prefix.sin6.sin6_addr.s6_addr;
		/* at most 7 groups: the 8th is followed by "]", not ":" */
		for (i = 0; i < q->prefix_len / 16 && i < 7 && o < len; i++) {
			unsigned g = (unsigned)b[2 * i] << 8 | b[2 * i + 1];

			if (g == 0)
				break;
			o += (size_t)snprintf(buf + o, len - o, "%x:", g);
		}
	} else {
		b = (const uint8_t *)&q->prefix.sin.sin_addr;
		for (i = 0; i < q->prefix_len / 8 && i < 4 && o < len; i++)
			o += (size_t)snprintf(buf + o, len - o, "%u%s", b[i],
			    i < 3 ? "." : ":");
	}
}

/* Several gateways' records in the time of each record (close, else
   open); a gateway's own in the order read. */
static int
trace_by_time(const void *a, const void *b)
{
	const struct trace_match	*x = a, *y = b;

	if (x->at != y->at)
		return x->at < y->at ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

long
trace_run(const char *const *dirs, size_t ndirs, const struct trace_query *q,
    trace_fn *fn, void *arg, char *err, size_t errlen)
{
	struct trace_ctx	 cx;
	struct stat		 sb;
	uint64_t		 from, to, d;
	char			 ip[64];
	size_t			 i, j;
	long			 n = 0;

	for (i = 0; i < ndirs; i++)
		if (stat(dirs[i], &sb) == -1 || !S_ISDIR(sb.st_mode)) {
			snprintf(err, errlen, "no audit log at %s: %s",
			    dirs[i], stat(dirs[i], &sb) == -1 ?
			    strerror(errno) : "not a directory");
			return -1;
		}
	memset(&cx, 0, sizeof(cx));
	cx.q = q;
	if (q->mode == TRACE_PEER) {
		/* as written: "local":"10.1.0.1:40012" */
		snprintf(cx.needle, sizeof(cx.needle), "\"local\":\"%s\"",
		    addr_fmt(&q->peer, ip, sizeof(ip)));
		from = q->at_ms > q->skew_ms ? q->at_ms - q->skew_ms : 0;
		to = q->at_ms + q->skew_ms;
	} else {
		trace_client_needle(q, cx.needle, sizeof(cx.needle));
		from = q->from_ms;
		to = q->to_ms;
	}
	/* records are written at close: up to a day after */
	for (cx.dir = 0; cx.dir < ndirs; cx.dir++)
		for (d = from - from % DAY_MS; d <= to + DAY_MS; d += DAY_MS)
			trace_day(&cx, dirs[cx.dir], d);
	/*
	 * The close records; an open record only for a connection that has
	 * none (still open, or its daemon was killed).  Such a record ends,
	 * for --peer, where the next record of the same port begins: the
	 * port was another connection's then.  All of it within a gateway:
	 * ids and ports are its own.
	 */
	for (i = 0; i < cx.n; i++) {
		struct trace_match *m = &cx.m[i];

		m->show = m->closed;
		if (!m->show) {
			m->show = 1;
			for (j = 0; j < cx.n; j++)
				if (cx.m[j].closed && cx.m[j].dir == m->dir &&
				    strcmp(cx.m[j].id, m->id) == 0)
					m->show = 0;
		}
		if (q->mode != TRACE_PEER || !m->show)
			continue;
		if (!m->has_close)
			for (j = 0; j < cx.n; j++)
				if (cx.m[j].dir == m->dir &&
				    cx.m[j].open > m->open &&
				    cx.m[j].open < m->close)
					m->close = cx.m[j].open;
		if (m->open > q->at_ms + q->skew_ms ||
		    m->close + q->skew_ms < q->at_ms)
			m->show = 0;
	}
	if (ndirs > 1 && cx.n > 1)
		qsort(cx.m, cx.n, sizeof(*cx.m), trace_by_time);
	for (i = 0; i < cx.n; i++)
		if (cx.m[i].show) {
			fn(arg, cx.m[i].dir, cx.m[i].o, cx.m[i].line);
			n++;
		}
	for (i = 0; i < cx.n; i++) {
		json_object_put(cx.m[i].o);
		free(cx.m[i].line);
	}
	free(cx.m);
	return n;
}
