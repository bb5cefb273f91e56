/* SPDX-License-Identifier: ISC */
/*
 * HTML escaping (see html.h): every string a page shows that came from a
 * configuration or a peer goes through here.
 */

#include "html.h"

void
html_escape(FILE *out, const char *s)
{
	for (; s != NULL && *s != '\0'; s++)
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc(*s, out);
		}
}
