/* SPDX-License-Identifier: ISC */
#ifndef V6G_GUARD_H
#define V6G_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>

#include "conf/conf.h"

/*
 * The translator is not an open door.  Jool translates toward any IPv4
 * address a client embeds in pool6, which would open the whole internal
 * IPv4 network to the IPv6 Internet; v6gated therefore owns an nftables
 * table, "inet v6gate", whose prerouting chain runs before Jool (priority
 * -300 < -75) and lets through to pool6 only the configured backends and
 * ports (and, for SIIT, only replies from the configured IPv6 servers).
 * Nothing else of the host's firewall is touched.
 *
 * The same rules count the traffic of nat64 and siit services: a packet
 * the guard lets through (and, for the answers of nat64 servers, a packet
 * from a configured backend port to pool4) is counted in a dynamic set
 * beside the set that matched it, under the same key, read by kcount.c.
 * Those counting elements are made by the first packet, not by an apply:
 * the 10,000 services nobody uses cost no counter (a counter is a per-CPU
 * allocation, three times the cost of an element).  A packet is counted
 * once, as it arrived, before translation.
 */

#define GUARD_TABLE	"v6gate"

/*
 * The packet mark (in the bits of GUARD_SIIT_MASK) that the guard sets on
 * what the SIIT instance must translate, and xtables.c's rules match.
 * Other mark bits are left as they are.
 */
#define GUARD_SIIT_MARK	0x76360000u
#define GUARD_SIIT_MASK	0xffff0000u

/* The sets whose elements follow the services. */
enum guard_set {
	GUARD_NAT64_PORTS,	/* addr6 . proto . port: a nat64 port, in */
	GUARD_NAT64_ECHO,	/* addr6: ICMPv6 echo requests, in */
	GUARD_NAT64_HOSTS,	/* addr6: ICMPv6 errors (not counted) */
	GUARD_NAT64_OUT,	/* backend4 . proto . port: answers, out */
	GUARD_NAT64_ECHO_OUT,	/* backend4: echo replies, out */
	GUARD_SIIT_V4,		/* ipv4: a siit service's clients, in */
	GUARD_SIIT_SERVERS,	/* ipv6: its server's answers, out */
	GUARD_NSETS
};

struct guard_set_info {
	const char	*name;
	const char	*count;		/* its counting set, or NULL */
	uint8_t		 keylen;	/* bytes, in the kernel's layout */
	uint8_t		 alen;		/* of them the address's: 4 or 16 */
	uint8_t		 nat64;		/* else siit */
	uint8_t		 out;		/* answers (server -> client) */
};

extern const struct guard_set_info guard_sets[GUARD_NSETS];

/* The clients lately seen (kcount.c reads them): a dynamic set each. */
#define GUARD_SEEN6	"seen6"	/* client6 . addr6 . proto . port: 40 bytes */
#define GUARD_SEEN4	"seen4"	/* client4 . siit4: 8 bytes */
#define GUARD_SEEN_MAX	262144	/* clients in two minutes */
/* A counting set holds twice its guard set's elements, at least this many
   (the kernel sizes its hash table by it: no more than that) */
#define GUARD_COUNT_MIN	4096

#define GUARD_KEY_MAX	24

/* An element: its set and its key, zero-padded after keylen bytes. */
struct guard_key {
	uint8_t		set;		/* enum guard_set */
	uint8_t		key[GUARD_KEY_MAX];
};

/*
 * Arrays of structures that begin with a struct guard_key, indexed by it:
 * a hash with linear probing, built once and only added to.  30,000
 * elements cost a hash each, not a sort.
 */
struct guard_index {
	uint32_t	*slot;		/* array index + 1; 0: empty */
	size_t		 nslot, n;
};

/* Index base[i]: 0, 1 when its key is there already (*dup: the index
   that has it), -1 when out of memory. */
int	guard_index_add(struct guard_index *, const void *base, size_t stride,
	    size_t i, size_t *dup);
/* The index of key in base, or -1. */
long	guard_index_find(const struct guard_index *, const void *base,
	    size_t stride, const struct guard_key *);
void	guard_index_free(struct guard_index *);

/* An element a config needs, and the service that needs it. */
struct guard_elem {
	struct guard_key k;
	uint32_t	 svc;		/* index in gc->services */
};

/* The elements of a config: each once, owned by the first service in the
   file that needs it (two services on one backend share its address). */
struct guard_elems {
	struct guard_elem	*v;	/* in the config's order */
	size_t			 n, cap;
	struct guard_index	 ix;
};

/* 0, or -1 when out of memory. */
int	guard_elems_build(const struct gw_conf *, struct guard_elems *);
int	guard_elems_copy(struct guard_elems *, const struct guard_elems *);
/* The service (index in gc->services) that owns an element, or -1. */
long	guard_elems_owner(const struct guard_elems *, const struct guard_key *);
void	guard_elems_free(struct guard_elems *);

/* A prefix Jool translates (a NAT64 instance's pool6). */
struct guard_prefix {
	struct in6_addr	 addr;
	uint8_t		 len;
};

/*
 * The hold: a table of its own that drops every packet to the prefixes it
 * names, made while the guard's table is made again without them and Jool
 * still translates them (a pool6 changed with --recreate-nat64, the nat64
 * block removed while siit stays); removed once Jool forgot them.
 */
#define GUARD_HOLD_TABLE	"v6gate_hold"
#define GUARD_HOLD_MAX		2

/*
 * What a commit will do, planned from reads only.  It is carried out in
 * two halves around Jool's changes, so that the translator is never an
 * open door: guard_add() before (the table, made again if its shape
 * changed, and the elements new services need: nothing is removed), and
 * guard_prune() after (the elements of services that are gone, the hold,
 * or the whole table when no translator is left).
 */
struct guard_plan {
	int			 remove;	/* no translator: the table goes */
	int			 remake;	/* the table is made again */
	struct guard_elems	 want;
	struct guard_key	*gone, *added;	/* remake: gone unused */
	size_t			 ngone, nadded;
	struct guard_prefix	 pool6;		/* the NAT64 pool6 it guards
						   (len 0 with nat64 off) */
	int			 nat64;		/* nat64 is on */
	struct guard_prefix	 hold[GUARD_HOLD_MAX];
	size_t			 nhold;
	uint64_t		 handle;	/* of the table planned against */
	int			 from_memory;	/* the last apply's, not a read */
	uint32_t		 count_size[GUARD_NSETS];
	char			 shape[64];
};

/*
 * Plan gc: when the table's rules keep their shape (the blocks, their
 * pool6, pool4, the sizes of the counting sets), only the elements that
 * differ from what the kernel has (remembered from the last commit if the
 * table is still its own, else read); otherwise the whole table.  live:
 * the NAT64 prefixes Jool translates now (its instance's pool6), held
 * while a table made again does not guard them.  0, or -1 with err.
 */
int	guard_plan(const struct gw_conf *, const struct guard_prefix *live,
	    size_t nlive, struct guard_plan *, char *, size_t);

/*
 * guard_plan()'s two pure halves, without a read: what gc wants (its
 * elements, the counting sets' sizes, the shape), then the difference with
 * what the kernel has: comment is the table's (NULL: no table), have its
 * elements (read only when the comment is the shape: NULL otherwise).
 * 0, or -1 when out of memory (the plan is then freed).
 */
int	guard_plan_want(const struct gw_conf *, struct guard_plan *);
int	guard_plan_diff(struct guard_plan *, const char *comment,
	    const struct guard_elems *have, const struct guard_prefix *live,
	    size_t nlive);

/*
 * Before Jool changes: the hold, the table made again if it must be (in
 * between, a few milliseconds, packets to pool6 are dropped, never let
 * through), and the elements added, in one nftables transaction.  Nothing
 * is removed.  On failure Jool must not be changed: what the kernel has
 * then lets nothing through that it did not before.  0, or -1 with err.
 */
int	guard_add(const struct gw_conf *, struct guard_plan *, char *, size_t);

/*
 * After Jool changes: the elements of services that are gone, then the
 * hold (jool_ok: Jool's changes all went through; else the hold stays, and
 * the next plan reads again what Jool translates); or the whole table when
 * no translator is left.  0, or -1 with err.
 */
int	guard_prune(struct guard_plan *, int jool_ok, char *, size_t);
void	guard_plan_free(struct guard_plan *);

/* Remove the table and the hold (v6gated --teardown, or no translator
   left). */
int	guard_remove(char *, size_t);

#endif
