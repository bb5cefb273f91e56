/* SPDX-License-Identifier: ISC */
/*
 * Host name rules shared by the ClientHello parser, the HTTP Host parser and
 * the config checker, so that a name the config accepts is exactly a name a
 * client can send.
 */

#include "hostname.h"

static int
hostname_is_ldh(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '-' || c == '_';
}

enum hostname_rc
hostname_check(const char *s, size_t len)
{
	size_t	i, label = 0;
	int	last_numeric = 1;

	if (len == 0)
		return HOSTNAME_EMPTY;
	if (s[len - 1] == '.')
		return len == 1 ? HOSTNAME_BAD_LABEL : HOSTNAME_TRAILING_DOT;
	if (len > HOSTNAME_MAX)
		return HOSTNAME_TOO_LONG;
	for (i = 0; i < len; i++) {
		unsigned char	c = (unsigned char)s[i];

		if (c == '.') {
			if (label == 0)
				return HOSTNAME_BAD_LABEL;
			label = 0;
			last_numeric = 1;
			continue;
		}
		if (c == ':')
			return HOSTNAME_IP_LITERAL;
		if (!hostname_is_ldh(c))
			return HOSTNAME_BAD_CHAR;
		if (++label > 63)
			return HOSTNAME_BAD_LABEL;
		if (c < '0' || c > '9')
			last_numeric = 0;
	}
	/*
	 * A name whose last label is all digits is an IPv4 literal (or not
	 * a name at all: no top-level domain is numeric).
	 */
	if (last_numeric)
		return HOSTNAME_IP_LITERAL;
	return HOSTNAME_OK;
}

const char *
hostname_strerror(enum hostname_rc rc)
{
	switch (rc) {
	case HOSTNAME_OK:
		return "valid";
	case HOSTNAME_EMPTY:
		return "empty name";
	case HOSTNAME_TOO_LONG:
		return "longer than 253 characters";
	case HOSTNAME_BAD_CHAR:
		return "invalid character (letters, digits, '-', '_', '.')";
	case HOSTNAME_BAD_LABEL:
		return "empty label or label longer than 63 characters";
	case HOSTNAME_TRAILING_DOT:
		return "trailing dot not allowed";
	case HOSTNAME_IP_LITERAL:
		return "IP address, not a host name";
	}
	return "invalid";
}

void
hostname_lower(char *s, size_t len)
{
	size_t	i;

	for (i = 0; i < len; i++)
		if (s[i] >= 'A' && s[i] <= 'Z')
			s[i] = (char)(s[i] - 'A' + 'a');
}
