/* SPDX-License-Identifier: ISC */
/*
 * The history as series for charts (see series.h): rows of the history
 * database (acct/store.c, the daemon's own handle: main thread), summed
 * into fixed slots so that a chart needs no arithmetic on time.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "acct/store.h"
#include "series.h"

/* The ranges, as a table: the store's table, its step and slots. */
static const struct series_range {
	const char	*name;
	const char	*table;
	int		 step;		/* seconds */
	int		 slots;
} series_ranges[] = {
	{ "hour", "minute", 60, 60 },
	{ "day", "hour", 3600, 24 },
};

/* The series' figures: a JSON array per family and figure. */
static const char *const series_figures[] = { "connections", "bytes" };

struct series_ctx {
	const struct series_range	*r;
	json_object			*svcs;
	time_t				 start;	/* of slot 0 */
	const char			*today;
};

static json_object *
series_zeros(int n)
{
	json_object	*a = json_object_new_array_ext(n);
	int		 i;

	for (i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_int64(0));
	return a;
}

/* Add v to the element i of o.key's array. */
static void
series_add(json_object *o, const char *key, size_t i, uint64_t v)
{
	json_object	*a, *e;

	if (!json_object_object_get_ex(o, key, &a) ||
	    (e = json_object_array_get_idx(a, i)) == NULL)
		return;
	json_object_set_int64(e, json_object_get_int64(e) + (int64_t)v);
}

static void
series_int_add(json_object *o, const char *key, uint64_t v)
{
	json_object	*e;

	if (json_object_object_get_ex(o, key, &e))
		json_object_set_int64(e, json_object_get_int64(e) +
		    (int64_t)v);
}

static void
series_row(void *arg, const char *key, const char *service, int family,
    const struct acct_cell *c)
{
	struct series_ctx	*x = arg;
	json_object		*s, *f;
	long long		 t = strtoll(key, NULL, 10);
	long long		 i = (t - (long long)x->start) / x->r->step;

	if (!json_object_object_get_ex(x->svcs, service, &s) ||
	    !json_object_object_get_ex(s, acct_family_name(family), &f) ||
	    i < 0 || i >= x->r->slots)
		return;
	series_add(f, "connections", (size_t)i, c->connections);
	series_add(f, "bytes", (size_t)i, c->bytes_in + c->bytes_out);
}

static void
series_day(void *arg, const char *key, const char *service, int family,
    const struct acct_cell *c)
{
	struct series_ctx	*x = arg;
	json_object		*s, *f;

	if (!json_object_object_get_ex(x->svcs, service, &s) ||
	    !json_object_object_get_ex(s, acct_family_name(family), &f))
		return;
	series_int_add(f, "bytes_month", c->bytes_in + c->bytes_out);
	if (strcmp(key, x->today) == 0)
		series_int_add(f, "bytes_day", c->bytes_in + c->bytes_out);
}

json_object *
series_json(const struct snap *sn, const char *range)
{
	const struct gw_conf	*gc = sn->conf;
	struct series_ctx	 x;
	json_object		*root, *s, *f;
	char			 since[32], today[16], month1[16], err[256];
	time_t			 now = time(NULL);
	struct tm		 tm;
	size_t			 i, k;
	int			 fam;

	memset(&x, 0, sizeof(x));
	for (i = 0; i < sizeof(series_ranges) / sizeof(series_ranges[0]); i++)
		if (strcmp(range != NULL ? range : "hour",
		    series_ranges[i].name) == 0)
			x.r = &series_ranges[i];
	if (x.r == NULL)
		return NULL;
	x.start = now - now % x.r->step - (time_t)(x.r->slots - 1) *
	    x.r->step;
	localtime_r(&now, &tm);
	strftime(today, sizeof(today), "%Y-%m-%d", &tm);
	strftime(month1, sizeof(month1), "%Y-%m-01", &tm);
	x.today = today;

	root = json_object_new_object();
	json_object_object_add(root, "range",
	    json_object_new_string(x.r->name));
	json_object_object_add(root, "step", json_object_new_int(x.r->step));
	json_object_object_add(root, "start",
	    json_object_new_int64((int64_t)x.start));
	json_object_object_add(root, "slots", json_object_new_int(x.r->slots));
	json_object_object_add(root, "day", json_object_new_string(today));
	json_object_object_add(root, "history",
	    json_object_new_boolean(store_is_open()));
	x.svcs = json_object_new_object();
	json_object_object_add(root, "services", x.svcs);
	for (i = 0; i < gc->nservices; i++) {
		s = json_object_new_object();
		json_object_object_add(s, "mode", json_object_new_string(
		    conf_mode_name(gc->services[i].mode)));
		for (fam = 0; fam < ACCT_NFAMILY; fam++) {
			f = json_object_new_object();
			for (k = 0; k < sizeof(series_figures) /
			    sizeof(series_figures[0]); k++)
				json_object_object_add(f, series_figures[k],
				    series_zeros(x.r->slots));
			json_object_object_add(f, "bytes_day",
			    json_object_new_int64(0));
			json_object_object_add(f, "bytes_month",
			    json_object_new_int64(0));
			json_object_object_add(s, acct_family_name(fam), f);
		}
		json_object_object_add(x.svcs, gc->services[i].name, s);
	}
	if (!store_is_open())
		return root;
	snprintf(since, sizeof(since), "%lld", (long long)x.start);
	/* a history that fails to read shows as zeros and says why in the
	   reply, not in the log: 50 dashboards would flood it */
	if (store_rows(x.r->table, since, series_row, &x, err,
	    sizeof(err)) == -1 ||
	    store_rows("day", month1, series_day, &x, err, sizeof(err)) == -1)
		json_object_object_add(root, "error",
		    json_object_new_string(err));
	return root;
}
