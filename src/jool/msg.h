/* SPDX-License-Identifier: ISC */
#ifndef V6G_JOOL_MSG_H
#define V6G_JOOL_MSG_H

/*
 * Building Jool requests and reading Jool replies, without I/O: pure
 * functions over libnl's struct nl_msg / struct nlattr, so that every
 * message can be checked by unit tests on a host without the module.
 *
 * Jool 4.1.9 oopses or soft-locks the kernel on incomplete requests (Jool
 * #401, #404, #413): every builder here writes complete entries only, and
 * refuses (returns -1 with err) an entry that fails its validator.  A
 * builder never writes half an attribute: on error the message must be
 * discarded.
 */

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "proto.h"

struct jool_prefix6 {
	struct in6_addr	addr;
	uint8_t		len;
};

struct jool_prefix4 {
	struct in_addr	addr;
	uint8_t		len;
};

struct jool_taddr6 {
	struct in6_addr	addr;
	uint16_t	port;		/* host order */
};

struct jool_taddr4 {
	struct in_addr	addr;
	uint16_t	port;
};

struct jool_instance {
	uint32_t	ns;		/* opaque: part of a kernel pointer */
	uint8_t		xf;		/* JOOL_XF_* */
	char		iname[JOOL_INAME_MAX + 1];
};

struct jool_eam {
	struct jool_prefix6	p6;
	struct jool_prefix4	p4;
};

struct jool_pool4 {
	uint32_t		mark;
	uint32_t		iterations;
	uint8_t			flags;		/* JOOL_ITER_* */
	uint8_t			proto;		/* JOOL_L4_* */
	struct jool_prefix4	prefix;		/* we send /32s only */
	uint16_t		port_min;	/* ICMP: identifiers */
	uint16_t		port_max;
};

struct jool_bib {
	struct jool_taddr6	src6;
	struct jool_taddr4	src4;
	uint8_t			proto;
	uint8_t			is_static;
};

struct jool_session {
	struct jool_taddr6	src6;		/* IPv6 client */
	struct jool_taddr6	dst6;		/* pool6 + server */
	struct jool_taddr4	src4;		/* pool4 address:port */
	struct jool_taddr4	dst4;		/* IPv4 server */
	uint8_t			proto;
	uint8_t			state;
	uint8_t			timer;
	uint32_t		expiration_ms;
};

/* The globals v6gate reads (GLOBAL_FOREACH) and sets (GLOBAL_UPDATE). */
struct jool_globals {
	int			enabled;	/* -1: absent */
	struct jool_prefix6	pool6;		/* len 0: unset / absent */
	int			has_pool6;
	int			bib_logging;	/* -1: absent (SIIT) */
	int			session_logging;
};

/* A decoded reply. */
struct jool_reply {
	uint8_t		 flags;		/* JOOL_HF_* of the reply header */
	int		 error;		/* positive errno, 0: success */
	char		 msg[256];	/* Jool's error text, verbatim */
	struct nlattr	*attrs;		/* the attributes after the header */
	int		 attrlen;
};

/* ------------------------------------------------------------ validation */

/* 1-15 characters of [A-Za-z0-9_.-]. */
int	jool_iname_valid(const char *, char *, size_t);

/* RFC 6052 §2.2 lengths 32/40/48/56/64/96; bits 64-71 zero (the u-bit
   octet); no host bits set after len. */
int	jool_pool6_valid(const struct jool_prefix6 *, char *, size_t);

/* proto TCP/UDP/ICMP; prefix /32 (no bigger ranges: #413 loops over every
   address of the prefix under a spinlock); min <= max; TCP/UDP min >= 1;
   flags a valid combination. */
int	jool_pool4_valid(const struct jool_pool4 *, char *, size_t);

/* Both prefixes valid (no host bits) and the same size of suffix:
   128 - len6 == 32 - len4 (RFC 7757 §3). */
int	jool_eam_valid(const struct jool_eam *, char *, size_t);

/* -------------------------------------------------------------- requests */

/*
 * A new request: nlmsghdr (type family, NLM_F_REQUEST | NLM_F_ACK),
 * genlmsghdr (cmd op, version JOOL_GENL_VERSION) and the Jool header for
 * xt and iname (which must be valid), with flags.  NULL on error.
 */
struct nl_msg	*jmsg_request(int family, enum jool_op, enum jool_xt,
		    const char *iname, uint8_t flags, char *, size_t);

/* INSTANCE_ADD operand: framework, and for NAT64 pool6 (NULL for SIIT). */
int	jmsg_put_instance_add(struct nl_msg *, uint8_t xf,
	    const struct jool_prefix6 *, char *, size_t);

/* INSTANCE_FOREACH offset: the last instance received. */
int	jmsg_put_instance_offset(struct nl_msg *, const struct jool_instance *,
	    char *, size_t);

/*
 * An EAM entry as attribute attr (JOOL_A_OPERAND or JOOL_A_OFFSET).  For
 * JOOL_A_OFFSET only the prefix4 is written, as the kernel reads.
 */
int	jmsg_put_eam(struct nl_msg *, int attr, const struct jool_eam *,
	    char *, size_t);

/* A pool4 entry, every field, as attr (JOOL_A_OPERAND or JOOL_A_OFFSET). */
int	jmsg_put_pool4(struct nl_msg *, int attr, const struct jool_pool4 *,
	    char *, size_t);

/* BIB_FOREACH offset: the last entry (SRC6 and SRC4 with ports, PROTO). */
int	jmsg_put_bib_offset(struct nl_msg *, const struct jool_bib *, char *,
	    size_t);

/* SESSION_FOREACH offset: the last entry, every field. */
int	jmsg_put_session_offset(struct nl_msg *, const struct jool_session *,
	    char *, size_t);

/*
 * GLOBAL_UPDATE: a JOOL_A_GLOBALS nest with the fields of g that are set
 * (enabled >= 0, has_pool6, bib_logging >= 0, session_logging >= 0); at
 * least one.  The logging globals exist for NAT64 only: xt says which.
 */
int	jmsg_put_globals(struct nl_msg *, enum jool_xt,
	    const struct jool_globals *, char *, size_t);

/*
 * Atomic configuration (JOOL_OP_FILE_HANDLE): a candidate instance is built
 * from INIT (its framework; default globals), GLOBALS and entry lists over
 * several messages from one thread, then swapped in at END, or created if
 * there was no instance (Jool 4.1.9 atomic_config.c).  Anything left out
 * is back to its default.
 */
int	jmsg_put_atomic_init(struct nl_msg *, uint8_t xf, char *, size_t);
int	jmsg_put_atomic_end(struct nl_msg *, char *, size_t);
/* JOOL_A_EAMT_ENTRIES: a list of n complete, validated EAM entries. */
int	jmsg_put_eam_entries(struct nl_msg *, const struct jool_eam *,
	    size_t n, char *, size_t);

/* --------------------------------------------------------------- replies */

/*
 * Decode a reply message: header flags, and for JOOL_HF_ERROR the errno
 * and message.  Returns 0, or -1 when the message is not a Jool reply
 * (bad magic, too short) with err set.
 */
int	jmsg_reply(struct nlmsghdr *, struct jool_reply *, char *, size_t);

/*
 * Each parser reads one JOOL_A_LIST_ENTRY nest (or, for globals and stats,
 * the reply's attributes).  Returns 0, or -1 when a mandatory field is
 * missing or has the wrong size, with err set.  Unknown fields are ignored.
 */
int	jmsg_parse_instance(struct nlattr *, struct jool_instance *, char *,
	    size_t);
int	jmsg_parse_eam(struct nlattr *, struct jool_eam *, char *, size_t);
int	jmsg_parse_pool4(struct nlattr *, struct jool_pool4 *, char *,
	    size_t);
int	jmsg_parse_bib(struct nlattr *, struct jool_bib *, char *, size_t);
int	jmsg_parse_session(struct nlattr *, struct jool_session *, char *,
	    size_t);
int	jmsg_parse_hello(const struct jool_reply *, int *alive, char *,
	    size_t);
int	jmsg_parse_globals(const struct jool_reply *, struct jool_globals *,
	    char *, size_t);

/*
 * Stats reply: call fn for each (id, value), skipping padding attributes
 * (type >= pad_id).  Returns the last id seen (for the next request's
 * offset), or -1 on a malformed attribute.
 */
int	jmsg_parse_stats(const struct jool_reply *, int pad_id,
	    void (*fn)(void *, unsigned, uint64_t), void *, char *, size_t);

/* Iterate the JOOL_A_LIST_ENTRY attributes of a reply. */
#define jmsg_foreach_entry(r, pos, rem)					\
	nla_for_each_attr(pos, (r)->attrs, (r)->attrlen, rem)		\
		if ((nla_type(pos) & NLA_TYPE_MASK) == JOOL_A_LIST_ENTRY)

#endif
