/* SPDX-License-Identifier: ISC */
#ifndef V6G_ARCHIVE_H
#define V6G_ARCHIVE_H

#include <stddef.h>
#include <stdint.h>

/*
 * A closed day of the audit log, archived: audit-DAY.jsonl becomes
 * audit-DAY.jsonl.gz, a series of gzip members of about ARCHIVE_CHUNK
 * bytes of lines each (any gzip reader reads it whole), plus
 * audit-DAY.jsonl.idx, which says where each member starts and which
 * gateway ports ("local") each holds.  A search for what a server logged
 * then unzips the one or two members that can hold it, not the day.
 *
 * The index, text, version 1:
 *   v6gate-audit-index 1
 *   chunk OFFSET LENGTH         (one per member, in order: where it starts
 *                                in the .gz, its uncompressed length)
 *   port PORT CHUNK CHUNK ...   (the members with lines of that port)
 */

#define ARCHIVE_CHUNK	(256 * 1024)
#define ARCHIVE_LINE_MAX	(64 * 1024)	/* longer lines are dropped */

/* Compress and index path (a .jsonl); remove it once both are whole.
   0, or -1 with errno (the plain file stays; EEXIST: that day has an
   archive already, which is never replaced). */
int	archive_day(const char *path);

struct archive_chunk {
	uint64_t	offset;		/* in the .gz */
	uint64_t	length;		/* of its lines */
};

/*
 * The members of a day that hold lines of port, from its index (idx):
 * a malloc'd array, *n of them (0: none).  -1 if there is no usable
 * index (then read the whole file).
 */
int	archive_lookup(const char *idx, uint16_t port,
	    struct archive_chunk **, size_t *n);

#endif
