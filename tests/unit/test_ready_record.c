/* SPDX-License-Identifier: ISC */
/*
 * The readiness rows of the history (ready/record.c), in a real SQLite
 * file: two checks kept, the last per site read back, what status and
 * /metrics show of it, a month's rows, and old rows expired.
 */

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ready/record.h"
#include "t.h"

static json_object *
doc_make(const char *when, int pass_a, double l2)
{
	char	text[2048];

	snprintf(text, sizeof(text), "{ \"gateway\": \"gw\", \"time\": \"%s\","
	    " \"pass\": false, \"sites\": ["
	    " { \"service\": \"a\", \"services\": [\"a\", \"a-http\"],"
	    "   \"site\": \"https://www.a.test/\", \"pass\": %s,"
	    "   \"levels\": [ { \"level\": 2, \"links\": 10, \"ipv6\": 8,"
	    "     \"rate\": %g }, { \"level\": 3, \"links\": 0, \"ipv6\": 0,"
	    "     \"rate\": 1 } ],"
	    "   \"homepage\": { \"success_rate\": 1, \"consistent\": true,"
	    "     \"degradation\": { \"overall\": 0.25 } },"
	    "   \"failing\": [ {}, {} ], \"ipv4_bypass\": true },"
	    " { \"service\": \"b\", \"services\": [\"b\"],"
	    "   \"site\": \"https://www.b.test/\", \"pass\": true,"
	    "   \"levels\": [], \"homepage\": { \"degradation\":"
	    "     { \"overall\": null } }, \"failing\": [],"
	    "   \"ipv4_bypass\": false } ] }", when, pass_a ? "true" : "false",
	    l2);
	return json_tokener_parse(text);
}

struct month_seen {
	int	rows, passed;
	char	sites[4][64];
};

static void
month_row(void *arg, time_t t, const char *site, const char *service,
    int pass, json_object *doc)
{
	struct month_seen	*m = arg;

	if (m->rows < 4)
		snprintf(m->sites[m->rows], sizeof(m->sites[0]), "%s", site);
	m->rows++;
	m->passed += pass;
	CHECK(doc != NULL);
}

int
main(void)
{
	char		 dir[] = "/tmp/test_ready_record.XXXXXX", err[512];
	char		 path[600], cmd[700];
	json_object	*d1, *d2, *last, *sum, *x;
	struct month_seen m;

	if (mkdtemp(dir) == NULL)
		return 1;
	/* nothing yet: no row, no table */
	CHECK(record_last(dir, err, sizeof(err)) == NULL);

	d1 = doc_make("2026-11-30T10:00:00Z", 0, 0.8);
	d2 = doc_make("2026-12-01T10:00:00Z", 1, 1.0);
	CHECK(d1 != NULL && d2 != NULL);
	CHECK_INT(record_put(dir, d1, 400, err, sizeof(err)), 0);
	CHECK_INT(record_put(dir, d2, 400, err, sizeof(err)), 0);

	last = record_last(dir, err, sizeof(err));
	CHECK(last != NULL);
	if (last != NULL) {
		CHECK_STR(json_object_get_string(json_object_object_get(last,
		    "time")), "2026-12-01T10:00:00Z");
		CHECK_INT(json_object_get_boolean(json_object_object_get(last,
		    "pass")), 1);
		CHECK_INT(json_object_array_length(json_object_object_get(
		    last, "sites")), 2);
		sum = record_summary(last);
		CHECK(sum != NULL);
		x = json_object_array_get_idx(json_object_object_get(sum,
		    "sites"), 0);
		CHECK_STR(json_object_get_string(json_object_object_get(x,
		    "site")), "https://www.a.test/");
		CHECK(json_object_get_double(json_object_object_get(x,
		    "level2")) == 1.0);
		CHECK(json_object_get_double(json_object_object_get(x,
		    "degradation")) == 0.25);
		CHECK_INT(json_object_get_int(json_object_object_get(x,
		    "failing")), 2);
		CHECK_INT(json_object_get_boolean(json_object_object_get(x,
		    "ipv4_bypass")), 1);
		x = json_object_array_get_idx(json_object_object_get(sum,
		    "sites"), 1);
		CHECK(json_object_object_get(x, "level2") == NULL);
		CHECK(json_object_object_get(x, "degradation") == NULL);
		json_object_put(sum);
		json_object_put(last);
	}
	CHECK(record_summary(NULL) == NULL);

	snprintf(path, sizeof(path), "%s/v6gate.db", dir);
	memset(&m, 0, sizeof(m));
	CHECK_INT(record_month(path, "2026-11", month_row, &m, err,
	    sizeof(err)), 0);
	CHECK_INT(m.rows, 2);
	CHECK_INT(m.passed, 1);		/* b passed, a failed */
	CHECK_STR(m.sites[0], "https://www.a.test/");
	memset(&m, 0, sizeof(m));
	CHECK_INT(record_month(path, "2026-10", month_row, &m, err,
	    sizeof(err)), 0);
	CHECK_INT(m.rows, 0);
	CHECK_INT(record_month(path, "oct", month_row, &m, err,
	    sizeof(err)), -1);

	/* a check 30 days later with 10 days kept: the old rows go */
	json_object_put(d1);
	d1 = doc_make("2026-12-31T10:00:00Z", 1, 0.5);
	CHECK_INT(record_put(dir, d1, 10, err, sizeof(err)), 0);
	memset(&m, 0, sizeof(m));
	CHECK_INT(record_month(path, "2026-12", month_row, &m, err,
	    sizeof(err)), 0);
	CHECK_INT(m.rows, 2);

	/* a history where the directory is not writable: an error, said */
	CHECK_INT(record_put("/nonexistent/dir", d2, 10, err, sizeof(err)),
	    -1);
	CHECK(strstr(err, "/nonexistent/dir/v6gate.db") != NULL);

	json_object_put(d1);
	json_object_put(d2);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	CHECK(system(cmd) == 0);
	return t_done("test_ready_record");
}
