/* SPDX-License-Identifier: ISC */
/*
 * The monthly report as one self-contained HTML page: a summary table,
 * then per service its figures and two inline SVG charts (daily traffic by
 * family, daily IPv6 share).  No script, no external asset, no web font:
 * it can be mailed, archived and opened offline years later.
 */

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "html.h"
#include "month.h"
#include "text.h"

/* chart geometry, in SVG user units */
#define CH_W		760
#define CH_LEFT		70
#define CH_RIGHT	10
#define CH_TOP		12
#define CH_BOTTOM	26
#define CH_PLOT_W	(CH_W - CH_LEFT - CH_RIGHT)

/* The id of a service's section: "svc-" and its name (HTML5 allows any
   character but white space, which becomes '_'). */
static void
html_id(FILE *out, const char *s)
{
	char	c[2] = { 0, 0 };

	fputs("svc-", out);
	for (; *s != '\0'; s++) {
		c[0] = *s == ' ' || *s == '\t' || *s == '\n' || *s == '\r' ||
		    *s == '\f' ? '_' : *s;
		html_escape(out, c);
	}
}

static const char html_style[] =
	"body{font-family:sans-serif;margin:2em;color:#222;max-width:60em}"
	"h1{font-size:1.4em}h2{font-size:1.15em;margin-top:2em}"
	"table{border-collapse:collapse;margin:.5em 0}"
	"th,td{border:1px solid #ccc;padding:.2em .6em;text-align:right}"
	"th:first-child,td:first-child{text-align:left}"
	"table.figures th{text-align:left;font-weight:normal;color:#555}"
	"svg.chart{display:block;margin:.5em 0}"
	".bar.ipv6{fill:#2a6fdb}.bar.ipv4{fill:#f0a030}"
	".share{fill:none;stroke:#2a6fdb;stroke-width:2}"
	".point{fill:#2a6fdb}.grid{stroke:#ddd}.axis{stroke:#888}"
	"svg text{font-size:11px;fill:#555}"
	".legend span{display:inline-block;width:.8em;height:.8em;"
	"margin:0 .3em 0 1em}"
	"p.na,p.note{color:#666}"
	".l2{fill:none;stroke:#2a6fdb;stroke-width:2}"
	".l3{fill:none;stroke:#7a3fb0;stroke-width:2;stroke-dasharray:4 3}"
	".pass{fill:#2a8a3a}.fail{fill:#c03030}";

static void
html_ratio(FILE *out, int defined, double v, int decimals)
{
	if (defined)
		fprintf(out, "%.*f %%", decimals, v * 100);
	else
		fputs("&ndash;", out);
}

/* x of the middle of day n's slot */
static double
html_x(const struct report *r, int n)
{
	return CH_LEFT + (n + 0.5) * CH_PLOT_W / r->ndays;
}

static void
html_days_axis(const struct report *r, FILE *out, int y)
{
	int	n;

	fprintf(out, "<line class=\"axis\" x1=\"%d\" y1=\"%d\" x2=\"%d\" "
	    "y2=\"%d\"/>\n", CH_LEFT, y, CH_W - CH_RIGHT, y);
	for (n = 0; n < r->ndays; n++)
		if (n == 0 || (n + 1) % 5 == 0 || n == r->ndays - 1)
			fprintf(out, "<text x=\"%.1f\" y=\"%d\" "
			    "text-anchor=\"middle\">%d</text>\n", html_x(r, n),
			    y + 16, n + 1);
}

/* A chart's <svg> and its <title>: before, the escaped name, after. */
static void
html_chart_open(FILE *out, const char *class, int h, const char *before,
    const char *name, const char *after)
{
	fprintf(out, "<svg class=\"chart %s\" width=\"%d\" height=\"%d\" "
	    "viewBox=\"0 0 %d %d\" role=\"img\">\n<title>%s", class, CH_W, h,
	    CH_W, h, before);
	html_escape(out, name);
	fprintf(out, "%s</title>\n", after);
}

/* One horizontal grid line at y, labelled on the left. */
static void
html_grid(FILE *out, int y, const char *label)
{
	fprintf(out, "<line class=\"grid\" x1=\"%d\" y1=\"%d\" x2=\"%d\" "
	    "y2=\"%d\"/><text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s"
	    "</text>\n", CH_LEFT, y, CH_W - CH_RIGHT, y, CH_LEFT - 6, y + 4,
	    label);
}

/* Grid lines at 0 %, 100/steps %, ... 100 % of a plot plot_h high. */
static void
html_grid_pct(FILE *out, int plot_h, int steps)
{
	char	label[16];
	int	i;

	for (i = 0; i <= steps; i++) {
		(void)snprintf(label, sizeof(label), "%d %%", 100 * i / steps);
		html_grid(out, CH_TOP + plot_h - plot_h * i / steps, label);
	}
}

static void
html_traffic(const struct report *r, const struct report_service *s,
    FILE *out)
{
	const int	h = 240, plot_h = h - CH_TOP - CH_BOTTOM;
	const double	slot = (double)CH_PLOT_W / r->ndays;
	uint64_t	max = 0, t;
	char		b[32], b6[32], b4[32];
	double		h6, h4, x;
	int		n, i;

	for (n = 0; n < r->ndays; n++)
		if ((t = s->day[n][ACCT_IPV6] + s->day[n][ACCT_IPV4]) > max)
			max = t;
	html_chart_open(out, "traffic", h, "Daily traffic of ", s->name,
	    ", IPv6 and IPv4, bytes both ways");
	for (i = 0; i <= 2; i++) {
		text_bytes(max * (uint64_t)i / 2, b, sizeof(b));
		html_grid(out, CH_TOP + plot_h - plot_h * i / 2, b);
	}
	for (n = 0; n < r->ndays && max > 0; n++) {
		h6 = (double)s->day[n][ACCT_IPV6] * plot_h / (double)max;
		h4 = (double)s->day[n][ACCT_IPV4] * plot_h / (double)max;
		x = CH_LEFT + n * slot + slot * 0.125;
		text_bytes(s->day[n][ACCT_IPV6], b6, sizeof(b6));
		text_bytes(s->day[n][ACCT_IPV4], b4, sizeof(b4));
		if (s->day[n][ACCT_IPV6] > 0)
			fprintf(out, "<rect class=\"bar ipv6\" x=\"%.1f\" "
			    "y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
			    "<title>%s-%02d: IPv6 %s</title></rect>\n", x,
			    CH_TOP + plot_h - h6, slot * 0.75, h6, r->month,
			    n + 1, b6);
		if (s->day[n][ACCT_IPV4] > 0)
			fprintf(out, "<rect class=\"bar ipv4\" x=\"%.1f\" "
			    "y=\"%.1f\" width=\"%.1f\" height=\"%.1f\">"
			    "<title>%s-%02d: IPv4 %s</title></rect>\n", x,
			    CH_TOP + plot_h - h6 - h4, slot * 0.75, h4,
			    r->month, n + 1, b4);
	}
	html_days_axis(r, out, CH_TOP + plot_h);
	fputs("</svg>\n<p class=\"legend\"><span style=\"background:#2a6fdb\">"
	    "</span>IPv6<span style=\"background:#f0a030\"></span>IPv4 "
	    "(bytes per day, both directions)</p>\n", out);
}

static void
html_share(const struct report *r, const struct report_service *s,
    FILE *out)
{
	const int	h = 180, plot_h = h - CH_TOP - CH_BOTTOM;
	double		v;
	int		n, any = 0;

	if (!s->reach[ACCT_IPV6] || !s->reach[ACCT_IPV4]) {
		fputs("<p class=\"na\">IPv6 share: does not apply (only one "
		    "address family reaches this service through the "
		    "gateway).</p>\n", out);
		return;
	}
	html_chart_open(out, "share", h, "Daily IPv6 share of ", s->name, "");
	html_grid_pct(out, plot_h, 4);
	fputs("<polyline class=\"share\" points=\"", out);
	for (n = 0; n < r->ndays; n++)
		if (report_share(s, s->day[n][ACCT_IPV6],
		    s->day[n][ACCT_IPV4], &v))
			fprintf(out, "%s%.1f,%.1f", any++ ? " " : "",
			    html_x(r, n), CH_TOP + plot_h * (1 - v));
	fputs("\"/>\n", out);
	for (n = 0; n < r->ndays; n++)
		if (report_share(s, s->day[n][ACCT_IPV6],
		    s->day[n][ACCT_IPV4], &v))
			fprintf(out, "<circle class=\"point\" cx=\"%.1f\" "
			    "cy=\"%.1f\" r=\"2.5\"><title>%s-%02d: %.1f %%"
			    "</title></circle>\n", html_x(r, n),
			    CH_TOP + plot_h * (1 - v), r->month, n + 1,
			    v * 100);
	html_days_axis(r, out, CH_TOP + plot_h);
	fputs("</svg>\n<p class=\"note\">IPv6 share of the bytes per day"
	    "</p>\n", out);
}

static void
html_row(FILE *out, const char *label, const char *value)
{
	fprintf(out, "<tr><th>%s</th><td>", label);
	html_escape(out, value);
	fputs("</td></tr>\n", out);
}

static void
html_figures(const struct report_service *s, FILE *out)
{
	const struct report_family	*f6 = &s->fam[ACCT_IPV6];
	const struct report_family	*f4 = &s->fam[ACCT_IPV4];
	char				 a[64], b[64], v[160];
	double				 x;
	int				 ok;

	fputs("<table class=\"figures\">\n", out);
	snprintf(v, sizeof(v), "%s (%s bytes)", s->mode,
	    strcmp(s->mode, "proxy") == 0 ? "payload" : "IP");
	html_row(out, "Mode", v);
	text_bytes(f6->bytes_in, a, sizeof(a));
	text_bytes(f6->bytes_out, b, sizeof(b));
	snprintf(v, sizeof(v), "%s in, %s out", a, b);
	html_row(out, "IPv6 traffic", v);
	text_bytes(f4->bytes_in, a, sizeof(a));
	text_bytes(f4->bytes_out, b, sizeof(b));
	snprintf(v, sizeof(v), "%s in, %s out", a, b);
	html_row(out, "IPv4 traffic", v);
	fputs("<tr><th>IPv6 share</th><td>", out);
	ok = report_share(s, report_bytes(s, ACCT_IPV6),
	    report_bytes(s, ACCT_IPV4), &x);
	html_ratio(out, ok, x, 1);
	fputs("</td></tr>\n", out);
	text_clients(s, CL_IPV6, a, sizeof(a));
	text_clients(s, CL_IPV6_64, b, sizeof(b));
	snprintf(v, sizeof(v), "%s addresses, %s /64 prefixes", a, b);
	html_row(out, "Active IPv6 clients", v);
	text_clients(s, CL_IPV4, a, sizeof(a));
	html_row(out, "IPv4 clients", a);
	snprintf(v, sizeof(v), "%" PRIu64 " IPv6, %" PRIu64 " IPv4",
	    f6->connections, f4->connections);
	html_row(out, "Connections", v);
	snprintf(v, sizeof(v), "%" PRIu64 " IPv6, %" PRIu64 " IPv4",
	    f6->peak_open, f4->peak_open);
	html_row(out, "Peak concurrent connections", v);
	fputs("<tr><th>Backend availability</th><td>", out);
	ok = report_availability(s, &x);
	html_ratio(out, ok, x, 2);
	if (ok)
		fprintf(out, " (%" PRIu64 " connections found no backend)",
		    f6->unreachable + f4->unreachable);
	fputs("</td></tr>\n</table>\n", out);
}

/* One line of a readiness chart: a level's daily link rate, 0-100 %. */
static void
html_rate_line(const struct report *r, const double *v, const char *cls,
    int plot_h, FILE *out)
{
	const double	slot = (double)CH_PLOT_W / r->ndays;
	int		n, any = 0;

	fprintf(out, "<polyline class=\"%s\" points=\"", cls);
	for (n = 0; n < r->ndays; n++)
		if (!isnan(v[n]))
			fprintf(out, "%s%.1f,%.1f", any++ ? " " : "",
			    CH_LEFT + (n + 0.5) * slot,
			    CH_TOP + plot_h - v[n] * plot_h);
	fputs("\"/>\n", out);
}

/*
 * The month's readiness checks: per site, the daily link support rates
 * of levels 2 and 3, and a mark per checked day (green passed, red
 * failed).
 */
static void
html_readiness(const struct report *r, FILE *out)
{
	const int	h = 200, plot_h = h - CH_TOP - CH_BOTTOM;
	const double	slot = (double)CH_PLOT_W / r->ndays;
	size_t		 i;
	int		 n;

	fputs("<section class=\"readiness\" id=\"readiness\">\n<h2>IPv6 "
	    "readiness</h2>\n", out);
	if (r->nready == 0) {
		fprintf(out, "<p class=\"na\">No readiness check ran in %s "
		    "(v6gatectl readiness; readiness.interval).</p>\n"
		    "</section>\n", r->month);
		return;
	}
	for (i = 0; i < r->nready; i++) {
		const struct report_ready *rr = &r->ready[i];

		fputs("<h3>", out);
		html_escape(out, rr->site);
		fprintf(out, "</h3>\n<p>%u checks, %u passed; the last %s, "
		    "%u failing.", rr->checks, rr->passed, rr->last_pass ?
		    "passed" : "<b>failed</b>", rr->failing);
		if (rr->bypass)
			fputs(" IPv4 clients of this site go around the gateway "
			    "(its A record), so its IPv6 share does not apply: "
			    "point the A record at an IPv4 listener of the "
			    "gateway.", out);
		fputs("</p>\n", out);
		html_chart_open(out, "readiness", h,
		    "Daily link support rates of ", rr->site, "");
		html_grid_pct(out, plot_h, 2);
		html_rate_line(r, rr->l2, "l2", plot_h, out);
		html_rate_line(r, rr->l3, "l3", plot_h, out);
		for (n = 0; n < r->ndays; n++)
			if (rr->day[n] != -1)
				fprintf(out, "<circle class=\"%s\" cx=\"%.1f\" "
				    "cy=\"%d\" r=\"4\"><title>%s-%02d: %s"
				    "</title></circle>\n", rr->day[n] ? "pass" :
				    "fail", CH_LEFT + (n + 0.5) * slot,
				    CH_TOP + 4, r->month, n + 1, rr->day[n] ?
				    "passed" : "failed");
		html_days_axis(r, out, CH_TOP + plot_h);
		fputs("</svg>\n<p class=\"legend\"><span style=\"background:"
		    "#2a6fdb\"></span>level 2 links<span style=\"background:"
		    "#7a3fb0\"></span>level 3 links (share that works over "
		    "IPv6)</p>\n", out);
	}
	fputs("</section>\n", out);
}

/* The gateway's name, or how many a merged report merged. */
static void
html_title(const struct report *r, FILE *out)
{
	if (r->nparts > 0)
		fprintf(out, "%zu gateways", r->nparts);
	else
		html_escape(out, r->gateway ? r->gateway : "v6gate");
}

/* A merged report: what it adds up, and each gateway's own figures. */
static void
html_gateways(const struct report *r, FILE *out)
{
	char	b6[32], b4[32], c6[32];
	size_t	g, i;

	fputs("<p class=\"note\">Merged: bytes, connections and the daily "
	    "series are the gateways' sums; a client seen by several gateways "
	    "counts once; peak concurrent connections are the sum of the "
	    "gateways' peaks, an upper bound of the fleet's.", out);
	if (r->bounds_why != NULL) {
		fputs(" Counts a..b are bounds, not figures: ", out);
		html_escape(out, r->bounds_why);
		fputs(".", out);
	}
	fputs("</p>\n<table class=\"summary\">\n<tr><th>Gateway</th>"
	    "<th>Service</th><th>IPv6 bytes</th><th>IPv4 bytes</th>"
	    "<th>IPv6 clients</th></tr>\n", out);
	for (g = 0; g < r->nparts; g++)
		for (i = 0; i < r->parts[g].nsvcs; i++) {
			const struct report_service *s = &r->parts[g].svcs[i];

			text_bytes(report_bytes(s, ACCT_IPV6), b6, sizeof(b6));
			text_bytes(report_bytes(s, ACCT_IPV4), b4, sizeof(b4));
			text_clients(s, CL_IPV6, c6, sizeof(c6));
			fputs("<tr><td>", out);
			html_escape(out, report_gw_name(&r->parts[g]));
			fputs("</td><td>", out);
			html_escape(out, s->name);
			fprintf(out, "</td><td>%s</td><td>%s</td><td>%s"
			    "</td></tr>\n", b6, b4, c6);
		}
	fputs("</table>\n", out);
}

void
report_html(const struct report *r, FILE *out)
{
	char	b6[32], b4[32], c6[32], c64[32];
	double	v;
	size_t	i;
	int	ok;

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "\n<title>IPv6 traffic report ", out);
	html_escape(out, r->month);
	fputs(" \xe2\x80\x94 ", out);
	html_title(r, out);
	fprintf(out, "</title>\n<style>%s</style></head><body>\n<h1>IPv6 "
	    "traffic report %s \xe2\x80\x94 ", html_style, r->month);
	html_title(r, out);
	fprintf(out, "</h1>\n<p class=\"note\">%d days, local calendar; "
	    "from ", r->ndays);
	if (r->nparts == 0)
		html_escape(out, r->db);
	for (i = 0; i < r->nparts; i++) {
		fputs(i > 0 ? ", " : "", out);
		html_escape(out, report_gw_name(&r->parts[i]));
		fputs(" (", out);
		html_escape(out, r->parts[i].db);
		fputs(")", out);
	}
	fputs(". Client counts marked ~ are estimates (within 2 %).</p>\n",
	    out);
	if (r->nparts > 0)
		html_gateways(r, out);
	if (r->nsvcs == 0) {
		fprintf(out, "<p class=\"na\">No traffic recorded in %s.</p>\n",
		    r->month);
		html_readiness(r, out);
		fputs("</body></html>\n", out);
		return;
	}
	fputs("<table class=\"summary\">\n<tr><th>Service</th><th>Mode</th>"
	    "<th>IPv6 bytes</th><th>IPv4 bytes</th><th>IPv6 share</th>"
	    "<th>IPv6 clients</th><th>IPv6 /64</th></tr>\n", out);
	for (i = 0; i < r->nsvcs; i++) {
		const struct report_service *s = &r->svcs[i];

		text_bytes(report_bytes(s, ACCT_IPV6), b6, sizeof(b6));
		text_bytes(report_bytes(s, ACCT_IPV4), b4, sizeof(b4));
		text_clients(s, CL_IPV6, c6, sizeof(c6));
		text_clients(s, CL_IPV6_64, c64, sizeof(c64));
		fputs("<tr><td><a href=\"#", out);
		html_id(out, s->name);
		fputs("\">", out);
		html_escape(out, s->name);
		fputs("</a></td><td>", out);
		html_escape(out, s->mode);
		fprintf(out, "</td><td>%s</td><td>%s</td><td>", b6, b4);
		ok = report_share(s, report_bytes(s, ACCT_IPV6),
		    report_bytes(s, ACCT_IPV4), &v);
		html_ratio(out, ok, v, 1);
		fprintf(out, "</td><td>%s</td><td>%s</td></tr>\n", c6, c64);
	}
	fputs("</table>\n", out);
	for (i = 0; i < r->nsvcs; i++) {
		const struct report_service *s = &r->svcs[i];

		fputs("<section class=\"service\" id=\"", out);
		html_id(out, s->name);
		fputs("\">\n<h2>", out);
		html_escape(out, s->name);
		fputs("</h2>\n", out);
		html_figures(s, out);
		html_traffic(r, s, out);
		html_share(r, s, out);
		fputs("</section>\n", out);
	}
	html_readiness(r, out);
	fputs("</body></html>\n", out);
}
