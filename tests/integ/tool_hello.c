/* SPDX-License-Identifier: ISC */
/*
 * tool_hello: a TLS client for the integration tests, made to send unusual
 * but valid first flights through v6gate to a real TLS backend.  OpenSSL
 * writes the ClientHello into a memory BIO; the tool then re-frames it into
 * records of at most N handshake bytes (RFC 8446 §5.1 allows a handshake
 * message to span any number of records), may pad it with a GREASE
 * extension (RFC 8701) to make it large, and may send it one byte per TCP
 * segment.  It then finishes the handshake, GETs one path and prints the
 * response body to stdout byte for byte.  Stall mode (-s) sends only half
 * of the hello and measures how long the peer takes to close.
 *
 * It does not verify certificates, resolve names, follow redirects or
 * decode chunked bodies: it is a probe, not an HTTP client.
 */

#ifndef _GNU_SOURCE
#define _GNU_SOURCE		/* asprintf */
#endif

#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#define HELLO_CT_HANDSHAKE	22	/* RFC 8446 §5.1 ContentType */
#define HELLO_REC_HEADER	5	/* type(1) version(2) length(2) */
#define HELLO_REC_MAX		16384	/* RFC 8446 §5.1: 2^14 */
#define HELLO_EXT_GREASE	0x5a5a	/* RFC 8701 §2: servers ignore it */
#define HELLO_PAD_MAX		60000	/* extensions<8..2^16-1>, with room */
#define HELLO_HDR_MAX		65536	/* response header block */

enum net_rc {
	NET_OK,			/* got *n > 0 bytes */
	NET_EOF,		/* peer sent FIN */
	NET_RESET,		/* peer sent RST */
	NET_TIMEOUT,		/* the deadline passed first */
};

static const char	*o_name;	/* -n: SNI, or NULL for none */
static const char	*o_path = "/";	/* -g */
static size_t		 o_rec;		/* -r: 0 = as OpenSSL framed it */
static int		 o_bytewise;	/* -b */
static size_t		 o_pad;		/* -p: 0 = no GREASE extension */
static double		 o_stall;	/* -s: 0 = normal mode */
static double		 o_timeout = 10;	/* -t */
static int		 o_verbose;	/* -v */

static int64_t		 deadline;	/* CLOCK_MONOTONIC ms */
static unsigned long	 nsends;	/* send() calls that sent bytes */
static int		 alert_rcvd = -1;	/* last alert from the peer */
static unsigned char	*pad_buf;

static void
usage(void)
{
	fprintf(stderr, "usage: tool_hello [-bv] [-g path] [-n name] "
	    "[-p bytes] [-r n] [-s seconds] [-t seconds] address port\n");
	exit(1);
}

/* Prints "tool_hello: message" on stderr and exits 1. */
static void __attribute__((format(printf, 1, 2), noreturn))
hello_fail(const char *fmt, ...)
{
	va_list	ap;

	fflush(stdout);
	fputs("tool_hello: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static int64_t
now_ms(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Parses an option's number; integer says fractions are refused. */
static double
parse_num(const char *s, double min, double max, int integer,
    const char *what)
{
	char	*end;
	double	 v;

	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max ||
	    (integer && v != (long)v))
		hello_fail("%s: \"%s\" is not %s in %g-%g", what, s,
		    integer ? "an integer" : "a number", min, max);
	return v;
}

/* Custom extension callback: the payload is pad_buf, owned by main(). */
static int
hello_ext_add(SSL *ssl, unsigned int type, const unsigned char **out,
    size_t *outlen, int *al, void *arg)
{
	(void)ssl; (void)type; (void)al; (void)arg;
	*out = pad_buf;
	*outlen = o_pad;
	return 1;
}

/* Remembers the last alert the peer sent, for the error message. */
static void
hello_info(const SSL *ssl, int where, int ret)
{
	(void)ssl;
	if (where & SSL_CB_READ_ALERT)
		alert_rcvd = ret;
}

/* Reports a failed TLS operation: the peer's alert if any, else OpenSSL's. */
static void __attribute__((noreturn))
tls_fail(const char *what)
{
	unsigned long	e;

	if (alert_rcvd != -1)
		hello_fail("%s: TLS alert received: %s", what,
		    SSL_alert_desc_string_long(alert_rcvd));
	if ((e = ERR_peek_last_error()) != 0)
		hello_fail("%s: %s", what, ERR_reason_error_string(e));
	hello_fail("%s failed", what);
}

/*
 * Walks the records OpenSSL wrote and, when o_rec is set, frames the
 * handshake bytes of each run of handshake records again into records of
 * at most o_rec bytes, all with the version of the first record; other
 * records are copied as they are.  Returns the new flight (malloc'd, *len
 * updated) and counts the records before and after.
 */
static unsigned char *
hello_reframe(const unsigned char *in, size_t *len, size_t *nin, size_t *nout)
{
	unsigned char	*out, *run, *p;
	size_t		 off, rlen, runlen = 0, take, i;

	if (*len < HELLO_REC_HEADER)
		hello_fail("OpenSSL wrote no ClientHello record");
	/* Worst case, 1 byte a record: 6 bytes per byte. */
	if ((out = malloc(*len * 6)) == NULL || (run = malloc(*len)) == NULL)
		hello_fail("out of memory");
	p = out;
	*nin = *nout = 0;
	for (off = 0; off <= *len; off += HELLO_REC_HEADER + rlen) {
		rlen = 0;
		if (off < *len) {
			if (*len - off < HELLO_REC_HEADER ||
			    *len - off - HELLO_REC_HEADER <
			    (rlen = (size_t)in[off + 3] << 8 | in[off + 4]))
				hello_fail("OpenSSL wrote a truncated record");
			(*nin)++;
			if (o_rec != 0 && in[off] == HELLO_CT_HANDSHAKE) {
				memcpy(run + runlen, in + off +
				    HELLO_REC_HEADER, rlen);
				runlen += rlen;
				continue;
			}
		}
		/* Flush the handshake run before this record, or at the end. */
		for (i = 0; i < runlen; i += take) {
			take = runlen - i < o_rec ? runlen - i : o_rec;
			*p++ = HELLO_CT_HANDSHAKE;
			*p++ = in[1];
			*p++ = in[2];
			*p++ = take >> 8;
			*p++ = take & 0xff;
			memcpy(p, run + i, take);
			p += take;
			(*nout)++;
		}
		runlen = 0;
		if (off == *len)
			break;
		memcpy(p, in + off, HELLO_REC_HEADER + rlen);
		p += HELLO_REC_HEADER + rlen;
		(*nout)++;
	}
	free(run);
	*len = p - out;
	return out;
}

/* Waits for fd to be ready for events until the deadline. */
static enum net_rc
net_wait(int fd, short events, int64_t until)
{
	struct pollfd	pfd = { .fd = fd, .events = events };
	int64_t		left;
	int		n;

	for (;;) {
		if ((left = until - now_ms()) <= 0)
			return NET_TIMEOUT;
		if ((n = poll(&pfd, 1, left > 1000000 ? 1000000 : left)) > 0)
			return NET_OK;
		if (n == -1 && errno != EINTR)
			hello_fail("poll: %s", strerror(errno));
	}
}

/* Reads what is there, waiting until the deadline. */
static enum net_rc
net_recv(int fd, unsigned char *buf, size_t size, size_t *n, int64_t until)
{
	ssize_t	r;

	for (;;) {
		if ((r = recv(fd, buf, size, 0)) > 0) {
			*n = r;
			return NET_OK;
		}
		if (r == 0)
			return NET_EOF;
		if (errno == ECONNRESET)
			return NET_RESET;
		if (errno != EAGAIN && errno != EINTR)
			hello_fail("recv: %s", strerror(errno));
		if (net_wait(fd, POLLIN, until) == NET_TIMEOUT)
			return NET_TIMEOUT;
	}
}

/* Sends len bytes, one per send() and 1 ms apart when bytewise. */
static void
net_send(int fd, const unsigned char *p, size_t len, int bytewise)
{
	struct timespec	ms = { 0, 1000000 };
	ssize_t		n;
	size_t		off = 0;

	while (off < len) {
		n = send(fd, p + off, bytewise ? 1 : len - off, MSG_NOSIGNAL);
		if (n == -1) {
			if (errno != EAGAIN && errno != EINTR)
				hello_fail("send: %s", strerror(errno));
			if (net_wait(fd, POLLOUT, deadline) == NET_TIMEOUT)
				hello_fail("timeout while sending");
			continue;
		}
		off += n;
		nsends++;
		if (bytewise && off < len)
			nanosleep(&ms, NULL);
	}
}

/* Returns a non-blocking socket connected to addr:port. */
static int
net_connect(const char *addr, const char *port)
{
	struct addrinfo	 hints, *ai;
	socklen_t	 sl = sizeof(int);
	int		 fd, rc, e = 0, one = 1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	parse_num(port, 1, 65535, 1, "port");
	if ((rc = getaddrinfo(addr, port, &hints, &ai)) != 0)
		hello_fail("%s: not an IP address literal (%s)", addr,
		    gai_strerror(rc));
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK, 0);
	if (fd == -1)
		hello_fail("socket: %s", strerror(errno));
	if (o_bytewise &&
	    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == -1)
		hello_fail("TCP_NODELAY: %s", strerror(errno));
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1) {
		if (errno != EINPROGRESS)
			e = errno;
		else if (net_wait(fd, POLLOUT, deadline) == NET_TIMEOUT)
			hello_fail("connect to %s port %s: timeout", addr,
			    port);
		else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &sl) == -1)
			e = errno;
	}
	if (e != 0)
		hello_fail("connect to %s port %s: %s", addr, port,
		    strerror(e));
	freeaddrinfo(ai);
	return fd;
}

/* Sends whatever OpenSSL has written to the memory BIO. */
static void
tls_flush(BIO *wbio, int fd)
{
	unsigned char	buf[16384];
	int		n;

	while ((n = BIO_read(wbio, buf, sizeof(buf))) > 0)
		net_send(fd, buf, n, 0);
}

/*
 * Stall mode: sends the first half of the flight, then waits for the peer
 * to close, reading and dropping anything it sends (an alert, say).
 * Returns the exit status: 0 if it closed, 3 if not.
 */
static int
run_stall(int fd, const unsigned char *flight, size_t len)
{
	unsigned char	buf[4096];
	int64_t		sent;
	size_t		n, half = len / 2 > 0 ? len / 2 : 1;
	enum net_rc	rc;

	net_send(fd, flight, half, o_bytewise);
	sent = now_ms();
	if (o_verbose)
		fprintf(stderr, "stall: sent %zu of %zu bytes in %lu "
		    "send() calls\n", half, len, nsends);
	while ((rc = net_recv(fd, buf, sizeof(buf), &n,
	    sent + (int64_t)(o_stall * 1000))) == NET_OK)
		;
	if (rc == NET_TIMEOUT) {
		printf("still open after %g s\n", o_stall);
		return 3;
	}
	printf("closed after %.1f s\n", (now_ms() - sent) / 1000.0);
	return 0;
}

/*
 * Streams the response body (everything after the first blank line) to
 * stdout.  Takes the response bytes in pieces; checks Content-Length, when
 * there is one, once the stream ends.
 */
static void
http_body(const unsigned char *p, size_t n, int end)
{
	static char	 hdr[HELLO_HDR_MAX + 1];
	static size_t	 hlen, body;
	static long long clen = -1;
	static int	 inbody;
	char		*eoh, *line;
	size_t		 take;

	if (end) {
		if (!inbody)
			hello_fail("peer closed before the end of the "
			    "response header");
		if (clen >= 0 && (long long)body != clen)
			hello_fail("response body is %zu bytes, "
			    "Content-Length says %lld", body, clen);
		return;
	}
	if (!inbody) {
		take = n < HELLO_HDR_MAX - hlen ? n : HELLO_HDR_MAX - hlen;
		memcpy(hdr + hlen, p, take);
		hdr[hlen + take] = '\0';
		if ((eoh = strstr(hdr, "\r\n\r\n")) == NULL) {
			if ((hlen += take) == HELLO_HDR_MAX)
				hello_fail("response header too long");
			return;
		}
		*eoh = '\0';
		if (o_verbose)
			fprintf(stderr, "response: %.*s\n",
			    (int)strcspn(hdr, "\r"), hdr);
		for (line = strstr(hdr, "\r\n"); line != NULL;
		    line = strstr(line + 2, "\r\n"))
			if (strncasecmp(line + 2, "content-length:", 15) == 0)
				clen = strtoll(line + 17, NULL, 10);
		take = eoh + 4 - (hdr + hlen);
		p += take;
		n -= take;
		inbody = 1;
	}
	if (n > 0 && fwrite(p, 1, n, stdout) != n)
		hello_fail("stdout: %s", strerror(errno));
	body += n;
}

/* Finishes the handshake, GETs o_path and prints the body.  Returns 0. */
static int
run_get(int fd, SSL *ssl, BIO *rbio, BIO *wbio, const char *host)
{
	unsigned char	 buf[16384];
	char		*req;
	size_t		 n;
	int		 r, len;
	enum net_rc	 rc;

	while ((r = SSL_do_handshake(ssl)) != 1) {
		tls_flush(wbio, fd);
		if (SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ)
			tls_fail("TLS handshake");
		rc = net_recv(fd, buf, sizeof(buf), &n, deadline);
		if (rc == NET_EOF)
			hello_fail("peer closed during handshake");
		if (rc == NET_RESET)
			hello_fail("connection reset during handshake");
		if (rc == NET_TIMEOUT)
			hello_fail("timeout during handshake");
		BIO_write(rbio, buf, n);
	}
	tls_flush(wbio, fd);
	if (o_verbose)
		fprintf(stderr, "negotiated: %s %s\n", SSL_get_version(ssl),
		    SSL_get_cipher_name(ssl));

	len = asprintf(&req, "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "Connection: close\r\n\r\n", o_path, host);
	if (len == -1)
		hello_fail("out of memory");
	if (SSL_write(ssl, req, len) != len)
		tls_fail("TLS write");
	free(req);
	tls_flush(wbio, fd);

	for (;;) {
		if ((r = SSL_read(ssl, buf, sizeof(buf))) > 0) {
			http_body(buf, r, 0);
			continue;
		}
		if (SSL_get_error(ssl, r) == SSL_ERROR_ZERO_RETURN)
			break;		/* close_notify */
		if (SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ)
			tls_fail("TLS read");
		tls_flush(wbio, fd);	/* a KeyUpdate reply, say */
		rc = net_recv(fd, buf, sizeof(buf), &n, deadline);
		if (rc == NET_TIMEOUT)
			hello_fail("timeout waiting for the response");
		if (rc != NET_OK)
			break;		/* FIN or RST: http_body() judges */
		BIO_write(rbio, buf, n);
	}
	http_body(NULL, 0, 1);
	if (fflush(stdout) == EOF)
		hello_fail("stdout: %s", strerror(errno));
	return 0;
}

int
main(int argc, char **argv)
{
	SSL_CTX		*ctx;
	SSL		*ssl;
	BIO		*rbio, *wbio;
	unsigned char	*raw, *flight;
	size_t		 rawlen, len, nin, nout;
	char		*host;
	int		 ch, fd, r, status;

	while ((ch = getopt(argc, argv, "bg:n:p:r:s:t:v")) != -1) {
		switch (ch) {
		case 'b': o_bytewise = 1; break;
		case 'g': o_path = optarg; break;
		case 'n': o_name = optarg; break;
		case 'p': o_pad = parse_num(optarg, 0, HELLO_PAD_MAX, 1, "-p");
			break;
		case 'r': o_rec = parse_num(optarg, 1, HELLO_REC_MAX, 1, "-r");
			break;
		case 's': o_stall = parse_num(optarg, 0.001, 86400, 0, "-s");
			break;
		case 't': o_timeout = parse_num(optarg, 0.001, 86400, 0, "-t");
			break;
		case 'v': o_verbose = 1; break;
		default: usage();
		}
	}
	if (argc - optind != 2)
		usage();
	deadline = now_ms() + (int64_t)(o_timeout * 1000);

	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		tls_fail("SSL_CTX_new");
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	SSL_CTX_set_info_callback(ctx, hello_info);
	/*
	 * Heads up: SSL_CTX_add_client_custom_ext() registers the extension
	 * as TLS 1.2-and-below only, yet OpenSSL 3.0 puts it in every
	 * ClientHello, TLS 1.3 ones included (the hello grows by BYTES + 4).
	 */
	if (o_pad > 0) {
		if ((pad_buf = calloc(1, o_pad)) == NULL)
			hello_fail("out of memory");
		if (SSL_CTX_add_client_custom_ext(ctx, HELLO_EXT_GREASE,
		    hello_ext_add, NULL, NULL, NULL, NULL) != 1)
			tls_fail("SSL_CTX_add_client_custom_ext");
	}
	if ((ssl = SSL_new(ctx)) == NULL ||
	    (rbio = BIO_new(BIO_s_mem())) == NULL ||
	    (wbio = BIO_new(BIO_s_mem())) == NULL)
		tls_fail("SSL_new");
	SSL_set_bio(ssl, rbio, wbio);	/* ssl owns both BIOs now */
	if (o_name != NULL && SSL_set_tlsext_host_name(ssl, o_name) != 1)
		tls_fail("SSL_set_tlsext_host_name");

	/* With nothing to read, the first call writes the hello and stops. */
	if ((r = SSL_connect(ssl)) == 1 ||
	    SSL_get_error(ssl, r) != SSL_ERROR_WANT_READ)
		tls_fail("SSL_connect");
	rawlen = BIO_pending(wbio);
	if ((raw = malloc(rawlen ? rawlen : 1)) == NULL)
		hello_fail("out of memory");
	if (BIO_read(wbio, raw, rawlen) != (int)rawlen)
		hello_fail("BIO_read: short read from the write BIO");
	len = rawlen;
	flight = hello_reframe(raw, &len, &nin, &nout);
	if (o_verbose)
		fprintf(stderr, "hello: %zu bytes in %zu record(s) from "
		    "OpenSSL; sending %zu bytes in %zu record(s)\n", rawlen,
		    nin, len, nout);

	/* RFC 9110 §7.2: an IPv6 literal goes in brackets. */
	if (asprintf(&host, o_name != NULL || !strchr(argv[optind], ':') ?
	    "%s" : "[%s]", o_name != NULL ? o_name : argv[optind]) == -1)
		hello_fail("out of memory");

	fd = net_connect(argv[optind], argv[optind + 1]);
	if (o_stall > 0)
		status = run_stall(fd, flight, len);
	else {
		net_send(fd, flight, len, o_bytewise);
		if (o_verbose)
			fprintf(stderr, "first flight: %lu send() calls\n",
			    nsends);
		status = run_get(fd, ssl, rbio, wbio, host);
	}
	free(host);
	free(raw);
	free(flight);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	free(pad_buf);
	close(fd);
	return status;
}
