/* SPDX-License-Identifier: ISC */
/*
 * Who may use a proxy service: "allow" and "deny" prefix lists, the
 * per-client "limits", and the load balancers whose PROXY header names
 * the client ("accept_proxy").  Part of conf_load(); conf_acl_admits() and
 * conf_listener_trusts() are what the workers call.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "conf.h"
#include "conf_int.h"
#include "mix.h"

static const char *const conf_svc_limit_keys[] = {
	"per_client_connections", "per_client_rate", NULL
};

/* A list of prefixes; returns the count parsed into *out. */
size_t
conf_prefixes(struct conf_ctx *ctx, config_setting_t *s, const char *key,
    const char *path, struct conf_prefix **out)
{
	config_setting_t	*arr, *at;
	const char		*str;
	char			 epath[96];
	union addr_sa		 a;
	struct conf_prefix	*p;
	size_t			 np = 0;
	int			 n, i, len, b;

	*out = NULL;
	if ((n = conf_get_strings(ctx, s, key, path, &arr)) <= 0)
		return 0;
	if ((*out = calloc((size_t)n, sizeof(**out))) == NULL) {
		/* an empty list would admit everyone: fail the load */
		conf_err(ctx, arr, path, "%s: out of memory", key);
		return 0;
	}
	for (i = 0; i < n; i++) {
		str = conf_strings_elem(arr, i, &at);
		snprintf(epath, sizeof(epath), "%s.%s.[%d]", path, key, i);
		if (addr_prefix_parse(str, &a, &len) == -1) {
			conf_err(ctx, at, epath, "\"%s\": expected a prefix "
			    "(\"2001:db8::/48\", \"192.0.2.0/24\") or an "
			    "address", str);
			continue;
		}
		p = &(*out)[np++];
		p->family = (uint8_t)a.sa.sa_family;
		p->len = (uint8_t)len;
		p->line = conf_line(at);
		if (a.sa.sa_family == AF_INET6)
			memcpy(p->addr, &a.sin6.sin6_addr, 16);
		else
			memcpy(p->addr, &a.sin.sin_addr, 4);
		/* "2001:db8::1/48" is a typo as often as not: say so */
		for (b = len; b < (a.sa.sa_family == AF_INET6 ? 128 : 32); b++)
			if (p->addr[b / 8] & (0x80 >> (b % 8))) {
				conf_warn(ctx, at, epath, "\"%s\" has host "
				    "bits set; taken as the whole /%d", str,
				    len);
				break;
			}
		for (; b < 128; b++)
			p->addr[b / 8] &= (uint8_t)~(0x80 >> (b % 8));
	}
	return np;
}

void
conf_access(struct conf_ctx *ctx, config_setting_t *s, const char *path,
    struct conf_service *svc)
{
	config_setting_t	*l;
	char			 lpath[96];

	/* by name: a service's limits outlive a reload that moves it */
	svc->name_hash = fnv1a64(svc->name);
	svc->nallow = conf_prefixes(ctx, s, "allow", path, &svc->allow);
	svc->ndeny = conf_prefixes(ctx, s, "deny", path, &svc->deny);
	svc->nproxy_from = conf_prefixes(ctx, s, "accept_proxy", path,
	    &svc->proxy_from);
	svc->per_client_conns = ctx->gc->per_client_conns;
	svc->per_client_rate = ctx->gc->per_client_rate;
	snprintf(lpath, sizeof(lpath), "%s.limits", path);
	if ((l = conf_get_group(ctx, s, "limits", path)) == NULL)
		return;
	conf_check_keys(ctx, l, lpath, conf_svc_limit_keys);
	conf_get_uint(ctx, l, "per_client_connections", lpath, 0, 1000000,
	    &svc->per_client_conns);
	conf_get_uint(ctx, l, "per_client_rate", lpath, 0, 65535,
	    &svc->per_client_rate);
}

/* The longest prefix of v that holds a, or -1. */
static int
conf_longest(const struct conf_prefix *v, size_t n, int family,
    const uint8_t *a)
{
	size_t	i;
	int	best = -1, b;

	for (i = 0; i < n; i++) {
		const struct conf_prefix *p = &v[i];

		if (p->family != family || (int)p->len <= best)
			continue;
		for (b = 0; b + 8 <= p->len; b += 8)
			if (a[b / 8] != p->addr[b / 8])
				break;
		if (b + 8 <= p->len)
			continue;
		if (b < p->len && ((a[b / 8] ^ p->addr[b / 8]) &
		    (uint8_t)(0xff00 >> (p->len - b))) != 0)
			continue;
		best = p->len;
	}
	return best;
}

/*
 * The most specific entry that holds the client decides, as a route
 * would; deny wins a tie.  Held by none: admitted unless there is an
 * allow list.  So "allow ::/0, deny 2001:db8:bad::/48" and "deny
 * 2001:db8::/32, allow 2001:db8:1::/48" both read as they are meant.
 */
int
conf_acl_admits(const struct conf_service *svc, const union addr_sa *peer)
{
	const uint8_t	*a;
	int		 fam = peer->sa.sa_family, al, dl;

	if (svc->nallow == 0 && svc->ndeny == 0)
		return 1;
	a = fam == AF_INET6 ? peer->sin6.sin6_addr.s6_addr :
	    (const uint8_t *)&peer->sin.sin_addr;
	al = conf_longest(svc->allow, svc->nallow, fam, a);
	dl = conf_longest(svc->deny, svc->ndeny, fam, a);
	if (dl >= 0 && dl >= al)
		return 0;
	if (al >= 0)
		return 1;
	return svc->nallow == 0;
}

/* Whether a list holds a peer; an IPv4 peer of a dual-stack socket as
   IPv4. */
static int
conf_prefixes_hold(const struct conf_prefix *v, size_t n,
    const union addr_sa *peer)
{
	const uint8_t	*a;
	int		 fam = peer->sa.sa_family;

	if (fam == AF_INET6) {
		a = peer->sin6.sin6_addr.s6_addr;
		if (IN6_IS_ADDR_V4MAPPED(&peer->sin6.sin6_addr)) {
			fam = AF_INET;
			a += 12;
		}
	} else if (fam == AF_INET)
		a = (const uint8_t *)&peer->sin.sin_addr;
	else
		return 0;
	return conf_longest(v, n, fam, a) >= 0;
}

int
conf_http_admits(const struct gw_conf *gc, const union addr_sa *peer)
{
	if (gc->http_nallow == 0)
		return 1;
	return conf_prefixes_hold(gc->http_allow, gc->http_nallow, peer);
}

int
conf_listener_trusts(const struct conf_listener *l, const union addr_sa *peer)
{
	return l->nproxy_from > 0 &&
	    conf_prefixes_hold(l->proxy_from, l->nproxy_from, peer);
}

/* Whether two accept_proxy lists say the same, in the same order. */
int
conf_prefixes_same(const struct conf_prefix *a, size_t na,
    const struct conf_prefix *b, size_t nb)
{
	size_t	i;

	if (na != nb)
		return 0;
	for (i = 0; i < na; i++)
		if (a[i].family != b[i].family || a[i].len != b[i].len ||
		    memcmp(a[i].addr, b[i].addr, sizeof(a[i].addr)) != 0)
			return 0;
	return 1;
}
