/* SPDX-License-Identifier: ISC */
/*
 * The HTTP endpoint (see http.h) with libmicrohttpd in "external epoll"
 * mode: it owns its listening socket and connections, the daemon's main
 * loop polls libmicrohttpd's epoll fd and calls http_api_run().  Only GET
 * and HEAD of the pages of pages.c, each built fresh for its request, and
 * only for the clients gateway.http.allow admits, with the bearer token
 * when one is set.  This endpoint never changes anything.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <microhttpd.h>

#include "http.h"
#include "log.h"

#define HTTP_API_TIMEOUT	10	/* seconds a client may idle */
#define HTTP_API_CONNS		64
#define HTTP_API_TOKEN_MAX	256

static struct MHD_Daemon	*http_d;
static const struct pages_src	*http_src;
/* the bearer token asked for; "": none */
static char			 http_token[HTTP_API_TOKEN_MAX];

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

/* Equal strings, in a time that does not depend on where they differ. */
static int
http_api_token_ok(const char *given)
{
	size_t		 n = strlen(http_token), m = strlen(given), i;
	unsigned char	 d = n != m;

	for (i = 0; i < n; i++)
		d |= (unsigned char)http_token[i] ^
		    (unsigned char)(i < m ? given[i] : 0);
	return d == 0;
}

/* 0 when the client may ask; else the HTTP status that refuses it. */
static unsigned
http_api_refuse(struct MHD_Connection *c, const struct gw_conf *gc)
{
	const union MHD_ConnectionInfo	*ci;
	const char			*h;
	union addr_sa			 peer;

	memset(&peer, 0, sizeof(peer));
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (ci == NULL || ci->client_addr == NULL)
		return MHD_HTTP_FORBIDDEN;
	memcpy(&peer, ci->client_addr, ci->client_addr->sa_family ==
	    AF_INET6 ? sizeof(peer.sin6) : sizeof(peer.sin));
	if (!conf_http_admits(gc, &peer))
		return MHD_HTTP_FORBIDDEN;
	if (http_token[0] == '\0')
		return 0;
	h = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION);
	if (h == NULL || strncasecmp(h, "Bearer ", 7) != 0 ||
	    !http_api_token_ok(h + 7))
		return MHD_HTTP_UNAUTHORIZED;
	return 0;
}

static enum MHD_Result
http_api_handler(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **state)
{
	const char		*text = "text/plain; charset=utf-8";
	const struct pages_page	*p;
	struct pages_req	 rq;
	struct MHD_Response	*r;
	enum MHD_Result		 rc;
	unsigned		 code;
	int			 made;
	char			*body = NULL, msg[256];
	size_t			 len = 0;
	FILE			*out;

	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return http_api_reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, text,
		    "only GET and HEAD\n", 0);
	if (*upload_size != 0)
		return MHD_NO;
	rq.src = http_src;
	rq.sn = http_src->live();
	if ((code = http_api_refuse(c, rq.sn->conf)) == MHD_HTTP_FORBIDDEN)
		return http_api_reply(c, code, text, "forbidden: not in "
		    "gateway.http.allow\n", 0);
	if (code != 0) {
		if ((r = MHD_create_response_from_buffer(14,
		    "unauthorized\n\n", MHD_RESPMEM_PERSISTENT)) == NULL)
			return MHD_NO;
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, text);
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		    "Bearer realm=\"v6gate\"");
		rc = MHD_queue_response(c, code, r);
		MHD_destroy_response(r);
		return rc;
	}
	if ((p = pages_find(url)) == NULL) {
		snprintf(msg, sizeof(msg), "not found: %s are served here\n",
		    pages_list());
		if ((body = strdup(msg)) == NULL)
			return MHD_NO;
		return http_api_reply(c, MHD_HTTP_NOT_FOUND, text, body, 1);
	}
	rq.range = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND,
	    "range");
	if ((out = open_memstream(&body, &len)) == NULL)
		return MHD_NO;
	if ((made = p->render(&rq, out)) != 0) {
		fclose(out);
		free(body);
		if (made == PAGES_BAD_QUERY)
			return http_api_reply(c, MHD_HTTP_BAD_REQUEST, text,
			    "bad query (see v6gated(8), HTTP ENDPOINT)\n", 0);
		return http_api_reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, text,
		    "the page could not be built (see the log)\n", 0);
	}
	fclose(out);
	return http_api_reply(c, MHD_HTTP_OK, p->type, body, 1);
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
http_api_token_read(const char *file, char *tok, size_t len, char *err,
    size_t errlen)
{
	FILE	*f;
	size_t	 n;

	if ((f = fopen(file, "re")) == NULL) {
		snprintf(err, errlen, "gateway.http.token_file %s: %s (it must "
		    "be readable by the unprivileged user)", file,
		    strerror(errno));
		return -1;
	}
	if (fgets(tok, (int)len, f) == NULL)
		tok[0] = '\0';
	fclose(f);
	n = strcspn(tok, "\r\n");
	tok[n] = '\0';
	while (n > 0 && (tok[n - 1] == ' ' || tok[n - 1] == '\t'))
		tok[--n] = '\0';
	if (n == 0 || n + 1 >= len) {
		snprintf(err, errlen, "gateway.http.token_file %s: %s", file,
		    n == 0 ? "empty (a token on the first line)" :
		    "token too long");
		return -1;
	}
	return 0;
}

void
http_api_token_set(const char *tok)
{
	snprintf(http_token, sizeof(http_token), "%s", tok);
}

int
http_api_start(const union addr_sa *a, const struct pages_src *src,
    char *err, size_t errlen)
{
	char	text[ADDR_STRLEN];

	http_src = src;
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
