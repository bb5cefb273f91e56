/* SPDX-License-Identifier: ISC */
#ifndef V6G_HTTP_API_H
#define V6G_HTTP_API_H

#include <stddef.h>

#include "addr.h"
#include "pages.h"

/*
 * The HTTP endpoint (gateway.http): the pages of pages.h (the dashboard,
 * /metrics, /status, /backends, /history), served by libmicrohttpd on the
 * daemon's main thread (its epoll fd joins the main loop), so a request
 * never races a reload.  Who may ask: gateway.http.allow (403 otherwise)
 * and, with gateway.http.token_file, "Authorization: Bearer TOKEN" (401).
 */

/* Start serving on a what src says; 0, or -1 with err. */
int	http_api_start(const union addr_sa *, const struct pages_src *,
	    char *, size_t);
void	http_api_stop(void);

/*
 * The bearer token in file (its first line), read into tok (len bytes);
 * 0, or -1 with err.  Read by the process that serves HTTP, at start and
 * at each reload; http_api_token_set() makes it the one asked for ("":
 * none).
 */
int	http_api_token_read(const char *file, char *tok, size_t len,
	    char *err, size_t errlen);
void	http_api_token_set(const char *);

/* The fd the main loop polls (-1 when stopped). */
int	http_api_fd(void);

/* Do what is ready; returns the ms until it must run again (-1: none). */
int	http_api_run(void);

#endif
