/* SPDX-License-Identifier: ISC */
#ifndef V6G_SANDBOX_H
#define V6G_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/capability.h>

/*
 * The steps of privilege separation (DESIGN.md, "Least privilege"), for
 * the privileged parent and the unprivileged child to call: find the
 * user, become it keeping only some capabilities, forbid gaining any back
 * (no_new_privs), and confine the child's system calls (seccomp).  Each
 * reads back what it did and fails if anything stayed.
 *
 * It does not fork, open sockets, decide which capabilities a side keeps
 * or which user it runs as: the caller does.  It does not log: errors go
 * into err, the caller logs them and must not carry on (a half-dropped
 * process is worse than none).  All return 0, or -1 with err filled.
 *
 * Order in the child: sandbox_user() (NSS may load modules: before the
 * filter), sandbox_become(), sandbox_nnp(), then sandbox_seccomp().
 */

/*
 * The user name's uid and primary group.  Refuses uid 0: this is the user
 * the side that reads client bytes runs as.
 */
int	sandbox_user(const char *name, uid_t *uid, gid_t *gid, char *err,
	    size_t len);

/*
 * Become uid/gid (supplementary groups: the primary group only) keeping
 * exactly the nkeep capabilities in keep, permitted and effective; with
 * ambient, inheritable and ambient too, so that a program this process
 * executes (iptables-restore) has them.  The bounding set is cut down to
 * keep when CAP_SETPCAP allows it.  A process that is not root and is
 * already uid only sets its capabilities.  A process left with
 * capabilities is made non-dumpable.
 */
int	sandbox_become(uid_t uid, gid_t gid, const cap_value_t *keep,
	    size_t nkeep, int ambient, char *err, size_t len);

/*
 * Stay the same user, with the neff capabilities in eff permitted and
 * effective, and the nextra in extra permitted only, to be raised for an
 * instant with sandbox_raise(); nothing else, the bounding set included
 * when CAP_SETPCAP allows it.  Made non-dumpable.  For the privileged
 * parent, which starts its unprivileged child as another user.
 */
int	sandbox_keep(const cap_value_t *eff, size_t neff,
	    const cap_value_t *extra, size_t nextra, char *err, size_t len);

/* Make n permitted capabilities effective. */
int	sandbox_raise(const cap_value_t *caps, size_t n, char *err,
	    size_t len);

/* Set no_new_privs: no execve() can grant privileges from now on. */
int	sandbox_nnp(char *err, size_t len);

/*
 * Install the unprivileged child's system call allowlist on every thread
 * of the process; a call not on it kills the whole process (SIGSYS).
 * Needs sandbox_nnp() first.  x86_64 system calls only.
 *
 * Heads up: mmap()/mprotect() with PROT_EXEC fail (EACCES), so dlopen()
 * fails after this: load what is needed (NSS, OpenSSL providers) before.
 * In a sanitizer build, LeakSanitizer's exit check (clone, ptrace) runs
 * here, before the filter, and not at exit: leaks made later in this
 * process are not reported.  llvm-symbolizer is started here too, as a
 * report could not fork and exec it later.
 */
int	sandbox_seccomp(char *err, size_t len);

#endif
