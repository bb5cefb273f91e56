/* SPDX-License-Identifier: ISC */
/*
 * The monthly report as a table for a terminal: one line per service, in
 * readable units; the exact figures are in the CSV and JSON forms.
 */

#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "month.h"
#include "text.h"

void
text_bytes(uint64_t n, char *buf, size_t len)
{
	static const char *const unit[] = { "B", "kB", "MB", "GB", "TB",
	    "PB", "EB" };
	double	v = (double)n;
	int	u = 0;

	while (v >= 1000 && u < 6) {
		v /= 1000;
		u++;
	}
	if (u == 0)
		snprintf(buf, len, "%" PRIu64 " B", n);
	else
		snprintf(buf, len, v < 10 ? "%.2f %s" : v < 100 ? "%.1f %s" :
		    "%.0f %s", v, unit[u]);
}

void
text_clients(const struct report_service *s, int k, char *buf, size_t len)
{
	const struct clients_count	*c = &s->clients[k];

	if (s->merge[k] == RM_BOUNDS)
		snprintf(buf, len, "%" PRIu64 "..%" PRIu64, s->clients_min[k],
		    c->n);
	else
		snprintf(buf, len, "%s%" PRIu64, c->exact ? "" : "~", c->n);
}

/* Which gateways a merged report merged, and each one's own figures. */
static void
text_gateways(const struct report *r, FILE *out)
{
	char	b6[16], b4[16], c6[24], c64[24], c4[24];
	size_t	g, i;

	fprintf(out, "\nPer gateway:\n%-16s %-20s %10s %10s %9s %9s %9s "
	    "%12s\n", "GATEWAY", "SERVICE", "IPV6", "IPV4", "CLIENTS", "/64",
	    "IPV4 CL.", "CONNECTIONS");
	for (g = 0; g < r->nparts; g++)
		for (i = 0; i < r->parts[g].nsvcs; i++) {
			const struct report_service *s = &r->parts[g].svcs[i];

			text_bytes(report_bytes(s, ACCT_IPV6), b6, sizeof(b6));
			text_bytes(report_bytes(s, ACCT_IPV4), b4, sizeof(b4));
			text_clients(s, CL_IPV6, c6, sizeof(c6));
			text_clients(s, CL_IPV6_64, c64, sizeof(c64));
			text_clients(s, CL_IPV4, c4, sizeof(c4));
			fprintf(out, "%-16s %-20s %10s %10s %9s %9s %9s %12"
			    PRIu64 "\n", report_gw_name(&r->parts[g]), s->name,
			    b6, b4, c6, c64, c4, s->fam[ACCT_IPV6].connections +
			    s->fam[ACCT_IPV4].connections);
		}
	fprintf(out, "\n(merged: bytes, connections and the daily series "
	    "are the gateways' sums; a client\n seen by several gateways "
	    "counts once; PEAK is the sum of the gateways' peaks,\n an upper "
	    "bound of the fleet's%s%s)\n", r->bounds_why ? "; a..b: at least "
	    "a, at most b: " : "", r->bounds_why ? r->bounds_why : "");
}

/* The readiness checks of the month: per site, a character a day. */
static void
text_readiness(const struct report *r, FILE *out)
{
	size_t	i;
	int	d;

	fprintf(out, "\nIPv6 readiness (v6gatectl readiness), a mark per day: "
	    "+ passed, x failed, . not checked\n");
	if (r->nready == 0) {
		fprintf(out, "  no check ran in %s\n", r->month);
		return;
	}
	for (i = 0; i < r->nready; i++) {
		const struct report_ready *rr = &r->ready[i];
		int last = -1;

		fprintf(out, "  %s (%s): %u checks, %u passed; last %s, %u "
		    "failing\n    ", rr->site, rr->service, rr->checks,
		    rr->passed, rr->last_pass ? "PASS" : "FAIL", rr->failing);
		for (d = 0; d < r->ndays; d++) {
			fputc(rr->day[d] == -1 ? '.' : rr->day[d] ? '+' : 'x',
			    out);
			if (rr->day[d] != -1)
				last = d;
		}
		fputc('\n', out);
		if (last >= 0)
			fprintf(out, "    day %d: level 2 %.0f%%, level 3 %.0f%%, "
			    "degradation %+.0f%%\n", last + 1,
			    isnan(rr->l2[last]) ? 100 : rr->l2[last] * 100,
			    isnan(rr->l3[last]) ? 100 : rr->l3[last] * 100,
			    isnan(rr->degr[last]) ? 0 : rr->degr[last] * 100);
		if (rr->bypass)
			fprintf(out, "    IPv4 clients of this site go around "
			    "the gateway (its A record): the IPv6 share of %s "
			    "does not apply; point the A record at an IPv4 "
			    "listener of the gateway (v6gatectl readiness "
			    "prints the lines)\n", rr->service);
	}
}

void
report_text(const struct report *r, FILE *out)
{
	char	b6[16], b4[16], share[16], avail[16], c6[24], c64[24], c4[24];
	double	v;
	size_t	i, g;

	if (r->nparts > 0) {
		fprintf(out, "IPv6 traffic report %s (%d days), %zu gateways "
		    "merged:\n", r->month, r->ndays, r->nparts);
		for (g = 0; g < r->nparts; g++)
			fprintf(out, "  %-16s from %s\n",
			    report_gw_name(&r->parts[g]), r->parts[g].db);
		fputc('\n', out);
	} else
		fprintf(out, "IPv6 traffic report %s (%d days)%s%s, from %s"
		    "\n\n", r->month, r->ndays, r->gateway ? ", gateway " : "",
		    r->gateway ? r->gateway : "", r->db);
	if (r->nsvcs == 0) {
		fprintf(out, "no traffic recorded in %s\n", r->month);
		text_readiness(r, out);
		return;
	}
	fprintf(out, "%-20s %-6s %10s %10s %7s %9s %9s %9s %12s %11s %8s\n",
	    "SERVICE", "MODE", "IPV6", "IPV4", "SHARE", "CLIENTS", "/64",
	    "IPV4 CL.", "CONNECTIONS", "PEAK v6/v4", "AVAIL.");
	for (i = 0; i < r->nsvcs; i++) {
		const struct report_service *s = &r->svcs[i];
		char	peak[32];

		text_bytes(report_bytes(s, ACCT_IPV6), b6, sizeof(b6));
		text_bytes(report_bytes(s, ACCT_IPV4), b4, sizeof(b4));
		if (report_share(s, report_bytes(s, ACCT_IPV6),
		    report_bytes(s, ACCT_IPV4), &v))
			snprintf(share, sizeof(share), "%.1f%%", v * 100);
		else
			snprintf(share, sizeof(share), "-");
		if (report_availability(s, &v))
			snprintf(avail, sizeof(avail), "%.2f%%", v * 100);
		else
			snprintf(avail, sizeof(avail), "-");
		text_clients(s, CL_IPV6, c6, sizeof(c6));
		text_clients(s, CL_IPV6_64, c64, sizeof(c64));
		text_clients(s, CL_IPV4, c4, sizeof(c4));
		snprintf(peak, sizeof(peak), "%" PRIu64 "/%" PRIu64,
		    s->fam[ACCT_IPV6].peak_open, s->fam[ACCT_IPV4].peak_open);
		fprintf(out, "%-20s %-6s %10s %10s %7s %9s %9s %9s %12" PRIu64
		    " %11s %8s\n", s->name, s->mode, b6, b4, share, c6, c64,
		    c4, s->fam[ACCT_IPV6].connections +
		    s->fam[ACCT_IPV4].connections, peak, avail);
	}
	fprintf(out, "\n(IPV6, IPV4: bytes both ways, payload for proxy "
	    "services, IP for nat64 and siit;\n SHARE: of the bytes, where "
	    "both families reach the service; CLIENTS, /64: distinct IPv6\n "
	    "addresses and /64 prefixes in the month, ~ an estimate; AVAIL.: "
	    "connections that\n reached a backend)\n");
	if (r->nparts > 0)
		text_gateways(r, out);
	text_readiness(r, out);
}
