/* SPDX-License-Identifier: ISC */
#ifndef V6G_PIPE_H
#define V6G_PIPE_H

/*
 * A worker's pool of splice() pipes.  A relayed connection takes a pipe
 * only while bytes are in flight in one direction and gives it back once
 * drained, so an idle connection holds its 2 sockets and no pipe (HAProxy
 * does the same).  One thread per pool: no locks.
 */

/* Bytes a pipe holds: a streaming read moves this much at once. */
#define PIPE_SIZE	262144

struct pipe_ent {
	int			 rd, wr;
	struct pipe_ent		*next;
};

struct pipe_pool {
	struct pipe_ent		*free;
	unsigned		 nfree;
	unsigned		 max_free;	/* more are closed on return */
};

void		 pipe_pool_init(struct pipe_pool *, unsigned);
void		 pipe_pool_clear(struct pipe_pool *);

/* A clean (empty) pipe, or NULL with errno set. */
struct pipe_ent	*pipe_get(struct pipe_pool *);

/* Give back a pipe; dirty = it may still hold bytes, so close it. */
void		 pipe_put(struct pipe_pool *, struct pipe_ent *, int dirty);

#endif
