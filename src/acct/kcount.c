/* SPDX-License-Identifier: ISC */
/*
 * The kernel's counters of nat64 and siit services (see kcount.h): the
 * counters of the guard's set elements (guard/guard.h), read over netlink
 * (nfnl.h), attributed to the services that own the elements.
 *
 * What was last read lives in an array indexed by element (a hash: 30,000
 * elements cost 30,000 probes, not a sort); a poll reads the sets into a
 * new one and matches each element with its last read.  The counting
 * elements of removed services are read once more, then swept (a whole
 * read happens before the guard's table is made again, when it would
 * take them with it).  The history keeps a row per
 * element whose counter has moved ("set hexkey", the owning service, the
 * table's handle, the values); only rows that changed are written.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clients.h"
#include "clock.h"
#include "counters.h"
#include "guard/guard.h"
#include "kcount.h"
#include "log.h"
#include "nfnl.h"

/* An element's counter as last read (or as the history stored it). */
struct kc {
	struct guard_key k;		/* first: indexed by it */
	uint8_t		 dirty;		/* differs from its stored row */
	uint8_t		 stored;	/* has a row */
	uint8_t		 seen;		/* in the read being merged */
	uint64_t	 table;		/* handle of the table it was read in */
	uint64_t	 packets, bytes;
	struct acct_service *owner;	/* whose counts these are, or NULL */
};

struct kc_tab {
	struct kc		*v;
	size_t			 n, cap;
	struct guard_index	 ix;
	int			 failed;
};

#define KC_NAME_MAX	(16 + 2 * GUARD_KEY_MAX + 2)

static struct kc_tab	 kc;		/* the last read */
static struct guard_elems kc_elems;	/* the running config's elements */
static struct acct_service **kc_svcs;	/* its services' counters */
static char		(*kc_gone)[KC_NAME_MAX];	/* rows to delete */
static size_t		 kc_ngone;
static time_t		 kc_seen_at;	/* last read of the seen sets */

/* Counters read per millisecond between two polls (see kcount_poll()). */
#define KCOUNT_PER_MS		20
/* Seen sets are read every this many seconds; elements live 120 s. */
#define KCOUNT_SEEN_EVERY	10
static int		 kc_known;	/* the history's values are in */
static int		 kc_active;	/* the config counts something */
static int		 kc_dirty;	/* something to store */
static int		 kc_owned;	/* kc_elems is some config's */
static int		 kc_read;	/* a whole read was made */

static void
kc_tab_free(struct kc_tab *t)
{
	free(t->v);
	guard_index_free(&t->ix);
	memset(t, 0, sizeof(*t));
}

/* A new entry for key k (zeroed but for it), or the one that has it. */
static struct kc *
kc_tab_add(struct kc_tab *t, const struct guard_key *k)
{
	struct kc	*n;
	size_t		 dup;
	int		 rc;

	if (t->failed)
		return NULL;
	if (t->n == t->cap) {
		size_t	ncap = t->cap ? t->cap * 2 : 256;

		if ((n = reallocarray(t->v, ncap, sizeof(*n))) == NULL) {
			t->failed = 1;
			return NULL;
		}
		t->v = n;
		t->cap = ncap;
	}
	n = &t->v[t->n];
	memset(n, 0, sizeof(*n));
	n->k = *k;
	if ((rc = guard_index_add(&t->ix, t->v, sizeof(*t->v), t->n, &dup)) ==
	    -1) {
		t->failed = 1;
		return NULL;
	}
	if (rc == 1)
		return &t->v[dup];
	return &t->v[t->n++];
}

static struct kc *
kc_tab_find(const struct kc_tab *t, const struct guard_key *k)
{
	long	i = guard_index_find(&t->ix, t->v, sizeof(*t->v), k);

	return i < 0 ? NULL : &t->v[i];
}

/* The service that owns an element now, or NULL. */
static struct acct_service *
kc_owner(const struct guard_key *k)
{
	long	i = guard_elems_owner(&kc_elems, k);

	return i < 0 ? NULL : kc_svcs[i];
}

/* ---------------------------------------------------------------- names */

/* The history's name of an element: "set hexkey". */
static void
kc_name(const struct guard_key *k, char *buf, size_t len)
{
	size_t	i, o;

	o = (size_t)snprintf(buf, len, "%s ", guard_sets[k->set].name);
	for (i = 0; i < guard_sets[k->set].keylen && o + 3 <= len; i++)
		o += (size_t)snprintf(buf + o, len - o, "%02x", k->key[i]);
}

static int
kc_name_parse(const char *name, struct guard_key *k)
{
	const char	*sp = strchr(name, ' ');
	size_t		 i, n;
	int		 s;
	unsigned	 b;

	if (sp == NULL)
		return -1;
	n = (size_t)(sp - name);
	for (s = 0; s < GUARD_NSETS; s++)
		if (strlen(guard_sets[s].name) == n &&
		    strncmp(guard_sets[s].name, name, n) == 0)
			break;
	if (s == GUARD_NSETS || guard_sets[s].count == NULL ||
	    strlen(sp + 1) != 2 * (size_t)guard_sets[s].keylen)
		return -1;
	memset(k, 0, sizeof(*k));
	k->set = (uint8_t)s;
	for (i = 0; i < guard_sets[s].keylen; i++) {
		if (sscanf(sp + 1 + 2 * i, "%2x", &b) != 1)
			return -1;
		k->key[i] = (uint8_t)b;
	}
	return 0;
}

/* An element as nft shows it, for the log: "2001:db8::5 . tcp . 25". */
static void
kc_text(const struct guard_key *k, char *buf, size_t len)
{
	char		a[INET6_ADDRSTRLEN];
	int		alen = guard_sets[k->set].alen;

	inet_ntop(alen == 16 ? AF_INET6 : AF_INET, k->key, a, sizeof(a));
	if (guard_sets[k->set].keylen == alen)
		snprintf(buf, len, "%s %s", guard_sets[k->set].name, a);
	else
		snprintf(buf, len, "%s %s . %s . %u", guard_sets[k->set].name,
		    a, k->key[alen] == 6 ? "tcp" : k->key[alen] == 17 ? "udp" :
		    "?", (unsigned)k->key[alen + 4] << 8 | k->key[alen + 5]);
}

/* A row of the history that must go (its element is gone). */
static void
kc_forget(const struct kc *k)
{
	char	(*g)[KC_NAME_MAX];

	if (!k->stored)
		return;
	if ((g = reallocarray(kc_gone, kc_ngone + 1, sizeof(*g))) == NULL) {
		/* the row stays, harmless: a new element of that key is
		   told apart by its values or its table */
		log_warn("%s", __func__);
		return;
	}
	kc_gone = g;
	kc_name(&k->k, kc_gone[kc_ngone++], KC_NAME_MAX);
	kc_dirty = 1;
}

static void
kc_forget_all(void)
{
	size_t	i;

	for (i = 0; i < kc.n; i++)
		kc_forget(&kc.v[i]);
	kc_tab_free(&kc);
}

/* ---------------------------------------------------------------- history */

void
kcount_last(const char *elem, const char *service, uint64_t table,
    uint64_t packets, uint64_t bytes)
{
	struct guard_key	 k;
	struct kc		*n;

	if (kc_name_parse(elem, &k) == -1 || (n = kc_tab_add(&kc, &k)) ==
	    NULL)
		return;
	n->stored = 1;
	n->table = table;
	n->packets = packets;
	n->bytes = bytes;
	n->owner = service[0] ? acct_service_get(service) : NULL;
}

void
kcount_last_known(const char *boot)
{
	char	now[64];

	/* after a reboot every counter started again from zero; without
	   a boot id (some containers) the handles and values still tell */
	if (kcount_boot_id(now, sizeof(now)) == 0 && boot != NULL &&
	    boot[0] != '\0' && strcmp(boot, now) != 0) {
		if (kc.n > 0)
			log_info("nftables counters: a new boot, counting "
			    "from their values");
		kc_forget_all();
	}
	kc_known = 1;
}

int
kcount_boot_id(char *buf, size_t len)
{
	FILE	*f;
	int	 rc = -1;

	if ((f = fopen("/proc/sys/kernel/random/boot_id", "r")) == NULL)
		return -1;
	if (fgets(buf, (int)len, f) != NULL) {
		buf[strcspn(buf, "\n")] = '\0';
		rc = 0;
	}
	fclose(f);
	return rc;
}

int
kcount_store(kcount_put_fn *put, kcount_del_fn *del, char *err,
    size_t errlen)
{
	char	name[KC_NAME_MAX];
	size_t	i;

	for (i = 0; i < kc_ngone; i++)
		if (del(kc_gone[i], err, errlen) == -1)
			return -1;
	for (i = 0; i < kc.n; i++) {
		if (!kc.v[i].dirty)
			continue;
		kc_name(&kc.v[i].k, name, sizeof(name));
		if (put(name, kc.v[i].owner ? kc.v[i].owner->name : "",
		    kc.v[i].table, kc.v[i].packets, kc.v[i].bytes, err,
		    errlen) == -1)
			return -1;
	}
	return 0;
}

int
kcount_dirty(void)
{
	return kc_dirty;
}

void
kcount_stored(void)
{
	size_t	i;

	for (i = 0; i < kc.n; i++)
		if (kc.v[i].dirty) {
			kc.v[i].dirty = 0;
			kc.v[i].stored = 1;
		}
	free(kc_gone);
	kc_gone = NULL;
	kc_ngone = 0;
	kc_dirty = 0;
}

/* ---------------------------------------------------------------- reads */

/*
 * An element read now (k, of the new read) against its last read (old,
 * NULL: not read before): account what moved to its owner.
 */
static void
kcount_account(struct kc *old, struct kc *k, uint64_t table,
    uint64_t packets, uint64_t bytes)
{
	const struct guard_set_info	*si = &guard_sets[k->k.set];
	struct acct_cell		*cell;
	uint64_t			 dp, db;
	int				 moved;
	char				 t[128];

	if (old == NULL) {
		/* new since the last read: all of it is new */
		k->owner = kc_owner(&k->k);
		dp = packets;
		db = bytes;
		moved = packets != 0 || bytes != 0;
	} else if (old->table != table) {
		/* the table was made again (logged once) */
		dp = packets;
		db = bytes;
		moved = 1;
	} else if (packets < old->packets || bytes < old->bytes) {
		/* reset, or the element made again: from zero again */
		kc_text(&k->k, t, sizeof(t));
		log_info("nftables counter of %s (%s) was reset (was %llu "
		    "bytes, now %llu); counting from its new value",
		    old->owner ? old->owner->name : "no service", t,
		    (unsigned long long)old->bytes, (unsigned long long)bytes);
		dp = packets;
		db = bytes;
		moved = 1;
	} else {
		dp = packets - old->packets;
		db = bytes - old->bytes;
		moved = dp != 0 || db != 0;
	}
	if (old != NULL) {
		k->owner = old->owner;
		k->stored = old->stored;
		k->dirty = old->dirty;
	}
	k->table = table;
	k->packets = packets;
	k->bytes = bytes;
	/* a row only for what moved once: a silent element needs none */
	if (moved) {
		k->dirty = 1;
		kc_dirty = 1;
	}
	if ((dp == 0 && db == 0) || k->owner == NULL)
		return;
	cell = &k->owner->kern[si->nat64 ? ACCT_IPV6 : ACCT_IPV4];
	if (si->out) {
		cell->packets_out += dp;
		cell->bytes_out += db;
	} else {
		cell->packets_in += dp;
		cell->bytes_in += db;
	}
}

struct kc_readctx {
	struct kc_tab	 r;		/* a whole read */
	int		 set;
	uint64_t	 table;
};

/* An element of a whole read: into the new table, matched with the old. */
static void
kcount_read_one(void *arg, const uint8_t *key, size_t len, int counted,
    uint64_t packets, uint64_t bytes)
{
	struct kc_readctx	*rc = arg;
	struct guard_key	 k;
	struct kc		*n, *old;

	if (!counted || len != guard_sets[rc->set].keylen)
		return;
	memset(&k, 0, sizeof(k));
	k.set = (uint8_t)rc->set;
	memcpy(k.key, key, len);
	if ((n = kc_tab_add(&rc->r, &k)) == NULL)
		return;
	if ((old = kc_tab_find(&kc, &k)) != NULL)
		old->seen = 1;
	kcount_account(old, n, rc->table, packets, bytes);
}

/* seen6: client6 . addr6 . proto . port; the service by its port */
static void
kcount_seen6(void *arg, const uint8_t *key, size_t len, int counted,
    uint64_t packets, uint64_t bytes)
{
	struct acct_service	*as;
	struct guard_key	 k;

	if (len != 40)
		return;
	memset(&k, 0, sizeof(k));
	k.set = GUARD_NAT64_PORTS;
	memcpy(k.key, key + 16, 24);
	if ((as = kc_owner(&k)) != NULL)
		clients_seen(as, ACCT_IPV6, key);
}

/* seen4: client4 . siit4 */
static void
kcount_seen4(void *arg, const uint8_t *key, size_t len, int counted,
    uint64_t packets, uint64_t bytes)
{
	struct acct_service	*as;
	struct guard_key	 k;
	uint8_t			 c[16];

	if (len != 8)
		return;
	memset(&k, 0, sizeof(k));
	k.set = GUARD_SIIT_V4;
	memcpy(k.key, key + 4, 4);
	if ((as = kc_owner(&k)) == NULL)
		return;
	memset(c, 0, 10);
	c[10] = c[11] = 0xff;		/* ::ffff:a.b.c.d */
	memcpy(c + 12, key, 4);
	clients_seen(as, ACCT_IPV4, c);
}

/* The clients seen lately: elements live 120 s after a client's last
   packet, reads are at most KCOUNT_SEEN_EVERY s apart (or a checkpoint,
   at most 60 s). */
static void
kcount_seen(void)
{
	char	err[256];

	if (nfnl_dump(GUARD_TABLE, GUARD_SEEN6, kcount_seen6, NULL, err,
	    sizeof(err)) == -1 || nfnl_dump(GUARD_TABLE, GUARD_SEEN4,
	    kcount_seen4, NULL, err, sizeof(err)) == -1)
		log_debug("%s", err);
	kc_seen_at = time(NULL);
}

/*
 * Counting elements of services that are gone: their last counts were just
 * read, for the services that had them; nothing counts in them any more
 * (the guard no longer lets their packets through), so they go, from the
 * kernel and from the history.
 */
static void
kcount_sweep(void)
{
	struct nfnl_batch	*b;
	struct kc_tab		 keep;
	struct kc		*n;
	char			 err[256];
	size_t			 i, gone = 0;

	if (!kc_owned)
		return;
	for (i = 0; i < kc.n; i++)
		if (kc_owner(&kc.v[i].k) == NULL)
			gone++;
	if (gone == 0 || (b = nfnl_batch_new(GUARD_TABLE)) == NULL)
		return;
	for (i = 0; i < kc.n; i++)
		if (kc_owner(&kc.v[i].k) == NULL)
			nfnl_batch_elem(b, 0, guard_sets[kc.v[i].k.set].count,
			    kc.v[i].k.key, guard_sets[kc.v[i].k.set].keylen);
	if (nfnl_batch_commit(b, err, sizeof(err)) == -1) {
		/* (tried again at the next read) */
		log_debug("%s", err);
		return;
	}
	memset(&keep, 0, sizeof(keep));
	for (i = 0; i < kc.n; i++) {
		if (kc_owner(&kc.v[i].k) == NULL) {
			kc_forget(&kc.v[i]);
			continue;
		}
		if ((n = kc_tab_add(&keep, &kc.v[i].k)) != NULL)
			*n = kc.v[i];
	}
	if (keep.failed) {
		kc_tab_free(&keep);	/* the next read sees them gone */
		return;
	}
	kc_tab_free(&kc);
	kc = keep;
}

/* Every counted element, and the clients seen when due (or seen). */
static int
kcount_read(int seen, char *err, size_t errlen)
{
	struct kc_readctx	 rc;
	size_t			 i;
	int			 t;

	memset(&rc, 0, sizeof(rc));
	if ((t = nfnl_table(GUARD_TABLE, &rc.table, NULL, 0, err,
	    errlen)) == -1)
		return -1;	/* unknown: every counter kept as it was */
	if (t == 0) {
		kc_forget_all();	/* gone, and nothing to read */
		kc_read = 1;
		return 0;
	}
	if (kc.n > 0 && kc.v[0].table != rc.table)
		log_info("nftables table inet %s was made again: its counters "
		    "count from their values", GUARD_TABLE);
	for (i = 0; i < kc.n; i++)
		kc.v[i].seen = 0;
	for (rc.set = 0; rc.set < GUARD_NSETS; rc.set++)
		if (guard_sets[rc.set].count != NULL && nfnl_dump(GUARD_TABLE,
		    guard_sets[rc.set].count, kcount_read_one, &rc, err,
		    errlen) == -1)
			break;
	if (rc.set < GUARD_NSETS || rc.r.failed) {
		/* what was accounted stays accounted: the entries read
		   replace their old ones or join them (new ones were
		   counted whole), the others are kept */
		for (i = 0; i < rc.r.n; i++) {
			struct kc *old = kc_tab_find(&kc, &rc.r.v[i].k);

			if (old != NULL || (old = kc_tab_add(&kc,
			    &rc.r.v[i].k)) != NULL)
				*old = rc.r.v[i];
		}
		kc_tab_free(&rc.r);
		if (rc.set == GUARD_NSETS)
			snprintf(err, errlen, "nftables counters: out of "
			    "memory");
		return -1;
	}
	/* what the read did not find is gone */
	for (i = 0; i < kc.n; i++)
		if (!kc.v[i].seen)
			kc_forget(&kc.v[i]);
	kc_tab_free(&kc);
	kc = rc.r;
	kc_read = 1;
	kcount_sweep();
	if (seen || time(NULL) - kc_seen_at >= KCOUNT_SEEN_EVERY)
		kcount_seen();
	return 0;
}

int
kcount_poll(char *err, size_t errlen)
{
	static uint64_t	next;
	uint64_t	t0 = clock_ms(CLOCK_MONOTONIC);
	int		rc;

	/* a proxy-only gateway never touches nftables */
	if (!kc_known || !kc_active || t0 < next)
		return 0;
	rc = kcount_read(0, err, errlen);
	/* a big table less often than every checkpoint: reading 30,000
	   counters costs about 15 ms, kept under 1 % of the time (by the
	   count, not the clock: a slow read must not slow the counts of a
	   small table) */
	next = t0 + kc.n / KCOUNT_PER_MS;
	return rc;
}

int
kcount_poll_all(char *err, size_t errlen)
{
	if (!kc_known || !kc_active)
		return 0;
	return kcount_read(1, err, errlen);
}

/*
 * The elements gc gives its services (guard_plan()'s), as kc_elems and
 * kc_svcs: take, or a copy of keep (which stays the caller's).
 */
static int
kcount_owners(const struct gw_conf *gc, struct guard_elems *take,
    const struct guard_elems *keep)
{
	struct acct_service	**svcs = NULL;
	size_t			  i;

	guard_elems_free(&kc_elems);
	free(kc_svcs);
	kc_svcs = NULL;
	kc_owned = 1;
	if (gc->nservices > 0 && (svcs = calloc(gc->nservices,
	    sizeof(*svcs))) == NULL)
		return -1;
	if (take != NULL) {
		kc_elems = *take;
		memset(take, 0, sizeof(*take));
	} else if (guard_elems_copy(&kc_elems, keep) == -1) {
		free(svcs);
		return -1;
	}
	for (i = 0; i < gc->nservices; i++)
		if (gc->services[i].mode == CONF_NAT64 ||
		    gc->services[i].mode == CONF_SIIT)
			svcs[i] = acct_service_get(gc->services[i].name);
	kc_svcs = svcs;
	return 0;
}

int
kcount_before(const struct gw_conf *gc, const struct guard_plan *gp,
    char *err, size_t errlen)
{
	/* at a start, what no stored row names is gc's: its owners are
	   the only ones known (later, the running config's are) */
	if (!kc_owned && kcount_owners(gc, NULL, &gp->want) == -1) {
		snprintf(err, errlen, "nftables counters: out of memory");
		return -1;
	}
	if (!kc_known)
		return 0;
	/* the first read of this run, or the table goes: everything */
	if (!kc_read || gp->remake || gp->remove)
		return kcount_read(1, err, errlen);
	/* the counting elements of what goes stay until the next read
	   (kcount_sweep()); the clients seen are matched to services by
	   the guard's elements: theirs now */
	if (gp->ngone > 0)
		kcount_seen();
	return 0;
}

int
kcount_apply(const struct gw_conf *gc, struct guard_elems *elems)
{
	struct acct_service	*as;
	size_t			 i;

	kc_active = gc->nat64.on || gc->siit.on;
	if (kcount_owners(gc, elems, NULL) == -1)
		return -1;
	if (!kc_active) {
		kc_forget_all();	/* the table went with the guard */
		return 0;
	}
	/* the elements that stay may change hands: counted for the new
	   owner from now on */
	for (i = 0; i < kc.n; i++)
		if ((as = kc_owner(&kc.v[i].k)) != NULL &&
		    as != kc.v[i].owner) {
			kc.v[i].owner = as;
			if (kc.v[i].stored) {
				kc.v[i].dirty = 1;
				kc_dirty = 1;
			}
		}
	return 0;
}
