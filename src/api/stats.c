/* SPDX-License-Identifier: ISC */
/*
 * The traffic report of the services (see stats.h).  Reads the per-service
 * counters (totals since the history began) and the distinct-client sets of
 * the current day and month; changes nothing.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "acct/clients.h"
#include "acct/counters.h"
#include "proxy/stats.h"
#include "proxy/proxy.h"
#include "stats.h"

/* JSON names of the client figures, per kind and period */
static const char *const stats_client_keys[CL_NKIND][CL_NPERIOD] = {
	[CL_IPV6] = { "clients_day", "clients_month" },
	[CL_IPV6_64] = { "clients64_day", "clients64_month" },
	[CL_IPV4] = { "clients_day", "clients_month" },
};

static void
stats_int(json_object *o, const char *k, uint64_t v)
{
	json_object_object_add(o, k, json_object_new_int64((int64_t)v));
}

static void
stats_clients(json_object *o, const struct clients_count *c,
    const char *key)
{
	char	k[64];

	stats_int(o, key, c->n);
	snprintf(k, sizeof(k), "%s_exact", key);
	json_object_object_add(o, k, json_object_new_boolean(c->exact));
}

json_object *
stats_family(const struct acct_cell *a,
    struct clients_count cl[CL_NKIND][CL_NPERIOD], int family,
    unsigned mode)
{
	json_object	*o = json_object_new_object();
	size_t		 i;
	int		 p;

	for (i = 0; i < ACCT_NCOUNTERS; i++)
		if (acct_counters[i].show & mode)
			json_object_object_add(o, acct_counters[i].json,
			    json_object_new_int64(acct_cell_shown(a,
			    &acct_counters[i])));
	for (p = 0; p < CL_NPERIOD; p++) {
		if (family == ACCT_IPV6) {
			stats_clients(o, &cl[CL_IPV6][p],
			    stats_client_keys[CL_IPV6][p]);
			stats_clients(o, &cl[CL_IPV6_64][p],
			    stats_client_keys[CL_IPV6_64][p]);
		} else
			stats_clients(o, &cl[CL_IPV4][p],
			    stats_client_keys[CL_IPV4][p]);
	}
	return o;
}

unsigned
stats_mode(const struct conf_service *s)
{
	return s->mode == CONF_PROXY ? ACCT_PROXY : ACCT_XLAT;
}

json_object *
stats_json(const struct snap *sn, const char *service, char *err,
    size_t errlen)
{
	const struct gw_conf	*gc = sn->conf;
	json_object		*root = json_object_new_object(), *o;
	struct clients_count	 cl[CL_NKIND][CL_NPERIOD];
	struct acct_cell	 c[ACCT_NFAMILY];
	char			 day[16], month[16];
	struct tm		 tm;
	time_t			 now = time(NULL);
	size_t			 i;
	int			 f, found = 0;

	clients_drain();		/* what the workers saw until now */
	localtime_r(&now, &tm);
	strftime(day, sizeof(day), "%Y-%m-%d", &tm);
	strftime(month, sizeof(month), "%Y-%m", &tm);
	for (i = 0; i < gc->nservices; i++) {
		const struct conf_service *s = &gc->services[i];

		if (service != NULL && strcmp(service, s->name) != 0)
			continue;
		found = 1;
		acct_service_sum(snap_acct(sn, i), c);
		clients_get(snap_acct(sn, i), cl);
		o = json_object_new_object();
		json_object_object_add(o, "mode",
		    json_object_new_string(conf_mode_name(s->mode)));
		json_object_object_add(o, "bytes", json_object_new_string(
		    s->mode == CONF_PROXY ? "payload" : "ip"));
		json_object_object_add(o, "day", json_object_new_string(day));
		json_object_object_add(o, "month",
		    json_object_new_string(month));
		for (f = 0; f < ACCT_NFAMILY; f++)
			json_object_object_add(o, acct_family_name(f),
			    stats_family(&c[f], cl, f, stats_mode(s)));
		json_object_object_add(root, s->name, o);
	}
	if (service != NULL && !found) {
		snprintf(err, errlen, "no service \"%s\" (v6gatectl services "
		    "lists them)", service);
		json_object_put(root);
		return NULL;
	}
	return root;
}

static int64_t
stats_get(json_object *o, const char *fam, const char *k)
{
	json_object	*f, *v;

	if (!json_object_object_get_ex(o, fam, &f) ||
	    !json_object_object_get_ex(f, k, &v))
		return 0;
	return json_object_get_int64(v);
}

/* "1234" or "~1234" for an estimate */
static const char *
stats_clients_text(json_object *o, const char *fam, const char *k,
    char *buf, size_t len)
{
	json_object	*f, *v;
	char		 ek[64];
	int		 exact = 1;

	snprintf(ek, sizeof(ek), "%s_exact", k);
	if (json_object_object_get_ex(o, fam, &f) &&
	    json_object_object_get_ex(f, ek, &v))
		exact = json_object_get_boolean(v);
	snprintf(buf, len, "%s%" PRId64, exact ? "" : "~",
	    stats_get(o, fam, k));
	return buf;
}

void
stats_text(json_object *root, FILE *out)
{
	char	a[32], b[32], c[32], d[32];
	int	n = 0;

	fprintf(out, "%-20s %-6s %12s %6s %16s %16s %10s %10s %10s %10s\n",
	    "SERVICE", "FAMILY", "CONNECTIONS", "OPEN", "BYTES IN",
	    "BYTES OUT", "CLIENTS", "/64", "CLIENTS", "/64");
	fprintf(out, "%-20s %-6s %12s %6s %16s %16s %10s %10s %10s %10s\n",
	    "", "", "", "", "", "", "today", "today", "month", "month");
	json_object_object_foreach(root, name, s) {
		const char	*mode = json_object_get_string(
				    json_object_object_get(s, "mode"));
		int		 proxy = strcmp(mode, "proxy") == 0;

		n++;
		fprintf(out, "%-20s %-6s %12" PRId64 " %6" PRId64 " %16" PRId64
		    " %16" PRId64 " %10s %10s %10s %10s\n", name, "ipv6",
		    stats_get(s, "ipv6", "connections"),
		    stats_get(s, "ipv6", "open"),
		    stats_get(s, "ipv6", "bytes_in"),
		    stats_get(s, "ipv6", "bytes_out"),
		    stats_clients_text(s, "ipv6", "clients_day", a, sizeof(a)),
		    stats_clients_text(s, "ipv6", "clients64_day", b,
		    sizeof(b)),
		    stats_clients_text(s, "ipv6", "clients_month", c,
		    sizeof(c)),
		    stats_clients_text(s, "ipv6", "clients64_month", d,
		    sizeof(d)));
		fprintf(out, "%-20s %-6s %12" PRId64 " %6" PRId64 " %16" PRId64
		    " %16" PRId64 " %10s %10s %10s %10s\n", proxy ? "" : mode,
		    "ipv4", stats_get(s, "ipv4", "connections"),
		    stats_get(s, "ipv4", "open"),
		    stats_get(s, "ipv4", "bytes_in"),
		    stats_get(s, "ipv4", "bytes_out"),
		    stats_clients_text(s, "ipv4", "clients_day", a, sizeof(a)),
		    "-",
		    stats_clients_text(s, "ipv4", "clients_month", c,
		    sizeof(c)), "-");
	}
	if (n > 0)
		fprintf(out, "(bytes in: client to backend, out: backend to "
		    "client; payload bytes for proxy services, IP bytes for "
		    "nat64 and siit;\n clients: distinct addresses, \"/64\": "
		    "distinct IPv6 /64 prefixes, local day and month; "
		    "~: an estimate)\n");
}
