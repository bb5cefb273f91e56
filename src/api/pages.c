/* SPDX-License-Identifier: ISC */
/*
 * The pages of the HTTP endpoint (see pages.h): each path, its type and
 * the function that writes its body, in one table.
 */

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "backends.h"
#include "dashboard.h"
#include "metrics.h"
#include "pages.h"
#include "series.h"
#include "status.h"

static int
pages_json(json_object *o, FILE *out)
{
	if (o == NULL)
		return -1;
	fprintf(out, "%s\n", json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return 0;
}

static int
pages_metrics(const struct pages_req *rq, FILE *out)
{
	return metrics_render(rq->src->d, rq->sn, out);
}

static int
pages_status(const struct pages_req *rq, FILE *out)
{
	return pages_json(status_json(rq->src->d, rq->sn), out);
}

static int
pages_backends(const struct pages_req *rq, FILE *out)
{
	return pages_json(backends_json(rq->sn), out);
}

static int
pages_history(const struct pages_req *rq, FILE *out)
{
	json_object	*o;

	if ((o = series_json(rq->sn, rq->range)) == NULL)
		return PAGES_BAD_QUERY;
	return pages_json(o, out);
}

static int
pages_dashboard(const struct pages_req *rq, FILE *out)
{
	return dashboard_render(rq->src->d, rq->sn, out);
}

static const struct pages_page pages[] = {
	{ "/", "text/html; charset=utf-8", pages_dashboard },
	{ "/metrics", "text/plain; version=0.0.4; charset=utf-8",
	    pages_metrics },
	{ "/status", "application/json", pages_status },
	{ "/backends", "application/json", pages_backends },
	{ "/history", "application/json", pages_history },
};

const struct pages_page *
pages_find(const char *path)
{
	size_t	i;

	for (i = 0; i < sizeof(pages) / sizeof(pages[0]); i++)
		if (strcmp(path, pages[i].path) == 0)
			return &pages[i];
	return NULL;
}

const char *
pages_list(void)
{
	return "/, /metrics, /status, /backends and /history";
}
