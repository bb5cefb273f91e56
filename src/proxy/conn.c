/* SPDX-License-Identifier: ISC */
/*
 * The per-connection state machine of the proxy (see conn.h).  Each socket
 * is registered once, edge-triggered, for both directions, so epoll_ctl() is
 * called only when a socket is added or dropped.  Readiness is kept in
 * c_rd/c_wr/b_rd/b_wr and cleared on EAGAIN, or on a short write (the send
 * buffer is full: an EPOLLOUT edge will follow).  Bytes after the first
 * flight never enter user space: splice() moves them socket -> pipe ->
 * socket; except, for a protocol that routes each message (HTTP
 * keep-alive), those from the client, which are copied through the
 * sniffer's framing machine (conn_follow_xfer()).
 *
 * On a listener with accept_proxy, a trusted balancer's PROXY header is
 * read first (ppin.c) and taken off the buffer; its client becomes the
 * connection's (conn_pp_read()).
 *
 * This file never parses, nor knows which protocol it reads: the
 * listener's sniffer (sniff.h) parses the bytes it read, names what to
 * count, and writes the refusal it sends.
 */

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "acct/clientq.h"
#include "audit/audit.h"
#include "conn.h"
#include "limit.h"
#include "log.h"
#include "pool/pick.h"
#include "pool/state.h"
#include "pphdr.h"
#include "namemap.h"

/* Splice rounds per event before yielding to other connections. */
#define CONN_BUDGET		16

#define container_of(p, type, member)					\
	((type *)(void *)((char *)(p) - offsetof(type, member)))

static void	conn_run(struct worker *, struct conn *);

/*
 * Resource failures (memory, epoll) come in storms: log them at most every
 * 10 s per worker; the counters and the debug log still see each one.
 */
static int
conn_warn_due(struct worker *w)
{
	if (w->warn_ms != 0 && w->now_ms - w->warn_ms < 10000)
		return 0;
	w->warn_ms = w->now_ms;
	return 1;
}

/* The live state of the backend c holds or tries. */
static struct pool_state *
conn_backend_state(const struct conn *c)
{
	return snap_backend(c->snap->live, c->svc->index, c->backend);
}

/* The timer list of c's state (a closed connection is in none). */
static struct conn_list *
conn_timer_list(struct worker *w, const struct conn *c)
{
	switch (c->state) {
	case CS_FIRST_FLIGHT:
		return &w->ff_list;
	case CS_CONNECTING:
		return &w->connect_list;
	case CS_RELAY:
		return &w->relay_list;
	}
	abort();
}

/* Move c to the tail of the timer list of its state, keyed now. */
static void
conn_timer_set(struct worker *w, struct conn *c, struct conn_list *from)
{
	if (from != NULL)
		TAILQ_REMOVE(from, c, timer);
	c->mark_ms = w->now_ms;
	TAILQ_INSERT_TAIL(conn_timer_list(w, c), c, timer);
}

static void
conn_set_state(struct worker *w, struct conn *c, enum conn_state st)
{
	struct conn_list *from = conn_timer_list(w, c);

	if (c->state == CS_FIRST_FLIGHT)
		WSTAT_DEC(w, first_flight);
	else if (c->state == CS_CONNECTING)
		WSTAT_DEC(w, connecting);
	c->state = st;
	if (st == CS_CONNECTING)
		WSTAT_INC(w, connecting);
	conn_timer_set(w, c, from);
}

static void
conn_log_close(struct conn *c, const char *reason)
{
	char		 peer[ADDR_STRLEN];
	const char	*name = c->name ? c->name : "";
	char		 via[ADDR_STRLEN + 7] = "";

	if (!LOG_DEBUGGING())
		return;
	if (c->via.sa.sa_family != AF_UNSPEC) {
		memcpy(via, ", via ", 6);
		addr_fmt(&c->via, via + 6, sizeof(via) - 6);
	}
	log_debug("conn %llu closed: %s, client: %s%s%s%s, service: %s, "
	    "backend: %s, in %llu out %llu", (unsigned long long)c->id,
	    reason, addr_fmt(&c->peer, peer, sizeof(peer)), via,
	    *name ? ", name: " : "", name, c->svc ? c->svc->name : "-",
	    c->svc && c->state != CS_FIRST_FLIGHT ?
	    c->svc->backends[c->backend].text : "-",
	    (unsigned long long)c->bytes_in, (unsigned long long)c->bytes_out);
}

/*
 * The audit log's record of c (audit.h): what a legacy server's log line
 * is traced back from.  Only connections routed to a service.
 */
static void
conn_audit(struct worker *w, struct conn *c, int event, const char *reason)
{
	struct audit_rec	 r;
	struct timespec		 ts;

	memset(&r, 0, sizeof(r));
	r.event = (uint8_t)event;
	r.id = c->id;
	r.t_open_ms = c->wall_ms;
	if (event == AUDIT_CLOSE) {
		clock_gettime(CLOCK_REALTIME, &ts);
		r.t_close_ms = (uint64_t)ts.tv_sec * 1000 +
		    (uint64_t)ts.tv_nsec / 1000000;
	}
	r.client = c->peer;
	r.via = c->via;
	r.local = c->local;
	if (c->tries > 0)
		r.backend = c->svc->backends[c->backend].addr;
	snprintf(r.listener, sizeof(r.listener), "%s", c->lst->text);
	snprintf(r.service, sizeof(r.service), "%s", c->svc->name);
	if (c->name != NULL)
		snprintf(r.name, sizeof(r.name), "%s", c->name);
	r.bytes_in = c->bytes_in;
	r.bytes_out = c->bytes_out;
	r.reason = reason;
	audit_push(w->id, &r);
}

/* Queue c to run again after this round of events. */
static void
conn_again(struct worker *w, struct conn *c)
{
	if (c->queued)
		return;
	c->queued = 1;
	c->next_again = w->again;
	w->again = c;
}

/*
 * A descriptor came free (a pipe given back, a connection closed): let a
 * connection that found no pipe try again.
 */
static void
conn_pipe_wake(struct worker *w)
{
	struct conn	*c;

	if ((c = w->pipe_waiters) == NULL)
		return;
	w->pipe_waiters = c->next_wait;
	c->pipe_wait = 0;
	conn_again(w, c);
}

static void
conn_half_release(struct worker *w, struct conn_half *h)
{
	if (h->pipe == NULL)
		return;
	pipe_put(&w->pipes, h->pipe, h->inpipe != 0);
	h->pipe = NULL;
	h->inpipe = 0;
	WSTAT_DEC(w, pipes);
	conn_pipe_wake(w);
}

/*
 * Close both sockets and forget the connection.  reason goes to the debug
 * log; counters were bumped by the caller where the cause is known.
 */
static void
conn_close(struct worker *w, struct conn *c, const char *reason)
{
	struct acct_cell	*cell;

	conn_log_close(c, reason);
	TAILQ_REMOVE(conn_timer_list(w, c), c, timer);
	if (c->state == CS_FIRST_FLIGHT)
		WSTAT_DEC(w, first_flight);
	else if (c->state == CS_CONNECTING)
		WSTAT_DEC(w, connecting);
	if (c->pending)
		limit_prefix_put(c->client_key, c->family == ACCT_IPV6);
	if (c->climit)
		limit_conn_put(c->limit_key);
	if (c->held)
		__atomic_sub_fetch(&conn_backend_state(c)->conns, 1,
		    __ATOMIC_RELAXED);
	if (c->queued) {
		struct conn **pp;

		for (pp = &w->again; *pp != NULL; pp = &(*pp)->next_again)
			if (*pp == c) {
				*pp = c->next_again;
				break;
			}
	}
	if (c->pipe_wait) {
		struct conn **pp;

		for (pp = &w->pipe_waiters; *pp != NULL;
		    pp = &(*pp)->next_wait)
			if (*pp == c) {
				*pp = c->next_wait;
				break;
			}
	}
	if (c->counted) {
		cell = &c->acct->slots[w->id].fam[c->family];
		acct_add(&cell->closed, 1);
		acct_open_dec(c->acct, c->family);
		if (c->snap->conf->audit_on)
			conn_audit(w, c, AUDIT_CLOSE, reason);
	}
	conn_half_release(w, &c->up);
	conn_half_release(w, &c->down);
	free(c->up.buf);
	free(c->down.buf);
	close(c->cfd);
	if (c->bfd != -1)
		close(c->bfd);
	conn_pipe_wake(w);
	if (c->ff != NULL) {
		free(c->ff->buf);
		free(c->ff->pp);
		free(c->ff);
	}
	free(c->name);
	free(c->fw);
	if (--c->snap->w[w->id].conns == 0 && c->snap != w->snap)
		proxy_snap_release(c->snap);
	WSTAT_DEC(w, open);
	proxy_conn_put();
	/*
	 * The epoll batch being handled may still hold an event for the
	 * other socket: free c only after it (conn_reap).
	 */
	c->state = CS_CLOSED;
	c->next_again = w->dead;
	w->dead = c;
}

void
conn_reap(struct worker *w)
{
	struct conn	*c;

	while ((c = w->dead) != NULL) {
		w->dead = c->next_again;
		free(c);
	}
}

/*
 * Refuse in the client's protocol (the sniffer's reject(): a TLS alert, an
 * HTTP status), then close.  Best effort: one non-blocking write.  Some of
 * the client's pending bytes are read first so that close() does not turn
 * into a reset that destroys the answer before the client reads it.
 */
static void
conn_refuse(struct worker *w, struct conn *c, enum sniff_refusal why,
    const char *reason)
{
	/* a refusal after the first flight: HTTP's takes no state */
	static const union sniff_state	 none;
	char	 drain[4096];
	uint8_t	 resp[SNIFF_REJECT_MAX];
	size_t	 len;
	ssize_t	 n;
	int	 i;

	len = sniff_table[c->lst->protocol].reject(c->ff ? &c->ff->p : &none,
	    why, resp);
	n = send(c->cfd, resp, len, MSG_NOSIGNAL);
	(void)n;
	shutdown(c->cfd, SHUT_WR);
	/* bounded: a client sending without end must not hold the worker */
	for (i = 0; i < 4; i++)
		if (recv(c->cfd, drain, sizeof(drain), MSG_DONTWAIT) <= 0)
			break;
	conn_close(w, c, reason);
}

/* Bounded: the accept path must not walk thousands of connections. */
#define CONN_SHED_LOOK	8

int
conn_shed(struct worker *w, const struct conn *keep)
{
	struct conn	*c, *best = NULL;
	int		 i = 0;

	/* ff_list is by start: the oldest first, and the first of equals */
	TAILQ_FOREACH(c, &w->ff_list, timer) {
		if (c == keep)
			break;		/* the newest: nothing after it */
		if (best == NULL || c->ff->len < best->ff->len)
			best = c;
		if (++i == CONN_SHED_LOOK || best->ff->len == 0)
			break;
	}
	if (best == NULL)
		return -1;
	WSTAT_INC(w, shed_first_flight);
	conn_close(w, best, "shed: near max_connections");
	return 0;
}

/*
 * What applies to a client before its first flight: the allow/deny of the
 * listener's only service (not a byte read), and the first flights one
 * client or prefix may have pending.  Returns 0, or -1 after closing.
 */
static int
conn_client_admit(struct worker *w, struct conn *c)
{
	const struct gw_conf	*gc = w->snap->conf;
	const struct limit_prefix pl = { gc->pending_per_client,
				    gc->pending_per_48, gc->pending_per_32 };

	if (c->lst->only != NULL && !conf_acl_admits(c->lst->only, &c->peer)) {
		WSTAT_INC(w, refused_acl);
		conn_close(w, c, "client not allowed");
		return -1;
	}
	switch (limit_prefix_take(c->client_key, c->family == ACCT_IPV6,
	    &pl)) {
	case -1:
		WSTAT_INC(w, refused_pending);
		conn_close(w, c, "too many first flights from this client");
		return -1;
	case -2:
		WSTAT_INC(w, refused_pending_prefix);
		conn_close(w, c, "too many first flights from this prefix");
		return -1;
	}
	c->pending = 1;
	return 0;
}

/* What a complete PROXY header's command does (ppin.h). */
static const struct {
	uint16_t	stat;
	uint8_t		client;		/* its src is the client */
} conn_pp_cmds[] = {
	[PPIN_PROXY] = { SNIFF_STAT(pp_proxied), 1 },
	[PPIN_LOCAL] = { SNIFF_STAT(pp_local), 0 },	/* haproxy's way */
	[PPIN_UNKNOWN] = { SNIFF_STAT(pp_unknown), 0 },	/* §2.1, §2.2 */
};

/*
 * Bytes [*from, ff->len) of an accept_proxy listener's peer, before its
 * first flight (c->pp).  A balancer's header is read, taken off the
 * buffer and believed; anyone else's bytes pass unless they start a
 * header.  Returns 1 with *from where the client's own bytes start, 0 to
 * read more, -1 after closing.
 */
static int
conn_pp_read(struct worker *w, struct conn *c, uint32_t *from)
{
	struct conn_ff		*ff = c->ff;
	struct ppin_parser	*pp = ff->pp;
	enum ppin_rc		 rc;
	size_t			 used;

	rc = ppin_feed(pp, ff->buf + *from, ff->len - *from, &used);
	if (c->pp == CONN_PP_REFUSED) {
		if (rc == PPIN_ERROR && pp->err == PPIN_E_NOT_PROXY) {
			c->pp = CONN_PP_NONE;	/* a direct client */
			*from = 0;
			return 1;
		}
		if (!ppin_signed(pp))
			return 0;	/* "PROX": a header or not */
		WSTAT_INC(w, pp_untrusted);
		conn_close(w, c, "PROXY header from an untrusted peer");
		return -1;
	}
	if (rc == PPIN_AGAIN)
		return 0;
	if (rc == PPIN_ERROR) {
		if (pp->err == PPIN_E_NOT_PROXY) {
			WSTAT_INC(w, pp_missing);
			conn_close(w, c, "no PROXY header from a balancer");
		} else {
			WSTAT_INC(w, pp_malformed);
			conn_close(w, c, ppin_strerror(pp->err));
		}
		return -1;
	}
	/* the header is the balancer's, not the client's: not forwarded */
	ff->len -= pp->total;
	memmove(ff->buf, ff->buf + pp->total, ff->len);
	*from = 0;
	c->pp = CONN_PP_NONE;
	WSTAT_INC_AT(w, conn_pp_cmds[pp->command].stat);
	if (conn_pp_cmds[pp->command].client) {
		c->via = c->peer;
		c->peer = pp->src;
		c->family = c->peer.sa.sa_family == AF_INET6 ? ACCT_IPV6 :
		    ACCT_IPV4;
		c->client_key = addr_client_key(&c->peer);
	}
	return conn_client_admit(w, c) == -1 ? -1 : 1;
}

void
conn_accept(struct worker *w, struct worker_listener *wl, int fd,
    const union addr_sa *peer)
{
	const struct gw_conf	*gc = w->snap->conf;
	struct conn		*c;
	struct epoll_event	 ev;

	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->ff = calloc(1, sizeof(*c->ff))) == NULL) {
		if (conn_warn_due(w))
			log_warn("%s: calloc", __func__);
		free(c);
		close(fd);
		proxy_conn_put();
		return;
	}
	c->ctag.kind = EVK_CLIENT;
	c->btag.kind = EVK_BACKEND;
	c->state = CS_FIRST_FLIGHT;
	c->family = peer->sa.sa_family == AF_INET6 ? ACCT_IPV6 : ACCT_IPV4;
	c->cfd = fd;
	c->bfd = -1;
	c->id = w->next_id++ * (uint64_t)proxy_nworkers + (uint64_t)w->id;
	c->start_ms = w->now_ms;
	if (gc->audit_on) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		c->wall_ms = (uint64_t)ts.tv_sec * 1000 +
		    (uint64_t)ts.tv_nsec / 1000000;
	}
	c->snap = w->snap;
	c->snap->w[w->id].conns++;
	c->lst = wl->cl;
	c->peer = *peer;
	c->client_key = addr_client_key(peer);
	c->ff->sn = &sniff_table[c->lst->protocol];
	c->ff->sn->init(&c->ff->p);
	WSTAT_INC(w, open);
	WSTAT_INC(w, first_flight);
	c->mark_ms = w->now_ms;
	TAILQ_INSERT_TAIL(&w->ff_list, c, timer);

	/* audit.fail_closed: no connection the log cannot record (before
	   the pending slot, which conn_close gives back only once taken) */
	if (gc->audit_on && gc->audit_fail_closed && audit_failing()) {
		WSTAT_INC(w, refused_audit);
		conn_close(w, c, "the audit log cannot be written");
		return;
	}
	if (c->lst->nproxy_from > 0) {
		if ((c->ff->pp = malloc(sizeof(*c->ff->pp))) == NULL) {
			if (conn_warn_due(w))
				log_warn("%s: malloc", __func__);
			conn_close(w, c, "out of memory");
			return;
		}
		ppin_init(c->ff->pp);
		c->pp = conf_listener_trusts(c->lst, peer) ?
		    CONN_PP_REQUIRED : CONN_PP_REFUSED;
	}
	/* a balancer's client is known only from its header */
	if (c->pp != CONN_PP_REQUIRED && conn_client_admit(w, c) == -1)
		return;
	/*
	 * Near max_connections: make room before the cap refuses everybody
	 * alike, at the expense of a first flight that is old and has sent
	 * little (a silent flood's), after c passed the limits (a refused
	 * one sheds nobody).
	 */
	if (proxy_conn_crowded())
		(void)conn_shed(w, c);
	ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
	ev.data.ptr = &c->ctag;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
		if (conn_warn_due(w))
			log_warn("%s: epoll_ctl", __func__);
		conn_close(w, c, "epoll_ctl failed");
		return;
	}
	/* The first flight often arrives with the handshake's last ACK. */
	c->c_rd = 1;
	conn_run(w, c);
}

/* The parser failed: count why, and say so in the client's protocol. */
static void
conn_ff_error(struct worker *w, struct conn *c)
{
	const char	*reason;

	WSTAT_INC_AT(w, sniff_error_stat(c->ff->sn, &c->ff->p, &reason));
	conn_refuse(w, c, SNIFF_R_BAD_FIRST_FLIGHT, reason);
}

static void	conn_connect(struct worker *, struct conn *);

/* Every backend of the service was tried: tell the client, then close. */
static void
conn_unreachable(struct worker *w, struct conn *c, const char *reason)
{
	WSTAT_INC(w, backend_unreachable);
	if (c->counted)
		acct_add(&c->acct->slots[w->id].fam[c->family].unreachable,
		    1);
	conn_refuse(w, c, SNIFF_R_UNREACHABLE, reason);
}

/*
 * The service's access rules, once it is known: allow/deny (already
 * applied at accept when the listener has only this service), then the
 * client's rate and its open connections.  Returns 0, or -1 after
 * refusing.
 */
static int
conn_admit(struct worker *w, struct conn *c)
{
	const struct conf_service *svc = c->svc;

	if (c->lst->only == NULL && !conf_acl_admits(svc, &c->peer)) {
		WSTAT_INC(w, refused_acl);
		conn_refuse(w, c, SNIFF_R_NOT_ALLOWED, "client not allowed");
		return -1;
	}
	if (svc->per_client_rate == 0 && svc->per_client_conns == 0)
		return 0;
	c->limit_key = limit_key(c->client_key, svc->name_hash);
	/* the open-connection slot first: a refusal there costs no rate */
	if (svc->per_client_conns > 0) {
		if (limit_conn_take(c->limit_key, svc->per_client_conns) ==
		    -1) {
			WSTAT_INC(w, refused_conn_limit);
			conn_refuse(w, c, SNIFF_R_LIMIT,
			    "per-client connection limit");
			return -1;
		}
		c->climit = 1;		/* given back by conn_close */
	}
	if (svc->per_client_rate > 0 && limit_rate_take(c->limit_key,
	    svc->per_client_rate, w->now_ms) == -1) {
		WSTAT_INC(w, refused_rate_limit);
		conn_refuse(w, c, SNIFF_R_LIMIT, "per-client rate limit");
		return -1;
	}
	return 0;
}

/*
 * Choose the next backend for c (pool_pick) and connect to it; when none
 * is left, tell the client.  c counts in the backend's connections from
 * here, so that leastconn sees connections still connecting.
 */
static void
conn_pick(struct worker *w, struct conn *c, const char *reason)
{
	const struct conf_service *svc = c->svc;
	struct pool_state *const *st = c->snap->live->svc[svc->index].st;
	int			  i;

	i = pool_pick(svc, st, &c->snap->w[w->id].rr[svc->index],
	    c->client_key, c->tried);
	if (i == -1) {
		if (c->tries == 0)
			WSTAT_INC(w, no_backend_up);
		conn_unreachable(w, c, reason);
		return;
	}
	c->backend = (uint32_t)i;
	c->held = 1;
	__atomic_add_fetch(&st[i]->conns, 1, __ATOMIC_RELAXED);
	conn_connect(w, c);
}

/*
 * A later message head asks for a name: it must route to the service of
 * the connection, whose backend it would otherwise reach unchecked (what
 * HAProxy's http mode does by routing each request).  Returns 0, or -1
 * when it is refused (c->refusal set).
 */
static int
conn_follow_route(struct worker *w, struct conn *c)
{
	const struct sniffer		*sn = &sniff_table[c->lst->protocol];
	const struct conf_service	*svc;
	const char			*name;
	size_t				 len;

	sn->follow_found(c->fw, &name, &len);
	svc = len ? namemap_lookup(c->lst->routes, name, len) : NULL;
	if (svc == NULL)
		svc = c->lst->dflt;
	if (svc == c->svc)
		return 0;		/* its access rules were applied */
	if (svc != NULL && !conf_acl_admits(svc, &c->peer)) {
		/* what the client would hear on a connection of its own */
		WSTAT_INC(w, refused_acl);
		c->refusal = 1 + SNIFF_R_NOT_ALLOWED;
		c->refuse_why = "later request: client not allowed";
		return -1;
	}
	/* RFC 9110 §15.5.20: not for this connection; ask on another. */
	WSTAT_INC_AT(w, sn->misdirected);
	c->refusal = 1 + SNIFF_R_NO_ROUTE;
	c->refuse_why = "later request for another service";
	return -1;
}

/*
 * Run the framing machine over buf[from, to): bytes [0, ready) are cleared
 * to go to the backend.  Returns the new ready; what follows it up to to is
 * a head not complete yet, unless a message was refused (c->refusal), and
 * then nothing after ready may go.
 */
static size_t
conn_follow(struct worker *w, struct conn *c, const uint8_t *buf,
    size_t ready, size_t from, size_t to)
{
	const struct sniffer	*sn = &sniff_table[c->lst->protocol];
	size_t			 pos, used;

	for (pos = from; pos < to && !c->refusal; pos += used) {
		switch (sn->follow(c->fw, buf + pos, to - pos, &used)) {
		case SNIFF_FW_PASS:
			ready = pos + used;
			break;
		case SNIFF_FW_HOLD:
			used = to - pos;
			break;
		case SNIFF_FW_HEAD:
			if (conn_follow_route(w, c) == 0)
				ready = pos + used;
			break;
		case SNIFF_FW_ERROR:
			WSTAT_INC_AT(w, sn->follow_error);
			c->refusal = 1 + SNIFF_R_BAD_FIRST_FLIGHT;
			c->refuse_why = "later request badly framed";
			break;
		}
	}
	return ready;
}

/*
 * The first flight was routed and its protocol routes every message: frame
 * what came after its first head.  A head not complete yet moves to
 * c->up, to be completed by later reads.  Returns 0, or -1 after closing.
 */
static int
conn_follow_start(struct worker *w, struct conn *c)
{
	struct conn_ff	*ff = c->ff;
	size_t		 off, ready;

	if ((c->fw = malloc(sizeof(*c->fw))) == NULL) {
		conn_close(w, c, "out of memory");
		return -1;
	}
	off = ff->sn->follow_init(c->fw, &ff->p);
	ready = conn_follow(w, c, ff->buf, off, off, ff->len);
	if (!c->refusal && ready < ff->len) {
		if ((c->up.buf = malloc(CONN_HOLD_CAP)) == NULL) {
			conn_close(w, c, "out of memory");
			return -1;
		}
		c->up.hold = ff->len - (uint32_t)ready;
		memcpy(c->up.buf, ff->buf + ready, c->up.hold);
	}
	ff->len = (uint32_t)ready;
	return 0;
}

/* The first flight is complete: pick the service, then connect. */
static void
conn_route(struct worker *w, struct conn *c)
{
	struct conn_ff		*ff = c->ff;
	const struct sniffer	*sn = ff->sn;
	struct acct_cell	*cell;
	const char		*name;
	size_t			 len, i;
	unsigned		 flags;

	flags = sn->found(&ff->p, &name, &len);
	for (i = 0; i < sn->nflags; i++)
		if (flags & sn->flags[i].code)
			WSTAT_INC_AT(w, sn->flags[i].stat);
	if (len > 0)
		c->name = strndup(name, len);
	c->svc = len ? namemap_lookup(c->lst->routes, name, len) : NULL;
	if (c->svc == NULL)
		c->svc = c->lst->dflt;
	limit_prefix_put(c->client_key, c->family == ACCT_IPV6);
	c->pending = 0;
	if (c->svc == NULL) {
		WSTAT_INC(w, no_route);
		conn_refuse(w, c, SNIFF_R_NO_ROUTE, "no service for this name");
		return;
	}
	if (conn_admit(w, c) == -1)
		return;
	if (sn->follow != NULL && conn_follow_start(w, c) == -1)
		return;
	c->acct = snap_acct(c->snap->live, c->svc->index);
	cell = &c->acct->slots[w->id].fam[c->family];
	acct_add(&cell->connections, 1);
	acct_open_inc(c->acct, c->family);
	c->counted = 1;
	clientq_push(w->id, c->acct, c->family, &c->peer);
	conn_set_state(w, c, CS_CONNECTING);
	conn_pick(w, c, "no backend is up");
}

/* Read what the client sent so far and feed it to the parser. */
static void
conn_ff_read(struct worker *w, struct conn *c)
{
	struct conn_ff	*ff = c->ff;
	ssize_t		 n;
	enum sniff_rc	 rc;
	uint32_t	 room, from;

	while (c->c_rd) {
		if (ff->len == ff->cap) {
			uint32_t	 ncap = ff->cap ? ff->cap * 2 : 2048;
			uint8_t		*nb;

			if (ff->cap >= CONN_FF_MAX) {
				/* the parser's own cap would say the same */
				ff->sn->too_big(&ff->p);
				conn_ff_error(w, c);
				return;
			}
			if (ncap > CONN_FF_MAX)
				ncap = CONN_FF_MAX;
			if ((nb = realloc(ff->buf, ncap)) == NULL) {
				conn_close(w, c, "out of memory");
				return;
			}
			ff->buf = nb;
			ff->cap = ncap;
		}
		room = ff->cap - ff->len;
		n = recv(c->cfd, ff->buf + ff->len, room, 0);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				c->c_rd = 0;
				return;
			}
			if (errno == EINTR)
				continue;
			WSTAT_INC(w, client_closed_early);
			conn_close(w, c, "client error during first flight");
			return;
		}
		if (n == 0) {
			WSTAT_INC(w, client_closed_early);
			conn_close(w, c, "client closed during first flight");
			return;
		}
		from = ff->len;
		ff->len += (uint32_t)n;
		if (c->pp != CONN_PP_NONE) {
			switch (conn_pp_read(w, c, &from)) {
			case -1:
				return;
			case 0:
				from = ff->len;		/* none for the sniffer */
				break;
			}
		}
		rc = from == ff->len ? SNIFF_MORE :
		    ff->sn->feed(&ff->p, ff->buf + from, ff->len - from);
		if (rc == SNIFF_ERROR) {
			conn_ff_error(w, c);
			return;
		}
		if (rc == SNIFF_DONE) {
			conn_route(w, c);
			return;
		}
		/* a short read emptied the socket (see conn_xfer()) */
		if ((uint32_t)n < room && !c->c_hup)
			c->c_rd = 0;
	}
}

/*
 * The backend being tried failed (refused, unreachable, timed out): close
 * its socket and move on to the next backend, until each was tried once.
 */
static void
conn_next_backend(struct worker *w, struct conn *c, const char *reason)
{
	struct pool_state	*st = conn_backend_state(c);

	WSTAT_INC(w, backend_failed);
	__atomic_add_fetch(&st->failures, 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&st->conns, 1, __ATOMIC_RELAXED);
	c->held = 0;
	c->tried |= 1ULL << c->backend;
	if (c->bfd != -1) {
		close(c->bfd);
		c->bfd = -1;
	}
	if (c->tries > c->svc->retries) {
		conn_unreachable(w, c, reason);
		return;
	}
	conn_pick(w, c, reason);
}

static void
conn_connect(struct worker *w, struct conn *c)
{
	const struct conf_backend	*b = &c->svc->backends[c->backend];
	struct epoll_event		 ev;
	int				 one = 1;

	c->tries++;
	c->bfd = socket(b->addr.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (c->bfd == -1) {
		/* out of fds or memory: no other backend helps */
		log_debug("conn %llu: socket: %s", (unsigned long long)c->id,
		    strerror(errno));
		conn_unreachable(w, c, "cannot create a socket");
		return;
	}
	setsockopt(c->bfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->bfd, &b->addr.sa, addr_len(&b->addr)) == -1 &&
	    errno != EINPROGRESS) {
		log_debug("conn %llu: connect %s: %s",
		    (unsigned long long)c->id, b->text, strerror(errno));
		conn_next_backend(w, c, "backend connect failed");
		return;
	}
	c->b_rd = c->b_wr = c->b_err = c->b_hup = 0;
	ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
	ev.data.ptr = &c->btag;
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, c->bfd, &ev) == -1) {
		if (conn_warn_due(w))
			log_warn("%s: epoll_ctl", __func__);
		conn_close(w, c, "epoll_ctl failed");
		return;
	}
	conn_timer_set(w, c, &w->connect_list);
}

/*
 * Put the PROXY header in front of the first flight, so that both leave
 * in one send() before any byte of the client's.  Returns 0, or -1 after
 * closing.
 */
static int
conn_pphdr(struct worker *w, struct conn *c, enum pphdr_version version)
{
	struct conn_ff	*ff = c->ff;
	union addr_sa	 dst;
	socklen_t	 sl = sizeof(dst);
	struct pphdr	 h;
	uint8_t		 hdr[PPHDR_MAX], *nb;
	char		 id[64];
	size_t		 n;

	if (c->via.sa.sa_family != AF_UNSPEC)
		dst = ff->pp->dst;	/* where the client went: the
					   balancer's address, as haproxy */
	else if (getsockname(c->cfd, &dst.sa, &sl) == -1)
		memset(&dst, 0, sizeof(dst));	/* PROXY UNKNOWN */
	audit_id_fmt(c->id, id, sizeof(id));
	memset(&h, 0, sizeof(h));
	h.src = &c->peer;
	h.dst = &dst;
	if (c->name != NULL && strlen(c->name) <= PPHDR_AUTHORITY_MAX) {
		h.authority = c->name;
		h.authority_len = strlen(c->name);
	}
	h.unique_id = id;
	h.unique_id_len = strlen(id);
	if ((n = pphdr_write(version, &h, hdr, sizeof(hdr))) == 0 ||
	    (nb = malloc(n + ff->len)) == NULL) {
		WSTAT_INC(w, relay_error);
		conn_close(w, c, n == 0 ? "cannot write the PROXY header" :
		    "out of memory");
		return -1;
	}
	memcpy(nb, hdr, n);
	memcpy(nb + n, ff->buf, ff->len);
	free(ff->buf);
	ff->buf = nb;
	ff->len += (uint32_t)n;
	ff->cap = ff->len;
	ff->hdr = (uint32_t)n;
	return 0;
}

/*
 * The backend socket became writable or failed while connecting.  Returns
 * 0 when connected, -1 when not (yet): c may have been closed.
 */
static int
conn_connected(struct worker *w, struct conn *c)
{
	int		err = 0;
	socklen_t	len = sizeof(err);

	/* Writable without an error: connected, no getsockopt() needed. */
	if (c->b_err && getsockopt(c->bfd, SOL_SOCKET, SO_ERROR, &err,
	    &len) == -1)
		err = errno;
	if (c->b_err && err == 0)
		err = ECONNREFUSED;	/* HUP without a pending error */
	if (err == 0) {
		const struct conf_backend *b = &c->svc->backends[c->backend];

		__atomic_add_fetch(&conn_backend_state(c)->total, 1,
		    __ATOMIC_RELAXED);
		if (b->pp != PPHDR_NONE && conn_pphdr(w, c, b->pp) == -1)
			return -1;
		conn_set_state(w, c, CS_RELAY);
		if (c->snap->conf->audit_on) {
			/* what the server sees: the address to log */
			socklen_t sl = sizeof(c->local);

			if (getsockname(c->bfd, &c->local.sa, &sl) == -1)
				memset(&c->local, 0, sizeof(c->local));
			if (c->snap->conf->audit_open)
				conn_audit(w, c, AUDIT_OPEN, NULL);
		}
		return 0;
	}
	log_debug("conn %llu: connect %s: %s", (unsigned long long)c->id,
	    c->svc->backends[c->backend].text, strerror(err));
	conn_next_backend(w, c, "backend connect failed");
	return -1;
}

/*
 * Forward the first flight exactly as received.  Returns 1 when all of it
 * is out, 0 to wait for the backend, -1 after closing.
 */
static int
conn_ff_flush(struct worker *w, struct conn *c)
{
	struct conn_ff	*ff = c->ff;
	ssize_t		 n;
	uint32_t	 m;

	while (ff->sent < ff->len) {
		if (!c->b_wr)
			return 0;
		n = send(c->bfd, ff->buf + ff->sent, ff->len - ff->sent,
		    MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				c->b_wr = 0;
				return 0;
			}
			if (errno == EINTR)
				continue;
			WSTAT_INC(w, relay_error);
			conn_close(w, c, "backend error");
			return -1;
		}
		/* the PROXY header is ours, not the client's */
		m = ff->sent + (uint32_t)n <= ff->hdr ? 0 : ff->sent >=
		    ff->hdr ? (uint32_t)n : ff->sent + (uint32_t)n - ff->hdr;
		ff->sent += (uint32_t)n;
		c->bytes_in += m;
		acct_add(&c->acct->slots[w->id].fam[c->family].bytes_in,
		    m);
	}
	free(ff->buf);
	free(ff->pp);
	free(ff);
	c->ff = NULL;
	return 1;
}

/* Where a relay syscall failed, for the close reason and counters. */
static int
conn_xfer_fail(struct worker *w, struct conn *c, int on_client)
{
	if (errno == ECONNRESET || errno == EPIPE) {
		/* a peer ending abruptly: common, not our error */
		if (on_client) {
			WSTAT_INC(w, reset_client);
			conn_close(w, c, "reset by the client");
		} else {
			WSTAT_INC(w, reset_backend);
			conn_close(w, c, "reset by the backend");
		}
		return -1;
	}
	log_debug("conn %llu: relay: %s", (unsigned long long)c->id,
	    strerror(errno));
	WSTAT_INC(w, relay_error);
	conn_close(w, c, "relay error");
	return -1;
}

static void
conn_count(struct worker *w, struct conn *c, int upward, size_t n)
{
	struct acct_cell *cell = &c->acct->slots[w->id].fam[c->family];

	if (upward) {
		c->bytes_in += n;
		acct_add(&cell->bytes_in, n);
	} else {
		c->bytes_out += n;
		acct_add(&cell->bytes_out, n);
	}
}

/*
 * Move bytes one way, src -> dst, until src has nothing, dst is full, or
 * the budget is spent.  Returns the number of steps that made progress, or
 * -1 after closing the connection.
 *
 * Two modes, as HAProxy's splice-auto: small exchanges (a TLS handshake, a
 * request and its answer) are copied through the worker's scratch buffer,
 * one recv() and one send(), where a short read says the socket is empty
 * without a third call to hear EAGAIN; once a read fills the buffer the
 * direction is streaming and goes socket -> pipe -> socket with splice(),
 * never through user space, until a read comes back small again.  Bytes a
 * full socket did not take wait in h->buf (copy) or the pipe (splice); the
 * next read happens only once they are out, so order is kept.
 */
static int
conn_xfer(struct worker *w, struct conn *c, struct conn_half *h, int upward,
    int *budget)
{
	int	 src = upward ? c->cfd : c->bfd, dst = upward ? c->bfd : c->cfd;
	uint8_t	*src_rd = upward ? &c->c_rd : &c->b_rd;
	uint8_t	*dst_wr = upward ? &c->b_wr : &c->c_wr;
	uint8_t	 src_hup = upward ? c->c_hup : c->b_hup;
	ssize_t	 n, m;
	int	 moved = 0;

	while (*budget > 0) {
		if (h->blen > 0) {		/* copied bytes left over */
			if (!*dst_wr)
				break;
			n = send(dst, h->buf + h->boff, h->blen,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n == -1) {
				if (errno == EAGAIN) {
					*dst_wr = 0;
					break;
				}
				if (errno == EINTR)
					continue;
				return conn_xfer_fail(w, c, !upward);
			}
			conn_count(w, c, upward, (size_t)n);
			h->boff += (uint32_t)n;
			h->blen -= (uint32_t)n;
			(*budget)--;
			moved++;
			if (h->blen > 0) {
				*dst_wr = 0;	/* short write: full */
				break;
			}
			free(h->buf);
			h->buf = NULL;
			h->boff = 0;
			continue;
		}
		if (h->inpipe > 0) {		/* spliced bytes in the pipe */
			if (!*dst_wr)
				break;
			n = splice(h->pipe->rd, NULL, dst, NULL, h->inpipe,
			    SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
			if (n == -1) {
				if (errno == EAGAIN) {
					*dst_wr = 0;
					break;
				}
				if (errno == EINTR)
					continue;
				return conn_xfer_fail(w, c, !upward);
			}
			/* a short write means the socket buffer is full */
			if ((uint32_t)n < h->inpipe)
				*dst_wr = 0;
			h->inpipe -= (uint32_t)n;
			conn_count(w, c, upward, (size_t)n);
			(*budget)--;
			moved++;
			continue;
		}
		/* Nothing in flight: give the pipe back while nothing flows. */
		if (h->pipe != NULL)
			conn_half_release(w, h);
		if (h->eof) {
			if (!upward && c->refusal) {
				/* the backend answered all it was sent */
				conn_refuse(w, c, c->refusal - 1,
				    c->refuse_why);
				return -1;
			}
			if (!h->shut) {
				/* half-close: pass the FIN on */
				shutdown(dst, SHUT_WR);
				h->shut = 1;
			}
			break;
		}
		if (!*src_rd)
			break;
		if (h->stream) {
			if ((h->pipe = pipe_get(&w->pipes)) == NULL) {
				/*
				 * Out of descriptors: leave the bytes in the
				 * socket (TCP holds them back) and retry once
				 * one comes free, rather than drop an
				 * established connection.
				 */
				WSTAT_INC(w, pipe_waits);
				if (!c->pipe_wait) {
					c->pipe_wait = 1;
					c->next_wait = w->pipe_waiters;
					w->pipe_waiters = c;
				}
				break;
			}
			WSTAT_INC(w, pipes);
			n = splice(src, NULL, h->pipe->wr, NULL, PIPE_SIZE,
			    SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
			if (n > 0) {
				h->inpipe = (uint32_t)n;
				if (n < CONN_COPY_MAX)
					h->stream = 0;	/* trickling again */
				(*budget)--;
				moved++;
				continue;
			}
		} else {
			n = recv(src, w->scratch, sizeof(w->scratch),
			    MSG_DONTWAIT);
			if (n > 0) {
				if ((size_t)n == sizeof(w->scratch))
					h->stream = 1;
				else if (!src_hup)
					/*
					 * A short read emptied the socket; new
					 * bytes raise a new edge.  (After an
					 * RDHUP no edge will come: read on to
					 * the EOF.)
					 */
					*src_rd = 0;
				m = 0;
				if (*dst_wr && (m = send(dst, w->scratch,
				    (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT)) ==
				    -1) {
					if (errno != EAGAIN && errno != EINTR)
						return conn_xfer_fail(w, c,
						    !upward);
					m = 0;
				}
				conn_count(w, c, upward, (size_t)m);
				if (m < n) {
					*dst_wr = 0;
					if ((h->buf = malloc((size_t)(n - m))) ==
					    NULL) {
						conn_close(w, c,
						    "out of memory");
						return -1;
					}
					memcpy(h->buf, w->scratch + m,
					    (size_t)(n - m));
					h->blen = (uint32_t)(n - m);
				}
				(*budget)--;
				moved++;
				continue;
			}
		}
		if (n == 0) {
			h->eof = 1;
			moved++;
			continue;
		}
		if (errno == EAGAIN) {
			*src_rd = 0;
			continue;
		}
		if (errno == EINTR)
			continue;
		return conn_xfer_fail(w, c, upward);
	}
	return moved;
}

/*
 * Client -> backend when each message is routed (c->fw): as the copying
 * mode of conn_xfer(), but every byte read goes through the framing
 * machine first.  A head is held back until it is complete and routes to
 * c->svc; the bytes before it go on at once.  A refused message is never
 * forwarded: the backend's write side is shut, and once it has answered
 * what it was sent (down reaches EOF) the client hears the refusal.
 * Bytes wait in h->buf (CONN_HOLD_CAP, only while some do): blen ready at
 * boff, then hold bytes of a head.  Returns steps that made progress, or
 * -1 after closing.
 */
static int
conn_follow_xfer(struct worker *w, struct conn *c, int *budget)
{
	struct conn_half	*h = &c->up;
	uint8_t			*buf;
	size_t			 room, ready;
	ssize_t			 n, m;
	int			 moved = 0;

	while (*budget > 0) {
		if (h->blen > 0) {
			if (!c->b_wr)
				break;
			n = send(c->bfd, h->buf + h->boff, h->blen,
			    MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n == -1) {
				if (errno == EAGAIN) {
					c->b_wr = 0;
					break;
				}
				if (errno == EINTR)
					continue;
				return conn_xfer_fail(w, c, 0);
			}
			conn_count(w, c, 1, (size_t)n);
			h->boff += (uint32_t)n;
			h->blen -= (uint32_t)n;
			(*budget)--;
			moved++;
			if (h->blen > 0) {
				c->b_wr = 0;	/* short write: full */
				break;
			}
			if (h->hold == 0) {
				free(h->buf);
				h->buf = NULL;
			} else
				memmove(h->buf, h->buf + h->boff, h->hold);
			h->boff = 0;
			continue;
		}
		if (c->refusal || h->eof) {
			/* a head left incomplete at EOF is dropped */
			if (!h->shut) {
				shutdown(c->bfd, SHUT_WR);
				h->shut = 1;
			}
			break;
		}
		if (!c->c_rd)
			break;
		/* after a held head, or into the scratch buffer */
		if (h->buf != NULL) {
			buf = h->buf;
			room = CONN_HOLD_CAP - h->hold;
		} else {
			buf = w->scratch;
			room = sizeof(w->scratch);
		}
		n = recv(c->cfd, buf + h->hold, room, MSG_DONTWAIT);
		if (n == 0) {
			h->eof = 1;
			moved++;
			continue;
		}
		if (n == -1) {
			if (errno == EAGAIN) {
				c->c_rd = 0;
				continue;
			}
			if (errno == EINTR)
				continue;
			return conn_xfer_fail(w, c, 1);
		}
		if ((size_t)n < room && !c->c_hup)
			c->c_rd = 0;	/* a short read emptied it */
		(*budget)--;
		moved++;
		ready = conn_follow(w, c, buf, 0, h->hold, h->hold + (size_t)n);
		h->hold = c->refusal ? 0 :
		    h->hold + (uint32_t)n - (uint32_t)ready;
		if (buf == h->buf) {
			h->boff = 0;
			h->blen = (uint32_t)ready;
			if (ready == 0 && h->hold == 0) {
				free(h->buf);
				h->buf = NULL;
			}
			continue;
		}
		m = 0;
		if (ready > 0 && c->b_wr && (m = send(c->bfd, buf, ready,
		    MSG_NOSIGNAL | MSG_DONTWAIT)) == -1) {
			if (errno != EAGAIN && errno != EINTR)
				return conn_xfer_fail(w, c, 0);
			m = 0;
		}
		conn_count(w, c, 1, (size_t)m);
		if ((size_t)m == ready && h->hold == 0)
			continue;
		if ((size_t)m < ready)
			c->b_wr = 0;
		if ((h->buf = malloc(CONN_HOLD_CAP)) == NULL) {
			conn_close(w, c, "out of memory");
			return -1;
		}
		memcpy(h->buf, buf + m, ready - (size_t)m + h->hold);
		h->boff = 0;
		h->blen = (uint32_t)(ready - (size_t)m);
	}
	return moved;
}

static void
conn_relay(struct worker *w, struct conn *c)
{
	/* one budget per direction: a busy upload cannot starve a download */
	int	ubudget = CONN_BUDGET / 2, dbudget = CONN_BUDGET / 2, up, down;

	if (c->ff != NULL && conn_ff_flush(w, c) != 1)
		return;
	up = c->fw != NULL ? conn_follow_xfer(w, c, &ubudget) :
	    conn_xfer(w, c, &c->up, 1, &ubudget);
	if (up == -1)
		return;
	if ((down = conn_xfer(w, c, &c->down, 0, &dbudget)) == -1)
		return;
	if (c->up.shut && c->down.shut) {
		conn_close(w, c, "done");
		return;
	}
	if (up + down > 0 && c->mark_ms / 1000 != w->now_ms / 1000)
		conn_timer_set(w, c, &w->relay_list);
	/* Out of budget with work left: come back after others ran. */
	if (ubudget == 0 || dbudget == 0)
		conn_again(w, c);
}

static void
conn_run(struct worker *w, struct conn *c)
{
	switch (c->state) {
	case CS_CLOSED:
		return;
	case CS_FIRST_FLIGHT:
		conn_ff_read(w, c);
		return;
	case CS_CONNECTING:
		/* c is gone, or waits for another backend, unless connected */
		if (!c->b_wr || conn_connected(w, c) == -1)
			return;
		break;
	}
	conn_relay(w, c);
}

void
conn_event(struct worker *w, struct ev_tag *tag, uint32_t events)
{
	struct conn	*c;

	if (tag->kind == EVK_CLIENT) {
		c = container_of(tag, struct conn, ctag);
		if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			c->c_hup = 1;
		if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			c->c_rd = 1;
		if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
			c->c_wr = 1;
	} else {
		c = container_of(tag, struct conn, btag);
		if (events & (EPOLLHUP | EPOLLERR))
			c->b_err = 1;
		if (events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			c->b_hup = 1;
		if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
			c->b_rd = 1;
		if (events & (EPOLLOUT | EPOLLHUP | EPOLLERR))
			c->b_wr = 1;
	}
	conn_run(w, c);
}

void
conn_resume(struct worker *w, struct conn *c)
{
	c->queued = 0;
	conn_run(w, c);
}

/* Expire the heads of one list; returns ms until its next deadline. */
static int
conn_expire(struct worker *w, struct conn_list *l, uint64_t timeout_ms,
    const char *reason)
{
	struct conn	*c;

	while ((c = TAILQ_FIRST(l)) != NULL) {
		if (c->mark_ms + timeout_ms > w->now_ms)
			return (int)(c->mark_ms + timeout_ms - w->now_ms);
		if (c->state == CS_FIRST_FLIGHT)
			WSTAT_INC(w, timeout_first_flight);
		else if (c->state == CS_CONNECTING) {
			WSTAT_INC(w, timeout_connect);
			log_debug("conn %llu: connect %s: timeout",
			    (unsigned long long)c->id,
			    c->svc->backends[c->backend].text);
			/* re-inserted at the tail, or closed */
			conn_next_backend(w, c, reason);
			continue;
		} else
			WSTAT_INC(w, timeout_idle);
		conn_close(w, c, reason);
	}
	return -1;
}

int
conn_timers(struct worker *w)
{
	const struct gw_conf	*gc = w->snap->conf;
	int			 next = -1, t, i;
	struct {
		struct conn_list	*l;
		unsigned		 secs;
		const char		*reason;
	} lists[3] = {
		{ &w->ff_list, gc->to_first_flight, "first flight timeout" },
		{ &w->connect_list, gc->to_connect, "connect timeout" },
		{ &w->relay_list, gc->to_idle, "idle timeout" },
	};

	for (i = 0; i < 3; i++) {
		t = conn_expire(w, lists[i].l, (uint64_t)lists[i].secs * 1000,
		    lists[i].reason);
		if (t >= 0 && (next < 0 || t < next))
			next = t;
	}
	return next;
}

void
conn_close_all(struct worker *w)
{
	struct conn	*c;

	while ((c = TAILQ_FIRST(&w->ff_list)) != NULL)
		conn_close(w, c, "shutdown");
	while ((c = TAILQ_FIRST(&w->connect_list)) != NULL)
		conn_close(w, c, "shutdown");
	while ((c = TAILQ_FIRST(&w->relay_list)) != NULL)
		conn_close(w, c, "shutdown");
}
