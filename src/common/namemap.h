/* SPDX-License-Identifier: ISC */
#ifndef V6G_NAMEMAP_H
#define V6G_NAMEMAP_H

#include <stddef.h>

/*
 * A map from lower-case names to values: exact names first, then wildcard
 * suffixes ("*.example.org" matches "a.example.org" and "a.b.example.org",
 * not "example.org"; the longest suffix wins).  The proxy routes by it (a
 * listener's names -> services, built once from the config, then read by
 * every worker at once); the config checker, the counters and the backend
 * states index by name with it.  Not thread-safe while it is written.
 */

struct namemap;

struct namemap	*namemap_new(void);
void			 namemap_free(struct namemap *);

/*
 * Add a lower-case name ("www.example.org" or "*.example.org") for val.
 * Returns 0, or -1 when the name is already taken (*prev set to its value)
 * or on allocation failure (*prev NULL).
 */
int			 namemap_add(struct namemap *, const char *, void *,
			    void **);

/* Look up a lower-case name; NULL when nothing matches (no default). */
void			*namemap_lookup(const struct namemap *, const char *,
			    size_t);

size_t			 namemap_count(const struct namemap *);

#endif
