/* SPDX-License-Identifier: ISC */
#ifndef V6G_ROUTE_H
#define V6G_ROUTE_H

#include <stddef.h>

/*
 * Name -> service for one listener: exact names first, then wildcard
 * suffixes ("*.example.org" matches "a.example.org" and "a.b.example.org",
 * not "example.org"; the longest suffix wins), then the listener's default.
 * Built once from the config, then only read, from every worker at once.
 */

struct route_table;

struct route_table	*route_new(void);
void			 route_free(struct route_table *);

/*
 * Add a lower-case name ("www.example.org" or "*.example.org") for val.
 * Returns 0, or -1 when the name is already taken (*prev set to its value)
 * or on allocation failure (*prev NULL).
 */
int			 route_add(struct route_table *, const char *, void *,
			    void **);

/* Look up a lower-case name; NULL when nothing matches (no default). */
void			*route_lookup(const struct route_table *, const char *,
			    size_t);

size_t			 route_count(const struct route_table *);

#endif
