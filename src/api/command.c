/* SPDX-License-Identifier: ISC */
/*
 * The control commands' table (see command.h) and its two look-ups: by the
 * name the operator types, and by the words of a request on the socket.
 * Pure: no I/O, no logging, no state.
 */

#include <string.h>

#include "command.h"

#define COMMAND_ROW(ID, where, cli, answer, name, wire, nargs, usage,	\
    help)								\
	[CMD_##ID] = { CMD_##ID, CMD_##where, name, wire, nargs, usage,	\
	    help },
const struct command	command_table[CMD_NCOMMANDS] = {
	COMMANDS(COMMAND_ROW)
};
#undef COMMAND_ROW

const struct command *
command_find(const char *name)
{
	size_t	i;

	for (i = 0; i < CMD_NCOMMANDS; i++)
		if (command_table[i].name != NULL &&
		    strcmp(name, command_table[i].name) == 0)
			return &command_table[i];
	return NULL;
}

/* How many words of wire argv starts with: all of them, else 0. */
static int
command_words(const char *wire, int argc, char **argv)
{
	size_t	n;
	int	i;

	for (i = 0; *wire != '\0'; i++) {
		n = strcspn(wire, " ");
		if (i == argc || strncmp(argv[i], wire, n) != 0 ||
		    argv[i][n] != '\0')
			return 0;
		wire += n;
		wire += strspn(wire, " ");
	}
	return i;
}

const struct command *
command_match(int argc, char **argv, int *nwords)
{
	const struct command	*c, *best = NULL;
	size_t			 i;
	int			 n, bestn = 0;

	for (i = 0; i < CMD_NCOMMANDS; i++) {
		c = &command_table[i];
		if (c->wire != NULL &&
		    (n = command_words(c->wire, argc, argv)) > bestn) {
			best = c;
			bestn = n;
		}
	}
	*nwords = bestn;
	if (best != NULL && best->nargs != CMD_ANY &&
	    argc - bestn != best->nargs)
		return NULL;
	return best;
}
