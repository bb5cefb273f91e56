/* SPDX-License-Identifier: ISC */
/*
 * v6gated: the gateway daemon.  This file owns the process: options, the
 * config file's life (load, check, reload), signals, the control socket and
 * the handshake with systemd.  The data plane lives in src/proxy/.
 *
 * Reload (SIGHUP or "v6gatectl reload"): load and check the file into a new
 * snapshot; if anything is wrong, keep the running one and say why; else
 * make it live.  Established connections keep the snapshot they started
 * with, so a reload never drops them.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "api/backends.h"
#include "api/command.h"
#include "api/control.h"
#include "api/http.h"
#include "api/metrics.h"
#include "acct/clientq.h"
#include "acct/clients.h"
#include "acct/history.h"
#include "acct/kcount.h"
#include "audit/audit.h"
#include "check/check.h"
#include "audit/mapping.h"
#include "api/stats.h"
#include "api/status.h"
#include "conf/conf.h"
#include "config.h"
#include "clock.h"
#include "log.h"
#include "jool/translator.h"
#include "pool/state.h"
#include "proxy/proxy.h"
#include "snap/snap.h"

static const char		*conffile = V6G_CONF_FILE;
static struct snap		*live;	/* the running configuration */
static struct status_daemon	 daemon_info;
static int			 control_fd = -1;
static char			*control_path;
static int			 quit;

static void __attribute__((noreturn))
usage(FILE *out, int status)
{
	fprintf(out,
	    "usage: v6gated [-fhtvV] [-c file]\n"
	    "       v6gated [-c file] --teardown\n"
	    "  -c file  configuration file (default %s)\n"
	    "  -t       check the configuration and exit\n"
	    "  -f       stay in the foreground, log to stderr\n"
	    "  -v       verbose: log every connection\n"
	    "  -V       print the version and exit\n"
	    "  -h       this help\n"
	    "  --teardown  remove the Jool instances and the nftables table\n"
	    "           v6gate created (only those), and exit\n", V6G_CONF_FILE);
	exit(status);
}

/* Print a report's messages; returns the number of errors. */
static size_t
report_print(const struct conf_report *rep, FILE *out)
{
	size_t	i;

	for (i = 0; i < rep->nwarnings; i++)
		fprintf(out, "v6gated: warning: %s\n", rep->warnings[i]);
	for (i = 0; i < rep->nerrors; i++)
		fprintf(out, "v6gated: %s\n", rep->errors[i]);
	return rep->nerrors;
}

static int
check_only(void)
{
	struct conf_report	 rep;
	struct gw_conf		*gc;

	gc = conf_load(conffile, &rep);
	report_print(&rep, stderr);
	if (gc == NULL) {
		fprintf(stderr, "v6gated: %s: %zu error%s\n", conffile,
		    rep.nerrors, rep.nerrors == 1 ? "" : "s");
		conf_report_free(&rep);
		return 1;
	}
	printf("configuration OK\n");
	conf_report_free(&rep);
	conf_free(gc);
	return 0;
}

/*
 * --teardown: what v6gate created in the kernel goes, nothing else.  The
 * state_dir holding the list comes from the file; a file with errors
 * falls back to the default, and says so.
 */
static int
teardown_only(void)
{
	struct conf_report	 rep;
	struct gw_conf		*gc;
	const char		*state_dir = V6G_STATE_DIR;
	char			 err[1024];
	int			 rc;

	if ((gc = conf_load(conffile, &rep)) != NULL)
		state_dir = gc->state_dir;
	else
		fprintf(stderr, "v6gated: %s has errors; using the default "
		    "state_dir %s\n", conffile, state_dir);
	conf_report_free(&rep);
	rc = translator_teardown(state_dir, err, sizeof(err));
	if (rc == -1)
		fprintf(stderr, "v6gated: teardown: %s\n", err);
	conf_free(gc);
	return rc == 0 ? 0 : 1;
}

static int	audit_started;	/* the audit log runs (from the start) */

static int
workers_for(const struct gw_conf *gc)
{
	long	n;

	if (gc->workers > 0)
		return gc->workers;
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

/* Jool's mappings into the audit log, every MAPPING_POLL_MS. */
static void
mapping_due(const struct gw_conf *gc)
{
	static struct timespec	last;
	static time_t		warned;
	struct timespec		now;
	char			err[512];

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (last.tv_sec != 0 && (now.tv_sec - last.tv_sec) * 1000 +
	    (now.tv_nsec - last.tv_nsec) / 1000000 < MAPPING_POLL_MS)
		return;
	last = now;
	if (mapping_poll(gc, err, sizeof(err)) == -1 &&
	    now.tv_sec - warned >= 60) {
		log_warnx("audit log: NAT64 mappings: %s", err);
		warned = now.tv_sec;
	}
}

/*
 * Carry the translator's plan out, counted: what the guard's elements hold
 * is read before it changes them (all of them when its table goes or is
 * made again), and the counters follow the elements' owners after.  The
 * plan is freed.  0, or -1 with err.
 */
static int
translator_go(const struct gw_conf *gc, struct translator_plan *tp,
    char *err, size_t errlen)
{
	char	e[512];
	int	rc;

	if (tp->needed && kcount_before(gc, &tp->guard, e, sizeof(e)) == -1)
		log_warnx("%s", e);
	rc = translator_commit(gc, tp, err, errlen);
	if (tp->guarded && kcount_apply(gc, &tp->guard.want) == -1 &&
	    rc == 0) {
		snprintf(err, errlen, "nftables counters: out of memory");
		rc = -1;
	}
	translator_discard(tp);
	return rc;
}

/* A reload's checkpoint, due once its reply is out. */
static int	checkpoint_soon;

/* A checkpoint now, with the retention of the running configuration. */
static void
checkpoint_now(enum history_how how)
{
	const struct gw_conf	*cur = live->conf;
	struct store_retention	 r = { cur->acct_minutes, cur->acct_days };

	history_checkpoint(&r, how);
}

/*
 * Tell the history which services exist and which client families can
 * reach them: a proxy service by its listeners, a nat64 service from IPv6
 * only, a siit service (whose IPv4 clients are the ones counted) from
 * IPv4.
 */
static void
history_services_set(const struct gw_conf *gc)
{
	size_t	i, l;
	int	v6, v4;

	history_services_clear();
	for (i = 0; i < gc->nservices; i++) {
		const struct conf_service *s = &gc->services[i];

		/* nat64 serves IPv6 clients; siit, as counted, IPv4 ones */
		v6 = s->mode == CONF_NAT64;
		v4 = s->mode == CONF_SIIT;
		for (l = 0; l < s->nlisteners; l++) {
			if (s->listeners[l]->addr.sa.sa_family == AF_INET6)
				v6 = 1;
			else
				v4 = 1;
		}
		history_service(s->name, conf_mode_name(s->mode), v6, v4);
	}
}

static uint32_t	live_gen;	/* of the last snapshot made */

/*
 * A snapshot of gc (taken), its links filled: each service's counters and
 * each proxy backend's live state, found by name, so that they go on
 * across reloads.  NULL with err when out of memory.
 */
static struct snap *
live_make(struct gw_conf *gc, char *err, size_t errlen)
{
	struct snap	*sn;
	size_t		 i, j;

	if ((sn = snap_new(gc)) == NULL)
		goto oom;
	live_gen++;
	for (i = 0; i < sn->conf->nservices; i++) {
		const struct conf_service *s = &sn->conf->services[i];

		if ((sn->svc[i].acct = acct_service_get(s->name)) == NULL)
			goto oom;
		for (j = 0; j < s->nbackends; j++) {
			if ((sn->svc[i].st[j] = pool_state_get(s->name,
			    s->backends[j].text)) == NULL)
				goto oom;
			sn->svc[i].st[j]->gen = live_gen;
		}
	}
	return sn;
oom:
	snap_release(sn);
	snprintf(err, errlen, "out of memory");
	return NULL;
}

/*
 * sn went live: it replaces the daemon's reference to the previous one,
 * and the backends that only the previous one had forget the operator's
 * drain (pool_state_sweep()).
 */
static void
live_set(struct snap *sn)
{
	snap_release(live);
	live = sn;
	pool_state_sweep(live_gen);
}

/*
 * Reload from conffile.  Messages go to the log and, when out is not NULL,
 * to the v6gatectl that asked.  Returns 0 or -1 (running config kept).
 */
static int
reload(FILE *out, int recreate)
{
	struct conf_report	 rep;
	struct translator_plan	 tp;
	struct gw_conf		*gc;
	struct snap		*sn;
	const struct gw_conf	*cur = live->conf;
	char			 err[1024];
	size_t			 i;
	uint64_t		 t0 = clock_ms(CLOCK_MONOTONIC), tconf;

	sd_notifyf(0, "RELOADING=1\nSTATUS=reloading %s", conffile);
	log_info("reloading %s", conffile);
	gc = conf_load(conffile, &rep);
	tconf = clock_ms(CLOCK_MONOTONIC) - t0;
	for (i = 0; i < rep.nwarnings; i++) {
		log_warnx("warning: %s", rep.warnings[i]);
		if (out)
			fprintf(out, "warning: %s\n", rep.warnings[i]);
	}
	if (gc == NULL) {
		for (i = 0; i < rep.nerrors; i++) {
			log_warnx("%s", rep.errors[i]);
			if (out)
				fprintf(out, "%s\n", rep.errors[i]);
		}
		snprintf(err, sizeof(err), "%s: %zu error%s, reload refused; "
		    "the running configuration stays", conffile, rep.nerrors,
		    rep.nerrors == 1 ? "" : "s");
		goto fail;
	}
	if (workers_for(gc) != proxy_workers()) {
		snprintf(err, sizeof(err), "gateway.workers changes from %d "
		    "to %d: takes effect at the next restart",
		    proxy_workers(), workers_for(gc));
		log_warnx("%s", err);
		if (out)
			fprintf(out, "warning: %s\n", err);
	}
	if (gc->http_on != cur->http_on || (gc->http_on &&
	    !addr_equal(&gc->http, &cur->http))) {
		snprintf(err, sizeof(err), "gateway.http changes: takes "
		    "effect at the next restart");
		log_warnx("%s", err);
		if (out)
			fprintf(out, "warning: %s\n", err);
	}
	if (strcmp(gc->state_dir, cur->state_dir) != 0) {
		snprintf(err, sizeof(err), "gateway.state_dir changes from %s "
		    "to %s: takes effect at the next restart (move %s/v6gate.db "
		    "there first)", cur->state_dir, gc->state_dir,
		    cur->state_dir);
		log_warnx("%s", err);
		if (out)
			fprintf(out, "warning: %s\n", err);
	}
	if (strcmp(gc->control_socket, cur->control_socket) != 0) {
		snprintf(err, sizeof(err), "gateway.control_socket changes "
		    "from %s to %s: takes effect at the next restart",
		    cur->control_socket, gc->control_socket);
		log_warnx("%s", err);
		if (out)
			fprintf(out, "warning: %s\n", err);
	}
	if (gc->audit_on && !audit_started) {
		snprintf(err, sizeof(err), "audit.enabled: the audit log "
		    "starts at the next restart");
		log_warnx("%s", err);
		if (out)
			fprintf(out, "warning: %s\n", err);
	}
	/* The translator's plan first: a refusal there changes nothing. */
	if (translator_prepare(gc, recreate, &tp, err, sizeof(err)) == -1) {
		conf_free(gc);
		log_warnx("%s", err);
		if (out)
			fprintf(out, "%s\n", err);
		snprintf(err, sizeof(err), "reload refused; the running "
		    "configuration stays");
		goto fail;
	}
	if ((sn = live_make(gc, err, sizeof(err))) == NULL ||
	    proxy_apply(sn, check_fds(gc), err, sizeof(err)) == -1) {
		translator_discard(&tp);
		snap_release(sn);
		log_warnx("%s", err);
		if (out)
			fprintf(out, "%s\n", err);
		snprintf(err, sizeof(err), "reload refused; the running "
		    "configuration stays");
		goto fail;
	}
	conf_report_free(&rep);
	live_set(sn);
	cur = live->conf;
	if (check_apply(live, err, sizeof(err)) == -1)
		log_warnx("health checks: %s; the previous checks go on", err);
	clients_set_limit(cur->acct_clients_exact);
	history_services_set(cur);
	audit_set_days(cur->audit_days);
	daemon_info.loaded = time(NULL);
	daemon_info.reloads++;
	if (translator_go(cur, &tp, err, sizeof(err)) == -1) {
		/* the kernel refused what was checked: say it loudly */
		log_err("reloaded %s, but the translator failed: %s", conffile,
		    err);
		if (out)
			fprintf(out, "reloaded %s, but the translator failed: "
			    "%s\n", conffile, err);
		sd_notify(0, "READY=1\nSTATUS=reloaded; translator error");
		return -1;
	}
	/* the last reads of removed nftables counters are in memory only:
	   into the history before anything else, once the reply is out */
	checkpoint_soon = 1;
	/* what a big config costs: the translator logs its own part */
	log_info("reloaded %s: %zu services, %zu listeners (%llu ms, %llu of "
	    "them reading the file)", conffile, cur->nservices,
	    cur->nlisteners, (unsigned long long)(clock_ms(CLOCK_MONOTONIC) - t0),
	    (unsigned long long)tconf);
	if (out)
		fprintf(out, "reloaded %s: %zu services, %zu listeners\n",
		    conffile, cur->nservices, cur->nlisteners);
	sd_notifyf(0, "READY=1\nSTATUS=%zu services, %zu listeners",
	    cur->nservices, cur->nlisteners);
	return 0;
fail:
	conf_report_free(&rep);
	daemon_info.reload_failures++;
	log_warnx("%s", err);
	if (out)
		fprintf(out, "%s\n", err);
	sd_notify(0, "READY=1\nSTATUS=reload refused, running the previous "
	    "configuration");
	return -1;
}

/* The HTTP endpoint's bodies: /metrics and /status, fresh each time. */
static char *
http_body(const char *path, const char **type)
{
	json_object	*st;
	char		*body = NULL;
	size_t		 len = 0;
	FILE		*out;

	if (strcmp(path, "/metrics") != 0 && strcmp(path, "/status") != 0)
		return NULL;
	if ((out = open_memstream(&body, &len)) == NULL)
		return NULL;
	st = status_json(&daemon_info, live);
	if (strcmp(path, "/metrics") == 0) {
		json_object	*bk = backends_json(live);

		*type = "text/plain; version=0.0.4; charset=utf-8";
		metrics_render(st, out);
		metrics_backends(bk, out);
		json_object_put(bk);
	} else {
		*type = "application/json";
		fprintf(out, "%s\n", json_object_to_json_string_ext(st,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	}
	json_object_put(st);
	fclose(out);
	return body;
}

/*
 * A report to the v6gatectl that asked: the JSON of shown (the report or
 * a member of it) or the report's text form.  Frees the report.
 */
static int
control_reply(FILE *out, json_object *st, json_object *shown, int json,
    void (*text)(json_object *, FILE *))
{
	if (json)
		fprintf(out, "%s\n", json_object_to_json_string_ext(shown,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		text(st, out);
	json_object_put(st);
	return 0;
}

/*
 * The answers to the control requests (api/command.h): each gets the words
 * after its request's own, and writes the reply's body to out; 0 or -1.
 */
typedef int	answer_fn(int, char **, FILE *);

/* "status json", "jool json", "jool sessions json": the JSON form */
static int
answer_wants_json(int argc, char **argv)
{
	return argc > 0 && strcmp(argv[0], "json") == 0;
}

static int
answer_status(int argc, char **argv, FILE *out)
{
	json_object	*st = status_json(&daemon_info, live);

	return control_reply(out, st, st, answer_wants_json(argc, argv),
	    status_text);
}

static int
answer_reload(int argc, char **argv, FILE *out)
{
	return reload(out, argc > 0 && strcmp(argv[0], "recreate-nat64") == 0);
}

static int
answer_jool_sessions(int argc, char **argv, FILE *out)
{
	json_object	*st = translator_sessions(live->conf);

	return control_reply(out, st, st, answer_wants_json(argc, argv),
	    translator_sessions_text);
}

static int
answer_jool(int argc, char **argv, FILE *out)
{
	json_object	*st = translator_status(live->conf);

	return control_reply(out, st, st, answer_wants_json(argc, argv),
	    translator_status_text);
}

static int
answer_services(int argc, char **argv, FILE *out)
{
	json_object	*st = status_json(&daemon_info, live);

	return control_reply(out, st, json_object_object_get(st, "services"),
	    answer_wants_json(argc, argv), status_services_text);
}

/* "stats [json] [service NAME]", in any order */
static int
answer_stats(int argc, char **argv, FILE *out)
{
	json_object	*st;
	const char	*svc = NULL;
	char		 err[256];
	int		 i, json = 0;

	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], "json") == 0)
			json = 1;
		else if (strcmp(argv[i], "service") == 0 && i + 1 < argc)
			svc = argv[++i];
	if ((st = stats_json(live, svc, err, sizeof(err))) == NULL) {
		fprintf(out, "%s\n", err);
		return -1;
	}
	return control_reply(out, st, st, json, stats_text);
}

static int
answer_backends(int argc, char **argv, FILE *out)
{
	json_object	*st = backends_json(live);

	return control_reply(out, st, st, answer_wants_json(argc, argv),
	    backends_text);
}

/* "drain SERVICE BACKEND", "enable SERVICE BACKEND" */
static int
answer_drain_set(char **argv, int drain, FILE *out)
{
	char	msg[256];
	int	rc;

	rc = backends_drain(live, argv[0], argv[1], drain, msg,
	    sizeof(msg));
	fprintf(out, "%s\n", msg);
	return rc;
}

static int
answer_drain(int argc, char **argv, FILE *out)
{
	return answer_drain_set(argv, 1, out);
}

static int
answer_enable(int argc, char **argv, FILE *out)
{
	return answer_drain_set(argv, 0, out);
}

static int
answer_ping(int argc, char **argv, FILE *out)
{
	fprintf(out, "pong\n");
	return 0;
}

/* One per request of the table; a row without its answer_ does not build. */
#define ANSWER_DAEMON(id, fn)	[id] = answer_##fn,
#define ANSWER_REQUEST(id, fn)	[id] = answer_##fn,
#define ANSWER_LOCAL(id, fn)
#define ANSWER(ID, where, cli, answer, ...) \
	ANSWER_##where(CMD_##ID, answer)
static answer_fn *const answers[CMD_NCOMMANDS] = {
	COMMANDS(ANSWER)
};

static int
control_dispatch(int argc, char **argv, FILE *out)
{
	const struct command	*c;
	int			 n;

	if ((c = command_match(argc, argv, &n)) == NULL) {
		fprintf(out, "unknown request \"%s\"\n", argv[0]);
		return -1;
	}
	return answers[c->id](argc - n, argv + n, out);
}

/*
 * Become a daemon (by hand, without -f, outside systemd) in a way that a
 * failed start is still seen: the parent waits until the child is serving
 * or has died, and exits 0 or 1 accordingly; the child keeps the terminal
 * as its stderr until then, so startup errors show where they were asked
 * for.  Returns, in the child, the fd to report success on.
 */
static int
daemon_begin(void)
{
	int	p[2];
	char	c;
	pid_t	pid;

	if (pipe2(p, O_CLOEXEC) == -1) {
		perror("v6gated: pipe");
		exit(1);
	}
	if ((pid = fork()) == -1) {
		perror("v6gated: fork");
		exit(1);
	}
	if (pid == 0) {
		close(p[0]);
		setsid();
		return p[1];
	}
	close(p[1]);
	exit(read(p[0], &c, 1) == 1 ? 0 : 1);
}

/* The child is serving: detach from the terminal, log to syslog. */
static void
daemon_ready(int fd, int verbose)
{
	int	null;

	if (fd == -1)
		return;
	log_init("v6gated", LOG_TO_SYSLOG, verbose);
	if ((null = open("/dev/null", O_RDWR)) != -1) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	(void)!write(fd, "1", 1);
	close(fd);
}

/* The history's checkpoint timer: every secs seconds.  Returns secs. */
static unsigned
checkpoint_arm(int tfd, unsigned secs)
{
	struct itimerspec	its;

	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = its.it_interval.tv_sec = secs;
	if (timerfd_settime(tfd, 0, &its, NULL) == -1)
		log_warn("timerfd_settime");
	return secs;
}

static void
raise_nofile(void)
{
	struct rlimit	rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
			log_warn("setrlimit RLIMIT_NOFILE");
	}
}

int
main(int argc, char *argv[])
{
	struct conf_report	 rep;
	struct translator_plan	 tp;
	struct gw_conf		*gc;
	struct snap		*sn;
	struct epoll_event	 ev, evs[8];
	sigset_t		 mask;
	char			 err[1024];
	static const struct option longopts[] = {
		{ "teardown", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 }
	};
	int			 ch, test = 0, fg = 0, verbose = 0;
	int			 teardown = 0;
	int			 sfd, epfd, n, i, ready_fd = -1, systemd;
	int			 tfd;
	unsigned		 armed;
	char			*abs;
	size_t			 j;
	uint64_t		 t0 = clock_ms(CLOCK_MONOTONIC), tconf;

	while ((ch = getopt_long(argc, argv, "c:ftvVh", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'D':
			teardown = 1;
			break;
		case 'c':
			conffile = optarg;
			break;
		case 'f':
			fg = 1;
			break;
		case 't':
			test = 1;
			break;
		case 'v':
			verbose++;
			break;
		case 'V':
			printf("v6gated %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout, 0);
		default:
			usage(stderr, 2);
		}
	}
	if (optind != argc)
		usage(stderr, 2);
	if (test)
		return check_only();
	if (teardown) {
		log_init("v6gated", LOG_TO_STDERR, verbose);
		return teardown_only();
	}
	/*
	 * A daemon runs in "/": reloads must still find the file.  Made
	 * absolute, not resolved: a symlink stays a symlink, and @include
	 * stays relative to where the operator put it.
	 */
	if (conffile[0] != '/' && (abs = getcwd(NULL, 0)) != NULL) {
		char	*full;

		if (asprintf(&full, "%s/%s", abs, conffile) != -1)
			conffile = full;
		free(abs);
	}

	gc = conf_load(conffile, &rep);
	tconf = clock_ms(CLOCK_MONOTONIC) - t0;
	if (gc == NULL) {
		report_print(&rep, stderr);
		fprintf(stderr, "v6gated: %s: %zu error%s, not started\n",
		    conffile, rep.nerrors, rep.nerrors == 1 ? "" : "s");
		return 1;
	}
	/*
	 * Under systemd (Type=notify) stay in the foreground, log to syslog
	 * and let it supervise; by hand without -f, become a daemon that
	 * reports a failed start on the terminal.
	 */
	systemd = getenv("NOTIFY_SOCKET") != NULL;
	if (!fg && !systemd)
		ready_fd = daemon_begin();
	log_init("v6gated", fg ? LOG_TO_STDERR : systemd ? LOG_TO_SYSLOG :
	    LOG_TO_STDERR | LOG_TO_SYSLOG, verbose);
	for (j = 0; j < rep.nwarnings; j++)
		log_warnx("warning: %s", rep.warnings[j]);
	conf_report_free(&rep);

	raise_nofile();
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	/* blocked before the workers start, so they inherit it */
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1 ||
	    (sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal("signalfd");

	/* (the early exits free what they hold: a sanitizer build reports
	   any leak, and a refused start is a normal event) */
	control_path = strdup(gc->control_socket);
	if ((control_fd = control_open(control_path)) == -1) {
		free(control_path);
		conf_free(gc);
		return 1;
	}
	if (gc->http_on && http_api_start(&gc->http, http_body, err,
	    sizeof(err)) == -1) {
		log_err("%s", err);
		control_close(control_fd, control_path);
		free(control_path);
		conf_free(gc);
		return 1;
	}
	if (translator_prepare(gc, 0, &tp, err, sizeof(err)) == -1) {
		log_err("%s", err);
		control_close(control_fd, control_path);
		http_api_stop();
		free(control_path);
		conf_free(gc);
		return 1;
	}
	audit_ids_start();
	if (proxy_start(workers_for(gc)) == -1)
		fatalx("cannot start the workers");
	if (gc->audit_on) {
		int rc = audit_start(proxy_workers(), gc->state_dir,
		    gc->audit_days, err, sizeof(err));

		if (rc == -1)
			fatalx("%s", err);
		if (rc == 1)
			log_warnx("%s", err);
		audit_started = 1;
	}
	/* before the services go live: their totals continue the stored */
	clients_set_limit(gc->acct_clients_exact);
	history_services_set(gc);
	if (history_start(gc->state_dir, err, sizeof(err)) == -1)
		log_warnx("%s; counting goes on, the history is tried again "
		    "at every checkpoint", err);
	if ((sn = live_make(gc, err, sizeof(err))) == NULL ||
	    proxy_apply(sn, check_fds(sn->conf), err, sizeof(err)) == -1) {
		log_err("%s", err);
		translator_discard(&tp);
		snap_release(sn);
		control_close(control_fd, control_path);
		return 1;
	}
	live_set(sn);
	gc = NULL;		/* the snapshot's now: live->conf */
	if (translator_go(live->conf, &tp, err, sizeof(err)) == -1) {
		log_err("%s", err);
		control_close(control_fd, control_path);
		return 1;
	}
	if (check_start(err, sizeof(err)) == -1 ||
	    check_apply(live, err, sizeof(err)) == -1)
		fatalx("health checks: %s", err);
	daemon_info.pid = getpid();
	daemon_info.started = daemon_info.loaded = time(NULL);
	if (chdir("/") == -1)
		log_warn("chdir /");
	/* (before the parent returns: a start's last line on its terminal) */
	log_info("v6gated %s started: %s, %zu services, %zu listeners, "
	    "%d workers (%llu ms, %llu of them reading the file)",
	    PACKAGE_VERSION, conffile, live->conf->nservices,
	    live->conf->nlisteners,
	    proxy_workers(), (unsigned long long)(clock_ms(CLOCK_MONOTONIC) - t0),
	    (unsigned long long)tconf);
	daemon_ready(ready_fd, verbose);
	checkpoint_now(HC_STORE);	/* what the start read from the kernel */
	sd_notifyf(0, "READY=1\nMAINPID=%d\nSTATUS=%zu services, %zu "
	    "listeners", (int)getpid(), live->conf->nservices,
	    live->conf->nlisteners);

	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
	ev.events = EPOLLIN;
	ev.data.fd = sfd;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &ev) == -1)
		fatal("epoll_ctl");
	ev.data.fd = control_fd;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, control_fd, &ev) == -1)
		fatal("epoll_ctl");
	if ((ev.data.fd = http_api_fd()) != -1 &&
	    epoll_ctl(epfd, EPOLL_CTL_ADD, ev.data.fd, &ev) == -1)
		fatal("epoll_ctl");
	if ((tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK |
	    TFD_CLOEXEC)) == -1)
		fatal("timerfd_create");
	armed = checkpoint_arm(tfd, live->conf->acct_checkpoint);
	ev.data.fd = tfd;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &ev) == -1)
		fatal("epoll_ctl");
	ev.data.fd = clientq_fd();
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, ev.data.fd, &ev) == -1)
		fatal("epoll_ctl");

	while (!quit) {
		/* libmicrohttpd's own timeouts (idle HTTP clients) */
		if ((n = epoll_wait(epfd, evs, 8, http_api_run())) == -1) {
			if (errno == EINTR)
				continue;
			fatal("epoll_wait");
		}
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd == sfd) {
				struct signalfd_siginfo si;

				while (read(sfd, &si, sizeof(si)) ==
				    sizeof(si)) {
					if (si.ssi_signo == SIGHUP)
						reload(NULL, 0);
					else if (si.ssi_signo == SIGUSR1)
						audit_reopen();
					else
						quit = 1;
				}
			} else if (evs[i].data.fd == tfd) {
				uint64_t			expired;
				const struct gw_conf		*cur = live->conf;

				(void)!read(tfd, &expired, sizeof(expired));
				checkpoint_now(HC_READ);
				if (audit_started)
					mapping_due(cur);
				if (cur->acct_checkpoint != armed)
					armed = checkpoint_arm(tfd,
					    cur->acct_checkpoint);
			} else if (evs[i].data.fd == clientq_fd()) {
				clients_drain();
			} else if (evs[i].data.fd == control_fd)
				control_serve(control_fd, control_dispatch);
		}
		if (checkpoint_soon) {
			checkpoint_soon = 0;
			checkpoint_now(HC_STORE);
		}
	}
	log_info("stopping");
	sd_notify(0, "STOPPING=1");
	control_close(control_fd, control_path);
	http_api_stop();
	{
		const struct gw_conf	*cur = live->conf;
		struct store_retention	 r = { cur->acct_minutes,
					    cur->acct_days };

		/* the workers are stopped first: nothing moves after this */
		audit_quiesce();
		check_stop();
		proxy_stop_workers();
		if (audit_started)
			mapping_flush();
		audit_stop();
		history_stop(&r);
	}
	proxy_stop();
	snap_release(live);
	free(control_path);
	return 0;
}
