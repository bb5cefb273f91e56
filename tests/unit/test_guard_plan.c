/* SPDX-License-Identifier: ISC */
/*
 * The guard's plan (src/guard/guard.c) and the order a translator commit
 * carries it out in (src/jool/translator.c), without a kernel: what a
 * config adds and removes against what the table has, when the table is
 * made again, what is held while Jool still translates a prefix the new
 * rules do not guard, and that additions come before Jool's changes and
 * removals after them.
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"
#include "guard/guard.h"
#include "jool/translator.h"
#include "t.h"

#define NAT64_BLOCK(pool6)						\
	"nat64: { instance = \"v6gate\"; pool6 = \"" pool6 "\";\n"	\
	" pool4 = ( { address = \"192.0.2.1\"; protocol = \"tcp\";\n"	\
	"  ports = \"61001-65535\"; },\n"				\
	"  { address = \"192.0.2.1\"; protocol = \"icmp\"; } ); };\n"
#define SIIT_BLOCK							\
	"siit: { instance = \"v6gate-siit\"; pool6 = \"64:ff9b::/96\"; };\n"
#define SVC_WEB								\
	"{ name = \"web\"; mode = \"nat64\"; backend = \"192.0.2.2\";\n"	\
	"  ports = [ \"tcp/80\", \"icmp\" ]; }"
#define SVC_MAIL							\
	"{ name = \"mail\"; mode = \"nat64\"; backend = \"192.0.2.9\";\n"	\
	"  ports = [ \"tcp/25\" ]; }"
#define SVC_APP								\
	"{ name = \"app\"; mode = \"siit\"; ipv4 = \"192.0.2.50\";\n"	\
	"  ipv6 = \"2001:db8:200::50\"; }"

static struct gw_conf *
load(const char *text)
{
	struct conf_report	 rep;
	struct gw_conf		*gc;
	size_t			 i;

	gc = conf_load_string("(guard)", text, &rep);
	for (i = 0; i < rep.nerrors; i++)
		fprintf(stderr, "%s\n", rep.errors[i]);
	conf_report_free(&rep);
	if (gc == NULL) {
		fprintf(stderr, "config refused:\n%s\n", text);
		exit(1);
	}
	return gc;
}

static long
service_index(const struct gw_conf *gc, const char *name)
{
	size_t	i;

	for (i = 0; i < gc->nservices; i++)
		if (strcmp(gc->services[i].name, name) == 0)
			return (long)i;
	return -1;
}

/* Every key of keys[n] is owned, in ge, by the service called name. */
static int
all_of(const struct gw_conf *gc, const struct guard_elems *ge,
    const struct guard_key *keys, size_t n, const char *name)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (guard_elems_owner(ge, &keys[i]) != service_index(gc, name))
			return 0;
	return 1;
}

static void
plan(const struct gw_conf *gc, const char *comment,
    const struct guard_elems *have, const struct guard_prefix *live,
    size_t nlive, struct guard_plan *gp)
{
	CHECK(guard_plan_want(gc, gp) == 0);
	CHECK(guard_plan_diff(gp, comment, have, live, nlive) == 0);
}

static struct guard_prefix
prefix(const char *a, unsigned len)
{
	struct guard_prefix	p;

	memset(&p, 0, sizeof(p));
	inet_pton(AF_INET6, a, &p.addr);
	p.len = (uint8_t)len;
	return p;
}

/* The position of step s in steps[n], or -1. */
static int
at(const enum translator_step *steps, size_t n, enum translator_step s)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (steps[i] == s)
			return (int)i;
	return -1;
}

int
main(void)
{
	struct gw_conf		*a, *b, *c, *d, *proxy;
	struct guard_plan	 ga, gp;
	struct guard_elems	 have;
	struct guard_prefix	 live64 = prefix("2001:db8:64::", 96);
	struct translator_plan	 tp;
	enum translator_step	 steps[TRANSLATOR_NSTEPS];
	size_t			 n;

	a = load(NAT64_BLOCK("2001:db8:64::/96") SIIT_BLOCK
	    "services = ( " SVC_WEB ", " SVC_APP " );\n");
	b = load(NAT64_BLOCK("2001:db8:64::/96") SIIT_BLOCK
	    "services = ( " SVC_WEB ", " SVC_MAIL ", " SVC_APP " );\n");
	c = load(NAT64_BLOCK("2001:db8:64::/96") SIIT_BLOCK
	    "services = ( " SVC_WEB " );\n");
	d = load(NAT64_BLOCK("2001:db8:65::/96") SIIT_BLOCK
	    "services = ( " SVC_WEB ", " SVC_APP " );\n");
	proxy = load("services = ( { name = \"p\"; mode = \"proxy\";\n"
	    " listen = \"[::1]:8443\"; hosts = \"www.example.org\";\n"
	    " backends = [ \"10.1.0.5:443\" ]; } );\n");

	/* A first start: no table; everything added, nothing held */
	plan(a, NULL, NULL, NULL, 0, &ga);
	CHECK(!ga.remove);
	CHECK(ga.remake);
	/* web: hosts, port, out, echo, echo out; app: v4, server */
	CHECK_INT(ga.want.n, 7);
	CHECK_INT(ga.nadded, ga.want.n);
	CHECK_INT(ga.ngone, 0);
	CHECK_INT(ga.nhold, 0);
	CHECK(ga.nat64);
	CHECK(memcmp(&ga.pool6, &live64, sizeof(live64)) == 0);

	/* Jool already translates the same pool6: nothing to hold */
	plan(a, NULL, NULL, &live64, 1, &gp);
	CHECK_INT(gp.nhold, 0);
	guard_plan_free(&gp);

	/* The same table again (a restart): nothing to do */
	CHECK(guard_elems_copy(&have, &ga.want) == 0);
	plan(a, ga.shape, &have, &live64, 1, &gp);
	CHECK(!gp.remake);
	CHECK_INT(gp.nadded, 0);
	CHECK_INT(gp.ngone, 0);
	guard_plan_free(&gp);

	/* A service added: only its elements, and nothing removed */
	plan(b, ga.shape, &have, &live64, 1, &gp);
	CHECK(!gp.remake);
	CHECK_STR(gp.shape, ga.shape);
	CHECK_INT(gp.nadded, 3);	/* hosts, port, out */
	CHECK(all_of(b, &gp.want, gp.added, gp.nadded, "mail"));
	CHECK_INT(gp.ngone, 0);
	guard_plan_free(&gp);

	/* A service removed: only its elements go */
	plan(c, ga.shape, &have, &live64, 1, &gp);
	CHECK(!gp.remake);
	CHECK_INT(gp.nadded, 0);
	CHECK_INT(gp.ngone, 2);		/* app's v4 and server */
	CHECK(all_of(a, &ga.want, gp.gone, gp.ngone, "app"));
	guard_plan_free(&gp);

	/* A table of another shape (here: none of ours): made again */
	plan(c, "v6gate guard 3 0123456789abcdef", &have, &live64, 1, &gp);
	CHECK(gp.remake);
	CHECK_INT(gp.nadded, gp.want.n);
	CHECK_INT(gp.nhold, 0);
	guard_plan_free(&gp);

	/* pool6 changed (--recreate-nat64): the table is made again, and
	   the pool6 Jool still translates is held until it forgot it */
	plan(d, ga.shape, &have, &live64, 1, &gp);
	CHECK(gp.remake);
	CHECK_INT(gp.nhold, 1);
	CHECK(memcmp(&gp.hold[0], &live64, sizeof(live64)) == 0);
	CHECK_INT(gp.nadded, gp.want.n);
	guard_plan_free(&gp);

	/* the nat64 block removed while siit stays: held too */
	{
		struct gw_conf *s = load(SIIT_BLOCK
		    "services = ( " SVC_APP " );\n");

		plan(s, ga.shape, &have, &live64, 1, &gp);
		CHECK(gp.remake);
		CHECK(!gp.nat64);
		CHECK_INT(gp.nhold, 1);
		guard_plan_free(&gp);
		conf_free(s);
	}

	/* no translator left: the table goes, after Jool */
	plan(proxy, ga.shape, &have, &live64, 1, &gp);
	CHECK(gp.remove);
	CHECK_INT(gp.nadded + gp.ngone + gp.nhold, 0);

	/* The order of a commit */
	memset(&tp, 0, sizeof(tp));
	CHECK_INT(translator_steps(&tp, steps), 0);	/* not needed */
	tp.needed = 1;
	tp.guard = ga;
	tp.rec.n = 3;
	n = translator_steps(&tp, steps);
	CHECK_INT(n, 4);
	CHECK(at(steps, n, TS_GUARD_ADD) == 0);
	CHECK(at(steps, n, TS_GUARD_ADD) < at(steps, n, TS_JOOL));
	CHECK(at(steps, n, TS_JOOL) < at(steps, n, TS_XTABLES));
	CHECK(at(steps, n, TS_JOOL) < at(steps, n, TS_GUARD_PRUNE));
	CHECK(at(steps, n, TS_GUARD_PRUNE) == (int)n - 1);
	tp.rec.n = 0;			/* no Jool change: the guard still */
	n = translator_steps(&tp, steps);
	CHECK_INT(n, 3);
	CHECK(at(steps, n, TS_JOOL) == -1);
	CHECK(at(steps, n, TS_GUARD_ADD) == 0);
	CHECK(at(steps, n, TS_GUARD_PRUNE) == 2);
	tp.guard = gp;			/* removal: nothing added first */
	tp.rec.n = 2;
	n = translator_steps(&tp, steps);
	CHECK(at(steps, n, TS_GUARD_ADD) == -1);
	CHECK(at(steps, n, TS_JOOL) < at(steps, n, TS_GUARD_PRUNE));
	CHECK(at(steps, n, TS_GUARD_PRUNE) == (int)n - 1);

	guard_plan_free(&gp);
	guard_plan_free(&ga);
	guard_elems_free(&have);
	conf_free(a);
	conf_free(b);
	conf_free(c);
	conf_free(d);
	conf_free(proxy);
	return t_done("test_guard_plan");
}
