/* SPDX-License-Identifier: ISC */
#ifndef V6G_JOOL_NL_H
#define V6G_JOOL_NL_H

#include <stddef.h>

#include <netlink/msg.h>

#include "msg.h"

/*
 * The Generic Netlink socket to the Jool module: open, resolve the family,
 * one synchronous request/reply at a time, errors turned into text a
 * sysadmin can act on.  Instances belong to the network namespace of the
 * calling thread (not the socket's): call from the thread that lives in the
 * gateway's namespace, which is the daemon's main thread.
 */

struct jnl {
	struct nl_sock	*sk;
	int		 family;
};

/* Called for each successful Jool reply of a request; 0 to go on. */
typedef int	jnl_reply_cb(const struct jool_reply *, void *, char *,
		    size_t);

/*
 * Open and resolve the "Jool" family.  Fails with "Jool is not loaded:
 * modprobe jool jool_siit (Debian package jool-dkms)" when the module is
 * not there.
 */
int	jnl_open(struct jnl *, char *, size_t);
void	jnl_close(struct jnl *);

/*
 * Send msg (consumed, even on error) and read its answer: Jool's replies
 * (fn called for each, may be NULL) and the kernel's ack.  A Jool error
 * reply or a netlink error becomes -1 with err holding what went wrong,
 * Jool's own text verbatim when it sent one; *more is set when the reply
 * had JOOL_HF_MORE (may be NULL).
 */
int	jnl_request(struct jnl *, struct nl_msg *, jnl_reply_cb *, void *,
	    int *more, char *, size_t);

#endif
