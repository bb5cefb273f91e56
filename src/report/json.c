/* SPDX-License-Identifier: ISC */
/*
 * The monthly report as JSON: exact figures, the daily series, and null
 * where a figure does not apply (schema in v6gatectl(8), REPORT).
 */

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

void
report_json(const struct report *r, FILE *out)
{
	json_object	*root = json_object_new_object();
	json_object	*svcs = json_object_new_object(), *o, *daily, *d;
	char		 day[32];
	double		 v = 0;
	size_t		 i;
	int		 n, ok;

	json_object_object_add(root, "month",
	    json_object_new_string(r->month));
	json_object_object_add(root, "days", json_object_new_int(r->ndays));
	for (i = 0; i < r->nsvcs; i++) {
		const struct report_service *s = &r->svcs[i];

		o = json_object_new_object();
		json_object_object_add(o, "mode",
		    json_object_new_string(s->mode));
		json_object_object_add(o, "bytes", json_object_new_string(
		    strcmp(s->mode, "proxy") == 0 ? "payload" : "ip"));
		json_object_object_add(o, "ipv6", json_family(s, ACCT_IPV6));
		json_object_object_add(o, "ipv4", json_family(s, ACCT_IPV4));
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
	fprintf(out, "%s\n", json_object_to_json_string_ext(root,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(root);
}
