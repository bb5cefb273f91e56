/* SPDX-License-Identifier: ISC */
#ifndef V6G_READY_FETCH_H
#define V6G_READY_FETCH_H

#include <stddef.h>

#include "addr.h"
#include "dns.h"
#include "url.h"

/*
 * HTTP(S) fetches for the readiness check, through libcurl's multi
 * interface: one family forced per fetch, every hop's address from the
 * check's own resolver (so a redirect to another host is looked up like
 * the first one, and timed), redirects followed up to FETCH_HOPS, bodies
 * kept up to a bound, at most `concurrency` in flight and one host never
 * started more than 10 times a second.
 */

#define FETCH_HOPS	5		/* redirects followed */

enum fetch_rc {
	FETCH_OK,		/* an HTTP status (any) */
	FETCH_NO_ADDR,		/* the host has no address of the family */
	FETCH_DNS,		/* the resolver did not answer */
	FETCH_CONNECT,		/* no TCP connection */
	FETCH_TIMEOUT,
	FETCH_TLS,		/* handshake or certificate */
	FETCH_PROTO,		/* no or a broken HTTP answer */
	FETCH_REDIRECTS,	/* more than FETCH_HOPS, or not to http(s) */
};

struct fetch_times {		/* milliseconds */
	double		 dns;		/* our lookups, every hop */
	double		 connect;	/* TCP, the last hop */
	double		 tls;		/* its handshake (0: http) */
	double		 first_byte;	/* request sent -> first byte */
	double		 total;		/* dns + every hop's whole time */
};

struct fetch {
	/* asked */
	char		 url[URL_MAX];
	int		 family;	/* AF_INET or AF_INET6 */
	void		*arg;		/* the caller's */
	/* answered */
	enum fetch_rc	 rc;
	int		 status;	/* of the last hop */
	char		 final[URL_MAX];	/* the last hop's URL */
	char		 err[256];	/* what went wrong, for a person */
	char		*body;		/* the last hop's, NUL-terminated */
	size_t		 len;
	int		 truncated;	/* the body was longer */
	unsigned	 hops;		/* redirects followed */
	struct fetch_times t;
	/* fetch.c's */
	void		*h;
	void		*pin;
	char		 host[256];
	size_t		 cap, alloc;
};

/* Look host up in family: its first address in out (port ignored). */
typedef enum dns_rc fetch_resolve_fn(void *arg, const char *host,
		    int family, union addr_sa *out, size_t *n, double *ms);

/* When each host was last started: kept by the caller across runs, so a
   host is paced over the whole check, not within one run. */
struct fetch_pace;
struct fetch_pace *fetch_pace_new(void);
void		 fetch_pace_free(struct fetch_pace *);

struct fetch_opts {
	unsigned	 concurrency;
	unsigned	 timeout;	/* seconds, per hop */
	int		 insecure;	/* no certificate verification */
	size_t		 body_max;
	fetch_resolve_fn *resolve;
	void		*resolve_arg;
	struct fetch_pace *pace;	/* NULL: this run's own */
};

/* Run the n fetches; returns when every one has its answer. */
void		 fetch_run(const struct fetch_opts *, struct fetch **, size_t n);
void		 fetch_clear(struct fetch *);	/* its body */

const char	*fetch_rc_name(enum fetch_rc);

#endif
