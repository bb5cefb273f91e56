/* SPDX-License-Identifier: ISC */
/*
 * The nftables guard in front of Jool (see guard.h), written as nft(8)
 * text and loaded with libnftables in one transaction: "add table; delete
 * table; table { ... }" replaces the whole table atomically, whether or not
 * it existed, so a reload never leaves a window without the guard.
 *
 * What passes, per destination in pool6 (NAT64): the configured ports of a
 * configured backend, ICMPv6 echo where the service lists "icmp", and the
 * ICMPv6 errors that path MTU discovery and the like need; what is aimed at
 * SIIT's pool6 passes only from the configured IPv6 servers.  Everything
 * else aimed at a pool6 is counted and dropped.
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nftables/libnftables.h>

#include "guard.h"

static void
guard_prefix(FILE *f, const struct in6_addr *a, unsigned len)
{
	char	buf[INET6_ADDRSTRLEN];

	fprintf(f, "%s/%u", inet_ntop(AF_INET6, a, buf, sizeof(buf)), len);
}

static const char *
guard_addr6(const struct in6_addr *a, char *buf, size_t len)
{
	return inet_ntop(AF_INET6, a, buf, (socklen_t)len);
}

/* "tcp dport { 25, 465 }" for one protocol of a service; 0 if none. */
static int
guard_ports(FILE *f, const struct conf_service *s, enum conf_l4 proto,
    const char *addr)
{
	size_t	i;
	int	n = 0;

	for (i = 0; i < s->nports; i++) {
		if (s->ports[i].proto != proto)
			continue;
		if (n++ == 0)
			fprintf(f, "\t\tip6 daddr %s %s dport { ", addr,
			    conf_l4_name(proto));
		else
			fprintf(f, ", ");
		fprintf(f, "%u", s->ports[i].port);
	}
	if (n > 0)
		fprintf(f, " } accept\n");
	return n;
}

char *
guard_ruleset(const struct gw_conf *gc)
{
	char	*buf = NULL, a[INET6_ADDRSTRLEN];
	size_t	 len = 0, i, n;
	FILE	*f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	fprintf(f, "table inet %s {\n", GUARD_TABLE);
	fprintf(f, "\tcounter nat64_refused { }\n\tcounter siit_refused { }\n");
	/* before Jool's hooks (-75), after defragmentation (-400) */
	fprintf(f, "\tchain guard {\n\t\ttype filter hook prerouting "
	    "priority -300; policy accept;\n");
	if (gc->nat64.on) {
		fprintf(f, "\t\tip6 daddr ");
		guard_prefix(f, &gc->nat64.pool6, gc->nat64.pool6_len);
		fprintf(f, " jump nat64\n");
	}
	if (gc->siit.on) {
		fprintf(f, "\t\tip6 daddr ");
		guard_prefix(f, &gc->siit.pool6, gc->siit.pool6_len);
		fprintf(f, " jump siit\n");
	}
	fprintf(f, "\t}\n");

	if (gc->nat64.on) {
		fprintf(f, "\tchain nat64 {\n");
		for (i = n = 0; i < gc->nservices; i++) {
			const struct conf_service *s = &gc->services[i];
			size_t k;

			if (s->mode != CONF_NAT64)
				continue;
			guard_addr6(&s->addr6, a, sizeof(a));
			guard_ports(f, s, CONF_L4_TCP, a);
			guard_ports(f, s, CONF_L4_UDP, a);
			for (k = 0; k < s->nports; k++)
				if (s->ports[k].proto == CONF_L4_ICMP)
					fprintf(f, "\t\tip6 daddr %s icmpv6 "
					    "type echo-request accept\n", a);
			n++;
		}
		if (n > 0) {
			/* errors about a flow to a backend (RFC 4443 §3) */
			fprintf(f, "\t\tip6 daddr { ");
			for (i = n = 0; i < gc->nservices; i++)
				if (gc->services[i].mode == CONF_NAT64)
					fprintf(f, "%s%s", n++ ? ", " : "",
					    guard_addr6(&gc->services[i].addr6,
					    a, sizeof(a)));
			fprintf(f, " } icmpv6 type { destination-unreachable, "
			    "packet-too-big, time-exceeded, parameter-problem "
			    "} accept\n");
		}
		fprintf(f, "\t\tcounter name nat64_refused drop\n\t}\n");
	}
	if (gc->siit.on) {
		fprintf(f, "\tchain siit {\n");
		for (i = n = 0; i < gc->nservices; i++)
			if (gc->services[i].mode == CONF_SIIT) {
				if (n++ == 0)
					fprintf(f, "\t\tip6 saddr { ");
				else
					fprintf(f, ", ");
				fprintf(f, "%s", guard_addr6(
				    &gc->services[i].siit6, a, sizeof(a)));
			}
		if (n > 0)
			fprintf(f, " } accept\n");
		fprintf(f, "\t\tcounter name siit_refused drop\n\t}\n");
	}
	fprintf(f, "}\n");
	if (fclose(f) == EOF) {
		free(buf);
		return NULL;
	}
	return buf;
}

static int
guard_run(const char *cmds, char *err, size_t errlen)
{
	struct nft_ctx	*nft;
	const char	*e;
	int		 rc;

	if ((nft = nft_ctx_new(NFT_CTX_DEFAULT)) == NULL) {
		snprintf(err, errlen, "nftables: cannot create a context");
		return -1;
	}
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	rc = nft_run_cmd_from_buffer(nft, cmds);
	if (rc != 0) {
		e = nft_ctx_get_error_buffer(nft);
		snprintf(err, errlen, "nftables: %.*s", (int)strcspn(e ? e :
		    "failed", "\n"), e ? e : "failed");
	}
	nft_ctx_free(nft);
	return rc == 0 ? 0 : -1;
}

int
guard_apply(const struct gw_conf *gc, char *err, size_t errlen)
{
	char	*rules, *cmds;
	int	 rc;

	if (!gc->nat64.on && !gc->siit.on)
		return guard_remove(err, errlen);
	if ((rules = guard_ruleset(gc)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* add + delete: "delete" alone fails when the table is not there */
	if (asprintf(&cmds, "add table inet %s\ndelete table inet %s\n%s",
	    GUARD_TABLE, GUARD_TABLE, rules) == -1) {
		free(rules);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = guard_run(cmds, err, errlen);
	free(cmds);
	free(rules);
	return rc;
}

int
guard_remove(char *err, size_t errlen)
{
	char	cmds[128];

	snprintf(cmds, sizeof(cmds), "add table inet %s\ndelete table inet "
	    "%s\n", GUARD_TABLE, GUARD_TABLE);
	return guard_run(cmds, err, errlen);
}
