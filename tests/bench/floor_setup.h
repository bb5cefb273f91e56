/* SPDX-License-Identifier: ISC */
/*
 * What the bench's three floors (floor.c, floor_sockmap.c, floor_uring.c)
 * start alike: the backend from the command line, and the listener on
 * [::1] with the options every accepted socket inherits (TCP_NODELAY)
 * and TCP_DEFER_ACCEPT, so that the first flight is there at accept.
 * Each program includes it once; errors are printed here, under the
 * program's name.
 */

#ifndef FLOOR_SETUP_H
#define FLOOR_SETUP_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
/* TCP_NODELAY, TCP_DEFER_ACCEPT: from the includer's <netinet/tcp.h>, or
 * <linux/tcp.h> where it needs the kernel's struct tcp_info (the two
 * cannot both be included) */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* BACKEND-IPv4 BACKEND-PORT into sin; -1 (said) if not an address. */
static int
floor_backend(const char *prog, const char *addr, const char *port,
    struct sockaddr_in *sin)
{
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)atoi(port));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1) {
		fprintf(stderr, "%s: %s: not an IPv4 address\n", prog, addr);
		return -1;
	}
	return 0;
}

/* The listener on [::1]:port (socket type flags: SOCK_NONBLOCK or 0). */
static int
floor_listen(const char *prog, const char *port, int flags)
{
	struct sockaddr_in6	sa6 = { .sin6_family = AF_INET6 };
	int			lfd, one = 1;

	sa6.sin6_addr = in6addr_loopback;
	sa6.sin6_port = htons((uint16_t)atoi(port));
	if ((lfd = socket(AF_INET6, SOCK_STREAM | flags, 0)) == -1 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == -1 ||
	    setsockopt(lfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == -1 ||
	    setsockopt(lfd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &one,
	    sizeof(one)) == -1 ||
	    bind(lfd, (struct sockaddr *)&sa6, sizeof(sa6)) == -1 ||
	    listen(lfd, 4096) == -1) {
		fprintf(stderr, "%s: listen on [::1]:%s: ", prog, port);
		perror(NULL);
		return -1;
	}
	return lfd;
}

#endif
