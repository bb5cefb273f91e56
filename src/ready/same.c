/* SPDX-License-Identifier: ISC */
/*
 * Is the homepage over IPv6 the one over IPv4?  The assessment fails a
 * site that serves IPv6 visitors a separate page, so the two are compared
 * on their final status, their final URL's path, their <title>, and the
 * similarity of their bodies, measured exactly so:
 *
 *  1. Each body is cut to its first SAME_BODY_MAX bytes (2 MiB, what the
 *     check reads of a page).
 *  2. It is normalised, byte by byte, without decoding it.  Token bytes
 *     are ASCII letters, digits and "+/=_-" (those of hex, base64 and
 *     base64url).  A maximal run of token bytes at least 16 long that
 *     holds a digit (a session id, a CSRF token, a cache-busting hash,
 *     a nonce) becomes one marker byte; in any other run, each run of at
 *     least 6 digits (a timestamp, a counter, a date written 20261207)
 *     becomes one marker byte.  Then every white-space byte (space, tab,
 *     CR, LF, FF, VT) is dropped, so that re-indented markup is the same.
 *     Runs are found before white space is dropped: words a space apart
 *     never join into a token.
 *  3. Its shingles are the distinct 8-byte windows of the normalised text
 *     at every offset (a text of 1 to 7 bytes is one shingle of itself);
 *     bytes rather than words, since Chinese text has no spaces.  Each is
 *     kept as the 64-bit number its 8 bytes make, so two shingles never
 *     collide.
 *  4. The similarity is the Jaccard index of the two sets of shingles,
 *     |A and B| / |A or B|: 1 for two bodies that are empty once
 *     normalised, 0 when only one is.
 *
 * The pages are consistent when status, path and title are equal (two
 * pages without a title have the same title) and the similarity is at
 * least SAME_MIN_SIMILARITY (0.90).  Changing k bytes in one place
 * changes at most k + 7 shingles on each side.  It neither fetches nor
 * parses HTML.
 * Memory: 8 bytes per byte of body, 16 MiB for a 2 MiB body, one body at
 * a time besides the first one's set.
 */

#include <sys/types.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "same.h"

#define SAME_BODY_MAX	(2u << 20)
#define SAME_TOKEN_MIN	16	/* a run this long with a digit: a token */
#define SAME_DIGITS_MIN	6	/* digits this many: a number */
#define SAME_MARK	0x01	/* what a token or a number becomes */
#define SAME_SHINGLE	8

static int
same_token(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '+' || c == '/' || c == '=' ||
	    c == '_' || c == '-';
}

static int
same_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int
same_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	    c == '\f' || c == '\v';
}

/* Step 2: b's len bytes normalised into out (len bytes at most). */
static size_t
same_normalise(const unsigned char *b, size_t len, unsigned char *out)
{
	size_t	 i = 0, j, k, d, m, o = 0;
	int	 digit;

	while (i < len) {
		if (!same_token(b[i])) {
			if (!same_space(b[i]))
				out[o++] = b[i];
			i++;
			continue;
		}
		digit = 0;
		for (j = i; j < len && same_token(b[j]); j++)
			digit |= same_digit(b[j]);
		if (j - i >= SAME_TOKEN_MIN && digit) {
			out[o++] = SAME_MARK;
			i = j;
			continue;
		}
		for (k = i; k < j; k += d) {
			for (d = 0; k + d < j && same_digit(b[k + d]); d++)
				;
			if (d >= SAME_DIGITS_MIN)
				out[o++] = SAME_MARK;
			else if (d > 0)
				for (m = 0; m < d; m++)
					out[o++] = b[k + m];
			else {
				out[o++] = b[k];
				d = 1;
			}
		}
		i = j;
	}
	return o;
}

/* In-place heap sort: qsort() may take a copy as large as the array. */
static void
same_sift(uint64_t *v, size_t root, size_t n)
{
	size_t		 child;
	uint64_t	 t;

	while ((child = 2 * root + 1) < n) {
		if (child + 1 < n && v[child] < v[child + 1])
			child++;
		if (v[root] >= v[child])
			return;
		t = v[root];
		v[root] = v[child];
		v[child] = t;
		root = child;
	}
}

static void
same_sort(uint64_t *v, size_t n)
{
	size_t		 i;
	uint64_t	 t;

	for (i = n / 2; i-- > 0;)
		same_sift(v, i, n);
	for (i = n; i-- > 1;) {
		t = v[0];
		v[0] = v[i];
		v[i] = t;
		same_sift(v, 0, i);
	}
}

/* Step 3: the set of shingles of a body, sorted, in *set; its size, or
   -1 when out of memory. */
static ssize_t
same_shingles(const char *body, size_t len, uint64_t **set)
{
	unsigned char	*t;
	uint64_t	*v, s;
	size_t		 n, k, i, o;

	*set = NULL;
	if (body == NULL)
		len = 0;
	if (len > SAME_BODY_MAX)
		len = SAME_BODY_MAX;
	if ((t = malloc(len ? len : 1)) == NULL)
		return -1;
	n = same_normalise((const unsigned char *)body, len, t);
	if (n == 0) {
		free(t);
		return 0;
	}
	k = n >= SAME_SHINGLE ? n - SAME_SHINGLE + 1 : 1;
	if ((v = calloc(k, sizeof(*v))) == NULL) {
		free(t);
		return -1;
	}
	for (i = 0; i < k; i++) {
		s = 0;
		memcpy(&s, t + i, n < SAME_SHINGLE ? n : SAME_SHINGLE);
		v[i] = s;
	}
	free(t);
	same_sort(v, k);
	for (i = 1, o = 1; i < k; i++)
		if (v[i] != v[o - 1])
			v[o++] = v[i];
	*set = v;
	return (ssize_t)o;
}

/* Step 4. */
static double
same_jaccard(const uint64_t *a, size_t na, const uint64_t *b, size_t nb)
{
	size_t	 i = 0, j = 0, both = 0;

	if (na == 0 && nb == 0)
		return 1.0;
	while (i < na && j < nb) {
		if (a[i] < b[j])
			i++;
		else if (a[i] > b[j])
			j++;
		else {
			both++;
			i++;
			j++;
		}
	}
	return (double)both / (double)(na + nb - both);
}

static int
same_str(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

void
same_compare(const struct same_page *v6, const struct same_page *v4,
    struct same_result *r)
{
	uint64_t	*a, *b;
	ssize_t		 na, nb;

	memset(r, 0, sizeof(*r));
	r->status = v6->status == v4->status;
	r->path = same_str(v6->path, v4->path);
	r->title = same_str(v6->title, v4->title);
	/* Out of memory: similarity 0, so not consistent. */
	if ((na = same_shingles(v6->body, v6->len, &a)) >= 0) {
		if ((nb = same_shingles(v4->body, v4->len, &b)) >= 0)
			r->similarity = same_jaccard(a, (size_t)na, b,
			    (size_t)nb);
		free(b);
	}
	free(a);
	r->consistent = r->status && r->path && r->title &&
	    r->similarity >= SAME_MIN_SIMILARITY;
}
