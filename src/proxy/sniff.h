/* SPDX-License-Identifier: ISC */
#ifndef V6G_SNIFF_H
#define V6G_SNIFF_H

#include <stddef.h>
#include <stdint.h>

#include "conf/conf.h"
#include "http.h"
#include "sni.h"
#include "stats.h"

/*
 * The sniffers: one table entry per protocol a listener speaks (enum
 * conf_proto), which is all conn.c knows about a protocol.  An entry wraps
 * a pure first-flight parser (sni.c, http.c) behind a common interface,
 * names the counters its results and errors bump, and says how to refuse a
 * client in its own protocol.  As nginx's preread modules and sniproxy's
 * protocol table: the connection code reads, routes and relays; it never
 * asks which protocol it is reading.
 *
 * Not here: parsing (the parser files), routing (namemap), I/O (conn.c
 * sends what reject() writes), counting (conn.c bumps the counters named
 * here with WSTAT_INC_AT).
 *
 * A new protocol provides:
 *  - a parser file: a resumable, pure parser (no I/O, no allocation, no
 *    logging) with init, feed (again / done / error), the name it found,
 *    its flags and an error enum with a strerror;
 *  - a member of union sniff_state below and one entry in sniff_table
 *    (sniff.c): the feed/found/error/too_big wrappers, flags and errors to
 *    counters, and reject(): the bytes that refuse, for each enum
 *    sniff_refusal;
 *  - its name in conf (enum conf_proto, the "protocol" setting's names);
 *  - its counters in PROXY_COUNTERS (stats.h), at least a *_malformed;
 *  - docs (v6gate.conf(5), v6gatectl(8) for the counters);
 *  - if a connection carries several messages that are each routed (HTTP
 *    keep-alive), follow_init() and follow(): a pure framing machine over
 *    the bytes after the first flight that stops at each message head.
 */

/* What feed() says; each parser's own enum maps onto it. */
enum sniff_rc {
	SNIFF_MORE,		/* first flight not complete: feed more */
	SNIFF_DONE,		/* complete: see found() */
	SNIFF_ERROR,		/* not acceptable: see error() */
};

/* Why the gateway refuses a client, whatever its protocol. */
enum sniff_refusal {
	SNIFF_R_BAD_FIRST_FLIGHT,	/* the parser failed */
	SNIFF_R_NO_ROUTE,		/* no service for the name */
	SNIFF_R_NOT_ALLOWED,		/* allow/deny */
	SNIFF_R_LIMIT,			/* per-client rate or connections */
	SNIFF_R_UNREACHABLE,		/* no backend could be reached */
	SNIFF_R_COUNT			/* not a refusal: the number of them */
};

/* What follow() says about the next bytes after the first flight. */
enum sniff_follow {
	SNIFF_FW_PASS,		/* *used bytes between heads: forward */
	SNIFF_FW_HOLD,		/* all of them are part of a head not
				   complete yet: hold them back */
	SNIFF_FW_HEAD,		/* a head ended after *used bytes: route it
				   (follow_found()), then forward it */
	SNIFF_FW_ERROR,		/* bad framing: refuse, close */
};

/* At most this many bytes of a head are ever held back. */
#define SNIFF_HOLD_MAX	HTTP_HEAD_MAX

/* The framing state of a connection after its first flight. */
union sniff_follow_state {
	struct http_frame	http;	/* CONF_HTTP */
};

/* Room for any reject() answer. */
#define SNIFF_REJECT_MAX	128

/* The parser state of a connection in its first flight. */
union sniff_state {
	struct sni_parser	sni;	/* CONF_TLS */
	struct http_parser	http;	/* CONF_HTTP */
};

/* A counter, as its offset in struct proxy_stats (see WSTAT_INC_AT). */
#define SNIFF_STAT(field)	((uint16_t)offsetof(struct proxy_stats, field))

/* A parser's flag bit or error code, and the counter it bumps. */
struct sniff_count {
	unsigned	code;
	uint16_t	stat;		/* SNIFF_STAT() */
};

struct sniffer {
	const char	*name;		/* for logs */
	void		(*init)(union sniff_state *);

	/* The next len bytes read from the client (only the new ones). */
	enum sniff_rc	(*feed)(union sniff_state *, const uint8_t *,
			    size_t);

	/* After SNIFF_DONE: the name asked for (length 0: none) and the
	   parser's flags, to be counted through flags[]. */
	unsigned	(*found)(const union sniff_state *, const char **,
			    size_t *);
	const struct sniff_count *flags;
	size_t		 nflags;

	/* After SNIFF_ERROR: the parser's error code and a short text for
	   it; errors[] names its counter, malformed any other's. */
	unsigned	(*error)(const union sniff_state *, const char **);
	const struct sniff_count *errors;
	size_t		 nerrors;
	uint16_t	 malformed;

	/* The caller's cap on the first flight was reached: fail as the
	   parser would on its own cap, so that error() says "too big". */
	void		(*too_big)(union sniff_state *);

	/*
	 * Write the answer that refuses the client in this protocol (at
	 * most SNIFF_REJECT_MAX bytes) to buf; returns its length.  The
	 * state may be in any phase: a refusal can follow a failed parse.
	 */
	size_t		(*reject)(const union sniff_state *,
			    enum sniff_refusal, uint8_t *);

	/*
	 * Later messages, each routed as the first (NULL: after the first
	 * flight the bytes are relayed as they are).  follow_init() starts
	 * from the finished first flight and returns how many of its bytes
	 * were the first head; follow() takes the bytes after it (len > 0);
	 * after SNIFF_FW_HEAD follow_found() gives the name it asks for.
	 * A head for another service bumps misdirected, an error
	 * follow_error.
	 */
	size_t		(*follow_init)(union sniff_follow_state *,
			    const union sniff_state *);
	enum sniff_follow (*follow)(union sniff_follow_state *,
			    const uint8_t *, size_t, size_t *);
	void		(*follow_found)(const union sniff_follow_state *,
			    const char **, size_t *);
	uint16_t	 misdirected;
	uint16_t	 follow_error;
};

/* Indexed by enum conf_proto; every protocol has an entry. */
extern const struct sniffer	sniff_table[];

/*
 * The counter of the error a failed parse stopped at (an offset for
 * WSTAT_INC_AT); *reason is set to its text.
 */
uint16_t	sniff_error_stat(const struct sniffer *,
		    const union sniff_state *, const char **reason);

#endif
