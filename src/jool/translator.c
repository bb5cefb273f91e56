/* SPDX-License-Identifier: ISC */
/*
 * The translator side of the daemon (see translator.h): the plan of
 * reconcile.c (Jool) and of the guard (guard/guard.c, nftables) from
 * reads, then a commit in the order translator_steps() gives, plus the
 * report "v6gatectl jool" prints.  It holds no state between calls: the
 * kernel is the state, read again each time.  It never counts: the
 * daemon calls kcount around a commit.
 */

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "jool.h"
#include "log.h"
#include "nfnl.h"
#include "translator.h"
#include "xtables.h"

/* The Jool counters "v6gatectl jool" shows: the ones that say something. */
static const struct {
	unsigned	 id;
	const char	*key;
} translator_stats[] = {
	{ JOOL_STAT_RECEIVED6, "received6" },
	{ JOOL_STAT_RECEIVED4, "received4" },
	{ JOOL_STAT_SUCCESS, "translated" },
	{ JOOL_STAT_BIB6_NOT_FOUND, "dropped_pool4_exhausted" },
	{ JOOL_STAT_MASK_DOMAIN_NOT_FOUND, "dropped_no_pool4" },
	{ JOOL_STAT_BIB4_NOT_FOUND, "dropped_no_mapping" },
	{ JOOL_STAT_SESSION_NOT_FOUND, "dropped_no_session" },
	{ JOOL_STAT_ADF, "dropped_filtering" },
	{ JOOL_STAT_V4_SYN, "dropped_ipv4_syn" },
	{ JOOL_STAT_UNTRANSLATABLE_DST6, "dropped_untranslatable_dst6" },
	{ JOOL_STAT_UNTRANSLATABLE_DST4, "dropped_untranslatable_dst4" },
	{ JOOL_STAT_64_SRC, "dropped_64_src" },
	{ JOOL_STAT_64_DST, "dropped_64_dst" },
	{ JOOL_STAT_46_SRC, "dropped_46_src" },
	{ JOOL_STAT_46_DST, "dropped_46_dst" },
	{ JOOL_STAT_XLATOR_DISABLED, "dropped_disabled" },
	{ JOOL_STAT_FAILED_ROUTES, "dropped_no_route" },
	{ JOOL_STAT_PKT_TOO_BIG, "dropped_too_big" },
	{ JOOL_STAT_ENOMEM, "dropped_enomem" },
	{ JOOL_STAT_SO_FULL, "dropped_so_full" },
	{ JOOL_STAT_ICMP6ERR_SUCCESS, "icmp6_errors_sent" },
	{ JOOL_STAT_ICMP4ERR_SUCCESS, "icmp4_errors_sent" },
};

#define TRANSLATOR_NSTATS	80

static int
translator_needed(const struct gw_conf *gc)
{
	char	nat64[JOOL_INAME_MAX + 1], siit[JOOL_INAME_MAX + 1];
	char	ver[64], e[256];

	if (gc->nat64.on || gc->siit.on)
		return 1;
	reconcile_owned(gc->state_dir, nat64, siit);
	if (nat64[0] == '\0' && siit[0] == '\0')
		return 0;
	/* instances left from an earlier config go with the module: with
	   no module there is nothing to remove */
	return jool_version_check(ver, sizeof(ver), e, sizeof(e)) == 0;
}

/*
 * What Jool translates now that the guard must keep guarding while it
 * changes: the pool6 of the NAT64 instance v6gate owns, if it exists (the
 * configured one was read with the rest; one the config no longer names
 * is asked for here).
 */
static int
translator_live(struct jnl *j, const struct rec_state *st,
    struct translator_plan *tp, char *err, size_t errlen)
{
	const struct rec_xt_state	*n = &st->nat64;
	struct jool_globals		 g;

	if (n->exists && n->g.has_pool6)
		g = n->g;
	else if (n->owned_exists) {
		if (jool_globals_get(j, JOOL_XT_NAT64, n->owned, &g, err,
		    errlen) == -1)
			return -1;
	} else
		return 0;
	if (g.has_pool6 && g.pool6.len > 0) {
		memcpy(&tp->live[0].addr, &g.pool6.addr,
		    sizeof(tp->live[0].addr));
		tp->live[0].len = g.pool6.len;
		tp->nlive = 1;
	}
	return 0;
}

int
translator_prepare(const struct gw_conf *gc, int recreate,
    struct translator_plan *tp, char *err, size_t errlen)
{
	struct rec_state	st;
	struct jnl		j;
	char			ver[64];
	int			rc;

	memset(tp, 0, sizeof(*tp));
	if (!(tp->needed = translator_needed(gc)))
		return 0;
	if (jool_version_check(ver, sizeof(ver), err, errlen) == -1 ||
	    jnl_open(&j, err, errlen) == -1)
		return -1;
	tp->t_plan = clock_ms(CLOCK_MONOTONIC);
	/* reads only: Jool's state, then the guard's */
	rc = reconcile_read(&j, gc, recreate, &st, err, errlen);
	if (rc == 0) {
		if ((rc = translator_live(&j, &st, tp, err, errlen)) == 0)
			rc = reconcile_plan_state(&st, gc, recreate, &tp->rec,
			    err, errlen);
		reconcile_state_free(&st);
	}
	jnl_close(&j);
	if (rc == 0 && (rc = guard_plan(gc, tp->live, tp->nlive, &tp->guard,
	    err, errlen)) == -1)
		reconcile_free(&tp->rec);
	tp->t_plan = clock_ms(CLOCK_MONOTONIC) - tp->t_plan;
	if (rc == -1)
		tp->needed = 0;
	return rc;
}

size_t
translator_steps(const struct translator_plan *tp,
    enum translator_step *steps)
{
	size_t	n = 0;

	if (!tp->needed)
		return 0;
	/* nothing to guard when no translator is left: the table goes
	   after Jool forgot the instances */
	if (!tp->guard.remove)
		steps[n++] = TS_GUARD_ADD;
	if (tp->rec.n > 0)
		steps[n++] = TS_JOOL;
	steps[n++] = TS_XTABLES;
	steps[n++] = TS_GUARD_PRUNE;
	return n;
}

int
translator_commit(const struct gw_conf *gc, struct translator_plan *tp,
    char *err, size_t errlen)
{
	enum translator_step	 steps[TRANSLATOR_NSTEPS];
	struct jnl		 j;
	char			 e[512];
	int			 jool_ok = 1;
	uint64_t		 t[TRANSLATOR_NSTEPS + 1], t0;
	size_t			 n, i;

	memset(t, 0, sizeof(t));
	n = translator_steps(tp, steps);
	for (i = 0; i < n; i++) {
		t0 = clock_ms(CLOCK_MONOTONIC);
		switch (steps[i]) {
		case TS_GUARD_ADD:
			if (guard_add(gc, &tp->guard, e, sizeof(e)) == -1) {
				snprintf(err, errlen, "nftables guard: %s; "
				    "Jool was not changed", e);
				return -1;
			}
			break;
		case TS_JOOL:
			if (jnl_open(&j, e, sizeof(e)) == 0) {
				if (reconcile_apply(&j, gc->state_dir,
				    &tp->rec, e, sizeof(e)) == -1)
					jool_ok = 0;
				jnl_close(&j);
			} else
				jool_ok = 0;
			if (!jool_ok)
				snprintf(err, errlen, "%s", e);
			break;
		case TS_XTABLES:
			if (jool_ok && xtables_apply(gc, err, errlen) == -1)
				jool_ok = 0;
			break;
		case TS_GUARD_PRUNE:
			/* after a failure too: what is gone from the
			   config lets nothing through any more */
			if (guard_prune(&tp->guard, jool_ok, e,
			    sizeof(e)) == -1) {
				if (jool_ok)
					snprintf(err, errlen, "nftables "
					    "guard: %s", e);
				jool_ok = 0;
			} else
				tp->guarded = 1;
			break;
		}
		t[steps[i]] += clock_ms(CLOCK_MONOTONIC) - t0;
	}
	/* what a big config costs, and where */
	log_info("translator: planned in %llu ms, %zu Jool changes in %llu "
	    "ms, nftables %llu ms, iptables %llu ms",
	    (unsigned long long)tp->t_plan, tp->rec.n,
	    (unsigned long long)t[TS_JOOL],
	    (unsigned long long)(t[TS_GUARD_ADD] + t[TS_GUARD_PRUNE]),
	    (unsigned long long)t[TS_XTABLES]);
	return jool_ok ? 0 : -1;
}

void
translator_discard(struct translator_plan *tp)
{
	reconcile_free(&tp->rec);
	guard_plan_free(&tp->guard);
}

int
translator_teardown(const char *state_dir, char *err, size_t errlen)
{
	struct rec_plan	 p;
	struct jnl	 j;
	char		 ver[64], e[512];
	int		 rc = 0;

	xtables_remove(e, sizeof(e));
	/* no module: no instance either (they go with it) */
	if (jool_version_check(ver, sizeof(ver), e, sizeof(e)) == 0 &&
	    jnl_open(&j, e, sizeof(e)) == 0) {
		/* reconcile_apply() logs each removal */
		if ((rc = reconcile_teardown(&j, state_dir, &p, err,
		    errlen)) == 0) {
			rc = reconcile_apply(&j, state_dir, &p, err, errlen);
			reconcile_free(&p);
		}
		jnl_close(&j);
	}
	if (guard_remove(e, sizeof(e)) == -1) {
		if (rc == 0)
			snprintf(err, errlen, "%s", e);
		rc = -1;
	} else
		log_info("nftables table inet %s: removed", GUARD_TABLE);
	return rc;
}

/* ---------------------------------------------------------------- status */

/* The guard's refusal counter, from nft's JSON output. */
static json_object *
translator_guard_counter(const char *name)
{
	json_object	*res;
	uint64_t	 packets, bytes;
	char		 err[256];

	/* over netlink: "nft list counter" would read every set element
	   of the table first */
	if (nfnl_counter(GUARD_TABLE, name, &packets, &bytes, err,
	    sizeof(err)) != 1)
		return NULL;
	res = json_object_new_object();
	json_object_object_add(res, "packets",
	    json_object_new_int64((int64_t)packets));
	json_object_object_add(res, "bytes",
	    json_object_new_int64((int64_t)bytes));
	return res;
}

static json_object *
translator_counters(struct jnl *j, enum jool_xt xt, const char *iname,
    json_object *inst)
{
	uint64_t	 v[TRANSLATOR_NSTATS];
	char		 err[512];
	json_object	*o;
	size_t		 i;

	if (jool_stats(j, xt, iname, v, TRANSLATOR_NSTATS, err,
	    sizeof(err)) == -1) {
		json_object_object_add(inst, "error",
		    json_object_new_string(err));
		return NULL;
	}
	if (xt == JOOL_XT_NAT64) {
		json_object	*p;

		json_object_object_add(inst, "bib_entries",
		    json_object_new_int64((int64_t)v[JOOL_STAT_BIB_ENTRIES]));
		if (json_object_object_get_ex(inst, "pool4_ports", &p) &&
		    json_object_get_int64(p) > 0)
			json_object_object_add(inst, "pool4_usage_percent",
			    json_object_new_double(100.0 *
			    (double)v[JOOL_STAT_BIB_ENTRIES] /
			    (double)json_object_get_int64(p)));
		json_object_object_add(inst, "sessions",
		    json_object_new_int64((int64_t)v[JOOL_STAT_SESSIONS]));
	}
	o = json_object_new_object();
	for (i = 0; i < sizeof(translator_stats) / sizeof(translator_stats[0]);
	    i++)
		json_object_object_add(o, translator_stats[i].key,
		    json_object_new_int64((int64_t)
		    v[translator_stats[i].id]));
	return o;
}

static json_object *
translator_prefix6(const struct in6_addr *a, unsigned len)
{
	char	buf[INET6_ADDRSTRLEN + 8], ip[INET6_ADDRSTRLEN];

	snprintf(buf, sizeof(buf), "%s/%u", inet_ntop(AF_INET6, a, ip,
	    sizeof(ip)), len);
	return json_object_new_string(buf);
}

static json_object *
translator_instance(struct jnl *j, const struct gw_conf *gc,
    enum jool_xt xt, const char *iname)
{
	static const char *const l4[] = { "tcp", "udp", "icmp" };
	struct jool_globals	 g;
	json_object		*o = json_object_new_object(), *arr, *e;
	char			 err[512], ip[INET6_ADDRSTRLEN], buf[32];
	int			 exists = 0;
	size_t			 i, n;

	json_object_object_add(o, "instance", json_object_new_string(iname));
	if (jool_exists(j, xt, iname, &exists, err, sizeof(err)) == -1) {
		json_object_object_add(o, "error", json_object_new_string(err));
		return o;
	}
	json_object_object_add(o, "exists", json_object_new_boolean(exists));
	if (!exists)
		return o;
	if (jool_globals_get(j, xt, iname, &g, err, sizeof(err)) == 0) {
		json_object_object_add(o, "enabled",
		    json_object_new_boolean(g.enabled == 1));
		if (g.has_pool6 && g.pool6.len > 0)
			json_object_object_add(o, "pool6",
			    translator_prefix6(&g.pool6.addr, g.pool6.len));
	}
	arr = json_object_new_array();
	if (xt == JOOL_XT_NAT64) {
		struct jool_pool4 *p4;

		if (jool_pool4_list(j, iname, &p4, &n, err, sizeof(err)) ==
		    0) {
			uint64_t ports = 0;

			for (i = 0; i < n; i++)
				ports += (uint64_t)p4[i].port_max -
				    p4[i].port_min + 1;
			/* every mapping holds one pool4 transport address */
			json_object_object_add(o, "pool4_ports",
			    json_object_new_int64((int64_t)ports));
			for (i = 0; i < n; i++) {
				e = json_object_new_object();
				json_object_object_add(e, "address",
				    json_object_new_string(inet_ntop(AF_INET,
				    &p4[i].prefix.addr, ip, sizeof(ip))));
				json_object_object_add(e, "protocol",
				    json_object_new_string(l4[p4[i].proto %
				    3]));
				snprintf(buf, sizeof(buf), "%u-%u",
				    p4[i].port_min, p4[i].port_max);
				json_object_object_add(e, "ports",
				    json_object_new_string(buf));
				json_object_array_add(arr, e);
			}
			free(p4);
		}
		json_object_object_add(o, "pool4", arr);
	} else {
		struct jool_eam *eam;

		if (jool_eam_list(j, iname, &eam, &n, err, sizeof(err)) == 0) {
			for (i = 0; i < n; i++) {
				e = json_object_new_object();
				snprintf(buf, sizeof(buf), "/%u",
				    eam[i].p4.len);
				inet_ntop(AF_INET, &eam[i].p4.addr, ip,
				    sizeof(ip));
				strncat(ip, buf, sizeof(ip) - strlen(ip) - 1);
				json_object_object_add(e, "ipv4",
				    json_object_new_string(ip));
				json_object_object_add(e, "ipv6",
				    translator_prefix6(&eam[i].p6.addr,
				    eam[i].p6.len));
				json_object_array_add(arr, e);
			}
			free(eam);
		}
		json_object_object_add(o, "eam", arr);
	}
	if ((e = translator_counters(j, xt, iname, o)) != NULL)
		json_object_object_add(o, "counters", e);
	if ((e = translator_guard_counter(xt == JOOL_XT_NAT64 ?
	    "nat64_refused" : "siit_refused")) != NULL)
		json_object_object_add(o, "guard_refused", e);
	(void)gc;
	return o;
}

json_object *
translator_status(const struct gw_conf *gc)
{
	json_object	*root = json_object_new_object(), *m;
	struct jnl	 j;
	char		 ver[64], err[512];
	int		 ok;

	m = json_object_new_object();
	ver[0] = '\0';
	ok = jool_version_check(ver, sizeof(ver), err, sizeof(err)) == 0;
	json_object_object_add(m, "version", json_object_new_string(ver[0] ?
	    ver : "not loaded"));
	json_object_object_add(m, "accepted", json_object_new_boolean(ok));
	if (!ok)
		json_object_object_add(m, "error", json_object_new_string(err));
	json_object_object_add(root, "module", m);
	if (!ok || jnl_open(&j, err, sizeof(err)) == -1) {
		if (ok)
			json_object_object_add(m, "error",
			    json_object_new_string(err));
		return root;
	}
	if (gc->nat64.on)
		json_object_object_add(root, "nat64", translator_instance(&j,
		    gc, JOOL_XT_NAT64, gc->nat64.instance));
	if (gc->siit.on)
		json_object_object_add(root, "siit", translator_instance(&j,
		    gc, JOOL_XT_SIIT, gc->siit.instance));
	jnl_close(&j);
	return root;
}

static int64_t
translator_int(json_object *o, const char *k)
{
	json_object	*v;

	return json_object_object_get_ex(o, k, &v) ?
	    json_object_get_int64(v) : 0;
}

static const char *
translator_str(json_object *o, const char *k)
{
	json_object	*v;

	return json_object_object_get_ex(o, k, &v) &&
	    json_object_get_string(v) ? json_object_get_string(v) : "";
}

void
translator_status_text(json_object *root, FILE *out)
{
	static const char *const types[] = { "nat64", "siit" };
	json_object	*m, *inst, *arr, *c;
	size_t		 t, i;

	json_object_object_get_ex(root, "module", &m);
	fprintf(out, "Jool module: %s%s%s\n", translator_str(m, "version"),
	    *translator_str(m, "error") ? ": " : "",
	    translator_str(m, "error"));
	for (t = 0; t < 2; t++) {
		if (!json_object_object_get_ex(root, types[t], &inst))
			continue;
		fprintf(out, "\n%s instance %s: %s", types[t],
		    translator_str(inst, "instance"),
		    *translator_str(inst, "error") ? translator_str(inst,
		    "error") : json_object_get_boolean(
		    json_object_object_get(inst, "exists")) ? "present" :
		    "missing");
		if (*translator_str(inst, "pool6"))
			fprintf(out, ", pool6 %s", translator_str(inst,
			    "pool6"));
		fputc('\n', out);
		if (json_object_object_get_ex(inst, "pool4", &arr))
			for (i = 0; i < json_object_array_length(arr); i++) {
				json_object *e = json_object_array_get_idx(arr,
				    i);

				fprintf(out, "  pool4 %s %s %s\n",
				    translator_str(e, "address"),
				    translator_str(e, "protocol"),
				    translator_str(e, "ports"));
			}
		if (json_object_object_get_ex(inst, "eam", &arr))
			for (i = 0; i < json_object_array_length(arr); i++) {
				json_object *e = json_object_array_get_idx(arr,
				    i);

				fprintf(out, "  EAM %s <-> %s\n",
				    translator_str(e, "ipv4"),
				    translator_str(e, "ipv6"));
			}
		if (json_object_object_get_ex(inst, "sessions", &c))
			fprintf(out, "  BIB entries %" PRId64 " (pool4 %.2f %% "
			    "used, of %" PRId64 " ports), sessions %" PRId64
			    "\n", translator_int(inst, "bib_entries"),
			    json_object_get_double(json_object_object_get(inst,
			    "pool4_usage_percent")), translator_int(inst,
			    "pool4_ports"), translator_int(inst, "sessions"));
		if (json_object_object_get_ex(inst, "counters", &c)) {
			json_object_object_foreach(c, k, v) {
				if (json_object_get_int64(v) == 0 &&
				    strncmp(k, "dropped", 7) == 0)
					continue;
				fprintf(out, "  %-32s %" PRId64 "\n", k,
				    json_object_get_int64(v));
			}
		}
		if (json_object_object_get_ex(inst, "guard_refused", &c))
			fprintf(out, "  %-32s %" PRId64 " packets\n",
			    "refused by the guard", translator_int(c,
			    "packets"));
	}
}

/* ------------------------------------------------------------- sessions */

static json_object *
translator_taddr(int af, const void *addr, uint16_t port)
{
	char	ip[INET6_ADDRSTRLEN], buf[INET6_ADDRSTRLEN + 10];

	inet_ntop(af, addr, ip, sizeof(ip));
	snprintf(buf, sizeof(buf), af == AF_INET6 ? "[%s]:%u" : "%s:%u", ip,
	    port);
	return json_object_new_string(buf);
}

json_object *
translator_sessions(const struct gw_conf *gc)
{
	static const char *const l4[] = { "tcp", "udp", "icmp" };
	json_object		*root = json_object_new_object(), *arr, *e;
	struct jool_session	*s;
	struct jnl		 j;
	char			 err[512];
	size_t			 n, i;
	uint8_t			 p;

	arr = json_object_new_array();
	json_object_object_add(root, "sessions", arr);
	if (!gc->nat64.on) {
		json_object_object_add(root, "error",
		    json_object_new_string("no nat64 block in the config"));
		return root;
	}
	if (jnl_open(&j, err, sizeof(err)) == -1) {
		json_object_object_add(root, "error",
		    json_object_new_string(err));
		return root;
	}
	for (p = JOOL_L4_TCP; p <= JOOL_L4_ICMP; p++) {
		if (jool_session_list(&j, gc->nat64.instance, p, &s, &n, err,
		    sizeof(err)) == -1) {
			json_object_object_add(root, "error",
			    json_object_new_string(err));
			break;
		}
		for (i = 0; i < n; i++) {
			e = json_object_new_object();
			json_object_object_add(e, "protocol",
			    json_object_new_string(l4[p]));
			json_object_object_add(e, "client", translator_taddr(
			    AF_INET6, &s[i].src6.addr, s[i].src6.port));
			json_object_object_add(e, "service", translator_taddr(
			    AF_INET6, &s[i].dst6.addr, s[i].dst6.port));
			json_object_object_add(e, "pool4", translator_taddr(
			    AF_INET, &s[i].src4.addr, s[i].src4.port));
			json_object_object_add(e, "server", translator_taddr(
			    AF_INET, &s[i].dst4.addr, s[i].dst4.port));
			json_object_object_add(e, "expires_ms",
			    json_object_new_int64(s[i].expiration_ms));
			json_object_array_add(arr, e);
		}
		free(s);
	}
	jnl_close(&j);
	return root;
}

void
translator_sessions_text(json_object *root, FILE *out)
{
	json_object	*arr, *e;
	size_t		 i, n;

	if (*translator_str(root, "error"))
		fprintf(out, "%s\n", translator_str(root, "error"));
	json_object_object_get_ex(root, "sessions", &arr);
	n = json_object_array_length(arr);
	fprintf(out, "%-5s %-44s %-22s %-22s %s\n", "PROTO", "IPV6 CLIENT",
	    "SEEN AS (POOL4)", "SERVER", "EXPIRES");
	for (i = 0; i < n; i++) {
		e = json_object_array_get_idx(arr, i);
		fprintf(out, "%-5s %-44s %-22s %-22s %" PRId64 " s\n",
		    translator_str(e, "protocol"), translator_str(e, "client"),
		    translator_str(e, "pool4"), translator_str(e, "server"),
		    translator_int(e, "expires_ms") / 1000);
	}
	fprintf(out, "%zu session%s\n", n, n == 1 ? "" : "s");
}
