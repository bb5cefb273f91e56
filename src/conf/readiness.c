/* SPDX-License-Identifier: ISC */
/*
 * The readiness group and a proxy service's "site": what the IPv6 support
 * self-check (ready/, v6gatectl readiness) reads.  Defaults follow the
 * assessment: three link levels (the homepage, its links, theirs), five
 * homepage fetches per family, and the bounds that keep a check polite to
 * the site it measures.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "conf_int.h"

static const char *const conf_readiness_keys[] = {
	"resolver", "depth", "max_pages", "concurrency", "timeout",
	"attempts", "interval", "insecure", "min_link_rate",
	"max_degradation", NULL
};

void
conf_readiness_defaults(struct conf_readiness *r)
{
	memset(r, 0, sizeof(*r));
	r->resolver.sa.sa_family = AF_UNSPEC;
	r->depth = 3;
	r->max_pages = 500;
	r->concurrency = 4;
	r->timeout = 10;
	r->attempts = 5;
	r->interval = 86400;
	r->min_link_rate = 0.9;
	r->max_degradation = 0.5;
}

/* A ratio written 0.9 or 1 (libconfig reads "1" as an integer). */
static void
conf_get_ratio(struct conf_ctx *ctx, const config_setting_t *g,
    const char *name, double max, double *out)
{
	config_setting_t	*s;
	char			 path[64];
	double			 v;

	if ((s = config_setting_get_member(g, name)) == NULL)
		return;
	snprintf(path, sizeof(path), "readiness.%s", name);
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_FLOAT:
		v = config_setting_get_float(s);
		break;
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		v = (double)config_setting_get_int64(s);
		break;
	default:
		conf_err(ctx, s, path, "must be a number such as 0.9, not %s",
		    config_setting_type(s) == CONFIG_TYPE_STRING ? "a string" :
		    "a group or list");
		return;
	}
	if (!(v >= 0 && v <= max)) {
		conf_err(ctx, s, path, "%g out of range (0-%g)", v, max);
		return;
	}
	*out = v;
}

static void
conf_readiness_resolver(struct conf_ctx *ctx, const config_setting_t *g,
    struct conf_readiness *r)
{
	const char	*str;
	char		 err[128];

	if (conf_get_string(ctx, g, "resolver", "readiness", &str) != 1)
		return;
	if (addr_parse_ip(str, &r->resolver) == 0) {
		if (r->resolver.sa.sa_family == AF_INET)
			r->resolver.sin.sin_port = htons(53);
		else
			r->resolver.sin6.sin6_port = htons(53);
		return;
	}
	if (addr_parse_endpoint(str, &r->resolver, err, sizeof(err)) == -1) {
		conf_err(ctx, config_setting_get_member(g, "resolver"),
		    "readiness.resolver", "\"%s\": not an address (\"10.0.0.53"
		    "\", \"2001:db8::53\", \"[2001:db8::53]:5353\")", str);
		r->resolver.sa.sa_family = AF_UNSPEC;
	}
}

void
conf_readiness(struct conf_ctx *ctx, const config_setting_t *root)
{
	struct conf_readiness	*r = &ctx->gc->readiness;
	config_setting_t	*g;

	if ((g = conf_get_group(ctx, root, "readiness", "")) == NULL)
		return;
	r->line = conf_line(g);
	conf_check_keys(ctx, g, "readiness", conf_readiness_keys);
	conf_readiness_resolver(ctx, g, r);
	conf_get_uint(ctx, g, "depth", "readiness", 1, 3, &r->depth);
	conf_get_uint(ctx, g, "max_pages", "readiness", 1, 100000,
	    &r->max_pages);
	conf_get_uint(ctx, g, "concurrency", "readiness", 1, 64,
	    &r->concurrency);
	conf_get_uint(ctx, g, "timeout", "readiness", 1, 300, &r->timeout);
	conf_get_uint(ctx, g, "attempts", "readiness", 1, 100,
	    &r->attempts);
	/* at most every minute: the check is a visitor, not a load test */
	conf_get_uint(ctx, g, "interval", "readiness", 0, 31 * 86400,
	    &r->interval);
	if (r->interval != 0 && r->interval < 60) {
		conf_err(ctx, config_setting_get_member(g, "interval"),
		    "readiness.interval", "%u out of range (0 = never, or "
		    "60-%u seconds)", r->interval, 31 * 86400);
		r->interval = 86400;
	}
	conf_get_bool(ctx, g, "insecure", "readiness", &r->insecure);
	conf_get_ratio(ctx, g, "min_link_rate", 1, &r->min_link_rate);
	conf_get_ratio(ctx, g, "max_degradation", 100, &r->max_degradation);
}

void
conf_readiness_site(struct conf_ctx *ctx, const config_setting_t *s,
    const char *path, struct conf_service *svc)
{
	const char	*str, *host;
	char		 epath[96];
	size_t		 n;

	if (conf_get_string(ctx, s, "site", path, &str) != 1)
		return;
	snprintf(epath, sizeof(epath), "%s.site", path);
	if (strncmp(str, "https://", 8) == 0)
		host = str + 8;
	else if (strncmp(str, "http://", 7) == 0)
		host = str + 7;
	else
		host = NULL;
	n = host != NULL ? strcspn(host, "/?#") : 0;
	if (host == NULL || n == 0 || strlen(str) > 2000 ||
	    strpbrk(str, " \t\r\n\"") != NULL) {
		conf_err(ctx, config_setting_get_member(s, "site"), epath,
		    "\"%s\" is not a site's URL (\"https://www.example.org/"
		    "\")", str);
		return;
	}
	svc->site = strdup(str);
}

const char *
conf_service_site(const struct conf_service *svc, char *buf, size_t len)
{
	size_t	i;

	if (svc->mode != CONF_PROXY)
		return NULL;
	if (svc->site != NULL) {
		snprintf(buf, len, "%s", svc->site);
		return buf;
	}
	for (i = 0; i < svc->nhosts; i++)
		if (strchr(svc->hosts[i], '*') == NULL) {
			snprintf(buf, len, "%s://%s/", svc->protocol ==
			    CONF_HTTP ? "http" : "https", svc->hosts[i]);
			return buf;
		}
	return NULL;
}
