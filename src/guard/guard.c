/* SPDX-License-Identifier: ISC */
/*
 * The nftables guard in front of Jool, which also counts what it lets
 * through (see guard.h).
 *
 * What passes, per destination in NAT64's pool6: the configured ports of a
 * configured backend, ICMPv6 echo where the service lists "icmp", and the
 * ICMPv6 errors path MTU discovery and the like need; aimed at SIIT's
 * pool6, only packets from the configured IPv6 servers.  Everything else
 * aimed at a pool6 is counted and dropped.  The guard also marks what the
 * SIIT instance must translate (see xtables.c): IPv4 packets to its EAM
 * addresses, IPv6 packets from its servers to its pool6.
 *
 * The rules are nft(8) text, loaded with libnftables, and never change
 * with the services: what a service adds is set elements, written and
 * read over netlink (nfnl.h), thousands per transaction; their counting
 * sets fill themselves, a key at its first packet.  The table's comment
 * names its shape (the blocks, their pool6, pool4, the counting sets'
 * sizes): a reload, or a restart, that keeps the shape changes only the
 * elements that differ from what the kernel has (remembered from the last
 * commit, else read), so the counters of the others go on.  Another shape
 * makes the table again.
 *
 * A commit comes in two halves around Jool's changes (the translator runs
 * them in order): guard_add() before, which only adds (and holds, in a
 * table of its own, a pool6 that Jool translates and the new rules would
 * not guard), and guard_prune() after, which removes.  The plan between
 * the reads is pure (guard_plan_want(), guard_plan_diff()).
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "mix.h"
#include "nfnl.h"
#include "nftsafe.h"

/* Bump when the rules change: a table of an older layout is made again. */
#define GUARD_LAYOUT	"4"
/* The table of v6gate 0.1's counters, now part of the guard's. */
#define GUARD_OLD_COUNT	"v6gate_count"

const struct guard_set_info guard_sets[GUARD_NSETS] = {
	[GUARD_NAT64_PORTS] =	 { "nat64_ports", "nat64_ports_count", 24, 16,
				   1, 0 },
	[GUARD_NAT64_ECHO] =	 { "nat64_echo", "nat64_echo_count", 16, 16, 1,
				   0 },
	[GUARD_NAT64_HOSTS] =	 { "nat64_hosts", NULL, 16, 16, 1, 0 },
	[GUARD_NAT64_OUT] =	 { "nat64_out", "nat64_out_count", 12, 4, 1, 1 },
	[GUARD_NAT64_ECHO_OUT] = { "nat64_echo_out", "nat64_echo_out_count", 4,
				   4, 1, 1 },
	[GUARD_SIIT_V4] =	 { "siit_v4", "siit_v4_count", 4, 4, 0, 0 },
	[GUARD_SIIT_SERVERS] =	 { "siit_servers", "siit_servers_count", 16, 16,
				   0, 1 },
};

static const char *const guard_set_types[GUARD_NSETS] = {
	"ipv6_addr . inet_proto . inet_service", "ipv6_addr", "ipv6_addr",
	"ipv4_addr . inet_proto . inet_service", "ipv4_addr", "ipv4_addr",
	"ipv6_addr"
};

/* What the last successful commit left in the kernel. */
static struct {
	int			 valid;
	uint64_t		 handle;	/* of the table */
	struct guard_elems	 elems;
} guard_last;

/* ---------------------------------------------------------------- index */

static uint64_t
guard_key_hash(const struct guard_key *k)
{
	uint64_t	w[GUARD_KEY_MAX / 8];

	memcpy(w, k->key, sizeof(w));
	return mix64(w[0] ^ mix64(w[1] ^ mix64(w[2] ^ k->set)));
}

static int
guard_key_eq(const struct guard_key *a, const struct guard_key *b)
{
	/* keys are zero past their length: all of it compares */
	return a->set == b->set && memcmp(a->key, b->key, GUARD_KEY_MAX) == 0;
}

static const struct guard_key *
guard_at(const void *base, size_t stride, size_t i)
{
	return (const struct guard_key *)(const void *)((const char *)base +
	    i * stride);
}

static void
guard_index_put(uint32_t *slot, size_t nslot, const struct guard_key *k,
    size_t i)
{
	size_t	h = (size_t)guard_key_hash(k) & (nslot - 1);

	while (slot[h] != 0)
		h = (h + 1) & (nslot - 1);
	slot[h] = (uint32_t)(i + 1);
}

int
guard_index_add(struct guard_index *ix, const void *base, size_t stride,
    size_t i, size_t *dup)
{
	const struct guard_key	*k = guard_at(base, stride, i);
	uint32_t		*ns;
	size_t			 h, nn, j;

	if (i >= UINT32_MAX - 1)
		return -1;
	/* at most half full */
	if ((ix->n + 1) * 2 > ix->nslot) {
		nn = ix->nslot ? ix->nslot * 2 : 256;
		if ((ns = calloc(nn, sizeof(*ns))) == NULL)
			return -1;
		for (j = 0; j < ix->nslot; j++)
			if (ix->slot[j] != 0)
				guard_index_put(ns, nn, guard_at(base, stride,
				    ix->slot[j] - 1), ix->slot[j] - 1);
		free(ix->slot);
		ix->slot = ns;
		ix->nslot = nn;
	}
	for (h = (size_t)guard_key_hash(k) & (ix->nslot - 1); ix->slot[h] != 0;
	    h = (h + 1) & (ix->nslot - 1))
		if (guard_key_eq(guard_at(base, stride, ix->slot[h] - 1), k)) {
			if (dup != NULL)
				*dup = ix->slot[h] - 1;
			return 1;
		}
	ix->slot[h] = (uint32_t)(i + 1);
	ix->n++;
	return 0;
}

long
guard_index_find(const struct guard_index *ix, const void *base,
    size_t stride, const struct guard_key *k)
{
	size_t	h;

	if (ix->nslot == 0)
		return -1;
	for (h = (size_t)guard_key_hash(k) & (ix->nslot - 1); ix->slot[h] != 0;
	    h = (h + 1) & (ix->nslot - 1))
		if (guard_key_eq(guard_at(base, stride, ix->slot[h] - 1), k))
			return (long)ix->slot[h] - 1;
	return -1;
}

void
guard_index_free(struct guard_index *ix)
{
	free(ix->slot);
	memset(ix, 0, sizeof(*ix));
}

/* ---------------------------------------------------------------- elements */

void
guard_elems_free(struct guard_elems *ge)
{
	free(ge->v);
	guard_index_free(&ge->ix);
	memset(ge, 0, sizeof(*ge));
}

int
guard_elems_copy(struct guard_elems *dst, const struct guard_elems *src)
{
	memset(dst, 0, sizeof(*dst));
	if (src->n == 0)
		return 0;
	if ((dst->v = calloc(src->n, sizeof(*dst->v))) == NULL ||
	    (dst->ix.slot = calloc(src->ix.nslot, sizeof(*dst->ix.slot))) ==
	    NULL) {
		free(dst->v);
		dst->v = NULL;
		return -1;
	}
	memcpy(dst->v, src->v, src->n * sizeof(*dst->v));
	memcpy(dst->ix.slot, src->ix.slot, src->ix.nslot *
	    sizeof(*dst->ix.slot));
	dst->n = dst->cap = src->n;
	dst->ix.nslot = src->ix.nslot;
	dst->ix.n = src->ix.n;
	return 0;
}

long
guard_elems_owner(const struct guard_elems *ge, const struct guard_key *k)
{
	long	i = guard_index_find(&ge->ix, ge->v, sizeof(*ge->v), k);

	return i < 0 ? -1 : (long)ge->v[i].svc;
}

/*
 * Add an element (set, the key's first keylen bytes) for service svc,
 * unless one has it already.  0, or -1 when out of memory.
 */
static int
guard_elems_add(struct guard_elems *ge, uint32_t svc, int set,
    const void *key)
{
	struct guard_elem	*e;
	int			 rc;

	if (ge->n == ge->cap) {
		size_t	ncap = ge->cap ? ge->cap * 2 : 256;

		if ((e = reallocarray(ge->v, ncap, sizeof(*e))) == NULL)
			return -1;
		ge->v = e;
		ge->cap = ncap;
	}
	e = &ge->v[ge->n];
	memset(e, 0, sizeof(*e));
	e->k.set = (uint8_t)set;
	memcpy(e->k.key, key, guard_sets[set].keylen);
	e->svc = svc;
	if ((rc = guard_index_add(&ge->ix, ge->v, sizeof(*ge->v), ge->n,
	    NULL)) == -1)
		return -1;
	if (rc == 0)
		ge->n++;
	return 0;
}

/* The kernel's layout of "address . inet_proto . inet_service". */
static void
guard_key_port(uint8_t *key, const void *addr, size_t alen, enum conf_l4 l4,
    uint16_t port)
{
	memset(key, 0, GUARD_KEY_MAX);
	memcpy(key, addr, alen);
	key[alen] = l4 == CONF_L4_TCP ? 6 : 17;		/* IPPROTO_* */
	key[alen + 4] = (uint8_t)(port >> 8);		/* network order */
	key[alen + 5] = (uint8_t)port;
}

static int
guard_elems_nat64(struct guard_elems *ge, uint32_t i,
    const struct conf_service *s)
{
	uint8_t	key[GUARD_KEY_MAX];
	size_t	k;

	if (guard_elems_add(ge, i, GUARD_NAT64_HOSTS, &s->addr6) == -1)
		return -1;
	for (k = 0; k < s->nports; k++) {
		const struct conf_port *p = &s->ports[k];

		if (p->proto == CONF_L4_ICMP) {
			if (guard_elems_add(ge, i, GUARD_NAT64_ECHO,
			    &s->addr6) == -1 || guard_elems_add(ge, i,
			    GUARD_NAT64_ECHO_OUT, &s->backend4) == -1)
				return -1;
			continue;
		}
		guard_key_port(key, &s->addr6, 16, p->proto, p->port);
		if (guard_elems_add(ge, i, GUARD_NAT64_PORTS, key) == -1)
			return -1;
		guard_key_port(key, &s->backend4, 4, p->proto, p->port);
		if (guard_elems_add(ge, i, GUARD_NAT64_OUT, key) == -1)
			return -1;
	}
	return 0;
}

int
guard_elems_build(const struct gw_conf *gc, struct guard_elems *ge)
{
	size_t	i;
	int	rc = 0;

	memset(ge, 0, sizeof(*ge));
	for (i = 0; i < gc->nservices && rc == 0; i++) {
		const struct conf_service *s = &gc->services[i];

		if (s->mode == CONF_NAT64 && gc->nat64.on)
			rc = guard_elems_nat64(ge, (uint32_t)i, s);
		else if (s->mode == CONF_SIIT && gc->siit.on &&
		    (guard_elems_add(ge, (uint32_t)i, GUARD_SIIT_V4,
		    &s->siit4) == -1 || guard_elems_add(ge, (uint32_t)i,
		    GUARD_SIIT_SERVERS, &s->siit6) == -1))
			rc = -1;
	}
	if (rc == -1)
		guard_elems_free(ge);
	return rc;
}

/* ---------------------------------------------------------------- rules */

/*
 * The sizes of the counting sets: a power of two at least twice the guard
 * set's elements (what a size changes is the shape: a config twice as big
 * makes the table again, one a little bigger does not).
 */
static void
guard_sizes(struct guard_plan *gp)
{
	size_t	n[GUARD_NSETS], i;
	int	k;

	memset(n, 0, sizeof(n));
	for (i = 0; i < gp->want.n; i++)
		n[gp->want.v[i].k.set]++;
	for (k = 0; k < GUARD_NSETS; k++)
		for (gp->count_size[k] = GUARD_COUNT_MIN;
		    gp->count_size[k] < 2 * n[k] && gp->count_size[k] <
		    (1u << 30); gp->count_size[k] *= 2)
			;
}

/*
 * What decides the rules, not the elements, as the table's comment: a
 * digest of the layout, both blocks and their pool6, pool4 (its elements
 * are in the rules' text: few, with ranges), the counting sets' sizes.
 */
static void
guard_shape(const struct gw_conf *gc, struct guard_plan *gp)
{
	char	 a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN], *s = NULL;
	size_t	 slen = 0, i;
	FILE	*f;

	guard_sizes(gp);
	if ((f = open_memstream(&s, &slen)) == NULL) {
		snprintf(gp->shape, sizeof(gp->shape), "v6gate guard %s",
		    GUARD_LAYOUT);
		return;
	}
	fprintf(f, "nat64=%d %s/%u siit=%d %s/%u", gc->nat64.on,
	    inet_ntop(AF_INET6, &gc->nat64.pool6, a, sizeof(a)),
	    gc->nat64.pool6_len, gc->siit.on, inet_ntop(AF_INET6,
	    &gc->siit.pool6, b, sizeof(b)), gc->siit.pool6_len);
	for (i = 0; i < gc->nat64.npool4 && gc->nat64.on; i++)
		fprintf(f, " %s/%d/%u-%u", inet_ntop(AF_INET,
		    &gc->nat64.pool4[i].addr, a, sizeof(a)),
		    (int)gc->nat64.pool4[i].proto, gc->nat64.pool4[i].port_min,
		    gc->nat64.pool4[i].port_max);
	for (i = 0; i < GUARD_NSETS; i++)
		fprintf(f, " %u", gp->count_size[i]);
	if (fclose(f) == EOF) {
		free(s);
		s = NULL;
	}
	snprintf(gp->shape, sizeof(gp->shape), "v6gate guard %s %016llx",
	    GUARD_LAYOUT, (unsigned long long)(s ? fnv1a64(s) : 0));
	free(s);
}

static void
guard_prefix(FILE *f, const struct in6_addr *a, unsigned len)
{
	char	buf[INET6_ADDRSTRLEN];

	fprintf(f, "%s/%u", inet_ntop(AF_INET6, a, buf, sizeof(buf)), len);
}

/* pool4's addresses and ports, where answers to NAT64 clients arrive. */
static void
guard_pool4(FILE *f, const struct gw_conf *gc)
{
	char	a[INET_ADDRSTRLEN];
	size_t	i;
	int	n;

	fprintf(f, "\tset pool4 {\n\t\ttype ipv4_addr . inet_proto . "
	    "inet_service; flags interval;\n");
	for (i = n = 0; i < gc->nat64.npool4 && gc->nat64.on; i++) {
		const struct conf_pool4 *p = &gc->nat64.pool4[i];

		if (p->proto == CONF_L4_ICMP)
			continue;
		fprintf(f, "%s%s . %s . %u-%u", n++ ? ", " :
		    "\t\telements = { ", inet_ntop(AF_INET, &p->addr, a,
		    sizeof(a)), conf_l4_name(p->proto), p->port_min,
		    p->port_max);
	}
	fprintf(f, "%s\t}\n\tset pool4_icmp {\n\t\ttype ipv4_addr;\n",
	    n ? " }\n" : "");
	for (i = n = 0; i < gc->nat64.npool4 && gc->nat64.on; i++) {
		const struct conf_pool4 *p = &gc->nat64.pool4[i];

		if (p->proto != CONF_L4_ICMP)
			continue;
		fprintf(f, "%s%s", n++ ? ", " : "\t\telements = { ",
		    inet_ntop(AF_INET, &p->addr, a, sizeof(a)));
	}
	fprintf(f, "%s\t}\n", n ? " }\n" : "");
}

/*
 * The table made again, without the elements (guard_sync() adds them):
 * "add table; delete table" first, as "delete" alone fails without one.
 */
static void
guard_rules(FILE *f, const struct gw_conf *gc, const struct guard_plan *gp)
{
	size_t	k;

	fprintf(f, "add table inet %s\ndelete table inet %s\n"
	    "add table inet %s\ndelete table inet %s\n",
	    GUARD_TABLE, GUARD_TABLE, GUARD_OLD_COUNT, GUARD_OLD_COUNT);
	fprintf(f, "table inet %s {\n\tcomment \"%s\"\n"
	    "\tcounter nat64_refused { }\n\tcounter siit_refused { }\n",
	    GUARD_TABLE, gp->shape);
	for (k = 0; k < GUARD_NSETS; k++) {
		fprintf(f, "\tset %s {\n\t\ttype %s;\n\t}\n", guard_sets[k].name,
		    guard_set_types[k]);
		if (guard_sets[k].count != NULL)
			fprintf(f, "\tset %s {\n\t\ttype %s; flags dynamic; "
			    "size %u; counter;\n\t}\n", guard_sets[k].count,
			    guard_set_types[k], gp->count_size[k]);
	}
	guard_pool4(f, gc);
	fprintf(f, "\tset %s {\n\t\ttype ipv6_addr . ipv6_addr . inet_proto . "
	    "inet_service; flags dynamic, timeout; timeout 120s; size %d;\n"
	    "\t}\n\tset %s {\n\t\ttype ipv4_addr . ipv4_addr; flags "
	    "dynamic, timeout; timeout 120s; size %d;\n\t}\n",
	    GUARD_SEEN6, GUARD_SEEN_MAX, GUARD_SEEN4, GUARD_SEEN_MAX);

	/* before Jool's hooks (-75), after defragmentation (-400) */
	fprintf(f, "\tchain guard {\n\t\ttype filter hook prerouting "
	    "priority -300; policy accept;\n");
	if (gc->siit.on)
		fprintf(f, "\t\tip daddr @siit_v4 meta mark set meta mark & "
		    "0x%08x | 0x%08x update @siit_v4_count { ip daddr } goto "
		    "siit_seen\n", ~GUARD_SIIT_MASK, GUARD_SIIT_MARK);
	if (gc->nat64.on) {
		fprintf(f, "\t\tip6 daddr ");
		guard_prefix(f, &gc->nat64.pool6, gc->nat64.pool6_len);
		fprintf(f, " jump nat64\n");
		/* answers come back to a pool4 address and port (Jool's
		   ports, not the gateway's own connections to the same
		   server): counted by the backend's port */
		fprintf(f, "\t\tmeta l4proto { tcp, udp } ip daddr . meta "
		    "l4proto . th dport @pool4 ip saddr . meta l4proto . th "
		    "sport @nat64_out update @nat64_out_count { ip saddr . "
		    "meta l4proto . th sport }\n"
		    "\t\tip daddr @pool4_icmp icmp type echo-reply ip saddr "
		    "@nat64_echo_out update @nat64_echo_out_count { ip saddr "
		    "}\n");
	}
	if (gc->siit.on) {
		fprintf(f, "\t\tip6 daddr ");
		guard_prefix(f, &gc->siit.pool6, gc->siit.pool6_len);
		fprintf(f, " jump siit\n");
	}
	fprintf(f, "\t}\n");
	/*
	 * The clients, for the distinct counts: TCP and UDP other than DNS
	 * (a client seen only in ICMP or DNS is not an active user).
	 */
	if (gc->nat64.on)
		fprintf(f, "\tchain nat64 {\n"
		    "\t\tmeta l4proto { tcp, udp } th dport 53 ip6 daddr . "
		    "meta l4proto . th dport @nat64_ports update "
		    "@nat64_ports_count { ip6 daddr . meta l4proto . th dport "
		    "} accept\n"
		    "\t\tip6 daddr . meta l4proto . th dport @nat64_ports "
		    "update @nat64_ports_count { ip6 daddr . meta l4proto . "
		    "th dport } goto nat64_seen\n"
		    "\t\ticmpv6 type echo-request ip6 daddr @nat64_echo "
		    "update @nat64_echo_count { ip6 daddr } accept\n"
		    /* errors about a flow to a backend (RFC 4443 §3) */
		    "\t\ticmpv6 type { destination-unreachable, packet-too-big, "
		    "time-exceeded, parameter-problem } ip6 daddr @nat64_hosts "
		    "accept\n"
		    "\t\tcounter name nat64_refused drop\n\t}\n"
		    "\tchain nat64_seen {\n\t\tupdate @%s { ip6 saddr . ip6 "
		    "daddr . meta l4proto . th dport }\n\t\taccept\n\t}\n",
		    GUARD_SEEN6);
	if (gc->siit.on)
		fprintf(f, "\tchain siit {\n"
		    "\t\tip6 saddr @siit_servers meta mark set meta mark & "
		    "0x%08x | 0x%08x update @siit_servers_count { ip6 saddr } "
		    "accept\n"
		    "\t\tcounter name siit_refused drop\n\t}\n"
		    "\tchain siit_seen {\n\t\tmeta l4proto { tcp, udp } th "
		    "dport != 53 update @%s { ip saddr . ip daddr }\n\t}\n",
		    ~GUARD_SIIT_MASK, GUARD_SIIT_MARK, GUARD_SEEN4);
	fprintf(f, "}\n");
}

static int
guard_create(const struct gw_conf *gc, const struct guard_plan *gp,
    char *err, size_t errlen)
{
	char	*cmds = NULL;
	size_t	 len = 0;
	FILE	*f;
	int	 rc;

	if ((f = open_memstream(&cmds, &len)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	guard_rules(f, gc, gp);
	if (fclose(f) == EOF) {
		free(cmds);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = nftsafe_run(cmds, NULL, err, errlen);
	free(cmds);
	return rc;
}

/* ---------------------------------------------------------------- plan */

struct guard_readctx {
	struct guard_elems	ge;
	int			set;
	int			failed;
};

static void
guard_read_elem(void *arg, const uint8_t *key, size_t len, int counted,
    uint64_t packets, uint64_t bytes)
{
	struct guard_readctx	*r = arg;

	/* a key of another length is not one of ours: the shape says the
	   types are ours, so only a bug could put it there */
	if (len != guard_sets[r->set].keylen)
		return;
	if (guard_elems_add(&r->ge, UINT32_MAX, r->set, key) == -1)
		r->failed = 1;
}

/* What the kernel has. */
static int
guard_read(struct guard_elems *ge, char *err, size_t errlen)
{
	struct guard_readctx	r;

	memset(&r, 0, sizeof(r));
	for (r.set = 0; r.set < GUARD_NSETS; r.set++)
		if (nfnl_dump(GUARD_TABLE, guard_sets[r.set].name,
		    guard_read_elem, &r, err, errlen) == -1) {
			guard_elems_free(&r.ge);
			return -1;
		}
	if (r.failed) {
		guard_elems_free(&r.ge);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*ge = r.ge;
	return 0;
}

/*
 * The keys of a that b lacks, grouped by set (a message holds elements of
 * one set): *out malloc'd.  0, or -1 when out of memory.
 */
static int
guard_minus(const struct guard_elems *a, const struct guard_elems *b,
    struct guard_key **out, size_t *nout)
{
	size_t	count[GUARD_NSETS + 1], i, n = 0;
	int	s;

	*out = NULL;
	*nout = 0;
	memset(count, 0, sizeof(count));
	for (i = 0; i < a->n; i++)
		if (b == NULL || guard_index_find(&b->ix, b->v, sizeof(*b->v),
		    &a->v[i].k) < 0) {
			count[a->v[i].k.set + 1]++;
			n++;
		}
	if (n == 0)
		return 0;
	if ((*out = calloc(n, sizeof(**out))) == NULL)
		return -1;
	/* a counting sort: where each set's keys begin */
	for (s = 0; s < GUARD_NSETS; s++)
		count[s + 1] += count[s];
	for (i = 0; i < a->n; i++)
		if (b == NULL || guard_index_find(&b->ix, b->v, sizeof(*b->v),
		    &a->v[i].k) < 0)
			(*out)[count[a->v[i].k.set]++] = a->v[i].k;
	*nout = n;
	return 0;
}

void
guard_plan_free(struct guard_plan *gp)
{
	guard_elems_free(&gp->want);
	free(gp->gone);
	free(gp->added);
	gp->gone = gp->added = NULL;
	gp->ngone = gp->nadded = 0;
}

/* gone and added, from have to gp->want. */
static int
guard_diff(struct guard_plan *gp, const struct guard_elems *have)
{
	free(gp->gone);
	free(gp->added);
	gp->gone = gp->added = NULL;
	if (guard_minus(have, &gp->want, &gp->gone, &gp->ngone) == -1 ||
	    guard_minus(&gp->want, have, &gp->added, &gp->nadded) == -1)
		return -1;
	return 0;
}

int
guard_plan_want(const struct gw_conf *gc, struct guard_plan *gp)
{
	memset(gp, 0, sizeof(*gp));
	if (!gc->nat64.on && !gc->siit.on) {
		gp->remove = 1;
		return 0;
	}
	if (guard_elems_build(gc, &gp->want) == -1)
		return -1;
	if ((gp->nat64 = gc->nat64.on)) {
		gp->pool6.addr = gc->nat64.pool6;
		gp->pool6.len = gc->nat64.pool6_len;
	}
	guard_shape(gc, gp);
	return 0;
}

static int
guard_prefix_eq(const struct guard_prefix *a, const struct guard_prefix *b)
{
	return a->len == b->len && memcmp(&a->addr, &b->addr,
	    sizeof(a->addr)) == 0;
}

int
guard_plan_diff(struct guard_plan *gp, const char *comment,
    const struct guard_elems *have, const struct guard_prefix *live,
    size_t nlive)
{
	size_t	i;

	if (gp->remove)
		return 0;
	/* what Jool translates and these rules will not guard: held */
	for (i = 0; i < nlive && gp->nhold < GUARD_HOLD_MAX; i++)
		if (!gp->nat64 || !guard_prefix_eq(&live[i], &gp->pool6))
			gp->hold[gp->nhold++] = live[i];
	if (comment == NULL || strcmp(comment, gp->shape) != 0 ||
	    have == NULL) {
		/* rules of another shape, or none */
		gp->remake = 1;
		if (guard_minus(&gp->want, NULL, &gp->added, &gp->nadded) ==
		    -1)
			goto oom;
		return 0;
	}
	if (guard_diff(gp, have) == -1)
		goto oom;
	return 0;
oom:
	guard_plan_free(gp);
	return -1;
}

int
guard_plan(const struct gw_conf *gc, const struct guard_prefix *live,
    size_t nlive, struct guard_plan *gp, char *err, size_t errlen)
{
	struct guard_elems	 have;
	const struct guard_elems *h = NULL;
	char			 comment[128];
	int			 rc;

	if (guard_plan_want(gc, gp) == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (gp->remove)
		return 0;
	memset(&have, 0, sizeof(have));
	if ((rc = nfnl_table(GUARD_TABLE, &gp->handle, comment,
	    sizeof(comment), err, errlen)) == -1) {
		guard_plan_free(gp);
		return -1;
	}
	/* the same rules: the elements that differ, from what the last
	   commit left if this is still its table, else (a restart) read */
	if (rc == 1 && strcmp(comment, gp->shape) == 0) {
		if (guard_last.valid && guard_last.handle == gp->handle) {
			gp->from_memory = 1;
			h = &guard_last.elems;
		} else if (guard_read(&have, err, errlen) == -1) {
			guard_plan_free(gp);
			return -1;
		} else
			h = &have;
	}
	rc = guard_plan_diff(gp, rc == 1 ? comment : NULL, h, live, nlive);
	guard_elems_free(&have);
	if (rc == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* ---------------------------------------------------------------- commit */

/* Deletions (add 0) or additions of keys, in one transaction. */
static int
guard_sync(const struct guard_key *keys, size_t n, int add, char *err,
    size_t errlen)
{
	struct nfnl_batch	*b;
	size_t			 i;

	if (n == 0)
		return 0;
	if ((b = nfnl_batch_new(GUARD_TABLE)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++)
		nfnl_batch_elem(b, add, guard_sets[keys[i].set].name,
		    keys[i].key, guard_sets[keys[i].set].keylen);
	/* (a failed nfnl_batch_elem() makes the commit fail) */
	return nfnl_batch_commit(b, err, errlen);
}

static void
guard_forget(void)
{
	guard_elems_free(&guard_last.elems);
	guard_last.valid = 0;
	guard_last.handle = 0;
}

/*
 * Half of a plan's elements (add: the added, else the gone); when what
 * the last commit left was not what the kernel has (a hand edit), read
 * it, plan again, and retry.  0, or -1 with err.
 */
static int
guard_sync_half(struct guard_plan *gp, int add, char *err, size_t errlen)
{
	struct guard_elems	have;
	int			rc;

	if (guard_sync(add ? gp->added : gp->gone, add ? gp->nadded :
	    gp->ngone, add, err, errlen) == 0)
		return 0;
	if (!gp->from_memory || guard_read(&have, err, errlen) == -1)
		return -1;
	rc = guard_diff(gp, &have);
	guard_elems_free(&have);
	if (rc == -1) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	gp->from_memory = 0;
	return guard_sync(add ? gp->added : gp->gone, add ? gp->nadded :
	    gp->ngone, add, err, errlen);
}

/* The hold: every packet to gp->hold dropped, in a table of its own. */
static int
guard_hold(const struct guard_plan *gp, char *err, size_t errlen)
{
	char	 cmds[1024], a[INET6_ADDRSTRLEN];
	size_t	 i, n;

	n = (size_t)snprintf(cmds, sizeof(cmds), "add table inet %s\n"
	    "delete table inet %s\ntable inet %s {\n\tcomment \"v6gate: "
	    "what Jool translates while the guard is made again\"\n"
	    "\tchain hold {\n\t\ttype filter hook prerouting priority -310; "
	    "policy accept;\n\t\tip6 daddr { ", GUARD_HOLD_TABLE,
	    GUARD_HOLD_TABLE, GUARD_HOLD_TABLE);
	for (i = 0; i < gp->nhold && n < sizeof(cmds); i++)
		n += (size_t)snprintf(cmds + n, sizeof(cmds) - n, "%s%s/%u",
		    i ? ", " : "", inet_ntop(AF_INET6, &gp->hold[i].addr, a,
		    sizeof(a)), gp->hold[i].len);
	if (n < sizeof(cmds))
		n += (size_t)snprintf(cmds + n, sizeof(cmds) - n, " } counter "
		    "drop\n\t}\n}\n");
	if (n >= sizeof(cmds)) {
		snprintf(err, errlen, "nftables: the hold does not fit");
		return -1;
	}
	return nftsafe_run(cmds, NULL, err, errlen);
}

/* The hold gone, if there is one. */
static int
guard_unhold(char *err, size_t errlen)
{
	char		cmds[128], comment[128];
	uint64_t	handle;
	int		rc;

	if ((rc = nfnl_table(GUARD_HOLD_TABLE, &handle, comment,
	    sizeof(comment), err, errlen)) != 1)
		return rc;
	snprintf(cmds, sizeof(cmds), "delete table inet %s\n",
	    GUARD_HOLD_TABLE);
	return nftsafe_run(cmds, NULL, err, errlen);
}

int
guard_add(const struct gw_conf *gc, struct guard_plan *gp, char *err,
    size_t errlen)
{
	char	comment[128];

	if (gp->remove)
		return 0;
	/* (a failure from here on keeps the hold: closed, not open) */
	if (gp->nhold > 0 && guard_hold(gp, err, errlen) == -1)
		goto fail;
	if (gp->remake) {
		if (guard_create(gc, gp, err, errlen) == -1 ||
		    guard_sync(gp->added, gp->nadded, 1, err, errlen) == -1)
			goto fail;
		/* its handle, for the next plan to know it */
		if (nfnl_table(GUARD_TABLE, &gp->handle, comment,
		    sizeof(comment), err, errlen) != 1) {
			snprintf(err, errlen, "nftables: table inet %s "
			    "vanished", GUARD_TABLE);
			goto fail;
		}
		return 0;
	}
	if (guard_sync_half(gp, 1, err, errlen) == -1)
		goto fail;
	return 0;
fail:
	/* unknown state now: the next plan reads the kernel */
	guard_forget();
	return -1;
}

int
guard_prune(struct guard_plan *gp, int jool_ok, char *err, size_t errlen)
{
	if (gp->remove)
		/* Jool may still translate: the guard stays until it does
		   not */
		return jool_ok ? guard_remove(err, errlen) : 0;
	if (!gp->remake && guard_sync_half(gp, 0, err, errlen) == -1)
		goto fail;
	if (jool_ok && guard_unhold(err, errlen) == -1)
		goto fail;
	/* a copy: the plan's goes on to kcount_apply() */
	guard_elems_free(&guard_last.elems);
	if (guard_elems_copy(&guard_last.elems, &gp->want) == -1) {
		guard_forget();		/* the next plan reads the kernel */
		return 0;
	}
	guard_last.handle = gp->handle;
	guard_last.valid = 1;
	return 0;
fail:
	guard_forget();
	return -1;
}

int
guard_remove(char *err, size_t errlen)
{
	char	cmds[256];

	guard_forget();
	snprintf(cmds, sizeof(cmds), "add table inet %s\ndelete table inet "
	    "%s\nadd table inet %s\ndelete table inet %s\nadd table inet "
	    "%s\ndelete table inet %s\n", GUARD_TABLE, GUARD_TABLE,
	    GUARD_OLD_COUNT, GUARD_OLD_COUNT, GUARD_HOLD_TABLE,
	    GUARD_HOLD_TABLE);
	return nftsafe_run(cmds, NULL, err, errlen);
}
