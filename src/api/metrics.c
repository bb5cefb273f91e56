/* SPDX-License-Identifier: ISC */
/*
 * The Prometheus text exposition (format 0.0.4) of what the gateway
 * counts, rendered from the structures the status report renders too
 * (status_gateway_read(), status_service_read(), backends_read()), so
 * that /metrics, /status and "v6gatectl status" never disagree, and not
 * from their JSON: a renamed key cannot silently zero a metric.  The per-
 * service metrics are those of ACCT_CELL_COUNTERS (counters.h).  Units are
 * in the names: v6gate_payload_bytes_total counts what the TCP peers sent
 * (the proxy relays payload, not packets).
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backends.h"
#include "config.h"
#include "log.h"
#include "metrics.h"
#include "status.h"

static void
metrics_head(FILE *out, const char *name, const char *type,
    const char *help)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A metric of one sample, without labels. */
static void
metrics_one(FILE *out, const char *name, const char *type, const char *help,
    int64_t v)
{
	metrics_head(out, name, type, help);
	fprintf(out, "%s %" PRId64 "\n", name, v);
}

/* A label value: backslash, double quote and newline escaped. */
static void
metrics_value(FILE *out, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\' || *s == '"')
			fputc('\\', out);
		if (*s == '\n') {
			fputs("\\n", out);
			continue;
		}
		fputc(*s, out);
	}
}

/* The labels every per-service sample begins with. */
static void
metrics_service(FILE *out, const char *metric,
    const struct status_service *ss, int family)
{
	fprintf(out, "%s{service=\"", metric);
	metrics_value(out, ss->conf->name);
	fprintf(out, "\",mode=\"%s\",family=\"%s\"",
	    conf_mode_name(ss->conf->mode), acct_family_name(family));
}

/*
 * The counters' metrics (ACCT_CELL_COUNTERS): those of the proxy services,
 * then those of the nat64 and siit ones, one sample per service and
 * family; consecutive counters of one metric share its head.
 */
static void
metrics_counters(FILE *out, const struct status_service *ss, size_t n)
{
	const struct acct_counter	*k;
	const struct acct_metric	*m;
	const char			*prev;
	size_t				 i, j;
	int				 mode, f;

	for (mode = 0; mode < ACCT_NMODE; mode++) {
		prev = NULL;
		for (i = 0; i < ACCT_NCOUNTERS; i++) {
			k = &acct_counters[i];
			m = &k->metric[mode];
			if (m->name == NULL)
				continue;
			if (prev == NULL || strcmp(prev, m->name) != 0)
				metrics_head(out, m->name, m->type, m->help);
			prev = m->name;
			for (j = 0; j < n; j++) {
				if (ss[j].mode != 1u << mode)
					continue;
				for (f = 0; f < ACCT_NFAMILY; f++) {
					metrics_service(out, m->name, &ss[j],
					    f);
					if (k->direction != NULL)
						fprintf(out, ",direction="
						    "\"%s\"", k->direction);
					fprintf(out, "} %" PRId64 "\n",
					    acct_cell_shown(&ss[j].fam[f], k));
				}
			}
		}
	}
}

/*
 * Distinct clients, one sample per service, family, prefix length and
 * period; exact says 1 for an exact count, 0 for an estimate.
 */
static void
metrics_clients(FILE *out, const struct status_service *ss, size_t n,
    int exact)
{
	static const struct {
		int			 family;
		const char		*prefix;
		enum clients_kind	 kind;
	} k[] = {
		{ ACCT_IPV6, "128", CL_IPV6 }, { ACCT_IPV6, "64", CL_IPV6_64 },
		{ ACCT_IPV4, "32", CL_IPV4 },
	};
	static const char *const periods[CL_NPERIOD] = {
		[CL_DAY] = "day", [CL_MONTH] = "month"
	};
	const char	*metric = exact ? "v6gate_clients_exact" :
			    "v6gate_clients";
	size_t		 i, j;
	int		 p;

	for (j = 0; j < n; j++)
		for (i = 0; i < sizeof(k) / sizeof(k[0]); i++)
			for (p = 0; p < CL_NPERIOD; p++) {
				const struct clients_count *c =
				    &ss[j].cl[k[i].kind][p];

				metrics_service(out, metric, &ss[j],
				    k[i].family);
				fprintf(out, ",prefix=\"%s\",period=\"%s\"} %"
				    PRId64 "\n", k[i].prefix, periods[p],
				    exact ? (int64_t)(c->exact != 0) :
				    (int64_t)c->n);
			}
}

/*
 * Which gateway this is: Prometheus adds the scrape's "instance" label to
 * every series itself, so the name rides on this one gauge only, to be
 * joined where a view wants it (conf/prometheus-rules.yml).
 */
static void
metrics_gateway(FILE *out, const struct status_gateway *g)
{
	metrics_head(out, "v6gate_info", "gauge",
	    "The gateway: its name (gateway.name) and version (always 1).");
	fprintf(out, "v6gate_info{gateway=\"");
	metrics_value(out, g->gc->name != NULL ? g->gc->name : "");
	fprintf(out, "\",version=\"%s\"} 1\n", PACKAGE_VERSION);
	metrics_one(out, "v6gate_uptime_seconds", "gauge",
	    "Seconds since v6gated started.", g->uptime);
	metrics_one(out, "v6gate_reloads_total", "counter",
	    "Configuration reloads that went live.", g->d->reloads);
	metrics_one(out, "v6gate_reload_failures_total", "counter",
	    "Configuration reloads refused (the running one stayed).",
	    g->d->reload_failures);
	metrics_one(out, "v6gate_control_busy_total", "counter",
	    "Control clients closed as busy: too many at once.",
	    (int64_t)g->control.busy);
	metrics_one(out, "v6gate_control_timeouts_total", "counter",
	    "Control clients closed at their deadline (2 s idle).",
	    (int64_t)g->control.timeouts);
	metrics_one(out, "v6gate_history_errors_total", "counter",
	    "Checkpoints the history could not write (kept for the next).",
	    (int64_t)g->history_errors);
	metrics_one(out, "v6gate_audit_records_total", "counter",
	    "Audit log records written.", (int64_t)g->audit.records);
	metrics_one(out, "v6gate_audit_dropped_total", "counter",
	    "Audit log records lost (a queue full, or no file to write to); "
	    "alert on any increase.", (int64_t)g->audit.dropped);
	metrics_one(out, "v6gate_audit_errors_total", "counter",
	    "Audit log writes, opens or compressions that failed.",
	    (int64_t)g->audit.errors);
	if (g->forward.enabled) {
		metrics_one(out, "v6gate_audit_forward_connected", "gauge",
		    "1 while connected to the syslog collector (audit.syslog).",
		    g->forward.connected);
		metrics_one(out, "v6gate_audit_forward_sent_total", "counter",
		    "Audit records the syslog collector took.",
		    (int64_t)g->forward.sent);
		metrics_one(out, "v6gate_audit_forward_errors_total", "counter",
		    "Connections, handshakes and sends to the syslog collector "
		    "that failed.", (int64_t)g->forward.errors);
		metrics_one(out, "v6gate_audit_forward_lag_bytes", "gauge",
		    "Bytes of the audit files the collector has not taken.",
		    (int64_t)g->forward.lag_bytes);
		metrics_one(out, "v6gate_audit_forward_lag_records", "gauge",
		    "Audit records the collector has not taken.",
		    (int64_t)g->forward.lag_records);
	}
	metrics_one(out, "v6gate_workers", "gauge",
	    "Proxy worker threads.", g->workers);
	metrics_one(out, "v6gate_max_connections", "gauge",
	    "Connections the proxy accepts at once (after the fd limit).",
	    g->max_connections);
	metrics_one(out, "v6gate_proxy_open_connections", "gauge",
	    "Proxy connections open now, all services (first flights "
	    "included).", (int64_t)g->st.open);
}

static void
metrics_events(FILE *out, const struct status_gateway *g)
{
	metrics_head(out, "v6gate_events_total", "counter",
	    "Proxy events: refusals, bad first flights, timeouts, backend "
	    "failures (see v6gatectl(8)).");
#define METRICS_EVENT(name, text)					\
	fprintf(out, "v6gate_events_total{event=\"%s\"} %" PRId64 "\n",	\
	    #name, (int64_t)g->st.name);
	PROXY_COUNTERS(METRICS_EVENT)
#undef METRICS_EVENT
}

/* The per-backend metrics: a value of a backend's figures, or none. */
typedef int metrics_bk_fn(const struct backends_view *, int64_t *);

static int
metrics_bk_down(const struct backends_view *v, int64_t *x)
{
	*x = strcmp(v->state, "down") == 0;
	return 1;
}

static int
metrics_bk_draining(const struct backends_view *v, int64_t *x)
{
	*x = strcmp(v->state, "draining") == 0;
	return 1;
}

static int
metrics_bk_open(const struct backends_view *v, int64_t *x)
{
	*x = v->conns;
	return 1;
}

static int
metrics_bk_total(const struct backends_view *v, int64_t *x)
{
	*x = (int64_t)v->total;
	return 1;
}

static int
metrics_bk_failures(const struct backends_view *v, int64_t *x)
{
	*x = (int64_t)v->failures;
	return 1;
}

/* as the backends report shows it: after a tls check saw one */
static int
metrics_bk_not_after(const struct backends_view *v, int64_t *x)
{
	*x = v->h.not_after;
	return v->checked && v->h.tls_version[0] != '\0' &&
	    v->h.not_after != 0;
}

static const struct {
	const char	*name, *type, *help;
	metrics_bk_fn	*value;
} metrics_bk[] = {
	{ "v6gate_backend_down", "gauge",
	  "1 while the health checks hold a proxy backend down.",
	  metrics_bk_down },
	{ "v6gate_backend_draining", "gauge",
	  "1 while an operator drains a proxy backend (v6gatectl drain).",
	  metrics_bk_draining },
	{ "v6gate_backend_open_connections", "gauge",
	  "Connections to a proxy backend open now (connecting included).",
	  metrics_bk_open },
	{ "v6gate_backend_connections_total", "counter",
	  "Connections a proxy backend accepted.", metrics_bk_total },
	{ "v6gate_backend_connect_failures_total", "counter",
	  "Connect attempts to a proxy backend that failed or timed out.",
	  metrics_bk_failures },
	{ "v6gate_backend_cert_not_after_seconds", "gauge",
	  "When a proxy backend's certificate expires (Unix time), as its "
	  "last tls check saw it.", metrics_bk_not_after },
};

/* The proxy backends, each read once: -1 (logged) out of memory. */
static int
metrics_backends(FILE *out, const struct snap *sn)
{
	const struct gw_conf	*gc = sn->conf;
	struct backends_view	*v;
	size_t			 i, j, m, n = 0, b;
	int64_t			 x;

	for (i = 0; i < gc->nservices; i++)
		if (gc->services[i].mode == CONF_PROXY)
			n += gc->services[i].nbackends;
	if ((v = calloc(n ? n : 1, sizeof(*v))) == NULL) {
		log_warn("%s", __func__);
		return -1;
	}
	for (i = b = 0; i < gc->nservices; i++)
		for (j = 0; gc->services[i].mode == CONF_PROXY &&
		    j < gc->services[i].nbackends; j++)
			backends_read(sn, i, j, &v[b++]);
	for (m = 0; m < sizeof(metrics_bk) / sizeof(metrics_bk[0]); m++) {
		metrics_head(out, metrics_bk[m].name, metrics_bk[m].type,
		    metrics_bk[m].help);
		for (i = b = 0; i < gc->nservices; i++) {
			const struct conf_service *s = &gc->services[i];

			for (j = 0; s->mode == CONF_PROXY &&
			    j < s->nbackends; j++, b++) {
				if (!metrics_bk[m].value(&v[b], &x))
					continue;
				fprintf(out, "%s{service=\"",
				    metrics_bk[m].name);
				metrics_value(out, s->name);
				fprintf(out, "\",backend=\"%s\"} %" PRId64 "\n",
				    s->backends[j].text, x);
			}
		}
	}
	free(v);
	return 0;
}

/*
 * The last readiness check (ready/record.c), a sample per site, labelled
 * with the first service that serves it and the site's URL.  Nothing
 * before the first check.
 */
static const struct {
	const char	*name, *key, *help;
} metrics_ready[] = {
	{ "v6gate_readiness_pass", "pass",
	    "1 if the site passed the last IPv6 readiness check." },
	{ "v6gate_readiness_link_rate", NULL,
	    "Share of the site's same-site links of a level (2, 3) that "
	    "work over IPv6, at the last readiness check." },
	{ "v6gate_readiness_success_rate", "success_rate",
	    "Share of the homepage's IPv6 fetches that succeeded." },
	{ "v6gate_readiness_degradation", "degradation",
	    "IPv6 degradation ratio (v6 - v4) / v4 of the homepage's total "
	    "time." },
	{ "v6gate_readiness_failing", "failing",
	    "URLs and hosts of the site that fail over IPv6." },
};

static void
metrics_ready_labels(FILE *out, const char *name, json_object *x)
{
	fprintf(out, "%s{service=\"", name);
	metrics_value(out, json_object_get_string(json_object_array_get_idx(
	    json_object_object_get(x, "services"), 0)));
	fprintf(out, "\",site=\"");
	metrics_value(out, json_object_get_string(json_object_object_get(x,
	    "site")));
	fputc('"', out);
}

static void
metrics_readiness(FILE *out, const struct gw_conf *gc)
{
	json_object	*sum, *sites, *x, *v;
	size_t		 m, i;
	int		 lv;

	if ((sum = status_readiness_read(gc)) == NULL)
		return;
	metrics_one(out, "v6gate_readiness_time_seconds", "gauge",
	    "When the last IPv6 readiness check ran (Unix time).",
	    json_object_get_int64(json_object_object_get(sum, "unix")));
	sites = json_object_object_get(sum, "sites");
	for (m = 0; m < sizeof(metrics_ready) / sizeof(metrics_ready[0]);
	    m++) {
		metrics_head(out, metrics_ready[m].name, "gauge",
		    metrics_ready[m].help);
		for (i = 0; i < json_object_array_length(sites); i++) {
			x = json_object_array_get_idx(sites, i);
			if (metrics_ready[m].key == NULL) {
				for (lv = 2; lv <= 3; lv++) {
					char k[8];

					snprintf(k, sizeof(k), "level%d", lv);
					if ((v = json_object_object_get(x,
					    k)) == NULL)
						continue;
					metrics_ready_labels(out,
					    metrics_ready[m].name, x);
					fprintf(out, ",level=\"%d\"} %g\n",
					    lv, json_object_get_double(v));
				}
				continue;
			}
			if ((v = json_object_object_get(x,
			    metrics_ready[m].key)) == NULL)
				continue;
			metrics_ready_labels(out, metrics_ready[m].name, x);
			fprintf(out, "} %g\n", json_object_get_type(v) ==
			    json_type_boolean ? (double)
			    json_object_get_boolean(v) :
			    json_object_get_double(v));
		}
	}
	json_object_put(sum);
}

int
metrics_render(const struct status_daemon *d, const struct snap *sn,
    FILE *out)
{
	struct status_gateway	 g;
	struct status_service	*ss;
	size_t			 i, n;
	int			 rc;

	status_gateway_read(d, sn, &g);
	n = g.gc->nservices;
	if ((ss = calloc(n ? n : 1, sizeof(*ss))) == NULL) {
		log_warn("%s", __func__);
		return -1;
	}
	clients_drain();		/* what the workers saw until now */
	for (i = 0; i < n; i++)
		status_service_read(sn, i, &ss[i]);

	metrics_gateway(out, &g);
	metrics_counters(out, ss, n);
	metrics_head(out, "v6gate_clients", "gauge",
	    "Distinct clients of a service in the current local day or "
	    "month: addresses (prefix 128, 32) or IPv6 /64 prefixes.");
	metrics_clients(out, ss, n, 0);
	metrics_head(out, "v6gate_clients_exact", "gauge",
	    "1 if v6gate_clients with the same labels is exact, 0 if it is "
	    "an estimate (HyperLogLog, past accounting.clients_exact).");
	metrics_clients(out, ss, n, 1);
	metrics_events(out, &g);
	free(ss);
	rc = metrics_backends(out, sn);
	metrics_readiness(out, g.gc);
	return rc;
}
