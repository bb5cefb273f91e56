/* SPDX-License-Identifier: ISC */
/*
 * Tests for the Jool message builders and parsers (src/jool/msg.c), on a
 * host without the module.  Requests are checked twice: byte by byte and
 * field by field through libnl, and against a small model of what a
 * kernel >= 5.2 accepts from Jool 4.1.9 (NL_VALIDATE_STRICT with the
 * policies of Jool's src/common/config.c: NLA_F_NESTED on every nest and
 * on nothing else, exact scalar sizes, no attribute outside the policy, no
 * bytes left over).  Replies are written by hand as the kernel sends them
 * (nlmsghdr, genlmsghdr with cmd 0, the echoed Jool header, attributes),
 * with and without NLA_F_NESTED, into heap blocks of their exact size so
 * that AddressSanitizer sees any read past the end.  A seeded fuzz loop
 * feeds random and randomly structured attributes to every parser.
 */

#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <linux/genetlink.h>
#include <netlink/genl/genl.h>

#include "t.h"
#include "jool/msg.h"

#define FAMILY		0x1d
#define ATTRS_OFF	(NLMSG_HDRLEN + GENL_HDRLEN + JOOL_HDR_LEN)
#define PAD_ID		70	/* JSTAT_PADDING in Jool 4.1.9 */

static char	err[256];

static struct in6_addr
a6(const char *s)
{
	struct in6_addr	a;

	if (inet_pton(AF_INET6, s, &a) != 1)
		abort();
	return a;
}

static struct in_addr
a4(const char *s)
{
	struct in_addr	a;

	if (inet_pton(AF_INET, s, &a) != 1)
		abort();
	return a;
}

static struct jool_prefix6
p6(const char *s, uint8_t len)
{
	struct jool_prefix6	p;

	p.addr = a6(s);
	p.len = len;
	return p;
}

static struct jool_prefix4
p4(const char *s, uint8_t len)
{
	struct jool_prefix4	p;

	p.addr = a4(s);
	p.len = len;
	return p;
}

static int
has(const char *s, const char *sub)
{
	return strstr(s, sub) != NULL;
}

/* ------------------------------------------------ a strict kernel model */

enum pt { P_NONE, P_U8, P_U16, P_U32, P_ADDR4, P_ADDR6, P_INAME, P_NEST,
    P_BIN };

struct pol {
	enum pt			 t;
	const struct pol	*sub;	/* P_NEST: policy of the content */
	int			 max;	/* and its highest type */
};

/* Jool 4.1.9 src/common/config.c, types renamed */
static const struct pol pol_prefix6[] = { [1] = { P_ADDR6, NULL, 0 },
    [2] = { P_U8, NULL, 0 } };
static const struct pol pol_prefix4[] = { [1] = { P_ADDR4, NULL, 0 },
    [2] = { P_U8, NULL, 0 } };
static const struct pol pol_taddr6[] = { [1] = { P_ADDR6, NULL, 0 },
    [2] = { P_U16, NULL, 0 } };
static const struct pol pol_taddr4[] = { [1] = { P_ADDR4, NULL, 0 },
    [2] = { P_U16, NULL, 0 } };
static const struct pol pol_eam[] = { [1] = { P_NEST, pol_prefix6, 2 },
    [2] = { P_NEST, pol_prefix4, 2 } };
static const struct pol pol_pool4[] = { [1] = { P_U32, NULL, 0 },
    [2] = { P_U32, NULL, 0 }, [3] = { P_U8, NULL, 0 },
    [4] = { P_U8, NULL, 0 }, [5] = { P_NEST, pol_prefix4, 2 },
    [6] = { P_U16, NULL, 0 }, [7] = { P_U16, NULL, 0 } };
static const struct pol pol_bib[] = { [1] = { P_NEST, pol_taddr6, 2 },
    [2] = { P_NEST, pol_taddr4, 2 }, [3] = { P_U8, NULL, 0 },
    [4] = { P_U8, NULL, 0 } };
static const struct pol pol_session[] = { [1] = { P_NEST, pol_taddr6, 2 },
    [2] = { P_NEST, pol_taddr6, 2 }, [3] = { P_NEST, pol_taddr4, 2 },
    [4] = { P_NEST, pol_taddr4, 2 }, [5] = { P_U8, NULL, 0 },
    [6] = { P_U8, NULL, 0 }, [7] = { P_U8, NULL, 0 },
    [8] = { P_U32, NULL, 0 } };
static const struct pol pol_inst[] = { [1] = { P_U32, NULL, 0 },
    [2] = { P_U8, NULL, 0 }, [3] = { P_INAME, NULL, 0 } };
static const struct pol pol_inst_add[] = { [1] = { P_U8, NULL, 0 },
    [2] = { P_NEST, pol_prefix6, 2 } };
/* siit_globals_policy and nat64_globals_policy (max 31), the ids we use */
static const struct pol pol_g_siit[32] = { [1] = { P_U8, NULL, 0 },
    [2] = { P_NEST, pol_prefix6, 2 }, [3] = { P_U32, NULL, 0 } };
static const struct pol pol_g_nat64[32] = { [1] = { P_U8, NULL, 0 },
    [2] = { P_NEST, pol_prefix6, 2 }, [3] = { P_U32, NULL, 0 },
    [24] = { P_U8, NULL, 0 }, [25] = { P_U8, NULL, 0 } };

static int
strict_attrs(struct nlattr *head, int len, const struct pol *pol, int max)
{
	struct nlattr		*a;
	const struct pol	*p;
	int			 rem, type, nested, n;

	nla_for_each_attr(a, head, len, rem) {
		type = a->nla_type & NLA_TYPE_MASK;
		nested = (a->nla_type & NLA_F_NESTED) != 0;
		n = nla_len(a);
		if (type == 0 || type > max)
			return 0;
		p = &pol[type];
		if (p->t != P_NEST && nested)
			return 0;	/* "NLA_F_NESTED not expected" */
		switch (p->t) {
		case P_NONE:
			return 0;	/* NL_VALIDATE_UNSPEC */
		case P_U8:
			if (n != 1)
				return 0;
			break;
		case P_U16:
			if (n != 2)
				return 0;
			break;
		case P_U32:
			if (n != 4)
				return 0;
			break;
		case P_ADDR4:	/* NLA_BINARY max 4, then len >= 4 */
			if (n != 4)
				return 0;
			break;
		case P_ADDR6:
			if (n != 16)
				return 0;
			break;
		case P_INAME:	/* NLA_NUL_STRING len 15 */
			if (n < 1 || memchr(nla_data(a), '\0',
			    n < 16 ? n : 16) == NULL)
				return 0;
			break;
		case P_NEST:
			if (!nested || p->sub == NULL ||
			    !strict_attrs(nla_data(a), n, p->sub, p->max))
				return 0;
			break;
		case P_BIN:
			break;
		}
	}
	return rem == 0;
}

/* The whole request under the family policy (nl_handler.c jool_policy). */
static int
strict_msg(struct nl_msg *msg, const struct pol *operand, int omax,
    const struct pol *offset, int fmax, const struct pol *globals)
{
	struct nlmsghdr	*nlh = nlmsg_hdr(msg);
	struct pol	 top[14];

	memset(top, 0, sizeof(top));
	top[JOOL_A_ADDR_QUERY].t = P_BIN;
	top[JOOL_A_GLOBALS] = (struct pol){ P_NEST, globals, 31 };
	top[JOOL_A_OFFSET] = (struct pol){ P_NEST, offset, fmax };
	top[JOOL_A_OFFSET_U8].t = P_U8;
	top[JOOL_A_OPERAND] = (struct pol){ P_NEST, operand, omax };
	top[JOOL_A_PROTO].t = P_U8;
	if (nlh->nlmsg_len < ATTRS_OFF)
		return 0;
	return strict_attrs((struct nlattr *)((char *)nlh + ATTRS_OFF),
	    (int)nlh->nlmsg_len - ATTRS_OFF, top, 13);
}

/* Top-level attributes of a request, through libnl. */
static void
req_parse(struct nl_msg *msg, struct nlattr **tb)
{
	int	rc;

	rc = genlmsg_parse(nlmsg_hdr(msg), JOOL_HDR_LEN, tb, 13, NULL);
	CHECK_INT(rc, 0);
}

static int
is_nested(const struct nlattr *a)
{
	return a != NULL && (a->nla_type & NLA_F_NESTED) != 0;
}

static void
sub_parse(struct nlattr *nest, struct nlattr **tb, int max)
{
	int	rc;

	CHECK(is_nested(nest));
	memset(tb, 0, sizeof(*tb) * (size_t)(max + 1));
	if (nest == NULL)
		return;
	rc = nla_parse_nested(tb, max, nest, NULL);
	CHECK_INT(rc, 0);
}

static void
check_hdr(struct nl_msg *msg, int op, int xt, const char *iname, int flags)
{
	struct nlmsghdr	*nlh = nlmsg_hdr(msg);
	const uint8_t	*g = nlmsg_data(nlh);
	const uint8_t	*h = g + GENL_HDRLEN;
	size_t		 i, n = strlen(iname);

	CHECK(nlh->nlmsg_len >= ATTRS_OFF);
	CHECK_INT(nlh->nlmsg_type, FAMILY);
	CHECK_INT(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	CHECK_INT(g[0], op);			/* genlmsghdr.cmd */
	CHECK_INT(g[1], 1);			/* genlmsghdr.version */
	CHECK(memcmp(h, "jool", 4) == 0);
	CHECK(h[4] == 0x04 && h[5] == 0x01 && h[6] == 0x09 && h[7] == 0x00);
	CHECK_INT(h[8], xt);
	CHECK_INT(h[9], flags);
	CHECK(h[10] == 0 && h[11] == 0);
	CHECK(memcmp(h + 12, iname, n) == 0);
	for (i = 12 + n; i < JOOL_HDR_LEN; i++)
		CHECK_INT(h[i], 0);
}

static struct nl_msg *
req(enum jool_op op, enum jool_xt xt)
{
	struct nl_msg	*msg;

	msg = jmsg_request(FAMILY, op, xt, "default", 0, err, sizeof(err));
	if (msg == NULL) {
		fprintf(stderr, "jmsg_request: %s\n", err);
		abort();
	}
	return msg;
}

/* ------------------------------------------------------------ validators */

static void
test_iname(void)
{
	CHECK_INT(jool_iname_valid("default", err, sizeof(err)), 0);
	CHECK_INT(jool_iname_valid("a", err, sizeof(err)), 0);
	CHECK_INT(jool_iname_valid("nat64_A.b-9", err, sizeof(err)), 0);
	CHECK_INT(jool_iname_valid("abcdefghijklmno", err, sizeof(err)), 0);

	CHECK_INT(jool_iname_valid(NULL, err, sizeof(err)), -1);
	CHECK_INT(jool_iname_valid("", err, sizeof(err)), -1);
	CHECK(has(err, "empty"));
	CHECK_INT(jool_iname_valid("abcdefghijklmnop", err, sizeof(err)), -1);
	CHECK_STR(err, "instance name \"abcdefghijklmno...\": too long (at "
	    "most 15 characters)");
	CHECK_INT(jool_iname_valid("a b", err, sizeof(err)), -1);
	CHECK_STR(err, "instance name: character 2 (0x20) not allowed "
	    "(A-Z a-z 0-9 _ . -)");
	CHECK_INT(jool_iname_valid("a/b", err, sizeof(err)), -1);
	CHECK_INT(jool_iname_valid("x\n", err, sizeof(err)), -1);
	CHECK_INT(jool_iname_valid("\xc3\xa9t\xc3\xa9", err, sizeof(err)), -1);
	CHECK(has(err, "0xc3"));
	/* NULL err is allowed */
	CHECK_INT(jool_iname_valid("", NULL, 0), -1);
}

static void
test_pool6(void)
{
	struct jool_prefix6	p;
	static const uint8_t	ok[] = { 32, 40, 48, 56, 64, 96 };
	size_t			i;

	p = p6("64:ff9b::", 96);
	CHECK_INT(jool_pool6_valid(&p, err, sizeof(err)), 0);
	for (i = 0; i < sizeof(ok); i++) {
		p = p6("2001:db8::", ok[i]);
		CHECK_INT(jool_pool6_valid(&p, err, sizeof(err)), 0);
	}

	p = p6("2001:db8::", 33);
	CHECK_INT(jool_pool6_valid(&p, err, sizeof(err)), -1);
	CHECK_STR(err, "pool6 2001:db8::/33: length must be 32, 40, 48, 56, "
	    "64 or 96 (RFC 6052)");
	p = p6("::", 0);
	CHECK_INT(jool_pool6_valid(&p, err, sizeof(err)), -1);
	p = p6("2001:db8::", 128);
	CHECK_INT(jool_pool6_valid(&p, err, sizeof(err)), -1);

	/* u-bit octet (bits 64-71) */
	p = p6("2001:db8:0:0:100::", 96);
	CHECK_INT(jool_pool6_valid(&p, err, sizeof(err)), -1);
	CHECK_STR(err, "pool6 2001:db8:0:0:100::/96: bits 64-71 must be "
	    "zero (RFC 6052 §2.2)");
	p = p6("2001:db8:0:0:ff::", 96);	/* bits 72-79: fine */
	CHECK_INT(jool_pool6_valid(&p, err, sizeof(err)), 0);

	/* host bits */
	p = p6("64:ff9b::1", 96);
	CHECK_INT(jool_pool6_valid(&p, err, sizeof(err)), -1);
	CHECK_STR(err, "pool6 64:ff9b::1/96: host bits set after /96");
	p = p6("2001:db8::1:0:0:0", 64);
	CHECK_INT(jool_pool6_valid(&p, err, sizeof(err)), -1);
	CHECK_INT(jool_pool6_valid(NULL, err, sizeof(err)), -1);
}

static struct jool_pool4
pool4(const char *addr, uint8_t proto, uint16_t min, uint16_t max)
{
	struct jool_pool4	p;

	memset(&p, 0, sizeof(p));
	p.mark = 7;
	p.proto = proto;
	p.prefix = p4(addr, 32);
	p.port_min = min;
	p.port_max = max;
	return p;
}

static void
test_pool4(void)
{
	struct jool_pool4	p;

	p = pool4("192.0.2.1", JOOL_L4_TCP, 1, 65535);
	CHECK_INT(jool_pool4_valid(&p, err, sizeof(err)), 0);
	p = pool4("192.0.2.1", JOOL_L4_UDP, 61001, 65535);
	CHECK_INT(jool_pool4_valid(&p, err, sizeof(err)), 0);
	p = pool4("192.0.2.1", JOOL_L4_ICMP, 0, 65535);
	CHECK_INT(jool_pool4_valid(&p, err, sizeof(err)), 0);
	p = pool4("192.0.2.1", JOOL_L4_TCP, 80, 80);
	CHECK_INT(jool_pool4_valid(&p, err, sizeof(err)), 0);
	p.flags = JOOL_ITER_SET;
	p.iterations = 1024;
	CHECK_INT(jool_pool4_valid(&p, err, sizeof(err)), 0);
	p.flags = JOOL_ITER_SET | JOOL_ITER_AUTO;
	p.iterations = 0;
	CHECK_INT(jool_pool4_valid(&p, err, sizeof(err)), 0);
	p.flags = JOOL_ITER_SET | JOOL_ITER_INFINITE;
	CHECK_INT(jool_pool4_valid(&p, err, sizeof(err)), 0);
	p.flags = JOOL_ITER_AUTO;	/* as the kernel reports a table */
	p.iterations = 1536;
	CHECK_INT(jool_pool4_valid(&p, err, sizeof(err)), 0);

	p = pool4("192.0.2.0", JOOL_L4_TCP, 1, 65535);
	p.prefix.len = 24;
	CHECK_INT(jool_pool4_valid(&p, err, sizeof(err)), -1);
	CHECK(has(err, "192.0.2.0/24") && has(err, "/32") &&
	    has(err, "#413"));
	p.prefix = p4("0.0.0.0", 0);
	CHECK_INT(jool_pool4_valid(&p, err, sizeof(err)), -1);
	p = pool4("192.0.2.1", JOOL_L4_TCP, 2000, 1000);
	CHECK_INT(jool_pool4_valid(&p, err, sizeof(err)), -1);
	CHECK_STR(err, "pool4 192.0.2.1 TCP 2000-1000: port_min > port_max");
	p = pool4("192.0.2.1", JOOL_L4_TCP, 0, 100);
	CHECK_INT(jool_pool4_valid(&p, err, sizeof(err)), -1);
	CHECK_STR(err, "pool4 192.0.2.1 TCP 0-100: port 0 not allowed for "
	    "TCP or UDP (1-65535)");
	p = pool4("192.0.2.1", JOOL_L4_UDP, 0, 100);
	CHECK_INT(jool_pool4_valid(&p, err, sizeof(err)), -1);
	p = pool4("192.0.2.1", 3, 1, 100);
	CHECK_INT(jool_pool4_valid(&p, err, sizeof(err)), -1);
	CHECK_STR(err, "pool4 192.0.2.1/32: protocol 3 unknown (0 TCP, 1 UDP, "
	    "2 ICMP)");
	p = pool4("192.0.2.1", JOOL_L4_TCP, 1, 100);
	p.flags = 8;
	CHECK_INT(jool_pool4_valid(&p, err, sizeof(err)), -1);
	p.flags = JOOL_ITER_SET | JOOL_ITER_AUTO | JOOL_ITER_INFINITE;
	CHECK_INT(jool_pool4_valid(&p, err, sizeof(err)), -1);
	CHECK(has(err, "both auto and infinite"));
	p.flags = JOOL_ITER_SET;
	p.iterations = 0;
	CHECK_INT(jool_pool4_valid(&p, err, sizeof(err)), -1);
	CHECK_INT(jool_pool4_valid(NULL, err, sizeof(err)), -1);
}

static void
test_eam(void)
{
	struct jool_eam	e;

	e.p6 = p6("2001:db8::", 120);
	e.p4 = p4("192.0.2.0", 24);
	CHECK_INT(jool_eam_valid(&e, err, sizeof(err)), 0);
	e.p6 = p6("2001:db8::1", 128);
	e.p4 = p4("192.0.2.1", 32);
	CHECK_INT(jool_eam_valid(&e, err, sizeof(err)), 0);
	e.p6 = p6("::", 96);
	e.p4 = p4("0.0.0.0", 0);
	CHECK_INT(jool_eam_valid(&e, err, sizeof(err)), 0);

	e.p6 = p6("2001:db8::", 124);
	e.p4 = p4("192.0.2.0", 24);
	CHECK_INT(jool_eam_valid(&e, err, sizeof(err)), -1);
	CHECK_STR(err, "EAM 2001:db8::/124 192.0.2.0/24: suffixes of 4 and 8 "
	    "bits: must be the same size (RFC 7757 §3)");
	e.p6 = p6("2001:db8::1", 120);
	CHECK_INT(jool_eam_valid(&e, err, sizeof(err)), -1);
	CHECK(has(err, "host bits"));
	e.p6 = p6("2001:db8::", 120);
	e.p4 = p4("192.0.2.1", 24);
	CHECK_INT(jool_eam_valid(&e, err, sizeof(err)), -1);
	CHECK(has(err, "192.0.2.1/24: host bits"));
	e.p4 = p4("192.0.2.0", 33);
	CHECK_INT(jool_eam_valid(&e, err, sizeof(err)), -1);
	e.p4 = p4("192.0.2.0", 24);
	e.p6.len = 129;
	CHECK_INT(jool_eam_valid(&e, err, sizeof(err)), -1);
	CHECK_INT(jool_eam_valid(NULL, err, sizeof(err)), -1);
}

/* -------------------------------------------------------------- requests */

static void
test_request(void)
{
	struct nl_msg	*msg;

	msg = jmsg_request(FAMILY, JOOL_OP_EAMT_FOREACH, JOOL_XT_SIIT,
	    "default", 0, err, sizeof(err));
	CHECK(msg != NULL);
	if (msg != NULL) {
		check_hdr(msg, JOOL_OP_EAMT_FOREACH, JOOL_XT_SIIT, "default",
		    0);
		CHECK_INT(nlmsg_hdr(msg)->nlmsg_len, ATTRS_OFF);
		CHECK(strict_msg(msg, NULL, 0, NULL, 0, NULL));
		nlmsg_free(msg);
	}
	msg = jmsg_request(FAMILY, JOOL_OP_POOL4_RM, JOOL_XT_NAT64,
	    "abcdefghijklmno", JOOL_HF_QUICK, err, sizeof(err));
	CHECK(msg != NULL);
	if (msg != NULL) {
		check_hdr(msg, JOOL_OP_POOL4_RM, JOOL_XT_NAT64,
		    "abcdefghijklmno", JOOL_HF_QUICK);
		nlmsg_free(msg);
	}
	msg = jmsg_request(FAMILY, JOOL_OP_GLOBAL_UPDATE, JOOL_XT_SIIT, "s",
	    JOOL_HF_FORCE, err, sizeof(err));
	CHECK(msg != NULL);
	if (msg != NULL) {
		check_hdr(msg, JOOL_OP_GLOBAL_UPDATE, JOOL_XT_SIIT, "s",
		    JOOL_HF_FORCE);
		nlmsg_free(msg);
	}
	msg = jmsg_request(FAMILY, JOOL_OP_STATS_FOREACH, JOOL_XT_NAT64,
	    "default", 0, err, sizeof(err));
	CHECK(msg != NULL);
	nlmsg_free(msg);

	/* #401: an op for the other translator type */
	CHECK(jmsg_request(FAMILY, JOOL_OP_EAMT_ADD, JOOL_XT_NAT64, "default",
	    0, err, sizeof(err)) == NULL);
	CHECK(has(err, "SIIT instances only") && has(err, "#401"));
	CHECK(jmsg_request(FAMILY, JOOL_OP_POOL4_ADD, JOOL_XT_SIIT, "default",
	    0, err, sizeof(err)) == NULL);
	CHECK(has(err, "NAT64 instances only"));
	CHECK(jmsg_request(FAMILY, JOOL_OP_SESSION_FOREACH, JOOL_XT_SIIT,
	    "default", 0, err, sizeof(err)) == NULL);
	CHECK(jmsg_request(FAMILY, JOOL_OP_BIB_FOREACH, JOOL_XT_SIIT,
	    "default", 0, err, sizeof(err)) == NULL);
	CHECK(jmsg_request(FAMILY, JOOL_OP_ADDRESS_QUERY64, JOOL_XT_NAT64,
	    "default", 0, err, sizeof(err)) == NULL);
	/* other bad input */
	CHECK(jmsg_request(FAMILY, JOOL_OP_INSTANCE_HELLO, 0, "default", 0,
	    err, sizeof(err)) == NULL);
	CHECK(jmsg_request(FAMILY, JOOL_OP_INSTANCE_HELLO, 3, "default", 0,
	    err, sizeof(err)) == NULL);
	CHECK(jmsg_request(FAMILY, JOOL_OP_INSTANCE_HELLO, JOOL_XT_SIIT, NULL,
	    0, err, sizeof(err)) == NULL);
	CHECK(jmsg_request(FAMILY, JOOL_OP_INSTANCE_HELLO, JOOL_XT_SIIT,
	    "abcdefghijklmnop", 0, err, sizeof(err)) == NULL);
	CHECK(has(err, "too long"));
	CHECK(jmsg_request(FAMILY, JOOL_OP_INSTANCE_HELLO, JOOL_XT_SIIT,
	    "a;b", 0, err, sizeof(err)) == NULL);
	CHECK(jmsg_request(FAMILY, JOOL_OP_INSTANCE_HELLO, JOOL_XT_SIIT,
	    "default", JOOL_HF_ERROR, err, sizeof(err)) == NULL);
	CHECK(jmsg_request(FAMILY, JOOL_OP_INSTANCE_HELLO, JOOL_XT_SIIT,
	    "default", JOOL_HF_MORE, err, sizeof(err)) == NULL);
	CHECK(jmsg_request(FAMILY, (enum jool_op)30, JOOL_XT_SIIT, "default",
	    0, err, sizeof(err)) == NULL);
	CHECK(jmsg_request(FAMILY, (enum jool_op)-1, JOOL_XT_SIIT, "default",
	    0, err, sizeof(err)) == NULL);
	CHECK(jmsg_request(0, JOOL_OP_INSTANCE_HELLO, JOOL_XT_SIIT, "default",
	    0, err, sizeof(err)) == NULL);
}

static void
test_put_instance_add(void)
{
	struct nl_msg		*msg, *plain;
	struct nlattr		*tb[14], *op[3], *pr[3];
	struct jool_prefix6	 p = p6("64:ff9b::", 96), bad = p6("::", 33);
	struct in6_addr		 want = a6("64:ff9b::");
	uint32_t		 n;

	msg = req(JOOL_OP_INSTANCE_ADD, JOOL_XT_NAT64);
	CHECK_INT(jmsg_put_instance_add(msg, JOOL_XF_NETFILTER, &p, err,
	    sizeof(err)), 0);
	CHECK(strict_msg(msg, pol_inst_add, 2, NULL, 0, NULL));
	req_parse(msg, tb);
	sub_parse(tb[JOOL_A_OPERAND], op, 2);
	CHECK(op[JOOL_AIA_XF] != NULL && nla_len(op[JOOL_AIA_XF]) == 1 &&
	    nla_get_u8(op[JOOL_AIA_XF]) == JOOL_XF_NETFILTER);
	sub_parse(op[JOOL_AIA_POOL6], pr, 2);
	CHECK(pr[JOOL_AP_ADDR] != NULL && nla_len(pr[JOOL_AP_ADDR]) == 16 &&
	    memcmp(nla_data(pr[JOOL_AP_ADDR]), &want, 16) == 0);
	CHECK(pr[JOOL_AP_LEN] != NULL && nla_len(pr[JOOL_AP_LEN]) == 1 &&
	    nla_get_u8(pr[JOOL_AP_LEN]) == 96);

	/* refused: nothing written */
	n = nlmsg_hdr(msg)->nlmsg_len;
	CHECK_INT(jmsg_put_instance_add(msg, JOOL_XF_NETFILTER, NULL, err,
	    sizeof(err)), -1);
	CHECK(has(err, "NAT64 instance needs pool6"));
	CHECK_INT(jmsg_put_instance_add(msg, 3, &p, err, sizeof(err)), -1);
	CHECK_INT(jmsg_put_instance_add(msg, 12, &p, err, sizeof(err)), -1);
	CHECK_INT(jmsg_put_instance_add(msg, JOOL_XF_IPTABLES, &bad, err,
	    sizeof(err)), -1);
	CHECK(has(err, "/33"));
	CHECK_INT(nlmsg_hdr(msg)->nlmsg_len, n);
	nlmsg_free(msg);

	/* SIIT: pool6 optional */
	msg = req(JOOL_OP_INSTANCE_ADD, JOOL_XT_SIIT);
	CHECK_INT(jmsg_put_instance_add(msg, JOOL_XF_IPTABLES, NULL, err,
	    sizeof(err)), 0);
	CHECK(strict_msg(msg, pol_inst_add, 2, NULL, 0, NULL));
	req_parse(msg, tb);
	sub_parse(tb[JOOL_A_OPERAND], op, 2);
	CHECK(op[JOOL_AIA_XF] != NULL &&
	    nla_get_u8(op[JOOL_AIA_XF]) == JOOL_XF_IPTABLES);
	CHECK(op[JOOL_AIA_POOL6] == NULL);
	nlmsg_free(msg);
	msg = req(JOOL_OP_INSTANCE_ADD, JOOL_XT_SIIT);
	CHECK_INT(jmsg_put_instance_add(msg, JOOL_XF_NETFILTER, &p, err,
	    sizeof(err)), 0);
	CHECK(strict_msg(msg, pol_inst_add, 2, NULL, 0, NULL));
	nlmsg_free(msg);

	/* not a Jool request */
	plain = nlmsg_alloc();
	CHECK_INT(jmsg_put_instance_add(plain, JOOL_XF_NETFILTER, &p, err,
	    sizeof(err)), -1);
	CHECK(has(err, "not a Jool request"));
	nlmsg_free(plain);
	CHECK_INT(jmsg_put_instance_add(NULL, JOOL_XF_NETFILTER, &p, err,
	    sizeof(err)), -1);
}

static void
test_put_instance_offset(void)
{
	struct nl_msg		*msg;
	struct nlattr		*tb[14], *o[4];
	struct jool_instance	 i, back;
	uint32_t		 n;

	memset(&i, 0, sizeof(i));
	i.ns = 0x12345678;
	i.xf = JOOL_XF_IPTABLES;
	strcpy(i.iname, "inst-1");
	msg = req(JOOL_OP_INSTANCE_FOREACH, JOOL_XT_NAT64);
	CHECK_INT(jmsg_put_instance_offset(msg, &i, err, sizeof(err)), 0);
	CHECK(strict_msg(msg, NULL, 0, pol_inst, 3, NULL));
	req_parse(msg, tb);
	sub_parse(tb[JOOL_A_OFFSET], o, 3);
	CHECK(o[JOOL_AIE_NS] != NULL && nla_len(o[JOOL_AIE_NS]) == 4 &&
	    nla_get_u32(o[JOOL_AIE_NS]) == 0x12345678);
	CHECK(o[JOOL_AIE_XF] != NULL && nla_len(o[JOOL_AIE_XF]) == 1 &&
	    nla_get_u8(o[JOOL_AIE_XF]) == JOOL_XF_IPTABLES);
	CHECK(o[JOOL_AIE_INAME] != NULL && nla_len(o[JOOL_AIE_INAME]) == 7 &&
	    memcmp(nla_data(o[JOOL_AIE_INAME]), "inst-1", 7) == 0);
	CHECK_INT(jmsg_parse_instance(tb[JOOL_A_OFFSET], &back, err,
	    sizeof(err)), 0);
	CHECK(back.ns == i.ns && back.xf == i.xf);
	CHECK_STR(back.iname, "inst-1");

	/* a name the kernel allows though we would not create it */
	strcpy(i.iname, "my inst");
	nlmsg_free(msg);
	msg = req(JOOL_OP_INSTANCE_FOREACH, JOOL_XT_NAT64);
	CHECK_INT(jmsg_put_instance_offset(msg, &i, err, sizeof(err)), 0);
	CHECK(strict_msg(msg, NULL, 0, pol_inst, 3, NULL));
	nlmsg_free(msg);

	msg = req(JOOL_OP_INSTANCE_FOREACH, JOOL_XT_NAT64);
	n = nlmsg_hdr(msg)->nlmsg_len;
	i.iname[1] = '\x01';
	CHECK_INT(jmsg_put_instance_offset(msg, &i, err, sizeof(err)), -1);
	memset(i.iname, 'a', sizeof(i.iname));	/* not terminated */
	CHECK_INT(jmsg_put_instance_offset(msg, &i, err, sizeof(err)), -1);
	strcpy(i.iname, "ok");
	i.xf = 0;
	CHECK_INT(jmsg_put_instance_offset(msg, &i, err, sizeof(err)), -1);
	CHECK_INT(jmsg_put_instance_offset(msg, NULL, err, sizeof(err)), -1);
	CHECK_INT(nlmsg_hdr(msg)->nlmsg_len, n);
	nlmsg_free(msg);
}

static void
test_put_eam(void)
{
	struct nl_msg	*msg;
	struct nlattr	*tb[14], *o[3], *x[3];
	struct jool_eam	 e, back;
	struct in_addr	 w4 = a4("192.0.2.0");
	uint32_t	 n;

	e.p6 = p6("2001:db8::", 120);
	e.p4 = p4("192.0.2.0", 24);
	msg = req(JOOL_OP_EAMT_ADD, JOOL_XT_SIIT);
	CHECK_INT(jmsg_put_eam(msg, JOOL_A_OPERAND, &e, err, sizeof(err)), 0);
	CHECK(strict_msg(msg, pol_eam, 2, NULL, 0, NULL));
	req_parse(msg, tb);
	sub_parse(tb[JOOL_A_OPERAND], o, 2);
	sub_parse(o[JOOL_AE_PREFIX6], x, 2);
	CHECK(x[JOOL_AP_ADDR] != NULL && nla_len(x[JOOL_AP_ADDR]) == 16);
	CHECK(x[JOOL_AP_LEN] != NULL && nla_get_u8(x[JOOL_AP_LEN]) == 120);
	sub_parse(o[JOOL_AE_PREFIX4], x, 2);
	CHECK(x[JOOL_AP_ADDR] != NULL && nla_len(x[JOOL_AP_ADDR]) == 4 &&
	    memcmp(nla_data(x[JOOL_AP_ADDR]), &w4, 4) == 0);
	CHECK(x[JOOL_AP_LEN] != NULL && nla_get_u8(x[JOOL_AP_LEN]) == 24);
	CHECK_INT(jmsg_parse_eam(tb[JOOL_A_OPERAND], &back, err, sizeof(err)),
	    0);
	CHECK(memcmp(&back.p6.addr, &e.p6.addr, 16) == 0 &&
	    back.p6.len == 120 && back.p4.addr.s_addr == w4.s_addr &&
	    back.p4.len == 24);
	nlmsg_free(msg);

	/* EAMT_FOREACH offset: the prefix4 nest itself (eam.c) */
	msg = req(JOOL_OP_EAMT_FOREACH, JOOL_XT_SIIT);
	CHECK_INT(jmsg_put_eam(msg, JOOL_A_OFFSET, &e, err, sizeof(err)), 0);
	CHECK(strict_msg(msg, NULL, 0, pol_prefix4, 2, NULL));
	req_parse(msg, tb);
	CHECK(tb[JOOL_A_OPERAND] == NULL);
	sub_parse(tb[JOOL_A_OFFSET], x, 2);
	CHECK(x[JOOL_AP_ADDR] != NULL && !is_nested(x[JOOL_AP_ADDR]) &&
	    nla_len(x[JOOL_AP_ADDR]) == 4 &&
	    memcmp(nla_data(x[JOOL_AP_ADDR]), &w4, 4) == 0);
	CHECK(x[JOOL_AP_LEN] != NULL && nla_len(x[JOOL_AP_LEN]) == 1 &&
	    nla_get_u8(x[JOOL_AP_LEN]) == 24);
	CHECK_INT(nla_len(tb[JOOL_A_OFFSET]), 16);
	nlmsg_free(msg);

	/* an offset with unequal suffixes (someone else's entry): fine */
	msg = req(JOOL_OP_EAMT_FOREACH, JOOL_XT_SIIT);
	e.p6 = p6("2001:db8::", 96);
	CHECK_INT(jmsg_put_eam(msg, JOOL_A_OFFSET, &e, err, sizeof(err)), 0);
	nlmsg_free(msg);

	msg = req(JOOL_OP_EAMT_ADD, JOOL_XT_SIIT);
	n = nlmsg_hdr(msg)->nlmsg_len;
	CHECK_INT(jmsg_put_eam(msg, JOOL_A_OPERAND, &e, err, sizeof(err)), -1);
	CHECK(has(err, "suffixes of 32 and 8 bits"));
	e.p6 = p6("2001:db8::", 120);
	e.p4 = p4("192.0.2.1", 24);
	CHECK_INT(jmsg_put_eam(msg, JOOL_A_OPERAND, &e, err, sizeof(err)), -1);
	CHECK_INT(jmsg_put_eam(msg, JOOL_A_OFFSET, &e, err, sizeof(err)), -1);
	e.p4 = p4("192.0.2.0", 24);
	CHECK_INT(jmsg_put_eam(msg, JOOL_A_GLOBALS, &e, err, sizeof(err)), -1);
	CHECK_INT(jmsg_put_eam(msg, JOOL_A_OPERAND, NULL, err, sizeof(err)),
	    -1);
	CHECK_INT(nlmsg_hdr(msg)->nlmsg_len, n);
	nlmsg_free(msg);
}

static void
check_pool4_nest(struct nlattr *nest, const struct jool_pool4 *p)
{
	struct nlattr		*x[8], *pr[3];
	struct jool_pool4	 back;

	sub_parse(nest, x, 7);
	CHECK(x[JOOL_AP4_MARK] != NULL && nla_len(x[JOOL_AP4_MARK]) == 4 &&
	    nla_get_u32(x[JOOL_AP4_MARK]) == p->mark);
	CHECK(x[JOOL_AP4_ITERATIONS] != NULL &&
	    nla_len(x[JOOL_AP4_ITERATIONS]) == 4 &&
	    nla_get_u32(x[JOOL_AP4_ITERATIONS]) == p->iterations);
	CHECK(x[JOOL_AP4_FLAGS] != NULL && nla_len(x[JOOL_AP4_FLAGS]) == 1 &&
	    nla_get_u8(x[JOOL_AP4_FLAGS]) == p->flags);
	CHECK(x[JOOL_AP4_PROTO] != NULL && nla_len(x[JOOL_AP4_PROTO]) == 1 &&
	    nla_get_u8(x[JOOL_AP4_PROTO]) == p->proto);
	CHECK(x[JOOL_AP4_PORT_MIN] != NULL &&
	    nla_len(x[JOOL_AP4_PORT_MIN]) == 2 &&
	    nla_get_u16(x[JOOL_AP4_PORT_MIN]) == p->port_min);
	CHECK(x[JOOL_AP4_PORT_MAX] != NULL &&
	    nla_len(x[JOOL_AP4_PORT_MAX]) == 2 &&
	    nla_get_u16(x[JOOL_AP4_PORT_MAX]) == p->port_max);
	sub_parse(x[JOOL_AP4_PREFIX], pr, 2);
	CHECK(pr[JOOL_AP_ADDR] != NULL && nla_len(pr[JOOL_AP_ADDR]) == 4 &&
	    memcmp(nla_data(pr[JOOL_AP_ADDR]), &p->prefix.addr, 4) == 0);
	CHECK(pr[JOOL_AP_LEN] != NULL && nla_get_u8(pr[JOOL_AP_LEN]) == 32);
	CHECK_INT(jmsg_parse_pool4(nest, &back, err, sizeof(err)), 0);
	CHECK(back.mark == p->mark && back.iterations == p->iterations &&
	    back.flags == p->flags && back.proto == p->proto &&
	    back.prefix.addr.s_addr == p->prefix.addr.s_addr &&
	    back.prefix.len == p->prefix.len &&
	    back.port_min == p->port_min && back.port_max == p->port_max);
}

static void
test_put_pool4(void)
{
	struct nl_msg		*msg;
	struct nlattr		*tb[14];
	struct jool_pool4	 p, bad;
	uint32_t		 n;

	p = pool4("192.0.2.1", JOOL_L4_UDP, 61001, 65535);
	p.mark = 0xfeedf00d;
	p.flags = JOOL_ITER_SET;
	p.iterations = 1024;
	msg = req(JOOL_OP_POOL4_ADD, JOOL_XT_NAT64);
	CHECK_INT(jmsg_put_pool4(msg, JOOL_A_OPERAND, &p, err, sizeof(err)), 0);
	CHECK(strict_msg(msg, pol_pool4, 7, NULL, 0, NULL));
	req_parse(msg, tb);
	check_pool4_nest(tb[JOOL_A_OPERAND], &p);
	nlmsg_free(msg);

	/* every field, even zeros (#413) */
	p = pool4("198.51.100.7", JOOL_L4_TCP, 1, 1);
	p.mark = 0;
	msg = req(JOOL_OP_POOL4_FOREACH, JOOL_XT_NAT64);
	CHECK_INT(jmsg_put_pool4(msg, JOOL_A_OFFSET, &p, err, sizeof(err)), 0);
	CHECK(strict_msg(msg, NULL, 0, pol_pool4, 7, NULL));
	req_parse(msg, tb);
	check_pool4_nest(tb[JOOL_A_OFFSET], &p);

	n = nlmsg_hdr(msg)->nlmsg_len;
	bad = pool4("192.0.2.0", JOOL_L4_TCP, 1, 65535);
	bad.prefix.len = 24;
	CHECK_INT(jmsg_put_pool4(msg, JOOL_A_OPERAND, &bad, err, sizeof(err)),
	    -1);
	CHECK(has(err, "#413"));
	bad = pool4("192.0.2.1", JOOL_L4_TCP, 9, 8);
	CHECK_INT(jmsg_put_pool4(msg, JOOL_A_OPERAND, &bad, err, sizeof(err)),
	    -1);
	bad = pool4("192.0.2.1", JOOL_L4_TCP, 0, 8);
	CHECK_INT(jmsg_put_pool4(msg, JOOL_A_OPERAND, &bad, err, sizeof(err)),
	    -1);
	bad = pool4("192.0.2.1", 3, 1, 8);
	CHECK_INT(jmsg_put_pool4(msg, JOOL_A_OPERAND, &bad, err, sizeof(err)),
	    -1);
	bad = pool4("192.0.2.1", JOOL_L4_TCP, 1, 8);
	bad.flags = JOOL_ITER_AUTO | JOOL_ITER_INFINITE;
	CHECK_INT(jmsg_put_pool4(msg, JOOL_A_OPERAND, &bad, err, sizeof(err)),
	    -1);
	CHECK_INT(jmsg_put_pool4(msg, JOOL_A_GLOBALS, &p, err, sizeof(err)),
	    -1);
	CHECK_INT(nlmsg_hdr(msg)->nlmsg_len, n);
	nlmsg_free(msg);
}

static void
check_taddr(struct nlattr *nest, const void *addr, int alen, uint16_t port)
{
	struct nlattr	*x[3];

	sub_parse(nest, x, 2);
	CHECK(x[JOOL_AT_ADDR] != NULL && nla_len(x[JOOL_AT_ADDR]) == alen &&
	    memcmp(nla_data(x[JOOL_AT_ADDR]), addr, (size_t)alen) == 0);
	CHECK(x[JOOL_AT_PORT] != NULL && nla_len(x[JOOL_AT_PORT]) == 2 &&
	    nla_get_u16(x[JOOL_AT_PORT]) == port);
}

static struct jool_bib
bib(void)
{
	struct jool_bib	b;

	memset(&b, 0, sizeof(b));
	b.src6.addr = a6("2001:db8::5");
	b.src6.port = 19945;
	b.src4.addr = a4("192.0.2.2");
	b.src4.port = 8208;
	b.proto = JOOL_L4_UDP;
	b.is_static = 1;
	return b;
}

static void
test_put_bib_offset(void)
{
	struct nl_msg	*msg;
	struct nlattr	*tb[14], *o[5];
	struct jool_bib	 b = bib(), back;
	uint32_t	 n;

	msg = req(JOOL_OP_BIB_FOREACH, JOOL_XT_NAT64);
	CHECK_INT(jmsg_put_bib_offset(msg, &b, err, sizeof(err)), 0);
	CHECK(strict_msg(msg, NULL, 0, pol_bib, 4, NULL));
	req_parse(msg, tb);
	sub_parse(tb[JOOL_A_OFFSET], o, 4);
	check_taddr(o[JOOL_AB_SRC6], &b.src6.addr, 16, 19945);
	check_taddr(o[JOOL_AB_SRC4], &b.src4.addr, 4, 8208);
	CHECK(o[JOOL_AB_PROTO] != NULL && nla_len(o[JOOL_AB_PROTO]) == 1 &&
	    nla_get_u8(o[JOOL_AB_PROTO]) == JOOL_L4_UDP);
	CHECK(o[JOOL_AB_STATIC] != NULL && nla_get_u8(o[JOOL_AB_STATIC]) == 1);
	CHECK_INT(jmsg_parse_bib(tb[JOOL_A_OFFSET], &back, err, sizeof(err)),
	    0);
	CHECK(memcmp(&back, &b, sizeof(b)) == 0);

	n = nlmsg_hdr(msg)->nlmsg_len;
	b.proto = 3;
	CHECK_INT(jmsg_put_bib_offset(msg, &b, err, sizeof(err)), -1);
	b.proto = 0;
	b.is_static = 2;
	CHECK_INT(jmsg_put_bib_offset(msg, &b, err, sizeof(err)), -1);
	CHECK_INT(jmsg_put_bib_offset(msg, NULL, err, sizeof(err)), -1);
	CHECK_INT(nlmsg_hdr(msg)->nlmsg_len, n);
	nlmsg_free(msg);
}

static struct jool_session
session(void)
{
	struct jool_session	s;

	memset(&s, 0, sizeof(s));
	s.src6.addr = a6("2001:db8::5");
	s.src6.port = 40000;
	s.dst6.addr = a6("64:ff9b::cb00:7107");
	s.dst6.port = 443;
	s.src4.addr = a4("192.0.2.2");
	s.src4.port = 61234;
	s.dst4.addr = a4("203.0.113.7");
	s.dst4.port = 443;
	s.proto = JOOL_L4_TCP;
	s.state = 0;
	s.timer = 0;
	s.expiration_ms = 7199000;
	return s;
}

static void
test_put_session_offset(void)
{
	struct nl_msg		*msg;
	struct nlattr		*tb[14], *o[9];
	struct jool_session	 s = session(), back;
	uint32_t		 n;

	msg = req(JOOL_OP_SESSION_FOREACH, JOOL_XT_NAT64);
	CHECK_INT(nla_put_u8(msg, JOOL_A_PROTO, JOOL_L4_TCP), 0);
	CHECK_INT(jmsg_put_session_offset(msg, &s, err, sizeof(err)), 0);
	CHECK(strict_msg(msg, NULL, 0, pol_session, 8, NULL));
	req_parse(msg, tb);
	sub_parse(tb[JOOL_A_OFFSET], o, 8);
	check_taddr(o[JOOL_ASE_SRC6], &s.src6.addr, 16, 40000);
	check_taddr(o[JOOL_ASE_DST6], &s.dst6.addr, 16, 443);
	check_taddr(o[JOOL_ASE_SRC4], &s.src4.addr, 4, 61234);
	check_taddr(o[JOOL_ASE_DST4], &s.dst4.addr, 4, 443);
	CHECK(o[JOOL_ASE_PROTO] != NULL && nla_len(o[JOOL_ASE_PROTO]) == 1);
	CHECK(o[JOOL_ASE_STATE] != NULL && nla_len(o[JOOL_ASE_STATE]) == 1);
	CHECK(o[JOOL_ASE_TIMER] != NULL && nla_len(o[JOOL_ASE_TIMER]) == 1);
	CHECK(o[JOOL_ASE_EXPIRATION] != NULL &&
	    nla_len(o[JOOL_ASE_EXPIRATION]) == 4 &&
	    nla_get_u32(o[JOOL_ASE_EXPIRATION]) == 7199000);
	CHECK_INT(jmsg_parse_session(tb[JOOL_A_OFFSET], &back, err,
	    sizeof(err)), 0);
	CHECK(memcmp(&back, &s, sizeof(s)) == 0);

	n = nlmsg_hdr(msg)->nlmsg_len;
	s.proto = 5;
	CHECK_INT(jmsg_put_session_offset(msg, &s, err, sizeof(err)), -1);
	CHECK_INT(jmsg_put_session_offset(msg, NULL, err, sizeof(err)), -1);
	CHECK_INT(nlmsg_hdr(msg)->nlmsg_len, n);
	nlmsg_free(msg);
}

static void
test_put_globals(void)
{
	struct nl_msg		*msg;
	struct nlattr		*tb[14], *g[32], *pr[3];
	struct jool_globals	 v;
	uint32_t		 n;

	memset(&v, 0, sizeof(v));
	v.enabled = 1;
	v.has_pool6 = 1;
	v.pool6 = p6("64:ff9b::", 96);
	v.bib_logging = 1;
	v.session_logging = 0;
	msg = req(JOOL_OP_GLOBAL_UPDATE, JOOL_XT_NAT64);
	CHECK_INT(jmsg_put_globals(msg, JOOL_XT_NAT64, &v, err, sizeof(err)),
	    0);
	CHECK(strict_msg(msg, NULL, 0, NULL, 0, pol_g_nat64));
	req_parse(msg, tb);
	CHECK(tb[JOOL_A_OPERAND] == NULL && tb[JOOL_A_OFFSET] == NULL);
	sub_parse(tb[JOOL_A_GLOBALS], g, 31);
	CHECK(g[JOOL_G_ENABLED] != NULL && nla_len(g[JOOL_G_ENABLED]) == 1 &&
	    nla_get_u8(g[JOOL_G_ENABLED]) == 1);
	CHECK(g[JOOL_G_BIB_LOGGING] != NULL &&
	    nla_len(g[JOOL_G_BIB_LOGGING]) == 1 &&
	    nla_get_u8(g[JOOL_G_BIB_LOGGING]) == 1);
	CHECK(g[JOOL_G_SESSION_LOGGING] != NULL &&
	    nla_len(g[JOOL_G_SESSION_LOGGING]) == 1 &&
	    nla_get_u8(g[JOOL_G_SESSION_LOGGING]) == 0);
	sub_parse(g[JOOL_G_POOL6], pr, 2);
	CHECK(pr[JOOL_AP_ADDR] != NULL && nla_len(pr[JOOL_AP_ADDR]) == 16);
	CHECK(pr[JOOL_AP_LEN] != NULL && nla_get_u8(pr[JOOL_AP_LEN]) == 96);
	nlmsg_free(msg);

	/* SIIT: one global */
	memset(&v, 0, sizeof(v));
	v.enabled = 0;
	v.bib_logging = v.session_logging = -1;
	msg = req(JOOL_OP_GLOBAL_UPDATE, JOOL_XT_SIIT);
	CHECK_INT(jmsg_put_globals(msg, JOOL_XT_SIIT, &v, err, sizeof(err)), 0);
	CHECK(strict_msg(msg, NULL, 0, NULL, 0, pol_g_siit));
	req_parse(msg, tb);
	sub_parse(tb[JOOL_A_GLOBALS], g, 31);
	CHECK(g[JOOL_G_ENABLED] != NULL && nla_get_u8(g[JOOL_G_ENABLED]) == 0);
	CHECK(g[JOOL_G_POOL6] == NULL && g[JOOL_G_BIB_LOGGING] == NULL);

	n = nlmsg_hdr(msg)->nlmsg_len;
	v.bib_logging = 1;	/* NAT64 only */
	CHECK_INT(jmsg_put_globals(msg, JOOL_XT_SIIT, &v, err, sizeof(err)),
	    -1);
	CHECK(has(err, "NAT64 only"));
	v.bib_logging = -1;
	CHECK_INT(jmsg_put_globals(msg, JOOL_XT_NAT64, &v, err, sizeof(err)),
	    -1);			/* not the header's type */
	CHECK_INT(jmsg_put_globals(msg, 3, &v, err, sizeof(err)), -1);
	v.enabled = 2;
	CHECK_INT(jmsg_put_globals(msg, JOOL_XT_SIIT, &v, err, sizeof(err)),
	    -1);
	v.enabled = -1;
	CHECK_INT(jmsg_put_globals(msg, JOOL_XT_SIIT, &v, err, sizeof(err)),
	    -1);
	CHECK(has(err, "nothing to update"));
	v.has_pool6 = 1;
	v.pool6 = p6("2001:db8::", 33);
	CHECK_INT(jmsg_put_globals(msg, JOOL_XT_SIIT, &v, err, sizeof(err)),
	    -1);
	v.pool6 = p6("2001:db8:0:0:100::", 64);	/* host bits */
	CHECK_INT(jmsg_put_globals(msg, JOOL_XT_SIIT, &v, err, sizeof(err)),
	    -1);
	CHECK_INT(jmsg_put_globals(msg, JOOL_XT_SIIT, NULL, err, sizeof(err)),
	    -1);
	CHECK_INT(nlmsg_hdr(msg)->nlmsg_len, n);
	nlmsg_free(msg);
}

/* The model refuses what a kernel >= 5.2 refuses, or it proves nothing. */
static void
test_strict_model(void)
{
	struct nl_msg	*msg;
	struct nlattr	*nest;
	struct in_addr	 a = a4("192.0.2.1");

	/* a nest without NLA_F_NESTED (libnl < 3.5's nla_nest_start()) */
	msg = req(JOOL_OP_EAMT_FOREACH, JOOL_XT_SIIT);
	nest = nla_nest_start(msg, JOOL_A_OFFSET);
	nla_put(msg, JOOL_AP_ADDR, 4, &a);
	nla_put_u8(msg, JOOL_AP_LEN, 32);
	nla_nest_end(msg, nest);
	nest->nla_type &= ~NLA_F_NESTED;
	CHECK(!strict_msg(msg, NULL, 0, pol_prefix4, 2, NULL));
	nlmsg_free(msg);
	/* the same with the flag passes */
	msg = req(JOOL_OP_EAMT_FOREACH, JOOL_XT_SIIT);
	nest = nla_nest_start(msg, JOOL_A_OFFSET | NLA_F_NESTED);
	nla_put(msg, JOOL_AP_ADDR, 4, &a);
	nla_put_u8(msg, JOOL_AP_LEN, 32);
	nla_nest_end(msg, nest);
	CHECK(strict_msg(msg, NULL, 0, pol_prefix4, 2, NULL));
	nlmsg_free(msg);
	/* a u16 where a u8 belongs */
	msg = req(JOOL_OP_EAMT_FOREACH, JOOL_XT_SIIT);
	nest = nla_nest_start(msg, JOOL_A_OFFSET | NLA_F_NESTED);
	nla_put(msg, JOOL_AP_ADDR, 4, &a);
	nla_put_u16(msg, JOOL_AP_LEN, 32);
	nla_nest_end(msg, nest);
	CHECK(!strict_msg(msg, NULL, 0, pol_prefix4, 2, NULL));
	nlmsg_free(msg);
	/* NLA_F_NESTED on a scalar; a type outside the policy */
	msg = req(JOOL_OP_STATS_FOREACH, JOOL_XT_SIIT);
	nla_put_u8(msg, JOOL_A_OFFSET_U8 | NLA_F_NESTED, 3);
	CHECK(!strict_msg(msg, NULL, 0, NULL, 0, NULL));
	nlmsg_free(msg);
	msg = req(JOOL_OP_STATS_FOREACH, JOOL_XT_SIIT);
	nla_put_u8(msg, 14, 3);
	CHECK(!strict_msg(msg, NULL, 0, NULL, 0, NULL));
	nlmsg_free(msg);
	/* the logging globals under the SIIT policy */
	msg = req(JOOL_OP_GLOBAL_UPDATE, JOOL_XT_SIIT);
	nest = nla_nest_start(msg, JOOL_A_GLOBALS | NLA_F_NESTED);
	nla_put_u8(msg, JOOL_G_BIB_LOGGING, 1);
	nla_nest_end(msg, nest);
	CHECK(!strict_msg(msg, NULL, 0, NULL, 0, pol_g_siit));
	CHECK(strict_msg(msg, NULL, 0, NULL, 0, pol_g_nat64));
	nlmsg_free(msg);
}

/* A request of size bytes at most, with a Jool header for xt. */
static struct nl_msg *
small_req(size_t size, int xt)
{
	struct nl_msg	*msg;
	struct jool_hdr	*h;

	if ((msg = nlmsg_alloc_size(size)) == NULL)
		abort();
	h = genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, FAMILY, JOOL_HDR_LEN,
	    NLM_F_REQUEST | NLM_F_ACK, 0, 1);
	if (h == NULL)
		abort();
	memset(h, 0, JOOL_HDR_LEN);
	memcpy(h->magic, "jool", 4);
	h->xt = (uint8_t)xt;
	return msg;
}

/*
 * Every builder in messages of every size from the bare headers up: it
 * writes a complete entry, or (the message being full) nothing at all.
 */
static void
test_full(void)
{
	struct nl_msg		*msg;
	struct jool_prefix6	 pool6 = p6("64:ff9b::", 96);
	struct jool_instance	 inst = { 7, JOOL_XF_NETFILTER, "default" };
	struct jool_eam		 eam = { p6("2001:db8::", 120),
				    p4("192.0.2.0", 24) };
	struct jool_pool4	 pl = pool4("192.0.2.1", JOOL_L4_TCP, 1, 9);
	struct jool_bib		 b = bib();
	struct jool_session	 se = session();
	struct jool_globals	 g;
	size_t			 size;
	uint32_t		 n;
	int			 k, rc, ok[9], full[9];

	memset(&g, 0, sizeof(g));
	g.enabled = 1;
	g.has_pool6 = 1;
	g.pool6 = pool6;
	g.bib_logging = g.session_logging = 1;
	memset(ok, 0, sizeof(ok));
	memset(full, 0, sizeof(full));
	for (size = ATTRS_OFF; size <= ATTRS_OFF + 160; size += 4) {
		for (k = 0; k < 9; k++) {
			msg = small_req(size, k < 2 ? JOOL_XT_SIIT :
			    JOOL_XT_NAT64);
			n = nlmsg_hdr(msg)->nlmsg_len;
			switch (k) {
			case 0:
				rc = jmsg_put_eam(msg, JOOL_A_OPERAND, &eam,
				    err, sizeof(err));
				if (rc == 0)
					CHECK(strict_msg(msg, pol_eam, 2, NULL,
					    0, NULL));
				break;
			case 1:
				rc = jmsg_put_eam(msg, JOOL_A_OFFSET, &eam,
				    err, sizeof(err));
				if (rc == 0)
					CHECK(strict_msg(msg, NULL, 0,
					    pol_prefix4, 2, NULL));
				break;
			case 2:
				rc = jmsg_put_instance_add(msg,
				    JOOL_XF_NETFILTER, &pool6, err,
				    sizeof(err));
				if (rc == 0)
					CHECK(strict_msg(msg, pol_inst_add, 2,
					    NULL, 0, NULL));
				break;
			case 3:
				rc = jmsg_put_instance_offset(msg, &inst, err,
				    sizeof(err));
				if (rc == 0)
					CHECK(strict_msg(msg, NULL, 0, pol_inst,
					    3, NULL));
				break;
			case 4:
				rc = jmsg_put_pool4(msg, JOOL_A_OPERAND, &pl,
				    err, sizeof(err));
				if (rc == 0)
					CHECK(strict_msg(msg, pol_pool4, 7,
					    NULL, 0, NULL));
				break;
			case 5:
				rc = jmsg_put_pool4(msg, JOOL_A_OFFSET, &pl,
				    err, sizeof(err));
				if (rc == 0)
					CHECK(strict_msg(msg, NULL, 0,
					    pol_pool4, 7, NULL));
				break;
			case 6:
				rc = jmsg_put_bib_offset(msg, &b, err,
				    sizeof(err));
				if (rc == 0)
					CHECK(strict_msg(msg, NULL, 0, pol_bib,
					    4, NULL));
				break;
			case 7:
				rc = jmsg_put_session_offset(msg, &se, err,
				    sizeof(err));
				if (rc == 0)
					CHECK(strict_msg(msg, NULL, 0,
					    pol_session, 8, NULL));
				break;
			default:
				rc = jmsg_put_globals(msg, JOOL_XT_NAT64, &g,
				    err, sizeof(err));
				if (rc == 0)
					CHECK(strict_msg(msg, NULL, 0, NULL, 0,
					    pol_g_nat64));
				break;
			}
			if (rc == 0) {
				ok[k]++;
			} else {
				full[k]++;
				CHECK(has(err, "full"));
				CHECK_INT(nlmsg_hdr(msg)->nlmsg_len, n);
			}
			nlmsg_free(msg);
		}
	}
	for (k = 0; k < 9; k++)
		CHECK(ok[k] > 0 && full[k] > 0);
}

/* ------------------------------------------------- replies, by hand */

/* Raw attributes, as the kernel lays them out (4-byte aligned). */
struct rb {
	uint8_t	b[4096];
	int	n;
};

static int
rb_put(struct rb *r, int type, const void *p, int len)
{
	struct nlattr	*a = (struct nlattr *)(r->b + r->n);
	int		 at = r->n;

	a->nla_type = (uint16_t)type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (len > 0)
		memcpy(r->b + r->n + NLA_HDRLEN, p, (size_t)len);
	memset(r->b + r->n + NLA_HDRLEN + len, 0,
	    (size_t)(NLA_ALIGN(NLA_HDRLEN + len) - NLA_HDRLEN - len));
	r->n += NLA_ALIGN(NLA_HDRLEN + len);
	return at;
}

static void
rb_u8(struct rb *r, int type, uint8_t v)
{
	rb_put(r, type, &v, 1);
}

static void
rb_u16(struct rb *r, int type, uint16_t v)
{
	rb_put(r, type, &v, 2);
}

static void
rb_u32(struct rb *r, int type, uint32_t v)
{
	rb_put(r, type, &v, 4);
}

static void
rb_u64(struct rb *r, int type, uint64_t v)
{
	rb_put(r, type, &v, 8);
}

static int	rb_nf = NLA_F_NESTED;	/* does the "kernel" flag nests? */

static int
rb_open(struct rb *r, int type)
{
	return rb_put(r, type | rb_nf, NULL, 0);
}

static void
rb_close(struct rb *r, int at)
{
	((struct nlattr *)(r->b + at))->nla_len = (uint16_t)(r->n - at);
}

static void
rb_prefix6(struct rb *r, int type, const char *addr, uint8_t len)
{
	struct in6_addr	a = a6(addr);
	int		at = rb_open(r, type);

	rb_put(r, JOOL_AP_ADDR, &a, 16);
	rb_u8(r, JOOL_AP_LEN, len);
	rb_close(r, at);
}

static void
rb_prefix4(struct rb *r, int type, const char *addr, uint8_t len)
{
	struct in_addr	a = a4(addr);
	int		at = rb_open(r, type);

	rb_put(r, JOOL_AP_ADDR, &a, 4);
	rb_u8(r, JOOL_AP_LEN, len);
	rb_close(r, at);
}

static void
rb_taddr6(struct rb *r, int type, const char *addr, uint16_t port)
{
	struct in6_addr	a = a6(addr);
	int		at = rb_open(r, type);

	rb_put(r, JOOL_AT_ADDR, &a, 16);
	rb_u16(r, JOOL_AT_PORT, port);
	rb_close(r, at);
}

static void
rb_taddr4(struct rb *r, int type, const char *addr, uint16_t port)
{
	struct in_addr	a = a4(addr);
	int		at = rb_open(r, type);

	rb_put(r, JOOL_AT_ADDR, &a, 4);
	rb_u16(r, JOOL_AT_PORT, port);
	rb_close(r, at);
}

/* A reply in a heap block of its exact size: free() it. */
static struct nlmsghdr *
reply_raw(uint8_t flags, const struct rb *r, const char *magic)
{
	struct nlmsghdr		*h;
	struct genlmsghdr	*g;
	struct jool_hdr		*j;
	size_t			 n = ATTRS_OFF + (size_t)(r ? r->n : 0);

	if ((h = calloc(1, n)) == NULL)
		abort();
	h->nlmsg_len = (uint32_t)n;
	h->nlmsg_type = FAMILY;
	h->nlmsg_seq = 42;
	g = NLMSG_DATA(h);
	g->cmd = 0;		/* nl_core.c jresponse_init() */
	g->version = 2;
	j = (struct jool_hdr *)((char *)g + GENL_HDRLEN);
	memcpy(j->magic, magic, 4);
	j->version = htonl(JOOL_HDR_VERSION);
	j->xt = JOOL_XT_NAT64;
	j->flags = flags;
	strcpy(j->iname, "default");
	if (r != NULL)
		memcpy((char *)h + ATTRS_OFF, r->b, (size_t)r->n);
	return h;
}

/* One raw attribute (an entry nest) in a heap block of its exact size. */
static struct nlattr *
attr_dup(const struct rb *r, int at)
{
	const struct nlattr	*a = (const struct nlattr *)(r->b + at);
	struct nlattr		*c;

	if ((c = malloc(a->nla_len)) == NULL)
		abort();
	memcpy(c, a, a->nla_len);
	return c;
}

static void
test_reply_header(void)
{
	struct jool_reply	 r;
	struct nlmsghdr		*h;
	struct rb		 rb;
	char			 big[300];
	int			 at;

	/* ack: a bare header */
	h = reply_raw(0, NULL, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
	CHECK_INT(r.flags, 0);
	CHECK_INT(r.error, 0);
	CHECK_INT(r.attrlen, 0);
	CHECK_STR(r.msg, "");
	free(h);

	h = reply_raw(JOOL_HF_MORE, NULL, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
	CHECK(r.flags & JOOL_HF_MORE);
	free(h);

	h = reply_raw(0, NULL, "Jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), -1);
	CHECK(has(err, "magic"));
	free(h);

	/* too short for the Jool header */
	h = reply_raw(0, NULL, "jool");
	h->nlmsg_len = ATTRS_OFF - 4;
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), -1);
	CHECK(has(err, "too short"));
	h->nlmsg_len = 8;
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), -1);
	h->nlmsg_len = ATTRS_OFF;
	h->nlmsg_type = NLMSG_ERROR;
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), -1);
	CHECK(has(err, "netlink error"));
	h->nlmsg_type = NLMSG_DONE;
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), -1);
	free(h);
	CHECK_INT(jmsg_reply(NULL, &r, err, sizeof(err)), -1);

	/* an attribute cut short by nlmsg_len */
	rb.n = 0;
	rb_u32(&rb, 1, 5);
	rb_u32(&rb, 2, 6);
	h = reply_raw(0, &rb, "jool");
	h->nlmsg_len -= 2;
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), -1);
	CHECK(has(err, "truncated"));
	h->nlmsg_len -= 4;	/* 2 bytes of the last header: left over */
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), -1);
	free(h);

	/* error replies (nl_core.c jresponse_send_simple()) */
	rb.n = 0;
	rb_u16(&rb, JOOL_AERR_CODE, 17);
	rb_put(&rb, JOOL_AERR_MSG, "The requested entry already exists.",
	    36);
	h = reply_raw(JOOL_HF_ERROR, &rb, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
	CHECK_INT(r.error, 17);
	CHECK(r.flags & JOOL_HF_ERROR);
	CHECK_STR(r.msg, "The requested entry already exists.");
	free(h);

	rb.n = 0;
	rb_put(&rb, JOOL_AERR_MSG, "Version mismatch.\n", 19);
	rb_u16(&rb, JOOL_AERR_CODE, 22);
	h = reply_raw(JOOL_HF_ERROR, &rb, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
	CHECK_INT(r.error, 22);
	CHECK_STR(r.msg, "Version mismatch.");
	free(h);

	/* a message without its NUL */
	rb.n = 0;
	rb_u16(&rb, JOOL_AERR_CODE, 1);
	rb_put(&rb, JOOL_AERR_MSG, "abc", 3);
	h = reply_raw(JOOL_HF_ERROR, &rb, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
	CHECK_STR(r.msg, "abc");
	free(h);

	/* a long one: cut */
	memset(big, 'x', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	rb.n = 0;
	rb_u16(&rb, JOOL_AERR_CODE, 12);
	rb_put(&rb, JOOL_AERR_MSG, big, sizeof(big));
	h = reply_raw(JOOL_HF_ERROR, &rb, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
	CHECK_INT(strlen(r.msg), sizeof(r.msg) - 1);
	free(h);

	/* no message: still an error */
	rb.n = 0;
	rb_u16(&rb, JOOL_AERR_CODE, 3);
	h = reply_raw(JOOL_HF_ERROR, &rb, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
	CHECK_INT(r.error, 3);
	CHECK_STR(r.msg, "");
	free(h);

	/* no code, a code of 4 bytes, code 0 */
	rb.n = 0;
	rb_put(&rb, JOOL_AERR_MSG, "oops", 5);
	h = reply_raw(JOOL_HF_ERROR, &rb, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), -1);
	CHECK(has(err, "without a code") && has(err, "oops"));
	free(h);
	rb.n = 0;
	rb_u32(&rb, JOOL_AERR_CODE, 17);
	h = reply_raw(JOOL_HF_ERROR, &rb, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), -1);
	CHECK(has(err, "CODE of 4 bytes"));
	free(h);
	rb.n = 0;
	rb_u16(&rb, JOOL_AERR_CODE, 0);
	h = reply_raw(JOOL_HF_ERROR, &rb, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), -1);
	free(h);

	/* an error nest flagged NLA_F_NESTED by mistake is still a code */
	rb.n = 0;
	at = rb_put(&rb, JOOL_AERR_CODE, "\x05\x00", 2);
	((struct nlattr *)(rb.b + at))->nla_type |= NLA_F_NESTED;
	h = reply_raw(JOOL_HF_ERROR, &rb, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
	free(h);
}

static int
count_entries(const struct jool_reply *r)
{
	struct nlattr	*pos;
	int		 rem, n = 0;

	jmsg_foreach_entry(r, pos, rem)
		n++;
	return n;
}

static void
inst_entry(struct rb *r, uint32_t ns, uint8_t xf, const char *name)
{
	int	at = rb_open(r, JOOL_A_LIST_ENTRY);

	rb_u32(r, JOOL_AIE_NS, ns);
	rb_u8(r, JOOL_AIE_XF, xf);
	rb_put(r, JOOL_AIE_INAME, name, (int)strlen(name) + 1);
	rb_close(r, at);
}

/* Parse the single entry at rb offset 0 with fn; expect rc. */
#define ENTRY_RC(rb, fn, out, rc) do {					\
	struct nlattr *e_ = attr_dup((rb), 0);				\
	CHECK_INT(fn(e_, (out), err, sizeof(err)), (rc));		\
	free(e_);							\
} while (0)

static void
test_parse_instance(void)
{
	struct jool_reply	 r;
	struct jool_instance	 i[2];
	struct nlmsghdr		*h;
	struct nlattr		*pos;
	struct rb		 rb;
	int			 rem, n, at, pass;

	for (pass = 0; pass < 2; pass++) {
		rb_nf = pass == 0 ? NLA_F_NESTED : 0;
		rb.n = 0;
		inst_entry(&rb, 0xdeadbeef, JOOL_XF_NETFILTER, "default");
		inst_entry(&rb, 1, JOOL_XF_IPTABLES, "abcdefghijklmno");
		h = reply_raw(JOOL_HF_MORE, &rb, "jool");
		CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
		CHECK(r.flags & JOOL_HF_MORE);
		CHECK_INT(count_entries(&r), 2);
		n = 0;
		jmsg_foreach_entry(&r, pos, rem) {
			if (n < 2)
				CHECK_INT(jmsg_parse_instance(pos, &i[n], err,
				    sizeof(err)), 0);
			n++;
		}
		CHECK(i[0].ns == 0xdeadbeef && i[0].xf == JOOL_XF_NETFILTER);
		CHECK_STR(i[0].iname, "default");
		CHECK(i[1].ns == 1 && i[1].xf == JOOL_XF_IPTABLES);
		CHECK_STR(i[1].iname, "abcdefghijklmno");
		free(h);
	}
	rb_nf = NLA_F_NESTED;

	/* NS missing */
	rb.n = 0;
	at = rb_open(&rb, JOOL_A_LIST_ENTRY);
	rb_u8(&rb, JOOL_AIE_XF, 4);
	rb_put(&rb, JOOL_AIE_INAME, "a", 2);
	rb_close(&rb, at);
	ENTRY_RC(&rb, jmsg_parse_instance, &i[0], -1);
	CHECK_STR(err, "instance entry: NS missing");
	/* NS of 2 bytes */
	rb.n = 0;
	at = rb_open(&rb, JOOL_A_LIST_ENTRY);
	rb_u16(&rb, JOOL_AIE_NS, 1);
	rb_u8(&rb, JOOL_AIE_XF, 4);
	rb_put(&rb, JOOL_AIE_INAME, "a", 2);
	rb_close(&rb, at);
	ENTRY_RC(&rb, jmsg_parse_instance, &i[0], -1);
	CHECK_STR(err, "instance entry: NS of 2 bytes (expected 4)");
	/* INAME without NUL, INAME too long, INAME missing */
	rb.n = 0;
	at = rb_open(&rb, JOOL_A_LIST_ENTRY);
	rb_u32(&rb, JOOL_AIE_NS, 1);
	rb_u8(&rb, JOOL_AIE_XF, 4);
	rb_put(&rb, JOOL_AIE_INAME, "abcd", 4);
	rb_close(&rb, at);
	ENTRY_RC(&rb, jmsg_parse_instance, &i[0], -1);
	CHECK(has(err, "not terminated"));
	rb.n = 0;
	at = rb_open(&rb, JOOL_A_LIST_ENTRY);
	rb_u32(&rb, JOOL_AIE_NS, 1);
	rb_u8(&rb, JOOL_AIE_XF, 4);
	rb_put(&rb, JOOL_AIE_INAME, "abcdefghijklmnop", 17);
	rb_close(&rb, at);
	ENTRY_RC(&rb, jmsg_parse_instance, &i[0], -1);
	rb.n = 0;
	at = rb_open(&rb, JOOL_A_LIST_ENTRY);
	rb_u32(&rb, JOOL_AIE_NS, 1);
	rb_u8(&rb, JOOL_AIE_XF, 4);
	rb_close(&rb, at);
	ENTRY_RC(&rb, jmsg_parse_instance, &i[0], -1);
	/* bytes left over in the nest */
	rb.n = 0;
	inst_entry(&rb, 1, 4, "x");
	memset(rb.b + rb.n, 0, 2);
	rb.n += 2;
	rb_close(&rb, 0);
	ENTRY_RC(&rb, jmsg_parse_instance, &i[0], -1);
	CHECK(has(err, "truncated"));
	/* an empty nest, and an unknown field (ignored) */
	rb.n = 0;
	rb_close(&rb, rb_open(&rb, JOOL_A_LIST_ENTRY));
	ENTRY_RC(&rb, jmsg_parse_instance, &i[0], -1);
	rb.n = 0;
	at = rb_open(&rb, JOOL_A_LIST_ENTRY);
	rb_u32(&rb, JOOL_AIE_NS, 9);
	rb_u64(&rb, 77, 0);
	rb_u8(&rb, JOOL_AIE_XF, 4);
	rb_put(&rb, JOOL_AIE_INAME, "z", 2);
	rb_close(&rb, at);
	ENTRY_RC(&rb, jmsg_parse_instance, &i[0], 0);
	CHECK_INT(jmsg_parse_instance(NULL, &i[0], err, sizeof(err)), -1);
}

static void
test_parse_eam(void)
{
	struct jool_reply	 r;
	struct jool_eam		 e;
	struct nlmsghdr		*h;
	struct nlattr		*pos;
	struct rb		 rb;
	struct in6_addr		 w6 = a6("2001:db8::");
	int			 rem, at, pass, n;

	for (pass = 0; pass < 2; pass++) {
		rb_nf = pass == 0 ? NLA_F_NESTED : 0;
		rb.n = 0;
		at = rb_open(&rb, JOOL_A_LIST_ENTRY);
		rb_prefix6(&rb, JOOL_AE_PREFIX6, "2001:db8::", 120);
		rb_prefix4(&rb, JOOL_AE_PREFIX4, "192.0.2.0", 24);
		rb_close(&rb, at);
		h = reply_raw(0, &rb, "jool");
		CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
		n = 0;
		jmsg_foreach_entry(&r, pos, rem) {
			CHECK_INT(jmsg_parse_eam(pos, &e, err, sizeof(err)), 0);
			n++;
		}
		CHECK_INT(n, 1);
		CHECK(memcmp(&e.p6.addr, &w6, 16) == 0 && e.p6.len == 120);
		CHECK(e.p4.addr.s_addr == a4("192.0.2.0").s_addr &&
		    e.p4.len == 24);
		free(h);
	}
	rb_nf = NLA_F_NESTED;

	/* PREFIX4 missing */
	rb.n = 0;
	at = rb_open(&rb, JOOL_A_LIST_ENTRY);
	rb_prefix6(&rb, JOOL_AE_PREFIX6, "2001:db8::", 120);
	rb_close(&rb, at);
	ENTRY_RC(&rb, jmsg_parse_eam, &e, -1);
	CHECK_STR(err, "EAM entry PREFIX4: missing");
	/* an unset PREFIX6 (LEN only) */
	rb.n = 0;
	at = rb_open(&rb, JOOL_A_LIST_ENTRY);
	rb_close(&rb, rb_open(&rb, JOOL_AE_PREFIX6));
	rb_prefix4(&rb, JOOL_AE_PREFIX4, "192.0.2.0", 24);
	rb_close(&rb, at);
	ENTRY_RC(&rb, jmsg_parse_eam, &e, -1);
	/* ADDR of 15 bytes, LEN of 2, length 129 */
	rb.n = 0;
	at = rb_open(&rb, JOOL_A_LIST_ENTRY);
	{
		int p = rb_open(&rb, JOOL_AE_PREFIX6);

		rb_put(&rb, JOOL_AP_ADDR, &w6, 15);
		rb_u8(&rb, JOOL_AP_LEN, 120);
		rb_close(&rb, p);
	}
	rb_prefix4(&rb, JOOL_AE_PREFIX4, "192.0.2.0", 24);
	rb_close(&rb, at);
	ENTRY_RC(&rb, jmsg_parse_eam, &e, -1);
	CHECK_STR(err, "EAM entry PREFIX6: ADDR of 15 bytes (expected 16)");
	rb.n = 0;
	at = rb_open(&rb, JOOL_A_LIST_ENTRY);
	{
		int p = rb_open(&rb, JOOL_AE_PREFIX6);

		rb_put(&rb, JOOL_AP_ADDR, &w6, 16);
		rb_u16(&rb, JOOL_AP_LEN, 120);
		rb_close(&rb, p);
	}
	rb_prefix4(&rb, JOOL_AE_PREFIX4, "192.0.2.0", 24);
	rb_close(&rb, at);
	ENTRY_RC(&rb, jmsg_parse_eam, &e, -1);
	rb.n = 0;
	at = rb_open(&rb, JOOL_A_LIST_ENTRY);
	rb_prefix6(&rb, JOOL_AE_PREFIX6, "2001:db8::", 129);
	rb_prefix4(&rb, JOOL_AE_PREFIX4, "192.0.2.0", 24);
	rb_close(&rb, at);
	ENTRY_RC(&rb, jmsg_parse_eam, &e, -1);
	rb.n = 0;
	at = rb_open(&rb, JOOL_A_LIST_ENTRY);
	rb_prefix6(&rb, JOOL_AE_PREFIX6, "2001:db8::", 120);
	rb_prefix4(&rb, JOOL_AE_PREFIX4, "192.0.2.0", 33);
	rb_close(&rb, at);
	ENTRY_RC(&rb, jmsg_parse_eam, &e, -1);
}

/* A pool4 entry as jnla_put_pool4() writes it, leaving out field skip. */
static void
pool4_entry(struct rb *r, int skip, int port_size)
{
	int	at = rb_open(r, JOOL_A_LIST_ENTRY);

	if (skip != JOOL_AP4_MARK)
		rb_u32(r, JOOL_AP4_MARK, 3);
	if (skip != JOOL_AP4_ITERATIONS)
		rb_u32(r, JOOL_AP4_ITERATIONS, 1536);
	if (skip != JOOL_AP4_FLAGS)
		rb_u8(r, JOOL_AP4_FLAGS, JOOL_ITER_AUTO);
	if (skip != JOOL_AP4_PROTO)
		rb_u8(r, JOOL_AP4_PROTO, JOOL_L4_ICMP);
	if (skip != JOOL_AP4_PREFIX)
		rb_prefix4(r, JOOL_AP4_PREFIX, "192.0.2.9", 32);
	if (skip != JOOL_AP4_PORT_MIN) {
		if (port_size == 4)
			rb_u32(r, JOOL_AP4_PORT_MIN, 0);
		else
			rb_u16(r, JOOL_AP4_PORT_MIN, 0);
	}
	if (skip != JOOL_AP4_PORT_MAX)
		rb_u16(r, JOOL_AP4_PORT_MAX, 65535);
	rb_close(r, at);
}

static void
test_parse_pool4(void)
{
	struct jool_reply	 r;
	struct jool_pool4	 p;
	struct nlmsghdr		*h;
	struct nlattr		*pos;
	struct rb		 rb;
	int			 rem, pass, skip, at;

	for (pass = 0; pass < 2; pass++) {
		rb_nf = pass == 0 ? NLA_F_NESTED : 0;
		rb.n = 0;
		pool4_entry(&rb, 0, 2);
		pool4_entry(&rb, 0, 2);
		h = reply_raw(JOOL_HF_MORE, &rb, "jool");
		CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
		CHECK_INT(count_entries(&r), 2);
		jmsg_foreach_entry(&r, pos, rem) {
			CHECK_INT(jmsg_parse_pool4(pos, &p, err, sizeof(err)),
			    0);
			CHECK(p.mark == 3 && p.iterations == 1536 &&
			    p.flags == JOOL_ITER_AUTO &&
			    p.proto == JOOL_L4_ICMP && p.prefix.len == 32 &&
			    p.prefix.addr.s_addr == a4("192.0.2.9").s_addr &&
			    p.port_min == 0 && p.port_max == 65535);
			/* what the kernel sent passes as an offset */
			CHECK_INT(jool_pool4_valid(&p, err, sizeof(err)), 0);
		}
		free(h);
	}
	rb_nf = NLA_F_NESTED;

	for (skip = JOOL_AP4_MARK; skip <= JOOL_AP4_PORT_MAX; skip++) {
		rb.n = 0;
		pool4_entry(&rb, skip, 2);
		ENTRY_RC(&rb, jmsg_parse_pool4, &p, -1);
		CHECK(has(err, "missing"));
	}
	rb.n = 0;
	pool4_entry(&rb, 0, 4);
	ENTRY_RC(&rb, jmsg_parse_pool4, &p, -1);
	CHECK_STR(err, "pool4 entry: PORT_MIN of 4 bytes (expected 2)");
	rb.n = 0;
	at = rb_open(&rb, JOOL_A_LIST_ENTRY);
	rb_u32(&rb, JOOL_AP4_MARK, 3);
	rb_u32(&rb, JOOL_AP4_ITERATIONS, 1536);
	rb_u8(&rb, JOOL_AP4_FLAGS, 2);
	rb_u8(&rb, JOOL_AP4_PROTO, 3);
	rb_prefix4(&rb, JOOL_AP4_PREFIX, "192.0.2.9", 32);
	rb_u16(&rb, JOOL_AP4_PORT_MIN, 1);
	rb_u16(&rb, JOOL_AP4_PORT_MAX, 2);
	rb_close(&rb, at);
	ENTRY_RC(&rb, jmsg_parse_pool4, &p, -1);
	CHECK(has(err, "protocol 3"));
}

static void
bib_entry(struct rb *r, int skip, int no_port)
{
	struct in_addr	a = a4("192.0.2.2");
	int		at = rb_open(r, JOOL_A_LIST_ENTRY), t;

	if (skip != JOOL_AB_SRC6)
		rb_taddr6(r, JOOL_AB_SRC6, "2001:db8::5", 19945);
	if (skip != JOOL_AB_SRC4) {
		if (no_port) {		/* the #404 shape */
			t = rb_open(r, JOOL_AB_SRC4);
			rb_put(r, JOOL_AT_ADDR, &a, 4);
			rb_close(r, t);
		} else
			rb_taddr4(r, JOOL_AB_SRC4, "192.0.2.2", 8208);
	}
	if (skip != JOOL_AB_PROTO)
		rb_u8(r, JOOL_AB_PROTO, JOOL_L4_UDP);
	if (skip != JOOL_AB_STATIC)
		rb_u8(r, JOOL_AB_STATIC, 1);
	rb_close(r, at);
}

static void
test_parse_bib(void)
{
	struct jool_reply	 r;
	struct jool_bib		 b, want = bib();
	struct nlmsghdr		*h;
	struct nlattr		*pos;
	struct rb		 rb;
	int			 rem, pass, skip, n;

	for (pass = 0; pass < 2; pass++) {
		rb_nf = pass == 0 ? NLA_F_NESTED : 0;
		rb.n = 0;
		bib_entry(&rb, 0, 0);
		h = reply_raw(0, &rb, "jool");
		CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
		CHECK(!(r.flags & JOOL_HF_MORE));
		n = 0;
		jmsg_foreach_entry(&r, pos, rem) {
			CHECK_INT(jmsg_parse_bib(pos, &b, err, sizeof(err)), 0);
			CHECK(memcmp(&b, &want, sizeof(b)) == 0);
			n++;
		}
		CHECK_INT(n, 1);
		free(h);
	}
	rb_nf = NLA_F_NESTED;

	for (skip = JOOL_AB_SRC6; skip <= JOOL_AB_STATIC; skip++) {
		rb.n = 0;
		bib_entry(&rb, skip, 0);
		ENTRY_RC(&rb, jmsg_parse_bib, &b, -1);
	}
	rb.n = 0;
	bib_entry(&rb, 0, 1);
	ENTRY_RC(&rb, jmsg_parse_bib, &b, -1);
	CHECK_STR(err, "BIB entry SRC4: PORT missing");
}

static void
session_entry(struct rb *r, int skip)
{
	int	at = rb_open(r, JOOL_A_LIST_ENTRY);

	if (skip != JOOL_ASE_SRC6)
		rb_taddr6(r, JOOL_ASE_SRC6, "2001:db8::5", 40000);
	if (skip != JOOL_ASE_DST6)
		rb_taddr6(r, JOOL_ASE_DST6, "64:ff9b::cb00:7107", 443);
	if (skip != JOOL_ASE_SRC4)
		rb_taddr4(r, JOOL_ASE_SRC4, "192.0.2.2", 61234);
	if (skip != JOOL_ASE_DST4)
		rb_taddr4(r, JOOL_ASE_DST4, "203.0.113.7", 443);
	if (skip != JOOL_ASE_PROTO)
		rb_u8(r, JOOL_ASE_PROTO, JOOL_L4_TCP);
	if (skip != JOOL_ASE_STATE)
		rb_u8(r, JOOL_ASE_STATE, 0);
	if (skip != JOOL_ASE_TIMER)
		rb_u8(r, JOOL_ASE_TIMER, 0);
	if (skip != JOOL_ASE_EXPIRATION)
		rb_u32(r, JOOL_ASE_EXPIRATION, 7199000);
	rb_close(r, at);
}

static void
test_parse_session(void)
{
	struct jool_reply	 r;
	struct jool_session	 s, want = session();
	struct nlmsghdr		*h;
	struct nlattr		*pos;
	struct rb		 rb;
	int			 rem, pass, skip, i;

	for (pass = 0; pass < 2; pass++) {
		rb_nf = pass == 0 ? NLA_F_NESTED : 0;
		rb.n = 0;
		for (i = 0; i < 26; i++)	/* a full reply's worth */
			session_entry(&rb, 0);
		h = reply_raw(JOOL_HF_MORE, &rb, "jool");
		CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
		CHECK_INT(count_entries(&r), 26);
		i = 0;
		jmsg_foreach_entry(&r, pos, rem) {
			if (jmsg_parse_session(pos, &s, err, sizeof(err)) == 0
			    && memcmp(&s, &want, sizeof(s)) == 0)
				i++;
		}
		CHECK_INT(i, 26);
		free(h);
	}
	rb_nf = NLA_F_NESTED;

	for (skip = JOOL_ASE_SRC6; skip <= JOOL_ASE_EXPIRATION; skip++) {
		rb.n = 0;
		session_entry(&rb, skip);
		ENTRY_RC(&rb, jmsg_parse_session, &s, -1);
		CHECK(has(err, "missing"));
	}
}

static void
test_parse_hello(void)
{
	struct jool_reply	 r;
	struct nlmsghdr		*h;
	struct rb		 rb;
	int			 alive;

	rb.n = 0;
	rb_u8(&rb, JOOL_AIS_STATUS, 0);
	h = reply_raw(0, &rb, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
	alive = -1;
	CHECK_INT(jmsg_parse_hello(&r, &alive, err, sizeof(err)), 0);
	CHECK_INT(alive, 1);
	free(h);

	rb.n = 0;
	rb_u8(&rb, JOOL_AIS_STATUS, 1);
	h = reply_raw(0, &rb, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
	CHECK_INT(jmsg_parse_hello(&r, &alive, err, sizeof(err)), 0);
	CHECK_INT(alive, 0);
	free(h);

	h = reply_raw(0, NULL, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
	CHECK_INT(jmsg_parse_hello(&r, &alive, err, sizeof(err)), -1);
	CHECK_STR(err, "instance hello: STATUS missing");
	free(h);

	rb.n = 0;
	rb_u16(&rb, JOOL_AIS_STATUS, 0);
	h = reply_raw(0, &rb, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
	CHECK_INT(jmsg_parse_hello(&r, &alive, err, sizeof(err)), -1);
	free(h);

	rb.n = 0;
	rb_u8(&rb, JOOL_AIS_STATUS, 5);
	h = reply_raw(0, &rb, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
	CHECK_INT(jmsg_parse_hello(&r, &alive, err, sizeof(err)), -1);
	free(h);

	rb.n = 0;
	rb_u16(&rb, JOOL_AERR_CODE, 1);
	rb_put(&rb, JOOL_AERR_MSG, "CAP_NET_ADMIN capability required.",
	    35);
	h = reply_raw(JOOL_HF_ERROR, &rb, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
	CHECK_INT(jmsg_parse_hello(&r, &alive, err, sizeof(err)), -1);
	CHECK(has(err, "CAP_NET_ADMIN"));
	free(h);
	CHECK_INT(jmsg_parse_hello(NULL, &alive, err, sizeof(err)), -1);
}

static void
test_parse_globals(void)
{
	struct jool_reply	 r;
	struct jool_globals	 g;
	struct nlmsghdr		*h;
	struct rb		 rb;
	struct in6_addr		 w6 = a6("64:ff9b::");
	int			 pass, at, i;

	/* NAT64, in the kernel's order (common/global.c metadata) */
	for (pass = 0; pass < 2; pass++) {
		rb_nf = pass == 0 ? NLA_F_NESTED : 0;
		rb.n = 0;
		rb_u8(&rb, 1, 1);				/* enabled */
		rb_prefix6(&rb, 2, "64:ff9b::", 96);		/* pool6 */
		rb_u32(&rb, 3, 1280);
		rb_u8(&rb, 4, 0);
		rb_u8(&rb, 5, 0);
		rb_u8(&rb, 6, 0);
		rb_u8(&rb, 7, 0);
		at = rb_open(&rb, 8);				/* plateaus */
		for (i = 0; i < 11; i++)
			rb_u16(&rb, 1, (uint16_t)(65535 - i));
		rb_close(&rb, at);
		for (i = 14; i <= 19; i++)
			rb_u8(&rb, i, 0);
		for (i = 20; i <= 23; i++)
			rb_u32(&rb, i, 7200000);
		rb_u8(&rb, 24, 1);				/* bib */
		rb_u8(&rb, 25, 0);				/* session */
		rb_u32(&rb, 26, 10);
		rb_u8(&rb, 27, 0);
		rb_u8(&rb, 28, 1);
		for (i = 29; i <= 31; i++)
			rb_u32(&rb, i, 2000);
		h = reply_raw(0, &rb, "jool");
		CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
		CHECK_INT(jmsg_parse_globals(&r, &g, err, sizeof(err)), 0);
		CHECK_INT(g.enabled, 1);
		CHECK_INT(g.has_pool6, 1);
		CHECK(memcmp(&g.pool6.addr, &w6, 16) == 0 && g.pool6.len == 96);
		CHECK_INT(g.bib_logging, 1);
		CHECK_INT(g.session_logging, 0);
		free(h);
	}
	rb_nf = NLA_F_NESTED;

	/* SIIT: pool6 unset (LEN only), no logging globals */
	rb.n = 0;
	rb_u8(&rb, 1, 0);
	at = rb_open(&rb, 2);
	rb_u8(&rb, JOOL_AP_LEN, 0);
	rb_close(&rb, at);
	rb_u32(&rb, 3, 1280);
	rb_prefix4(&rb, 13, "198.51.100.0", 24);
	h = reply_raw(0, &rb, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
	CHECK_INT(jmsg_parse_globals(&r, &g, err, sizeof(err)), 0);
	CHECK_INT(g.enabled, 0);
	CHECK_INT(g.has_pool6, 0);
	CHECK_INT(g.pool6.len, 0);
	CHECK_INT(g.bib_logging, -1);
	CHECK_INT(g.session_logging, -1);
	free(h);

	/* nothing */
	h = reply_raw(0, NULL, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
	CHECK_INT(jmsg_parse_globals(&r, &g, err, sizeof(err)), 0);
	CHECK(g.enabled == -1 && !g.has_pool6 && g.bib_logging == -1);
	free(h);

	/* malformed */
	rb.n = 0;
	rb_u32(&rb, 1, 1);
	h = reply_raw(0, &rb, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
	CHECK_INT(jmsg_parse_globals(&r, &g, err, sizeof(err)), -1);
	CHECK_STR(err, "globals: manually-enabled of 4 bytes (expected 1)");
	free(h);
	rb.n = 0;
	at = rb_open(&rb, 2);
	rb_put(&rb, JOOL_AP_ADDR, &w6, 16);
	rb_close(&rb, at);
	h = reply_raw(0, &rb, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
	CHECK_INT(jmsg_parse_globals(&r, &g, err, sizeof(err)), -1);
	CHECK_STR(err, "globals pool6: LEN missing");
	free(h);
	rb.n = 0;
	rb_prefix4(&rb, 2, "192.0.2.0", 24);	/* a prefix4 as pool6 */
	h = reply_raw(0, &rb, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
	CHECK_INT(jmsg_parse_globals(&r, &g, err, sizeof(err)), -1);
	free(h);
	rb.n = 0;
	rb_u16(&rb, 25, 1);
	h = reply_raw(0, &rb, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
	CHECK_INT(jmsg_parse_globals(&r, &g, err, sizeof(err)), -1);
	free(h);
}

struct stats_seen {
	int		n;
	unsigned	ids[80];
	uint64_t	vals[80];
};

static void
stats_cb(void *arg, unsigned id, uint64_t v)
{
	struct stats_seen	*s = arg;

	if (s->n < 80) {
		s->ids[s->n] = id;
		s->vals[s->n] = v;
	}
	s->n++;
}

static void
test_parse_stats(void)
{
	struct jool_reply	 r;
	struct stats_seen	 s;
	struct nlmsghdr		*h;
	struct rb		 rb;
	unsigned		 i;

	/* 1-5, with pad attributes (4 bytes, empty) as nla_align_64bit()
	   writes them where 8-byte alignment matters */
	rb.n = 0;
	for (i = 1; i <= 5; i++) {
		rb_put(&rb, PAD_ID, NULL, 0);
		rb_u64(&rb, (int)i, 1000000000000ull * i + i);
	}
	h = reply_raw(JOOL_HF_MORE, &rb, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
	memset(&s, 0, sizeof(s));
	CHECK_INT(jmsg_parse_stats(&r, PAD_ID, stats_cb, &s, err, sizeof(err)),
	    5);
	CHECK_INT(s.n, 5);
	for (i = 0; i < 5; i++) {
		CHECK_INT(s.ids[i], i + 1);
		CHECK(s.vals[i] == 1000000000000ull * (i + 1) + i + 1);
	}
	CHECK(r.flags & JOOL_HF_MORE);
	free(h);

	/* the rest, 6-69 (JSTAT_UNKNOWN) */
	rb.n = 0;
	for (i = 6; i < PAD_ID; i++)
		rb_u64(&rb, (int)i, i);
	h = reply_raw(0, &rb, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
	memset(&s, 0, sizeof(s));
	CHECK_INT(jmsg_parse_stats(&r, PAD_ID, stats_cb, &s, err, sizeof(err)),
	    PAD_ID - 1);
	CHECK_INT(s.n, PAD_ID - 6);
	free(h);

	/* empty */
	h = reply_raw(0, NULL, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
	CHECK_INT(jmsg_parse_stats(&r, PAD_ID, stats_cb, &s, err, sizeof(err)),
	    0);
	free(h);

	/* malformed: a 4-byte counter, type 0, an error reply */
	rb.n = 0;
	rb_u64(&rb, 1, 1);
	rb_u32(&rb, 2, 2);
	h = reply_raw(0, &rb, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
	CHECK_INT(jmsg_parse_stats(&r, PAD_ID, stats_cb, &s, err, sizeof(err)),
	    -1);
	CHECK_STR(err, "stats: counter 2 of 4 bytes (expected 8)");
	free(h);
	rb.n = 0;
	rb_u64(&rb, 0, 1);
	h = reply_raw(0, &rb, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
	CHECK_INT(jmsg_parse_stats(&r, PAD_ID, stats_cb, &s, err, sizeof(err)),
	    -1);
	free(h);
	rb.n = 0;
	rb_u16(&rb, JOOL_AERR_CODE, 3);
	h = reply_raw(JOOL_HF_ERROR, &rb, "jool");
	CHECK_INT(jmsg_reply(h, &r, err, sizeof(err)), 0);
	CHECK_INT(jmsg_parse_stats(&r, PAD_ID, stats_cb, &s, err, sizeof(err)),
	    -1);
	CHECK_INT(jmsg_parse_stats(&r, PAD_ID, NULL, &s, err, sizeof(err)), -1);
	free(h);
}

/* ------------------------------------------------------------------ fuzz */

static uint64_t	rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

/* Random attributes, up to depth levels of nests, some lengths lying. */
static void
rb_random(struct rb *r, int depth, int room)
{
	static const int	sizes[] = { 0, 1, 2, 3, 4, 5, 8, 15, 16, 17 };
	uint8_t			buf[40];
	int			k, n, type, at, i, j, start = r->n;

	n = (int)(rnd() % 9);
	for (k = 0; k < n && r->n - start < room - 64; k++) {
		type = (int)(rnd() % 10);
		if (rnd() % 4 == 0)
			type |= NLA_F_NESTED;
		if (depth > 0 && rnd() % 3 == 0) {
			at = rb_put(r, type, NULL, 0);
			rb_random(r, depth - 1, room - (r->n - start));
			rb_close(r, at);
		} else {
			i = sizes[rnd() % (sizeof(sizes) / sizeof(sizes[0]))];
			for (j = 0; j < i; j++)
				buf[j] = (uint8_t)rnd();
			at = rb_put(r, type, buf, i);
		}
		if (rnd() % 16 == 0)	/* lie about the length */
			((struct nlattr *)(r->b + at))->nla_len =
			    (uint16_t)(rnd() % 80);
	}
}

static void
fuzz_entry(struct nlattr *e)
{
	struct jool_instance	i;
	struct jool_eam		m;
	struct jool_pool4	p;
	struct jool_bib		b;
	struct jool_session	s;

	(void)jmsg_parse_instance(e, &i, err, sizeof(err));
	(void)jmsg_parse_eam(e, &m, err, sizeof(err));
	(void)jmsg_parse_pool4(e, &p, err, sizeof(err));
	(void)jmsg_parse_bib(e, &b, err, sizeof(err));
	(void)jmsg_parse_session(e, &s, err, sizeof(err));
}

static void
fuzz_reply(struct nlmsghdr *h, int *ok)
{
	struct jool_reply	 r;
	struct jool_globals	 g;
	struct stats_seen	 s;
	struct nlattr		*pos;
	int			 rem, alive;

	if (jmsg_reply(h, &r, err, sizeof(err)) != 0)
		return;
	(*ok)++;
	(void)jmsg_parse_hello(&r, &alive, err, sizeof(err));
	(void)jmsg_parse_globals(&r, &g, err, sizeof(err));
	s.n = 0;
	(void)jmsg_parse_stats(&r, PAD_ID, stats_cb, &s, err, sizeof(err));
	jmsg_foreach_entry(&r, pos, rem)
		fuzz_entry(pos);
}

static void
test_fuzz(void)
{
	struct nlattr	*e;
	struct nlmsghdr	*h;
	struct rb	 rb;
	uint8_t		*raw;
	int		 it, n, k, ok = 0, at;

	for (it = 0; it < 4000; it++) {
		/* 1: random bytes as an entry's payload */
		n = (int)(rnd() % 96);
		if ((e = malloc(NLA_HDRLEN + (size_t)n)) == NULL)
			abort();
		e->nla_len = (uint16_t)(NLA_HDRLEN + n);
		e->nla_type = JOOL_A_LIST_ENTRY |
		    (rnd() & 1 ? NLA_F_NESTED : 0);
		for (k = 0; k < n; k++)
			((uint8_t *)e)[NLA_HDRLEN + k] = (uint8_t)rnd();
		fuzz_entry(e);
		free(e);

		/* 2: random attribute trees as an entry */
		rb.n = 0;
		at = rb_put(&rb, JOOL_A_LIST_ENTRY | NLA_F_NESTED, NULL, 0);
		rb_random(&rb, 3, 1024);
		rb_close(&rb, at);
		e = attr_dup(&rb, 0);
		fuzz_entry(e);
		free(e);

		/* 3: ... and as a reply (entries, globals, stats, errors) */
		rb.n = 0;
		rb_random(&rb, 3, 2048);
		if (rnd() % 2) {
			at = rb_put(&rb, JOOL_A_LIST_ENTRY | NLA_F_NESTED,
			    NULL, 0);
			rb_random(&rb, 2, 1024);
			rb_close(&rb, at);
		}
		h = reply_raw((uint8_t)(rnd() % 16), &rb, "jool");
		if (rnd() % 4 == 0 && h->nlmsg_len > ATTRS_OFF)
			h->nlmsg_len -= rnd() % (h->nlmsg_len - ATTRS_OFF);
		fuzz_reply(h, &ok);
		free(h);

		/* 4: random whole messages (nlmsg_len within the block) */
		n = NLMSG_HDRLEN + (int)(rnd() % 120);
		if ((raw = malloc((size_t)n)) == NULL)
			abort();
		for (k = 0; k < n; k++)
			raw[k] = (uint8_t)rnd();
		h = (struct nlmsghdr *)raw;
		h->nlmsg_len = (uint32_t)(NLMSG_HDRLEN + rnd() %
		    (uint32_t)(n - NLMSG_HDRLEN + 1));
		if (rnd() % 2 && n >= (int)ATTRS_OFF)
			memcpy(raw + NLMSG_HDRLEN + GENL_HDRLEN, "jool", 4);
		fuzz_reply(h, &ok);
		free(raw);
	}
	CHECK(ok > 0);		/* some random replies were decoded */
}

int
main(void)
{
	test_iname();
	test_pool6();
	test_pool4();
	test_eam();
	test_request();
	test_strict_model();
	test_put_instance_add();
	test_put_instance_offset();
	test_put_eam();
	test_put_pool4();
	test_put_bib_offset();
	test_put_session_offset();
	test_put_globals();
	test_full();
	test_reply_header();
	test_parse_instance();
	test_parse_eam();
	test_parse_pool4();
	test_parse_bib();
	test_parse_session();
	test_parse_hello();
	test_parse_globals();
	test_parse_stats();
	test_fuzz();
	return t_done("test_jool_msg");
}
