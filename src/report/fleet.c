/* SPDX-License-Identifier: ISC */
/*
 * Today and this month so far, from histories rather than from a running
 * daemon (v6gatectl stats --state-dir): one gateway's, or several merged
 * (merge.c).  The daemon's "stats" counts since its history began and
 * shows what is open; this shows the day's and the month's rows as the
 * last checkpoints wrote them, which is what adds up across gateways.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "month.h"
#include "text.h"

static void
fleet_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_int64((int64_t)v));
}

/* clients_day, clients_day_exact (and _min, _merge when merged) */
static void
fleet_clients(json_object *o, const struct report *r,
    const struct report_service *s, int k, const char *key)
{
	static const char *const how[] = { "exact", "sketch", "bounds" };
	char	name[48];

	fleet_u64(o, key, s->clients[k].n);
	snprintf(name, sizeof(name), "%s_exact", key);
	json_object_object_add(o, name,
	    json_object_new_boolean(s->clients[k].exact));
	if (r->nparts == 0)
		return;
	snprintf(name, sizeof(name), "%s_min", key);
	fleet_u64(o, name, s->clients_min[k]);
	snprintf(name, sizeof(name), "%s_merge", key);
	json_object_object_add(o, name, json_object_new_string(
	    how[s->merge[k]]));
}

/* One period's figures of a family, keys ending in _day or _month. */
static void
fleet_period(json_object *o, const struct report *r,
    const struct report_service *s, int f, const char *p)
{
	const struct report_family	*a = &s->fam[f];
	char				 k[48];

	snprintf(k, sizeof(k), "connections_%s", p);
	fleet_u64(o, k, a->connections);
	snprintf(k, sizeof(k), "bytes_in_%s", p);
	fleet_u64(o, k, a->bytes_in);
	snprintf(k, sizeof(k), "bytes_out_%s", p);
	fleet_u64(o, k, a->bytes_out);
	snprintf(k, sizeof(k), "clients_%s", p);
	fleet_clients(o, r, s, f == ACCT_IPV6 ? CL_IPV6 : CL_IPV4, k);
	if (f == ACCT_IPV6) {
		snprintf(k, sizeof(k), "clients64_%s", p);
		fleet_clients(o, r, s, CL_IPV6_64, k);
	}
}

void
report_fleet_json(const struct report *day, const struct report *month,
    FILE *out)
{
	static const struct report_service none;
	json_object	*root = json_object_new_object(), *svcs, *gws;
	json_object	*o, *fo;
	const struct report_service *s, *d;
	size_t		 i, n = month->nparts > 0 ? month->nparts : 1;
	int		 f;

	json_object_object_add(root, "day", json_object_new_string(
	    day->period));
	json_object_object_add(root, "month", json_object_new_string(
	    month->month));
	gws = json_object_new_array();
	for (i = 0; i < n; i++)
		json_object_array_add(gws, json_object_new_string(
		    report_gw_name(month->nparts > 0 ? &month->parts[i] :
		    month)));
	json_object_object_add(root, "gateways", gws);
	svcs = json_object_new_object();
	/* a service with rows today has rows this month */
	for (i = 0; i < month->nsvcs; i++) {
		s = &month->svcs[i];
		if ((d = report_service_find(day, s->name)) == NULL)
			d = &none;
		o = json_object_new_object();
		json_object_object_add(o, "mode",
		    json_object_new_string(s->mode));
		for (f = 0; f < ACCT_NFAMILY; f++) {
			fo = json_object_new_object();
			fleet_period(fo, day, d, f, "day");
			fleet_period(fo, month, s, f, "month");
			json_object_object_add(o, f == ACCT_IPV6 ? "ipv6" :
			    "ipv4", fo);
		}
		json_object_object_add(svcs, s->name, o);
	}
	json_object_object_add(root, "services", svcs);
	fprintf(out, "%s\n", json_object_to_json_string_ext(root,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
}

void
report_fleet_text(const struct report *day, const struct report *month,
    FILE *out)
{
	static const struct report_service none;
	const struct report_service *s, *d;
	char	 bd[16], bm[16], cd[24], cm[24];
	size_t	 i, n = month->nparts > 0 ? month->nparts : 1;
	int	 f;

	fprintf(out, "Today %s and %s so far, from the histories of",
	    day->period, month->month);
	for (i = 0; i < n; i++)
		fprintf(out, "%s %s", i > 0 ? "," : "",
		    report_gw_name(month->nparts > 0 ? &month->parts[i] :
		    month));
	fprintf(out, "%s\n\n%-20s %-6s %12s %10s %10s %12s %10s %10s\n",
	    n > 1 ? " (merged)" : "", "SERVICE", "FAMILY", "CONN. TODAY",
	    "BYTES", "CLIENTS", "CONN. MONTH", "BYTES", "CLIENTS");
	for (i = 0; i < month->nsvcs; i++) {
		s = &month->svcs[i];
		if ((d = report_service_find(day, s->name)) == NULL)
			d = &none;
		for (f = 0; f < ACCT_NFAMILY; f++) {
			text_bytes(report_bytes(d, f), bd, sizeof(bd));
			text_bytes(report_bytes(s, f), bm, sizeof(bm));
			text_clients(d, f == ACCT_IPV6 ? CL_IPV6 : CL_IPV4, cd,
			    sizeof(cd));
			text_clients(s, f == ACCT_IPV6 ? CL_IPV6 : CL_IPV4, cm,
			    sizeof(cm));
			fprintf(out, "%-20s %-6s %12" PRIu64 " %10s %10s %12"
			    PRIu64 " %10s %10s\n", f == ACCT_IPV6 ? s->name :
			    "", f == ACCT_IPV6 ? "ipv6" : "ipv4",
			    d->fam[f].connections, bd, cd,
			    s->fam[f].connections, bm, cm);
		}
	}
	fprintf(out, "\n(the rows of the last checkpoints; BYTES both ways; "
	    "CLIENTS distinct addresses,\n a client seen by several gateways "
	    "once, ~ an estimate, a..b bounds: v6gatectl(8))\n");
}
