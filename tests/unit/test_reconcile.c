/* SPDX-License-Identifier: ISC */
/*
 * The reconcile plan (src/jool/reconcile.c) without a kernel: kernel states
 * built by hand, configs loaded as the daemon loads them, and the operations
 * reconcile_plan_state() returns checked exactly (kinds, order, contents).
 * Reading the kernel and applying a plan are the guest suite's
 * (tests/jool/t_translator.sh).
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "jool/reconcile.h"
#include "t.h"

#define T_POOL6		"2001:db8:64::/96"
#define T_POOL6_ADDR	"2001:db8:64::"
#define T_SIIT6_ADDR	"64:ff9b::"

/* The nat64 block of most tests; %s: more pool4 entries. */
#define T_NAT64 \
	"nat64: { instance = \"v6gate\"; pool6 = \"" T_POOL6 "\";\n" \
	" pool4 = ( { address = \"192.0.2.1\"; protocol = \"tcp\";\n" \
	"  ports = \"61001-65535\"; },\n" \
	"  { address = \"192.0.2.1\"; protocol = \"udp\";\n" \
	"  ports = \"61001-65535\"; },\n" \
	"  { address = \"192.0.2.1\"; protocol = \"icmp\"; } ); };\n"
#define T_SIIT \
	"siit: { instance = \"v6gate-siit\"; pool6 = \"64:ff9b::/96\"; };\n"
#define T_MAIL \
	"{ name = \"mail\"; mode = \"nat64\"; backend = \"10.1.0.9\";\n" \
	" ports = [ \"tcp/25\" ]; }"

static struct gw_conf *
load(const char *text)
{
	struct conf_report	 rep;
	struct gw_conf		*gc;
	size_t			 i;

	gc = conf_load_string("(reconcile)", text, &rep);
	CHECK(gc != NULL);
	for (i = 0; i < rep.nerrors; i++)
		fprintf(stderr, "  %s\n", rep.errors[i]);
	conf_report_free(&rep);
	if (gc == NULL)
		exit(1);
	return gc;
}

/* A config with nat64/siit blocks as asked and SIIT services "4=6", "4=6"
   (IPv4 = IPv6) separated by commas. */
static struct gw_conf *
load_with(int nat64, int siit, const char *nat64_svc, const char *eams)
{
	char		 text[65536], *dup, *tok, *save = NULL;
	size_t		 off = 0, i = 0;

	off += snprintf(text + off, sizeof(text) - off, "%s%s", nat64 ?
	    T_NAT64 : "", siit ? T_SIIT : "");
	off += snprintf(text + off, sizeof(text) - off, "services = ( %s",
	    nat64_svc ? nat64_svc : "");
	if ((dup = strdup(eams ? eams : "")) == NULL)
		exit(1);
	for (tok = strtok_r(dup, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save), i++) {
		char	*eq = strchr(tok, '=');

		if (eq == NULL)
			exit(1);
		*eq = '\0';
		off += snprintf(text + off, sizeof(text) - off,
		    "%s{ name = \"s%zu\"; mode = \"siit\"; ipv4 = \"%s\";"
		    " ipv6 = \"%s\"; }\n", off && (nat64_svc || i) ? "," : "",
		    i, tok, eq + 1);
	}
	free(dup);
	snprintf(text + off, sizeof(text) - off, ");\n");
	return load(text);
}

static void
prefix6(struct jool_prefix6 *p, const char *addr, uint8_t len)
{
	memset(p, 0, sizeof(*p));
	CHECK(inet_pton(AF_INET6, addr, &p->addr) == 1);
	p->len = len;
}

static int
prefix6_is(const struct jool_prefix6 *p, const char *addr, uint8_t len)
{
	struct jool_prefix6	q;

	prefix6(&q, addr, len);
	return p->len == q.len && memcmp(&p->addr, &q.addr,
	    sizeof(q.addr)) == 0;
}

static void
pool4(struct jool_pool4 *e, uint8_t proto, uint16_t min, uint16_t max)
{
	memset(e, 0, sizeof(*e));
	e->proto = proto;
	CHECK(inet_pton(AF_INET, "192.0.2.1", &e->prefix.addr) == 1);
	e->prefix.len = 32;
	e->port_min = min;
	e->port_max = max;
}

static int
pool4_is(const struct jool_pool4 *e, uint8_t proto, uint16_t min,
    uint16_t max)
{
	struct jool_pool4	w;

	pool4(&w, proto, min, max);
	return e->proto == w.proto && e->prefix.addr.s_addr ==
	    w.prefix.addr.s_addr && e->prefix.len == 32 && e->port_min ==
	    min && e->port_max == max && e->mark == 0;
}

static void
eam(struct jool_eam *e, const char *a4, const char *a6)
{
	memset(e, 0, sizeof(*e));
	CHECK(inet_pton(AF_INET, a4, &e->p4.addr) == 1);
	e->p4.len = 32;
	CHECK(inet_pton(AF_INET6, a6, &e->p6.addr) == 1);
	e->p6.len = 128;
}

static int
eam_is(const struct jool_eam *e, const char *a4, const char *a6)
{
	struct jool_eam	w;

	eam(&w, a4, a6);
	return memcmp(e, &w, sizeof(w)) == 0;
}

static int
op_is(const struct rec_plan *p, size_t i, enum rec_kind k, enum jool_xt xt,
    const char *iname)
{
	return i < p->n && p->ops[i].kind == k && p->ops[i].xt == xt &&
	    strcmp(p->ops[i].iname, iname) == 0;
}

/* The kernel of T_NAT64 as reconcile_read() finds it when all is in place. */
static void
state_nat64(struct rec_xt_state *xs)
{
	memset(xs, 0, sizeof(*xs));
	snprintf(xs->owned, sizeof(xs->owned), "v6gate");
	xs->exists = 1;
	xs->g.enabled = 1;
	xs->g.has_pool6 = 1;
	prefix6(&xs->g.pool6, T_POOL6_ADDR, 96);
	xs->g.bib_logging = xs->g.session_logging = 0;
	if ((xs->pool4 = calloc(3, sizeof(*xs->pool4))) == NULL)
		exit(1);
	/* Jool's order, not the config's; its own iterations and flags */
	pool4(&xs->pool4[0], JOOL_L4_ICMP, 0, 65535);
	pool4(&xs->pool4[1], JOOL_L4_UDP, 61001, 65535);
	pool4(&xs->pool4[2], JOOL_L4_TCP, 61001, 65535);
	xs->pool4[2].iterations = 1024;
	xs->pool4[2].flags = 3;
	xs->npool4 = 3;
}

/* An owned, enabled SIIT instance with T_SIIT's pool6 and these EAMs. */
static void
state_siit(struct rec_xt_state *xs, const struct jool_eam *e, size_t n)
{
	memset(xs, 0, sizeof(*xs));
	snprintf(xs->owned, sizeof(xs->owned), "v6gate-siit");
	xs->exists = 1;
	xs->g.enabled = 1;
	xs->g.has_pool6 = 1;
	prefix6(&xs->g.pool6, T_SIIT6_ADDR, 96);
	xs->g.bib_logging = xs->g.session_logging = -1;
	if ((xs->eam = calloc(n ? n : 1, sizeof(*xs->eam))) == NULL)
		exit(1);
	if (n)
		memcpy(xs->eam, e, n * sizeof(*e));
	xs->neam = n;
}

static void
check_fresh_nat64(void)
{
	struct gw_conf		*gc = load_with(1, 0, T_MAIL, NULL);
	struct rec_state	 st;
	struct rec_plan		 p;
	char			 err[512] = "";

	memset(&st, 0, sizeof(st));
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_INT(p.n, 4);
	CHECK(op_is(&p, 0, REC_INSTANCE_ADD, JOOL_XT_NAT64, "v6gate"));
	CHECK(p.n > 0 && prefix6_is(&p.ops[0].u.pool6, T_POOL6_ADDR, 96));
	/* the config's order */
	CHECK(op_is(&p, 1, REC_POOL4_ADD, JOOL_XT_NAT64, "v6gate"));
	CHECK(p.n > 1 && pool4_is(&p.ops[1].u.p4, JOOL_L4_TCP, 61001, 65535));
	CHECK(op_is(&p, 2, REC_POOL4_ADD, JOOL_XT_NAT64, "v6gate"));
	CHECK(p.n > 2 && pool4_is(&p.ops[2].u.p4, JOOL_L4_UDP, 61001, 65535));
	CHECK(op_is(&p, 3, REC_POOL4_ADD, JOOL_XT_NAT64, "v6gate"));
	CHECK(p.n > 3 && pool4_is(&p.ops[3].u.p4, JOOL_L4_ICMP, 0, 65535));
	CHECK_STR(p.own_nat64, "v6gate");
	CHECK_STR(p.own_siit, "");
	CHECK_INT(p.natomic, 0);
	reconcile_free(&p);

	/* owned but gone (removed by hand): created again */
	snprintf(st.nat64.owned, sizeof(st.nat64.owned), "v6gate");
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), 0);
	CHECK_INT(p.n, 4);
	CHECK(op_is(&p, 0, REC_INSTANCE_ADD, JOOL_XT_NAT64, "v6gate"));
	reconcile_free(&p);
	conf_free(gc);
}

/* A new SIIT instance always gets its content in one transaction. */
static void
check_fresh_siit(void)
{
	struct gw_conf		*gc = load_with(0, 1, NULL,
	    "192.0.2.60=2001:db8:200::60,192.0.2.50=2001:db8:200::50");
	struct rec_state	 st;
	struct rec_plan		 p;
	char			 err[512] = "";
	char			 what[256];

	memset(&st, 0, sizeof(st));
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_INT(p.n, 1);
	CHECK(op_is(&p, 0, REC_SIIT_ATOMIC, JOOL_XT_SIIT, "v6gate-siit"));
	CHECK(prefix6_is(&p.atomic_pool6, T_SIIT6_ADDR, 96));
	CHECK_INT(p.natomic, 2);
	/* the config's order */
	CHECK(p.natomic > 0 && eam_is(&p.atomic_eam[0], "192.0.2.60",
	    "2001:db8:200::60"));
	CHECK(p.natomic > 1 && eam_is(&p.atomic_eam[1], "192.0.2.50",
	    "2001:db8:200::50"));
	CHECK_STR(p.own_nat64, "");
	CHECK_STR(p.own_siit, "v6gate-siit");
	if (p.n > 0) {
		reconcile_describe(&p.ops[0], what, sizeof(what));
		CHECK_STR(what, "siit instance v6gate-siit: replace the whole "
		    "content at once (pool6 and every EAM entry)");
	}
	reconcile_free(&p);
	CHECK(p.ops == NULL && p.atomic_eam == NULL && p.n == 0);
	conf_free(gc);

	/* both blocks, nothing in the kernel: NAT64 first */
	gc = load_with(1, 1, T_MAIL, "192.0.2.50=2001:db8:200::50");
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), 0);
	CHECK_INT(p.n, 5);
	CHECK(op_is(&p, 0, REC_INSTANCE_ADD, JOOL_XT_NAT64, "v6gate"));
	CHECK(op_is(&p, 3, REC_POOL4_ADD, JOOL_XT_NAT64, "v6gate"));
	CHECK(op_is(&p, 4, REC_SIIT_ATOMIC, JOOL_XT_SIIT, "v6gate-siit"));
	CHECK_INT(p.natomic, 1);
	CHECK_STR(p.own_nat64, "v6gate");
	CHECK_STR(p.own_siit, "v6gate-siit");
	reconcile_free(&p);
	conf_free(gc);
}

static void
check_nothing_to_do(void)
{
	struct gw_conf		*gc = load_with(1, 1, T_MAIL,
	    "192.0.2.50=2001:db8:200::50,192.0.2.60=2001:db8:200::60");
	struct rec_state	 st;
	struct rec_plan		 p;
	struct jool_eam		 e[2];
	char			 err[512] = "";

	/* the kernel's EAM order is not the config's */
	eam(&e[0], "192.0.2.60", "2001:db8:200::60");
	eam(&e[1], "192.0.2.50", "2001:db8:200::50");
	state_nat64(&st.nat64);
	state_siit(&st.siit, e, 2);
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_INT(p.n, 0);
	CHECK_STR(p.own_nat64, "v6gate");
	CHECK_STR(p.own_siit, "v6gate-siit");
	/* the same with recreate: nothing to recreate */
	reconcile_free(&p);
	CHECK_INT(reconcile_plan_state(&st, gc, 1, &p, err, sizeof(err)), 0);
	CHECK_INT(p.n, 0);
	reconcile_free(&p);
	/* pure: the state is as it was (the EAM table sorted in a copy) */
	CHECK(eam_is(&st.siit.eam[0], "192.0.2.60", "2001:db8:200::60"));
	CHECK(eam_is(&st.siit.eam[1], "192.0.2.50", "2001:db8:200::50"));
	CHECK_INT(st.nat64.npool4, 3);
	/* NAT64 globals without a pool6: taken as the same */
	st.nat64.g.has_pool6 = 0;
	memset(&st.nat64.g.pool6, 0, sizeof(st.nat64.g.pool6));
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), 0);
	CHECK_INT(p.n, 0);
	reconcile_free(&p);
	reconcile_state_free(&st);
	CHECK(st.nat64.pool4 == NULL && st.siit.eam == NULL);
	CHECK_INT(st.nat64.npool4 + st.siit.neam, 0);
	conf_free(gc);

	/* pool4 ranges that touch are one range in the kernel */
	gc = load("nat64: { instance = \"v6gate\"; pool6 = \"" T_POOL6 "\";\n"
	    " pool4 = ( { address = \"192.0.2.1\"; protocol = \"tcp\";\n"
	    "  ports = \"62001-65535\"; },\n"
	    "  { address = \"192.0.2.1\"; protocol = \"tcp\";\n"
	    "  ports = \"61001-62000\"; } ); };\n");
	state_nat64(&st.nat64);
	memset(&st.siit, 0, sizeof(st.siit));
	st.nat64.npool4 = 1;
	pool4(&st.nat64.pool4[0], JOOL_L4_TCP, 61001, 65535);
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), 0);
	CHECK_INT(p.n, 0);
	reconcile_free(&p);
	reconcile_state_free(&st);
	conf_free(gc);
}

/*
 * NAT64 services are not in Jool (the nftables guard opens their ports):
 * adding or removing one changes nothing there.  pool4 changes do.
 */
static void
check_nat64_changes(void)
{
	static const char *const svcs[] = {
		NULL,
		T_MAIL,
		T_MAIL ", { name = \"dns\"; mode = \"nat64\";\n"
		    " backend = \"10.1.0.53\"; ports = [ \"udp/53\" ]; }",
	};
	struct gw_conf		*gc;
	struct rec_state	 st;
	struct rec_plan		 p;
	char			 err[512] = "";
	size_t			 i;

	memset(&st, 0, sizeof(st));
	state_nat64(&st.nat64);
	for (i = 0; i < sizeof(svcs) / sizeof(svcs[0]); i++) {
		gc = load_with(1, 0, svcs[i], NULL);
		CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err,
		    sizeof(err)), 0);
		CHECK_INT(p.n, 0);
		CHECK_STR(p.own_nat64, "v6gate");
		reconcile_free(&p);
		conf_free(gc);
	}

	/* udp gone, tcp's range changed, icmp kept; removals first */
	gc = load("nat64: { instance = \"v6gate\"; pool6 = \"" T_POOL6 "\";\n"
	    " pool4 = ( { address = \"192.0.2.1\"; protocol = \"tcp\";\n"
	    "  ports = \"62000-65535\"; },\n"
	    "  { address = \"192.0.2.1\"; protocol = \"icmp\"; } ); };\n"
	    "services = ( " T_MAIL " );\n");
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_INT(p.n, 3);
	CHECK(op_is(&p, 0, REC_POOL4_RM, JOOL_XT_NAT64, "v6gate"));
	CHECK(p.n > 0 && pool4_is(&p.ops[0].u.p4, JOOL_L4_UDP, 61001, 65535));
	/* removed as the kernel has it, its iterations and flags too */
	CHECK(op_is(&p, 1, REC_POOL4_RM, JOOL_XT_NAT64, "v6gate"));
	CHECK(p.n > 1 && pool4_is(&p.ops[1].u.p4, JOOL_L4_TCP, 61001, 65535));
	CHECK(p.n > 1 && p.ops[1].u.p4.iterations == 1024 &&
	    p.ops[1].u.p4.flags == 3);
	CHECK(op_is(&p, 2, REC_POOL4_ADD, JOOL_XT_NAT64, "v6gate"));
	CHECK(p.n > 2 && pool4_is(&p.ops[2].u.p4, JOOL_L4_TCP, 62000, 65535));
	reconcile_free(&p);
	conf_free(gc);

	/* a kernel entry with a mark v6gate never sets is not ours to keep */
	gc = load_with(1, 0, T_MAIL, NULL);
	st.nat64.pool4[1].mark = 7;
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), 0);
	CHECK_INT(p.n, 2);
	CHECK(op_is(&p, 0, REC_POOL4_RM, JOOL_XT_NAT64, "v6gate"));
	CHECK(p.n > 0 && p.ops[0].u.p4.mark == 7);
	CHECK(op_is(&p, 1, REC_POOL4_ADD, JOOL_XT_NAT64, "v6gate"));
	CHECK(p.n > 1 && pool4_is(&p.ops[1].u.p4, JOOL_L4_UDP, 61001, 65535));
	reconcile_free(&p);
	reconcile_state_free(&st);
	conf_free(gc);
}

static void
check_eam_changes(void)
{
	struct gw_conf		*gc;
	struct rec_state	 st;
	struct rec_plan		 p;
	struct jool_eam		 e[3];
	char			 err[512] = "", what[256];

	memset(&st, 0, sizeof(st));
	eam(&e[0], "192.0.2.50", "2001:db8:200::50");
	eam(&e[1], "192.0.2.60", "2001:db8:200::60");
	eam(&e[2], "192.0.2.70", "2001:db8:200::70");

	/* added */
	gc = load_with(0, 1, NULL,
	    "192.0.2.50=2001:db8:200::50,192.0.2.60=2001:db8:200::60");
	state_siit(&st.siit, e, 1);
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), 0);
	CHECK_INT(p.n, 1);
	CHECK(op_is(&p, 0, REC_EAM_ADD, JOOL_XT_SIIT, "v6gate-siit"));
	CHECK(p.n > 0 && eam_is(&p.ops[0].u.eam, "192.0.2.60",
	    "2001:db8:200::60"));
	if (p.n > 0) {
		reconcile_describe(&p.ops[0], what, sizeof(what));
		CHECK_STR(what, "siit instance v6gate-siit: EAM add "
		    "192.0.2.60/32 <-> 2001:db8:200::60/128");
	}
	CHECK_STR(p.own_siit, "v6gate-siit");
	CHECK_INT(p.natomic, 0);
	reconcile_free(&p);
	reconcile_state_free(&st);

	/* removed */
	state_siit(&st.siit, e, 3);
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), 0);
	CHECK_INT(p.n, 1);
	CHECK(op_is(&p, 0, REC_EAM_RM, JOOL_XT_SIIT, "v6gate-siit"));
	CHECK(p.n > 0 && eam_is(&p.ops[0].u.eam, "192.0.2.70",
	    "2001:db8:200::70"));
	reconcile_free(&p);
	reconcile_state_free(&st);
	conf_free(gc);

	/* changed: .60's IPv6 side moved, .50 removed, .40 added; every
	   removal before any addition, each in IPv4 order */
	gc = load_with(0, 1, NULL, "192.0.2.70=2001:db8:200::70,"
	    "192.0.2.60=2001:db8:200::61,192.0.2.40=2001:db8:200::40");
	state_siit(&st.siit, e, 3);
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), 0);
	CHECK_INT(p.n, 4);
	CHECK(op_is(&p, 0, REC_EAM_RM, JOOL_XT_SIIT, "v6gate-siit"));
	CHECK(p.n > 0 && eam_is(&p.ops[0].u.eam, "192.0.2.50",
	    "2001:db8:200::50"));
	CHECK(op_is(&p, 1, REC_EAM_RM, JOOL_XT_SIIT, "v6gate-siit"));
	CHECK(p.n > 1 && eam_is(&p.ops[1].u.eam, "192.0.2.60",
	    "2001:db8:200::60"));
	CHECK(op_is(&p, 2, REC_EAM_ADD, JOOL_XT_SIIT, "v6gate-siit"));
	CHECK(p.n > 2 && eam_is(&p.ops[2].u.eam, "192.0.2.40",
	    "2001:db8:200::40"));
	CHECK(op_is(&p, 3, REC_EAM_ADD, JOOL_XT_SIIT, "v6gate-siit"));
	CHECK(p.n > 3 && eam_is(&p.ops[3].u.eam, "192.0.2.60",
	    "2001:db8:200::61"));
	reconcile_free(&p);
	reconcile_state_free(&st);
	conf_free(gc);

	/* the last SIIT service gone: the instance stays, empty */
	gc = load_with(0, 1, NULL, NULL);
	state_siit(&st.siit, e, 1);
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), 0);
	CHECK_INT(p.n, 1);
	CHECK(op_is(&p, 0, REC_EAM_RM, JOOL_XT_SIIT, "v6gate-siit"));
	CHECK_STR(p.own_siit, "v6gate-siit");
	reconcile_free(&p);
	reconcile_state_free(&st);
	conf_free(gc);
}

static void
check_pool6_change(void)
{
	struct gw_conf		*gc = load_with(1, 0, T_MAIL, NULL);
	struct rec_state	 st;
	struct rec_plan		 p;
	char			 err[512] = "";

	memset(&st, 0, sizeof(st));
	state_nat64(&st.nat64);
	prefix6(&st.nat64.g.pool6, "2001:db8:65::", 96);
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), -1);
	CHECK_STR(err, "nat64.pool6: the live NAT64 instance \"v6gate\" has "
	    "2001:db8:65::/96; Jool cannot change the pool6 of a NAT64 "
	    "instance (Jool #317).  To recreate it with 2001:db8:64::/96, "
	    "dropping its sessions: v6gatectl reload --recreate-nat64 (or, "
	    "before a start, v6gated --teardown)");
	CHECK(p.n == 0 && p.ops == NULL);

	/* recreate: remove, create, every pool4 entry (the old pool4 is
	   not looked at: reconcile_read() does not read it) */
	free(st.nat64.pool4);
	st.nat64.pool4 = NULL;
	st.nat64.npool4 = 0;
	err[0] = '\0';
	CHECK_INT(reconcile_plan_state(&st, gc, 1, &p, err, sizeof(err)), 0);
	CHECK_STR(err, "");
	CHECK_INT(p.n, 5);
	CHECK(op_is(&p, 0, REC_INSTANCE_RM, JOOL_XT_NAT64, "v6gate"));
	CHECK(op_is(&p, 1, REC_INSTANCE_ADD, JOOL_XT_NAT64, "v6gate"));
	CHECK(p.n > 1 && prefix6_is(&p.ops[1].u.pool6, T_POOL6_ADDR, 96));
	CHECK(op_is(&p, 2, REC_POOL4_ADD, JOOL_XT_NAT64, "v6gate"));
	CHECK(p.n > 2 && pool4_is(&p.ops[2].u.p4, JOOL_L4_TCP, 61001, 65535));
	CHECK(op_is(&p, 3, REC_POOL4_ADD, JOOL_XT_NAT64, "v6gate"));
	CHECK(p.n > 3 && pool4_is(&p.ops[3].u.p4, JOOL_L4_UDP, 61001, 65535));
	CHECK(op_is(&p, 4, REC_POOL4_ADD, JOOL_XT_NAT64, "v6gate"));
	CHECK(p.n > 4 && pool4_is(&p.ops[4].u.p4, JOOL_L4_ICMP, 0, 65535));
	CHECK_STR(p.own_nat64, "v6gate");
	reconcile_free(&p);

	/* another length only is a change too */
	prefix6(&st.nat64.g.pool6, T_POOL6_ADDR, 64);
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), -1);
	CHECK(strstr(err, "has 2001:db8:64::/64;") != NULL);
	reconcile_state_free(&st);
	conf_free(gc);
}

static void
check_not_owned(void)
{
	struct gw_conf		*gc = load_with(1, 1, T_MAIL,
	    "192.0.2.50=2001:db8:200::50");
	struct rec_state	 st;
	struct rec_plan		 p;
	struct jool_eam		 e;
	char			 err[512] = "";

	eam(&e, "192.0.2.50", "2001:db8:200::50");
	/* not in the ownership file */
	memset(&st, 0, sizeof(st));
	st.nat64.exists = 1;
	CHECK_INT(reconcile_plan_state(&st, gc, 1, &p, err, sizeof(err)), -1);
	CHECK_STR(err, "nat64.instance: Jool instance \"v6gate\" exists and "
	    "was not created by v6gate; v6gate never touches it (choose "
	    "another name, or remove it: jool instance remove v6gate)");
	CHECK(p.n == 0 && p.ops == NULL);

	/* the file names another one: refused as well, nothing removed */
	snprintf(st.nat64.owned, sizeof(st.nat64.owned), "old");
	st.nat64.owned_exists = 1;
	err[0] = '\0';
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), -1);
	CHECK_STR(err, "nat64.instance: Jool instance \"v6gate\" exists and "
	    "was not created by v6gate; v6gate never touches it (choose "
	    "another name, or remove it: jool instance remove v6gate)");
	CHECK(p.n == 0 && p.ops == NULL);

	/* SIIT: after a NAT64 that is fine */
	memset(&st, 0, sizeof(st));
	state_nat64(&st.nat64);
	st.siit.exists = 1;
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), -1);
	CHECK_STR(err, "siit.instance: Jool instance \"v6gate-siit\" exists "
	    "and was not created by v6gate; v6gate never touches it (choose "
	    "another name, or remove it: jool_siit instance remove "
	    "v6gate-siit)");
	CHECK(p.n == 0 && p.ops == NULL);
	reconcile_state_free(&st);
	conf_free(gc);
}

/* An owned instance the config no longer names is removed. */
static void
check_block_removed(void)
{
	struct gw_conf		*gc = load_with(0, 0, NULL, NULL);
	struct rec_state	 st;
	struct rec_plan		 p;
	char			 err[512] = "", what[256];

	memset(&st, 0, sizeof(st));
	snprintf(st.nat64.owned, sizeof(st.nat64.owned), "v6gate");
	st.nat64.owned_exists = 1;
	snprintf(st.siit.owned, sizeof(st.siit.owned), "v6gate-siit");
	st.siit.owned_exists = 1;
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), 0);
	CHECK_INT(p.n, 2);
	CHECK(op_is(&p, 0, REC_INSTANCE_RM, JOOL_XT_NAT64, "v6gate"));
	CHECK(op_is(&p, 1, REC_INSTANCE_RM, JOOL_XT_SIIT, "v6gate-siit"));
	if (p.n > 1) {
		reconcile_describe(&p.ops[1], what, sizeof(what));
		CHECK_STR(what, "siit instance v6gate-siit: remove");
	}
	CHECK_STR(p.own_nat64, "");
	CHECK_STR(p.own_siit, "");
	reconcile_free(&p);

	/* already gone: nothing to do, and no longer owned */
	st.nat64.owned_exists = st.siit.owned_exists = 0;
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), 0);
	CHECK_INT(p.n, 0);
	CHECK_STR(p.own_nat64, "");
	CHECK_STR(p.own_siit, "");
	reconcile_free(&p);
	conf_free(gc);

	/* renamed: the old one removed first, the new one created */
	gc = load_with(1, 0, T_MAIL, NULL);
	snprintf(st.nat64.owned, sizeof(st.nat64.owned), "old");
	st.nat64.owned_exists = 1;
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), 0);
	CHECK_INT(p.n, 5);
	CHECK(op_is(&p, 0, REC_INSTANCE_RM, JOOL_XT_NAT64, "old"));
	CHECK(op_is(&p, 1, REC_INSTANCE_ADD, JOOL_XT_NAT64, "v6gate"));
	CHECK(op_is(&p, 4, REC_POOL4_ADD, JOOL_XT_NAT64, "v6gate"));
	CHECK_STR(p.own_nat64, "v6gate");
	CHECK_STR(p.own_siit, "");
	reconcile_free(&p);
	conf_free(gc);
}

static void
check_globals(void)
{
	struct gw_conf		*gc = load_with(1, 1, T_MAIL,
	    "192.0.2.50=2001:db8:200::50");
	struct rec_state	 st;
	struct rec_plan		 p;
	struct jool_eam		 e;
	char			 err[512] = "", what[256];
	const struct jool_globals *g;

	eam(&e, "192.0.2.50", "2001:db8:200::50");
	state_nat64(&st.nat64);
	state_siit(&st.siit, &e, 1);

	/* NAT64 disabled: enabled again, nothing else */
	st.nat64.g.enabled = 0;
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), 0);
	CHECK_INT(p.n, 1);
	CHECK(op_is(&p, 0, REC_GLOBALS, JOOL_XT_NAT64, "v6gate"));
	if (p.n > 0) {
		g = &p.ops[0].u.g;
		CHECK_INT(g->enabled, 1);
		CHECK_INT(g->has_pool6, 0);
		CHECK_INT(g->bib_logging, -1);
		CHECK_INT(g->session_logging, -1);
		reconcile_describe(&p.ops[0], what, sizeof(what));
		CHECK_STR(what, "nat64 instance v6gate: set enabled");
	}
	reconcile_free(&p);
	st.nat64.g.enabled = 1;

	/* SIIT pool6 changed (it is a global there): set, enabled left */
	prefix6(&st.siit.g.pool6, "2001:db8:46::", 96);
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), 0);
	CHECK_INT(p.n, 1);
	CHECK(op_is(&p, 0, REC_GLOBALS, JOOL_XT_SIIT, "v6gate-siit"));
	if (p.n > 0) {
		g = &p.ops[0].u.g;
		CHECK_INT(g->enabled, -1);
		CHECK_INT(g->has_pool6, 1);
		CHECK(prefix6_is(&g->pool6, T_SIIT6_ADDR, 96));
		CHECK_INT(g->bib_logging, -1);
		reconcile_describe(&p.ops[0], what, sizeof(what));
		CHECK_STR(what, "siit instance v6gate-siit: set pool6 "
		    "64:ff9b::/96");
	}
	reconcile_free(&p);

	/* ... and disabled as well: one op for both, before the EAMs */
	st.siit.g.enabled = 0;
	st.siit.neam = 0;
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), 0);
	CHECK_INT(p.n, 2);
	CHECK(op_is(&p, 0, REC_GLOBALS, JOOL_XT_SIIT, "v6gate-siit"));
	if (p.n > 0) {
		g = &p.ops[0].u.g;
		CHECK_INT(g->enabled, 1);
		CHECK_INT(g->has_pool6, 1);
		CHECK(prefix6_is(&g->pool6, T_SIIT6_ADDR, 96));
		reconcile_describe(&p.ops[0], what, sizeof(what));
		CHECK_STR(what, "siit instance v6gate-siit: set enabled pool6 "
		    "64:ff9b::/96");
	}
	CHECK(op_is(&p, 1, REC_EAM_ADD, JOOL_XT_SIIT, "v6gate-siit"));
	reconcile_free(&p);

	/* SIIT without a pool6 */
	st.siit.g.enabled = 1;
	st.siit.neam = 1;
	st.siit.g.has_pool6 = 0;
	memset(&st.siit.g.pool6, 0, sizeof(st.siit.g.pool6));
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), 0);
	CHECK_INT(p.n, 1);
	CHECK(op_is(&p, 0, REC_GLOBALS, JOOL_XT_SIIT, "v6gate-siit"));
	CHECK(p.n > 0 && p.ops[0].u.g.has_pool6 == 1 &&
	    p.ops[0].u.g.enabled == -1);
	reconcile_free(&p);
	reconcile_state_free(&st);
	conf_free(gc);
}

/* "192.0.2.x=2001:db8:200::x" for x from..to-1, comma separated. */
static void
eams_text(char *buf, size_t len, int from, int to, const char *v6)
{
	size_t	off = 0;
	int	i;

	buf[0] = '\0';
	for (i = from; i < to; i++)
		off += snprintf(buf + off, len - off, "%s192.0.2.%d=%s%d",
		    i > from ? "," : "", i, v6, i);
}

/*
 * From REC_ATOMIC_MIN (16) changes of an existing SIIT instance on, counted
 * with its globals op, the whole content goes in one transaction.
 */
static void
check_atomic(void)
{
	struct gw_conf		*gc;
	struct rec_state	 st;
	struct rec_plan		 p;
	struct jool_eam		 e, old[8];
	char			 err[512] = "", text[4096];
	char			 a4[32], a6[64];
	size_t			 i;

	eam(&e, "192.0.2.1", "2001:db8:200::1");
	memset(&st, 0, sizeof(st));

	/* 15 additions: one by one */
	eams_text(text, sizeof(text), 1, 17, "2001:db8:200::");
	gc = load_with(0, 1, NULL, text);
	state_siit(&st.siit, &e, 1);
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), 0);
	CHECK_INT(p.n, 15);
	for (i = 0; i < p.n; i++)
		CHECK(op_is(&p, i, REC_EAM_ADD, JOOL_XT_SIIT, "v6gate-siit"));
	CHECK_INT(p.natomic, 0);
	reconcile_free(&p);

	/* 15 additions and the globals: 16, at once */
	st.siit.g.enabled = 0;
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), 0);
	CHECK_INT(p.n, 1);
	CHECK(op_is(&p, 0, REC_SIIT_ATOMIC, JOOL_XT_SIIT, "v6gate-siit"));
	CHECK_INT(p.natomic, 16);
	CHECK(prefix6_is(&p.atomic_pool6, T_SIIT6_ADDR, 96));
	reconcile_free(&p);
	reconcile_state_free(&st);
	conf_free(gc);

	/* 16 additions */
	eams_text(text, sizeof(text), 1, 18, "2001:db8:200::");
	gc = load_with(0, 1, NULL, text);
	state_siit(&st.siit, &e, 1);
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), 0);
	CHECK_INT(p.n, 1);
	CHECK(op_is(&p, 0, REC_SIIT_ATOMIC, JOOL_XT_SIIT, "v6gate-siit"));
	CHECK_INT(p.natomic, 17);
	/* the config's order */
	CHECK(p.natomic > 16 && eam_is(&p.atomic_eam[16], "192.0.2.17",
	    "2001:db8:200::17"));
	CHECK_STR(p.own_siit, "v6gate-siit");
	reconcile_free(&p);
	reconcile_state_free(&st);

	/* 8 entries moved (8 removals, 8 additions), after an old owned
	   instance's removal, which stays its own op, first */
	conf_free(gc);
	for (i = 0; i < 8; i++) {
		snprintf(a4, sizeof(a4), "192.0.2.%zu", i + 1);
		snprintf(a6, sizeof(a6), "2001:db8:300::%zu", i + 1);
		eam(&old[i], a4, a6);
	}
	state_siit(&st.siit, old, 8);
	eams_text(text, sizeof(text), 1, 9, "2001:db8:200::");
	gc = load_with(0, 1, NULL, text);
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), 0);
	CHECK_INT(p.n, 1);
	CHECK(op_is(&p, 0, REC_SIIT_ATOMIC, JOOL_XT_SIIT, "v6gate-siit"));
	CHECK_INT(p.natomic, 8);
	reconcile_free(&p);
	/* renamed meanwhile: the old one is removed, the new one is fresh */
	snprintf(st.siit.owned, sizeof(st.siit.owned), "old-siit");
	st.siit.owned_exists = 1;
	st.siit.exists = 0;
	CHECK_INT(reconcile_plan_state(&st, gc, 0, &p, err, sizeof(err)), 0);
	CHECK_INT(p.n, 2);
	CHECK(op_is(&p, 0, REC_INSTANCE_RM, JOOL_XT_SIIT, "old-siit"));
	CHECK(op_is(&p, 1, REC_SIIT_ATOMIC, JOOL_XT_SIIT, "v6gate-siit"));
	CHECK_INT(p.natomic, 8);
	CHECK_STR(p.own_siit, "v6gate-siit");
	reconcile_free(&p);
	reconcile_state_free(&st);
	conf_free(gc);
}

static void
check_teardown(void)
{
	struct rec_state	st;
	struct rec_plan		p;
	char			err[512] = "";

	memset(&st, 0, sizeof(st));
	CHECK_INT(reconcile_teardown_state(&st, &p, err, sizeof(err)), 0);
	CHECK_INT(p.n, 0);
	reconcile_free(&p);
	snprintf(st.nat64.owned, sizeof(st.nat64.owned), "v6gate");
	snprintf(st.siit.owned, sizeof(st.siit.owned), "v6gate-siit");
	st.siit.owned_exists = 1;
	CHECK_INT(reconcile_teardown_state(&st, &p, err, sizeof(err)), 0);
	CHECK_INT(p.n, 1);
	CHECK(op_is(&p, 0, REC_INSTANCE_RM, JOOL_XT_SIIT, "v6gate-siit"));
	CHECK_STR(p.own_nat64, "");
	CHECK_STR(p.own_siit, "");
	reconcile_free(&p);
	st.nat64.owned_exists = 1;
	CHECK_INT(reconcile_teardown_state(&st, &p, err, sizeof(err)), 0);
	CHECK_INT(p.n, 2);
	CHECK(op_is(&p, 0, REC_INSTANCE_RM, JOOL_XT_NAT64, "v6gate"));
	CHECK(op_is(&p, 1, REC_INSTANCE_RM, JOOL_XT_SIIT, "v6gate-siit"));
	reconcile_free(&p);
}

int
main(void)
{
	check_fresh_nat64();
	check_fresh_siit();
	check_nothing_to_do();
	check_nat64_changes();
	check_eam_changes();
	check_pool6_change();
	check_not_owned();
	check_block_removed();
	check_globals();
	check_atomic();
	check_teardown();
	return t_done("test_reconcile");
}
