/* SPDX-License-Identifier: ISC */
/*
 * Desired Jool state (from the config) against the kernel's, as a list of
 * operations (see reconcile.h), in three steps:
 *
 *   read   reconcile_read(): the ownership file, then only what the plan
 *          will look at, over netlink, into a struct rec_state;
 *   plan   reconcile_plan_state(): pure, state and config in, operations
 *          out; no netlink, no files, no logging;
 *   apply  reconcile_apply(): a straight walk over the operations.
 *
 * A refused change leaves the kernel as it was, since nothing before apply
 * writes.  Removals go before additions so that an entry that changes (an
 * EAM whose IPv6 side moved) never collides with its old self.
 *
 * Ownership lives in a small file, state_dir/jool/instances, one
 * "nat64 NAME" or "siit NAME" per line, rewritten atomically.  Only the
 * privileged process writes it: its folder is root's (0700), in a state
 * directory that belongs to the unprivileged one (which must not be able
 * to claim an instance v6gate did not make).
 */

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "reconcile.h"

#define REC_OWN_DIR	"jool"		/* root's, in v6gate's state_dir */
#define REC_OWN_FILE	REC_OWN_DIR "/instances"
/*
 * From this many EAM changes on, replace the SIIT instance's content in one
 * atomic transaction: each single change waits for an RCU grace period in
 * the kernel (tens of ms), a transaction for one.  SIIT keeps no sessions,
 * so nothing is lost but its counters.
 */
#define REC_ATOMIC_MIN	16

static int
rec_add(struct rec_plan *p, const struct rec_op *op)
{
	if (p->n == p->cap) {
		size_t		 ncap = p->cap ? p->cap * 2 : 32;
		struct rec_op	*n = realloc(p->ops, ncap * sizeof(*n));

		if (n == NULL)
			return -1;
		p->ops = n;
		p->cap = ncap;
	}
	p->ops[p->n++] = *op;
	return 0;
}

static void
rec_op_init(struct rec_op *op, enum rec_kind k, enum jool_xt xt,
    const char *iname)
{
	memset(op, 0, sizeof(*op));
	op->kind = k;
	op->xt = xt;
	snprintf(op->iname, sizeof(op->iname), "%s", iname);
}

/* Read the ownership file: the names v6gate created, per type. */
void
reconcile_owned(const char *state_dir, char *nat64, char *siit)
{
	char	 path[4096], line[128], type[16], name[64];
	FILE	*f;

	nat64[0] = siit[0] = '\0';
	snprintf(path, sizeof(path), "%s/%s", state_dir, REC_OWN_FILE);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "%15s %63s", type, name) != 2 ||
		    strlen(name) > JOOL_INAME_MAX)
			continue;
		if (strcmp(type, "nat64") == 0)
			snprintf(nat64, JOOL_INAME_MAX + 1, "%s", name);
		else if (strcmp(type, "siit") == 0)
			snprintf(siit, JOOL_INAME_MAX + 1, "%s", name);
	}
	fclose(f);
}

static int
rec_own_write(const char *state_dir, const char *nat64, const char *siit,
    char *err, size_t errlen)
{
	char	 path[4096], tmp[4200];
	FILE	*f;

	snprintf(path, sizeof(path), "%s/%s", state_dir, REC_OWN_DIR);
	if ((mkdir(state_dir, 0750) == -1 && errno != EEXIST) ||
	    (mkdir(path, 0700) == -1 && errno != EEXIST)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), "%s/%s", state_dir, REC_OWN_FILE);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "w")) == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	fprintf(f, "# Jool instances created by v6gated; it changes and "
	    "removes only these.\n");
	if (nat64[0])
		fprintf(f, "nat64 %s\n", nat64);
	if (siit[0])
		fprintf(f, "siit %s\n", siit);
	if (fflush(f) == EOF || fsync(fileno(f)) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		fclose(f);
		return -1;
	}
	fclose(f);
	if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void
rec_prefix6(struct jool_prefix6 *p, const struct in6_addr *a, uint8_t len)
{
	p->addr = *a;
	p->len = len;
}

static uint8_t
rec_l4(enum conf_l4 p)
{
	return p == CONF_L4_TCP ? JOOL_L4_TCP : p == CONF_L4_UDP ?
	    JOOL_L4_UDP : JOOL_L4_ICMP;
}

/*
 * The pool4 entries the config asks for, as Jool will report them: ranges
 * of one address and protocol that touch are one range in the kernel.
 */
static int
rec_want_pool4(const struct conf_nat64 *n, struct jool_pool4 **out,
    size_t *nout)
{
	struct jool_pool4	*v;
	size_t			 i, j, cnt = 0;

	if ((v = calloc(n->npool4 ? n->npool4 : 1, sizeof(*v))) == NULL)
		return -1;
	for (i = 0; i < n->npool4; i++) {
		struct jool_pool4 e;

		memset(&e, 0, sizeof(e));
		e.proto = rec_l4(n->pool4[i].proto);
		e.prefix.addr = n->pool4[i].addr;
		e.prefix.len = 32;
		e.port_min = n->pool4[i].port_min;
		e.port_max = n->pool4[i].port_max;
		for (j = 0; j < cnt; j++)
			if (v[j].proto == e.proto && v[j].prefix.addr.s_addr ==
			    e.prefix.addr.s_addr && (uint32_t)e.port_min <=
			    (uint32_t)v[j].port_max + 1 && (uint32_t)v[j].port_min
			    <= (uint32_t)e.port_max + 1) {
				if (e.port_min < v[j].port_min)
					v[j].port_min = e.port_min;
				if (e.port_max > v[j].port_max)
					v[j].port_max = e.port_max;
				break;
			}
		if (j == cnt)
			v[cnt++] = e;
	}
	*out = v;
	*nout = cnt;
	return 0;
}

static int
rec_pool4_eq(const struct jool_pool4 *a, const struct jool_pool4 *b)
{
	return a->mark == b->mark && a->proto == b->proto &&
	    a->prefix.addr.s_addr == b->prefix.addr.s_addr &&
	    a->prefix.len == b->prefix.len && a->port_min == b->port_min &&
	    a->port_max == b->port_max;
}

static int
rec_prefix6_eq(const struct jool_prefix6 *a, const struct jool_prefix6 *b)
{
	return a->len == b->len && memcmp(&a->addr, &b->addr,
	    sizeof(a->addr)) == 0;
}

/* The configured pool6 of a type. */
static void
rec_conf_pool6(const struct gw_conf *gc, enum jool_xt xt,
    struct jool_prefix6 *pool6)
{
	if (xt == JOOL_XT_NAT64)
		rec_prefix6(pool6, &gc->nat64.pool6, gc->nat64.pool6_len);
	else
		rec_prefix6(pool6, &gc->siit.pool6, gc->siit.pool6_len);
}

/* The configured instance name of a type, NULL when the block is absent. */
static const char *
rec_conf_name(const struct gw_conf *gc, enum jool_xt xt)
{
	if (xt == JOOL_XT_NAT64)
		return gc->nat64.on ? gc->nat64.instance : NULL;
	return gc->siit.on ? gc->siit.instance : NULL;
}

/* Whether the owned instance is one the config no longer names (or
   renamed): the plan removes it if it exists. */
static int
rec_owned_other(const struct rec_xt_state *st, const char *want_name)
{
	return st->owned[0] && (want_name == NULL || strcmp(st->owned,
	    want_name) != 0);
}

/*
 * Read one type: only what rec_plan_xt() will look at, in the order it
 * looks.  Returns 0, 1 when the plan refuses this type whatever the rest
 * holds (the read stops there: nothing of a later type is read either), or
 * -1 with err.
 */
static int
rec_read_xt(struct jnl *j, const struct gw_conf *gc, enum jool_xt xt,
    int recreate, struct rec_xt_state *st, char *err, size_t errlen)
{
	const char		*want_name = rec_conf_name(gc, xt);
	struct jool_prefix6	 pool6;

	if (rec_owned_other(st, want_name) && jool_exists(j, xt, st->owned,
	    &st->owned_exists, err, errlen) == -1)
		return -1;
	if (want_name == NULL)
		return 0;
	if (jool_exists(j, xt, want_name, &st->exists, err, errlen) == -1)
		return -1;
	if (!st->exists)
		return 0;
	if (strcmp(st->owned, want_name) != 0)
		return 1;	/* not ours: refused without a look inside */
	if (jool_globals_get(j, xt, want_name, &st->g, err, errlen) == -1)
		return -1;
	if (xt == JOOL_XT_SIIT)
		return jool_eam_list(j, want_name, &st->eam, &st->neam, err,
		    errlen);
	rec_conf_pool6(gc, xt, &pool6);
	/* Another pool6: recreated (its pool4 does not matter) or refused. */
	if (st->g.has_pool6 && !rec_prefix6_eq(&st->g.pool6, &pool6))
		return recreate ? 0 : 1;
	return jool_pool4_list(j, want_name, &st->pool4, &st->npool4, err,
	    errlen);
}

int
reconcile_read(struct jnl *j, const struct gw_conf *gc, int recreate,
    struct rec_state *st, char *err, size_t errlen)
{
	int	rc;

	memset(st, 0, sizeof(*st));
	reconcile_owned(gc->state_dir, st->nat64.owned, st->siit.owned);
	if ((rc = rec_read_xt(j, gc, JOOL_XT_NAT64, recreate, &st->nat64,
	    err, errlen)) == 0)
		rc = rec_read_xt(j, gc, JOOL_XT_SIIT, 0, &st->siit, err,
		    errlen);
	if (rc == -1) {
		reconcile_state_free(st);
		return -1;
	}
	return 0;
}

static void
rec_xt_state_free(struct rec_xt_state *xs)
{
	free(xs->pool4);
	free(xs->eam);
	xs->pool4 = NULL;
	xs->eam = NULL;
	xs->npool4 = xs->neam = 0;
}

void
reconcile_state_free(struct rec_state *st)
{
	rec_xt_state_free(&st->nat64);
	rec_xt_state_free(&st->siit);
}

/* Plan the pool4 differences of an existing NAT64 instance (have). */
static int
rec_plan_pool4(const struct jool_pool4 *have, size_t nh,
    const struct gw_conf *gc, struct rec_plan *p, char *err, size_t errlen)
{
	const char		*iname = gc->nat64.instance;
	struct jool_pool4	*want = NULL;
	struct rec_op		 op;
	size_t			 nw = 0, a, b;
	int			 rc = -1;

	if (rec_want_pool4(&gc->nat64, &want, &nw) == -1)
		goto nomem;
	for (a = 0; a < nh; a++) {
		for (b = 0; b < nw && !rec_pool4_eq(&have[a], &want[b]); b++)
			;
		if (b < nw)
			continue;
		rec_op_init(&op, REC_POOL4_RM, JOOL_XT_NAT64, iname);
		op.u.p4 = have[a];
		if (rec_add(p, &op) == -1)
			goto nomem;
	}
	for (b = 0; b < nw; b++) {
		for (a = 0; a < nh && !rec_pool4_eq(&have[a], &want[b]); a++)
			;
		if (a < nh)
			continue;
		rec_op_init(&op, REC_POOL4_ADD, JOOL_XT_NAT64, iname);
		op.u.p4 = want[b];
		if (rec_add(p, &op) == -1)
			goto nomem;
	}
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
out:
	free(want);
	return rc;
}

static void
rec_want_eam(const struct conf_service *s, struct jool_eam *e)
{
	memset(e, 0, sizeof(*e));
	e->p4.addr = s->siit4;
	e->p4.len = 32;
	e->p6.addr = s->siit6;
	e->p6.len = 128;
}

static int
rec_eam_cmp(const void *a, const void *b)
{
	const struct jool_eam	*x = a, *y = b;
	uint32_t		 u = ntohl(x->p4.addr.s_addr);
	uint32_t		 v = ntohl(y->p4.addr.s_addr);
	int			 c;

	if (u != v)
		return u < v ? -1 : 1;
	if (x->p4.len != y->p4.len)
		return x->p4.len < y->p4.len ? -1 : 1;
	if ((c = memcmp(&x->p6.addr, &y->p6.addr, sizeof(x->p6.addr))) != 0)
		return c;
	return (int)x->p6.len - (int)y->p6.len;
}

/*
 * The EAM changes of a SIIT instance from its table (kernel; nothing when
 * fresh): both tables sorted, then one merge, so 10,000 entries cost
 * n log n, not n^2.  The kernel's table is sorted in a copy: the state
 * stays as it was read.
 */
static int
rec_plan_eam(const struct jool_eam *kernel, size_t nkernel,
    const struct gw_conf *gc, int fresh, struct rec_plan *p, char *err,
    size_t errlen)
{
	const char	*iname = gc->siit.instance;
	struct jool_eam	*have = NULL, *want = NULL;
	struct rec_op	 op;
	size_t		 nh = fresh ? 0 : nkernel, nw = 0, a, b, i;
	int		 c, pass, rc = -1;

	if (nh > 0) {
		if ((have = calloc(nh, sizeof(*have))) == NULL)
			goto nomem;
		memcpy(have, kernel, nh * sizeof(*have));
	}
	if ((want = calloc(gc->nservices ? gc->nservices : 1,
	    sizeof(*want))) == NULL)
		goto nomem;
	for (i = 0; i < gc->nservices; i++)
		if (gc->services[i].mode == CONF_SIIT)
			rec_want_eam(&gc->services[i], &want[nw++]);
	if (nh > 0)	/* qsort(NULL, 0) is undefined */
		qsort(have, nh, sizeof(*have), rec_eam_cmp);
	if (nw > 0)
		qsort(want, nw, sizeof(*want), rec_eam_cmp);
	/* removals first (pass 0): an entry that moved must not collide
	   with its old self */
	for (pass = 0; pass < 2; pass++)
		for (a = b = 0; a < nh || b < nw;) {
			c = a == nh ? 1 : b == nw ? -1 :
			    rec_eam_cmp(&have[a], &want[b]);
			if (c == 0) {
				a++;
				b++;
				continue;
			}
			if (c < 0)
				a++;
			else
				b++;
			if (pass != (c > 0))
				continue;	/* the other pass's */
			rec_op_init(&op, c < 0 ? REC_EAM_RM : REC_EAM_ADD,
			    JOOL_XT_SIIT, iname);
			op.u.eam = c < 0 ? have[a - 1] : want[b - 1];
			if (rec_add(p, &op) == -1)
				goto nomem;
		}
	rc = 0;
	goto out;
nomem:
	snprintf(err, errlen, "out of memory");
out:
	free(have);
	free(want);
	return rc;
}

/* The whole desired SIIT content, for REC_SIIT_ATOMIC. */
static int
rec_plan_atomic(const struct gw_conf *gc, const struct jool_prefix6 *pool6,
    struct rec_plan *p)
{
	size_t	i, n = 0;

	free(p->atomic_eam);
	if ((p->atomic_eam = calloc(gc->nservices ? gc->nservices : 1,
	    sizeof(*p->atomic_eam))) == NULL)
		return -1;
	for (i = 0; i < gc->nservices; i++)
		if (gc->services[i].mode == CONF_SIIT)
			rec_want_eam(&gc->services[i], &p->atomic_eam[n++]);
	p->natomic = n;
	p->atomic_pool6 = *pool6;
	return 0;
}

/*
 * One translator type: create, change or remove its instance, from what
 * the kernel has of it (st).  No I/O.
 */
static int
rec_plan_xt(const struct rec_xt_state *st, const struct gw_conf *gc,
    enum jool_xt xt, int recreate, struct rec_plan *p, char *err,
    size_t errlen)
{
	const char		*tname = xt == JOOL_XT_NAT64 ? "nat64" : "siit";
	const char		*want_name = rec_conf_name(gc, xt);
	const struct jool_globals *g = &st->g;
	struct jool_prefix6	 pool6;
	struct jool_globals	 want;
	struct rec_op		 op;
	size_t			 first;
	int			 exists = st->exists, fresh = 0;

	if (rec_owned_other(st, want_name) && st->owned_exists) {
		rec_op_init(&op, REC_INSTANCE_RM, xt, st->owned);
		if (rec_add(p, &op) == -1)
			goto nomem;
	}
	if (want_name == NULL)
		return 0;
	rec_conf_pool6(gc, xt, &pool6);

	if (exists && strcmp(st->owned, want_name) != 0) {
		snprintf(err, errlen, "%s.instance: Jool instance \"%s\" "
		    "exists and was not created by v6gate; v6gate never "
		    "touches it (choose another name, or remove it: jool%s "
		    "instance remove %s)", tname, want_name,
		    xt == JOOL_XT_SIIT ? "_siit" : "", want_name);
		return -1;
	}
	memset(&want, 0, sizeof(want));
	want.enabled = 1;
	want.bib_logging = want.session_logging = -1;
	first = p->n;
	if (exists) {
		if (xt == JOOL_XT_NAT64 && g->has_pool6 &&
		    !rec_prefix6_eq(&g->pool6, &pool6)) {
			char	a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];

			inet_ntop(AF_INET6, &g->pool6.addr, a, sizeof(a));
			inet_ntop(AF_INET6, &pool6.addr, b, sizeof(b));
			if (!recreate) {
				snprintf(err, errlen, "nat64.pool6: the live "
				    "NAT64 instance \"%s\" has %s/%u; Jool "
				    "cannot change the pool6 of a NAT64 "
				    "instance (Jool #317).  To recreate it "
				    "with %s/%u, dropping its sessions: "
				    "v6gatectl reload --recreate-nat64 (or, "
				    "before a start, v6gated --teardown)",
				    want_name, a, g->pool6.len, b, pool6.len);
				return -1;
			}
			rec_op_init(&op, REC_INSTANCE_RM, xt, want_name);
			if (rec_add(p, &op) == -1)
				goto nomem;
			exists = 0;
		} else {
			if (xt == JOOL_XT_SIIT && (!g->has_pool6 ||
			    !rec_prefix6_eq(&g->pool6, &pool6))) {
				want.has_pool6 = 1;
				want.pool6 = pool6;
			}
			if (g->enabled == 1)
				want.enabled = -1;
			if (want.enabled != -1 || want.has_pool6) {
				rec_op_init(&op, REC_GLOBALS, xt, want_name);
				op.u.g = want;
				if (rec_add(p, &op) == -1)
					goto nomem;
			}
		}
	}
	if (!exists) {
		fresh = 1;
		rec_op_init(&op, REC_INSTANCE_ADD, xt, want_name);
		op.u.pool6 = pool6;
		if (rec_add(p, &op) == -1)
			goto nomem;
		if (xt == JOOL_XT_SIIT) {
			/* SIIT's pool6 is a global, not part of the add */
			rec_op_init(&op, REC_GLOBALS, xt, want_name);
			op.u.g = want;
			op.u.g.enabled = -1;
			op.u.g.has_pool6 = 1;
			op.u.g.pool6 = pool6;
			if (rec_add(p, &op) == -1)
				goto nomem;
		}
	}
	if (xt == JOOL_XT_NAT64) {
		if (fresh) {
			struct jool_pool4	*want4;
			size_t			 nw, i;

			if (rec_want_pool4(&gc->nat64, &want4, &nw) == -1)
				goto nomem;
			for (i = 0; i < nw; i++) {
				rec_op_init(&op, REC_POOL4_ADD, xt, want_name);
				op.u.p4 = want4[i];
				if (rec_add(p, &op) == -1) {
					free(want4);
					goto nomem;
				}
			}
			free(want4);
		} else if (rec_plan_pool4(st->pool4, st->npool4, gc, p, err,
		    errlen) == -1)
			return -1;
		snprintf(p->own_nat64, sizeof(p->own_nat64), "%s", want_name);
	} else {
		if (rec_plan_eam(st->eam, st->neam, gc, fresh, p, err,
		    errlen) == -1)
			return -1;
		if (fresh || p->n - first >= REC_ATOMIC_MIN) {
			/* many changes: one transaction instead */
			p->n = first;
			if (rec_plan_atomic(gc, &pool6, p) == -1)
				goto nomem;
			rec_op_init(&op, REC_SIIT_ATOMIC, xt, want_name);
			if (rec_add(p, &op) == -1)
				goto nomem;
		}
		snprintf(p->own_siit, sizeof(p->own_siit), "%s", want_name);
	}
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	return -1;
}

int
reconcile_plan_state(const struct rec_state *st, const struct gw_conf *gc,
    int recreate, struct rec_plan *p, char *err, size_t errlen)
{
	memset(p, 0, sizeof(*p));
	if (rec_plan_xt(&st->nat64, gc, JOOL_XT_NAT64, recreate, p, err,
	    errlen) == -1 || rec_plan_xt(&st->siit, gc, JOOL_XT_SIIT, 0, p,
	    err, errlen) == -1) {
		reconcile_free(p);
		return -1;
	}
	return 0;
}

int
reconcile_teardown_state(const struct rec_state *st, struct rec_plan *p,
    char *err, size_t errlen)
{
	struct rec_op	op;

	memset(p, 0, sizeof(*p));
	if (st->nat64.owned[0] && st->nat64.owned_exists) {
		rec_op_init(&op, REC_INSTANCE_RM, JOOL_XT_NAT64,
		    st->nat64.owned);
		if (rec_add(p, &op) == -1)
			goto nomem;
	}
	if (st->siit.owned[0] && st->siit.owned_exists) {
		rec_op_init(&op, REC_INSTANCE_RM, JOOL_XT_SIIT,
		    st->siit.owned);
		if (rec_add(p, &op) == -1)
			goto nomem;
	}
	return 0;
nomem:
	reconcile_free(p);
	snprintf(err, errlen, "out of memory");
	return -1;
}

int
reconcile_teardown(struct jnl *j, const char *state_dir, struct rec_plan *p,
    char *err, size_t errlen)
{
	struct rec_state	st;

	memset(p, 0, sizeof(*p));
	memset(&st, 0, sizeof(st));
	reconcile_owned(state_dir, st.nat64.owned, st.siit.owned);
	if (st.nat64.owned[0] && jool_exists(j, JOOL_XT_NAT64,
	    st.nat64.owned, &st.nat64.owned_exists, err, errlen) == -1)
		return -1;
	if (st.siit.owned[0] && jool_exists(j, JOOL_XT_SIIT, st.siit.owned,
	    &st.siit.owned_exists, err, errlen) == -1)
		return -1;
	return reconcile_teardown_state(&st, p, err, errlen);
}

void
reconcile_describe(const struct rec_op *op, char *buf, size_t len)
{
	char		 a[INET6_ADDRSTRLEN], b[INET_ADDRSTRLEN];
	const char	*t = op->xt == JOOL_XT_NAT64 ? "nat64" : "siit";
	static const char *const l4[] = { "tcp", "udp", "icmp" };

	switch (op->kind) {
	case REC_INSTANCE_ADD:
		inet_ntop(AF_INET6, &op->u.pool6.addr, a, sizeof(a));
		snprintf(buf, len, "%s instance %s: create (pool6 %s/%u)", t,
		    op->iname, a, op->u.pool6.len);
		break;
	case REC_INSTANCE_RM:
		snprintf(buf, len, "%s instance %s: remove", t, op->iname);
		break;
	case REC_GLOBALS:
		inet_ntop(AF_INET6, &op->u.g.pool6.addr, a, sizeof(a));
		if (op->u.g.has_pool6)
			snprintf(buf, len, "%s instance %s: set%s pool6 %s/%u",
			    t, op->iname, op->u.g.enabled >= 0 ? " enabled" :
			    "", a, op->u.g.pool6.len);
		else
			snprintf(buf, len, "%s instance %s: set enabled", t,
			    op->iname);
		break;
	case REC_POOL4_ADD:
	case REC_POOL4_RM:
		inet_ntop(AF_INET, &op->u.p4.prefix.addr, b, sizeof(b));
		snprintf(buf, len, "%s instance %s: pool4 %s %s %s %u-%u", t,
		    op->iname, op->kind == REC_POOL4_ADD ? "add" : "remove", b,
		    l4[op->u.p4.proto % 3], op->u.p4.port_min,
		    op->u.p4.port_max);
		break;
	case REC_EAM_ADD:
	case REC_EAM_RM:
		inet_ntop(AF_INET6, &op->u.eam.p6.addr, a, sizeof(a));
		inet_ntop(AF_INET, &op->u.eam.p4.addr, b, sizeof(b));
		snprintf(buf, len, "%s instance %s: EAM %s %s/%u <-> %s/%u", t,
		    op->iname, op->kind == REC_EAM_ADD ? "add" : "remove", b,
		    op->u.eam.p4.len, a, op->u.eam.p6.len);
		break;
	case REC_SIIT_ATOMIC:
		snprintf(buf, len, "%s instance %s: replace the whole content "
		    "at once (pool6 and every EAM entry)", t, op->iname);
		break;
	}
}

int
reconcile_apply(struct jnl *j, const char *state_dir,
    const struct rec_plan *p, char *err, size_t errlen)
{
	char	 what[256], e[512];
	size_t	 i;
	int	 rc = 0;

	for (i = 0; i < p->n && rc == 0; i++) {
		const struct rec_op *op = &p->ops[i];

		switch (op->kind) {
		case REC_INSTANCE_ADD:
			rc = jool_instance_add(j, op->xt, op->iname,
			    op->xt == JOOL_XT_NAT64 ? &op->u.pool6 : NULL, e,
			    sizeof(e));
			break;
		case REC_INSTANCE_RM:
			rc = jool_instance_rm(j, op->xt, op->iname, e,
			    sizeof(e));
			break;
		case REC_GLOBALS:
			rc = jool_globals_set(j, op->xt, op->iname, &op->u.g,
			    e, sizeof(e));
			break;
		case REC_POOL4_ADD:
			rc = jool_pool4_add(j, op->iname, &op->u.p4, e,
			    sizeof(e));
			break;
		case REC_POOL4_RM:
			/* not quick: mappings of a removed range must go */
			rc = jool_pool4_rm(j, op->iname, &op->u.p4, 0, e,
			    sizeof(e));
			break;
		case REC_EAM_ADD:
			rc = jool_eam_add(j, op->iname, &op->u.eam, e,
			    sizeof(e));
			break;
		case REC_EAM_RM:
			rc = jool_eam_rm(j, op->iname, &op->u.eam, e,
			    sizeof(e));
			break;
		case REC_SIIT_ATOMIC:
			rc = jool_siit_atomic(j, op->iname, &p->atomic_pool6,
			    p->atomic_eam, p->natomic, e, sizeof(e));
			break;
		}
		reconcile_describe(op, what, sizeof(what));
		if (rc == -1)
			snprintf(err, errlen, "%s: %s", what, e);
		else if (p->n <= 64 || i < 8)
			log_info("jool: %s", what);
	}
	if (p->n > 64)
		log_info("jool: %zu of %zu changes applied", rc ? i - 1 : i,
		    p->n);
	/* Record ownership even after a failure: what was created is ours. */
	if (rec_own_write(state_dir, p->own_nat64, p->own_siit,
	    rc ? e : err, rc ? sizeof(e) : errlen) == -1 && rc == 0)
		return -1;
	return rc;
}

void
reconcile_free(struct rec_plan *p)
{
	free(p->ops);
	free(p->atomic_eam);
	p->ops = NULL;
	p->atomic_eam = NULL;
	p->n = p->cap = p->natomic = 0;
}
