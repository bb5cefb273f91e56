# SPDX-License-Identifier: ISC
"""The attack's corpus of bad and odd configuration inputs.

  configs.py DIR STATE_DIR CONTROL_SOCKET GW6

writes DIR/base.conf (a good configuration for the namespaces of
tests/integ/lib.sh) and one case per bad input, and prints the manifest, one
case a line: "name<TAB>path<TAB>where<TAB>line<TAB>kind", where "where" is the file
the error is in (its message must name it), "line" the line it is at, or
"-" where the error has no line (a file that cannot be read as text), and
"kind" is "bad" (must be refused) or "odd" (may be accepted).
Every case is an error in every version of the daemon (a key a version does
not know is an error too), so every one must be refused.
"""

import os
import random
import stat
import sys

D, STATE, SOCK, GW6 = sys.argv[1:5]

BASE = """\
gateway: {
  name = "attack-gw";
  state_dir = "%(state)s";
  control_socket = "%(sock)s";
  workers = 2;
  max_connections = 20000;
  timeouts: {
    first_flight = 10;
    connect = 2;
    idle = 60;
  };
  limits: {
    pending_per_client = 64;
    per_client_connections = 0;
    per_client_rate = 0;
  };
};
accounting: {
  checkpoint = 1;
  minutes_kept = 2880;
  days_kept = 800;
  clients_exact = 100000;
};
audit: {
  enabled = true;
  retention_days = 180;
  at_open = false;
  fail_closed = false;
};
services = (
  { name = "www";
    mode = "proxy";
    listen = [ "[%(gw6)s]:443" ];
    hosts = [ "www.example.org" ];
    default = true;
    backends = [ "10.1.0.5:443" ]; },
  { name = "web";
    mode = "proxy";
    protocol = "http";
    listen = [ "[%(gw6)s]:80" ];
    hosts = [ "www.example.org" ];
    backends = [ "10.1.0.5:80" ]; }
);
""" % {"state": STATE, "sock": SOCK, "gw6": GW6}

LINES = BASE.splitlines(True)
manifest = []


def path_of(name, ext="conf"):
    return os.path.join(D, "%s.%s" % (name, ext))


def put(name, text, line, where=None):
    p = path_of(name)
    with open(p, "wb") as f:
        f.write(text if isinstance(text, bytes) else text.encode())
    manifest.append((name, p, where or p, str(line) if line else "-"))


def find(key, after=0):
    """The index of the first line at or after `after` holding key."""
    for i in range(after, len(LINES)):
        if key in LINES[i]:
            return i
    raise SystemExit("configs.py: no line with %r" % key)


def where_of(svc):
    return find('name = "%s"' % svc) if svc else 0


def mut(name, key, new, svc=None):
    """The base with the line holding key (in service svc) replaced."""
    i = find(key, where_of(svc))
    lines = list(LINES)
    indent = lines[i][:len(lines[i]) - len(lines[i].lstrip())]
    tail = " }," if lines[i].rstrip().endswith("},") else ""
    tail = " }" if not tail and lines[i].rstrip().endswith("}") and \
        "{" not in lines[i] else tail
    lines[i] = indent + new + tail + "\n"
    put(name, "".join(lines), i + 1)


def add(name, key, new, svc=None, line_of=0):
    """The base with new lines inserted after the line holding key; the
    error is at the inserted line line_of (0: the first)."""
    i = find(key, where_of(svc))
    lines = list(LINES)
    new_lines = [l + "\n" for l in new.split("\n")]
    lines[i + 1:i + 1] = new_lines
    put(name, "".join(lines), i + 2 + line_of)


def append(name, text, line_of=0):
    put(name, BASE + text, len(LINES) + 1 + line_of)


def include_case(name, target, where_main=True):
    """The base with '@include "target"' as its first line: the error is
    at that line of the main file."""
    put(name, '@include "%s"\n' % target + BASE, 1)


os.makedirs(D, exist_ok=True)
with open(path_of("base"), "w") as f:
    f.write(BASE)

# -- files that are not a config file's text ----------------------------
special = os.path.join(D, "special")
os.makedirs(special, exist_ok=True)
d = os.path.join(special, "a-directory")
os.makedirs(d, exist_ok=True)
manifest.append(("main_is_directory", d, d, "-"))
fifo = os.path.join(special, "a-fifo")
if not os.path.exists(fifo):
    os.mkfifo(fifo)
manifest.append(("main_is_fifo", fifo, fifo, "-"))
unread = os.path.join(special, "unreadable.conf")
with open(unread, "w") as f:   # (root reads it anyway: then it is wrong)
    f.write(BASE + "frobnicate = 1;\n")
os.chmod(unread, 0)
manifest.append(("main_unreadable", unread, unread, "-"))
missing = os.path.join(special, "missing.conf")
manifest.append(("main_missing", missing, missing, "-"))
manifest.append(("main_is_dev_zero", "/dev/zero", "/dev/zero", "-"))
sock_path = os.path.join(special, "a-socket")
if not os.path.exists(sock_path):
    import socket
    s = socket.socket(socket.AF_UNIX)
    s.bind(sock_path)
    s.close()
manifest.append(("main_is_socket", sock_path, sock_path, "-"))
huge = os.path.join(special, "huge.conf")
with open(huge, "w") as f:
    chunk = "# " + "x" * 1021 + "\n"
    for i in range(20 * 1024):      # 20 MiB of comments, then the base
        f.write(chunk)
    f.write(BASE)
manifest.append(("main_huge_20m", huge, huge, "-"))
rnd = random.Random(18)
binary = os.path.join(special, "binary.conf")
with open(binary, "wb") as f:
    f.write(bytes(rnd.randrange(256) for _ in range(65536)))
manifest.append(("main_binary", binary, binary, "-"))

# -- @include of each of them -------------------------------------------
include_case("include_directory", d)
include_case("include_fifo", fifo)
include_case("include_unreadable", unread)
include_case("include_missing", missing)
include_case("include_dev_zero", "/dev/zero")
include_case("include_socket", sock_path)
include_case("include_huge_20m", huge)
include_case("include_binary", binary)
include_case("include_empty_name", "")
include_case("include_itself", path_of("include_itself"))
# a loop of two files
other = os.path.join(special, "loop-b.inc")
with open(other, "w") as f:
    f.write('@include "%s"\n' % path_of("include_loop_ab"))
include_case("include_loop_ab", other)
# a chain of 200 files, each including the next
chain = [os.path.join(special, "chain-%03d.inc" % i) for i in range(200)]
for i, p in enumerate(chain):
    with open(p, "w") as f:
        if i + 1 < len(chain):
            f.write('@include "%s"\n' % chain[i + 1])
        else:
            f.write("# the end\n")
include_case("include_chain_200", chain[0])
# a syntax error inside an included file: its own name and line
inc_bad = os.path.join(special, "bad-syntax.inc")
with open(inc_bad, "w") as f:
    f.write("# fine\n# fine\nfoo = = 3;\n")
put("include_syntax_error", '@include "%s"\n' % inc_bad + BASE, 3, inc_bad)
inc_nul = os.path.join(special, "nul.inc")
with open(inc_nul, "wb") as f:
    f.write(b"# one\nname\0 = 1;\n")
put("include_nul_byte", '@include "%s"\n' % inc_nul + BASE, 2, inc_nul)

# -- the text: syntax -----------------------------------------------------
put("empty_file", "", None)
put("only_comments", "# nothing\n// here\n/* at all */\n", None)
put("utf8_bom", b"\xef\xbb\xbf" + BASE.encode(), 1)
put("crlf_and_error", BASE.replace("\n", "\r\n").replace(
    "workers = 2;", "workers = ;"), find("workers") + 1)
mut("missing_equals", "workers = 2;", "workers 2;")
put("unclosed_brace", BASE.rstrip().rstrip(";").rstrip(")") + "\n", None)
mut("unclosed_string", 'name = "attack-gw";', 'name = "attack-gw;')
put("unclosed_comment", BASE + "/* never closed\n", None)
mut("garbage_token", "workers = 2;", "workers = 2; ][ !!")
mut("long_line_1m", 'name = "attack-gw";', 'name = "%s";' % ("n" * (1 << 20)))
append("deep_group_nesting", "x = " + "{ a = " * 20000 + "1" +
       " ; }" * 20000 + ";\n")
append("deep_list_nesting", "y = " + "( " * 20000 + "1" + " )" * 20000 +
       ";\n")
mut("int_overflow_literal", "workers = 2;", "workers = 99999999999999999999999;")
mut("duplicate_setting", "workers = 2;", "workers = 2; workers = 3;")

# -- every setting: a wrong type, a value out of range -----------------------
for name, key, new in [
    ("gw_name_int", 'name = "attack-gw";', "name = 5;"),
    ("gw_name_empty", 'name = "attack-gw";', 'name = "";'),
    ("gw_name_long", 'name = "attack-gw";', 'name = "%s";' % ("g" * 300)),
    ("state_dir_int", "state_dir", "state_dir = 1;"),
    ("state_dir_relative", "state_dir", 'state_dir = "relative/dir";'),
    ("state_dir_empty", "state_dir", 'state_dir = "";'),
    ("ctl_socket_int", "control_socket", "control_socket = 7;"),
    ("ctl_socket_too_long", "control_socket",
     'control_socket = "/tmp/%s";' % ("s" * 200)),
    ("ctl_socket_relative", "control_socket", 'control_socket = "v6.sock";'),
    ("workers_string", "workers = 2;", 'workers = "two";'),
    ("workers_negative", "workers = 2;", "workers = -1;"),
    ("workers_huge", "workers = 2;", "workers = 100000;"),
    ("workers_float", "workers = 2;", "workers = 2.5;"),
    ("max_conn_zero", "max_connections", "max_connections = 0;"),
    ("max_conn_negative", "max_connections", "max_connections = -5;"),
    ("max_conn_string", "max_connections", 'max_connections = "many";'),
    ("max_conn_int64", "max_connections", "max_connections = 99999999999L;"),
    ("first_flight_zero", "first_flight", "first_flight = 0;"),
    ("first_flight_string", "first_flight", 'first_flight = "10";'),
    ("first_flight_huge", "first_flight", "first_flight = 100000000;"),
    ("connect_zero", "connect = 2;", "connect = 0;"),
    ("connect_negative", "connect = 2;", "connect = -2;"),
    ("idle_negative", "idle = 60;", "idle = -1;"),
    ("idle_bool", "idle = 60;", "idle = true;"),
    ("timeouts_scalar", "timeouts: {", "timeouts = 5; xx: {"),
    ("pending_client_string", "pending_per_client", 'pending_per_client = "x";'),
    ("pending_client_negative", "pending_per_client", "pending_per_client = -1;"),
    ("per_client_conn_negative", "per_client_connections = 0;",
     "per_client_connections = -1;"),
    ("per_client_rate_string", "per_client_rate = 0;",
     'per_client_rate = "fast";'),
    ("checkpoint_zero", "checkpoint", "checkpoint = 0;"),
    ("checkpoint_61", "checkpoint", "checkpoint = 61;"),
    ("checkpoint_string", "checkpoint", 'checkpoint = "1";'),
    ("minutes_kept_59", "minutes_kept", "minutes_kept = 59;"),
    ("minutes_kept_huge", "minutes_kept", "minutes_kept = 600000;"),
    ("days_kept_399", "days_kept", "days_kept = 399;"),
    ("days_kept_list", "days_kept", "days_kept = [ 800 ];"),
    ("clients_exact_negative", "clients_exact", "clients_exact = -1;"),
    ("clients_exact_huge", "clients_exact", "clients_exact = 10000001;"),
    ("audit_enabled_string", "enabled = true;", 'enabled = "yes";'),
    ("retention_zero", "retention_days", "retention_days = 0;"),
    ("retention_3651", "retention_days", "retention_days = 3651;"),
    ("at_open_int", "at_open", "at_open = 1;"),
    ("fail_closed_string", "fail_closed", 'fail_closed = "no";'),
]:
    mut(name, key, new)

# settings a version may not know: unknown there, out of range here
add("pending_48_negative", "pending_per_client", "    pending_per_48 = -1;")
add("pending_32_string", "pending_per_client", '    pending_per_32 = "x";')
add("user_int", "control_socket", "  user = 0;")
add("user_unknown", "control_socket", '  user = "no-such-user-v6g";')
add("http_bad_port", "control_socket", '  http = "[::1]:99999";')
add("http_int", "control_socket", "  http = 9164;")
add("http_bad_allow", "control_socket",
    '  http = { listen = "[::1]:9164"; allow = [ "not/a/prefix" ]; };')

# -- services -------------------------------------------------------------
for name, key, new, svc in [
    ("svc_name_int", 'name = "web";', "{ name = 17;", "web"),
    ("svc_name_empty", 'name = "web";', '{ name = "";', "web"),
    ("svc_name_duplicate", 'name = "web";', '{ name = "www";', "web"),
    ("svc_mode_bogus", 'mode = "proxy";', 'mode = "teleport";', "web"),
    ("svc_mode_int", 'mode = "proxy";', "mode = 1;", "web"),
    ("svc_protocol_ftp", 'protocol = "http";', 'protocol = "ftp";', "web"),
    ("listen_port_99999", "listen", 'listen = [ "[%s]:99999" ];' % GW6, "web"),
    ("listen_port_zero", "listen", 'listen = [ "[%s]:0" ];' % GW6, "web"),
    ("listen_no_port", "listen", 'listen = [ "[%s]" ];' % GW6, "web"),
    ("listen_garbage", "listen", 'listen = [ "not-an-address" ];', "web"),
    ("listen_bad_ipv4", "listen", 'listen = [ "300.1.1.1:80" ];', "web"),
    ("listen_bad_ipv6", "listen", 'listen = [ "[2001:db8:::1]:80" ];', "web"),
    ("listen_empty_list", "listen", "listen = [ ];", "web"),
    ("listen_int", "listen", "listen = 80;", "web"),
    ("hosts_bad_chars", "hosts", 'hosts = [ "bad_name!" ];', "web"),
    ("hosts_label_64", "hosts", 'hosts = [ "%s.example.org" ];' % ("l" * 64),
     "web"),
    ("hosts_name_300", "hosts", 'hosts = [ "%s" ];' %
     ".".join(["a" * 50] * 6), "web"),
    ("hosts_bare_wildcard", "hosts", 'hosts = [ "*." ];', "web"),
    ("hosts_double_wildcard", "hosts", 'hosts = [ "**.example.org" ];', "web"),
    ("hosts_duplicate_in_list", "hosts",
     'hosts = [ "a.example.org", "a.example.org" ];', "web"),
    ("hosts_int", "hosts", "hosts = [ 1, 2 ];", "web"),
    ("default_string", "default = true;", 'default = "yes";', "www"),
    ("backends_empty", "backends", "backends = [ ];", "web"),
    ("backend_bad_address", "backends", 'backends = [ "10.1.0.300:80" ];',
     "web"),
    ("backend_no_port", "backends", 'backends = [ "10.1.0.5" ];', "web"),
    ("backend_port_70000", "backends", 'backends = [ "10.1.0.5:70000" ];',
     "web"),
    ("backend_hostname", "backends", 'backends = [ "backend.example:80" ];',
     "web"),
    ("backend_weight_zero", "backends",
     'backends = ( { address = "10.1.0.5:80"; weight = 0; } );', "web"),
    ("backend_weight_257", "backends",
     'backends = ( { address = "10.1.0.5:80"; weight = 257; } );', "web"),
    ("backend_backup_string", "backends",
     'backends = ( { address = "10.1.0.5:80"; backup = "yes"; } );', "web"),
    ("backend_pp_v3", "backends",
     'backends = ( { address = "10.1.0.5:80"; proxy_protocol = "v3"; } );',
     "web"),
    ("backend_unknown_key", "backends",
     'backends = ( { address = "10.1.0.5:80"; colour = "red"; } );', "web"),
]:
    mut(name, key, new, svc)

for name, new in [
    ("balance_random", '    balance = "random";'),
    ("retries_negative", "    retries = -1;"),
    ("retries_huge", "    retries = 1000;"),
    ("check_type_icmp", '    check = "icmp";'),
    ("check_interval_zero", '    check = { type = "tcp"; interval = 0; };'),
    ("check_timeout_negative", '    check = { type = "tcp"; timeout = -1; };'),
    ("check_rise_zero", '    check = { type = "tcp"; rise = 0; };'),
    ("check_fall_zero", '    check = { type = "tcp"; fall = 0; };'),
    ("check_cert_days_negative",
     '    check = { type = "tls"; cert_warn_days = -1; };'),
    ("check_path_relative", '    check = { type = "http"; path = "x"; };'),
    ("check_expect_99", '    check = { type = "http"; expect = [ 99 ]; };'),
    ("check_expect_string", '    check = { type = "http"; expect = "abc"; };'),
    ("allow_prefix_129", '    allow = [ "2001:db8::/129" ];'),
    ("allow_garbage", '    allow = [ "garbage" ];'),
    ("deny_int", "    deny = 5;"),
    ("svc_limits_negative", "    limits = { per_client_connections = -1; };"),
    ("svc_unknown_key", '    colour = "blue";'),
]:
    add(name, 'name = "web";', new, "web")

add("two_defaults", 'backends = [ "10.1.0.5:80" ];',
    '  , { name = "www2"; mode = "proxy"; listen = [ "[%s]:443" ]; '
    'hosts = [ "x.example.org" ]; default = true; '
    'backends = [ "10.1.0.5:443" ]; }' % GW6, "web")
add("host_claimed_twice", 'backends = [ "10.1.0.5:80" ];',
    '  , { name = "web2"; mode = "proxy"; protocol = "http"; '
    'listen = [ "[%s]:80" ]; hosts = [ "www.example.org" ]; '
    'backends = [ "10.1.0.5:80" ]; }' % GW6, "web")

# -- the translator's blocks and services -----------------------------------
for name, text in [
    ("nat64_instance_long", 'nat64: { instance = "%s"; pool6 = "2001:db8:64::/96"; };' % ("i" * 16)),
    ("nat64_instance_int", 'nat64: { instance = 4; pool6 = "2001:db8:64::/96"; };'),
    ("nat64_pool6_97", 'nat64: { instance = "v6g"; pool6 = "2001:db8:64::/97"; };'),
    ("nat64_pool6_garbage", 'nat64: { instance = "v6g"; pool6 = "foo"; };'),
    ("nat64_pool4_bad_address", 'nat64: { instance = "v6g"; pool6 = "2001:db8:64::/96"; pool4 = ( { address = "192.0.2.300"; protocol = "tcp"; } ); };'),
    ("nat64_pool4_sctp", 'nat64: { instance = "v6g"; pool6 = "2001:db8:64::/96"; pool4 = ( { address = "192.0.2.1"; protocol = "sctp"; } ); };'),
    ("nat64_pool4_ports", 'nat64: { instance = "v6g"; pool6 = "2001:db8:64::/96"; pool4 = ( { address = "192.0.2.1"; protocol = "tcp"; ports = "70000-80000"; } ); };'),
    ("nat64_wkp_string", 'nat64: { instance = "v6g"; pool6 = "64:ff9b::/96"; allow_wkp_nonglobal = "yes"; };'),
    ("siit_pool6_bad", 'siit: { instance = "v6g-siit"; pool6 = "64:ff9b::/200"; };'),
    ("top_level_unknown", "frobnicate = 1;"),
]:
    append(name, text + "\n")

add("nat64_service_no_block", 'backends = [ "10.1.0.5:80" ];',
    '  , { name = "mail"; mode = "nat64"; backend = "10.1.0.9"; '
    'ports = [ "tcp/25" ]; }', "web")
add("nat64_ports_bad", 'backends = [ "10.1.0.5:80" ];',
    '  , { name = "mail"; mode = "nat64"; backend = "10.1.0.9"; '
    'ports = [ "tcp/70000", "foo/25" ]; }', "web")
add("siit_ipv4_bad", 'backends = [ "10.1.0.5:80" ];',
    '  , { name = "n"; mode = "siit"; ipv4 = "192.0.2.500"; '
    'ipv6 = "2001:db8:200::50"; }', "web")

# -- unknown keys ---------------------------------------------------------------
mut("gw_unknown_key", "workers = 2;", "workers = 2; bogus = 1;")
mut("gw_typo_key", "max_connections", "max_connection = 20000;")
mut("services_group", "services = (", "services = { a = 1; }; zz = (")
put("services_empty", BASE.split("services = (")[0] + "services = ( );\n",
    find("services = (") + 1)
put("no_services", BASE.split("services = (")[0], None)

# Odd, not wrong: a gateway that carries nothing (a warning says so), a
# file of 20 MiB (one version reads it, one refuses it as too large), a
# user that is looked up at start, not by -t.  Either refused with the
# file's name or accepted; never a hang or a crash.
ODD = {"empty_file", "only_comments", "services_empty", "no_services",
       "main_huge_20m", "user_unknown"}
for m in manifest:
    print("\t".join(m + ("odd" if m[0] in ODD else "bad",)))
