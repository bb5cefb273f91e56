/* SPDX-License-Identifier: ISC */
/*
 * See rfc5424.h.  The line is parsed with json-c; a line that is not a
 * JSON object (a file cut short by a crash) still goes, with no SD but
 * the gateway's, so that the collector has all the file has.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "rfc5424.h"

#define RFC5424_PRI	(13 * 8 + 6)	/* log audit, informational */

struct rfc5424_out {
	char	*b;
	size_t	 len, cap;
	int	 over;
};

static void __attribute__((format(printf, 2, 3)))
rfc5424_put(struct rfc5424_out *o, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (o->over)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->b + o->len, o->cap - o->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->cap - o->len)
		o->over = 1;
	else
		o->len += (size_t)n;
}

/* A header field: PRINTUSASCII, at most max, "-" when empty or absent. */
static void
rfc5424_field(struct rfc5424_out *o, const char *s, size_t max)
{
	size_t	i;

	if (s == NULL || *s == '\0') {
		rfc5424_put(o, "-");
		return;
	}
	for (i = 0; s[i] != '\0' && i < max; i++)
		rfc5424_put(o, "%c", s[i] > ' ' && s[i] < 0x7f ? s[i] : '_');
}

/* An SD-PARAM: name="value", with '"', '\' and ']' escaped (6.3.3). */
static void
rfc5424_param(struct rfc5424_out *o, const char *name, const char *v)
{
	rfc5424_put(o, " %s=\"", name);
	for (; *v != '\0'; v++)
		if (*v == '"' || *v == '\\' || *v == ']')
			rfc5424_put(o, "\\%c", *v);
		else
			rfc5424_put(o, "%c", *v);
	rfc5424_put(o, "\"");
}

/* An SD-NAME: 1-32 printable characters but '=', ' ', ']' and '"'. */
static int
rfc5424_name_ok(const char *s)
{
	size_t	n = strlen(s);

	return n > 0 && n <= 32 && strcspn(s, "= ]\"") == n &&
	    strspn(s, "!#$%&'()*+,-./0123456789:;<>?@ABCDEFGHIJKLMNOPQRSTUVW"
	    "XYZ[\\^_`abcdefghijklmnopqrstuvwxyz{|}~") == n;
}

static const char *
rfc5424_get(struct json_object *rec, const char *key)
{
	struct json_object	*v;

	if (rec == NULL || !json_object_object_get_ex(rec, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

size_t
rfc5424_frame(const char *line, size_t len, const char *gateway, int pid,
    char *out, size_t outlen)
{
	struct json_tokener	*tok;
	struct json_object	*rec = NULL;
	struct rfc5424_out	 o;
	const char		*t;
	char			 head[16];
	size_t			 hl;

	if (outlen < 16)
		return 0;
	/* the message after room for its length, moved in place after */
	o.b = out + 11;
	o.len = 0;
	o.cap = outlen - 11;
	o.over = 0;
	if ((tok = json_tokener_new()) != NULL) {
		rec = json_tokener_parse_ex(tok, line, (int)len);
		if (rec != NULL && (json_tokener_get_error(tok) !=
		    json_tokener_success || !json_object_is_type(rec,
		    json_type_object))) {
			json_object_put(rec);
			rec = NULL;
		}
		json_tokener_free(tok);
	}
	if ((t = rfc5424_get(rec, "close")) == NULL)
		t = rfc5424_get(rec, "open");
	rfc5424_put(&o, "<%d>1 ", RFC5424_PRI);
	rfc5424_field(&o, t, 32);
	rfc5424_put(&o, " ");
	rfc5424_field(&o, gateway, 255);
	rfc5424_put(&o, " v6gated %d ", pid);
	rfc5424_field(&o, rfc5424_get(rec, "event"), 32);
	rfc5424_put(&o, " [" RFC5424_SDID);
	rfc5424_param(&o, "gateway", gateway);
	if (rec != NULL) {
		json_object_object_foreach(rec, key, val) {
			if (val == NULL || !rfc5424_name_ok(key) ||
			    strcmp(key, "gateway") == 0)
				continue;
			rfc5424_param(&o, key, json_object_get_string(val));
		}
		json_object_put(rec);
	}
	rfc5424_put(&o, "] %.*s", (int)len, line);
	if (o.over)
		return 0;
	hl = (size_t)snprintf(head, sizeof(head), "%zu ", o.len);
	memmove(out + hl, o.b, o.len);
	memcpy(out, head, hl);
	return hl + o.len;
}
