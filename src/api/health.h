/* SPDX-License-Identifier: ISC */
#ifndef V6G_HEALTH_H
#define V6G_HEALTH_H

#include <stdio.h>

#include <json-c/json.h>

#include "snap/snap.h"

/*
 * "v6gatectl health": whether this gateway can serve, for keepalived's
 * vrrp_script (and BIRD, a load balancer, a monitor).  Healthy when
 *  - every listener of the live configuration has its sockets listening
 *    on its address (one per worker), and
 *  - every proxy service has a backend that takes new connections: up by
 *    its checks (or unchecked) and not drained; a backup backend counts.
 * A listener bound with FREEBIND whose address is not on this host (yet)
 * is "bound, address not local": healthy, as a keepalived backup is before
 * VRRP gives it the address.  NAT64 and SIIT services are the kernel's
 * and are not judged here ("v6gatectl jool").  That the daemon answers at
 * all, in time, is the client's part (v6gatectl.c).  Reads only.
 */

/* The report; *healthy set to 1 or 0. */
json_object	*health_json(const struct snap *, int *healthy);
void		 health_text(json_object *, FILE *);

#endif
