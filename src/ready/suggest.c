/* SPDX-License-Identifier: ISC */
/*
 * From a site's failures to the text that fixes them.  A same-site host
 * that has no AAAA record (reason no_aaaa) is an IPv4-only server of the
 * site: a proxy service brings it behind this gateway, on the IPv6
 * listener the homepage's service already uses, with the host's A record
 * as its backend; then the AAAA record points at that listener.  What the
 * gateway cannot do itself (a name server without IPv6, IPv4 that goes
 * around the gateway) is said in "notes".
 */

#include <arpa/inet.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "site.h"
#include "suggest.h"
#include "url.h"
#include "zone.h"


/* The first listener of the site's services of family and port. */
static const struct conf_listener *
suggest_listener(const struct crawl_target *t, int family, uint16_t port)
{
	size_t	i, j;

	for (i = 0; i < t->nsvcs; i++)
		for (j = 0; j < t->svcs[i]->nlisteners; j++) {
			const struct conf_listener *l = t->svcs[i]->listeners[j];

			if (l->addr.sa.sa_family == family &&
			    (port == 0 || addr_port(&l->addr) == port))
				return l;
		}
	return NULL;
}

/*
 * Where the new service listens: every IPv6 listener of the site's
 * services of its protocol (the host is then served wherever the site
 * is), else the one found for its port.
 */
static void
suggest_listen(const struct crawl_target *t, enum conf_proto proto,
    const struct conf_listener *dflt, char *buf, size_t len)
{
	size_t	i, j, n = 0;

	buf[0] = '\0';
	for (i = 0; i < t->nsvcs; i++)
		for (j = 0; j < t->svcs[i]->nlisteners; j++) {
			const struct conf_listener *l = t->svcs[i]->listeners[j];

			if (l->addr.sa.sa_family != AF_INET6 ||
			    l->protocol != proto || strstr(buf, l->text))
				continue;
			snprintf(buf + strlen(buf), len - strlen(buf),
			    "%s\"%s\"", n++ ? ", " : "", l->text);
		}
	if (n == 0)
		snprintf(buf, len, "\"%s\"", dflt->text);
}

/* Whether a service of gc already carries host (exact, or "*.parent"). */
static const struct conf_service *
suggest_served(const struct gw_conf *gc, const char *host)
{
	const char	*dot;
	size_t		 i, j;

	for (i = 0; i < gc->nservices; i++)
		for (j = 0; j < gc->services[i].nhosts; j++) {
			const char *h = gc->services[i].hosts[j];

			if (strcmp(h, host) == 0)
				return &gc->services[i];
			if (h[0] == '*' && h[1] == '.' &&
			    (dot = strchr(host, '.')) != NULL &&
			    strcmp(dot + 1, h + 2) == 0)
				return &gc->services[i];
		}
	return NULL;
}

static int
suggest_name_used(const struct gw_conf *gc, const char *name)
{
	size_t	i;

	for (i = 0; i < gc->nservices; i++)
		if (strcmp(gc->services[i].name, name) == 0)
			return 1;
	return 0;
}

static void __attribute__((format(printf, 2, 3)))
suggest_note(json_object *notes, const char *fmt, ...)
{
	char	line[768];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	json_object_array_add(notes, json_object_new_string(line));
}

/*
 * One IPv4-only host of the site, met first at url: a service for it (or
 * only its AAAA, when a service already carries it).
 */
static void
suggest_host(const struct gw_conf *gc, struct dns *dns,
    const struct crawl_target *t, const char *url, int bypass,
    char **config, json_object *dnsl, json_object *nsu, json_object *notes)
{
	const struct conf_listener	*l6, *l4;
	struct url_parts		 u;
	union addr_sa			 a[4];
	char				 ip6[INET6_ADDRSTRLEN], ip4[INET_ADDRSTRLEN];
	char				 name[80], *text, *old;
	char				 listen[1024];
	size_t				 n = 0;
	double				 ms;
	int				 tls;

	if (url_split(url, &u) == -1)
		return;
	tls = strcmp(u.scheme, "https") == 0;
	if ((l6 = suggest_listener(t, AF_INET6, u.port)) == NULL &&
	    (l6 = suggest_listener(t, AF_INET6, 0)) == NULL) {
		suggest_note(notes, "%s: the site's services have no IPv6 "
		    "listener to put it on", u.host);
		return;
	}
	addr_fmt_ip(&l6->addr, ip6, sizeof(ip6));
	suggest_listen(t, tls ? CONF_TLS : CONF_HTTP, l6, listen,
	    sizeof(listen));
	if (suggest_served(gc, u.host) != NULL) {
		zone_record(dnsl, nsu, u.host, "AAAA", ip6);
		return;
	}
	if (dns_addrs(dns, u.host, AF_INET, a, 4, &n, &ms) != DNS_OK ||
	    n == 0) {
		suggest_note(notes, "%s has no A record either: which server "
		    "is it?", u.host);
		return;
	}
	addr_fmt_ip(&a[0], ip4, sizeof(ip4));
	snprintf(name, sizeof(name), "%.62s", u.host);
	if (suggest_name_used(gc, name))
		snprintf(name, sizeof(name), "%.58s-v6", u.host);
	l4 = bypass ? suggest_listener(t, AF_INET, u.port) : NULL;
	if (asprintf(&text, "  { name     = \"%s\";\n"
	    "    mode     = \"proxy\";\n"
	    "    protocol = \"%s\";\n"
	    "    hosts    = [ \"%s\" ];\n"
	    "    listen   = [ %s%s%s%s ];\n"
	    "    backends = [ \"%s:%u\" ]; },\n",
	    name, tls ? "tls" : "http", u.host, listen,
	    l4 ? ", \"" : "", l4 ? l4->text : "", l4 ? "\"" : "",
	    ip4, u.port) == -1)
		return;
	old = *config;
	if (asprintf(config, "%s%s", old ? old : "", text) == -1)
		*config = old;
	else
		free(old);
	free(text);
	zone_record(dnsl, nsu, u.host, "AAAA", ip6);
}

json_object *
suggest_site(const struct gw_conf *gc, struct dns *dns,
    const struct crawl_target *t, json_object *site)
{
	json_object	*o = json_object_new_object(), *dnsl, *nsu, *notes;
	json_object	*failing, *f, *d4;
	const struct conf_listener *l4;
	const char	*host, *reason, *url, *home;
	char		**done = NULL, **nd, *config = NULL;
	char		 ip4[INET6_ADDRSTRLEN], line[512];
	size_t		 ndone = 0, i, j;
	int		 bypass;

	dnsl = json_object_new_array();
	nsu = json_object_new_array();
	notes = json_object_new_array();
	d4 = json_object_new_array();
	home = json_object_get_string(json_object_object_get(site, "host"));
	bypass = json_object_get_boolean(json_object_object_get(site,
	    "ipv4_bypass"));
	failing = json_object_object_get(site, "failing");

	/* the homepage host itself first, when it has no AAAA */
	if (!json_object_get_boolean(json_object_object_get(
	    json_object_object_get(site, "aaaa"), "ok")))
		suggest_host(gc, dns, t, t->site, bypass, &config, dnsl, nsu,
		    notes);
	for (i = 0; i < json_object_array_length(failing); i++) {
		f = json_object_array_get_idx(failing, i);
		host = json_object_get_string(json_object_object_get(f,
		    "host"));
		reason = json_object_get_string(json_object_object_get(f,
		    "reason"));
		url = json_object_get_string(json_object_object_get(f, "url"));
		if (json_object_get_int(json_object_object_get(f, "level")) ==
		    0) {
			/* a name server */
			if (strcmp(reason, "no_aaaa") == 0)
				suggest_note(notes, "name server %s has no "
				    "AAAA record: give it an IPv6 address and "
				    "publish it", host);
			else
				suggest_note(notes, "name server %s does not "
				    "answer DNS over IPv6: open port 53 on its "
				    "IPv6 address", host);
			continue;
		}
		if (strcmp(reason, "no_aaaa") != 0 || url_host_is_ipv4(host) ||
		    !site_same(host, home) || strcmp(host, home) == 0)
			continue;
		for (j = 0; j < ndone; j++)
			if (strcmp(done[j], host) == 0)
				break;
		if (j < ndone)
			continue;
		if ((nd = realloc(done, (ndone + 1) * sizeof(*done))) ==
		    NULL)
			break;
		done = nd;
		done[ndone++] = strdup(host);
		suggest_host(gc, dns, t, url, bypass, &config, dnsl, nsu,
		    notes);
	}
	for (j = 0; j < ndone; j++)
		free(done[j]);
	free(done);

	if (bypass) {
		if ((l4 = suggest_listener(t, AF_INET, 0)) != NULL) {
			addr_fmt_ip(&l4->addr, ip4, sizeof(ip4));
			snprintf(line, sizeof(line), "%s. %d IN A %s", home,
			    ZONE_TTL, ip4);
			json_object_array_add(d4, json_object_new_string(line));
			suggest_note(notes, "IPv4 clients of %s reach the "
			    "legacy server directly, so the gateway counts "
			    "only IPv6 and the IPv6 share has no denominator: "
			    "point its A record at the gateway's %s "
			    "(\"dns_ipv4\"); then both families are counted "
			    "alike", home, l4->text);
		} else
			suggest_note(notes, "IPv4 clients of %s reach the "
			    "legacy server directly, so the gateway counts "
			    "only IPv6 and the IPv6 share has no denominator: "
			    "add an IPv4 address of this gateway to the "
			    "service %s's listen, and point the A record at "
			    "it", home, t->svcs[0]->name);
	}

	json_object_object_add(o, "config", json_object_new_string(
	    config ? config : ""));
	json_object_object_add(o, "dns", dnsl);
	json_object_object_add(o, "dns_ipv4", d4);
	/* nsupdate(1): the zone, its additions, send; nothing to add: "" */
	json_object_object_add(o, "nsupdate", json_object_array_length(nsu) >
	    0 ? zone_script(nsu, json_object_get_string(
	    json_object_object_get(site, "zone"))) :
	    json_object_new_string(""));
	json_object_put(nsu);
	json_object_object_add(o, "notes", notes);
	free(config);
	return o;
}
