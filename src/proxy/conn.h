/* SPDX-License-Identifier: ISC */
#ifndef V6G_CONN_H
#define V6G_CONN_H

#include <stdint.h>
#include <sys/queue.h>

#include "addr.h"
#include "acct/counters.h"
#include "ppin.h"
#include "sniff.h"
#include "worker.h"

/*
 * A relayed connection, from accept() to close: read the first flight,
 * route it, connect to a backend, forward the first flight untouched, then
 * splice both ways.  Owned by one worker for its whole life.  When the
 * protocol routes each message (HTTP keep-alive: the sniffer's follow()),
 * the client -> backend direction is copied instead, through its framing
 * machine, and a message for another service ends the connection.
 */

enum conn_state {
	CS_FIRST_FLIGHT,	/* reading the ClientHello or request head */
	CS_CONNECTING,		/* connect() to a backend in progress */
	CS_RELAY,		/* forwarding the first flight, then
				   splicing */
	CS_CLOSED,		/* sockets closed; freed by conn_reap() once
				   the events already read for it are past */
};

/* Read at most this much before the first flight must be complete. */
#define CONN_FF_MAX	32768

/* A read this large means a direction is streaming: splice from now on. */
#define CONN_COPY_MAX	16384

/* Following messages: a head held back, and one read after it. */
#define CONN_HOLD_CAP	(SNIFF_HOLD_MAX + CONN_COPY_MAX)

struct conn_ff {
	union sniff_state	 p;	/* the parser's */
	const struct sniffer	*sn;	/* the listener's protocol */
	uint8_t			*buf;
	uint32_t		 len;	/* bytes read from the client */
	uint32_t		 cap;
	uint32_t		 sent;	/* bytes forwarded to the backend */
	uint32_t		 hdr;	/* of buf, the PROXY header first:
					   not the client's bytes */
	struct ppin_parser	*pp;	/* accept_proxy listeners: the
					   balancer's header, read first */
};

/* What a listener with accept_proxy does with a peer's first bytes. */
enum conn_pp {
	CONN_PP_NONE,		/* nothing (any more): the sniffer's */
	CONN_PP_REQUIRED,	/* a trusted balancer: a PROXY header first,
				   whose client is the connection's */
	CONN_PP_REFUSED,	/* anyone else: a PROXY header closes, other
				   bytes are a direct client's */
};

/* One direction of the relay (see conn_xfer()). */
struct conn_half {
	struct pipe_ent		*pipe;	/* streaming: held while bytes are
					   in it */
	uint32_t		 inpipe;	/* bytes in the pipe */
	uint8_t			*buf;	/* copying: bytes the other socket
					   did not take yet, or NULL */
	uint32_t		 boff, blen;
	uint32_t		 hold;	/* following: after those, bytes of
					   a head held back */
	uint8_t			 stream;	/* a read filled the scratch
						   buffer: splice */
	uint8_t			 eof;	/* read side returned 0 */
	uint8_t			 shut;	/* shutdown(SHUT_WR) done on the
					   other side */
};

struct conn {
	struct ev_tag		 ctag;		/* EVK_CLIENT */
	struct ev_tag		 btag;		/* EVK_BACKEND */
	uint8_t			 state;		/* enum conn_state */
	uint8_t			 family;	/* enum acct_family */
	uint8_t			 c_rd, c_wr;	/* client readable/writable */
	uint8_t			 b_rd, b_wr;	/* backend readable/writable */
	uint8_t			 b_err;		/* EPOLLERR/HUP on backend */
	uint8_t			 c_hup, b_hup;	/* RDHUP/HUP/ERR seen: read
						   to EOF, not to a short
						   read */
	uint8_t			 queued;	/* on worker->again */
	uint8_t			 counted;	/* counted in a service */
	uint8_t			 pipe_wait;	/* on worker->pipe_waiters */
	uint32_t		 tries;		/* backend connect attempts */
	uint8_t			 pending;	/* holds a pending-per-client
						   slot (first flight) */
	uint8_t			 held;		/* counted in the backend's
						   st->conns */
	uint8_t			 climit;	/* holds a per-client
						   connection slot */
	uint8_t			 pp;		/* enum conn_pp */
	uint64_t		 tried;		/* backends that failed it */
	uint64_t		 limit_key;	/* client and service */
	int			 cfd, bfd;
	uint32_t		 backend;	/* index in svc->backends */
	uint64_t		 id;
	uint64_t		 start_ms;	/* accept time */
	uint64_t		 wall_ms;	/* the same, UTC (audit) */
	union addr_sa		 local;		/* toward the backend (audit) */
	uint64_t		 mark_ms;	/* timer list key */
	struct proxy_snap	*snap;
	const struct conf_listener *lst;
	const struct conf_service *svc;
	struct acct_service	*acct;		/* svc's counters (the
						   snapshot's link) */
	char			*name;		/* SNI or Host, if any */
	struct conn_ff		*ff;		/* during the first flight */
	union sniff_follow_state *fw;		/* following messages, or
						   NULL */
	uint8_t			 refusal;	/* 1 + enum sniff_refusal: a
						   later message is refused
						   once the backend is done */
	const char		*refuse_why;	/* its close reason */
	struct conn_half	 up;		/* client -> backend */
	struct conn_half	 down;		/* backend -> client */
	uint64_t		 bytes_in, bytes_out;
	uint64_t		 client_key;	/* for pending limits */
	union addr_sa		 peer;		/* the client: from the PROXY
						   header if there was one */
	union addr_sa		 via;		/* then the balancer, else
						   AF_UNSPEC */
	TAILQ_ENTRY(conn)	 timer;
	struct conn		*next_again;	/* worker->again, ->dead */
	struct conn		*next_wait;	/* worker->pipe_waiters */
};

/* Take over an accepted socket. */
void	conn_accept(struct worker *, struct worker_listener *, int,
	    const union addr_sa *);

/* An epoll event on one of the connection's sockets. */
void	conn_event(struct worker *, struct ev_tag *, uint32_t);

/* Continue a connection that stopped early to let others run. */
void	conn_resume(struct worker *, struct conn *);

/* Expire connections whose deadline passed; returns ms to the next one. */
int	conn_timers(struct worker *);

/* Free the connections closed during this round of events. */
void	conn_reap(struct worker *);

/*
 * Close one of w's connections still in their first flight, the one that
 * sent the least among the oldest few (never a relaying one, never keep):
 * 0, or -1 if w has none.
 */
int	conn_shed(struct worker *, const struct conn *keep);

/* Close everything (worker stopping). */
void	conn_close_all(struct worker *);

#endif
