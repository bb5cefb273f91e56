/* SPDX-License-Identifier: ISC */
/*
 * c-ares, driven to completion for one question at a time.  The check asks
 * few questions (a name per host it meets, a zone's name servers), so a
 * blocking wait over ares' own descriptors is all it needs; the answer
 * parsers are c-ares' own.
 */

#include <sys/select.h>

#include <arpa/nameser.h>
#include <netinet/in.h>

#include <ares.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "dns.h"

struct dns {
	ares_channel	 ch;
};

/* What one query's callback leaves for its caller. */
struct dns_answer {
	int		 done;
	int		 status;	/* ARES_* */
	unsigned char	*buf;
	int		 len;
};

static pthread_once_t	dns_once = PTHREAD_ONCE_INIT;
static int		dns_lib_rc;

static void
dns_lib_init(void)
{
	dns_lib_rc = ares_library_init(ARES_LIB_INIT_ALL);
}

static int
dns_set_server(ares_channel ch, const union addr_sa *server)
{
	struct ares_addr_port_node	 n;

	memset(&n, 0, sizeof(n));
	n.family = server->sa.sa_family;
	if (n.family == AF_INET) {
		memcpy(&n.addr.addr4, &server->sin.sin_addr, 4);
		n.udp_port = n.tcp_port = ntohs(server->sin.sin_port);
	} else {
		memcpy(&n.addr.addr6, &server->sin6.sin6_addr, 16);
		n.udp_port = n.tcp_port = ntohs(server->sin6.sin6_port);
	}
	return ares_set_servers_ports(ch, &n);
}

static ares_channel
dns_channel(const union addr_sa *server, unsigned timeout_ms, char *err,
    size_t errlen)
{
	struct ares_options	 o;
	ares_channel		 ch;
	int			 rc;

	pthread_once(&dns_once, dns_lib_init);
	if (dns_lib_rc != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(dns_lib_rc));
		return NULL;
	}
	memset(&o, 0, sizeof(o));
	o.flags = ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
	o.timeout = (int)(timeout_ms / 2 > 0 ? timeout_ms / 2 : 1);
	o.tries = 2;
	if ((rc = ares_init_options(&ch, &o, ARES_OPT_FLAGS |
	    ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES)) != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: %s", ares_strerror(rc));
		return NULL;
	}
	if (server != NULL && server->sa.sa_family != AF_UNSPEC &&
	    (rc = dns_set_server(ch, server)) != ARES_SUCCESS) {
		snprintf(err, errlen, "c-ares: resolver: %s",
		    ares_strerror(rc));
		ares_destroy(ch);
		return NULL;
	}
	return ch;
}

struct dns *
dns_open(const union addr_sa *server, unsigned timeout_ms, char *err,
    size_t errlen)
{
	struct dns	*d;

	if ((d = calloc(1, sizeof(*d))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if ((d->ch = dns_channel(server, timeout_ms, err, errlen)) == NULL) {
		free(d);
		return NULL;
	}
	return d;
}

void
dns_close(struct dns *d)
{
	if (d == NULL)
		return;
	ares_destroy(d->ch);
	free(d);
}

static void
dns_cb(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct dns_answer	*a = arg;

	a->done = 1;
	a->status = status;
	if (abuf != NULL && alen > 0 && (a->buf = malloc((size_t)alen)) !=
	    NULL) {
		memcpy(a->buf, abuf, (size_t)alen);
		a->len = alen;
	}
}

/* Ask, and wait: c-ares' own timeouts and tries bound the wait. */
static void
dns_ask(ares_channel ch, const char *name, int type, struct dns_answer *a)
{
	fd_set		 r, w;
	struct timeval	 tv, *tvp;
	int		 nfds;

	memset(a, 0, sizeof(*a));
	ares_query(ch, name, ns_c_in, type, dns_cb, a);
	while (!a->done) {
		FD_ZERO(&r);
		FD_ZERO(&w);
		if ((nfds = ares_fds(ch, &r, &w)) == 0)
			break;
		tvp = ares_timeout(ch, NULL, &tv);
		if (select(nfds, &r, &w, NULL, tvp) == -1)
			break;
		ares_process(ch, &r, &w);
	}
	if (!a->done)
		a->status = ARES_ETIMEOUT;
}

static enum dns_rc
dns_status(int status)
{
	switch (status) {
	case ARES_SUCCESS:
	case ARES_ENODATA:
		return DNS_OK;
	case ARES_ENOTFOUND:
		return DNS_NONAME;
	case ARES_ETIMEOUT:
	case ARES_ECONNREFUSED:
		return DNS_TIMEOUT;
	default:
		return DNS_FAIL;
	}
}

enum dns_rc
dns_addrs(struct dns *d, const char *name, int family, union addr_sa *out,
    size_t max, size_t *n, double *ms)
{
	struct dns_answer	 a;
	struct ares_addrttl	 v4[32];
	struct ares_addr6ttl	 v6[32];
	int			 i, cnt = 32;
	uint64_t		 t0 = clock_us(CLOCK_MONOTONIC);

	*n = 0;
	dns_ask(d->ch, name, family == AF_INET ? ns_t_a : ns_t_aaaa, &a);
	*ms = (double)(clock_us(CLOCK_MONOTONIC) - t0) / 1e3;
	if (a.status != ARES_SUCCESS) {
		free(a.buf);
		return dns_status(a.status);
	}
	if (family == AF_INET) {
		if (ares_parse_a_reply(a.buf, a.len, NULL, v4, &cnt) !=
		    ARES_SUCCESS)
			cnt = 0;
		for (i = 0; i < cnt && *n < max; i++, (*n)++) {
			memset(&out[*n], 0, sizeof(out[*n]));
			out[*n].sin.sin_family = AF_INET;
			out[*n].sin.sin_addr = v4[i].ipaddr;
		}
	} else {
		if (ares_parse_aaaa_reply(a.buf, a.len, NULL, v6, &cnt) !=
		    ARES_SUCCESS)
			cnt = 0;
		for (i = 0; i < cnt && *n < max; i++, (*n)++) {
			memset(&out[*n], 0, sizeof(out[*n]));
			out[*n].sin6.sin6_family = AF_INET6;
			memcpy(&out[*n].sin6.sin6_addr, &v6[i].ip6addr, 16);
		}
	}
	free(a.buf);
	return DNS_OK;
}

enum dns_rc
dns_ns(struct dns *d, const char *zone, char (*names)[DNS_NAME_MAX],
    size_t max, size_t *n)
{
	struct dns_answer	 a;
	struct hostent		*h = NULL;
	size_t			 i;

	*n = 0;
	dns_ask(d->ch, zone, ns_t_ns, &a);
	if (a.status != ARES_SUCCESS) {
		free(a.buf);
		return dns_status(a.status);
	}
	if (ares_parse_ns_reply(a.buf, a.len, &h) == ARES_SUCCESS &&
	    h != NULL) {
		for (i = 0; h->h_aliases[i] != NULL && *n < max; i++)
			snprintf(names[(*n)++], DNS_NAME_MAX, "%s",
			    h->h_aliases[i]);
		ares_free_hostent(h);
	}
	free(a.buf);
	return DNS_OK;
}

enum dns_rc
dns_probe(const union addr_sa *addr, const char *zone, unsigned timeout_ms,
    double *ms)
{
	struct dns_answer	 a;
	union addr_sa		 s = *addr;
	ares_channel		 ch;
	char			 err[128];
	uint64_t		 t0;

	if (s.sa.sa_family == AF_INET)
		s.sin.sin_port = htons(53);
	else
		s.sin6.sin6_port = htons(53);
	*ms = 0;
	if ((ch = dns_channel(&s, timeout_ms, err, sizeof(err))) == NULL)
		return DNS_FAIL;
	t0 = clock_us(CLOCK_MONOTONIC);
	dns_ask(ch, zone, ns_t_soa, &a);
	*ms = (double)(clock_us(CLOCK_MONOTONIC) - t0) / 1e3;
	ares_destroy(ch);
	free(a.buf);
	/* any answer, even REFUSED, proves the server is reachable */
	switch (a.status) {
	case ARES_ETIMEOUT:
	case ARES_ECONNREFUSED:
		return DNS_TIMEOUT;
	case ARES_ESERVFAIL:
	case ARES_EREFUSED:
	case ARES_ENOTFOUND:
	case ARES_ENODATA:
	case ARES_SUCCESS:
		return DNS_OK;
	default:
		return DNS_FAIL;
	}
}

const char *
dns_rc_name(enum dns_rc rc)
{
	static const char *const names[] = {
		[DNS_OK] = "ok", [DNS_NONAME] = "no such name",
		[DNS_TIMEOUT] = "no answer", [DNS_FAIL] = "failed",
	};

	return names[rc];
}
