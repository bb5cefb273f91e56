/* SPDX-License-Identifier: ISC */
/*
 * Both ends of the control socket (see control.h).  The daemon serves its
 * clients from its main loop, never blocking on one: each is a state
 * machine in that loop's epoll (read the request line, answer it, write
 * the reply as the client takes it), at most CONTROL_CLIENTS_MAX still
 * sending their request, each with a deadline.  A request is answered
 * synchronously once its line is complete: most cost microseconds; a
 * reload takes what it takes, and the loop waits for it as it always did.
 */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "log.h"

#define CONTROL_TIMEOUT_MS	2000	/* for the request line; for each
					   write of the reply */
#define CONTROL_PAUSE_MS	100	/* no accept when out of descriptors */
#define CONTROL_LOG_EVERY_MS	60000
#define CONTROL_ACCEPT_BATCH	256
#define CONTROL_SLOTS		(2 * CONTROL_CLIENTS_MAX)
#define CONTROL_BUSY		"error\nbusy: too many control clients at " \
				"once, try again\n"

/*
 * A descriptor kept in reserve: when the process runs out (EMFILE), it is
 * given up to accept the operator's request, who most needs to get in
 * then, instead of leaving the request in the backlog and the listening
 * socket readable, which would spin the main loop.
 */
static int	control_spare = -1;

static int
control_addr(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun->sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun->sun_path, path);
	return 0;
}

/*
 * Connect to path; within timeout_ms when it is not -1 (SO_SNDTIMEO bounds
 * a connect() that waits for room in a full backlog, and each send()).
 */
static int
control_connect(const char *path, int timeout_ms)
{
	struct sockaddr_un	sun;
	struct timeval		tv;
	int			fd, saved;

	if (control_addr(path, &sun) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (timeout_ms >= 0) {
		tv.tv_sec = timeout_ms / 1000;
		tv.tv_usec = (timeout_ms % 1000) * 1000;
		if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
		    sizeof(tv)) == -1)
			goto fail;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		goto fail;
	return fd;
fail:
	saved = errno == EAGAIN || errno == EINPROGRESS ? ETIMEDOUT : errno;
	close(fd);
	errno = saved;
	return -1;
}


int
control_open(const char *path)
{
	struct sockaddr_un	 sun;
	struct stat		 st;
	char			*dir, *slash;
	mode_t			 old;
	int			 fd;

	if (control_addr(path, &sun) == -1) {
		log_warn("control socket %s", path);
		return -1;
	}
	if ((fd = control_connect(path, -1)) != -1) {
		close(fd);
		log_err("control socket %s: another v6gated is running "
		    "(stop it first)", path);
		return -1;
	}
	/* /run/v6gate does not survive a reboot: create it. */
	if ((dir = strdup(path)) != NULL && (slash = strrchr(dir, '/')) !=
	    NULL && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) == -1 && errno != EEXIST)
			log_warn("mkdir %s", dir);
	}
	free(dir);
	/* Stale: nobody answered.  Remove only a socket, never a file. */
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_err("control socket %s: exists and is not a socket",
			    path);
			return -1;
		}
		unlink(path);
	}
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    0)) == -1) {
		log_warn("control socket: socket");
		return -1;
	}
	if (control_spare == -1)
		control_spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
	old = umask(0077);	/* mode 0600 from the start, no window */
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		umask(old);
		log_warn("control socket %s: bind", path);
		close(fd);
		return -1;
	}
	umask(old);
	/* a large backlog: under a flood, the operator's connect() must not
	   wait for room in it */
	if (chmod(path, 0600) == -1 || listen(fd, SOMAXCONN) == -1) {
		log_warn("control socket %s", path);
		close(fd);
		unlink(path);
		return -1;
	}
	return fd;
}

void
control_close(int fd, const char *path)
{
	if (fd == -1)
		return;
	close(fd);
	unlink(path);
}

static int
control_write_all(int fd, const char *buf, size_t len)
{
	ssize_t	n;

	while (len > 0) {
		if ((n = send(fd, buf, len, MSG_NOSIGNAL)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* ------------------------------------------------------------ the server */

/*
 * The daemon's side: every control client is a small state machine in the
 * main loop's epoll, never a blocking read, so a thousand clients that
 * connect and say nothing cost the operator's "status" nothing.
 */

enum control_state {
	CS_READING,	/* the request line is coming in */
	CS_WRITING,	/* the reply is going out; the rest was not read */
};

struct control_client {
	int			 fd;	/* -1: a free slot */
	enum control_state	 state;
	uint64_t		 seq;	/* accept order: the oldest goes first */
	uint64_t		 born;	/* ms, CLOCK_MONOTONIC */
	uint64_t		 deadline;	/* ms, CLOCK_MONOTONIC */
	size_t			 len;	/* of line */
	char			 line[CONTROL_LINE_MAX];
	const char		*head;	/* "ok\n" or "error\n" */
	char			*body;	/* malloc'd */
	size_t			 headlen, bodylen;
	size_t			 off;	/* sent, counting head then body */
};

/* up to CONTROL_CLIENTS_MAX reading, as many again sending a reply */
static struct control_client	 control_clients[CONTROL_SLOTS];
static unsigned			 control_reading;
static struct control_stats	 control_count;
static control_handler		*control_handler_fn;
static int			 control_epfd = -1, control_lfd = -1;
static uint64_t			 control_seq;
static uint64_t			 control_paused;	/* accept again at */
static uint64_t			 control_logged[4];	/* rate limits */

enum { CL_BUSY, CL_TIMEOUT, CL_ACCEPT, CL_PARTIAL };	/* control_logged[] */

static uint64_t
control_now(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A warning that a flood would repeat for each client: once a minute. */
static int
control_log_due(int which)
{
	uint64_t	now = control_now();

	if (control_logged[which] != 0 && now - control_logged[which] <
	    CONTROL_LOG_EVERY_MS)
		return 0;
	control_logged[which] = now;
	return 1;
}

static void
control_spare_restore(void)
{
	if (control_spare == -1)
		control_spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

static void
control_drop(struct control_client *c)
{
	/* (close() takes the fd out of the epoll: no dup of it exists) */
	close(c->fd);
	free(c->body);
	if (c->state == CS_READING)
		control_reading--;
	c->fd = -1;
	c->body = NULL;
	control_count.clients--;
	control_spare_restore();
}

/* A last word for a client closed early; best effort, never waits. */
static void
control_say(int fd, const char *msg)
{
	(void)!send(fd, msg, strlen(msg), MSG_NOSIGNAL | MSG_DONTWAIT);
}

/*
 * Send what the socket takes.  Returns 1 when the reply went out whole,
 * 0 when the rest waits for EPOLLOUT, -1 on an error (the client left).
 */
static int
control_flush(struct control_client *c)
{
	const char	*p;
	size_t		 left;
	ssize_t		 n;

	while (c->off < c->headlen + c->bodylen) {
		if (c->off < c->headlen) {
			p = c->head + c->off;
			left = c->headlen - c->off;
		} else {
			p = c->body + (c->off - c->headlen);
			left = c->bodylen - (c->off - c->headlen);
		}
		if ((n = send(c->fd, p, left, MSG_NOSIGNAL |
		    MSG_DONTWAIT)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		c->off += (size_t)n;
		/* a reader that keeps reading keeps its place */
		c->deadline = control_now() + CONTROL_TIMEOUT_MS;
	}
	return 1;
}

/* The reply is ready: send it now, or from EPOLLOUT on. */
static void
control_reply_start(struct control_client *c)
{
	struct epoll_event	ev;
	int			rc;

	c->state = CS_WRITING;
	control_reading--;
	c->off = 0;
	c->deadline = control_now() + CONTROL_TIMEOUT_MS;
	if ((rc = control_flush(c)) != 0) {
		if (rc == -1)
			log_debug("control: send: %s", strerror(errno));
		control_drop(c);
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLOUT;
	ev.data.fd = c->fd;
	if (epoll_ctl(control_epfd, EPOLL_CTL_MOD, c->fd, &ev) == -1) {
		log_warn("control: epoll_ctl");
		control_drop(c);
	}
}

/* A complete line at c->line: answer it (reload runs right here). */
static void
control_dispatch_line(struct control_client *c)
{
	char	*argv[CONTROL_ARGS_MAX], *p, *save = NULL;
	FILE	*out;
	int	 argc = 0, rc;

	*strchr(c->line, '\n') = '\0';
	for (p = strtok_r(c->line, " \t\r", &save); p != NULL && argc <
	    CONTROL_ARGS_MAX; p = strtok_r(NULL, " \t\r", &save))
		argv[argc++] = p;
	if ((out = open_memstream(&c->body, &c->bodylen)) == NULL) {
		log_warn("control: open_memstream");
		control_drop(c);
		return;
	}
	rc = argc > 0 ? control_handler_fn(argc, argv, out) : -1;
	if (argc == 0)
		fprintf(out, "empty request\n");
	if (fclose(out) != 0 || c->body == NULL) {
		log_warn("control: the reply");
		control_drop(c);
		return;
	}
	if (c->bodylen > CONTROL_REPLY_MAX) {
		log_warnx("control: a reply of %zu bytes is over the limit "
		    "(%d bytes): not sent", c->bodylen, CONTROL_REPLY_MAX);
		free(c->body);
		if ((c->body = strdup("reply too large\n")) == NULL) {
			control_drop(c);
			return;
		}
		c->bodylen = strlen(c->body);
		rc = -1;
	}
	c->head = rc == 0 ? "ok\n" : "error\n";
	c->headlen = strlen(c->head);
	control_reply_start(c);
}

/*
 * Read what has come of the request line; answer it once complete.
 * Leaves c reading (more to come), writing, or dropped (c->fd == -1).
 */
static void
control_read(struct control_client *c)
{
	ssize_t	n;

	while (c->state == CS_READING) {
		if ((n = recv(c->fd, c->line + c->len, sizeof(c->line) - 1 -
		    c->len, MSG_DONTWAIT)) == -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK) {
				log_debug("control: recv: %s",
				    strerror(errno));
				control_drop(c);
			}
			return;
		}
		if (n == 0) {
			/* len 0: a probe (another v6gated checking) */
			if (c->len > 0 && control_log_due(CL_PARTIAL))
				log_warnx("control: request without a "
				    "complete line");
			control_drop(c);
			return;
		}
		c->line[c->len + (size_t)n] = '\0';
		if (memchr(c->line + c->len, '\n', (size_t)n) != NULL) {
			c->len += (size_t)n;
			control_dispatch_line(c);
			return;
		}
		c->len += (size_t)n;
		if (c->len == sizeof(c->line) - 1) {
			control_count.too_long++;
			log_warnx("control: request line over %d bytes: "
			    "refused", CONTROL_LINE_MAX - 1);
			control_say(c->fd, "error\nrequest line too long\n");
			control_drop(c);
			return;
		}
	}
}

static struct control_client *
control_find(int fd)
{
	size_t	i;

	for (i = 0; i < CONTROL_SLOTS; i++)
		if (control_clients[i].fd == fd && fd != -1)
			return &control_clients[i];
	return NULL;
}

static struct control_client *
control_slot(void)
{
	size_t	i;

	for (i = 0; i < CONTROL_SLOTS; i++)
		if (control_clients[i].fd == -1)
			return &control_clients[i];
	return NULL;
}

/*
 * One client reading too many (the newest, c, is one): as nginx reuses
 * its oldest idle connections, the oldest one still sending its request
 * is read once more (its line may just have come) and, if still
 * incomplete, closed with "busy".  A newcomer is never the one: it is
 * likeliest to be an operator whose line is on its way (v6gatectl sends
 * it whole with its connect), and a flood's clients are older.
 */
static void
control_shed(struct control_client *c)
{
	struct control_client	*o, *old;
	size_t			 i;

	while (control_reading > CONTROL_CLIENTS_MAX) {
		old = NULL;
		for (i = 0; i < CONTROL_SLOTS; i++) {
			o = &control_clients[i];
			if (o != c && o->fd != -1 && o->state == CS_READING &&
			    (old == NULL || o->seq < old->seq))
				old = o;
		}
		if (old == NULL)
			return;
		control_read(old);
		if (old->fd != -1 && old->state == CS_READING) {
			control_count.busy++;
			control_say(old->fd, CONTROL_BUSY);
			control_drop(old);
		}
	}
}

static void
control_busy_note(void)
{
	if (control_log_due(CL_BUSY))
		log_warnx("control: %d clients at once: closing the oldest "
		    "idle ones (%" PRIu64 " so far)", CONTROL_CLIENTS_MAX,
		    control_count.busy);
}

/* Stop accepting for a while: out of descriptors, and no spare left. */
static void
control_pause(void)
{
	if (control_log_due(CL_ACCEPT))
		log_warn("control: accept; pausing for %d ms",
		    CONTROL_PAUSE_MS);
	if (epoll_ctl(control_epfd, EPOLL_CTL_DEL, control_lfd, NULL) == 0)
		control_paused = control_now() + CONTROL_PAUSE_MS;
}

/* Every client waiting in the backlog. */
static void
control_accept(void)
{
	struct control_client	*c;
	struct epoll_event	 ev;
	uint64_t		 busy = control_count.busy;
	int			 fd, batch;

	/* (a batch, then the rest of the loop's work: level-triggered) */
	for (batch = 0; batch < CONTROL_ACCEPT_BATCH; batch++) {
		fd = accept4(control_lfd, NULL, NULL, SOCK_NONBLOCK |
		    SOCK_CLOEXEC);
		if (fd == -1 && (errno == EMFILE || errno == ENFILE) &&
		    control_spare != -1) {
			/* the operator most needs to get in then */
			close(control_spare);
			control_spare = -1;
			fd = accept4(control_lfd, NULL, NULL, SOCK_NONBLOCK |
			    SOCK_CLOEXEC);
		}
		if (fd == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM)
				control_pause();
			else if (errno != EAGAIN && errno != EWOULDBLOCK &&
			    errno != ECONNABORTED)
				log_warn("control: accept");
			break;
		}
		if ((c = control_slot()) == NULL) {
			control_count.busy++;
			control_say(fd, CONTROL_BUSY);
			close(fd);
			control_spare_restore();
			continue;
		}
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		c->state = CS_READING;
		c->seq = control_seq++;
		c->born = control_now();
		c->deadline = c->born + CONTROL_TIMEOUT_MS;
		control_count.clients++;
		control_reading++;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.fd = fd;
		if (epoll_ctl(control_epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
			log_warn("control: epoll_ctl");
			control_drop(c);
			continue;
		}
		/* v6gatectl sends its line with its connect: often here */
		control_read(c);
		if (c->fd != -1 && c->state == CS_READING &&
		    control_reading > CONTROL_CLIENTS_MAX)
			control_shed(c);
	}
	if (control_count.busy != busy)
		control_busy_note();
}

int
control_start(int epfd, int lfd, control_handler *handler)
{
	struct epoll_event	ev;
	size_t			i;

	for (i = 0; i < CONTROL_SLOTS; i++)
		control_clients[i].fd = -1;
	control_epfd = epfd;
	control_lfd = lfd;
	control_handler_fn = handler;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.fd = lfd;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev) == -1) {
		log_warn("control: epoll_ctl");
		return -1;
	}
	return 0;
}

void
control_stop(void)
{
	size_t	i;

	for (i = 0; i < CONTROL_SLOTS; i++)
		if (control_clients[i].fd != -1)
			control_drop(&control_clients[i]);
	control_epfd = control_lfd = -1;
}

int
control_event(int fd, uint32_t events)
{
	struct control_client	*c;

	if (fd == -1 || control_lfd == -1)
		return 0;
	if (fd == control_lfd) {
		control_accept();
		return 1;
	}
	/*
	 * Heads up: an event may be stale, its fd closed earlier in the
	 * same batch and reused by a newer client: both paths below only
	 * do what the socket allows now, so a stale event costs a syscall.
	 */
	if ((c = control_find(fd)) == NULL)
		return 0;
	if (c->state == CS_READING)
		control_read(c);
	else if (events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) {
		if (control_flush(c) != 0)
			control_drop(c);
	}
	return 1;
}

int
control_run(void)
{
	struct control_client	*c;
	struct epoll_event	 ev;
	uint64_t		 now = control_now(), next = 0, timeouts;
	size_t			 i;

	if (control_lfd == -1)
		return -1;
	timeouts = control_count.timeouts;
	if (control_paused != 0 && now >= control_paused) {
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.fd = control_lfd;
		if (epoll_ctl(control_epfd, EPOLL_CTL_ADD, control_lfd,
		    &ev) == 0 || errno == EEXIST)
			control_paused = 0;
		else
			control_paused = now + CONTROL_PAUSE_MS;
	}
	control_spare_restore();
	for (i = 0; i < CONTROL_SLOTS; i++) {
		c = &control_clients[i];
		if (c->fd == -1 || c->deadline > now)
			continue;
		/* (its line may be in, unread while a reload ran) */
		if (c->state == CS_READING)
			control_read(c);
		if (c->fd == -1 || c->deadline > now)
			continue;
		control_count.timeouts++;
		if (c->state == CS_READING)
			control_say(c->fd, "error\ntimeout: no complete "
			    "request line in 2 s\n");
		control_drop(c);
	}
	if (control_count.timeouts != timeouts && control_log_due(CL_TIMEOUT))
		log_warnx("control: clients that sent no request (or read no "
		    "reply) in %d ms closed (%" PRIu64 " so far)",
		    CONTROL_TIMEOUT_MS, control_count.timeouts);
	now = control_now();
	for (i = 0; i < CONTROL_SLOTS; i++) {
		c = &control_clients[i];
		if (c->fd != -1 && (next == 0 || c->deadline < next))
			next = c->deadline;
	}
	if (control_paused != 0 && (next == 0 || control_paused < next))
		next = control_paused;
	if (next == 0)
		return -1;
	return next <= now ? 0 : (int)(next - now);
}

void
control_stats(struct control_stats *st)
{
	*st = control_count;
}

/* ms left until deadline (control_now()'s clock), -1 for none */
static int
control_left(uint64_t deadline)
{
	uint64_t	now;

	if (deadline == 0)
		return -1;
	now = control_now();
	return now >= deadline ? 0 : (int)(deadline - now);
}

char *
control_request(const char *path, const char *req, int *ok)
{
	return control_request_within(path, req, -1, ok);
}

char *
control_request_within(const char *path, const char *req, int timeout_ms,
    int *ok)
{
	struct pollfd	 pfd;
	char		*buf = NULL, *nb, *line;
	size_t		 len = 0, cap = 0, rl = strlen(req);
	ssize_t		 n;
	uint64_t	 deadline = 0;
	int		 fd, rc;

	*ok = 0;
	if (timeout_ms >= 0)
		deadline = control_now() + (uint64_t)timeout_ms;
	if ((line = malloc(rl + 1)) == NULL)
		return NULL;
	memcpy(line, req, rl);
	line[rl] = '\n';
	if ((fd = control_connect(path, timeout_ms)) == -1) {
		free(line);
		return NULL;
	}
	/* the line in one write: a daemon under a flood of control clients
	   finds it whole at its first read */
	rc = control_write_all(fd, line, rl + 1);
	free(line);
	if (rc == -1)
		goto fail;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			if ((nb = realloc(buf, cap)) == NULL)
				goto fail;
			buf = nb;
		}
		/* the deadline is the whole reply's, not each read's */
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (deadline != 0 && (rc = poll(&pfd, 1,
		    control_left(deadline))) <= 0) {
			if (rc == -1 && errno == EINTR)
				continue;
			if (rc == 0)
				errno = ETIMEDOUT;
			goto fail;
		}
		if ((n = recv(fd, buf + len, cap - len - 1, 0)) == -1) {
			if (errno == EINTR)
				continue;
			goto fail;
		}
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	if (buf == NULL)
		goto fail_closed;
	buf[len] = '\0';
	if (strncmp(buf, "ok\n", 3) == 0) {
		*ok = 1;
		memmove(buf, buf + 3, len - 3 + 1);
	} else if (strncmp(buf, "error\n", 6) == 0)
		memmove(buf, buf + 6, len - 6 + 1);
	else {
		errno = EPROTO;
		goto fail_closed;
	}
	return buf;
fail:
	close(fd);
fail_closed:
	free(buf);
	if (errno == 0)
		errno = EPROTO;
	return NULL;
}
