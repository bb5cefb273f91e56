/* SPDX-License-Identifier: ISC */
/*
 * Pending first flights: per /64, per /48 and per /32 for IPv6, per
 * address alone for IPv4; a refusal counts nothing; put gives back all.
 */

#include <arpa/inet.h>

#include "addr.h"
#include "proxy/limit.h"
#include "t.h"

static uint64_t
key(const char *ip)
{
	union addr_sa	a;

	if (addr_parse_ip(ip, &a) == -1)
		return 0;
	return addr_client_key(&a);
}

int
main(void)
{
	const struct limit_prefix l = { 2, 3, 5 };
	char		 ip[64];
	int		 i, n;

	/* one /64: two */
	CHECK_INT(limit_prefix_take(key("2001:db8:1:1::1"), 1, &l), 0);
	CHECK_INT(limit_prefix_take(key("2001:db8:1:1::2"), 1, &l), 0);
	CHECK_INT(limit_prefix_take(key("2001:db8:1:1::3"), 1, &l), -1);
	/* its /48: one more, from another /64 */
	CHECK_INT(limit_prefix_take(key("2001:db8:1:2::1"), 1, &l), 0);
	CHECK_INT(limit_prefix_take(key("2001:db8:1:3::1"), 1, &l), -2);
	/* the /32: two more from another /48, then none */
	CHECK_INT(limit_prefix_take(key("2001:db8:2:1::1"), 1, &l), 0);
	CHECK_INT(limit_prefix_take(key("2001:db8:3:1::1"), 1, &l), 0);
	CHECK_INT(limit_prefix_take(key("2001:db8:4:1::1"), 1, &l), -2);
	/* a refusal took nothing: the /48 of 2001:db8:4:: is still free */
	limit_prefix_put(key("2001:db8:3:1::1"), 1);
	CHECK_INT(limit_prefix_take(key("2001:db8:4:1::1"), 1, &l), 0);
	/* another /32 is another count */
	CHECK_INT(limit_prefix_take(key("2001:db9:1:1::1"), 1, &l), 0);
	/* a /48 is not the /64 of the same value */
	CHECK_INT(limit_prefix_take(key("2001:db9:1::1"), 1, &l), 0);
	CHECK_INT(limit_prefix_take(key("2001:db9:1::2"), 1, &l), 0);
	/* put gives back the /64, /48 and /32, all three at their limit */
	limit_prefix_put(key("2001:db8:1:1::1"), 1);
	CHECK_INT(limit_prefix_take(key("2001:db8:1:1::3"), 1, &l), 0);
	/* IPv4: per address only, however many share a /16 */
	for (i = n = 0; i < 20; i++) {
		snprintf(ip, sizeof(ip), "198.51.%d.1", i);
		n += limit_prefix_take(key(ip), 0, &l) == 0;
	}
	CHECK_INT(n, 20);
	CHECK_INT(limit_prefix_take(key("198.51.0.1"), 0, &l), 0);
	CHECK_INT(limit_prefix_take(key("198.51.0.1"), 0, &l), -1);
	return t_done("test_limit");
}
