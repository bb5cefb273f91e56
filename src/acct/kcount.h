/* SPDX-License-Identifier: ISC */
#ifndef V6G_KCOUNT_H
#define V6G_KCOUNT_H

#include <stddef.h>
#include <stdint.h>

#include "acct/counters.h"
#include "conf/conf.h"
#include "guard/guard.h"
#include "nfnl.h"

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

/* How the table is reached: nfnl_local (nfnl.h) unless the daemon says
   otherwise (its unprivileged process asks the privileged one). */
void	kcount_set_io(const struct nfnl_io *);
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
 * once the guard's commit (guard_add(), guard_prune()) made them; elems
 * (gc's, guard_plan() built them) is taken.  -1 when out of memory.
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

/*
 * The attribution, pure (no netlink, no log, no global; kcount.c's I/O
 * half reads, plans, applies): which service each element's counts go
 * to, and what moved since the last read.
 *
 * Owners are the services' counters (counters.h), compared and handed
 * back, never read or written here: a stored row's owner may be a service
 * the running config no longer has.  The owner map is a config's elements
 * (guard_elems_build(), service index each) and svcs[] the counters of
 * those services by the same index (NULL for the ones not counted).
 */

/* An element's counter as last read (or as the history stored it). */
struct kcount_elem {
	struct guard_key	 k;		/* first: indexed by it */
	uint8_t			 dirty;		/* differs from its stored
						   row */
	uint8_t			 stored;	/* has a row */
	uint64_t		 table;		/* handle of the table it was
						   read in */
	uint64_t		 packets, bytes;
	struct acct_service	*owner;		/* whose counts these are, or
						   NULL: nobody's */
};

/* What was last read, and what the history must learn of it. */
struct kcount_state {
	struct kcount_elem	*v;
	size_t			 n, cap;
	struct guard_index	 ix;
	struct guard_key	*gone;		/* stored rows to delete */
	size_t			 ngone, capgone;
	int			 dirty;		/* something to store */
	char			 boot[64];	/* the boot its values were
						   read in ("": unknown) */
};

/* A read of the counting sets. */
struct kcount_val {
	struct guard_key	 k;
	uint64_t		 packets, bytes;
};

struct kcount_read {
	struct kcount_val	*v;
	size_t			 n, cap;
	uint64_t		 table;		/* the table's handle */
	char			 boot[64];	/* this boot's id ("":
						   unknown) */
	int			 whole;		/* every set was read: what it
						   lacks is gone */
	int			 failed;	/* out of memory: not whole */
};

/* What moved for one owner. */
struct kcount_delta {
	struct acct_service	*svc;
	struct acct_cell	 kern[ACCT_NFAMILY];	/* packets_in, bytes_in,
							   packets_out,
							   bytes_out only */
};

/* A counter that went backwards (for the log). */
struct kcount_reset {
	struct guard_key	 k;
	struct acct_service	*owner;
	uint64_t		 was, now;	/* bytes */
};

struct kcount_plan {
	struct kcount_state	 next;		/* replaces the one planned
						   against */
	struct kcount_delta	*delta;		/* an owner each, in the order
						   first counted */
	size_t			 ndelta;
	struct kcount_reset	*reset;		/* in the read's order */
	size_t			 nreset;
	size_t			*sweep;		/* next.v[] of services that
						   are gone: to delete */
	size_t			 nsweep;
	int			 remade;	/* the table is not the one of
						   the last read */
	int			 reboot;	/* the last values are of
						   another boot */
};

/*
 * Plan a read rd against prev: each element read that prev has counts
 * what it moved since (all of it when its counter went backwards, its
 * table's handle changed, or prev's values are of another boot), for the
 * owner prev gives it; an element prev lacks counts whole, for its owner
 * in the map (owners NULL: none known yet, nobody's).  What a whole read
 * lacks is gone (its row deleted); a partial read keeps it.  After a whole
 * read with a map, the elements it no longer names are to be swept (read
 * once more here, for their last owner).  prev is not changed; *plan is
 * the caller's (kcount_plan_free()) only on success.  0, or -1 with err
 * (out of memory).
 */
int	kcount_plan(const struct kcount_state *prev,
	    const struct kcount_read *rd, const struct guard_elems *owners,
	    struct acct_service *const *svcs, struct kcount_plan *,
	    char *, size_t);
void	kcount_plan_free(struct kcount_plan *);

/* Add an element's values to a read; on failure rd->failed is set. */
void	kcount_read_add(struct kcount_read *, const struct guard_key *,
	    uint64_t packets, uint64_t bytes);
void	kcount_read_free(struct kcount_read *);

/* A new element for k (zeroed but for it), or the one that has it; NULL
   when out of memory. */
struct kcount_elem *kcount_state_add(struct kcount_state *,
	    const struct guard_key *);
struct kcount_elem *kcount_state_find(const struct kcount_state *,
	    const struct guard_key *);
/* Forget every element, their rows to delete; -1 when out of memory
   (the rows then stay, the elements go all the same). */
int	kcount_state_forget_all(struct kcount_state *);
/* The owners of the map from now on, for the elements it names: 1 when
   a stored row changed hands (dirty), else 0. */
int	kcount_state_reown(struct kcount_state *, const struct guard_elems *,
	    struct acct_service *const *svcs);
/* Drop the elements idx[n] (ascending) once swept, their rows to delete;
   0, or -1 when out of memory (the state unchanged). */
int	kcount_state_drop(struct kcount_state *, const size_t *idx, size_t n);
/* The history has stored every dirty row and deleted the gone ones. */
void	kcount_state_stored(struct kcount_state *);
void	kcount_state_free(struct kcount_state *);

/*
 * A client seen: an element of seen6 (v6, 40 bytes: client6 . addr6 .
 * proto . port) or seen4 (8 bytes: client4 . siit4).  The service (index
 * in owners' config) whose element it reached, or -1; client: its
 * address, IPv4 as ::ffff:a.b.c.d.
 */
long	kcount_seen_match(const struct guard_elems *owners, int v6,
	    const uint8_t *key, size_t len, uint8_t client[16]);

#endif
