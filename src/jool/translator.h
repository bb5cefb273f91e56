/* SPDX-License-Identifier: ISC */
#ifndef V6G_TRANSLATOR_H
#define V6G_TRANSLATOR_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "conf/conf.h"
#include "reconcile.h"

/*
 * The daemon's translator side (modes nat64 and siit): at start and on
 * every reload, check the module, plan the changes (a refusal changes
 * nothing), then apply them and the nftables guard.  A config without
 * nat64 or siit, and nothing left over from an earlier one, never touches
 * Jool: the module need not be loaded for a proxy-only gateway.
 */

struct translator_plan {
	int		needed;		/* anything to do with Jool at all */
	struct rec_plan	rec;
	uint64_t	t_plan;		/* ms the plan took */
};

/* Version gate, netlink, reads: 0, or -1 with err and nothing changed. */
int	translator_prepare(const struct gw_conf *, int recreate,
	    struct translator_plan *, char *, size_t);

/* Apply a prepared plan and the guard; the plan is freed. */
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
