/* SPDX-License-Identifier: ISC */
/*
 * Logging for v6gated and v6gatectl.  In the foreground every line goes to
 * stderr prefixed with the program name; in the background to syslog
 * (LOG_DAEMON); while a daemon started by hand is starting, to both.  A
 * line is formatted in full before it is written, so lines from worker
 * threads never interleave.  The last lines above debug stay in memory
 * (log_recent()) for the dashboard.
 */

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char	*log_ident = "v6gate";
static struct log_line	 log_ring[LOG_RECENT];
static unsigned		 log_ring_n;	/* lines ever kept */
static pthread_mutex_t	 log_ring_lock = PTHREAD_MUTEX_INITIALIZER;
static int		 log_to = LOG_TO_STDERR;
static int		 log_verbose;

void
log_init(const char *ident, int to, int verbose)
{
	log_ident = ident;
	log_to = to;
	log_verbose = verbose;
	if (to & LOG_TO_SYSLOG)
		openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void
log_setverbose(int verbose)
{
	log_verbose = verbose;
}

int
log_getverbose(void)
{
	return log_verbose;
}

static void __attribute__((format(printf, 2, 0)))
log_vwrite(int pri, const char *fmt, va_list ap, int with_errno)
{
	char	 line[2048];
	int	 saved = errno, n;

	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0)
		return;
	if (n >= (int)sizeof(line))
		n = sizeof(line) - 1;
	if (with_errno)
		snprintf(line + n, sizeof(line) - n, ": %s", strerror(saved));
	if (log_to & LOG_TO_STDERR) {
		char	out[2200];
		int	m;

		m = snprintf(out, sizeof(out), "%s: %s\n", log_ident, line);
		if (m > (int)sizeof(out) - 1)
			m = sizeof(out) - 1;
		(void)!write(STDERR_FILENO, out, m);
	}
	if (log_to & LOG_TO_SYSLOG)
		syslog(pri, "%s", line);
	if (pri != LOG_DEBUG) {
		struct log_line	*l;

		pthread_mutex_lock(&log_ring_lock);
		l = &log_ring[log_ring_n++ % LOG_RECENT];
		l->t = (long)time(NULL);
		l->pri = pri;
		/* (cut to fit: a dashboard line) */
		memcpy(l->text, line, sizeof(l->text) - 1);
		l->text[sizeof(l->text) - 1] = '\0';
		pthread_mutex_unlock(&log_ring_lock);
	}
	errno = saved;
}

unsigned
log_recent(struct log_line *out, unsigned max)
{
	unsigned	i, n;

	pthread_mutex_lock(&log_ring_lock);
	n = log_ring_n < LOG_RECENT ? log_ring_n : LOG_RECENT;
	if (n > max)
		n = max;
	for (i = 0; i < n; i++)
		out[i] = log_ring[(log_ring_n - 1 - i) % LOG_RECENT];
	pthread_mutex_unlock(&log_ring_lock);
	return n;
}

void
log_err(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_ERR, fmt, ap, 0);
	va_end(ap);
}

void
log_warn(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, fmt, ap, 1);
	va_end(ap);
}

void
log_warnx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_WARNING, fmt, ap, 0);
	va_end(ap);
}

void
log_info(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_INFO, fmt, ap, 0);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list	ap;

	if (log_verbose <= 0)
		return;
	va_start(ap, fmt);
	log_vwrite(LOG_DEBUG, fmt, ap, 0);
	va_end(ap);
}

void
fatal(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, fmt, ap, 1);
	va_end(ap);
	exit(1);
}

void
fatalx(const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	log_vwrite(LOG_CRIT, fmt, ap, 0);
	va_end(ap);
	exit(1);
}
