/* SPDX-License-Identifier: ISC */
#ifndef V6G_METRICS_H
#define V6G_METRICS_H

#include <stdio.h>

#include <json-c/json.h>

/* The Prometheus text format of a status report (status_json()). */
void	metrics_render(json_object *, FILE *);

/* The per-backend samples, from backends_json() (backends.h). */
void	metrics_backends(json_object *, FILE *);

#endif
