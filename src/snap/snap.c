/* SPDX-License-Identifier: ISC */
/*
 * The live snapshot (see snap.h): a configuration and one array of links
 * per service, allocated at once so that making one can fail only before
 * anything else changed.
 */

#include <stdlib.h>

#include "snap.h"

struct snap *
snap_new(struct gw_conf *gc)
{
	struct snap	*s;
	size_t		 i, nb = 0;
	struct pool_state **st;

	for (i = 0; i < gc->nservices; i++)
		nb += gc->services[i].nbackends;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->svc = calloc(gc->nservices ? gc->nservices : 1,
	    sizeof(*s->svc))) == NULL ||
	    (st = calloc(nb ? nb : 1, sizeof(*st))) == NULL) {
		if (s != NULL)
			free(s->svc);
		free(s);
		conf_free(gc);
		return NULL;
	}
	/* the services' state arrays, one after the other */
	s->states = st;
	for (i = 0; i < gc->nservices; i++) {
		s->svc[i].st = st;
		st += gc->services[i].nbackends;
	}
	s->conf = s->own = gc;
	s->refs = 1;
	return s;
}

struct snap *
snap_ref(struct snap *s)
{
	__atomic_add_fetch(&s->refs, 1, __ATOMIC_RELAXED);
	return s;
}

void
snap_release(struct snap *s)
{
	if (s == NULL || __atomic_sub_fetch(&s->refs, 1, __ATOMIC_ACQ_REL) !=
	    0)
		return;
	free(s->states);
	free(s->svc);
	conf_free(s->own);
	free(s);
}
