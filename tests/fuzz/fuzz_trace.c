/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target for the audit log's search code, which reads operator input
 * (v6gatectl trace --at/--from/--to/--client) and index files:
 *
 *   first byte % 3 == 0: trace_time_parse() of the rest, as a string
 *   first byte % 3 == 1: addr_prefix_parse() of the rest, as a string
 *   first byte % 3 == 2: archive_lookup() of the port in the next two
 *                        bytes (big-endian) in an index whose text is the
 *                        rest of the input
 *
 * (In the seed corpus the first byte is '0', '1' or '2'.)  Checks what
 * must hold for any input: a result is 0 or -1; a time is at most
 * 9999-12-31T23:59:59.999Z; a prefix is IPv4 /0-32 or IPv6 /0-128;
 * parsing the same string twice gives the same result; an index lookup
 * returns only chunks the index lists, no more of them than the numbers
 * on the port's line, and nothing without the version 1 header.
 * Deterministic: the choices come from the input alone.  Any failure is
 * __builtin_trap().
 */

#include <sys/mman.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/archive.h"
#include "audit/trace.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define FUZZ_ASSERT(x)	do { if (!(x)) __builtin_trap(); } while (0)

#define FUZZ_MAX	65536
#define TIME_MAX_MS	253402300799999ULL	/* 9999-12-31T23:59:59.999Z */
#define INDEX_HEADER	"v6gate-audit-index 1\n"

static void
fuzz_time(const char *s)
{
	uint64_t	ms1 = 0, ms2 = 0;
	int		rc1, rc2;

	rc1 = trace_time_parse(s, &ms1);
	rc2 = trace_time_parse(s, &ms2);
	FUZZ_ASSERT(rc1 == 0 || rc1 == -1);
	FUZZ_ASSERT(rc1 == rc2);
	if (rc1 == 0) {
		FUZZ_ASSERT(ms1 <= TIME_MAX_MS);
		FUZZ_ASSERT(ms1 == ms2);
	}
}

static void
fuzz_prefix(const char *s)
{
	union addr_sa	a1, a2;
	int		rc1, rc2, len1 = -1, len2 = -1;

	memset(&a1, 0, sizeof(a1));
	memset(&a2, 0xff, sizeof(a2));
	rc1 = addr_prefix_parse(s, &a1, &len1);
	rc2 = addr_prefix_parse(s, &a2, &len2);
	FUZZ_ASSERT(rc1 == 0 || rc1 == -1);
	FUZZ_ASSERT(rc1 == rc2);
	if (rc1 != 0)
		return;
	FUZZ_ASSERT(a1.sa.sa_family == a2.sa.sa_family);
	FUZZ_ASSERT(len1 == len2);
	switch (a1.sa.sa_family) {
	case AF_INET:
		FUZZ_ASSERT(len1 >= 0 && len1 <= 32);
		FUZZ_ASSERT(memcmp(&a1.sin.sin_addr, &a2.sin.sin_addr,
		    sizeof(a1.sin.sin_addr)) == 0);
		break;
	case AF_INET6:
		FUZZ_ASSERT(len1 >= 0 && len1 <= 128);
		FUZZ_ASSERT(memcmp(&a1.sin6.sin6_addr, &a2.sin6.sin6_addr,
		    sizeof(a1.sin6.sin6_addr)) == 0);
		break;
	default:
		FUZZ_ASSERT(0);
	}
}

/*
 * The index file: a memfd, read back through /proc/self/fd/N (a fopen()
 * there is a new open file, at offset 0), or where there is no memfd a
 * file under /tmp named after the pid.  Made once, rewritten every run.
 */
static char	fuzz_idx_path[64];
static int	fuzz_idx_fd = -1;

static void
fuzz_idx_unlink(void)
{
	if (strncmp(fuzz_idx_path, "/tmp/", 5) == 0)
		unlink(fuzz_idx_path);
}

static const char *
fuzz_idx_write(const uint8_t *d, size_t n)
{
	size_t	off;
	ssize_t	w;

	if (fuzz_idx_fd == -1) {
		if ((fuzz_idx_fd = memfd_create("fuzz_trace.idx",
		    MFD_CLOEXEC)) != -1)
			snprintf(fuzz_idx_path, sizeof(fuzz_idx_path),
			    "/proc/self/fd/%d", fuzz_idx_fd);
		else {
			snprintf(fuzz_idx_path, sizeof(fuzz_idx_path),
			    "/tmp/fuzz_trace.%ld.idx", (long)getpid());
			if ((fuzz_idx_fd = open(fuzz_idx_path,
			    O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)) ==
			    -1) {
				perror(fuzz_idx_path);
				abort();
			}
			atexit(fuzz_idx_unlink);
		}
	}
	if (ftruncate(fuzz_idx_fd, 0) == -1) {
		perror("ftruncate");
		abort();
	}
	for (off = 0; off < n; off += (size_t)w)
		if ((w = pwrite(fuzz_idx_fd, d + off, n - off,
		    (off_t)off)) <= 0) {
			perror("pwrite");
			abort();
		}
	return fuzz_idx_path;
}

static int
fuzz_chunk_cmp(const void *x, const void *y)
{
	const struct archive_chunk	*a = x, *b = y;

	if (a->offset != b->offset)
		return a->offset < b->offset ? -1 : 1;
	if (a->length != b->length)
		return a->length < b->length ? -1 : 1;
	return 0;
}

/*
 * What the index says, read from memory as archive_lookup() reads the
 * file with getline(): a line ends at '\n' (kept) and is a C string (an
 * embedded NUL ends it).  Every line that reads as "chunk OFFSET LENGTH"
 * anywhere in the file, and how many numbers the first line for port
 * lists (-1: no such line).
 */
static int
fuzz_idx_parse(const uint8_t *d, size_t n, uint16_t port,
    struct archive_chunk **chunks, size_t *nchunks, long *nlisted)
{
	struct archive_chunk	*ch = NULL, *nc;
	unsigned long long	 a, b;
	unsigned long		 v;
	size_t			 i, j, len, nch = 0;
	char			*line, *p, *end;

	*nlisted = -1;
	if ((line = malloc(n + 1)) == NULL)
		return -1;
	for (i = strlen(INDEX_HEADER); i < n; i = j) {
		for (j = i; j < n && d[j] != '\n'; j++)
			;
		if (j < n)
			j++;			/* the '\n' */
		len = j - i;
		memcpy(line, d + i, len);
		line[len] = '\0';
		if (sscanf(line, "chunk %llu %llu", &a, &b) == 2) {
			if ((nc = reallocarray(ch, nch + 1,
			    sizeof(*nc))) == NULL)
				goto fail;
			ch = nc;
			ch[nch].offset = a;
			ch[nch++].length = b;
			continue;
		}
		if (*nlisted != -1 || strncmp(line, "port ", 5) != 0)
			continue;
		v = strtoul(line + 5, &p, 10);
		if (v != port)
			continue;
		for (*nlisted = 0;; (*nlisted)++, p = end) {
			(void)strtoul(p, &end, 10);
			if (end == p)
				break;
		}
	}
	free(line);
	if (nch > 0)
		qsort(ch, nch, sizeof(*ch), fuzz_chunk_cmp);
	*chunks = ch;
	*nchunks = nch;
	return 0;
fail:
	free(line);
	free(ch);
	return -1;
}

static void
fuzz_archive(const uint8_t *d, size_t n)
{
	struct archive_chunk	*res = NULL, *listed = NULL;
	const char		*path;
	size_t			 nres = 12345, nlisted_chunks = 0, i;
	long			 nnums;
	uint16_t		 port;
	int			 rc, header;

	if (n < 2)
		return;
	port = (uint16_t)(d[0] << 8 | d[1]);
	d += 2;
	n -= 2;
	header = n >= strlen(INDEX_HEADER) &&
	    memcmp(d, INDEX_HEADER, strlen(INDEX_HEADER)) == 0;

	path = fuzz_idx_write(d, n);
	rc = archive_lookup(path, port, &res, &nres);
	FUZZ_ASSERT(rc == 0 || rc == -1);
	if (rc == -1) {
		FUZZ_ASSERT(res == NULL && nres == 0);
		return;
	}
	/* no usable index without the header */
	FUZZ_ASSERT(header);
	FUZZ_ASSERT((res == NULL) == (nres == 0));
	if (fuzz_idx_parse(d, n, port, &listed, &nlisted_chunks,
	    &nnums) == -1) {
		free(res);
		return;
	}
	/* none without a line for the port, no more than it lists */
	FUZZ_ASSERT(nnums >= 0 || nres == 0);
	FUZZ_ASSERT(nres <= (size_t)(nnums < 0 ? 0 : nnums));
	/* and only chunks the index lists */
	for (i = 0; i < nres; i++)
		FUZZ_ASSERT(bsearch(&res[i], listed, nlisted_chunks,
		    sizeof(*listed), fuzz_chunk_cmp) != NULL);
	free(listed);
	free(res);
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char	*s;

	if (n == 0 || n > FUZZ_MAX)
		return 0;
	switch (d[0] % 3) {
	case 0:
	case 1:
		if ((s = malloc(n)) == NULL)
			return 0;
		memcpy(s, d + 1, n - 1);
		s[n - 1] = '\0';
		if (d[0] % 3 == 0)
			fuzz_time(s);
		else
			fuzz_prefix(s);
		free(s);
		break;
	default:
		fuzz_archive(d + 1, n - 1);
		break;
	}
	return 0;
}
