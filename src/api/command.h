/* SPDX-License-Identifier: ISC */
#ifndef V6G_COMMAND_H
#define V6G_COMMAND_H

/*
 * The control commands: one table that drives v6gatectl's dispatch and
 * usage and v6gated's dispatch, so the two ends cannot disagree about
 * which commands exist or what a command sends on the wire.  This module
 * only describes and matches requests; it runs no command, opens no socket
 * (control.c does) and never logs.
 *
 * COMMANDS(X) is the table, one row per command, in "v6gatectl help" order:
 *
 *   X(ID, where, cli, answer, name, wire, nargs, usage, help)
 *
 *   ID      its enum command_id, CMD_<ID>
 *   where   DAEMON   v6gatectl sends wire, v6gated answers
 *           REQUEST  a request with no command name of its own (a sub-form
 *                    that another command sends, or for scripts)
 *           LOCAL    v6gatectl runs it itself, with no daemon
 *   cli     v6gatectl's function: cmd_<cli> (DAEMON, LOCAL; else -)
 *   answer  v6gated's handler: answer_<answer> (DAEMON, REQUEST; else -)
 *   name    what the operator types after "v6gatectl" (NULL for REQUEST)
 *   wire    the request's first words on the socket (NULL for LOCAL)
 *   nargs   how many words follow them: CMD_ANY, or exactly that many
 *           (other counts are an unknown request)
 *   usage, help   the command's line in "v6gatectl help"
 *
 * Each program builds its array of functions from the table by where (see
 * below), so a command whose function is missing does not compile.
 */
#define CMD_ANY		(-1)

#define COMMANDS(X)							\
	X(STATUS, DAEMON, json, status, "status", "status", CMD_ANY,	\
	    "[--json]",							\
	    "services, listeners, connections and bytes carried")	\
	X(SERVICES, DAEMON, json, services, "services", "services",	\
	    CMD_ANY, "[--json]",					\
	    "each service: where clients reach it, what serves it")	\
	X(BACKENDS, DAEMON, json, backends, "backends", "backends",	\
	    CMD_ANY, "[--json]",					\
	    "each proxy backend: state, last check, certificate, "	\
	    "connections")						\
	X(DRAIN, DAEMON, drain, drain, "drain", "drain", 2,		\
	    "SERVICE BACKEND",						\
	    "no new connections to BACKEND; open ones finish")		\
	X(ENABLE, DAEMON, drain, enable, "enable", "enable", 2,		\
	    "SERVICE BACKEND",						\
	    "undo drain: BACKEND takes new connections when up")	\
	X(HEALTH, DAEMON, health, health, "health", "health", CMD_ANY,	\
	    "[--json]",							\
	    "exit 0 when this gateway can serve (keepalived's "	\
	    "vrrp_script)")						\
	X(STATS, DAEMON, stats, stats, "stats", "stats", CMD_ANY,	\
	    "[--service NAME] [--json]",				\
	    "traffic per service and family; distinct clients (of "	\
	    "histories, merged: --state-dir D ...)")			\
	X(REPORT, LOCAL, report, -, "report", NULL, 0,			\
	    "--month M [--format F]",					\
	    "month M (YYYY-MM) of the history, of several merged with "	\
	    "--state-dir D ...: text, csv, json, html")			\
	X(TRACE, LOCAL, trace, -, "trace", NULL, 0,			\
	    "--at T --peer A:P | ...",					\
	    "who a server's peer was: the audit log, or several "	\
	    "(--audit-dir D ...; see v6gatectl(8))")			\
	X(JOOL, DAEMON, jool, jool, "jool", "jool", CMD_ANY,		\
	    "[sessions] [--json]",					\
	    "the Jool module, instances, pool4/EAM, counters; or the "	\
	    "NAT64 sessions")						\
	X(JOOL_SESSIONS, REQUEST, -, jool_sessions, NULL,		\
	    "jool sessions", CMD_ANY, NULL,				\
	    "the NAT64 sessions (v6gatectl jool sessions)")		\
	X(RELOAD, DAEMON, reload, reload, "reload", "reload", CMD_ANY,	\
	    "[--recreate-nat64]",					\
	    "reload the configuration file (a bad file is refused)")	\
	X(PING, REQUEST, -, ping, NULL, "ping", CMD_ANY, NULL,		\
	    "answers pong: for scripts that wait for the daemon")	\
	X(READINESS, LOCAL, readiness, -, "readiness", NULL, 0,	\
	    "[--service S] [--json]",					\
	    "check the sites as the IPv6 assessment does; what fails")	\
	X(DNS, LOCAL, dns, -, "dns", NULL, 0, "[--check] [--json]",	\
	    "the AAAA records to publish; --check: what DNS answers")	\
	X(CHECK_CONFIG, LOCAL, check_config, -, "check-config", NULL, 0, \
	    "[FILE]", "check a configuration file without the daemon")	\
	X(VERSION, LOCAL, version, -, "version", NULL, 0, "",		\
	    "print the version")					\
	X(HELP, LOCAL, help, -, "help", NULL, 0, "", "this list")

#define COMMAND_ID(ID, ...)	CMD_##ID,
enum command_id {
	COMMANDS(COMMAND_ID)
	CMD_NCOMMANDS
};
#undef COMMAND_ID

enum command_where {
	CMD_DAEMON,		/* v6gatectl NAME sends wire; v6gated answers */
	CMD_REQUEST,		/* a wire request only; v6gated answers */
	CMD_LOCAL		/* v6gatectl runs it; no daemon, no wire */
};

struct command {
	enum command_id		 id;
	enum command_where	 where;
	const char		*name;	/* NULL: CMD_REQUEST */
	const char		*wire;	/* NULL: CMD_LOCAL */
	int			 nargs;	/* words after wire, or CMD_ANY */
	const char		*usage;	/* NULL: CMD_REQUEST */
	const char		*help;
};

/* Indexed by enum command_id. */
extern const struct command	command_table[CMD_NCOMMANDS];

/*
 * An array of functions indexed by enum command_id, filled by where: the
 * caller defines one macro per where, e.g. v6gated's
 *
 *   #define ANSWER_DAEMON(id, fn)	[id] = answer_##fn,
 *   #define ANSWER_REQUEST(id, fn)	[id] = answer_##fn,
 *   #define ANSWER_LOCAL(id, fn)
 *   #define ANSWER(ID, where, cli, answer, ...) \
 *	ANSWER_##where(CMD_##ID, answer)
 *   static answer_fn *const answers[CMD_NCOMMANDS] = { COMMANDS(ANSWER) };
 *
 * A row naming a function that does not exist is a compile error there.
 * Heads up: paste CMD_##ID in the outermost macro.  An ID handed on bare
 * is macro-expanded first, and config.h defines VERSION.
 */

/* The command v6gatectl NAME runs, or NULL (a request only, or unknown). */
const struct command	*command_find(const char *);

/*
 * The daemon's side: the command a request (its words) asks for, or NULL
 * (unknown, or the wrong number of words after it).  The longest wire form
 * wins ("jool sessions" over "jool"); *nwords is set to its length, so the
 * arguments are argv + *nwords.
 */
const struct command	*command_match(int, char **, int *);

#endif
