/* SPDX-License-Identifier: ISC */
#ifndef V6G_PRIV_H
#define V6G_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "addr.h"
#include "jool/msg.h"
#include "nfnl.h"

/*
 * Privilege separation, as OpenBSD relayd and OpenSSH do it.  v6gated runs
 * as two processes:
 *
 *  - the privileged one (the parent, the one systemd started): it keeps
 *    CAP_NET_ADMIN, to talk to Jool and nftables, and CAP_NET_BIND_SERVICE,
 *    to bind the listening sockets, and never reads a byte a client sent;
 *  - the unprivileged one ("v6gated: serve", its child): everything else,
 *    the proxy's workers included, as gateway.user, with no capability,
 *    no new privileges and a seccomp filter (common/sandbox.h).
 *
 * The child asks; the parent answers, one request at a time, over a
 * SOCK_SEQPACKET socketpair (descriptors travel with SCM_RIGHTS).  What
 * the parent does it decides from its own reading of the configuration
 * file, never from what the child says: a child taken over by a client
 * cannot make the translator an open door.  A second socketpair carries
 * the parent's few words to the child (reload, reopen, stop), which its
 * event loop reads.
 *
 * This file holds both ends: priv_serve() is the parent's, the rest the
 * child's (synchronous, main thread only).
 */

/* What the parent says to the child, on the notice channel. */
enum priv_notice {
	PN_RELOAD = 1,		/* SIGHUP */
	PN_REOPEN,		/* SIGUSR1 */
	PN_STOP,		/* SIGTERM, SIGINT */
};

/* ---------------------------------------------------------------- parent */

/*
 * Serve one request from the child on fd.  conffile is the configuration
 * the parent loads itself at each translator plan.  Returns 1 when the
 * child reported ready (PR_READY), 0 after another request, -1 when the
 * channel closed (the child is gone).
 */
int	priv_serve(int fd, const char *conffile);

/* The parent's state (its configuration, a pending plan, its copies of
   the listening sockets), released at exit. */
void	priv_serve_end(void);

/* Say n to the child (best effort). */
void	priv_notice(int fd, enum priv_notice n);

/* ---------------------------------------------------------------- child */

/* The channel to the parent, for every request below. */
void	priv_client(int fd);

/* proxy.h's binder: n listening sockets for a, bound by the parent. */
int	priv_bind(const union addr_sa *a, int n, int *fds, char *err,
	    size_t errlen);
void	priv_unbind(const union addr_sa *a);

/* What a translator plan holds that the child's counting needs. */
struct priv_plan {
	int		needed;		/* anything to do with Jool */
	int		remove;		/* the guard goes */
	int		remake;		/* the guard is made again */
	size_t		ngone;		/* guard elements that go */
};

/*
 * The translator's plan, made by the parent from the file it reads itself
 * (recreate: see translator.h); kept there for priv_commit() or
 * priv_discard().  0, or -1 with err (nothing changed).
 */
int	priv_prepare(int recreate, struct priv_plan *, char *, size_t);
/* Carry the plan out; *guarded: the guard has the plan's elements. */
int	priv_commit(int *guarded, char *, size_t);
void	priv_discard(void);

/* "v6gatectl jool" and "jool sessions", from the parent. */
json_object *priv_jool_status(void);
json_object *priv_jool_sessions(void);

/* The nftables reads and deletions counting needs (nfnl.h), asked of the
   parent: only the guard's table, only deletions of counting elements. */
extern const struct nfnl_io priv_nfnl;

/* A NAT64 instance's sessions of one protocol (mapping.h's reader). */
int	priv_sessions(const char *instance, uint8_t l4,
	    struct jool_session **, size_t *, char *, size_t);

/* What the parent said (enum priv_notice), or -1 when it is gone. */
int	priv_notice_read(int fd);

/* The child serves: the parent may say so (systemd, the terminal). */
void	priv_ready(void);

#endif
