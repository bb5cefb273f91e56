/* SPDX-License-Identifier: ISC */
/*
 * kcount's attribution (src/acct/kcount.c, kcount_plan() and its state),
 * without a kernel: what a read of the counting sets adds to which
 * service, against the last read and the owner map of configs loaded as
 * the daemon loads them.  A first read with and without stored values, a
 * normal delta, a counter that went backwards, a table made again, a new
 * boot, an element that changes hands, a removed service's element read
 * once more and swept, an element nobody owns, the elements of a service
 * summed, and both families in both directions.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acct/counters.h"
#include "acct/kcount.h"
#include "conf/conf.h"
#include "guard/guard.h"
#include "t.h"

#define NAT64_BLOCK							\
	"nat64: { instance = \"v6gate\";\n"				\
	" pool6 = \"2001:db8:64::/96\";\n"				\
	" pool4 = ( { address = \"192.0.2.1\"; protocol = \"tcp\";\n"	\
	"  ports = \"61001-65535\"; },\n"				\
	"  { address = \"192.0.2.1\"; protocol = \"icmp\"; } ); };\n"
#define SIIT_BLOCK							\
	"siit: { instance = \"v6gate-siit\"; pool6 = \"64:ff9b::/96\"; };\n"
/* web and www have the same backend and ports: the same elements */
#define SVC_NAT64(name, backend, ports)					\
	"{ name = \"" name "\"; mode = \"nat64\"; backend = \"" backend	\
	"\";\n  ports = [ " ports " ]; }"
#define SVC_WEB	SVC_NAT64("web", "192.0.2.2", "\"tcp/80\", \"icmp\"")
#define SVC_WWW	SVC_NAT64("www", "192.0.2.2", "\"tcp/80\", \"icmp\"")
#define SVC_MAIL SVC_NAT64("mail", "192.0.2.9", "\"tcp/25\"")
#define SVC_APP								\
	"{ name = \"app\"; mode = \"siit\"; ipv4 = \"192.0.2.50\";\n"	\
	"  ipv6 = \"2001:db8:200::50\"; }"

/* The services' counters: owners are only compared, never read. */
static struct acct_service	s_web, s_www, s_mail, s_app, s_old;

/* A config, its elements, and its services' counters by index. */
struct cfg {
	struct gw_conf		*gc;
	struct guard_elems	 ge;
	struct acct_service	*svcs[8];
};

static void
cfg_load(struct cfg *c, const char *text)
{
	struct conf_report	 rep;
	size_t			 i;

	memset(c, 0, sizeof(*c));
	c->gc = conf_load_string("(kcount)", text, &rep);
	for (i = 0; i < rep.nerrors; i++)
		fprintf(stderr, "%s\n", rep.errors[i]);
	conf_report_free(&rep);
	if (c->gc == NULL || c->gc->nservices > 8) {
		fprintf(stderr, "config refused:\n%s\n", text);
		exit(1);
	}
	if (guard_elems_build(c->gc, &c->ge) == -1) {
		fprintf(stderr, "guard_elems_build: out of memory\n");
		exit(1);
	}
	for (i = 0; i < c->gc->nservices; i++) {
		const char *n = c->gc->services[i].name;

		c->svcs[i] = strcmp(n, "web") == 0 ? &s_web :
		    strcmp(n, "www") == 0 ? &s_www :
		    strcmp(n, "mail") == 0 ? &s_mail :
		    strcmp(n, "app") == 0 ? &s_app : NULL;
	}
}

static void
cfg_free(struct cfg *c)
{
	guard_elems_free(&c->ge);
	conf_free(c->gc);
}

/* The element of set that service name owns in c (exits if none). */
static struct guard_key
key_of(const struct cfg *c, const char *name, enum guard_set set)
{
	size_t	i;

	for (i = 0; i < c->ge.n; i++)
		if (c->ge.v[i].k.set == set &&
		    strcmp(c->gc->services[c->ge.v[i].svc].name, name) == 0)
			return c->ge.v[i].k;
	fprintf(stderr, "no %s element of %s\n", guard_sets[set].name, name);
	exit(1);
}

/* A read of table, in boot, of whole sets unless partial. */
static void
rd_init(struct kcount_read *rd, uint64_t table, const char *boot)
{
	memset(rd, 0, sizeof(*rd));
	rd->table = table;
	snprintf(rd->boot, sizeof(rd->boot), "%s", boot);
	rd->whole = 1;
}

/* What a plan gives svc (zero cells when nothing). */
static const struct acct_cell *
delta_of(const struct kcount_plan *p, const struct acct_service *svc)
{
	static const struct acct_cell	zero[ACCT_NFAMILY];
	size_t				i;

	for (i = 0; i < p->ndelta; i++)
		if (p->delta[i].svc == svc)
			return p->delta[i].kern;
	return zero;
}

#define CHECK_CELL(c, pi, bi, po, bo) do {				\
	CHECK_INT((c).packets_in, pi);					\
	CHECK_INT((c).bytes_in, bi);					\
	CHECK_INT((c).packets_out, po);					\
	CHECK_INT((c).bytes_out, bo);					\
} while (0)

/* Plan rd against *st, then take the plan's state as the last read. */
static void
step(struct kcount_state *st, struct kcount_read *rd, const struct cfg *c,
    struct kcount_plan *p)
{
	char	err[128];

	CHECK(kcount_plan(st, rd, c != NULL ? &c->ge : NULL,
	    c != NULL ? c->svcs : NULL, p, err, sizeof(err)) == 0);
	kcount_read_free(rd);
}

static void
take(struct kcount_state *st, struct kcount_plan *p)
{
	kcount_state_free(st);
	*st = p->next;
	memset(&p->next, 0, sizeof(p->next));
	kcount_plan_free(p);
}

/* The row of k is among st's rows to delete. */
static int
is_gone(const struct kcount_state *st, const struct guard_key *k)
{
	size_t	i;

	for (i = 0; i < st->ngone; i++)
		if (memcmp(&st->gone[i], k, sizeof(*k)) == 0)
			return 1;
	return 0;
}

static struct kcount_elem *
stored_row(struct kcount_state *st, const struct guard_key *k,
    struct acct_service *owner, uint64_t table, uint64_t packets,
    uint64_t bytes)
{
	struct kcount_elem	*e = kcount_state_add(st, k);

	CHECK(e != NULL);
	if (e == NULL)
		exit(1);
	e->stored = 1;
	e->owner = owner;
	e->table = table;
	e->packets = packets;
	e->bytes = bytes;
	return e;
}

int
main(void)
{
	struct cfg		 a, b, c;
	struct kcount_state	 st, prev;
	struct kcount_read	 rd;
	struct kcount_plan	 p;
	struct kcount_elem	*e;
	struct guard_key	 w_ports, w_echo, w_out, w_echo_out, w_hosts,
				 m_ports, a_v4, a_srv, stray, k;
	const struct acct_cell	*d;
	uint8_t			 seen6[40], seen4[8], client[16];
	size_t			 i;

	snprintf(s_web.name, sizeof(s_web.name), "web");
	snprintf(s_www.name, sizeof(s_www.name), "www");
	snprintf(s_mail.name, sizeof(s_mail.name), "mail");
	snprintf(s_app.name, sizeof(s_app.name), "app");
	snprintf(s_old.name, sizeof(s_old.name), "old");
	cfg_load(&a, NAT64_BLOCK SIIT_BLOCK
	    "services = ( " SVC_WEB ", " SVC_MAIL ", " SVC_APP " );\n");
	/* web renamed www: its elements change hands */
	cfg_load(&b, NAT64_BLOCK SIIT_BLOCK
	    "services = ( " SVC_WWW ", " SVC_MAIL ", " SVC_APP " );\n");
	/* mail removed */
	cfg_load(&c, NAT64_BLOCK SIIT_BLOCK
	    "services = ( " SVC_WEB ", " SVC_APP " );\n");
	w_ports = key_of(&a, "web", GUARD_NAT64_PORTS);
	w_echo = key_of(&a, "web", GUARD_NAT64_ECHO);
	w_hosts = key_of(&a, "web", GUARD_NAT64_HOSTS);
	w_out = key_of(&a, "web", GUARD_NAT64_OUT);
	w_echo_out = key_of(&a, "web", GUARD_NAT64_ECHO_OUT);
	m_ports = key_of(&a, "mail", GUARD_NAT64_PORTS);
	a_v4 = key_of(&a, "app", GUARD_SIIT_V4);
	a_srv = key_of(&a, "app", GUARD_SIIT_SERVERS);
	/* an element of the sets that no config names */
	stray = w_ports;
	stray.key[15] ^= 0x55;
	CHECK(guard_elems_owner(&a.ge, &stray) == -1);
	k = key_of(&b, "www", GUARD_NAT64_PORTS);
	CHECK(memcmp(&k, &w_ports, sizeof(w_ports)) == 0);
	CHECK(guard_elems_owner(&c.ge, &m_ports) == -1);

	/* 1. The first read of a run, nothing stored: every element counts
	   whole, for the map's owner; both families, both directions */
	memset(&st, 0, sizeof(st));
	snprintf(st.boot, sizeof(st.boot), "boot-1");
	rd_init(&rd, 7, "boot-1");
	kcount_read_add(&rd, &w_ports, 10, 1000);	/* nat64 in */
	kcount_read_add(&rd, &w_echo, 2, 168);		/* nat64 in, echo */
	kcount_read_add(&rd, &w_out, 8, 4000);		/* nat64 out */
	kcount_read_add(&rd, &w_echo_out, 2, 168);	/* nat64 out, echo */
	kcount_read_add(&rd, &a_v4, 3, 300);		/* siit in */
	kcount_read_add(&rd, &a_srv, 4, 400);		/* siit out */
	kcount_read_add(&rd, &m_ports, 0, 0);		/* made, silent */
	step(&st, &rd, NULL, &p);	/* no map known yet: nobody's */
	CHECK_INT(p.ndelta, 0);
	CHECK_INT(p.nsweep, 0);		/* and nothing swept without one */
	kcount_plan_free(&p);

	rd_init(&rd, 7, "boot-1");
	kcount_read_add(&rd, &w_ports, 10, 1000);
	kcount_read_add(&rd, &w_echo, 2, 168);
	kcount_read_add(&rd, &w_out, 8, 4000);
	kcount_read_add(&rd, &w_echo_out, 2, 168);
	kcount_read_add(&rd, &a_v4, 3, 300);
	kcount_read_add(&rd, &a_srv, 4, 400);
	kcount_read_add(&rd, &m_ports, 0, 0);
	step(&st, &rd, &a, &p);
	CHECK(!p.remade);
	CHECK(!p.reboot);
	CHECK_INT(p.nreset, 0);
	CHECK_INT(p.nsweep, 0);
	CHECK_INT(p.ndelta, 2);		/* web, app: mail moved nothing */
	/* web's two elements of each direction summed, in IPv6 */
	d = delta_of(&p, &s_web);
	CHECK_CELL(d[ACCT_IPV6], 12, 1168, 10, 4168);
	CHECK_CELL(d[ACCT_IPV4], 0, 0, 0, 0);
	/* siit's family is IPv4: in = to its IPv4, out = its server's */
	d = delta_of(&p, &s_app);
	CHECK_CELL(d[ACCT_IPV4], 3, 300, 4, 400);
	CHECK_CELL(d[ACCT_IPV6], 0, 0, 0, 0);
	d = delta_of(&p, &s_mail);
	CHECK_CELL(d[ACCT_IPV6], 0, 0, 0, 0);
	CHECK_INT(p.next.n, 7);
	CHECK(p.next.dirty);
	CHECK_STR(p.next.boot, "boot-1");
	e = kcount_state_find(&p.next, &w_ports);
	CHECK(e != NULL && e->owner == &s_web && e->dirty && !e->stored &&
	    e->table == 7 && e->packets == 10 && e->bytes == 1000);
	/* a silent element needs no row, but is remembered */
	e = kcount_state_find(&p.next, &m_ports);
	CHECK(e != NULL && e->owner == &s_mail && !e->dirty);
	/* the state planned against is left as it was */
	CHECK_INT(st.n, 0);
	take(&st, &p);
	kcount_state_stored(&st);
	CHECK(!st.dirty);
	e = kcount_state_find(&st, &w_ports);
	CHECK(e != NULL && e->stored && !e->dirty);
	e = kcount_state_find(&st, &m_ports);
	CHECK(e != NULL && !e->stored);

	/* 2. A normal delta: only what moved, to whom it was counted; an
	   element that did not move stays clean */
	rd_init(&rd, 7, "boot-1");
	kcount_read_add(&rd, &w_ports, 25, 2500);
	kcount_read_add(&rd, &w_echo, 2, 168);
	kcount_read_add(&rd, &w_out, 20, 9000);
	kcount_read_add(&rd, &w_echo_out, 2, 168);
	kcount_read_add(&rd, &a_v4, 5, 500);
	kcount_read_add(&rd, &a_srv, 4, 400);
	kcount_read_add(&rd, &m_ports, 1, 60);
	step(&st, &rd, &a, &p);
	CHECK(!p.remade);
	CHECK_INT(p.nreset, 0);
	d = delta_of(&p, &s_web);
	CHECK_CELL(d[ACCT_IPV6], 15, 1500, 12, 5000);
	d = delta_of(&p, &s_app);
	CHECK_CELL(d[ACCT_IPV4], 2, 200, 0, 0);
	d = delta_of(&p, &s_mail);
	CHECK_CELL(d[ACCT_IPV6], 1, 60, 0, 0);
	e = kcount_state_find(&p.next, &w_echo);
	CHECK(e != NULL && !e->dirty && e->stored);
	e = kcount_state_find(&p.next, &w_ports);
	CHECK(e != NULL && e->dirty && e->packets == 25);
	take(&st, &p);
	kcount_state_stored(&st);

	/* 3. A counter that went backwards (reset, or the element made
	   again): counted from its new value, never a negative delta, and
	   reported for the log; packets alone going back is a reset too */
	rd_init(&rd, 7, "boot-1");
	kcount_read_add(&rd, &w_ports, 3, 300);		/* was 25, 2500 */
	kcount_read_add(&rd, &w_echo, 2, 168);
	kcount_read_add(&rd, &w_out, 19, 9500);		/* was 20, 9000 */
	kcount_read_add(&rd, &w_echo_out, 2, 168);
	kcount_read_add(&rd, &a_v4, 5, 500);
	kcount_read_add(&rd, &a_srv, 4, 400);
	kcount_read_add(&rd, &m_ports, 1, 60);
	step(&st, &rd, &a, &p);
	CHECK(!p.remade);
	CHECK_INT(p.nreset, 2);
	CHECK(p.nreset == 2 &&
	    memcmp(&p.reset[0].k, &w_ports, sizeof(w_ports)) == 0 &&
	    p.reset[0].owner == &s_web && p.reset[0].was == 2500 &&
	    p.reset[0].now == 300);
	CHECK(p.nreset == 2 &&
	    memcmp(&p.reset[1].k, &w_out, sizeof(w_out)) == 0 &&
	    p.reset[1].was == 9000 && p.reset[1].now == 9500);
	d = delta_of(&p, &s_web);
	CHECK_CELL(d[ACCT_IPV6], 3, 300, 19, 9500);
	CHECK_INT(p.ndelta, 1);
	/* and from there on the new value is the base: not twice */
	take(&st, &p);
	kcount_state_stored(&st);
	rd_init(&rd, 7, "boot-1");
	kcount_read_add(&rd, &w_ports, 4, 400);
	kcount_read_add(&rd, &w_echo, 2, 168);
	kcount_read_add(&rd, &w_out, 19, 9500);
	kcount_read_add(&rd, &w_echo_out, 2, 168);
	kcount_read_add(&rd, &a_v4, 5, 500);
	kcount_read_add(&rd, &a_srv, 4, 400);
	kcount_read_add(&rd, &m_ports, 1, 60);
	step(&st, &rd, &a, &p);
	CHECK_INT(p.nreset, 0);
	d = delta_of(&p, &s_web);
	CHECK_CELL(d[ACCT_IPV6], 1, 100, 0, 0);
	take(&st, &p);
	kcount_state_stored(&st);

	/* 4. The table made again (a new handle): every counter counts
	   from its value, reported once, none as a reset */
	rd_init(&rd, 8, "boot-1");
	kcount_read_add(&rd, &w_ports, 1, 100);
	kcount_read_add(&rd, &w_echo, 0, 0);
	kcount_read_add(&rd, &a_v4, 9, 900);
	step(&st, &rd, &a, &p);
	CHECK(p.remade);
	CHECK_INT(p.nreset, 0);
	d = delta_of(&p, &s_web);
	CHECK_CELL(d[ACCT_IPV6], 1, 100, 0, 0);
	d = delta_of(&p, &s_app);
	CHECK_CELL(d[ACCT_IPV4], 9, 900, 0, 0);
	/* a zero counter of a new table moved all the same: its row
	   must learn the new handle */
	e = kcount_state_find(&p.next, &w_echo);
	CHECK(e != NULL && e->dirty && e->table == 8);
	/* what the whole read lacks is gone, its row deleted (mail's
	   silent element had none) */
	CHECK_INT(p.next.n, 3);
	CHECK(kcount_state_find(&p.next, &w_out) == NULL);
	CHECK(is_gone(&p.next, &w_out));
	CHECK(is_gone(&p.next, &w_echo_out));
	CHECK(is_gone(&p.next, &a_srv));
	CHECK(is_gone(&p.next, &m_ports));	/* stored at step 2 */
	CHECK_INT(p.next.ngone, 4);
	take(&st, &p);
	kcount_state_stored(&st);
	CHECK_INT(st.ngone, 0);

	/* 5. A first read with stored values (a restart): the delta since
	   the stored values, for the owner stored with them (here one the
	   config no longer has), the others counted whole for the map's
	   owners; a stored value of another table counts from its value */
	kcount_state_free(&st);
	memset(&st, 0, sizeof(st));
	snprintf(st.boot, sizeof(st.boot), "boot-1");
	stored_row(&st, &w_ports, &s_old, 8, 10, 1000);
	stored_row(&st, &w_out, &s_web, 5, 10, 1000);	/* old table */
	stored_row(&st, &m_ports, &s_mail, 8, 7, 700);	/* not read */
	prev = st;
	rd_init(&rd, 8, "boot-1");
	kcount_read_add(&rd, &w_ports, 15, 1500);
	kcount_read_add(&rd, &w_out, 12, 1200);
	kcount_read_add(&rd, &a_v4, 1, 40);
	step(&st, &rd, &a, &p);
	CHECK(p.remade == 0);		/* v[0]'s table is this one */
	CHECK_INT(p.nreset, 0);
	d = delta_of(&p, &s_old);
	CHECK_CELL(d[ACCT_IPV6], 5, 500, 0, 0);
	d = delta_of(&p, &s_web);
	CHECK_CELL(d[ACCT_IPV6], 0, 0, 12, 1200);
	d = delta_of(&p, &s_app);
	CHECK_CELL(d[ACCT_IPV4], 1, 40, 0, 0);
	e = kcount_state_find(&p.next, &w_ports);
	CHECK(e != NULL && e->owner == &s_old && e->stored && e->dirty);
	CHECK(is_gone(&p.next, &m_ports));
	/* prev untouched */
	CHECK(st.v == prev.v && st.n == 3 && st.ngone == 0);
	CHECK(kcount_state_find(&st, &w_ports)->packets == 10);
	/* the config's owner from the apply on (kcount_apply()) */
	take(&st, &p);
	CHECK(kcount_state_reown(&st, &a.ge, a.svcs) == 1);
	e = kcount_state_find(&st, &w_ports);
	CHECK(e != NULL && e->owner == &s_web);
	kcount_state_stored(&st);

	/* 6. A new boot: the stored values are of another boot, every
	   counter started again; all counted from its value, for the map's
	   owners, the old rows deleted, no table report */
	rd_init(&rd, 8, "boot-2");
	kcount_read_add(&rd, &w_ports, 2, 200);		/* less than 15 */
	kcount_read_add(&rd, &a_v4, 7, 700);		/* more than 1 */
	for (i = 0; i < st.n; i++)
		st.v[i].owner = &s_old;
	step(&st, &rd, &a, &p);
	CHECK(p.reboot);
	CHECK(!p.remade);
	CHECK_INT(p.nreset, 0);
	d = delta_of(&p, &s_web);
	CHECK_CELL(d[ACCT_IPV6], 2, 200, 0, 0);
	d = delta_of(&p, &s_app);
	CHECK_CELL(d[ACCT_IPV4], 7, 700, 0, 0);
	CHECK_INT(delta_of(&p, &s_old)[ACCT_IPV6].bytes_in, 0);
	CHECK_STR(p.next.boot, "boot-2");
	CHECK(is_gone(&p.next, &w_out));
	e = kcount_state_find(&p.next, &w_ports);
	CHECK(e != NULL && e->owner == &s_web && !e->stored && e->dirty);
	kcount_plan_free(&p);
	/* an unknown boot (some containers) on either side is no reboot */
	rd_init(&rd, 8, "");
	kcount_read_add(&rd, &w_ports, 16, 1600);
	step(&st, &rd, &a, &p);
	CHECK(!p.reboot);
	CHECK_STR(p.next.boot, "boot-1");
	CHECK_INT(delta_of(&p, &s_old)[ACCT_IPV6].bytes_in, 100);
	kcount_plan_free(&p);
	kcount_state_free(&st);

	/* 7. An element changes hands (web renamed www): what it counted
	   before the apply is web's, after it www's */
	memset(&st, 0, sizeof(st));
	rd_init(&rd, 9, "boot-2");
	kcount_read_add(&rd, &w_ports, 4, 400);
	kcount_read_add(&rd, &a_v4, 1, 100);
	step(&st, &rd, &a, &p);
	CHECK_INT(delta_of(&p, &s_web)[ACCT_IPV6].bytes_in, 400);
	take(&st, &p);
	kcount_state_stored(&st);
	/* the read before b's commit (kcount_before()): still web's */
	rd_init(&rd, 9, "boot-2");
	kcount_read_add(&rd, &w_ports, 6, 600);
	kcount_read_add(&rd, &a_v4, 1, 100);
	step(&st, &rd, &a, &p);
	CHECK_INT(delta_of(&p, &s_web)[ACCT_IPV6].bytes_in, 200);
	take(&st, &p);
	kcount_state_stored(&st);
	/* b applied: the stored row changed hands, and must be written */
	CHECK(kcount_state_reown(&st, &b.ge, b.svcs) == 1);
	CHECK(st.dirty);
	e = kcount_state_find(&st, &w_ports);
	CHECK(e != NULL && e->owner == &s_www && e->dirty);
	e = kcount_state_find(&st, &a_v4);
	CHECK(e != NULL && e->owner == &s_app && !e->dirty);
	CHECK(kcount_state_reown(&st, &b.ge, b.svcs) == 0);
	kcount_state_stored(&st);
	rd_init(&rd, 9, "boot-2");
	kcount_read_add(&rd, &w_ports, 9, 900);
	kcount_read_add(&rd, &a_v4, 1, 100);
	step(&st, &rd, &b, &p);
	CHECK_INT(delta_of(&p, &s_www)[ACCT_IPV6].packets_in, 3);
	CHECK_INT(delta_of(&p, &s_www)[ACCT_IPV6].bytes_in, 300);
	CHECK_INT(delta_of(&p, &s_web)[ACCT_IPV6].bytes_in, 0);
	CHECK_INT(p.nsweep, 0);
	take(&st, &p);
	kcount_state_free(&st);

	/* 8. A removed service (mail, gone in c): its element is read once
	   more, for it, then swept from the kernel, the state and the
	   history */
	memset(&st, 0, sizeof(st));
	stored_row(&st, &w_ports, &s_web, 9, 1, 100);
	stored_row(&st, &m_ports, &s_mail, 9, 5, 500);
	rd_init(&rd, 9, "boot-2");
	kcount_read_add(&rd, &w_ports, 1, 100);
	kcount_read_add(&rd, &m_ports, 7, 700);
	step(&st, &rd, &c, &p);
	CHECK_INT(p.ndelta, 1);
	CHECK_CELL(delta_of(&p, &s_mail)[ACCT_IPV6], 2, 200, 0, 0);
	CHECK_INT(p.nsweep, 1);
	CHECK(p.nsweep == 1 && memcmp(&p.next.v[p.sweep[0]].k, &m_ports,
	    sizeof(m_ports)) == 0);
	/* the wrapper deletes them from the kernel, then drops them */
	CHECK(kcount_state_drop(&p.next, p.sweep, p.nsweep) == 0);
	CHECK_INT(p.next.n, 1);
	CHECK(kcount_state_find(&p.next, &m_ports) == NULL);
	CHECK(kcount_state_find(&p.next, &w_ports) != NULL);
	CHECK(is_gone(&p.next, &m_ports));
	take(&st, &p);
	kcount_state_stored(&st);
	/* the next read no longer has it: nothing for mail, nothing gone */
	rd_init(&rd, 9, "boot-2");
	kcount_read_add(&rd, &w_ports, 1, 100);
	step(&st, &rd, &c, &p);
	CHECK_INT(p.ndelta, 0);
	CHECK_INT(p.nsweep, 0);
	CHECK_INT(p.next.ngone, 0);
	kcount_plan_free(&p);

	/* a partial read (a dump failed): what it read counts, the rest
	   is kept, nothing swept */
	stored_row(&st, &m_ports, &s_mail, 9, 5, 500);
	rd_init(&rd, 9, "boot-2");
	rd.whole = 0;
	kcount_read_add(&rd, &m_ports, 6, 600);
	step(&st, &rd, &c, &p);
	CHECK_CELL(delta_of(&p, &s_mail)[ACCT_IPV6], 1, 100, 0, 0);
	CHECK_INT(p.nsweep, 0);
	CHECK_INT(p.next.n, 2);
	CHECK(kcount_state_find(&p.next, &w_ports) != NULL);
	CHECK_INT(p.next.ngone, 0);
	kcount_plan_free(&p);
	kcount_state_free(&st);

	/* 9. An element no config owns: counted to nobody, remembered
	   (a row once it moved), swept with a map, kept without */
	memset(&st, 0, sizeof(st));
	rd_init(&rd, 9, "boot-2");
	kcount_read_add(&rd, &stray, 3, 300);
	kcount_read_add(&rd, &w_ports, 1, 100);
	step(&st, &rd, &a, &p);
	CHECK_INT(p.ndelta, 1);
	CHECK_CELL(delta_of(&p, &s_web)[ACCT_IPV6], 1, 100, 0, 0);
	e = kcount_state_find(&p.next, &stray);
	CHECK(e != NULL && e->owner == NULL && e->dirty);
	CHECK_INT(p.nsweep, 1);
	CHECK(p.nsweep == 1 && p.next.v[p.sweep[0]].owner == NULL);
	kcount_plan_free(&p);
	rd_init(&rd, 9, "boot-2");
	kcount_read_add(&rd, &stray, 3, 300);
	step(&st, &rd, NULL, &p);
	CHECK_INT(p.ndelta, 0);
	CHECK_INT(p.nsweep, 0);
	kcount_plan_free(&p);
	/* a key read twice counts once */
	rd_init(&rd, 9, "boot-2");
	kcount_read_add(&rd, &w_ports, 1, 100);
	kcount_read_add(&rd, &w_ports, 1, 100);
	step(&st, &rd, &a, &p);
	CHECK_INT(p.next.n, 1);
	CHECK_CELL(delta_of(&p, &s_web)[ACCT_IPV6], 1, 100, 0, 0);
	kcount_plan_free(&p);
	kcount_state_free(&st);

	/* forget all (the table gone): the stored rows go, the rest of
	   the state stays */
	memset(&st, 0, sizeof(st));
	snprintf(st.boot, sizeof(st.boot), "boot-2");
	stored_row(&st, &w_ports, &s_web, 9, 1, 100);
	CHECK(kcount_state_add(&st, &a_v4) != NULL);	/* no row */
	CHECK(kcount_state_forget_all(&st) == 0);
	CHECK_INT(st.n, 0);
	CHECK_INT(st.ngone, 1);
	CHECK(is_gone(&st, &w_ports));
	CHECK(st.dirty);
	CHECK_STR(st.boot, "boot-2");
	kcount_state_free(&st);

	/* 10. Clients seen matched to services: seen6 by its nat64 port,
	   seen4 by its siit address (the client as ::ffff:a.b.c.d) */
	memset(seen6, 0, sizeof(seen6));
	seen6[0] = 0x20;
	seen6[1] = 0x01;
	seen6[15] = 5;
	memcpy(seen6 + 16, w_ports.key, 24);
	CHECK_INT(kcount_seen_match(&a.ge, 1, seen6, 40, client), 0);
	CHECK(memcmp(client, seen6, 16) == 0);
	CHECK_INT(kcount_seen_match(&b.ge, 1, seen6, 40, client), 0);
	CHECK_INT(kcount_seen_match(&a.ge, 1, seen6, 39, client), -1);
	memcpy(seen6 + 16, stray.key, 24);
	CHECK_INT(kcount_seen_match(&a.ge, 1, seen6, 40, client), -1);
	seen4[0] = 198;
	seen4[1] = 51;
	seen4[2] = 100;
	seen4[3] = 7;
	memcpy(seen4 + 4, a_v4.key, 4);
	CHECK_INT(kcount_seen_match(&a.ge, 0, seen4, 8, client), 2);
	CHECK_INT(kcount_seen_match(&c.ge, 0, seen4, 8, client), 1);
	CHECK(client[10] == 0xff && client[11] == 0xff &&
	    memcmp(client + 12, seen4, 4) == 0 && client[0] == 0);
	CHECK_INT(kcount_seen_match(NULL, 0, seen4, 8, client), -1);
	/* (the hosts set counts nothing: not a counting element) */
	CHECK(guard_sets[w_hosts.set].count == NULL);

	cfg_free(&a);
	cfg_free(&b);
	cfg_free(&c);
	return t_done("test_kcount");
}
