/* SPDX-License-Identifier: ISC */
/*
 * Unit tests for the HTTP/1.x request-head parser (src/proxy/http.c).  Each
 * case is fed whole, split in two at every point, and one byte at a time;
 * all three must give the same result, since a client's head can arrive in
 * any number of reads.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "proxy/http.h"

struct tcase {
	const char	*name;
	const char	*in;
	size_t		 len;		/* of in; NULs allowed */
	enum http_rc	 rc;
	enum http_err	 err;
	const char	*host;		/* after HTTP_DONE */
	uint16_t	 port;
	int		 minor;		/* after HTTP_DONE */
};

/* in is a string literal, which may contain NULs */
#define OK(n, in, host, port, minor)					\
	{ n, in, sizeof(in) - 1, HTTP_DONE, HTTP_E_NONE, host, port, minor }
#define FAIL(n, in, err)						\
	{ n, in, sizeof(in) - 1, HTTP_ERROR, err, "", 0, 0 }
#define AGAIN(n, in)							\
	{ n, in, sizeof(in) - 1, HTTP_AGAIN, HTTP_E_NONE, NULL, 0, 0 }

#define CURL_7_88							\
	"GET /index.html HTTP/1.1\r\n"					\
	"Host: www.example.com\r\n"					\
	"User-Agent: curl/7.88.1\r\n"					\
	"Accept: */*\r\n"						\
	"\r\n"

#define CURL_7_88_POST							\
	"POST /api/v1/items?x=1 HTTP/1.1\r\n"				\
	"Host: api.example.com:8080\r\n"				\
	"User-Agent: curl/7.88.1\r\n"					\
	"Accept: */*\r\n"						\
	"Content-Type: application/json\r\n"				\
	"Content-Length: 13\r\n"					\
	"\r\n"								\
	"{\"a\":\"hello\"}"

/* curl -x http://proxy:3128 http://www.example.com/ (absolute-form) */
#define CURL_7_88_PROXY							\
	"GET http://www.example.com/ HTTP/1.1\r\n"			\
	"Host: www.example.com\r\n"					\
	"User-Agent: curl/7.88.1\r\n"					\
	"Accept: */*\r\n"						\
	"Proxy-Connection: Keep-Alive\r\n"				\
	"\r\n"

#define FIREFOX								\
	"GET /docs/?q=v6gate&lang=en HTTP/1.1\r\n"			\
	"Host: Docs.Example.ORG\r\n"					\
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) "	\
	"Gecko/20100101 Firefox/128.0\r\n"				\
	"Accept: text/html,application/xhtml+xml,application/xml;"	\
	"q=0.9,image/avif,image/webp,image/png,image/svg+xml,*/*;q=0.8\r\n" \
	"Accept-Language: en-US,en;q=0.5\r\n"				\
	"Accept-Encoding: gzip, deflate\r\n"				\
	"Connection: keep-alive\r\n"					\
	"Cookie: session=3f2a9c; theme=dark\r\n"			\
	"Upgrade-Insecure-Requests: 1\r\n"				\
	"Priority: u=0, i\r\n"						\
	"\r\n"

#define CHROME								\
	"GET / HTTP/1.1\r\n"						\
	"Host: [2001:db8:0:0::80]:8080\r\n"				\
	"Connection: keep-alive\r\n"					\
	"Upgrade-Insecure-Requests: 1\r\n"				\
	"User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) "	\
	"AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 "	\
	"Safari/537.36\r\n"						\
	"Accept: text/html,application/xhtml+xml,application/xml;"	\
	"q=0.9,"							\
	"image/avif,image/webp,image/apng,*/*;q=0.8,"			\
	"application/signed-exchange;v=b3;q=0.7\r\n"			\
	"Accept-Encoding: gzip, deflate\r\n"				\
	"Accept-Language: de-DE,de;q=0.9,en;q=0.8\r\n"			\
	"\r\n"

static const struct tcase cases[] = {
	/* the basics */
	OK("simple GET", "GET / HTTP/1.1\r\nHost: a.example\r\n\r\n",
	    "a.example", 0, 1),
	OK("host with port", "GET / HTTP/1.1\r\nHost: a.example:8080\r\n\r\n",
	    "a.example", 8080, 1),
	OK("port 65535", "GET / HTTP/1.1\r\nHost: a.example:65535\r\n\r\n",
	    "a.example", 65535, 1),
	OK("port leading zeros", "GET / HTTP/1.1\r\nHost: a.example:080\r\n"
	    "\r\n", "a.example", 80, 1),
	OK("empty port", "GET / HTTP/1.1\r\nHost: a.example:\r\n\r\n",
	    "a.example", 0, 1),
	OK("mixed case", "GET / HTTP/1.1\r\nhOsT: WWW.Example.COM\r\n\r\n",
	    "www.example.com", 0, 1),
	OK("HOST upper", "GET / HTTP/1.1\r\nHOST: a.example\r\n\r\n",
	    "a.example", 0, 1),
	OK("underscore", "GET / HTTP/1.1\r\nHost: my_host.a-b.example\r\n\r\n",
	    "my_host.a-b.example", 0, 1),
	OK("trailing dot", "GET / HTTP/1.1\r\nHost: a.example.\r\n\r\n",
	    "a.example", 0, 1),
	OK("trailing dot, port", "GET / HTTP/1.1\r\nHost: a.example.:81\r\n"
	    "\r\n", "a.example", 81, 1),
	OK("OWS around Host", "GET / HTTP/1.1\r\nHost: \t a.example \t \r\n"
	    "\r\n", "a.example", 0, 1),
	OK("no OWS", "GET / HTTP/1.1\r\nHost:a.example\r\n\r\n",
	    "a.example", 0, 1),
	OK("Host not first", "GET / HTTP/1.1\r\nAccept: */*\r\nX: y\r\n"
	    "Host: a.example\r\nZ: \r\n\r\n", "a.example", 0, 1),
	OK("single label", "GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
	    "localhost", 0, 1),

	/* IP literals */
	OK("IPv6", "GET / HTTP/1.1\r\nHost: [2001:DB8::1]\r\n\r\n",
	    "2001:db8::1", 0, 1),
	OK("IPv6 port", "GET / HTTP/1.1\r\nHost: [2001:db8::1]:8443\r\n\r\n",
	    "2001:db8::1", 8443, 1),
	OK("IPv6 canonical", "GET / HTTP/1.1\r\nHost: [2001:0db8:0:0:0::1]\r\n"
	    "\r\n", "2001:db8::1", 0, 1),
	OK("IPv6 v4-mapped", "GET / HTTP/1.1\r\nHost: [::ffff:192.0.2.1]\r\n"
	    "\r\n", "::ffff:192.0.2.1", 0, 1),
	OK("IPv6 loopback", "GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n",
	    "::1", 80, 1),
	OK("IPv4", "GET / HTTP/1.1\r\nHost: 192.0.2.1\r\n\r\n",
	    "192.0.2.1", 0, 1),
	OK("IPv4 port", "GET / HTTP/1.1\r\nHost: 192.0.2.1:8080\r\n\r\n",
	    "192.0.2.1", 8080, 1),
	FAIL("IPv4 octet > 255", "GET / HTTP/1.1\r\nHost: 192.0.2.256\r\n\r\n",
	    HTTP_E_BAD_HOST),
	FAIL("IPv4 leading zero", "GET / HTTP/1.1\r\nHost: 010.0.2.1\r\n\r\n",
	    HTTP_E_BAD_HOST),
	FAIL("IPv4 three parts", "GET / HTTP/1.1\r\nHost: 192.0.2\r\n\r\n",
	    HTTP_E_BAD_HOST),
	FAIL("numeric TLD", "GET / HTTP/1.1\r\nHost: a.example.123\r\n\r\n",
	    HTTP_E_BAD_HOST),
	FAIL("IPv6 unbracketed", "GET / HTTP/1.1\r\nHost: 2001:db8::1\r\n\r\n",
	    HTTP_E_BAD_HOST),
	FAIL("IPv6 unclosed", "GET / HTTP/1.1\r\nHost: [2001:db8::1\r\n\r\n",
	    HTTP_E_BAD_HOST),
	FAIL("IPv6 bad", "GET / HTTP/1.1\r\nHost: [2001:db8:::1]\r\n\r\n",
	    HTTP_E_BAD_HOST),
	FAIL("IPv6 bad char", "GET / HTTP/1.1\r\nHost: [2001:dg8::1]\r\n\r\n",
	    HTTP_E_BAD_HOST),
	FAIL("IPv6 zone", "GET / HTTP/1.1\r\nHost: [fe80::1%25eth0]\r\n\r\n",
	    HTTP_E_BAD_HOST),
	FAIL("IPv6 empty", "GET / HTTP/1.1\r\nHost: []\r\n\r\n",
	    HTTP_E_BAD_HOST),
	FAIL("IPv6 junk after", "GET / HTTP/1.1\r\nHost: [::1]x\r\n\r\n",
	    HTTP_E_BAD_HOST),
	FAIL("IPvFuture", "GET / HTTP/1.1\r\nHost: [v1.x]\r\n\r\n",
	    HTTP_E_BAD_HOST),

	/* absolute-form, RFC 9112 §3.2.2 */
	OK("absolute-form", "GET http://a.example/x HTTP/1.1\r\n"
	    "Host: a.example\r\n\r\n", "a.example", 0, 1),
	OK("absolute-form wins", "GET http://a.example/x HTTP/1.1\r\n"
	    "Host: b.example:81\r\n\r\n", "a.example", 0, 1),
	OK("absolute-form port", "GET HTTP://A.Example:8080?q=1 HTTP/1.1\r\n"
	    "Host: a.example:8080\r\n\r\n", "a.example", 8080, 1),
	OK("absolute-form no path", "GET http://a.example HTTP/1.1\r\n"
	    "Host: a.example\r\n\r\n", "a.example", 0, 1),
	OK("absolute-form IPv6", "GET http://[2001:db8::2]:81/ HTTP/1.1\r\n"
	    "Host: [2001:db8::2]:81\r\n\r\n", "2001:db8::2", 81, 1),
	OK("absolute-form 1.0", "GET http://a.example/ HTTP/1.0\r\n\r\n",
	    "a.example", 0, 0),
	OK("absolute-form, empty Host", "GET http://a.example/ HTTP/1.1\r\n"
	    "Host:\r\n\r\n", "a.example", 0, 1),
	OK("absolute-form, Host then", "GET http://a.example/ HTTP/1.1\r\n"
	    "Host: 192.0.2.999\r\n\r\n", "a.example", 0, 1),
	FAIL("absolute-form, 1.1 no Host", "GET http://a.example/ HTTP/1.1\r\n"
	    "\r\n", HTTP_E_NO_HOST),
	FAIL("absolute-form, bad Host", "GET http://a.example/ HTTP/1.1\r\n"
	    "Host: b!.example\r\n\r\n", HTTP_E_BAD_HOST),
	FAIL("absolute-form, dup Host", "GET http://a.example/ HTTP/1.1\r\n"
	    "Host: a.example\r\nHost: a.example\r\n\r\n", HTTP_E_DUP_HOST),
	FAIL("absolute-form, bad host", "GET http://a!b/ HTTP/1.1\r\n"
	    "Host: a.example\r\n\r\n", HTTP_E_BAD_HOST),
	FAIL("absolute-form, empty host", "GET http:///x HTTP/1.1\r\n"
	    "Host: a.example\r\n\r\n", HTTP_E_BAD_HOST),
	FAIL("absolute-form, userinfo", "GET http://u:p@a.example/ HTTP/1.1\r\n"
	    "Host: a.example\r\n\r\n", HTTP_E_BAD_HOST),
	FAIL("absolute-form, https", "GET https://a.example/ HTTP/1.1\r\n"
	    "Host: a.example\r\n\r\n", HTTP_E_MALFORMED),
	FAIL("absolute-form, ftp", "GET ftp://a.example/ HTTP/1.1\r\n"
	    "Host: a.example\r\n\r\n", HTTP_E_MALFORMED),
	FAIL("authority-form without CONNECT", "GET a.example:80 HTTP/1.1\r\n"
	    "Host: a.example\r\n\r\n", HTTP_E_MALFORMED),
	FAIL("CONNECT", "CONNECT a.example:443 HTTP/1.1\r\n"
	    "Host: a.example:443\r\n\r\n", HTTP_E_MALFORMED),
	OK("CONNECTX is a method", "CONNECTX / HTTP/1.1\r\n"
	    "Host: a.example\r\n\r\n", "a.example", 0, 1),
	OK("CONNEC is a method", "CONNEC / HTTP/1.1\r\n"
	    "Host: a.example\r\n\r\n", "a.example", 0, 1),
	OK("asterisk-form", "OPTIONS * HTTP/1.1\r\nHost: a.example\r\n\r\n",
	    "a.example", 0, 1),
	FAIL("asterisk junk", "OPTIONS *x HTTP/1.1\r\nHost: a.example\r\n\r\n",
	    HTTP_E_MALFORMED),

	/* Host presence and uniqueness, RFC 9112 §3.2 */
	OK("1.0 without Host", "GET / HTTP/1.0\r\n\r\n", "", 0, 0),
	OK("1.0 with Host", "GET / HTTP/1.0\r\nHost: a.example\r\n\r\n",
	    "a.example", 0, 0),
	OK("1.0 empty Host", "GET / HTTP/1.0\r\nHost: \r\n\r\n", "", 0, 0),
	FAIL("1.1 without Host", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n",
	    HTTP_E_NO_HOST),
	FAIL("1.1 no fields", "GET / HTTP/1.1\r\n\r\n", HTTP_E_NO_HOST),
	FAIL("duplicate Host", "GET / HTTP/1.1\r\nHost: a.example\r\n"
	    "Host: a.example\r\n\r\n", HTTP_E_DUP_HOST),
	FAIL("duplicate Host, case", "GET / HTTP/1.1\r\nHost: a.example\r\n"
	    "X: y\r\nhost: b.example\r\n\r\n", HTTP_E_DUP_HOST),
	FAIL("duplicate Host, 1.0", "GET / HTTP/1.0\r\nHost:\r\n"
	    "Host: a.example\r\n\r\n", HTTP_E_DUP_HOST),
	FAIL("empty Host", "GET / HTTP/1.1\r\nHost:\r\n\r\n", HTTP_E_BAD_HOST),
	FAIL("blank Host", "GET / HTTP/1.1\r\nHost:  \t \r\n\r\n",
	    HTTP_E_BAD_HOST),
	FAIL("Host with space", "GET / HTTP/1.1\r\nHost: a example\r\n\r\n",
	    HTTP_E_BAD_HOST),
	FAIL("Host bad char", "GET / HTTP/1.1\r\nHost: a!b.example\r\n\r\n",
	    HTTP_E_BAD_HOST),
	FAIL("Host pct", "GET / HTTP/1.1\r\nHost: a%2eexample\r\n\r\n",
	    HTTP_E_BAD_HOST),
	FAIL("Host userinfo", "GET / HTTP/1.1\r\nHost: u@a.example\r\n\r\n",
	    HTTP_E_BAD_HOST),
	FAIL("Host with path", "GET / HTTP/1.1\r\nHost: a.example/x\r\n\r\n",
	    HTTP_E_BAD_HOST),
	FAIL("Host UTF-8", "GET / HTTP/1.1\r\nHost: b\xc3\xbc.example\r\n\r\n",
	    HTTP_E_BAD_HOST),
	FAIL("Host two dots", "GET / HTTP/1.1\r\nHost: a.example..\r\n\r\n",
	    HTTP_E_BAD_HOST),
	FAIL("Host dot", "GET / HTTP/1.1\r\nHost: .\r\n\r\n", HTTP_E_BAD_HOST),
	FAIL("Host leading dot", "GET / HTTP/1.1\r\nHost: .a.example\r\n\r\n",
	    HTTP_E_BAD_HOST),
	FAIL("Host empty label", "GET / HTTP/1.1\r\nHost: a..example\r\n\r\n",
	    HTTP_E_BAD_HOST),
	FAIL("Host port only", "GET / HTTP/1.1\r\nHost: :80\r\n\r\n",
	    HTTP_E_BAD_HOST),
	FAIL("Host port 0", "GET / HTTP/1.1\r\nHost: a.example:0\r\n\r\n",
	    HTTP_E_BAD_HOST),
	FAIL("Host port 65536", "GET / HTTP/1.1\r\nHost: a.example:65536\r\n"
	    "\r\n", HTTP_E_BAD_HOST),
	FAIL("Host port 6 digits", "GET / HTTP/1.1\r\n"
	    "Host: a.example:000080\r\n\r\n", HTTP_E_BAD_HOST),
	FAIL("Host port letters", "GET / HTTP/1.1\r\nHost: a.example:8o\r\n"
	    "\r\n", HTTP_E_BAD_HOST),
	FAIL("Host two ports", "GET / HTTP/1.1\r\nHost: a.example:80:80\r\n"
	    "\r\n", HTTP_E_BAD_HOST),
	FAIL("Host NUL", "GET / HTTP/1.1\r\nHost: a\0b\r\n\r\n",
	    HTTP_E_BAD_HOST),
	FAIL("Host label > 63", "GET / HTTP/1.1\r\nHost: "
	    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	    ".example\r\n\r\n", HTTP_E_BAD_HOST),

	/* names that are not Host */
	FAIL("Hostname is not Host", "GET / HTTP/1.1\r\nHostname: a.example\r\n"
	    "\r\n", HTTP_E_NO_HOST),
	FAIL("X-Host is not Host", "GET / HTTP/1.1\r\nX-Host: a.example\r\n"
	    "\r\n", HTTP_E_NO_HOST),
	FAIL("Hos is not Host", "GET / HTTP/1.1\r\nHos: a.example\r\n\r\n",
	    HTTP_E_NO_HOST),
	FAIL("X-Forwarded-Host is not Host", "GET / HTTP/1.1\r\n"
	    "X-Forwarded-Host: a.example\r\n\r\n", HTTP_E_NO_HOST),
	OK("Hostname beside Host", "GET / HTTP/1.1\r\nHostname: x.example\r\n"
	    "Host: a.example\r\nX-Host: y.example\r\nHost-Name: z\r\n\r\n",
	    "a.example", 0, 1),

	/* line endings, RFC 9112 §2.2 */
	OK("LF only", "GET / HTTP/1.1\nHost: a.example\n\n", "a.example", 0, 1),
	OK("mixed CRLF and LF", "GET / HTTP/1.1\nHost: a.example\r\nX: y\n\r\n",
	    "a.example", 0, 1),
	OK("leading empty lines", "\r\n\nGET / HTTP/1.1\r\nHost: a.example\r\n"
	    "\r\n", "a.example", 0, 1),
	FAIL("bare CR in request line", "GET / HTTP/1.1\rHost: a\r\n\r\n",
	    HTTP_E_MALFORMED),
	FAIL("bare CR in value", "GET / HTTP/1.1\r\nX: a\rb\r\nHost: a\r\n\r\n",
	    HTTP_E_MALFORMED),
	FAIL("bare CR in Host", "GET / HTTP/1.1\r\nHost: a.example\rb\r\n\r\n",
	    HTTP_E_MALFORMED),
	FAIL("bare CR ending head", "GET / HTTP/1.1\r\nHost: a\r\n\rX",
	    HTTP_E_MALFORMED),
	FAIL("CR CR LF", "GET / HTTP/1.1\r\r\n", HTTP_E_MALFORMED),
	FAIL("bare CR first", "\r\x16\x03\x01", HTTP_E_NOT_HTTP),

	/* field syntax */
	FAIL("obs-fold", "GET / HTTP/1.1\r\nHost: a.example\r\n b\r\n\r\n",
	    HTTP_E_MALFORMED),
	FAIL("obs-fold tab", "GET / HTTP/1.1\r\nX: a\r\n\tb\r\nHost: a\r\n\r\n",
	    HTTP_E_MALFORMED),
	FAIL("SP before first field", "GET / HTTP/1.1\r\n Host: a\r\n\r\n",
	    HTTP_E_MALFORMED),
	FAIL("SP before colon", "GET / HTTP/1.1\r\nHost : a.example\r\n\r\n",
	    HTTP_E_MALFORMED),
	FAIL("empty field name", "GET / HTTP/1.1\r\n: a\r\nHost: a\r\n\r\n",
	    HTTP_E_MALFORMED),
	FAIL("no colon", "GET / HTTP/1.1\r\nHost a.example\r\n\r\n",
	    HTTP_E_MALFORMED),
	FAIL("bad name char", "GET / HTTP/1.1\r\nX(y): a\r\nHost: a\r\n\r\n",
	    HTTP_E_MALFORMED),
	FAIL("NUL in value", "GET / HTTP/1.1\r\nX: a\0b\r\nHost: a\r\n\r\n",
	    HTTP_E_MALFORMED),
	OK("obs-text in value", "GET / HTTP/1.1\r\nX: caf\xc3\xa9\x01\r\n"
	    "Host: a.example\r\n\r\n", "a.example", 0, 1),

	/* request line */
	OK("lower-case method", "get / HTTP/1.1\r\nHost: a.example\r\n\r\n",
	    "a.example", 0, 1),
	OK("method 32", "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF / HTTP/1.1\r\n"
	    "Host: a.example\r\n\r\n", "a.example", 0, 1),
	FAIL("method 33", "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFG / HTTP/1.1\r\n"
	    "Host: a.example\r\n\r\n", HTTP_E_NOT_HTTP),
	FAIL("garbage method", "G(T / HTTP/1.1\r\nHost: a\r\n\r\n",
	    HTTP_E_NOT_HTTP),
	FAIL("method then CRLF", "GET\r\n\r\n", HTTP_E_NOT_HTTP),
	FAIL("leading SP", " GET / HTTP/1.1\r\n\r\n", HTTP_E_NOT_HTTP),
	FAIL("SSH banner", "SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n",
	    HTTP_E_NOT_HTTP),
	FAIL("HTTP/0.9", "GET /\r\n", HTTP_E_NOT_HTTP),
	FAIL("RTSP", "OPTIONS * RTSP/1.0\r\nCSeq: 1\r\n\r\n", HTTP_E_NOT_HTTP),
	FAIL("h2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", HTTP_E_NOT_HTTP),
	FAIL("HTTP/2.0", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", HTTP_E_NOT_HTTP),
	FAIL("lower-case version", "GET / http/1.1\r\nHost: a\r\n\r\n",
	    HTTP_E_NOT_HTTP),
	FAIL("HTTP/1.2", "GET / HTTP/1.2\r\nHost: a\r\n\r\n", HTTP_E_MALFORMED),
	FAIL("HTTP/1.10", "GET / HTTP/1.10\r\nHost: a\r\n\r\n",
	    HTTP_E_MALFORMED),
	FAIL("HTTP/1", "GET / HTTP/1\r\nHost: a\r\n\r\n", HTTP_E_MALFORMED),
	FAIL("SP after version", "GET / HTTP/1.1 \r\nHost: a\r\n\r\n",
	    HTTP_E_MALFORMED),
	FAIL("two SP", "GET  / HTTP/1.1\r\nHost: a\r\n\r\n", HTTP_E_MALFORMED),
	FAIL("SP in target", "GET /a b HTTP/1.1\r\nHost: a\r\n\r\n",
	    HTTP_E_NOT_HTTP),
	FAIL("tab in target", "GET /a\tb HTTP/1.1\r\nHost: a\r\n\r\n",
	    HTTP_E_MALFORMED),
	FAIL("relative target", "GET a/b HTTP/1.1\r\nHost: a\r\n\r\n",
	    HTTP_E_MALFORMED),
	FAIL("target h", "GET h HTTP/1.1\r\nHost: a\r\n\r\n",
	    HTTP_E_MALFORMED),
	FAIL("target h, CRLF", "GET h\r\nHost: a\r\n\r\n", HTTP_E_NOT_HTTP),
	FAIL("https target, HTTP/2", "GET https://a/ HTTP/2.0\r\n\r\n",
	    HTTP_E_NOT_HTTP),
	FAIL("SSH banner, no comment", "SSH-2.0-OpenSSH_9.2p1\r\n",
	    HTTP_E_NOT_HTTP),
	FAIL("SMTP", "EHLO mail.example\r\n", HTTP_E_NOT_HTTP),
	OK("UTF-8 target", "GET /caf\xc3\xa9 HTTP/1.1\r\nHost: a.example\r\n"
	    "\r\n", "a.example", 0, 1),

	/* not HTTP at all */
	FAIL("TLS ClientHello", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
	    HTTP_E_NOT_HTTP),
	FAIL("SSLv2 hello", "\x80\x2e\x01\x00\x02", HTTP_E_NOT_HTTP),
	FAIL("NUL", "\0", HTTP_E_NOT_HTTP),

	/* what follows the head is not looked at */
	OK("body after head", CURL_7_88_POST, "api.example.com", 8080, 1),
	OK("binary body", "POST / HTTP/1.1\r\nHost: a.example\r\n"
	    "Content-Length: 4\r\n\r\n\x16\x03\0\r", "a.example", 0, 1),
	OK("pipelined", "GET / HTTP/1.1\r\nHost: a.example\r\n\r\n"
	    "GET / HTTP/1.1\r\nHost: b.example\r\n\r\n", "a.example", 0, 1),
	OK("garbage after head", "GET / HTTP/1.1\r\nHost: a.example\r\n\r\n"
	    "\r\rHost: b\n", "a.example", 0, 1),

	/* incomplete */
	AGAIN("nothing", ""),
	AGAIN("empty lines only", "\r\n\r\n\n"),
	AGAIN("method", "GET"),
	AGAIN("request line", "GET / HTTP/1.1\r\n"),
	AGAIN("no empty line", "GET / HTTP/1.1\r\nHost: a.example\r\n"),
	AGAIN("CR of the empty line", "GET / HTTP/1.1\r\nHost: a.example\r\n"
	    "\r"),
	AGAIN("h2 preface start", "PRI * HTTP/"),

	/* real clients */
	OK("curl 7.88", CURL_7_88, "www.example.com", 0, 1),
	OK("curl 7.88 -0", "GET / HTTP/1.0\r\nHost: www.example.com\r\n"
	    "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n",
	    "www.example.com", 0, 0),
	OK("curl 7.88 -6 [::1]", "GET / HTTP/1.1\r\nHost: [::1]:8080\r\n"
	    "User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n", "::1", 8080, 1),
	OK("curl 7.88 proxy", CURL_7_88_PROXY, "www.example.com", 0, 1),
	OK("Firefox", FIREFOX, "docs.example.org", 0, 1),
	OK("Chrome", CHROME, "2001:db8::80", 8080, 1),
};

static enum http_rc
t_feed_split(struct http_parser *p, const uint8_t *in, size_t len,
    size_t split)
{
	http_init(p);
	(void)http_feed(p, in, split);
	return http_feed(p, in + split, len - split);
}

static enum http_rc
t_feed_bytes(struct http_parser *p, const uint8_t *in, size_t len)
{
	enum http_rc	rc = HTTP_AGAIN;
	size_t		i;

	http_init(p);
	for (i = 0; i < len; i++)
		rc = http_feed(p, in + i, 1);
	/* An empty call must change nothing either. */
	if (http_feed(p, in, 0) != rc)
		return (enum http_rc)-1;
	return rc;
}

/* Does a run agree with the expected result? */
static int
t_same(const struct tcase *tc, const struct http_parser *p, enum http_rc rc)
{
	if (rc != tc->rc || p->err != tc->err)
		return 0;
	if (rc == HTTP_AGAIN)
		return 1;
	return strcmp(p->host, tc->host) == 0 &&
	    p->hostlen == strlen(tc->host) && p->port == tc->port &&
	    (rc == HTTP_ERROR || p->minor == tc->minor);
}

static void
t_case(const struct tcase *tc, const uint8_t *in, size_t len)
{
	struct http_parser	p;
	enum http_rc		rc;
	size_t			split, bad = 0;

	/* Whole, with detailed messages. */
	http_init(&p);
	rc = http_feed(&p, in, len);
	if (rc != tc->rc || p.err != tc->err || !t_same(tc, &p, rc))
		fprintf(stderr, "case \"%s\", whole:\n", tc->name);
	CHECK_INT(rc, tc->rc);
	CHECK_STR(http_strerror(p.err), http_strerror(tc->err));
	if (tc->rc != HTTP_AGAIN) {
		CHECK_STR(p.host, tc->host);
		CHECK_INT(p.hostlen, strlen(tc->host));
		CHECK_INT(p.port, tc->port);
	}
	if (tc->rc == HTTP_DONE)
		CHECK_INT(p.minor, tc->minor);

	/* Done or failed stays so. */
	if (rc != HTTP_AGAIN) {
		CHECK_INT(http_feed(&p, (const uint8_t *)"\r\n\r\n", 4), rc);
		CHECK(t_same(tc, &p, rc));
	}

	for (split = 0; split <= len; split++) {
		rc = t_feed_split(&p, in, len, split);
		if (!t_same(tc, &p, rc) && bad++ == 0)
			fprintf(stderr, "case \"%s\": split at %zu: rc %d "
			    "err %s host \"%s\"\n", tc->name, split, rc,
			    http_strerror(p.err), p.host);
	}
	CHECK(bad == 0);

	rc = t_feed_bytes(&p, in, len);
	if (!t_same(tc, &p, rc))
		fprintf(stderr, "case \"%s\": byte by byte: rc %d err %s "
		    "host \"%s\"\n", tc->name, rc, http_strerror(p.err),
		    p.host);
	CHECK(t_same(tc, &p, rc));
}

/*
 * Heads built at run time: the size limits, and host names at the length
 * limits.  buf must hold HTTP_HEAD_MAX + 64 bytes.
 */
static size_t
t_head_of(char *buf, const char *first, size_t total)
{
	size_t	len;

	/* first + "X: aaa...\r\n" + "\r\n" == total bytes */
	len = strlen(first);
	memcpy(buf, first, len);
	memcpy(buf + len, "X: ", 3);
	memset(buf + len + 3, 'a', total - len - 3 - 4);
	memcpy(buf + total - 4, "\r\n\r\n", 4);
	return total;
}

static void
t_limits(void)
{
	static char	 buf[HTTP_HEAD_MAX + 64];
	struct tcase	 tc;
	char		 name[300], *s;
	size_t		 len, i;
	const char	*first = "GET / HTTP/1.1\r\nHost: a.example\r\n";

	len = t_head_of(buf, first, HTTP_HEAD_MAX);
	tc = (struct tcase)OK("head of HTTP_HEAD_MAX", "", "a.example", 0, 1);
	t_case(&tc, (uint8_t *)buf, len);

	len = t_head_of(buf, first, HTTP_HEAD_MAX + 1);
	tc = (struct tcase)FAIL("head of HTTP_HEAD_MAX + 1", "",
	    HTTP_E_TOO_BIG);
	t_case(&tc, (uint8_t *)buf, len);

	/* A long request line, never ended. */
	memcpy(buf, "GET /", 5);
	memset(buf + 5, 'a', HTTP_HEAD_MAX + 10);
	tc = (struct tcase)FAIL("request line too long", "", HTTP_E_TOO_BIG);
	t_case(&tc, (uint8_t *)buf, HTTP_HEAD_MAX + 15);

	/* Endless empty lines before the request. */
	memset(buf, '\n', HTTP_HEAD_MAX + 1);
	tc = (struct tcase)FAIL("empty lines too long", "", HTTP_E_TOO_BIG);
	t_case(&tc, (uint8_t *)buf, HTTP_HEAD_MAX + 1);

	/* 100 fields pass, 101 do not (Host is one of them). */
	s = buf;
	s += sprintf(s, "GET / HTTP/1.1\r\nHost: a.example\r\n");
	for (i = 1; i < 100; i++)
		s += sprintf(s, "X-%zu: y\r\n", i);
	s += sprintf(s, "\r\n");
	tc = (struct tcase)OK("100 fields", "", "a.example", 0, 1);
	t_case(&tc, (uint8_t *)buf, (size_t)(s - buf));
	s -= 2;
	s += sprintf(s, "X-100: y\r\n\r\n");
	tc = (struct tcase)FAIL("101 fields", "", HTTP_E_TOO_BIG);
	t_case(&tc, (uint8_t *)buf, (size_t)(s - buf));

	/* A 253-byte name, also with a trailing dot; 254 is too long. */
	memset(name, 0, sizeof(name));
	for (i = 0; i < 253; i++)
		name[i] = i % 50 == 49 ? '.' : 'a' + i % 26;
	len = (size_t)sprintf(buf, "GET / HTTP/1.1\r\nHost: %s:80\r\n\r\n",
	    name);
	tc = (struct tcase)OK("253-byte name", "", name, 80, 1);
	t_case(&tc, (uint8_t *)buf, len);

	len = (size_t)sprintf(buf, "GET / HTTP/1.1\r\nHost: %s.:80\r\n\r\n",
	    name);
	tc = (struct tcase)OK("253-byte name and dot", "", name, 80, 1);
	t_case(&tc, (uint8_t *)buf, len);

	len = (size_t)sprintf(buf, "GET http://%s./ HTTP/1.1\r\nHost: x\r\n"
	    "\r\n", name);
	tc = (struct tcase)OK("253-byte name in target", "", name, 0, 1);
	t_case(&tc, (uint8_t *)buf, len);

	len = (size_t)sprintf(buf, "GET / HTTP/1.1\r\nHost: %sb\r\n\r\n",
	    name);
	tc = (struct tcase)FAIL("254-byte name", "", HTTP_E_BAD_HOST);
	t_case(&tc, (uint8_t *)buf, len);

	/* Longer than the host buffer: refused while streaming. */
	len = (size_t)sprintf(buf, "GET / HTTP/1.1\r\nHost: %s%s\r\n\r\n",
	    name, name);
	tc = (struct tcase)FAIL("506-byte name", "", HTTP_E_BAD_HOST);
	t_case(&tc, (uint8_t *)buf, len);
	len = (size_t)sprintf(buf, "GET http://a/ HTTP/1.1\r\nHost: %s%s\r\n"
	    "\r\n", name, name);
	tc = (struct tcase)FAIL("506-byte Host beside target", "",
	    HTTP_E_BAD_HOST);
	t_case(&tc, (uint8_t *)buf, len);
}

static void
t_strerror(void)
{
	CHECK_STR(http_strerror(HTTP_E_NONE), "none");
	CHECK_STR(http_strerror(HTTP_E_NOT_HTTP), "not_http");
	CHECK_STR(http_strerror(HTTP_E_TOO_BIG), "too_big");
	CHECK_STR(http_strerror(HTTP_E_MALFORMED), "malformed");
	CHECK_STR(http_strerror(HTTP_E_BAD_HOST), "bad_host");
	CHECK_STR(http_strerror(HTTP_E_DUP_HOST), "dup_host");
	CHECK_STR(http_strerror(HTTP_E_NO_HOST), "no_host");
	CHECK_STR(http_strerror(HTTP_E_FRAMING), "bad_framing");
	CHECK_STR(http_strerror(HTTP_E_UPGRADE), "upgrade");
}

/*
 * The framing machine (http_frame_feed) over a client's whole stream: each
 * case is a byte stream and the trace it must give: "host@end;" for each
 * request head (end: the offset just after it), then "!error" if it fails.
 * Fed whole, split in two at every point, and one byte at a time, the
 * trace and the final phase must be the same.
 */
struct fcase {
	const char	*name;
	const char	*in;
	size_t		 len;
	const char	*trace;
};

#define FC(n, in, trace)	{ n, in, sizeof(in) - 1, trace }

#define G(h)	"GET / HTTP/1.1\r\nHost: " h "\r\n\r\n"	/* 18 + h + 4 */

static const struct fcase fcases[] = {
	FC("one GET", G("a"), "a@27;"),
	FC("two pipelined", G("a") G("b"), "a@27;b@54;"),
	FC("three, other hosts", G("a") G("bb") G("a"), "a@27;bb@55;a@82;"),
	FC("CRLF between requests", G("a") "\r\n" G("b"), "a@27;b@56;"),
	FC("Content-Length body",
	    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n"
	    "hello" G("b"), "a@47;b@79;"),
	FC("Content-Length 0",
	    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n"
	    G("b"), "a@47;b@74;"),
	FC("Content-Length OWS",
	    "POST / HTTP/1.1\r\nHost: a\r\nContent-length:  3 \r\n\r\n"
	    "GET" G("b"), "a@49;b@79;"),
	FC("body that looks like a request",
	    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 27\r\n\r\n"
	    G("b") G("c"), "a@48;c@102;"),
	FC("chunked",
	    "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n5\r\nhello\r\n0\r\n\r\n" G("b"), "a@56;b@98;"),
	FC("chunked, ext, trailers, hex",
	    "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n"
	    "\r\nA ; n=v;m=\"x y\"\r\n0123456789\r\n1b\r\n"
	    "GET / HTTP/1.1\r\nHost: c\r\n\r\n\r\n0;last\r\n"
	    "X-Trailer: 1\r\nHost: c\r\n\r\n" G("b"), "a@56;b@178;"),
	FC("chunked, leading zeros",
	    "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n0005\r\nhello\r\n000\r\n\r\n" G("b"), "a@56;b@103;"),
	FC("HTTP/1.0", "GET / HTTP/1.0\r\n\r\n" "GET / HTTP/1.0\r\nHost: b\r\n"
	    "\r\n", "@18;b@45;"),
	FC("incomplete head", G("a") "GET / HTTP/1.1\r\nHost: b\r\n", "a@27;"),
	FC("incomplete body",
	    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\nhel",
	    "a@47;"),

	/* RFC 9112 §6.3 and request smuggling */
	FC("TE and CL",
	    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", "!bad_framing"),
	FC("CL and TE",
	    "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
	    "Content-Length: 5\r\n\r\n", "!bad_framing"),
	FC("TE gzip", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: gzip\r\n\r\n", "!bad_framing"),
	FC("TE gzip, chunked", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: gzip, chunked\r\n\r\n", "!bad_framing"),
	FC("TE chunked twice", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"
	    "\r\n", "!bad_framing"),
	FC("TE chunkedx", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunkedx\r\n\r\n", "!bad_framing"),
	FC("TE chunk", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunk\r\n\r\n", "!bad_framing"),
	FC("TE empty", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding:\r\n\r\n", "!bad_framing"),
	FC("TE in HTTP/1.0", "POST / HTTP/1.0\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", "!bad_framing"),
	FC("CL twice", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\n"
	    "Content-Length: 1\r\n\r\n", "!bad_framing"),
	FC("CL list", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 1, 1\r\n\r\n", "!bad_framing"),
	FC("CL sign", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: +1\r\n\r\n", "!bad_framing"),
	FC("CL 1 2", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 1 2\r\n\r\n", "!bad_framing"),
	FC("CL empty", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: \r\n\r\n", "!bad_framing"),
	FC("CL 16 digits", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 1000000000000000\r\n\r\n", "!bad_framing"),
	FC("TE smuggled in a later request", G("a")
	    "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n", "a@27;!bad_framing"),
	FC("chunk size not hex", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked\r\n\r\nG\r\n", "a@56;!bad_framing"),
	FC("chunk size missing", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n\r\n", "a@56;!bad_framing"),
	FC("chunk size 0x", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n0x5\r\n", "a@56;!bad_framing"),
	FC("chunk size 5 5", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n5 5\r\n", "a@56;!bad_framing"),
	FC("chunk size bare LF", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n",
	    "a@56;!bad_framing"),
	FC("chunk size 16 digits", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n1000000000000000\r\n",
	    "a@56;!bad_framing"),
	FC("chunk size negative", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n-1\r\n", "a@56;!bad_framing"),
	FC("chunk data too long", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n",
	    "a@56;!bad_framing"),
	FC("chunk ext with a control", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n3;a\001\r\n",
	    "a@56;!bad_framing"),
	FC("trailer obs-fold", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n0\r\nX: 1\r\n 2\r\n\r\n",
	    "a@56;!bad_framing"),
	FC("end without CRLF", "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Transfer-Encoding: chunked\r\n\r\n0\r\n" G("b"),
	    "a@56;!bad_framing"),

	/* heads the framing refuses after the first */
	FC("Upgrade", G("a") "GET / HTTP/1.1\r\nHost: a\r\n"
	    "Upgrade: websocket\r\nConnection: upgrade\r\n\r\n",
	    "a@27;!upgrade"),
	FC("Upgrade-Insecure-Requests is no Upgrade", "GET / HTTP/1.1\r\n"
	    "Host: a\r\nUpgrade-Insecure-Requests: 1\r\n\r\n", "a@57;"),
	FC("CONNECT later", G("a") "CONNECT a:443 HTTP/1.1\r\nHost: a\r\n"
	    "\r\n", "a@27;!malformed"),
	FC("binary after a request", G("a") "\026\003\001", "a@27;!not_http"),
	FC("no Host later", G("a") "GET / HTTP/1.1\r\n\r\n", "a@27;!no_host"),
};

struct ftrace {
	char		buf[256];
	size_t		pos;		/* stream offset of the next byte */
	int		failed;
};

static void
t_frame_piece(struct http_frame *f, struct ftrace *t, const uint8_t *in,
    size_t len)
{
	size_t	off = 0, used, n = strlen(t->buf);

	while (off < len && !t->failed) {
		switch (http_frame_feed(f, in + off, len - off, &used)) {
		case HTTP_FR_BODY:
			CHECK(used > 0 && used <= len - off);
			break;
		case HTTP_FR_PART:
			CHECK(used == len - off);
			break;
		case HTTP_FR_HEAD:
			CHECK(used > 0 && used <= len - off);
			n += (size_t)snprintf(t->buf + n, sizeof(t->buf) - n,
			    "%s@%zu;", f->head.host, t->pos + used);
			break;
		case HTTP_FR_ERROR:
			snprintf(t->buf + n, sizeof(t->buf) - n, "!%s",
			    http_strerror(f->err));
			t->failed = 1;
			/* and it stays failed */
			CHECK(http_frame_feed(f, in, 1, &used) ==
			    HTTP_FR_ERROR);
			return;
		}
		off += used;
		t->pos += used;
	}
}

static void
t_frame_case(const struct fcase *fc)
{
	const uint8_t		*in = (const uint8_t *)fc->in;
	struct http_frame	 whole, f;
	struct ftrace		 tw, t;
	size_t			 k, i;

	memset(&tw, 0, sizeof(tw));
	http_frame_init(&whole, NULL);
	t_frame_piece(&whole, &tw, in, fc->len);
	if (strcmp(tw.buf, fc->trace) != 0)
		fprintf(stderr, "frame case \"%s\":\n", fc->name);
	CHECK_STR(tw.buf, fc->trace);
	for (k = 0; k <= fc->len; k++) {
		memset(&t, 0, sizeof(t));
		http_frame_init(&f, NULL);
		t_frame_piece(&f, &t, in, k);
		t_frame_piece(&f, &t, in + k, fc->len - k);
		if (strcmp(t.buf, tw.buf) != 0 || f.phase != whole.phase)
			fprintf(stderr, "frame case \"%s\" split at %zu: "
			    "%s\n", fc->name, k, t.buf);
		CHECK(strcmp(t.buf, tw.buf) == 0 && f.phase == whole.phase);
	}
	memset(&t, 0, sizeof(t));
	http_frame_init(&f, NULL);
	for (i = 0; i < fc->len; i++)
		t_frame_piece(&f, &t, in + i, 1);
	CHECK_STR(t.buf, tw.buf);
	CHECK(f.phase == whole.phase);
}

/* As the proxy does: the first head by http_feed(), the rest framed. */
static void
t_frame_first_flight(void)
{
	static const char	 in[] = "POST / HTTP/1.1\r\nHost: a\r\n"
	    "Content-Length: 3\r\n\r\nabc" G("b");
	struct http_parser	 p;
	struct http_frame	 f;
	size_t			 used;

	http_init(&p);
	CHECK(http_feed(&p, (const uint8_t *)in, sizeof(in) - 1) == HTTP_DONE);
	CHECK_INT(p.total, 47);
	CHECK_INT(p.body, HTTP_B_LENGTH);
	CHECK_INT(p.clen, 3);
	http_frame_init(&f, &p);
	CHECK(http_frame_feed(&f, (const uint8_t *)in + 47, sizeof(in) - 48,
	    &used) == HTTP_FR_BODY);
	CHECK_INT(used, 3);
	CHECK(http_frame_feed(&f, (const uint8_t *)in + 50, sizeof(in) - 51,
	    &used) == HTTP_FR_HEAD);
	CHECK_INT(used, 27);
	CHECK_STR(f.head.host, "b");
	CHECK_INT(f.head.body, HTTP_B_NONE);

	/* a head over the cap, held back a piece at a time, fails */
	{
		static uint8_t	big[HTTP_HEAD_MAX + 64];
		size_t		off = 0;
		enum http_frame_rc rc = HTTP_FR_PART;

		memset(big, 'x', sizeof(big));
		memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
		http_frame_init(&f, NULL);
		while (off < sizeof(big) && rc == HTTP_FR_PART) {
			rc = http_frame_feed(&f, big + off, 1000 <
			    sizeof(big) - off ? 1000 : sizeof(big) - off,
			    &used);
			off += used;
		}
		CHECK(rc == HTTP_FR_ERROR && f.err == HTTP_E_TOO_BIG);
	}
}

int
main(void)
{
	size_t	i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase	*tc = &cases[i];

		t_case(tc, (const uint8_t *)tc->in, tc->len);
	}
	t_limits();
	t_strerror();
	for (i = 0; i < sizeof(fcases) / sizeof(fcases[0]); i++)
		t_frame_case(&fcases[i]);
	t_frame_first_flight();
	/* Kept per connection: stay small. */
	CHECK(sizeof(struct http_parser) <= 320);
	return t_done("test_http");
}
