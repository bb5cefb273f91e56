/* SPDX-License-Identifier: ISC */
/*
 * See nftsafe.h.  A socket opened and closed just before libnftables opens
 * its own: the descriptor freed is the one it will get, unless a worker
 * takes it in between, a window of microseconds that only a gateway at its
 * very limit can hit.
 */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>

#include "nftsafe.h"

int
nft_can_run(char *err, size_t errlen)
{
	int	fd;

	if ((fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	    NETLINK_NETFILTER)) == -1) {
		snprintf(err, errlen, "nftables: no netlink socket: %s",
		    strerror(errno));
		return -1;
	}
	close(fd);
	return 0;
}
