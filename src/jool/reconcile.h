/* SPDX-License-Identifier: ISC */
#ifndef V6G_RECONCILE_H
#define V6G_RECONCILE_H

#include <stddef.h>

#include "conf/conf.h"
#include "jool.h"

/*
 * Reconcile, never flush: read what the kernel has for the instances the
 * config names, compute the smallest set of changes that makes it match,
 * then apply only that.  Sessions of services that did not change survive.
 *
 * v6gated only ever changes an instance it created: those are listed in
 * state_dir/jool-instances, and an instance of the configured name that is
 * not listed there is refused, not adopted.
 */

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
 * Read the kernel and the ownership file and plan the changes for gc.
 * recreate: a NAT64 instance whose pool6 changed is removed and created
 * again (its sessions die); without it such a change is refused (Jool
 * #317).  Returns 0, or -1 with err (nothing was changed).
 */
int	reconcile_plan(struct jnl *, const struct gw_conf *, int recreate,
	    struct rec_plan *, char *, size_t);

/* Apply a plan in order, then record ownership.  -1 with err stops at the
   first failure (what was applied stays applied, and is logged). */
int	reconcile_apply(struct jnl *, const char *state_dir,
	    const struct rec_plan *, char *, size_t);

/* A plan to remove every instance v6gate owns (v6gated --teardown). */
int	reconcile_teardown(struct jnl *, const char *state_dir,
	    struct rec_plan *, char *, size_t);

/* The instance names v6gate owns, per type ("" for none): buffers of
   JOOL_INAME_MAX + 1. */
void	reconcile_owned(const char *state_dir, char *nat64, char *siit);

/* One line describing an op, for the log. */
void	reconcile_describe(const struct rec_op *, char *, size_t);

void	reconcile_free(struct rec_plan *);

#endif
