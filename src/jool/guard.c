/* SPDX-License-Identifier: ISC */
/*
 * The nftables guard in front of Jool (see guard.h), written as nft(8)
 * text and loaded with libnftables.
 *
 * What passes, per destination in NAT64's pool6: the configured ports of a
 * configured backend, ICMPv6 echo where the service lists "icmp", and the
 * ICMPv6 errors path MTU discovery and the like need; aimed at SIIT's
 * pool6, only packets from the configured IPv6 servers.  Everything else
 * aimed at a pool6 is counted and dropped.  The guard also marks what the
 * SIIT instance must translate (see xtables.c): IPv4 packets to its EAM
 * addresses, IPv6 packets from its servers to its pool6.
 *
 * The per-service facts live in named sets, so the rules never change with
 * the services: a reload that keeps the shape of the table (which blocks
 * are on, their pool6) adds and deletes only the set elements that changed,
 * in one transaction; any other change replaces the whole table at once
 * ("add table; delete table; table { ... }"), so there is never a moment
 * without a guard.
 */

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "guard.h"
#include "nftsafe.h"

/* A set's elements as nft text, sorted, to diff reload against reload. */
struct guard_set {
	const char	*name;
	char		**v;
	size_t		  n, cap;
};

enum { GS_NAT64_PORTS, GS_NAT64_ECHO, GS_NAT64_HOSTS, GS_SIIT_SERVERS,
    GS_SIIT_V4, GS_N };

static const char *const guard_set_names[GS_N] = {
	"nat64_ports", "nat64_echo", "nat64_hosts", "siit_servers", "siit_v4"
};

/* What the last successful apply loaded, for the next one to diff. */
static struct {
	int		 valid;
	char		*shape;
	struct guard_set sets[GS_N];
} guard_last;

static int
guard_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
guard_set_add(struct guard_set *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
guard_set_add(struct guard_set *s, const char *fmt, ...)
{
	va_list	 ap;
	char	*e, **nv;

	va_start(ap, fmt);
	if (vasprintf(&e, fmt, ap) == -1) {
		va_end(ap);
		return -1;
	}
	va_end(ap);
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 64;

		if ((nv = realloc(s->v, ncap * sizeof(*nv))) == NULL) {
			free(e);
			return -1;
		}
		s->v = nv;
		s->cap = ncap;
	}
	s->v[s->n++] = e;
	return 0;
}

static void
guard_sets_free(struct guard_set *sets)
{
	size_t	i, k;

	for (k = 0; k < GS_N; k++) {
		for (i = 0; i < sets[k].n; i++)
			free(sets[k].v[i]);
		free(sets[k].v);
		memset(&sets[k], 0, sizeof(sets[k]));
	}
}

/* The sets' content for gc, each sorted and without duplicates. */
static int
guard_sets(const struct gw_conf *gc, struct guard_set *sets)
{
	char	a[INET6_ADDRSTRLEN];
	size_t	i, k, w;

	memset(sets, 0, sizeof(struct guard_set) * GS_N);
	for (k = 0; k < GS_N; k++)
		sets[k].name = guard_set_names[k];
	for (i = 0; i < gc->nservices; i++) {
		const struct conf_service *s = &gc->services[i];

		if (s->mode == CONF_NAT64 && gc->nat64.on) {
			inet_ntop(AF_INET6, &s->addr6, a, sizeof(a));
			if (guard_set_add(&sets[GS_NAT64_HOSTS], "%s", a) == -1)
				return -1;
			for (k = 0; k < s->nports; k++) {
				if (s->ports[k].proto == CONF_L4_ICMP) {
					if (guard_set_add(&sets[GS_NAT64_ECHO],
					    "%s", a) == -1)
						return -1;
				} else if (guard_set_add(
				    &sets[GS_NAT64_PORTS], "%s . %s . %u", a,
				    conf_l4_name(s->ports[k].proto),
				    s->ports[k].port) == -1)
					return -1;
			}
		} else if (s->mode == CONF_SIIT && gc->siit.on) {
			if (guard_set_add(&sets[GS_SIIT_SERVERS], "%s",
			    inet_ntop(AF_INET6, &s->siit6, a, sizeof(a))) ==
			    -1 || guard_set_add(&sets[GS_SIIT_V4], "%s",
			    inet_ntop(AF_INET, &s->siit4, a, sizeof(a))) == -1)
				return -1;
		}
	}
	for (k = 0; k < GS_N; k++) {
		if (sets[k].n > 0)	/* qsort(NULL, 0) is undefined */
			qsort(sets[k].v, sets[k].n, sizeof(char *),
			    guard_cmp);
		for (i = w = 0; i < sets[k].n; i++) {
			if (w > 0 && strcmp(sets[k].v[w - 1], sets[k].v[i]) ==
			    0) {
				free(sets[k].v[i]);
				continue;
			}
			sets[k].v[w++] = sets[k].v[i];
		}
		sets[k].n = w;
	}
	return 0;
}

/* What decides the rules (not the elements): both blocks and pool6s. */
static char *
guard_shape(const struct gw_conf *gc)
{
	char	*s, a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

	if (asprintf(&s, "nat64=%d %s/%u siit=%d %s/%u", gc->nat64.on,
	    inet_ntop(AF_INET6, &gc->nat64.pool6, a, sizeof(a)),
	    gc->nat64.pool6_len, gc->siit.on, inet_ntop(AF_INET6,
	    &gc->siit.pool6, b, sizeof(b)), gc->siit.pool6_len) == -1)
		return NULL;
	return s;
}

static void
guard_elements(FILE *f, const struct guard_set *s)
{
	size_t	i;

	if (s->n == 0)
		return;
	fprintf(f, "\t\telements = { ");
	for (i = 0; i < s->n; i++)
		fprintf(f, "%s%s", i ? ", " : "", s->v[i]);
	fprintf(f, " }\n");
}

static void
guard_prefix(FILE *f, const struct in6_addr *a, unsigned len)
{
	char	buf[INET6_ADDRSTRLEN];

	fprintf(f, "%s/%u", inet_ntop(AF_INET6, a, buf, sizeof(buf)), len);
}

/* The whole table, as text. */
static void
guard_table(FILE *f, const struct gw_conf *gc, const struct guard_set *sets)
{
	static const char *const types[GS_N] = {
		"ipv6_addr . inet_proto . inet_service", "ipv6_addr",
		"ipv6_addr", "ipv6_addr", "ipv4_addr"
	};
	size_t	k;

	fprintf(f, "table inet %s {\n", GUARD_TABLE);
	fprintf(f, "\tcounter nat64_refused { }\n\tcounter siit_refused { }\n");
	for (k = 0; k < GS_N; k++) {
		fprintf(f, "\tset %s {\n\t\ttype %s\n", sets[k].name, types[k]);
		guard_elements(f, &sets[k]);
		fprintf(f, "\t}\n");
	}
	/* before Jool's hooks (-75), after defragmentation (-400) */
	fprintf(f, "\tchain guard {\n\t\ttype filter hook prerouting "
	    "priority -300; policy accept;\n");
	if (gc->siit.on)
		fprintf(f, "\t\tip daddr @siit_v4 meta mark set meta mark & "
		    "0x%08x | 0x%08x\n", ~GUARD_SIIT_MASK, GUARD_SIIT_MARK);
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
	if (gc->nat64.on)
		fprintf(f, "\tchain nat64 {\n"
		    "\t\tip6 daddr . meta l4proto . th dport @nat64_ports "
		    "accept\n"
		    "\t\ticmpv6 type echo-request ip6 daddr @nat64_echo "
		    "accept\n"
		    /* errors about a flow to a backend (RFC 4443 §3) */
		    "\t\ticmpv6 type { destination-unreachable, packet-too-big, "
		    "time-exceeded, parameter-problem } ip6 daddr @nat64_hosts "
		    "accept\n"
		    "\t\tcounter name nat64_refused drop\n\t}\n");
	if (gc->siit.on)
		fprintf(f, "\tchain siit {\n"
		    "\t\tip6 saddr @siit_servers meta mark set meta mark & "
		    "0x%08x | 0x%08x accept\n"
		    "\t\tcounter name siit_refused drop\n\t}\n",
		    ~GUARD_SIIT_MASK, GUARD_SIIT_MARK);
	fprintf(f, "}\n");
}

char *
guard_ruleset(const struct gw_conf *gc)
{
	struct guard_set	 sets[GS_N];
	char			*buf = NULL;
	size_t			 len = 0;
	FILE			*f;

	if ((f = open_memstream(&buf, &len)) == NULL)
		return NULL;
	if (guard_sets(gc, sets) == 0)
		guard_table(f, gc, sets);
	guard_sets_free(sets);
	if (fclose(f) == EOF) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* "add element" / "delete element" for what differs between a and b. */
static void
guard_diff(FILE *f, const struct guard_set *old, const struct guard_set *new)
{
	size_t	i = 0, j = 0;
	int	c;

	while (i < old->n || j < new->n) {
		c = i == old->n ? 1 : j == new->n ? -1 : strcmp(old->v[i],
		    new->v[j]);
		if (c < 0)
			fprintf(f, "delete element inet %s %s { %s }\n",
			    GUARD_TABLE, old->name, old->v[i++]);
		else if (c > 0)
			fprintf(f, "add element inet %s %s { %s }\n",
			    GUARD_TABLE, new->name, new->v[j++]);
		else {
			i++;
			j++;
		}
	}
}

static void
guard_forget(void)
{
	guard_sets_free(guard_last.sets);
	free(guard_last.shape);
	guard_last.shape = NULL;
	guard_last.valid = 0;
}

int
guard_apply(const struct gw_conf *gc, char *err, size_t errlen)
{
	struct guard_set	 sets[GS_N];
	char			*shape, *cmds = NULL;
	size_t			 len = 0, k;
	FILE			*f;
	int			 rc = -1;

	if (!gc->nat64.on && !gc->siit.on)
		return guard_remove(err, errlen);
	shape = guard_shape(gc);
	if (shape == NULL || guard_sets(gc, sets) == -1 ||
	    (f = open_memstream(&cmds, &len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(shape);
		guard_sets_free(sets);
		return -1;
	}
	if (guard_last.valid && strcmp(guard_last.shape, shape) == 0) {
		/* same rules: only the elements that changed, if any */
		for (k = 0; k < GS_N; k++)
			guard_diff(f, &guard_last.sets[k], &sets[k]);
	} else {
		/* add + delete: "delete" alone fails without the table */
		fprintf(f, "add table inet %s\ndelete table inet %s\n",
		    GUARD_TABLE, GUARD_TABLE);
		guard_table(f, gc, sets);
	}
	if (fclose(f) == EOF) {
		snprintf(err, errlen, "out of memory");
		guard_sets_free(sets);
		free(shape);
		free(cmds);
		return -1;
	}
	if (len == 0 || (rc = nftsafe_run(cmds, NULL, err, errlen)) == 0) {
		guard_forget();
		memcpy(guard_last.sets, sets, sizeof(sets));
		guard_last.shape = shape;
		guard_last.valid = 1;
		rc = 0;
	} else {
		/* unknown state now: the next apply replaces the table */
		guard_forget();
		guard_sets_free(sets);
		free(shape);
	}
	free(cmds);
	return rc;
}

int
guard_remove(char *err, size_t errlen)
{
	char	cmds[128];

	guard_forget();
	snprintf(cmds, sizeof(cmds), "add table inet %s\ndelete table inet "
	    "%s\n", GUARD_TABLE, GUARD_TABLE);
	return nftsafe_run(cmds, NULL, err, errlen);
}
