/* SPDX-License-Identifier: ISC */
/*
 * Archived days of the audit log (see archive.h).  Compression is plain
 * deflate with a gzip wrapper, one stream per chunk of whole lines; the
 * index is written to a temporary name and renamed once the .gz is
 * complete, so a reader sees an index only for an archive that matches it.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <zlib.h>

#include "archive.h"

struct archive_pair {
	uint16_t	port;
	uint32_t	chunk;
};

/* The port of a line's "local":"ADDR:PORT", or -1. */
static int
archive_port(const char *line)
{
	const char	*p = strstr(line, "\"local\":\""), *q;
	long		 port;

	if (p == NULL)
		return -1;
	p += 9;
	if ((q = strchr(p, '"')) == NULL)
		return -1;
	while (q > p && q[-1] != ':')
		q--;
	if (q == p)
		return -1;
	port = strtol(q, NULL, 10);
	return port > 0 && port < 65536 ? (int)port : -1;
}

static int
archive_write(int fd, const unsigned char *b, size_t n)
{
	ssize_t	w;

	while (n > 0) {
		if ((w = write(fd, b, n)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

/* One gzip member of buf at the end of fd. */
static int
archive_member(int fd, const char *buf, size_t len)
{
	z_stream	 z;
	unsigned char	*out;
	uLong		 bound;
	int		 rc;

	memset(&z, 0, sizeof(z));
	/* 15 + 16: a gzip header and trailer, not zlib's */
	if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8,
	    Z_DEFAULT_STRATEGY) != Z_OK)
		return -1;
	bound = deflateBound(&z, (uLong)len);
	if ((out = malloc(bound)) == NULL) {
		deflateEnd(&z);
		return -1;
	}
	z.next_in = (unsigned char *)(uintptr_t)buf;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)bound;
	rc = deflate(&z, Z_FINISH);
	if (rc == Z_STREAM_END)
		rc = archive_write(fd, out, z.total_out);
	else
		rc = -1;
	deflateEnd(&z);
	free(out);
	return rc;
}

static int
archive_by_port(const void *a, const void *b)
{
	const struct archive_pair *x = a, *y = b;

	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return x->chunk < y->chunk ? -1 : x->chunk > y->chunk;
}

int
archive_day(const char *path)
{
	char			 gz[4300], gztmp[4400], idx[4300], tmp[4400];
	char			*line = NULL;
	char			*buf = NULL;
	size_t			 cap = 0, blen = 0, npairs = 0, ncap = 0, i;
	struct archive_chunk	*chunks = NULL;
	struct archive_pair	*pairs = NULL;
	uint32_t		 nchunks = 0, *last = NULL;
	ssize_t			 len;
	off_t			 off = 0;
	FILE			*in = NULL, *ix = NULL;
	int			 fd = -1, rc = -1, port, e;

	snprintf(gz, sizeof(gz), "%s.gz", path);
	snprintf(gztmp, sizeof(gztmp), "%s.tmp", gz);
	snprintf(idx, sizeof(idx), "%s.idx", path);
	snprintf(tmp, sizeof(tmp), "%s.tmp", idx);
	if (strlen(path) < 7 || strcmp(path + strlen(path) - 6, ".jsonl") != 0) {
		errno = EINVAL;
		return -1;
	}
	/* an archive of that day exists (the clock stepped back and the
	   day was written again): never replace it; the plain file stays,
	   and trace reads both */
	if (access(gz, F_OK) == 0) {
		errno = EEXIST;
		return -1;
	}
	if ((in = fopen(path, "r")) == NULL)
		return -1;
	/* O_EXCL: a second archiver of the same day stops here */
	if ((fd = open(gztmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
	    0640)) == -1) {
		e = errno;
		fclose(in);
		errno = e;
		return -1;
	}
	if ((buf = malloc(ARCHIVE_CHUNK * 2)) == NULL ||
	    (last = malloc(65536 * sizeof(*last))) == NULL)
		goto done;
	memset(last, 0xff, 65536 * sizeof(*last));
	for (;;) {
		len = getline(&line, &cap, in);
		/* a chunk is whole lines; a huge line is a chunk of its own */
		if (blen > 0 && (len == -1 || blen + (size_t)len >
		    ARCHIVE_CHUNK)) {
			struct archive_chunk *nc;

			if ((nc = reallocarray(chunks, nchunks + 1,
			    sizeof(*nc))) == NULL)
				goto done;
			chunks = nc;
			chunks[nchunks].offset = (uint64_t)off;
			chunks[nchunks].length = blen;
			if (archive_member(fd, buf, blen) == -1 ||
			    (off = lseek(fd, 0, SEEK_CUR)) == -1)
				goto done;
			nchunks++;
			blen = 0;
		}
		if (len == -1)
			break;
		/* not a record (the daemon's lines are < 2 KiB): a file
		   damaged by a crash must not take the memory */
		if (len > ARCHIVE_LINE_MAX)
			continue;
		if (blen + (size_t)len > ARCHIVE_CHUNK * 2) {
			char *nb = realloc(buf, blen + (size_t)len);

			if (nb == NULL)
				goto done;
			buf = nb;
		}
		memcpy(buf + blen, line, (size_t)len);
		blen += (size_t)len;
		if ((port = archive_port(line)) != -1 &&
		    last[port] != nchunks) {
			if (npairs == ncap) {
				struct archive_pair *np;

				ncap = ncap ? ncap * 2 : 4096;
				if ((np = reallocarray(pairs, ncap,
				    sizeof(*np))) == NULL)
					goto done;
				pairs = np;
			}
			pairs[npairs].port = (uint16_t)port;
			pairs[npairs++].chunk = nchunks;
			last[port] = nchunks;
		}
	}
	if (ferror(in) || fsync(fd) == -1) {
		e = errno;
		close(fd);
		fd = -1;
		errno = e;
		goto done;
	}
	if (close(fd) == -1) {
		fd = -1;
		goto done;
	}
	fd = -1;
	/* the index: chunks in order, then each port's chunks */
	if (npairs > 1)
		qsort(pairs, npairs, sizeof(*pairs), archive_by_port);
	{
		int ifd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
		    0640);

		if (ifd == -1 || (ix = fdopen(ifd, "w")) == NULL) {
			if (ifd != -1)
				close(ifd);
			goto done;
		}
	}
	fprintf(ix, "v6gate-audit-index 1\n");
	for (i = 0; i < nchunks; i++)
		fprintf(ix, "chunk %llu %llu\n",
		    (unsigned long long)chunks[i].offset,
		    (unsigned long long)chunks[i].length);
	for (i = 0; i < npairs; i++) {
		if (i == 0 || pairs[i].port != pairs[i - 1].port)
			fprintf(ix, "%sport %u", i ? "\n" : "", pairs[i].port);
		fprintf(ix, " %u", pairs[i].chunk);
	}
	if (npairs > 0)
		fputc('\n', ix);
	if (fflush(ix) == EOF || ferror(ix) || fsync(fileno(ix)) == -1) {
		fclose(ix);
		ix = NULL;
		goto done;
	}
	fclose(ix);
	ix = NULL;
	/* the index first: an archive is never without its index */
	if (rename(tmp, idx) == -1 || rename(gztmp, gz) == -1)
		goto done;
	/* the plain file goes only once both are whole */
	unlink(path);
	rc = 0;
done:
	e = errno;
	if (rc == -1) {
		/* only what this call made */
		unlink(gztmp);
		unlink(tmp);
	}
	if (fd != -1)
		close(fd);
	if (in != NULL)
		fclose(in);
	free(line);
	free(buf);
	free(last);
	free(chunks);
	free(pairs);
	errno = e;
	return rc;
}

int
archive_lookup(const char *idx, uint16_t port, struct archive_chunk **out,
    size_t *n)
{
	struct archive_chunk	*chunks = NULL, *res = NULL, *nc;
	unsigned long long	 a, b;
	size_t			 nchunks = 0, cap = 0, nres = 0;
	char			*line = NULL, *p, *end;
	size_t			 lcap = 0;
	unsigned long		 c;
	FILE			*f;
	int			 rc = -1;

	*out = NULL;
	*n = 0;
	if ((f = fopen(idx, "r")) == NULL)
		return -1;
	if (getline(&line, &lcap, f) == -1 ||
	    strcmp(line, "v6gate-audit-index 1\n") != 0)
		goto done;
	while (getline(&line, &lcap, f) != -1) {
		if (sscanf(line, "chunk %llu %llu", &a, &b) == 2) {
			if (nchunks == cap) {
				cap = cap ? cap * 2 : 256;
				if ((nc = reallocarray(chunks, cap,
				    sizeof(*nc))) == NULL)
					goto done;
				chunks = nc;
			}
			chunks[nchunks].offset = a;
			chunks[nchunks++].length = b;
			continue;
		}
		if (strncmp(line, "port ", 5) != 0 || line[5] < '0' ||
		    line[5] > '9' || strtoul(line + 5, &p, 10) != port)
			continue;
		/* this port's chunks */
		for (;;) {
			c = strtoul(p, &end, 10);
			if (end == p)
				break;
			p = end;
			if (c >= nchunks)
				goto done;	/* an index that lies */
			if ((nc = reallocarray(res, nres + 1,
			    sizeof(*nc))) == NULL)
				goto done;
			res = nc;
			res[nres++] = chunks[c];
		}
		break;
	}
	*out = res;
	*n = nres;
	res = NULL;
	rc = 0;
done:
	fclose(f);
	free(line);
	free(chunks);
	free(res);
	return rc;
}
