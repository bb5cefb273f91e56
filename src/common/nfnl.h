/* SPDX-License-Identifier: ISC */
#ifndef V6G_NFNL_H
#define V6G_NFNL_H

#include <stddef.h>
#include <stdint.h>

/*
 * The elements of the sets of an nftables table of the inet family, read
 * and written straight over netlink: libnftnl builds and parses the
 * messages, libmnl carries them.  Tables, chains and rules, which are few
 * and change rarely, stay nft(8) text (nftsafe.h); the elements, several
 * per service, come here, because nft's parser and evaluator cost about
 * 20,000 instructions an element (seconds for 10,000 services, tens of
 * seconds under emulation) where building the message costs a few
 * hundred.
 *
 * Also a reader of a chain's rules, for what iptables-nft wrote (see
 * jool/xtables.c).
 *
 * Keys are in the kernel's layout: each field of a concatenation padded
 * to 4 bytes, addresses and ports in network order, inet_proto one byte.
 */

#define NFNL_KEY_MAX	64

struct nfnl_batch;

/* A batch of changes to table's sets, sent as one transaction (NULL: out
   of memory). */
struct nfnl_batch *nfnl_batch_new(const char *table);

/*
 * Queue an element to add (add = 1) or delete (add = 0).  Consecutive
 * elements of one set and one kind share a message; the kernel applies
 * the messages in order.  -1 when out of memory (the batch is then only
 * good for nfnl_batch_free()).
 */
int	nfnl_batch_elem(struct nfnl_batch *, int add, const char *set,
	    const void *key, size_t len);

/*
 * Send the batch as one transaction: all of it applies, or none.  0, or
 * -1 with err naming the set and the kernel's reason.  Frees the batch
 * either way.
 */
int	nfnl_batch_commit(struct nfnl_batch *, char *err, size_t errlen);
void	nfnl_batch_free(struct nfnl_batch *);

/*
 * The table: 1 with its handle (new for each table made, within a boot)
 * and its comment (truncated to clen - 1; "" without one), 0 when there
 * is no such table, -1 with err.
 */
int	nfnl_table(const char *table, uint64_t *handle, char *comment,
	    size_t clen, char *err, size_t errlen);

/*
 * Every element of a set, with the values of its counter when it has one
 * (counted = 0 otherwise).  0, or -1 with err (the set or table missing:
 * ENOENT's text, "No such file or directory").
 */
typedef void nfnl_elem_fn(void *arg, const uint8_t *key, size_t len,
    int counted, uint64_t packets, uint64_t bytes);
int	nfnl_dump(const char *table, const char *set, nfnl_elem_fn *,
	    void *arg, char *err, size_t errlen);

/* An element to delete: its set and key. */
struct nfnl_ref {
	const char	*set;
	const void	*key;
	size_t		 len;
};

/*
 * The reads and the deletions a reader of counters needs (acct/kcount.c),
 * as a table: nfnl_local is the functions above, in this process; the
 * daemon's unprivileged process, which may not touch nftables, gets one
 * that asks the privileged process (priv/priv.h).  del removes n
 * elements in one transaction.
 */
struct nfnl_io {
	int	(*table)(const char *, uint64_t *, char *, size_t, char *,
		    size_t);
	int	(*dump)(const char *, const char *, nfnl_elem_fn *, void *,
		    char *, size_t);
	int	(*del)(const char *, const struct nfnl_ref *, size_t, char *,
		    size_t);
};
extern const struct nfnl_io nfnl_local;

/*
 * A named counter of table: 1 with its values, 0 when there is none, -1
 * with err.
 */
int	nfnl_counter(const char *table, const char *name, uint64_t *packets,
	    uint64_t *bytes, char *err, size_t errlen);

/*
 * Every expression of every rule of a chain of family (NFPROTO_*), to
 * look for something in them: 1 when the chain exists, 0 when it or its
 * table does not, -1 with err.
 */
struct nftnl_expr;
typedef void nfnl_expr_fn(void *arg, struct nftnl_expr *);
int	nfnl_rules(int family, const char *table, const char *chain,
	    nfnl_expr_fn *, void *arg, char *err, size_t errlen);

#endif
