/* SPDX-License-Identifier: ISC */
/*
 * The control commands' table (src/api/command.c), which v6gatectl and
 * v6gated both dispatch on: every row in its place, names and wire forms
 * unique, each row's columns as its where says, every request the daemon
 * answers found by the daemon's own matcher (and the wrong number of words
 * refused, as "unknown request"), and every usage line printable.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/command.h"
#include "api/control.h"
#include "t.h"

/* Split s (a copy of it in buf) on spaces into argv; returns argc. */
static int
split(const char *s, char *buf, size_t len, char **argv, int max)
{
	char	*p, *save = NULL;
	int	 argc = 0;

	snprintf(buf, len, "%s", s);
	for (p = strtok_r(buf, " ", &save); p != NULL && argc < max;
	    p = strtok_r(NULL, " ", &save))
		argv[argc++] = p;
	return argc;
}

/* The command request s asks for, or NULL; *n is set to its wire words. */
static const struct command *
match(const char *s, int *n)
{
	static char	 buf[CONTROL_LINE_MAX];
	char		*argv[CONTROL_ARGS_MAX];
	int		 argc;

	argc = split(s, buf, sizeof(buf), argv, CONTROL_ARGS_MAX);
	return command_match(argc, argv, n);
}

static void
test_rows(void)
{
	const struct command	*c, *d;
	size_t			 i, j;

	for (i = 0; i < CMD_NCOMMANDS; i++) {
		c = &command_table[i];
		/* a hole in the designated initializers is all zeroes */
		CHECK_INT(c->id, i);
		CHECK(c->help != NULL && c->help[0] != '\0');
		switch (c->where) {
		case CMD_DAEMON:
			CHECK(c->name != NULL && c->wire != NULL);
			break;
		case CMD_REQUEST:
			CHECK(c->name == NULL && c->wire != NULL);
			CHECK(c->usage == NULL);
			break;
		case CMD_LOCAL:
			CHECK(c->name != NULL && c->wire == NULL);
			break;
		default:
			CHECK(!"a where that is none of the three");
		}
		for (j = 0; j < i; j++) {
			d = &command_table[j];
			if (c->name != NULL && d->name != NULL &&
			    strcmp(c->name, d->name) == 0) {
				fprintf(stderr, "name \"%s\" twice\n",
				    c->name);
				CHECK(!"names are unique");
			}
			if (c->wire != NULL && d->wire != NULL &&
			    strcmp(c->wire, d->wire) == 0) {
				fprintf(stderr, "wire \"%s\" twice\n",
				    c->wire);
				CHECK(!"wire forms are unique");
			}
		}
	}
}

/* Each line of "v6gatectl help": "  %-13s %-25s %s". */
static void
test_usage(void)
{
	const struct command	*c;
	size_t			 i, n = 0;

	for (i = 0; i < CMD_NCOMMANDS; i++) {
		c = &command_table[i];
		if (c->name == NULL)
			continue;
		n++;
		CHECK(c->name[0] != '\0' && strlen(c->name) <= 13);
		/* "" for a command without arguments (version, help) */
		CHECK(c->usage != NULL && strlen(c->usage) <= 25);
		CHECK(strlen(c->name) + strlen(c->usage) +
		    strlen(c->help) > 0);
		CHECK(command_find(c->name) == c);
	}
	CHECK_INT(n, 16);
	CHECK(command_find("frobnicate") == NULL);
	CHECK(command_find("") == NULL);
	/* requests without a command of their own are not commands */
	CHECK(command_find("ping") == NULL);
	CHECK(command_find("jool sessions") == NULL);
}

/* Every request the daemon answers: its wire form, with as many words
   after it as it takes, is what the daemon's matcher finds. */
static void
test_wire(void)
{
	const struct command	*c;
	char			 req[CONTROL_LINE_MAX], buf[CONTROL_LINE_MAX];
	char			*argv[CONTROL_ARGS_MAX];
	size_t			 i;
	int			 k, n, words;

	for (i = 0; i < CMD_NCOMMANDS; i++) {
		c = &command_table[i];
		if (c->where == CMD_LOCAL)
			continue;
		/* the control protocol splits on white space: one space
		   between words, none around them */
		CHECK(c->wire[0] != '\0' && c->wire[0] != ' ' &&
		    c->wire[strlen(c->wire) - 1] != ' ' &&
		    strstr(c->wire, "  ") == NULL &&
		    strpbrk(c->wire, "\t\r\n") == NULL);
		words = split(c->wire, buf, sizeof(buf), argv,
		    CONTROL_ARGS_MAX);
		CHECK(words + (c->nargs == CMD_ANY ? 0 : c->nargs) <=
		    CONTROL_ARGS_MAX);
		snprintf(req, sizeof(req), "%s", c->wire);
		for (k = 0; c->nargs != CMD_ANY && k < c->nargs; k++)
			strcat(req, " x");
		if (match(req, &n) != c) {
			fprintf(stderr, "\"%s\" is not %s's request\n", req,
			    c->wire);
			CHECK(!"the daemon answers each wire form");
		}
		CHECK_INT(n, words);
		if (c->nargs == CMD_ANY) {
			strcat(req, " json");
			CHECK(match(req, &n) == c);
			continue;
		}
		strcat(req, " x");
		CHECK(match(req, &n) == NULL);
		if (c->nargs > 0) {
			snprintf(req, sizeof(req), "%s", c->wire);
			CHECK(match(req, &n) == NULL);
		}
	}
}

/* The forms v6gatectl sends, and some it never does. */
static void
test_requests(void)
{
	static const struct {
		const char	*req;
		int		 id;	/* -1: unknown request */
		int		 words;
	} cases[] = {
		{ "status", CMD_STATUS, 1 },
		{ "status json", CMD_STATUS, 1 },
		{ "services json", CMD_SERVICES, 1 },
		{ "backends", CMD_BACKENDS, 1 },
		{ "drain portal 10.1.0.5:443", CMD_DRAIN, 1 },
		{ "enable portal 10.1.0.5:443", CMD_ENABLE, 1 },
		{ "stats json service www", CMD_STATS, 1 },
		{ "jool", CMD_JOOL, 1 },
		{ "jool json", CMD_JOOL, 1 },
		{ "jool sessions", CMD_JOOL_SESSIONS, 2 },
		{ "jool sessions json", CMD_JOOL_SESSIONS, 2 },
		{ "reload", CMD_RELOAD, 1 },
		{ "reload recreate-nat64", CMD_RELOAD, 1 },
		{ "ping", CMD_PING, 1 },
		{ "drain portal", -1, 0 },
		{ "enable", -1, 0 },
		{ "frobnicate", -1, 0 },
		{ "statu", -1, 0 },
		{ "statuses", -1, 0 },
		{ "sessions", -1, 0 },
		/* run by v6gatectl itself: never a request */
		{ "check-config", -1, 0 },
		{ "report", -1, 0 },
		{ "help", -1, 0 },
	};
	const struct command	*c;
	size_t			 i;
	int			 n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = match(cases[i].req, &n);
		if (cases[i].id == -1) {
			CHECK(c == NULL);
			continue;
		}
		CHECK(c == &command_table[cases[i].id]);
		CHECK_INT(n, cases[i].words);
	}
}

int
main(void)
{
	test_rows();
	test_usage();
	test_wire();
	test_requests();
	return t_done("test_command");
}
