/* SPDX-License-Identifier: ISC */
/*
 * The floor with io_uring instead of epoll: tests/bench/floor.c's relay
 * (accept, read the first bytes, one connect to the one backend, copy
 * through a 16 KiB buffer per direction, half-close passed on, close),
 * with every one of those steps an io_uring request, so that one
 * io_uring_enter() both submits what the last batch of completions asked
 * for and waits for the next batch.  One multishot accept for the
 * listener's lifetime; the connect linked to the send of the first flight
 * (IOSQE_IO_LINK), so a new connection costs one submission for both;
 * a recv and a send in flight per direction at most.  The ring is set up
 * SINGLE_ISSUER | DEFER_TASKRUN where the kernel has them (6.1), so
 * completions run in our own io_uring_enter(), not in interrupts; else
 * COOP_TASKRUN (5.19), else plain.  A reference row for the bench, like
 * "floor": whether submitting in batches takes the syscall and wakeup
 * costs that epoll's floor pays per connection and per request.
 *
 *   floor-uring LISTEN-PORT BACKEND-IPv4 BACKEND-PORT   (listens on [::1])
 *
 * Prints the ring's setup flags on stderr before it listens.  Like floor.c: no
 * parsing, no routing, no limits, no counting, no timeouts.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <liburing.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "floor_setup.h"

#define FLOOR_BUF	16384
#define RING_SQ		1024
#define RING_CQ		32768

/* What a completion is for: the low bits of its user_data. */
enum op {
	OP_ACCEPT,		/* the listener's multishot accept */
	OP_RECV_UP,		/* client -> up.buf */
	OP_RECV_DOWN,		/* backend -> down.buf */
	OP_SEND_UP,		/* up.buf -> backend */
	OP_SEND_DOWN,		/* down.buf -> client */
	OP_CONNECT,		/* to the backend, linked to the first send */
	OP_CANCEL,		/* cancelling a dead connection's requests */
	OP_MASK = 7
};

struct dir {
	char	buf[FLOOR_BUF];
	size_t	len, off;
	int	eof;		/* the source said FIN, the sink was told */
};

struct conn {
	int		cfd, bfd;
	int		inflight;	/* requests that still name us */
	int		started;	/* the backend side is being read */
	int		dead;
	struct dir	up;		/* client -> backend */
	struct dir	down;		/* backend -> client */
} __attribute__((aligned(8)));

static struct io_uring		ring;
static struct sockaddr_in	backend;

/* A submission entry; when the queue is full, what it holds goes first. */
static struct io_uring_sqe *
ring_sqe(void)
{
	struct io_uring_sqe	*sqe;

	while ((sqe = io_uring_get_sqe(&ring)) == NULL)
		(void)io_uring_submit(&ring);
	return sqe;
}

static void
conn_post(struct conn *c, struct io_uring_sqe *sqe, enum op op)
{
	io_uring_sqe_set_data64(sqe, (uint64_t)(uintptr_t)c | op);
	c->inflight++;
}

static void
conn_recv(struct conn *c, int up)
{
	struct dir	*d = up ? &c->up : &c->down;
	struct io_uring_sqe *sqe = ring_sqe();

	io_uring_prep_recv(sqe, up ? c->cfd : c->bfd, d->buf, sizeof(d->buf), 0);
	conn_post(c, sqe, up ? OP_RECV_UP : OP_RECV_DOWN);
}

static void
conn_send(struct conn *c, int up)
{
	struct dir	*d = up ? &c->up : &c->down;
	struct io_uring_sqe *sqe = ring_sqe();

	io_uring_prep_send(sqe, up ? c->bfd : c->cfd, d->buf + d->off,
	    d->len - d->off, MSG_NOSIGNAL);
	conn_post(c, sqe, up ? OP_SEND_UP : OP_SEND_DOWN);
}

/*
 * An error on either side: cancel what is still in flight on both
 * sockets; the connection is freed when the last completion comes.
 */
static void
conn_fail(struct conn *c)
{
	struct io_uring_sqe	*sqe;
	int			 i, fd;

	if (c->dead)
		return;
	c->dead = 1;
	for (i = 0; i < 2; i++) {
		if ((fd = i ? c->bfd : c->cfd) == -1)
			continue;
		sqe = ring_sqe();
		io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
		conn_post(c, sqe, OP_CANCEL);
	}
}

/* The first flight is in: a socket, then connect and send in one link. */
static void
conn_connect(struct conn *c)
{
	struct io_uring_sqe	*sqe;
	int			 one = 1;

	c->bfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->bfd == -1) {
		conn_fail(c);
		return;
	}
	(void)setsockopt(c->bfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	sqe = ring_sqe();
	io_uring_prep_connect(sqe, c->bfd, (struct sockaddr *)&backend,
	    sizeof(backend));
	sqe->flags |= IOSQE_IO_LINK;
	conn_post(c, sqe, OP_CONNECT);
	conn_send(c, 1);
}

/* A recv came back with n bytes (0: FIN) on one direction. */
static void
conn_received(struct conn *c, int up, int n)
{
	struct dir	*d = up ? &c->up : &c->down;

	if (n < 0) {
		conn_fail(c);
		return;
	}
	if (n == 0) {
		if (c->bfd == -1 ||
		    shutdown(up ? c->bfd : c->cfd, SHUT_WR) == -1)
			conn_fail(c);
		d->eof = 1;
		return;
	}
	d->len = (size_t)n;
	d->off = 0;
	if (c->bfd == -1)
		conn_connect(c);
	else
		conn_send(c, up);
}

/* A send came back: the rest of the buffer, or the next recv. */
static void
conn_sent(struct conn *c, int up, int n)
{
	struct dir	*d = up ? &c->up : &c->down;

	if (n <= 0) {
		conn_fail(c);
		return;
	}
	d->off += (size_t)n;
	if (d->off < d->len) {
		conn_send(c, up);
		return;
	}
	conn_recv(c, up);
	if (up && !c->started) {
		c->started = 1;
		conn_recv(c, 0);
	}
}

static void
conn_complete(struct conn *c, enum op op, int res)
{
	c->inflight--;
	if (c->dead) {
		if (c->inflight == 0) {
			close(c->cfd);
			if (c->bfd != -1)
				close(c->bfd);
			free(c);
		}
		return;
	}
	switch (op) {
	case OP_RECV_UP:
	case OP_RECV_DOWN:
		conn_received(c, op == OP_RECV_UP, res);
		break;
	case OP_SEND_UP:
	case OP_SEND_DOWN:
		conn_sent(c, op == OP_SEND_UP, res);
		break;
	case OP_CONNECT:
		if (res < 0)
			conn_fail(c);	/* the linked send comes back cancelled */
		break;
	default:
		break;
	}
	if (!c->dead && c->up.eof && c->down.eof && c->inflight == 0) {
		close(c->cfd);
		close(c->bfd);
		free(c);
	}
}

static void
listener_arm(int lfd)
{
	struct io_uring_sqe	*sqe = ring_sqe();

	io_uring_prep_multishot_accept(sqe, lfd, NULL, NULL, SOCK_CLOEXEC);
	io_uring_sqe_set_data64(sqe, OP_ACCEPT);
}

/* The fastest ring this kernel sets up: its flags, for the row's note. */
static const char *
ring_setup(void)
{
	static const struct {
		unsigned	 flags;
		const char	*name;
	} tries[] = {
		{ IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
		    "SINGLE_ISSUER|DEFER_TASKRUN" },
		{ IORING_SETUP_COOP_TASKRUN, "COOP_TASKRUN" },
		{ 0, "plain" },
	};
	struct io_uring_params	p;
	size_t			i;

	for (i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		memset(&p, 0, sizeof(p));
		p.flags = tries[i].flags | IORING_SETUP_CQSIZE;
		p.cq_entries = RING_CQ;
		if (io_uring_queue_init_params(RING_SQ, &ring, &p) == 0)
			return tries[i].name;
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	struct io_uring_cqe	*cqe;
	struct conn		*c;
	const char		*how;
	unsigned		 head, seen;
	int			 lfd, res;

	if (argc != 4) {
		fprintf(stderr, "usage: floor-uring LISTEN-PORT BACKEND-IPv4 "
		    "BACKEND-PORT\n");
		return 2;
	}
	if (floor_backend("floor-uring", argv[2], argv[3], &backend) == -1)
		return 2;
	if ((how = ring_setup()) == NULL) {
		fprintf(stderr, "floor-uring: io_uring_queue_init: no ring "
		    "(io_uring disabled?)\n");
		return 1;
	}
	fprintf(stderr, "floor-uring: ring %s\n", how);
	if ((lfd = floor_listen("floor-uring", argv[1], 0)) == -1)
		return 1;
	listener_arm(lfd);
	for (;;) {
		res = io_uring_submit_and_wait(&ring, 1);
		if (res < 0 && res != -EINTR && res != -EAGAIN &&
		    res != -EBUSY) {
			fprintf(stderr, "floor-uring: io_uring_enter: %s\n",
			    strerror(-res));
			return 1;
		}
		seen = 0;
		io_uring_for_each_cqe(&ring, head, cqe) {
			uint64_t	ud = io_uring_cqe_get_data64(cqe);

			seen++;
			if ((ud & OP_MASK) != OP_ACCEPT) {
				conn_complete((struct conn *)(uintptr_t)
				    (ud & ~(uint64_t)OP_MASK),
				    (enum op)(ud & OP_MASK), cqe->res);
				continue;
			}
			if (!(cqe->flags & IORING_CQE_F_MORE))
				listener_arm(lfd);
			if (cqe->res < 0)
				continue;
			if ((c = calloc(1, sizeof(*c))) == NULL) {
				close(cqe->res);
				continue;
			}
			c->cfd = cqe->res;
			c->bfd = -1;
			conn_recv(c, 1);
		}
		io_uring_cq_advance(&ring, seen);
	}
}
