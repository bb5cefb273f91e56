/* SPDX-License-Identifier: ISC */
/*
 * Both ends of the control socket (see control.h).  The daemon serves a
 * request synchronously on its main thread: the socket is root-only and a
 * request costs microseconds; a slow client has 2 s to send its request
 * line, so it can delay the main thread (never the data plane) by little.
 */

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control.h"
#include "log.h"

#define CONTROL_TIMEOUT_S	2

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

static int
control_connect(const char *path)
{
	struct sockaddr_un	sun;
	int			fd;

	if (control_addr(path, &sun) == -1)
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		int	saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
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
	if ((fd = control_connect(path)) != -1) {
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
	if (chmod(path, 0600) == -1 || listen(fd, 16) == -1) {
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

static void
control_timeouts(int fd)
{
	struct timeval	tv = { CONTROL_TIMEOUT_S, 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
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

void
control_serve(int lfd, control_handler *handler)
{
	char	 line[CONTROL_LINE_MAX], *argv[CONTROL_ARGS_MAX], *body = NULL;
	struct timespec t0, now;
	char	*p, *save = NULL;
	size_t	 len = 0, bodylen = 0;
	ssize_t	 n;
	FILE	*out;
	int	 fd, argc = 0, rc;

	if ((fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC)) == -1 &&
	    (errno == EMFILE || errno == ENFILE) && control_spare != -1) {
		close(control_spare);
		control_spare = -1;
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	}
	if (fd == -1) {
		if (errno == EMFILE || errno == ENFILE) {
			/*
			 * A worker took the spare slot first.  The request
			 * stays in the backlog: pause instead of spinning on
			 * the readable socket.
			 */
			usleep(10000);
		} else if (errno != EAGAIN && errno != EINTR)
			log_warn("control: accept");
		if (control_spare == -1)
			control_spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
		return;
	}
	control_timeouts(fd);
	/* one deadline for the whole request, not one per byte */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (len < sizeof(line) - 1) {
		struct pollfd	pfd = { fd, POLLIN, 0 };
		long		left;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = CONTROL_TIMEOUT_S * 1000L - ((now.tv_sec - t0.tv_sec) *
		    1000L + (now.tv_nsec - t0.tv_nsec) / 1000000L);
		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			break;
		if ((n = recv(fd, line + len, sizeof(line) - 1 - len,
		    MSG_DONTWAIT)) <= 0)
			break;
		len += (size_t)n;
		if (memchr(line, '\n', len) != NULL)
			break;
	}
	line[len] = '\0';
	if ((p = strchr(line, '\n')) == NULL) {
		/* len 0: a probe (another v6gated checking the socket) */
		if (len > 0)
			log_warnx("control: request without a complete line");
		goto done;
	}
	*p = '\0';
	for (p = strtok_r(line, " \t\r", &save); p != NULL && argc <
	    CONTROL_ARGS_MAX; p = strtok_r(NULL, " \t\r", &save))
		argv[argc++] = p;
	if ((out = open_memstream(&body, &bodylen)) == NULL) {
		log_warn("control: open_memstream");
		goto done;
	}
	rc = argc > 0 ? handler(argc, argv, out) : -1;
	if (argc == 0)
		fprintf(out, "empty request\n");
	fclose(out);
	if (control_write_all(fd, rc == 0 ? "ok\n" : "error\n",
	    rc == 0 ? 3 : 6) == -1 || control_write_all(fd, body,
	    bodylen) == -1)
		log_warn("control: send");
done:
	free(body);
	close(fd);
	if (control_spare == -1)
		control_spare = open("/dev/null", O_RDONLY | O_CLOEXEC);
}

char *
control_request(const char *path, const char *req, int *ok)
{
	char	*buf = NULL, *nb;
	size_t	 len = 0, cap = 0;
	ssize_t	 n;
	int	 fd;

	*ok = 0;
	if ((fd = control_connect(path)) == -1)
		return NULL;
	if (control_write_all(fd, req, strlen(req)) == -1 ||
	    control_write_all(fd, "\n", 1) == -1)
		goto fail;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			cap = cap ? cap * 2 : 8192;
			if ((nb = realloc(buf, cap)) == NULL)
				goto fail;
			buf = nb;
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
