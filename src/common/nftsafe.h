/* SPDX-License-Identifier: ISC */
#ifndef V6G_NFTSAFE_H
#define V6G_NFTSAFE_H

#include <stddef.h>

/*
 * libnftables ends the process (exit) when it cannot open its netlink
 * socket, as when the descriptors run out under load.  Before each use:
 * 0 if a netlink socket can be had now, -1 with err if not (the caller
 * tries again later; the daemon lives on).
 */
int	nft_can_run(char *err, size_t errlen);

#endif
