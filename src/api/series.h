/* SPDX-License-Identifier: ISC */
#ifndef V6G_SERIES_H
#define V6G_SERIES_H

#include <json-c/json.h>

#include "snap/snap.h"

/*
 * GET /history?range=hour|day: each service's IPv6 and IPv4 connections
 * and bytes (in + out) per minute of the last hour, or per hour of the
 * last day, read from the history's minute and hour rows, and the bytes
 * of each family today and this month (its day rows), from which the
 * dashboard draws its charts and IPv6 shares.  Schema in v6gated(8).
 */

/* range: "hour" (also NULL) or "day"; NULL for another range. */
json_object	*series_json(const struct snap *, const char *range);

#endif
