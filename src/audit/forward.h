/* SPDX-License-Identifier: ISC */
#ifndef V6G_FORWARD_H
#define V6G_FORWARD_H

#include <stdint.h>

#include "addr.h"

/*
 * The audit log to a syslog collector (audit.syslog): a thread that tails
 * the audit files (audit.h) and sends each line as an RFC 5424 message
 * (rfc5424.h) over TCP, or TLS (RFC 5425) through OpenSSL.  The files are
 * the source: a collector that is down loses nothing, the sender catches
 * up from its cursor, state_dir/audit/forward.cursor ("DAY OFFSET": the
 * first byte the collector has not taken), which also carries it over a
 * restart.  The cursor moves only once the collector's TCP has
 * acknowledged every byte sent (the send queue empty, SIOCOUTQ).
 */

struct forward_conf {
	const char		*url;		/* "tcp://..." or NULL: none */
	union addr_sa		 addr;
	int			 tls;
	const char		*ca;		/* or NULL: the system's CAs */
	const char		*gateway;	/* HOSTNAME and SD gateway= */
};

struct forward_stats {
	int		enabled;	/* a collector configured */
	int		connected;
	char		url[ADDR_STRLEN + 8];
	uint64_t	sent;		/* records the collector took */
	uint64_t	errors;		/* failed connects, handshakes, sends */
	uint64_t	lag_bytes;	/* in the files, not yet taken */
	uint64_t	lag_records;
	char		cursor[48];	/* "YYYY-MM-DD OFFSET" */
};

/* Check what a configuration asks (the CA file is read here): 0, or -1
   with err; the last one prepared goes live at forward_commit(). */
int	forward_prepare(const struct forward_conf *, char *, size_t);
/* The prepared collector live; the sender starts (under state_dir, once)
   when there is one.  0, or -1 with err (no thread). */
int	forward_commit(const char *state_dir, char *, size_t);
/* Save the cursor, close, stop the thread. */
void	forward_stop(void);
void	forward_stats(struct forward_stats *);

#endif
