/* SPDX-License-Identifier: ISC */
/*
 * v6gatectl: the operator's command line.  The table of commands
 * (api/command.h, shared with v6gated) drives both dispatch and usage (as
 * wireguard-tools' wg.c does).  Commands that ask the daemon send one
 * request over the control socket and print its answer; the local ones
 * (check-config, report, trace) read files themselves, without a daemon.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/command.h"
#include "api/control.h"
#include "conf/conf.h"
#include "audit/trace.h"
#include "ready/ready.h"
#include "ready/record.h"
#include "ready/zone.h"
#include "report/month.h"
#include "config.h"

static const char	*socket_path;
static const char	*conf_path;

/*
 * What a command runs, given its row of the table (api/command.h) and its
 * words (argv[0] is its name); returns the exit status.
 */
typedef int	cmd_fn(const struct command *, int, char **);

static cmd_fn	cmd_json, cmd_drain, cmd_stats, cmd_report, cmd_trace,
		cmd_jool, cmd_reload, cmd_readiness, cmd_dns, cmd_check_config,
		cmd_version, cmd_help, cmd_health;

/* One per command of the table; a row without its cmd_ does not build. */
#define CLI_DAEMON(id, fn)	[id] = cmd_##fn,
#define CLI_REQUEST(id, fn)
#define CLI_LOCAL(id, fn)	[id] = cmd_##fn,
#define CLI(ID, where, cli, ...)	CLI_##where(CMD_##ID, cli)
static cmd_fn *const cmds[CMD_NCOMMANDS] = {
	COMMANDS(CLI)
};

static void
usage(FILE *out)
{
	size_t	i;

	fprintf(out, "usage: v6gatectl [-s socket] [-c file] command "
	    "[args]\n\ncommands:\n");
	for (i = 0; i < CMD_NCOMMANDS; i++)
		if (command_table[i].name != NULL)
			fprintf(out, "  %-13s %-25s %s\n",
			    command_table[i].name, command_table[i].usage,
			    command_table[i].help);
	fprintf(out, "\n  -s socket  control socket (default: "
	    "gateway.control_socket of\n             the -c file if given, "
	    "else %s)\n  -c file    configuration file (default %s)\n",
	    V6G_CONTROL_SOCKET, V6G_CONF_FILE);
}

/*
 * Where the daemon listens: -s, else gateway.control_socket of the -c file,
 * else the default.  The file is only read for that one setting, so a file
 * with errors elsewhere (say, the one being reloaded) still leads to its
 * daemon, which then reports those errors.
 */
static const char *
control_socket(void)
{
	static char	path[256];
	char		err[512];

	if (socket_path != NULL)
		return socket_path;
	if (conf_path == NULL)
		return V6G_CONTROL_SOCKET;
	if (conf_gateway_string(conf_path, "control_socket",
	    V6G_CONTROL_SOCKET, path, sizeof(path), err, sizeof(err)) == -1)
		fprintf(stderr, "v6gatectl: %s; using %s\n", err, path);
	return path;
}

static int
request(const char *req)
{
	const char	*path = control_socket();
	char		*reply;
	int		 ok;

	if ((reply = control_request(path, req, &ok)) == NULL) {
		fprintf(stderr, "v6gatectl: cannot talk to v6gated at %s: %s%s"
		    "\n", path, strerror(errno), errno == ENOENT ||
		    errno == ECONNREFUSED ? " (is v6gated running?)" :
		    errno == EACCES ? " (the socket is root-only)" : "");
		return 1;
	}
	fputs(reply, ok ? stdout : stderr);
	free(reply);
	return ok ? 0 : 1;
}

/* "cmd [--json]" as the daemon's "cmd [json]" */
static int
cmd_json(const struct command *c, int argc, char **argv)
{
	char	req[64];

	if (argc == 1)
		return request(c->wire);
	if (argc == 2 && strcmp(argv[1], "--json") == 0) {
		snprintf(req, sizeof(req), "%s json", c->wire);
		return request(req);
	}
	fprintf(stderr, "usage: v6gatectl %s [--json]\n", c->wire);
	return 2;
}

/*
 * keepalived's vrrp_script: 0 healthy, 1 not (or no answer within
 * HEALTH_DEADLINE_MS: a daemon that cannot answer its operator cannot be
 * trusted with the service address), 2 a usage error.  The report goes to
 * stdout either way; --json's is JSON even when the daemon is not there.
 */
#define HEALTH_DEADLINE_MS	1000

static int
cmd_health(const struct command *c, int argc, char **argv)
{
	const char	*path = control_socket();
	char		 req[64], *reply, why[512];
	int		 ok, json = argc == 2;

	if (argc > 2 || (json && strcmp(argv[1], "--json") != 0)) {
		fprintf(stderr, "usage: v6gatectl health [--json]\n");
		return 2;
	}
	snprintf(req, sizeof(req), "%s%s", c->wire, json ? " json" : "");
	if ((reply = control_request_within(path, req, HEALTH_DEADLINE_MS,
	    &ok)) == NULL) {
		snprintf(why, sizeof(why), "v6gated does not answer at %s "
		    "within %d ms: %s", path, HEALTH_DEADLINE_MS,
		    strerror(errno));
		if (json) {
			json_object *o = json_object_new_object(), *a;

			a = json_object_new_array();
			json_object_array_add(a, json_object_new_string(why));
			json_object_object_add(o, "healthy",
			    json_object_new_boolean(0));
			json_object_object_add(o, "problems", a);
			printf("%s\n", json_object_to_json_string_ext(o,
			    JSON_C_TO_STRING_PRETTY |
			    JSON_C_TO_STRING_NOSLASHESCAPE));
			json_object_put(o);
		} else
			printf("NOT healthy:\n  %s\n", why);
		return 1;
	}
	fputs(reply, stdout);
	free(reply);
	return ok ? 0 : 1;
}

/* Several gateways' histories or audit logs (--state-dir, --audit-dir). */
#define CLI_MAXDIRS	64

/*
 * stats --state-dir DIR ...: today and this month from those histories,
 * merged when several (report/fleet.c); the daemon need not run.
 */
static int
stats_offline(const char *const *dirs, size_t ndirs, int json)
{
	struct report	 day[CLI_MAXDIRS], month[CLI_MAXDIRS], md, mm;
	char		*db[CLI_MAXDIRS], today[16], this[8], err[4400];
	unsigned	 flags = ndirs > 1 ? REPORT_SETS : 0;
	struct tm	 tm;
	time_t		 now = time(NULL);
	size_t		 g, n = 0;
	int		 rc = 1;

	localtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	snprintf(this, sizeof(this), "%.7s", today);
	for (g = 0; g < ndirs; g++) {
		if (asprintf(&db[g], "%s/v6gate.db", dirs[g]) == -1) {
			snprintf(err, sizeof(err), "out of memory");
			goto fail;
		}
		if (report_load(&day[g], db[g], today, flags, err,
		    sizeof(err)) == -1) {
			free(db[g]);
			goto fail;
		}
		if (report_load(&month[g], db[g], this, flags, err,
		    sizeof(err)) == -1) {
			report_free(&day[g]);
			free(db[g]);
			goto fail;
		}
		n++;
	}
	if (n == 1)
		(json ? report_fleet_json : report_fleet_text)(&day[0],
		    &month[0], stdout);
	else {
		if (report_merge(&md, day, n, err, sizeof(err)) == -1)
			goto fail;
		if (report_merge(&mm, month, n, err, sizeof(err)) == -1) {
			report_free(&md);
			goto fail;
		}
		(json ? report_fleet_json : report_fleet_text)(&md, &mm,
		    stdout);
		report_free(&md);
		report_free(&mm);
	}
	rc = fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
	goto done;
fail:
	fprintf(stderr, "v6gatectl: %s\n", err);
done:
	for (g = 0; g < n; g++) {
		report_free(&day[g]);
		report_free(&month[g]);
		free(db[g]);
	}
	return rc;
}

static int
cmd_stats(const struct command *c, int argc, char **argv)
{
	const char	*svc = NULL, *dirs[CLI_MAXDIRS];
	char		 req[256];
	size_t		 ndirs = 0;
	int		 i, json = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--service") == 0 && i + 1 < argc &&
		    svc == NULL)
			svc = argv[++i];
		else if (strcmp(argv[i], "--state-dir") == 0 && i + 1 < argc &&
		    ndirs < CLI_MAXDIRS)
			dirs[ndirs++] = argv[++i];
		else
			goto usage;
	}
	if (ndirs > 0 && svc == NULL)
		return stats_offline(dirs, ndirs, json);
	if (ndirs > 0)
		goto usage;
	/* the control protocol splits on white space */
	if (svc != NULL && (svc[0] == '\0' || strlen(svc) > 64 ||
	    strpbrk(svc, " \t\r\n") != NULL)) {
		fprintf(stderr, "v6gatectl: \"%s\" is not a service name\n",
		    svc);
		return 2;
	}
	snprintf(req, sizeof(req), "%s%s%s%s", c->wire, json ? " json" : "",
	    svc ? " service " : "", svc ? svc : "");
	return request(req);
usage:
	fprintf(stderr, "usage: v6gatectl stats [--service NAME] [--json]\n"
	    "       v6gatectl stats --state-dir DIR ... [--json]\n");
	return 2;
}

/*
 * The monthly report, from the history database itself (read-only): it
 * needs no daemon, so last month can be reported while v6gated is down.
 * With --state-dir, of those histories instead: one is reported as it is,
 * several are merged (report/merge.c).
 */
static int
cmd_report(const struct command *c, int argc, char **argv)
{
	static const struct {
		const char	*name;
		void		(*fn)(const struct report *, FILE *);
	} formats[] = {
		{ "text", report_text }, { "csv", report_csv },
		{ "json", report_json }, { "html", report_html },
	};
	const char	*month = NULL, *format = "text", *file;
	const char	*dirs[CLI_MAXDIRS];
	char		 dir[4096], name[128], err[4400];
	char		*db[CLI_MAXDIRS];
	struct report	 r, parts[CLI_MAXDIRS];
	size_t		 f, ndirs = 0, nparts = 0, g;
	int		 i, rc = 1;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--month") == 0 && i + 1 < argc)
			month = argv[++i];
		else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			format = argv[++i];
		else if (strcmp(argv[i], "--state-dir") == 0 && i + 1 < argc &&
		    ndirs < CLI_MAXDIRS)
			dirs[ndirs++] = argv[++i];
		else
			goto usage;
	}
	if (month == NULL)
		goto usage;
	if (report_month_check(month) == -1) {
		fprintf(stderr, "v6gatectl: \"%s\" is not a month (YYYY-MM, "
		    "e.g. 2026-10)\n", month);
		return 2;
	}
	for (f = 0; f < sizeof(formats) / sizeof(formats[0]); f++)
		if (strcmp(format, formats[f].name) == 0)
			break;
	if (f == sizeof(formats) / sizeof(formats[0])) {
		fprintf(stderr, "v6gatectl: unknown format \"%s\" (text, csv, "
		    "json or html)\n", format);
		return 2;
	}
	name[0] = '\0';
	if (ndirs == 0) {
		/* state_dir and name of the configuration, nothing else */
		file = conf_path != NULL ? conf_path : V6G_CONF_FILE;
		if (conf_gateway_string(file, "state_dir", V6G_STATE_DIR, dir,
		    sizeof(dir), err, sizeof(err)) == -1)
			fprintf(stderr, "v6gatectl: %s; using %s\n", err, dir);
		(void)conf_gateway_string(file, "name", "", name,
		    sizeof(name), err, sizeof(err));
		dirs[ndirs++] = dir;
	}
	for (g = 0; g < ndirs; g++) {
		if (asprintf(&db[g], "%s/v6gate.db", dirs[g]) == -1) {
			fprintf(stderr, "v6gatectl: out of memory\n");
			goto done;
		}
		if (report_load(&parts[g], db[g], month, ndirs > 1 ?
		    REPORT_SETS : 0, err, sizeof(err)) == -1) {
			fprintf(stderr, "v6gatectl: %s\n", err);
			free(db[g]);
			goto done;
		}
		nparts++;
	}
	parts[0].gateway = name[0] != '\0' ? name : NULL;
	if (nparts == 1)
		formats[f].fn(&parts[0], stdout);
	else {
		if (report_merge(&r, parts, nparts, err, sizeof(err)) == -1) {
			fprintf(stderr, "v6gatectl: %s\n", err);
			goto done;
		}
		formats[f].fn(&r, stdout);
		report_free(&r);
	}
	rc = fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
done:
	for (g = 0; g < nparts; g++) {
		report_free(&parts[g]);
		free(db[g]);
	}
	return rc;
usage:
	fprintf(stderr, "usage: v6gatectl report --month YYYY-MM "
	    "[--format text|csv|json|html] [--state-dir DIR ...]\n");
	return 2;
}

/* What trace prints with: the form, and the dirs it searched. */
struct trace_out {
	int			 json;
	const char *const	*dirs;
	size_t			 ndirs;
};

static void
trace_print(void *arg, size_t dir, json_object *o, const char *line)
{
	const struct trace_out	*t = arg;
	json_object		*v;
	const char		*k[] = { "open", "close", "client", "service",
				    "name", "backend", "local", "listener",
				    "id", "reason" };
	const char		*s[10];
	size_t			 i;

	/* several gateways' logs: each record says whose it is */
	if (t->json && t->ndirs > 1) {
		json_object_object_add(o, "audit_dir",
		    json_object_new_string(t->dirs[dir]));
		printf("%s\n", json_object_to_json_string_ext(o,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		return;
	}
	if (t->json) {
		fputs(line, stdout);
		if (line[0] != '\0' && line[strlen(line) - 1] != '\n')
			fputc('\n', stdout);
		return;
	}
	for (i = 0; i < 10; i++)
		s[i] = json_object_object_get_ex(o, k[i], &v) &&
		    json_object_get_string(v) ? json_object_get_string(v) : "-";
	/* bytes are null for NAT64 mappings (Jool does not count them) */
	printf("%s .. %s  client %s  service %s  name %s\n"
	    "    backend %s from %s, listener %s, id %s, in %s out %s, "
	    "%s\n", s[0], strcmp(s[1], "-") == 0 ? "(open)" : s[1], s[2],
	    s[3], s[4], s[5], s[6], s[7], s[8],
	    json_object_object_get_ex(o, "bytes_in", &v) && v != NULL ?
	    json_object_get_string(v) : "-",
	    json_object_object_get_ex(o, "bytes_out", &v) && v != NULL ?
	    json_object_get_string(v) : "-", s[9]);
	if (t->ndirs > 1)
		printf("    audit dir %s\n", t->dirs[dir]);
}

/*
 * The audit log, read directly like the report: who the client behind a
 * server's peer address was, or what a client did.
 */
static int
cmd_trace(const struct command *c, int argc, char **argv)
{
	struct trace_query	 q;
	struct trace_out	 out = { 0, NULL, 0 };
	const char		*file, *dirs[CLI_MAXDIRS];
	char			 dir[4096], path[4200], err[4400];
	const char		*at = NULL, *peer = NULL, *server = NULL;
	const char		*client = NULL, *from = NULL, *to = NULL;
	const char		*skew = "2";
	uint64_t		 skew_ms;
	long			 n;
	int			 i;

	for (i = 1; i < argc; i++) {
		const char **opt = NULL;

		if (strcmp(argv[i], "--json") == 0) {
			out.json = 1;
			continue;
		}
		if (strcmp(argv[i], "--audit-dir") == 0 && i + 1 < argc &&
		    out.ndirs < CLI_MAXDIRS) {
			dirs[out.ndirs++] = argv[++i];
			continue;
		}
		if (strcmp(argv[i], "--at") == 0)
			opt = &at;
		else if (strcmp(argv[i], "--peer") == 0)
			opt = &peer;
		else if (strcmp(argv[i], "--server") == 0)
			opt = &server;
		else if (strcmp(argv[i], "--skew") == 0)
			opt = &skew;
		else if (strcmp(argv[i], "--client") == 0)
			opt = &client;
		else if (strcmp(argv[i], "--from") == 0)
			opt = &from;
		else if (strcmp(argv[i], "--to") == 0)
			opt = &to;
		if (opt == NULL || i + 1 >= argc)
			goto usage;
		*opt = argv[++i];
	}
	memset(&q, 0, sizeof(q));
	if (at != NULL && peer != NULL && client == NULL && from == NULL &&
	    to == NULL) {
		q.mode = TRACE_PEER;
		if (trace_time_parse(at, &q.at_ms) == -1) {
			fprintf(stderr, "v6gatectl: --at %s: not a time (RFC "
			    "3339 or Unix seconds)\n", at);
			return 2;
		}
		if (addr_parse_endpoint(peer, &q.peer, err, sizeof(err)) ==
		    -1 || (server != NULL && (q.has_server = 1) &&
		    addr_parse_endpoint(server, &q.server, err, sizeof(err)) ==
		    -1)) {
			fprintf(stderr, "v6gatectl: %s\n", err);
			return 2;
		}
		if (trace_time_parse(skew, &skew_ms) == -1 ||
		    skew_ms > 86400000) {
			fprintf(stderr, "v6gatectl: --skew %s: seconds, at "
			    "most 86400\n", skew);
			return 2;
		}
		q.skew_ms = skew_ms;
	} else if (client != NULL && from != NULL && to != NULL &&
	    at == NULL && peer == NULL && server == NULL) {
		q.mode = TRACE_CLIENT;
		if (addr_prefix_parse(client, &q.prefix, &q.prefix_len) ==
		    -1) {
			fprintf(stderr, "v6gatectl: --client %s: not an "
			    "address or prefix\n", client);
			return 2;
		}
		if (trace_time_parse(from, &q.from_ms) == -1 ||
		    trace_time_parse(to, &q.to_ms) == -1 ||
		    q.to_ms < q.from_ms) {
			fprintf(stderr, "v6gatectl: --from %s --to %s: not "
			    "two times in order\n", from, to);
			return 2;
		}
	} else
		goto usage;
	if (out.ndirs == 0) {
		file = conf_path != NULL ? conf_path : V6G_CONF_FILE;
		if (conf_gateway_string(file, "state_dir", V6G_STATE_DIR, dir,
		    sizeof(dir), err, sizeof(err)) == -1)
			fprintf(stderr, "v6gatectl: %s; using %s\n", err, dir);
		snprintf(path, sizeof(path), "%s/audit", dir);
		dirs[out.ndirs++] = path;
	}
	out.dirs = dirs;
	if ((n = trace_run(dirs, out.ndirs, &q, trace_print, &out, err,
	    sizeof(err))) == -1) {
		fprintf(stderr, "v6gatectl: %s\n", err);
		return 1;
	}
	if (n == 0) {
		fprintf(stderr, "v6gatectl: no connection matches\n");
		return 1;
	}
	return fflush(stdout) == 0 ? 0 : 1;
usage:
	fprintf(stderr, "usage: v6gatectl trace --at TIME --peer ADDR:PORT "
	    "[--server ADDR:PORT] [--skew S] [--json] [--audit-dir DIR ...]\n"
	    "       v6gatectl trace --client PREFIX --from TIME --to TIME "
	    "[--json] [--audit-dir DIR ...]\n");
	return 2;
}

/* "drain SERVICE BACKEND" and "enable SERVICE BACKEND" */
static int
cmd_drain(const struct command *c, int argc, char **argv)
{
	char	req[320];

	if (argc != 3 || strpbrk(argv[1], " \t\n") != NULL ||
	    strpbrk(argv[2], " \t\n") != NULL || strlen(argv[1]) +
	    strlen(argv[2]) > 200) {
		fprintf(stderr, "usage: v6gatectl %s SERVICE BACKEND "
		    "(as in v6gatectl backends: portal 10.1.0.5:443)\n",
		    argv[0]);
		return 2;
	}
	if ((size_t)snprintf(req, sizeof(req), "%s %s %s", c->wire, argv[1],
	    argv[2]) >= sizeof(req))
		return 2;
	return request(req);
}

static int
cmd_jool(const struct command *c, int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "sessions") == 0)
		return cmd_json(&command_table[CMD_JOOL_SESSIONS], argc - 1,
		    argv + 1);
	return cmd_json(c, argc, argv);
}

/*
 * --recreate-nat64: Jool cannot change a live NAT64 instance's pool6
 * (Jool #317); this removes and recreates it, dropping its sessions.
 */
static int
cmd_reload(const struct command *c, int argc, char **argv)
{
	char	req[64];

	if (argc == 1)
		return request(c->wire);
	if (argc == 2 && strcmp(argv[1], "--recreate-nat64") == 0) {
		snprintf(req, sizeof(req), "%s recreate-nat64", c->wire);
		return request(req);
	}
	fprintf(stderr, "usage: v6gatectl reload [--recreate-nat64]\n");
	return 2;
}

/* The whole configuration, for the commands that read more than the
   gateway group; its problems on stderr, as check-config prints them. */
static struct gw_conf *
cli_conf(void)
{
	struct conf_report	 rep;
	struct gw_conf		*gc;
	const char		*file = conf_path ? conf_path : V6G_CONF_FILE;
	size_t			 i;

	gc = conf_load(file, &rep);
	for (i = 0; i < rep.nerrors; i++)
		fprintf(stderr, "%s\n", rep.errors[i]);
	if (gc == NULL)
		fprintf(stderr, "v6gatectl: %s: %zu error%s\n", file,
		    rep.nerrors, rep.nerrors == 1 ? "" : "s");
	conf_report_free(&rep);
	return gc;
}

/*
 * The IPv6 support self-check, run here and now (the daemon runs the same
 * every readiness.interval): 0 when every site passes, 1 when one fails.
 */
static int
cmd_readiness(const struct command *c, int argc, char **argv)
{
	const char	*service = NULL, *format = "text";
	struct gw_conf	*gc;
	json_object	*doc;
	char		 err[512];
	int		 i, rc, store = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			format = "json";
		else if (strcmp(argv[i], "--store") == 0)
			store = 1;
		else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			format = argv[++i];
		else if (strcmp(argv[i], "--service") == 0 && i + 1 < argc)
			service = argv[++i];
		else
			goto usage;
	}
	if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0 &&
	    strcmp(format, "html") != 0)
		goto usage;
	if ((gc = cli_conf()) == NULL)
		return 2;
	if ((doc = ready_run(gc, service, err, sizeof(err))) == NULL) {
		fprintf(stderr, "v6gatectl: readiness: %s\n", err);
		conf_free(gc);
		return 2;
	}
	if (strcmp(format, "json") == 0)
		printf("%s\n", json_object_to_json_string_ext(doc,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	else if (strcmp(format, "html") == 0)
		ready_print_html(doc, stdout);
	else
		ready_print_text(doc, stdout);
	rc = ready_passed(doc) ? 0 : 1;
	/* the daemon's checker keeps it in the history */
	if (store && record_put(gc->state_dir, doc, gc->acct_days, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "v6gatectl: readiness: %s\n", err);
		rc = 2;
	}
	json_object_put(doc);
	conf_free(gc);
	return fflush(stdout) == 0 && !ferror(stdout) ? rc : 2;
usage:
	fprintf(stderr, "usage: v6gatectl readiness [--service NAME] "
	    "[--json | --format text|json|html] [--store]\n");
	return 2;
}

/* The records to publish; with --check, what DNS answers (1: a name is
   missing or wrong). */
static int
cmd_dns(const struct command *c, int argc, char **argv)
{
	struct gw_conf	*gc;
	json_object	*doc;
	char		 err[512];
	int		 i, json = 0, check = 0, rc;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--check") == 0)
			check = 1;
		else {
			fprintf(stderr, "usage: v6gatectl dns [--check] "
			    "[--json]\n");
			return 2;
		}
	}
	if ((gc = cli_conf()) == NULL)
		return 2;
	if ((doc = zone_records(gc, check, err, sizeof(err))) == NULL) {
		fprintf(stderr, "v6gatectl: dns: %s\n", err);
		conf_free(gc);
		return 2;
	}
	if (json)
		printf("%s\n", json_object_to_json_string_ext(doc,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	else
		zone_print_text(doc, stdout);
	rc = zone_ok(doc) ? 0 : 1;
	json_object_put(doc);
	conf_free(gc);
	return fflush(stdout) == 0 && !ferror(stdout) ? rc : 2;
}

static int
cmd_check_config(const struct command *c, int argc, char **argv)
{
	struct conf_report	 rep;
	struct gw_conf		*gc;
	const char		*file;
	size_t			 i;

	if (argc > 2) {
		fprintf(stderr, "usage: v6gatectl check-config [FILE]\n");
		return 2;
	}
	file = argc == 2 ? argv[1] : conf_path ? conf_path : V6G_CONF_FILE;
	gc = conf_load(file, &rep);
	for (i = 0; i < rep.nwarnings; i++)
		fprintf(stderr, "warning: %s\n", rep.warnings[i]);
	for (i = 0; i < rep.nerrors; i++)
		fprintf(stderr, "%s\n", rep.errors[i]);
	if (gc == NULL) {
		fprintf(stderr, "%s: %zu error%s\n", file, rep.nerrors,
		    rep.nerrors == 1 ? "" : "s");
		conf_report_free(&rep);
		return 1;
	}
	printf("configuration OK\n");
	conf_report_free(&rep);
	conf_free(gc);
	return 0;
}

static int
cmd_version(const struct command *c, int argc, char **argv)
{
	printf("v6gatectl %s\n", PACKAGE_VERSION);
	return 0;
}

static int
cmd_help(const struct command *c, int argc, char **argv)
{
	usage(stdout);
	return 0;
}

int
main(int argc, char *argv[])
{
	const struct command	*c;
	int			 ch;

	while ((ch = getopt(argc, argv, "+s:c:h")) != -1) {
		switch (ch) {
		case 's':
			socket_path = optarg;
			break;
		case 'c':
			conf_path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0) {
		usage(stderr);
		return 2;
	}
	if ((c = command_find(argv[0])) != NULL)
		return cmds[c->id](c, argc, argv);
	fprintf(stderr, "v6gatectl: unknown command \"%s\"\n\n", argv[0]);
	usage(stderr);
	return 2;
}
