/* SPDX-License-Identifier: ISC */
/*
 * Is the IPv6 homepage the IPv4 one (ready/same.c)?  Small bodies whose
 * shingles are counted by hand here, then pages: the same page with other
 * per-request tokens is the same; a page with other content is not.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ready/same.h"
#include "t.h"

static double
t_sim(const char *a, const char *b)
{
	struct same_page	 pa = { 200, "/", "T", a, strlen(a) };
	struct same_page	 pb = { 200, "/", "T", b, strlen(b) };
	struct same_result	 r;

	same_compare(&pa, &pb, &r);
	return r.similarity;
}

static int
t_near(double a, double b)
{
	return a - b < 1e-9 && b - a < 1e-9;
}

#define CHECK_SIM(a, b, want)	CHECK(t_near(t_sim(a, b), (want)))

static void
t_small(void)
{
	CHECK_SIM("", "", 1.0);
	CHECK_SIM(" \n\t ", "\r\n", 1.0);
	CHECK_SIM("", "x", 0.0);
	CHECK_SIM("abc", "abc", 1.0);
	CHECK_SIM("abc", "abd", 0.0);
	CHECK_SIM("abcdefgh", "abcdefgh", 1.0);
	/* {abcdefgh, bcdefghi} and {abcdefgh, bcdefghj}: 1 of 3. */
	CHECK_SIM("abcdefghi", "abcdefghj", 1.0 / 3);
	/* {abcdefgh, bcdefghi, cdefghij} and the first two: 2 of 3. */
	CHECK_SIM("abcdefghij", "abcdefghi", 2.0 / 3);
	/* A set: a shingle twice counts once. */
	CHECK_SIM("abcdefghabcdefgh", "abcdefgh", 1.0 / 8);
	/* White space does not count, wherever it is. */
	CHECK_SIM("<p>\n  abc def\tghi</p>", "<p>abcdefghi</p>", 1.0);
}

static void
t_tokens(void)
{
	/* A run of 16 or more with a digit: one marker, whatever it is. */
	CHECK_SIM("token=\"3f9a0c1de2b47a6f\";", "token=\"00aa11bb22cc33dd9\";",
	    1.0);
	CHECK_SIM("<input name=csrf value=\"Zm9vYmFyMTIzNDU2Nzg5MA==\">",
	    "<input name=csrf value=\"YmF6cXV4OTg3NjU0MzIxMA+/_-\">", 1.0);
	/* 15 bytes is not a token: "a1b2c3d4e5f6g7h" vs "h7g6f5e4d3c2b1a". */
	CHECK(t_sim("k:a1b2c3d4e5f6g7h;", "k:h7g6f5e4d3c2b1a;") < 0.5);
	/* '=' is of base64: "k=" and the 15 make a token. */
	CHECK_SIM("k=a1b2c3d4e5f6g7h;", "k=h7g6f5e4d3c2b1a;", 1.0);
	/* Long, but no digit: a word, kept. */
	CHECK(t_sim("<p>internationalization</p>",
	    "<p>internationalisation</p>") < 1.0);
	/* Six digits or more: one marker; five: kept. */
	CHECK_SIM("t=1765094400;", "t=1765098000123;", 1.0);
	CHECK_SIM("v=20261207&x", "v=19990101&x", 1.0);
	CHECK(t_sim("n=12345;", "n=54321;") == 0.0);
	/* Within a shorter run: "id" stays, the digits go. */
	CHECK_SIM("id123456", "id987654", 1.0);
	CHECK(t_sim("id123456", "ix987654") < 1.0);
	/* Runs are found before white space goes: three short words a
	   space apart do not become one token. */
	CHECK(t_sim("abcdefgh ijklmnop 1", "abcdefgh ijklmnop 2") < 1.0);
}

/* A homepage of about 7 KB: per-request tokens from seed, and a news
   list whose items start at item0. */
static char *
t_page(unsigned seed, int item0, const char *extra)
{
	char	*p;
	size_t	 o = 0, cap = 64 * 1024;
	int	 i;

	if ((p = malloc(cap)) == NULL)
		return NULL;
	o += (size_t)snprintf(p + o, cap - o,
	    "<!DOCTYPE html>\n<html><head><meta charset=utf-8>\n"
	    "<title>Example City Government Portal</title>\n"
	    "<meta name=csrf-token content=\"%08x%08xdeadbeef%04x\">\n"
	    "<link rel=stylesheet href=\"/static/site.css?v=%u\">\n"
	    "<script nonce=\"%08x%08x%08x\">window.__t=%u;</script>\n"
	    "</head><body><div class=\"header\"><h1>Example City</h1>"
	    "<ul class=nav><li><a href=/news/>News</a><li><a href=/gov/>"
	    "Government</a><li><a href=/services/>Services</a></ul></div>\n",
	    seed * 2654435761u, seed ^ 0x5bd1e995u, seed & 0xffff,
	    1700000000u + seed, seed * 7u, seed * 13u, seed * 17u,
	    1765094400u + seed);
	for (i = item0; i < item0 + 40; i++)
		o += (size_t)snprintf(p + o, cap - o,
		    "  <div class=\"item\">\n    <a href=\"/news/2026/%d.html\">"
		    "Notice %d on the city's %s plan</a>\n"
		    "    <span class=date>2026-%02d-%02d</span>\n  </div>\n",
		    i, i, i % 3 == 0 ? "water supply" : i % 3 == 1 ?
		    "public transport" : "school building", 1 + i % 12,
		    1 + i % 28);
	o += (size_t)snprintf(p + o, cap - o,
	    "%s<div class=footer>Visits today: %u. Generated in %u ms at "
	    "%u.<br>Contact: office@city.example</div></body></html>\n",
	    extra, 100000 + seed * 37, seed % 90, 1765094400u + seed);
	return p;
}

static void
t_pages(void)
{
	struct same_page	 a = { 200, "/index.html", "Portal", NULL, 0 };
	struct same_page	 b;
	struct same_result	 r;
	char			*p1, *p2, *p3, *p4;

	p1 = t_page(1, 0, "");
	p2 = t_page(2, 0, "");			/* other tokens */
	p3 = t_page(1, 25, "");			/* 25 of 40 items other */
	p4 = t_page(1, 0, "<p>New.</p>");	/* one paragraph more */
	CHECK(p1 && p2 && p3 && p4);
	if (!(p1 && p2 && p3 && p4))
		goto done;
	/* The pages differ, and are as long as planned. */
	CHECK(strcmp(p1, p2) != 0);
	CHECK(strlen(p1) > 6000);

	a.body = p1;
	a.len = strlen(p1);
	b = a;
	b.body = p2;
	b.len = strlen(p2);
	same_compare(&a, &b, &r);
	fprintf(stderr, "  tokens changed: %.4f\n", r.similarity);
	/* "Generated in 1 ms" and "in 2 ms" differ, as in life. */
	CHECK(r.similarity >= 0.98);
	CHECK(r.status && r.path && r.title && r.consistent);

	b.body = p3;
	b.len = strlen(p3);
	same_compare(&a, &b, &r);
	fprintf(stderr, "  content changed: %.4f\n", r.similarity);
	CHECK(r.similarity < SAME_MIN_SIMILARITY);
	CHECK(!r.consistent);
	CHECK(r.status && r.path && r.title);

	b.body = p4;
	b.len = strlen(p4);
	same_compare(&a, &b, &r);
	fprintf(stderr, "  one paragraph more: %.4f\n", r.similarity);
	CHECK(r.similarity >= SAME_MIN_SIMILARITY && r.similarity < 1.0);
	CHECK(r.consistent);

	/* Status, path, title: each must be equal. */
	b = a;
	b.status = 302;
	same_compare(&a, &b, &r);
	CHECK(!r.status && r.path && r.title && !r.consistent);
	CHECK(t_near(r.similarity, 1.0));
	b = a;
	b.path = "/ipv6/index.html";
	same_compare(&a, &b, &r);
	CHECK(r.status && !r.path && r.title && !r.consistent);
	b = a;
	b.title = "Portal (IPv6)";
	same_compare(&a, &b, &r);
	CHECK(r.status && r.path && !r.title && !r.consistent);
	b = a;
	b.title = NULL;
	same_compare(&a, &b, &r);
	CHECK(!r.title && !r.consistent);
	a.title = NULL;
	same_compare(&a, &b, &r);
	CHECK(r.title && r.consistent);
	b.path = NULL;
	same_compare(&a, &b, &r);
	CHECK(!r.path);
 done:
	free(p1);
	free(p2);
	free(p3);
	free(p4);
}

/* Only the first 2 MiB count; a body of 16 MiB is fine. */
static void
t_big(void)
{
	struct same_page	 a = { 200, "/", NULL, NULL, 0 }, b;
	struct same_result	 r;
	size_t			 n = 16u << 20, i;
	char			*p, *q = NULL;
	uint32_t		 x = 2463534242u;

	if ((p = malloc(n)) == NULL || (q = malloc(n)) == NULL) {
		free(p);
		CHECK(0);
		return;
	}
	/* Random letters and punctuation: shingles all distinct. */
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "<>!.,;:'\"?()[]{}"[x % 64];
	}
	memcpy(q, p, n);
	memset(q + (2u << 20), '#', n - (2u << 20));
	a.body = p;
	a.len = n;
	b = a;
	b.body = q;
	same_compare(&a, &b, &r);
	CHECK(t_near(r.similarity, 1.0));
	/* A change within them does count. */
	memset(q + (1u << 20), '#', 1u << 20);
	same_compare(&a, &b, &r);
	fprintf(stderr, "  second MiB of 2 changed: %.4f\n", r.similarity);
	/* 1 Mi shingles in common of 2 Mi. */
	CHECK(r.similarity > 0.49 && r.similarity < 0.51);
	free(p);
	free(q);
}

int
main(void)
{
	t_small();
	t_tokens();
	t_pages();
	t_big();
	return t_done("test_ready_same");
}
