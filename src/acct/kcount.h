/* SPDX-License-Identifier: ISC */
#ifndef V6G_KCOUNT_H
#define V6G_KCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "guard/guard.h"

/*
 * The traffic of nat64 and siit services, which never passes through the
 * daemon: counted by the kernel, by the guard's own lookups (guard.h),
 * in a counter per set element, before translation, in both directions:
 *
 *   nat64  in:  IPv6 packets to the service's pool6 address and ports
 *               (TCP, UDP; ICMP echo requests if it lists "icmp")  (ipv6)
 *          out: IPv4 packets from its backend and those ports to a pool4
 *               address (and echo replies)
 *   siit   in:  IPv4 packets to the service's EAM IPv4 address  (ipv4)
 *          out: IPv6 packets from its IPv6 server to SIIT's pool6
 *
 * Units: IP bytes (headers included) and packets, as they arrive.  The
 * family is the clients'.  Each checkpoint reads the elements' counters
 * and adds what moved since the last read to the services' counters
 * (counters.h); the last values read are stored with the totals, in the
 * same transaction, so a restart or a kill -9 continues exactly where the
 * history stopped.  An element's counts go to the service that owned it
 * when they were counted (stored with them: a restart with another config
 * gives nothing to the wrong service).  A counter that went backwards or
 * was made again (a reboot, the table or the element deleted by hand)
 * restarts from its new value: never a negative delta, never counted
 * twice.  "Made again" is told by the table's handle (new for each table
 * within a boot) and the boot's id.  Main thread only.
 */

/*
 * Read the counters and account what moved; the sets of clients seen are
 * read every few seconds.  Does nothing until the history has given the
 * last values (kcount_last): without them a restart could count twice.
 * 0, or -1 with err.
 */
int	kcount_poll(char *, size_t);
/* The same, the clients seen included, now (a last read at a stop). */
int	kcount_poll_all(char *, size_t);

/*
 * Before the guard commits gp: read what the elements it removes hold (all
 * of them at the first read of a run, or when the table goes or is made
 * again), and the clients seen, so that nothing they counted is lost.  At
 * a start, gc names the owners of the elements no stored row knows.  0, or
 * -1 with err.
 */
int	kcount_before(const struct gw_conf *, const struct guard_plan *,
	    char *, size_t);

/*
 * Count gc's services from now on: which service owns which element,
 * after guard_commit() made them; elems (gc's, guard_plan() built them) is
 * taken.  -1 when out of memory.
 */
int	kcount_apply(const struct gw_conf *, struct guard_elems *);

/*
 * The history's side: the last values read, loaded at its start with the
 * boot they were read in (kcount_last_known() marks them known, even with
 * none, and forgets them if the kernel booted since), and the changes
 * since the last store written with each checkpoint, with this boot's id.
 */
void	kcount_last(const char *elem, const char *service, uint64_t table,
	    uint64_t packets, uint64_t bytes);
void	kcount_last_known(const char *boot);
int	kcount_boot_id(char *, size_t);

typedef int kcount_put_fn(const char *elem, const char *service,
    uint64_t table, uint64_t packets, uint64_t bytes, char *, size_t);
typedef int kcount_del_fn(const char *elem, char *, size_t);
int	kcount_store(kcount_put_fn *, kcount_del_fn *, char *, size_t);
int	kcount_dirty(void);
void	kcount_stored(void);

#endif
