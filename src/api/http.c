/* SPDX-License-Identifier: ISC */
/*
 * The HTTP endpoint (see http.h) with libmicrohttpd in "external epoll"
 * mode: it owns its listening socket and connections, the daemon's main
 * loop polls libmicrohttpd's epoll fd and calls http_api_run().  Only GET
 * and HEAD of /metrics and /status; the bodies come from a callback, built
 * fresh for each request.  This endpoint never changes anything.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "http.h"
#include "log.h"

#define HTTP_API_TIMEOUT	10	/* seconds a client may idle */
#define HTTP_API_CONNS		64

static struct MHD_Daemon	*http_d;
static http_api_body		*http_body;

static enum MHD_Result
http_api_reply(struct MHD_Connection *c, unsigned code, const char *type,
    char *body, int owned)
{
	struct MHD_Response	*r;
	enum MHD_Result		 rc;

	r = MHD_create_response_from_buffer(strlen(body), body,
	    owned ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
	if (r == NULL) {
		if (owned)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	rc = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return rc;
}

static enum MHD_Result
http_api_handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **state)
{
	const char	*type = "text/plain; charset=utf-8";
	char		*body;

	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return http_api_reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, type,
		    "only GET and HEAD\n", 0);
	if (*upload_size != 0)
		return MHD_NO;
	if ((body = http_body(url, &type)) == NULL)
		return http_api_reply(c, MHD_HTTP_NOT_FOUND,
		    "text/plain; charset=utf-8", "not found: /metrics and "
		    "/status are served here\n", 0);
	return http_api_reply(c, MHD_HTTP_OK, type, body, 1);
}

static void __attribute__((format(printf, 2, 0)))
http_api_log(void *cls, const char *fmt, va_list ap)
{
	char	buf[512];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	log_warnx("http: %s", buf);
}

int
http_api_start(const union addr_sa *a, http_api_body *body, char *err,
    size_t errlen)
{
	char	text[ADDR_STRLEN];

	http_body = body;
	/* libmicrohttpd writes its own errors; they go to our log */
	http_d = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG |
	    (a->sa.sa_family == AF_INET6 ? MHD_USE_IPv6 : 0), addr_port(a),
	    NULL, NULL, http_api_handler, NULL,
	    /* first, or libmicrohttpd logs to stderr until it is set */
	    MHD_OPTION_EXTERNAL_LOGGER, http_api_log, NULL,
	    MHD_OPTION_SOCK_ADDR, &a->sa,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_API_TIMEOUT,
	    MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_API_CONNS,
	    MHD_OPTION_END);
	if (http_d == NULL) {
		snprintf(err, errlen, "http %s: cannot listen (address in "
		    "use, or not on this host?)", addr_fmt(a, text,
		    sizeof(text)));
		return -1;
	}
	return 0;
}

void
http_api_stop(void)
{
	if (http_d != NULL)
		MHD_stop_daemon(http_d);
	http_d = NULL;
}

int
http_api_fd(void)
{
	const union MHD_DaemonInfo	*i;

	if (http_d == NULL ||
	    (i = MHD_get_daemon_info(http_d, MHD_DAEMON_INFO_EPOLL_FD)) == NULL)
		return -1;
	return i->epoll_fd;
}

int
http_api_run(void)
{
	MHD_UNSIGNED_LONG_LONG	t;

	if (http_d == NULL)
		return -1;
	MHD_run(http_d);
	if (MHD_get_timeout(http_d, &t) == MHD_NO)
		return -1;
	return t > 60000 ? 60000 : (int)t;
}
