/* SPDX-License-Identifier: ISC */
#ifndef V6G_GUARD_H
#define V6G_GUARD_H

#include <stddef.h>

#include "conf/conf.h"

/*
 * The translator is not an open door.  Jool translates toward any IPv4
 * address a client embeds in pool6, which would open the whole internal
 * IPv4 network to the IPv6 Internet; v6gated therefore owns an nftables
 * table, "inet v6gate", whose prerouting chain runs before Jool (priority
 * -300 < -75) and lets through to pool6 only the configured backends and
 * ports (and, for SIIT, only replies from the configured IPv6 servers).
 * Nothing else of the host's firewall is touched.
 */

#define GUARD_TABLE	"v6gate"

/*
 * The packet mark (in the bits of GUARD_SIIT_MASK) that the guard sets on
 * what the SIIT instance must translate, and xtables.c's rules match.
 * Other mark bits are left as they are.
 */
#define GUARD_SIIT_MARK	0x76360000u
#define GUARD_SIIT_MASK	0xffff0000u

/* The whole table for gc, as nft(8) text (malloc'd). */
char	*guard_ruleset(const struct gw_conf *);

/*
 * Make the table match gc in one nftables transaction: only the set
 * elements that changed when the rules keep their shape, the whole table
 * otherwise (the old rules stay until the new ones are in).  A config
 * without nat64 or siit removes the table.  0, or -1 with err (nft's own
 * message).
 */
int	guard_apply(const struct gw_conf *, char *, size_t);

/* Remove the table (v6gated --teardown). */
int	guard_remove(char *, size_t);

#endif
