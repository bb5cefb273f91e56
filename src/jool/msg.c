/* SPDX-License-Identifier: ISC */
/*
 * Jool 4.1 requests and replies as bytes, and nothing else: no socket, no
 * family lookup, no logging, no allocation except the nl_msg of
 * jmsg_request().  Builders check their input first, because Jool 4.1.9
 * trusts it (an incomplete entry oopses or soft-locks the kernel: Jool
 * #401, #404, #413), then write complete entries with NLA_F_NESTED on every
 * nest and scalars of their exact size, as kernels >= 5.2 demand.  Parsers
 * read replies as hostile input: every length is checked against the one
 * that encloses it, and NLA_F_NESTED is masked off (kernels >= 5.2 set it,
 * older ones do not).
 *
 * The wire layout below was read in Jool 4.1.9's source (facts only; Jool
 * is GPL-2.0 and none of its code is here): the file names in comments are
 * that tag's.  Paging (OFFSET and the M flag), NLMSG_ERROR and which
 * request to send next are the caller's business (jool.c).
 */

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <linux/genetlink.h>
#include <netlink/genl/genl.h>

#include "msg.h"

/* Offset of the attributes in a Jool message (genl hdrsize is 28). */
#define JMSG_ATTRS_OFF	(NLMSG_HDRLEN + GENL_HDRLEN + NLMSG_ALIGN(JOOL_HDR_LEN))

/* Largest op of 4.1.9 (JOOLD_ACK): src/common/config.h */
#define JMSG_OP_MAX	29

#define JMSG_XT_ANY	(JOOL_XT_SIIT | JOOL_XT_NAT64)

/*
 * The translator type each op accepts: the xt argument of every
 * request_handle_start() call in src/mod/common/nl/.  Heads up: on a
 * mismatch 4.1.9 returns 0 without an instance (nl_common.c) and the
 * handler dereferences it (#401), so jmsg_request() refuses the pair.
 */
static const uint8_t jmsg_op_xt[JMSG_OP_MAX + 1] = {
	[JOOL_OP_INSTANCE_FOREACH] = JMSG_XT_ANY,
	[JOOL_OP_INSTANCE_ADD] = JMSG_XT_ANY,
	[JOOL_OP_INSTANCE_HELLO] = JMSG_XT_ANY,
	[JOOL_OP_INSTANCE_RM] = JMSG_XT_ANY,
	[JOOL_OP_INSTANCE_FLUSH] = JMSG_XT_ANY,
	[JOOL_OP_ADDRESS_QUERY64] = JOOL_XT_SIIT,	/* address.c */
	[JOOL_OP_ADDRESS_QUERY46] = JOOL_XT_SIIT,
	[JOOL_OP_STATS_FOREACH] = JMSG_XT_ANY,		/* stats.c */
	[JOOL_OP_GLOBAL_FOREACH] = JMSG_XT_ANY,		/* global.c */
	[JOOL_OP_GLOBAL_UPDATE] = JMSG_XT_ANY,
	[JOOL_OP_EAMT_FOREACH] = JOOL_XT_SIIT,		/* eam.c */
	[JOOL_OP_EAMT_ADD] = JOOL_XT_SIIT,
	[JOOL_OP_EAMT_RM] = JOOL_XT_SIIT,
	[JOOL_OP_EAMT_FLUSH] = JOOL_XT_SIIT,
	[14] = JOOL_XT_SIIT,				/* BL4_*: denylist4.c */
	[15] = JOOL_XT_SIIT,
	[16] = JOOL_XT_SIIT,
	[17] = JOOL_XT_SIIT,
	[JOOL_OP_POOL4_FOREACH] = JOOL_XT_NAT64,	/* pool4.c */
	[JOOL_OP_POOL4_ADD] = JOOL_XT_NAT64,
	[JOOL_OP_POOL4_RM] = JOOL_XT_NAT64,
	[JOOL_OP_POOL4_FLUSH] = JOOL_XT_NAT64,
	[JOOL_OP_BIB_FOREACH] = JOOL_XT_NAT64,		/* bib.c */
	[23] = JOOL_XT_NAT64,				/* BIB_ADD */
	[24] = JOOL_XT_NAT64,				/* BIB_RM */
	[JOOL_OP_SESSION_FOREACH] = JOOL_XT_NAT64,	/* session.c */
	[26] = JMSG_XT_ANY,				/* FILE_HANDLE */
	[27] = JOOL_XT_NAT64,				/* JOOLD_*: joold.c */
	[28] = JOOL_XT_NAT64,
	[29] = JOOL_XT_NAT64,
};

static const char *const jmsg_l4_name[] = { "TCP", "UDP", "ICMP" };

static int	jmsg_fail(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* Fill err (when there is one) and return -1. */
static int
jmsg_fail(char *err, size_t len, const char *fmt, ...)
{
	va_list	ap;

	if (err != NULL && len > 0) {
		va_start(ap, fmt);
		vsnprintf(err, len, fmt, ap);
		va_end(ap);
	}
	return -1;
}

static const char *
jmsg_ntop6(const struct in6_addr *a, char *buf)
{
	if (inet_ntop(AF_INET6, a, buf, INET6_ADDRSTRLEN) == NULL)
		strcpy(buf, "?");
	return buf;
}

static const char *
jmsg_ntop4(const struct in_addr *a, char *buf)
{
	if (inet_ntop(AF_INET, a, buf, INET_ADDRSTRLEN) == NULL)
		strcpy(buf, "?");
	return buf;
}

static const char *
jmsg_l4(uint8_t proto)
{
	return proto < 3 ? jmsg_l4_name[proto] : "?";
}

/* Is any bit at or after plen set? */
static int
jmsg_host_bits6(const struct in6_addr *a, unsigned plen)
{
	unsigned	i;

	for (i = plen; i < 128; i++)
		if (a->s6_addr[i / 8] & (0x80 >> (i % 8)))
			return 1;
	return 0;
}

static int
jmsg_host_bits4(const struct in_addr *a, unsigned plen)
{
	uint32_t	mask;

	mask = plen >= 32 ? 0 : 0xffffffffu >> plen;
	return (ntohl(a->s_addr) & mask) != 0;
}

/* ------------------------------------------------------------ validation */

int
jool_iname_valid(const char *iname, char *err, size_t len)
{
	size_t		i, n;
	unsigned char	c;

	if (iname == NULL || iname[0] == '\0')
		return jmsg_fail(err, len, "instance name: empty (1-%d "
		    "characters of A-Z a-z 0-9 _ . -)", JOOL_INAME_MAX);
	n = strnlen(iname, JOOL_INAME_MAX + 1);
	for (i = 0; i < n; i++) {
		c = (unsigned char)iname[i];
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '.' ||
		    c == '-')
			continue;
		return jmsg_fail(err, len, "instance name: character %zu "
		    "(0x%02x) not allowed (A-Z a-z 0-9 _ . -)", i + 1, c);
	}
	if (n > JOOL_INAME_MAX)
		return jmsg_fail(err, len, "instance name \"%.*s...\": too "
		    "long (at most %d characters)", JOOL_INAME_MAX, iname,
		    JOOL_INAME_MAX);
	return 0;
}

/*
 * Jool 4.1.9 src/mod/common/db/global.c pool6_validate(): no host bits,
 * length 32/40/48/56/64/96, s6_addr[8] zero unless FORCE.
 */
int
jool_pool6_valid(const struct jool_prefix6 *p, char *err, size_t len)
{
	char	a[INET6_ADDRSTRLEN];

	if (p == NULL)
		return jmsg_fail(err, len, "pool6: missing");
	switch (p->len) {
	case 32: case 40: case 48: case 56: case 64: case 96:
		break;
	default:
		return jmsg_fail(err, len, "pool6 %s/%u: length must be 32, "
		    "40, 48, 56, 64 or 96 (RFC 6052)", jmsg_ntop6(&p->addr, a),
		    p->len);
	}
	if (jmsg_host_bits6(&p->addr, p->len))
		return jmsg_fail(err, len, "pool6 %s/%u: host bits set after "
		    "/%u", jmsg_ntop6(&p->addr, a), p->len, p->len);
	if (p->addr.s6_addr[8] != 0)
		return jmsg_fail(err, len, "pool6 %s/%u: bits 64-71 must be "
		    "zero (RFC 6052 §2.2)", jmsg_ntop6(&p->addr, a), p->len);
	return 0;
}

/*
 * Jool 4.1.9 src/mod/common/db/pool4/db.c: pool4db_add() walks every
 * address of the prefix, taking the spinlock for each (#413), and
 * max_iterations_validate() checks the flags only when ITERATIONS_SET is
 * there.  The replies carry one /32 per entry, so an entry we received
 * passes this as an offset.
 */
int
jool_pool4_valid(const struct jool_pool4 *p, char *err, size_t len)
{
	char	a[INET_ADDRSTRLEN];
	int	autom, inf;

	if (p == NULL)
		return jmsg_fail(err, len, "pool4: missing entry");
	jmsg_ntop4(&p->prefix.addr, a);
	if (p->proto > JOOL_L4_ICMP)
		return jmsg_fail(err, len, "pool4 %s/%u: protocol %u unknown "
		    "(0 TCP, 1 UDP, 2 ICMP)", a, p->prefix.len, p->proto);
	if (p->prefix.len != 32)
		return jmsg_fail(err, len, "pool4 %s/%u %s: must be a /32 "
		    "(one address per entry: Jool 4.1.9 walks a prefix "
		    "address by address under a spinlock, #413)", a,
		    p->prefix.len, jmsg_l4(p->proto));
	if (p->port_min > p->port_max)
		return jmsg_fail(err, len, "pool4 %s %s %u-%u: port_min > "
		    "port_max", a, jmsg_l4(p->proto), p->port_min,
		    p->port_max);
	if (p->proto != JOOL_L4_ICMP && p->port_min == 0)
		return jmsg_fail(err, len, "pool4 %s %s %u-%u: port 0 not "
		    "allowed for TCP or UDP (1-65535)", a, jmsg_l4(p->proto),
		    p->port_min, p->port_max);
	if (p->flags & ~(JOOL_ITER_SET | JOOL_ITER_AUTO | JOOL_ITER_INFINITE))
		return jmsg_fail(err, len, "pool4 %s %s: iteration flags "
		    "0x%02x unknown (1 set, 2 auto, 4 infinite)", a,
		    jmsg_l4(p->proto), p->flags);
	autom = (p->flags & JOOL_ITER_AUTO) != 0;
	inf = (p->flags & JOOL_ITER_INFINITE) != 0;
	if (autom && inf)
		return jmsg_fail(err, len, "pool4 %s %s: iterations cannot be "
		    "both auto and infinite", a, jmsg_l4(p->proto));
	if ((p->flags & JOOL_ITER_SET) && !autom && !inf &&
	    p->iterations == 0)
		return jmsg_fail(err, len, "pool4 %s %s: iterations 0 (1 or "
		    "more, auto or infinite)", a, jmsg_l4(p->proto));
	return 0;
}

static int
jmsg_prefix4_valid(const struct jool_prefix4 *p, const char *what,
    char *err, size_t len)
{
	char	a[INET_ADDRSTRLEN];

	if (p->len > 32)
		return jmsg_fail(err, len, "%s %s/%u: length out of range "
		    "(0-32)", what, jmsg_ntop4(&p->addr, a), p->len);
	if (jmsg_host_bits4(&p->addr, p->len))
		return jmsg_fail(err, len, "%s %s/%u: host bits set after /%u",
		    what, jmsg_ntop4(&p->addr, a), p->len, p->len);
	return 0;
}

/*
 * Jool 4.1.9 src/mod/common/db/eam.c validate_prefixes() only wants the
 * IPv4 suffix no longer than the IPv6 one; we keep to RFC 7757's 1:1
 * mapping of suffixes.
 */
int
jool_eam_valid(const struct jool_eam *e, char *err, size_t len)
{
	char	a6[INET6_ADDRSTRLEN], a4[INET_ADDRSTRLEN];

	if (e == NULL)
		return jmsg_fail(err, len, "EAM: missing entry");
	if (e->p6.len > 128)
		return jmsg_fail(err, len, "EAM %s/%u: length out of range "
		    "(0-128)", jmsg_ntop6(&e->p6.addr, a6), e->p6.len);
	if (jmsg_host_bits6(&e->p6.addr, e->p6.len))
		return jmsg_fail(err, len, "EAM %s/%u: host bits set after /%u",
		    jmsg_ntop6(&e->p6.addr, a6), e->p6.len, e->p6.len);
	if (jmsg_prefix4_valid(&e->p4, "EAM", err, len) == -1)
		return -1;
	if (128 - e->p6.len != 32 - e->p4.len)
		return jmsg_fail(err, len, "EAM %s/%u %s/%u: suffixes of %u "
		    "and %u bits: must be the same size (RFC 7757 §3)",
		    jmsg_ntop6(&e->p6.addr, a6), e->p6.len,
		    jmsg_ntop4(&e->p4.addr, a4), e->p4.len, 128 - e->p6.len,
		    32 - e->p4.len);
	return 0;
}

/* -------------------------------------------------------------- requests */

struct nl_msg *
jmsg_request(int family, enum jool_op op, enum jool_xt xt, const char *iname,
    uint8_t flags, char *err, size_t len)
{
	struct nl_msg	*msg;
	struct jool_hdr	*hdr;
	size_t		 n;

	if (family <= 0 || family > 0xffff) {
		jmsg_fail(err, len, "Jool request: genl family id %d out of "
		    "range", family);
		return NULL;
	}
	if (xt != JOOL_XT_SIIT && xt != JOOL_XT_NAT64) {
		jmsg_fail(err, len, "Jool request: translator type %d unknown "
		    "(1 SIIT, 2 NAT64)", (int)xt);
		return NULL;
	}
	if ((int)op < 0 || (int)op > JMSG_OP_MAX) {
		jmsg_fail(err, len, "Jool request: op %d unknown to Jool 4.1",
		    (int)op);
		return NULL;
	}
	if (!(jmsg_op_xt[op] & xt)) {
		jmsg_fail(err, len, "Jool request: op %d is for %s instances "
		    "only (Jool 4.1.9 oopses on a mismatch, #401)", (int)op,
		    xt == JOOL_XT_SIIT ? "NAT64" : "SIIT");
		return NULL;
	}
	if (flags & ~(JOOL_HF_FORCE | JOOL_HF_QUICK)) {
		jmsg_fail(err, len, "Jool request: header flags 0x%02x "
		    "(requests take FORCE 0x02 and QUICK 0x04 only)", flags);
		return NULL;
	}
	if (jool_iname_valid(iname, err, len) == -1)
		return NULL;

	if ((msg = nlmsg_alloc()) == NULL) {
		jmsg_fail(err, len, "Jool request: out of memory");
		return NULL;
	}
	hdr = genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, family,
	    JOOL_HDR_LEN, NLM_F_REQUEST | NLM_F_ACK, op, JOOL_GENL_VERSION);
	if (hdr == NULL) {
		nlmsg_free(msg);
		jmsg_fail(err, len, "Jool request: cannot write the headers");
		return NULL;
	}
	/*
	 * Jool 4.1.9 src/common/config.h struct joolnlhdr; the module checks
	 * magic, xt and major.minor of version (mod/common/nl/nl_common.c).
	 * Always name the instance: instance add/hello/rm take the raw field,
	 * the other handlers read "" as "default".
	 */
	memset(hdr, 0, JOOL_HDR_LEN);
	memcpy(hdr->magic, JOOL_MAGIC, sizeof(hdr->magic));
	hdr->version = htonl(JOOL_HDR_VERSION);
	hdr->xt = (uint8_t)xt;
	hdr->flags = flags;
	n = strlen(iname);
	memcpy(hdr->iname, iname, n);	/* NUL-padded by the memset */
	return msg;
}

/* The Jool header of a request built by jmsg_request(), or NULL. */
static const struct jool_hdr *
jmsg_req_hdr(struct nl_msg *msg)
{
	struct nlmsghdr		*nlh;
	const struct jool_hdr	*hdr;

	if (msg == NULL)
		return NULL;
	nlh = nlmsg_hdr(msg);
	if (nlh->nlmsg_len < JMSG_ATTRS_OFF)
		return NULL;
	hdr = (const struct jool_hdr *)((const char *)nlmsg_data(nlh) +
	    GENL_HDRLEN);
	if (memcmp(hdr->magic, JOOL_MAGIC, sizeof(hdr->magic)) != 0)
		return NULL;
	return hdr;
}

static struct nlattr *
jmsg_nest(struct nl_msg *msg, int attr)
{
	/* libnl sets NLA_F_NESTED itself only from 3.5.0 (commit 7de65a05). */
	return nla_nest_start(msg, attr | NLA_F_NESTED);
}

/*
 * A prefix nest, {ADDR, LEN}: Jool 4.1.9 src/mod/common/nl/attribute.c
 * jnla_get_prefix6/4_optional() refuses a nest without LEN and reads one
 * without ADDR as "unset" (and where it is mandatory, "null despite being
 * mandatory"), so both always go.  With attr JOOL_A_OFFSET, a prefix4 nest
 * is the EAMT offset itself.
 */
static int
jmsg_put_prefix(struct nl_msg *msg, int attr, const void *addr, int alen,
    uint8_t plen)
{
	struct nlattr	*nest;

	if ((nest = jmsg_nest(msg, attr)) == NULL)
		return -1;
	if (nla_put(msg, JOOL_AP_ADDR, alen, addr) < 0 ||
	    nla_put_u8(msg, JOOL_AP_LEN, plen) < 0) {
		nla_nest_cancel(msg, nest);
		return -1;
	}
	return nla_nest_end(msg, nest) < 0 ? -1 : 0;
}

#define jmsg_put_prefix6(msg, attr, p)					\
	jmsg_put_prefix(msg, attr, &(p)->addr, sizeof(struct in6_addr),	\
	    (p)->len)
#define jmsg_put_prefix4(msg, attr, p)					\
	jmsg_put_prefix(msg, attr, &(p)->addr, sizeof(struct in_addr),	\
	    (p)->len)

/*
 * A transport address nest, {ADDR, PORT}.  Heads up: Jool 4.1.9
 * attribute.c jnla_get_taddr6/4() calls nla_get_u16() on the PORT it
 * did not check for: a nest without it oopses the kernel (#404).
 */
static int
jmsg_put_taddr(struct nl_msg *msg, int attr, const void *addr, int alen,
    uint16_t port)
{
	struct nlattr	*nest;

	if ((nest = jmsg_nest(msg, attr)) == NULL)
		return -1;
	if (nla_put(msg, JOOL_AT_ADDR, alen, addr) < 0 ||
	    nla_put_u16(msg, JOOL_AT_PORT, port) < 0) {
		nla_nest_cancel(msg, nest);
		return -1;
	}
	return nla_nest_end(msg, nest) < 0 ? -1 : 0;
}

#define jmsg_put_taddr6(msg, attr, t)					\
	jmsg_put_taddr(msg, attr, &(t)->addr, sizeof(struct in6_addr),	\
	    (t)->port)
#define jmsg_put_taddr4(msg, attr, t)					\
	jmsg_put_taddr(msg, attr, &(t)->addr, sizeof(struct in_addr),	\
	    (t)->port)

static int
jmsg_full(const char *what, char *err, size_t len)
{
	return jmsg_fail(err, len, "%s: the request message is full", what);
}

/*
 * Jool 4.1.9 src/mod/common/nl/instance.c handle_instance_add(): OPERAND
 * {XF u8, POOL6 prefix6 nest (optional; xlator.c refuses NAT64 without)}.
 */
int
jmsg_put_instance_add(struct nl_msg *msg, uint8_t xf,
    const struct jool_prefix6 *pool6, char *err, size_t len)
{
	const struct jool_hdr	*hdr;
	struct nlattr		*nest;

	if ((hdr = jmsg_req_hdr(msg)) == NULL)
		return jmsg_fail(err, len, "instance add: not a Jool request");
	if (xf != JOOL_XF_NETFILTER && xf != JOOL_XF_IPTABLES)
		return jmsg_fail(err, len, "instance add: framework %u unknown "
		    "(4 netfilter, 8 iptables)", xf);
	if (hdr->xt == JOOL_XT_NAT64 && pool6 == NULL)
		return jmsg_fail(err, len, "instance add: a NAT64 instance "
		    "needs pool6");
	if (pool6 != NULL && jool_pool6_valid(pool6, err, len) == -1)
		return -1;

	if ((nest = jmsg_nest(msg, JOOL_A_OPERAND)) == NULL)
		return jmsg_full("instance add", err, len);
	if (nla_put_u8(msg, JOOL_AIA_XF, xf) < 0 ||
	    (pool6 != NULL &&
	    jmsg_put_prefix6(msg, JOOL_AIA_POOL6, pool6) == -1)) {
		nla_nest_cancel(msg, nest);
		return jmsg_full("instance add", err, len);
	}
	if (nla_nest_end(msg, nest) < 0)
		return jmsg_full("instance add", err, len);
	return 0;
}

/*
 * Jool 4.1.9 src/mod/common/nl/instance.c parse_instance(): OFFSET is the
 * instance entry nest itself, {NS u32, XF u8, INAME NUL-terminated string
 * of at most 15 characters}, all three mandatory.  The name is one the
 * kernel sent us, so it is held to the kernel's rule (common/config.c
 * iname_validate(): no byte below 32), not to jool_iname_valid().
 */
int
jmsg_put_instance_offset(struct nl_msg *msg, const struct jool_instance *i,
    char *err, size_t len)
{
	struct nlattr	*nest;
	size_t		 k, n;

	if (jmsg_req_hdr(msg) == NULL)
		return jmsg_fail(err, len, "instance offset: not a Jool "
		    "request");
	if (i == NULL)
		return jmsg_fail(err, len, "instance offset: missing entry");
	if (i->xf != JOOL_XF_NETFILTER && i->xf != JOOL_XF_IPTABLES)
		return jmsg_fail(err, len, "instance offset: framework %u "
		    "unknown (4 netfilter, 8 iptables)", i->xf);
	n = strnlen(i->iname, sizeof(i->iname));
	if (n > JOOL_INAME_MAX)
		return jmsg_fail(err, len, "instance offset: name not "
		    "terminated");
	for (k = 0; k < n; k++)
		if ((unsigned char)i->iname[k] < 32)
			return jmsg_fail(err, len, "instance offset: name "
			    "character %zu (0x%02x) not allowed", k + 1,
			    (unsigned char)i->iname[k]);

	if ((nest = jmsg_nest(msg, JOOL_A_OFFSET)) == NULL)
		return jmsg_full("instance offset", err, len);
	if (nla_put_u32(msg, JOOL_AIE_NS, i->ns) < 0 ||
	    nla_put_u8(msg, JOOL_AIE_XF, i->xf) < 0 ||
	    nla_put_string(msg, JOOL_AIE_INAME, i->iname) < 0) {
		nla_nest_cancel(msg, nest);
		return jmsg_full("instance offset", err, len);
	}
	if (nla_nest_end(msg, nest) < 0)
		return jmsg_full("instance offset", err, len);
	return 0;
}

/*
 * Jool 4.1.9 src/mod/common/nl/eam.c: EAMT_ADD reads OPERAND as an EAM
 * nest {PREFIX6 nest, PREFIX4 nest} (attribute.c jnla_get_eam(), both
 * mandatory); EAMT_FOREACH reads OFFSET with jnla_get_prefix4(): OFFSET is
 * the prefix4 nest itself, {ADDR, LEN}, not an EAM nest.  An offset is an
 * entry the kernel sent, which may have been added by someone else with
 * unequal suffixes: only its prefix4 (all we write) is checked.
 */
int
jmsg_put_eam(struct nl_msg *msg, int attr, const struct jool_eam *e,
    char *err, size_t len)
{
	struct nlattr	*nest;

	if (jmsg_req_hdr(msg) == NULL)
		return jmsg_fail(err, len, "EAM: not a Jool request");
	if (e == NULL)
		return jmsg_fail(err, len, "EAM: missing entry");

	if (attr == JOOL_A_OFFSET) {
		if (jmsg_prefix4_valid(&e->p4, "EAM offset", err, len) == -1)
			return -1;
		if (jmsg_put_prefix4(msg, JOOL_A_OFFSET, &e->p4) == -1)
			return jmsg_full("EAM offset", err, len);
		return 0;
	}
	if (attr != JOOL_A_OPERAND)
		return jmsg_fail(err, len, "EAM: attribute %d is neither "
		    "OPERAND nor OFFSET", attr);
	if (jool_eam_valid(e, err, len) == -1)
		return -1;

	if ((nest = jmsg_nest(msg, JOOL_A_OPERAND)) == NULL)
		return jmsg_full("EAM", err, len);
	if (jmsg_put_prefix6(msg, JOOL_AE_PREFIX6, &e->p6) == -1 ||
	    jmsg_put_prefix4(msg, JOOL_AE_PREFIX4, &e->p4) == -1) {
		nla_nest_cancel(msg, nest);
		return jmsg_full("EAM", err, len);
	}
	if (nla_nest_end(msg, nest) < 0)
		return jmsg_full("EAM", err, len);
	return 0;
}

/*
 * Atomic configuration.  Jool 4.1.9 src/mod/common/atomic_config.c
 * atomconfig_add(): INIT (u8, the framework, OR'd with the header's xt)
 * starts a candidate keyed by namespace, iname and thread id; GLOBALS,
 * EAMT_ENTRIES (a nest of JOOL_A_LIST_ENTRY EAM nests, handle_eamt()) and
 * the other lists fill it; END (a flag) commits it with xlator_replace().
 */
int
jmsg_put_atomic_init(struct nl_msg *msg, uint8_t xf, char *err, size_t len)
{
	if (jmsg_req_hdr(msg) == NULL)
		return jmsg_fail(err, len, "atomic INIT: not a Jool request");
	if (xf != JOOL_XF_NETFILTER && xf != JOOL_XF_IPTABLES)
		return jmsg_fail(err, len, "atomic INIT: framework %u "
		    "(netfilter 4, iptables 8)", (unsigned)xf);
	if (nla_put_u8(msg, JOOL_A_ATOMIC_INIT, xf) < 0)
		return jmsg_full("atomic INIT", err, len);
	return 0;
}

int
jmsg_put_atomic_end(struct nl_msg *msg, char *err, size_t len)
{
	if (jmsg_req_hdr(msg) == NULL)
		return jmsg_fail(err, len, "atomic END: not a Jool request");
	if (nla_put_flag(msg, JOOL_A_ATOMIC_END) < 0)
		return jmsg_full("atomic END", err, len);
	return 0;
}

int
jmsg_put_eam_entries(struct nl_msg *msg, const struct jool_eam *v, size_t n,
    char *err, size_t len)
{
	struct nlattr	*list, *e;
	size_t		 i;

	if (jmsg_req_hdr(msg) == NULL)
		return jmsg_fail(err, len, "EAM list: not a Jool request");
	for (i = 0; i < n; i++)
		if (jool_eam_valid(&v[i], err, len) == -1)
			return -1;
	if ((list = jmsg_nest(msg, JOOL_A_EAMT_ENTRIES)) == NULL)
		return jmsg_full("EAM list", err, len);
	for (i = 0; i < n; i++) {
		if ((e = jmsg_nest(msg, JOOL_A_LIST_ENTRY)) == NULL ||
		    jmsg_put_prefix6(msg, JOOL_AE_PREFIX6, &v[i].p6) == -1 ||
		    jmsg_put_prefix4(msg, JOOL_AE_PREFIX4, &v[i].p4) == -1 ||
		    nla_nest_end(msg, e) < 0) {
			nla_nest_cancel(msg, list);
			return jmsg_full("EAM list", err, len);
		}
	}
	if (nla_nest_end(msg, list) < 0)
		return jmsg_full("EAM list", err, len);
	return 0;
}

/*
 * Jool 4.1.9 src/mod/common/nl/pool4.c: ADD and RM read OPERAND, FOREACH
 * reads OFFSET, both with attribute.c jnla_get_pool4(), which zero-fills
 * any field left out (#413).  As an offset, the nest's own PROTO picks the
 * table (not JOOL_A_PROTO) and MARK, PREFIX and the ports find the entry
 * (db/pool4/db.c pool4db_foreach_sample()).
 */
int
jmsg_put_pool4(struct nl_msg *msg, int attr, const struct jool_pool4 *p,
    char *err, size_t len)
{
	struct nlattr	*nest;

	if (jmsg_req_hdr(msg) == NULL)
		return jmsg_fail(err, len, "pool4: not a Jool request");
	if (attr != JOOL_A_OPERAND && attr != JOOL_A_OFFSET)
		return jmsg_fail(err, len, "pool4: attribute %d is neither "
		    "OPERAND nor OFFSET", attr);
	if (jool_pool4_valid(p, err, len) == -1)
		return -1;

	if ((nest = jmsg_nest(msg, attr)) == NULL)
		return jmsg_full("pool4", err, len);
	if (nla_put_u32(msg, JOOL_AP4_MARK, p->mark) < 0 ||
	    nla_put_u32(msg, JOOL_AP4_ITERATIONS, p->iterations) < 0 ||
	    nla_put_u8(msg, JOOL_AP4_FLAGS, p->flags) < 0 ||
	    nla_put_u8(msg, JOOL_AP4_PROTO, p->proto) < 0 ||
	    jmsg_put_prefix4(msg, JOOL_AP4_PREFIX, &p->prefix) == -1 ||
	    nla_put_u16(msg, JOOL_AP4_PORT_MIN, p->port_min) < 0 ||
	    nla_put_u16(msg, JOOL_AP4_PORT_MAX, p->port_max) < 0) {
		nla_nest_cancel(msg, nest);
		return jmsg_full("pool4", err, len);
	}
	if (nla_nest_end(msg, nest) < 0)
		return jmsg_full("pool4", err, len);
	return 0;
}

/*
 * Jool 4.1.9 src/mod/common/nl/bib.c handle_bib_foreach(): OFFSET is the
 * BIB entry nest itself (attribute.c jnla_get_bib()); the kernel resumes
 * after its SRC4 in the table of its PROTO.  JOOL_A_PROTO is read only
 * when there is no OFFSET.
 */
int
jmsg_put_bib_offset(struct nl_msg *msg, const struct jool_bib *b, char *err,
    size_t len)
{
	struct nlattr	*nest;

	if (jmsg_req_hdr(msg) == NULL)
		return jmsg_fail(err, len, "BIB offset: not a Jool request");
	if (b == NULL)
		return jmsg_fail(err, len, "BIB offset: missing entry");
	if (b->proto > JOOL_L4_ICMP)
		return jmsg_fail(err, len, "BIB offset: protocol %u unknown "
		    "(0 TCP, 1 UDP, 2 ICMP)", b->proto);
	if (b->is_static > 1)
		return jmsg_fail(err, len, "BIB offset: static %u (0 or 1)",
		    b->is_static);

	if ((nest = jmsg_nest(msg, JOOL_A_OFFSET)) == NULL)
		return jmsg_full("BIB offset", err, len);
	if (jmsg_put_taddr6(msg, JOOL_AB_SRC6, &b->src6) == -1 ||
	    jmsg_put_taddr4(msg, JOOL_AB_SRC4, &b->src4) == -1 ||
	    nla_put_u8(msg, JOOL_AB_PROTO, b->proto) < 0 ||
	    nla_put_u8(msg, JOOL_AB_STATIC, b->is_static) < 0) {
		nla_nest_cancel(msg, nest);
		return jmsg_full("BIB offset", err, len);
	}
	if (nla_nest_end(msg, nest) < 0)
		return jmsg_full("BIB offset", err, len);
	return 0;
}

/*
 * Jool 4.1.9 src/mod/common/nl/session.c: OFFSET is the session entry
 * nest itself; parse_offset() reads only SRC4 and DST4, and the protocol
 * comes from JOOL_A_PROTO, mandatory in every SESSION_FOREACH (the caller
 * puts it).  Every field goes anyway (complete entries only).
 */
int
jmsg_put_session_offset(struct nl_msg *msg, const struct jool_session *s,
    char *err, size_t len)
{
	struct nlattr	*nest;

	if (jmsg_req_hdr(msg) == NULL)
		return jmsg_fail(err, len, "session offset: not a Jool "
		    "request");
	if (s == NULL)
		return jmsg_fail(err, len, "session offset: missing entry");
	if (s->proto > JOOL_L4_ICMP)
		return jmsg_fail(err, len, "session offset: protocol %u "
		    "unknown (0 TCP, 1 UDP, 2 ICMP)", s->proto);

	if ((nest = jmsg_nest(msg, JOOL_A_OFFSET)) == NULL)
		return jmsg_full("session offset", err, len);
	if (jmsg_put_taddr6(msg, JOOL_ASE_SRC6, &s->src6) == -1 ||
	    jmsg_put_taddr6(msg, JOOL_ASE_DST6, &s->dst6) == -1 ||
	    jmsg_put_taddr4(msg, JOOL_ASE_SRC4, &s->src4) == -1 ||
	    jmsg_put_taddr4(msg, JOOL_ASE_DST4, &s->dst4) == -1 ||
	    nla_put_u8(msg, JOOL_ASE_PROTO, s->proto) < 0 ||
	    nla_put_u8(msg, JOOL_ASE_STATE, s->state) < 0 ||
	    nla_put_u8(msg, JOOL_ASE_TIMER, s->timer) < 0 ||
	    nla_put_u32(msg, JOOL_ASE_EXPIRATION, s->expiration_ms) < 0) {
		nla_nest_cancel(msg, nest);
		return jmsg_full("session offset", err, len);
	}
	if (nla_nest_end(msg, nest) < 0)
		return jmsg_full("session offset", err, len);
	return 0;
}

/*
 * Jool 4.1.9 src/mod/common/nl/global.c global_update(): GLOBALS is
 * parsed with the policy of the header's xt (common/config.c
 * siit_globals_policy / nat64_globals_policy: ENABLED, BIB_LOGGING and
 * SESSION_LOGGING are u8 bools, POOL6 a prefix6 nest) and every global in
 * it is applied, in one clone-and-replace.  The SIIT policy has no
 * logging globals: a kernel >= 5.2 refuses them as unknown.
 */
int
jmsg_put_globals(struct nl_msg *msg, enum jool_xt xt,
    const struct jool_globals *g, char *err, size_t len)
{
	const struct jool_hdr	*hdr;
	struct nlattr		*nest;

	if ((hdr = jmsg_req_hdr(msg)) == NULL)
		return jmsg_fail(err, len, "globals: not a Jool request");
	if (g == NULL)
		return jmsg_fail(err, len, "globals: missing");
	if (xt != JOOL_XT_SIIT && xt != JOOL_XT_NAT64)
		return jmsg_fail(err, len, "globals: translator type %d "
		    "unknown (1 SIIT, 2 NAT64)", (int)xt);
	if (hdr->xt != xt)
		return jmsg_fail(err, len, "globals: for a %s instance in a "
		    "%s request", xt == JOOL_XT_SIIT ? "SIIT" : "NAT64",
		    hdr->xt == JOOL_XT_SIIT ? "SIIT" : "NAT64");
	if (g->enabled < 0 && !g->has_pool6 && g->bib_logging < 0 &&
	    g->session_logging < 0)
		return jmsg_fail(err, len, "globals: nothing to update");
	if (g->enabled > 1)
		return jmsg_fail(err, len, "globals: manually-enabled %d "
		    "(0 or 1)", g->enabled);
	if (g->bib_logging > 1 || g->session_logging > 1)
		return jmsg_fail(err, len, "globals: logging-bib %d, "
		    "logging-session %d (0 or 1)", g->bib_logging,
		    g->session_logging);
	if (xt == JOOL_XT_SIIT && (g->bib_logging >= 0 ||
	    g->session_logging >= 0))
		return jmsg_fail(err, len, "globals: logging-bib and "
		    "logging-session exist for NAT64 only");
	if (g->has_pool6 && jool_pool6_valid(&g->pool6, err, len) == -1)
		return -1;

	if ((nest = jmsg_nest(msg, JOOL_A_GLOBALS)) == NULL)
		return jmsg_full("globals", err, len);
	if ((g->enabled >= 0 &&
	    nla_put_u8(msg, JOOL_G_ENABLED, (uint8_t)g->enabled) < 0) ||
	    (g->has_pool6 &&
	    jmsg_put_prefix6(msg, JOOL_G_POOL6, &g->pool6) == -1) ||
	    (g->bib_logging >= 0 &&
	    nla_put_u8(msg, JOOL_G_BIB_LOGGING, (uint8_t)g->bib_logging) < 0) ||
	    (g->session_logging >= 0 && nla_put_u8(msg,
	    JOOL_G_SESSION_LOGGING, (uint8_t)g->session_logging) < 0)) {
		nla_nest_cancel(msg, nest);
		return jmsg_full("globals", err, len);
	}
	if (nla_nest_end(msg, nest) < 0)
		return jmsg_full("globals", err, len);
	return 0;
}

/* --------------------------------------------------------------- replies */

/*
 * Index the attributes of a stream by type (NLA_F_NESTED and
 * NLA_F_NET_BYTEORDER masked off); types above max are ignored, and a
 * later duplicate wins, as in the kernel's nla_parse().  Bytes left over
 * that do not make an attribute mean a truncated stream.
 */
static int
jmsg_index(struct nlattr *head, int attrlen, struct nlattr **tb, int max,
    const char *what, char *err, size_t len)
{
	struct nlattr	*pos;
	int		 rem, type;

	memset(tb, 0, sizeof(*tb) * (size_t)(max + 1));
	nla_for_each_attr(pos, head, attrlen, rem) {
		type = nla_type(pos);
		if (type <= max)
			tb[type] = pos;
	}
	if (rem > 0)
		return jmsg_fail(err, len, "%s: truncated attribute (%d bytes "
		    "left over)", what, rem);
	return 0;
}

static int
jmsg_index_nest(const struct nlattr *nest, struct nlattr **tb, int max,
    const char *what, char *err, size_t len)
{
	if (nest == NULL)
		return jmsg_fail(err, len, "%s: missing", what);
	if (nest->nla_len < NLA_HDRLEN)
		return jmsg_fail(err, len, "%s: attribute of %u bytes", what,
		    nest->nla_len);
	return jmsg_index(nla_data(nest), nla_len(nest), tb, max, what, err,
	    len);
}

/* Payload of a mandatory attribute of exactly size bytes, or NULL. */
static const void *
jmsg_field(const struct nlattr *a, int size, const char *what,
    const char *field, char *err, size_t len)
{
	if (a == NULL) {
		jmsg_fail(err, len, "%s: %s missing", what, field);
		return NULL;
	}
	if (nla_len(a) != size) {
		jmsg_fail(err, len, "%s: %s of %d bytes (expected %d)", what,
		    field, nla_len(a), size);
		return NULL;
	}
	return nla_data(a);
}

static int
jmsg_get_u8(const struct nlattr *a, uint8_t *out, const char *what,
    const char *field, char *err, size_t len)
{
	const void	*p;

	if ((p = jmsg_field(a, 1, what, field, err, len)) == NULL)
		return -1;
	memcpy(out, p, 1);
	return 0;
}

static int
jmsg_get_u16(const struct nlattr *a, uint16_t *out, const char *what,
    const char *field, char *err, size_t len)
{
	const void	*p;

	if ((p = jmsg_field(a, 2, what, field, err, len)) == NULL)
		return -1;
	memcpy(out, p, 2);
	return 0;
}

static int
jmsg_get_u32(const struct nlattr *a, uint32_t *out, const char *what,
    const char *field, char *err, size_t len)
{
	const void	*p;

	if ((p = jmsg_field(a, 4, what, field, err, len)) == NULL)
		return -1;
	memcpy(out, p, 4);
	return 0;
}

static int
jmsg_get_proto(const struct nlattr *a, uint8_t *out, const char *what,
    char *err, size_t len)
{
	if (jmsg_get_u8(a, out, what, "PROTO", err, len) == -1)
		return -1;
	if (*out > JOOL_L4_ICMP)
		return jmsg_fail(err, len, "%s: protocol %u unknown", what,
		    *out);
	return 0;
}

/*
 * A prefix6 nest.  An unset prefix (LEN but no ADDR: attribute.c
 * jnla_put_prefix6() with NULL) sets *set to 0 when set is given, and is
 * an error otherwise.
 */
static int
jmsg_get_prefix6(const struct nlattr *a, struct jool_prefix6 *out, int *set,
    const char *what, char *err, size_t len)
{
	struct nlattr	*tb[JOOL_AP_LEN + 1];
	const void	*p;

	if (jmsg_index_nest(a, tb, JOOL_AP_LEN, what, err, len) == -1)
		return -1;
	memset(out, 0, sizeof(*out));
	if (jmsg_get_u8(tb[JOOL_AP_LEN], &out->len, what, "LEN", err,
	    len) == -1)
		return -1;
	if (tb[JOOL_AP_ADDR] == NULL && set != NULL) {
		out->len = 0;
		*set = 0;
		return 0;
	}
	if ((p = jmsg_field(tb[JOOL_AP_ADDR], sizeof(out->addr), what, "ADDR",
	    err, len)) == NULL)
		return -1;
	memcpy(&out->addr, p, sizeof(out->addr));
	if (out->len > 128)
		return jmsg_fail(err, len, "%s: length %u out of range", what,
		    out->len);
	if (set != NULL)
		*set = 1;
	return 0;
}

static int
jmsg_get_prefix4(const struct nlattr *a, struct jool_prefix4 *out,
    const char *what, char *err, size_t len)
{
	struct nlattr	*tb[JOOL_AP_LEN + 1];
	const void	*p;

	if (jmsg_index_nest(a, tb, JOOL_AP_LEN, what, err, len) == -1)
		return -1;
	memset(out, 0, sizeof(*out));
	if (jmsg_get_u8(tb[JOOL_AP_LEN], &out->len, what, "LEN", err,
	    len) == -1)
		return -1;
	if ((p = jmsg_field(tb[JOOL_AP_ADDR], sizeof(out->addr), what, "ADDR",
	    err, len)) == NULL)
		return -1;
	memcpy(&out->addr, p, sizeof(out->addr));
	if (out->len > 32)
		return jmsg_fail(err, len, "%s: length %u out of range", what,
		    out->len);
	return 0;
}

/* A taddr nest: ADDR of alen bytes and PORT, both mandatory. */
static int
jmsg_get_taddr(const struct nlattr *a, void *addr, int alen, uint16_t *port,
    const char *what, char *err, size_t len)
{
	struct nlattr	*tb[JOOL_AT_PORT + 1];
	const void	*p;

	if (jmsg_index_nest(a, tb, JOOL_AT_PORT, what, err, len) == -1)
		return -1;
	if ((p = jmsg_field(tb[JOOL_AT_ADDR], alen, what, "ADDR", err,
	    len)) == NULL)
		return -1;
	memcpy(addr, p, (size_t)alen);
	return jmsg_get_u16(tb[JOOL_AT_PORT], port, what, "PORT", err, len);
}

#define jmsg_get_taddr6(a, t, what, err, len)				\
	jmsg_get_taddr(a, &(t)->addr, sizeof(struct in6_addr),		\
	    &(t)->port, what, err, len)
#define jmsg_get_taddr4(a, t, what, err, len)				\
	jmsg_get_taddr(a, &(t)->addr, sizeof(struct in_addr),		\
	    &(t)->port, what, err, len)

/*
 * Jool 4.1.9 src/mod/common/nl/nl_core.c: a reply is genlmsg_put(cmd 0)
 * plus a copy of the request's Jool header, which may gain ERROR and M.
 * jresponse_send_simple() answers an error with ERROR, JOOL_AERR_CODE (u16,
 * positive errno, clamped to 65535) and JOOL_AERR_MSG (the NUL-terminated
 * log_err() text, cut to 128 bytes if it does not fit; it may be empty).
 */
int
jmsg_reply(struct nlmsghdr *nlh, struct jool_reply *r, char *err, size_t len)
{
	struct nlattr		*tb[JOOL_AERR_MSG + 1];
	struct jool_hdr		 hdr;
	const char		*s;
	size_t			 n;
	uint16_t		 code;

	if (r == NULL)
		return jmsg_fail(err, len, "Jool reply: no place to decode");
	memset(r, 0, sizeof(*r));
	if (nlh == NULL || nlh->nlmsg_len < NLMSG_HDRLEN)
		return jmsg_fail(err, len, "Jool reply: no netlink header");
	if (nlh->nlmsg_type == NLMSG_ERROR)
		return jmsg_fail(err, len, "Jool reply: a netlink error or "
		    "ack, not a Jool reply");
	if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
		return jmsg_fail(err, len, "Jool reply: netlink control "
		    "message %u, not a Jool reply", nlh->nlmsg_type);
	if (nlh->nlmsg_len < JMSG_ATTRS_OFF)
		return jmsg_fail(err, len, "Jool reply: %u bytes, too short "
		    "for the headers (%u)", nlh->nlmsg_len,
		    (unsigned)JMSG_ATTRS_OFF);
	memcpy(&hdr, (const char *)nlh + NLMSG_HDRLEN + GENL_HDRLEN,
	    sizeof(hdr));
	if (memcmp(hdr.magic, JOOL_MAGIC, sizeof(hdr.magic)) != 0)
		return jmsg_fail(err, len, "Jool reply: bad magic (not "
		    "Jool's protocol)");

	r->flags = hdr.flags;
	r->attrs = (struct nlattr *)((char *)nlh + JMSG_ATTRS_OFF);
	r->attrlen = (int)(nlh->nlmsg_len - JMSG_ATTRS_OFF);
	if (jmsg_index(r->attrs, r->attrlen, tb, JOOL_AERR_MSG, "Jool reply",
	    err, len) == -1)
		return -1;
	if (!(r->flags & JOOL_HF_ERROR))
		return 0;

	if (tb[JOOL_AERR_MSG] != NULL) {
		/* NUL-safe: the text ends at its NUL or at the attribute. */
		s = nla_data(tb[JOOL_AERR_MSG]);
		n = strnlen(s, (size_t)nla_len(tb[JOOL_AERR_MSG]));
		if (n > sizeof(r->msg) - 1)
			n = sizeof(r->msg) - 1;
		memcpy(r->msg, s, n);
		while (n > 0 && (r->msg[n - 1] == '\n' || r->msg[n - 1] == ' '))
			n--;
		r->msg[n] = '\0';
	}
	if (tb[JOOL_AERR_CODE] == NULL)
		return jmsg_fail(err, len, "Jool reply: error without a code: "
		    "%s", r->msg[0] != '\0' ? r->msg : "(no message)");
	if (jmsg_get_u16(tb[JOOL_AERR_CODE], &code, "Jool error reply",
	    "CODE", err, len) == -1)
		return -1;
	if (code == 0)
		return jmsg_fail(err, len, "Jool reply: error code 0: %s",
		    r->msg[0] != '\0' ? r->msg : "(no message)");
	r->error = code;
	return 0;
}

static int
jmsg_check_reply(const struct jool_reply *r, const char *what, char *err,
    size_t len)
{
	if (r == NULL || (r->attrs == NULL && r->attrlen != 0) ||
	    r->attrlen < 0)
		return jmsg_fail(err, len, "%s: no reply", what);
	if (r->error != 0)
		return jmsg_fail(err, len, "%s: Jool error %d: %s", what,
		    r->error, r->msg);
	return 0;
}

/*
 * Jool 4.1.9 src/mod/common/nl/instance.c serialize_instance(): {NS u32
 * (the low half of the struct net pointer), XF u8, INAME string}.
 */
int
jmsg_parse_instance(struct nlattr *a, struct jool_instance *out, char *err,
    size_t len)
{
	struct nlattr	*tb[JOOL_AIE_INAME + 1];
	const char	*s;
	size_t		 n;

	if (out == NULL)
		return jmsg_fail(err, len, "instance entry: no place to "
		    "decode");
	memset(out, 0, sizeof(*out));
	if (jmsg_index_nest(a, tb, JOOL_AIE_INAME, "instance entry", err,
	    len) == -1)
		return -1;
	if (jmsg_get_u32(tb[JOOL_AIE_NS], &out->ns, "instance entry", "NS",
	    err, len) == -1 ||
	    jmsg_get_u8(tb[JOOL_AIE_XF], &out->xf, "instance entry", "XF",
	    err, len) == -1)
		return -1;
	if (tb[JOOL_AIE_INAME] == NULL)
		return jmsg_fail(err, len, "instance entry: INAME missing");
	s = nla_data(tb[JOOL_AIE_INAME]);
	n = strnlen(s, (size_t)nla_len(tb[JOOL_AIE_INAME]));
	if (n == (size_t)nla_len(tb[JOOL_AIE_INAME]))
		return jmsg_fail(err, len, "instance entry: INAME not "
		    "terminated");
	if (n > JOOL_INAME_MAX)
		return jmsg_fail(err, len, "instance entry: INAME of %zu "
		    "characters (at most %d)", n, JOOL_INAME_MAX);
	memcpy(out->iname, s, n);
	return 0;
}

/* Jool 4.1.9 src/mod/common/nl/attribute.c jnla_put_eam(). */
int
jmsg_parse_eam(struct nlattr *a, struct jool_eam *out, char *err,
    size_t len)
{
	struct nlattr	*tb[JOOL_AE_PREFIX4 + 1];

	if (out == NULL)
		return jmsg_fail(err, len, "EAM entry: no place to decode");
	memset(out, 0, sizeof(*out));
	if (jmsg_index_nest(a, tb, JOOL_AE_PREFIX4, "EAM entry", err,
	    len) == -1)
		return -1;
	if (jmsg_get_prefix6(tb[JOOL_AE_PREFIX6], &out->p6, NULL,
	    "EAM entry PREFIX6", err, len) == -1)
		return -1;
	return jmsg_get_prefix4(tb[JOOL_AE_PREFIX4], &out->p4,
	    "EAM entry PREFIX4", err, len);
}

/*
 * Jool 4.1.9 src/mod/common/nl/attribute.c jnla_put_pool4(): every field,
 * ITERATIONS computed and FLAGS the table's (db/pool4/db.c
 * __update_sample()), PREFIX a /32.
 */
int
jmsg_parse_pool4(struct nlattr *a, struct jool_pool4 *out, char *err,
    size_t len)
{
	struct nlattr	*tb[JOOL_AP4_PORT_MAX + 1];
	const char	*w = "pool4 entry";

	if (out == NULL)
		return jmsg_fail(err, len, "%s: no place to decode", w);
	memset(out, 0, sizeof(*out));
	if (jmsg_index_nest(a, tb, JOOL_AP4_PORT_MAX, w, err, len) == -1)
		return -1;
	if (jmsg_get_u32(tb[JOOL_AP4_MARK], &out->mark, w, "MARK", err,
	    len) == -1 ||
	    jmsg_get_u32(tb[JOOL_AP4_ITERATIONS], &out->iterations, w,
	    "ITERATIONS", err, len) == -1 ||
	    jmsg_get_u8(tb[JOOL_AP4_FLAGS], &out->flags, w, "FLAGS", err,
	    len) == -1 ||
	    jmsg_get_proto(tb[JOOL_AP4_PROTO], &out->proto, w, err,
	    len) == -1 ||
	    jmsg_get_prefix4(tb[JOOL_AP4_PREFIX], &out->prefix,
	    "pool4 entry PREFIX", err, len) == -1 ||
	    jmsg_get_u16(tb[JOOL_AP4_PORT_MIN], &out->port_min, w, "PORT_MIN",
	    err, len) == -1 ||
	    jmsg_get_u16(tb[JOOL_AP4_PORT_MAX], &out->port_max, w, "PORT_MAX",
	    err, len) == -1)
		return -1;
	return 0;
}

/* Jool 4.1.9 src/mod/common/nl/attribute.c jnla_put_bib(): every field. */
int
jmsg_parse_bib(struct nlattr *a, struct jool_bib *out, char *err, size_t len)
{
	struct nlattr	*tb[JOOL_AB_STATIC + 1];
	const char	*w = "BIB entry";

	if (out == NULL)
		return jmsg_fail(err, len, "%s: no place to decode", w);
	memset(out, 0, sizeof(*out));
	if (jmsg_index_nest(a, tb, JOOL_AB_STATIC, w, err, len) == -1)
		return -1;
	if (jmsg_get_taddr6(tb[JOOL_AB_SRC6], &out->src6, "BIB entry SRC6",
	    err, len) == -1 ||
	    jmsg_get_taddr4(tb[JOOL_AB_SRC4], &out->src4, "BIB entry SRC4",
	    err, len) == -1 ||
	    jmsg_get_proto(tb[JOOL_AB_PROTO], &out->proto, w, err, len) == -1 ||
	    jmsg_get_u8(tb[JOOL_AB_STATIC], &out->is_static, w, "STATIC", err,
	    len) == -1)
		return -1;
	return 0;
}

/*
 * Jool 4.1.9 src/mod/common/nl/attribute.c jnla_put_session(): every
 * field; EXPIRATION is the milliseconds left, 0 when overdue.
 */
int
jmsg_parse_session(struct nlattr *a, struct jool_session *out, char *err,
    size_t len)
{
	struct nlattr	*tb[JOOL_ASE_EXPIRATION + 1];
	const char	*w = "session entry";

	if (out == NULL)
		return jmsg_fail(err, len, "%s: no place to decode", w);
	memset(out, 0, sizeof(*out));
	if (jmsg_index_nest(a, tb, JOOL_ASE_EXPIRATION, w, err, len) == -1)
		return -1;
	if (jmsg_get_taddr6(tb[JOOL_ASE_SRC6], &out->src6,
	    "session entry SRC6", err, len) == -1 ||
	    jmsg_get_taddr6(tb[JOOL_ASE_DST6], &out->dst6,
	    "session entry DST6", err, len) == -1 ||
	    jmsg_get_taddr4(tb[JOOL_ASE_SRC4], &out->src4,
	    "session entry SRC4", err, len) == -1 ||
	    jmsg_get_taddr4(tb[JOOL_ASE_DST4], &out->dst4,
	    "session entry DST4", err, len) == -1 ||
	    jmsg_get_proto(tb[JOOL_ASE_PROTO], &out->proto, w, err,
	    len) == -1 ||
	    jmsg_get_u8(tb[JOOL_ASE_STATE], &out->state, w, "STATE", err,
	    len) == -1 ||
	    jmsg_get_u8(tb[JOOL_ASE_TIMER], &out->timer, w, "TIMER", err,
	    len) == -1 ||
	    jmsg_get_u32(tb[JOOL_ASE_EXPIRATION], &out->expiration_ms, w,
	    "EXPIRATION", err, len) == -1)
		return -1;
	return 0;
}

/*
 * Jool 4.1.9 src/mod/common/nl/instance.c handle_instance_hello(): a
 * top-level (not nested) STATUS u8, 0 alive, 1 dead (common/config.h
 * enum instance_hello_status).
 */
int
jmsg_parse_hello(const struct jool_reply *r, int *alive, char *err,
    size_t len)
{
	struct nlattr	*tb[JOOL_AIS_STATUS + 1];
	uint8_t		 status;

	if (jmsg_check_reply(r, "instance hello", err, len) == -1)
		return -1;
	if (alive == NULL)
		return jmsg_fail(err, len, "instance hello: no place to "
		    "decode");
	if (jmsg_index(r->attrs, r->attrlen, tb, JOOL_AIS_STATUS,
	    "instance hello", err, len) == -1 ||
	    jmsg_get_u8(tb[JOOL_AIS_STATUS], &status, "instance hello",
	    "STATUS", err, len) == -1)
		return -1;
	if (status > 1)
		return jmsg_fail(err, len, "instance hello: status %u unknown "
		    "(0 alive, 1 dead)", status);
	*alive = status == 0;
	return 0;
}

/*
 * Jool 4.1.9 src/mod/common/db/global.c globals_foreach(): top-level
 * attributes typed by global id, in id order, only those of the
 * instance's type; bools as u8 (common/global.c raw2nl_bool()), pool6 a
 * prefix6 nest with LEN only when unset.  A NAT64 reply is about 300
 * bytes, so the kernel never needs M here.
 */
int
jmsg_parse_globals(const struct jool_reply *r, struct jool_globals *g,
    char *err, size_t len)
{
	struct nlattr	*tb[JOOL_G_SESSION_LOGGING + 1];
	uint8_t		 v;

	if (jmsg_check_reply(r, "globals", err, len) == -1)
		return -1;
	if (g == NULL)
		return jmsg_fail(err, len, "globals: no place to decode");
	memset(g, 0, sizeof(*g));
	g->enabled = g->bib_logging = g->session_logging = -1;
	if (jmsg_index(r->attrs, r->attrlen, tb, JOOL_G_SESSION_LOGGING,
	    "globals", err, len) == -1)
		return -1;
	if (tb[JOOL_G_ENABLED] != NULL) {
		if (jmsg_get_u8(tb[JOOL_G_ENABLED], &v, "globals",
		    "manually-enabled", err, len) == -1)
			return -1;
		g->enabled = v != 0;
	}
	if (tb[JOOL_G_POOL6] != NULL && jmsg_get_prefix6(tb[JOOL_G_POOL6],
	    &g->pool6, &g->has_pool6, "globals pool6", err, len) == -1)
		return -1;
	if (tb[JOOL_G_BIB_LOGGING] != NULL) {
		if (jmsg_get_u8(tb[JOOL_G_BIB_LOGGING], &v, "globals",
		    "logging-bib", err, len) == -1)
			return -1;
		g->bib_logging = v != 0;
	}
	if (tb[JOOL_G_SESSION_LOGGING] != NULL) {
		if (jmsg_get_u8(tb[JOOL_G_SESSION_LOGGING], &v, "globals",
		    "logging-session", err, len) == -1)
			return -1;
		g->session_logging = v != 0;
	}
	return 0;
}

/*
 * Jool 4.1.9 src/mod/common/nl/stats.c handle_stats_foreach(): top-level
 * attributes typed by stat id (1 up), each a u64 written with
 * nla_put_u64_64bit(pad = JSTAT_PADDING), which adds an empty pad
 * attribute before a value where the architecture wants 8-byte alignment
 * (not on x86 or arm64).  The values may sit at any 4-byte boundary.
 */
int
jmsg_parse_stats(const struct jool_reply *r, int pad_id,
    void (*fn)(void *, unsigned, uint64_t), void *arg, char *err,
    size_t len)
{
	struct nlattr	*pos;
	uint64_t	 v;
	int		 rem, type, last;

	if (jmsg_check_reply(r, "stats", err, len) == -1)
		return -1;
	if (fn == NULL || pad_id < 1)
		return jmsg_fail(err, len, "stats: bad arguments");
	last = 0;
	nla_for_each_attr(pos, r->attrs, r->attrlen, rem) {
		type = nla_type(pos);
		if (type >= pad_id)
			continue;
		if (type == 0)
			return jmsg_fail(err, len, "stats: attribute type 0");
		if (nla_len(pos) != (int)sizeof(v))
			return jmsg_fail(err, len, "stats: counter %d of %d "
			    "bytes (expected 8)", type, nla_len(pos));
		memcpy(&v, nla_data(pos), sizeof(v));
		fn(arg, (unsigned)type, v);
		last = type;
	}
	if (rem > 0)
		return jmsg_fail(err, len, "stats: truncated attribute (%d "
		    "bytes left over)", rem);
	return last;
}
