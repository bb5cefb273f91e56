/* SPDX-License-Identifier: ISC */
#ifndef V6G_READY_CRAWL_H
#define V6G_READY_CRAWL_H

#include <json-c/json.h>

#include "conf/conf.h"
#include "dns.h"

/*
 * One site, checked: the JSON object of one entry of "sites" (see
 * ready.h).  svcs are the services that serve the site (their listeners
 * are where its AAAA records should point).
 */
struct crawl_target {
	const char			 *site;
	const struct conf_service	**svcs;
	size_t				  nsvcs;
};

json_object	*crawl_site(const struct gw_conf *, struct dns *,
		    const struct crawl_target *);

#endif
