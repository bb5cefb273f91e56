/* SPDX-License-Identifier: ISC */
#ifndef V6G_RFC5424_H
#define V6G_RFC5424_H

#include <stddef.h>

/*
 * One audit line (JSON, v6gated(8) AUDIT LOG) as a syslog message for a
 * collector: RFC 5424 with the record's fields as structured data under
 * our own SD-ID, framed by octet counting (RFC 6587 3.4.1, RFC 5425 4.3):
 *
 *   LEN <110>1 TIME GATEWAY v6gated PID EVENT [v6gate@32473 gateway="..."
 *       v="1" event="close" id="..." ...] LINE
 *
 * Facility 13 (log audit), severity 6.  TIME is the record's close (its
 * open for an "open" record); EVENT the MSGID; a null field is left out;
 * MSG is the line itself, so that a collector's copy is an audit file
 * again.  32473 is the documentation enterprise number of RFC 5612.
 * Pure: no logging, no I/O.
 */

#define RFC5424_SDID	"v6gate@32473"

/* Frame line (len bytes, no newline) into out: the bytes written, or 0
   when out has not room (it needs at most 3 * len + 512). */
size_t	rfc5424_frame(const char *line, size_t len, const char *gateway,
	    int pid, char *out, size_t outlen);

#endif
