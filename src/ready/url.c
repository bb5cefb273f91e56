/* SPDX-License-Identifier: ISC */
/*
 * URLs for the readiness check: a link as written in a page, resolved and
 * normalised with libcurl's URL API (CURLU), so that two spellings of one
 * page are one URL.  It does not fetch, resolve names or judge hosts; and
 * it never parses a URL by hand: what it does itself is what the HTML and
 * URL standards do before any parsing (strip the blanks around an
 * attribute, drop tabs and newlines inside it) and the RFC 3986 §3.1 test
 * of whether a reference starts with a scheme.
 *
 * Heads up, libcurl 7.88's resolution of a reference against a base has
 * two gaps that are handled here (RFC 3986 §5.2.2, §5.4.1): "" and
 * "#frag" name the base document itself, where libcurl cuts the base's
 * last path segment; and a scheme without "//" ("mailto:a@b",
 * "javascript:x") is refused as CURLUE_BAD_SLASHES even with
 * CURLU_NON_SUPPORT_SCHEME, so such references are recognised by their
 * scheme first.  libcurl keeps the host's case and a trailing dot; both
 * are normalised here.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "url.h"

/*
 * NON_SUPPORT_SCHEME: ftp:// and unknown://x parse, so that they are
 * recognised as not web rather than as bad.  URLENCODE and ALLOW_SPACE: a
 * space or a byte above 127 in a path, which browsers send encoded, is
 * encoded rather than refused.
 */
#define URL_CURLU_FLAGS	(CURLU_NON_SUPPORT_SCHEME | CURLU_URLENCODE | \
			    CURLU_ALLOW_SPACE)

static int
url_is_space(unsigned char c)
{
	return c <= ' ';
}

/*
 * An attribute's value as the URL parser takes it: C0 controls and spaces
 * stripped at both ends, tabs and newlines removed within (WHATWG URL,
 * "basic URL parser", first steps).  -1 if it does not fit.
 */
static int
url_clean(const char *ref, char *buf, size_t len)
{
	size_t	 n, i, o = 0;

	while (*ref != '\0' && url_is_space((unsigned char)*ref))
		ref++;
	n = strlen(ref);
	while (n > 0 && url_is_space((unsigned char)ref[n - 1]))
		n--;
	for (i = 0; i < n; i++) {
		if (ref[i] == '\t' || ref[i] == '\n' || ref[i] == '\r')
			continue;
		if (o + 1 >= len)
			return -1;
		buf[o++] = ref[i];
	}
	buf[o] = '\0';
	return 0;
}

/*
 * The scheme ref starts with, lower case, in buf (RFC 3986 §3.1: ALPHA
 * *( ALPHA / DIGIT / "+" / "-" / "." ) ":"); 0 if ref has none (it is
 * relative) or it does not fit.
 */
static int
url_scheme(const char *ref, char *buf, size_t len)
{
	size_t	 i;
	char	 c;

	for (i = 0; ref[i] != '\0' && ref[i] != ':'; i++) {
		c = ref[i];
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		if (!(c >= 'a' && c <= 'z') &&
		    !(i > 0 && ((c >= '0' && c <= '9') || c == '+' ||
		    c == '-' || c == '.')))
			return 0;
		if (i + 1 >= len)
			return 0;
		buf[i] = c;
	}
	if (i == 0 || ref[i] != ':')
		return 0;
	buf[i] = '\0';
	return 1;
}

static int
url_scheme_is_web(const char *scheme)
{
	return strcmp(scheme, "http") == 0 || strcmp(scheme, "https") == 0;
}

/*
 * Normalise what h holds in place: the fragment dropped, the host in
 * lower case without trailing dots.  libcurl itself lower-cases the
 * scheme, removes dot segments, makes an empty path "/" and writes IPv6
 * and IPv4 addresses in their usual form.  Returns URL_WEB, URL_NOT_WEB
 * (scheme in sch) or URL_BAD.
 */
static enum url_kind
url_normalise(CURLU *h, char *sch, size_t schlen)
{
	char	*s = NULL, *host = NULL;
	size_t	 n, i;
	int	 changed = 0;
	enum url_kind kind = URL_BAD;

	if (curl_url_get(h, CURLUPART_SCHEME, &s, 0) != CURLUE_OK)
		return URL_BAD;
	for (i = 0; s[i] != '\0'; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] += 'a' - 'A';
	if (strlen(s) >= schlen)
		goto done;
	snprintf(sch, schlen, "%s", s);
	if (!url_scheme_is_web(sch)) {
		kind = URL_NOT_WEB;
		goto done;
	}
	if (curl_url_set(h, CURLUPART_FRAGMENT, NULL, 0) != CURLUE_OK)
		goto done;
	if (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    host[0] == '\0')
		goto done;
	/* Every trailing dot, so that normalising twice changes nothing. */
	n = strlen(host);
	while (n > 0 && host[n - 1] == '.') {
		host[--n] = '\0';
		changed = 1;
	}
	/*
	 * A DNS name has at most 253 characters (an IPv6 address in
	 * brackets far fewer): a longer host is no web link, and would not
	 * fit struct url_parts either.
	 */
	if (n == 0 || n > URL_HOST_MAX)
		goto done;
	for (i = 0; i < n; i++)
		if (host[i] >= 'A' && host[i] <= 'Z') {
			host[i] += 'a' - 'A';
			changed = 1;
		}
	if (changed && curl_url_set(h, CURLUPART_HOST, host, 0) != CURLUE_OK)
		goto done;
	curl_free(s);
	s = NULL;
	/*
	 * Heads up: a host set by itself is not normalised as in a whole URL
	 * ("0X7F" lower-cased stays "0x7f", where "http://0x7f/" parses to
	 * 127's "0.0.0.127"), so the URL is parsed once more (found by
	 * fuzz_links: normalising twice must change nothing).
	 */
	if (changed) {
		if (curl_url_get(h, CURLUPART_URL, &s, 0) != CURLUE_OK ||
		    curl_url_set(h, CURLUPART_URL, s, URL_CURLU_FLAGS) !=
		    CURLUE_OK)
			goto done;
		curl_free(s);
		s = NULL;
	}
	/* Port 0 parses, but no server listens there. */
	if (curl_url_get(h, CURLUPART_PORT, &s, 0) == CURLUE_OK &&
	    strcmp(s, "0") == 0)
		goto done;
	kind = URL_WEB;
 done:
	curl_free(s);
	curl_free(host);
	return kind;
}

/* The URL h holds, in out; -1 if it does not fit. */
static int
url_write(CURLU *h, char *out, size_t outlen)
{
	char	*s;
	int	 rc = -1;

	if (curl_url_get(h, CURLUPART_URL, &s, CURLU_NO_DEFAULT_PORT) !=
	    CURLUE_OK)
		return -1;
	if (strlen(s) < outlen && strlen(s) < URL_MAX) {
		snprintf(out, outlen, "%s", s);
		rc = 0;
	}
	curl_free(s);
	return rc;
}

enum url_kind
url_resolve(const char *base, const char *ref, char *out, size_t outlen)
{
	char		 clean[URL_MAX], sch[16];
	CURLU		*h;
	enum url_kind	 kind = URL_BAD;
	int		 long_ref;

	if (outlen > 0)
		out[0] = '\0';
	long_ref = url_clean(ref, clean, sizeof(clean)) == -1;
	if (long_ref) {
		/* Keep the head only, for its scheme (a long data: URL). */
		memcpy(clean, ref, sizeof(clean) - 1);
		clean[sizeof(clean) - 1] = '\0';
		(void)url_clean(clean, clean, sizeof(clean));
	}
	if (url_scheme(clean, sch, sizeof(sch)) && !url_scheme_is_web(sch)) {
		if (strlen(sch) + 2 > outlen)
			return URL_BAD;
		snprintf(out, outlen, "%s:", sch);
		return URL_NOT_WEB;
	}
	if (long_ref || (h = curl_url()) == NULL)
		return URL_BAD;
	if (base != NULL &&
	    curl_url_set(h, CURLUPART_URL, base, URL_CURLU_FLAGS) != CURLUE_OK)
		goto done;
	/* "" and "#frag": the base itself (see the top of this file). */
	if (clean[0] != '\0' && clean[0] != '#' &&
	    curl_url_set(h, CURLUPART_URL, clean, URL_CURLU_FLAGS) !=
	    CURLUE_OK)
		goto done;
	kind = url_normalise(h, sch, sizeof(sch));
	if (kind == URL_NOT_WEB) {
		/* A relative reference against a base that is not web. */
		if (strlen(sch) + 2 > outlen)
			kind = URL_BAD;
		else
			snprintf(out, outlen, "%s:", sch);
	} else if (kind == URL_WEB && url_write(h, out, outlen) == -1)
		kind = URL_BAD;
 done:
	if (kind == URL_BAD && outlen > 0)
		out[0] = '\0';
	curl_url_cleanup(h);
	return kind;
}

int
url_split(const char *url, struct url_parts *p)
{
	CURLU		*h;
	char		*s = NULL, *q = NULL;
	char		 sch[16];
	size_t		 n;
	unsigned long	 port;
	int		 rc = -1;

	memset(p, 0, sizeof(*p));
	if ((h = curl_url()) == NULL)
		return -1;
	if (curl_url_set(h, CURLUPART_URL, url, URL_CURLU_FLAGS) !=
	    CURLUE_OK || url_normalise(h, sch, sizeof(sch)) != URL_WEB)
		goto done;
	/* "http" or "https": it fits. */
	memcpy(p->scheme, sch, strlen(sch) + 1);

	if (curl_url_get(h, CURLUPART_HOST, &s, 0) != CURLUE_OK)
		goto done;
	n = strlen(s);
	if (n >= 2 && s[0] == '[' && s[n - 1] == ']') {
		/* An IPv6 address: without its brackets. */
		s[n - 1] = '\0';
		memmove(s, s + 1, n - 1);
		n -= 2;
	}
	if (n == 0 || n >= sizeof(p->host))
		goto done;
	memcpy(p->host, s, n + 1);
	curl_free(s);
	s = NULL;

	if (curl_url_get(h, CURLUPART_PORT, &s, CURLU_DEFAULT_PORT) !=
	    CURLUE_OK)
		goto done;
	port = strtoul(s, NULL, 10);
	if (port == 0 || port > 65535)
		goto done;
	p->port = (uint16_t)port;
	curl_free(s);
	s = NULL;
	/* With NO_DEFAULT_PORT libcurl has no port when it is the scheme's. */
	p->port_given = curl_url_get(h, CURLUPART_PORT, &s,
	    CURLU_NO_DEFAULT_PORT) == CURLUE_OK;
	curl_free(s);
	s = NULL;

	if (curl_url_get(h, CURLUPART_PATH, &s, 0) != CURLUE_OK)
		goto done;
	if (curl_url_get(h, CURLUPART_QUERY, &q, 0) != CURLUE_OK)
		q = NULL;
	n = (size_t)snprintf(p->path, sizeof(p->path), "%s%s%s",
	    s[0] == '\0' ? "/" : s, q != NULL ? "?" : "", q != NULL ? q : "");
	if (n >= sizeof(p->path))
		goto done;
	rc = 0;
 done:
	if (rc == -1)
		memset(p, 0, sizeof(*p));
	curl_free(s);
	curl_free(q);
	curl_url_cleanup(h);
	return rc;
}

int
url_host_is_ipv4(const char *host)
{
	struct in_addr	a;

	return inet_pton(AF_INET, host, &a) == 1;
}

int
url_host_is_ipv6(const char *host)
{
	struct in6_addr	a;
	char		buf[INET6_ADDRSTRLEN + 2];
	size_t		n = strlen(host);

	if (n >= 2 && host[0] == '[' && host[n - 1] == ']' &&
	    n - 2 < sizeof(buf)) {
		memcpy(buf, host + 1, n - 2);
		buf[n - 2] = '\0';
		host = buf;
	}
	return inet_pton(AF_INET6, host, &a) == 1;
}
