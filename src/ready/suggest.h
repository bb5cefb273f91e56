/* SPDX-License-Identifier: ISC */
#ifndef V6G_READY_SUGGEST_H
#define V6G_READY_SUGGEST_H

#include <json-c/json.h>

#include "conf/conf.h"
#include "crawl.h"
#include "dns.h"

/*
 * What to change so that a checked site passes, from its result (site,
 * as crawl.c builds it): "config", the proxy services that bring its
 * IPv4-only hosts behind this gateway, to paste into services = ( ... );
 * "dns", the zone-file lines to publish; "nsupdate", the same as an
 * nsupdate(1) script; "notes", what no text can do (a name server to give
 * an AAAA, IPv4 that goes around the gateway).
 */
json_object	*suggest_site(const struct gw_conf *, struct dns *,
		    const struct crawl_target *, json_object *site);

#endif
