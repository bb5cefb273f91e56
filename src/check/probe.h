/* SPDX-License-Identifier: ISC */
#ifndef V6G_PROBE_H
#define V6G_PROBE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

#include "addr.h"
#include "conf/conf.h"
#include "pool/state.h"

/*
 * One health check of one backend as a non-blocking state machine:
 * connect, then a TLS handshake, then an HTTP request and its status line,
 * as far as the check's type goes.  The caller owns the clock and the
 * event loop: it registers p->fd once, edge-triggered for both directions,
 * calls probe_event() on each event and probe_timeout() at its deadline.
 * A probe holds its socket and SSL only while it runs: when phase is
 * PROBE_DONE both are released and the result is in place.  Pure but for
 * its socket: no logging, no shared state.
 */

/* What to check: kept by the caller for as long as the probe runs. */
struct probe_spec {
	enum conf_check_type	 type;		/* not CONF_CHECK_NONE */
	int			 tls;		/* a handshake first */
	const union addr_sa	*addr;
	const uint8_t		*pp;		/* a PROXY header to send
						   first, or NULL */
	size_t			 pplen;
	const char		*sni;		/* NULL: no server_name */
	const char		*req;		/* http: the whole request */
	size_t			 reqlen;
	const uint16_t		*expect;	/* http: none: 200-399 */
	size_t			 nexpect;
	char * const		*names;		/* tls: the certificate must
						   cover each */
	size_t			 nnames;
	unsigned		 cert_warn_days;
};

enum probe_phase {
	PROBE_CONNECT,
	PROBE_PROXY,		/* the PROXY header of a backend that wants
				   one: it drops a connection without */
	PROBE_HANDSHAKE,
	PROBE_SEND,
	PROBE_RECV,
	PROBE_DONE,
};

/* Enough for "HTTP/1.1 200 " and a few bytes to quote when it is not. */
#define PROBE_LINE	24

struct probe {
	const struct probe_spec	*spec;
	enum probe_phase	 phase;
	int			 fd;		/* -1 when done */
	SSL			*ssl;
	size_t			 sent;		/* of spec->pp, then of
						   spec->req */
	char			 line[PROBE_LINE];	/* the response's
							   first bytes */
	size_t			 linelen;

	/* the result, once phase is PROBE_DONE */
	int			 ok;
	char			 error[160];	/* why not ok */
	int			 status;	/* http: the code, 0: none */
	int			 tls_done;	/* a handshake completed: the
						   fields below are set */
	char			 tls_version[16];
	char			 cipher[64];
	int64_t			 not_after;	/* Unix seconds, 0: unknown */
	char			 subject[256];	/* CN and DNS names */
	unsigned		 cert_warn;	/* POOL_CERT_* */
	char			 cert_note[192];
};

/*
 * The client context every probe shares: no verification, every protocol
 * version and cipher the library has.  NULL with err set on failure.
 */
SSL_CTX		*probe_ctx_new(char *err, size_t errlen);

/*
 * Open the socket and start connecting.  Returns 0: the probe runs (fd
 * set) or is already done (phase PROBE_DONE, e.g. "connect: Network is
 * unreachable"); or -1 with err set when this host lacks a resource
 * (file descriptors, memory): no result, the backend is not to blame.
 */
int		 probe_start(struct probe *, const struct probe_spec *,
		    SSL_CTX *, char *err, size_t errlen);

/* Go on after an epoll event on p->fd (EPOLLIN, EPOLLOUT, ...). */
void		 probe_event(struct probe *, uint32_t events);

/* The deadline passed: fail with "timeout after <ms> ms (<phase>)". */
void		 probe_timeout(struct probe *, unsigned ms);

/* Release the socket and the SSL without a result (idempotent). */
void		 probe_close(struct probe *);

#endif
