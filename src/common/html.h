/* SPDX-License-Identifier: ISC */
#ifndef V6G_HTML_H
#define V6G_HTML_H

#include <stdio.h>

/* s (NULL: nothing) as HTML text or a quoted attribute's value: & < > "
   and ' escaped.  The monthly report's and the dashboard's one escape. */
void	html_escape(FILE *out, const char *s);

#endif
