/* SPDX-License-Identifier: ISC */
/*
 * "v6gatectl health" (see health.h): the live snapshot's listeners and
 * proxy services judged, every reason against it listed in "problems",
 * so that the operator (or the keepalived log) sees why, not only that.
 * Built as JSON; the text form is rendered from it.
 */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "health.h"
#include "listen.h"
#include "pool/pick.h"
#include "proxy/proxy.h"

static void __attribute__((format(printf, 2, 3)))
health_problem(json_object *problems, const char *fmt, ...)
{
	char	buf[512];
	va_list	ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_object_array_add(problems, json_object_new_string(buf));
}

static json_object *
health_listeners(const struct gw_conf *gc, json_object *problems)
{
	json_object	*arr = json_object_new_array(), *o;
	size_t		 i;
	int		 bound, local;

	for (i = 0; i < gc->nlisteners; i++) {
		const struct conf_listener *l = &gc->listeners[i];

		bound = proxy_listener_bound(i);
		local = listen_addr_local(&l->addr);
		o = json_object_new_object();
		json_object_object_add(o, "address",
		    json_object_new_string(l->text));
		json_object_object_add(o, "bound",
		    json_object_new_boolean(bound));
		/* null: could not tell (the probe's own socket failed) */
		json_object_object_add(o, "address_local", local < 0 ? NULL :
		    json_object_new_boolean(local));
		json_object_object_add(o, "state", json_object_new_string(
		    !bound ? "not bound" : local == 0 ?
		    "bound, address not local" : "bound"));
		json_object_array_add(arr, o);
		if (!bound)
			health_problem(problems, "listener %s: not bound",
			    l->text);
	}
	return arr;
}

static json_object *
health_services(const struct snap *sn, json_object *problems)
{
	const struct gw_conf	*gc = sn->conf;
	json_object		*svcs = json_object_new_object(), *o;
	size_t			 i, j, usable, down, drained;
	char			 why[128];

	for (i = 0; i < gc->nservices; i++) {
		const struct conf_service *s = &gc->services[i];

		if (s->mode != CONF_PROXY)
			continue;
		usable = down = drained = 0;
		for (j = 0; j < s->nbackends; j++) {
			struct pool_state *st = snap_backend(sn, i, j);

			if (pool_eligible(st))
				usable++;
			else if (__atomic_load_n(&st->drain,
			    __ATOMIC_RELAXED))
				drained++;
			else
				down++;
		}
		o = json_object_new_object();
		json_object_object_add(o, "backends",
		    json_object_new_int64((int64_t)s->nbackends));
		json_object_object_add(o, "usable",
		    json_object_new_int64((int64_t)usable));
		json_object_object_add(o, "down",
		    json_object_new_int64((int64_t)down));
		json_object_object_add(o, "draining",
		    json_object_new_int64((int64_t)drained));
		json_object_object_add(o, "healthy",
		    json_object_new_boolean(usable > 0));
		json_object_object_add(svcs, s->name, o);
		if (usable == 0) {
			snprintf(why, sizeof(why), "%zu down, %zu draining",
			    down, drained);
			health_problem(problems, "service %s: no backend takes "
			    "new connections (%s)", s->name, why);
		}
	}
	return svcs;
}

json_object *
health_json(const struct snap *sn, int *healthy)
{
	json_object	*root = json_object_new_object(), *problems;

	problems = json_object_new_array();
	if (sn == NULL)
		health_problem(problems, "no live configuration");
	else {
		json_object_object_add(root, "listeners",
		    health_listeners(sn->conf, problems));
		json_object_object_add(root, "services",
		    health_services(sn, problems));
	}
	*healthy = json_object_array_length(problems) == 0;
	json_object_object_add(root, "healthy",
	    json_object_new_boolean(*healthy));
	json_object_object_add(root, "problems", problems);
	return root;
}

void
health_text(json_object *root, FILE *out)
{
	json_object	*v, *ls;
	size_t		 i, n;

	json_object_object_get_ex(root, "problems", &v);
	n = json_object_array_length(v);
	fprintf(out, "%s\n", n == 0 ? "healthy" : "NOT healthy:");
	for (i = 0; i < n; i++)
		fprintf(out, "  %s\n", json_object_get_string(
		    json_object_array_get_idx(v, i)));
	/* what is fine but worth knowing: a backup's missing address */
	if (!json_object_object_get_ex(root, "listeners", &ls))
		return;
	n = json_object_array_length(ls);
	for (i = 0; i < n; i++) {
		json_object	*l = json_object_array_get_idx(ls, i), *s;

		if (json_object_object_get_ex(l, "state", &s) &&
		    strcmp(json_object_get_string(s),
		    "bound, address not local") == 0)
			fprintf(out, "  note: listener %s: bound, address not "
			    "local (a backup's, until VRRP moves it here)\n",
			    json_object_get_string(json_object_object_get(l,
			    "address")));
	}
}
