/* SPDX-License-Identifier: ISC */
/*
 * The sandbox (src/common/sandbox.c), each case in a forked child: as
 * "nobody" with no capabilities, no_new_privs and the filter, what the
 * unprivileged side does still works (threads, loopback TCP with accept4,
 * epoll, splice, files, getrandom, OpenSSL, SQLite in WAL mode, zlib,
 * libmicrohttpd, sd_notify); what it must never do kills it with SIGSYS;
 * a process keeping CAP_NET_ADMIN has that bit only and is not dumpable.
 * Needs root (exit 77 otherwise).
 */

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <linux/netlink.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <sqlite3.h>
#include <systemd/sd-daemon.h>
#include <zlib.h>

#include "sandbox.h"
#include "t.h"

#ifndef SYS_clone3
#define SYS_clone3	435
#endif

static char	 tmpdir[] = "/tmp/v6g-sandbox-XXXXXX";
static uid_t	 nuid;
static gid_t	 ngid;
static int	 notify_fd = -1;

/* The value of a /proc/self/status field, as text, or "" */
static const char *
status_get(const char *field, char *buf, size_t len)
{
	char	 line[256];
	size_t	 n = strlen(field);
	FILE	*f;

	buf[0] = '\0';
	if ((f = fopen("/proc/self/status", "r")) == NULL)
		return buf;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, field, n) == 0 && line[n] == ':') {
			snprintf(buf, len, "%s", line + n + 2);
			buf[strcspn(buf, "\n")] = '\0';
			break;
		}
	}
	fclose(f);
	return buf;
}

#define CHECK_STATUS(field, want) do {					\
	char	t_v[64];						\
	CHECK_STR(status_get(field, t_v, sizeof(t_v)), want);		\
} while (0)

/* Become nobody with no capabilities, no_new_privs, the filter */
static void
drop(void)
{
	char	err[256] = "";

	if (sandbox_become(nuid, ngid, NULL, 0, 0, err, sizeof(err)) == -1 ||
	    sandbox_nnp(err, sizeof(err)) == -1 ||
	    sandbox_seccomp(err, sizeof(err)) == -1) {
		fprintf(stderr, "drop: %s\n", err);
		_exit(2);
	}
}

/*
 * fn in a forked child, which counts its own checks; its wait status.
 * _exit(): no atexit handlers in a child.
 */
static int
run(void (*fn)(void), const char *name)
{
	pid_t	pid;
	int	st = -1;

	if ((pid = fork()) == -1) {
		perror("fork");
		exit(1);
	}
	if (pid == 0) {
		t_failed = t_checks = 0;
		fn();
		_exit(t_done(name));
	}
	while (waitpid(pid, &st, 0) == -1 && errno == EINTR)
		;
	return st;
}

static void *
thread_main(void *arg)
{
	pthread_setname_np(pthread_self(), "sbx-thread");
	*(int *)arg = 42;
	return NULL;
}

static void
allowed_threads(void)
{
	pthread_t	t;
	int		v = 0;

	CHECK_INT(pthread_create(&t, NULL, thread_main, &v), 0);
	CHECK_INT(pthread_join(t, NULL), 0);
	CHECK_INT(v, 42);
	/* clone3 answers ENOSYS, so that glibc uses the filtered clone */
	errno = 0;
	CHECK_INT(syscall(SYS_clone3, NULL, 0), -1);
	CHECK_INT(errno, ENOSYS);
	CHECK(sysconf(_SC_NPROCESSORS_ONLN) > 0);
}

static void
allowed_net(void)
{
	struct sockaddr_in	sin = { .sin_family = AF_INET };
	struct epoll_event	ev = { .events = EPOLLIN }, out;
	socklen_t		slen = sizeof(sin);
	char			buf[16] = "";
	int			lfd, cfd, afd, epfd, p[2], n = -1, one = 1;
	int			sv[2];

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	CHECK((lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0);
	CHECK(setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) == 0);
	CHECK(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	CHECK(listen(lfd, 4) == 0);
	CHECK(getsockname(lfd, (struct sockaddr *)&sin, &slen) == 0);
	CHECK((cfd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	CHECK(connect(cfd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	CHECK((afd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK |
	    SOCK_CLOEXEC)) >= 0);
	CHECK(ioctl(cfd, FIONBIO, &one) == 0);

	CHECK((epfd = epoll_create1(EPOLL_CLOEXEC)) >= 0);
	CHECK(epoll_ctl(epfd, EPOLL_CTL_ADD, afd, &ev) == 0);
	CHECK(write(cfd, "hello", 5) == 5);
	CHECK_INT(epoll_wait(epfd, &out, 1, 2000), 1);
	CHECK(ioctl(afd, FIONREAD, &n) == 0);
	CHECK_INT(n, 5);

	/* the relay's path: socket -> pipe -> socket */
	CHECK(pipe2(p, O_CLOEXEC | O_NONBLOCK) == 0);
	CHECK_INT(splice(afd, NULL, p[1], NULL, 5, SPLICE_F_NONBLOCK), 5);
	CHECK_INT(splice(p[0], NULL, afd, NULL, 5, SPLICE_F_NONBLOCK), 5);
	CHECK_INT(epoll_ctl(epfd, EPOLL_CTL_DEL, afd, NULL), 0);
	ev.data.fd = cfd;
	CHECK(epoll_ctl(epfd, EPOLL_CTL_ADD, cfd, &ev) == 0);
	CHECK_INT(epoll_wait(epfd, &out, 1, 2000), 1);
	CHECK_INT(read(cfd, buf, sizeof(buf)), 5);
	CHECK(memcmp(buf, "hello", 5) == 0);
	CHECK(shutdown(afd, SHUT_WR) == 0);

	/* IPv6 may be missing here: allowed is enough (not killed) */
	n = socket(AF_INET6, SOCK_STREAM, 0);
	CHECK(n >= 0 || errno == EAFNOSUPPORT);
	if (n >= 0)
		close(n);
	CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
	close(sv[0]);
	close(sv[1]);
	close(p[0]);
	close(p[1]);
	close(epfd);
	close(afd);
	close(cfd);
	close(lfd);
}

static void
allowed_files(void)
{
	char		a[64], b[64];
	struct stat	st;
	int		fd;

	snprintf(a, sizeof(a), "%s/a", tmpdir);
	snprintf(b, sizeof(b), "%s/b", tmpdir);
	CHECK((fd = open(a, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) >= 0);
	CHECK(write(fd, "x\n", 2) == 2);
	CHECK(fsync(fd) == 0);
	CHECK(close(fd) == 0);
	CHECK(rename(a, b) == 0);
	CHECK(stat(b, &st) == 0 && st.st_size == 2 && st.st_uid == nuid);
	CHECK(unlink(b) == 0);
}

static void
allowed_memory(void)
{
	unsigned char	 k[32];
	void		*m;
	struct rlimit	 rl;

	CHECK(getrandom(k, sizeof(k), 0) == (ssize_t)sizeof(k));
	CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0);
	m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0);
	CHECK(m != MAP_FAILED);
	/* never executable: refused softly (EACCES), not fatal */
	errno = 0;
	CHECK(mprotect(m, 4096, PROT_READ | PROT_EXEC) == -1);
	CHECK_INT(errno, EACCES);
	errno = 0;
	CHECK(mmap(NULL, 4096, PROT_READ | PROT_EXEC, MAP_PRIVATE |
	    MAP_ANONYMOUS, -1, 0) == MAP_FAILED);
	CHECK_INT(errno, EACCES);
	CHECK(munmap(m, 4096) == 0);
}

static void
allowed_openssl(void)
{
	unsigned char	 r[32], md[EVP_MAX_MD_SIZE];
	unsigned int	 mdlen = 0;
	SSL_CTX		*ctx;
	SSL		*ssl;

	/* first use: OpenSSL reads its configuration now, in the filter */
	CHECK((ctx = SSL_CTX_new(TLS_client_method())) != NULL);
	CHECK(RAND_bytes(r, sizeof(r)) == 1);
	CHECK(EVP_Digest("abc", 3, md, &mdlen, EVP_sha256(), NULL) == 1);
	CHECK_INT(mdlen, 32);
	CHECK((ssl = SSL_new(ctx)) != NULL);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
}

static int
count_cb(void *arg, int n, char **v, char **names)
{
	*(int *)arg = atoi(v[0]);
	return 0;
}

static void
allowed_sqlite(void)
{
	sqlite3		*db;
	sqlite3_stmt	*st;
	char		 path[64];
	int		 n = 0;

	CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "CREATE TABLE t(x); INSERT INTO t VALUES(1);",
	    NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(db);

	/* the history's way: a file in WAL mode */
	snprintf(path, sizeof(path), "%s/h.db", tmpdir);
	CHECK(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE, NULL) == SQLITE_OK);
	CHECK(sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &st,
	    NULL) == SQLITE_OK);
	CHECK(sqlite3_step(st) == SQLITE_ROW);
	CHECK_STR((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	CHECK(sqlite3_exec(db, "CREATE TABLE t(x); BEGIN; "
	    "INSERT INTO t VALUES(1); INSERT INTO t VALUES(2); COMMIT;",
	    NULL, NULL, NULL) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL,
	    NULL) == SQLITE_OK);
	CHECK(sqlite3_exec(db, "SELECT count(*) FROM t", count_cb, &n,
	    NULL) == SQLITE_OK);
	CHECK_INT(n, 2);
	CHECK(sqlite3_close(db) == SQLITE_OK);
}

static void
allowed_zlib(void)
{
	char	path[64], line[32] = "";
	gzFile	gz;

	snprintf(path, sizeof(path), "%s/a.gz", tmpdir);
	CHECK((gz = gzopen(path, "wb")) != NULL);
	CHECK(gzputs(gz, "audit line\n") > 0);
	CHECK(gzclose(gz) == Z_OK);
	CHECK((gz = gzopen(path, "rb")) != NULL);
	CHECK(gzgets(gz, line, sizeof(line)) != NULL);
	CHECK_STR(line, "audit line\n");
	gzclose(gz);
}

static enum MHD_Result
mhd_answer(void *cls, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *data,
    size_t *datalen, void **state)
{
	struct MHD_Response	*r;
	enum MHD_Result		 rc;

	r = MHD_create_response_from_buffer(3, (void *)"ok\n",
	    MHD_RESPMEM_PERSISTENT);
	rc = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return rc;
}

static void
allowed_mhd(void)
{
	struct sockaddr_in		 sin = { .sin_family = AF_INET };
	const union MHD_DaemonInfo	*info;
	struct MHD_Daemon		*d;
	const char			*req = "GET / HTTP/1.0\r\n\r\n";
	char				 buf[512];
	ssize_t				 n, got = 0;
	int				 fd;

	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	d = MHD_start_daemon(MHD_USE_EPOLL_INTERNAL_THREAD |
	    MHD_USE_ERROR_LOG, 0, NULL, NULL, mhd_answer, NULL,
	    MHD_OPTION_SOCK_ADDR, &sin, MHD_OPTION_END);
	CHECK(d != NULL);
	if (d == NULL)
		return;
	info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	CHECK(info != NULL && info->port != 0);
	sin.sin_port = htons(info != NULL ? info->port : 0);
	CHECK((fd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	CHECK(connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0);
	CHECK(write(fd, req, strlen(req)) == (ssize_t)strlen(req));
	while ((n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += n;
	buf[got] = '\0';
	CHECK(strncmp(buf, "HTTP/1.1 200 ", 13) == 0);
	close(fd);
	MHD_stop_daemon(d);
}

static void
allowed_notify(void)
{
	char	buf[32] = "";

	CHECK(sd_notify(0, "READY=1") > 0);
	CHECK(recv(notify_fd, buf, sizeof(buf) - 1, MSG_DONTWAIT) == 7);
	CHECK_STR(buf, "READY=1");
}

static void
ignore(int sig)
{
}

/* Everything the unprivileged side does, in the filter */
static void
case_allowed(void)
{
	drop();
	CHECK_STATUS("CapEff", "0000000000000000");
	CHECK_STATUS("CapPrm", "0000000000000000");
	CHECK_STATUS("CapInh", "0000000000000000");
	CHECK_STATUS("CapAmb", "0000000000000000");
	CHECK_STATUS("NoNewPrivs", "1");
	CHECK_STATUS("Seccomp", "2");
	CHECK(getuid() == nuid && geteuid() == nuid && getgid() == ngid);

	allowed_threads();
	allowed_net();
	allowed_files();
	allowed_memory();
	allowed_openssl();
	allowed_sqlite();
	allowed_zlib();
	allowed_mhd();
	allowed_notify();
	/* signals to itself: raise() is tgkill */
	signal(SIGUSR1, ignore);
	CHECK(raise(SIGUSR1) == 0);
	CHECK(kill(getpid(), 0) == 0);
}

/*
 * A sandboxed process leaves by exit(), as the daemon's child does: the
 * atexit handlers (a sanitizer build's leak check among them) run inside
 * the filter, with a thread started and ended before.
 */
static void
case_exit(void)
{
	drop();
	allowed_threads();
	exit(t_failed ? 1 : 0);
}

/*
 * Already that user: a second sandbox_become() does only the capability
 * part, and passes.  The filter needs no_new_privs first, and says so.
 */
static void
case_no_nnp(void)
{
	char	err[256] = "";

	CHECK(sandbox_become(nuid, ngid, NULL, 0, 0, err, sizeof(err)) == 0);
	CHECK(sandbox_become(nuid, ngid, NULL, 0, 0, err, sizeof(err)) == 0);
	CHECK(sandbox_seccomp(err, sizeof(err)) == -1);
	CHECK(strstr(err, "sandbox_nnp") != NULL);
	CHECK_STATUS("Seccomp", "0");
}

static void
denied_execve(void)
{
	char	*argv[] = { "true", NULL }, *envp[] = { NULL };

	drop();
	execve("/bin/true", argv, envp);
}

static void
denied_netlink(void)
{
	drop();
	socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
}

static void
denied_packet(void)
{
	drop();
	socket(AF_PACKET, SOCK_RAW, 0);
}

static void
denied_ptrace(void)
{
	drop();
	ptrace(PTRACE_TRACEME, 0, NULL, NULL);
}

static void
denied_fork(void)
{
	drop();
	if (fork() == 0)
		_exit(0);
}

static void
denied_kill_other(void)
{
	drop();
	kill(1, 0);
}

static void
denied_setuid(void)
{
	drop();
	syscall(SYS_setresuid, 0, 0, 0);
}

static void
denied_unshare(void)
{
	drop();
	unshare(CLONE_NEWUSER);
}

static void
denied_dumpable(void)
{
	drop();
	prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
}

static void
denied_ioctl(void)
{
	char	c = 'x';

	drop();
	ioctl(0, TIOCSTI, &c);
}

/* The parent's side: nobody with CAP_NET_ADMIN and nothing else */
static void
case_keep(void)
{
	const cap_value_t	keep[] = { CAP_NET_ADMIN };
	char			err[256] = "";

	CHECK(sandbox_become(nuid, ngid, keep, 1, 0, err, sizeof(err)) == 0);
	if (err[0] != '\0')
		fprintf(stderr, "keep: %s\n", err);
	CHECK_STATUS("CapEff", "0000000000001000");
	CHECK_STATUS("CapPrm", "0000000000001000");
	CHECK_STATUS("CapInh", "0000000000000000");
	CHECK_STATUS("CapAmb", "0000000000000000");
	CHECK_STATUS("CapBnd", "0000000000001000");
	CHECK_INT(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
	CHECK(getuid() == nuid && geteuid() == nuid);
	CHECK(setuid(0) == -1);
}

/* With ambient, an exec'd program (iptables-restore) keeps the bit */
static void
case_keep_ambient(void)
{
	const cap_value_t	keep[] = { CAP_NET_ADMIN };
	char			err[256] = "";

	CHECK(sandbox_become(nuid, ngid, keep, 1, 1, err, sizeof(err)) == 0);
	if (err[0] != '\0')
		fprintf(stderr, "keep ambient: %s\n", err);
	CHECK_STATUS("CapEff", "0000000000001000");
	CHECK_STATUS("CapInh", "0000000000001000");
	CHECK_STATUS("CapAmb", "0000000000001000");
	CHECK_INT(prctl(PR_GET_DUMPABLE, 0, 0, 0, 0), 0);
	if (t_failed)
		_exit(1);
	execl("/bin/sh", "sh", "-c", "grep -q '^CapEff:[[:space:]]*"
	    "0000000000001000$' /proc/self/status && grep -q '^CapPrm:"
	    "[[:space:]]*0000000000001000$' /proc/self/status", (char *)NULL);
	_exit(127);
}

static void
check_user(void)
{
	char	err[256] = "";
	uid_t	u;
	gid_t	g;

	CHECK(sandbox_user("nobody", &nuid, &ngid, err, sizeof(err)) == 0);
	CHECK(nuid != 0);
	CHECK(sandbox_user("v6gate-no-such-user", &u, &g, err,
	    sizeof(err)) == -1);
	CHECK_STR(err, "user \"v6gate-no-such-user\" does not exist: create "
	    "it (adduser --system --group v6gate-no-such-user) or set "
	    "gateway.user");
	CHECK(sandbox_user("root", &u, &g, err, sizeof(err)) == -1);
	CHECK(strstr(err, "uid 0") != NULL);
}

/* A notify socket nobody may write to, for sd_notify() in the child */
static void
notify_setup(char *path, size_t len)
{
	struct sockaddr_un	sun = { .sun_family = AF_UNIX };

	snprintf(path, len, "%s/notify", tmpdir);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(notify_fd >= 0);
	CHECK(bind(notify_fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	CHECK(chmod(path, 0666) == 0);
	setenv("NOTIFY_SOCKET", path, 1);
}

static void
cleanup(void)
{
	const char	*names[] = { "a", "b", "a.gz", "h.db", "h.db-wal",
			    "h.db-shm", "h.db-journal", "notify" };
	char		 path[64];
	size_t		 i;

	for (i = 0; i < sizeof(names) / sizeof(*names); i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, names[i]);
		unlink(path);
	}
	CHECK(rmdir(tmpdir) == 0);
}

/* The case passed: exit 0.  Its checks have printed what failed. */
#define CHECK_EXIT0(fn) do {						\
	int	t_st = run(fn, #fn);					\
	if (!WIFEXITED(t_st))						\
		fprintf(stderr, "%s: signal %d\n", #fn, WTERMSIG(t_st));\
	CHECK(WIFEXITED(t_st) && WEXITSTATUS(t_st) == 0);		\
} while (0)

/* The filter killed it (a signal, SIGSYS), and it did not carry on */
#define CHECK_SIGSYS(fn) do {						\
	int	t_st = run(fn, #fn);					\
	if (!WIFSIGNALED(t_st))						\
		fprintf(stderr, "%s: exit %d\n", #fn, WEXITSTATUS(t_st));\
	CHECK(WIFSIGNALED(t_st) && WTERMSIG(t_st) == SIGSYS);		\
} while (0)

int
main(void)
{
	char	path[64];

	if (geteuid() != 0) {
		fprintf(stderr, "test_sandbox: SKIP: needs root\n");
		return 77;
	}
	check_user();
	if (mkdtemp(tmpdir) == NULL || chmod(tmpdir, 0777) == -1) {
		perror(tmpdir);
		return 1;
	}
	notify_setup(path, sizeof(path));

	CHECK_EXIT0(case_allowed);
	CHECK_EXIT0(case_exit);
	CHECK_EXIT0(case_no_nnp);
	CHECK_EXIT0(case_keep);
	CHECK_EXIT0(case_keep_ambient);

	CHECK_SIGSYS(denied_execve);
	CHECK_SIGSYS(denied_netlink);
	CHECK_SIGSYS(denied_packet);
	CHECK_SIGSYS(denied_ptrace);
	CHECK_SIGSYS(denied_fork);
	CHECK_SIGSYS(denied_kill_other);
	CHECK_SIGSYS(denied_setuid);
	CHECK_SIGSYS(denied_unshare);
	CHECK_SIGSYS(denied_dumpable);
	CHECK_SIGSYS(denied_ioctl);

	close(notify_fd);
	cleanup();
	return t_done("test_sandbox");
}
