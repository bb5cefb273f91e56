/* SPDX-License-Identifier: ISC */
#ifndef V6G_KCOUNT_H
#define V6G_KCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"

/*
 * The traffic of nat64 and siit services, which never passes through the
 * daemon: counted by the kernel, in nftables counters of a table v6gated
 * owns, "inet v6gate_count", whose prerouting chain runs after the guard
 * (-300) and before Jool (-75), so it sees each packet once, before
 * translation, in both directions:
 *
 *   nat64  in:  IPv6 packets to the service's pool6 address and ports
 *               (TCP, UDP; ICMP echo requests if it lists "icmp")  (ipv6)
 *          out: IPv4 packets from its backend and those ports to a pool4
 *               address (and echo replies)
 *   siit   in:  IPv4 packets to the service's EAM IPv4 address  (ipv4)
 *          out: IPv6 packets from its IPv6 server to SIIT's pool6
 *
 * Units: IP bytes (headers included) and packets, as they arrive.  The
 * family is the clients'.  Each checkpoint reads the counters and adds
 * what moved since the last read to the services' counters (counters.h);
 * the last values read are stored with the totals, in the same
 * transaction, so a restart or a kill -9 continues exactly where the
 * history stopped.  A counter that went backwards or was recreated (a
 * reboot, the table deleted by hand) restarts from its new value: never a
 * negative delta, never counted twice.  "Recreated" is told by the table's
 * handle (new for each table within a boot) and the boot's id.  Main
 * thread only.
 */

#define KCOUNT_TABLE	"v6gate_count"

/*
 * Read the counters and account what moved.  Does nothing until the
 * history has given the last values (kcount_last): without them a restart
 * could count twice.  0, or -1 with err (nft's message).
 */
int	kcount_poll(char *, size_t);

/*
 * Make the table count gc's nat64 and siit services, in one nftables
 * transaction; counters of services that stay keep their values.  Polls
 * first, so that what the counters of removed services held is kept.  No
 * such service: the table goes.  0, or -1 with err.
 */
int	kcount_apply(const struct gw_conf *, char *, size_t);

/* Remove the table (v6gated --teardown). */
int	kcount_remove(char *, size_t);

/*
 * The history's side: the last values read, loaded at its start with the
 * boot they were read in (kcount_last_known() marks them known, even with
 * none, and forgets them if the kernel booted since), and stored with each
 * checkpoint with this boot's id.
 */
void	kcount_last(const char *name, uint64_t handle, uint64_t packets,
	    uint64_t bytes);
void	kcount_last_known(const char *boot);
int	kcount_boot_id(char *, size_t);
int	kcount_foreach(int (*)(void *, const char *, uint64_t, uint64_t,
	    uint64_t), void *);
int	kcount_dirty(void);
void	kcount_stored(void);

#endif
