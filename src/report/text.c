/* SPDX-License-Identifier: ISC */
/*
 * The monthly report as a table for a terminal: one line per service, in
 * readable units; the exact figures are in the CSV and JSON forms.
 */

#include <inttypes.h>
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
text_count(const struct clients_count *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s%" PRIu64, c->exact ? "" : "~", c->n);
}

void
report_text(const struct report *r, FILE *out)
{
	char	b6[16], b4[16], share[16], avail[16], c6[24], c64[24], c4[24];
	double	v;
	size_t	i;

	fprintf(out, "IPv6 traffic report %s (%d days)%s%s, from %s\n\n",
	    r->month, r->ndays, r->gateway ? ", gateway " : "",
	    r->gateway ? r->gateway : "", r->db);
	if (r->nsvcs == 0) {
		fprintf(out, "no traffic recorded in %s\n", r->month);
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
		text_count(&s->clients[CL_IPV6], c6, sizeof(c6));
		text_count(&s->clients[CL_IPV6_64], c64, sizeof(c64));
		text_count(&s->clients[CL_IPV4], c4, sizeof(c4));
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
}
