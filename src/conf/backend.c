/* SPDX-License-Identifier: ISC */
/*
 * A proxy service's backends and how they are used: the "backends" list
 * (strings, or groups with their own weight, backup and proxy_protocol),
 * "balance", "retries" and the health "check".  Part of conf_load(): same
 * rules, every problem reported as file:line.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "conf.h"
#include "conf_int.h"
#include "mix.h"

/* A tried-backends bitmask per connection holds this many. */
#define CONF_BACKENDS_MAX	64
#define CONF_WEIGHT_MAX		256

static const char *const conf_backend_keys[] = {
	"address", "weight", "backup", "proxy_protocol", NULL
};
static const char *const conf_check_settings[] = {
	"type", "interval", "timeout", "rise", "fall", "cert_warn_days",
	"path", "expect", NULL
};

/* One entry of "backends": "10.1.0.5:443" or { address = ...; ... }. */
static void
conf_backend(struct conf_ctx *ctx, config_setting_t *e, const char *path,
    struct conf_service *svc)
{
	struct conf_backend	*b = &svc->backends[svc->nbackends];
	config_setting_t	*at = e;
	const char		*str = NULL, *pp;
	char			 err[256];
	size_t			 j;

	memset(b, 0, sizeof(*b));
	b->weight = 1;
	b->line = conf_line(e);
	if (config_setting_type(e) == CONFIG_TYPE_GROUP) {
		conf_check_keys(ctx, e, path, conf_backend_keys);
		if (conf_get_string(ctx, e, "address", path, &str) == 0)
			conf_err(ctx, e, path, "\"address\" is required "
			    "(\"10.1.0.5:443\")");
		if (str != NULL)
			at = config_setting_get_member(e, "address");
		conf_get_uint(ctx, e, "weight", path, 1, CONF_WEIGHT_MAX,
		    &b->weight);
		conf_get_bool(ctx, e, "backup", path, &b->backup);
		if (conf_get_string(ctx, e, "proxy_protocol", path, &pp) ==
		    1) {
			if (strcmp(pp, "none") == 0)
				b->pp = PPHDR_NONE;
			else if (strcmp(pp, "v1") == 0)
				b->pp = PPHDR_V1;
			else if (strcmp(pp, "v2") == 0)
				b->pp = PPHDR_V2;
			else
				conf_err(ctx, config_setting_get_member(e,
				    "proxy_protocol"), path, "unknown "
				    "proxy_protocol \"%s\" (\"none\", \"v1\", "
				    "\"v2\")", pp);
		}
		if (str == NULL)
			return;
	} else if (config_setting_type(e) == CONFIG_TYPE_STRING)
		str = config_setting_get_string(e);
	else {
		conf_err(ctx, e, path, "must be \"address:port\" or a group "
		    "{ address = ...; }, not %s", config_setting_type(e) ==
		    CONFIG_TYPE_INT ? "an integer" : "a list");
		return;
	}
	if (addr_parse_endpoint(str, &b->addr, err, sizeof(err)) == -1) {
		conf_err(ctx, at, path, "%s", err);
		return;
	}
	if (addr_is_any(&b->addr)) {
		conf_err(ctx, at, path, "\"%s\": a backend needs a real "
		    "address", str);
		return;
	}
	addr_fmt(&b->addr, b->text, sizeof(b->text));
	/* by address, not position: reordering keeps clients in place */
	b->hash = mix64(fnv1a64(b->text));
	for (j = 0; j < svc->nbackends; j++)
		if (addr_equal(&svc->backends[j].addr, &b->addr)) {
			conf_err(ctx, at, path, "%s listed twice (line %d)",
			    b->text, svc->backends[j].line);
			return;
		}
	svc->nbackends++;
}

/*
 * The order in which round robin visits the backends with backup == bk:
 * nginx's smooth weighted round robin, unrolled once, so that weights
 * 5:1:1 give a a b a c a a and not a a a a a b c.  Appended to svc->wrr.
 */
static void
conf_wrr(struct conf_service *svc, int bk, long *cur)
{
	size_t	i, best, total = 0, n;

	for (i = 0; i < svc->nbackends; i++) {
		cur[i] = 0;
		if (svc->backends[i].backup == bk)
			total += svc->backends[i].weight;
	}
	for (n = 0; n < total; n++) {
		best = SIZE_MAX;
		for (i = 0; i < svc->nbackends; i++) {
			if (svc->backends[i].backup != bk)
				continue;
			cur[i] += svc->backends[i].weight;
			if (best == SIZE_MAX || cur[i] > cur[best])
				best = i;
		}
		cur[best] -= (long)total;
		svc->wrr[svc->nwrr++] = (uint16_t)best;
	}
}

static void
conf_check(struct conf_ctx *ctx, config_setting_t *s, const char *path,
    struct conf_service *svc)
{
	struct conf_check	*ck = &svc->check;
	config_setting_t	*c, *t = NULL, *arr;
	const char		*str = NULL, *p;
	char			 cpath[96];
	unsigned		 u;
	int			 i, n, timeout_set = 0;

	/* HAProxy's defaults: every 2 s, up after 2 passes, down after 3 */
	ck->interval_ms = 2000;
	ck->timeout_ms = 2000;
	ck->rise = 2;
	ck->fall = 3;
	ck->cert_warn_days = 30;
	if ((c = config_setting_get_member(s, "check")) == NULL)
		return;
	snprintf(cpath, sizeof(cpath), "%s.check", path);
	if (config_setting_type(c) == CONFIG_TYPE_STRING) {
		str = config_setting_get_string(c);
		t = c;
	} else if (config_setting_type(c) == CONFIG_TYPE_GROUP) {
		conf_check_keys(ctx, c, cpath, conf_check_settings);
		if (conf_get_string(ctx, c, "type", cpath, &str) == 0)
			conf_err(ctx, c, cpath, "\"type\" is required (\"tcp\", "
			    "\"tls\", \"http\")");
		t = config_setting_get_member(c, "type");
		if (conf_get_uint(ctx, c, "interval", cpath, 1, 3600, &u) == 1)
			ck->interval_ms = u * 1000;
		if (conf_get_uint(ctx, c, "timeout", cpath, 1, 60, &u) == 1) {
			ck->timeout_ms = u * 1000;
			timeout_set = 1;
		}
		/* "interval = 1" alone: the default timeout fits in it */
		if (!timeout_set && ck->timeout_ms > ck->interval_ms)
			ck->timeout_ms = ck->interval_ms;
		conf_get_uint(ctx, c, "rise", cpath, 1, 100, &ck->rise);
		conf_get_uint(ctx, c, "fall", cpath, 1, 100, &ck->fall);
		conf_get_uint(ctx, c, "cert_warn_days", cpath, 0, 3650,
		    &ck->cert_warn_days);
		if (conf_get_string(ctx, c, "path", cpath, &p) == 1) {
			size_t k;

			for (k = 0; p[k] != '\0'; k++)
				if ((unsigned char)p[k] <= ' ' || p[k] == 0x7f)
					break;
			if (p[0] != '/' || p[k] != '\0' || k > 1024)
				conf_err(ctx, config_setting_get_member(c,
				    "path"), cpath, "path \"%s\" must start "
				    "with '/', without spaces or control "
				    "characters, at most 1024", p);
			else
				ck->path = strdup(p);
		}
		n = 0;
		if ((arr = config_setting_get_member(c, "expect")) != NULL) {
			if (config_setting_type(arr) == CONFIG_TYPE_INT)
				n = 1;
			else if (config_setting_type(arr) ==
			    CONFIG_TYPE_ARRAY || config_setting_type(arr) ==
			    CONFIG_TYPE_LIST)
				n = config_setting_length(arr);
			else
				conf_err(ctx, arr, cpath, "expect: a status or "
				    "a list of them ([ 200, 301 ])");
		}
		if (n > 0 && (ck->expect = calloc((size_t)n,
		    sizeof(*ck->expect))) != NULL)
			for (i = 0; i < n; i++) {
				config_setting_t *e = config_setting_type(arr) ==
				    CONFIG_TYPE_INT ? arr :
				    config_setting_get_elem(arr, (unsigned)i);
				long long v;

				if (config_setting_type(e) != CONFIG_TYPE_INT) {
					conf_err(ctx, e, cpath, "expect: "
					    "statuses are integers");
					continue;
				}
				v = config_setting_get_int64(e);
				if (v < 100 || v > 599) {
					conf_err(ctx, e, cpath, "expect: %lld "
					    "is not an HTTP status (100-599)",
					    v);
					continue;
				}
				ck->expect[ck->nexpect++] = (uint16_t)v;
			}
	} else {
		conf_err(ctx, c, cpath, "must be \"tcp\", \"tls\", \"http\" or "
		    "a group { type = ...; }");
		return;
	}
	if (str == NULL)
		return;
	if (strcmp(str, "tcp") == 0)
		ck->type = CONF_CHECK_TCP;
	else if (strcmp(str, "tls") == 0)
		ck->type = CONF_CHECK_TLS;
	else if (strcmp(str, "http") == 0)
		ck->type = CONF_CHECK_HTTP;
	else {
		conf_err(ctx, t, cpath, "unknown check \"%s\" (\"tcp\", "
		    "\"tls\", \"http\")", str);
		return;
	}
	if (ck->type == CONF_CHECK_TLS && svc->protocol != CONF_TLS)
		conf_err(ctx, t, cpath, "a \"tls\" check needs a tls service; "
		    "\"%s\" is http (use \"http\" or \"tcp\")", svc->name);
	if (ck->type != CONF_CHECK_HTTP && (ck->path != NULL ||
	    ck->nexpect > 0))
		conf_err(ctx, c, cpath, "\"path\" and \"expect\" are for "
		    "\"http\" checks");
	if (ck->timeout_ms > ck->interval_ms)
		conf_err(ctx, c, cpath, "timeout (%u s) longer than interval "
		    "(%u s)", ck->timeout_ms / 1000, ck->interval_ms / 1000);
	if (ck->type == CONF_CHECK_HTTP && ck->path == NULL)
		ck->path = strdup("/");
}

void
conf_backends(struct conf_ctx *ctx, config_setting_t *s, const char *path,
    struct conf_service *svc)
{
	config_setting_t	*arr;
	const char		*str;
	char			 epath[96];
	long			*cur;
	size_t			 total = 0, i;
	int			 n, k, normal = 0;

	snprintf(epath, sizeof(epath), "%s.backends", path);
	arr = config_setting_get_member(s, "backends");
	n = 0;
	if (arr != NULL) {
		if (config_setting_type(arr) == CONFIG_TYPE_STRING ||
		    config_setting_type(arr) == CONFIG_TYPE_GROUP)
			n = 1;
		else if (config_setting_type(arr) == CONFIG_TYPE_ARRAY ||
		    config_setting_type(arr) == CONFIG_TYPE_LIST)
			n = config_setting_length(arr);
		else {
			conf_err(ctx, arr, epath, "must be a list of "
			    "\"address:port\" or of groups { address = ...; }");
			return;
		}
	}
	if (n == 0)
		conf_err(ctx, arr ? arr : s, epath, "at least one backend is "
		    "required (\"10.1.0.5:443\")");
	if (n > CONF_BACKENDS_MAX) {
		conf_err(ctx, arr, epath, "%d backends; at most %d per service",
		    n, CONF_BACKENDS_MAX);
		return;
	}
	if (n > 0 && (svc->backends = calloc((size_t)n,
	    sizeof(*svc->backends))) != NULL)
		for (k = 0; k < n; k++) {
			snprintf(epath, sizeof(epath), "%s.backends.[%d]",
			    path, k);
			conf_backend(ctx, config_setting_type(arr) ==
			    CONFIG_TYPE_STRING || config_setting_type(arr) ==
			    CONFIG_TYPE_GROUP ? arr :
			    config_setting_get_elem(arr, (unsigned)k), epath,
			    svc);
		}
	for (i = 0; i < svc->nbackends; i++) {
		total += svc->backends[i].weight;
		normal += !svc->backends[i].backup;
	}
	if (svc->nbackends > 0 && normal == 0)
		conf_err(ctx, arr, path, "every backend is a backup: at least "
		    "one must not be");
	if (total > 0 && (svc->wrr = calloc(total, sizeof(*svc->wrr))) !=
	    NULL && (cur = calloc(svc->nbackends, sizeof(*cur))) != NULL) {
		conf_wrr(svc, 0, cur);
		svc->nwrr_normal = svc->nwrr;
		conf_wrr(svc, 1, cur);
		free(cur);
	}

	if (conf_get_string(ctx, s, "balance", path, &str) == 1) {
		if (strcmp(str, "roundrobin") == 0)
			svc->balance = CONF_BAL_ROUNDROBIN;
		else if (strcmp(str, "leastconn") == 0)
			svc->balance = CONF_BAL_LEASTCONN;
		else if (strcmp(str, "source") == 0)
			svc->balance = CONF_BAL_SOURCE;
		else
			conf_err(ctx, config_setting_get_member(s, "balance"),
			    path, "unknown balance \"%s\" (\"roundrobin\", "
			    "\"leastconn\", \"source\")", str);
	}
	svc->retries = 3;
	conf_get_uint(ctx, s, "retries", path, 0, CONF_BACKENDS_MAX - 1,
	    &svc->retries);
	conf_check(ctx, s, path, svc);
}

void
conf_backends_free(struct conf_service *svc)
{
	free(svc->backends);
	free(svc->wrr);
	free(svc->check.path);
	free(svc->check.expect);
	free(svc->allow);
	free(svc->deny);
	free(svc->proxy_from);
}

const char *
conf_balance_name(enum conf_balance b)
{
	return b == CONF_BAL_LEASTCONN ? "leastconn" : b == CONF_BAL_SOURCE ?
	    "source" : "roundrobin";
}

const char *
conf_check_name(enum conf_check_type t)
{
	static const char *const names[] = { "none", "tcp", "tls", "http" };

	return names[t];
}

const char *
conf_pp_name(enum pphdr_version p)
{
	return p == PPHDR_V1 ? "v1" : p == PPHDR_V2 ? "v2" : "none";
}
