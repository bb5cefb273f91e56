/* SPDX-License-Identifier: ISC */
#ifndef V6G_LOG_H
#define V6G_LOG_H

/*
 * Logging: to stderr in the foreground (-f), to syslog otherwise, to both
 * while a daemon started by hand is starting.
 * log_warn() appends strerror(errno); log_warnx() does not.  Levels follow
 * syslog: err = the operator must act, warning = degraded, info = lifecycle,
 * debug (-v) = per-connection detail.  Thread-safe: one write per line.
 */

#include <stdarg.h>

/* Where lines go: stderr, syslog, or both (a daemon starting by hand). */
#define LOG_TO_STDERR	0x01
#define LOG_TO_SYSLOG	0x02

void	log_init(const char *ident, int to, int verbose);
void	log_setverbose(int verbose);
int	log_getverbose(void);
void	log_err(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warn(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_warnx(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_info(const char *, ...) __attribute__((format(printf, 1, 2)));
void	log_debug(const char *, ...) __attribute__((format(printf, 1, 2)));
void	fatal(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
void	fatalx(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));

/*
 * The last LOG_RECENT lines of info level and above (not debug: those are
 * per connection), kept in memory for the dashboard's "recent events".
 * Copied newest first into out[max]; returns how many.
 */
#define LOG_RECENT	32
struct log_line {
	long	 t;		/* Unix seconds */
	int	 pri;		/* LOG_ERR ... LOG_INFO */
	char	 text[240];
};
unsigned	log_recent(struct log_line *out, unsigned max);

/* log_debug() is costly to format: test before building arguments. */
#define LOG_DEBUGGING()	(log_getverbose() > 0)

#endif
