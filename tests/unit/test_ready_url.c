/* SPDX-License-Identifier: ISC */
/*
 * URL resolution and normalisation for the readiness check (ready/url.c):
 * the reference resolution examples of RFC 3986 §5.4, then what pages
 * write: relative paths, queries, fragments, scheme-relative links,
 * schemes that are not web, IPv4 and IPv6 literals, ports, case.
 */

#include <string.h>

#include "ready/url.h"
#include "t.h"

/* Resolve ref against base: kind and URL as expected. */
static void
t_resolve(const char *base, const char *ref, enum url_kind kind,
    const char *want)
{
	char		 out[URL_MAX];
	enum url_kind	 k;

	memset(out, 'x', sizeof(out));
	k = url_resolve(base, ref, out, sizeof(out));
	if (k != kind || (want != NULL && strcmp(out, want) != 0))
		fprintf(stderr, "  resolve(\"%s\", \"%s\") = %d \"%s\"\n",
		    base ? base : "(null)", ref, (int)k, out);
	CHECK_INT(k, kind);
	if (want != NULL)
		CHECK_STR(out, want);
	if (kind == URL_BAD)
		CHECK_STR(out, "");
}

/* RFC 3986 §5.4.1 and §5.4.2, as libcurl applies them to http URLs. */
static void
t_rfc3986(void)
{
	static const struct {
		const char	*ref, *want;
	} ex[] = {
		{ "g",		"http://a/b/c/g" },
		{ "./g",	"http://a/b/c/g" },
		{ "g/",		"http://a/b/c/g/" },
		{ "/g",		"http://a/g" },
		{ "//g",	"http://g/" },
		{ "?y",		"http://a/b/c/d;p?y" },
		{ "g?y",	"http://a/b/c/g?y" },
		{ "#s",		"http://a/b/c/d;p?q" },
		{ "g#s",	"http://a/b/c/g" },
		{ "g?y#s",	"http://a/b/c/g?y" },
		{ ";x",		"http://a/b/c/;x" },
		{ "g;x",	"http://a/b/c/g;x" },
		{ "",		"http://a/b/c/d;p?q" },
		{ ".",		"http://a/b/c/" },
		{ "./",		"http://a/b/c/" },
		{ "..",		"http://a/b/" },
		{ "../",	"http://a/b/" },
		{ "../g",	"http://a/b/g" },
		{ "../..",	"http://a/" },
		{ "../../",	"http://a/" },
		{ "../../g",	"http://a/g" },
		{ "../../../g",	"http://a/g" },
		{ "../../../../g", "http://a/g" },
		{ "/./g",	"http://a/g" },
		{ "/../g",	"http://a/g" },
		{ "g.",		"http://a/b/c/g." },
		{ ".g",		"http://a/b/c/.g" },
		{ "g..",	"http://a/b/c/g.." },
		{ "..g",	"http://a/b/c/..g" },
		{ "./../g",	"http://a/b/g" },
		{ "./g/.",	"http://a/b/c/g/" },
		{ "g/./h",	"http://a/b/c/g/h" },
		{ "g/../h",	"http://a/b/c/h" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(ex) / sizeof(ex[0]); i++)
		t_resolve("http://a/b/c/d;p?q", ex[i].ref, URL_WEB,
		    ex[i].want);
}

static void
t_page_links(void)
{
	const char	*b = "https://www.a.gov.cn/news/2026/index.html?p=2#top";

	t_resolve(b, "../about.html", URL_WEB,
	    "https://www.a.gov.cn/news/about.html");
	t_resolve(b, "?p=3", URL_WEB,
	    "https://www.a.gov.cn/news/2026/index.html?p=3");
	t_resolve(b, "//img.a.gov.cn/logo.png", URL_WEB,
	    "https://img.a.gov.cn/logo.png");
	t_resolve(b, "#main", URL_WEB,
	    "https://www.a.gov.cn/news/2026/index.html?p=2");
	t_resolve(b, "", URL_WEB,
	    "https://www.a.gov.cn/news/2026/index.html?p=2");
	t_resolve(b, "detail.html#c3", URL_WEB,
	    "https://www.a.gov.cn/news/2026/detail.html");
	/* Blanks around an attribute and newlines inside it. */
	t_resolve(b, "  \n /x\n/y.html \t", URL_WEB,
	    "https://www.a.gov.cn/x/y.html");
	/* Spaces and UTF-8 as browsers send them. */
	t_resolve(b, "/a b.html", URL_WEB, "https://www.a.gov.cn/a%20b.html");
	t_resolve(b, "/\xe6\x96\xb0\xe9\x97\xbb", URL_WEB,
	    "https://www.a.gov.cn/%e6%96%b0%e9%97%bb");
	/* An absolute link replaces the base. */
	t_resolve(b, "http://other.example.org/p", URL_WEB,
	    "http://other.example.org/p");
}

static void
t_normalise(void)
{
	const char	*b = "https://www.a.gov.cn/";

	t_resolve(b, "HTTP://WWW.Example.ORG/A/../B", URL_WEB,
	    "http://www.example.org/B");
	t_resolve(b, "https://www.a.gov.cn:443/x", URL_WEB,
	    "https://www.a.gov.cn/x");
	t_resolve(b, "http://www.a.gov.cn:80", URL_WEB,
	    "http://www.a.gov.cn/");
	t_resolve(b, "http://www.a.gov.cn:443/", URL_WEB,
	    "http://www.a.gov.cn:443/");
	t_resolve(b, "https://www.a.gov.cn:8443/app/#x", URL_WEB,
	    "https://www.a.gov.cn:8443/app/");
	t_resolve(b, "https://www.a.gov.cn./x", URL_WEB,
	    "https://www.a.gov.cn/x");
	/* Every trailing dot (found by fuzz_links: one at a time left the
	   URL to change when normalised again). */
	t_resolve(b, "https://user:pw@www.a.gov../.cn/", URL_WEB,
	    "https://user:pw@www.a.gov/.cn/");
	t_resolve(b, "http://.../x", URL_BAD, NULL);
	/* An IPv4 address in hex, in upper case (fuzz_links too). */
	t_resolve(b, "http://0X7F/", URL_WEB, "http://0.0.0.127/");
	t_resolve(b, "http://0x7f.1/", URL_WEB, "http://127.0.0.1/");
	t_resolve(b, "HTTP://0XC0.0X00.0X02.0X01.:8080/", URL_WEB,
	    "http://192.0.2.1:8080/");
	t_resolve(b, "http://192.0.2.10/portal", URL_WEB,
	    "http://192.0.2.10/portal");
	t_resolve(b, "http://[2001:DB8:0:0::10]:8080/", URL_WEB,
	    "http://[2001:db8::10]:8080/");
	t_resolve(b, "//[2001:db8::1]", URL_WEB, "https://[2001:db8::1]/");
	/* Relative to a base with a port: it stays. */
	t_resolve("http://h.example:8080/a/b", "c", URL_WEB,
	    "http://h.example:8080/a/c");
}

static void
t_not_web(void)
{
	const char	*b = "https://www.a.gov.cn/";
	char		 big[8192];

	t_resolve(b, "mailto:office@a.gov.cn", URL_NOT_WEB, "mailto:");
	t_resolve(b, "javascript:void(0)", URL_NOT_WEB, "javascript:");
	t_resolve(b, " JavaScript:history.back()", URL_NOT_WEB,
	    "javascript:");
	t_resolve(b, "tel:+86-10-1234", URL_NOT_WEB, "tel:");
	t_resolve(b, "data:image/png;base64,AAAA", URL_NOT_WEB, "data:");
	t_resolve(b, "ftp://ftp.a.gov.cn/pub/", URL_NOT_WEB, "ftp:");
	t_resolve(b, "weixin://dl/chat", URL_NOT_WEB, "weixin:");
	/* A long data: URL is still known by its scheme. */
	memcpy(big, "data:text/plain,", 16);
	memset(big + 16, 'A', sizeof(big) - 17);
	big[sizeof(big) - 1] = '\0';
	t_resolve(b, big, URL_NOT_WEB, "data:");
	/* A long http URL does not fit. */
	memcpy(big, "http://h.example/", 17);
	t_resolve(b, big, URL_BAD, NULL);
}

static void
t_bad(void)
{
	const char	*b = "https://www.a.gov.cn/";
	char		 small[12];

	t_resolve(b, "http://exa mple.org/", URL_BAD, NULL);
	t_resolve(b, "http://h.example:99999/", URL_BAD, NULL);
	t_resolve(b, "http://h.example:0/", URL_BAD, NULL);
	/* A host of 253 characters is a DNS name; one more is not (fuzz). */
	{
		char	u[300], w[300];
		size_t	i;

		memcpy(u, "http://", 7);
		for (i = 0; i < 253; i++)
			u[7 + i] = (i % 50 == 49) ? '.' : 'a';
		memcpy(u + 7 + 253, "/", 2);
		memcpy(w, u, sizeof(w));
		t_resolve(b, u, URL_WEB, w);
		memmove(u + 8, u + 7, strlen(u + 7) + 1);
		u[7] = 'a';
		t_resolve(b, u, URL_BAD, NULL);
	}
	t_resolve(b, "https://", URL_BAD, NULL);
	/* Relative, without a base to resolve against. */
	t_resolve(NULL, "x.html", URL_BAD, NULL);
	t_resolve("not a url", "x.html", URL_BAD, NULL);
	/* It does not fit in out. */
	CHECK_INT(url_resolve(b, "/a-long-path", small, sizeof(small)),
	    URL_BAD);
	CHECK_STR(small, "");
}

static void
t_split(void)
{
	struct url_parts	 p;

	CHECK_INT(url_split("https://www.a.gov.cn/x/y?z=1", &p), 0);
	CHECK_STR(p.scheme, "https");
	CHECK_STR(p.host, "www.a.gov.cn");
	CHECK_INT(p.port, 443);
	CHECK_INT(p.port_given, 0);
	CHECK_STR(p.path, "/x/y?z=1");

	CHECK_INT(url_split("http://WWW.A.GOV.CN.:8080", &p), 0);
	CHECK_STR(p.scheme, "http");
	CHECK_STR(p.host, "www.a.gov.cn");
	CHECK_INT(p.port, 8080);
	CHECK_INT(p.port_given, 1);
	CHECK_STR(p.path, "/");

	CHECK_INT(url_split("http://h.example:80/a", &p), 0);
	CHECK_INT(p.port, 80);
	CHECK_INT(p.port_given, 0);

	CHECK_INT(url_split("https://[2001:db8::10]:8443/p#f", &p), 0);
	CHECK_STR(p.host, "2001:db8::10");
	CHECK_INT(p.port, 8443);
	CHECK_INT(p.port_given, 1);
	CHECK_STR(p.path, "/p");
	CHECK(url_host_is_ipv6(p.host));

	CHECK_INT(url_split("http://192.0.2.1/", &p), 0);
	CHECK(url_host_is_ipv4(p.host));

	CHECK_INT(url_split("ftp://h.example/", &p), -1);
	CHECK_INT(url_split("mailto:a@b.example", &p), -1);
	CHECK_INT(url_split("/relative", &p), -1);
	CHECK_INT(url_split("", &p), -1);
}

static void
t_literals(void)
{
	CHECK(url_host_is_ipv4("192.0.2.1"));
	CHECK(!url_host_is_ipv4("192.0.2"));
	CHECK(!url_host_is_ipv4("192.0.2.1.example"));
	CHECK(!url_host_is_ipv4("2001:db8::1"));
	CHECK(!url_host_is_ipv4("www.a.gov.cn"));
	CHECK(url_host_is_ipv6("2001:db8::1"));
	CHECK(url_host_is_ipv6("[2001:db8::1]"));
	CHECK(url_host_is_ipv6("::ffff:192.0.2.1"));
	CHECK(!url_host_is_ipv6("192.0.2.1"));
	CHECK(!url_host_is_ipv6("[2001:db8::1"));
	CHECK(!url_host_is_ipv6("www.a.gov.cn"));
}

int
main(void)
{
	t_rfc3986();
	t_page_links();
	t_normalise();
	t_not_web();
	t_bad();
	t_split();
	t_literals();
	return t_done("test_ready_url");
}
