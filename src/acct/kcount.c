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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <nftables/libnftables.h>

#include "counters.h"
#include "kcount.h"
#include "log.h"

/* A counter as last read (or as the history stored it). */
struct kc {
	char		name[96];
	uint64_t	handle, packets, bytes;
	int		seen;		/* in the last listing */
};

static struct kc	*kc_v;
static size_t		 kc_n;
static uint64_t		 kc_table;	/* handle of the table read */
static int		 kc_known;	/* the history's values are in */
static int		 kc_dirty;	/* moved since the last store */

static struct kc *
kc_get(const char *name, int create)
{
	struct kc	*k;
	size_t		 i;

	for (i = 0; i < kc_n; i++)
		if (strcmp(kc_v[i].name, name) == 0)
			return &kc_v[i];
	if (!create || (k = reallocarray(kc_v, kc_n + 1, sizeof(*k))) ==
	    NULL)
		return NULL;
	kc_v = k;
	k = &kc_v[kc_n++];
	memset(k, 0, sizeof(*k));
	snprintf(k->name, sizeof(k->name), "%s", name);
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

	/* after a reboot every counter started again from zero */
	if (kcount_boot_id(now, sizeof(now)) == -1 || boot == NULL ||
	    strcmp(boot, now) != 0) {
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

/* Run nft commands; with out, their (JSON) output, malloc'd. */
static int
kcount_run(const char *cmds, char **out, char *err, size_t errlen)
{
	struct nft_ctx	*nft;
	const char	*e;
	int		 rc;

	if ((nft = nft_ctx_new(NFT_CTX_DEFAULT)) == NULL) {
		snprintf(err, errlen, "nftables: cannot create a context");
		return -1;
	}
	if (out != NULL)
		nft_ctx_output_set_flags(nft, NFT_CTX_OUTPUT_JSON |
		    NFT_CTX_OUTPUT_HANDLE);
	nft_ctx_buffer_output(nft);
	nft_ctx_buffer_error(nft);
	rc = nft_run_cmd_from_buffer(nft, cmds);
	if (rc != 0) {
		e = nft_ctx_get_error_buffer(nft);
		snprintf(err, errlen, "nftables: %.*s", (int)strcspn(e ? e :
		    "failed", "\n"), e ? e : "failed");
	} else if (out != NULL &&
	    (*out = strdup(nft_ctx_get_output_buffer(nft))) == NULL) {
		snprintf(err, errlen, "out of memory");
		rc = -1;
	}
	nft_ctx_free(nft);
	return rc == 0 ? 0 : -1;
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

int
kcount_poll(char *err, size_t errlen)
{
	json_object	*root, *arr, *e, *c;
	char		*out = NULL, cmd[128];
	size_t		 i, w;

	if (!kc_known)
		return 0;
	/* no table: nothing counts (and the maps' errors say nothing) */
	snprintf(cmd, sizeof(cmd), "list table inet %s", KCOUNT_TABLE);
	if (kcount_run(cmd, &out, err, errlen) == -1) {
		if (strstr(err, "No such file") != NULL) {
			/* the table is gone: its counters too */
			for (i = 0; i < kc_n; i++)
				kc_v[i].seen = 0;
			goto forget;
		}
		return -1;
	}
	if ((root = json_tokener_parse(out)) == NULL ||
	    !json_object_object_get_ex(root, "nftables", &arr)) {
		snprintf(err, errlen, "nftables: unexpected output of \"%s\"",
		    cmd);
		json_object_put(root);
		free(out);
		return -1;
	}
	for (i = 0; i < kc_n; i++)
		kc_v[i].seen = 0;
	kc_table = 0;
	for (i = 0; i < json_object_array_length(arr); i++) {
		e = json_object_array_get_idx(arr, i);
		if (json_object_object_get_ex(e, "table", &c))
			kc_table = kcount_u64(c, "handle");
		else if (json_object_object_get_ex(e, "counter", &c))
			kcount_one(c);
	}
	json_object_put(root);
	free(out);
forget:
	/* counters that are gone: nothing more to read from them */
	for (i = w = 0; i < kc_n; i++) {
		if (kc_v[i].seen)
			kc_v[w++] = kc_v[i];
		else
			kc_dirty = 1;
	}
	kc_n = w;
	return 0;
}

/* Keys already given a counter: two services may name the same port, the
   first has it (as the guard's sets, which also merge them). */
struct kcount_keys {
	char	**v;
	size_t	  n;
};

static int
kcount_key_new(struct kcount_keys *k, const char *map, const char *key)
{
	char	*e, **nv;
	size_t	 i;

	if (asprintf(&e, "%s %s", map, key) == -1)
		return 0;
	for (i = 0; i < k->n; i++)
		if (strcmp(k->v[i], e) == 0) {
			free(e);
			return 0;
		}
	if ((nv = reallocarray(k->v, k->n + 1, sizeof(*nv))) == NULL) {
		free(e);
		return 0;
	}
	k->v = nv;
	k->v[k->n++] = e;
	return 1;
}

static void
kcount_element(FILE *f, struct kcount_keys *keys, const char *map,
    const char *key, const char *counter)
{
	if (kcount_key_new(keys, map, key))
		fprintf(f, "add element inet %s %s { %s : \"%s\" }\n",
		    KCOUNT_TABLE, map, key, counter);
}

/* A nat64 service: its ports in, the answers from them out. */
static void
kcount_nat64(FILE *f, struct kcount_keys *keys, const struct conf_service *s)
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
		snprintf(key, sizeof(key), "%s . %s . %u", a4,
		    conf_l4_name(s->ports[k].proto), s->ports[k].port);
		kcount_element(f, keys, "nat64_out", key, cout);
	}
}

/* The counters and map elements gc needs, as nft commands. */
static void
kcount_elements(FILE *f, const struct gw_conf *gc)
{
	struct kcount_keys	 keys = { NULL, 0 };
	char			 a6[INET6_ADDRSTRLEN], a4[INET_ADDRSTRLEN];
	char			 c[96];
	size_t			 i;

	for (i = 0; i < gc->nat64.npool4 && gc->nat64.on; i++)
		if (kcount_key_new(&keys, "pool4", inet_ntop(AF_INET,
		    &gc->nat64.pool4[i].addr, a4, sizeof(a4))))
			fprintf(f, "add element inet %s pool4 { %s }\n",
			    KCOUNT_TABLE, a4);
	for (i = 0; i < gc->nservices; i++) {
		const struct conf_service *s = &gc->services[i];

		if (s->mode == CONF_NAT64 && gc->nat64.on)
			kcount_nat64(f, &keys, s);
		else if (s->mode == CONF_SIIT && gc->siit.on) {
			fprintf(f, "add counter inet %s c4_in_%s\n"
			    "add counter inet %s c4_out_%s\n", KCOUNT_TABLE,
			    s->name, KCOUNT_TABLE, s->name);
			snprintf(c, sizeof(c), "c4_in_%s", s->name);
			kcount_element(f, &keys, "siit_in", inet_ntop(AF_INET,
			    &s->siit4, a4, sizeof(a4)), c);
			snprintf(c, sizeof(c), "c4_out_%s", s->name);
			kcount_element(f, &keys, "siit_out", inet_ntop(
			    AF_INET6, &s->siit6, a6, sizeof(a6)), c);
		}
	}
	for (i = 0; i < keys.n; i++)
		free(keys.v[i]);
	free(keys.v);
}

static const struct {
	const char	*kind, *name, *type;
} kcount_maps[] = {
	{ "set", "pool4", "ipv4_addr" },
	{ "map", "nat64_in", "ipv6_addr . inet_proto . inet_service : counter" },
	{ "map", "nat64_out", "ipv4_addr . inet_proto . inet_service : counter" },
	{ "map", "nat64_echo_in", "ipv6_addr : counter" },
	{ "map", "nat64_echo_out", "ipv4_addr : counter" },
	{ "map", "siit_in", "ipv4_addr : counter" },
	{ "map", "siit_out", "ipv6_addr : counter" },
};

/* Is name a counter gc's services use? */
static int
kcount_wanted(const struct gw_conf *gc, const char *name)
{
	const char	*svc;
	size_t		 i;
	int		 family, out;

	if (kcount_parse(name, &family, &out, &svc) == -1)
		return 0;
	for (i = 0; i < gc->nservices; i++) {
		const struct conf_service *s = &gc->services[i];

		if (strcmp(s->name, svc) != 0)
			continue;
		if (s->mode == CONF_NAT64 && gc->nat64.on)
			return family == ACCT_IPV6;
		if (s->mode == CONF_SIIT && gc->siit.on)
			return family == ACCT_IPV4;
	}
	return 0;
}

/* The commands that make the table count gc's services. */
static char *
kcount_script(const struct gw_conf *gc)
{
	char	 pool6[INET6_ADDRSTRLEN], *cmds = NULL;
	size_t	 len = 0, i;
	FILE	*f;

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
	    "add rule inet %s count ip daddr @pool4 meta l4proto { tcp, udp } "
	    "counter name ip saddr . meta l4proto . th sport map @nat64_out\n"
	    "add rule inet %s count ip daddr @pool4 icmp type echo-reply "
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
	kcount_elements(f, gc);
	/* after the flushes, nothing refers to them */
	for (i = 0; i < kc_n; i++)
		if (!kcount_wanted(gc, kc_v[i].name))
			fprintf(f, "delete counter inet %s %s\n", KCOUNT_TABLE,
			    kc_v[i].name);
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
	if (!any)
		return kcount_remove(err, errlen);
	if ((cmds = kcount_script(gc)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = kcount_run(cmds, NULL, err, errlen);
	free(cmds);
	if (rc == 0)
		return 0;
	/* a table of another shape (an older v6gated, a hand edit): it was
	   just read, so replacing it loses no more than this instant */
	log_warnx("%s; replacing table inet %s", err, KCOUNT_TABLE);
	if (kcount_remove(err, errlen) == -1)
		return -1;
	kc_n = 0;
	kc_dirty = 1;
	if ((cmds = kcount_script(gc)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	rc = kcount_run(cmds, NULL, err, errlen);
	free(cmds);
	return rc;
}

int
kcount_remove(char *err, size_t errlen)
{
	char	cmds[128];

	snprintf(cmds, sizeof(cmds), "add table inet %s\ndelete table inet "
	    "%s\n", KCOUNT_TABLE, KCOUNT_TABLE);
	return kcount_run(cmds, NULL, err, errlen);
}
