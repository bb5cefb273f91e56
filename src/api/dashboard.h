/* SPDX-License-Identifier: ISC */
#ifndef V6G_DASHBOARD_H
#define V6G_DASHBOARD_H

#include <stdio.h>

#include "snap/snap.h"
#include "status.h"

/*
 * GET /: the dashboard, one self-contained HTML page (no external
 * resource).  The server renders the current figures as tables, so the
 * page says everything without JavaScript; a small inline script then
 * fetches /status, /backends and /history every few seconds, updates the
 * tables and draws the charts as inline SVG.  Counts only: no client
 * address is on it.
 */
int	dashboard_render(const struct status_daemon *, const struct snap *,
	    FILE *);

#endif
