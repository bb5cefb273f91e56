/* SPDX-License-Identifier: ISC */
#ifndef V6G_CONF_H
#define V6G_CONF_H

#include <stddef.h>
#include <stdint.h>

#include <netinet/in.h>

#include "addr.h"
#include "pphdr.h"

/*
 * The configuration: libconfig text -> struct gw_conf, immutable once
 * loaded, that every part of the daemon reads (the live state beside it is
 * linked by the snapshot, snap/snap.h).  conf_load() checks everything it
 * can without touching live state and reports every problem as
 * "file:line: setting: problem (what is allowed)".  It never logs.
 */

#ifndef SYSCONFDIR
#define SYSCONFDIR	"/etc"
#endif
#define V6G_CONF_FILE		SYSCONFDIR "/v6gate/v6gate.conf"
#define V6G_CONTROL_SOCKET	"/run/v6gate/v6gate.sock"
#define V6G_STATE_DIR		"/var/lib/v6gate"
#define V6G_USER		"v6gate"	/* the unprivileged process */
#define V6G_HTTP		"[::1]:9164"

enum conf_proto {
	CONF_TLS,		/* TLS passthrough, routed by SNI */
	CONF_HTTP,		/* plain HTTP/1.x, routed by Host */
	CONF_PROTO_COUNT	/* not a protocol: the number of them (the
				   size of proxy/sniff.c's table) */
};

struct conf_backend {
	union addr_sa		 addr;
	char			 text[ADDR_STRLEN];
	int			 line;
	unsigned		 weight;	/* 1-256 */
	int			 backup;	/* only when no normal one is up */
	enum pphdr_version	 pp;		/* PROXY protocol to it */
	uint64_t		 hash;		/* of text, mixed: "source" */
};

enum conf_balance {
	CONF_BAL_ROUNDROBIN,	/* weighted, smooth */
	CONF_BAL_LEASTCONN,	/* fewest connections per weight */
	CONF_BAL_SOURCE,	/* the client's /64 (IPv6) or /32 sticks */
};

enum conf_check_type {
	CONF_CHECK_NONE,	/* a backend is up unless drained */
	CONF_CHECK_TCP,		/* connect */
	CONF_CHECK_TLS,		/* full handshake, SNI, certificate */
	CONF_CHECK_HTTP,	/* a request with Host; inside TLS for a
				   tls service */
};

/* A service's health check; times in milliseconds. */
struct conf_check {
	enum conf_check_type	 type;
	unsigned		 interval_ms;
	unsigned		 timeout_ms;
	unsigned		 rise, fall;
	unsigned		 cert_warn_days;
	char			*path;		/* http: request target */
	uint16_t		*expect;	/* http: statuses; none: 2xx 3xx */
	size_t			 nexpect;
};

/* A prefix of allow/deny: family AF_INET or AF_INET6. */
struct conf_prefix {
	uint8_t			 family;
	uint8_t			 len;
	uint8_t			 addr[16];	/* host bits zero */
	int			 line;
};

struct conf_listener;

enum conf_mode {
	CONF_PROXY,		/* v6gated relays: TLS by SNI, HTTP by Host */
	CONF_NAT64,		/* Jool stateful NAT64 to backend (RFC 6146) */
	CONF_SIIT,		/* Jool SIIT + one EAM entry (RFC 7757) */
};

enum conf_l4 {
	CONF_L4_TCP,
	CONF_L4_UDP,
	CONF_L4_ICMP,
};

/* A port a nat64 service opens: "tcp/25", "udp/53", "icmp" (echo). */
struct conf_port {
	enum conf_l4		 proto;
	uint16_t		 port;		/* 0 for icmp */
};

/* One pool4 entry of the nat64 block. */
struct conf_pool4 {
	struct in_addr		 addr;
	enum conf_l4		 proto;
	uint16_t		 port_min, port_max;
	int			 line;
};

struct conf_nat64 {
	int			 on;		/* the block is there */
	int			 line;
	char			 instance[16];
	struct in6_addr		 pool6;
	uint8_t			 pool6_len;
	struct conf_pool4	*pool4;
	size_t			 npool4;
};

struct conf_siit {
	int			 on;
	int			 line;
	char			 instance[16];
	struct in6_addr		 pool6;
	uint8_t			 pool6_len;
};

/*
 * The readiness self-check (ready/, v6gatectl readiness): how hard it may
 * hit the site, and what passes.  Times in seconds.
 */
struct conf_readiness {
	union addr_sa		 resolver;	/* family AF_UNSPEC: the
						   system's (resolv.conf) */
	unsigned		 depth;		/* link levels: 1-3 */
	unsigned		 max_pages;	/* fetches per site */
	unsigned		 concurrency;	/* fetches in flight per site */
	unsigned		 timeout;	/* per fetch */
	unsigned		 attempts;	/* homepage, per family */
	unsigned		 interval;	/* the daemon's; 0: never */
	int			 insecure;	/* no certificate checks */
	double			 min_link_rate;	/* level 2 and 3, to pass */
	double			 max_degradation;	/* overall, to pass */
	int			 line;
};

struct conf_service {
	char			 *name;
	int			  line;
	size_t			  index;	/* in gw_conf.services */
	enum conf_mode		  mode;
	/* nat64: the IPv4 server, its IPv6 address (pool6 + it), ports */
	struct in_addr		  backend4;
	struct in6_addr		  addr6;
	struct conf_port	 *ports;
	size_t			  nports;
	/* siit: one EAM entry, ipv4 <-> ipv6 */
	struct in_addr		  siit4;
	struct in6_addr		  siit6;
	/* proxy */
	enum conf_proto		  protocol;
	int			  is_default;
	char			**hosts;	/* lower-case */
	size_t			  nhosts;
	struct conf_listener	**listeners;
	size_t			  nlisteners;
	struct conf_backend	 *backends;
	size_t			  nbackends;
	enum conf_balance	  balance;
	unsigned		  retries;	/* more backends after the
						   first that failed */
	struct conf_check	  check;
	struct conf_prefix	 *allow;	/* none: every client */
	size_t			  nallow;
	struct conf_prefix	 *deny;
	size_t			  ndeny;
	struct conf_prefix	 *proxy_from;	/* accept_proxy: peers whose
						   PROXY header is required
						   and believed */
	size_t			  nproxy_from;
	char			 *site;		/* the readiness check's URL,
						   or NULL: see
						   conf_service_site() */
	unsigned		  per_client_conns;	/* 0: no limit */
	unsigned		  per_client_rate;	/* new conns/s, 0: none */
	uint64_t		  name_hash;	/* limits: per service */
	uint16_t		 *wrr;		/* smooth weighted round robin
						   order of the normal
						   backends, then of the
						   backups */
	size_t			  nwrr, nwrr_normal;
};

struct conf_listener {
	union addr_sa		 addr;
	char			 text[ADDR_STRLEN];
	int			 line;
	size_t			 index;		/* in gw_conf.listeners */
	enum conf_proto		 protocol;
	struct namemap	*routes;	/* name -> conf_service */
	struct conf_service	*dflt;		/* or NULL */
	struct conf_service	*only;		/* the one service, if so: its
						   allow/deny apply before the
						   first byte is read */
	size_t			 nservices;
	const struct conf_prefix *proxy_from;	/* its services' accept_proxy
						   (they agree), or none */
	size_t			 nproxy_from;
	const struct conf_service *proxy_by;	/* the service that set it */
};

struct gw_conf {
	char			*file;
	char			*name;
	char			*state_dir;
	char			*control_socket;
	char			*user;		/* of the unprivileged process */
	union addr_sa		 http;
	int			 http_on;	/* 0: gateway.http = "" */
	struct conf_prefix	*http_allow;	/* who may ask; none: all */
	size_t			 http_nallow;
	char			*http_token_file;	/* or NULL */
	int			 http_show_clients;
	int			 workers;	/* 0 = one per core */
	unsigned		 max_connections;
	unsigned		 to_first_flight;	/* seconds */
	unsigned		 to_connect;
	unsigned		 to_idle;
	unsigned		 pending_per_client;	/* first flights */
	unsigned		 pending_per_48;	/* IPv6 only */
	unsigned		 pending_per_32;
	unsigned		 per_client_conns;	/* service defaults */
	unsigned		 per_client_rate;
	/* accounting: history checkpoints and retention */
	unsigned		 acct_checkpoint;	/* seconds */
	unsigned		 acct_minutes;		/* minute rows kept */
	unsigned		 acct_days;		/* hour/day rows kept */
	unsigned		 acct_clients_exact;	/* per set, then HLL */
	char			*acct_clients_key_file;	/* or NULL */
	int			 audit_on;		/* audit log */
	unsigned		 audit_days;		/* files kept */
	int			 audit_open;		/* a line at open too */
	int			 audit_fail_closed;	/* refuse if unlogged */
	char			*audit_syslog;		/* as written, or NULL */
	union addr_sa		 audit_syslog_addr;	/* the collector */
	int			 audit_syslog_tls;	/* tls:// */
	char			*audit_syslog_ca;	/* or NULL: the system's */

	struct conf_nat64	 nat64;
	struct conf_siit	 siit;
	struct conf_readiness	 readiness;

	struct conf_service	*services;
	size_t			 nservices;
	struct conf_listener	*listeners;
	size_t			 nlisteners;
};

/* Messages found while loading: every error, and warnings. */
struct conf_report {
	char	**errors;
	size_t	  nerrors;
	char	**warnings;
	size_t	  nwarnings;
};

/*
 * Load and check a file.  Returns a new snapshot, or NULL when the report
 * holds at least one error.  The report is filled in both cases and must be
 * released with conf_report_free().
 */
struct gw_conf	*conf_load(const char *, struct conf_report *);

/* The same from a string (for the fuzz target); name is used in messages. */
struct gw_conf	*conf_load_string(const char *, const char *,
		    struct conf_report *);

/*
 * Only one string of the gateway group of a file, such as control_socket
 * or state_dir (dflt when not set), for v6gatectl: a file with errors
 * elsewhere still leads to its daemon and its history.  Returns 0, or -1
 * with err set and buf holding dflt.
 */
int		 conf_gateway_string(const char *file, const char *key,
		    const char *dflt, char *buf, size_t, char *, size_t);

void		 conf_free(struct gw_conf *);
void		 conf_report_free(struct conf_report *);

const char	*conf_proto_name(enum conf_proto);
const char	*conf_mode_name(enum conf_mode);
const char	*conf_l4_name(enum conf_l4);
const char	*conf_balance_name(enum conf_balance);
const char	*conf_check_name(enum conf_check_type);
const char	*conf_pp_name(enum pphdr_version);

/* Whether svc admits a client address (allow/deny, longest prefix wins). */
int		 conf_acl_admits(const struct conf_service *,
		    const union addr_sa *);

/*
 * Whether a peer of l is a trusted load balancer (accept_proxy): its
 * connections must start with a PROXY header, whose client is believed.
 */
int		 conf_listener_trusts(const struct conf_listener *,
		    const union addr_sa *);

/* Whether gateway.http.allow admits a client of the HTTP endpoint (no
   list: everyone). */
int		 conf_http_admits(const struct gw_conf *,
		    const union addr_sa *);

/*
 * The URL the readiness check starts from for svc: its "site", else
 * https:// (tls) or http:// (http) and its first host name without a '*',
 * in buf; NULL when it has neither (or is not a proxy service).
 */
const char	*conf_service_site(const struct conf_service *, char *buf,
		    size_t len);

/* The listener of conf at the same address, or NULL. */
struct conf_listener *conf_listener_find(const struct gw_conf *,
		    const union addr_sa *);

#endif
