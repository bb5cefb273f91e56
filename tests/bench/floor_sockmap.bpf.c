/* SPDX-License-Identifier: (ISC OR GPL-2.0-only) */
/*
 * The kernel half of tests/bench/floor-sockmap: an sk_skb stream verdict
 * that sends each socket's bytes to its peer's egress, so that after the
 * first flight no byte of the relayed connection goes through user space.
 *
 * Both sockets of a relayed connection are in "socks", a SOCKHASH keyed
 * by socket cookie (no slot allocator needed, entries are not
 * preallocated).  "conns", keyed by the same cookie, says where each
 * socket's bytes go and counts them: user space fills it before it
 * inserts the socket into "socks" (from then on every byte that arrives
 * runs this program), and reads and deletes it at close.
 *
 * Built at build time with clang -O2 -g -target bpf (see Makefile.am);
 * GPL because bpf_sk_redirect_hash() is a GPL-only helper.
 */

#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* One direction of a relayed connection, keyed by its source's cookie. */
struct fsm_dir {
	__u64	peer;		/* the cookie of the socket bytes go to */
	__u64	bytes;		/* bytes handed to the peer's egress */
	__u64	dropped;	/* bytes of skbs whose peer was gone */
};

struct {
	__uint(type, BPF_MAP_TYPE_SOCKHASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, __u64);
} socks SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct fsm_dir);
} conns SEC(".maps");

SEC("sk_skb/stream_verdict")
int
fsm_verdict(struct __sk_buff *skb)
{
	__u64		 cookie = bpf_get_socket_cookie(skb);
	struct fsm_dir	*d;
	long		 ret;

	/*
	 * A FIN comes as an skb of no bytes (TCP has taken the FIN already;
	 * user space sees it as EPOLLRDHUP).  Redirected, it would make the
	 * peer's backlog worker send nothing, which it takes as a broken
	 * pipe: an EPIPE on the peer.  So it stops here.
	 */
	if (skb->len == 0)
		return SK_DROP;
	d = bpf_map_lookup_elem(&conns, &cookie);
	if (d == NULL)
		return SK_DROP;	/* not ours: cannot happen, user space fills
				   conns first */
	/* flags 0: to the peer's egress (its send queue), not its ingress */
	ret = bpf_sk_redirect_hash(skb, &socks, &d->peer, 0);
	if (ret == SK_PASS)
		__sync_fetch_and_add(&d->bytes, skb->len);
	else
		__sync_fetch_and_add(&d->dropped, skb->len);
	return ret;
}

char LICENSE[] SEC("license") = "GPL";
