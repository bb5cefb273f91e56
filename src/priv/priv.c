/* SPDX-License-Identifier: ISC */
/*
 * The two ends of the privileged channel (see priv.h).
 *
 * A message is a header and a payload of at most PRIV_PART bytes; a longer
 * one (a set of 30,000 counters, a status in JSON) is sent in parts, each
 * but the last marked "more".  Descriptors ride on the first part.  A
 * request always gets one reply; its rc is the answer's (0, or -1 with the
 * error's text as the payload; the nftables reads keep nfnl.h's 1/0/-1).
 *
 * The parent checks every request against its own configuration before
 * it acts: it binds only addresses the configuration lists, reads and
 * deletes only in the guard's table (deleting only counting elements, which
 * let nothing through), lists the sessions of its own NAT64 instance only,
 * and plans the translator from the file, which it reads itself.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conf/conf.h"
#include "guard/guard.h"
#include "jool/jool.h"
#include "jool/translator.h"
#include "listen.h"
#include "log.h"
#include "priv.h"

#define PRIV_PART	60000		/* payload bytes per message */
#define PRIV_FDS	250		/* descriptors per message (SCM_MAX_FD
					   is 253) */

enum priv_req {
	PR_BIND = 1,		/* addr_sa, n -> n descriptors */
	PR_UNBIND,		/* addr_sa */
	PR_PREPARE,		/* recreate -> struct priv_plan */
	PR_COMMIT,		/* -> guarded */
	PR_DISCARD,
	PR_JOOL_STATUS,		/* -> JSON text */
	PR_JOOL_SESSIONS,	/* -> JSON text */
	PR_NFT_TABLE,		/* set name -> handle, comment */
	PR_NFT_DUMP,		/* set name -> elements */
	PR_NFT_DEL,		/* elements of counting sets */
	PR_SESSIONS,		/* l4 -> struct jool_session[] */
	PR_READY,
	PR_NREQ
};

struct priv_hdr {
	uint16_t	type;		/* enum priv_req, or the notice */
	uint16_t	more;		/* another part follows */
	int32_t		rc;
	uint32_t	len;		/* payload bytes after the header */
};

/* ---------------------------------------------------------------- wire */

/* Send a message (in parts), nfd descriptors with the first.  0 or -1. */
static int
priv_send(int fd, int type, int rc, const void *buf, size_t len,
    const int *fds, size_t nfd)
{
	union {
		struct cmsghdr	c;
		char		b[CMSG_SPACE(sizeof(int) * PRIV_FDS)];
	}		 cm;
	struct priv_hdr	 h;
	struct msghdr	 m;
	struct iovec	 iov[2];
	size_t		 off = 0, part;
	ssize_t		 n;

	if (nfd > PRIV_FDS) {
		errno = EMSGSIZE;
		return -1;
	}
	do {
		part = len - off > PRIV_PART ? PRIV_PART : len - off;
		memset(&h, 0, sizeof(h));
		h.type = (uint16_t)type;
		h.rc = rc;
		h.len = (uint32_t)part;
		h.more = off + part < len;
		iov[0].iov_base = &h;
		iov[0].iov_len = sizeof(h);
		/* (no arithmetic on a NULL buf: an empty payload) */
		iov[1].iov_base = part ? (char *)(uintptr_t)buf + off : NULL;
		iov[1].iov_len = part;
		memset(&m, 0, sizeof(m));
		m.msg_iov = iov;
		m.msg_iovlen = part ? 2 : 1;
		if (off == 0 && nfd > 0) {
			memset(&cm, 0, sizeof(cm));
			m.msg_control = cm.b;
			m.msg_controllen = CMSG_SPACE(sizeof(int) * nfd);
			cm.c.cmsg_level = SOL_SOCKET;
			cm.c.cmsg_type = SCM_RIGHTS;
			cm.c.cmsg_len = CMSG_LEN(sizeof(int) * nfd);
			memcpy(CMSG_DATA(&cm.c), fds, sizeof(int) * nfd);
		}
		while ((n = sendmsg(fd, &m, MSG_NOSIGNAL)) == -1 &&
		    errno == EINTR)
			;
		if (n == -1)
			return -1;
		off += part;
	} while (off < len);
	return 0;
}

/*
 * Receive a message: its parts joined into *buf (malloc'd, a NUL after
 * it), descriptors into fds (at most maxfd; more are closed).  0, or -1
 * (the peer closed: errno 0).
 */
static int
priv_recv(int fd, int *type, int *rc, char **buf, size_t *len, int *fds,
    size_t maxfd, size_t *nfd)
{
	union {
		struct cmsghdr	c;
		char		b[CMSG_SPACE(sizeof(int) * PRIV_FDS)];
	}		 cm;
	struct priv_hdr	 h;
	struct msghdr	 m;
	struct cmsghdr	*c;
	struct iovec	 iov[2];
	char		*b = NULL, *nb;
	size_t		 have = 0, i, k;
	ssize_t		 n;
	int		*rfd;

	if (nfd != NULL)
		*nfd = 0;
	for (;;) {
		if ((nb = realloc(b, have + PRIV_PART + 1)) == NULL)
			goto fail;
		b = nb;
		iov[0].iov_base = &h;
		iov[0].iov_len = sizeof(h);
		iov[1].iov_base = b + have;
		iov[1].iov_len = PRIV_PART;
		memset(&m, 0, sizeof(m));
		m.msg_iov = iov;
		m.msg_iovlen = 2;
		m.msg_control = cm.b;
		m.msg_controllen = sizeof(cm.b);
		while ((n = recvmsg(fd, &m, MSG_CMSG_CLOEXEC)) == -1 &&
		    errno == EINTR)
			;
		if (n <= 0) {
			if (n == 0)
				errno = 0;
			goto fail;
		}
		for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
			if (c->cmsg_level != SOL_SOCKET ||
			    c->cmsg_type != SCM_RIGHTS)
				continue;
			rfd = (int *)(void *)CMSG_DATA(c);
			k = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
			for (i = 0; i < k; i++)
				if (nfd != NULL && *nfd < maxfd)
					fds[(*nfd)++] = rfd[i];
				else
					close(rfd[i]);
		}
		if ((size_t)n < sizeof(h) || h.len != (size_t)n - sizeof(h)) {
			errno = EPROTO;
			goto fail;
		}
		have += h.len;
		if (!h.more)
			break;
	}
	b[have] = '\0';
	*type = h.type;
	*rc = h.rc;
	*buf = b;
	*len = have;
	return 0;
fail:
	free(b);
	if (nfd != NULL)
		while (*nfd > 0)
			close(fds[--*nfd]);
	return -1;
}

/* ---------------------------------------------------------------- parent */

/* The parent's copies of the listening sockets: a child that is started
   again gets them back, and their backlogs wait for it meanwhile. */
struct priv_lsock {
	union addr_sa		 addr;
	int			*fds;
	int			 n;
	struct priv_lsock	*next;
};

static struct {
	struct gw_conf		*gc;		/* the last file read */
	struct gw_conf		*next;		/* that of a pending plan */
	struct translator_plan	 tp;
	int			 planned;
	struct priv_lsock	*ls;
} pv;

/* An error reply, the text as the payload. */
static void
priv_fail(int fd, int type, const char *err)
{
	(void)priv_send(fd, type, -1, err, strlen(err), NULL, 0);
}

static void
priv_ok(int fd, int type, const void *buf, size_t len)
{
	(void)priv_send(fd, type, 0, buf, len, NULL, 0);
}

static void
priv_plan_drop(void)
{
	if (pv.planned)
		translator_discard(&pv.tp);
	pv.planned = 0;
	conf_free(pv.next);
	pv.next = NULL;
}

/* Whether a configuration (the current or the planned one) listens on a. */
static int
priv_listens(const union addr_sa *a)
{
	const struct gw_conf	*gcs[2] = { pv.gc, pv.next };
	size_t			 i, k;

	for (k = 0; k < 2; k++)
		for (i = 0; gcs[k] != NULL && i < gcs[k]->nlisteners; i++)
			if (addr_equal(&gcs[k]->listeners[i].addr, a))
				return 1;
	return 0;
}

static struct priv_lsock *
priv_lsock_find(const union addr_sa *a, struct priv_lsock ***pp)
{
	struct priv_lsock	**p;

	for (p = &pv.ls; *p != NULL; p = &(*p)->next)
		if (addr_equal(&(*p)->addr, a)) {
			if (pp != NULL)
				*pp = p;
			return *p;
		}
	return NULL;
}

static void
priv_lsock_free(struct priv_lsock *l)
{
	int	i;

	for (i = 0; i < l->n; i++)
		close(l->fds[i]);
	free(l->fds);
	free(l);
}

static void
pr_bind(int fd, const char *buf, size_t len)
{
	struct priv_lsock	*l;
	union addr_sa		 a;
	char			 err[256], text[ADDR_STRLEN];
	int			 n;

	if (len != sizeof(a) + sizeof(n)) {
		priv_fail(fd, PR_BIND, "bad request");
		return;
	}
	memcpy(&a, buf, sizeof(a));
	memcpy(&n, buf + sizeof(a), sizeof(n));
	if (n < 1 || n > PRIV_FDS) {
		priv_fail(fd, PR_BIND, "bad number of sockets");
		return;
	}
	if (!priv_listens(&a)) {
		snprintf(err, sizeof(err), "%s is not a listener of %s",
		    addr_fmt(&a, text, sizeof(text)), pv.gc->file);
		log_warnx("privileged: refused to bind %s", err);
		priv_fail(fd, PR_BIND, err);
		return;
	}
	if ((l = priv_lsock_find(&a, NULL)) != NULL && l->n != n) {
		/* (workers changed: only at a restart of both) */
		priv_fail(fd, PR_BIND, "another number of workers");
		return;
	}
	if (l == NULL) {
		if ((l = calloc(1, sizeof(*l))) == NULL ||
		    (l->fds = calloc((size_t)n, sizeof(int))) == NULL) {
			free(l);
			priv_fail(fd, PR_BIND, "out of memory");
			return;
		}
		if (listen_open(&a, n, l->fds, err, sizeof(err)) == -1) {
			free(l->fds);
			free(l);
			priv_fail(fd, PR_BIND, err);
			return;
		}
		l->addr = a;
		l->n = n;
		l->next = pv.ls;
		pv.ls = l;
	}
	(void)priv_send(fd, PR_BIND, 0, NULL, 0, l->fds, (size_t)n);
}

static void
pr_unbind(int fd, const char *buf, size_t len)
{
	struct priv_lsock	*l, **pp;
	union addr_sa		 a;

	if (len == sizeof(a)) {
		memcpy(&a, buf, sizeof(a));
		if ((l = priv_lsock_find(&a, &pp)) != NULL) {
			*pp = l->next;
			priv_lsock_free(l);
		}
	}
	priv_ok(fd, PR_UNBIND, NULL, 0);
}

static void
pr_prepare(int fd, const char *buf, size_t len, const char *conffile)
{
	struct conf_report	 rep;
	struct priv_plan	 pl;
	char			 err[1024];
	int			 recreate;

	if (len != sizeof(recreate)) {
		priv_fail(fd, PR_PREPARE, "bad request");
		return;
	}
	memcpy(&recreate, buf, sizeof(recreate));
	priv_plan_drop();
	/* its own reading: the child's is not to be trusted with this */
	if ((pv.next = conf_load(conffile, &rep)) == NULL) {
		snprintf(err, sizeof(err), "%s: %zu error%s (%s)", conffile,
		    rep.nerrors, rep.nerrors == 1 ? "" : "s", rep.nerrors ?
		    rep.errors[0] : "?");
		conf_report_free(&rep);
		priv_fail(fd, PR_PREPARE, err);
		return;
	}
	conf_report_free(&rep);
	if (translator_prepare(pv.next, recreate, &pv.tp, err,
	    sizeof(err)) == -1) {
		priv_plan_drop();
		priv_fail(fd, PR_PREPARE, err);
		return;
	}
	pv.planned = 1;
	memset(&pl, 0, sizeof(pl));
	pl.needed = pv.tp.needed;
	pl.remove = pv.tp.guard.remove;
	pl.remake = pv.tp.guard.remake;
	pl.ngone = pv.tp.guard.ngone;
	priv_ok(fd, PR_PREPARE, &pl, sizeof(pl));
}

static void
pr_commit(int fd)
{
	char	err[1024];
	int	rc, guarded;

	if (!pv.planned) {
		priv_fail(fd, PR_COMMIT, "no plan");
		return;
	}
	rc = translator_commit(pv.next, &pv.tp, err, sizeof(err));
	guarded = pv.tp.guarded;
	translator_discard(&pv.tp);
	pv.planned = 0;
	/* the file read for the plan is the running one now */
	conf_free(pv.gc);
	pv.gc = pv.next;
	pv.next = NULL;
	if (rc == -1) {
		priv_fail(fd, PR_COMMIT, err);
		return;
	}
	priv_ok(fd, PR_COMMIT, &guarded, sizeof(guarded));
}

static void
pr_json(int fd, int type)
{
	json_object	*o;
	const char	*s;

	o = type == PR_JOOL_STATUS ? translator_status(pv.gc) :
	    translator_sessions(pv.gc);
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	priv_ok(fd, type, s, strlen(s));
	json_object_put(o);
}

/* The guard's table, and for a set name (NUL-terminated) one of its own. */
static int
priv_nft_set_ok(const char *set, int counting)
{
	int	k;

	if (strcmp(set, GUARD_SEEN6) == 0 || strcmp(set, GUARD_SEEN4) == 0)
		return !counting;
	for (k = 0; k < GUARD_NSETS; k++)
		if (guard_sets[k].count != NULL &&
		    strcmp(guard_sets[k].count, set) == 0)
			return 1;
	return 0;
}

struct priv_dumpctx {
	char	*buf;
	size_t	 len, cap;
	int	 failed;
};

/* One element of a dump: len, counted, packets, bytes, key. */
static void
priv_dump_one(void *arg, const uint8_t *key, size_t len, int counted,
    uint64_t packets, uint64_t bytes)
{
	struct priv_dumpctx	*d = arg;
	size_t			 need = 2 + 1 + 16 + len;
	uint16_t		 l = (uint16_t)len;
	uint8_t			 c = (uint8_t)counted;
	char			*nb;

	if (d->failed || len > NFNL_KEY_MAX)
		return;
	if (d->len + need > d->cap) {
		size_t ncap = d->cap ? d->cap * 2 : 65536;

		if ((nb = realloc(d->buf, ncap)) == NULL) {
			d->failed = 1;
			return;
		}
		d->buf = nb;
		d->cap = ncap;
	}
	memcpy(d->buf + d->len, &l, 2);
	d->buf[d->len + 2] = (char)c;
	memcpy(d->buf + d->len + 3, &packets, 8);
	memcpy(d->buf + d->len + 11, &bytes, 8);
	memcpy(d->buf + d->len + 19, key, len);
	d->len += need;
}

static void
pr_nft(int fd, int type, const char *buf, size_t len)
{
	struct priv_dumpctx	 d;
	struct {
		uint64_t	handle;
		char		comment[128];
	}			 t;
	char			 err[512];
	int			 rc;

	/* a set name, or nothing for the table */
	if (strlen(buf) != len || (type == PR_NFT_DUMP &&
	    !priv_nft_set_ok(buf, 0))) {
		priv_fail(fd, type, "not one of the guard's sets");
		return;
	}
	if (type == PR_NFT_TABLE) {
		memset(&t, 0, sizeof(t));
		rc = nfnl_table(GUARD_TABLE, &t.handle, t.comment,
		    sizeof(t.comment), err, sizeof(err));
		if (rc == -1)
			priv_fail(fd, type, err);
		else
			(void)priv_send(fd, type, rc, &t, sizeof(t), NULL, 0);
		return;
	}
	memset(&d, 0, sizeof(d));
	if (nfnl_dump(GUARD_TABLE, buf, priv_dump_one, &d, err,
	    sizeof(err)) == -1)
		priv_fail(fd, type, err);
	else if (d.failed)
		priv_fail(fd, type, "out of memory");
	else
		priv_ok(fd, type, d.buf, d.len);
	free(d.buf);
}

/* Deletions: records of set name (NUL-terminated), key length, key. */
static void
pr_nft_del(int fd, const char *buf, size_t len)
{
	struct nfnl_ref	*v = NULL, *nv;
	size_t		 off = 0, n = 0, sl;
	char		 err[512];
	uint16_t	 kl;

	while (off < len) {
		sl = strnlen(buf + off, len - off);
		if (off + sl + 1 + 2 > len)
			goto bad;
		memcpy(&kl, buf + off + sl + 1, 2);
		if (kl == 0 || kl > NFNL_KEY_MAX || off + sl + 3 + kl > len ||
		    !priv_nft_set_ok(buf + off, 1))
			goto bad;
		if ((nv = reallocarray(v, n + 1, sizeof(*v))) == NULL) {
			free(v);
			priv_fail(fd, PR_NFT_DEL, "out of memory");
			return;
		}
		v = nv;
		v[n].set = buf + off;
		v[n].key = buf + off + sl + 3;
		v[n].len = kl;
		n++;
		off += sl + 3 + kl;
	}
	if (nfnl_local.del(GUARD_TABLE, v, n, err, sizeof(err)) == -1)
		priv_fail(fd, PR_NFT_DEL, err);
	else
		priv_ok(fd, PR_NFT_DEL, NULL, 0);
	free(v);
	return;
bad:
	free(v);
	priv_fail(fd, PR_NFT_DEL, "only counting elements of the guard");
}

static void
pr_sessions(int fd, const char *buf, size_t len)
{
	struct jool_session	*s = NULL;
	struct jnl		 j;
	char			 err[512];
	size_t			 n = 0;
	uint8_t			 l4;

	if (len != 1 || pv.gc == NULL || !pv.gc->nat64.on) {
		priv_fail(fd, PR_SESSIONS, "no NAT64 instance");
		return;
	}
	l4 = (uint8_t)buf[0];
	if (jnl_open(&j, err, sizeof(err)) == -1) {
		priv_fail(fd, PR_SESSIONS, err);
		return;
	}
	if (jool_session_list(&j, pv.gc->nat64.instance, l4, &s, &n, err,
	    sizeof(err)) == -1)
		priv_fail(fd, PR_SESSIONS, err);
	else
		priv_ok(fd, PR_SESSIONS, s, n * sizeof(*s));
	jnl_close(&j);
	free(s);
}

int
priv_serve(int fd, const char *conffile)
{
	char	*buf;
	size_t	 len;
	int	 type, rc;

	if (pv.gc == NULL) {
		struct conf_report	rep;

		/* the file as it is now: what the child will ask about */
		pv.gc = conf_load(conffile, &rep);
		conf_report_free(&rep);
		if (pv.gc == NULL)
			return -1;
	}
	if (priv_recv(fd, &type, &rc, &buf, &len, NULL, 0, NULL) == -1) {
		priv_plan_drop();	/* a plan of a child that died */
		return -1;
	}
	switch (type) {
	case PR_BIND:
		pr_bind(fd, buf, len);
		break;
	case PR_UNBIND:
		pr_unbind(fd, buf, len);
		break;
	case PR_PREPARE:
		pr_prepare(fd, buf, len, conffile);
		break;
	case PR_COMMIT:
		pr_commit(fd);
		break;
	case PR_DISCARD:
		priv_plan_drop();
		priv_ok(fd, PR_DISCARD, NULL, 0);
		break;
	case PR_JOOL_STATUS:
	case PR_JOOL_SESSIONS:
		pr_json(fd, type);
		break;
	case PR_NFT_TABLE:
	case PR_NFT_DUMP:
		pr_nft(fd, type, buf, len);
		break;
	case PR_NFT_DEL:
		pr_nft_del(fd, buf, len);
		break;
	case PR_SESSIONS:
		pr_sessions(fd, buf, len);
		break;
	case PR_READY:
		priv_ok(fd, PR_READY, NULL, 0);
		free(buf);
		return 1;
	default:
		log_warnx("privileged: unknown request %d", type);
		priv_fail(fd, type, "unknown request");
		break;
	}
	free(buf);
	return 0;
}

void
priv_serve_end(void)
{
	struct priv_lsock	*l;

	priv_plan_drop();
	conf_free(pv.gc);
	pv.gc = NULL;
	while ((l = pv.ls) != NULL) {
		pv.ls = l->next;
		priv_lsock_free(l);
	}
}

void
priv_notice(int fd, enum priv_notice n)
{
	(void)priv_send(fd, (int)n, 0, NULL, 0, NULL, 0);
}

/* ---------------------------------------------------------------- child */

static int	priv_fd = -1;

int
priv_notice_read(int fd)
{
	char	*buf;
	size_t	 len;
	int	 type, rc;

	if (priv_recv(fd, &type, &rc, &buf, &len, NULL, 0, NULL) == -1)
		return -1;
	free(buf);
	return type;
}

void
priv_client(int fd)
{
	priv_fd = fd;
}

/*
 * A request and its reply: 0 or the reply's rc, with *out (malloc'd,
 * NUL-terminated, may be NULL) its payload; -1 with err when the reply
 * says so or the parent is gone.
 */
static int
priv_call(int type, const void *req, size_t reqlen, char **out,
    size_t *outlen, int *fds, size_t maxfd, size_t *nfd, char *err,
    size_t errlen)
{
	char	*buf;
	size_t	 len;
	int	 rtype, rc;

	if (out != NULL)
		*out = NULL;
	if (priv_send(priv_fd, type, 0, req, reqlen, NULL, 0) == -1 ||
	    priv_recv(priv_fd, &rtype, &rc, &buf, &len, fds, maxfd, nfd) ==
	    -1) {
		snprintf(err, errlen, "the privileged process: %s", errno ?
		    strerror(errno) : "gone");
		return -1;
	}
	if (rtype != type) {
		free(buf);
		snprintf(err, errlen, "the privileged process answered "
		    "another request");
		return -1;
	}
	if (rc == -1) {
		snprintf(err, errlen, "%s", buf);
		free(buf);
		return -1;
	}
	if (out != NULL) {
		*out = buf;
		*outlen = len;
	} else
		free(buf);
	return rc;
}

/* A request whose answer is a struct of outlen bytes (or nothing): copied
   into out.  The reply's rc, or -1 with err. */
static int
priv_call_into(int type, const void *req, size_t reqlen, void *out,
    size_t outlen, char *err, size_t errlen)
{
	char	*buf;
	size_t	 len;
	int	 rc;

	if ((rc = priv_call(type, req, reqlen, &buf, &len, NULL, 0, NULL,
	    err, errlen)) == -1)
		return -1;
	if (len == outlen)
		memcpy(out, buf, outlen);
	free(buf);
	return rc;
}

int
priv_bind(const union addr_sa *a, int n, int *fds, char *err, size_t errlen)
{
	char	req[sizeof(*a) + sizeof(n)];
	size_t	got;

	memcpy(req, a, sizeof(*a));
	memcpy(req + sizeof(*a), &n, sizeof(n));
	if (priv_call(PR_BIND, req, sizeof(req), NULL, NULL, fds, (size_t)n,
	    &got, err, errlen) == -1)
		return -1;
	if (got != (size_t)n) {
		while (got > 0)
			close(fds[--got]);
		snprintf(err, errlen, "the privileged process sent no "
		    "sockets");
		return -1;
	}
	return 0;
}

void
priv_unbind(const union addr_sa *a)
{
	char	err[256];

	if (priv_call(PR_UNBIND, a, sizeof(*a), NULL, NULL, NULL, 0, NULL,
	    err, sizeof(err)) == -1)
		log_warnx("%s", err);
}

int
priv_prepare(int recreate, struct priv_plan *pl, char *err, size_t errlen)
{
	memset(pl, 0, sizeof(*pl));
	return priv_call_into(PR_PREPARE, &recreate, sizeof(recreate), pl,
	    sizeof(*pl), err, errlen) == -1 ? -1 : 0;
}

int
priv_commit(int *guarded, char *err, size_t errlen)
{
	*guarded = 0;
	return priv_call_into(PR_COMMIT, NULL, 0, guarded, sizeof(*guarded),
	    err, errlen) == -1 ? -1 : 0;
}

void
priv_discard(void)
{
	char	err[256];

	(void)priv_call(PR_DISCARD, NULL, 0, NULL, NULL, NULL, 0, NULL, err,
	    sizeof(err));
}

static json_object *
priv_json(int type)
{
	json_object	*o = NULL;
	char		*buf, err[512];
	size_t		 len;

	if (priv_call(type, NULL, 0, &buf, &len, NULL, 0, NULL, err,
	    sizeof(err)) == 0) {
		o = json_tokener_parse(buf);
		free(buf);
	}
	if (o == NULL) {
		o = json_object_new_object();
		json_object_object_add(o, "error",
		    json_object_new_string(err));
	}
	return o;
}

json_object *
priv_jool_status(void)
{
	return priv_json(PR_JOOL_STATUS);
}

json_object *
priv_jool_sessions(void)
{
	return priv_json(PR_JOOL_SESSIONS);
}

static int
priv_nft_table(const char *table, uint64_t *handle, char *comment,
    size_t clen, char *err, size_t errlen)
{
	struct {
		uint64_t	handle;
		char		comment[128];
	}	 t;
	int	 rc;

	if (strcmp(table, GUARD_TABLE) != 0) {
		snprintf(err, errlen, "only the guard's table");
		return -1;
	}
	memset(&t, 0, sizeof(t));
	if ((rc = priv_call_into(PR_NFT_TABLE, NULL, 0, &t, sizeof(t), err,
	    errlen)) == -1)
		return -1;
	*handle = t.handle;
	if (comment != NULL && clen > 0)
		snprintf(comment, clen, "%s", t.comment);
	return rc;
}

static int
priv_nft_dump(const char *table, const char *set, nfnl_elem_fn *fn,
    void *arg, char *err, size_t errlen)
{
	uint64_t	 packets, bytes;
	uint16_t	 l;
	char		*buf;
	size_t		 len, off;

	if (strcmp(table, GUARD_TABLE) != 0) {
		snprintf(err, errlen, "only the guard's table");
		return -1;
	}
	if (priv_call(PR_NFT_DUMP, set, strlen(set), &buf, &len, NULL, 0,
	    NULL, err, errlen) == -1)
		return -1;
	for (off = 0; off + 19 <= len; off += 19 + l) {
		memcpy(&l, buf + off, 2);
		if (off + 19 + l > len)
			break;
		memcpy(&packets, buf + off + 3, 8);
		memcpy(&bytes, buf + off + 11, 8);
		fn(arg, (const uint8_t *)buf + off + 19, l, buf[off + 2],
		    packets, bytes);
	}
	free(buf);
	return 0;
}

static int
priv_nft_del(const char *table, const struct nfnl_ref *v, size_t n,
    char *err, size_t errlen)
{
	char	*req, *p;
	size_t	 len = 0, i, sl;
	uint16_t kl;
	int	 rc;

	if (strcmp(table, GUARD_TABLE) != 0) {
		snprintf(err, errlen, "only the guard's table");
		return -1;
	}
	for (i = 0; i < n; i++)
		len += strlen(v[i].set) + 3 + v[i].len;
	if ((p = req = malloc(len ? len : 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		sl = strlen(v[i].set) + 1;
		memcpy(p, v[i].set, sl);
		kl = (uint16_t)v[i].len;
		memcpy(p + sl, &kl, 2);
		memcpy(p + sl + 2, v[i].key, v[i].len);
		p += sl + 2 + v[i].len;
	}
	rc = priv_call(PR_NFT_DEL, req, len, NULL, NULL, NULL, 0, NULL, err,
	    errlen);
	free(req);
	return rc;
}

const struct nfnl_io priv_nfnl = {
	priv_nft_table, priv_nft_dump, priv_nft_del
};

int
priv_sessions(const char *instance, uint8_t l4, struct jool_session **s,
    size_t *n, char *err, size_t errlen)
{
	char	*buf;
	size_t	 len;

	(void)instance;		/* the parent's own, by its configuration */
	*s = NULL;
	*n = 0;
	if (priv_call(PR_SESSIONS, &l4, 1, &buf, &len, NULL, 0, NULL, err,
	    errlen) == -1)
		return -1;
	if (len % sizeof(**s) != 0) {
		free(buf);
		snprintf(err, errlen, "the privileged process sent a bad "
		    "session list");
		return -1;
	}
	*s = (struct jool_session *)(void *)buf;
	*n = len / sizeof(**s);
	return 0;
}

void
priv_ready(void)
{
	char	err[256];

	if (priv_call(PR_READY, NULL, 0, NULL, NULL, NULL, 0, NULL, err,
	    sizeof(err)) == -1)
		log_warnx("%s", err);
}
