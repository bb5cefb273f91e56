/* SPDX-License-Identifier: ISC */
/*
 * Same-site, as the assessment counts a site's links: two hosts are of one
 * site when libpsl gives them the same registrable domain (the Public
 * Suffix List's public suffix plus one label: "a.gov.cn" for
 * "www.a.gov.cn", since "gov.cn" is a public suffix).  A name the list
 * does not know falls under its default rule "*" (its last label is the
 * suffix: "portal.test" for "www.portal.test").  An address literal has no
 * registrable domain and is of the same site only as itself; so is a name
 * that is a public suffix (such as "localhost" or "gov.cn").  It neither
 * resolves nor fetches anything.
 *
 * The list is the system's (/usr/share/publicsuffix, kept up to date by
 * the publicsuffix package) when psl_latest() finds it, else the one built
 * into libpsl.  It is loaded once and only read afterwards, so lookups
 * may run in any thread once site_init() has returned.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <libpsl.h>

#include "site.h"

static pthread_mutex_t	 site_lock = PTHREAD_MUTEX_INITIALIZER;
static const psl_ctx_t	*site_psl;
static psl_ctx_t	*site_psl_loaded;	/* psl_latest()'s, to free */

int
site_init(void)
{
	int	rc = 0;

	pthread_mutex_lock(&site_lock);
	if (site_psl == NULL) {
		/* NULL: the newest of the system's list and the built-in. */
		if ((site_psl_loaded = psl_latest(NULL)) != NULL)
			site_psl = site_psl_loaded;
		else if ((site_psl = psl_builtin()) == NULL)
			rc = -1;
	}
	pthread_mutex_unlock(&site_lock);
	return rc;
}

void
site_fini(void)
{
	pthread_mutex_lock(&site_lock);
	/* psl_free() leaves the built-in list alone, whichever it is. */
	psl_free(site_psl_loaded);
	site_psl_loaded = NULL;
	site_psl = NULL;
	pthread_mutex_unlock(&site_lock);
}

/*
 * host in buf as libpsl wants it: lower case, without trailing dots or
 * the brackets of an IPv6 address.  NULL if it does not fit or is empty.
 */
static char *
site_lower(const char *host, char *buf, size_t len)
{
	size_t	 n, i;

	n = strlen(host);
	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		host++;
		n -= 2;
	}
	while (n > 0 && host[n - 1] == '.')
		n--;
	if (n == 0 || n >= len)
		return NULL;
	for (i = 0; i < n; i++) {
		buf[i] = host[i];
		if (buf[i] >= 'A' && buf[i] <= 'Z')
			buf[i] += 'a' - 'A';
	}
	buf[n] = '\0';
	return buf;
}

/* Whether h (from site_lower) is an address; its bytes in a. */
static int
site_address(const char *h, unsigned char a[16], int *family)
{
	if (inet_pton(AF_INET, h, a) == 1) {
		*family = AF_INET;
		return 1;
	}
	if (inet_pton(AF_INET6, h, a) == 1) {
		*family = AF_INET6;
		return 1;
	}
	return 0;
}

const char *
site_registrable(const char *host, char *buf, size_t len)
{
	char		 low[256];
	const char	*reg;
	unsigned char	 a[16];
	int		 family;

	if (site_psl == NULL && site_init() == -1)
		return NULL;
	if (site_lower(host, low, sizeof(low)) == NULL ||
	    site_address(low, a, &family))
		return NULL;
	if ((reg = psl_registrable_domain(site_psl, low)) == NULL ||
	    strlen(reg) >= len)
		return NULL;
	memcpy(buf, reg, strlen(reg) + 1);
	return buf;
}

int
site_same(const char *a, const char *b)
{
	char		 la[256], lb[256], ra[256], rb[256];
	unsigned char	 aa[16], ab[16];
	int		 fa, fb, isa, isb;
	const char	*rega, *regb;

	if (site_lower(a, la, sizeof(la)) == NULL ||
	    site_lower(b, lb, sizeof(lb)) == NULL)
		return 0;
	isa = site_address(la, aa, &fa);
	isb = site_address(lb, ab, &fb);
	if (isa || isb)
		return isa && isb && fa == fb &&
		    memcmp(aa, ab, fa == AF_INET ? 4 : 16) == 0;
	rega = site_registrable(la, ra, sizeof(ra));
	regb = site_registrable(lb, rb, sizeof(rb));
	if (rega == NULL || regb == NULL)
		/* A public suffix, or no list: only the same name. */
		return rega == NULL && regb == NULL && strcmp(la, lb) == 0;
	return strcmp(rega, regb) == 0;
}
