/* SPDX-License-Identifier: ISC */
/*
 * One health check (see probe.h).
 *
 * The socket is registered edge-triggered for both directions, so each
 * phase runs until the kernel or OpenSSL says it would block (EAGAIN,
 * SSL_ERROR_WANT_READ/WANT_WRITE) and the next edge resumes it: OpenSSL's
 * non-blocking mode is no more than calling SSL_connect(), SSL_write() or
 * SSL_read() again, with the same arguments, on the next event.
 *
 * The certificate is looked at, never verified: backends sit on internal
 * networks behind private CAs or with self-signed certificates, and a
 * passthrough gateway does not terminate their TLS, so a chain check would
 * only fail them all.  What matters to clients, and is reported (never a
 * reason to mark a backend down), is whether the certificate is about to
 * expire and whether it covers the service's names.
 */

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "probe.h"

#define PROBE_DAY	86400

static void	probe_run(struct probe *);

/* OpenSSL's reason for err, never NULL. */
static const char *
probe_reason(unsigned long err, char *buf, size_t len)
{
	const char	*r;

	if (err == 0)
		return "out of memory";	/* what fails without saying */
	if ((r = ERR_reason_error_string(err)) != NULL)
		return r;
	ERR_error_string_n(err, buf, len);
	return buf;
}

SSL_CTX *
probe_ctx_new(char *err, size_t errlen)
{
	SSL_CTX	*ctx;
	char	 buf[128];

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL) {
		snprintf(err, errlen, "health checks: SSL_CTX_new: %s",
		    probe_reason(ERR_peek_error(), buf, sizeof(buf)));
		ERR_clear_error();
		return NULL;
	}
	/* No chain verification: see the top of this file. */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	/*
	 * A check reports what the server really does, legacy servers
	 * included: TLS 1.0 and up, every cipher but the unauthenticated
	 * ones, at security level 0 (short keys, SHA-1 signatures), and the
	 * servers that predate secure renegotiation (RFC 5746).  The
	 * settings here override the system's openssl.cnf defaults.
	 */
	SSL_CTX_set_security_level(ctx, 0);
	if (SSL_CTX_set_min_proto_version(ctx, TLS1_VERSION) != 1 ||
	    SSL_CTX_set_cipher_list(ctx, "ALL:!aNULL:!eNULL:@SECLEVEL=0") !=
	    1) {
		snprintf(err, errlen, "health checks: TLS settings: %s",
		    probe_reason(ERR_peek_error(), buf, sizeof(buf)));
		ERR_clear_error();
		SSL_CTX_free(ctx);
		return NULL;
	}
	SSL_CTX_set_options(ctx, SSL_OP_LEGACY_SERVER_CONNECT |
	    SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_TICKET);
	/* every check a full handshake, so that it sees the certificate */
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	/* the request may move: a target's copy replaces it on a reload */
	SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	return ctx;
}

/* ---------------------------------------------------------------- ending */

static void
probe_release(struct probe *p, int shutdown)
{
	if (p->ssl != NULL) {
		/* a close_notify, so that servers log no error; one try,
		   never waited for */
		if (shutdown)
			(void)SSL_shutdown(p->ssl);
		SSL_free(p->ssl);
		p->ssl = NULL;
		ERR_clear_error();
	}
	if (p->fd != -1) {
		close(p->fd);
		p->fd = -1;
	}
}

void
probe_close(struct probe *p)
{
	probe_release(p, 0);
}

static void
probe_pass(struct probe *p)
{
	p->ok = 1;
	p->error[0] = '\0';
	p->phase = PROBE_DONE;
	probe_release(p, 1);
}

/*
 * Fail with a message.  The TLS session, if any, is still sound (an HTTP
 * status, a timeout): it is closed politely.
 */
static void __attribute__((format(printf, 2, 3)))
probe_fail(struct probe *p, const char *fmt, ...)
{
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(p->error, sizeof(p->error), fmt, ap);
	va_end(ap);
	p->ok = 0;
	p->phase = PROBE_DONE;
	probe_release(p, p->tls_done);
}

/*
 * Fail after an OpenSSL call returned r: OpenSSL's reason, errno's, or the
 * peer's end of the connection.  SSL_shutdown() must not follow a fatal
 * error.
 */
static void
probe_fail_ssl(struct probe *p, int r, const char *what)
{
	int		 e = errno, code = SSL_get_error(p->ssl, r);
	unsigned long	 err = ERR_peek_error();
	char		 buf[128];
	const char	*reason = "connection closed by the backend";

	if (err != 0)
		reason = probe_reason(err, buf, sizeof(buf));
	else if (code == SSL_ERROR_SYSCALL && e != 0)
		reason = strerror(e);
	snprintf(p->error, sizeof(p->error), "%s: %s", what, reason);
	p->ok = 0;
	p->phase = PROBE_DONE;
	probe_release(p, 0);
}

static const char *
probe_phase_name(enum probe_phase ph)
{
	switch (ph) {
	case PROBE_CONNECT:
		return "connecting";
	case PROBE_PROXY:
		return "sending the PROXY header";
	case PROBE_HANDSHAKE:
		return "TLS handshake";
	case PROBE_SEND:
		return "sending the request";
	case PROBE_RECV:
		return "waiting for the status line";
	case PROBE_DONE:
		break;
	}
	return "done";
}

void
probe_timeout(struct probe *p, unsigned ms)
{
	if (p->phase == PROBE_DONE)
		return;
	probe_fail(p, "timeout after %u ms (%s)", ms,
	    probe_phase_name(p->phase));
}

/* ---------------------------------------------------------- certificate */

/*
 * Append s (len bytes, from a certificate: anything) to buf, after ", "
 * when buf is not empty.  Bytes outside printable ASCII become '?'.  What
 * does not fit is cut and "..." ends buf; *full then stops later calls.
 */
static void
probe_join(char *buf, size_t size, const unsigned char *s, size_t len,
    int *full)
{
	size_t	 at = strlen(buf), i;

	if (*full)
		return;
	if (at > 0 && at + 2 < size) {
		memcpy(buf + at, ", ", 2);
		at += 2;
	}
	for (i = 0; i < len && at + 1 < size; i++, at++)
		buf[at] = s[i] >= 0x20 && s[i] < 0x7f ? (char)s[i] : '?';
	buf[at] = '\0';
	if (i < len) {
		*full = 1;
		if (size > 4)
			memcpy(buf + size - 4, "...", 4);
	}
}

/* The subject's CN, then the DNS names (the CN again is left out). */
static void
probe_subject(struct probe *p, X509 *cert)
{
	X509_NAME		*subj = X509_get_subject_name(cert);
	GENERAL_NAMES		*sans;
	unsigned char		*cn = NULL;
	int			 cnlen = -1, i, full = 0;

	p->subject[0] = '\0';
	if (subj != NULL &&
	    (i = X509_NAME_get_index_by_NID(subj, NID_commonName, -1)) >= 0)
		cnlen = ASN1_STRING_to_UTF8(&cn, X509_NAME_ENTRY_get_data(
		    X509_NAME_get_entry(subj, i)));
	if (cnlen >= 0)
		probe_join(p->subject, sizeof(p->subject), cn, (size_t)cnlen,
		    &full);
	sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (i = 0; sans != NULL && i < sk_GENERAL_NAME_num(sans); i++) {
		const GENERAL_NAME	*gn = sk_GENERAL_NAME_value(sans, i);
		const unsigned char	*d;
		int			 dlen;

		if (gn->type != GEN_DNS)
			continue;
		d = ASN1_STRING_get0_data(gn->d.dNSName);
		dlen = ASN1_STRING_length(gn->d.dNSName);
		if (dlen < 0 || (dlen == cnlen && cn != NULL &&
		    memcmp(d, cn, (size_t)dlen) == 0))
			continue;
		probe_join(p->subject, sizeof(p->subject), d, (size_t)dlen,
		    &full);
	}
	GENERAL_NAMES_free(sans);
	OPENSSL_free(cn);
	ERR_clear_error();
}

/*
 * Whether the certificate covers a name of the service.  A plain name as
 * a browser would check it (X509_check_host(), a certificate's wildcard
 * covering one label).  A wildcard host "*.example.org" stands for every
 * name under example.org, which only a certificate for that same wildcard
 * covers: so the certificate must list "*.example.org" itself (compared
 * without wildcard expansion); "www.example.org" alone, or "*.org", does
 * not do.  An IP literal (http services only) must be an IP SAN.
 */
static int
probe_covers(X509 *cert, const char *name)
{
	union addr_sa	a;

	if (name[0] == '*' && name[1] == '.')
		return X509_check_host(cert, name, 0,
		    X509_CHECK_FLAG_NO_WILDCARDS, NULL) == 1;
	if (addr_parse_ip(name, &a) == 0)
		return X509_check_ip_asc(cert, name, 0) == 1;
	return X509_check_host(cert, name, 0,
	    X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
}

static void __attribute__((format(printf, 3, 4)))
probe_cat(char *buf, size_t size, const char *fmt, ...)
{
	size_t	at = strlen(buf);
	va_list	ap;

	if (at + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + at, size - at, fmt, ap);
	va_end(ap);
}

/* Expiry: within cert_warn_days, or past. */
static void
probe_expiry(struct probe *p, time_t now)
{
	int64_t		 left = p->not_after - (int64_t)now, days;
	time_t		 t = (time_t)p->not_after;
	struct tm	 tm;
	char		 date[16];

	if (left >= (int64_t)p->spec->cert_warn_days * PROBE_DAY)
		return;
	p->cert_warn |= POOL_CERT_EXPIRING;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	/* whole days, rounded: a certificate made "-days 10" a moment ago
	   expires "in 10 days" */
	days = ((left < 0 ? -left : left) + PROBE_DAY / 2) / PROBE_DAY;
	if (left >= 0 && left < PROBE_DAY)
		probe_cat(p->cert_note, sizeof(p->cert_note), "certificate "
		    "expires %s (in less than a day)", date);
	else if (left >= 0)
		probe_cat(p->cert_note, sizeof(p->cert_note), "certificate "
		    "expires %s (in %lld day%s)", date, (long long)days,
		    days == 1 ? "" : "s");
	else if (days == 0)
		probe_cat(p->cert_note, sizeof(p->cert_note), "certificate "
		    "expired %s (less than a day ago)", date);
	else
		probe_cat(p->cert_note, sizeof(p->cert_note), "certificate "
		    "expired %s (%lld day%s ago)", date, (long long)days,
		    days == 1 ? "" : "s");
}

/*
 * Names of the service the certificate does not cover, listed as far as
 * they fit, then counted.
 */
static void
probe_names(struct probe *p, X509 *cert)
{
	char	*note = p->cert_note;
	size_t	 i, room = sizeof(p->cert_note), missing = 0, shown = 0;

	for (i = 0; i < p->spec->nnames; i++) {
		const char *name = p->spec->names[i];

		if (probe_covers(cert, name))
			continue;
		if (missing++ == 0)
			probe_cat(note, room, "%s", note[0] != '\0' ?
			    "; does not cover " :
			    "certificate does not cover ");
		/* room kept for " and 999 more" */
		if (shown == missing - 1 &&
		    strlen(note) + 2 + strlen(name) + 16 < room) {
			probe_cat(note, room, "%s%s", shown > 0 ? ", " : "",
			    name);
			shown++;
		}
	}
	if (missing > shown)
		probe_cat(note, room, "%s%zu %s", shown > 0 ? " and " : "",
		    missing - shown, shown > 0 ? "more" : "names");
	if (missing > 0)
		p->cert_warn |= POOL_CERT_NAMES;
	ERR_clear_error();
}

/* What the handshake settled and what the certificate says. */
static void
probe_tls_info(struct probe *p)
{
	const SSL_CIPHER	*c = SSL_get_current_cipher(p->ssl);
	X509			*cert = SSL_get0_peer_certificate(p->ssl);
	const ASN1_TIME		*na;
	struct tm		 tm;

	p->tls_done = 1;
	snprintf(p->tls_version, sizeof(p->tls_version), "%s",
	    SSL_get_version(p->ssl));
	snprintf(p->cipher, sizeof(p->cipher), "%s",
	    c != NULL ? SSL_CIPHER_get_name(c) : "");
	if (cert == NULL) {	/* not with the ciphers offered; still */
		snprintf(p->cert_note, sizeof(p->cert_note), "the backend "
		    "sent no certificate");
		p->cert_warn = p->spec->nnames > 0 ? POOL_CERT_NAMES : 0;
		return;
	}
	memset(&tm, 0, sizeof(tm));
	if ((na = X509_get0_notAfter(cert)) != NULL &&
	    ASN1_TIME_to_tm(na, &tm) == 1) {
		p->not_after = (int64_t)timegm(&tm);
		probe_expiry(p, time(NULL));
	}
	probe_subject(p, cert);
	probe_names(p, cert);
}

/* ------------------------------------------------------------------ http */

/*
 * The status line so far: 1 with the code, 0 for more bytes, -1 when it
 * is none ("HTTP/1.1 200 OK": 13 bytes decide).  Parsed again from the
 * start after each read: at most PROBE_LINE bytes.
 */
static int
probe_status(const char *b, size_t len, int *code)
{
	static const char	pfx[] = "HTTP/";
	size_t			i;

	for (i = 0; i < len && i < 5; i++)
		if (b[i] != pfx[i])
			return -1;
	if (len < 13)
		return memchr(b, '\n', len) != NULL ? -1 : 0;
	if (!isdigit((unsigned char)b[5]) || b[6] != '.' ||
	    !isdigit((unsigned char)b[7]) || b[8] != ' ' ||
	    !isdigit((unsigned char)b[9]) || !isdigit((unsigned char)b[10]) ||
	    !isdigit((unsigned char)b[11]) ||
	    (b[12] != ' ' && b[12] != '\r' && b[12] != '\n'))
		return -1;
	*code = (b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0');
	return 1;
}

/* The first bytes read, printable, for an error message. */
static const char *
probe_quote(const struct probe *p, char *buf, size_t size)
{
	size_t	i;

	for (i = 0; i < p->linelen && i + 1 < size; i++) {
		unsigned char c = (unsigned char)p->line[i];

		if (c == '\r' || c == '\n')
			break;
		buf[i] = c >= 0x20 && c < 0x7f && c != '"' ? (char)c : '?';
	}
	buf[i] = '\0';
	return buf;
}

/* The status line is complete or cannot be one: decide. */
static void
probe_http_done(struct probe *p, int rc)
{
	char	q[PROBE_LINE + 1];
	size_t	i;

	if (rc == -1) {
		probe_fail(p, "not an HTTP response: \"%s\"",
		    probe_quote(p, q, sizeof(q)));
		return;
	}
	if (p->spec->nexpect == 0) {
		if (p->status >= 200 && p->status <= 399) {
			probe_pass(p);
			return;
		}
	} else
		for (i = 0; i < p->spec->nexpect; i++)
			if (p->spec->expect[i] == p->status) {
				probe_pass(p);
				return;
			}
	probe_fail(p, "HTTP status %d", p->status);
}

/* Send the rest of the request; 1: all sent, 0: would block. */
static int
probe_send(struct probe *p)
{
	const char	*req = p->spec->req;
	size_t		 len = p->spec->reqlen;
	ssize_t		 n;
	int		 r, code;

	while (p->sent < len) {
		if (p->ssl != NULL) {
			ERR_clear_error();
			errno = 0;
			r = SSL_write(p->ssl, req + p->sent,
			    (int)(len - p->sent));
			if (r > 0) {
				p->sent += (size_t)r;
				continue;
			}
			code = SSL_get_error(p->ssl, r);
			if (code == SSL_ERROR_WANT_WRITE ||
			    code == SSL_ERROR_WANT_READ)
				return 0;
			probe_fail_ssl(p, r, "sending the request");
			return -1;
		}
		n = send(p->fd, req + p->sent, len - p->sent, MSG_NOSIGNAL);
		if (n >= 0) {
			p->sent += (size_t)n;
			continue;
		}
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return 0;
		probe_fail(p, "sending the request: %s", strerror(errno));
		return -1;
	}
	return 1;
}

/* Read until the status line decides. */
static void
probe_recv(struct probe *p)
{
	ssize_t	n;
	int	r, rc;

	for (;;) {
		size_t room = sizeof(p->line) - p->linelen;

		if (p->ssl != NULL) {
			ERR_clear_error();
			errno = 0;
			r = SSL_read(p->ssl, p->line + p->linelen, (int)room);
			if (r <= 0) {
				int code = SSL_get_error(p->ssl, r);

				if (code == SSL_ERROR_WANT_READ ||
				    code == SSL_ERROR_WANT_WRITE)
					return;
				if (code == SSL_ERROR_ZERO_RETURN)
					n = 0;
				else {
					probe_fail_ssl(p, r, "reading the "
					    "response");
					return;
				}
			} else
				n = r;
		} else if ((n = recv(p->fd, p->line + p->linelen, room, 0)) ==
		    -1) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				probe_fail(p, "reading the response: %s",
				    strerror(errno));
			return;
		}
		if (n == 0) {
			if (p->linelen == 0)
				probe_fail(p, "connection closed before the "
				    "status line");
			else
				probe_http_done(p, -1);
			return;
		}
		p->linelen += (size_t)n;
		if ((rc = probe_status(p->line, p->linelen, &p->status)) != 0) {
			probe_http_done(p, rc);
			return;
		}
	}
}

/* ------------------------------------------------------------ the machine */

/* Connected: on to the next phase, or done for a tcp check. */
static void
probe_connected(struct probe *p)
{
	if (p->spec->pplen > 0)
		p->phase = PROBE_PROXY;
	else if (p->spec->type == CONF_CHECK_TCP)
		probe_pass(p);
	else
		p->phase = p->spec->tls ? PROBE_HANDSHAKE : PROBE_SEND;
}

/*
 * The PROXY header, in the clear before anything else.  1 when out, 0 to
 * wait for the socket, -1 when the probe failed.
 */
static int
probe_send_pp(struct probe *p)
{
	ssize_t	n;

	while (p->sent < p->spec->pplen) {
		n = send(p->fd, p->spec->pp + p->sent, p->spec->pplen -
		    p->sent, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			probe_fail(p, "sending the PROXY header: %s",
			    strerror(errno));
			return -1;
		}
		p->sent += (size_t)n;
	}
	p->sent = 0;
	return 1;
}

/* Run the phases until one would block or the probe is done. */
static void
probe_run(struct probe *p)
{
	int	r;

	for (;;) {
		switch (p->phase) {
		case PROBE_CONNECT:
		case PROBE_DONE:
			return;
		case PROBE_PROXY:
			if (probe_send_pp(p) != 1)
				return;
			if (p->spec->type == CONF_CHECK_TCP) {
				probe_pass(p);
				return;
			}
			p->phase = p->spec->tls ? PROBE_HANDSHAKE : PROBE_SEND;
			break;
		case PROBE_HANDSHAKE:
			ERR_clear_error();
			errno = 0;
			if ((r = SSL_connect(p->ssl)) != 1) {
				int code = SSL_get_error(p->ssl, r);

				if (code != SSL_ERROR_WANT_READ &&
				    code != SSL_ERROR_WANT_WRITE)
					probe_fail_ssl(p, r,
					    "TLS handshake failed");
				return;
			}
			probe_tls_info(p);
			if (p->spec->type == CONF_CHECK_TLS) {
				probe_pass(p);	/* warnings are not down */
				return;
			}
			p->phase = PROBE_SEND;
			break;
		case PROBE_SEND:
			if (probe_send(p) != 1)
				return;
			p->phase = PROBE_RECV;
			break;
		case PROBE_RECV:
			probe_recv(p);
			return;
		}
	}
}

void
probe_event(struct probe *p, uint32_t events)
{
	int		err = 0;
	socklen_t	len = sizeof(err);

	if (p->phase == PROBE_CONNECT) {
		if ((events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) == 0)
			return;
		if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
			err = errno;
		if (err == 0 && (events & (EPOLLERR | EPOLLHUP)) != 0 &&
		    (events & EPOLLOUT) == 0)
			err = ECONNRESET;
		if (err != 0) {
			probe_fail(p, "connect: %s", strerror(err));
			return;
		}
		probe_connected(p);
	}
	probe_run(p);
}

int
probe_start(struct probe *p, const struct probe_spec *spec, SSL_CTX *ctx,
    char *err, size_t errlen)
{
	char	buf[128];

	memset(p, 0, sizeof(*p));
	p->spec = spec;
	p->fd = -1;
	p->phase = PROBE_CONNECT;
	if ((p->fd = socket(spec->addr->sa.sa_family, SOCK_STREAM |
	    SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (spec->tls) {
		if ((p->ssl = SSL_new(ctx)) == NULL ||
		    SSL_set_fd(p->ssl, p->fd) != 1 ||
		    (spec->sni != NULL &&
		    SSL_set_tlsext_host_name(p->ssl, spec->sni) != 1) ||
		    (spec->type == CONF_CHECK_HTTP && SSL_set_alpn_protos(
		    p->ssl, (const unsigned char *)"\x08http/1.1", 9) != 0)) {
			snprintf(err, errlen, "TLS: %s", probe_reason(
			    ERR_peek_error(), buf, sizeof(buf)));
			probe_release(p, 0);
			return -1;
		}
		SSL_set_connect_state(p->ssl);
	}
	if (connect(p->fd, &spec->addr->sa, addr_len(spec->addr)) == 0)
		probe_connected(p);
	else if (errno != EINPROGRESS) {
		/* this host's shortage, not the backend's fault */
		if (errno == EADDRNOTAVAIL || errno == EAGAIN ||
		    errno == ENOBUFS || errno == ENOMEM) {
			snprintf(err, errlen, "connect: %s", strerror(errno));
			probe_release(p, 0);
			return -1;
		}
		probe_fail(p, "connect: %s", strerror(errno));
		return 0;
	}
	probe_run(p);
	return 0;
}
