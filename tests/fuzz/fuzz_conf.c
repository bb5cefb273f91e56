/* SPDX-License-Identifier: ISC */
/*
 * Fuzz target for the config loader: libconfig's parser and every check
 * conf.c makes.  Whatever the text, the loader must return either a
 * snapshot and no errors or no snapshot and at least one error, and every
 * message must have the "name:line: " or "name: " prefix.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf/conf.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct conf_report	 rep;
	struct gw_conf		*gc;
	char			*text;
	size_t			 i;

	if (len > 65536)
		return 0;
	if ((text = malloc(len + 1)) == NULL)
		return 0;
	memcpy(text, data, len);
	text[len] = '\0';
	gc = conf_load_string("fuzz.conf", text, &rep);
	if ((gc == NULL) != (rep.nerrors > 0))
		__builtin_trap();
	for (i = 0; i < rep.nerrors; i++)
		if (strncmp(rep.errors[i], "fuzz.conf:", 10) != 0)
			__builtin_trap();
	conf_report_free(&rep);
	conf_free(gc);
	free(text);
	return 0;
}
