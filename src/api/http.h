/* SPDX-License-Identifier: ISC */
#ifndef V6G_HTTP_API_H
#define V6G_HTTP_API_H

#include <stddef.h>

#include "addr.h"

/*
 * The HTTP endpoint (gateway.http): GET /metrics (Prometheus) and
 * GET /status (the status report as JSON), served by libmicrohttpd on the
 * daemon's main thread (its epoll fd joins the main loop), so a request
 * never races a reload.
 */

typedef char	*http_api_body(const char *path, const char **type);

/* Start serving on a; 0, or -1 with err. */
int	http_api_start(const union addr_sa *, http_api_body *, char *,
	    size_t);
void	http_api_stop(void);

/* The fd the main loop polls (-1 when stopped). */
int	http_api_fd(void);

/* Do what is ready; returns the ms until it must run again (-1: none). */
int	http_api_run(void);

#endif
