/* SPDX-License-Identifier: ISC */
#ifndef V6G_CONTROL_H
#define V6G_CONTROL_H

#include <stdint.h>
#include <stdio.h>

/*
 * The control socket v6gatectl talks to: a UNIX stream socket, mode 0600.
 * One request per connection: a line of words ("status json", "reload");
 * which requests exist is api/command.h's table.  The answer is "ok\n" or
 * "error\n", then a body, then the daemon closes.
 */

#define CONTROL_LINE_MAX	1024	/* the request line, its newline too */
#define CONTROL_ARGS_MAX	16
#define CONTROL_CLIENTS_MAX	1024	/* still sending a request, at
					   once: a thousand idle ones do
					   not keep an operator out */
#define CONTROL_REPLY_MAX	(8 << 20)	/* bytes */

/* Writes the body to out; returns 0 (ok) or -1 (error). */
typedef int	control_handler(int, char **, FILE *);

/*
 * Bind path.  Refuses when a daemon already answers there; removes a stale
 * socket file left by one that died.  Returns the fd or -1 (logged).
 */
int	control_open(const char *);
void	control_close(int, const char *);

/*
 * Serving, from the caller's event loop: control_start() registers the
 * listening fd in epfd (each client's fd joins it too, as data.fd); the
 * loop hands every event to control_event(), which returns 0 for an fd
 * that is not the control socket's, and calls control_run() before each
 * wait: it closes the clients past their deadline and returns the wait's
 * timeout (ms, -1 for none).  handler answers each request, in the loop.
 */
int	control_start(int epfd, int lfd, control_handler *handler);
int	control_event(int fd, uint32_t events);
int	control_run(void);
void	control_stop(void);	/* closes the clients, not lfd */

struct control_stats {
	uint64_t	clients;	/* connected now */
	uint64_t	busy;		/* closed with "busy": too many */
	uint64_t	timeouts;	/* closed at their deadline */
	uint64_t	too_long;	/* request lines refused */
};
void	control_stats(struct control_stats *);

/* Client side: send a request, return the reply (malloc'd) or NULL. */
char	*control_request(const char *, const char *, int *);
/* The same within timeout_ms in all (connect, send, the whole reply), or
   NULL with errno ETIMEDOUT; -1: no deadline. */
char	*control_request_within(const char *, const char *, int timeout_ms,
	    int *);

#endif
