/* SPDX-License-Identifier: ISC */
/*
 * v6gated: the gateway daemon.  This file owns the processes: options,
 * the config file's life (load, check, reload), signals, the control
 * socket and the handshake with systemd, and the privilege split (see
 * priv/priv.h): main() is the privileged parent, which starts serve() as
 * an unprivileged child and starts it again when it dies; serve() runs
 * everything else and asks the parent for what needs privileges.  The
 * data plane lives in src/proxy/.
 *
 * Reload (SIGHUP or "v6gatectl reload"): load and check the file into a new
 * snapshot; if anything is wrong, keep the running one and say why; else
 * make it live.  Established connections keep the snapshot they started
 * with, so a reload never drops them.
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <systemd/sd-daemon.h>

#include "api/backends.h"
#include "api/command.h"
#include "api/control.h"
#include "api/health.h"
#include "api/http.h"
#include "api/metrics.h"
#include "acct/clientq.h"
#include "acct/clients.h"
#include "acct/history.h"
#include "acct/kcount.h"
#include "audit/audit.h"
#include "audit/forward.h"
#include "check/check.h"
#include "audit/mapping.h"
#include "api/stats.h"
#include "api/status.h"
#include "conf/conf.h"
#include "config.h"
#include "clock.h"
#include "log.h"
#include "jool/translator.h"
#include "guard/guard.h"
#include "pool/save.h"
#include "pool/state.h"
#include "priv/priv.h"
#include "proxy/proxy.h"
#include "ready/record.h"
#include "sandbox.h"
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
 * Have the privileged process carry out the translator's plan (pl, from
 * priv_prepare()), counted: what the guard's elements hold is read before
 * it changes them (all of them when its table goes or is made again), and
 * the counters follow the elements' owners after.  The elements are gc's,
 * which this process builds itself.  0, or -1 with err.
 */
static int
translator_go(const struct gw_conf *gc, const struct priv_plan *pl,
    char *err, size_t errlen)
{
	struct guard_plan	gp;
	char			e[512];
	int			rc, guarded;

	memset(&gp, 0, sizeof(gp));
	gp.remove = pl->remove;
	gp.remake = pl->remake;
	gp.ngone = pl->ngone;
	if (pl->needed && !gp.remove && guard_elems_build(gc, &gp.want) ==
	    -1) {
		priv_discard();
		snprintf(err, errlen, "nftables counters: out of memory");
		return -1;
	}
	if (pl->needed && kcount_before(gc, &gp, e, sizeof(e)) == -1)
		log_warnx("%s", e);
	rc = priv_commit(&guarded, err, errlen);
	if (guarded && kcount_apply(gc, &gp.want) == -1 && rc == 0) {
		snprintf(err, errlen, "nftables counters: out of memory");
		rc = -1;
	}
	guard_elems_free(&gp.want);
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
			__atomic_store_n(&sn->svc[i].st[j]->gen, live_gen,
			    __ATOMIC_RELAXED);
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
 * drain (pool_state_sweep()); the saved states follow (pool/save.h).
 */
static void
live_set(struct snap *sn)
{
	snap_release(live);
	live = sn;
	pool_state_sweep(live_gen);
	pool_save_now();	/* what the sweep forgot, and who is gone */
}

/* A reload's warning, in the log and to the v6gatectl that asked (out). */
static void __attribute__((format(printf, 2, 3)))
reload_warning(FILE *out, const char *fmt, ...)
{
	char	msg[1024];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s", msg);
	if (out)
		fprintf(out, "warning: %s\n", msg);
}

/* The audit log's collector (audit.syslog) that gc asks for, prepared:
   0, or -1 with err (a CA file that cannot be read). */
static int
forward_prepare_conf(const struct gw_conf *gc, char *err, size_t len)
{
	struct forward_conf	fc = { gc->audit_syslog, gc->audit_syslog_addr,
	    gc->audit_syslog_tls, gc->audit_syslog_ca, gc->name };

	return forward_prepare(&fc, err, len);
}

/*
 * Reload from conffile.  Messages go to the log and, when out is not NULL,
 * to the v6gatectl that asked.  Returns 0 or -1 (running config kept).
 */
static int
reload(FILE *out, int recreate)
{
	struct conf_report	 rep;
	struct priv_plan	 tp;
	struct gw_conf		*gc;
	struct snap		*sn;
	const struct gw_conf	*cur = live->conf;
	char			 err[1024], tok[256];
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
		reload_warning(out, "gateway.workers changes from %d "
		    "to %d: takes effect at the next restart",
		    proxy_workers(), workers_for(gc));
	}
	if (gc->http_on != cur->http_on || (gc->http_on &&
	    !addr_equal(&gc->http, &cur->http))) {
		reload_warning(out, "gateway.http changes: takes "
		    "effect at the next restart");
	}
	if (strcmp(gc->state_dir, cur->state_dir) != 0) {
		reload_warning(out, "gateway.state_dir changes from %s "
		    "to %s: takes effect at the next restart (move %s/v6gate.db "
		    "there first)", cur->state_dir, gc->state_dir,
		    cur->state_dir);
	}
	if (strcmp(gc->control_socket, cur->control_socket) != 0) {
		reload_warning(out, "gateway.control_socket changes "
		    "from %s to %s: takes effect at the next restart",
		    cur->control_socket, gc->control_socket);
	}
	if (gc->audit_on && !audit_started) {
		reload_warning(out, "audit.enabled: the audit log "
		    "starts at the next restart");
	}
	if (strcmp(gc->user, cur->user) != 0) {
		reload_warning(out, "gateway.user changes from %s to "
		    "%s: takes effect at the next restart", cur->user,
		    gc->user);
	}
	/* a token that cannot be read refuses the reload: an endpoint left
	   open, or closed to its users, would be worse than the old config */
	tok[0] = '\0';
	if (gc->http_token_file != NULL && http_api_token_read(
	    gc->http_token_file, tok, sizeof(tok), err, sizeof(err)) == -1) {
		conf_free(gc);
		log_warnx("%s", err);
		if (out)
			fprintf(out, "%s\n", err);
		snprintf(err, sizeof(err), "reload refused; the running "
		    "configuration stays");
		goto fail;
	}
	if (forward_prepare_conf(gc, err, sizeof(err)) == -1) {
		conf_free(gc);
		log_warnx("%s: %s", conffile, err);
		if (out)
			fprintf(out, "%s: %s\n", conffile, err);
		snprintf(err, sizeof(err), "reload refused; the running "
		    "configuration stays");
		goto fail;
	}
	/*
	 * The translator's plan first: a refusal there changes nothing.  The
	 * privileged process makes it from its own reading of the file.
	 */
	if (priv_prepare(recreate, &tp, err, sizeof(err)) == -1) {
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
		priv_discard();
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
	http_api_token_set(tok);
	cur = live->conf;
	if (check_apply(live, err, sizeof(err)) == -1)
		log_warnx("health checks: %s; the previous checks go on", err);
	clients_set_limit(cur->acct_clients_exact);
	history_services_set(cur);
	audit_set_days(cur->audit_days);
	if (audit_started && forward_commit(cur->state_dir, err,
	    sizeof(err)) == -1)
		log_warnx("%s", err);
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

/* The HTTP endpoint's pages read the live snapshot at each request. */
static const struct snap *
http_live(void)
{
	return live;
}

static const struct pages_src	http_src = { &daemon_info, http_live };

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
	json_object	*st = priv_jool_sessions();

	return control_reply(out, st, st, answer_wants_json(argc, argv),
	    translator_sessions_text);
}

static int
answer_jool(int argc, char **argv, FILE *out)
{
	json_object	*st = priv_jool_status();

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

/* "health [json]": an error reply when not healthy, the report either
   way (api/health.h) */
static int
answer_health(int argc, char **argv, FILE *out)
{
	json_object	*st;
	int		 healthy;

	st = health_json(live, &healthy);
	control_reply(out, st, st, answer_wants_json(argc, argv),
	    health_text);
	return healthy ? 0 : -1;
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

/*
 * The daemon serves: detach from the terminal, log to syslog.  Both
 * processes do; the parent also tells the terminal's process (fd).
 */
static void
daemon_detach(int fd, int verbose, int tell)
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
	if (tell)
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

/*
 * The state directory, for the unprivileged process: made if missing
 * (0750), given to its user when the daemon starts as root (what systemd's
 * StateDirectory= does), and closed to other users: it holds client
 * addresses (the history, the audit log).  What an older version or an
 * operator left wider is tightened (directories to 0750 at most, files to
 * 0640), with a warning; what the daemon makes is so already (the umask,
 * main()).  0, or -1 with err.
 */
#define STATE_DIR_MODE	0750
#define STATE_FILE_MODE	0640

static uid_t	state_uid;
static gid_t	state_gid;

static int
state_own(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	mode_t	keep;

	/* state_dir/jool is the privileged process's (reconcile.c) */
	if (ftw->level == 1 && strcmp(path + ftw->base, "jool") == 0)
		return FTW_SKIP_SUBTREE;
	if (lchown(path, state_uid, state_gid) == -1)
		log_warn("state_dir: chown %s", path);
	/* a symbolic link's mode means nothing, and chmod would follow it
	   (t_audit keeps its audit directory on a tmpfs so) */
	if (flag == FTW_D || flag == FTW_DP)
		keep = STATE_DIR_MODE;
	else if (flag == FTW_F && S_ISREG(st->st_mode))
		keep = STATE_FILE_MODE;
	else
		return FTW_CONTINUE;
	if ((st->st_mode & 07777 & ~keep) != 0 && chmod(path,
	    st->st_mode & keep) == -1)
		log_warn("state_dir: chmod %s", path);
	return FTW_CONTINUE;
}

static int
state_dir_prepare(const char *dir, uid_t uid, gid_t gid, char *err,
    size_t errlen)
{
	struct stat	st;
	unsigned	was;

	if (mkdir(dir, STATE_DIR_MODE) == -1 && errno != EEXIST) {
		snprintf(err, errlen, "state_dir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "state_dir %s: %s", dir, errno ?
		    strerror(errno) : "not a directory");
		return -1;
	}
	if (geteuid() == 0) {
		char	old[4096], now[4096];

		/* (v6gate 0.1 kept Jool's ownership file in the directory) */
		/* the privileged process's folder (reconcile.c), made now:
		   it may not write the directory once it is the user's */
		snprintf(now, sizeof(now), "%s/jool", dir);
		if (mkdir(now, 0700) == -1 && errno != EEXIST) {
			snprintf(err, errlen, "state_dir %s: jool: %s", dir,
			    strerror(errno));
			return -1;
		}
		snprintf(old, sizeof(old), "%s/jool-instances", dir);
		snprintf(now, sizeof(now), "%s/jool/instances", dir);
		if (access(old, F_OK) == 0 && access(now, F_OK) == -1 &&
		    rename(old, now) == -1)
			log_warn("state_dir: rename %s", old);
		state_uid = uid;
		state_gid = gid;
		if (nftw(dir, state_own, 16, FTW_PHYS |
		    FTW_ACTIONRETVAL) == -1) {
			snprintf(err, errlen, "state_dir %s: %s", dir,
			    strerror(errno));
			return -1;
		}
	}
	if ((st.st_mode & 07777 & ~STATE_DIR_MODE) == 0)
		return 0;
	was = st.st_mode & 07777;
	if (stat(dir, &st) == 0 && (st.st_mode & 07777 & ~STATE_DIR_MODE) == 0)
		log_warnx("state_dir %s was mode %04o: now %04o, and its files "
		    "%04o at most (it holds client addresses)", dir, was,
		    (unsigned)(st.st_mode & 07777), STATE_FILE_MODE);
	else
		log_warnx("state_dir %s is mode %04o: other local users may "
		    "read the history and the audit log (client addresses); "
		    "0750 is enough", dir, (unsigned)(st.st_mode & 07777));
	return 0;
}

/* ---------------------------------------------------------------- serve */

/* The shorter of two epoll_wait() timeouts, -1 meaning none. */
static int
timeout_min(int a, int b)
{
	if (a < 0)
		return b;
	if (b < 0)
		return a;
	return a < b ? a : b;
}

/*
 * The unprivileged process: everything but what needs privileges, which
 * it asks of its parent (priv/priv.h).  chan and notice are its two
 * channels to the parent, control_fd the control socket the parent made.
 * Returns the process's exit status.
 */
static int
serve(int chan, int notice, int ready_fd, int verbose)
{
	struct conf_report	 rep;
	struct priv_plan	 tp;
	struct gw_conf		*gc;
	struct snap		*sn;
	struct epoll_event	 ev, evs[8];
	sigset_t		 mask;
	char			 err[1024], tok[256] = "";
	int			 sfd, epfd, n, i, tfd, wfd = -1;
	unsigned		 armed;
	uint64_t		 t0 = clock_ms(CLOCK_MONOTONIC), tconf, wd = 0;
	const char		*e;

	priv_client(chan);
	proxy_set_binder(priv_bind, priv_unbind);
	kcount_set_io(&priv_nfnl);
	mapping_set_reader(priv_sessions);

	/* its own reading of the file: what it serves */
	gc = conf_load(conffile, &rep);
	tconf = clock_ms(CLOCK_MONOTONIC) - t0;
	if (gc == NULL) {
		report_print(&rep, stderr);
		log_err("%s: %zu error%s, not started", conffile,
		    rep.nerrors, rep.nerrors == 1 ? "" : "s");
		conf_report_free(&rep);
		return 1;
	}
	conf_report_free(&rep);

	/* the same signals as the parent's, for whoever signals this one */
	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	if ((sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal("signalfd");

	/* (the early exits free what they hold: a sanitizer build reports
	   any leak, and a refused start is a normal event) */
	if (gc->http_token_file != NULL && http_api_token_read(
	    gc->http_token_file, tok, sizeof(tok), err, sizeof(err)) == -1) {
		log_err("%s", err);
		conf_free(gc);
		return 1;
	}
	http_api_token_set(tok);
	/* the fleet's key of the client sketches (clients.h): read once */
	if (gc->acct_clients_key_file != NULL && clients_key_read(
	    gc->acct_clients_key_file, err, sizeof(err)) == -1) {
		log_err("%s", err);
		conf_free(gc);
		return 1;
	}
	if (gc->http_on && http_api_start(&gc->http, &http_src, err,
	    sizeof(err)) == -1) {
		log_err("%s", err);
		conf_free(gc);
		return 1;
	}
	if (priv_prepare(0, &tp, err, sizeof(err)) == -1) {
		log_err("%s", err);
		http_api_stop();
		conf_free(gc);
		return 1;
	}
	audit_ids_start();
	/* the workers' counters in state_dir, before a service has any */
	acct_init(workers_for(gc));
	if (acct_map_open(gc->state_dir, err, sizeof(err)) == -1)
		log_warnx("%s: the counters are in memory only (a kill -9 "
		    "loses what moved since the last checkpoint)", err);
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
		if (forward_prepare_conf(gc, err, sizeof(err)) == -1 ||
		    forward_commit(gc->state_dir, err, sizeof(err)) == -1) {
			log_err("%s: %s", gc->file, err);
			audit_stop();
			conf_free(gc);
			return 1;
		}
	}
	/* before the services go live: their totals continue the stored */
	clients_set_limit(gc->acct_clients_exact);
	history_services_set(gc);
	if (history_start(gc->state_dir, gc->name, err, sizeof(err)) == -1)
		log_warnx("%s; counting goes on, the history is tried again "
		    "at every checkpoint", err);
	/* the saved drain marks and health before the first connection
	   and the first check (pool/save.h) */
	if ((sn = live_make(gc, err, sizeof(err))) != NULL)
		pool_save_start(sn->conf->state_dir);
	if (sn == NULL || proxy_apply(sn, check_fds(sn->conf), err,
	    sizeof(err)) == -1) {
		log_err("%s", err);
		priv_discard();
		snap_release(sn);
		return 1;
	}
	live_set(sn);
	gc = NULL;		/* the snapshot's now: live->conf */
	if (translator_go(live->conf, &tp, err, sizeof(err)) == -1) {
		log_err("%s", err);
		return 1;
	}
	if (check_start(err, sizeof(err)) == -1 ||
	    check_apply(live, err, sizeof(err)) == -1)
		fatalx("health checks: %s", err);
	daemon_info.pid = getppid();
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
	daemon_detach(ready_fd, verbose, 0);
	priv_ready();		/* the parent tells the terminal */
	checkpoint_now(HC_STORE);	/* what the start read from the kernel */
	sd_notifyf(0, "READY=1\nMAINPID=%d\nSTATUS=%zu services, %zu "
	    "listeners", (int)getppid(), live->conf->nservices,
	    live->conf->nlisteners);

	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
	ev.events = EPOLLIN;
	ev.data.fd = sfd;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &ev) == -1)
		fatal("epoll_ctl");
	ev.data.fd = notice;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, notice, &ev) == -1)
		fatal("epoll_ctl");
	if (control_start(epfd, control_fd, control_dispatch) == -1)
		fatalx("cannot serve the control socket");
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
	/*
	 * systemd's watchdog (WatchdogSec=): its WATCHDOG_PID is the
	 * parent's, so this process reads only the interval, and says the
	 * keep-alive itself (NotifyAccess=all) when every worker's loop
	 * turned lately: the proof is the workers', not a timer's.
	 */
	if ((e = getenv("WATCHDOG_USEC")) != NULL &&
	    (wd = strtoull(e, NULL, 10) / 1000) > 0) {
		struct itimerspec	its;

		memset(&its, 0, sizeof(its));
		its.it_value.tv_sec = its.it_interval.tv_sec =
		    (time_t)(wd / 2000);
		its.it_value.tv_nsec = its.it_interval.tv_nsec =
		    (long)(wd / 2 % 1000) * 1000000;
		if ((wfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK |
		    TFD_CLOEXEC)) == -1 || timerfd_settime(wfd, 0, &its,
		    NULL) == -1)
			fatal("watchdog timer");
		ev.data.fd = wfd;
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, wfd, &ev) == -1)
			fatal("epoll_ctl");
	}

	while (!quit) {
		/* libmicrohttpd's own timeouts (idle HTTP clients), and the
		   control clients' deadlines */
		if ((n = epoll_wait(epfd, evs, 8, timeout_min(http_api_run(),
		    control_run()))) == -1) {
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
			} else if (evs[i].data.fd == notice) {
				switch (priv_notice_read(notice)) {
				case PN_RELOAD:
					reload(NULL, 0);
					break;
				case PN_REOPEN:
					audit_reopen();
					break;
				default:	/* stop, or the parent gone */
					quit = 1;
					break;
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
			} else if (evs[i].data.fd == wfd) {
				static int	stuck;
				uint64_t	expired;

				(void)!read(wfd, &expired, sizeof(expired));
				/* a worker turns every PROXY_TICK_MS */
				if (proxy_alive(2 * PROXY_TICK_MS)) {
					sd_notify(0, "WATCHDOG=1");
					stuck = 0;
				} else if (!stuck++)
					log_warnx("watchdog: a worker's loop has "
					    "not turned in %d ms: no "
					    "keep-alive", 2 * PROXY_TICK_MS);
			} else if (evs[i].data.fd == clientq_fd()) {
				clients_drain();
			} else	/* the control socket and its clients */
				control_event(evs[i].data.fd, evs[i].events);
		}
		if (checkpoint_soon) {
			checkpoint_soon = 0;
			checkpoint_now(HC_STORE);
		}
	}
	log_info("stopping");
	sd_notify(0, "STOPPING=1");
	control_stop();
	close(control_fd);
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
		forward_stop();		/* its cursor saved */
		history_stop(&r);
		acct_map_close();
	}
	proxy_stop();
	snap_release(live);
	return 0;
}

/* ---------------------------------------------------------------- parent */

/* What the parent keeps: effective, for Jool and nftables and binding;
   permitted only, to start the unprivileged process as its user. */
static const cap_value_t	parent_caps[] = {
	CAP_NET_ADMIN, CAP_NET_BIND_SERVICE
};
static const cap_value_t	parent_spawn_caps[] = { CAP_SETUID, CAP_SETGID };

static pid_t	serve_pid = -1;
static int	serve_chan = -1, serve_notice = -1;
static int	parent_sfd = -1, parent_epfd = -1;	/* not the child's */

/*
 * Start the unprivileged process: it becomes uid:gid with no capability,
 * no new privileges and its seccomp filter, and dies with the parent.
 * 0, or -1 (logged).
 */
static int
serve_spawn(uid_t uid, gid_t gid, int ready_fd, int verbose)
{
	int	c[2], nt[2], rc;
	pid_t	parent = getpid();
	char	err[256];

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, c) == -1 ||
	    socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, nt) ==
	    -1) {
		log_warn("socketpair");
		return -1;
	}
	if ((serve_pid = fork()) == -1) {
		log_warn("fork");
		return -1;
	}
	if (serve_pid == 0) {
		close(c[0]);
		close(nt[0]);
		close(parent_sfd);
		if (parent_epfd != -1)
			close(parent_epfd);
		if (sandbox_raise(parent_spawn_caps, 2, err, sizeof(err)) ==
		    -1 || sandbox_become(uid, gid, NULL, 0, 0, err,
		    sizeof(err)) == -1) {
			log_warnx("the unprivileged process: %s", err);
			_exit(1);
		}
		/* (after the uid changed: a change clears it) */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 ||
		    getppid() != parent)
			_exit(1);
		(void)prctl(PR_SET_NAME, "v6gated-serve");
		if (sandbox_nnp(err, sizeof(err)) == -1 ||
		    sandbox_seccomp(err, sizeof(err)) == -1) {
			log_warnx("the unprivileged process: %s", err);
			_exit(1);
		}
		rc = serve(c[1], nt[1], ready_fd, verbose);
		exit(rc);
	}
	close(c[1]);
	close(nt[1]);
	serve_chan = c[0];
	serve_notice = nt[0];
	return 0;
}

/*
 * The readiness checker (readiness.interval): each time it is due, a
 * process of its own runs "v6gatectl readiness --store" beside this
 * program, as gateway.user with no capability and no new privileges,
 * and keeps the result in the history, where status, /metrics and the
 * report read it.  It is a visitor of the sites, with its own sockets:
 * nothing of the proxy waits for it.  Only a configuration with a
 * readiness group runs it; the first check comes READY_FIRST seconds
 * after the start when the history has none within the interval.  A
 * check that ended without a result (nothing to check, a setup error)
 * leaves nothing in the history: its end still counts, so the next try
 * waits the interval too rather than a second, or comes with the next
 * reload, which may have fixed what stopped it.
 */
#define READY_FIRST	10
#define READY_LOOK	60	/* a reload's new interval: seen this soon */

static pid_t	ready_pid = -1;
static int	ready_tfd = -1;
static time_t	ready_start;
static time_t	ready_ended;	/* the last checker's end; 0: none yet */

/* When the next check is due, from the file and the history; 0: never. */
static time_t
ready_due(void)
{
	struct conf_report	 rep;
	struct gw_conf		*gc;
	json_object		*last;
	char			 err[512];
	time_t			 due = 0;

	if ((gc = conf_load(conffile, &rep)) != NULL) {
		if (gc->readiness.line != 0 && gc->readiness.interval != 0) {
			last = record_last(gc->state_dir, err, sizeof(err));
			due = last != NULL ? (time_t)json_object_get_int64(
			    json_object_object_get(last, "unix")) +
			    (time_t)gc->readiness.interval : 0;
			if (due < ready_start + READY_FIRST)
				due = ready_start + READY_FIRST;
			if (ready_ended != 0 && due < ready_ended +
			    (time_t)gc->readiness.interval)
				due = ready_ended + (time_t)gc->readiness.interval;
			json_object_put(last);
		}
		conf_free(gc);
	}
	conf_report_free(&rep);
	return due;
}

/* Wake at the next check, or within READY_LOOK to see a changed file. */
static void
ready_arm(void)
{
	struct itimerspec	 its;
	time_t			 now = time(NULL), due, wait = READY_LOOK;

	if (ready_pid != -1 || ready_tfd == -1)
		return;		/* the checker's end arms it again */
	due = ready_due();
	if (due != 0 && due - now < wait)
		wait = due - now;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = wait > 0 ? wait : 1;
	timerfd_settime(ready_tfd, 0, &its, NULL);
}

/* v6gatectl, beside this program (a build tree, or sbindir). */
static void
ready_ctl_path(char *buf, size_t len)
{
	char	self[4096], *slash;
	ssize_t	n;

	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/')) != NULL) {
			*slash = '\0';
			snprintf(buf, len, "%s/v6gatectl", self);
			if (access(buf, X_OK) == 0)
				return;
		}
	}
	snprintf(buf, len, "%s/v6gatectl", SBINDIR);
}

static void
ready_spawn(uid_t uid, gid_t gid)
{
	char		ctl[4200], err[256];
	pid_t		parent = getpid();
	sigset_t	all;
	int		null;

	ready_ctl_path(ctl, sizeof(ctl));
	if ((ready_pid = fork()) == -1) {
		log_warn("readiness check: fork");
		return;
	}
	if (ready_pid > 0) {
		log_info("readiness check started (pid %ld)", (long)ready_pid);
		return;
	}
	sigfillset(&all);
	sigprocmask(SIG_UNBLOCK, &all, NULL);
	close(parent_sfd);
	close(parent_epfd);
	close(serve_chan);
	close(serve_notice);
	if (sandbox_raise(parent_spawn_caps, 2, err, sizeof(err)) == -1 ||
	    sandbox_become(uid, gid, NULL, 0, 0, err, sizeof(err)) == -1 ||
	    sandbox_nnp(err, sizeof(err)) == -1) {
		log_warnx("readiness check: %s", err);
		_exit(2);
	}
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) == -1 || getppid() != parent)
		_exit(2);
	umask(027);
	if ((null = open("/dev/null", O_RDWR)) != -1) {
		dup2(null, 0);
		dup2(null, 1);
	}
	execl(ctl, "v6gatectl", "-c", conffile, "readiness", "--store",
	    (char *)NULL);
	log_warn("readiness check: %s", ctl);
	_exit(2);
}

/* The checker ended: say how, and when the next one runs. */
static void
ready_reaped(int status)
{
	ready_pid = -1;
	ready_ended = time(NULL);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		log_info("readiness check: every site passes");
	else if (WIFEXITED(status) && WEXITSTATUS(status) == 1)
		log_warnx("readiness check: a site fails the IPv6 "
		    "assessment (v6gatectl status, v6gatectl readiness)");
	else {
		time_t	due = ready_due();
		char	next[64] = "";

		if (due != 0)
			snprintf(next, sizeof(next), "; the next try in %lld s",
			    (long long)(due - ready_ended));
		log_warnx("readiness check could not run (exit status %d): "
		    "try v6gatectl readiness%s", WIFEXITED(status) ?
		    WEXITSTATUS(status) : -1, next);
	}
	ready_arm();
}

/* How a child ended, in words. */
static void
serve_status(int status, char *buf, size_t len)
{
	if (WIFEXITED(status))
		snprintf(buf, len, "exited %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS)
		snprintf(buf, len, "was killed by SIGSYS: it made a system "
		    "call its seccomp filter forbids");
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "was killed by signal %d (%s)",
		    WTERMSIG(status), strsignal(WTERMSIG(status)));
	else
		snprintf(buf, len, "ended (status %#x)", status);
}

int
main(int argc, char *argv[])
{
	struct conf_report	 rep;
	struct gw_conf		*gc;
	struct epoll_event	 ev, evs[4];
	sigset_t		 mask;
	char			 err[1024], how[128];
	static const struct option longopts[] = {
		{ "teardown", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 }
	};
	int			 ch, test = 0, fg = 0, verbose = 0;
	int			 teardown = 0, stopping = 0, ready = 0;
	int			 sfd, epfd, n, i, ready_fd = -1, systemd;
	int			 status, quick = 0;
	uid_t			 uid;
	gid_t			 gid;
	char			*abs;
	size_t			 j;
	time_t			 spawned, due;

	/*
	 * Before anything is made, for both processes (the child inherits
	 * it): the history, the audit log and their archives hold client
	 * addresses, and no file the daemon makes is for other users.
	 * (SQLite makes -wal and -shm with its database's mode.)
	 */
	umask(027);
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
	if (gc == NULL) {
		report_print(&rep, stderr);
		fprintf(stderr, "v6gated: %s: %zu error%s, not started\n",
		    conffile, rep.nerrors, rep.nerrors == 1 ? "" : "s");
		conf_report_free(&rep);
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
	sigaddset(&mask, SIGCHLD);
	/* blocked before any child starts, so it inherits it */
	if (sigprocmask(SIG_BLOCK, &mask, NULL) == -1 ||
	    (sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC)) == -1)
		fatal("signalfd");
	parent_sfd = sfd;

	/* the user the unprivileged process runs as (as root), and what it
	   needs: the state directory, the control socket */
	uid = getuid();
	gid = getgid();
	if (geteuid() == 0 && sandbox_user(gc->user, &uid, &gid, err,
	    sizeof(err)) == -1) {
		log_err("gateway.user: %s", err);
		conf_free(gc);
		return 1;
	}
	if (state_dir_prepare(gc->state_dir, uid, gid, err,
	    sizeof(err)) == -1) {
		log_err("%s", err);
		conf_free(gc);
		return 1;
	}
	control_path = strdup(gc->control_socket);
	if ((control_fd = control_open(control_path)) == -1) {
		free(control_path);
		conf_free(gc);
		return 1;
	}
	conf_free(gc);		/* the children read the file themselves */
	/* through the state directory, which is the user's (0750), to its
	   own folder there (jool/) */
	if (geteuid() == 0 && setgroups(1, &gid) == -1) {
		log_err("setgroups: %s", strerror(errno));
		control_close(control_fd, control_path);
		return 1;
	}
	/*
	 * What this process keeps for its life, from now on: Jool,
	 * nftables and binding; setuid and setgid for the instant a child
	 * starts; nothing else, not even in the bounding set.
	 */
	if (sandbox_keep(parent_caps, 2, parent_spawn_caps, 2, err,
	    sizeof(err)) == -1) {
		log_err("%s", err);
		control_close(control_fd, control_path);
		return 1;
	}
	(void)prctl(PR_SET_DUMPABLE, 0);
	if (serve_spawn(uid, gid, ready_fd, verbose) == -1) {
		control_close(control_fd, control_path);
		return 1;
	}
	spawned = time(NULL);

	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1)
		fatal("epoll_create1");
	parent_epfd = epfd;
	ev.events = EPOLLIN;
	ev.data.fd = sfd;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, sfd, &ev) == -1)
		fatal("epoll_ctl");
	ev.data.fd = serve_chan;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, serve_chan, &ev) == -1)
		fatal("epoll_ctl");
	if ((ready_tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK |
	    TFD_CLOEXEC)) == -1)
		fatal("timerfd_create");
	ev.data.fd = ready_tfd;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, ready_tfd, &ev) == -1)
		fatal("epoll_ctl");
	ready_start = time(NULL);
	ready_arm();
	for (;;) {
		if ((n = epoll_wait(epfd, evs, 4, -1)) == -1) {
			if (errno == EINTR)
				continue;
			fatal("epoll_wait");
		}
		for (i = 0; i < n; i++) {
			struct signalfd_siginfo si;

			if (evs[i].data.fd == serve_chan) {
				if (priv_serve(serve_chan, conffile) == 1 &&
				    !ready) {
					ready = 1;
					daemon_detach(ready_fd, verbose, 1);
				}
				continue;
			}
			if (evs[i].data.fd == ready_tfd) {
				uint64_t	ticks;

				if (read(ready_tfd, &ticks, sizeof(ticks)) <= 0 ||
				    ready_pid != -1 || stopping)
					continue;
				due = ready_due();
				if (due != 0 && due <= time(NULL))
					ready_spawn(uid, gid);
				else
					ready_arm();
				continue;
			}
			while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGHUP) {
					priv_notice(serve_notice, PN_RELOAD);
					ready_ended = 0;  /* the file may fix it */
					ready_arm();
				} else if (si.ssi_signo == SIGUSR1)
					priv_notice(serve_notice, PN_REOPEN);
				else if (si.ssi_signo != SIGCHLD) {
					stopping = 1;
					priv_notice(serve_notice, PN_STOP);
				}
			}
			if (ready_pid != -1 && waitpid(ready_pid, &status,
			    WNOHANG) == ready_pid)
				ready_reaped(status);
			/* a child ended: stop, or start it again */
			if (serve_pid == -1 || waitpid(serve_pid, &status,
			    WNOHANG) != serve_pid)
				continue;
			serve_pid = -1;
			epoll_ctl(epfd, EPOLL_CTL_DEL, serve_chan, NULL);
			close(serve_chan);
			close(serve_notice);
			serve_status(status, how, sizeof(how));
			if (stopping || !ready) {
				/* a failed start has said why */
				if (!stopping)
					log_warnx("the unprivileged process "
					    "%s", how);
				priv_serve_end();
				control_close(control_fd, control_path);
				free(control_path);
				return stopping && WIFEXITED(status) &&
				    WEXITSTATUS(status) == 0 ? 0 : 1;
			}
			/* five quick ends in a row: give up, systemd
			   decides */
			quick = time(NULL) - spawned < 10 ? quick + 1 : 0;
			log_warnx("the unprivileged process %s; %s", how,
			    quick >= 5 ? "it ended 5 times in a row soon "
			    "after its start: stopping" : "starting it again");
			if (quick >= 5 || serve_spawn(uid, gid, -1,
			    verbose) == -1) {
				priv_serve_end();
				control_close(control_fd, control_path);
				free(control_path);
				return 1;
			}
			spawned = time(NULL);
			ev.data.fd = serve_chan;
			if (epoll_ctl(epfd, EPOLL_CTL_ADD, serve_chan, &ev) ==
			    -1)
				fatal("epoll_ctl");
		}
	}
}
