/* SPDX-License-Identifier: ISC */
/*
 * Jool operations (see jool.h), built on msg.c (messages) and nl.c (I/O).
 * This file decides which message goes out, in which order, and how a
 * table is read page by page; it never builds attributes itself.
 *
 * Heads up (Jool 4.1.9): an op sent with the wrong translator type crashes
 * the kernel (#401), so every function here takes the type explicitly and
 * table operations exist only for the type that has the table: pool4 for
 * NAT64, EAM for SIIT.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <netlink/attr.h>

#include "jool.h"

#define JOOL_VERSION_FILE	"/sys/module/jool_common/version"

int
jool_version_check(char *ver, size_t verlen, char *err, size_t errlen)
{
	const char	*ok = JOOL_TESTED_VERSIONS, *p;
	FILE		*f;
	size_t		 n;

	ver[0] = '\0';
	if ((f = fopen(JOOL_VERSION_FILE, "r")) == NULL) {
		snprintf(err, errlen, "Jool is not loaded: modprobe jool "
		    "jool_siit (Debian package jool-dkms)");
		return -1;
	}
	if (fgets(ver, (int)verlen, f) == NULL)
		ver[0] = '\0';
	fclose(f);
	ver[strcspn(ver, " \n")] = '\0';
	/* the list is space-separated, each entry a whole version */
	for (p = ok; *p != '\0'; p += n + (p[n] == ' ')) {
		n = strcspn(p, " ");
		if (strlen(ver) == n && strncmp(ver, p, n) == 0)
			return 0;
	}
	snprintf(err, errlen, "Jool %s is loaded; this v6gate was tested "
	    "with Jool %s only (Debian 12's jool-dkms) and refuses others",
	    ver[0] ? ver : "(unknown version)", ok);
	return -1;
}

/* ------------------------------------------------------------ instances */

static int
jool_hello_cb(const struct jool_reply *r, void *arg, char *err,
    size_t errlen)
{
	return jmsg_parse_hello(r, arg, err, errlen);
}

int
jool_exists(struct jnl *j, enum jool_xt xt, const char *iname, int *exists,
    char *err, size_t errlen)
{
	struct nl_msg	*m;
	int		 alive = 0;

	if ((m = jmsg_request(j->family, JOOL_OP_INSTANCE_HELLO, xt, iname, 0,
	    err, errlen)) == NULL)
		return -1;
	if (jnl_request(j, m, jool_hello_cb, &alive, NULL, err, errlen) == -1)
		return -1;
	*exists = alive;
	return 0;
}

int
jool_instance_add(struct jnl *j, enum jool_xt xt, const char *iname,
    const struct jool_prefix6 *pool6, char *err, size_t errlen)
{
	struct nl_msg	*m;

	if ((m = jmsg_request(j->family, JOOL_OP_INSTANCE_ADD, xt, iname, 0,
	    err, errlen)) == NULL)
		return -1;
	/*
	 * NAT64: netfilter, it sees every packet.  SIIT: iptables, it sees
	 * only what xtables.c's rules hand it; as a netfilter instance it
	 * would drop the NAT64 clients' packets (their sources are not its
	 * to translate).
	 */
	if (jmsg_put_instance_add(m, xt == JOOL_XT_NAT64 ? JOOL_XF_NETFILTER :
	    JOOL_XF_IPTABLES, pool6, err, errlen) == -1) {
		nlmsg_free(m);
		return -1;
	}
	return jnl_request(j, m, NULL, NULL, NULL, err, errlen);
}

int
jool_instance_rm(struct jnl *j, enum jool_xt xt, const char *iname,
    char *err, size_t errlen)
{
	struct nl_msg	*m;

	if ((m = jmsg_request(j->family, JOOL_OP_INSTANCE_RM, xt, iname, 0,
	    err, errlen)) == NULL)
		return -1;
	return jnl_request(j, m, NULL, NULL, NULL, err, errlen);
}

/* -------------------------------------------------------------- globals */

struct jool_globals_arg {
	enum jool_xt		 xt;
	struct jool_globals	*g;
	int			 last;		/* last global id seen */
};

static int
jool_globals_cb(const struct jool_reply *r, void *arg, char *err,
    size_t errlen)
{
	struct jool_globals_arg	*a = arg;
	struct nlattr		*pos;
	int			 rem;

	if (jmsg_parse_globals(r, a->g, err, errlen) == -1)
		return -1;
	nla_for_each_attr(pos, r->attrs, r->attrlen, rem)
		a->last = nla_type(pos) & NLA_TYPE_MASK;
	return 0;
}

int
jool_globals_get(struct jnl *j, enum jool_xt xt, const char *iname,
    struct jool_globals *g, char *err, size_t errlen)
{
	struct jool_globals_arg	 a = { xt, g, 0 };
	struct nl_msg		*m;
	int			 more;

	memset(g, 0, sizeof(*g));
	g->enabled = g->bib_logging = g->session_logging = -1;
	do {
		if ((m = jmsg_request(j->family, JOOL_OP_GLOBAL_FOREACH, xt,
		    iname, 0, err, errlen)) == NULL)
			return -1;
		if (a.last != 0 && nla_put_u8(m, JOOL_A_OFFSET_U8,
		    (uint8_t)a.last) < 0) {
			nlmsg_free(m);
			snprintf(err, errlen, "netlink: message too big");
			return -1;
		}
		if (jnl_request(j, m, jool_globals_cb, &a, &more, err,
		    errlen) == -1)
			return -1;
	} while (more);
	return 0;
}

int
jool_globals_set(struct jnl *j, enum jool_xt xt, const char *iname,
    const struct jool_globals *g, char *err, size_t errlen)
{
	struct nl_msg	*m;

	if ((m = jmsg_request(j->family, JOOL_OP_GLOBAL_UPDATE, xt, iname, 0,
	    err, errlen)) == NULL)
		return -1;
	if (jmsg_put_globals(m, xt, g, err, errlen) == -1) {
		nlmsg_free(m);
		return -1;
	}
	return jnl_request(j, m, NULL, NULL, NULL, err, errlen);
}

/* --------------------------------------------------------------- tables */

/* A growing array of entries read from replies. */
struct jool_vec {
	void	*v;
	size_t	 n, cap, size;
	int	(*parse)(struct nlattr *, void *, char *, size_t);
};

static int
jool_vec_cb(const struct jool_reply *r, void *arg, char *err, size_t errlen)
{
	struct jool_vec	*vec = arg;
	struct nlattr	*pos;
	int		 rem;

	jmsg_foreach_entry(r, pos, rem) {
		if (vec->n == vec->cap) {
			size_t	 ncap = vec->cap ? vec->cap * 2 : 64;
			void	*nv = realloc(vec->v, ncap * vec->size);

			if (nv == NULL) {
				snprintf(err, errlen, "out of memory");
				return -1;
			}
			vec->v = nv;
			vec->cap = ncap;
		}
		if (vec->parse(pos, (char *)vec->v + vec->n * vec->size, err,
		    errlen) == -1)
			return -1;
		vec->n++;
	}
	return 0;
}

static void *
jool_vec_last(const struct jool_vec *vec)
{
	return vec->n ? (char *)vec->v + (vec->n - 1) * vec->size : NULL;
}

static int
jool_parse_pool4(struct nlattr *a, void *out, char *err, size_t errlen)
{
	return jmsg_parse_pool4(a, out, err, errlen);
}

static int
jool_parse_eam(struct nlattr *a, void *out, char *err, size_t errlen)
{
	return jmsg_parse_eam(a, out, err, errlen);
}

static int
jool_parse_instance(struct nlattr *a, void *out, char *err, size_t errlen)
{
	return jmsg_parse_instance(a, out, err, errlen);
}

static int
jool_parse_bib(struct nlattr *a, void *out, char *err, size_t errlen)
{
	return jmsg_parse_bib(a, out, err, errlen);
}

static int
jool_parse_session(struct nlattr *a, void *out, char *err, size_t errlen)
{
	return jmsg_parse_session(a, out, err, errlen);
}

int
jool_instance_list(struct jnl *j, enum jool_xt xt,
    struct jool_instance **out, size_t *nout, char *err, size_t errlen)
{
	struct jool_vec	 vec = { NULL, 0, 0, sizeof(struct jool_instance),
			    jool_parse_instance };
	struct nl_msg	*m;
	size_t		 before;
	int		 more;

	do {
		before = vec.n;
		/* the iname of a listing names no instance: "default" */
		if ((m = jmsg_request(j->family, JOOL_OP_INSTANCE_FOREACH, xt,
		    "default", 0, err, errlen)) == NULL)
			goto fail;
		if (vec.n > 0 && jmsg_put_instance_offset(m,
		    jool_vec_last(&vec), err, errlen) == -1) {
			nlmsg_free(m);
			goto fail;
		}
		if (jnl_request(j, m, jool_vec_cb, &vec, &more, err,
		    errlen) == -1)
			goto fail;
	} while (more && vec.n > before);
	*out = vec.v;
	*nout = vec.n;
	return 0;
fail:
	free(vec.v);
	return -1;
}

/*
 * BIB and session tables, one protocol at a time: the first request names
 * the protocol (the kernel then needs it on every session request), later
 * ones the last entry received.
 */
static int
jool_nat64_list(struct jnl *j, const char *iname, enum jool_op op,
    uint8_t proto, struct jool_vec *vec, char *err, size_t errlen)
{
	struct nl_msg	*m;
	size_t		 before;
	int		 more, rc;

	do {
		before = vec->n;
		if ((m = jmsg_request(j->family, op, JOOL_XT_NAT64, iname, 0,
		    err, errlen)) == NULL)
			return -1;
		rc = 0;
		if ((op == JOOL_OP_SESSION_FOREACH || vec->n == 0) &&
		    nla_put_u8(m, JOOL_A_PROTO, proto) < 0)
			rc = -1;
		else if (vec->n > 0 && op == JOOL_OP_BIB_FOREACH)
			rc = jmsg_put_bib_offset(m, jool_vec_last(vec), err,
			    errlen);
		else if (vec->n > 0)
			rc = jmsg_put_session_offset(m, jool_vec_last(vec),
			    err, errlen);
		if (rc == -1) {
			nlmsg_free(m);
			return -1;
		}
		if (jnl_request(j, m, jool_vec_cb, vec, &more, err,
		    errlen) == -1)
			return -1;
	} while (more && vec->n > before);
	return 0;
}

int
jool_bib_list(struct jnl *j, const char *iname, uint8_t proto,
    struct jool_bib **out, size_t *nout, char *err, size_t errlen)
{
	struct jool_vec	vec = { NULL, 0, 0, sizeof(struct jool_bib),
			    jool_parse_bib };

	if (jool_nat64_list(j, iname, JOOL_OP_BIB_FOREACH, proto, &vec, err,
	    errlen) == -1) {
		free(vec.v);
		return -1;
	}
	*out = vec.v;
	*nout = vec.n;
	return 0;
}

int
jool_session_list(struct jnl *j, const char *iname, uint8_t proto,
    struct jool_session **out, size_t *nout, char *err, size_t errlen)
{
	struct jool_vec	vec = { NULL, 0, 0, sizeof(struct jool_session),
			    jool_parse_session };

	if (jool_nat64_list(j, iname, JOOL_OP_SESSION_FOREACH, proto, &vec,
	    err, errlen) == -1) {
		free(vec.v);
		return -1;
	}
	*out = vec.v;
	*nout = vec.n;
	return 0;
}

int
jool_pool4_list(struct jnl *j, const char *iname, struct jool_pool4 **out,
    size_t *nout, char *err, size_t errlen)
{
	static const uint8_t	 protos[] = { JOOL_L4_TCP, JOOL_L4_UDP,
				    JOOL_L4_ICMP };
	struct jool_vec		 vec = { NULL, 0, 0, sizeof(struct jool_pool4),
				    jool_parse_pool4 };
	struct nl_msg		*m;
	size_t			 i, first;
	int			 more;

	for (i = 0; i < sizeof(protos); i++) {
		first = vec.n;
		do {
			if ((m = jmsg_request(j->family,
			    JOOL_OP_POOL4_FOREACH, JOOL_XT_NAT64, iname, 0, err,
			    errlen)) == NULL)
				goto fail;
			/* first page: the protocol; then the last entry,
			   whose protocol picks the table */
			if (vec.n == first ? nla_put_u8(m, JOOL_A_PROTO,
			    protos[i]) < 0 : jmsg_put_pool4(m, JOOL_A_OFFSET,
			    jool_vec_last(&vec), err, errlen) == -1) {
				nlmsg_free(m);
				if (vec.n == first)
					snprintf(err, errlen,
					    "netlink: message too big");
				goto fail;
			}
			if (jnl_request(j, m, jool_vec_cb, &vec, &more, err,
			    errlen) == -1)
				goto fail;
		} while (more && vec.n > first);
	}
	*out = vec.v;
	*nout = vec.n;
	return 0;
fail:
	free(vec.v);
	return -1;
}

int
jool_pool4_add(struct jnl *j, const char *iname, const struct jool_pool4 *p,
    char *err, size_t errlen)
{
	struct nl_msg	*m;

	if ((m = jmsg_request(j->family, JOOL_OP_POOL4_ADD, JOOL_XT_NAT64,
	    iname, 0, err, errlen)) == NULL)
		return -1;
	if (jmsg_put_pool4(m, JOOL_A_OPERAND, p, err, errlen) == -1) {
		nlmsg_free(m);
		return -1;
	}
	return jnl_request(j, m, NULL, NULL, NULL, err, errlen);
}

int
jool_pool4_rm(struct jnl *j, const char *iname, const struct jool_pool4 *p,
    int quick, char *err, size_t errlen)
{
	struct nl_msg	*m;

	if ((m = jmsg_request(j->family, JOOL_OP_POOL4_RM, JOOL_XT_NAT64,
	    iname, quick ? JOOL_HF_QUICK : 0, err, errlen)) == NULL)
		return -1;
	if (jmsg_put_pool4(m, JOOL_A_OPERAND, p, err, errlen) == -1) {
		nlmsg_free(m);
		return -1;
	}
	return jnl_request(j, m, NULL, NULL, NULL, err, errlen);
}

int
jool_eam_list(struct jnl *j, const char *iname, struct jool_eam **out,
    size_t *nout, char *err, size_t errlen)
{
	struct jool_vec	 vec = { NULL, 0, 0, sizeof(struct jool_eam),
			    jool_parse_eam };
	struct nl_msg	*m;
	int		 more;

	do {
		size_t	before = vec.n;

		if ((m = jmsg_request(j->family, JOOL_OP_EAMT_FOREACH,
		    JOOL_XT_SIIT, iname, 0, err, errlen)) == NULL)
			goto fail;
		if (vec.n > 0 && jmsg_put_eam(m, JOOL_A_OFFSET,
		    jool_vec_last(&vec), err, errlen) == -1) {
			nlmsg_free(m);
			goto fail;
		}
		if (jnl_request(j, m, jool_vec_cb, &vec, &more, err,
		    errlen) == -1)
			goto fail;
		if (vec.n == before)
			break;		/* "more" without entries: no loop */
	} while (more);
	*out = vec.v;
	*nout = vec.n;
	return 0;
fail:
	free(vec.v);
	return -1;
}

int
jool_eam_add(struct jnl *j, const char *iname, const struct jool_eam *e,
    char *err, size_t errlen)
{
	struct nl_msg	*m;

	if ((m = jmsg_request(j->family, JOOL_OP_EAMT_ADD, JOOL_XT_SIIT,
	    iname, 0, err, errlen)) == NULL)
		return -1;
	if (jmsg_put_eam(m, JOOL_A_OPERAND, e, err, errlen) == -1) {
		nlmsg_free(m);
		return -1;
	}
	return jnl_request(j, m, NULL, NULL, NULL, err, errlen);
}

int
jool_eam_rm(struct jnl *j, const char *iname, const struct jool_eam *e,
    char *err, size_t errlen)
{
	struct nl_msg	*m;

	if ((m = jmsg_request(j->family, JOOL_OP_EAMT_RM, JOOL_XT_SIIT,
	    iname, 0, err, errlen)) == NULL)
		return -1;
	if (jmsg_put_eam(m, JOOL_A_OPERAND, e, err, errlen) == -1) {
		nlmsg_free(m);
		return -1;
	}
	return jnl_request(j, m, NULL, NULL, NULL, err, errlen);
}

/*
 * Replace a SIIT instance's content (or create the instance) in one
 * transaction: Jool takes a whole table at once far faster than entry by
 * entry, whose every change waits for an RCU grace period.  The messages
 * must come from this thread, less than 2 s apart.
 */
#define JOOL_ATOMIC_CHUNK	60	/* EAM entries per message (~3.4 KB) */

int
jool_siit_atomic(struct jnl *j, const char *iname,
    const struct jool_prefix6 *pool6, const struct jool_eam *v, size_t n,
    char *err, size_t errlen)
{
	struct jool_globals	 g;
	struct nl_msg		*m;
	size_t			 off = 0, k;

	memset(&g, 0, sizeof(g));
	g.enabled = 1;
	g.bib_logging = g.session_logging = -1;
	g.has_pool6 = 1;
	g.pool6 = *pool6;
	do {
		k = n - off > JOOL_ATOMIC_CHUNK ? JOOL_ATOMIC_CHUNK : n - off;
		if ((m = jmsg_request(j->family, JOOL_OP_FILE_HANDLE,
		    JOOL_XT_SIIT, iname, 0, err, errlen)) == NULL)
			return -1;
		if ((off == 0 && (jmsg_put_atomic_init(m, JOOL_XF_IPTABLES,
		    err, errlen) == -1 || jmsg_put_globals(m, JOOL_XT_SIIT, &g,
		    err, errlen) == -1)) || (k > 0 && jmsg_put_eam_entries(m,
		    v + off, k, err, errlen) == -1) || (off + k == n &&
		    jmsg_put_atomic_end(m, err, errlen) == -1)) {
			nlmsg_free(m);
			return -1;
		}
		if (jnl_request(j, m, NULL, NULL, NULL, err, errlen) == -1)
			return -1;
		off += k;
	} while (off < n);
	return 0;
}

/* ----------------------------------------------------------------- stats */

struct jool_stats_arg {
	uint64_t	*vals;
	size_t		 nvals;
	int		 last;
};

static void
jool_stats_one(void *arg, unsigned id, uint64_t v)
{
	struct jool_stats_arg	*a = arg;

	if (id < a->nvals)
		a->vals[id] = v;
}

static int
jool_stats_cb(const struct jool_reply *r, void *arg, char *err,
    size_t errlen)
{
	struct jool_stats_arg	*a = arg;
	int			 last;

	/* 4.1.9's padding attribute id: 70 (ids drift after, see proto.h) */
	if ((last = jmsg_parse_stats(r, 70, jool_stats_one, a, err,
	    errlen)) == -1)
		return -1;
	if (last > 0)
		a->last = last;
	return 0;
}

int
jool_stats(struct jnl *j, enum jool_xt xt, const char *iname, uint64_t *vals,
    size_t nvals, char *err, size_t errlen)
{
	struct jool_stats_arg	 a = { vals, nvals, 0 };
	struct nl_msg		*m;
	int			 more, before;

	memset(vals, 0, nvals * sizeof(*vals));
	do {
		before = a.last;
		if ((m = jmsg_request(j->family, JOOL_OP_STATS_FOREACH, xt,
		    iname, 0, err, errlen)) == NULL)
			return -1;
		if (a.last != 0 && nla_put_u8(m, JOOL_A_OFFSET_U8,
		    (uint8_t)a.last) < 0) {
			nlmsg_free(m);
			snprintf(err, errlen, "netlink: message too big");
			return -1;
		}
		if (jnl_request(j, m, jool_stats_cb, &a, &more, err,
		    errlen) == -1)
			return -1;
	} while (more && a.last != before);
	return 0;
}
