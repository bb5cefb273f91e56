/* SPDX-License-Identifier: ISC */
/*
 * libFuzzer target for the HTTP/1.x request-head parser.  Each input is fed
 * whole, then in chunks whose sizes are derived from the input itself (so a
 * crash reproduces from the file alone), then one byte at a time; the
 * results must agree, since a client's head may arrive in any number of
 * reads.  It also checks what a caller relies on after HTTP_DONE: a
 * NUL-ended, lower-case host that hostname_check() or inet_pton() accepts.
 * Then the same input as a whole client stream through the framing machine
 * (http_frame_feed: heads, Content-Length and chunked bodies, pipelining),
 * whole and one byte at a time: the heads it stops at, and where, and the
 * error, must agree, and *used must stay within what was given.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "hostname.h"
#include "proxy/http.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static enum http_rc
fuzz_chunks(struct http_parser *p, const uint8_t *d, size_t n)
{
	enum http_rc	rc = HTTP_AGAIN;
	uint32_t	h = 2166136261u;	/* FNV-1a of the input */
	size_t		i, k;

	for (i = 0; i < n; i++)
		h = (h ^ d[i]) * 16777619u;
	http_init(p);
	for (i = 0; i < n; i += k) {
		/* xorshift32: chunks of 1-16 bytes, now and then 0 */
		h ^= h << 13;
		h ^= h >> 17;
		h ^= h << 5;
		k = h % 17;
		if (k > n - i)
			k = n - i;
		rc = http_feed(p, d + i, k);
	}
	return rc;
}

static enum http_rc
fuzz_bytes(struct http_parser *p, const uint8_t *d, size_t n)
{
	enum http_rc	rc = HTTP_AGAIN;
	size_t		i;

	http_init(p);
	for (i = 0; i < n; i++)
		rc = http_feed(p, d + i, 1);
	return rc;
}

static void
fuzz_same(const struct http_parser *a, enum http_rc ra,
    const struct http_parser *b, enum http_rc rb)
{
	if (ra != rb || a->err != b->err)
		__builtin_trap();
	if (ra == HTTP_AGAIN)
		return;
	if (a->hostlen != b->hostlen || a->port != b->port ||
	    a->minor != b->minor ||
	    memcmp(a->host, b->host, a->hostlen + 1) != 0)
		__builtin_trap();
}

/* What the proxy relies on when it routes by the result. */
static void
fuzz_result(const struct http_parser *p, enum http_rc rc)
{
	struct in6_addr	a6;
	struct in_addr	a4;
	size_t		i;

	if ((rc == HTTP_ERROR) != (p->err != HTTP_E_NONE))
		__builtin_trap();
	if (rc == HTTP_ERROR && (p->hostlen != 0 || p->host[0] != '\0'))
		__builtin_trap();
	if (rc != HTTP_DONE)
		return;
	if (p->minor != 0 && p->minor != 1)
		__builtin_trap();
	if (p->hostlen > HTTP_HOST_MAX || p->host[p->hostlen] != '\0' ||
	    strlen(p->host) != p->hostlen)
		__builtin_trap();
	if (p->minor == 1 && p->hostlen == 0)
		__builtin_trap();
	if (p->hostlen == 0) {
		if (p->port != 0)
			__builtin_trap();
		return;
	}
	for (i = 0; i < p->hostlen; i++)
		if (p->host[i] >= 'A' && p->host[i] <= 'Z')
			__builtin_trap();
	if (hostname_check(p->host, p->hostlen) != HOSTNAME_OK &&
	    inet_pton(AF_INET, p->host, &a4) != 1 &&
	    inet_pton(AF_INET6, p->host, &a6) != 1)
		__builtin_trap();
}

/* A digest of what the framing machine says over d, fed step bytes at a
   time (0: whole). */
static uint64_t
fuzz_frame(const uint8_t *d, size_t n, size_t step)
{
	struct http_frame	f;
	uint64_t		h = 1469598103934665603ull;
	size_t			pos = 0, end, used, k;
	enum http_frame_rc	rc;

	http_frame_init(&f, NULL);
	while (pos < n) {
		end = step == 0 || n - pos < step ? n : pos + step;
		while (pos < end) {
			rc = http_frame_feed(&f, d + pos, end - pos, &used);
			if (used > end - pos ||
			    (rc != HTTP_FR_ERROR && used == 0))
				__builtin_trap();
			if (rc == HTTP_FR_ERROR)
				return (h ^ f.err) * 1099511628211ull;
			if (rc == HTTP_FR_HEAD) {
				if (f.head.hostlen > HTTP_HOST_MAX ||
				    f.head.host[f.head.hostlen] != '\0')
					__builtin_trap();
				h = (h ^ (pos + used)) * 1099511628211ull;
				for (k = 0; k < f.head.hostlen; k++)
					h = (h ^ (uint8_t)f.head.host[k]) *
					    1099511628211ull;
			}
			pos += used;
		}
	}
	return h ^ f.phase;
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct http_parser	whole, chunks, bytes;
	enum http_rc		rw, rc, rb;

	http_init(&whole);
	rw = http_feed(&whole, d, n);
	fuzz_result(&whole, rw);

	rc = fuzz_chunks(&chunks, d, n);
	fuzz_same(&whole, rw, &chunks, rc);

	rb = fuzz_bytes(&bytes, d, n);
	fuzz_same(&whole, rw, &bytes, rb);

	/* Done or failed stays so, whatever follows. */
	if (rw != HTTP_AGAIN) {
		if (http_feed(&whole, d, n) != rw)
			__builtin_trap();
		fuzz_same(&whole, rw, &chunks, rc);
	}

	if (fuzz_frame(d, n, 0) != fuzz_frame(d, n, 1) ||
	    fuzz_frame(d, n, 0) != fuzz_frame(d, n, 7))
		__builtin_trap();
	return 0;
}
