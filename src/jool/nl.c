/* SPDX-License-Identifier: ISC */
/*
 * Generic Netlink I/O with the Jool module (see nl.h): libnl-genl-3 for the
 * socket, the family lookup and the receive loop; msg.c builds and reads
 * the messages.  One request at a time, synchronously: Jool's handlers are
 * serialised under the genl mutex anyway (parallel_ops = false).
 *
 * Heads up: libnl returns -NLE_* codes, not errno (nl_geterror() says what
 * they mean); a Jool error comes either as a Jool reply with
 * JOOL_HF_ERROR and a message, or as a bare NLMSG_ERROR (some handlers and
 * the genl policy checks answer that way), so both are read, and the ack
 * (NLM_F_ACK) ends every exchange.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "nl.h"

struct jnl_ctx {
	jnl_reply_cb	*fn;
	void		*arg;
	int		 done;
	int		 failed;	/* an error is in err */
	int		 more;
	char		*err;
	size_t		 errlen;
};

int
jnl_open(struct jnl *j, char *err, size_t errlen)
{
	int	rc;

	memset(j, 0, sizeof(*j));
	if ((j->sk = nl_socket_alloc()) == NULL) {
		snprintf(err, errlen, "netlink: out of memory");
		return -1;
	}
	if ((rc = genl_connect(j->sk)) < 0) {
		snprintf(err, errlen, "netlink: cannot connect: %s",
		    nl_geterror(rc));
		goto fail;
	}
	/* Jool's replies are ~4 KB; its dumps come back a page at a time. */
	nl_socket_set_msg_buf_size(j->sk, 32768);
	if ((j->family = genl_ctrl_resolve(j->sk, JOOL_FAMILY)) < 0) {
		if (j->family == -NLE_OBJ_NOTFOUND)
			snprintf(err, errlen, "Jool is not loaded: modprobe "
			    "jool jool_siit (Debian package jool-dkms)");
		else
			snprintf(err, errlen, "netlink: cannot resolve the "
			    "\"%s\" family: %s", JOOL_FAMILY,
			    nl_geterror(j->family));
		goto fail;
	}
	return 0;
fail:
	nl_socket_free(j->sk);
	j->sk = NULL;
	return -1;
}

void
jnl_close(struct jnl *j)
{
	if (j->sk != NULL)
		nl_socket_free(j->sk);
	j->sk = NULL;
}

static int
jnl_valid_cb(struct nl_msg *msg, void *arg)
{
	struct jnl_ctx		*ctx = arg;
	struct jool_reply	 r;

	if (ctx->failed)
		return NL_SKIP;
	if (jmsg_reply(nlmsg_hdr(msg), &r, ctx->err, ctx->errlen) == -1) {
		ctx->failed = 1;
		return NL_SKIP;
	}
	if (r.error != 0) {
		/* Jool's own words: what the operator should read */
		snprintf(ctx->err, ctx->errlen, "Jool: %s%s(error %d)",
		    r.msg, r.msg[0] ? " " : "", r.error);
		ctx->failed = 1;
		return NL_SKIP;
	}
	if (r.flags & JOOL_HF_MORE)
		ctx->more = 1;
	if (ctx->fn != NULL && ctx->fn(&r, ctx->arg, ctx->err,
	    ctx->errlen) != 0)
		ctx->failed = 1;
	return NL_OK;
}

static int
jnl_ack_cb(struct nl_msg *msg, void *arg)
{
	struct jnl_ctx	*ctx = arg;

	ctx->done = 1;
	return NL_STOP;
}

static int
jnl_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct jnl_ctx	*ctx = arg;

	ctx->done = 1;
	if (e->error != 0 && !ctx->failed) {
		ctx->failed = 1;
		if (e->error == -EPERM)
			snprintf(ctx->err, ctx->errlen, "Jool: operation not "
			    "permitted (v6gated needs CAP_NET_ADMIN)");
		else
			snprintf(ctx->err, ctx->errlen, "Jool: %s",
			    strerror(-e->error));
	}
	return NL_STOP;
}

int
jnl_request(struct jnl *j, struct nl_msg *msg, jnl_reply_cb *fn, void *arg,
    int *more, char *err, size_t errlen)
{
	struct jnl_ctx	 ctx = { fn, arg, 0, 0, 0, err, errlen };
	struct nl_cb	*cb;
	int		 rc;

	if (more != NULL)
		*more = 0;
	if ((cb = nl_cb_alloc(NL_CB_DEFAULT)) == NULL) {
		nlmsg_free(msg);
		snprintf(err, errlen, "netlink: out of memory");
		return -1;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, jnl_valid_cb, &ctx);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, jnl_ack_cb, &ctx);
	nl_cb_err(cb, NL_CB_CUSTOM, jnl_err_cb, &ctx);
	rc = nl_send_auto(j->sk, msg);
	nlmsg_free(msg);
	if (rc < 0) {
		snprintf(err, errlen, "netlink: send: %s", nl_geterror(rc));
		nl_cb_put(cb);
		return -1;
	}
	while (!ctx.done) {
		rc = nl_recvmsgs(j->sk, cb);
		if (rc < 0 && !ctx.failed) {
			/* the error callback stops with -NLE_*: say so */
			snprintf(err, errlen, "netlink: %s", nl_geterror(rc));
			ctx.failed = 1;
		}
		if (rc < 0)
			break;
	}
	nl_cb_put(cb);
	if (more != NULL)
		*more = ctx.more;
	return ctx.failed ? -1 : 0;
}
