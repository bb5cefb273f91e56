/* SPDX-License-Identifier: ISC */
#ifndef V6G_NFTSAFE_H
#define V6G_NFTSAFE_H

#include <stddef.h>

/*
 * nft commands through libnftables, for every part of the daemon that
 * owns a table (the guard, the counters, the status).  libnftables ends
 * the process (exit) when it cannot open its netlink socket, as when the
 * descriptors run out under load: this checks first that a socket can be
 * had, and fails softly if not (the caller tries again later).
 *
 * 0, or -1 with err (nft's first line of error).  With json, *json is the
 * output in JSON, with handles, malloc'd.
 */
int	nftsafe_run(const char *cmds, char **json, char *err, size_t errlen);

#endif
