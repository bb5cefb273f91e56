/* SPDX-License-Identifier: ISC */
/*
 * See sandbox.h.  Capabilities through libcap, the filter through
 * libseccomp: no capability structs or BPF by hand.  This module only
 * drops and confines; it never grants, and never decides what a side of
 * the daemon needs beyond the child's one system call table below.
 */

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <linux/sockios.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include <seccomp.h>

#include "sandbox.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANDBOX_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__) && !defined(SANDBOX_ASAN)
#define SANDBOX_ASAN 1
#endif
#ifdef SANDBOX_ASAN
#include <sanitizer/common_interface_defs.h>
#include <sanitizer/lsan_interface.h>
#endif

int
sandbox_user(const char *name, uid_t *uid, gid_t *gid, char *err, size_t len)
{
	struct passwd	 pw, *res = NULL;
	char		*buf = NULL, *nbuf;
	size_t		 bufsz = 1024;
	int		 rc;

	/* ERANGE: the entry is larger than the buffer, grow it */
	do {
		if (bufsz > 1 << 20 || (nbuf = realloc(buf, bufsz)) == NULL) {
			free(buf);
			snprintf(err, len, "user \"%s\": out of memory", name);
			return -1;
		}
		buf = nbuf;
		rc = getpwnam_r(name, &pw, buf, bufsz, &res);
		bufsz *= 2;
	} while (rc == ERANGE);
	if (rc != 0) {
		snprintf(err, len, "user \"%s\": %s", name, strerror(rc));
		free(buf);
		return -1;
	}
	if (res == NULL) {
		snprintf(err, len, "user \"%s\" does not exist: create it "
		    "(adduser --system --group %s) or set gateway.user", name,
		    name);
		free(buf);
		return -1;
	}
	if (pw.pw_uid == 0) {
		snprintf(err, len, "user \"%s\" is uid 0: the side that reads "
		    "client bytes must not run as root (set gateway.user)",
		    name);
		free(buf);
		return -1;
	}
	*uid = pw.pw_uid;
	*gid = pw.pw_gid;
	free(buf);
	return 0;
}

/* Whether CAP_SETPCAP is effective now, so the bounding set can shrink. */
static int
sandbox_has_setpcap(void)
{
	cap_t			c;
	cap_flag_value_t	v = CAP_CLEAR;

	if ((c = cap_get_proc()) == NULL)
		return 0;
	if (cap_get_flag(c, CAP_SETPCAP, CAP_EFFECTIVE, &v) == -1)
		v = CAP_CLEAR;
	cap_free(c);
	return v == CAP_SET;
}

static int
sandbox_kept(cap_value_t cap, const cap_value_t *keep, size_t nkeep)
{
	size_t	i;

	for (i = 0; i < nkeep; i++)
		if (keep[i] == cap)
			return 1;
	return 0;
}

/*
 * Heads up: this must run before the uid change.  Leaving uid 0 clears
 * the effective set even with PR_SET_KEEPCAPS, and CAP_SETPCAP would be
 * gone.  For a process that stays uid 0, the bounding set is what keeps
 * an exec'd program from getting every capability back.
 */
static int
sandbox_bound(const cap_value_t *keep, size_t nkeep, char *err, size_t len)
{
	cap_value_t	c, max = (cap_value_t)cap_max_bits();

	for (c = 0; c < max; c++) {
		if (sandbox_kept(c, keep, nkeep) || CAP_IS_SUPPORTED(c) == 0)
			continue;
		if (cap_drop_bound(c) == -1) {
			snprintf(err, len, "drop %s from the bounding set: %s",
			    cap_to_name(c), strerror(errno));
			return -1;
		}
	}
	return 0;
}

static int
sandbox_caps(const cap_value_t *keep, size_t nkeep, int ambient, char *err,
    size_t len)
{
	cap_t	c;
	size_t	i;
	int	rc = -1;

	if ((c = cap_init()) == NULL) {
		snprintf(err, len, "cap_init: %s", strerror(errno));
		return -1;
	}
	if (nkeep > 0 && (cap_set_flag(c, CAP_PERMITTED, (int)nkeep, keep,
	    CAP_SET) == -1 || cap_set_flag(c, CAP_EFFECTIVE, (int)nkeep, keep,
	    CAP_SET) == -1 || (ambient && cap_set_flag(c, CAP_INHERITABLE,
	    (int)nkeep, keep, CAP_SET) == -1))) {
		snprintf(err, len, "cap_set_flag: %s", strerror(errno));
		goto fail;
	}
	if (cap_set_proc(c) == -1) {
		snprintf(err, len, "cap_set_proc: %s", strerror(errno));
		goto fail;
	}
	/* Lowering inheritable drops ambient too; clear it all the same */
	if (CAP_AMBIENT_SUPPORTED() && cap_reset_ambient() == -1) {
		snprintf(err, len, "clear the ambient set: %s",
		    strerror(errno));
		goto fail;
	}
	for (i = 0; ambient && i < nkeep; i++) {
		if (cap_set_ambient(keep[i], CAP_SET) == -1) {
			snprintf(err, len, "raise ambient %s: %s",
			    cap_to_name(keep[i]), strerror(errno));
			goto fail;
		}
	}
	rc = 0;
fail:
	cap_free(c);
	return rc;
}

int
sandbox_keep(const cap_value_t *eff, size_t neff, const cap_value_t *extra,
    size_t nextra, char *err, size_t len)
{
	cap_value_t	 all[CAP_LAST_CAP + 1];
	cap_t		 c, now = NULL;
	size_t		 n = 0, i;
	int		 rc = -1;

	if (neff + nextra > sizeof(all) / sizeof(all[0])) {
		snprintf(err, len, "too many capabilities");
		return -1;
	}
	for (i = 0; i < neff; i++)
		all[n++] = eff[i];
	for (i = 0; i < nextra; i++)
		all[n++] = extra[i];
	if (sandbox_has_setpcap() && sandbox_bound(all, n, err, len) == -1)
		return -1;
	if ((c = cap_init()) == NULL) {
		snprintf(err, len, "cap_init: %s", strerror(errno));
		return -1;
	}
	if ((n > 0 && cap_set_flag(c, CAP_PERMITTED, (int)n, all, CAP_SET) ==
	    -1) || (neff > 0 && cap_set_flag(c, CAP_EFFECTIVE, (int)neff, eff,
	    CAP_SET) == -1)) {
		snprintf(err, len, "cap_set_flag: %s", strerror(errno));
		goto fail;
	}
	if (cap_set_proc(c) == -1 || (CAP_AMBIENT_SUPPORTED() &&
	    cap_reset_ambient() == -1)) {
		snprintf(err, len, "cap_set_proc: %s", strerror(errno));
		goto fail;
	}
	/* (the same second lock as sandbox_become()'s) */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		snprintf(err, len, "PR_SET_DUMPABLE: %s", strerror(errno));
		goto fail;
	}
	if ((now = cap_get_proc()) == NULL || cap_compare(now, c) != 0) {
		snprintf(err, len, "the capabilities did not change as asked");
		goto fail;
	}
	rc = 0;
fail:
	cap_free(now);
	cap_free(c);
	return rc;
}

int
sandbox_raise(const cap_value_t *caps, size_t n, char *err, size_t len)
{
	cap_t	c;
	int	rc = 0;

	if (n == 0)
		return 0;
	if ((c = cap_get_proc()) == NULL || cap_set_flag(c, CAP_EFFECTIVE,
	    (int)n, caps, CAP_SET) == -1 || cap_set_proc(c) == -1) {
		snprintf(err, len, "raise capabilities: %s", strerror(errno));
		rc = -1;
	}
	cap_free(c);
	return rc;
}

/* Read back what sandbox_become() set: any difference is a failure. */
static int
sandbox_verify(uid_t uid, gid_t gid, int changed, const cap_value_t *keep,
    size_t nkeep, int ambient, int bounded, char *err, size_t len)
{
	uid_t		r, e, s;
	gid_t		rg, eg, sg, groups[2];
	cap_t		want, have;
	cap_value_t	c, max = (cap_value_t)cap_max_bits();
	int		d, n;

	if (changed) {
		if (getresuid(&r, &e, &s) == -1 || r != uid || e != uid ||
		    s != uid || getresgid(&rg, &eg, &sg) == -1 || rg != gid ||
		    eg != gid || sg != gid) {
			snprintf(err, len, "uid/gid did not change to %u/%u",
			    (unsigned)uid, (unsigned)gid);
			return -1;
		}
		n = getgroups(2, groups);
		if (n != 1 || groups[0] != gid) {
			snprintf(err, len, "supplementary groups stayed (%d)",
			    n);
			return -1;
		}
		/* OpenSSH's check: root must not be a setuid() away */
		if (uid != 0 && !sandbox_kept(CAP_SETUID, keep, nkeep) &&
		    setuid(0) != -1) {
			snprintf(err, len, "could become root again");
			return -1;
		}
	}

	if ((want = cap_init()) == NULL || (have = cap_get_proc()) == NULL) {
		cap_free(want);
		snprintf(err, len, "read capabilities: %s", strerror(errno));
		return -1;
	}
	if (nkeep > 0) {
		cap_set_flag(want, CAP_PERMITTED, (int)nkeep, keep, CAP_SET);
		cap_set_flag(want, CAP_EFFECTIVE, (int)nkeep, keep, CAP_SET);
		if (ambient)
			cap_set_flag(want, CAP_INHERITABLE, (int)nkeep, keep,
			    CAP_SET);
	}
	d = cap_compare(want, have);
	cap_free(want);
	cap_free(have);
	if (d != 0) {
		snprintf(err, len, "capabilities stayed:%s%s%s",
		    CAP_DIFFERS(d, CAP_PERMITTED) ? " permitted" : "",
		    CAP_DIFFERS(d, CAP_EFFECTIVE) ? " effective" : "",
		    CAP_DIFFERS(d, CAP_INHERITABLE) ? " inheritable" : "");
		return -1;
	}
	for (c = 0; c < max; c++) {
		if (!CAP_IS_SUPPORTED(c))
			continue;
		if (CAP_AMBIENT_SUPPORTED() && cap_get_ambient(c) !=
		    (ambient && sandbox_kept(c, keep, nkeep))) {
			snprintf(err, len, "ambient %s is %s", cap_to_name(c),
			    cap_get_ambient(c) == 1 ? "set" : "not set");
			return -1;
		}
		if (bounded && cap_get_bound(c) != sandbox_kept(c, keep,
		    nkeep)) {
			snprintf(err, len, "bounding set: %s stayed",
			    cap_to_name(c));
			return -1;
		}
	}
	if (nkeep > 0 && prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0) {
		snprintf(err, len, "process with capabilities is dumpable");
		return -1;
	}
	return 0;
}

int
sandbox_become(uid_t uid, gid_t gid, const cap_value_t *keep, size_t nkeep,
    int ambient, char *err, size_t len)
{
	int	changed, bounded = 0;

	changed = geteuid() == 0 || getuid() != uid;
	if (sandbox_has_setpcap()) {
		if (sandbox_bound(keep, nkeep, err, len) == -1)
			return -1;
		bounded = 1;
	}
	if (changed) {
		/* Without it the uid change empties the permitted set */
		if (nkeep > 0 && prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) == -1) {
			snprintf(err, len, "PR_SET_KEEPCAPS: %s",
			    strerror(errno));
			return -1;
		}
		if (setgroups(1, &gid) == -1 ||
		    setresgid(gid, gid, gid) == -1) {
			snprintf(err, len, "set group %u: %s", (unsigned)gid,
			    strerror(errno));
			return -1;
		}
		if (setresuid(uid, uid, uid) == -1) {
			snprintf(err, len, "set user %u: %s", (unsigned)uid,
			    strerror(errno));
			return -1;
		}
		/* It is only for the change above (execve clears it too) */
		if (nkeep > 0 && prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) == -1) {
			snprintf(err, len, "PR_SET_KEEPCAPS: %s",
			    strerror(errno));
			return -1;
		}
	}
	if (sandbox_caps(keep, nkeep, ambient, err, len) == -1)
		return -1;
	/*
	 * The kernel already refuses ptrace and /proc/PID/mem to a process
	 * whose permitted set lacks some of ours (commoncap).  Not dumpable
	 * is the second lock, and more: no core file with the parent's
	 * memory, and /proc/PID/{fd,environ,...} owned by root, not by the
	 * user the child shares.  A uid change clears dumpable anyway, a
	 * process staying uid 0 would keep it: set it in both cases.
	 */
	if (nkeep > 0 && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) == -1) {
		snprintf(err, len, "PR_SET_DUMPABLE: %s", strerror(errno));
		return -1;
	}
	return sandbox_verify(uid, gid, changed, keep, nkeep, ambient,
	    bounded, err, len);
}

int
sandbox_nnp(char *err, size_t len)
{
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == -1 ||
	    prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
		snprintf(err, len, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * The unprivileged child's system calls: the proxy workers, the relay,
 * health checks (OpenSSL), the history (SQLite), the audit writer (zlib),
 * the control socket, the HTTP endpoint (libmicrohttpd), sd_notify, and a
 * sanitizer build's runtime.  Not here, so fatal: execve, fork, ptrace,
 * process_vm_*, mount, chroot, setuid and capset, modules, kexec, bpf,
 * perf_event_open, keyrings, namespaces, io_uring, userfaultfd, ...
 */
static const int sandbox_syscalls[] = {
	/* memory: malloc (glibc, ASan's allocator), free'd thread stacks
	 * (madvise); mmap and mprotect are in the table below */
	SCMP_SYS(brk), SCMP_SYS(munmap), SCMP_SYS(mremap), SCMP_SYS(madvise),

	/* threads: pthread_create (clone is below), thread start
	 * (set_robust_list, rseq), mutexes and condition variables,
	 * sysconf(_SC_NPROCESSORS_ONLN), pthread_exit, exit */
	SCMP_SYS(futex), SCMP_SYS(set_robust_list), SCMP_SYS(rseq),
	SCMP_SYS(sched_yield), SCMP_SYS(sched_getaffinity), SCMP_SYS(gettid),
	SCMP_SYS(getpid), SCMP_SYS(getppid), SCMP_SYS(exit),
	SCMP_SYS(exit_group),

	/* signals: the daemon's signalfd, glibc's abort(), ASan's per-thread
	 * alternate stack; restart_syscall resumes a sleep cut by SIGSTOP */
	SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask),
	SCMP_SYS(rt_sigreturn), SCMP_SYS(sigaltstack), SCMP_SYS(signalfd4),
	SCMP_SYS(restart_syscall),

	/* event loops: workers, health checks, audit writer, control socket
	 * (epoll, eventfd, timerfd); libmicrohttpd, OpenSSL's BIO waits,
	 * syslog() (poll, select) */
	SCMP_SYS(epoll_create1), SCMP_SYS(epoll_ctl), SCMP_SYS(epoll_wait),
	SCMP_SYS(epoll_pwait), SCMP_SYS(eventfd2), SCMP_SYS(timerfd_create),
	SCMP_SYS(timerfd_settime), SCMP_SYS(timerfd_gettime), SCMP_SYS(poll),
	SCMP_SYS(ppoll), SCMP_SYS(select), SCMP_SYS(pselect6),

	/* descriptors: the relay (splice through pool pipes), every reader
	 * and writer; SQLite's pread64/pwrite64 and fcntl locks */
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(splice),
	SCMP_SYS(pipe2), SCMP_SYS(close), SCMP_SYS(dup), SCMP_SYS(dup2),
	SCMP_SYS(dup3), SCMP_SYS(fcntl), SCMP_SYS(lseek),

	/* files: the history and its WAL, the audit log and its archive,
	 * state files, openssl.cnf at OpenSSL's first use, /etc/localtime,
	 * /proc/self (ASan); fchown only by SQLite running as root; chdir
	 * to / once started; fstatfs, the audit log's free space */
	SCMP_SYS(open), SCMP_SYS(openat), SCMP_SYS(stat), SCMP_SYS(fstat),
	SCMP_SYS(lstat), SCMP_SYS(newfstatat), SCMP_SYS(statx),
	SCMP_SYS(access), SCMP_SYS(faccessat), SCMP_SYS(faccessat2),
	SCMP_SYS(readlink), SCMP_SYS(readlinkat), SCMP_SYS(getdents64),
	SCMP_SYS(getcwd), SCMP_SYS(chdir), SCMP_SYS(fstatfs),
	SCMP_SYS(statfs), SCMP_SYS(unlink), SCMP_SYS(unlinkat),
	SCMP_SYS(rename), SCMP_SYS(renameat), SCMP_SYS(renameat2),
	SCMP_SYS(mkdir), SCMP_SYS(mkdirat), SCMP_SYS(ftruncate),
	SCMP_SYS(fsync), SCMP_SYS(fdatasync), SCMP_SYS(fallocate),
	SCMP_SYS(flock), SCMP_SYS(umask), SCMP_SYS(chmod), SCMP_SYS(fchmod),
	SCMP_SYS(fchown),

	/* sockets: clients, backends, health checks, control socket, HTTP
	 * endpoint, syslog, sd_notify (socket, socketpair are below) */
	SCMP_SYS(connect), SCMP_SYS(bind), SCMP_SYS(listen),
	SCMP_SYS(accept4), SCMP_SYS(getsockname), SCMP_SYS(getpeername),
	SCMP_SYS(getsockopt), SCMP_SYS(setsockopt), SCMP_SYS(shutdown),
	SCMP_SYS(sendto), SCMP_SYS(recvfrom), SCMP_SYS(sendmsg),
	SCMP_SYS(recvmsg),

	/* time: the vDSO answers these, the calls are its fallback */
	SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres),
	SCMP_SYS(clock_nanosleep), SCMP_SYS(nanosleep),
	SCMP_SYS(gettimeofday), SCMP_SYS(time),

	/* the rest: OpenSSL's DRBG and siphash keys (getrandom); OpenSSL and
	 * glibc (uname, sysinfo for sysconf(_SC_PHYS_PAGES)); SQLite, glibc
	 * and the log (credentials) */
	SCMP_SYS(getrandom), SCMP_SYS(uname), SCMP_SYS(sysinfo),
	SCMP_SYS(getuid), SCMP_SYS(geteuid), SCMP_SYS(getgid),
	SCMP_SYS(getegid), SCMP_SYS(getresuid), SCMP_SYS(getresgid),
	SCMP_SYS(getrlimit),
};

/* Allowed unless it creates a namespace; and a thread, not a process */
#define SANDBOX_CLONE_MASK	(CLONE_THREAD | CLONE_NEWNS |		\
	CLONE_NEWCGROUP | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWUSER |	\
	CLONE_NEWPID | CLONE_NEWNET)

/* The calls allowed (or refused softly) for one argument's value only */
struct sandbox_argrule {
	int			nr;
	uint32_t		action;	/* SCMP_ACT_* */
	unsigned int		arg;
	enum scmp_compare	op;
	scmp_datum_t		mask;	/* SCMP_CMP_MASKED_EQ only */
	scmp_datum_t		value;	/* SANDBOX_SELF: our pid */
};

#define SANDBOX_SELF	((scmp_datum_t)-1)
#define SANDBOX_ENOSYS	SCMP_ACT_ERRNO(ENOSYS)
#define SANDBOX_EACCES	SCMP_ACT_ERRNO(EACCES)

static const struct sandbox_argrule sandbox_argrules[] = {
	/* threads: glibc tries clone3 first, and on ENOSYS falls back to
	 * clone, whose flags are in a register and can be checked (clone3's
	 * are in memory); a thread has CLONE_THREAD, fork() has not */
	{ SCMP_SYS(clone3), SANDBOX_ENOSYS, 0, 0, 0, 0 },
	{ SCMP_SYS(clone), SCMP_ACT_ALLOW, 0, SCMP_CMP_MASKED_EQ,
	    SANDBOX_CLONE_MASK, CLONE_THREAD },

	/* memory: never executable (no JIT, no code injected); refused, not
	 * fatal, so that a late dlopen() fails as on a noexec mount */
	{ SCMP_SYS(mmap), SCMP_ACT_ALLOW, 2, SCMP_CMP_MASKED_EQ, PROT_EXEC,
	    0 },
	{ SCMP_SYS(mmap), SANDBOX_EACCES, 2, SCMP_CMP_MASKED_EQ, PROT_EXEC,
	    PROT_EXEC },
	{ SCMP_SYS(mprotect), SCMP_ACT_ALLOW, 2, SCMP_CMP_MASKED_EQ,
	    PROT_EXEC, 0 },
	{ SCMP_SYS(mprotect), SANDBOX_EACCES, 2, SCMP_CMP_MASKED_EQ,
	    PROT_EXEC, PROT_EXEC },

	/* sockets: IP and local ones; no netlink (Jool, nftables, routes are
	 * the parent's), no packet sockets */
	{ SCMP_SYS(socket), SCMP_ACT_ALLOW, 0, SCMP_CMP_EQ, 0, AF_UNIX },
	{ SCMP_SYS(socket), SCMP_ACT_ALLOW, 0, SCMP_CMP_EQ, 0, AF_INET },
	{ SCMP_SYS(socket), SCMP_ACT_ALLOW, 0, SCMP_CMP_EQ, 0, AF_INET6 },
	{ SCMP_SYS(socketpair), SCMP_ACT_ALLOW, 0, SCMP_CMP_EQ, 0, AF_UNIX },

	/* ioctl: bytes waiting, bytes a peer has not acknowledged yet (the
	 * audit forwarder's cursor, SIOCOUTQ), OpenSSL's BIO_socket_nbio(),
	 * isatty() for stdio and the sanitizers' colours */
	{ SCMP_SYS(ioctl), SCMP_ACT_ALLOW, 1, SCMP_CMP_EQ, 0, FIONREAD },
	{ SCMP_SYS(ioctl), SCMP_ACT_ALLOW, 1, SCMP_CMP_EQ, 0, SIOCOUTQ },
	{ SCMP_SYS(ioctl), SCMP_ACT_ALLOW, 1, SCMP_CMP_EQ, 0, FIONBIO },
	{ SCMP_SYS(ioctl), SCMP_ACT_ALLOW, 1, SCMP_CMP_EQ, 0, TCGETS },

	/* prctl: thread names */
	{ SCMP_SYS(prctl), SCMP_ACT_ALLOW, 0, SCMP_CMP_EQ, 0, PR_SET_NAME },
	{ SCMP_SYS(prctl), SCMP_ACT_ALLOW, 0, SCMP_CMP_EQ, 0, PR_GET_NAME },

	/* signals to ourselves only: abort(), raise(), pthread_kill() */
	{ SCMP_SYS(tgkill), SCMP_ACT_ALLOW, 0, SCMP_CMP_EQ, 0, SANDBOX_SELF },
	{ SCMP_SYS(kill), SCMP_ACT_ALLOW, 0, SCMP_CMP_EQ, 0, SANDBOX_SELF },

	/* limits of this process only (glibc's getrlimit() is prlimit64) */
	{ SCMP_SYS(prlimit64), SCMP_ACT_ALLOW, 0, SCMP_CMP_EQ, 0, 0 },
};

#ifdef SANDBOX_ASAN
/*
 * A sanitizer build needs, after the filter, what the filter refuses:
 * LeakSanitizer's exit check stops the world with clone() and ptrace(),
 * and a report starts llvm-symbolizer with fork() and execve().  So the
 * leak check runs now, once (and not at exit), and the symbolizer is
 * started now: it stays, and later reports talk to it through pipes.
 */
static void
sandbox_sanitizer(void)
{
	char	buf[256];
	int	null, saved;

	/*
	 * The symbolizer inherits fd 2 and lives as long as we do: on the
	 * caller's terminal or pipe it would keep a daemon's starter (or a
	 * $(v6gated ...) in a test) waiting for an end that never comes.
	 * Give it /dev/null; reports are written by us, not by it.
	 */
	saved = dup(STDERR_FILENO);
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (saved != -1 && null != -1)
		dup2(null, STDERR_FILENO);
	__sanitizer_symbolize_pc(__builtin_return_address(0), "%p %F %L",
	    buf, sizeof(buf));
	if (saved != -1 && null != -1)
		dup2(saved, STDERR_FILENO);
	if (null != -1)
		close(null);
	if (saved != -1)
		close(saved);
	__lsan_do_leak_check();
}
#endif

int
sandbox_seccomp(char *err, size_t len)
{
	scmp_filter_ctx			 ctx;
	const struct sandbox_argrule	*r;
	struct scmp_arg_cmp		 cmp;
	size_t				 i;
	int				 rc;

	/* Without it, loading a filter needs CAP_SYS_ADMIN: say why */
	if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) != 1) {
		snprintf(err, len, "seccomp: no_new_privs is not set "
		    "(sandbox_nnp first)");
		return -1;
	}
	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL) {
		snprintf(err, len, "seccomp_init failed");
		return -1;
	}
	/*
	 * Every thread, not only the caller (TSYNC); a 32-bit or x32 call
	 * is killed as any unknown call; no_new_privs is the caller's
	 * (sandbox_nnp), not set behind its back.
	 */
	if ((rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1)) < 0 ||
	    (rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	    SCMP_ACT_KILL_PROCESS)) < 0 ||
	    (rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)) < 0) {
		snprintf(err, len, "seccomp: attributes: %s", strerror(-rc));
		goto fail;
	}
	for (i = 0; i < sizeof(sandbox_syscalls) / sizeof(*sandbox_syscalls);
	    i++) {
		if ((rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW,
		    sandbox_syscalls[i], 0)) < 0) {
			snprintf(err, len, "seccomp: allow system call %d: "
			    "%s", sandbox_syscalls[i], strerror(-rc));
			goto fail;
		}
	}
	for (i = 0; i < sizeof(sandbox_argrules) / sizeof(*sandbox_argrules);
	    i++) {
		r = &sandbox_argrules[i];
		if (r->op == 0)
			rc = seccomp_rule_add(ctx, r->action, r->nr, 0);
		else {
			cmp = (struct scmp_arg_cmp){ r->arg, r->op, r->mask,
			    r->value == SANDBOX_SELF ? (scmp_datum_t)getpid() :
			    r->value };
			if (r->op != SCMP_CMP_MASKED_EQ) {
				cmp.datum_a = cmp.datum_b;
				cmp.datum_b = 0;
			}
			rc = seccomp_rule_add_array(ctx, r->action, r->nr, 1,
			    &cmp);
		}
		if (rc < 0) {
			snprintf(err, len, "seccomp: rule for system call %d: "
			    "%s", r->nr, strerror(-rc));
			goto fail;
		}
	}
#ifdef SANDBOX_ASAN
	sandbox_sanitizer();
#endif
	if ((rc = seccomp_load(ctx)) < 0) {
		snprintf(err, len, "seccomp: load: %s", strerror(-rc));
		goto fail;
	}
	seccomp_release(ctx);
	return 0;
fail:
	seccomp_release(ctx);
	return -1;
}
