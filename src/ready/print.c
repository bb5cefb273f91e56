/* SPDX-License-Identifier: ISC */
/*
 * The readiness document for a person: text for a terminal, HTML for a
 * report to hand on.  Both read only the JSON, so the three forms cannot
 * disagree.
 */

#include <stdio.h>
#include <string.h>

#include "html.h"
#include "ready.h"

#define J(o, k)		json_object_object_get((o), (k))
#define JS(o, k)	(J(o, k) ? json_object_get_string(J(o, k)) : "")
#define JI(o, k)	json_object_get_int(J(o, k))
#define JB(o, k)	json_object_get_boolean(J(o, k))
#define JD(o, k)	json_object_get_double(J(o, k))
#define JN(a)		((a) ? json_object_array_length(a) : 0)
#define JA(a, i)	json_object_array_get_idx((a), (i))

static const char *const print_times[] = {
	"dns", "connect", "tls", "first_byte", "total"
};

static const char *
print_verdict(int ok)
{
	return ok ? "PASS" : "FAIL";
}

static void
print_home(FILE *out, json_object *h)
{
	json_object	*f, *t, *d;
	size_t		 i, k;
	const char	*fam[2] = { "ipv6", "ipv4" };

	fprintf(out, "  homepage     IPv6 %d/%d (status %d), IPv4 %d/%d "
	    "(status %d); IPv6 success rate %.0f%%\n",
	    JI(J(h, "ipv6"), "successes"), JI(J(h, "ipv6"), "attempts"),
	    JI(J(h, "ipv6"), "status"), JI(J(h, "ipv4"), "successes"),
	    JI(J(h, "ipv4"), "attempts"), JI(J(h, "ipv4"), "status"),
	    JD(h, "success_rate") * 100);
	fprintf(out, "               same page over both: %s (status %s, path "
	    "%s, title %s, similarity %.2f)\n", JB(h, "consistent") ? "yes" :
	    "NO", JB(J(h, "consistency"), "status") ? "=" : "differs",
	    JB(J(h, "consistency"), "path") ? "=" : "differs",
	    JB(J(h, "consistency"), "title") ? "=" : "differs",
	    JD(J(h, "consistency"), "similarity"));
	fprintf(out, "               %-12s", "median ms");
	for (k = 0; k < 5; k++)
		fprintf(out, " %10s", print_times[k]);
	fputc('\n', out);
	for (i = 0; i < 2; i++) {
		f = J(h, fam[i]);
		t = J(f, "times");
		fprintf(out, "               %-12s", i == 0 ? "IPv6" : "IPv4");
		for (k = 0; k < 5; k++)
			fprintf(out, " %10.2f", JD(t, print_times[k]));
		fputc('\n', out);
	}
	d = J(h, "degradation");
	fprintf(out, "               %-12s", "degradation");
	for (k = 0; k < 5; k++)
		if (J(d, print_times[k]) != NULL)
			fprintf(out, " %+9.0f%%", JD(d, print_times[k]) * 100);
		else
			fprintf(out, " %10s", "-");
	fputc('\n', out);
}

static void
print_site(FILE *out, json_object *s)
{
	json_object	*a, *x, *sg;
	size_t		 i, n;

	fprintf(out, "\nsite %s (service%s", JS(s, "site"),
	    JN(J(s, "services")) > 1 ? "s" : "");
	for (i = 0; i < JN(J(s, "services")); i++)
		fprintf(out, "%s %s", i ? "," : "",
		    json_object_get_string(JA(J(s, "services"), i)));
	fprintf(out, "): %s\n", print_verdict(JB(s, "pass")));
	if (J(s, "error") != NULL) {
		fprintf(out, "  error: %s\n", JS(s, "error"));
		return;
	}

	a = J(J(s, "aaaa"), "records");
	fprintf(out, "  AAAA         %s", JN(a) ? "" : "none");
	for (i = 0; i < JN(a); i++)
		fprintf(out, "%s%s (%s)", i ? ", " : "",
		    JS(JA(a, i), "address"), JB(JA(a, i), "gateway") ?
		    "this gateway" : "not this gateway");
	fputc('\n', out);

	x = J(s, "ns");
	fprintf(out, "  name servers %d of %d answer over IPv6:", JI(x,
	    "ipv6"), JI(x, "total"));
	for (i = 0; i < JN(J(x, "servers")); i++)
		fprintf(out, " %s %s", JS(JA(J(x, "servers"), i), "name"),
		    JB(JA(J(x, "servers"), i), "ipv6") ? "yes" : "no");
	fputc('\n', out);

	print_home(out, J(s, "homepage"));
	a = J(s, "levels");
	for (i = 0; i < JN(a); i++)
		fprintf(out, "  level %d      %d of %d same-site links work "
		    "over IPv6 (%.0f%%)\n", JI(JA(a, i), "level"),
		    JI(JA(a, i), "ipv6"), JI(JA(a, i), "links"),
		    JD(JA(a, i), "rate") * 100);
	a = J(s, "resources");
	if (JN(a) > 0) {
		fprintf(out, "  resources   ");
		for (i = 0; i < JN(a); i++)
			fprintf(out, "%s %s: %s", i ? "," : "",
			    JS(JA(a, i), "host"), J(JA(a, i), "ipv6") == NULL ?
			    "not checked" : JB(JA(a, i), "ipv6") ? "IPv6" :
			    "IPv4 only (a skylight for IPv6 users)");
		fputc('\n', out);
	}
	if (JB(s, "ipv4_bypass"))
		fprintf(out, "  IPv4         goes around the gateway (the A "
		    "record is not its address): its IPv6 share cannot be "
		    "reported\n");
	a = J(s, "failing");
	if ((n = JN(a)) > 0) {
		fprintf(out, "  failing (%zu):\n", n);
		for (i = 0; i < n; i++)
			fprintf(out, "    level %d  %-16s %s  (%s)\n",
			    JI(JA(a, i), "level"), JS(JA(a, i), "reason"),
			    JS(JA(a, i), "url"), JS(JA(a, i), "detail"));
	}
	a = J(s, "skipped");
	if ((n = JN(a)) > 0) {
		fprintf(out, "  not checked (%zu):", n);
		for (i = 0; i < n; i++)
			fprintf(out, "%s %s (%s)", i ? "," : "",
			    JS(JA(a, i), "url"), JS(JA(a, i), "reason"));
		fputc('\n', out);
	}
	sg = J(s, "suggest");
	if (*JS(sg, "config") != '\0')
		fprintf(out, "  to fix, add to services = ( ... ):\n%s",
		    JS(sg, "config"));
	a = J(sg, "dns");
	if (JN(a) > 0) {
		fprintf(out, "  and publish:\n");
		for (i = 0; i < JN(a); i++)
			fprintf(out, "    %s\n",
			    json_object_get_string(JA(a, i)));
	}
	a = J(sg, "notes");
	for (i = 0; i < JN(a); i++)
		fprintf(out, "  note: %s\n", json_object_get_string(JA(a, i)));
}

void
ready_print_text(json_object *doc, FILE *out)
{
	json_object	*sites = J(doc, "sites");
	size_t		 i, fails = 0;

	for (i = 0; i < JN(sites); i++)
		fails += !JB(JA(sites, i), "pass");
	fprintf(out, "IPv6 readiness of %s at %s: %s (%zu of %zu site%s "
	    "fail%s)\n", JS(doc, "gateway"), JS(doc, "time"),
	    print_verdict(ready_passed(doc)), fails, JN(sites),
	    JN(sites) == 1 ? "" : "s", fails == 1 ? "s" : "");
	for (i = 0; i < JN(sites); i++)
		print_site(out, JA(sites, i));
}

static void
print_html_row(FILE *out, const char *k, const char *v, int ok)
{
	fputs("<tr><th>", out);
	html_escape(out, k);
	fprintf(out, "</th><td class=\"%s\">", ok ? "ok" : "bad");
	html_escape(out, v);
	fputs("</td></tr>\n", out);
}

void
ready_print_html(json_object *doc, FILE *out)
{
	json_object	*sites = J(doc, "sites"), *s, *a, *h;
	char		 buf[512];
	size_t		 i, j;

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8"
	    "\"><title>IPv6 readiness</title><style>body{font:14px sans-serif;"
	    "margin:2em}table{border-collapse:collapse;margin:1em 0}td,th{"
	    "border:1px solid #ccc;padding:3px 8px;text-align:left}.ok{color:"
	    "#070}.bad{color:#b00;font-weight:bold}</style></head><body>\n",
	    out);
	fputs("<h1>IPv6 readiness of ", out);
	html_escape(out, JS(doc, "gateway"));
	fputs("</h1>\n<p>", out);
	html_escape(out, JS(doc, "time"));
	fprintf(out, ": <b class=\"%s\">%s</b></p>\n", ready_passed(doc) ?
	    "ok" : "bad", print_verdict(ready_passed(doc)));
	for (i = 0; i < JN(sites); i++) {
		s = JA(sites, i);
		fputs("<h2>", out);
		html_escape(out, JS(s, "site"));
		fprintf(out, " <span class=\"%s\">%s</span></h2>\n<table>\n",
		    JB(s, "pass") ? "ok" : "bad", print_verdict(JB(s, "pass")));
		snprintf(buf, sizeof(buf), "%zu record(s)", JN(J(J(s, "aaaa"),
		    "records")));
		print_html_row(out, "AAAA", buf, JB(J(s, "aaaa"), "ok"));
		snprintf(buf, sizeof(buf), "%d of %d over IPv6", JI(J(s, "ns"),
		    "ipv6"), JI(J(s, "ns"), "total"));
		print_html_row(out, "name servers", buf, JB(J(s, "ns"), "ok"));
		h = J(s, "homepage");
		snprintf(buf, sizeof(buf), "%d/%d over IPv6, %d/%d over IPv4",
		    JI(J(h, "ipv6"), "successes"), JI(J(h, "ipv6"), "attempts"),
		    JI(J(h, "ipv4"), "successes"), JI(J(h, "ipv4"),
		    "attempts"));
		print_html_row(out, "homepage", buf, JD(h, "success_rate") >=
		    0.9);
		print_html_row(out, "same page over both", JB(h, "consistent") ?
		    "yes" : "no", JB(h, "consistent"));
		if (J(J(h, "degradation"), "overall") != NULL) {
			snprintf(buf, sizeof(buf), "%+.0f%%", JD(J(h,
			    "degradation"), "overall") * 100);
			print_html_row(out, "degradation (total time)", buf, 1);
		}
		a = J(s, "levels");
		for (j = 0; j < JN(a); j++) {
			char k[32];

			snprintf(k, sizeof(k), "level %d links",
			    JI(JA(a, j), "level"));
			snprintf(buf, sizeof(buf), "%d of %d (%.0f%%)",
			    JI(JA(a, j), "ipv6"), JI(JA(a, j), "links"),
			    JD(JA(a, j), "rate") * 100);
			print_html_row(out, k, buf, JD(JA(a, j), "rate") >=
			    0.9);
		}
		fputs("</table>\n", out);
		a = J(s, "failing");
		if (JN(a) > 0) {
			fputs("<table><tr><th>level</th><th>reason</th><th>URL"
			    "</th><th>detail</th></tr>\n", out);
			for (j = 0; j < JN(a); j++) {
				fprintf(out, "<tr><td>%d</td><td>",
				    JI(JA(a, j), "level"));
				html_escape(out, JS(JA(a, j), "reason"));
				fputs("</td><td>", out);
				html_escape(out, JS(JA(a, j), "url"));
				fputs("</td><td>", out);
				html_escape(out, JS(JA(a, j), "detail"));
				fputs("</td></tr>\n", out);
			}
			fputs("</table>\n", out);
		}
		if (*JS(J(s, "suggest"), "config") != '\0') {
			fputs("<h3>To fix</h3><pre>", out);
			html_escape(out, JS(J(s, "suggest"), "config"));
			a = J(J(s, "suggest"), "dns");
			for (j = 0; j < JN(a); j++) {
				html_escape(out, json_object_get_string(
				    JA(a, j)));
				fputc('\n', out);
			}
			fputs("</pre>\n", out);
		}
	}
	fputs("</body></html>\n", out);
}
