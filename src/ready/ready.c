/* SPDX-License-Identifier: ISC */
/*
 * The whole check: the sites of the configuration's proxy services (one
 * per distinct site URL: an HTTPS and an HTTP service of one name are one
 * site), each crawled in turn, into one document.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crawl.h"
#include "dns.h"
#include "ready.h"
#include "site.h"
#include "url.h"

struct ready_targets {
	struct crawl_target	*v;
	char			**sites;
	size_t			 n;
};

static void
ready_targets_free(struct ready_targets *ts)
{
	size_t	i;

	for (i = 0; i < ts->n; i++) {
		free(ts->v[i].svcs);
		free(ts->sites[i]);
	}
	free(ts->v);
	free(ts->sites);
}

static int
ready_targets(const struct gw_conf *gc, struct ready_targets *ts)
{
	const struct conf_service	**ns;
	char				 buf[URL_MAX];
	const char			*site;
	size_t				 i, j;

	memset(ts, 0, sizeof(*ts));
	if ((ts->v = calloc(gc->nservices + 1, sizeof(*ts->v))) == NULL ||
	    (ts->sites = calloc(gc->nservices + 1, sizeof(char *))) == NULL)
		return -1;
	for (i = 0; i < gc->nservices; i++) {
		if ((site = conf_service_site(&gc->services[i], buf,
		    sizeof(buf))) == NULL)
			continue;
		for (j = 0; j < ts->n; j++)
			if (strcmp(ts->sites[j], site) == 0)
				break;
		if (j == ts->n) {
			ts->sites[ts->n] = strdup(site);
			ts->v[ts->n].site = ts->sites[ts->n];
			ts->n++;
		}
		ns = realloc(ts->v[j].svcs, (ts->v[j].nsvcs + 1) *
		    sizeof(*ns));
		if (ns == NULL)
			return -1;
		ns[ts->v[j].nsvcs++] = &gc->services[i];
		ts->v[j].svcs = ns;
	}
	return 0;
}

static int
ready_has(const struct crawl_target *t, const char *service)
{
	size_t	i;

	for (i = 0; i < t->nsvcs; i++)
		if (strcmp(t->svcs[i]->name, service) == 0)
			return 1;
	return 0;
}

json_object *
ready_run(const struct gw_conf *gc, const char *service, char *err,
    size_t errlen)
{
	struct ready_targets	 ts;
	struct dns		*dns;
	json_object		*doc, *sites, *s;
	char			 when[32];
	time_t			 now = time(NULL);
	struct tm		 tm;
	size_t			 i, checked = 0;
	int			 pass = 1;

	if (ready_targets(gc, &ts) == -1) {
		snprintf(err, errlen, "out of memory");
		ready_targets_free(&ts);
		return NULL;
	}
	for (i = 0; service != NULL && i < ts.n; i++)
		if (ready_has(&ts.v[i], service))
			break;
	if (service != NULL && i == ts.n) {
		snprintf(err, errlen, "no proxy service \"%s\" with a site to "
		    "check (its \"site\", or a host name without '*')",
		    service);
		ready_targets_free(&ts);
		return NULL;
	}
	if (ts.n == 0) {
		snprintf(err, errlen, "no proxy service has a site to check "
		    "(set \"site\" in one, or give it a host name)");
		ready_targets_free(&ts);
		return NULL;
	}
	if (site_init() == -1) {
		snprintf(err, errlen, "libpsl: no Public Suffix List");
		ready_targets_free(&ts);
		return NULL;
	}
	if ((dns = dns_open(&gc->readiness.resolver, gc->readiness.timeout *
	    1000, err, errlen)) == NULL) {
		ready_targets_free(&ts);
		return NULL;
	}

	doc = json_object_new_object();
	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_object_add(doc, "gateway", json_object_new_string(
	    gc->name));
	json_object_object_add(doc, "time", json_object_new_string(when));
	sites = json_object_new_array();
	for (i = 0; i < ts.n; i++) {
		if (service != NULL && !ready_has(&ts.v[i], service))
			continue;
		s = crawl_site(gc, dns, &ts.v[i]);
		pass &= json_object_get_boolean(json_object_object_get(s,
		    "pass"));
		json_object_array_add(sites, s);
		checked++;
	}
	json_object_object_add(doc, "pass", json_object_new_boolean(pass &&
	    checked > 0));
	json_object_object_add(doc, "sites", sites);
	dns_close(dns);
	ready_targets_free(&ts);
	return doc;
}

int
ready_passed(json_object *doc)
{
	return json_object_get_boolean(json_object_object_get(doc, "pass"));
}
