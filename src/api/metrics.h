/* SPDX-License-Identifier: ISC */
#ifndef V6G_METRICS_H
#define V6G_METRICS_H

#include <stdio.h>

#include "status.h"

/* /metrics: the Prometheus text format of what the status report and the
   backends report show; -1 (logged) out of memory. */
int	metrics_render(const struct status_daemon *, const struct snap *,
	    FILE *);

#endif
