/* SPDX-License-Identifier: ISC */
/*
 * See nfnl.h.  One netlink socket per call, as libnftables does: the
 * daemon holds none between applies, and a descriptor shortage under load
 * makes one call fail softly, never the process end.
 *
 * A batch is the nfnetlink transaction framing (BATCH_BEGIN ... END) around
 * NEWSETELEM / DELSETELEM messages of at most NFNL_PER_MSG elements.  The
 * kernel processes a sendmsg() synchronously, in the sender's context: when
 * it returns, every error is already queued on the socket, so the replies
 * are drained without waiting.  Errors come back with only the header of
 * the message they concern (NETLINK_CAP_ACK), its sequence number naming
 * the set.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/object.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <libnftnl/udata.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netlink.h>

#include "nfnl.h"

/*
 * Heads up: libnftnl drops a message larger than a batch page instead of
 * failing (mnl_nlmsg_batch_next() refuses it); the overrun must hold the
 * largest message, NFNL_PER_MSG elements of NFNL_KEY_MAX bytes (about
 * 39 KiB).
 */
#define NFNL_PER_MSG	512
#define NFNL_PAGE	(256 * 1024)
#define NFNL_OVERRUN	(64 * 1024)
#define NFNL_NAME_MAX	64
#define NFNL_RCVBUF	(1024 * 1024)
#define NFNL_DUMPBUF	(64 * 1024)	/* more than a dump page (32 KiB) */

/* What a message of the batch does, to name it in an error. */
struct nfnl_msg {
	uint32_t	seq;
	char		set[NFNL_NAME_MAX];
};

struct nfnl_batch {
	struct nftnl_batch	*nb;
	char			 table[NFNL_NAME_MAX];
	uint32_t		 seq;
	struct nftnl_set	*cur;		/* elements not in a message yet */
	int			 cur_add;
	size_t			 cur_n;
	struct nfnl_msg	*msgs;
	size_t			 nmsgs, capmsgs;
	int			 broken;	/* out of memory */
};

static struct mnl_socket *
nfnl_open(char *err, size_t errlen)
{
	struct mnl_socket	*nl;
	int			 on = 1;

	if ((nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC)) ==
	    NULL) {
		snprintf(err, errlen, "nftables: no netlink socket: %s",
		    strerror(errno));
		return NULL;
	}
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) == -1) {
		snprintf(err, errlen, "nftables: netlink bind: %s",
		    strerror(errno));
		mnl_socket_close(nl);
		return NULL;
	}
	/* errors carry the failed message's header only, and the kernel's
	   explanation when it has one (both are hints: older kernels
	   ignore them) */
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &on, sizeof(on));
	mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &on, sizeof(on));
	return nl;
}

static struct nftnl_set *
nfnl_set_new(const char *table, const char *set)
{
	struct nftnl_set	*s;

	if ((s = nftnl_set_alloc()) == NULL)
		return NULL;
	if (nftnl_set_set_str(s, NFTNL_SET_TABLE, table) == -1 ||
	    nftnl_set_set_str(s, NFTNL_SET_NAME, set) == -1) {
		nftnl_set_free(s);
		return NULL;
	}
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	return s;
}

struct nfnl_batch *
nfnl_batch_new(const char *table)
{
	struct nfnl_batch	*b;

	if (strlen(table) >= NFNL_NAME_MAX ||
	    (b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	snprintf(b->table, sizeof(b->table), "%s", table);
	b->seq = (uint32_t)time(NULL);
	if ((b->nb = nftnl_batch_alloc(NFNL_PAGE, NFNL_OVERRUN)) == NULL) {
		free(b);
		return NULL;
	}
	nftnl_batch_begin(nftnl_batch_buffer(b->nb), b->seq++);
	if (nftnl_batch_update(b->nb) == -1) {
		nfnl_batch_free(b);
		return NULL;
	}
	return b;
}

void
nfnl_batch_free(struct nfnl_batch *b)
{
	if (b == NULL)
		return;
	if (b->cur != NULL)
		nftnl_set_free(b->cur);
	if (b->nb != NULL)
		nftnl_batch_free(b->nb);
	free(b->msgs);
	free(b);
}

/* Append one message for s's elements. */
static int
nfnl_batch_msg(struct nfnl_batch *b, struct nftnl_set *s, int add)
{
	struct nlmsghdr		*nlh;
	struct nfnl_msg	*m;
	const char		*name;

	if (b->nmsgs == b->capmsgs) {
		size_t	ncap = b->capmsgs ? b->capmsgs * 2 : 16;

		if ((m = reallocarray(b->msgs, ncap, sizeof(*m))) == NULL)
			return -1;
		b->msgs = m;
		b->capmsgs = ncap;
	}
	m = &b->msgs[b->nmsgs++];
	m->seq = b->seq++;
	name = nftnl_set_get_str(s, NFTNL_SET_NAME);
	snprintf(m->set, sizeof(m->set), "%s", name ? name : "?");
	nlh = nftnl_nlmsg_build_hdr(nftnl_batch_buffer(b->nb), add ?
	    NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM, NFPROTO_INET, add ?
	    NLM_F_CREATE : 0, m->seq);
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	return nftnl_batch_update(b->nb);
}

/* Put the pending elements into a message. */
static int
nfnl_batch_close(struct nfnl_batch *b)
{
	int	rc;

	if (b->cur == NULL)
		return 0;
	rc = nfnl_batch_msg(b, b->cur, b->cur_add);
	nftnl_set_free(b->cur);
	b->cur = NULL;
	b->cur_n = 0;
	return rc;
}

int
nfnl_batch_elem(struct nfnl_batch *b, int add, const char *set,
    const void *key, size_t len)
{
	struct nftnl_set_elem	*e;
	const char		*cur;

	if (b->broken)
		return -1;
	if (len == 0 || len > NFNL_KEY_MAX || strlen(set) >= NFNL_NAME_MAX)
		goto fail;
	cur = b->cur ? nftnl_set_get_str(b->cur, NFTNL_SET_NAME) : NULL;
	if (b->cur != NULL && (b->cur_add != add || b->cur_n ==
	    NFNL_PER_MSG || cur == NULL || strcmp(cur, set) != 0) &&
	    nfnl_batch_close(b) == -1)
		goto fail;
	if (b->cur == NULL) {
		if ((b->cur = nfnl_set_new(b->table, set)) == NULL)
			goto fail;
		b->cur_add = add;
	}
	if ((e = nftnl_set_elem_alloc()) == NULL)
		goto fail;
	if (nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, (uint32_t)len) ==
	    -1) {
		nftnl_set_elem_free(e);
		goto fail;
	}
	nftnl_set_elem_add(b->cur, e);
	b->cur_n++;
	return 0;
fail:
	b->broken = 1;
	return -1;
}

/* The kernel's explanation in an error, if it gave one (extended ack). */
static const char *
nfnl_extack(const struct nlmsghdr *nlh)
{
	const struct nlattr	*a;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	mnl_attr_for_each(a, nlh, sizeof(struct nlmsgerr))
		if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
		    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
			return mnl_attr_get_str(a);
	return NULL;
}

/* Read what the kernel queued after a batch: 0, or -1 with err. */
static int
nfnl_batch_replies(struct nfnl_batch *b, struct mnl_socket *nl, char *err,
    size_t errlen)
{
	char			 buf[8192];
	const struct nlmsghdr	*nlh;
	const struct nlmsgerr	*e;
	const char		*why, *set;
	ssize_t			 n;
	size_t			 i;
	int			 left, failed = 0;

	while ((n = recv(mnl_socket_get_fd(nl), buf, sizeof(buf),
	    MSG_DONTWAIT)) > 0) {
		left = (int)n;
		for (nlh = (struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, left);
		    nlh = mnl_nlmsg_next(nlh, &left)) {
			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			e = mnl_nlmsg_get_payload(nlh);
			if (e->error == 0 || failed++)
				continue;
			set = "?";
			for (i = 0; i < b->nmsgs; i++)
				if (b->msgs[i].seq == e->msg.nlmsg_seq)
					set = b->msgs[i].set;
			why = nfnl_extack(nlh);
			snprintf(err, errlen, "nftables: table inet %s, set %s: "
			    "%s%s%s", b->table, set, strerror(-e->error),
			    why ? ": " : "", why ? why : "");
		}
	}
	if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK) {
		/* ENOBUFS: more errors than the buffer holds; one is enough */
		if (!failed)
			snprintf(err, errlen, "nftables: table inet %s: %s",
			    b->table, strerror(errno));
		failed = 1;
	}
	return failed ? -1 : 0;
}

int
nfnl_batch_commit(struct nfnl_batch *b, char *err, size_t errlen)
{
	struct mnl_socket	*nl = NULL;
	struct sockaddr_nl	 sa = { .nl_family = AF_NETLINK };
	struct msghdr		 msg;
	struct iovec		*iov = NULL;
	size_t			 len = 0;
	int			 i, niov, sz, rc = -1;

	if (b->broken || nfnl_batch_close(b) == -1) {
		snprintf(err, errlen, "nftables: out of memory");
		goto done;
	}
	if (b->nmsgs == 0) {
		rc = 0;
		goto done;
	}
	nftnl_batch_end(nftnl_batch_buffer(b->nb), b->seq++);
	if (nftnl_batch_update(b->nb) == -1 ||
	    (niov = nftnl_batch_iovec_len(b->nb)) <= 0 ||
	    (iov = calloc((size_t)niov, sizeof(*iov))) == NULL) {
		snprintf(err, errlen, "nftables: out of memory");
		goto done;
	}
	nftnl_batch_iovec(b->nb, iov, (uint32_t)niov);
	for (i = 0; i < niov; i++)
		len += iov[i].iov_len;
	if ((nl = nfnl_open(err, errlen)) == NULL)
		goto done;
	/* the whole transaction is one datagram: room for it (FORCE
	   needs CAP_NET_ADMIN, which changing nftables needs anyway) */
	sz = (int)len + 4096;
	if (setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUFFORCE, &sz,
	    sizeof(sz)) == -1)
		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUF, &sz,
		    sizeof(sz));
	sz = NFNL_RCVBUF;
	setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &sz,
	    sizeof(sz));
	memset(&msg, 0, sizeof(msg));
	msg.msg_name = &sa;
	msg.msg_namelen = sizeof(sa);
	msg.msg_iov = iov;
	msg.msg_iovlen = (size_t)niov;
	if (sendmsg(mnl_socket_get_fd(nl), &msg, 0) == -1) {
		snprintf(err, errlen, "nftables: table inet %s: sending %zu "
		    "bytes: %s", b->table, len, strerror(errno));
		goto done;
	}
	rc = nfnl_batch_replies(b, nl, err, errlen);
done:
	if (nl != NULL)
		mnl_socket_close(nl);
	free(iov);
	nfnl_batch_free(b);
	return rc;
}

/* ---------------------------------------------------------------- reads */

/*
 * Send a request and run cb over every reply message, until the dump or
 * the acknowledgement ends it.  0, or -1 with errno.
 */
static int
nfnl_talk(struct mnl_socket *nl, struct nlmsghdr *nlh, mnl_cb_t cb,
    void *arg)
{
	char		*buf;
	uint32_t	 seq = nlh->nlmsg_seq, portid;
	ssize_t		 n;
	int		 rc = -1, saved;

	portid = mnl_socket_get_portid(nl);
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) == -1)
		return -1;
	if ((buf = malloc(NFNL_DUMPBUF)) == NULL)
		return -1;
	while ((n = mnl_socket_recvfrom(nl, buf, NFNL_DUMPBUF)) > 0)
		if ((rc = mnl_cb_run(buf, (size_t)n, seq, portid, cb, arg)) <=
		    MNL_CB_STOP)
			break;
	saved = errno;
	free(buf);
	errno = saved;
	return n > 0 && rc >= MNL_CB_STOP ? 0 : -1;
}

/*
 * One request on a socket of its own: 1 when it was answered (cb saw the
 * replies), 0 when what it asks for is not there (ENOENT), -1 with err
 * ("nftables: WHAT: reason").
 */
static int
nfnl_ask(struct nlmsghdr *, mnl_cb_t, void *, char *, size_t, const char *,
    ...) __attribute__((format(printf, 6, 7)));

static int
nfnl_ask(struct nlmsghdr *nlh, mnl_cb_t cb, void *arg, char *err,
    size_t errlen, const char *fmt, ...)
{
	struct mnl_socket	*nl;
	char			 what[160];
	va_list			 ap;
	int			 rc, saved;

	if ((nl = nfnl_open(err, errlen)) == NULL)
		return -1;
	rc = nfnl_talk(nl, nlh, cb, arg) == 0 ? 1 : errno == ENOENT ? 0 : -1;
	saved = errno;
	mnl_socket_close(nl);
	if (rc == -1) {
		va_start(ap, fmt);
		vsnprintf(what, sizeof(what), fmt, ap);
		va_end(ap);
		snprintf(err, errlen, "nftables: %s: %s", what,
		    strerror(saved));
	}
	return rc;
}

struct nfnl_tinfo {
	uint64_t	 handle;
	char		*comment;
	size_t		 clen;
};

static int
nfnl_udata_cb(const struct nftnl_udata *attr, void *arg)
{
	struct nfnl_tinfo	*ti = arg;
	const char		*v = nftnl_udata_get(attr);
	size_t			 len = nftnl_udata_len(attr);

	if (nftnl_udata_type(attr) != NFTNL_UDATA_TABLE_COMMENT ||
	    ti->clen == 0)
		return 0;
	/* the comment is stored with its NUL, but trust nothing */
	if (len > 0 && v[len - 1] == '\0')
		len--;
	if (len >= ti->clen)
		len = ti->clen - 1;
	memcpy(ti->comment, v, len);
	ti->comment[len] = '\0';
	return 0;
}

static int
nfnl_table_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nfnl_tinfo	*ti = arg;
	struct nftnl_table	*t;
	const void		*ud;
	uint32_t		 udlen;

	if ((t = nftnl_table_alloc()) == NULL)
		return MNL_CB_ERROR;
	if (nftnl_table_nlmsg_parse(nlh, t) == -1) {
		nftnl_table_free(t);
		return MNL_CB_ERROR;
	}
	ti->handle = nftnl_table_get_u64(t, NFTNL_TABLE_HANDLE);
	if ((ud = nftnl_table_get_data(t, NFTNL_TABLE_USERDATA, &udlen)) !=
	    NULL)
		nftnl_udata_parse(ud, udlen, nfnl_udata_cb, ti);
	nftnl_table_free(t);
	return MNL_CB_OK;
}

int
nfnl_table(const char *table, uint64_t *handle, char *comment, size_t clen,
    char *err, size_t errlen)
{
	char			 buf[512];
	struct nftnl_table	*t;
	struct nlmsghdr		*nlh;
	struct nfnl_tinfo	 ti = { 0, comment, clen };
	int			 rc;

	if (clen > 0)
		comment[0] = '\0';
	if ((t = nftnl_table_alloc()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	nftnl_table_set_str(t, NFTNL_TABLE_NAME, table);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETTABLE, NFPROTO_INET,
	    NLM_F_ACK, (uint32_t)time(NULL));
	nftnl_table_nlmsg_build_payload(nlh, t);
	nftnl_table_free(t);
	if ((rc = nfnl_ask(nlh, nfnl_table_cb, &ti, err, errlen,
	    "table inet %s", table)) == 1)
		*handle = ti.handle;
	return rc;
}

struct nfnl_dumpctx {
	nfnl_elem_fn	*fn;
	void		*arg;
};

static int
nfnl_elem_counter_cb(struct nftnl_expr *e, void *arg)
{
	uint64_t	*c = arg;
	const char	*name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);

	if (name != NULL && strcmp(name, "counter") == 0) {
		c[0] = 1;
		c[1] = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
		c[2] = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
	}
	return 0;
}

static int
nfnl_elems_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nfnl_dumpctx		*d = arg;
	struct nftnl_set		*s;
	struct nftnl_set_elems_iter	*it;
	struct nftnl_set_elem		*e;
	const void			*key;
	uint32_t			 len;
	uint64_t			 c[3];

	if ((s = nftnl_set_alloc()) == NULL)
		return MNL_CB_ERROR;
	if (nftnl_set_elems_nlmsg_parse(nlh, s) == -1 ||
	    (it = nftnl_set_elems_iter_create(s)) == NULL) {
		nftnl_set_free(s);
		return MNL_CB_ERROR;
	}
	while ((e = nftnl_set_elems_iter_next(it)) != NULL) {
		if ((key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &len)) ==
		    NULL || len == 0 || len > NFNL_KEY_MAX)
			continue;
		c[0] = c[1] = c[2] = 0;
		nftnl_set_elem_expr_foreach(e, nfnl_elem_counter_cb, c);
		d->fn(d->arg, key, len, (int)c[0], c[1], c[2]);
	}
	nftnl_set_elems_iter_destroy(it);
	nftnl_set_free(s);
	return MNL_CB_OK;
}

int
nfnl_dump(const char *table, const char *set, nfnl_elem_fn *fn, void *arg,
    char *err, size_t errlen)
{
	char			 buf[512];
	struct nftnl_set	*s;
	struct nlmsghdr		*nlh;
	struct nfnl_dumpctx	 d = { fn, arg };

	if ((s = nfnl_set_new(table, set)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETSETELEM, NFPROTO_INET,
	    NLM_F_DUMP, (uint32_t)time(NULL));
	nftnl_set_elems_nlmsg_build_payload(nlh, s);
	nftnl_set_free(s);
	switch (nfnl_ask(nlh, nfnl_elems_cb, &d, err, errlen,
	    "table inet %s, set %s", table, set)) {
	case 1:
		return 0;
	case 0:
		snprintf(err, errlen, "nftables: table inet %s, set %s: %s",
		    table, set, strerror(ENOENT));
		break;
	}
	return -1;
}

static int
nfnl_obj_counter_cb(const struct nlmsghdr *nlh, void *arg)
{
	uint64_t		*v = arg;
	struct nftnl_obj	*o;

	if ((o = nftnl_obj_alloc()) == NULL)
		return MNL_CB_ERROR;
	if (nftnl_obj_nlmsg_parse(nlh, o) == 0) {
		v[0] = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_PKTS);
		v[1] = nftnl_obj_get_u64(o, NFTNL_OBJ_CTR_BYTES);
	}
	nftnl_obj_free(o);
	return MNL_CB_OK;
}

int
nfnl_counter(const char *table, const char *name, uint64_t *packets,
    uint64_t *bytes, char *err, size_t errlen)
{
	char			 buf[512];
	struct nftnl_obj	*o;
	struct nlmsghdr		*nlh;
	uint64_t		 v[2] = { 0, 0 };
	int			 rc;

	if ((o = nftnl_obj_alloc()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	nftnl_obj_set_str(o, NFTNL_OBJ_TABLE, table);
	nftnl_obj_set_str(o, NFTNL_OBJ_NAME, name);
	nftnl_obj_set_u32(o, NFTNL_OBJ_TYPE, NFT_OBJECT_COUNTER);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETOBJ, NFPROTO_INET,
	    NLM_F_ACK, (uint32_t)time(NULL));
	nftnl_obj_nlmsg_build_payload(nlh, o);
	nftnl_obj_free(o);
	rc = nfnl_ask(nlh, nfnl_obj_counter_cb, v, err, errlen,
	    "table inet %s, counter %s", table, name);
	*packets = v[0];
	*bytes = v[1];
	return rc;
}

struct nfnl_rulectx {
	nfnl_expr_fn	*fn;
	void		*arg;
};

static int
nfnl_expr_cb(struct nftnl_expr *e, void *arg)
{
	struct nfnl_rulectx	*rc = arg;

	rc->fn(rc->arg, e);
	return 0;
}

static int
nfnl_rule_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct nftnl_rule	*r;

	if ((r = nftnl_rule_alloc()) == NULL)
		return MNL_CB_ERROR;
	if (nftnl_rule_nlmsg_parse(nlh, r) == 0)
		nftnl_expr_foreach(r, nfnl_expr_cb, arg);
	nftnl_rule_free(r);
	return MNL_CB_OK;
}

int
nfnl_rules(int family, const char *table, const char *chain,
    nfnl_expr_fn *fn, void *arg, char *err, size_t errlen)
{
	char			 buf[512];
	struct nftnl_chain	*c;
	struct nftnl_rule	*r;
	struct nlmsghdr		*nlh;
	struct nfnl_rulectx	 rc = { fn, arg };
	int			 rv;

	/* a dump of a chain that is not there is empty, not an error: ask
	   for the chain first */
	if ((c = nftnl_chain_alloc()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, table);
	nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, chain);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETCHAIN, (uint16_t)family,
	    NLM_F_ACK, (uint32_t)time(NULL));
	nftnl_chain_nlmsg_build_payload(nlh, c);
	nftnl_chain_free(c);
	if ((rv = nfnl_ask(nlh, NULL, NULL, err, errlen,
	    "table %s, chain %s", table, chain)) != 1)
		return rv;

	if ((r = nftnl_rule_alloc()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
	nlh = nftnl_nlmsg_build_hdr(buf, NFT_MSG_GETRULE, (uint16_t)family,
	    NLM_F_DUMP, (uint32_t)time(NULL));
	nftnl_rule_nlmsg_build_payload(nlh, r);
	nftnl_rule_free(r);
	return nfnl_ask(nlh, nfnl_rule_cb, &rc, err, errlen,
	    "table %s, chain %s", table, chain);
}

/* ---------------------------------------------------------------- io */

static int
nfnl_del_local(const char *table, const struct nfnl_ref *v, size_t n,
    char *err, size_t errlen)
{
	struct nfnl_batch	*b;
	size_t			 i;

	if (n == 0)
		return 0;
	if ((b = nfnl_batch_new(table)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++)
		nfnl_batch_elem(b, 0, v[i].set, v[i].key, v[i].len);
	/* (a failed nfnl_batch_elem() makes the commit fail) */
	return nfnl_batch_commit(b, err, errlen);
}

const struct nfnl_io nfnl_local = {
	nfnl_table, nfnl_dump, nfnl_del_local
};
