/* SPDX-License-Identifier: ISC */
#ifndef V6G_XTABLES_H
#define V6G_XTABLES_H

#include <stddef.h>

#include "conf/conf.h"

/*
 * The iptables rules (mangle PREROUTING -> chain V6GATE-SIIT -> JOOL_SIIT)
 * that hand v6gate's SIIT instance, an iptables-framework one, its packets
 * (see xtables.c for why).  Only that chain and its jump are touched.
 */

/* Make the chain match gc (removed when gc has no siit block). */
int	xtables_apply(const struct gw_conf *, char *, size_t);

/* Remove the chain and the jump, if there. */
int	xtables_remove(char *, size_t);

#endif
