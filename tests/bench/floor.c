/* SPDX-License-Identifier: ISC */
/*
 * The floor: the least a user-space TCP relay can do per connection, for
 * the bench to measure beside the real proxies.  One thread, one epoll,
 * edge-triggered, each socket registered once for its lifetime; accept4()
 * with flags, the listener's TCP_NODELAY inherited by every accepted
 * socket, TCP_DEFER_ACCEPT so that the first bytes are there when accept
 * returns; those read at once, one non-blocking connect to the
 * one backend, then read()/write() through a 16 KiB buffer per direction,
 * half-close passed on, both closed when both directions are done.  No
 * name parsing, no routing, no limits, no counting, no logging, no
 * timeouts: nothing a gateway needs beyond moving the bytes.  What this
 * costs per connection and per request is what no design in user space
 * goes under, however it is written.
 *
 *   floor LISTEN-PORT BACKEND-IPv4 BACKEND-PORT   (listens on [::1])
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "floor_setup.h"

#define FLOOR_BUF	16384

struct dir {
	char	buf[FLOOR_BUF];
	size_t	len, off;
	int	rd;		/* the source may have bytes (an edge came) */
	int	wr;		/* the sink may take bytes */
	int	hup;		/* an RDHUP came: no edge will follow */
	int	eof;		/* the source said FIN */
	int	shut;		/* and the sink was told */
};

struct conn {
	int		 cfd, bfd;
	int		 connected, dead;
	struct dir	 up;	/* client -> backend */
	struct dir	 down;	/* backend -> client */
	struct conn	*next;	/* dead ones, freed after the batch */
};

static struct sockaddr_in	 backend;
static struct conn		*dead;

/* Closed now, freed once this batch of events (that may name it) ends. */
static void
conn_close(struct conn *c)
{
	close(c->cfd);
	if (c->bfd != -1)
		close(c->bfd);
	c->dead = 1;
	c->next = dead;
	dead = c;
}

/*
 * Move what src has to dst while both are ready; -1 on an error.  With
 * edge triggering, a short read means the socket was emptied and a short
 * write that it is full: the next edge says when to try again, so no
 * call is made only to hear EAGAIN.  Except once the source's FIN has
 * raised its edge (RDHUP): bytes and FIN can come in one edge, and the
 * read that drains the bytes leaves the FIN, which raises no edge again,
 * so reading goes on to the EOF.
 */
static int
dir_pump(struct dir *d, int src, int dst)
{
	ssize_t	n;

	for (;;) {
		while (d->off < d->len) {
			if (!d->wr)
				return 0;
			n = write(dst, d->buf + d->off, d->len - d->off);
			if (n == -1) {
				if (errno != EAGAIN)
					return -1;
				d->wr = 0;
				return 0;
			}
			if ((size_t)n < d->len - d->off)
				d->wr = 0;
			d->off += (size_t)n;
		}
		d->off = d->len = 0;
		if (d->eof) {
			if (!d->shut && shutdown(dst, SHUT_WR) == -1)
				return -1;
			d->shut = 1;
			return 0;
		}
		if (!d->rd)
			return 0;
		n = read(src, d->buf, sizeof(d->buf));
		if (n == 0)
			d->eof = 1;
		else if (n == -1) {
			if (errno != EAGAIN)
				return -1;
			d->rd = 0;
			return 0;
		} else {
			if ((size_t)n < sizeof(d->buf) && !d->hup)
				d->rd = 0;
			d->len = (size_t)n;
		}
	}
}

/* The first flight is in: one connect, registered once (tagged: bit 0). */
static int
conn_connect(int ep, struct conn *c)
{
	struct epoll_event	ev = { .events = EPOLLIN | EPOLLOUT | EPOLLRDHUP |
				    EPOLLET };
	int			one = 1;

	c->bfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->bfd == -1)
		return -1;
	(void)setsockopt(c->bfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->bfd, (struct sockaddr *)&backend, sizeof(backend)) == -1 &&
	    errno != EINPROGRESS)
		return -1;
	ev.data.u64 = (uint64_t)(uintptr_t)c | 1;
	return epoll_ctl(ep, EPOLL_CTL_ADD, c->bfd, &ev);
}

/* Whatever woke us: try everything that can move. */
static void
conn_event(int ep, struct conn *c, int backend_side, uint32_t ev)
{
	ssize_t	n;
	int	err = 0;

	if (c->dead)
		return;
	if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		(backend_side ? &c->down : &c->up)->rd = 1;
	if (ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		(backend_side ? &c->down : &c->up)->hup = 1;
	if (ev & (EPOLLOUT | EPOLLHUP | EPOLLERR))
		(backend_side ? &c->up : &c->down)->wr = 1;
	if (c->bfd == -1) {
		n = read(c->cfd, c->up.buf, sizeof(c->up.buf));
		if (n == -1 && errno == EAGAIN)
			return;
		if (n <= 0 || (c->up.len = (size_t)n, conn_connect(ep, c)) == -1)
			conn_close(c);
		/* the rest of the flight, if any, comes with an edge */
		c->up.rd = (size_t)n == sizeof(c->up.buf) || c->up.hup;
		return;
	}
	if (!c->connected) {
		socklen_t	len = sizeof(err);

		if (!backend_side)
			return;		/* the client again: wait for connect */
		if (getsockopt(c->bfd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
		    err != 0) {
			conn_close(c);
			return;
		}
		c->connected = 1;
	}
	if (dir_pump(&c->up, c->cfd, c->bfd) == -1 ||
	    dir_pump(&c->down, c->bfd, c->cfd) == -1 ||
	    (c->up.shut && c->down.shut))
		conn_close(c);
}

int
main(int argc, char **argv)
{
	struct epoll_event	 ev, evs[256];
	struct conn		*c;
	int			 ep, lfd, fd, i, n;

	if (argc != 4) {
		fprintf(stderr, "usage: floor LISTEN-PORT BACKEND-IPv4 "
		    "BACKEND-PORT\n");
		return 2;
	}
	if (floor_backend("floor", argv[2], argv[3], &backend) == -1)
		return 2;
	if ((lfd = floor_listen("floor", argv[1], SOCK_NONBLOCK)) == -1)
		return 1;
	if ((ep = epoll_create1(0)) == -1) {
		perror("floor: epoll_create1");
		return 1;
	}
	ev.events = EPOLLIN;
	ev.data.u64 = 0;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) == -1) {
		perror("floor: epoll_ctl");
		return 1;
	}
	for (;;) {
		if ((n = epoll_wait(ep, evs, 256, -1)) == -1) {
			if (errno == EINTR)
				continue;
			perror("floor: epoll_wait");
			return 1;
		}
		for (i = 0; i < n; i++) {
			if (evs[i].data.u64 != 0) {
				conn_event(ep, (struct conn *)(uintptr_t)
				    (evs[i].data.u64 & ~(uint64_t)1),
				    (int)(evs[i].data.u64 & 1), evs[i].events);
				continue;
			}
			while ((fd = accept4(lfd, NULL, NULL,
			    SOCK_NONBLOCK | SOCK_CLOEXEC)) != -1) {
				if ((c = calloc(1, sizeof(*c))) == NULL) {
					close(fd);
					continue;
				}
				c->cfd = fd;
				c->bfd = -1;
				ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP |
				    EPOLLET;
				ev.data.u64 = (uint64_t)(uintptr_t)c;
				if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1)
					conn_close(c);
				else
					conn_event(ep, c, 0, EPOLLIN | EPOLLOUT);
			}
		}
		while ((c = dead) != NULL) {
			dead = c->next;
			free(c);
		}
	}
}
