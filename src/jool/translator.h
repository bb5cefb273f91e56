/* SPDX-License-Identifier: ISC */
#ifndef V6G_TRANSLATOR_H
#define V6G_TRANSLATOR_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "conf/conf.h"
#include "guard/guard.h"
#include "reconcile.h"

/*
 * The daemon's translator side (modes nat64 and siit): at start and on
 * every reload, check the module, plan the changes from reads only (a
 * refusal changes nothing), then carry them out in an order that never
 * leaves the translator an open door: the nftables guard's additions
 * before Jool is told anything, its removals after Jool forgot.  A config
 * without nat64 or siit, and nothing left over from an earlier one, never
 * touches Jool: the module need not be loaded for a proxy-only gateway.
 * Counting the guard's elements (acct/kcount.h) is the daemon's: it reads
 * before a commit and follows the plan's elements after it.
 */

struct translator_plan {
	int			 needed;	/* anything to do with Jool */
	struct rec_plan		 rec;
	struct guard_plan	 guard;
	/* the NAT64 pool6 Jool translates now, if any */
	struct guard_prefix	 live[1];
	size_t			 nlive;
	int			 guarded;	/* commit: the guard has the
						   plan's elements */
	uint64_t		 t_plan;	/* ms the plan took */
};

/* Version gate, netlink, reads: 0, or -1 with err and nothing changed. */
int	translator_prepare(const struct gw_conf *, int recreate,
	    struct translator_plan *, char *, size_t);

/* The steps of a commit, in their order (see translator_steps()). */
enum translator_step {
	TS_GUARD_ADD,		/* the guard's table and new elements (and
				   the hold): nothing removed */
	TS_JOOL,		/* Jool's changes (reconcile.h) */
	TS_XTABLES,		/* SIIT's iptables rule (xtables.h) */
	TS_GUARD_PRUNE,		/* the elements of services gone, the hold;
				   the table when no translator is left */
};
#define TRANSLATOR_NSTEPS	4

/* The steps a plan needs, in order, into steps[TRANSLATOR_NSTEPS];
   returns how many. */
size_t	translator_steps(const struct translator_plan *,
	    enum translator_step *);

/*
 * Carry a prepared plan out.  A guard that cannot be put in place fails
 * the commit before Jool is changed; a Jool change that fails leaves the
 * guard with the elements of the old and the new configuration, and what
 * Jool may still translate held.  The plan stays for kcount_apply();
 * free it with translator_discard().  0, or -1 with err.
 */
int	translator_commit(const struct gw_conf *, struct translator_plan *,
	    char *, size_t);

void	translator_discard(struct translator_plan *);

/* "v6gatectl jool": module, instances, tables, counters. */
json_object *translator_status(const struct gw_conf *);
void	translator_status_text(json_object *, FILE *);

/* "v6gatectl jool sessions": the NAT64 instance's sessions, all
   protocols: who (IPv6 client), seen as which pool4 address, to what. */
json_object *translator_sessions(const struct gw_conf *);
void	translator_sessions_text(json_object *, FILE *);

/* Remove the instances v6gate created and the guard table, only those. */
int	translator_teardown(const char *state_dir, char *, size_t);

#endif
