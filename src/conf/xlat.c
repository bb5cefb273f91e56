/* SPDX-License-Identifier: ISC */
/*
 * The translator parts of the configuration: the nat64 and siit blocks and
 * the services of mode "nat64" and "siit" (see conf.c for the rest and for
 * how errors are reported).  Every value that will reach the kernel is
 * checked here first, with the rules Jool itself does not enforce: Jool
 * 4.1.9 crashes on some malformed requests, and translates toward any IPv4
 * address a client embeds in pool6.
 */

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>

#include "conf_int.h"

static const char *const xlat_nat64_keys[] = {
	"instance", "pool6", "pool4", "allow_wkp_nonglobal", NULL
};
static const char *const xlat_siit_keys[] = {
	"instance", "pool6", NULL
};
static const char *const xlat_pool4_keys[] = {
	"address", "protocol", "ports", NULL
};
static const char *const xlat_nat64_svc_keys[] = {
	"name", "mode", "backend", "ports", NULL
};
static const char *const xlat_siit_svc_keys[] = {
	"name", "mode", "ipv4", "ipv6", NULL
};

/* 64:ff9b::/96, RFC 6052 §2.1 */
static const uint8_t xlat_wkp[12] = { 0, 0x64, 0xff, 0x9b };

/* "2001:db8:64::/96": RFC 6052 §2.2 lengths; bits 64-71 (u) zero. */
static int
xlat_prefix6(const char *s, struct in6_addr *a, uint8_t *len, char *err,
    size_t errlen)
{
	char		 buf[INET6_ADDRSTRLEN + 4], *slash, *end;
	long		 l;
	int		 i;

	if (strlen(s) >= sizeof(buf) || (slash = strchr(s, '/')) == NULL) {
		snprintf(err, errlen, "\"%s\": expected an IPv6 prefix "
		    "(\"2001:db8:64::/96\")", s);
		return -1;
	}
	memcpy(buf, s, (size_t)(slash - s));
	buf[slash - s] = '\0';
	l = strtol(slash + 1, &end, 10);
	if (inet_pton(AF_INET6, buf, a) != 1 || *end != '\0' || end ==
	    slash + 1) {
		snprintf(err, errlen, "\"%s\": expected an IPv6 prefix "
		    "(\"2001:db8:64::/96\")", s);
		return -1;
	}
	if (l != 32 && l != 40 && l != 48 && l != 56 && l != 64 && l != 96) {
		snprintf(err, errlen, "\"%s\": length must be 32, 40, 48, 56, "
		    "64 or 96 (RFC 6052 §2.2)", s);
		return -1;
	}
	if (a->s6_addr[8] != 0) {
		snprintf(err, errlen, "\"%s\": bits 64-71 must be zero "
		    "(RFC 6052 §2.2)", s);
		return -1;
	}
	for (i = (int)l; i < 128; i++)
		if (a->s6_addr[i / 8] & (0x80 >> (i % 8))) {
			snprintf(err, errlen, "\"%s\": host bits set after "
			    "/%ld", s, l);
			return -1;
		}
	*len = (uint8_t)l;
	return 0;
}

void
conf_xlat_embed(const struct in6_addr *prefix, uint8_t len,
    struct in_addr v4,
    struct in6_addr *out)
{
	const uint8_t	*b = (const uint8_t *)&v4.s_addr;
	int		 i, pos = len / 8;

	/* RFC 6052 §2.2: the IPv4 octets follow the prefix, skipping the
	   u octet (byte 8); what remains after them is zero */
	*out = *prefix;
	for (i = 0; i < 4; i++, pos++) {
		if (pos == 8)
			pos++;
		out->s6_addr[pos] = b[i];
	}
}

/* Not global (RFC 6890): may not be embedded in the WKP (RFC 6052 §3.1). */
static int
xlat_nonglobal(struct in_addr a)
{
	static const struct {
		uint32_t	net;
		int		len;
	} nets[] = {
		{ 0x00000000, 8 }, { 0x0a000000, 8 }, { 0x64400000, 10 },
		{ 0x7f000000, 8 }, { 0xa9fe0000, 16 }, { 0xac100000, 12 },
		{ 0xc0000000, 24 }, { 0xc0000200, 24 }, { 0xc0586300, 24 },
		{ 0xc0a80000, 16 }, { 0xc6120000, 15 }, { 0xc6336400, 24 },
		{ 0xcb007100, 24 }, { 0xe0000000, 4 }, { 0xf0000000, 4 },
	};
	uint32_t	h = ntohl(a.s_addr);
	size_t		i;

	for (i = 0; i < sizeof(nets) / sizeof(nets[0]); i++)
		if ((h >> (32 - nets[i].len)) == (nets[i].net >>
		    (32 - nets[i].len)))
			return 1;
	return 0;
}

/* Never a server: 0/8, 127/8, multicast, 240/4 and broadcast. */
static int
xlat_unusable4(struct in_addr a)
{
	uint32_t	h = ntohl(a.s_addr);

	return (h >> 24) == 0 || (h >> 24) == 127 || (h >> 28) >= 0xe;
}

/* a inside prefix/len */
static int
xlat_in6(const struct in6_addr *a, const struct in6_addr *prefix,
    uint8_t len)
{
	int	i;

	for (i = 0; i < len; i++)
		if ((a->s6_addr[i / 8] ^ prefix->s6_addr[i / 8]) &
		    (0x80 >> (i % 8)))
			return 0;
	return 1;
}

static int
xlat_ipv4(const char *s, struct in_addr *a)
{
	return inet_pton(AF_INET, s, a) == 1 ? 0 : -1;
}

static int
xlat_instance(struct conf_ctx *ctx, const config_setting_t *g,
    const char *path, char *out, const char *dflt)
{
	const char	*str;
	size_t		 i, n;

	snprintf(out, 16, "%s", dflt);
	if (conf_get_string(ctx, g, "instance", path, &str) != 1)
		return 0;
	n = strlen(str);
	for (i = 0; i < n; i++)
		if (!(str[i] >= 'a' && str[i] <= 'z') && !(str[i] >= 'A' &&
		    str[i] <= 'Z') && !(str[i] >= '0' && str[i] <= '9') &&
		    str[i] != '-' && str[i] != '_' && str[i] != '.')
			break;
	if (n == 0 || n > 15 || i < n) {
		char	ipath[32];

		snprintf(ipath, sizeof(ipath), "%s.instance", path);
		conf_err(ctx, config_setting_get_member(g, "instance"), ipath,
		    "\"%s\" invalid (1-15 letters, digits, '-', '_', "
		    "'.': Jool's limit)", str);
		return -1;
	}
	snprintf(out, 16, "%s", str);
	return 0;
}

static int
xlat_get_pool6(struct conf_ctx *ctx, const config_setting_t *g,
    const char *path, struct in6_addr *a, uint8_t *len)
{
	const char	*str;
	char		 err[256], full[64];

	snprintf(full, sizeof(full), "%s.pool6", path);
	switch (conf_get_string(ctx, g, "pool6", path, &str)) {
	case 0:
		conf_err(ctx, g, full, "required (\"2001:db8:64::/96\")");
		return -1;
	case -1:
		return -1;
	}
	if (xlat_prefix6(str, a, len, err, sizeof(err)) == -1) {
		conf_err(ctx, config_setting_get_member(g, "pool6"), full,
		    "%s", err);
		return -1;
	}
	return 0;
}

static int
xlat_l4(const char *s, enum conf_l4 *p)
{
	if (strcmp(s, "tcp") == 0)
		*p = CONF_L4_TCP;
	else if (strcmp(s, "udp") == 0)
		*p = CONF_L4_UDP;
	else if (strcmp(s, "icmp") == 0)
		*p = CONF_L4_ICMP;
	else
		return -1;
	return 0;
}

/* "61001-65535" or "8080" */
static int
xlat_range(const char *s, int min_port, uint16_t *lo, uint16_t *hi)
{
	char	*end;
	long	 a, b;

	a = strtol(s, &end, 10);
	if (end == s)
		return -1;
	b = a;
	if (*end == '-') {
		const char *t = end + 1;

		b = strtol(t, &end, 10);
		if (end == t)
			return -1;
	}
	if (*end != '\0' || a < min_port || b > 65535 || a > b)
		return -1;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

/* The gateway's own ephemeral ports: pool4 must stay out of them. */
static void
xlat_local_ports(unsigned *lo, unsigned *hi)
{
	FILE	*f;

	*lo = 32768;
	*hi = 60999;
	if ((f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) !=
	    NULL) {
		if (fscanf(f, "%u %u", lo, hi) != 2) {
			*lo = 32768;
			*hi = 60999;
		}
		fclose(f);
	}
}

static void
xlat_pool4(struct conf_ctx *ctx, config_setting_t *list)
{
	struct conf_nat64	*n = &ctx->gc->nat64;
	unsigned		 eph_lo, eph_hi;
	int			 i, cnt;
	size_t			 j;

	if (config_setting_type(list) != CONFIG_TYPE_LIST) {
		conf_err(ctx, list, "nat64.pool4", "must be a list ( { address "
		    "= ...; protocol = ...; }, ... )");
		return;
	}
	cnt = config_setting_length(list);
	if (cnt == 0) {
		conf_err(ctx, list, "nat64.pool4", "at least one entry is "
		    "required");
		return;
	}
	if ((n->pool4 = calloc((size_t)cnt, sizeof(*n->pool4))) == NULL) {
		conf_err(ctx, list, "nat64.pool4", "out of memory");
		return;
	}
	xlat_local_ports(&eph_lo, &eph_hi);
	for (i = 0; i < cnt; i++) {
		config_setting_t	*e = config_setting_get_elem(list,
					    (unsigned)i);
		struct conf_pool4	*p = &n->pool4[n->npool4];
		const char		*str;
		char			 path[64];
		int			 ok = 1;

		snprintf(path, sizeof(path), "nat64.pool4.[%d]", i);
		if (config_setting_type(e) != CONFIG_TYPE_GROUP) {
			conf_err(ctx, e, path, "must be a group { address = "
			    "...; protocol = ...; ports = ...; }");
			continue;
		}
		conf_check_keys(ctx, e, path, xlat_pool4_keys);
		p->line = conf_line(e);
		if (conf_get_string(ctx, e, "address", path, &str) != 1 ||
		    xlat_ipv4(str, &p->addr) == -1) {
			conf_err(ctx, e, path, "\"address\": an IPv4 address "
			    "is required");
			ok = 0;
		}
		if (conf_get_string(ctx, e, "protocol", path, &str) != 1 ||
		    xlat_l4(str, &p->proto) == -1) {
			conf_err(ctx, e, path, "\"protocol\": \"tcp\", \"udp\" "
			    "or \"icmp\" is required");
			ok = 0;
		}
		if (!ok)
			continue;
		/* Jool's own defaults: 61001-65535; ICMP ids all of them */
		p->port_min = p->proto == CONF_L4_ICMP ? 0 : 61001;
		p->port_max = 65535;
		if (conf_get_string(ctx, e, "ports", path, &str) == 1 &&
		    xlat_range(str, p->proto == CONF_L4_ICMP ? 0 : 1,
		    &p->port_min, &p->port_max) == -1) {
			conf_err(ctx, config_setting_get_member(e, "ports"),
			    path, "ports \"%s\" invalid (\"61001-65535\"; "
			    "1-65535, or 0-65535 for icmp)", str);
			continue;
		}
		for (j = 0; j < n->npool4; j++) {
			struct conf_pool4 *q = &n->pool4[j];

			if (q->addr.s_addr == p->addr.s_addr &&
			    q->proto == p->proto && q->port_min <=
			    p->port_max && p->port_min <= q->port_max)
				break;
		}
		if (j < n->npool4) {
			conf_err(ctx, e, path, "overlaps the entry at line %d",
			    n->pool4[j].line);
			continue;
		}
		if (p->proto != CONF_L4_ICMP && p->port_min <= eph_hi &&
		    eph_lo <= p->port_max)
			conf_warn(ctx, e, path, "ports %u-%u overlap the "
			    "gateway's own ephemeral ports %u-%u "
			    "(ip_local_port_range): its own connections may "
			    "collide with translated ones", p->port_min,
			    p->port_max, eph_lo, eph_hi);
		n->npool4++;
	}
}

void
conf_xlat_blocks(struct conf_ctx *ctx, const config_setting_t *root)
{
	struct gw_conf		*gc = ctx->gc;
	config_setting_t	*g, *l;

	if ((g = conf_get_group(ctx, root, "nat64", "")) != NULL) {
		gc->nat64.on = 1;
		gc->nat64.line = conf_line(g);
		conf_check_keys(ctx, g, "nat64", xlat_nat64_keys);
		xlat_instance(ctx, g, "nat64", gc->nat64.instance, "v6gate");
		xlat_get_pool6(ctx, g, "nat64", &gc->nat64.pool6,
		    &gc->nat64.pool6_len);
		conf_get_bool(ctx, g, "allow_wkp_nonglobal", "nat64",
		    &ctx->allow_wkp_nonglobal);
		if ((l = config_setting_get_member(g, "pool4")) == NULL)
			conf_err(ctx, g, "nat64.pool4", "required: the IPv4 "
			    "addresses the servers will see ( { address = "
			    "\"192.0.2.1\"; protocol = \"tcp\"; } )");
		else
			xlat_pool4(ctx, l);
	}
	if ((g = conf_get_group(ctx, root, "siit", "")) != NULL) {
		gc->siit.on = 1;
		gc->siit.line = conf_line(g);
		conf_check_keys(ctx, g, "siit", xlat_siit_keys);
		xlat_instance(ctx, g, "siit", gc->siit.instance,
		    "v6gate-siit");
		xlat_get_pool6(ctx, g, "siit", &gc->siit.pool6,
		    &gc->siit.pool6_len);
	}
	if (gc->nat64.on && gc->siit.on && gc->nat64.pool6_len > 0 &&
	    gc->siit.pool6_len > 0 && (xlat_in6(&gc->nat64.pool6,
	    &gc->siit.pool6, gc->siit.pool6_len) || xlat_in6(&gc->siit.pool6,
	    &gc->nat64.pool6, gc->nat64.pool6_len)))
		conf_err_line(ctx, gc->siit.line, "siit.pool6", "overlaps "
		    "nat64.pool6 (line %d): the two translators need prefixes "
		    "of their own", gc->nat64.line);
	if (gc->nat64.on && gc->siit.on &&
	    strcmp(gc->nat64.instance, gc->siit.instance) == 0)
		conf_err_line(ctx, gc->siit.line, "siit.instance", "\"%s\" is "
		    "the nat64 instance's name too (line %d): use two names",
		    gc->siit.instance, gc->nat64.line);
}

/* "tcp/25", "udp/53", "icmp" */
static int
xlat_port(const char *s, struct conf_port *p)
{
	const char	*slash = strchr(s, '/');
	char		 proto[8];
	uint16_t	 lo, hi;

	if (strcmp(s, "icmp") == 0) {
		p->proto = CONF_L4_ICMP;
		p->port = 0;
		return 0;
	}
	if (slash == NULL || (size_t)(slash - s) >= sizeof(proto))
		return -1;
	memcpy(proto, s, (size_t)(slash - s));
	proto[slash - s] = '\0';
	if (xlat_l4(proto, &p->proto) == -1 || p->proto == CONF_L4_ICMP ||
	    xlat_range(slash + 1, 1, &lo, &hi) == -1 || lo != hi)
		return -1;
	p->port = lo;
	return 0;
}

static void
xlat_service_nat64(struct conf_ctx *ctx, config_setting_t *s,
    struct conf_service *svc, const char *path)
{
	struct gw_conf		*gc = ctx->gc;
	struct conf_service	*o;
	config_setting_t	*arr, *at;
	const char		*str;
	char			 epath[96], bpath[80];
	uint8_t			 claim[7];
	int			 n, i;
	size_t			 j;

	conf_check_keys(ctx, s, path, xlat_nat64_svc_keys);
	if (!gc->nat64.on)
		conf_err(ctx, s, path, "mode \"nat64\" needs a nat64 { } block "
		    "(instance, pool6, pool4)");
	/* (the paths of messages are made only for a message) */
#define BPATH	(snprintf(bpath, sizeof(bpath), "%s.backend", path), bpath)
#define EPATH(i) (snprintf(epath, sizeof(epath), "%s.ports.[%d]", path, \
	(i)), epath)
	switch (conf_get_string(ctx, s, "backend", path, &str)) {
	case 0:
		conf_err(ctx, s, BPATH, "the server's IPv4 address is "
		    "required (\"10.1.0.9\", no port)");
		return;
	case -1:
		return;
	}
	if (xlat_ipv4(str, &svc->backend4) == -1) {
		conf_err(ctx, config_setting_get_member(s, "backend"), BPATH,
		    "\"%s\": an IPv4 address is required (\"10.1.0.9\", no "
		    "port)", str);
		return;
	}
	if (xlat_unusable4(svc->backend4)) {
		conf_err(ctx, config_setting_get_member(s, "backend"), BPATH,
		    "%s cannot be a server (this network, loopback, multicast "
		    "or reserved)", str);
		return;
	}
	if (gc->nat64.on) {
		conf_xlat_embed(&gc->nat64.pool6, gc->nat64.pool6_len,
		    svc->backend4, &svc->addr6);
		if (memcmp(&gc->nat64.pool6, xlat_wkp, sizeof(xlat_wkp)) ==
		    0 && gc->nat64.pool6_len == 96 &&
		    xlat_nonglobal(svc->backend4) &&
		    !ctx->allow_wkp_nonglobal)
			conf_err(ctx, config_setting_get_member(s, "backend"),
			    BPATH, "%s is not a global address: RFC 6052 §3.1 "
			    "forbids it behind the Well-Known Prefix "
			    "64:ff9b::/96 (use a network-specific pool6, or "
			    "set nat64.allow_wkp_nonglobal = true)", str);
		for (j = 0; j < gc->nat64.npool4; j++)
			if (gc->nat64.pool4[j].addr.s_addr ==
			    svc->backend4.s_addr) {
				conf_err(ctx, config_setting_get_member(s,
				    "backend"), BPATH, "%s is a pool4 address "
				    "(line %d), not a server", str,
				    gc->nat64.pool4[j].line);
				break;
			}
	}
	n = conf_get_strings(ctx, s, "ports", path, &arr);
	if (n == 0)
		conf_err(ctx, arr ? arr : s, (snprintf(epath, sizeof(epath),
		    "%s.ports", path), epath), "at least one is required "
		    "(\"tcp/25\", \"udp/53\", \"icmp\")");
	if (n <= 0 || (svc->ports = calloc((size_t)n, sizeof(*svc->ports))) ==
	    NULL)
		return;
	for (i = 0; i < n; i++) {
		struct conf_port *p = &svc->ports[svc->nports];

		str = conf_strings_elem(arr, i, &at);
		if (xlat_port(str, p) == -1) {
			conf_err(ctx, at, EPATH(i), "\"%s\" invalid (\"tcp/25\", "
			    "\"udp/53\", \"icmp\")", str);
			continue;
		}
		for (j = 0; j < svc->nports; j++)
			if (svc->ports[j].proto == p->proto &&
			    svc->ports[j].port == p->port)
				break;
		if (j < svc->nports) {
			conf_err(ctx, at, EPATH(i), "\"%s\" listed twice", str);
			continue;
		}
		/* another service on the same server must not claim it */
		memcpy(claim, &svc->backend4, 4);
		claim[4] = (uint8_t)p->proto;
		claim[5] = (uint8_t)(p->port >> 8);
		claim[6] = (uint8_t)p->port;
		if ((o = conf_claim(ctx, svc, "nat64", claim,
		    sizeof(claim))) != NULL && o != svc)
			conf_err(ctx, at, EPATH(i), "\"%s\" on %s is service "
			    "\"%s\"'s already (line %d)", str,
			    inet_ntoa(svc->backend4), o->name, o->line);
		/* NAT64 needs pool4 ports of that protocol to translate */
		for (j = 0; gc->nat64.on && j < gc->nat64.npool4; j++)
			if (gc->nat64.pool4[j].proto == p->proto)
				break;
		if (gc->nat64.on && gc->nat64.npool4 > 0 &&
		    j == gc->nat64.npool4)
			conf_err(ctx, at, EPATH(i), "\"%s\": nat64.pool4 has no "
			    "%s entry to translate it with", str,
			    conf_l4_name(p->proto));
		svc->nports++;
	}
#undef BPATH
#undef EPATH
}

static void
xlat_service_siit(struct conf_ctx *ctx, config_setting_t *s,
    struct conf_service *svc, const char *path)
{
	struct gw_conf		*gc = ctx->gc;
	struct conf_service	*o;
	const char		*str;
	size_t			 j;
	int			 ok = 1;

	conf_check_keys(ctx, s, path, xlat_siit_svc_keys);
	if (!gc->siit.on)
		conf_err(ctx, s, path, "mode \"siit\" needs a siit { } block "
		    "(instance, pool6)");
	if (conf_get_string(ctx, s, "ipv4", path, &str) != 1 ||
	    xlat_ipv4(str, &svc->siit4) == -1) {
		conf_err(ctx, s, path, "\"ipv4\": the IPv4 address IPv4 "
		    "clients use is required (\"192.0.2.50\")");
		ok = 0;
	}
	if (conf_get_string(ctx, s, "ipv6", path, &str) != 1 ||
	    inet_pton(AF_INET6, str, &svc->siit6) != 1) {
		conf_err(ctx, s, path, "\"ipv6\": the IPv6-only server's "
		    "address is required (\"2001:db8:200::50\")");
		ok = 0;
	}
	if (!ok)
		return;
	if (xlat_unusable4(svc->siit4))
		conf_err(ctx, config_setting_get_member(s, "ipv4"), path,
		    "ipv4: not a usable address (this network, loopback, "
		    "multicast or reserved)");
	if (IN6_IS_ADDR_UNSPECIFIED(&svc->siit6) ||
	    IN6_IS_ADDR_LOOPBACK(&svc->siit6) ||
	    IN6_IS_ADDR_MULTICAST(&svc->siit6) ||
	    IN6_IS_ADDR_LINKLOCAL(&svc->siit6) ||
	    IN6_IS_ADDR_V4MAPPED(&svc->siit6))
		conf_err(ctx, config_setting_get_member(s, "ipv6"), path,
		    "ipv6: not a server's address (unspecified, loopback, "
		    "multicast, link-local or IPv4-mapped)");
	else if (gc->siit.on && gc->siit.pool6_len > 0 &&
	    xlat_in6(&svc->siit6, &gc->siit.pool6,
	    gc->siit.pool6_len))
		conf_err(ctx, config_setting_get_member(s, "ipv6"), path,
		    "ipv6: inside siit.pool6, where IPv4 clients appear");
	for (j = 0; j < gc->nat64.npool4; j++)
		if (gc->nat64.pool4[j].addr.s_addr == svc->siit4.s_addr) {
			conf_err(ctx, config_setting_get_member(s, "ipv4"),
			    path, "ipv4: %s is a pool4 address (line %d)",
			    inet_ntoa(svc->siit4), gc->nat64.pool4[j].line);
			break;
		}
	if ((o = conf_claim(ctx, svc, "siit4", &svc->siit4, 4)) != NULL)
		conf_err(ctx, config_setting_get_member(s, "ipv4"), path,
		    "%s is service \"%s\"'s already (line %d)",
		    inet_ntoa(svc->siit4), o->name, o->line);
	if ((o = conf_claim(ctx, svc, "siit6", &svc->siit6, 16)) != NULL)
		conf_err(ctx, config_setting_get_member(s, "ipv6"), path,
		    "this address is service \"%s\"'s already (line %d)",
		    o->name, o->line);
}

int
conf_xlat_service(struct conf_ctx *ctx, config_setting_t *s,
    struct conf_service *svc, const char *path, const char *mode)
{
	if (strcmp(mode, "nat64") == 0) {
		svc->mode = CONF_NAT64;
		xlat_service_nat64(ctx, s, svc, path);
		return 1;
	}
	if (strcmp(mode, "siit") == 0) {
		svc->mode = CONF_SIIT;
		xlat_service_siit(ctx, s, svc, path);
		return 1;
	}
	return 0;
}
