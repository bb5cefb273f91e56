/* SPDX-License-Identifier: ISC */
/*
 * The monthly report as CSV (RFC 4180: CRLF, fields with a comma, quote or
 * line break quoted), one row per service, exact figures, for spreadsheets
 * and the forms a site files.
 */

#include <inttypes.h>
#include <string.h>

#include "month.h"

static void
csv_str(FILE *out, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s != '\0'; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

void
report_csv(const struct report *r, FILE *out)
{
	size_t	i;
	double	v;

	fputs("service,mode,bytes_unit,ipv6_bytes_in,ipv6_bytes_out,"
	    "ipv4_bytes_in,ipv4_bytes_out,ipv6_share,ipv6_clients,"
	    "ipv6_clients_exact,ipv6_clients64,ipv6_clients64_exact,"
	    "ipv4_clients,ipv4_clients_exact,ipv6_connections,"
	    "ipv4_connections,ipv6_peak_open,ipv4_peak_open,unreachable,"
	    "availability", out);
	/* merged: the least each count can be (less than it only when
	   the gateways' sets could not be merged: v6gatectl(8)) */
	fputs(r->nparts > 0 ? ",ipv6_clients_min,ipv6_clients64_min,"
	    "ipv4_clients_min\r\n" : "\r\n", out);
	for (i = 0; i < r->nsvcs; i++) {
		const struct report_service	*s = &r->svcs[i];
		const struct report_family	*f6 = &s->fam[ACCT_IPV6];
		const struct report_family	*f4 = &s->fam[ACCT_IPV4];

		csv_str(out, s->name);
		fprintf(out, ",%s,%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%"
		    PRIu64 ",", s->mode, strcmp(s->mode, "proxy") == 0 ?
		    "payload" : "ip", f6->bytes_in, f6->bytes_out,
		    f4->bytes_in, f4->bytes_out);
		if (report_share(s, report_bytes(s, ACCT_IPV6),
		    report_bytes(s, ACCT_IPV4), &v))
			fprintf(out, "%.4f", v);
		fprintf(out, ",%" PRIu64 ",%d,%" PRIu64 ",%d,%" PRIu64 ",%d,%"
		    PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",",
		    s->clients[CL_IPV6].n, s->clients[CL_IPV6].exact,
		    s->clients[CL_IPV6_64].n, s->clients[CL_IPV6_64].exact,
		    s->clients[CL_IPV4].n, s->clients[CL_IPV4].exact,
		    f6->connections, f4->connections, f6->peak_open,
		    f4->peak_open, f6->unreachable + f4->unreachable);
		if (report_availability(s, &v))
			fprintf(out, "%.6f", v);
		if (r->nparts > 0)
			fprintf(out, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
			    s->clients_min[CL_IPV6],
			    s->clients_min[CL_IPV6_64],
			    s->clients_min[CL_IPV4]);
		fputs("\r\n", out);
	}
}
