/* SPDX-License-Identifier: ISC */
/*
 * The kernel's counters of nat64 and siit services (see kcount.h): the
 * counters of the guard's set elements (guard/guard.h), read over netlink
 * (nfnl.h), attributed to the services that own the elements.
 *
 * In two halves.  The attribution (kcount_plan() and the state it works
 * on) is pure: from the last read, a new one and the owner map it decides
 * what moved and for whom, and never touches the kernel, the log or a
 * global, so that its cases are unit tests (tests/unit/test_kcount.c).
 * The I/O half reads the sets, logs what the plan reports, adds its
 * deltas to the services' counters and sweeps.
 *
 * What was last read lives in an array indexed by element (a hash: 30,000
 * elements cost 30,000 probes, not a sort); a plan matches each element
 * of a new read with its last read.  The counting elements of removed
 * services are read once more, then swept (a whole read happens before
 * the guard's table is made again, when it would take them with it).  The
 * history keeps a row per element whose counter has moved ("set hexkey",
 * the owning service, the table's handle, the values); only rows that
 * changed are written.
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

#define KC_NAME_MAX	(16 + 2 * GUARD_KEY_MAX + 2)

/* ---------------------------------------------------------------- plan */

/* n things of size each, never NULL for none (malloc(0) may be NULL) */
static void *
kc_alloc(size_t n, size_t size)
{
	return calloc(n ? n : 1, size);
}

/* The service an owner map gives an element, or NULL. */
static struct acct_service *
kc_map_owner(const struct guard_elems *owners,
    struct acct_service *const *svcs, const struct guard_key *k)
{
	long	i;

	if (owners == NULL || svcs == NULL ||
	    (i = guard_elems_owner(owners, k)) < 0)
		return NULL;
	return svcs[i];
}

/* Values read in boot then are not now's (both known, and they differ). */
static int
kc_other_boot(const char *then, const char *now)
{
	return then != NULL && now != NULL && then[0] != '\0' &&
	    now[0] != '\0' && strcmp(then, now) != 0;
}

/* Room for n more rows to delete. */
static int
kc_gone_reserve(struct kcount_state *st, size_t n)
{
	struct guard_key	*g;
	size_t			 ncap;

	if (st->ngone + n <= st->capgone)
		return 0;
	ncap = st->ngone + n;
	if (ncap < 2 * st->capgone)
		ncap = 2 * st->capgone;
	if ((g = reallocarray(st->gone, ncap, sizeof(*g))) == NULL)
		return -1;
	st->gone = g;
	st->capgone = ncap;
	return 0;
}

/* Element e's row must go (its element is gone); room reserved. */
static void
kc_forget(struct kcount_state *st, const struct kcount_elem *e)
{
	if (!e->stored)
		return;
	st->gone[st->ngone++] = e->k;
	st->dirty = 1;
}

struct kcount_elem *
kcount_state_add(struct kcount_state *st, const struct guard_key *k)
{
	struct kcount_elem	*n;
	size_t			 dup;
	int			 rc;

	if (st->n == st->cap) {
		size_t	ncap = st->cap ? st->cap * 2 : 256;

		if ((n = reallocarray(st->v, ncap, sizeof(*n))) == NULL)
			return NULL;
		st->v = n;
		st->cap = ncap;
	}
	n = &st->v[st->n];
	memset(n, 0, sizeof(*n));
	n->k = *k;
	if ((rc = guard_index_add(&st->ix, st->v, sizeof(*st->v), st->n,
	    &dup)) == -1)
		return NULL;
	if (rc == 1)
		return &st->v[dup];
	return &st->v[st->n++];
}

struct kcount_elem *
kcount_state_find(const struct kcount_state *st, const struct guard_key *k)
{
	long	i = guard_index_find(&st->ix, st->v, sizeof(*st->v), k);

	return i < 0 ? NULL : &st->v[i];
}

/* The elements only: what the history must learn stays. */
static void
kc_state_clear(struct kcount_state *st)
{
	free(st->v);
	guard_index_free(&st->ix);
	st->v = NULL;
	st->n = st->cap = 0;
}

int
kcount_state_forget_all(struct kcount_state *st)
{
	size_t	i;
	int	rc = 0;

	/* without room the rows stay, harmless: a new element of that key
	   is told apart by its values or its table */
	if (kc_gone_reserve(st, st->n) == -1)
		rc = -1;
	else
		for (i = 0; i < st->n; i++)
			kc_forget(st, &st->v[i]);
	kc_state_clear(st);
	return rc;
}

int
kcount_state_reown(struct kcount_state *st, const struct guard_elems *owners,
    struct acct_service *const *svcs)
{
	struct acct_service	*as;
	size_t			 i;
	int			 rc = 0;

	for (i = 0; i < st->n; i++)
		if ((as = kc_map_owner(owners, svcs, &st->v[i].k)) != NULL &&
		    as != st->v[i].owner) {
			st->v[i].owner = as;
			if (st->v[i].stored) {
				st->v[i].dirty = 1;
				st->dirty = 1;
				rc = 1;
			}
		}
	return rc;
}

int
kcount_state_drop(struct kcount_state *st, const size_t *idx, size_t n)
{
	struct kcount_state	 keep;
	struct kcount_elem	*e;
	size_t			 i, j;

	if (n == 0)
		return 0;
	memset(&keep, 0, sizeof(keep));
	if (kc_gone_reserve(st, n) == -1)
		return -1;
	for (i = 0, j = 0; i < st->n; i++) {
		if (j < n && idx[j] == i) {
			j++;
			continue;
		}
		if ((e = kcount_state_add(&keep, &st->v[i].k)) == NULL) {
			kc_state_clear(&keep);
			return -1;
		}
		*e = st->v[i];
	}
	for (j = 0; j < n; j++)
		kc_forget(st, &st->v[idx[j]]);
	kc_state_clear(st);
	st->v = keep.v;
	st->n = keep.n;
	st->cap = keep.cap;
	st->ix = keep.ix;
	return 0;
}

void
kcount_state_stored(struct kcount_state *st)
{
	size_t	i;

	for (i = 0; i < st->n; i++)
		if (st->v[i].dirty) {
			st->v[i].dirty = 0;
			st->v[i].stored = 1;
		}
	free(st->gone);
	st->gone = NULL;
	st->ngone = st->capgone = 0;
	st->dirty = 0;
}

void
kcount_state_free(struct kcount_state *st)
{
	kc_state_clear(st);
	free(st->gone);
	memset(st, 0, sizeof(*st));
}

void
kcount_read_add(struct kcount_read *rd, const struct guard_key *k,
    uint64_t packets, uint64_t bytes)
{
	struct kcount_val	*v;

	if (rd->failed)
		return;
	if (rd->n == rd->cap) {
		size_t	ncap = rd->cap ? rd->cap * 2 : 256;

		if ((v = reallocarray(rd->v, ncap, sizeof(*v))) == NULL) {
			rd->failed = 1;
			return;
		}
		rd->v = v;
		rd->cap = ncap;
	}
	v = &rd->v[rd->n++];
	v->k = *k;
	v->packets = packets;
	v->bytes = bytes;
}

void
kcount_read_free(struct kcount_read *rd)
{
	free(rd->v);
	rd->v = NULL;
	rd->n = rd->cap = 0;
}

static size_t
kc_ptr_hash(const void *p)
{
	uint64_t	h = (uint64_t)(uintptr_t)p;

	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return (size_t)h;
}

/*
 * What element k moved (dp, db) for owner: into the owner's delta, found
 * by a hash of nslot slots (delta index + 1; at least twice the elements
 * read, so never full), made on its first count.
 */
static void
kc_plan_count(struct kcount_plan *p, uint32_t *slot, size_t nslot,
    struct acct_service *owner, const struct guard_key *k, uint64_t dp,
    uint64_t db)
{
	const struct guard_set_info	*si = &guard_sets[k->set];
	struct kcount_delta		*d;
	struct acct_cell		*c;
	size_t				 h;

	for (h = kc_ptr_hash(owner) & (nslot - 1); slot[h] != 0;
	    h = (h + 1) & (nslot - 1))
		if (p->delta[slot[h] - 1].svc == owner)
			break;
	if (slot[h] == 0) {
		d = &p->delta[p->ndelta++];
		memset(d, 0, sizeof(*d));
		d->svc = owner;
		slot[h] = (uint32_t)p->ndelta;
	}
	d = &p->delta[slot[h] - 1];
	/* the family is the clients': nat64's are IPv6, siit's IPv4 */
	c = &d->kern[si->nat64 ? ACCT_IPV6 : ACCT_IPV4];
	if (si->out) {
		c->packets_out += dp;
		c->bytes_out += db;
	} else {
		c->packets_in += dp;
		c->bytes_in += db;
	}
}

void
kcount_plan_free(struct kcount_plan *p)
{
	kcount_state_free(&p->next);
	free(p->delta);
	free(p->reset);
	free(p->sweep);
	memset(p, 0, sizeof(*p));
}

int
kcount_plan(const struct kcount_state *prev, const struct kcount_read *rd,
    const struct guard_elems *owners, struct acct_service *const *svcs,
    struct kcount_plan *p, char *err, size_t errlen)
{
	struct kcount_state	*nx = &p->next;
	const struct kcount_elem *old;
	const struct kcount_val	*r;
	struct kcount_elem	*n;
	uint8_t			*seen = NULL;	/* prev's elements read */
	uint32_t		*slot = NULL;
	size_t			 i, dup, nslot, cap;
	uint64_t		 dp, db;
	int			 whole, moved, rc;

	memset(p, 0, sizeof(*p));
	whole = rd->whole && !rd->failed;
	/* after a reboot every counter started again from zero: the last
	   values are nobody's to subtract, their owners no longer told */
	p->reboot = kc_other_boot(prev->boot, rd->boot);
	p->remade = !p->reboot && prev->n > 0 && prev->v[0].table !=
	    rd->table;
	for (nslot = 16; nslot < 2 * rd->n; nslot *= 2)
		;
	cap = rd->n + (whole ? 0 : prev->n);
	if ((nx->v = kc_alloc(cap, sizeof(*nx->v))) == NULL)
		goto fail;
	nx->cap = cap ? cap : 1;
	nx->dirty = prev->dirty;
	snprintf(nx->boot, sizeof(nx->boot), "%s", rd->boot[0] != '\0' ?
	    rd->boot : prev->boot);
	/* the rows to delete so far, and room for all of prev's */
	if (kc_gone_reserve(nx, prev->ngone + prev->n) == -1)
		goto fail;
	if (prev->ngone > 0)
		memcpy(nx->gone, prev->gone, prev->ngone * sizeof(*nx->gone));
	nx->ngone = prev->ngone;
	if ((seen = kc_alloc(prev->n, 1)) == NULL ||
	    (slot = kc_alloc(nslot, sizeof(*slot))) == NULL ||
	    (p->delta = kc_alloc(rd->n, sizeof(*p->delta))) == NULL ||
	    (p->reset = kc_alloc(rd->n, sizeof(*p->reset))) == NULL ||
	    (p->sweep = kc_alloc(cap, sizeof(*p->sweep))) == NULL)
		goto fail;

	for (i = 0; i < rd->n; i++) {
		r = &rd->v[i];
		n = &nx->v[nx->n];
		memset(n, 0, sizeof(*n));
		n->k = r->k;
		if ((rc = guard_index_add(&nx->ix, nx->v, sizeof(*nx->v),
		    nx->n, &dup)) == -1)
			goto fail;
		if (rc == 1)
			continue;	/* read twice: the first one counts */
		nx->n++;
		old = p->reboot ? NULL : kcount_state_find(prev, &r->k);
		if (old == NULL) {
			/* new since the last read: all of it is new, its
			   owner the map's */
			n->owner = kc_map_owner(owners, svcs, &r->k);
			dp = r->packets;
			db = r->bytes;
			moved = dp != 0 || db != 0;
		} else {
			seen[old - prev->v] = 1;
			if (old->table != rd->table) {
				/* the table was made again (one report) */
				dp = r->packets;
				db = r->bytes;
				moved = 1;
			} else if (r->packets < old->packets ||
			    r->bytes < old->bytes) {
				/* reset, or the element made again: from
				   zero again, never a negative delta */
				p->reset[p->nreset].k = r->k;
				p->reset[p->nreset].owner = old->owner;
				p->reset[p->nreset].was = old->bytes;
				p->reset[p->nreset++].now = r->bytes;
				dp = r->packets;
				db = r->bytes;
				moved = 1;
			} else {
				dp = r->packets - old->packets;
				db = r->bytes - old->bytes;
				moved = dp != 0 || db != 0;
			}
			/* the owner when it was counted: a stored row's,
			   or the map's since kcount_state_reown() */
			n->owner = old->owner;
			n->stored = old->stored;
			n->dirty = old->dirty;
		}
		n->table = rd->table;
		n->packets = r->packets;
		n->bytes = r->bytes;
		/* a row only for what moved once: a silent element needs
		   none */
		if (moved) {
			n->dirty = 1;
			nx->dirty = 1;
		}
		if ((dp != 0 || db != 0) && n->owner != NULL)
			kc_plan_count(p, slot, nslot, n->owner, &n->k, dp, db);
	}

	/* what a whole read did not find is gone; a partial one keeps it
	   (what it read replaced its last values, the rest stays) */
	for (i = 0; i < prev->n; i++) {
		if (seen[i])
			continue;
		if (whole || p->reboot) {
			kc_forget(nx, &prev->v[i]);
			continue;
		}
		n = &nx->v[nx->n];
		*n = prev->v[i];
		if (guard_index_add(&nx->ix, nx->v, sizeof(*nx->v), nx->n,
		    &dup) == -1)
			goto fail;
		nx->n++;
	}

	/* the counting elements of services that are gone: just read for
	   the services that had them, nothing counts in them any more (the
	   guard no longer lets their packets through) */
	if (whole && owners != NULL)
		for (i = 0; i < nx->n; i++)
			if (kc_map_owner(owners, svcs, &nx->v[i].k) == NULL)
				p->sweep[p->nsweep++] = i;
	free(seen);
	free(slot);
	return 0;
fail:
	free(seen);
	free(slot);
	kcount_plan_free(p);
	snprintf(err, errlen, "nftables counters: out of memory");
	return -1;
}

long
kcount_seen_match(const struct guard_elems *owners, int v6,
    const uint8_t *key, size_t len, uint8_t client[16])
{
	struct guard_key	k;

	memset(&k, 0, sizeof(k));
	if (v6) {
		/* seen6: client6 . addr6 . proto . port; the service by
		   its port */
		if (len != 40)
			return -1;
		k.set = GUARD_NAT64_PORTS;
		memcpy(k.key, key + 16, 24);
		memcpy(client, key, 16);
	} else {
		/* seen4: client4 . siit4 */
		if (len != 8)
			return -1;
		k.set = GUARD_SIIT_V4;
		memcpy(k.key, key + 4, 4);
		memset(client, 0, 10);
		client[10] = client[11] = 0xff;		/* ::ffff:a.b.c.d */
		memcpy(client + 12, key, 4);
	}
	return owners != NULL ? guard_elems_owner(owners, &k) : -1;
}

/* ---------------------------------------------------------------- I/O */

static struct kcount_state kc;		/* the last read */
static struct guard_elems kc_elems;	/* the running config's elements */
static struct acct_service **kc_svcs;	/* its services' counters */
static time_t		 kc_seen_at;	/* last read of the seen sets */

/* Counters read per millisecond between two polls (see kcount_poll()). */
#define KCOUNT_PER_MS		20
/* Seen sets are read every this many seconds; elements live 120 s. */
#define KCOUNT_SEEN_EVERY	10
static int		 kc_known;	/* the history's values are in */
static int		 kc_active;	/* the config counts something */
static int		 kc_owned;	/* kc_elems is some config's */
static int		 kc_read;	/* a whole read was made */
static const struct nfnl_io *kc_io = &nfnl_local;	/* the kernel's table */

static void
kc_forget_all(void)
{
	if (kcount_state_forget_all(&kc) == -1)
		log_warn("%s", __func__);
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

/* ---------------------------------------------------------------- history */

void
kcount_last(const char *elem, const char *service, uint64_t table,
    uint64_t packets, uint64_t bytes)
{
	struct guard_key	 k;
	struct kcount_elem	*n;

	if (kc_name_parse(elem, &k) == -1 || (n = kcount_state_add(&kc,
	    &k)) == NULL)
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
	   a boot id (some containers) the handles and values still tell.
	   Forgotten now, not at the first read, so that no checkpoint in
	   between stores the old values as this boot's. */
	if (kcount_boot_id(now, sizeof(now)) == -1)
		now[0] = '\0';
	if (kc_other_boot(boot, now)) {
		if (kc.n > 0)
			log_info("nftables counters: a new boot, counting "
			    "from their values");
		kc_forget_all();
	}
	/* the values are this boot's from now on (kcount_plan() checks) */
	if (now[0] != '\0')
		snprintf(kc.boot, sizeof(kc.boot), "%s", now);
	else if (boot != NULL)
		snprintf(kc.boot, sizeof(kc.boot), "%s", boot);
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

	for (i = 0; i < kc.ngone; i++) {
		kc_name(&kc.gone[i], name, sizeof(name));
		if (del(name, err, errlen) == -1)
			return -1;
	}
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
	return kc.dirty;
}

void
kcount_stored(void)
{
	kcount_state_stored(&kc);
}

/* ---------------------------------------------------------------- reads */

struct kc_readctx {
	struct kcount_read	*rd;
	int			 set;
};

/* An element of a whole read: into the read. */
static void
kcount_read_one(void *arg, const uint8_t *key, size_t len, int counted,
    uint64_t packets, uint64_t bytes)
{
	struct kc_readctx	*rc = arg;
	struct guard_key	 k;

	if (!counted || len != guard_sets[rc->set].keylen)
		return;
	memset(&k, 0, sizeof(k));
	k.set = (uint8_t)rc->set;
	memcpy(k.key, key, len);
	kcount_read_add(rc->rd, &k, packets, bytes);
}

/* A client seen: to the service whose element it reached. */
static void
kcount_seen_one(void *arg, const uint8_t *key, size_t len, int counted,
    uint64_t packets, uint64_t bytes)
{
	int	v6 = *(const int *)arg;
	uint8_t	c[16];
	long	i;

	if ((i = kcount_seen_match(&kc_elems, v6, key, len, c)) >= 0 &&
	    kc_svcs[i] != NULL)
		clients_seen(kc_svcs[i], v6 ? ACCT_IPV6 : ACCT_IPV4, c);
}

/* The clients seen lately: elements live 120 s after a client's last
   packet, reads are at most KCOUNT_SEEN_EVERY s apart (or a checkpoint,
   at most 60 s). */
static void
kcount_seen(void)
{
	static const int	v6 = 1, v4 = 0;
	char			err[256];

	if (kc_io->dump(GUARD_TABLE, GUARD_SEEN6, kcount_seen_one,
	    (void *)&v6, err, sizeof(err)) == -1 || kc_io->dump(GUARD_TABLE,
	    GUARD_SEEN4, kcount_seen_one, (void *)&v4, err, sizeof(err)) ==
	    -1)
		log_debug("%s", err);
	kc_seen_at = time(NULL);
}

/* What a plan reports, as the log has always said it. */
static void
kcount_log(const struct kcount_plan *p)
{
	const struct kcount_reset	*r;
	char				 t[128];
	size_t				 i;

	if (p->remade)
		log_info("nftables table inet %s was made again: its counters "
		    "count from their values", GUARD_TABLE);
	for (i = 0; i < p->nreset; i++) {
		r = &p->reset[i];
		kc_text(&r->k, t, sizeof(t));
		log_info("nftables counter of %s (%s) was reset (was %llu "
		    "bytes, now %llu); counting from its new value",
		    r->owner ? r->owner->name : "no service", t,
		    (unsigned long long)r->was, (unsigned long long)r->now);
	}
}

/* A plan's deltas, to the services' kernel counters. */
static void
kcount_add(const struct kcount_plan *p)
{
	const struct kcount_delta	*d;
	struct acct_cell		*c;
	size_t				 i;
	int				 f;

	for (i = 0; i < p->ndelta; i++) {
		d = &p->delta[i];
		for (f = 0; f < ACCT_NFAMILY; f++) {
			c = &d->svc->kern[f];
			c->packets_in += d->kern[f].packets_in;
			c->bytes_in += d->kern[f].bytes_in;
			c->packets_out += d->kern[f].packets_out;
			c->bytes_out += d->kern[f].bytes_out;
		}
	}
}

/*
 * The counting elements of services that are gone (the plan's sweep),
 * from the kernel, then from the state and the history.
 */
static void
kcount_sweep(const struct kcount_plan *p)
{
	struct nfnl_ref		*v;
	const struct guard_key	*k;
	char			 err[256];
	size_t			 i;

	if (p->nsweep == 0 || (v = calloc(p->nsweep, sizeof(*v))) == NULL)
		return;
	for (i = 0; i < p->nsweep; i++) {
		k = &kc.v[p->sweep[i]].k;
		v[i].set = guard_sets[k->set].count;
		v[i].key = k->key;
		v[i].len = guard_sets[k->set].keylen;
	}
	if (kc_io->del(GUARD_TABLE, v, p->nsweep, err, sizeof(err)) == -1) {
		/* (tried again at the next read) */
		free(v);
		log_debug("%s", err);
		return;
	}
	free(v);
	/* out of memory: the next read sees them gone */
	(void)kcount_state_drop(&kc, p->sweep, p->nsweep);
}

/* Every counted element, and the clients seen when due (or seen). */
static int
kcount_sync(int seen, char *err, size_t errlen)
{
	struct kcount_read	 rd;
	struct kcount_plan	 p;
	struct kc_readctx	 ctx;
	char			 perr[128];
	int			 t, whole;

	memset(&rd, 0, sizeof(rd));
	if ((t = kc_io->table(GUARD_TABLE, &rd.table, NULL, 0, err,
	    errlen)) == -1)
		return -1;	/* unknown: every counter kept as it was */
	if (t == 0) {
		kc_forget_all();	/* gone, and nothing to read */
		kc_read = 1;
		return 0;
	}
	if (kcount_boot_id(rd.boot, sizeof(rd.boot)) == -1)
		rd.boot[0] = '\0';
	ctx.rd = &rd;
	for (ctx.set = 0; ctx.set < GUARD_NSETS; ctx.set++)
		if (guard_sets[ctx.set].count != NULL && kc_io->dump(
		    GUARD_TABLE, guard_sets[ctx.set].count, kcount_read_one,
		    &ctx, err, errlen) == -1)
			break;
	if (ctx.set == GUARD_NSETS && rd.failed)
		snprintf(err, errlen, "nftables counters: out of memory");
	/* a partial read counts what it read; the others are kept */
	rd.whole = whole = ctx.set == GUARD_NSETS && !rd.failed;
	if (kcount_plan(&kc, &rd, kc_owned ? &kc_elems : NULL, kc_svcs, &p,
	    perr, sizeof(perr)) == -1) {
		/* nothing accounted: the next read counts it */
		kcount_read_free(&rd);
		snprintf(err, errlen, "%s", perr);
		return -1;
	}
	kcount_read_free(&rd);
	kcount_log(&p);
	kcount_add(&p);
	kcount_state_free(&kc);
	kc = p.next;
	memset(&p.next, 0, sizeof(p.next));
	if (!whole) {
		kcount_plan_free(&p);
		return -1;
	}
	kc_read = 1;
	kcount_sweep(&p);
	kcount_plan_free(&p);
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
	rc = kcount_sync(0, err, errlen);
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
	return kcount_sync(1, err, errlen);
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
		return kcount_sync(1, err, errlen);
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
	kc_active = gc->nat64.on || gc->siit.on;
	if (kcount_owners(gc, elems, NULL) == -1)
		return -1;
	if (!kc_active) {
		kc_forget_all();	/* the table went with the guard */
		return 0;
	}
	/* the elements that stay may change hands: counted for the new
	   owner from now on */
	(void)kcount_state_reown(&kc, &kc_elems, kc_svcs);
	return 0;
}

void
kcount_set_io(const struct nfnl_io *io)
{
	kc_io = io;
}
