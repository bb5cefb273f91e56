/* SPDX-License-Identifier: ISC */
#ifndef V6G_READY_ZONE_H
#define V6G_READY_ZONE_H

#include <json-c/json.h>

#include "conf/conf.h"

/*
 * The DNS records the configuration needs published (v6gatectl dns): for
 * every name of a proxy service, an AAAA record per IPv6 address it
 * listens on, and an A record per IPv4 one.  With check, each name is
 * asked of readiness.resolver and marked "ok", "missing" (no AAAA) or
 * "wrong" (an AAAA that is not one of its addresses).
 */
json_object	*zone_records(const struct gw_conf *, int check, char *err,
		    size_t errlen);

#define ZONE_TTL	3600

/* One record: its zone-file line in lines, its nsupdate(1) "update add"
   in nsu (suggest.c writes its records the same way). */
void		 zone_record(json_object *lines, json_object *nsu,
		    const char *name, const char *type, const char *ip);

/* nsu's lines as one nsupdate(1) script: "zone ZONE" first when zone is
   not NULL, then the lines, then "send". */
json_object	*zone_script(json_object *nsu, const char *zone);

/* Whether every checked name is ok. */
int		 zone_ok(json_object *);

void		 zone_print_text(json_object *, FILE *);

#endif
