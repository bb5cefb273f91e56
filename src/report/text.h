/* SPDX-License-Identifier: ISC */
#ifndef V6G_REPORT_TEXT_H
#define V6G_REPORT_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "acct/clients.h"

/* Helpers of the human forms (text.c, html.c). */

/* "932 B", "1.23 MB", "34.0 GB": powers of 1000, as traffic is billed. */
void	text_bytes(uint64_t, char *, size_t);
/* "1234", or "~1234" for an estimate. */
void	text_count(const struct clients_count *, char *, size_t);

#endif
