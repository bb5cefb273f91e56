/* SPDX-License-Identifier: ISC */
#ifndef V6G_REPORT_TEXT_H
#define V6G_REPORT_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "month.h"

/* Helpers of the human forms (text.c, html.c). */

/* "932 B", "1.23 MB", "34.0 GB": powers of 1000, as traffic is billed. */
void	text_bytes(uint64_t, char *, size_t);
/* A service's distinct clients of a kind: "1234", "~1234" for an
   estimate, "1200..1290" for the bounds of an unmergeable merge. */
void	text_clients(const struct report_service *, int kind, char *,
	    size_t);

#endif
