/* SPDX-License-Identifier: ISC */
/*
 * The status report (see status.h).  Reads the live snapshot, the per-
 * service counters and the workers' counters into C structures
 * (status_gateway_read(), status_service_read()), which this JSON and
 * /metrics (metrics.c) both render; changes nothing.  Counters
 * are read without stopping the workers, so a report is a consistent
 * picture of each counter, not of all of them at one instant.
 */

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "acct/counters.h"
#include "acct/history.h"
#include "audit/audit.h"
#include "config.h"
#include "proxy/proxy.h"
#include "ready/record.h"
#include "stats.h"
#include "status.h"

static const struct {
	const char	*key;
	const char	*text;
	size_t		 off;
} status_counters[] = {
#define STATUS_COUNTER(name, text)					\
	{ #name, text, offsetof(struct proxy_stats, name) },
	PROXY_COUNTERS(STATUS_COUNTER)
#undef STATUS_COUNTER
};

/*
 * A service's total over both families: the counters marked ACCT_SUMMARY,
 * what is open first (as this total always began).
 */
static json_object *
status_cell(const struct acct_cell *c)
{
	json_object	*o = json_object_new_object();
	size_t		 i;
	int		 open;

	for (open = 1; open >= 0; open--)
		for (i = 0; i < ACCT_NCOUNTERS; i++) {
			const struct acct_counter *k = &acct_counters[i];

			if ((k->show & ACCT_SUMMARY) &&
			    !(k->show & ACCT_OPEN) == !open)
				json_object_object_add(o, k->json,
				    json_object_new_int64(acct_cell_shown(c,
				    k)));
		}
	return o;
}

/* The audit log's sender (audit.syslog): how far behind the collector is. */
static json_object *
status_forward(const struct forward_stats *f)
{
	json_object	*o = json_object_new_object();

	json_object_object_add(o, "enabled", json_object_new_boolean(
	    f->enabled));
	json_object_object_add(o, "url", f->enabled ?
	    json_object_new_string(f->url) : NULL);
	json_object_object_add(o, "connected", json_object_new_boolean(
	    f->connected));
	json_object_object_add(o, "sent", json_object_new_int64(
	    (int64_t)f->sent));
	json_object_object_add(o, "errors", json_object_new_int64(
	    (int64_t)f->errors));
	json_object_object_add(o, "lag_bytes", json_object_new_int64(
	    (int64_t)f->lag_bytes));
	json_object_object_add(o, "lag_records", json_object_new_int64(
	    (int64_t)f->lag_records));
	json_object_object_add(o, "cursor", f->cursor[0] != '\0' ?
	    json_object_new_string(f->cursor) : NULL);
	return o;
}

static json_object *
status_strings(char *const *v, size_t n)
{
	json_object	*arr = json_object_new_array();
	size_t		 i;

	for (i = 0; i < n; i++)
		json_object_array_add(arr, json_object_new_string(v[i]));
	return arr;
}

static void
status_proxy_service(json_object *o, const struct conf_service *s)
{
	json_object	*arr;
	size_t		 j;

	json_object_object_add(o, "protocol",
	    json_object_new_string(conf_proto_name(s->protocol)));
	arr = json_object_new_array();
	for (j = 0; j < s->nlisteners; j++)
		json_object_array_add(arr,
		    json_object_new_string(s->listeners[j]->text));
	json_object_object_add(o, "listen", arr);
	json_object_object_add(o, "hosts", status_strings(s->hosts,
	    s->nhosts));
	json_object_object_add(o, "default",
	    json_object_new_boolean(s->is_default));
	arr = json_object_new_array();
	for (j = 0; j < s->nbackends; j++)
		json_object_array_add(arr,
		    json_object_new_string(s->backends[j].text));
	json_object_object_add(o, "backends", arr);
}

/* nat64: the address IPv6 clients use (pool6 + server, RFC 6052), the
   IPv4 server, the ports; siit: the address IPv4 clients use, the IPv6
   server (one EAM entry). */
static void
status_xlat_service(json_object *o, const struct conf_service *s)
{
	char		 a[INET6_ADDRSTRLEN], b[INET_ADDRSTRLEN], p[16];
	json_object	*arr;
	size_t		 j;

	if (s->mode == CONF_NAT64) {
		json_object_object_add(o, "address", json_object_new_string(
		    inet_ntop(AF_INET6, &s->addr6, a, sizeof(a))));
		json_object_object_add(o, "backend", json_object_new_string(
		    inet_ntop(AF_INET, &s->backend4, b, sizeof(b))));
		arr = json_object_new_array();
		for (j = 0; j < s->nports; j++) {
			if (s->ports[j].proto == CONF_L4_ICMP)
				snprintf(p, sizeof(p), "icmp");
			else
				snprintf(p, sizeof(p), "%s/%u",
				    conf_l4_name(s->ports[j].proto),
				    s->ports[j].port);
			json_object_array_add(arr, json_object_new_string(p));
		}
		json_object_object_add(o, "ports", arr);
	} else {
		/* "ipv4"/"ipv6" are the per-family counters */
		json_object_object_add(o, "address", json_object_new_string(
		    inet_ntop(AF_INET, &s->siit4, b, sizeof(b))));
		json_object_object_add(o, "backend", json_object_new_string(
		    inet_ntop(AF_INET6, &s->siit6, a, sizeof(a))));
	}
}

static void
status_iso(time_t t, char *buf, size_t len)
{
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void
status_gateway_read(const struct status_daemon *d, const struct snap *sn,
    struct status_gateway *g)
{
	struct stat	st;

	memset(g, 0, sizeof(*g));
	g->sn = sn;
	g->gc = sn->conf;
	g->d = d;
	proxy_stats_sum(&g->st);
	g->uptime = time(NULL) - d->started;
	g->history_open = store_is_open();
	g->history_errors = history_error_count();
	audit_stats(&g->audit);
	forward_stats(&g->forward);
	control_stats(&g->control);
	/* on in the config and running (it starts only at a start) */
	g->audit_enabled = g->gc->audit_on && audit_running();
	g->workers = proxy_workers();
	g->max_connections = proxy_max_connections();
	/* read now: made wider while the daemon runs shows too (it holds
	   client addresses; v6gated tightens it at start) */
	g->state_dir_mode = -1;
	if (stat(g->gc->state_dir, &st) == 0) {
		g->state_dir_mode = (int)(st.st_mode & 07777);
		g->state_dir_open = (st.st_mode & 07777 & ~0750) != 0;
	}
}

void
status_service_read(const struct snap *sn, size_t i,
    struct status_service *ss)
{
	const struct conf_service	*s = &sn->conf->services[i];

	ss->conf = s;
	ss->mode = stats_mode(s);
	acct_service_sum(snap_acct(sn, i), ss->fam);
	clients_get(snap_acct(sn, i), ss->cl);
}

json_object *
status_readiness_read(const struct gw_conf *gc)
{
	json_object	*last, *o;
	char		 err[256];

	last = record_last(gc->state_dir, err, sizeof(err));
	o = record_summary(last);
	json_object_put(last);
	return o;
}

json_object *
status_json(const struct status_daemon *d, const struct snap *sn)
{
	struct status_gateway	 g;
	const struct gw_conf	*gc;
	json_object		*root, *o, *a, *svcs, *cnt;
	char			 buf[64];
	size_t			 i, j;

	status_gateway_read(d, sn, &g);
	gc = g.gc;
	root = json_object_new_object();

	o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(gc->name));
	json_object_object_add(o, "version",
	    json_object_new_string(PACKAGE_VERSION));
	json_object_object_add(o, "pid", json_object_new_int(d->pid));
	json_object_object_add(o, "uptime", json_object_new_int64(g.uptime));
	json_object_object_add(o, "config", json_object_new_string(gc->file));
	status_iso(d->loaded, buf, sizeof(buf));
	json_object_object_add(o, "config_loaded",
	    json_object_new_string(buf));
	json_object_object_add(o, "reloads",
	    json_object_new_int64(d->reloads));
	json_object_object_add(o, "reload_failures",
	    json_object_new_int64(d->reload_failures));
	json_object_object_add(o, "control_clients",
	    json_object_new_int64((int64_t)g.control.clients));
	json_object_object_add(o, "control_busy",
	    json_object_new_int64((int64_t)g.control.busy));
	json_object_object_add(o, "control_timeouts",
	    json_object_new_int64((int64_t)g.control.timeouts));
	json_object_object_add(o, "control_too_long",
	    json_object_new_int64((int64_t)g.control.too_long));
	json_object_object_add(o, "state_dir",
	    json_object_new_string(gc->state_dir));
	snprintf(buf, sizeof(buf), "%04o", (unsigned)g.state_dir_mode);
	json_object_object_add(o, "state_dir_mode", g.state_dir_mode >= 0 ?
	    json_object_new_string(buf) : NULL);
	json_object_object_add(o, "state_dir_open",
	    json_object_new_boolean(g.state_dir_open));
	json_object_object_add(root, "gateway", o);

	o = json_object_new_object();
	json_object_object_add(o, "open",
	    json_object_new_boolean(g.history_open));
	json_object_object_add(o, "errors",
	    json_object_new_int64((int64_t)g.history_errors));
	json_object_object_add(root, "history", o);

	o = json_object_new_object();
	json_object_object_add(o, "enabled",
	    json_object_new_boolean(g.audit_enabled));
	json_object_object_add(o, "file", g.audit.file[0] ?
	    json_object_new_string(g.audit.file) : NULL);
	json_object_object_add(o, "records",
	    json_object_new_int64((int64_t)g.audit.records));
	json_object_object_add(o, "dropped",
	    json_object_new_int64((int64_t)g.audit.dropped));
	json_object_object_add(o, "errors",
	    json_object_new_int64((int64_t)g.audit.errors));
	json_object_object_add(o, "failing",
	    json_object_new_boolean(g.audit.failing));
	json_object_object_add(o, "forward", status_forward(&g.forward));
	json_object_object_add(root, "audit", o);

	json_object_object_add(root, "workers",
	    json_object_new_int(g.workers));
	json_object_object_add(root, "max_connections",
	    json_object_new_int64(g.max_connections));
	o = json_object_new_object();
	json_object_object_add(o, "open", json_object_new_int64(
	    (int64_t)g.st.open));
	json_object_object_add(o, "first_flight", json_object_new_int64(
	    (int64_t)g.st.first_flight));
	json_object_object_add(o, "connecting", json_object_new_int64(
	    (int64_t)g.st.connecting));
	json_object_object_add(o, "accepted", json_object_new_int64(
	    (int64_t)g.st.accepted));
	json_object_object_add(o, "pipes", json_object_new_int64(
	    (int64_t)g.st.pipes));
	json_object_object_add(root, "connections", o);

	a = json_object_new_array();
	for (i = 0; i < gc->nlisteners; i++) {
		const struct conf_listener	*l = &gc->listeners[i];
		json_object			*names;

		o = json_object_new_object();
		json_object_object_add(o, "address",
		    json_object_new_string(l->text));
		json_object_object_add(o, "protocol",
		    json_object_new_string(conf_proto_name(l->protocol)));
		names = json_object_new_array();
		for (j = 0; j < gc->nservices; j++) {
			const struct conf_service *s = &gc->services[j];
			size_t k;

			for (k = 0; k < s->nlisteners; k++)
				if (s->listeners[k] == l)
					json_object_array_add(names,
					    json_object_new_string(s->name));
		}
		json_object_object_add(o, "services", names);
		json_object_object_add(o, "default", l->dflt ?
		    json_object_new_string(l->dflt->name) : NULL);
		json_object_array_add(a, o);
	}
	json_object_object_add(root, "listeners", a);

	svcs = json_object_new_object();
	clients_drain();		/* what the workers saw until now */
	for (i = 0; i < gc->nservices; i++) {
		const struct conf_service	*s = &gc->services[i];
		struct status_service		 ss;
		struct acct_cell		 tot;
		int				 f;

		status_service_read(sn, i, &ss);
		memset(&tot, 0, sizeof(tot));
		for (f = 0; f < ACCT_NFAMILY; f++)
			acct_cell_add(&tot, &ss.fam[f]);
		o = status_cell(&tot);
		json_object_object_add(o, "mode",
		    json_object_new_string(conf_mode_name(s->mode)));
		if (s->mode == CONF_PROXY)
			status_proxy_service(o, s);
		else
			status_xlat_service(o, s);
		for (f = 0; f < ACCT_NFAMILY; f++)
			json_object_object_add(o, acct_family_name(f),
			    stats_family(&ss.fam[f], ss.cl, f, ss.mode));
		json_object_object_add(svcs, s->name, o);
	}
	json_object_object_add(root, "services", svcs);

	cnt = json_object_new_object();
	for (i = 0; i < sizeof(status_counters) / sizeof(status_counters[0]);
	    i++)
		json_object_object_add(cnt, status_counters[i].key,
		    json_object_new_int64(*(const int64_t *)(const void *)
		    ((const char *)&g.st + status_counters[i].off)));
	json_object_object_add(root, "counters", cnt);
	json_object_object_add(root, "readiness", status_readiness_read(gc));
	return root;
}

static int64_t
status_int(json_object *o, const char *k1, const char *k2)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, k1, &v))
		return 0;
	if (k2 != NULL && !json_object_object_get_ex(v, k2, &v))
		return 0;
	return json_object_get_int64(v);
}

static int
status_bool(json_object *o, const char *k1, const char *k2)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, k1, &v))
		return 0;
	if (k2 != NULL && !json_object_object_get_ex(v, k2, &v))
		return 0;
	return json_object_get_boolean(v);
}

static const char *
status_str(json_object *o, const char *k1, const char *k2)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, k1, &v))
		return "";
	if (k2 != NULL && !json_object_object_get_ex(v, k2, &v))
		return "";
	return json_object_get_string(v) ? json_object_get_string(v) : "";
}

static void
status_join(json_object *arr, FILE *out)
{
	size_t	i, n = json_object_array_length(arr);

	for (i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? ", " : "",
		    json_object_get_string(json_object_array_get_idx(arr, i)));
}

static void
status_readiness_text(json_object *root, FILE *out)
{
	json_object	*r, *sites, *x, *v;
	size_t		 i;

	fprintf(out, "\nIPv6 readiness:");
	if (!json_object_object_get_ex(root, "readiness", &r) || r == NULL) {
		fprintf(out, " not checked yet (v6gatectl readiness)\n");
		return;
	}
	fprintf(out, " %s at %s\n", status_bool(r, "pass", NULL) ? "PASS" :
	    "FAIL", status_str(r, "time", NULL));
	json_object_object_get_ex(r, "sites", &sites);
	for (i = 0; i < json_object_array_length(sites); i++) {
		x = json_object_array_get_idx(sites, i);
		fprintf(out, "  %-36s %s  level 2 %3.0f%%  level 3 %3.0f%%  "
		    "degradation ", status_str(x, "site", NULL),
		    status_bool(x, "pass", NULL) ? "pass" : "FAIL",
		    json_object_object_get_ex(x, "level2", &v) ?
		    json_object_get_double(v) * 100 : 100.0,
		    json_object_object_get_ex(x, "level3", &v) ?
		    json_object_get_double(v) * 100 : 100.0);
		if (json_object_object_get_ex(x, "degradation", &v) &&
		    v != NULL)
			fprintf(out, "%+.0f%%", json_object_get_double(v) *
			    100);
		else
			fprintf(out, "-");
		fprintf(out, "  %" PRId64 " failing%s\n", status_int(x,
		    "failing", NULL), status_bool(x, "ipv4_bypass", NULL) ?
		    "; IPv4 goes around the gateway" : "");
	}
}

void
status_text(json_object *root, FILE *out)
{
	json_object	*ls, *svcs, *cnt, *v, *fw;
	int64_t		 up = status_int(root, "gateway", "uptime");
	size_t		 i, n;
	int		 any = 0;

	fprintf(out, "v6gate %s \"%s\", pid %" PRId64 ", up %" PRId64
	    "d %02" PRId64 ":%02" PRId64 ":%02" PRId64 ", %" PRId64
	    " workers\n", status_str(root, "gateway", "version"),
	    status_str(root, "gateway", "name"),
	    status_int(root, "gateway", "pid"), up / 86400, up / 3600 % 24,
	    up / 60 % 60, up % 60, status_int(root, "workers", NULL));
	fprintf(out, "config %s, loaded %s, %" PRId64 " reloads (%" PRId64
	    " refused)\n", status_str(root, "gateway", "config"),
	    status_str(root, "gateway", "config_loaded"),
	    status_int(root, "gateway", "reloads"),
	    status_int(root, "gateway", "reload_failures"));
	if (status_int(root, "gateway", "control_busy") > 0 ||
	    status_int(root, "gateway", "control_timeouts") > 0 ||
	    status_int(root, "gateway", "control_too_long") > 0)
		fprintf(out, "control socket: %" PRId64 " clients now; closed "
		    "%" PRId64 " busy, %" PRId64 " timed out, %" PRId64
		    " with a request line too long\n", status_int(root,
		    "gateway", "control_clients"), status_int(root, "gateway",
		    "control_busy"), status_int(root, "gateway",
		    "control_timeouts"), status_int(root, "gateway",
		    "control_too_long"));
	if (status_bool(root, "gateway", "state_dir_open"))
		fprintf(out, "WARNING: state_dir %s: mode %s, wider than 0750: "
		    "other local users may read the history and the audit "
		    "log (client addresses)\n", status_str(root, "gateway",
		    "state_dir"), status_str(root, "gateway",
		    "state_dir_mode"));
	if (!status_bool(root, "history", "open") ||
	    status_int(root, "history", "errors") > 0)
		fprintf(out, "history: %s, %" PRId64 " failed checkpoints\n",
		    status_bool(root, "history", "open") ? "open" :
		    "NOT OPEN (see the log)", status_int(root, "history",
		    "errors"));
	if (status_bool(root, "audit", "failing") ||
	    status_int(root, "audit", "dropped") > 0)
		fprintf(out, "audit log: %s, %" PRId64 " records dropped, %"
		    PRId64 " errors\n", status_bool(root, "audit", "failing") ?
		    "CANNOT WRITE (see the log)" : "written",
		    status_int(root, "audit", "dropped"),
		    status_int(root, "audit", "errors"));
	if (json_object_object_get_ex(root, "audit", &fw) &&
	    json_object_object_get_ex(fw, "forward", &fw) &&
	    status_bool(fw, "enabled", NULL))
		fprintf(out, "audit forward: %s, %s, %" PRId64 " records (%"
		    PRId64 " bytes) behind, %" PRId64 " sent, %" PRId64
		    " errors\n", status_str(fw, "url", NULL),
		    status_bool(fw, "connected", NULL) ? "connected" :
		    "NOT CONNECTED", status_int(fw, "lag_records", NULL),
		    status_int(fw, "lag_bytes", NULL), status_int(fw, "sent",
		    NULL), status_int(fw, "errors", NULL));
	fprintf(out, "connections: %" PRId64 " open (%" PRId64 " in first "
	    "flight, %" PRId64 " connecting), %" PRId64 " accepted, max %"
	    PRId64 "\n", status_int(root, "connections", "open"),
	    status_int(root, "connections", "first_flight"),
	    status_int(root, "connections", "connecting"),
	    status_int(root, "connections", "accepted"),
	    status_int(root, "max_connections", NULL));

	fprintf(out, "\nlisteners:\n");
	json_object_object_get_ex(root, "listeners", &ls);
	n = json_object_array_length(ls);
	for (i = 0; i < n; i++) {
		json_object	*l = json_object_array_get_idx(ls, i);

		json_object_object_get_ex(l, "services", &v);
		fprintf(out, "  %-28s %-4s  ", status_str(l, "address", NULL),
		    status_str(l, "protocol", NULL));
		status_join(v, out);
		if (*status_str(l, "default", NULL))
			fprintf(out, "; default %s",
			    status_str(l, "default", NULL));
		fputc('\n', out);
	}

	fprintf(out, "\nservices:\n  %-20s %-6s %8s %12s %16s %16s\n",
	    "NAME", "FAMILY", "OPEN", "CONNECTIONS", "BYTES IN", "BYTES OUT");
	json_object_object_get_ex(root, "services", &svcs);
	json_object_object_foreach(svcs, name, s) {
		static const char *const fams[] = { "ipv6", "ipv4", NULL };
		int	f;

		fprintf(out, "  %-20s %-6s %8" PRId64 " %12" PRId64 " %16"
		    PRId64 " %16" PRId64 "\n", name, "all",
		    status_int(s, "open", NULL),
		    status_int(s, "connections", NULL),
		    status_int(s, "bytes_in", NULL),
		    status_int(s, "bytes_out", NULL));
		for (f = 0; fams[f] != NULL; f++)
			fprintf(out, "  %-20s %-6s %8" PRId64 " %12" PRId64
			    " %16" PRId64 " %16" PRId64 "\n", "", fams[f],
			    status_int(s, fams[f], "open"),
			    status_int(s, fams[f], "connections"),
			    status_int(s, fams[f], "bytes_in"),
			    status_int(s, fams[f], "bytes_out"));
	}
	fprintf(out, "  (bytes in: client to backend; bytes out: backend to "
	    "client; payload bytes)\n");

	fprintf(out, "\nevents:\n");
	json_object_object_get_ex(root, "counters", &cnt);
	for (i = 0; i < sizeof(status_counters) / sizeof(status_counters[0]);
	    i++) {
		int64_t	val = status_int(cnt, status_counters[i].key, NULL);

		if (val == 0 || strcmp(status_counters[i].key,
		    "accepted") == 0)
			continue;
		fprintf(out, "  %-50s %" PRId64 "\n", status_counters[i].text,
		    val);
		any = 1;
	}
	if (!any)
		fprintf(out, "  (none)\n");
	status_readiness_text(root, out);
}

static void
status_join_key(json_object *o, const char *k, FILE *out)
{
	json_object	*v;

	if (json_object_object_get_ex(o, k, &v))
		status_join(v, out);
}

void
status_services_text(json_object *root, FILE *out)
{
	json_object	*svcs;

	json_object_object_get_ex(root, "services", &svcs);
	fprintf(out, "%-20s %-6s %s\n", "NAME", "MODE", "REACHED AT -> "
	    "SERVED BY");
	json_object_object_foreach(svcs, name, s) {
		const char *mode = status_str(s, "mode", NULL);

		fprintf(out, "%-20s %-6s ", name, mode);
		if (strcmp(mode, "nat64") == 0) {
			fprintf(out, "[%s] ", status_str(s, "address", NULL));
			status_join_key(s, "ports", out);
			fprintf(out, " -> %s\n", status_str(s, "backend",
			    NULL));
		} else if (strcmp(mode, "siit") == 0)
			fprintf(out, "%s -> [%s]\n", status_str(s, "address",
			    NULL), status_str(s, "backend", NULL));
		else {
			status_join_key(s, "listen", out);
			fprintf(out, " (%s", status_str(s, "protocol", NULL));
			if (json_object_array_length(json_object_object_get(s,
			    "hosts")) > 0) {
				fprintf(out, ": ");
				status_join_key(s, "hosts", out);
			}
			fprintf(out, "%s) -> ", json_object_get_boolean(
			    json_object_object_get(s, "default")) ?
			    ", default" : "");
			status_join_key(s, "backends", out);
			fputc('\n', out);
		}
	}
}
