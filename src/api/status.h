/* SPDX-License-Identifier: ISC */
#ifndef V6G_STATUS_H
#define V6G_STATUS_H

#include <stdio.h>
#include <sys/types.h>
#include <time.h>

#include <json-c/json.h>

#include "snap/snap.h"

/*
 * "v6gatectl status": what the gateway runs and what it carried.  Built once
 * as a JSON object; the text form is rendered from that object, so the two
 * never disagree.
 */

struct status_daemon {
	pid_t		 pid;
	time_t		 started;
	time_t		 loaded;	/* last successful (re)load */
	unsigned	 reloads;
	unsigned	 reload_failures;
};

json_object	*status_json(const struct status_daemon *, const struct snap *);
void		 status_text(json_object *, FILE *);

/* "v6gatectl services": each service, where clients reach it, who
   serves it. */
void		 status_services_text(json_object *, FILE *);

#endif
