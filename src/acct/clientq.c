/* SPDX-License-Identifier: ISC */
/*
 * Worker -> main thread client rings (see clientq.h).  Single producer
 * (the worker), single consumer (the main thread): the producer owns head,
 * the consumer tail; an entry is published by the release store of head.
 */

#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "clientq.h"
#include "siphash.h"

#define CLIENTQ_RING	16384		/* entries per worker, 512 KiB */
#define CLIENTQ_CACHE	4096		/* recently queued, per worker */

struct clientq_ent {
	struct acct_service	*as;
	uint8_t			 family;
	uint8_t			 key[16];
};

struct clientq {
	/* producer side */
	uint64_t		 head;
	uint64_t		 dropped;
	struct siphash_key	 k;
	uint64_t		 cache[CLIENTQ_CACHE];
	/* consumer side, on its own cache line */
	uint64_t		 tail __attribute__((aligned(64)));
	int			 nudged;
	struct clientq_ent	 ring[CLIENTQ_RING];
} __attribute__((aligned(64)));

static struct clientq	*clientq;
static int		 clientq_n;
static int		 clientq_efd = -1;
static uint32_t		 clientq_gen;	/* period, bumped by the main thread */

int
clientq_init(int nworkers)
{
	int	i;

	if ((clientq = aligned_alloc(64, sizeof(*clientq) *
	    (size_t)nworkers)) == NULL)
		return -1;
	memset(clientq, 0, sizeof(*clientq) * (size_t)nworkers);
	for (i = 0; i < nworkers; i++)
		siphash_key_random(&clientq[i].k);
	clientq_n = nworkers;
	if ((clientq_efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1)
		return -1;
	return 0;
}

int
clientq_fd(void)
{
	return clientq_efd;
}

void
clientq_push(int w, struct acct_service *as, int family,
    const union addr_sa *peer)
{
	struct clientq		*q = &clientq[w];
	struct clientq_ent	*e;
	uint8_t			 key[16];
	uint64_t		 tag, head, tail;
	uint32_t		 gen;

#ifdef V6G_NO_COUNTING
	return;		/* benchmark only: see acct_add() */
#endif
	if (peer->sa.sa_family == AF_INET6)
		memcpy(key, &peer->sin6.sin6_addr, 16);
	else {
		memset(key, 0, 10);
		key[10] = key[11] = 0xff;
		memcpy(key + 12, &peer->sin.sin_addr, 4);
	}
	/* the cache: this client, this service, this period */
	gen = __atomic_load_n(&clientq_gen, __ATOMIC_RELAXED);
	tag = siphash16(&q->k, key) ^ (uint64_t)(uintptr_t)as *
	    0x9e3779b97f4a7c15ULL ^ (uint64_t)gen << 32 ^ (uint64_t)family;
	tag |= 1;
	if (q->cache[tag % CLIENTQ_CACHE] == tag)
		return;
	head = q->head;
	tail = __atomic_load_n(&q->tail, __ATOMIC_ACQUIRE);
	if (head - tail == CLIENTQ_RING) {
		__atomic_store_n(&q->dropped, q->dropped + 1,
		    __ATOMIC_RELAXED);
		return;
	}
	q->cache[tag % CLIENTQ_CACHE] = tag;
	e = &q->ring[head % CLIENTQ_RING];
	e->as = as;
	e->family = (uint8_t)family;
	memcpy(e->key, key, 16);
	__atomic_store_n(&q->head, head + 1, __ATOMIC_RELEASE);
	if (head + 1 - tail >= CLIENTQ_RING / 4 &&
	    !__atomic_load_n(&q->nudged, __ATOMIC_RELAXED)) {
		uint64_t one = 1;

		__atomic_store_n(&q->nudged, 1, __ATOMIC_RELAXED);
		(void)!write(clientq_efd, &one, sizeof(one));
	}
}

void
clientq_drain(void (*fn)(void *, struct acct_service *, int,
    const uint8_t *), void *arg)
{
	uint64_t	 v, head, tail;
	int		 i;

	(void)!read(clientq_efd, &v, sizeof(v));
	for (i = 0; i < clientq_n; i++) {
		struct clientq	*q = &clientq[i];

		__atomic_store_n(&q->nudged, 0, __ATOMIC_RELAXED);
		head = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
		for (tail = q->tail; tail != head; tail++) {
			struct clientq_ent *e = &q->ring[tail % CLIENTQ_RING];

			fn(arg, e->as, e->family, e->key);
		}
		__atomic_store_n(&q->tail, tail, __ATOMIC_RELEASE);
	}
}

void
clientq_new_period(void)
{
	__atomic_store_n(&clientq_gen, clientq_gen + 1, __ATOMIC_RELAXED);
}

uint64_t
clientq_dropped(void)
{
	uint64_t	n = 0;
	int		i;

	for (i = 0; i < clientq_n; i++)
		n += __atomic_load_n(&clientq[i].dropped, __ATOMIC_RELAXED);
	return n;
}
