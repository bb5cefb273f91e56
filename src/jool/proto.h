/* SPDX-License-Identifier: ISC */
#ifndef V6G_JOOL_PROTO_H
#define V6G_JOOL_PROTO_H

/*
 * The Jool 4.1 Generic Netlink protocol, as numbers.  Written from the
 * protocol's observable facts (our reference: ../shared/JOOL-NETLINK.md),
 * not copied from Jool's GPL-2.0 headers: names here are ours.
 *
 * Message: nlmsghdr | genlmsghdr(cmd = op) | struct jool_hdr (28 bytes) |
 * attributes.  Replies echo the request's header, with JOOL_HF_ERROR and/or
 * JOOL_HF_MORE set, and carry genl cmd 0: match them by sequence number.
 */

#include <stdint.h>

#define JOOL_FAMILY		"Jool"
#define JOOL_MCAST_GROUP	"joold"
#define JOOL_GENL_VERSION	1	/* what clients send; never checked */
#define JOOL_MAGIC		"jool"	/* 4 bytes, no NUL */
/* Header version 4.1.9.0: the module compares major.minor only. */
#define JOOL_HDR_VERSION	0x04010900u
#define JOOL_INAME_MAX		15	/* + NUL = 16 bytes in the header */

enum jool_xt {				/* translator type */
	JOOL_XT_SIIT = 1,
	JOOL_XT_NAT64 = 2,
};

enum jool_xf {				/* instance framework */
	JOOL_XF_NETFILTER = 4,
	JOOL_XF_IPTABLES = 8,
};

/* jool_hdr.flags */
#define JOOL_HF_ERROR		0x01	/* reply: an error; see JOOL_AERR_* */
#define JOOL_HF_FORCE		0x02	/* request: skip some checks */
#define JOOL_HF_QUICK		0x04	/* pool4 rm/flush: keep BIB entries */
#define JOOL_HF_MORE		0x08	/* reply: more entries, ask again */

struct jool_hdr {
	char		magic[4];
	uint32_t	version;	/* big-endian */
	uint8_t		xt;
	uint8_t		flags;
	uint8_t		reserved[2];
	char		iname[JOOL_INAME_MAX + 1];
} __attribute__((packed));

#define JOOL_HDR_LEN	28

/* genl commands */
enum jool_op {
	JOOL_OP_INSTANCE_FOREACH = 0,
	JOOL_OP_INSTANCE_ADD = 1,
	JOOL_OP_INSTANCE_HELLO = 2,
	JOOL_OP_INSTANCE_RM = 3,
	JOOL_OP_INSTANCE_FLUSH = 4,
	JOOL_OP_ADDRESS_QUERY64 = 5,
	JOOL_OP_ADDRESS_QUERY46 = 6,
	JOOL_OP_STATS_FOREACH = 7,
	JOOL_OP_GLOBAL_FOREACH = 8,
	JOOL_OP_GLOBAL_UPDATE = 9,
	JOOL_OP_EAMT_FOREACH = 10,
	JOOL_OP_EAMT_ADD = 11,
	JOOL_OP_EAMT_RM = 12,
	JOOL_OP_EAMT_FLUSH = 13,
	JOOL_OP_POOL4_FOREACH = 18,
	JOOL_OP_POOL4_ADD = 19,
	JOOL_OP_POOL4_RM = 20,
	JOOL_OP_POOL4_FLUSH = 21,
	JOOL_OP_BIB_FOREACH = 22,
	JOOL_OP_SESSION_FOREACH = 25,
	JOOL_OP_FILE_HANDLE = 26,	/* atomic configuration */
};

/* Top-level request attributes */
enum jool_attr {
	JOOL_A_ADDR_QUERY = 1,
	JOOL_A_GLOBALS = 2,		/* nest */
	JOOL_A_BL4_ENTRIES = 3,
	JOOL_A_EAMT_ENTRIES = 4,
	JOOL_A_POOL4_ENTRIES = 5,
	JOOL_A_BIB_ENTRIES = 6,
	JOOL_A_SESSION_ENTRIES = 7,
	JOOL_A_OFFSET = 8,		/* nest: the last entry received */
	JOOL_A_OFFSET_U8 = 9,		/* u8: the last id received */
	JOOL_A_OPERAND = 10,		/* nest: the entry to add/remove */
	JOOL_A_PROTO = 11,		/* u8: JOOL_L4_* */
	JOOL_A_ATOMIC_INIT = 12,	/* u8: framework of the candidate */
	JOOL_A_ATOMIC_END = 13,		/* flag: commit the candidate */
};

/* List entries (replies, and lists inside nests) */
#define JOOL_A_LIST_ENTRY	1

/* Errors (reply with JOOL_HF_ERROR) */
#define JOOL_AERR_CODE		1	/* u16, positive errno */
#define JOOL_AERR_MSG		2	/* string */

/* Prefix nest */
#define JOOL_AP_ADDR		1	/* in_addr / in6_addr */
#define JOOL_AP_LEN		2	/* u8; always present */

/* Transport address nest */
#define JOOL_AT_ADDR		1
#define JOOL_AT_PORT		2	/* u16, host order (ICMP: id) */

/* Instance entry (INSTANCE_FOREACH) */
#define JOOL_AIE_NS		1	/* u32, opaque */
#define JOOL_AIE_XF		2	/* u8 */
#define JOOL_AIE_INAME		3	/* string */

/* Instance add operand */
#define JOOL_AIA_XF		1	/* u8 */
#define JOOL_AIA_POOL6		2	/* prefix nest (NAT64: mandatory) */

/* Instance hello reply */
#define JOOL_AIS_STATUS		1	/* u8: 0 alive, 1 dead */

/* EAM entry */
#define JOOL_AE_PREFIX6		1
#define JOOL_AE_PREFIX4		2

/* pool4 entry: send every field (Jool 4.1.9 zero-fills missing ones) */
#define JOOL_AP4_MARK		1	/* u32 */
#define JOOL_AP4_ITERATIONS	2	/* u32 */
#define JOOL_AP4_FLAGS		3	/* u8: JOOL_ITER_* */
#define JOOL_AP4_PROTO		4	/* u8 */
#define JOOL_AP4_PREFIX		5	/* prefix4 nest */
#define JOOL_AP4_PORT_MIN	6	/* u16 */
#define JOOL_AP4_PORT_MAX	7	/* u16 */

#define JOOL_ITER_SET		1
#define JOOL_ITER_AUTO		2
#define JOOL_ITER_INFINITE	4

/* BIB entry */
#define JOOL_AB_SRC6		1	/* taddr6 */
#define JOOL_AB_SRC4		2	/* taddr4 */
#define JOOL_AB_PROTO		3
#define JOOL_AB_STATIC		4

/* Session entry */
#define JOOL_ASE_SRC6		1	/* the IPv6 client */
#define JOOL_ASE_DST6		2	/* pool6 + server */
#define JOOL_ASE_SRC4		3	/* pool4 transport address */
#define JOOL_ASE_DST4		4	/* the IPv4 server */
#define JOOL_ASE_PROTO		5
#define JOOL_ASE_STATE		6
#define JOOL_ASE_TIMER		7
#define JOOL_ASE_EXPIRATION	8	/* u32, ms until expiry */

/* L4 protocols: not IPPROTO_* */
enum jool_l4 {
	JOOL_L4_TCP = 0,
	JOOL_L4_UDP = 1,
	JOOL_L4_ICMP = 2,
};

/* Globals we read or write (attribute ids inside JOOL_A_GLOBALS) */
enum jool_global {
	JOOL_G_ENABLED = 1,		/* u8 "manually-enabled" */
	JOOL_G_POOL6 = 2,		/* prefix nest */
	JOOL_G_LOWEST_IPV6_MTU = 3,	/* u32 */
	JOOL_G_BIB_LOGGING = 24,	/* u8, NAT64 */
	JOOL_G_SESSION_LOGGING = 25,	/* u8, NAT64 */
};

/*
 * Ids of JOOL_OP_STATS_FOREACH.  What differs between 4.1.x releases (only
 * 4.1.9 is accepted; see JOOL_TESTED_VERSIONS in jool.h):
 *
 *	version		ids 1-67	68		UNKNOWN	padding
 *	4.1.8		same		ICMPEXT_SMALL	70	71
 *	4.1.9-4.1.11	same		ICMPEXT_BIG	69	70
 *	4.1.12		same		ICMPEXT_BIG	84	85 (15 joold ids 69-83)
 *	4.1.13-4.1.15	same		ICMPEXT_BIG	83	84 (14 joold ids 69-82)
 *
 * Also: 4.1.11 makes every pool4/BIB/session field mandatory (v6gate always
 * sends them); 4.1.15 refuses pool4 ranges overlapping the ephemeral ports
 * without JOOL_HF_FORCE.
 */
enum jool_stat {
	JOOL_STAT_RECEIVED6 = 1,
	JOOL_STAT_RECEIVED4 = 2,
	JOOL_STAT_SUCCESS = 3,
	JOOL_STAT_BIB_ENTRIES = 4,
	JOOL_STAT_SESSIONS = 5,
	JOOL_STAT_ENOMEM = 6,
	JOOL_STAT_XLATOR_DISABLED = 7,
	JOOL_STAT_POOL6_UNSET = 8,
	JOOL_STAT_UNKNOWN_L4_PROTO = 14,
	JOOL_STAT_POOL6_MISMATCH = 21,
	JOOL_STAT_POOL4_MISMATCH = 22,
	JOOL_STAT_UNTRANSLATABLE_DST6 = 24,
	JOOL_STAT_UNTRANSLATABLE_DST4 = 25,
	JOOL_STAT_MASK_DOMAIN_NOT_FOUND = 27,
	JOOL_STAT_BIB6_NOT_FOUND = 28,
	JOOL_STAT_BIB4_NOT_FOUND = 29,
	JOOL_STAT_SESSION_NOT_FOUND = 30,
	JOOL_STAT_ADF = 31,
	JOOL_STAT_V4_SYN = 32,
	JOOL_STAT_SO_FULL = 38,
	JOOL_STAT_64_SRC = 39,
	JOOL_STAT_64_DST = 40,
	JOOL_STAT_46_SRC = 50,
	JOOL_STAT_46_DST = 51,
	JOOL_STAT_FAILED_ROUTES = 61,
	JOOL_STAT_PKT_TOO_BIG = 62,
	JOOL_STAT_DST_OUTPUT = 63,
	JOOL_STAT_ICMP6ERR_SUCCESS = 64,
	JOOL_STAT_ICMP4ERR_SUCCESS = 66,
};

#endif
