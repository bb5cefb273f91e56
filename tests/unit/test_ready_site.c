/* SPDX-License-Identifier: ISC */
/*
 * Same-site by registrable domain (ready/site.c), with the Public Suffix
 * List as libpsl has it: Chinese government and company names (gov.cn,
 * com.cn, edu.cn), names the list does not know (.test, its default rule
 * "*"), private suffixes (github.io), address literals, case and a
 * trailing dot.
 */

#include <string.h>

#include "ready/site.h"
#include "t.h"

static void
t_reg(const char *host, const char *want)
{
	char		 buf[256];
	const char	*r;

	r = site_registrable(host, buf, sizeof(buf));
	if (want == NULL) {
		if (r != NULL)
			fprintf(stderr, "  %s: got \"%s\", want none\n", host,
			    r);
		CHECK(r == NULL);
	} else
		CHECK_STR(r, want);
}

static void
t_registrable(void)
{
	char	 small[8];

	t_reg("www.a.gov.cn", "a.gov.cn");
	t_reg("a.gov.cn", "a.gov.cn");
	t_reg("x.y.z.a.gov.cn", "a.gov.cn");
	t_reg("WWW.A.GOV.CN.", "a.gov.cn");
	t_reg("www.shop.com.cn", "shop.com.cn");
	t_reg("www.tsinghua.edu.cn", "tsinghua.edu.cn");
	t_reg("www.example.cn", "example.cn");
	t_reg("www.bbc.co.uk", "bbc.co.uk");
	t_reg("www.portal.test", "portal.test");
	t_reg("img.portal.test", "portal.test");
	t_reg("alice.github.io", "alice.github.io");
	/* Public suffixes and addresses have none. */
	t_reg("gov.cn", NULL);
	t_reg("com.cn", NULL);
	t_reg("cn", NULL);
	t_reg("test", NULL);
	t_reg("localhost", NULL);
	t_reg("192.0.2.1", NULL);
	t_reg("2001:db8::1", NULL);
	t_reg("[2001:db8::1]", NULL);
	t_reg("", NULL);
	/* It does not fit. */
	CHECK(site_registrable("www.a.gov.cn", small, sizeof(small)) == NULL);
}

static void
t_same(void)
{
	CHECK(site_same("www.a.gov.cn", "img.a.gov.cn"));
	CHECK(site_same("www.a.gov.cn", "a.gov.cn"));
	CHECK(site_same("www.a.gov.cn", "WWW.A.GOV.CN."));
	CHECK(!site_same("a.gov.cn", "b.gov.cn"));
	CHECK(!site_same("www.a.gov.cn", "www.gov.cn"));
	CHECK(!site_same("www.a.gov.cn", "www.a.com.cn"));
	CHECK(!site_same("www.a.gov.cn", "a.gov.cn.evil.example"));
	CHECK(site_same("www.shop.com.cn", "cdn.shop.com.cn"));
	CHECK(!site_same("shop.com.cn", "other.com.cn"));
	CHECK(site_same("www.portal.test", "img.portal.test"));
	CHECK(!site_same("www.portal.test", "www.other.test"));
	CHECK(!site_same("alice.github.io", "bob.github.io"));
	/* A public suffix is of the same site only as itself. */
	CHECK(site_same("gov.cn", "gov.cn"));
	CHECK(!site_same("gov.cn", "a.gov.cn"));
	CHECK(site_same("localhost", "LOCALHOST"));
	CHECK(!site_same("localhost", "other"));
	/* An address is its own site, in any spelling. */
	CHECK(site_same("192.0.2.1", "192.0.2.1"));
	CHECK(!site_same("192.0.2.1", "192.0.2.2"));
	CHECK(site_same("2001:db8::1", "[2001:DB8:0:0::1]"));
	CHECK(!site_same("2001:db8::1", "2001:db8::2"));
	CHECK(!site_same("::ffff:192.0.2.1", "192.0.2.1"));
	CHECK(!site_same("192.0.2.1", "www.a.gov.cn"));
	CHECK(!site_same("www.a.gov.cn", "192.0.2.1"));
	CHECK(!site_same("", ""));
}

int
main(void)
{
	CHECK_INT(site_init(), 0);
	CHECK_INT(site_init(), 0);	/* twice: still the one list */
	t_registrable();
	t_same();
	site_fini();
	/* After site_fini(), a lookup loads the list again. */
	CHECK(site_same("www.a.gov.cn", "img.a.gov.cn"));
	site_fini();
	return t_done("test_ready_site");
}
