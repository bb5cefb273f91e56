/* SPDX-License-Identifier: ISC */
/*
 * The dashboard (see dashboard.h).  The tables are built from the same
 * JSON objects that "v6gatectl stats --json", /backends and /history
 * return, so the page and the CLI cannot disagree.  Every string from the
 * configuration or a check is HTML-escaped; the script sets text, never
 * markup.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "html.h"
#include "priv/priv.h"
#include "backends.h"
#include "log.h"
#include "dashboard.h"
#include "series.h"
#include "stats.h"

/* The columns of the services table: a figure of stats_json() each,
   "family.key"; the script updates them from /status by the same names. */
static const struct dashboard_col {
	const char	*head;
	const char	*family;
	const char	*key;
} dashboard_cols[] = {
	{ "IPv6 conns", "ipv6", "connections" },
	{ "IPv4 conns", "ipv4", "connections" },
	{ "open v6", "ipv6", "open" },
	{ "open v4", "ipv4", "open" },
	{ "IPv6 bytes in", "ipv6", "bytes_in" },
	{ "IPv6 bytes out", "ipv6", "bytes_out" },
	{ "IPv4 bytes in", "ipv4", "bytes_in" },
	{ "IPv4 bytes out", "ipv4", "bytes_out" },
	{ "IPv6 clients today", "ipv6", "clients_day" },
	{ "IPv6 clients month", "ipv6", "clients_month" },
	{ "IPv4 clients today", "ipv4", "clients_day" },
	{ "IPv4 clients month", "ipv4", "clients_month" },
};

static const char dashboard_style[] =
	"body{font:14px system-ui,sans-serif;margin:1em;color:#222;"
	"background:#fff}"
	"table{border-collapse:collapse;margin:.5em 0 1.5em}"
	"th,td{border:1px solid #ccc;padding:2px 6px;text-align:right}"
	"th:first-child,td:first-child{text-align:left}"
	".bad{color:#c00;font-weight:bold}.ok{color:#080}"
	".charts{display:flex;flex-wrap:wrap;gap:12px}"
	"figure{margin:0}figcaption{font-size:12px}"
	"svg.chart{width:300px;height:90px;border:1px solid #ddd;"
	"background:#fafafa}"
	".v6{stroke:#1565c0;fill:none;stroke-width:1.5}"
	".v4{stroke:#ef6c00;fill:none;stroke-width:1.5}"
	".key6{color:#1565c0}.key4{color:#ef6c00}";

/*
 * The script: every 5 s, /status (the services' figures), /backends and
 * /history (both ranges); figures go into the cells named by data-f, the
 * series into the charts.  textContent only: nothing becomes markup.
 */
static const char dashboard_script[] =
	"(function(){\n"
	"var NS='http://www.w3.org/2000/svg';\n"
	"function get(u){return fetch(u,{cache:'no-store'}).then("
	"function(r){if(!r.ok)throw new Error(u+': '+r.status);"
	"return r.json();});}\n"
	"function share(a,b){return a+b>0?(100*a/(a+b)).toFixed(1)+' %':"
	"'-';}\n"
	"function rows(sel){return document.querySelectorAll(sel);}\n"
	"function figures(st){rows('tr[data-service]').forEach(function(tr){"
	"var s=st.services[tr.dataset.service];if(!s)return;"
	"tr.querySelectorAll('td[data-f]').forEach(function(td){"
	"var p=td.dataset.f.split('.'),f=s[p[0]];"
	"if(f&&p[1] in f)td.textContent=String(f[p[1]]);});});"
	"var c=document.getElementById('open');"
	"if(c&&st.connections)c.textContent=String(st.connections.open);}\n"
	"function backends(b){rows('tr[data-backend]').forEach(function(tr){"
	"var s=b.services[tr.dataset.svc];if(!s)return;"
	"s.backends.forEach(function(x){if(x.address!==tr.dataset.backend)"
	"return;var st=tr.querySelector('.state');st.textContent=x.state;"
	"st.className='state '+(x.state==='up'?'ok':'bad');});});}\n"
	"function line(svg,data,cls,max){var w=300,h=90,n=data.length,"
	"pts=[];for(var i=0;i<n;i++)pts.push((n>1?i*w/(n-1):0).toFixed(1)+"
	"','+(h-2-(max>0?data[i]*(h-4)/max:0)).toFixed(1));"
	"var p=document.createElementNS(NS,'polyline');"
	"p.setAttribute('points',pts.join(' '));p.setAttribute('class',cls);"
	"svg.appendChild(p);}\n"
	"function chart(svg,s,fig){while(svg.firstChild)"
	"svg.removeChild(svg.firstChild);var a=s.ipv6[fig],b=s.ipv4[fig],"
	"m=Math.max.apply(null,a.concat(b));line(svg,b,'v4',m);"
	"line(svg,a,'v6',m);var t=document.createElementNS(NS,'title');"
	"t.textContent='max '+m;svg.appendChild(t);}\n"
	"function history(h){rows('svg[data-range=\"'+h.range+'\"]')"
	".forEach(function(svg){var s=h.services[svg.dataset.svc];"
	"if(s)chart(svg,s,svg.dataset.fig);});if(h.range!=='hour')return;"
	"rows('tr[data-service]').forEach(function(tr){"
	"var s=h.services[tr.dataset.service];if(!s)return;"
	"tr.querySelector('.share-day').textContent="
	"share(s.ipv6.bytes_day,s.ipv4.bytes_day);"
	"tr.querySelector('.share-month').textContent="
	"share(s.ipv6.bytes_month,s.ipv4.bytes_month);});}\n"
	"function tick(){var e=document.getElementById('updated');"
	"Promise.all([get('status').then(figures),get('backends')"
	".then(backends),get('history?range=hour').then(history),"
	"get('history?range=day').then(history)]).then(function(){"
	"e.textContent='updated '+new Date().toLocaleTimeString();"
	"e.className='';},function(x){e.textContent='not updated: '+x;"
	"e.className='bad';});}\n"
	"document.documentElement.dataset.script='on';\n"
	"tick();setInterval(tick,5000);\n"
	"})();\n";

static json_object *
dashboard_get(json_object *o, const char *a, const char *b)
{
	json_object	*v = NULL;

	if (o != NULL && json_object_object_get_ex(o, a, &v) && b != NULL &&
	    !json_object_object_get_ex(v, b, &v))
		v = NULL;
	return v;
}

static void
dashboard_share(FILE *out, const char *cls, int64_t v6, int64_t v4)
{
	fprintf(out, "<td class=\"%s\">", cls);
	if (v6 + v4 > 0)
		fprintf(out, "%.1f %%", 100.0 * (double)v6 / (double)(v6 + v4));
	else
		fputs("-", out);
	fputs("</td>", out);
}

static void
dashboard_services(json_object *st, json_object *hist, FILE *out)
{
	json_object	*h;
	size_t		 i;

	fputs("<h2>Services</h2>\n<table id=\"services\"><thead><tr>"
	    "<th>service</th><th>mode</th>", out);
	for (i = 0; i < sizeof(dashboard_cols) / sizeof(dashboard_cols[0]);
	    i++)
		fprintf(out, "<th>%s</th>", dashboard_cols[i].head);
	fputs("<th>IPv6 share today</th><th>IPv6 share month</th>"
	    "</tr></thead><tbody>\n", out);
	json_object_object_foreach(st, name, s) {
		fputs("<tr data-service=\"", out);
		html_escape(out, name);
		fputs("\"><td>", out);
		html_escape(out, name);
		fputs("</td><td>", out);
		html_escape(out, json_object_get_string(dashboard_get(s,
		    "mode", NULL)));
		fputs("</td>", out);
		for (i = 0; i < sizeof(dashboard_cols) /
		    sizeof(dashboard_cols[0]); i++) {
			const struct dashboard_col *c = &dashboard_cols[i];

			fprintf(out, "<td data-f=\"%s.%s\">%" PRId64 "</td>",
			    c->family, c->key, json_object_get_int64(
			    dashboard_get(s, c->family, c->key)));
		}
		h = dashboard_get(hist, "services", name);
		dashboard_share(out, "share-day", json_object_get_int64(
		    dashboard_get(dashboard_get(h, "ipv6", NULL), "bytes_day",
		    NULL)), json_object_get_int64(dashboard_get(
		    dashboard_get(h, "ipv4", NULL), "bytes_day", NULL)));
		dashboard_share(out, "share-month", json_object_get_int64(
		    dashboard_get(dashboard_get(h, "ipv6", NULL),
		    "bytes_month", NULL)), json_object_get_int64(
		    dashboard_get(dashboard_get(h, "ipv4", NULL),
		    "bytes_month", NULL)));
		fputs("</tr>\n", out);
	}
	fputs("</tbody></table>\n<p class=\"note\">Bytes: payload for proxy "
	    "services, IP bytes for nat64 and siit; clients: distinct "
	    "addresses (counts only); shares: IPv6 bytes of all, from the "
	    "history.</p>\n", out);
}

/* The charts: per service, bytes and connections, last hour and day. */
static void
dashboard_charts(json_object *st, FILE *out)
{
	static const struct {
		const char	*range, *fig, *caption;
	} charts[] = {
		{ "hour", "bytes", "bytes per minute, last hour" },
		{ "hour", "connections", "connections per minute, last hour" },
		{ "day", "bytes", "bytes per hour, last day" },
		{ "day", "connections", "connections per hour, last day" },
	};
	size_t	i;

	fputs("<h2>Traffic</h2>\n<p><span class=\"key6\">&#9644; IPv6</span> "
	    "<span class=\"key4\">&#9644; IPv4</span> (drawn by the script)"
	    "</p>\n", out);
	json_object_object_foreach(st, name, s) {
		(void)s;
		fputs("<h3>", out);
		html_escape(out, name);
		fputs("</h3><div class=\"charts\">\n", out);
		for (i = 0; i < sizeof(charts) / sizeof(charts[0]); i++) {
			fprintf(out, "<figure><svg class=\"chart\" "
			    "viewBox=\"0 0 300 90\" "
			    "preserveAspectRatio=\"none\""
			    " data-range=\"%s\" data-fig=\"%s\" data-svc=\"",
			    charts[i].range, charts[i].fig);
			html_escape(out, name);
			fprintf(out, "\"></svg><figcaption>%s</figcaption>"
			    "</figure>\n", charts[i].caption);
		}
		fputs("</div>\n", out);
	}
}

static void
dashboard_backends(json_object *b, FILE *out)
{
	json_object	*svcs = dashboard_get(b, "services", NULL), *arr, *x;
	json_object	*h, *tls, *warn;
	const char	*state;
	size_t		 i, n;

	fputs("<h2>Backends</h2>\n<table id=\"backends\"><thead><tr>"
	    "<th>service</th><th>backend</th><th>state</th><th>open</th>"
	    "<th>last check</th><th>latency ms</th><th>certificate</th>"
	    "</tr></thead><tbody>\n", out);
	json_object_object_foreach(svcs, name, s) {
		arr = dashboard_get(s, "backends", NULL);
		n = arr != NULL ? json_object_array_length(arr) : 0;
		for (i = 0; i < n; i++) {
			x = json_object_array_get_idx(arr, i);
			h = dashboard_get(x, "check", NULL);
			tls = dashboard_get(h, "tls", NULL);
			warn = dashboard_get(h, "cert_warning", NULL);
			state = json_object_get_string(dashboard_get(x,
			    "state", NULL));
			fputs("<tr data-svc=\"", out);
			html_escape(out, name);
			fputs("\" data-backend=\"", out);
			html_escape(out, json_object_get_string(
			    dashboard_get(x, "address", NULL)));
			fputs("\"><td>", out);
			html_escape(out, name);
			fputs("</td><td>", out);
			html_escape(out, json_object_get_string(
			    dashboard_get(x, "address", NULL)));
			fprintf(out, "</td><td class=\"state %s\">",
			    state != NULL && strcmp(state, "up") == 0 ? "ok" :
			    "bad");
			html_escape(out, state);
			fprintf(out, "</td><td>%" PRId64 "</td><td>",
			    json_object_get_int64(dashboard_get(x,
			    "connections", NULL)));
			if (h == NULL || !json_object_get_boolean(
			    dashboard_get(h, "checked", NULL)))
				fputs("-", out);
			else {
				fputs(json_object_get_boolean(dashboard_get(h,
				    "ok", NULL)) ? "ok " : "failed ", out);
				html_escape(out, json_object_get_string(
				    dashboard_get(h, "last", NULL)));
			}
			fprintf(out, "</td><td>%" PRId64 "</td>",
			    json_object_get_int64(dashboard_get(h,
			    "latency_ms", NULL)));
			fprintf(out, "<td class=\"%s\">", warn != NULL ?
			    "bad cert" : "cert");
			if (dashboard_get(tls, "not_after", NULL) != NULL) {
				html_escape(out, json_object_get_string(
				    dashboard_get(tls, "not_after", NULL)));
				fprintf(out, " (%" PRId64 " days)",
				    json_object_get_int64(dashboard_get(tls,
				    "days_left", NULL)));
			} else
				fputs("-", out);
			fputs("</td></tr>\n", out);
		}
	}
	fputs("</tbody></table>\n", out);
}

/*
 * NAT64's pool4: the transport addresses it has and those the BIB holds,
 * asked of the privileged process (Jool) once per page load, not by the
 * script: the figure moves slowly and the question costs a round trip.
 */
static void
dashboard_pool4(FILE *out)
{
	json_object	*j = priv_jool_status(), *n;

	n = dashboard_get(j, "nat64", NULL);
	fputs("<h2>NAT64 pool4</h2>\n<table id=\"pool4\"><tr><th>instance"
	    "</th><th>ports</th><th>in use (BIB)</th><th>usage</th></tr>"
	    "<tr><td>", out);
	html_escape(out, json_object_get_string(dashboard_get(n, "instance",
	    NULL)));
	if (dashboard_get(n, "error", NULL) != NULL || n == NULL) {
		fputs("</td><td colspan=\"3\" class=\"bad\">", out);
		html_escape(out, n != NULL ? json_object_get_string(
		    dashboard_get(n, "error", NULL)) : "no answer");
	} else
		fprintf(out, "</td><td>%" PRId64 "</td><td>%" PRId64 "</td>"
		    "<td>%.1f %%", json_object_get_int64(dashboard_get(n,
		    "pool4_ports", NULL)), json_object_get_int64(
		    dashboard_get(n, "bib_entries", NULL)),
		    json_object_get_double(dashboard_get(n,
		    "pool4_usage_percent", NULL)));
	fputs("</td></tr></table>\n", out);
	json_object_put(j);
}

/* The process's last log lines above debug (log.h), newest first: the
   lifecycle, reloads, backends going up or down, warnings. */
static void
dashboard_events(FILE *out)
{
	static const char *const pri[] = { "emerg", "alert", "crit", "err",
	    "warning", "notice", "info", "debug" };
	struct log_line	 l[LOG_RECENT];
	char		 when[32];
	time_t		 t;
	struct tm	 tm;
	unsigned	 i, n = log_recent(l, LOG_RECENT);

	fputs("<h2>Recent events</h2>\n<table id=\"events\"><thead><tr>"
	    "<th>time</th><th>level</th><th>event</th></tr></thead><tbody>\n",
	    out);
	for (i = 0; i < n; i++) {
		t = (time_t)l[i].t;
		localtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm);
		fprintf(out, "<tr class=\"%s\"><td>%s</td><td>%s</td><td>",
		    l[i].pri <= 3 ? "bad" : "", when,
		    pri[l[i].pri & 7]);
		html_escape(out, l[i].text);
		fputs("</td></tr>\n", out);
	}
	fputs("</tbody></table>\n", out);
}

int
dashboard_render(const struct status_daemon *d, const struct snap *sn,
    FILE *out)
{
	struct status_gateway	 g;
	json_object	*st, *b, *hist;
	char		 err[128], when[64];
	time_t		 now = time(NULL);
	struct tm	 tm;

	if ((st = stats_json(sn, NULL, err, sizeof(err))) == NULL)
		return -1;
	status_gateway_read(d, sn, &g);
	b = backends_json(sn);
	hist = series_json(sn, "hour");
	localtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", &tm);
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8"
	    "\">\n<meta name=\"viewport\" content=\"width=device-width\">\n"
	    "<title>v6gate ", out);
	html_escape(out, sn->conf->name);
	fprintf(out, "</title>\n<style>%s</style>\n</head><body>\n<h1>v6gate ",
	    dashboard_style);
	html_escape(out, sn->conf->name);
	fprintf(out, "</h1>\n<p>Up %lld s, pid %ld; open connections: "
	    "<span id=\"open\">%lld</span>; rendered %s; <span id=\"updated\">"
	    "</span></p>\n", (long long)g.uptime, (long)d->pid,
	    (long long)g.st.open, when);
	dashboard_services(st, hist, out);
	dashboard_backends(b, out);
	if (sn->conf->nat64.on)
		dashboard_pool4(out);
	dashboard_charts(st, out);
	dashboard_events(out);
	fprintf(out, "<script>\n%s</script>\n</body></html>\n",
	    dashboard_script);
	json_object_put(st);
	json_object_put(b);
	json_object_put(hist);
	return 0;
}
