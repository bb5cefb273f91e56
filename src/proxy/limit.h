/* SPDX-License-Identifier: ISC */
#ifndef V6G_LIMIT_H
#define V6G_LIMIT_H

#include <stdint.h>

/*
 * Pending first flights per client (/64 or /32), shared by every worker
 * without locks: a count-min sketch of atomic counters.  A client never gets
 * more than the limit; a client sharing both of its buckets with busy
 * clients may be refused early, which at 2 x 65536 buckets takes thousands
 * of clients mid-handshake at once.
 */

/* Count one more pending connection for key; 0, or -1 if over limit. */
int	limit_pending_take(uint64_t key, unsigned limit);

/* The connection left its first flight (or closed during it). */
void	limit_pending_put(uint64_t key);

#endif
