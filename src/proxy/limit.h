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
 *  - pending: first flights in progress, gateway-wide, per client and,
 *    for IPv6, per /48 and per /32 too (one /48 holds 65536 /64s);
 *  - conns: open connections, per service (key mixes the service in);
 *  - rate: new connections per second, per service, over a sliding
 *    second (the last second's count weighted by how much of it is still
 *    in the window, as HAProxy's freq_ctr).
 */

/* Count one more pending connection for key; 0, or -1 if over limit. */
int	limit_pending_take(uint64_t key, unsigned limit);

/* The connection left its first flight (or closed during it). */
void	limit_pending_put(uint64_t key);

/* The limits of limit_prefix_take(): per client, per /48, per /32. */
struct limit_prefix {
	unsigned	per_client;
	unsigned	per_48;
	unsigned	per_32;
};

/*
 * One more pending connection for client_key (addr_client_key()) and, if
 * v6, for its /48 and /32: 0; -1 over the client's limit, -2 over a
 * prefix's (nothing is then counted).
 */
int	limit_prefix_take(uint64_t client_key, int v6,
	    const struct limit_prefix *l);
void	limit_prefix_put(uint64_t client_key, int v6);

/* One more open connection for key; 0, or -1 if it would exceed limit. */
int	limit_conn_take(uint64_t key, unsigned limit);
void	limit_conn_put(uint64_t key);

/* A new connection for key at now_ms (monotonic); 0, or -1 over limit
   per second (a refused one is not counted). */
int	limit_rate_take(uint64_t key, unsigned limit, uint64_t now_ms);

/* The key of a client (addr_client_key()) for one service. */
uint64_t limit_key(uint64_t client_key, uint64_t service_hash);

#endif
