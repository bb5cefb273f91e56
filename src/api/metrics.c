/* SPDX-License-Identifier: ISC */
/*
 * The Prometheus text exposition (format 0.0.4) of what the gateway
 * counts, rendered from the status report (status.c), so that /metrics,
 * /status and "v6gatectl status" never disagree.  Units are in the names:
 * v6gate_payload_bytes_total counts what the TCP peers sent (the proxy
 * relays payload, not packets).
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"

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

static int64_t
metrics_int(json_object *o, const char *k)
{
	json_object	*v;

	return json_object_object_get_ex(o, k, &v) ?
	    json_object_get_int64(v) : 0;
}

static const char *
metrics_str(json_object *o, const char *k)
{
	json_object	*v;

	return json_object_object_get_ex(o, k, &v) &&
	    json_object_get_string(v) ? json_object_get_string(v) : "";
}

/* One sample per service and family of the per-family key k, for the
   proxy services (proxy) or the nat64 and siit ones (!proxy). */
static void
metrics_per_family(FILE *out, json_object *svcs, const char *metric,
    const char *k, const char *direction, int proxy)
{
	static const char *const fams[] = { "ipv6", "ipv4" };
	size_t	f;

	json_object_object_foreach(svcs, name, s) {
		if ((strcmp(metrics_str(s, "mode"), "proxy") == 0) != proxy)
			continue;
		for (f = 0; f < 2; f++) {
			json_object	*cell;

			if (!json_object_object_get_ex(s, fams[f], &cell))
				continue;
			fprintf(out, "%s{service=\"", metric);
			metrics_value(out, name);
			fprintf(out, "\",mode=\"%s\",family=\"%s\"",
			    metrics_str(s, "mode"), fams[f]);
			if (direction != NULL)
				fprintf(out, ",direction=\"%s\"", direction);
			fprintf(out, "} %" PRId64 "\n", metrics_int(cell, k));
		}
	}
}

/*
 * Distinct clients, one sample per service, family, prefix length and
 * period; exact_metric says 1 for an exact count, 0 for an estimate.
 */
static void
metrics_clients(FILE *out, json_object *svcs, int exact)
{
	static const struct {
		const char	*family, *prefix, *key;
	} k[] = {
		{ "ipv6", "128", "clients" }, { "ipv6", "64", "clients64" },
		{ "ipv4", "32", "clients" },
	};
	static const char *const periods[] = { "day", "month" };
	size_t	i, p;
	char	key[64];

	json_object_object_foreach(svcs, name, s) {
		for (i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
			json_object	*cell, *v;

			if (!json_object_object_get_ex(s, k[i].family, &cell))
				continue;
			for (p = 0; p < 2; p++) {
				snprintf(key, sizeof(key), "%s_%s%s", k[i].key,
				    periods[p], exact ? "_exact" : "");
				if (!json_object_object_get_ex(cell, key, &v))
					continue;
				fprintf(out, "%s{service=\"", exact ?
				    "v6gate_clients_exact" : "v6gate_clients");
				metrics_value(out, name);
				fprintf(out, "\",mode=\"%s\",family=\"%s\","
				    "prefix=\"%s\",period=\"%s\"} %" PRId64 "\n",
				    metrics_str(s, "mode"), k[i].family,
				    k[i].prefix, periods[p], exact ?
				    (int64_t)json_object_get_boolean(v) :
				    json_object_get_int64(v));
			}
		}
	}
}

void
metrics_render(json_object *status, FILE *out)
{
	json_object	*gw, *svcs, *cnt, *conns;

	json_object_object_get_ex(status, "gateway", &gw);
	json_object_object_get_ex(status, "services", &svcs);
	json_object_object_get_ex(status, "counters", &cnt);
	json_object_object_get_ex(status, "connections", &conns);

	metrics_head(out, "v6gate_info", "gauge",
	    "The gateway: its name and version (always 1).");
	fprintf(out, "v6gate_info{name=\"");
	metrics_value(out, metrics_str(gw, "name"));
	fprintf(out, "\",version=\"%s\"} 1\n", metrics_str(gw, "version"));
	metrics_one(out, "v6gate_uptime_seconds", "gauge",
	    "Seconds since v6gated started.",
	    metrics_int(gw, "uptime"));
	metrics_one(out, "v6gate_reloads_total", "counter",
	    "Configuration reloads that went live.",
	    metrics_int(gw, "reloads"));
	metrics_one(out, "v6gate_reload_failures_total", "counter",
	    "Configuration reloads refused (the running one stayed).",
	    metrics_int(gw, "reload_failures"));
	metrics_one(out, "v6gate_history_errors_total", "counter",
	    "Checkpoints the history could not write (kept for the next).",
	    metrics_int(json_object_object_get(status, "history"), "errors"));
	metrics_one(out, "v6gate_audit_records_total", "counter",
	    "Audit log records written.",
	    metrics_int(json_object_object_get(status, "audit"), "records"));
	metrics_one(out, "v6gate_audit_dropped_total", "counter",
	    "Audit log records lost (a queue full, or no file to write to); "
	    "alert on any increase.",
	    metrics_int(json_object_object_get(status, "audit"), "dropped"));
	metrics_one(out, "v6gate_audit_errors_total", "counter",
	    "Audit log writes, opens or compressions that failed.",
	    metrics_int(json_object_object_get(status, "audit"), "errors"));
	metrics_one(out, "v6gate_workers", "gauge",
	    "Proxy worker threads.",
	    metrics_int(status, "workers"));
	metrics_one(out, "v6gate_max_connections", "gauge",
	    "Connections the proxy accepts at once (after the fd limit).",
	    metrics_int(status, "max_connections"));
	metrics_one(out, "v6gate_proxy_open_connections", "gauge",
	    "Proxy connections open now, all services (first flights "
	    "included).",
	    metrics_int(conns, "open"));

	metrics_head(out, "v6gate_connections_total", "counter",
	    "Proxy connections routed to a service, by the client's "
	    "address family.");
	metrics_per_family(out, svcs, "v6gate_connections_total",
	    "connections", NULL, 1);
	metrics_head(out, "v6gate_open_connections", "gauge",
	    "Proxy connections of a service open now, by the client's "
	    "address family.");
	metrics_per_family(out, svcs, "v6gate_open_connections", "open",
	    NULL, 1);
	metrics_head(out, "v6gate_payload_bytes_total", "counter",
	    "Payload bytes relayed by the proxy (TCP payload, not IP bytes); "
	    "direction in: client to backend, out: backend to client.");
	metrics_per_family(out, svcs, "v6gate_payload_bytes_total",
	    "bytes_in", "in", 1);
	metrics_per_family(out, svcs, "v6gate_payload_bytes_total",
	    "bytes_out", "out", 1);
	metrics_head(out, "v6gate_unreachable_total", "counter",
	    "Proxy connections that found no backend of their service.");
	metrics_per_family(out, svcs, "v6gate_unreachable_total",
	    "unreachable", NULL, 1);
	metrics_head(out, "v6gate_ip_bytes_total", "counter",
	    "IP bytes of nat64 and siit services, counted by nftables before "
	    "translation; direction in: client to server, out: server to "
	    "client.");
	metrics_per_family(out, svcs, "v6gate_ip_bytes_total", "bytes_in",
	    "in", 0);
	metrics_per_family(out, svcs, "v6gate_ip_bytes_total", "bytes_out",
	    "out", 0);
	metrics_head(out, "v6gate_ip_packets_total", "counter",
	    "IP packets of nat64 and siit services, as v6gate_ip_bytes_total.");
	metrics_per_family(out, svcs, "v6gate_ip_packets_total", "packets_in",
	    "in", 0);
	metrics_per_family(out, svcs, "v6gate_ip_packets_total",
	    "packets_out", "out", 0);

	metrics_head(out, "v6gate_clients", "gauge",
	    "Distinct clients of a service in the current local day or "
	    "month: addresses (prefix 128, 32) or IPv6 /64 prefixes.");
	metrics_clients(out, svcs, 0);
	metrics_head(out, "v6gate_clients_exact", "gauge",
	    "1 if v6gate_clients with the same labels is exact, 0 if it is "
	    "an estimate (HyperLogLog, past accounting.clients_exact).");
	metrics_clients(out, svcs, 1);

	metrics_head(out, "v6gate_events_total", "counter",
	    "Proxy events: refusals, bad first flights, timeouts, backend "
	    "failures (see v6gatectl(8)).");
	json_object_object_foreach(cnt, k, v)
		fprintf(out, "v6gate_events_total{event=\"%s\"} %" PRId64 "\n",
		    k, json_object_get_int64(v));
}

/* One sample per proxy backend of a number in its report (k2: in its
   "check", k3: in its check's "tls"), or of its state being state. */
static void
metrics_per_backend(FILE *out, json_object *svcs, const char *metric,
    const char *k, const char *k2, const char *state)
{
	json_object	*bs, *b, *o;
	size_t		 i, n;

	json_object_object_foreach(svcs, name, s) {
		json_object_object_get_ex(s, "backends", &bs);
		n = json_object_array_length(bs);
		for (i = 0; i < n; i++) {
			b = json_object_array_get_idx(bs, i);
			o = b;
			if (k2 != NULL && (!json_object_object_get_ex(b,
			    "check", &o) || !json_object_object_get_ex(o, k2,
			    &o)))
				continue;
			if (k != NULL && json_object_object_get(o, k) == NULL)
				continue;
			fprintf(out, "%s{service=\"", metric);
			metrics_value(out, name);
			fprintf(out, "\",backend=\"%s\"} %" PRId64 "\n",
			    metrics_str(b, "address"), state != NULL ?
			    (int64_t)(strcmp(metrics_str(b, "state"),
			    state) == 0) : metrics_int(o, k));
		}
	}
}

void
metrics_backends(json_object *report, FILE *out)
{
	json_object	*svcs;

	json_object_object_get_ex(report, "services", &svcs);
	metrics_head(out, "v6gate_backend_down", "gauge",
	    "1 while the health checks hold a proxy backend down.");
	metrics_per_backend(out, svcs, "v6gate_backend_down", NULL, NULL,
	    "down");
	metrics_head(out, "v6gate_backend_draining", "gauge",
	    "1 while an operator drains a proxy backend (v6gatectl drain).");
	metrics_per_backend(out, svcs, "v6gate_backend_draining", NULL, NULL,
	    "draining");
	metrics_head(out, "v6gate_backend_open_connections", "gauge",
	    "Connections to a proxy backend open now (connecting included).");
	metrics_per_backend(out, svcs, "v6gate_backend_open_connections",
	    "connections", NULL, NULL);
	metrics_head(out, "v6gate_backend_connections_total", "counter",
	    "Connections a proxy backend accepted.");
	metrics_per_backend(out, svcs, "v6gate_backend_connections_total",
	    "total", NULL, NULL);
	metrics_head(out, "v6gate_backend_connect_failures_total", "counter",
	    "Connect attempts to a proxy backend that failed or timed out.");
	metrics_per_backend(out, svcs,
	    "v6gate_backend_connect_failures_total", "connect_failures", NULL,
	    NULL);
	metrics_head(out, "v6gate_backend_cert_not_after_seconds", "gauge",
	    "When a proxy backend's certificate expires (Unix time), as its "
	    "last tls check saw it.");
	metrics_per_backend(out, svcs,
	    "v6gate_backend_cert_not_after_seconds", "not_after_unix", "tls",
	    NULL);
}
