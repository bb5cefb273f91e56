/* SPDX-License-Identifier: ISC */
/*
 * The floor with the kernel moving the bytes: tests/bench/floor.c's shape
 * (one thread, epoll, accept4 with flags, TCP_DEFER_ACCEPT, the first
 * bytes looked at as soon as they are there, one non-blocking connect to
 * the one backend), but once the backend has answered the connect both
 * sockets go into a BPF SOCKHASH whose sk_skb stream verdict
 * (floor_sockmap.bpf.c) redirects every byte that arrives on one socket to
 * the other's egress.  User space then only waits for the ends: no read(),
 * no write(), no wakeup per chunk.  A reference row for the bench, like
 * "floor": what a relay costs when the kernel does the copying.
 *
 *   floor-sockmap LISTEN-PORT BACKEND-IPv4 BACKEND-PORT BPF-OBJECT
 *
 * listens on [::1]; BPF-OBJECT is the built floor_sockmap.bpf.o.  Needs
 * CAP_BPF and CAP_NET_ADMIN (root).  FLOOR_SOCKMAP_VERBOSE=1 prints each
 * connection's byte counts at close; SIGTERM or SIGINT prints the totals
 * and exits.
 *
 * What works and what does not (kernel 6.18; see the bench's notes):
 * - the first flight is only peeked at (MSG_PEEK), never read: the
 *   kernel's verdict path hands the program whole skbs and does not skip
 *   bytes that user space already read from the head of one, so a relay
 *   that read() the flight would send its first bytes twice.  Peeked, the
 *   flight goes through the program like every later byte: one path, in
 *   order, counted by the program alone.
 * - bytes: counted per direction by the program (bytes handed to the
 *   peer's egress, and bytes dropped because the peer was not in the
 *   map), read from the "conns" map at close.
 * - half-close: a FIN from one side is passed on as shutdown(SHUT_WR) of
 *   the other, but only once what the kernel queued toward that other
 *   socket has reached its send queue (the redirect goes through the
 *   sink's backlog worker; a shutdown before it drained would cut the
 *   stream).  "Drained" is checked by numbers (see drained()); until then
 *   the loop polls every millisecond.
 * - a client whose FIN is already there when the backend connects (its
 *   flight, then FIN at once) is not relayed: the kernel refuses a socket
 *   past ESTABLISHED in a sockmap (EOPNOTSUPP).  A real relay would fall
 *   back to copying or splice() for it.
 * - a backend that speaks first is not supported: what it sends before
 *   the client socket is in the map is dropped (counted as dropped).
 * - a reset or an error on either side closes both.
 * - no flow control of its own: the redirect queues skbs on the sink's
 *   psock without a bound, so a fast sender and a slow receiver grow the
 *   queue in kernel memory.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE 1
#endif
#include <arpa/inet.h>
#include <linux/sockios.h>
#include <linux/tcp.h>		/* struct tcp_info with tcpi_bytes_acked */
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "floor_setup.h"

#define FLOOR_BUF	16384
#define DRAIN_TIMEOUT_NS	(10LL * 1000 * 1000 * 1000)

/* The value of the "conns" map (floor_sockmap.bpf.c). */
struct fsm_dir {
	uint64_t	peer;
	uint64_t	bytes;
	uint64_t	dropped;
};

struct conn {
	int		 cfd, bfd;
	uint64_t	 ccookie, bcookie;
	int		 connected;	/* the connect finished */
	int		 mapped;	/* both sockets are in the map */
	int		 ceof, beof;	/* FIN from the client, the backend */
	int		 cshut, bshut;	/* shutdown(SHUT_WR) done on it */
	int		 dead;
	int64_t		 drain_since;	/* an EOF waits for a drain (ns) */
	struct conn	*next;		/* dead ones, freed after the batch */
	struct conn	*dnext;		/* in the drain list */
	int		 draining;
};

static struct sockaddr_in	 backend;
static struct conn		*dead, *draining;
static int			 socks_fd, conns_fd, verbose;
static volatile sig_atomic_t	 stop;
static char			 peekbuf[FLOOR_BUF];	/* first flights */

/* What the totals say at exit. */
static struct {
	uint64_t	conns, up, down, dropped, aborted,
			drain_timeouts, map_errors;
} tot;

static int64_t
now_ns(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static uint64_t
cookie_of(int fd)
{
	uint64_t	c = 0;
	socklen_t	len = sizeof(c);

	if (getsockopt(fd, SOL_SOCKET, SO_COOKIE, &c, &len) == -1)
		return 0;
	return c;
}

/* What the program counted for the direction whose source is COOKIE. */
static struct fsm_dir
dir_of(uint64_t cookie)
{
	struct fsm_dir	d = { 0 };

	if (cookie != 0)
		(void)bpf_map_lookup_elem(conns_fd, &cookie, &d);
	return d;
}

/*
 * Out of the map first (so the kernel stops redirecting into a socket
 * being closed), the counters read, then the fds closed.  Freed once this
 * batch of events (that may name it) ends.
 */
static void
conn_close(struct conn *c, const char *why)
{
	struct fsm_dir	up, down;

	if (c->dead)
		return;
	if (c->mapped) {
		(void)bpf_map_delete_elem(socks_fd, &c->ccookie);
		(void)bpf_map_delete_elem(socks_fd, &c->bcookie);
	}
	up = dir_of(c->ccookie);
	down = dir_of(c->bcookie);
	if (c->ccookie)
		(void)bpf_map_delete_elem(conns_fd, &c->ccookie);
	if (c->bcookie)
		(void)bpf_map_delete_elem(conns_fd, &c->bcookie);
	tot.conns++;
	tot.up += up.bytes;
	tot.down += down.bytes;
	tot.dropped += up.dropped + down.dropped;
	tot.aborted += why != NULL;
	if (verbose)
		fprintf(stderr, "floor-sockmap: conn up %llu down %llu "
		    "dropped %llu%s%s\n", (unsigned long long)up.bytes,
		    (unsigned long long)down.bytes,
		    (unsigned long long)(up.dropped + down.dropped),
		    why ? " aborted: " : "", why ? why : "");
	close(c->cfd);
	if (c->bfd != -1)
		close(c->bfd);
	c->dead = 1;
	c->next = dead;
	dead = c;
}

/*
 * Has everything that came from SRC reached the send queue of DST?  Two
 * equations, read in this order so that a counter is never older than
 * the bytes it is compared with:
 * - SRC's in-order bytes received (tcpi_bytes_received, where the FIN
 *   counts one) are all through the program: its two counters, + 1;
 * - DST's bytes written (tcpi_bytes_acked + SIOCOUTQ) are what the
 *   program sent there, + SYN: 1 where DST connected (its SYN's ack counts
 *   in bytes_acked), 0 where it was accepted (as seen on 6.18; were that
 *   ever otherwise, the drain times out and says so in the totals).
 * (SIOCINQ cannot say the first: with the socket in a sockmap it counts
 * the psock's queue, not TCP's.)
 */
static int
drained(int src, uint64_t src_cookie, int dst, uint64_t syn)
{
	struct tcp_info	ti;
	socklen_t	len = sizeof(ti);
	int		outq = 0;
	struct fsm_dir	d;

	memset(&ti, 0, sizeof(ti));
	if (getsockopt(src, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1)
		return 0;
	d = dir_of(src_cookie);
	if (d.bytes + d.dropped + 1 != ti.tcpi_bytes_received)
		return 0;
	memset(&ti, 0, sizeof(ti));
	len = sizeof(ti);
	if (getsockopt(dst, IPPROTO_TCP, TCP_INFO, &ti, &len) == -1 ||
	    ioctl(dst, SIOCOUTQ, &outq) == -1)
		return 0;
	return ti.tcpi_bytes_acked + (uint64_t)outq == d.bytes + syn;
}

/* Pass on each EOF whose direction has drained; close when both have. */
static void
conn_ends(struct conn *c)
{
	if (c->ceof && !c->bshut &&
	    drained(c->cfd, c->ccookie, c->bfd, 1)) {
		if (shutdown(c->bfd, SHUT_WR) == -1 && errno != ENOTCONN) {
			conn_close(c, "shutdown of the backend");
			return;
		}
		c->bshut = 1;
	}
	if (c->beof && !c->cshut &&
	    drained(c->bfd, c->bcookie, c->cfd, 0)) {
		if (shutdown(c->cfd, SHUT_WR) == -1 && errno != ENOTCONN) {
			conn_close(c, "shutdown of the client");
			return;
		}
		c->cshut = 1;
	}
	if (c->bshut && c->cshut) {
		conn_close(c, NULL);
		return;
	}
	if ((c->ceof && !c->bshut) || (c->beof && !c->cshut)) {
		if (!c->draining) {
			c->draining = 1;
			c->drain_since = now_ns();
			c->dnext = draining;
			draining = c;
		} else if (now_ns() - c->drain_since > DRAIN_TIMEOUT_NS) {
			tot.drain_timeouts++;
			conn_close(c, "drain timeout");
		}
	}
}

/*
 * Run the verdict over the bytes that came before the socket was mapped
 * (the first flight at least): they wait in its receive queue, and only a
 * data_ready runs the program over that queue.  Setting SO_RCVLOWAT calls
 * tcp_data_ready(), which is the psock's data_ready now.
 */
static void
kick(int fd)
{
	int	one = 1;

	(void)setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &one, sizeof(one));
}

/*
 * The backend answered the connect: both sockets into the map, the
 * backend's first (what the client sends is redirected there from the
 * insert of the client's on), the first flight and anything behind it
 * sent through the program by a kick, then only the ends are of interest
 * to epoll: EPOLLIN is dropped from both, so the data_ready of each
 * redirected chunk wakes no one.  -1 on an error.
 */
static int
conn_map(int ep, struct conn *c)
{
	struct fsm_dir		cd = { 0 }, bd = { 0 };
	struct epoll_event	ev = { .events = EPOLLRDHUP | EPOLLET };
	uint64_t		fd;

	c->ccookie = cookie_of(c->cfd);
	c->bcookie = cookie_of(c->bfd);
	if (c->ccookie == 0 || c->bcookie == 0)
		return -1;
	cd.peer = c->bcookie;
	bd.peer = c->ccookie;
	/* the directions first: from the insert on, bytes run the program */
	if (bpf_map_update_elem(conns_fd, &c->ccookie, &cd, BPF_NOEXIST) ||
	    bpf_map_update_elem(conns_fd, &c->bcookie, &bd, BPF_NOEXIST))
		goto fail;
	fd = (uint64_t)c->bfd;
	if (bpf_map_update_elem(socks_fd, &c->bcookie, &fd, BPF_NOEXIST))
		goto fail;
	c->mapped = 1;		/* conn_close deletes both; one missing is ok */
	fd = (uint64_t)c->cfd;
	if (bpf_map_update_elem(socks_fd, &c->ccookie, &fd, BPF_NOEXIST))
		goto fail;
	kick(c->cfd);
	ev.data.u64 = (uint64_t)(uintptr_t)c;
	if (epoll_ctl(ep, EPOLL_CTL_MOD, c->cfd, &ev) == -1)
		return -1;
	ev.data.u64 |= 1;
	return epoll_ctl(ep, EPOLL_CTL_MOD, c->bfd, &ev);
fail:
	tot.map_errors++;
	if (tot.map_errors == 1)
		perror("floor-sockmap: map update");
	return -1;
}

/* The first flight is in: one connect, registered once (tagged: bit 0). */
static int
conn_connect(int ep, struct conn *c)
{
	struct epoll_event	ev = { .events = EPOLLOUT | EPOLLRDHUP |
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

static void
conn_event(int ep, struct conn *c, int backend_side, uint32_t ev)
{
	ssize_t		n;
	int		err = 0;
	socklen_t	len = sizeof(err);

	if (c->dead)
		return;
	if (c->bfd == -1) {
		/* the first bytes, looked at (a gateway reads its SNI) and
		 * left in the queue: the program sends them on */
		n = recv(c->cfd, peekbuf, sizeof(peekbuf), MSG_PEEK);
		if (n == -1 && errno == EAGAIN)
			return;
		if (n <= 0)
			conn_close(c, n == -1 ? "peeking the first flight" :
			    NULL);
		else if (conn_connect(ep, c) == -1)
			conn_close(c, "connect");
		return;
	}
	if (!c->connected) {
		if (!backend_side)
			return;		/* the client again: wait for connect */
		if (getsockopt(c->bfd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 ||
		    err != 0 || conn_map(ep, c) == -1) {
			conn_close(c, "connect or map");
			return;
		}
		c->connected = 1;
		return;
	}
	if (ev & EPOLLERR) {
		if (verbose) {
			(void)getsockopt(backend_side ? c->bfd : c->cfd,
			    SOL_SOCKET, SO_ERROR, &err, &len);
			fprintf(stderr, "floor-sockmap: %s: %s (events %#x)\n",
			    backend_side ? "backend" : "client", strerror(err),
			    ev);
		}
		conn_close(c, "socket error");
		return;
	}
	/* EPOLLHUP without an error: both directions of that socket ended */
	if (ev & (EPOLLRDHUP | EPOLLHUP)) {
		if (backend_side)
			c->beof = 1;
		else
			c->ceof = 1;
	}
	conn_ends(c);
}

static void
on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* The program loaded, attached to the SOCKHASH as its stream verdict. */
static int
bpf_setup(const char *path)
{
	struct bpf_object	*obj;
	struct bpf_program	*prog;
	struct bpf_map		*m;
	int			 err;

	obj = bpf_object__open_file(path, NULL);
	if (obj == NULL) {
		fprintf(stderr, "floor-sockmap: %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	if ((err = bpf_object__load(obj)) != 0) {
		fprintf(stderr, "floor-sockmap: loading %s: %s\n", path,
		    strerror(-err));
		return -1;
	}
	if ((prog = bpf_object__find_program_by_name(obj, "fsm_verdict")) ==
	    NULL || (m = bpf_object__find_map_by_name(obj, "socks")) == NULL) {
		fprintf(stderr, "floor-sockmap: %s: no fsm_verdict or socks\n",
		    path);
		return -1;
	}
	socks_fd = bpf_map__fd(m);
	if ((m = bpf_object__find_map_by_name(obj, "conns")) == NULL) {
		fprintf(stderr, "floor-sockmap: %s: no conns map\n", path);
		return -1;
	}
	conns_fd = bpf_map__fd(m);
	/* No stream parser: the verdict sees each skb as it comes (the
	 * kernel's verdict-only path, tcp_read_skb) */
	if (bpf_prog_attach(bpf_program__fd(prog), socks_fd,
	    BPF_SK_SKB_STREAM_VERDICT, 0) != 0) {
		perror("floor-sockmap: attach stream verdict");
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct epoll_event	 ev, evs[256];
	struct sigaction	 sa;
	struct conn		*c, **pp;
	int			 ep, lfd, fd, i, n;
	const char		*v;

	if (argc != 5) {
		fprintf(stderr, "usage: floor-sockmap LISTEN-PORT BACKEND-IPv4 "
		    "BACKEND-PORT BPF-OBJECT\n");
		return 2;
	}
	v = getenv("FLOOR_SOCKMAP_VERBOSE");
	verbose = v != NULL && *v == '1';
	if (floor_backend("floor-sockmap", argv[2], argv[3], &backend) == -1)
		return 2;
	if (bpf_setup(argv[4]) == -1)
		return 1;
	/* no SA_RESTART: epoll_wait returns EINTR and the totals print */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((lfd = floor_listen("floor-sockmap", argv[1], SOCK_NONBLOCK)) == -1)
		return 1;
	if ((ep = epoll_create1(0)) == -1) {
		perror("floor-sockmap: epoll_create1");
		return 1;
	}
	ev.events = EPOLLIN;
	ev.data.u64 = 0;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) == -1) {
		perror("floor-sockmap: epoll_ctl");
		return 1;
	}
	while (!stop) {
		n = epoll_wait(ep, evs, 256, draining != NULL ? 1 : -1);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			perror("floor-sockmap: epoll_wait");
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
				ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
				ev.data.u64 = (uint64_t)(uintptr_t)c;
				if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1)
					conn_close(c, "epoll_ctl");
				else
					conn_event(ep, c, 0, EPOLLIN);
			}
		}
		/* the EOFs that wait for a drain: check again */
		for (pp = &draining; (c = *pp) != NULL;) {
			if (!c->dead)
				conn_ends(c);
			if (c->dead || ((!c->ceof || c->bshut) &&
			    (!c->beof || c->cshut))) {
				c->draining = 0;
				*pp = c->dnext;
			} else
				pp = &c->dnext;
		}
		while ((c = dead) != NULL) {
			dead = c->next;
			free(c);
		}
	}
	fprintf(stderr, "floor-sockmap: %llu connections, up %llu bytes, "
	    "down %llu, dropped %llu, "
	    "aborted %llu, drain timeouts %llu, map errors %llu\n",
	    (unsigned long long)tot.conns, (unsigned long long)tot.up,
	    (unsigned long long)tot.down,
	    (unsigned long long)tot.dropped,
	    (unsigned long long)tot.aborted,
	    (unsigned long long)tot.drain_timeouts,
	    (unsigned long long)tot.map_errors);
	return 0;
}
