/* SPDX-License-Identifier: ISC */
/*
 * The monthly report as JSON: exact figures, the daily series, and null
 * where a figure does not apply (schema in v6gatectl(8), REPORT).
 */

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "month.h"

static void
json_u64(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_int64((int64_t)v));
}

static void
json_ratio(json_object *o, const char *k, int defined, double v)
{
	json_object_object_add(o, k, defined ? json_object_new_double(v) :
	    NULL);
}

static json_object *
json_family(const struct report_service *s, int f)
{
	const struct report_family	*a = &s->fam[f];
	json_object			*o = json_object_new_object();
	int				 k = f == ACCT_IPV6 ? CL_IPV6 : CL_IPV4;

	json_u64(o, "bytes_in", a->bytes_in);
	json_u64(o, "bytes_out", a->bytes_out);
	json_u64(o, "bytes", a->bytes_in + a->bytes_out);
	json_u64(o, "connections", a->connections);
	json_u64(o, "peak_open", a->peak_open);
	json_u64(o, "clients", s->clients[k].n);
	json_object_object_add(o, "clients_exact",
	    json_object_new_boolean(s->clients[k].exact));
	if (f == ACCT_IPV6) {
		json_u64(o, "clients64", s->clients[CL_IPV6_64].n);
		json_object_object_add(o, "clients64_exact",
		    json_object_new_boolean(s->clients[CL_IPV6_64].exact));
	}
	return o;
}

/* A merged count: how it was merged, and its least (= clients but for
   "bounds", where clients is the most). */
static void
json_merged(json_object *fam, const struct report_service *s, int k,
    const char *prefix)
{
	static const char *const how[] = { "exact", "sketch", "bounds" };
	char	key[32];

	snprintf(key, sizeof(key), "%s_min", prefix);
	json_u64(fam, key, s->clients_min[k]);
	snprintf(key, sizeof(key), "%s_merge", prefix);
	json_object_object_add(fam, key, json_object_new_string(
	    how[s->merge[k]]));
}

/* Which histories the report read; merged, each one's own figures. */
static json_object *
json_gateways(const struct report *r)
{
	json_object	*arr = json_object_new_array(), *g, *svcs, *o;
	size_t		 i, n = r->nparts > 0 ? r->nparts : 1;
	size_t		 j;

	for (i = 0; i < n; i++) {
		const struct report *p = r->nparts > 0 ? &r->parts[i] : r;

		g = json_object_new_object();
		json_object_object_add(g, "name",
		    json_object_new_string(report_gw_name(p)));
		json_object_object_add(g, "db", json_object_new_string(p->db));
		if (r->nparts > 0) {
			svcs = json_object_new_object();
			for (j = 0; j < p->nsvcs; j++) {
				o = json_object_new_object();
				json_object_object_add(o, "ipv6",
				    json_family(&p->svcs[j], ACCT_IPV6));
				json_object_object_add(o, "ipv4",
				    json_family(&p->svcs[j], ACCT_IPV4));
				json_object_object_add(svcs, p->svcs[j].name,
				    o);
			}
			json_object_object_add(g, "services", svcs);
		}
		json_object_array_add(arr, g);
	}
	return arr;
}

static json_object *
json_num(double v)
{
	return isnan(v) ? NULL : json_object_new_double(round(v * 1000) /
	    1000);
}

/* Per site: the month's checks, and each day's last one. */
static json_object *
json_readiness(const struct report *r)
{
	json_object	*arr = json_object_new_array(), *o, *daily, *d;
	char		 day[32];
	size_t		 i;
	int		 n;

	for (i = 0; i < r->nready; i++) {
		const struct report_ready *rr = &r->ready[i];

		o = json_object_new_object();
		json_object_object_add(o, "site",
		    json_object_new_string(rr->site));
		json_object_object_add(o, "service",
		    json_object_new_string(rr->service));
		json_object_object_add(o, "checks",
		    json_object_new_int((int)rr->checks));
		json_object_object_add(o, "passed",
		    json_object_new_int((int)rr->passed));
		json_object_object_add(o, "last_pass",
		    json_object_new_boolean(rr->last_pass));
		json_object_object_add(o, "failing",
		    json_object_new_int((int)rr->failing));
		json_object_object_add(o, "ipv4_bypass",
		    json_object_new_boolean(rr->bypass));
		daily = json_object_new_array();
		for (n = 0; n < r->ndays; n++) {
			if (rr->day[n] == -1)
				continue;
			d = json_object_new_object();
			snprintf(day, sizeof(day), "%s-%02d", r->month, n + 1);
			json_object_object_add(d, "day",
			    json_object_new_string(day));
			json_object_object_add(d, "pass",
			    json_object_new_boolean(rr->day[n]));
			json_object_object_add(d, "level2", json_num(
			    rr->l2[n]));
			json_object_object_add(d, "level3", json_num(
			    rr->l3[n]));
			json_object_object_add(d, "degradation", json_num(
			    rr->degr[n]));
			json_object_array_add(daily, d);
		}
		json_object_object_add(o, "daily", daily);
		json_object_array_add(arr, o);
	}
	return arr;
}

void
report_json(const struct report *r, FILE *out)
{
	json_object	*root = json_object_new_object();
	json_object	*svcs = json_object_new_object(), *o, *daily, *d;
	json_object	*f6, *f4;
	char		 day[32];
	double		 v = 0;
	size_t		 i;
	int		 n, ok;

	json_object_object_add(root, "month",
	    json_object_new_string(r->month));
	json_object_object_add(root, "days", json_object_new_int(r->ndays));
	json_object_object_add(root, "gateways", json_gateways(r));
	if (r->nparts > 0)
		json_object_object_add(root, "bounds_why", r->bounds_why ?
		    json_object_new_string(r->bounds_why) : NULL);
	for (i = 0; i < r->nsvcs; i++) {
		const struct report_service *s = &r->svcs[i];

		o = json_object_new_object();
		json_object_object_add(o, "mode",
		    json_object_new_string(s->mode));
		json_object_object_add(o, "bytes", json_object_new_string(
		    strcmp(s->mode, "proxy") == 0 ? "payload" : "ip"));
		json_object_object_add(o, "ipv6", f6 = json_family(s,
		    ACCT_IPV6));
		json_object_object_add(o, "ipv4", f4 = json_family(s,
		    ACCT_IPV4));
		if (r->nparts > 0) {
			json_merged(f6, s, CL_IPV6, "clients");
			json_merged(f6, s, CL_IPV6_64, "clients64");
			json_merged(f4, s, CL_IPV4, "clients");
		}
		ok = report_share(s, report_bytes(s, ACCT_IPV6),
		    report_bytes(s, ACCT_IPV4), &v);
		json_ratio(o, "ipv6_share", ok, v);
		json_u64(o, "connections", s->fam[ACCT_IPV6].connections +
		    s->fam[ACCT_IPV4].connections);
		json_u64(o, "unreachable", s->fam[ACCT_IPV6].unreachable +
		    s->fam[ACCT_IPV4].unreachable);
		ok = report_availability(s, &v);
		json_ratio(o, "availability", ok, v);
		daily = json_object_new_array();
		for (n = 0; n < r->ndays; n++) {
			d = json_object_new_object();
			snprintf(day, sizeof(day), "%s-%02d", r->month, n + 1);
			json_object_object_add(d, "day",
			    json_object_new_string(day));
			json_u64(d, "ipv6_bytes", s->day[n][ACCT_IPV6]);
			json_u64(d, "ipv4_bytes", s->day[n][ACCT_IPV4]);
			ok = report_share(s, s->day[n][ACCT_IPV6],
			    s->day[n][ACCT_IPV4], &v);
			json_ratio(d, "ipv6_share", ok, v);
			json_object_array_add(daily, d);
		}
		json_object_object_add(o, "daily", daily);
		json_object_object_add(svcs, s->name, o);
	}
	json_object_object_add(root, "services", svcs);
	json_object_object_add(root, "readiness", json_readiness(r));
	fprintf(out, "%s\n", json_object_to_json_string_ext(root,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
}
