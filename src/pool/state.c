/* SPDX-License-Identifier: ISC */
/*
 * The registry of backend states (see state.h): a list in creation order
 * and a hash by "service address", used when a snapshot goes live or an
 * operator names a backend, never by a worker.  The list is also walked by
 * the health checker's thread when it saves the states (pool/save.c):
 * appending and walking take pool_lock.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "namemap.h"
#include "state.h"

static struct pool_state	*pool_states, **pool_tail = &pool_states;
static struct namemap	*pool_index;
static pthread_mutex_t	 pool_lock = PTHREAD_MUTEX_INITIALIZER;
static uint32_t		 pool_gen;	/* atomic: the live config's */

/* Service names have no spaces (conf.c): "portal 10.1.0.5:443" is one. */
static size_t
pool_key(char *buf, size_t len, const char *service, const char *addr)
{
	int	n = snprintf(buf, len, "%s %s", service, addr);

	return n < 0 || (size_t)n >= len ? 0 : (size_t)n;
}

struct pool_state *
pool_state_find(const char *service, const char *addr)
{
	char	key[POOL_NAME_MAX + ADDR_STRLEN + 2];
	size_t	n;

	if (pool_index == NULL || (n = pool_key(key, sizeof(key), service,
	    addr)) == 0)
		return NULL;
	return namemap_lookup(pool_index, key, n);
}

struct pool_state *
pool_state_get(const char *service, const char *addr)
{
	struct pool_state	*st;
	char			 key[POOL_NAME_MAX + ADDR_STRLEN + 2];
	void			*prev;

	if ((st = pool_state_find(service, addr)) != NULL)
		return st;
	if (pool_index == NULL && (pool_index = namemap_new()) == NULL)
		return NULL;
	if (pool_key(key, sizeof(key), service, addr) == 0 ||
	    (st = calloc(1, sizeof(*st))) == NULL)
		return NULL;
	snprintf(st->service, sizeof(st->service), "%s", service);
	snprintf(st->addr, sizeof(st->addr), "%s", addr);
	if (namemap_add(pool_index, key, st, &prev) == -1) {
		free(st);
		return NULL;
	}
	st->up = 1;
	pthread_mutex_init(&st->lock, NULL);
	pthread_mutex_lock(&pool_lock);
	*pool_tail = st;
	pool_tail = &st->next;
	pthread_mutex_unlock(&pool_lock);
	return st;
}

void
pool_state_foreach(void (*fn)(struct pool_state *, void *), void *arg)
{
	struct pool_state	*st;

	pthread_mutex_lock(&pool_lock);
	for (st = pool_states; st != NULL; st = st->next)
		fn(st, arg);
	pthread_mutex_unlock(&pool_lock);
}

void
pool_state_sweep(uint32_t gen)
{
	struct pool_state	*st;

	for (st = pool_states; st != NULL; st = st->next)
		if (st->gen != gen)
			__atomic_store_n(&st->drain, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&pool_gen, gen, __ATOMIC_RELAXED);
}

int
pool_state_live(const struct pool_state *st)
{
	return __atomic_load_n(&st->gen, __ATOMIC_RELAXED) ==
	    __atomic_load_n(&pool_gen, __ATOMIC_RELAXED);
}

void
pool_state_health(struct pool_state *st, struct pool_health *h)
{
	pthread_mutex_lock(&st->lock);
	*h = st->health;
	pthread_mutex_unlock(&st->lock);
}
