/* SPDX-License-Identifier: ISC */
/*
 * Backend choice (src/pool/pick.c) on configs loaded as the daemon loads
 * them: weighted round robin's spread and order, backups only when no
 * other is eligible, drain and down left out, the tried set, leastconn by
 * connections per weight, and source stickiness (a client keeps its
 * backend; when one goes down only its own clients move).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "pool/pick.h"
#include "pool/state.h"
#include "t.h"

/* The live states of the loaded service's backends, as a snapshot has. */
static struct pool_state	*st[4];

static struct gw_conf *
load(const char *balance, const char *svcname)
{
	char			 text[1024];
	struct conf_report	 rep;
	struct gw_conf		*gc;
	size_t			 i;

	snprintf(text, sizeof(text),
	    "services = ( { name = \"%s\"; mode = \"proxy\";\n"
	    " listen = \"[::1]:8443\"; hosts = \"www.example.org\";\n"
	    " balance = \"%s\";\n"
	    " backends = ( { address = \"10.1.0.5:443\"; weight = 3; },\n"
	    "  \"10.1.0.6:443\", \"10.1.0.7:443\",\n"
	    "  { address = \"10.1.0.8:443\"; backup = true; } ); } );\n",
	    svcname, balance);
	gc = conf_load_string("(pool)", text, &rep);
	CHECK(gc != NULL);
	conf_report_free(&rep);
	if (gc == NULL)
		exit(1);
	for (i = 0; i < gc->services[0].nbackends; i++)
		st[i] = pool_state_get(svcname,
		    gc->services[0].backends[i].text);
	return gc;
}

static void
check_roundrobin(void)
{
	struct gw_conf		*gc = load("roundrobin", "rr");
	struct conf_service	*svc = &gc->services[0];
	uint32_t		 rr = 0;
	int			 n[4] = { 0 }, i, k;

	for (i = 0; i < 500; i++)
		n[pool_pick(svc, st, &rr, 0, 0)]++;
	/* 3:1:1 exactly over whole rounds; the backup never */
	CHECK_INT(n[0], 300);
	CHECK_INT(n[1], 100);
	CHECK_INT(n[2], 100);
	CHECK_INT(n[3], 0);
	/* smooth: the heavy one never twice in a row more than needed */
	rr = 0;
	for (i = 0, k = 0; i < 5; i++)
		k += pool_pick(svc, st, &rr, 0, 0) == 0;
	CHECK_INT(k, 3);
	/* drained and down ones are left out */
	st[0]->drain = 1;
	st[1]->up = 0;
	for (i = 0; i < 20; i++)
		CHECK_INT(pool_pick(svc, st, &rr, 0, 0), 2);
	/* ... and tried ones: then the backup, then none */
	CHECK_INT(pool_pick(svc, st, &rr, 0, 1ULL << 2), 3);
	CHECK_INT(pool_pick(svc, st, &rr, 0, 1ULL << 2 | 1ULL << 3), -1);
	st[2]->up = 0;
	CHECK_INT(pool_pick(svc, st, &rr, 0, 0), 3);
	st[3]->drain = 1;
	CHECK_INT(pool_pick(svc, st, &rr, 0, 0), -1);
	/* back: the backup idle again */
	st[0]->drain = 0;
	CHECK_INT(pool_pick(svc, st, &rr, 0, 0), 0);
	CHECK_INT(pool_eligible(st[3]), 0);
	conf_free(gc);
}

static void
check_leastconn(void)
{
	struct gw_conf		*gc = load("leastconn", "lc");
	struct conf_service	*svc = &gc->services[0];
	uint32_t		 rr = 0;
	int			 i, b;

	/* 6 open on the weight-3 one weigh 2; 1 and 3 on the others */
	st[0]->conns = 6;
	st[1]->conns = 1;
	st[2]->conns = 3;
	CHECK_INT(pool_pick(svc, st, &rr, 0, 0), 1);
	st[1]->conns = 3;
	CHECK_INT(pool_pick(svc, st, &rr, 0, 0), 0);	/* 6/3 < 3/1 */
	/* fill as the data plane does: stays balanced by weight */
	memset(&rr, 0, sizeof(rr));
	for (i = 0; i < 3; i++)
		st[i]->conns = 0;
	for (i = 0; i < 50; i++) {
		b = pool_pick(svc, st, &rr, 0, 0);
		st[b]->conns++;
	}
	CHECK_INT(st[0]->conns, 30);
	CHECK_INT(st[1]->conns, 10);
	CHECK_INT(st[2]->conns, 10);
	conf_free(gc);
}

static void
check_source(void)
{
	struct gw_conf		*gc = load("source", "src");
	struct conf_service	*svc = &gc->services[0];
	uint32_t		 rr = 0;
	int			 first[1000], n[4] = { 0 }, moved = 0, i, b;
	uint64_t		 key;

	for (i = 0; i < 1000; i++) {
		key = 0x20010db800000000ULL + (uint64_t)i * 0x10000;
		first[i] = pool_pick(svc, st, &rr, key, 0);
		n[first[i]]++;
		/* sticky: the same answer every time */
		CHECK_INT(pool_pick(svc, st, &rr, key, 0), first[i]);
	}
	/* spread by weight 3:1:1 (1000 clients: 600/200/200, loosely) */
	CHECK(n[0] > 520 && n[0] < 680);
	CHECK(n[1] > 140 && n[1] < 260);
	CHECK(n[2] > 140 && n[2] < 260);
	CHECK_INT(n[3], 0);
	/* one down: only its clients move */
	st[1]->up = 0;
	for (i = 0; i < 1000; i++) {
		key = 0x20010db800000000ULL + (uint64_t)i * 0x10000;
		b = pool_pick(svc, st, &rr, key, 0);
		if (first[i] != 1)
			CHECK_INT(b, first[i]);
		else
			moved++;
		CHECK(b != 1);
	}
	CHECK_INT(moved, n[1]);
	conf_free(gc);
}

int
main(void)
{
	check_roundrobin();
	check_leastconn();
	check_source();
	return t_done("test_pool");
}
