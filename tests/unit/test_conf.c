/* SPDX-License-Identifier: ISC */
/*
 * The config checker against golden files: every tests/unit/conf/NAME.conf
 * is loaded and its messages ("warning: " before warnings) must equal
 * NAME.err line for line; no NAME.err means the file must load cleanly.
 * Also checks what a good file turns into, and that the annotated example
 * shipped as /etc/v6gate/v6gate.conf is valid, and that paths which are
 * not regular files are refused by name (made here: git keeps no FIFO).
 */

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "conf/conf.h"
#include "conf/conf_int.h"
#include "t.h"

static char *
slurp(const char *path)
{
	FILE	*f;
	char	*buf;
	long	 len;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = calloc(1, (size_t)len + 1);
	if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}

static void
golden(const char *name)
{
	struct conf_report	 rep;
	struct gw_conf		*gc;
	char			 errfile[256], *want, *got = NULL;
	size_t			 len = 0, i;
	FILE			*out;

	int			 before = t_failed;

	gc = conf_load(name, &rep);
	out = open_memstream(&got, &len);
	for (i = 0; i < rep.nwarnings; i++)
		fprintf(out, "warning: %s\n", rep.warnings[i]);
	for (i = 0; i < rep.nerrors; i++)
		fprintf(out, "%s\n", rep.errors[i]);
	fclose(out);
	snprintf(errfile, sizeof(errfile), "%.*s.err",
	    (int)(strlen(name) - 5), name);
	want = slurp(errfile);
	if (want == NULL) {
		CHECK(gc != NULL);
		CHECK_STR(got, "");
	} else {
		CHECK_STR(got, want);
		/* errors, not only warnings, mean no snapshot */
		CHECK((gc == NULL) == (rep.nerrors > 0));
	}
	if (t_failed > before)
		fprintf(stderr, "  in %s\n", name);
	free(want);
	free(got);
	conf_report_free(&rep);
	conf_free(gc);
}

/* The readiness group's values, its defaults, and a service's site. */
static void
check_readiness(void)
{
	struct conf_report	 rep;
	struct gw_conf		*gc;
	char			 buf[256], ip[64];

	gc = conf_load("readiness2.conf", &rep);
	CHECK(gc != NULL);
	conf_report_free(&rep);
	if (gc == NULL)
		return;
	CHECK_INT(gc->readiness.resolver.sa.sa_family, AF_INET6);
	CHECK_INT(addr_port(&gc->readiness.resolver), 5353);
	CHECK_STR(addr_fmt_ip(&gc->readiness.resolver, ip, sizeof(ip)),
	    "2001:db8::53");
	CHECK_INT(gc->readiness.depth, 1);
	CHECK_INT(gc->readiness.max_pages, 100000);
	CHECK_INT(gc->readiness.interval, 0);
	CHECK_INT(gc->readiness.insecure, 1);
	CHECK(gc->readiness.min_link_rate == 1.0);
	CHECK(gc->readiness.max_degradation == 0.0);
	CHECK(gc->readiness.line > 0);
	CHECK_STR(conf_service_site(&gc->services[0], buf, sizeof(buf)),
	    "http://www.example.org:8080/index.html?x=1");
	conf_free(gc);

	/* defaults; a site from the first host name without a '*' */
	gc = conf_load_string("t", "services = ( { name = \"a\"; mode = "
	    "\"proxy\"; protocol = \"http\"; listen = \"[::1]:8080\"; "
	    "hosts = [ \"*.example.org\", \"www.example.org\" ]; "
	    "backends = [ \"10.1.0.5:80\" ]; }, { name = \"b\"; mode = "
	    "\"proxy\"; listen = \"[::1]:8443\"; hosts = [ \"*.b.org\" ]; "
	    "backends = [ \"10.1.0.5:443\" ]; } );", &rep);
	CHECK(gc != NULL);
	conf_report_free(&rep);
	if (gc == NULL)
		return;
	CHECK_INT(gc->readiness.resolver.sa.sa_family, AF_UNSPEC);
	CHECK_INT(gc->readiness.depth, 3);
	CHECK_INT(gc->readiness.max_pages, 500);
	CHECK_INT(gc->readiness.concurrency, 4);
	CHECK_INT(gc->readiness.timeout, 10);
	CHECK_INT(gc->readiness.attempts, 5);
	CHECK_INT(gc->readiness.interval, 86400);
	CHECK_INT(gc->readiness.line, 0);
	CHECK(gc->readiness.min_link_rate == 0.9);
	CHECK_STR(conf_service_site(&gc->services[0], buf, sizeof(buf)),
	    "http://www.example.org/");
	CHECK(conf_service_site(&gc->services[1], buf, sizeof(buf)) == NULL);
	conf_free(gc);
}

static void
check_good(void)
{
	struct conf_report	 rep;
	struct gw_conf		*gc;
	struct conf_listener	*l;
	union addr_sa		 a;
	char			 err[128];

	gc = conf_load("good.conf", &rep);
	CHECK(gc != NULL);
	if (gc == NULL)
		return;
	CHECK_STR(gc->name, "gw-test");
	CHECK_STR(gc->control_socket, "/tmp/v6g.sock");
	CHECK_INT(gc->workers, 2);
	CHECK_INT(gc->max_connections, 1000);
	CHECK_INT(gc->to_first_flight, 3);
	CHECK_INT(gc->to_connect, 2);
	CHECK_INT(gc->to_idle, 60);
	CHECK_INT(gc->pending_per_client, 8);
	CHECK_INT(gc->pending_per_48, 100);
	CHECK_INT(gc->pending_per_32, 300);
	CHECK_INT(gc->acct_checkpoint, 5);
	CHECK_INT(gc->acct_minutes, 60);
	CHECK_INT(gc->acct_days, 400);
	CHECK_INT(gc->acct_clients_exact, 250);
	CHECK_INT(gc->audit_on, 0);
	CHECK_INT(gc->audit_days, 400);
	CHECK_INT(gc->audit_open, 1);
	CHECK_INT(gc->audit_fail_closed, 1);
	CHECK_INT(gc->nservices, 3);
	CHECK_INT(gc->nlisteners, 5);
	/* host names are kept lower-case */
	CHECK_STR(gc->services[1].hosts[0], "www.example.org");
	CHECK_INT(gc->services[2].protocol, CONF_HTTP);
	/* IP literals in the form the Host parser produces (RFC 5952) */
	CHECK_STR(gc->services[2].hosts[2], "2001:db8::10");
	CHECK_INT(gc->services[0].nbackends, 2);
	CHECK_STR(gc->services[0].backends[1].text, "10.1.0.6:443");
	CHECK_STR(gc->services[1].backends[0].text, "[2001:db8::5]:443");

	addr_parse_endpoint("[::1]:8443", &a, err, sizeof(err));
	l = conf_listener_find(gc, &a);
	CHECK(l != NULL);
	if (l != NULL) {
		CHECK(l->dflt == &gc->services[0]);
		CHECK_INT(l->protocol, CONF_TLS);
	}
	addr_parse_endpoint("[::1]:9443", &a, err, sizeof(err));
	l = conf_listener_find(gc, &a);
	CHECK(l != NULL && l->dflt == NULL);
	conf_report_free(&rep);
	conf_free(gc);
}

/* gateway.http as a group: who may ask, the token file, and the check
   conf_http_admits() makes of a client (a mapped IPv4 one too). */
static void
check_http(void)
{
	struct conf_report	 rep;
	struct gw_conf		*gc;
	union addr_sa		 a;
	char			 err[128];

	gc = conf_load("http4.conf", &rep);
	CHECK(gc != NULL);
	if (gc == NULL)
		return;
	CHECK_INT(gc->http_on, 1);
	CHECK_INT(gc->http_nallow, 2);
	CHECK_STR(gc->http_token_file, "/etc/v6gate/http.token");
	CHECK_INT(gc->http_show_clients, 0);
	addr_parse_endpoint("[2001:db8:1:2::5]:1", &a, err, sizeof(err));
	CHECK(conf_http_admits(gc, &a));
	addr_parse_endpoint("[2001:db8:2::5]:1", &a, err, sizeof(err));
	CHECK(!conf_http_admits(gc, &a));
	addr_parse_endpoint("192.0.2.7:1", &a, err, sizeof(err));
	CHECK(conf_http_admits(gc, &a));
	memset(&a, 0, sizeof(a));
	a.sin6.sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:192.0.2.7", &a.sin6.sin6_addr);
	CHECK(conf_http_admits(gc, &a));
	inet_pton(AF_INET6, "::ffff:198.51.100.7", &a.sin6.sin6_addr);
	CHECK(!conf_http_admits(gc, &a));
	conf_report_free(&rep);
	conf_free(gc);
}

/* DESIGN.md's example: every mode, and the addresses derived from it. */
static void
check_design(void)
{
	struct conf_report	 rep;
	struct gw_conf		*gc;
	char			 buf[INET6_ADDRSTRLEN];

	gc = conf_load("design.conf", &rep);
	CHECK(gc != NULL);
	if (gc == NULL)
		return;
	CHECK(gc->nat64.on);
	CHECK_STR(gc->nat64.instance, "v6gate");
	CHECK_INT(gc->nat64.pool6_len, 96);
	CHECK_INT(gc->nat64.npool4, 3);
	CHECK_INT(gc->nat64.pool4[2].proto, CONF_L4_ICMP);
	CHECK_INT(gc->nat64.pool4[2].port_min, 0);
	CHECK_INT(gc->nat64.pool4[0].port_min, 61001);
	CHECK(gc->siit.on);
	CHECK_STR(gc->siit.instance, "v6gate-siit");
	CHECK_INT(gc->services[2].mode, CONF_NAT64);
	CHECK_INT(gc->services[2].nports, 3);
	CHECK_INT(gc->services[2].ports[1].port, 465);
	/* RFC 6052 §2.2: 2001:db8:64::/96 + 10.1.0.9 */
	CHECK_STR(inet_ntop(AF_INET6, &gc->services[2].addr6, buf,
	    sizeof(buf)), "2001:db8:64::a01:9");
	CHECK_INT(gc->services[3].mode, CONF_SIIT);
	CHECK_STR(inet_ntop(AF_INET6, &gc->services[3].siit6, buf,
	    sizeof(buf)), "2001:db8:200::50");
	conf_report_free(&rep);
	conf_free(gc);
}

/* RFC 6052 §2.4's examples: 192.0.2.33 behind each prefix length. */
static void
check_embed(void)
{
	static const struct {
		const char	*prefix;
		int		 len;
		const char	*want;
	} ex[] = {
		{ "2001:db8::", 32, "2001:db8:c000:221::" },
		{ "2001:db8:100::", 40, "2001:db8:1c0:2:21::" },
		{ "2001:db8:122::", 48, "2001:db8:122:c000:2:2100::" },
		{ "2001:db8:122:300::", 56, "2001:db8:122:3c0:0:221::" },
		{ "2001:db8:122:344::", 64, "2001:db8:122:344:c0:2:2100:0" },
		{ "2001:db8:122:344::", 96, "2001:db8:122:344::c000:221" },
	};
	struct in6_addr	p, out;
	struct in_addr	v4;
	char		buf[INET6_ADDRSTRLEN];
	size_t		i;

	inet_pton(AF_INET, "192.0.2.33", &v4);
	for (i = 0; i < sizeof(ex) / sizeof(ex[0]); i++) {
		inet_pton(AF_INET6, ex[i].prefix, &p);
		conf_xlat_embed(&p, (uint8_t)ex[i].len, v4, &out);
		CHECK_STR(inet_ntop(AF_INET6, &out, buf, sizeof(buf)),
		    ex[i].want);
	}
}

/* Defaults, as documented in v6gate.conf(5). */
static void
check_defaults(void)
{
	struct conf_report	 rep;
	struct gw_conf		*gc;
	char			 buf[ADDR_STRLEN];

	gc = conf_load_string("(defaults)", "", &rep);
	CHECK(gc != NULL);
	if (gc == NULL)
		return;
	CHECK_STR(gc->control_socket, "/run/v6gate/v6gate.sock");
	CHECK_STR(gc->state_dir, "/var/lib/v6gate");
	CHECK_STR(addr_fmt(&gc->http, buf, sizeof(buf)), "[::1]:9164");
	CHECK_INT(gc->workers, 0);
	CHECK_INT(gc->max_connections, 100000);
	CHECK_INT(gc->to_first_flight, 10);
	CHECK_INT(gc->to_connect, 5);
	CHECK_INT(gc->to_idle, 300);
	CHECK_INT(gc->pending_per_client, 64);
	CHECK_INT(gc->pending_per_48, 256);
	CHECK_INT(gc->pending_per_32, 1024);
	CHECK_INT(rep.nwarnings, 1);	/* no services */
	conf_report_free(&rep);
	conf_free(gc);
}

/* Backends, balance, checks and access rules as the workers see them. */
static void
check_pool(void)
{
	static const char text[] =
	    "gateway: { limits: { per_client_connections = 7; }; };\n"
	    "services = (\n"
	    " { name = \"p\"; mode = \"proxy\"; listen = \"[::1]:8443\";\n"
	    "   hosts = [ \"www.example.org\" ]; balance = \"source\";\n"
	    "   retries = 1; check = { type = \"http\"; interval = 3;\n"
	    "   rise = 1; fall = 4; expect = 204; };\n"
	    "   allow = [ \"::/0\", \"2001:db8:bad:1::/64\" ];\n"
	    "   deny = [ \"2001:db8:bad::/48\", \"192.0.2.0/24\" ];\n"
	    "   limits = { per_client_rate = 20; };\n"
	    "   backends = ( { address = \"10.1.0.5:443\"; weight = 5; },\n"
	    "     \"10.1.0.6:443\", { address = \"10.1.0.7:443\";\n"
	    "       proxy_protocol = \"v2\"; },\n"
	    "     { address = \"10.1.0.8:443\"; backup = true;\n"
	    "       proxy_protocol = \"v1\"; } ); },\n"
	    " { name = \"q\"; mode = \"proxy\"; listen = \"[::1]:8443\";\n"
	    "   hosts = [ \"q.example.org\" ]; check = \"tls\";\n"
	    "   backends = \"10.1.0.5:443\"; }\n"
	    ");\n";
	static const uint16_t	order[] = { 0, 0, 1, 0, 2, 0, 0, 3 };
	struct conf_report	 rep;
	struct gw_conf		*gc;
	struct conf_service	*p, *q;
	union addr_sa		 a;
	size_t			 i;

	gc = conf_load_string("(pool)", text, &rep);
	CHECK(gc != NULL);
	for (i = 0; i < rep.nerrors; i++)
		fprintf(stderr, "  %s\n", rep.errors[i]);
	if (gc == NULL)
		return;
	p = &gc->services[0];
	q = &gc->services[1];
	CHECK_INT(p->nbackends, 4);
	CHECK_INT(p->balance, CONF_BAL_SOURCE);
	CHECK_INT(p->retries, 1);
	CHECK_INT(p->backends[0].weight, 5);
	CHECK_INT(p->backends[1].weight, 1);
	CHECK_INT(p->backends[2].pp, PPHDR_V2);
	CHECK_INT(p->backends[3].pp, PPHDR_V1);
	CHECK_INT(p->backends[3].backup, 1);
	/* nginx's smooth order for 5:1:1, then the backup */
	CHECK_INT(p->nwrr, 8);
	CHECK_INT(p->nwrr_normal, 7);
	for (i = 0; i < p->nwrr && i < 8; i++)
		CHECK_INT(p->wrr[i], order[i]);
	CHECK_INT(p->check.type, CONF_CHECK_HTTP);
	CHECK_INT(p->check.interval_ms, 3000);
	CHECK_INT(p->check.timeout_ms, 2000);
	CHECK_INT(p->check.rise, 1);
	CHECK_INT(p->check.fall, 4);
	CHECK_STR(p->check.path, "/");
	CHECK_INT(p->check.nexpect, 1);
	CHECK_INT(p->check.expect[0], 204);
	CHECK_INT(q->check.type, CONF_CHECK_TLS);
	CHECK_INT(q->check.fall, 3);
	CHECK_INT(q->check.cert_warn_days, 30);
	CHECK_INT(q->balance, CONF_BAL_ROUNDROBIN);
	CHECK_INT(q->retries, 3);
	/* limits: the gateway's default, the service's own */
	CHECK_INT(p->per_client_conns, 7);
	CHECK_INT(p->per_client_rate, 20);
	CHECK_INT(q->per_client_conns, 7);
	CHECK_INT(q->per_client_rate, 0);
	/* longest prefix wins; deny wins ties; allow ::/0 admits no IPv4 */
	addr_parse_ip("2001:db8::1", &a);
	CHECK_INT(conf_acl_admits(p, &a), 1);
	addr_parse_ip("2001:db8:bad:2::1", &a);
	CHECK_INT(conf_acl_admits(p, &a), 0);
	addr_parse_ip("2001:db8:bad:1::1", &a);
	CHECK_INT(conf_acl_admits(p, &a), 1);
	addr_parse_ip("192.0.2.1", &a);
	CHECK_INT(conf_acl_admits(p, &a), 0);
	addr_parse_ip("198.51.100.1", &a);
	CHECK_INT(conf_acl_admits(p, &a), 0);
	CHECK_INT(conf_acl_admits(q, &a), 1);
	/* two services on one listener: access is decided after routing */
	CHECK(gc->listeners[0].only == NULL);
	conf_report_free(&rep);
	conf_free(gc);
}

/*
 * What cannot be committed: a FIFO, a socket, a symlink to a directory, a
 * device, a file too large or unreadable, as the main file and included.
 * libconfig exit()ed on some and blocked on others (issue 18): each must
 * come back at once, as one message naming it.
 */
static void
check_paths(void)
{
	static const struct {
		const char	*path;		/* in the temporary directory */
		const char	*what;
	} bad[] = {
		{ "dir", "is a directory" },
		{ "link", "is a directory" },
		{ "fifo", "is not a regular file (a FIFO)" },
		{ "sock", "is not a regular file (a socket)" },
		{ "/dev/null", "is not a regular file (a character device)" },
		{ "big", "too large (all files together: at most 16 MiB)" },
		{ "gone", "cannot open: No such file or directory" },
	};
	char			 tmp[] = "/tmp/test_conf.XXXXXX", path[256];
	char			 want[512], inc[300];
	struct sockaddr_un	 sun = { .sun_family = AF_UNIX };
	struct conf_report	 rep;
	struct gw_conf		*gc;
	size_t			 i;
	FILE			*f;
	int			 fd;

	CHECK(mkdtemp(tmp) != NULL);
	snprintf(path, sizeof(path), "%s/dir", tmp);
	CHECK(mkdir(path, 0700) == 0);
	snprintf(inc, sizeof(inc), "%s/link", tmp);
	CHECK(symlink(path, inc) == 0);
	snprintf(path, sizeof(path), "%s/fifo", tmp);
	CHECK(mkfifo(path, 0600) == 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/sock", tmp);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	CHECK(bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0);
	snprintf(path, sizeof(path), "%s/big", tmp);
	CHECK((f = fopen(path, "w")) != NULL && ftruncate(fileno(f),
	    (16 << 20) + 1) == 0);
	fclose(f);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (bad[i].path[0] == '/')
			snprintf(path, sizeof(path), "%s", bad[i].path);
		else
			snprintf(path, sizeof(path), "%s/%s", tmp,
			    bad[i].path);
		/* the main file */
		gc = conf_load(path, &rep);
		CHECK(gc == NULL);
		snprintf(want, sizeof(want), "%s: %s", path, bad[i].what);
		CHECK_INT(rep.nerrors, 1);
		if (rep.nerrors == 1)
			CHECK_STR(rep.errors[0], want);
		conf_report_free(&rep);
		/* included, relative to the main file's directory */
		snprintf(inc, sizeof(inc), "%s/main.conf", tmp);
		CHECK((f = fopen(inc, "w")) != NULL);
		fprintf(f, "gateway: { name = \"x\"; };\n@include \"%s\"\n",
		    bad[i].path);
		fclose(f);
		gc = conf_load(inc, &rep);
		CHECK(gc == NULL);
		snprintf(want, sizeof(want), "%s:2: @include \"%s\": %s", inc,
		    bad[i].path, bad[i].what);
		CHECK_INT(rep.nerrors, 1);
		if (rep.nerrors == 1)
			CHECK_STR(rep.errors[0], want);
		conf_report_free(&rep);
	}
	/* relative includes, nested too, are the main file's directory's */
	snprintf(path, sizeof(path), "%s/dir/a.inc", tmp);
	CHECK((f = fopen(path, "w")) != NULL);
	fprintf(f, "@include \"dir/b.inc\"\n");
	fclose(f);
	snprintf(path, sizeof(path), "%s/dir/b.inc", tmp);
	CHECK((f = fopen(path, "w")) != NULL);
	fprintf(f, "\ngateway: { name = 7; };\n");
	fclose(f);
	CHECK((f = fopen(inc, "w")) != NULL);
	fprintf(f, "@include \"dir/a.inc\"\n");
	fclose(f);
	gc = conf_load(inc, &rep);
	CHECK(gc == NULL);
	CHECK_INT(rep.nerrors, 1);
	if (rep.nerrors == 1)
		CHECK_STR(rep.errors[0], "dir/b.inc:2: gateway.name: must be "
		    "a string, not an integer");
	conf_report_free(&rep);
	/* unreadable: only a user other than root sees it */
	if (geteuid() != 0) {
		snprintf(path, sizeof(path), "%s/dir/a.inc", tmp);
		chmod(path, 0);
		gc = conf_load(path, &rep);
		snprintf(want, sizeof(want), "%s: cannot open: Permission "
		    "denied", path);
		CHECK_INT(rep.nerrors, 1);
		if (rep.nerrors == 1)
			CHECK_STR(rep.errors[0], want);
		conf_report_free(&rep);
		conf_free(gc);
	}
	/* conf_gateway_string (v6gatectl) reads the same way */
	snprintf(path, sizeof(path), "%s/fifo", tmp);
	CHECK_INT(conf_gateway_string(path, "state_dir", "/d", want,
	    sizeof(want), inc, sizeof(inc)), -1);
	CHECK_STR(want, "/d");
	snprintf(want, sizeof(want), "%s: is not a regular file (a FIFO)",
	    path);
	CHECK_STR(inc, want);
	close(fd);
	snprintf(path, sizeof(path), "rm -rf '%s'", tmp);
	CHECK(system(path) == 0);
}

int
main(void)
{
	const char	*srcdir = getenv("srcdir");
	char		 dir[4200], top[4096];
	struct dirent	*de;
	DIR		*d;
	int		 n = 0;

	if (realpath(srcdir ? srcdir : ".", top) == NULL) {
		perror("srcdir");
		return 1;
	}
	srcdir = top;
	snprintf(dir, sizeof(dir), "%s/conf", srcdir);
	if (chdir(dir) == -1) {
		perror(dir);
		return 1;
	}
	/* the annotated example must stay valid */
	{
		struct conf_report	 rep;
		struct gw_conf		*gc = conf_load("v6gate.conf", &rep);

		CHECK(gc != NULL);
		CHECK_INT(rep.nerrors, 0);
		CHECK_INT(rep.nwarnings, 0);
		conf_report_free(&rep);
		conf_free(gc);
	}
	snprintf(dir, sizeof(dir), "%s/tests/unit/conf", srcdir);
	if (chdir(dir) == -1) {
		perror(dir);
		return 1;
	}
	if ((d = opendir(".")) == NULL) {
		perror(dir);
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		size_t len = strlen(de->d_name);

		if (len > 5 && strcmp(de->d_name + len - 5, ".conf") == 0) {
			golden(de->d_name);
			n++;
		}
	}
	closedir(d);
	CHECK(n >= 10);
	check_readiness();
	check_good();
	check_http();
	check_design();
	check_embed();
	check_defaults();
	check_pool();
	check_paths();
	return t_done("test_conf");
}
