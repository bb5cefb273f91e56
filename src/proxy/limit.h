/* SPDX-License-Identifier: ISC */
#ifndef V6G_LIMIT_H
#define V6G_LIMIT_H

#include <stdint.h>

/*
 * Per-client limits (a client is its IPv6 /64 or IPv4 /32), shared by every
 * worker without locks: count-min sketches of atomic counters, two rows of
 * 65536.  A client never gets more than its limit; a client sharing both
 * of its buckets with busy clients may be refused early, which takes
 * thousands of clients at their limit at once.
 *
 *  - pending: first flights in progress, gateway-wide;
 *  - conns: open connections, per service (key mixes the service in);
 *  - rate: new connections per second, per service, over a sliding
 *    second (the last second's count weighted by how much of it is still
 *    in the window, as HAProxy's freq_ctr).
 */

/* Count one more pending connection for key; 0, or -1 if over limit. */
int	limit_pending_take(uint64_t key, unsigned limit);

/* The connection left its first flight (or closed during it). */
void	limit_pending_put(uint64_t key);

/* One more open connection for key; 0, or -1 if it would exceed limit. */
int	limit_conn_take(uint64_t key, unsigned limit);
void	limit_conn_put(uint64_t key);

/* A new connection for key at now_ms (monotonic); 0, or -1 over limit
   per second (a refused one is not counted). */
int	limit_rate_take(uint64_t key, unsigned limit, uint64_t now_ms);

/* The key of a client (addr_client_key()) for one service. */
uint64_t limit_key(uint64_t client_key, uint64_t service_hash);

#endif
