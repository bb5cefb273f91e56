/* SPDX-License-Identifier: ISC */
#ifndef V6G_CONTROL_H
#define V6G_CONTROL_H

#include <stdio.h>

/*
 * The control socket v6gatectl talks to: a UNIX stream socket, mode 0600.
 * One request per connection: a line of words ("status json", "reload");
 * which requests exist is api/command.h's table.  The answer is "ok\n" or
 * "error\n", then a body, then the daemon closes.
 */

#define CONTROL_LINE_MAX	1024
#define CONTROL_ARGS_MAX	16

/* Writes the body to out; returns 0 (ok) or -1 (error). */
typedef int	control_handler(int, char **, FILE *);

/*
 * Bind path.  Refuses when a daemon already answers there; removes a stale
 * socket file left by one that died.  Returns the fd or -1 (logged).
 */
int	control_open(const char *);
void	control_close(int, const char *);

/* Serve one client waiting on the listening fd. */
void	control_serve(int, control_handler *);

/* Client side: send a request, return the reply (malloc'd) or NULL. */
char	*control_request(const char *, const char *, int *);

#endif
