/* SPDX-License-Identifier: ISC */
/*
 * NAT64 mappings into the audit log (see mapping.h).  The mappings known
 * are kept sorted by their tuple; each poll sorts what Jool lists and
 * walks both lists at once: in both, still there; only known, ended; only
 * listed, new.
 */

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "jool/jool.h"
#include "jool/nl.h"
#include "jool/proto.h"
#include "log.h"
#include "mapping.h"

/* The tuple of a mapping, compared with memcmp: zeroed, then filled. */
struct map_key {
	struct in6_addr	src6;		/* the IPv6 client */
	struct in_addr	src4;		/* pool4 */
	struct in_addr	dst4;		/* the server */
	uint16_t	sport6, sport4, dport4;
	uint8_t		proto;
	uint8_t		pad;
};

struct map_ent {
	struct map_key	k;
	struct in6_addr	dst6;
	uint16_t	dport6;
	uint64_t	first_ms, last_ms, id;
	uint64_t	gap;		/* its times are within this (ms) */
	char		service[65];
};

static struct map_ent	*mp_v;
static size_t		 mp_n;
static uint64_t		 mp_next_id;
static uint64_t		 mp_polled;	/* the last good poll, ms */

static void	mapping_end(const char *);

static uint64_t
mapping_now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int
mapping_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct map_ent *)a)->k,
	    &((const struct map_ent *)b)->k, sizeof(struct map_key));
}

/* The nat64 service a mapping reached: its address, and the port. */
static void
mapping_service(const struct gw_conf *gc, struct map_ent *e)
{
	size_t	i, p;

	strcpy(e->service, "-");
	for (i = 0; i < gc->nservices; i++) {
		const struct conf_service *s = &gc->services[i];

		if (s->mode != CONF_NAT64 ||
		    memcmp(&s->addr6, &e->dst6, sizeof(e->dst6)) != 0)
			continue;
		for (p = 0; p < s->nports; p++)
			if ((s->ports[p].proto == CONF_L4_ICMP &&
			    e->k.proto == IPPROTO_ICMPV6) ||
			    (s->ports[p].port == e->dport6 &&
			    ((s->ports[p].proto == CONF_L4_TCP &&
			    e->k.proto == IPPROTO_TCP) ||
			    (s->ports[p].proto == CONF_L4_UDP &&
			    e->k.proto == IPPROTO_UDP)))) {
				snprintf(e->service, sizeof(e->service), "%s",
				    s->name);
				return;
			}
	}
}

static void
mapping_write(const struct map_ent *e, int event, const char *reason)
{
	struct audit_rec	r;

	memset(&r, 0, sizeof(r));
	r.kind = AUDIT_NAT64;
	r.event = (uint8_t)event;
	r.id = e->id;
	r.t_open_ms = e->first_ms;
	r.t_close_ms = e->last_ms;
	r.client.sin6.sin6_family = AF_INET6;
	r.client.sin6.sin6_addr = e->k.src6;
	r.client.sin6.sin6_port = htons(e->k.sport6);
	r.local.sin.sin_family = AF_INET;
	r.local.sin.sin_addr = e->k.src4;
	r.local.sin.sin_port = htons(e->k.sport4);
	r.backend.sin.sin_family = AF_INET;
	r.backend.sin.sin_addr = e->k.dst4;
	r.backend.sin.sin_port = htons(e->k.dport4);
	{
		union addr_sa	l;

		memset(&l, 0, sizeof(l));
		l.sin6.sin6_family = AF_INET6;
		l.sin6.sin6_addr = e->dst6;
		l.sin6.sin6_port = htons(e->dport6);
		addr_fmt(&l, r.listener, sizeof(r.listener));
	}
	snprintf(r.service, sizeof(r.service), "%s", e->service);
	r.reason = reason;
	r.proto = e->k.proto;
	r.poll_ms = e->gap > UINT32_MAX ? UINT32_MAX : (uint32_t)e->gap;
	audit_push(AUDIT_MAIN, &r);
}

/* Jool's sessions of one protocol, here (see mapping_set_reader()). */
static int
mapping_read_local(const char *instance, uint8_t l4,
    struct jool_session **s, size_t *n, char *err, size_t errlen)
{
	struct jnl	j;
	int		rc;

	if (jnl_open(&j, err, errlen) == -1)
		return -1;
	rc = jool_session_list(&j, instance, l4, s, n, err, errlen);
	jnl_close(&j);
	return rc;
}

static mapping_read_fn	*mapping_read = mapping_read_local;

void
mapping_set_reader(mapping_read_fn *fn)
{
	mapping_read = fn;
}

/* Jool's sessions now, sorted, each once: 0 (*v may be NULL with *n 0),
   or -1 with err. */
static int
mapping_list(const struct gw_conf *gc, struct map_ent **out, size_t *n,
    char *err, size_t errlen)
{
	static const uint8_t	 l4[] = { JOOL_L4_TCP, JOOL_L4_UDP,
				    JOOL_L4_ICMP };
	static const uint8_t	 ipp[] = { IPPROTO_TCP, IPPROTO_UDP,
				    IPPROTO_ICMPV6 };
	struct jool_session	*s;
	struct map_ent		*v = NULL, *nv;
	size_t			 ns, i, p;

	*n = 0;
	*out = NULL;
	for (p = 0; p < 3; p++) {
		if (mapping_read(gc->nat64.instance, l4[p], &s, &ns, err,
		    errlen) == -1) {
			free(v);
			*n = 0;
			return -1;
		}
		if (ns > 0 && (nv = reallocarray(v, *n + ns, sizeof(*v))) ==
		    NULL) {
			free(s);
			free(v);
			*n = 0;
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		if (ns > 0)
			v = nv;
		for (i = 0; i < ns; i++) {
			struct map_ent *e = &v[(*n)++];

			memset(e, 0, sizeof(*e));
			e->k.proto = ipp[p];
			e->k.src6 = s[i].src6.addr;
			e->k.sport6 = s[i].src6.port;
			e->k.src4 = s[i].src4.addr;
			e->k.sport4 = s[i].src4.port;
			e->k.dst4 = s[i].dst4.addr;
			e->k.dport4 = s[i].dst4.port;
			e->dst6 = s[i].dst6.addr;
			e->dport6 = s[i].dst6.port;
		}
		free(s);
	}
	if (*n > 1) {
		/* a table paged while it changed may list one twice */
		qsort(v, *n, sizeof(*v), mapping_cmp);
		for (i = p = 1; i < *n; i++)
			if (mapping_cmp(&v[i], &v[p - 1]) != 0)
				v[p++] = v[i];
		*n = p;
	}
	*out = v;
	return 0;
}

int
mapping_poll(const struct gw_conf *gc, char *err, size_t errlen)
{
	struct map_ent	*cur, *out;
	size_t		 n, i = 0, j = 0, w = 0;
	uint64_t	 now = mapping_now_ms(), gap;
	int		 c;

	if (!gc->nat64.on || !gc->audit_on) {
		/* switched off: what was known ends here */
		mapping_end("NAT64 or the audit log switched off");
		return 0;
	}
	if (mapping_list(gc, &cur, &n, err, errlen) == -1)
		return -1;
	/* how early a new mapping may have begun: since the last poll */
	gap = mp_polled ? now - mp_polled : MAPPING_POLL_MS;
	mp_polled = now;
	if ((out = calloc(n + 1, sizeof(*out))) == NULL) {
		free(cur);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	while (i < mp_n || j < n) {
		c = i == mp_n ? 1 : j == n ? -1 :
		    memcmp(&mp_v[i].k, &cur[j].k, sizeof(struct map_key));
		if (c < 0) {		/* gone since the last poll */
			/* it ended between its last sighting and now */
			if (now - mp_v[i].last_ms > mp_v[i].gap)
				mp_v[i].gap = now - mp_v[i].last_ms;
			mapping_write(&mp_v[i++], AUDIT_CLOSE, "expired");
		} else if (c > 0) {	/* new */
			out[w] = cur[j++];
			out[w].first_ms = out[w].last_ms = now;
			out[w].gap = gap;
			out[w].id = mp_next_id++;
			mapping_service(gc, &out[w]);
			/* always: a kill -9 loses what is only in memory */
			mapping_write(&out[w], AUDIT_OPEN, NULL);
			w++;
		} else {		/* still there */
			out[w] = mp_v[i++];
			out[w++].last_ms = now;
			j++;
		}
	}
	free(cur);
	free(mp_v);
	mp_v = out;
	mp_n = w;
	return 0;
}

/* Every known mapping ends now, for this reason. */
static void
mapping_end(const char *reason)
{
	size_t	i;

	for (i = 0; i < mp_n; i++)
		mapping_write(&mp_v[i], AUDIT_CLOSE, reason);
	free(mp_v);
	mp_v = NULL;
	mp_n = 0;
	mp_polled = 0;
}

void
mapping_flush(void)
{
	mapping_end("still active when v6gated stopped");
}
