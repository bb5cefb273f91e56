/* SPDX-License-Identifier: ISC */
/*
 * Socket address parsing and printing.  One textual form per family, the
 * one the config file and the logs use: "192.0.2.1:443" and
 * "[2001:db8::1]:443".  No name resolution: a gateway must not depend on DNS
 * to start.
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

static int
addr_parse_port(const char *s, uint16_t *port)
{
	unsigned long	 v = 0;
	const char	*p;

	if (*s == '\0' || strlen(s) > 5)
		return -1;
	for (p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int
addr_parse_ip(const char *s, union addr_sa *a)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, s, &a->sin.sin_addr) == 1) {
		a->sin.sin_family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, &a->sin6.sin6_addr) == 1) {
		a->sin6.sin6_family = AF_INET6;
		return 0;
	}
	return -1;
}

int
addr_parse_endpoint(const char *s, union addr_sa *a, char *err, size_t errlen)
{
	char		 host[INET6_ADDRSTRLEN + 1];
	const char	*colon, *port;
	size_t		 hlen;
	uint16_t	 p;

	memset(a, 0, sizeof(*a));
	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (end == NULL || end[1] != ':') {
			snprintf(err, errlen, "\"%s\": expected [IPv6]:port",
			    s);
			return -1;
		}
		hlen = (size_t)(end - s - 1);
		port = end + 2;
		if (hlen >= sizeof(host))
			goto badaddr;
		memcpy(host, s + 1, hlen);
		host[hlen] = '\0';
		if (inet_pton(AF_INET6, host, &a->sin6.sin6_addr) != 1)
			goto badaddr;
		if (IN6_IS_ADDR_V4MAPPED(&a->sin6.sin6_addr)) {
			snprintf(err, errlen, "\"%s\": IPv4-mapped address "
			    "(write the IPv4 address a.b.c.d:port)", s);
			return -1;
		}
		a->sin6.sin6_family = AF_INET6;
	} else {
		if ((colon = strrchr(s, ':')) == NULL) {
			snprintf(err, errlen, "\"%s\": port missing "
			    "(a.b.c.d:port or [IPv6]:port)", s);
			return -1;
		}
		if (strchr(s, ':') != colon) {
			snprintf(err, errlen, "\"%s\": IPv6 address needs "
			    "brackets ([IPv6]:port)", s);
			return -1;
		}
		hlen = (size_t)(colon - s);
		port = colon + 1;
		if (hlen >= sizeof(host))
			goto badaddr;
		memcpy(host, s, hlen);
		host[hlen] = '\0';
		if (inet_pton(AF_INET, host, &a->sin.sin_addr) != 1)
			goto badaddr;
		a->sin.sin_family = AF_INET;
	}
	if (addr_parse_port(port, &p) == -1) {
		snprintf(err, errlen, "\"%s\": bad port \"%s\" (1-65535)", s,
		    port);
		return -1;
	}
	if (a->sa.sa_family == AF_INET)
		a->sin.sin_port = htons(p);
	else
		a->sin6.sin6_port = htons(p);
	return 0;
badaddr:
	snprintf(err, errlen, "\"%s\": bad address \"%.*s\" "
	    "(a.b.c.d:port or [IPv6]:port)", s, (int)hlen, s[0] == '[' ?
	    s + 1 : s);
	return -1;
}

socklen_t
addr_len(const union addr_sa *a)
{
	return a->sa.sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in);
}

const char *
addr_fmt_ip(const union addr_sa *a, char *buf, size_t len)
{
	const void	*src;

	src = a->sa.sa_family == AF_INET6 ? (const void *)&a->sin6.sin6_addr :
	    (const void *)&a->sin.sin_addr;
	if (inet_ntop(a->sa.sa_family, src, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

const char *
addr_fmt(const union addr_sa *a, char *buf, size_t len)
{
	char	ip[INET6_ADDRSTRLEN];

	addr_fmt_ip(a, ip, sizeof(ip));
	if (a->sa.sa_family == AF_INET6)
		snprintf(buf, len, "[%s]:%u", ip, addr_port(a));
	else
		snprintf(buf, len, "%s:%u", ip, addr_port(a));
	return buf;
}

uint16_t
addr_port(const union addr_sa *a)
{
	return ntohs(a->sa.sa_family == AF_INET6 ? a->sin6.sin6_port :
	    a->sin.sin_port);
}

int
addr_equal(const union addr_sa *a, const union addr_sa *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return 0;
	if (a->sa.sa_family == AF_INET)
		return a->sin.sin_port == b->sin.sin_port &&
		    a->sin.sin_addr.s_addr == b->sin.sin_addr.s_addr;
	return a->sin6.sin6_port == b->sin6.sin6_port &&
	    memcmp(&a->sin6.sin6_addr, &b->sin6.sin6_addr, 16) == 0;
}

int
addr_is_any(const union addr_sa *a)
{
	if (a->sa.sa_family == AF_INET)
		return a->sin.sin_addr.s_addr == htonl(INADDR_ANY);
	return IN6_IS_ADDR_UNSPECIFIED(&a->sin6.sin6_addr);
}

uint64_t
addr_client_key(const union addr_sa *a)
{
	uint64_t	k;

	if (a->sa.sa_family == AF_INET)
		return 0xffffffff00000000ULL | ntohl(a->sin.sin_addr.s_addr);
	memcpy(&k, &a->sin6.sin6_addr, sizeof(k));
	return k;
}

int
addr_prefix_parse(const char *s, union addr_sa *a, int *len)
{
	char		 buf[64], *slash;
	long		 l;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	if ((slash = strchr(buf, '/')) != NULL)
		*slash++ = '\0';
	if (addr_parse_ip(buf, a) == -1)
		return -1;
	l = a->sa.sa_family == AF_INET6 ? 128 : 32;
	if (slash != NULL) {
		char *end;

		/* digits only: no sign, no space */
		if (*slash < '0' || *slash > '9')
			return -1;
		l = strtol(slash, &end, 10);
		if (*end != '\0' || l > (a->sa.sa_family == AF_INET6 ? 128 :
		    32))
			return -1;
	}
	*len = (int)l;
	return 0;
}

/* Does address a lie in prefix p/len (same family)? */
int
addr_in_prefix(const union addr_sa *a, const union addr_sa *p, int len)
{
	const uint8_t	*x, *y;
	int		 i;

	if (a->sa.sa_family != p->sa.sa_family)
		return 0;
	if (a->sa.sa_family == AF_INET6) {
		x = a->sin6.sin6_addr.s6_addr;
		y = p->sin6.sin6_addr.s6_addr;
	} else {
		x = (const uint8_t *)&a->sin.sin_addr;
		y = (const uint8_t *)&p->sin.sin_addr;
	}
	for (i = 0; i < len / 8; i++)
		if (x[i] != y[i])
			return 0;
	if (len % 8 != 0 &&
	    ((x[i] ^ y[i]) & (uint8_t)(0xff << (8 - len % 8))) != 0)
		return 0;
	return 1;
}
