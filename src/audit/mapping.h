/* SPDX-License-Identifier: ISC */
#ifndef V6G_MAPPING_H
#define V6G_MAPPING_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "jool/msg.h"

/*
 * Jool's NAT64 mappings into the audit log: what a server behind NAT64
 * logged (a pool4 address and port) leads back to the IPv6 client, as
 * the proxy's records do.  The source is Jool's session table, read over
 * Generic Netlink every MAPPING_POLL_MS: a mapping is written when it is
 * first seen and when it is gone (its times are within the time between
 * polls, which each line says: poll_ms), so that every mapping that lived
 * at least that long is in the log, even across a kill -9 of the daemon.  Jool
 * keeps a session at least a minute after its last packet (ICMP; TCP and
 * UDP longer), so in practice none is missed.  The alternative, the joold
 * multicast group, sends sessions as they change but only where session
 * synchronization is on, and drops what its buffer cannot take.
 * Main thread only.
 */

#define MAPPING_POLL_MS	10000

/* Read the sessions; write the mappings that began and those that
   ended.  -1 with err (Jool unreachable: tried again). */
int	mapping_poll(const struct gw_conf *, char *, size_t);

/*
 * Where the sessions come from: Jool over Generic Netlink, here, unless
 * the daemon says otherwise (its unprivileged process asks the privileged
 * one).  As jool_session_list(): *s malloc'd.
 */
typedef int	mapping_read_fn(const char *instance, uint8_t l4,
		    struct jool_session **s, size_t *n, char *, size_t);
void	mapping_set_reader(mapping_read_fn *);

/* At a stop: write what is known, "still active" (Jool goes on). */
void	mapping_flush(void);

#endif
