/* SPDX-License-Identifier: ISC */
/*
 * v6gatectl: the operator's command line.  A table of commands drives both
 * dispatch and usage (as wireguard-tools' wg.c does).  Commands that ask the
 * daemon send one request over the control socket and print its answer;
 * check-config runs the same checker as "v6gated -t" without a daemon.
 */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/control.h"
#include "conf/conf.h"
#include "report/month.h"
#include "config.h"

static const char	*socket_path;
static const char	*conf_path;

struct command {
	const char	*name;
	int		(*fn)(int, char **);
	const char	*args;
	const char	*help;
};

static int	json_request(int, char **, const char *);
static int	cmd_status(int, char **);
static int	cmd_services(int, char **);
static int	cmd_stats(int, char **);
static int	cmd_report(int, char **);
static int	cmd_jool(int, char **);
static int	cmd_reload(int, char **);
static int	cmd_check_config(int, char **);
static int	cmd_version(int, char **);
static int	cmd_help(int, char **);

static const struct command commands[] = {
	{ "status", cmd_status, "[--json]",
	    "services, listeners, connections and bytes carried" },
	{ "services", cmd_services, "[--json]",
	    "each service: where clients reach it, what serves it" },
	{ "stats", cmd_stats, "[--service NAME] [--json]",
	    "traffic per service and family; distinct clients" },
	{ "report", cmd_report, "--month M [--format F]",
	    "month M (YYYY-MM) of the history: text, csv, json, html" },
	{ "jool", cmd_jool, "[sessions] [--json]",
	    "the Jool module, instances, pool4/EAM, counters; or the NAT64 "
	    "sessions" },
	{ "reload", cmd_reload, "[--recreate-nat64]",
	    "reload the configuration file (a bad file is refused)" },
	{ "check-config", cmd_check_config, "[FILE]",
	    "check a configuration file without the daemon" },
	{ "version", cmd_version, "", "print the version" },
	{ "help", cmd_help, "", "this list" },
};

static void
usage(FILE *out)
{
	size_t	i;

	fprintf(out, "usage: v6gatectl [-s socket] [-c file] command "
	    "[args]\n\ncommands:\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(out, "  %-13s %-25s %s\n", commands[i].name,
		    commands[i].args, commands[i].help);
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

static int
cmd_status(int argc, char **argv)
{
	return json_request(argc, argv, "status");
}

/* "cmd [--json]" as the daemon's "cmd [json]" */
static int
json_request(int argc, char **argv, const char *cmd)
{
	char	req[64];

	if (argc == 1)
		return request(cmd);
	if (argc == 2 && strcmp(argv[1], "--json") == 0) {
		snprintf(req, sizeof(req), "%s json", cmd);
		return request(req);
	}
	fprintf(stderr, "usage: v6gatectl %s [--json]\n", cmd);
	return 2;
}

static int
cmd_services(int argc, char **argv)
{
	return json_request(argc, argv, "services");
}

static int
cmd_stats(int argc, char **argv)
{
	const char	*svc = NULL;
	char		 req[256];
	int		 i, json = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else if (strcmp(argv[i], "--service") == 0 && i + 1 < argc &&
		    svc == NULL)
			svc = argv[++i];
		else
			goto usage;
	}
	/* the control protocol splits on white space */
	if (svc != NULL && (svc[0] == '\0' || strlen(svc) > 64 ||
	    strpbrk(svc, " \t\r\n") != NULL)) {
		fprintf(stderr, "v6gatectl: \"%s\" is not a service name\n",
		    svc);
		return 2;
	}
	snprintf(req, sizeof(req), "stats%s%s%s", json ? " json" : "",
	    svc ? " service " : "", svc ? svc : "");
	return request(req);
usage:
	fprintf(stderr, "usage: v6gatectl stats [--service NAME] [--json]\n");
	return 2;
}

/*
 * The monthly report, from the history database itself (read-only): it
 * needs no daemon, so last month can be reported while v6gated is down.
 */
static int
cmd_report(int argc, char **argv)
{
	static const struct {
		const char	*name;
		void		(*fn)(const struct report *, FILE *);
	} formats[] = {
		{ "text", report_text }, { "csv", report_csv },
		{ "json", report_json }, { "html", report_html },
	};
	const char	*month = NULL, *format = "text", *file;
	char		 dir[4096], db[4200], name[128], err[4400];
	struct report	 r;
	size_t		 f;
	int		 i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--month") == 0 && i + 1 < argc)
			month = argv[++i];
		else if (strcmp(argv[i], "--format") == 0 && i + 1 < argc)
			format = argv[++i];
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
	/* state_dir and name of the configuration, nothing else of it */
	file = conf_path != NULL ? conf_path : V6G_CONF_FILE;
	if (conf_gateway_string(file, "state_dir", V6G_STATE_DIR, dir,
	    sizeof(dir), err, sizeof(err)) == -1)
		fprintf(stderr, "v6gatectl: %s; using %s\n", err, dir);
	name[0] = '\0';
	(void)conf_gateway_string(file, "name", "", name, sizeof(name), err,
	    sizeof(err));
	snprintf(db, sizeof(db), "%s/v6gate.db", dir);
	if (report_load(&r, db, month, err, sizeof(err)) == -1) {
		fprintf(stderr, "v6gatectl: %s\n", err);
		return 1;
	}
	r.gateway = name[0] != '\0' ? name : NULL;
	formats[f].fn(&r, stdout);
	report_free(&r);
	return fflush(stdout) == 0 && !ferror(stdout) ? 0 : 1;
usage:
	fprintf(stderr, "usage: v6gatectl report --month YYYY-MM "
	    "[--format text|csv|json|html]\n");
	return 2;
}

static int
cmd_jool(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "sessions") == 0)
		return json_request(argc - 1, argv + 1, "jool sessions");
	return json_request(argc, argv, "jool");
}

/*
 * --recreate-nat64: Jool cannot change a live NAT64 instance's pool6
 * (Jool #317); this removes and recreates it, dropping its sessions.
 */
static int
cmd_reload(int argc, char **argv)
{
	if (argc == 1)
		return request("reload");
	if (argc == 2 && strcmp(argv[1], "--recreate-nat64") == 0)
		return request("reload recreate-nat64");
	fprintf(stderr, "usage: v6gatectl reload [--recreate-nat64]\n");
	return 2;
}

static int
cmd_check_config(int argc, char **argv)
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
cmd_version(int argc, char **argv)
{
	printf("v6gatectl %s\n", PACKAGE_VERSION);
	return 0;
}

static int
cmd_help(int argc, char **argv)
{
	usage(stdout);
	return 0;
}

int
main(int argc, char *argv[])
{
	size_t	i;
	int	ch;

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
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[0], commands[i].name) == 0)
			return commands[i].fn(argc, argv);
	fprintf(stderr, "v6gatectl: unknown command \"%s\"\n\n", argv[0]);
	usage(stderr);
	return 2;
}
