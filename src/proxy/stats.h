/* SPDX-License-Identifier: ISC */
#ifndef V6G_STATS_H
#define V6G_STATS_H

#include <stdint.h>

/*
 * Gateway-wide event counters, one set per worker (summed on read).  The
 * list is written once here and expands into the struct, the JSON keys of
 * "v6gatectl status --json" and the lines of its text form.
 */
#define PROXY_COUNTERS(X)						\
	X(accepted,		"connections accepted")			\
	X(refused_max,		"refused: max_connections reached")	\
	X(refused_pending,	"refused: too many first flights, one client") \
	X(refused_pending_prefix,					\
	    "refused: too many first flights, one /48 or /32")		\
	X(shed_first_flight,						\
	    "closed: first flight shed near max_connections")		\
	X(refused_audit,	"refused: the audit log cannot be written") \
	X(refused_acl,		"refused: client not allowed (allow/deny)") \
	X(refused_conn_limit,	"refused: per-client connection limit")	\
	X(refused_rate_limit,	"refused: per-client rate limit")	\
	X(pp_proxied,		"PROXY headers from a balancer: client taken") \
	X(pp_local,		"PROXY LOCAL (balancer checks): balancer as client") \
	X(pp_unknown,		"PROXY UNKNOWN family: balancer as client") \
	X(pp_untrusted,		"closed: PROXY header from an untrusted peer") \
	X(pp_missing,		"closed: no PROXY header from a balancer") \
	X(pp_malformed,		"closed: malformed PROXY header")	\
	X(accept_backoff,	"accept paused: out of file descriptors") \
	X(tls_no_sni,		"TLS hellos without server_name")	\
	X(tls_sslv2,		"SSLv2-compatible hellos")		\
	X(tls_tlcp,		"TLCP (GM/T) hellos")			\
	X(tls_ech,		"hellos with encrypted_client_hello")	\
	X(tls_not_tls,		"bad first flight: not TLS")		\
	X(tls_too_big,		"bad first flight: ClientHello too big") \
	X(tls_malformed,	"bad first flight: malformed ClientHello") \
	X(tls_bad_name,		"bad first flight: invalid server_name") \
	X(http_not_http,	"bad first flight: not HTTP/1.x")	\
	X(http_too_big,		"bad first flight: request head too big") \
	X(http_malformed,	"bad first flight: malformed request")	\
	X(http_bad_host,	"bad first flight: invalid Host")	\
	X(http_dup_host,	"bad first flight: several Host headers") \
	X(http_no_host,		"bad first flight: HTTP/1.1 without Host") \
	X(http_misdirected,	"closed: a later request for another service") \
	X(http_bad_request,	"closed: a later request badly framed")	\
	X(no_route,		"refused: no service for the name")	\
	X(client_closed_early,	"client closed before its first flight ended") \
	X(timeout_first_flight,	"timeout: first flight")		\
	X(timeout_connect,	"timeout: backend connect")		\
	X(timeout_idle,		"timeout: idle")			\
	X(backend_failed,	"backend connect failed (each attempt)") \
	X(backend_unreachable,	"closed: no backend could be reached")	\
	X(no_backend_up,	"closed: no backend up (down or drained)") \
	X(reset_client,		"closed: reset by the client")		\
	X(reset_backend,	"closed: reset by the backend")		\
	X(relay_error,		"closed: socket error while relaying")	\
	X(pipe_waits,		"relay paused: no pipe (out of descriptors)")

struct proxy_stats {
#define PROXY_STATS_FIELD(name, text)	uint64_t name;
	PROXY_COUNTERS(PROXY_STATS_FIELD)
#undef PROXY_STATS_FIELD
	uint64_t	open;		/* connections open now */
	uint64_t	first_flight;	/* of those, in their first flight */
	uint64_t	connecting;	/* of those, connecting to a backend */
	uint64_t	pipes;		/* pipes held now */
};

#endif
