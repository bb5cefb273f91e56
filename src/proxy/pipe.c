/* SPDX-License-Identifier: ISC */
/*
 * See pipe.h.  Pipes are enlarged to PIPE_SIZE: a streaming direction then
 * needs a quarter of the splice calls and wake-ups of the default 64 KiB.
 * An empty pipe holds no pages, only its slot array, so pooled pipes cost
 * little.  Where the size cannot be set (pipe-max-size, user page limits)
 * the default size still works.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "pipe.h"

void
pipe_pool_init(struct pipe_pool *pp, unsigned max_free)
{
	pp->free = NULL;
	pp->nfree = 0;
	pp->max_free = max_free;
}

void
pipe_pool_clear(struct pipe_pool *pp)
{
	struct pipe_ent	*p;

	while ((p = pp->free) != NULL) {
		pp->free = p->next;
		close(p->rd);
		close(p->wr);
		free(p);
	}
	pp->nfree = 0;
}

struct pipe_ent *
pipe_get(struct pipe_pool *pp)
{
	struct pipe_ent	*p;
	int		 fds[2];

	if ((p = pp->free) != NULL) {
		pp->free = p->next;
		pp->nfree--;
		return p;
	}
	if ((p = malloc(sizeof(*p))) == NULL)
		return NULL;
	if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) == -1) {
		int	saved = errno;

		free(p);
		errno = saved;
		return NULL;
	}
	p->rd = fds[0];
	p->wr = fds[1];
	(void)fcntl(p->wr, F_SETPIPE_SZ, PIPE_SIZE);
	return p;
}

void
pipe_put(struct pipe_pool *pp, struct pipe_ent *p, int dirty)
{
	if (dirty || pp->nfree >= pp->max_free) {
		close(p->rd);
		close(p->wr);
		free(p);
		return;
	}
	p->next = pp->free;
	pp->free = p;
	pp->nfree++;
}
