/* SPDX-License-Identifier: ISC */
#ifndef V6G_RECONCILE_H
#define V6G_RECONCILE_H

#include <stddef.h>

#include "conf/conf.h"
#include "jool.h"

/*
 * Reconcile, never flush: read what the kernel has for the instances the
 * config names (reconcile_read), compute from that alone the smallest set
 * of changes that makes it match (reconcile_plan_state, pure: no netlink,
 * no files, no logging), then apply only that (reconcile_apply).  Sessions
 * of services that did not change survive.
 *
 * v6gated only ever changes an instance it created: those are listed in
 * state_dir/jool/instances, and an instance of the configured name that is
 * not listed there is refused, not adopted.
 */

/*
 * What the kernel has of one translator type, as far as the plan looks.
 * Filled by reconcile_read() (only the fields the plan will use in that
 * case; the others stay zero) or by hand in the unit tests.
 */
struct rec_xt_state {
	/* the name v6gate owns (ownership file), "" = none */
	char			 owned[JOOL_INAME_MAX + 1];
	/* that instance exists; read only when the config names another one
	   or none (the teardown: always) */
	int			 owned_exists;
	/* the configured instance exists */
	int			 exists;
	/* its globals (enabled, pool6); read only when it exists and is
	   owned */
	struct jool_globals	 g;
	/* NAT64: its pool4; read only when it exists, is owned and has the
	   configured pool6 (or none) */
	struct jool_pool4	*pool4;
	size_t			 npool4;
	/* SIIT: its EAM table, in any order; read only when it exists and
	   is owned */
	struct jool_eam		*eam;
	size_t			 neam;
};

struct rec_state {
	struct rec_xt_state	 nat64;
	struct rec_xt_state	 siit;
};

enum rec_kind {
	REC_INSTANCE_ADD,	/* u.pool6 (NAT64) */
	REC_INSTANCE_RM,
	REC_GLOBALS,		/* u.g */
	REC_POOL4_ADD,		/* u.p4 */
	REC_POOL4_RM,
	REC_EAM_ADD,		/* u.eam */
	REC_EAM_RM,
	REC_SIIT_ATOMIC,	/* the whole SIIT content: plan->atomic_* */
};

struct rec_op {
	enum rec_kind		 kind;
	enum jool_xt		 xt;
	char			 iname[JOOL_INAME_MAX + 1];
	union {
		struct jool_prefix6	pool6;
		struct jool_globals	g;
		struct jool_pool4	p4;
		struct jool_eam		eam;
	}			 u;
};

struct rec_plan {
	struct rec_op	*ops;
	size_t		 n, cap;
	/* REC_SIIT_ATOMIC: pool6 and every EAM entry the instance gets */
	struct jool_prefix6	 atomic_pool6;
	struct jool_eam		*atomic_eam;
	size_t			 natomic;
	/* instances v6gate owns after the plan is applied */
	char		 own_nat64[JOOL_INAME_MAX + 1];	/* "" = none */
	char		 own_siit[JOOL_INAME_MAX + 1];
};

/*
 * Read the ownership file and the kernel for gc into st (zeroed first):
 * what reconcile_plan_state() with this recreate needs.  The read stops
 * at what that plan refuses whatever else there is (an instance of the
 * configured name that v6gate does not own; without recreate, a NAT64
 * pool6 change).  Returns 0 (release st with reconcile_state_free()), or
 * -1 with err (st holds nothing).
 */
int	reconcile_read(struct jnl *, const struct gw_conf *, int recreate,
	    struct rec_state *, char *, size_t);

/*
 * Plan the changes that turn st into what gc asks for; pure.  recreate: a
 * NAT64 instance whose pool6 changed is removed and created again (its
 * sessions die); without it such a change is refused (Jool #317).  A SIIT
 * instance with many EAM changes, or a new one, gets its whole content in
 * one REC_SIIT_ATOMIC.  Returns 0, or -1 with err (the plan is empty).
 */
int	reconcile_plan_state(const struct rec_state *, const struct gw_conf *,
	    int recreate, struct rec_plan *, char *, size_t);

void	reconcile_state_free(struct rec_state *);

/* Apply a plan in order, then record ownership.  -1 with err stops at the
   first failure (what was applied stays applied, and is logged). */
int	reconcile_apply(struct jnl *, const char *state_dir,
	    const struct rec_plan *, char *, size_t);

/* A plan to remove every instance v6gate owns (v6gated --teardown):
   reads the ownership file and whether each owned instance exists, then
   reconcile_teardown_state(). */
int	reconcile_teardown(struct jnl *, const char *state_dir,
	    struct rec_plan *, char *, size_t);

/* The teardown's plan from st's owned and owned_exists; pure. */
int	reconcile_teardown_state(const struct rec_state *, struct rec_plan *,
	    char *, size_t);

/* The instance names v6gate owns, per type ("" for none): buffers of
   JOOL_INAME_MAX + 1. */
void	reconcile_owned(const char *state_dir, char *nat64, char *siit);

/* One line describing an op, for the log. */
void	reconcile_describe(const struct rec_op *, char *, size_t);

void	reconcile_free(struct rec_plan *);

#endif
