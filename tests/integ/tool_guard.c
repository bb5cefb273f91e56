/* SPDX-License-Identifier: ISC */
/*
 * tool_guard: the daemon's nftables side (guard/guard.c, acct/kcount.c) on
 * its own, for t_guard.sh: the guard and its counters need nftables only,
 * not Jool, so they are tested on the host, in a network namespace.
 *
 * Reads commands from stdin, one a line, and answers each with one line
 * on stdout (then flushes, for a coprocess):
 *
 *   apply FILE   what the daemon does with FILE's config at a start or a
 *                reload: read the counters, apply the guard, hand the
 *                elements to their services.  "ok MS" or "error: ..."
 *   count        read the counters (and the clients seen); "ok" then, per nat64/siit service of
 *                the last config: "NAME FAMILY PKTS_IN BYTES_IN PKTS_OUT
 *                BYTES_OUT CLIENTS" (counts of this process, the clients
 *                of today), a line each, and "end"
 *   remove       remove the table ("ok" or "error: ...")
 *
 * The process is a daemon's life: a second run against the same table is
 * a restart (it knows no earlier reads, so it counts every element from
 * zero).
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "acct/clients.h"
#include "acct/counters.h"
#include "acct/kcount.h"
#include "conf/conf.h"
#include "guard/guard.h"
#include "log.h"

static struct gw_conf	*cur;

static long
elapsed_ms(const struct timespec *t0)
{
	struct timespec	t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (t1.tv_sec - t0->tv_sec) * 1000 +
	    (t1.tv_nsec - t0->tv_nsec) / 1000000;
}

static void
cmd_apply(const char *file)
{
	struct conf_report	 rep;
	struct guard_plan	 gp;
	struct gw_conf		*gc;
	struct timespec		 t0;
	char			 err[1024];
	int			 rc;

	if ((gc = conf_load(file, &rep)) == NULL) {
		printf("error: %s\n", rep.nerrors ? rep.errors[0] : "?");
		conf_report_free(&rep);
		return;
	}
	conf_report_free(&rep);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (guard_plan(gc, NULL, 0, &gp, err, sizeof(err)) == -1) {
		printf("error: %s\n", err);
		conf_free(gc);
		return;
	}
	if (kcount_before(gc, &gp, err, sizeof(err)) == -1)
		fprintf(stderr, "tool_guard: %s\n", err);
	/* the daemon's two halves, with no Jool in between here */
	if ((rc = guard_add(gc, &gp, err, sizeof(err))) == -1 ||
	    (rc = guard_prune(&gp, 1, err, sizeof(err))) == -1)
		printf("error: %s\n", err);
	else if ((rc = kcount_apply(gc, &gp.want)) == -1)
		printf("error: out of memory\n");
	guard_plan_free(&gp);
	if (rc == -1) {
		conf_free(gc);
		return;
	}
	printf("ok %ld\n", elapsed_ms(&t0));
	conf_free(cur);
	cur = gc;
}

static void
cmd_count(void)
{
	struct clients_count	 cc[CL_NKIND][CL_NPERIOD];
	struct acct_service	*as;
	char			 err[1024];
	size_t			 i;
	int			 f;

	if (cur == NULL) {
		printf("error: no config applied\n");
		return;
	}
	if (kcount_poll_all(err, sizeof(err)) == -1) {
		printf("error: %s\n", err);
		return;
	}
	printf("ok\n");
	for (i = 0; cur != NULL && i < cur->nservices; i++) {
		const struct conf_service *s = &cur->services[i];

		if (s->mode != CONF_NAT64 && s->mode != CONF_SIIT)
			continue;
		if ((as = acct_service_get(s->name)) == NULL)
			continue;
		f = s->mode == CONF_NAT64 ? ACCT_IPV6 : ACCT_IPV4;
		clients_get(as, cc);
		printf("%s %s %llu %llu %llu %llu %llu\n", s->name,
		    acct_family_name(f),
		    (unsigned long long)as->kern[f].packets_in,
		    (unsigned long long)as->kern[f].bytes_in,
		    (unsigned long long)as->kern[f].packets_out,
		    (unsigned long long)as->kern[f].bytes_out,
		    (unsigned long long)cc[f == ACCT_IPV6 ? CL_IPV6 :
		    CL_IPV4][CL_DAY].n);
	}
	printf("end\n");
}

int
main(void)
{
	char	line[4096], err[1024];

	log_init("tool_guard", LOG_TO_STDERR, 0);
	acct_init(1);
	clients_set_limit(1000);
	kcount_last_known(NULL);	/* no history: nothing read before */
	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "apply ", 6) == 0)
			cmd_apply(line + 6);
		else if (strcmp(line, "count") == 0)
			cmd_count();
		else if (strcmp(line, "remove") == 0) {
			if (guard_remove(err, sizeof(err)) == -1)
				printf("error: %s\n", err);
			else
				printf("ok\n");
		} else
			printf("error: unknown command %s\n", line);
		fflush(stdout);
	}
	conf_free(cur);
	return 0;
}
