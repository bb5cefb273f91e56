/* SPDX-License-Identifier: ISC */
#ifndef V6G_READY_SITE_H
#define V6G_READY_SITE_H

#include <stddef.h>

/*
 * Same-site: two hosts are of one site when they have the same registrable
 * domain, from the Public Suffix List through libpsl ("www.a.gov.cn" and
 * "img.a.gov.cn" are, "a.gov.cn" and "b.gov.cn" are not).  An address
 * literal is its own site.
 */

/* Load the list (the system's, else libpsl's built-in one); 0 or -1. */
int		 site_init(void);
void		 site_fini(void);

/* The registrable domain of host in buf, lower case; NULL if it has none
   (a public suffix itself, an address). */
const char	*site_registrable(const char *host, char *buf, size_t len);

/* Whether a and b are of the same site. */
int		 site_same(const char *a, const char *b);

#endif
