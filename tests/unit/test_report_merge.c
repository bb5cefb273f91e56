/* SPDX-License-Identifier: ISC */
/*
 * Merging gateways' reports (report/merge.c): bytes and series add up,
 * services are the union, a client seen by two gateways counts once,
 * whether both sets are exact (members), sketches of one key (within the
 * 2 % the reports promise), or one of each; sketches of different keys
 * and bare counts give bounds that hold the true figure, and say why.
 */

#include <stdlib.h>
#include <string.h>

#include "acct/hll.h"
#include "report/month.h"
#include "siphash.h"
#include "t.h"

/* Address i, 2001:db8::i, as a client key. */
static void
addr(uint8_t a[16], unsigned i)
{
	memset(a, 0, 16);
	a[0] = 0x20;
	a[1] = 0x01;
	a[2] = 0x0d;
	a[3] = 0xb8;
	a[12] = (uint8_t)(i >> 24);
	a[13] = (uint8_t)(i >> 16);
	a[14] = (uint8_t)(i >> 8);
	a[15] = (uint8_t)i;
}

/* The members from..to-1. */
static void
members(struct report_set *s, unsigned from, unsigned to)
{
	unsigned	i;

	memset(s, 0, sizeof(*s));
	s->member = calloc(to - from + 1, 16);
	for (i = from; i < to; i++)
		addr(s->member[s->nmember++], i);
}

/* The sketch of from..to-1 hashed with k. */
static void
sketch(struct report_set *s, const struct siphash_key *k, unsigned from,
    unsigned to)
{
	uint8_t		a[16];
	unsigned	i;

	memset(s, 0, sizeof(*s));
	s->reg = calloc(1, HLL_REGS);
	for (i = from; i < to; i++) {
		addr(a, i);
		hll_add((struct hll *)s->reg, siphash16(k, a));
	}
}

static void
set_free(struct report_set *s)
{
	free(s->member);
	free(s->reg);
}

/* within 2 % of want */
static int
near(uint64_t got, uint64_t want)
{
	double	d = (double)got - (double)want;

	return d * d * 2500 <= (double)want * (double)want;
}

static void
test_clients(void)
{
	struct siphash_key	k1 = { 1, 2 }, k2 = { 3, 4 };
	struct report_set	a, b;
	struct report_part	p[2];
	struct report_merged	m;

	/* exact and exact: the union, exact */
	members(&a, 0, 3);
	members(&b, 2, 4);
	memset(p, 0, sizeof(p));
	p[0].count = (struct clients_count){ 3, 1 };
	p[0].set = &a;
	p[1].count = (struct clients_count){ 2, 1 };
	p[1].set = &b;
	CHECK(report_clients_merge(p, 2, &m) == 0);
	CHECK_INT(m.n, 4);
	CHECK_INT(m.min, 4);
	CHECK(m.exact && m.how == RM_EXACT);
	/* one of them lost clients (a full queue): not exact any more */
	p[1].count.exact = 0;
	CHECK(report_clients_merge(p, 2, &m) == 0);
	CHECK(m.n == 4 && !m.exact && m.how == RM_EXACT);
	/* one gateway only: its own figure */
	CHECK(report_clients_merge(p, 1, &m) == 0);
	CHECK(m.n == 3 && m.exact);
	set_free(&a);
	set_free(&b);

	/* sketches of one key: 0..1999 and 1000..2999 are 3000 */
	sketch(&a, &k1, 0, 2000);
	sketch(&b, &k1, 1000, 3000);
	p[0].count = (struct clients_count){ 2000, 0 };
	p[0].set = &a;
	p[0].key = &k1;
	p[1].count = (struct clients_count){ 2000, 0 };
	p[1].set = &b;
	p[1].key = &k1;
	CHECK(report_clients_merge(p, 2, &m) == 0);
	CHECK(near(m.n, 3000));
	CHECK(m.min == m.n && !m.exact && m.how == RM_SKETCH);

	/* a sketch and members (1501..1599 known, 2000 new): 2001 */
	set_free(&b);
	members(&b, 1500, 1600);
	addr(b.member[0], 2000);
	p[1].set = &b;
	p[1].key = &k2;		/* members: any key hashes them */
	p[1].count = (struct clients_count){ 100, 1 };
	CHECK(report_clients_merge(p, 2, &m) == 0);
	CHECK(near(m.n, 2001));
	CHECK(m.how == RM_SKETCH);
	set_free(&b);

	/* sketches of different keys: bounds 2000 .. 4000, and why */
	sketch(&b, &k2, 1000, 3000);
	p[1].set = &b;
	p[1].count = (struct clients_count){ 2000, 0 };
	CHECK(report_clients_merge(p, 2, &m) == 0);
	CHECK(m.how == RM_BOUNDS && !m.exact && m.why != NULL);
	CHECK(near(m.min, 2000));
	CHECK(near(m.n, 4000));
	CHECK(m.min <= 3000 && m.n >= 3000);
	set_free(&a);
	set_free(&b);

	/* a count without members or sketch: at least 10, at most 15 */
	members(&b, 0, 5);
	p[0].count = (struct clients_count){ 10, 1 };
	p[0].set = NULL;
	p[0].key = NULL;
	p[1].count = (struct clients_count){ 5, 1 };
	p[1].set = &b;
	CHECK(report_clients_merge(p, 2, &m) == 0);
	CHECK(m.how == RM_BOUNDS && m.min == 10 && m.n == 15);
	set_free(&b);
}

/* A hand-made gateway report of one service. */
static void
gateway(struct report *r, const char *name, const char *svc,
    uint64_t bytes, unsigned from, unsigned to)
{
	struct report_service	*s;

	memset(r, 0, sizeof(*r));
	snprintf(r->month, sizeof(r->month), "2026-12");
	r->ndays = 31;
	r->db = name;
	r->gateway = name;
	s = report_service_add(r, svc);
	s->configured = 1;
	s->reach[ACCT_IPV6] = s->reach[ACCT_IPV4] = 1;
	s->fam[ACCT_IPV6].bytes_in = bytes;
	s->fam[ACCT_IPV6].bytes_out = 2 * bytes;
	s->fam[ACCT_IPV6].connections = 7;
	s->fam[ACCT_IPV6].peak_open = 3;
	s->day[4][ACCT_IPV6] = 3 * bytes;
	s->clients[CL_IPV6] = (struct clients_count){ to - from, 1 };
	members(&s->set[CL_IPV6], from, to);
}

static void
test_reports(void)
{
	struct report		 in[2], out;
	const struct report_service *w, *x;
	char			 err[128];

	gateway(&in[0], "gw-a", "www", 100, 0, 2);
	gateway(&in[1], "gw-b", "www", 1000, 1, 2);
	report_service_add(&in[1], "api")->fam[ACCT_IPV4].bytes_in = 5;
	CHECK(report_merge(&out, in, 2, err, sizeof(err)) == 0);
	CHECK_INT(out.nsvcs, 2);
	CHECK(out.nparts == 2 && out.parts == in);
	CHECK_STR(out.month, "2026-12");
	CHECK_STR(out.svcs[0].name, "api");	/* sorted by name */
	w = &out.svcs[1];
	x = &out.svcs[0];
	CHECK_STR(w->name, "www");
	CHECK_INT(w->fam[ACCT_IPV6].bytes_in, 1100);
	CHECK_INT(w->fam[ACCT_IPV6].bytes_out, 2200);
	CHECK_INT(report_bytes(w, ACCT_IPV6), 3300);
	CHECK_INT(w->day[4][ACCT_IPV6], 3300);
	CHECK_INT(w->fam[ACCT_IPV6].connections, 14);
	CHECK_INT(w->fam[ACCT_IPV6].peak_open, 6);	/* an upper bound */
	CHECK_INT(x->fam[ACCT_IPV4].bytes_in, 5);
	/* client 1 was on both: 2 distinct, not 3 */
	CHECK_INT(w->clients[CL_IPV6].n, 2);
	CHECK(w->clients[CL_IPV6].exact && w->merge[CL_IPV6] == RM_EXACT);
	CHECK(out.bounds_why == NULL);
	CHECK_STR(report_gw_name(&out.parts[1]), "gw-b");
	report_free(&out);
	report_free(&in[0]);
	report_free(&in[1]);
}

int
main(void)
{
	test_clients();
	test_reports();
	return t_done("report_merge");
}
