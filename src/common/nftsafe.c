/* SPDX-License-Identifier: ISC */
/*
 * See nftsafe.h.  The socket is opened and closed just before libnftables
 * opens its own: the descriptor freed is the one it will get, unless a
 * worker takes it in between, a window of microseconds that only a
 * gateway at its very limit can hit.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <nftables/libnftables.h>

#include "nftsafe.h"

static int
nftsafe_can_run(char *err, size_t errlen)
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

int
nftsafe_run(const char *cmds, char **json, char *err, size_t errlen)
{
	struct nft_ctx	*nft;
	const char	*e;
	int		 rc;

	if (nftsafe_can_run(err, errlen) == -1)
		return -1;
	if ((nft = nft_ctx_new(NFT_CTX_DEFAULT)) == NULL) {
		snprintf(err, errlen, "nftables: cannot create a context");
		return -1;
	}
	if (json != NULL)
		nft_ctx_output_set_flags(nft, NFT_CTX_OUTPUT_JSON |
		    NFT_CTX_OUTPUT_HANDLE);
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	rc = nft_run_cmd_from_buffer(nft, cmds);
	if (rc != 0) {
		e = nft_ctx_get_error_buffer(nft);
		snprintf(err, errlen, "nftables: %.*s", (int)strcspn(e ? e :
		    "failed", "\n"), e ? e : "failed");
	} else if (json != NULL &&
	    (*json = strdup(nft_ctx_get_output_buffer(nft))) == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	nft_ctx_free(nft);
	return rc == 0 ? 0 : -1;
}
