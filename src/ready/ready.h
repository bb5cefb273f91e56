/* SPDX-License-Identifier: ISC */
#ifndef V6G_READY_READY_H
#define V6G_READY_READY_H

#include <stdio.h>

#include <json-c/json.h>

#include "conf/conf.h"

/*
 * The IPv6 support self-check: each proxy service's site measured as the
 * national assessment does (AAAA, name servers over IPv6, the homepage
 * over both families and the same on both, 2nd- and 3rd-level links,
 * what the pages load, quality against IPv4), and what to change so that
 * it passes.  The result is one JSON document (its schema is in
 * v6gatectl(8)); the text and HTML forms are drawn from it.
 *
 * It runs where it is called: in v6gatectl, or in the daemon's own
 * checker process, never in a proxy worker.
 */

/*
 * Check every site of gc, or only the one of service (NULL: all).
 * Returns the document, or NULL with err set when the check cannot run
 * (no such service, no site to check, no usable resolver).
 */
json_object	*ready_run(const struct gw_conf *, const char *service,
		    char *err, size_t errlen);

/* Whether every site of the document passed. */
int		 ready_passed(json_object *);

void		 ready_print_text(json_object *, FILE *);
void		 ready_print_html(json_object *, FILE *);

#endif
