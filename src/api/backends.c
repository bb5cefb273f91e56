/* SPDX-License-Identifier: ISC */
/*
 * "v6gatectl backends", "drain" and "enable" (see backends.h).  The report
 * is built as JSON from the live snapshot and the backends' states, read
 * by backends_read() (which /metrics renders too); the text form is
 * rendered from that JSON.
 */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "backends.h"
#include "log.h"
#include "pool/save.h"
#include "pool/state.h"

static const char *
backends_state(const struct conf_backend *b, const struct pool_state *st)
{
	if (__atomic_load_n(&st->drain, __ATOMIC_RELAXED))
		return "draining";
	if (!__atomic_load_n(&st->up, __ATOMIC_RELAXED))
		return "down";
	return b->backup ? "backup" : "up";
}

static void
backends_time(json_object *o, const char *key, uint64_t ms)
{
	char		buf[64];
	time_t		t = (time_t)(ms / 1000);
	struct tm	tm;

	if (ms == 0 || gmtime_r(&t, &tm) == NULL)
		return;
	snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
	    tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	    tm.tm_min, tm.tm_sec, (int)(ms % 1000));
	json_object_object_add(o, key, json_object_new_string(buf));
}

static json_object *
backends_health(const struct pool_health *h)
{
	json_object	*o = json_object_new_object(), *t;
	int64_t		 left;

	json_object_object_add(o, "checked",
	    json_object_new_boolean(h->checked));
	if (!h->checked)
		return o;
	json_object_object_add(o, "ok", json_object_new_boolean(h->ok));
	json_object_object_add(o, "latency_ms",
	    json_object_new_int64(h->latency_ms));
	json_object_object_add(o, "consecutive_failures",
	    json_object_new_int64(h->fails));
	json_object_object_add(o, "consecutive_passes",
	    json_object_new_int64(h->oks));
	backends_time(o, "last", h->last_ms);
	backends_time(o, "changed", h->changed_ms);
	if (!h->ok && h->error[0] != '\0')
		json_object_object_add(o, "error",
		    json_object_new_string(h->error));
	if (h->status != 0)
		json_object_object_add(o, "http_status",
		    json_object_new_int(h->status));
	if (h->tls_version[0] != '\0') {
		t = json_object_new_object();
		json_object_object_add(t, "version",
		    json_object_new_string(h->tls_version));
		json_object_object_add(t, "cipher",
		    json_object_new_string(h->cipher));
		if (h->not_after != 0) {
			backends_time(t, "not_after",
			    (uint64_t)h->not_after * 1000);
			json_object_object_add(t, "not_after_unix",
			    json_object_new_int64(h->not_after));
			/* rounded, as the warning's words say it */
			left = h->not_after - (int64_t)time(NULL);
			json_object_object_add(t, "days_left",
			    json_object_new_int64(left >= 0 ?
			    (left + 43200) / 86400 :
			    -((-left + 43200) / 86400)));
		}
		json_object_object_add(t, "subject",
		    json_object_new_string(h->subject));
		json_object_object_add(o, "tls", t);
	}
	if (h->cert_warn != 0)
		json_object_object_add(o, "cert_warning",
		    json_object_new_string(h->cert_note));
	return o;
}

static json_object *
backends_check(const struct conf_check *ck)
{
	json_object	*o = json_object_new_object();

	json_object_object_add(o, "type",
	    json_object_new_string(conf_check_name(ck->type)));
	if (ck->type == CONF_CHECK_NONE)
		return o;
	json_object_object_add(o, "interval_ms",
	    json_object_new_int64(ck->interval_ms));
	json_object_object_add(o, "timeout_ms",
	    json_object_new_int64(ck->timeout_ms));
	json_object_object_add(o, "rise", json_object_new_int64(ck->rise));
	json_object_object_add(o, "fall", json_object_new_int64(ck->fall));
	return o;
}

void
backends_read(const struct snap *sn, size_t i, size_t j,
    struct backends_view *v)
{
	const struct conf_service	*svc = &sn->conf->services[i];
	struct pool_state		*st = snap_backend(sn, i, j);

	memset(v, 0, sizeof(*v));
	v->state = backends_state(&svc->backends[j], st);
	v->conns = __atomic_load_n(&st->conns, __ATOMIC_RELAXED);
	v->total = __atomic_load_n(&st->total, __ATOMIC_RELAXED);
	v->failures = __atomic_load_n(&st->failures, __ATOMIC_RELAXED);
	if ((v->checked = svc->check.type != CONF_CHECK_NONE))
		pool_state_health(st, &v->h);
}

json_object *
backends_json(const struct snap *sn)
{
	const struct gw_conf	*gc = sn != NULL ? sn->conf : NULL;
	json_object		*root = json_object_new_object(), *svcs, *s, *a;
	json_object		*o;
	struct backends_view	 v;
	size_t			 i, j;

	svcs = json_object_new_object();
	for (i = 0; gc != NULL && i < gc->nservices; i++) {
		const struct conf_service *svc = &gc->services[i];

		if (svc->mode != CONF_PROXY)
			continue;
		s = json_object_new_object();
		json_object_object_add(s, "balance",
		    json_object_new_string(conf_balance_name(svc->balance)));
		json_object_object_add(s, "check", backends_check(&svc->check));
		a = json_object_new_array();
		for (j = 0; j < svc->nbackends; j++) {
			const struct conf_backend *b = &svc->backends[j];

			backends_read(sn, i, j, &v);
			o = json_object_new_object();
			json_object_object_add(o, "address",
			    json_object_new_string(b->text));
			json_object_object_add(o, "state",
			    json_object_new_string(v.state));
			json_object_object_add(o, "weight",
			    json_object_new_int64(b->weight));
			json_object_object_add(o, "backup",
			    json_object_new_boolean(b->backup));
			json_object_object_add(o, "proxy_protocol",
			    json_object_new_string(conf_pp_name(b->pp)));
			json_object_object_add(o, "connections",
			    json_object_new_int64(v.conns));
			json_object_object_add(o, "total",
			    json_object_new_int64((int64_t)v.total));
			json_object_object_add(o, "connect_failures",
			    json_object_new_int64((int64_t)v.failures));
			if (v.checked)
				json_object_object_add(o, "check",
				    backends_health(&v.h));
			json_object_array_add(a, o);
		}
		json_object_object_add(s, "backends", a);
		json_object_object_add(svcs, svc->name, s);
	}
	json_object_object_add(root, "services", svcs);
	return root;
}

static const char *
backends_get(json_object *o, const char *k)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, k, &v))
		return "";
	return json_object_get_string(v);
}

void
backends_text(json_object *root, FILE *out)
{
	json_object	*svcs, *bs, *b, *ck, *tls;
	size_t		 i, n;
	int		 any = 0;

	json_object_object_get_ex(root, "services", &svcs);
	fprintf(out, "%-16s %-22s %-9s %3s %-6s %-24s %5s %6s %8s %s\n",
	    "SERVICE", "BACKEND", "STATE", "WT", "PROXY", "LAST CHECK", "FAILS",
	    "CONNS", "TOTAL", "CERT EXPIRES");
	json_object_object_foreach(svcs, name, s) {
		json_object_object_get_ex(s, "backends", &bs);
		n = json_object_array_length(bs);
		for (i = 0; i < n; i++) {
			char	last[64] = "-", cert[32] = "-";

			b = json_object_array_get_idx(bs, i);
			if (json_object_object_get_ex(b, "check", &ck) &&
			    json_object_get_boolean(json_object_object_get(ck,
			    "checked")))
				snprintf(last, sizeof(last), "%s %s ms",
				    json_object_get_boolean(
				    json_object_object_get(ck, "ok")) ?
				    "ok" : "FAIL", backends_get(ck,
				    "latency_ms"));
			if (ck != NULL && json_object_object_get_ex(ck, "tls",
			    &tls) && json_object_object_get(tls,
			    "not_after") != NULL)
				snprintf(cert, sizeof(cert), "%.10s (%s d)",
				    backends_get(tls, "not_after"),
				    backends_get(tls, "days_left"));
			fprintf(out, "%-16s %-22s %-9s %3s %-6s %-24s %5s %6s "
			    "%8s %s\n", name, backends_get(b, "address"),
			    backends_get(b, "state"), backends_get(b,
			    "weight"), backends_get(b, "proxy_protocol"),
			    last, ck ? backends_get(ck,
			    "consecutive_failures") : "-",
			    backends_get(b, "connections"),
			    backends_get(b, "total"), cert);
			ck = NULL;
		}
	}
	/* what needs a person: failing checks and certificates */
	json_object_object_foreach(svcs, sname, s2) {
		json_object_object_get_ex(s2, "backends", &bs);
		n = json_object_array_length(bs);
		for (i = 0; i < n; i++) {
			b = json_object_array_get_idx(bs, i);
			if (!json_object_object_get_ex(b, "check", &ck))
				continue;
			if (json_object_object_get(ck, "error") != NULL) {
				fprintf(out, "%s%s %s: %s\n", any ? "" : "\n",
				    sname, backends_get(b, "address"),
				    backends_get(ck, "error"));
				any = 1;
			}
			if (json_object_object_get(ck, "cert_warning") !=
			    NULL) {
				fprintf(out, "%swarning: %s %s: %s\n", any ?
				    "" : "\n", sname, backends_get(b,
				    "address"), backends_get(ck,
				    "cert_warning"));
				any = 1;
			}
		}
	}
}

int
backends_drain(const struct snap *sn, const char *service,
    const char *backend, int drain, char *msg, size_t len)
{
	const struct gw_conf		*gc = sn != NULL ? sn->conf : NULL;
	const struct conf_service	*svc = NULL;
	struct pool_state		*st;
	union addr_sa			 a;
	char				 text[ADDR_STRLEN], err[128];
	size_t				 i;

	for (i = 0; gc != NULL && i < gc->nservices; i++)
		if (gc->services[i].mode == CONF_PROXY &&
		    strcmp(gc->services[i].name, service) == 0)
			svc = &gc->services[i];
	if (svc == NULL) {
		snprintf(msg, len, "no proxy service \"%s\"", service);
		return -1;
	}
	/* as the config may write it: "10.1.0.5:443" */
	if (addr_parse_endpoint(backend, &a, err, sizeof(err)) == -1) {
		snprintf(msg, len, "backend %s", err);
		return -1;
	}
	addr_fmt(&a, text, sizeof(text));
	for (i = 0; i < svc->nbackends; i++)
		if (strcmp(svc->backends[i].text, text) == 0)
			break;
	if (i == svc->nbackends) {
		snprintf(msg, len, "service \"%s\" has no backend %s", service,
		    text);
		return -1;
	}
	st = snap_backend(sn, svc->index, i);
	if (__atomic_exchange_n(&st->drain, (uint8_t)drain,
	    __ATOMIC_RELAXED) != drain) {
		log_info("service %s: backend %s %s by the operator", service,
		    text, drain ? "drained" : "enabled");
		pool_save_now();	/* a restart keeps the decision */
	}
	if (drain)
		snprintf(msg, len, "%s %s: draining, no new connections; %ld "
		    "open", service, text, __atomic_load_n(&st->conns,
		    __ATOMIC_RELAXED));
	else
		snprintf(msg, len, "%s %s: enabled (%s)", service, text,
		    __atomic_load_n(&st->up, __ATOMIC_RELAXED) ? "up" :
		    "down by its checks");
	return 0;
}
