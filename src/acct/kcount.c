/* SPDX-License-Identifier: ISC */
/*
 * nftables counters for nat64 and siit services (see kcount.h).
 *
 * One counter object per service and direction, named
 * "c<family>_<in|out>_<service>" (service names are nft identifiers
 * already: letters, digits, '-', '_', '.'), found by the chain's rules
 * through maps from addresses to counters.  The rules never change with
 * the services; an apply flushes and refills the maps, adds the counters
 * that are new ("add" keeps an existing counter's values) and deletes the
 * ones no service uses any more, all in one transaction.
 */

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "clients.h"
#include "counters.h"
#include "kcount.h"
#include "log.h"
#include "nftsafe.h"
#include "proxy/route.h"

/* A counter as last read (or as the history stored it). */
struct kc {
	char		name[96];
	uint64_t	handle, packets, bytes;
	int		seen;		/* in the last listing */
};

static struct kc	*kc_v;
static size_t		 kc_n;
static struct route_table *kc_index;	/* name -> index + 1 in kc_v */
static uint64_t		 kc_table;	/* handle of the table read */
static time_t		 kc_seen_at;	/* last read of the seen sets */

/* Where clients of nat64 and siit services arrive, for the seen sets. */
struct kc_svc {
	int		family;
	uint8_t		addr[16];	/* IPv4 as ::ffff:a.b.c.d */
	int		proto, port;	/* 0: any (siit) */
	char		name[65];
};
static struct kc_svc	*kc_svcs;
static size_t		 kc_nsvcs;

/* Seen sets are read every this many seconds; elements live 120 s. */
#define KCOUNT_SEEN_EVERY	10
#define KCOUNT_SEEN_MAX		262144	/* clients in two minutes */
static int		 kc_known;	/* the history's values are in */
static int		 kc_active;	/* the config counts something */
static int		 kc_dirty;	/* moved since the last store */

/*
 * kc_v by name: tens of thousands of counters are read at every poll, so a
 * hash, rebuilt whenever kc_v is compacted (route tables have no delete).
 */
static void
kc_reindex(void)
{
	void	*prev;
	size_t	 i;

	route_free(kc_index);
	if ((kc_index = route_new()) == NULL)
		return;
	for (i = 0; i < kc_n; i++)
		route_add(kc_index, kc_v[i].name, (void *)(uintptr_t)(i + 1),
		    &prev);
}

static struct kc *
kc_get(const char *name, int create)
{
	struct kc	*k;
	void		*v, *prev;

	if (kc_index == NULL)
		kc_reindex();
	if (kc_index != NULL && (v = route_lookup(kc_index, name,
	    strlen(name))) != NULL)
		return &kc_v[(uintptr_t)v - 1];
	if (!create || kc_index == NULL || (k = reallocarray(kc_v, kc_n + 1,
	    sizeof(*k))) == NULL)
		return NULL;
	kc_v = k;
	k = &kc_v[kc_n++];
	memset(k, 0, sizeof(*k));
	snprintf(k->name, sizeof(k->name), "%s", name);
	if (route_add(kc_index, k->name, (void *)(uintptr_t)kc_n, &prev) ==
	    -1) {
		kc_n--;
		return NULL;
	}
	return k;
}

void
kcount_last(const char *name, uint64_t handle, uint64_t packets,
    uint64_t bytes)
{
	struct kc	*k;

	if ((k = kc_get(name, 1)) == NULL)
		return;
	k->handle = handle;
	k->packets = packets;
	k->bytes = bytes;
}

void
kcount_last_known(const char *boot)
{
	char	now[64];

	/* after a reboot every counter started again from zero; without
	   a boot id (some containers) the handles and values still tell */
	if (kcount_boot_id(now, sizeof(now)) == 0 && boot != NULL &&
	    boot[0] != '\0' && strcmp(boot, now) != 0) {
		if (kc_n > 0)
			log_info("nftables counters: a new boot, counting "
			    "from their values");
		kc_n = 0;
	}
	kc_known = 1;
	kc_dirty = 1;
}

int
kcount_boot_id(char *buf, size_t len)
{
	FILE	*f;
	int	 rc = -1;

	if ((f = fopen("/proc/sys/kernel/random/boot_id", "r")) == NULL)
		return -1;
	if (fgets(buf, (int)len, f) != NULL) {
		buf[strcspn(buf, "\n")] = '\0';
		rc = 0;
	}
	fclose(f);
	return rc;
}

int
kcount_foreach(int (*fn)(void *, const char *, uint64_t, uint64_t,
    uint64_t), void *arg)
{
	size_t	i;

	for (i = 0; i < kc_n; i++)
		if (fn(arg, kc_v[i].name, kc_v[i].handle, kc_v[i].packets,
		    kc_v[i].bytes) == -1)
			return -1;
	return 0;
}

int
kcount_dirty(void)
{
	return kc_dirty;
}

void
kcount_stored(void)
{
	kc_dirty = 0;
}

/* "c6_in_mail" -> family, direction, service; -1 if not ours. */
static int
kcount_parse(const char *name, int *family, int *out, const char **svc)
{
	if (name[0] != 'c' || (name[1] != '6' && name[1] != '4') ||
	    name[2] != '_')
		return -1;
	*family = name[1] == '6' ? ACCT_IPV6 : ACCT_IPV4;
	if (strncmp(name + 3, "in_", 3) == 0) {
		*out = 0;
		*svc = name + 6;
	} else if (strncmp(name + 3, "out_", 4) == 0) {
		*out = 1;
		*svc = name + 7;
	} else
		return -1;
	return **svc != '\0' ? 0 : -1;
}

static uint64_t
kcount_u64(json_object *o, const char *k)
{
	json_object	*v;

	return json_object_object_get_ex(o, k, &v) ?
	    (uint64_t)json_object_get_int64(v) : 0;
}

/* One counter of the listing: account its delta since the last read. */
static void
kcount_one(json_object *c)
{
	struct acct_service	*as;
	struct acct_cell	*cell;
	struct kc		*k;
	json_object		*v;
	const char		*name, *svc;
	uint64_t		 handle, packets, bytes, dp, db;
	int			 family, out;

	if (!json_object_object_get_ex(c, "name", &v) ||
	    (name = json_object_get_string(v)) == NULL ||
	    kcount_parse(name, &family, &out, &svc) == -1)
		return;
	/* a recreated table may reuse object handles; not table handles
	   (within a boot: see kcount_boot_id()) */
	handle = kc_table << 32 | kcount_u64(c, "handle");
	packets = kcount_u64(c, "packets");
	bytes = kcount_u64(c, "bytes");
	if ((k = kc_get(name, 0)) == NULL) {
		/* new since the last read: all of it is new */
		if ((k = kc_get(name, 1)) == NULL)
			return;
		k->handle = handle;
		dp = packets;
		db = bytes;
	} else if (k->handle != handle || packets < k->packets ||
	    bytes < k->bytes) {
		/* recreated, or reset: it counts from zero again */
		log_info("nftables counter %s was reset (was %llu bytes, now "
		    "%llu); counting from its new value", name,
		    (unsigned long long)k->bytes, (unsigned long long)bytes);
		dp = packets;
		db = bytes;
	} else {
		dp = packets - k->packets;
		db = bytes - k->bytes;
	}
	k->seen = 1;
	if (k->handle != handle || dp != 0 || db != 0)
		kc_dirty = 1;
	k->handle = handle;
	k->packets = packets;
	k->bytes = bytes;
	if ((dp == 0 && db == 0) || (as = acct_service_get(svc)) == NULL)
		return;
	cell = &as->kern[family];
	if (out) {
		cell->packets_out += dp;
		cell->bytes_out += db;
	} else {
		cell->packets_in += dp;
		cell->bytes_in += db;
	}
}

/*
 * Run listing commands and hand every item of their JSON documents (one
 * per command) to fn.  -1 with err, "No such file" in it when the table
 * is missing.
 */
static int
kcount_list(const char *cmds, void (*fn)(const char *, json_object *),
    char *err, size_t errlen)
{
	struct json_tokener	*tok;
	json_object		*doc, *arr, *e;
	char			*out = NULL, *p;
	size_t			 i;
	int			 rc = 0;

	if (nftsafe_run(cmds, &out, err, errlen) == -1)
		return -1;
	if ((tok = json_tokener_new()) == NULL) {
		free(out);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (p = out; *p != '\0' && rc == 0; ) {
		if (*p == '\n' || *p == ' ') {
			p++;
			continue;
		}
		doc = json_tokener_parse_ex(tok, p, (int)strlen(p));
		if (doc == NULL || !json_object_object_get_ex(doc, "nftables",
		    &arr)) {
			snprintf(err, errlen, "nftables: unexpected output");
			rc = -1;
		} else
			for (i = 0; i < json_object_array_length(arr); i++) {
				e = json_object_array_get_idx(arr, i);
				json_object_object_foreach(e, k, v)
					fn(k, v);
			}
		p += json_tokener_get_parse_end(tok);
		json_tokener_reset(tok);
		json_object_put(doc);
	}
	json_tokener_free(tok);
	free(out);
	return rc;
}

static void
kcount_item(const char *kind, json_object *o)
{
	json_object	*v;

	if (strcmp(kind, "table") == 0 &&
	    json_object_object_get_ex(o, "name", &v) &&
	    strcmp(json_object_get_string(v), KCOUNT_TABLE) == 0)
		kc_table = kcount_u64(o, "handle");
	else if (strcmp(kind, "counter") == 0)
		kcount_one(o);
}

/* A service a client reached: by address, protocol and port (nat64) or
   by address (siit). */
static const struct kc_svc *
kcount_svc(int family, const uint8_t *daddr, int proto, int port)
{
	size_t	i;

	for (i = 0; i < kc_nsvcs; i++)
		if (kc_svcs[i].family == family &&
		    memcmp(kc_svcs[i].addr, daddr, 16) == 0 &&
		    (kc_svcs[i].proto == 0 || (kc_svcs[i].proto == proto &&
		    kc_svcs[i].port == port)))
			return &kc_svcs[i];
	return NULL;
}

/* An element of a seen set: client . service address . proto . port */
static void
kcount_seen_elem(json_object *el)
{
	const struct kc_svc	*ks;
	struct acct_service	*as;
	json_object		*v, *c;
	const char		*client, *daddr, *proto;
	uint8_t			 ckey[16], dkey[16];
	int			 family, pr, port;

	if (json_object_object_get_ex(el, "elem", &v))
		el = v;
	if (!json_object_object_get_ex(el, "val", &v))
		v = el;
	if (!json_object_object_get_ex(v, "concat", &c) ||
	    (json_object_array_length(c) != 4 &&
	    json_object_array_length(c) != 2))
		return;
	client = json_object_get_string(json_object_array_get_idx(c, 0));
	daddr = json_object_get_string(json_object_array_get_idx(c, 1));
	if (client == NULL || daddr == NULL)
		return;
	/* siit's elements have no protocol and port: any matches */
	pr = port = 0;
	if (json_object_array_length(c) == 4 && (proto =
	    json_object_get_string(json_object_array_get_idx(c, 2))) !=
	    NULL) {
		pr = strcmp(proto, "tcp") == 0 ? 6 :
		    strcmp(proto, "udp") == 0 ? 17 : atoi(proto);
		port = json_object_get_int(json_object_array_get_idx(c, 3));
	}
	if (inet_pton(AF_INET6, client, ckey) == 1 &&
	    inet_pton(AF_INET6, daddr, dkey) == 1)
		family = ACCT_IPV6;
	else {
		memset(ckey, 0, 10);
		memset(dkey, 0, 10);
		ckey[10] = ckey[11] = dkey[10] = dkey[11] = 0xff;
		if (inet_pton(AF_INET, client, ckey + 12) != 1 ||
		    inet_pton(AF_INET, daddr, dkey + 12) != 1)
			return;
		family = ACCT_IPV4;
	}
	if ((ks = kcount_svc(family, dkey, pr, port)) == NULL ||
	    (as = acct_service_get(ks->name)) == NULL)
		return;
	clients_seen(as, family, ckey);
}

static void
kcount_seen(const char *kind, json_object *o)
{
	json_object	*elems;
	size_t		 i;

	if (strcmp(kind, "set") != 0 ||
	    !json_object_object_get_ex(o, "elem", &elems))
		return;
	for (i = 0; i < json_object_array_length(elems); i++)
		kcount_seen_elem(json_object_array_get_idx(elems, i));
}

/* Read the seen sets, one nft run each (nft 1.0.6 lists one set a run). */
static void
kcount_seen_read(void)
{
	static const char *const sets[] = { "seen6", "seen4" };
	char	cmd[128], err[256];
	size_t	i;

	for (i = 0; i < 2; i++) {
		snprintf(cmd, sizeof(cmd), "list set inet %s %s\n",
		    KCOUNT_TABLE, sets[i]);
		if (kcount_list(cmd, kcount_seen, err, sizeof(err)) == -1)
			log_debug("%s", err);
	}
}

int
kcount_poll(char *err, size_t errlen)
{
	char	cmds[256];
	size_t	i, w;
	time_t	now = time(NULL);
	int	rc = 0;

	/* a proxy-only gateway never touches nftables */
	if (!kc_known || !kc_active)
		return 0;
	for (i = 0; i < kc_n; i++)
		kc_v[i].seen = 0;
	kc_table = 0;
	snprintf(cmds, sizeof(cmds), "list tables inet\nlist counters table "
	    "inet %s\n", KCOUNT_TABLE);
	if (kcount_list(cmds, kcount_item, err, errlen) == -1) {
		/* no table: its counters are gone (and nothing to read) */
		if (strstr(err, "No such file") != NULL)
			goto forget;
		/* else unknown: keep every counter as it was */
		for (i = 0; i < kc_n; i++)
			kc_v[i].seen = 1;
		rc = -1;
		goto forget;
	}
	/* the clients seen lately: elements live 120 s after a client's
	   last packet, reads are at most KCOUNT_SEEN_EVERY s apart (or a
	   checkpoint, at most 60 s) */
	if (kc_nsvcs > 0 && now - kc_seen_at >= KCOUNT_SEEN_EVERY) {
		kcount_seen_read();
		kc_seen_at = now;
	}
forget:
	/* counters that are gone: nothing more to read from them */
	for (i = w = 0; i < kc_n; i++) {
		if (kc_v[i].seen)
			kc_v[w++] = kc_v[i];
		else
			kc_dirty = 1;
	}
	kc_n = w;
	kc_reindex();
	return rc;
}

/* Keys already given a counter: two services may name the same port, the
   first has it (as the guard's sets, which also merge them).  A hash of
   "map key": 10,000 services make 30,000 keys. */
static int
kcount_key_new(struct route_table *k, const char *map, const char *key)
{
	char	 e[256];
	void	*prev;
	int	 n;

	n = snprintf(e, sizeof(e), "%s %s", map, key);
	if (k == NULL || n < 0 || (size_t)n >= sizeof(e))
		return 0;
	return route_add(k, e, (void *)1, &prev) == 0;
}

static void
kcount_element(FILE *f, struct route_table *keys, const char *map,
    const char *key, const char *counter)
{
	if (kcount_key_new(keys, map, key))
		fprintf(f, "add element inet %s %s { %s : \"%s\" }\n",
		    KCOUNT_TABLE, map, key, counter);
}

/* A nat64 service: its ports in, the answers from them out. */
static void
kcount_nat64(FILE *f, struct route_table *keys, const struct conf_service *s)
{
	char	a6[INET6_ADDRSTRLEN], a4[INET_ADDRSTRLEN], key[96];
	char	cin[96], cout[96];
	size_t	k;

	inet_ntop(AF_INET6, &s->addr6, a6, sizeof(a6));
	inet_ntop(AF_INET, &s->backend4, a4, sizeof(a4));
	snprintf(cin, sizeof(cin), "c6_in_%s", s->name);
	snprintf(cout, sizeof(cout), "c6_out_%s", s->name);
	fprintf(f, "add counter inet %s %s\nadd counter inet %s %s\n",
	    KCOUNT_TABLE, cin, KCOUNT_TABLE, cout);
	for (k = 0; k < s->nports; k++) {
		if (s->ports[k].proto == CONF_L4_ICMP) {
			kcount_element(f, keys, "nat64_echo_in", a6, cin);
			kcount_element(f, keys, "nat64_echo_out", a4, cout);
			continue;
		}
		snprintf(key, sizeof(key), "%s . %s . %u", a6,
		    conf_l4_name(s->ports[k].proto), s->ports[k].port);
		kcount_element(f, keys, "nat64_in", key, cin);
		if (kcount_key_new(keys, "nat64_ports", key))
			fprintf(f, "add element inet %s nat64_ports { %s }\n",
			    KCOUNT_TABLE, key);
		snprintf(key, sizeof(key), "%s . %s . %u", a4,
		    conf_l4_name(s->ports[k].proto), s->ports[k].port);
		kcount_element(f, keys, "nat64_out", key, cout);
	}
}

/* The counters and map elements gc needs, as nft commands. */
static void
kcount_elements(FILE *f, const struct gw_conf *gc)
{
	struct route_table	*keys = route_new();
	char			 a6[INET6_ADDRSTRLEN], a4[INET_ADDRSTRLEN];
	char			 c[96];
	size_t			 i;

	/* answers come back to a pool4 address and port (Jool's ports,
	   not the gateway's own connections to the same server) */
	for (i = 0; i < gc->nat64.npool4 && gc->nat64.on; i++) {
		const struct conf_pool4 *p = &gc->nat64.pool4[i];

		inet_ntop(AF_INET, &p->addr, a4, sizeof(a4));
		if (p->proto == CONF_L4_ICMP) {
			if (kcount_key_new(keys, "pool4_icmp", a4))
				fprintf(f, "add element inet %s pool4_icmp "
				    "{ %s }\n", KCOUNT_TABLE, a4);
			continue;
		}
		snprintf(c, sizeof(c), "%s . %s . %u-%u", a4,
		    conf_l4_name(p->proto), p->port_min, p->port_max);
		if (kcount_key_new(keys, "pool4", c))
			fprintf(f, "add element inet %s pool4 { %s }\n",
			    KCOUNT_TABLE, c);
	}
	for (i = 0; i < gc->nservices; i++) {
		const struct conf_service *s = &gc->services[i];

		if (s->mode == CONF_NAT64 && gc->nat64.on)
			kcount_nat64(f, keys, s);
		else if (s->mode == CONF_SIIT && gc->siit.on) {
			fprintf(f, "add counter inet %s c4_in_%s\n"
			    "add counter inet %s c4_out_%s\n", KCOUNT_TABLE,
			    s->name, KCOUNT_TABLE, s->name);
			snprintf(c, sizeof(c), "c4_in_%s", s->name);
			kcount_element(f, keys, "siit_in", inet_ntop(AF_INET,
			    &s->siit4, a4, sizeof(a4)), c);
			snprintf(c, sizeof(c), "c4_out_%s", s->name);
			kcount_element(f, keys, "siit_out", inet_ntop(
			    AF_INET6, &s->siit6, a6, sizeof(a6)), c);
			if (kcount_key_new(keys, "siit_v4", a4))
				fprintf(f, "add element inet %s siit_v4 { %s }\n",
				    KCOUNT_TABLE, a4);
		}
	}
	route_free(keys);
}

static const struct {
	const char	*kind, *name, *type;
} kcount_maps[] = {
	{ "set", "pool4", "ipv4_addr . inet_proto . inet_service; flags "
	    "interval" },
	{ "set", "pool4_icmp", "ipv4_addr" },
	{ "map", "nat64_in", "ipv6_addr . inet_proto . inet_service : counter" },
	{ "map", "nat64_out", "ipv4_addr . inet_proto . inet_service : counter" },
	{ "map", "nat64_echo_in", "ipv6_addr : counter" },
	{ "map", "nat64_echo_out", "ipv4_addr : counter" },
	{ "map", "siit_in", "ipv4_addr : counter" },
	{ "map", "siit_out", "ipv6_addr : counter" },
	{ "set", "siit_v4", "ipv4_addr" },
	{ "set", "nat64_ports", "ipv6_addr . inet_proto . inet_service" },
};

/* Is name a counter gc's services use?  byname: gc's services by name. */
static int
kcount_wanted(const struct gw_conf *gc, const struct route_table *byname,
    const char *name)
{
	const struct conf_service	*s;
	const char			*svc;
	int				 family, out;

	if (kcount_parse(name, &family, &out, &svc) == -1 ||
	    (s = route_lookup(byname, svc, strlen(svc))) == NULL)
		return 0;
	if (s->mode == CONF_NAT64 && gc->nat64.on)
		return family == ACCT_IPV6;
	if (s->mode == CONF_SIIT && gc->siit.on)
		return family == ACCT_IPV4;
	return 0;
}

static void
kcount_svc_add(int family, const void *addr, int proto, int port,
    const char *name)
{
	struct kc_svc	*n;

	if ((n = reallocarray(kc_svcs, kc_nsvcs + 1, sizeof(*n))) == NULL)
		return;
	kc_svcs = n;
	n = &kc_svcs[kc_nsvcs++];
	memset(n, 0, sizeof(*n));
	n->family = family;
	if (family == ACCT_IPV6)
		memcpy(n->addr, addr, 16);
	else {
		n->addr[10] = n->addr[11] = 0xff;
		memcpy(n->addr + 12, addr, 4);
	}
	n->proto = proto;
	n->port = port;
	snprintf(n->name, sizeof(n->name), "%s", name);
}

/* Where gc's nat64 and siit services are reached, for the seen sets. */
static void
kcount_svcs(const struct gw_conf *gc)
{
	size_t	i, k;

	kc_nsvcs = 0;
	for (i = 0; i < gc->nservices; i++) {
		const struct conf_service *s = &gc->services[i];

		if (s->mode == CONF_NAT64 && gc->nat64.on) {
			for (k = 0; k < s->nports; k++)
				if (s->ports[k].proto != CONF_L4_ICMP)
					kcount_svc_add(ACCT_IPV6, &s->addr6,
					    s->ports[k].proto == CONF_L4_TCP ?
					    6 : 17, s->ports[k].port,
					    s->name);
		} else if (s->mode == CONF_SIIT && gc->siit.on)
			kcount_svc_add(ACCT_IPV4, &s->siit4, 0, 0, s->name);
	}
}

/* The commands that make the table count gc's services. */
static char *
kcount_script(const struct gw_conf *gc)
{
	char			 pool6[INET6_ADDRSTRLEN], *cmds = NULL;
	size_t			 len = 0, i;
	FILE			*f;
	struct route_table	*byname;
	void			*prev;

	if ((f = open_memstream(&cmds, &len)) == NULL)
		return NULL;
	fprintf(f, "add table inet %s\n", KCOUNT_TABLE);
	for (i = 0; i < sizeof(kcount_maps) / sizeof(kcount_maps[0]); i++)
		fprintf(f, "add %s inet %s %s { type %s; }\nflush %s inet %s "
		    "%s\n", kcount_maps[i].kind, KCOUNT_TABLE,
		    kcount_maps[i].name, kcount_maps[i].type,
		    kcount_maps[i].kind, KCOUNT_TABLE, kcount_maps[i].name);
	/* after the guard (-300), before Jool (-75); TCP and UDP by port,
	   ICMP echo by address; ICMP errors are not counted */
	fprintf(f, "add chain inet %s count { type filter hook prerouting "
	    "priority -290; policy accept; }\n"
	    "flush chain inet %s count\n"
	    "add rule inet %s count meta l4proto { tcp, udp } counter name "
	    "ip6 daddr . meta l4proto . th dport map @nat64_in\n"
	    "add rule inet %s count icmpv6 type echo-request counter name "
	    "ip6 daddr map @nat64_echo_in\n"
	    "add rule inet %s count meta l4proto { tcp, udp } ip daddr . "
	    "meta l4proto . th dport @pool4 counter name ip saddr . "
	    "meta l4proto . th sport map @nat64_out\n"
	    "add rule inet %s count ip daddr @pool4_icmp icmp type echo-reply "
	    "counter name ip saddr map @nat64_echo_out\n"
	    "add rule inet %s count counter name ip daddr map @siit_in\n",
	    KCOUNT_TABLE, KCOUNT_TABLE, KCOUNT_TABLE, KCOUNT_TABLE,
	    KCOUNT_TABLE, KCOUNT_TABLE, KCOUNT_TABLE);
	if (gc->siit.on) {
		inet_ntop(AF_INET6, &gc->siit.pool6, pool6, sizeof(pool6));
		fprintf(f, "add rule inet %s count ip6 daddr %s/%u counter "
		    "name ip6 saddr map @siit_out\n", KCOUNT_TABLE, pool6,
		    gc->siit.pool6_len);
	}
	/* the clients, for the distinct counts: TCP and UDP other than DNS
	   (a client seen only in ICMP or DNS is not an active user); the
	   sets keep their elements across applies */
	fprintf(f, "add set inet %s seen6 { type ipv6_addr . ipv6_addr . "
	    "inet_proto . inet_service; flags dynamic, timeout; timeout "
	    "120s; size %d; }\n"
	    "add set inet %s seen4 { type ipv4_addr . ipv4_addr; flags "
	    "dynamic, timeout; timeout 120s; size %d; }\n"
	    "add rule inet %s count meta l4proto { tcp, udp } th dport != 53 "
	    "ip6 daddr . meta l4proto . th dport @nat64_ports update @seen6 "
	    "{ ip6 saddr . ip6 daddr . meta l4proto . th dport }\n"
	    "add rule inet %s count meta l4proto { tcp, udp } th dport != 53 "
	    "ip daddr @siit_v4 update @seen4 { ip saddr . ip daddr }\n",
	    KCOUNT_TABLE, KCOUNT_SEEN_MAX, KCOUNT_TABLE, KCOUNT_SEEN_MAX,
	    KCOUNT_TABLE, KCOUNT_TABLE);
	kcount_elements(f, gc);
	/* after the flushes, nothing refers to them */
	if ((byname = route_new()) == NULL) {
		fclose(f);
		free(cmds);
		return NULL;
	}
	for (i = 0; i < gc->nservices; i++)
		route_add(byname, gc->services[i].name, &gc->services[i],
		    &prev);
	for (i = 0; i < kc_n; i++)
		if (kc_v[i].seen && !kcount_wanted(gc, byname, kc_v[i].name))
			fprintf(f, "delete counter inet %s %s\n", KCOUNT_TABLE,
			    kc_v[i].name);
	route_free(byname);
	if (fclose(f) == EOF) {
		free(cmds);
		return NULL;
	}
	return cmds;
}

int
kcount_apply(const struct gw_conf *gc, char *err, size_t errlen)
{
	char	*cmds;
	size_t	 i;
	int	 rc, any = 0;

	for (i = 0; i < gc->nservices; i++)
		if ((gc->services[i].mode == CONF_NAT64 && gc->nat64.on) ||
		    (gc->services[i].mode == CONF_SIIT && gc->siit.on))
			any = 1;
	/* what the counters hold now is kept, whatever goes */
	if (kcount_poll(err, errlen) == -1)
		log_warnx("%s", err);
	kcount_svcs(gc);
	kc_active = any;
	if (!any)
		return kcount_remove(err, errlen);
	if ((cmds = kcount_script(gc)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = nftsafe_run(cmds, NULL, err, errlen);
	free(cmds);
	if (rc == 0)
		return 0;
	/* a table of another shape (an older v6gated, a hand edit): it was
	   just read, so replacing it loses no more than this instant */
	log_warnx("%s; replacing table inet %s", err, KCOUNT_TABLE);
	if (kcount_remove(err, errlen) == -1)
		return -1;
	kc_n = 0;
	kc_reindex();
	kc_dirty = 1;
	if ((cmds = kcount_script(gc)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = nftsafe_run(cmds, NULL, err, errlen);
	free(cmds);
	return rc;
}

int
kcount_remove(char *err, size_t errlen)
{
	char	cmds[128];

	snprintf(cmds, sizeof(cmds), "add table inet %s\ndelete table inet "
	    "%s\n", KCOUNT_TABLE, KCOUNT_TABLE);
	return nftsafe_run(cmds, NULL, err, errlen);
}
