/* SPDX-License-Identifier: ISC */
/* Routing: exact names, wildcard suffixes (longest wins), no match. */

#include <string.h>

#include "namemap.h"
#include "t.h"

static void *
look(struct namemap *rt, const char *name)
{
	return namemap_lookup(rt, name, strlen(name));
}

int
main(void)
{
	struct namemap	*rt = namemap_new();
	int			 a, b, c, d;
	void			*prev;
	char			 name[32];
	int			 i;

	CHECK(namemap_add(rt, "www.example.org", &a, &prev) == 0);
	CHECK(namemap_add(rt, "*.example.org", &b, &prev) == 0);
	CHECK(namemap_add(rt, "*.deep.example.org", &c, &prev) == 0);
	CHECK(namemap_add(rt, "example.org", &d, &prev) == 0);
	/* taken names report who has them */
	CHECK(namemap_add(rt, "www.example.org", &b, &prev) == -1);
	CHECK(prev == &a);
	CHECK(namemap_add(rt, "*.example.org", &c, &prev) == -1);
	CHECK(prev == &b);

	CHECK(look(rt, "www.example.org") == &a);	/* exact first */
	CHECK(look(rt, "mail.example.org") == &b);	/* wildcard */
	CHECK(look(rt, "a.b.example.org") == &b);	/* any depth */
	CHECK(look(rt, "x.deep.example.org") == &c);	/* longest suffix */
	CHECK(look(rt, "y.x.deep.example.org") == &c);
	CHECK(look(rt, "deep.example.org") == &b);
	CHECK(look(rt, "example.org") == &d);		/* not the wildcard */
	CHECK(look(rt, "org") == NULL);
	CHECK(look(rt, "www.example.com") == NULL);
	CHECK(look(rt, "wwwexample.org") == NULL);
	CHECK(look(rt, ".example.org") == &b);
	CHECK(look(rt, "") == NULL);
	/* lookups take a length: no NUL needed, prefix of a longer buffer */
	CHECK(namemap_lookup(rt, "www.example.orgXYZ", 15) == &a);

	/* growth keeps every entry */
	for (i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "h%d.example.net", i);
		CHECK(namemap_add(rt, name, &d, &prev) == 0);
	}
	CHECK_INT(namemap_count(rt), 1004);
	CHECK(look(rt, "h999.example.net") == &d);
	CHECK(look(rt, "h1000.example.net") == NULL);
	CHECK(look(rt, "www.example.org") == &a);
	namemap_free(rt);

	/* an empty table answers nothing */
	rt = namemap_new();
	CHECK(look(rt, "www.example.org") == NULL);
	namemap_free(rt);
	return t_done("test_route");
}
