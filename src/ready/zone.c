/* SPDX-License-Identifier: ISC */
/*
 * What to publish so that the gateway is where the names lead: the
 * services' names and listen addresses, as zone-file lines and as an
 * nsupdate(1) script, and, when asked, what the resolver answers today.
 */

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "zone.h"

#define ZONE_ADDRS	16

/* The distinct addresses of family that svc listens on. */
static size_t
zone_addrs(const struct conf_service *svc, int family, union addr_sa *out)
{
	size_t	i, j, n = 0;

	for (i = 0; i < svc->nlisteners && n < ZONE_ADDRS; i++) {
		union addr_sa a = svc->listeners[i]->addr;

		if (a.sa.sa_family != family || addr_is_any(&a))
			continue;
		if (family == AF_INET)
			a.sin.sin_port = 0;
		else
			a.sin6.sin6_port = 0;
		for (j = 0; j < n; j++)
			if (addr_equal(&out[j], &a))
				break;
		if (j == n)
			out[n++] = a;
	}
	return n;
}

void
zone_record(json_object *lines, json_object *nsu, const char *name,
    const char *type, const char *ip)
{
	char	line[512];

	snprintf(line, sizeof(line), "%s. %d IN %s %s", name, ZONE_TTL, type,
	    ip);
	json_object_array_add(lines, json_object_new_string(line));
	snprintf(line, sizeof(line), "update add %s. %d %s %s", name,
	    ZONE_TTL, type, ip);
	json_object_array_add(nsu, json_object_new_string(line));
}

json_object *
zone_script(json_object *nsu, const char *zone)
{
	json_object	*o;
	size_t		 i, n = json_object_array_length(nsu), len;
	char		*script;

	len = 16 + (zone != NULL ? strlen(zone) + 6 : 0);
	for (i = 0; i < n; i++)
		len += strlen(json_object_get_string(
		    json_object_array_get_idx(nsu, i))) + 1;
	if ((script = malloc(len)) == NULL)
		return json_object_new_string("");
	script[0] = '\0';
	if (zone != NULL)
		snprintf(script, len, "zone %s\n", zone);
	for (i = 0; i < n; i++) {
		strcat(script, json_object_get_string(
		    json_object_array_get_idx(nsu, i)));
		strcat(script, "\n");
	}
	strcat(script, "send\n");
	o = json_object_new_string(script);
	free(script);
	return o;
}

static void
zone_line(json_object *lines, json_object *nsu, const char *name,
    const char *type, const union addr_sa *a)
{
	char	ip[INET6_ADDRSTRLEN];

	zone_record(lines, nsu, name, type, addr_fmt_ip(a, ip, sizeof(ip)));
}

/* Compare what DNS answers for name with the addresses it should have. */
static void
zone_check(struct dns *dns, json_object *o, const char *name,
    const union addr_sa *want, size_t nwant)
{
	union addr_sa	 got[ZONE_ADDRS];
	json_object	*found = json_object_new_array();
	char		 ip[INET6_ADDRSTRLEN];
	const char	*state;
	size_t		 n = 0, i, j, wrong = 0;
	double		 ms;
	enum dns_rc	 rc;

	rc = dns_addrs(dns, name, AF_INET6, got, ZONE_ADDRS, &n, &ms);
	for (i = 0; i < n; i++) {
		json_object_array_add(found, json_object_new_string(
		    addr_fmt_ip(&got[i], ip, sizeof(ip))));
		got[i].sin6.sin6_port = 0;
		for (j = 0; j < nwant; j++)
			if (addr_equal(&got[i], &want[j]))
				break;
		wrong += j == nwant;
	}
	if (rc == DNS_TIMEOUT || rc == DNS_FAIL)
		state = "unknown";
	else if (n == 0)
		state = "missing";
	else
		state = wrong > 0 ? "wrong" : "ok";
	json_object_object_add(o, "found", found);
	json_object_object_add(o, "state", json_object_new_string(state));
	if (rc == DNS_TIMEOUT || rc == DNS_FAIL)
		json_object_object_add(o, "error", json_object_new_string(
		    dns_rc_name(rc)));
}

json_object *
zone_records(const struct gw_conf *gc, int check, char *err, size_t errlen)
{
	json_object	*doc, *names, *lines, *nsu, *o, *want;
	union addr_sa	 v6[ZONE_ADDRS], v4[ZONE_ADDRS];
	struct dns	*dns = NULL;
	char		 ip[INET6_ADDRSTRLEN];
	const char	*name;
	size_t		 i, j, k, n6, n4;

	if (check && (dns = dns_open(&gc->readiness.resolver,
	    gc->readiness.timeout * 1000, err, errlen)) == NULL)
		return NULL;
	doc = json_object_new_object();
	names = json_object_new_array();
	lines = json_object_new_array();
	nsu = json_object_new_array();
	for (i = 0; i < gc->nservices; i++) {
		const struct conf_service *svc = &gc->services[i];

		if (svc->mode != CONF_PROXY)
			continue;
		n6 = zone_addrs(svc, AF_INET6, v6);
		n4 = zone_addrs(svc, AF_INET, v4);
		for (j = 0; j < svc->nhosts; j++) {
			name = svc->hosts[j];
			o = json_object_new_object();
			json_object_object_add(o, "name",
			    json_object_new_string(name));
			json_object_object_add(o, "service",
			    json_object_new_string(svc->name));
			want = json_object_new_array();
			for (k = 0; k < n6; k++) {
				json_object_array_add(want,
				    json_object_new_string(addr_fmt_ip(&v6[k],
				    ip, sizeof(ip))));
				zone_line(lines, nsu, name, "AAAA", &v6[k]);
			}
			for (k = 0; k < n4; k++)
				zone_line(lines, nsu, name, "A", &v4[k]);
			json_object_object_add(o, "aaaa", want);
			if (n6 == 0)
				json_object_object_add(o, "note",
				    json_object_new_string("the service has "
				    "no IPv6 listen address"));
			if (check && strchr(name, '*') == NULL)
				zone_check(dns, o, name, v6, n6);
			else if (check)
				json_object_object_add(o, "state",
				    json_object_new_string("not checked"));
			json_object_array_add(names, o);
		}
	}
	json_object_object_add(doc, "names", names);
	json_object_object_add(doc, "zone", lines);
	json_object_object_add(doc, "nsupdate", zone_script(nsu, NULL));
	json_object_put(nsu);
	dns_close(dns);
	return doc;
}

int
zone_ok(json_object *doc)
{
	json_object	*names = json_object_object_get(doc, "names"), *s;
	size_t		 i;

	for (i = 0; i < json_object_array_length(names); i++) {
		s = json_object_object_get(json_object_array_get_idx(names, i),
		    "state");
		if (s != NULL && (strcmp(json_object_get_string(s),
		    "missing") == 0 || strcmp(json_object_get_string(s),
		    "wrong") == 0))
			return 0;
	}
	return 1;
}

void
zone_print_text(json_object *doc, FILE *out)
{
	json_object	*names = json_object_object_get(doc, "names"), *o;
	json_object	*zone = json_object_object_get(doc, "zone"), *st;
	size_t		 i;

	fprintf(out, "; the records to publish (zone-file lines)\n");
	for (i = 0; i < json_object_array_length(zone); i++)
		fprintf(out, "%s\n", json_object_get_string(
		    json_object_array_get_idx(zone, i)));
	fprintf(out, "\n; the same for nsupdate(1): add \"server NS\" and "
	    "\"zone ZONE\" lines first\n%s", json_object_get_string(
	    json_object_object_get(doc, "nsupdate")));
	for (i = 0; i < json_object_array_length(names); i++) {
		o = json_object_array_get_idx(names, i);
		if ((st = json_object_object_get(o, "state")) == NULL)
			continue;
		if (i == 0)
			fprintf(out, "\n; what the resolver answers\n");
		fprintf(out, "; %-30s %-8s %s\n", json_object_get_string(
		    json_object_object_get(o, "name")),
		    json_object_get_string(st), json_object_to_json_string(
		    json_object_object_get(o, "found")));
	}
}
