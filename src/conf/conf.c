/* SPDX-License-Identifier: ISC */
/*
 * libconfig text -> struct gw_conf.  Every check that can be made without
 * touching live state is made here, and every problem is reported, not only
 * the first: a sysadmin fixes a file in one round.  Messages have the form
 * "file:line: setting: problem (what is allowed)".  Unknown settings are
 * errors, so a typo never passes silently.
 *
 * This module never logs, never opens sockets and never reads anything but
 * the file: whether an address can really be bound is found out when the
 * daemon applies the snapshot.
 */

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <libconfig.h>

#include "conf.h"
#include "conf_int.h"
#include "hostname.h"
#include "namemap.h"

#define CONF_NAME_MAX	64


static const char *const conf_top_keys[] = {
	"gateway", "accounting", "audit", "services", "nat64", "siit",
	"readiness", NULL
};
static const char *const conf_audit_keys[] = {
	"enabled", "retention_days", "at_open", "fail_closed", "syslog",
	"syslog_ca", NULL
};
static const char *const conf_acct_keys[] = {
	"checkpoint", "minutes_kept", "days_kept", "clients_exact",
	"clients_key_file", NULL
};
static const char *const conf_gateway_keys[] = {
	"name", "state_dir", "control_socket", "http", "workers",
	"max_connections", "timeouts", "limits", "user", NULL
};
static const char *const conf_http_keys[] = {
	"listen", "allow", "token_file", "show_clients", NULL
};
static const char *const conf_timeout_keys[] = {
	"first_flight", "connect", "idle", NULL
};
static const char *const conf_limit_keys[] = {
	"pending_per_client", "pending_per_48", "pending_per_32",
	"per_client_connections", "per_client_rate", NULL
};
static const char *const conf_service_keys[] = {
	"name", "mode", "protocol", "listen", "hosts", "default", "backends",
	"balance", "retries", "check", "allow", "deny", "limits", "site",
	"accept_proxy", NULL
};

/*
 * The "protocol" setting's values, indexed by enum conf_proto: the one list
 * of names (parsing, its error message and conf_proto_name() read it).
 */
static const char *const conf_proto_names[] = {
	[CONF_TLS] = "tls",
	[CONF_HTTP] = "http",
};
_Static_assert(sizeof(conf_proto_names) / sizeof(conf_proto_names[0]) ==
    CONF_PROTO_COUNT, "a protocol of enum conf_proto has no name");

/* The enum conf_proto named s, or -1. */
static int
conf_proto_lookup(const char *s)
{
	int	p;

	for (p = 0; p < CONF_PROTO_COUNT; p++)
		if (strcmp(s, conf_proto_names[p]) == 0)
			return p;
	return -1;
}

/* The names as an error message lists them: "tls", "http". */
static const char *
conf_proto_list(char *buf, size_t len)
{
	size_t	off = 0;
	int	p, n;

	buf[0] = '\0';
	for (p = 0; p < CONF_PROTO_COUNT; p++) {
		n = snprintf(buf + off, len - off, "%s\"%s\"", p ? ", " : "",
		    conf_proto_names[p]);
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
	}
	return buf;
}

int
conf_msg_add(char ***v, size_t *n, const char *msg)
{
	char	**nv, *m;

	if ((m = strdup(msg)) == NULL)
		return -1;
	if ((nv = realloc(*v, (*n + 1) * sizeof(*nv))) == NULL) {
		free(m);
		return -1;
	}
	nv[(*n)++] = m;
	*v = nv;
	return 0;
}

/* The line in the text conf_src made, 0 for none. */
static unsigned
conf_text_line(const config_setting_t *s)
{
	for (; s != NULL; s = config_setting_parent(s))
		if (config_setting_source_line(s) > 0)
			return config_setting_source_line(s);
	return 0;
}

/* The line in its own file, as the structures keep it. */
int
conf_line(const config_setting_t *s)
{
	const struct conf_src	*src;
	unsigned		 line = conf_text_line(s), fline;

	if (line == 0)
		return 0;
	src = config_setting_get_hook(config_root_setting(s->config));
	if (src != NULL)
		conf_src_where(src, line, &fline);
	else
		fline = line;
	return (int)fline;
}

static void __attribute__((format(printf, 6, 0)))
conf_vreport(struct conf_ctx *ctx, int is_err, const config_setting_t *s,
    int line, const char *path, const char *fmt, va_list ap)
{
	char	msg[1024], text[768];

	const char	*file = ctx->file;
	unsigned	 fline;

	/* without a setting, only the line is known: the main file's */
	if (s != NULL && (fline = conf_text_line(s)) > 0) {
		file = conf_src_where(ctx->src, fline, &fline);
		line = (int)fline;
	}
	vsnprintf(text, sizeof(text), fmt, ap);
	if (line > 0)
		snprintf(msg, sizeof(msg), "%s:%d: %s: %s", file, line, path,
		    text);
	else
		snprintf(msg, sizeof(msg), "%s: %s: %s", file, path, text);
	if (is_err) {
		int	*nl;

		if (conf_msg_add(&ctx->rep->errors, &ctx->rep->nerrors,
		    msg) == -1)
			return;
		if ((nl = realloc(ctx->lines, ctx->rep->nerrors *
		    sizeof(*nl))) == NULL)
			return;
		ctx->lines = nl;
		while (ctx->nlines < ctx->rep->nerrors)
			ctx->lines[ctx->nlines++] = line;
	} else
		conf_msg_add(&ctx->rep->warnings, &ctx->rep->nwarnings, msg);
}

void __attribute__((format(printf, 4, 5)))
conf_err(struct conf_ctx *ctx, const config_setting_t *s, const char *path,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	conf_vreport(ctx, 1, s, 0, path, fmt, ap);
	va_end(ap);
}

/* An error about something whose setting is gone but whose line is known. */
void __attribute__((format(printf, 4, 5)))
conf_err_line(struct conf_ctx *ctx, int line, const char *path,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	conf_vreport(ctx, 1, NULL, line, path, fmt, ap);
	va_end(ap);
}

void __attribute__((format(printf, 4, 5)))
conf_warn(struct conf_ctx *ctx, const config_setting_t *s, const char *path,
    const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	conf_vreport(ctx, 0, s, 0, path, fmt, ap);
	va_end(ap);
}

/* Edit distance, bounded: only to suggest a close known setting. */
static size_t
conf_distance(const char *a, const char *b)
{
	size_t	la = strlen(a), lb = strlen(b), i, j, d[33][33];

	if (la > 32 || lb > 32)
		return 99;
	for (i = 0; i <= la; i++)
		d[i][0] = i;
	for (j = 0; j <= lb; j++)
		d[0][j] = j;
	for (i = 1; i <= la; i++)
		for (j = 1; j <= lb; j++) {
			size_t	c = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < c)
				c = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < c)
				c = d[i][j - 1] + 1;
			d[i][j] = c;
		}
	return d[la][lb];
}

static void
conf_join(char *buf, size_t len, const char *const *names)
{
	size_t	off = 0;

	buf[0] = '\0';
	for (; *names != NULL && off < len; names++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s",
		    off ? ", " : "", *names);
}

/* Report every member of a group whose name is not in allowed. */
void
conf_check_keys(struct conf_ctx *ctx, const config_setting_t *group,
    const char *path, const char *const *allowed)
{
	int	i, n = config_setting_length(group);

	for (i = 0; i < n; i++) {
		config_setting_t	*s = config_setting_get_elem(group, i);
		const char		*name = config_setting_name(s);
		const char *const	*a, *best = NULL;
		size_t			 bestd = 3;
		char			 full[256], list[512];

		if (name == NULL)
			continue;
		for (a = allowed; *a != NULL; a++)
			if (strcmp(*a, name) == 0)
				break;
		if (*a != NULL)
			continue;
		/* unknown: the closest known name, if one is close */
		for (a = allowed; *a != NULL; a++) {
			size_t d;

			if ((d = conf_distance(*a, name)) < bestd) {
				bestd = d;
				best = *a;
			}
		}
		snprintf(full, sizeof(full), "%s%s%s", path, *path ? "." : "",
		    name);
		if (best != NULL)
			conf_err(ctx, s, full, "unknown setting "
			    "(did you mean \"%s\"?)", best);
		else {
			conf_join(list, sizeof(list), allowed);
			conf_err(ctx, s, full, "unknown setting (known: %s)",
			    list);
		}
	}
}

static const char *
conf_type_name(int type)
{
	switch (type) {
	case CONFIG_TYPE_GROUP:
		return "a group { }";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "an integer";
	case CONFIG_TYPE_FLOAT:
		return "a number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "true or false";
	case CONFIG_TYPE_ARRAY:
		return "an array [ ]";
	case CONFIG_TYPE_LIST:
		return "a list ( )";
	}
	return "something else";
}

/* "path.name" in full (a buffer of 256), made only for a message. */
#define CONF_PATH(full, path, name)					\
	(snprintf((full), 256, "%s%s%s", (path), *(path) ? "." : "",	\
	    (name)), (full))

/*
 * Typed getters.  Each returns 1 when the setting is present and valid,
 * 0 when it is absent (the caller keeps its default, or reports "required"),
 * -1 after reporting an error.
 */
int
conf_get_string(struct conf_ctx *ctx, const config_setting_t *group,
    const char *name, const char *path, const char **out)
{
	config_setting_t	*s;
	char			 full[256];

	if ((s = config_setting_get_member(group, name)) == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		conf_err(ctx, s, CONF_PATH(full, path, name), "must be a "
		    "string, not %s",
		    conf_type_name(config_setting_type(s)));
		return -1;
	}
	*out = config_setting_get_string(s);
	return 1;
}

int
conf_get_uint(struct conf_ctx *ctx, const config_setting_t *group,
    const char *name, const char *path, long long min, long long max,
    unsigned *out)
{
	config_setting_t	*s;
	char			 full[256];
	long long		 v;

	if ((s = config_setting_get_member(group, name)) == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64) {
		conf_err(ctx, s, CONF_PATH(full, path, name), "must be an "
		    "integer, not %s",
		    conf_type_name(config_setting_type(s)));
		return -1;
	}
	v = config_setting_get_int64(s);
	if (v < min || v > max) {
		conf_err(ctx, s, CONF_PATH(full, path, name), "%lld out of "
		    "range (%lld-%lld)", v, min, max);
		return -1;
	}
	*out = (unsigned)v;
	return 1;
}

int
conf_get_bool(struct conf_ctx *ctx, const config_setting_t *group,
    const char *name, const char *path, int *out)
{
	config_setting_t	*s;
	char			 full[256];

	if ((s = config_setting_get_member(group, name)) == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		conf_err(ctx, s, CONF_PATH(full, path, name), "must be true or "
		    "false, not %s",
		    conf_type_name(config_setting_type(s)));
		return -1;
	}
	*out = config_setting_get_bool(s);
	return 1;
}

config_setting_t *
conf_get_group(struct conf_ctx *ctx, const config_setting_t *parent,
    const char *name, const char *path)
{
	config_setting_t	*s;
	char			 full[256];

	if ((s = config_setting_get_member(parent, name)) == NULL)
		return NULL;
	if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
		conf_err(ctx, s, CONF_PATH(full, path, name), "must be %s, "
		    "not %s",
		    conf_type_name(CONFIG_TYPE_GROUP),
		    conf_type_name(config_setting_type(s)));
		return NULL;
	}
	return s;
}

/*
 * A list of strings, written as an array [ "a", "b" ] or a list ( ), or a
 * single string.  Returns the number of elements (0 when absent) or -1.

 */
int
conf_get_strings(struct conf_ctx *ctx, const config_setting_t *group,
    const char *name, const char *path, config_setting_t **out)
{
	config_setting_t	*s;
	char			 full[256];
	int			 i, n, bad = 0;

	*out = NULL;
	if ((s = config_setting_get_member(group, name)) == NULL)
		return 0;
	*out = s;
	if (config_setting_type(s) == CONFIG_TYPE_STRING)
		return 1;
	if (config_setting_type(s) != CONFIG_TYPE_ARRAY &&
	    config_setting_type(s) != CONFIG_TYPE_LIST) {
		conf_err(ctx, s, CONF_PATH(full, path, name), "must be an "
		    "array of strings [ ], "
		    "not %s", conf_type_name(config_setting_type(s)));
		return -1;
	}
	n = config_setting_length(s);
	for (i = 0; i < n; i++) {
		config_setting_t *e = config_setting_get_elem(s, i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING) {
			char	epath[288];

			snprintf(epath, sizeof(epath), "%s.[%d]",
			    CONF_PATH(full, path, name), i);
			conf_err(ctx, e, epath, "must be a string, not %s",
			    conf_type_name(config_setting_type(e)));
			bad = 1;
		}
	}
	return bad ? -1 : n;
}

const char *
conf_strings_elem(config_setting_t *s, int i, config_setting_t **at)
{
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		*at = s;
		return config_setting_get_string(s);
	}
	*at = config_setting_get_elem(s, i);
	return config_setting_get_string(*at);
}

static int
conf_set_string(char **dst, const char *src)
{
	char	*c;

	if ((c = strdup(src)) == NULL)
		return -1;
	free(*dst);
	*dst = c;
	return 0;
}

/* An absolute path setting into *dst: as conf_get_string(), and an error
   at its line when it is relative. */
static void
conf_get_abs_path(struct conf_ctx *ctx, const config_setting_t *group,
    const char *name, const char *path, const char *full, char **dst)
{
	const char	*str;

	if (conf_get_string(ctx, group, name, path, &str) != 1)
		return;
	if (str[0] != '/')
		conf_err(ctx, config_setting_get_member(group, name), full,
		    "\"%s\" is not an absolute path", str);
	else
		conf_set_string(dst, str);
}

/* A loopback address (::1, 127/8): only this host reaches it. */
static int
conf_loopback(const union addr_sa *a)
{
	if (a->sa.sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&a->sin6.sin6_addr);
	return (ntohl(a->sin.sin_addr.s_addr) >> 24) == 127;
}

/*
 * gateway.http: a string (the address, "" for none), as before, or a group
 * { listen; allow; token_file; show_clients } for an endpoint other hosts
 * reach.  One that listens beyond loopback must say who may ask.
 */
static void
conf_http(struct conf_ctx *ctx, const config_setting_t *g)
{
	struct gw_conf		*gc = ctx->gc;
	config_setting_t	*h, *at;
	const char		*str, *path = "gateway.http";
	char			 err[128];

	if ((h = config_setting_get_member(g, "http")) == NULL)
		return;
	at = h;
	if (config_setting_type(h) == CONFIG_TYPE_GROUP) {
		conf_check_keys(ctx, h, path, conf_http_keys);
		gc->http_nallow = conf_prefixes(ctx, h, "allow", path,
		    &gc->http_allow);
		conf_get_abs_path(ctx, h, "token_file", path,
		    "gateway.http.token_file", &gc->http_token_file);
		conf_get_bool(ctx, h, "show_clients", path,
		    &gc->http_show_clients);
		path = "gateway.http.listen";
		if ((at = config_setting_get_member(h, "listen")) == NULL) {
			conf_err(ctx, h, path, "missing (an address and "
			    "port, \"[::1]:9164\", or \"\" for none)");
			return;
		}
		if (conf_get_string(ctx, h, "listen", "gateway.http",
		    &str) != 1)
			return;
	} else if (conf_get_string(ctx, g, "http", "gateway", &str) != 1)
		return;
	if (*str == '\0')
		gc->http_on = 0;	/* "": no HTTP endpoint */
	else if (addr_parse_endpoint(str, &gc->http, err, sizeof(err)) == -1)
		conf_err(ctx, at, path, "%s, or \"\" for none", err);
	else if (!conf_loopback(&gc->http) && gc->http_nallow == 0)
		conf_err(ctx, at, path, "\"%s\" is reached from other "
		    "hosts: needs gateway.http.allow (prefixes that may ask; "
		    "or listen on [::1])", str);
}

static void
conf_gateway(struct conf_ctx *ctx, const config_setting_t *root)
{
	struct gw_conf		*gc = ctx->gc;
	config_setting_t	*g, *t;
	const char		*str;
	unsigned		 u;

	if ((g = conf_get_group(ctx, root, "gateway", "")) == NULL)
		return;
	conf_check_keys(ctx, g, "gateway", conf_gateway_keys);

	if (conf_get_string(ctx, g, "name", "gateway", &str) == 1) {
		if (*str == '\0' || strlen(str) > CONF_NAME_MAX)
			conf_err(ctx, config_setting_get_member(g, "name"),
			    "gateway.name", "must be 1-%d characters",
			    CONF_NAME_MAX);
		else
			conf_set_string(&gc->name, str);
	}
	conf_get_abs_path(ctx, g, "state_dir", "gateway", "gateway.state_dir",
	    &gc->state_dir);
	if (conf_get_string(ctx, g, "control_socket", "gateway", &str) == 1) {
		struct sockaddr_un	sun;

		if (str[0] != '/')
			conf_err(ctx, config_setting_get_member(g,
			    "control_socket"), "gateway.control_socket",
			    "\"%s\" is not an absolute path", str);
		else if (strlen(str) >= sizeof(sun.sun_path))
			conf_err(ctx, config_setting_get_member(g,
			    "control_socket"), "gateway.control_socket",
			    "path longer than %zu characters",
			    sizeof(sun.sun_path) - 1);
		else
			conf_set_string(&gc->control_socket, str);
	}
	if (conf_get_string(ctx, g, "user", "gateway", &str) == 1) {
		/* a POSIX portable user name: checked, not looked up (the
		   daemon does, where it runs) */
		if (*str == '\0' || *str == '-' || strlen(str) > 32 ||
		    strspn(str, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != strlen(str))
			conf_err(ctx, config_setting_get_member(g, "user"),
			    "gateway.user", "\"%s\" is not a user name", str);
		else
			conf_set_string(&gc->user, str);
	}
	conf_http(ctx, g);
	if (conf_get_uint(ctx, g, "workers", "gateway", 0, 256, &u) == 1)
		gc->workers = (int)u;
	conf_get_uint(ctx, g, "max_connections", "gateway", 1, 10000000,
	    &gc->max_connections);

	if ((t = conf_get_group(ctx, g, "timeouts", "gateway")) != NULL) {
		conf_check_keys(ctx, t, "gateway.timeouts", conf_timeout_keys);
		conf_get_uint(ctx, t, "first_flight", "gateway.timeouts", 1,
		    3600, &gc->to_first_flight);
		conf_get_uint(ctx, t, "connect", "gateway.timeouts", 1, 600,
		    &gc->to_connect);
		conf_get_uint(ctx, t, "idle", "gateway.timeouts", 1, 604800,
		    &gc->to_idle);
	}
	if ((t = conf_get_group(ctx, g, "limits", "gateway")) != NULL) {
		conf_check_keys(ctx, t, "gateway.limits", conf_limit_keys);
		conf_get_uint(ctx, t, "pending_per_client", "gateway.limits",
		    1, 65535, &gc->pending_per_client);
		/* IPv6: one /48 holds 65536 /64s, each a client */
		conf_get_uint(ctx, t, "pending_per_48", "gateway.limits",
		    1, 1000000, &gc->pending_per_48);
		conf_get_uint(ctx, t, "pending_per_32", "gateway.limits",
		    1, 1000000, &gc->pending_per_32);
		/* defaults of every proxy service's limits; 0: none */
		conf_get_uint(ctx, t, "per_client_connections",
		    "gateway.limits", 0, 1000000, &gc->per_client_conns);
		/* limit.c counts up to 65535 a second */
		conf_get_uint(ctx, t, "per_client_rate", "gateway.limits", 0,
		    65535, &gc->per_client_rate);
	}
}

static int
conf_name_ok(const char *s)
{
	size_t	n = strlen(s), i;

	if (n == 0 || n > CONF_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' &&
		    s[i] != '_' && s[i] != '.')
			return 0;
	return 1;
}

/*
 * A host entry: a name, "*." and a name, or (HTTP only, where clients may
 * type an address) an IP literal.  Writes the lower-case form to out.
 */
static int
conf_host_ok(const char *s, enum conf_proto proto, char *out, size_t outlen,
    char *err, size_t errlen)
{
	const char		*name = s;
	size_t			 len = strlen(s);
	enum hostname_rc	 rc;
	union addr_sa		 a;

	if (len >= outlen) {
		snprintf(err, errlen, "longer than %d characters",
		    HOSTNAME_MAX);
		return -1;
	}
	memcpy(out, s, len + 1);
	hostname_lower(out, len);
	if (len > 2 && s[0] == '*' && s[1] == '.') {
		name += 2;
		len -= 2;
		if (strchr(name, '*') != NULL) {
			snprintf(err, errlen, "\"%s\": '*' only as the whole "
			    "first label (\"*.example.org\")", s);
			return -1;
		}
	} else if (proto == CONF_HTTP) {
		char	ip[INET6_ADDRSTRLEN + 2];

		/* "[2001:db8::1]" as a client writes it in Host */
		if (s[0] == '[' && len > 2 && len < sizeof(ip) &&
		    s[len - 1] == ']') {
			memcpy(ip, s + 1, len - 2);
			ip[len - 2] = '\0';
		} else
			snprintf(ip, sizeof(ip), "%s", s);
		if (addr_parse_ip(ip, &a) == 0) {
			/* the Host parser yields inet_ntop()'s form
			   (RFC 5952) */
			addr_fmt_ip(&a, out, outlen);
			return 0;
		}
	}
	if (proto == CONF_TLS && name[0] == '[') {
		snprintf(err, errlen, "\"%s\": IP address, not a host name "
		    "(TLS clients send no SNI for an address: use "
		    "\"default\")", s);
		return -1;
	}
	if (strchr(name, ':') != NULL && addr_parse_ip(name, &a) == -1) {
		snprintf(err, errlen, "\"%s\": a host name without a port "
		    "(the port is the listener's)", s);
		return -1;
	}
	if (strchr(name, '*') != NULL) {
		snprintf(err, errlen, "\"%s\": '*' only as the whole first "
		    "label (\"*.example.org\")", s);
		return -1;
	}
	if ((rc = hostname_check(name, len)) != HOSTNAME_OK) {
		snprintf(err, errlen, "\"%s\": %s%s", s, hostname_strerror(rc),
		    rc == HOSTNAME_IP_LITERAL ? " (TLS clients send no SNI for "
		    "an address: use \"default\")" : "");
		return -1;
	}
	return 0;
}

static struct conf_listener *
conf_listener_add(struct conf_ctx *ctx, config_setting_t *at,
    const char *path, const union addr_sa *a, enum conf_proto proto,
    const struct conf_service *svc)
{
	struct gw_conf		*gc = ctx->gc;
	struct conf_listener	*l;
	size_t			 i;

	for (i = 0; i < gc->nlisteners; i++) {
		l = &gc->listeners[i];
		if (!addr_equal(&l->addr, a))
			continue;
		if (l->protocol != proto) {
			conf_err(ctx, at, path, "%s is a \"%s\" listener "
			    "(line %d); service \"%s\" is \"%s\" (one "
			    "protocol per listener)", l->text,
			    conf_proto_name(l->protocol), l->line, svc->name,
			    conf_proto_name(proto));
			return NULL;
		}
		return l;
	}
	/* conf_build() sized the array for every listen entry: no realloc,
	   so the pointers services keep stay valid. */
	if (gc->nlisteners == ctx->listener_cap) {
		conf_err(ctx, at, path, "too many listeners");
		return NULL;
	}
	l = &gc->listeners[gc->nlisteners];
	memset(l, 0, sizeof(*l));
	l->addr = *a;
	addr_fmt(a, l->text, sizeof(l->text));
	l->line = conf_line(at);
	l->index = gc->nlisteners++;
	l->protocol = proto;
	if ((l->routes = namemap_new()) == NULL) {
		conf_err(ctx, at, path, "out of memory");
		return NULL;
	}
	return l;
}

struct conf_service *
conf_claim(struct conf_ctx *ctx, struct conf_service *svc, const char *kind,
    const void *bytes, size_t len)
{
	static const char	 hex[] = "0123456789abcdef";
	const uint8_t		*b = bytes;
	char			 key[16 + 2 * 128 + 1];
	void			*prev = NULL;
	size_t			 i, o;

	/* "kind:hex": the route table's keys are strings (no printf: this
	   runs three times per service) */
	for (o = 0; kind[o] != '\0' && o < 15; o++)
		key[o] = kind[o];
	key[o++] = ':';
	for (i = 0; i < len && i < 128; i++) {
		key[o++] = hex[b[i] >> 4];
		key[o++] = hex[b[i] & 15];
	}
	key[o] = '\0';
	if (ctx->claims == NULL && (ctx->claims = namemap_new()) == NULL)
		return NULL;
	if (namemap_add(ctx->claims, key, svc, &prev) == 0)
		return NULL;
	return prev;
}

static void
conf_service(struct conf_ctx *ctx, config_setting_t *s, size_t idx)
{
	struct gw_conf		*gc = ctx->gc;
	struct conf_service	*svc = &gc->services[idx], *o;
	config_setting_t	*arr, *at;
	const char		*str;
	char			 path[64], epath[96], err[256];
	int			 n, i, dflt_rc;
	size_t			 j;

	snprintf(path, sizeof(path), "services.[%zu]", idx);
	svc->index = idx;
	svc->line = conf_line(s);
	svc->protocol = CONF_TLS;
	if (config_setting_type(s) != CONFIG_TYPE_GROUP) {
		conf_err(ctx, s, path, "must be a group { name = ...; }, not "
		    "%s", conf_type_name(config_setting_type(s)));
		return;
	}

	switch (conf_get_string(ctx, s, "name", path, &str)) {
	case 0:
		conf_err(ctx, s, path, "\"name\" is required");
		break;
	case 1:
		if (!conf_name_ok(str)) {
			conf_err(ctx, config_setting_get_member(s, "name"),
			    path, "name \"%s\" invalid (1-%d letters, "
			    "digits, '-', '_', '.')", str, CONF_NAME_MAX);
			break;
		}
		if ((o = conf_claim(ctx, svc, "name", str, strlen(str))) !=
		    NULL) {
			conf_err(ctx, config_setting_get_member(s, "name"),
			    path, "name \"%s\" already used at line %d", str,
			    o->line);
			break;
		}
		conf_set_string(&svc->name, str);
		break;
	}
	if (svc->name == NULL)
		svc->name = strdup("?");

	switch (conf_get_string(ctx, s, "mode", path, &str)) {
	case 0:
		conf_err(ctx, s, path, "\"mode\" is required (\"proxy\", "
		    "\"nat64\", \"siit\")");
		return;
	case -1:
		return;
	}
	if (conf_xlat_service(ctx, s, svc, path, str))
		return;
	if (strcmp(str, "proxy") != 0) {
		conf_err(ctx, config_setting_get_member(s, "mode"), path,
		    "unknown mode \"%s\" (\"proxy\", \"nat64\", \"siit\")",
		    str);
		return;
	}
	svc->mode = CONF_PROXY;
	conf_check_keys(ctx, s, path, conf_service_keys);

	if (conf_get_string(ctx, s, "protocol", path, &str) == 1) {
		if ((n = conf_proto_lookup(str)) != -1)
			svc->protocol = (enum conf_proto)n;
		else
			conf_err(ctx, config_setting_get_member(s, "protocol"),
			    path, "unknown protocol \"%s\" (%s)", str,
			    conf_proto_list(err, sizeof(err)));
	}
	dflt_rc = conf_get_bool(ctx, s, "default", path, &svc->is_default);

	/* listen */
	snprintf(epath, sizeof(epath), "%s.listen", path);
	n = conf_get_strings(ctx, s, "listen", path, &arr);
	if (n == 0)
		conf_err(ctx, arr ? arr : s, epath, "at least one address is "
		    "required (\"[2001:db8::10]:443\", \"192.0.2.10:443\")");
	if (n > 0 && (svc->listeners = calloc((size_t)n,
	    sizeof(*svc->listeners))) != NULL) {
		for (i = 0; i < n; i++) {
			union addr_sa		 a;
			struct conf_listener	*l;

			str = conf_strings_elem(arr, i, &at);
			snprintf(epath, sizeof(epath), "%s.listen.[%d]", path,
			    i);
			if (addr_parse_endpoint(str, &a, err, sizeof(err)) ==
			    -1) {
				conf_err(ctx, at, epath, "%s", err);
				continue;
			}
			if ((l = conf_listener_add(ctx, at, epath, &a,
			    svc->protocol, svc)) == NULL)
				continue;
			for (j = 0; j < svc->nlisteners; j++)
				if (svc->listeners[j] == l)
					break;
			if (j < svc->nlisteners) {
				conf_err(ctx, at, epath, "%s listed twice",
				    str);
				continue;
			}
			svc->listeners[svc->nlisteners++] = l;
		}
	}

	/* hosts */
	n = conf_get_strings(ctx, s, "hosts", path, &arr);
	if (n > 0 && (svc->hosts = calloc((size_t)n, sizeof(char *))) !=
	    NULL) {
		for (i = 0; i < n; i++) {
			char	host[HOSTNAME_MAX + 3];

			str = conf_strings_elem(arr, i, &at);
			snprintf(epath, sizeof(epath), "%s.hosts.[%d]", path,
			    i);
			if (conf_host_ok(str, svc->protocol, host,
			    sizeof(host), err, sizeof(err)) == -1) {
				conf_err(ctx, at, epath, "%s", err);
				continue;
			}
			for (j = 0; j < svc->nhosts; j++)
				if (strcmp(svc->hosts[j], host) == 0)
					break;
			if (j < svc->nhosts) {
				conf_err(ctx, at, epath, "\"%s\" listed twice",
				    str);
				continue;
			}
			svc->hosts[svc->nhosts++] = strdup(host);
		}
	}
	if (n == 0 && !svc->is_default && dflt_rc != -1)
		conf_err(ctx, s, path, "service \"%s\" has no \"hosts\" and "
		    "is not the \"default\": no client can reach it",
		    svc->name);

	conf_backends(ctx, s, path, svc);
	conf_access(ctx, s, path, svc);
	conf_readiness_site(ctx, s, path, svc);
}

/*
 * Two listeners on one port where one is the wildcard address of the same
 * family clash: the wildcard would take the whole port.  (IPv6 listeners
 * are IPV6_V6ONLY, so [::]:443 and 0.0.0.0:443 do not clash.)
 */
static void
conf_check_overlaps(struct conf_ctx *ctx)
{
	struct gw_conf	*gc = ctx->gc;
	size_t		 i, j;

	for (i = 0; i < gc->nlisteners; i++)
		for (j = i + 1; j < gc->nlisteners; j++) {
			struct conf_listener	*a = &gc->listeners[i];
			struct conf_listener	*b = &gc->listeners[j];

			if (a->addr.sa.sa_family != b->addr.sa.sa_family ||
			    addr_port(&a->addr) != addr_port(&b->addr))
				continue;
			if (!addr_is_any(&a->addr) && !addr_is_any(&b->addr))
				continue;
			conf_err_line(ctx, b->line, "listen", "%s overlaps "
			    "%s (line %d): a wildcard address takes the whole "
			    "port (use one, or only specific addresses)",
			    b->text, a->text, a->line);
		}
}

/*
 * accept_proxy belongs to the listener (HAProxy's bind option
 * "accept-proxy"): what reads the header comes before any routing.  Its
 * first service sets it; the others on the address must say the same.
 */
static void
conf_listener_proxy(struct conf_ctx *ctx, config_setting_t *s, size_t i,
    struct conf_listener *l, const struct conf_service *svc)
{
	char	path[64];

	if (l->nservices == 1) {
		l->proxy_from = svc->proxy_from;
		l->nproxy_from = svc->nproxy_from;
		l->proxy_by = svc;
		return;
	}
	if (conf_prefixes_same(l->proxy_from, l->nproxy_from,
	    svc->proxy_from, svc->nproxy_from))
		return;
	snprintf(path, sizeof(path), "services.[%zu].accept_proxy", i);
	conf_err(ctx, svc->nproxy_from ? config_setting_get_member(s,
	    "accept_proxy") : s, path, "differs from that of service \"%s\" "
	    "(line %d) on listener %s (services sharing a listener must "
	    "agree)", l->proxy_by->name, l->proxy_by->line, l->text);
}

/* Fill every listener's route table; report names claimed twice. */
static void
conf_routes(struct conf_ctx *ctx, config_setting_t *services)
{
	struct gw_conf	*gc = ctx->gc;
	size_t		 i, j, k;

	for (i = 0; i < gc->nservices; i++) {
		struct conf_service	*svc = &gc->services[i];
		config_setting_t	*s = config_setting_get_elem(services,
					    (unsigned)i);
		char			 path[64], hpath[80];

		if (svc->nlisteners > 0)
			snprintf(path, sizeof(path), "services.[%zu].default",
			    i);
		for (j = 0; j < svc->nlisteners; j++) {
			struct conf_listener	*l = svc->listeners[j];

			l->only = ++l->nservices == 1 ? svc : NULL;
			conf_listener_proxy(ctx, s, i, l, svc);
			if (svc->is_default) {
				if (l->dflt != NULL)
					conf_err(ctx, config_setting_get_member(
					    s, "default"), path, "listener %s "
					    "already has default service "
					    "\"%s\" (line %d); one default per "
					    "listener", l->text, l->dflt->name,
					    l->dflt->line);
				else
					l->dflt = svc;
			}
			for (k = 0; k < svc->nhosts; k++) {
				void	*prev;

				snprintf(hpath, sizeof(hpath),
				    "services.[%zu].hosts", i);
				if (namemap_add(l->routes, svc->hosts[k], svc,
				    &prev) == 0)
					continue;
				if (prev == NULL) {
					conf_err(ctx, s, hpath,
					    "out of memory");
					continue;
				}
				conf_err(ctx, config_setting_get_member(s,
				    "hosts"), hpath, "host \"%s\" already "
				    "claimed on listener %s by service \"%s\" "
				    "(line %d)", svc->hosts[k], l->text,
				    ((struct conf_service *)prev)->name,
				    ((struct conf_service *)prev)->line);
			}
		}
	}
}

/*
 * audit.syslog = "tcp://ADDR:PORT" or "tls://ADDR:PORT": an address
 * literal, never a name (the sandboxed daemon resolves nothing, and a
 * collector that moves is a reload).  audit.syslog_ca: the CA file that
 * verifies a tls:// collector; read when the daemon applies it.
 */
static void
conf_audit_syslog(struct conf_ctx *ctx, const config_setting_t *s)
{
	static const struct { const char *scheme; int tls; } schemes[] = {
		{ "tcp://", 0 }, { "tls://", 1 },
	};
	struct gw_conf	*gc = ctx->gc;
	const char	*str;
	char		 err[128];
	size_t		 i;

	conf_get_abs_path(ctx, s, "syslog_ca", "audit", "audit.syslog_ca",
	    &gc->audit_syslog_ca);
	if (conf_get_string(ctx, s, "syslog", "audit", &str) != 1 ||
	    *str == '\0')
		return;		/* "": no collector */
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
		if (strncmp(str, schemes[i].scheme,
		    strlen(schemes[i].scheme)) == 0)
			break;
	if (i == sizeof(schemes) / sizeof(schemes[0])) {
		conf_err(ctx, config_setting_get_member(s, "syslog"),
		    "audit.syslog", "\"%s\": must be tcp://ADDRESS:PORT or "
		    "tls://ADDRESS:PORT", str);
		return;
	}
	if (addr_parse_endpoint(str + strlen(schemes[i].scheme),
	    &gc->audit_syslog_addr, err, sizeof(err)) == -1) {
		conf_err(ctx, config_setting_get_member(s, "syslog"),
		    "audit.syslog", "%s (an address literal: names are not "
		    "resolved)", err);
		return;
	}
	if (!gc->audit_on)
		conf_err(ctx, config_setting_get_member(s, "syslog"),
		    "audit.syslog", "needs the audit log (audit.enabled): "
		    "the collector is sent what the files hold");
	gc->audit_syslog_tls = schemes[i].tls;
	conf_set_string(&gc->audit_syslog, str);
}

static void
conf_defaults(struct gw_conf *gc, const char *file)
{
	char	host[HOST_NAME_MAX + 1] = "v6gate";
	char	err[128];

	gethostname(host, sizeof(host) - 1);
	gc->file = strdup(file);
	gc->name = strndup(host, CONF_NAME_MAX);
	gc->state_dir = strdup(V6G_STATE_DIR);
	gc->control_socket = strdup(V6G_CONTROL_SOCKET);
	gc->user = strdup(V6G_USER);
	addr_parse_endpoint(V6G_HTTP, &gc->http, err, sizeof(err));
	gc->http_on = 1;
	gc->workers = 0;
	gc->max_connections = 100000;
	gc->to_first_flight = 10;
	gc->to_connect = 5;
	gc->to_idle = 300;
	gc->pending_per_client = 64;
	gc->pending_per_48 = 256;
	gc->pending_per_32 = 1024;
	gc->acct_checkpoint = 1;
	gc->acct_minutes = 2880;	/* two days of minutes */
	gc->acct_days = 800;		/* 13 months and more of days */
	gc->acct_clients_exact = 100000;
	gc->audit_on = 1;
	gc->audit_days = 180;
	conf_readiness_defaults(&gc->readiness);
}

/*
 * Checks run by kind (keys, then services, then clashes between them);
 * a sysadmin reads errors top to bottom: order them by line, stably.
 */
static void
conf_sort_errors(struct conf_ctx *ctx)
{
	struct conf_report	*rep = ctx->rep;
	size_t			 i, j;

	if (ctx->nlines != rep->nerrors)
		return;
	for (i = 1; i < rep->nerrors; i++) {
		char	*m = rep->errors[i];
		int	 l = ctx->lines[i];

		for (j = i; j > 0 && ctx->lines[j - 1] > l; j--) {
			rep->errors[j] = rep->errors[j - 1];
			ctx->lines[j] = ctx->lines[j - 1];
		}
		rep->errors[j] = m;
		ctx->lines[j] = l;
	}
}

static struct gw_conf *
conf_build(config_t *cfg, const struct conf_src *src, const char *file,
    struct conf_report *rep)
{
	struct conf_ctx		 ctx = { file, rep, NULL, 0, NULL, 0, 0, NULL,
	    src };
	struct gw_conf		*gc;
	config_setting_t	*root, *services, *s;
	const char		*str;
	size_t			 i;
	int			 n;

	if ((gc = calloc(1, sizeof(*gc))) == NULL) {
		conf_msg_add(&rep->errors, &rep->nerrors, "out of memory");
		return NULL;
	}
	ctx.gc = gc;
	conf_defaults(gc, file);

	root = config_root_setting(cfg);
	conf_check_keys(&ctx, root, "", conf_top_keys);
	conf_gateway(&ctx, root);
	if ((s = conf_get_group(&ctx, root, "accounting", "")) != NULL) {
		conf_check_keys(&ctx, s, "accounting", conf_acct_keys);
		conf_get_uint(&ctx, s, "checkpoint", "accounting", 1, 60,
		    &gc->acct_checkpoint);
		conf_get_uint(&ctx, s, "minutes_kept", "accounting", 60,
		    527040, &gc->acct_minutes);
		/* reports cover calendar months: at least 13 of them */
		conf_get_uint(&ctx, s, "days_kept", "accounting", 400, 36600,
		    &gc->acct_days);
		conf_get_uint(&ctx, s, "clients_exact", "accounting", 0,
		    10000000, &gc->acct_clients_exact);
		/* (read at start, as the token file: clients.h) */
		if (conf_get_string(&ctx, s, "clients_key_file", "accounting",
		    &str) == 1) {
			if (str[0] != '/')
				conf_err(&ctx, config_setting_get_member(s,
				    "clients_key_file"),
				    "accounting.clients_key_file",
				    "\"%s\" is not an absolute path", str);
			else
				conf_set_string(&gc->acct_clients_key_file,
				    str);
		}
	}
	if ((s = conf_get_group(&ctx, root, "audit", "")) != NULL) {
		conf_check_keys(&ctx, s, "audit", conf_audit_keys);
		conf_get_bool(&ctx, s, "enabled", "audit", &gc->audit_on);
		/* the law asks for six months at least; ten years at most */
		conf_get_uint(&ctx, s, "retention_days", "audit", 1, 3650,
		    &gc->audit_days);
		conf_get_bool(&ctx, s, "at_open", "audit", &gc->audit_open);
		conf_get_bool(&ctx, s, "fail_closed", "audit",
		    &gc->audit_fail_closed);
		conf_audit_syslog(&ctx, s);
	}

	conf_xlat_blocks(&ctx, root);
	conf_readiness(&ctx, root);

	services = config_setting_get_member(root, "services");
	if (services != NULL && config_setting_type(services) !=
	    CONFIG_TYPE_LIST) {
		conf_err(&ctx, services, "services", "must be a list ( { ... "
		    "}, { ... } ), not %s",
		    conf_type_name(config_setting_type(services)));
		services = NULL;
	}
	n = services ? config_setting_length(services) : 0;
	if (n == 0)
		conf_warn(&ctx, services, "services", "no services configured: "
		    "the gateway carries nothing");
	if (n > 0) {
		size_t	cap = 0;

		for (i = 0; i < (size_t)n; i++) {
			config_setting_t *l;

			s = config_setting_get_elem(services, (unsigned)i);
			if (config_setting_type(s) == CONFIG_TYPE_GROUP &&
			    (l = config_setting_get_member(s, "listen")) !=
			    NULL)
				cap += config_setting_type(l) ==
				    CONFIG_TYPE_STRING ? 1 :
				    (size_t)config_setting_length(l);
		}
		if ((gc->services = calloc((size_t)n, sizeof(*gc->services))) ==
		    NULL || (cap > 0 && (gc->listeners = calloc(cap,
		    sizeof(*gc->listeners))) == NULL)) {
			conf_err(&ctx, services, "services", "out of memory");
			goto done;
		}
		ctx.listener_cap = cap;
		gc->nservices = (size_t)n;
		for (i = 0; i < gc->nservices; i++)
			conf_service(&ctx, config_setting_get_elem(services,
			    (unsigned)i), i);
		conf_check_overlaps(&ctx);
		conf_routes(&ctx, services);
	}
done:
	conf_sort_errors(&ctx);
	free(ctx.lines);
	namemap_free(ctx.claims);
	if (rep->nerrors > 0) {
		conf_free(gc);
		return NULL;
	}
	return gc;
}

/*
 * The text conf_src made, to libconfig.  Its include directory leads
 * nowhere: every @include is already replaced, and were one missed,
 * libconfig must fail to open it rather than open it (see source.c).
 */
static int
conf_parse(config_t *cfg, struct conf_src *src, struct conf_report *rep)
{
	char		 msg[1024];
	const char	*f;
	unsigned	 line;

	config_init(cfg);
	config_set_include_dir(cfg, "/nonexistent");
	if (config_read_string(cfg, src->text) == CONFIG_TRUE) {
		config_setting_set_hook(config_root_setting(cfg), src);
		return 0;
	}
	f = conf_src_where(src, (unsigned)config_error_line(cfg), &line);
	snprintf(msg, sizeof(msg), "%s:%u: %s", f, line,
	    config_error_text(cfg));
	conf_msg_add(&rep->errors, &rep->nerrors, msg);
	return -1;
}

struct gw_conf *
conf_load(const char *file, struct conf_report *rep)
{
	config_t	 cfg;
	struct conf_src	 src;
	struct gw_conf	*gc = NULL;

	memset(rep, 0, sizeof(*rep));
	if (conf_src_file(&src, file, rep) == 0) {
		if (conf_parse(&cfg, &src, rep) == 0)
			gc = conf_build(&cfg, &src, file, rep);
		config_destroy(&cfg);
	}
	conf_src_free(&src);
	return gc;
}

struct gw_conf *
conf_load_string(const char *name, const char *text, struct conf_report *rep)
{
	config_t	 cfg;
	struct conf_src	 src;
	struct gw_conf	*gc = NULL;

	memset(rep, 0, sizeof(*rep));
	if (conf_src_string(&src, name, text, rep) == 0) {
		if (conf_parse(&cfg, &src, rep) == 0)
			gc = conf_build(&cfg, &src, name, rep);
		config_destroy(&cfg);
	}
	conf_src_free(&src);
	return gc;
}

int
conf_gateway_string(const char *file, const char *key, const char *dflt,
    char *buf, size_t len, char *err, size_t errlen)
{
	struct conf_report	 rep;
	struct conf_src		 src;
	config_t		 cfg;
	const char		*s;
	char			 path[64];
	int			 rc = -1;

	snprintf(buf, len, "%s", dflt);
	memset(&rep, 0, sizeof(rep));
	snprintf(path, sizeof(path), "gateway.%s", key);
	if (conf_src_file(&src, file, &rep) == 0) {
		if (conf_parse(&cfg, &src, &rep) == 0) {
			rc = 0;
			if (config_lookup(&cfg, path) == NULL)
				;	/* dflt */
			else if (config_lookup_string(&cfg, path, &s))
				snprintf(buf, len, "%s", s);
			else {
				snprintf(err, errlen, "%s: %s is not a string",
				    file, path);
				rc = -1;
			}
		}
		config_destroy(&cfg);
	}
	if (rep.nerrors > 0)
		snprintf(err, errlen, "%s", rep.errors[0]);
	conf_report_free(&rep);
	conf_src_free(&src);
	return rc;
}

void
conf_free(struct gw_conf *gc)
{
	size_t	i, j;

	if (gc == NULL)
		return;
	for (i = 0; i < gc->nservices; i++) {
		struct conf_service *svc = &gc->services[i];

		free(svc->name);
		for (j = 0; j < svc->nhosts; j++)
			free(svc->hosts[j]);
		free(svc->hosts);
		free(svc->listeners);
		conf_backends_free(svc);
		free(svc->ports);
		free(svc->site);
	}
	free(gc->nat64.pool4);
	free(gc->services);
	for (i = 0; i < gc->nlisteners; i++)
		namemap_free(gc->listeners[i].routes);
	free(gc->listeners);
	free(gc->file);
	free(gc->name);
	free(gc->state_dir);
	free(gc->control_socket);
	free(gc->user);
	free(gc->http_allow);
	free(gc->http_token_file);
	free(gc->audit_syslog);
	free(gc->audit_syslog_ca);
	free(gc->acct_clients_key_file);
	free(gc);
}

void
conf_report_free(struct conf_report *rep)
{
	size_t	i;

	for (i = 0; i < rep->nerrors; i++)
		free(rep->errors[i]);
	for (i = 0; i < rep->nwarnings; i++)
		free(rep->warnings[i]);
	free(rep->errors);
	free(rep->warnings);
	memset(rep, 0, sizeof(*rep));
}

const char *
conf_proto_name(enum conf_proto p)
{
	return (unsigned)p < CONF_PROTO_COUNT ? conf_proto_names[p] : "tls";
}

const char *
conf_mode_name(enum conf_mode m)
{
	return m == CONF_NAT64 ? "nat64" : m == CONF_SIIT ? "siit" : "proxy";
}

const char *
conf_l4_name(enum conf_l4 p)
{
	return p == CONF_L4_TCP ? "tcp" : p == CONF_L4_UDP ? "udp" : "icmp";
}

struct conf_listener *
conf_listener_find(const struct gw_conf *gc, const union addr_sa *a)
{
	size_t	i;

	for (i = 0; i < gc->nlisteners; i++)
		if (addr_equal(&gc->listeners[i].addr, a))
			return &gc->listeners[i];
	return NULL;
}
