# SPDX-License-Identifier: ISC
# Shared by the integration tests and the demo: three network namespaces
# that the test creates and removes, real nginx, real curl, the gateway.
#
#   client ns   2001:db8:1::2/64          IPv6 only
#      | veth
#   gateway ns  2001:db8:1::1/64, 2001:db8:100::10 (service address, on lo),
#               192.0.2.10 (IPv4 service address, on lo), 10.1.0.1/24
#      | veth
#   server ns   10.1.0.5/24 and 10.1.0.6/24  IPv4 only (IPv6 disabled):
#               nginx, HTTPS for www.example.org and api.example.org
#               (one self-signed certificate), plain HTTP on port 80
#
# No address outside these namespaces ever receives a packet.
#
# A test sources this file, calls net_up, nginx_up, gw_up CONFIG and then
# its checks (ok / fail / check_eq); cleanup runs on exit.  Exit status:
# 0 all checks passed, 1 a check failed, 77 skipped (not root, no netns).
# More in README, next to this file.

set -u

: "${builddir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${srcdir:=$builddir}"
V6GATED=${V6GATED:-$builddir/v6gated}
V6GATECTL=${V6GATECTL:-$builddir/v6gatectl}
TOOL_HELLO=${TOOL_HELLO:-$builddir/tests/integ/tool_hello}
# The shared HTTP/TLS client (client.py, next to this file): run it as
# in_c python3 "$CLIENT_PY" get|many ..., or import it from $INTEG_DIR.
INTEG_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CLIENT_PY=$INTEG_DIR/client.py
# in_g python3 "$CTLFLOOD_PY" SOCKET N SECONDS READY (see the file)
CTLFLOOD_PY=$INTEG_DIR/ctlflood.py
# and importing it writes no __pycache__ into the source tree
export PYTHONDONTWRITEBYTECODE=1
# V6G_WRAPPER="valgrind --error-exitcode=1" runs the daemon under valgrind.
V6G_WRAPPER=${V6G_WRAPPER:-}

TNAME=$(basename "$0" .sh)
ID=$$
NS_C=v6g-c-$ID
NS_G=v6g-g-$ID
NS_S=v6g-s-$ID
T=$(mktemp -d "/tmp/v6g-$TNAME.XXXXXX")
# the daemon's unprivileged process (gateway.user) reaches its files here
chmod 711 "$T"
CTL_SOCK=$T/v6gate.sock
GW_LOG=$T/v6gated.log
NGINX_LOG=$T/nginx-access.log
GW6=2001:db8:100::10
GW4=192.0.2.10
GW_PID=
# gateway B of a two-gateway suite (pair_up, gw_b_up): its namespace,
# daemon and log; finish stops and removes them too
NS_B=v6g-gb-$ID
GWB_PID=
GWB_LOG=$T/v6gated-B.log

n_ok=0
n_fail=0

log() { printf '%s: %s\n' "$TNAME" "$*"; }
ok() { n_ok=$((n_ok + 1)); printf 'ok   %s: %s\n' "$TNAME" "$*"; }
fail() { n_fail=$((n_fail + 1)); printf 'FAIL %s: %s\n' "$TNAME" "$*"; }
skip() { printf 'SKIP %s: %s\n' "$TNAME" "$*"; exit 77; }

# check_eq DESCRIPTION GOT EXPECTED
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		fail "$1: got '$2', expected '$3'"
	fi
}

# check_cmd DESCRIPTION COMMAND...: the command must succeed
check_cmd() {
	local d=$1
	shift
	if "$@" >"$T/check.out" 2>&1; then
		ok "$d"
	else
		fail "$d: '$*' failed: $(tail -3 "$T/check.out")"
	fi
}

in_c() { ip netns exec "$NS_C" "$@"; }
in_g() { ip netns exec "$NS_G" "$@"; }
in_s() { ip netns exec "$NS_S" "$@"; }
in_b() { ip netns exec "$NS_B" "$@"; }

# gw_stop: stop v6gated and wait for it; its exit must be clean, and a
# sanitizer build must have found nothing.
gw_stop() {
	local i

	[ -n "${GW_PID:-}" ] || return 0
	kill "$GW_PID" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$GW_PID" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$GW_PID" 2>/dev/null; then
		fail "v6gated did not stop within 10 s of SIGTERM"
		kill -9 "$GW_PID" 2>/dev/null
	fi
	wait "$GW_PID" 2>/dev/null
	GW_PID=
	# the sanitizers' reports, and valgrind's (V6G_WRAPPER)
	local bad='AddressSanitizer|LeakSanitizer|runtime error:|==[0-9]+==ERROR'
	bad="$bad|==[0-9]+== (Invalid (read|write|free)|Conditional jump|Use of uninitialised|Mismatched free|Syscall param)"
	if grep -qE "$bad" "$GW_LOG" 2>/dev/null; then
		fail "the sanitizers or valgrind found errors in v6gated (see its log)"
		grep -m1 -A30 -E "$bad" "$GW_LOG"
	fi
}

finish() {
	local rc=$?

	gw_b_stop
	gw_stop
	for ns in "$NS_C" "$NS_G" "$NS_B" "$NS_S"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill $pids 2>/dev/null
	done
	sleep 0.2
	for ns in "$NS_C" "$NS_G" "$NS_B" "$NS_S"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill -9 $pids 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	if [ "$n_fail" -gt 0 ] || [ "$rc" -ne 0 -a "$rc" -ne 77 ]; then
		echo "--- $TNAME: v6gated log (last 40 lines) ---"
		tail -40 "$GW_LOG" 2>/dev/null
		[ "${KEEP:-0}" = 1 ] && echo "kept $T"
	fi
	[ "${KEEP:-0}" = 1 ] || rm -rf "$T"
	if [ "$rc" -eq 77 ]; then
		exit 77
	fi
	echo "$TNAME: $n_ok passed, $n_fail failed"
	[ "$n_fail" -eq 0 ] && [ "$rc" -eq 0 ] && [ "$n_ok" -gt 0 ] && exit 0
	exit 1
}

# ns_begin: skip unless this can run; the client namespace and the
# cleanup at exit, which everything after may count on
ns_begin() {
	[ "${V6G_INTEG:-1}" = 0 ] && skip "integration tests disabled (configure)"
	[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
	ip netns add "$NS_C" 2>/dev/null || skip "cannot create network namespaces"
	trap finish EXIT
	trap 'exit 1' INT TERM
}

net_up() {
	ns_begin
	ip netns add "$NS_G"
	ip netns add "$NS_S"
	ip link add c0 netns "$NS_C" type veth peer name g0 netns "$NS_G"
	ip link add g1 netns "$NS_G" type veth peer name s0 netns "$NS_S"
	in_c ip -batch - <<-EOF
		link set lo up
		link set c0 up
		addr add 2001:db8:1::2/64 dev c0 nodad
		route add ::/0 via 2001:db8:1::1
	EOF
	in_g sysctl -qw net.ipv6.conf.all.forwarding=0
	in_g ip -batch - <<-EOF
		link set lo up
		link set g0 up
		link set g1 up
		addr add 2001:db8:1::1/64 dev g0 nodad
		addr add $GW6/128 dev lo nodad
		addr add $GW4/32 dev lo
		addr add 10.1.0.1/24 dev g1
	EOF
	in_s sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	in_s sysctl -qw net.ipv6.conf.default.disable_ipv6=1
	in_s ip -batch - <<-EOF
		link set lo up
		link set s0 up
		addr add 10.1.0.5/24 dev s0
		addr add 10.1.0.6/24 dev s0
	EOF
}

# pair_up: the namespaces of a suite with two gateways (t_keepalived,
# t_fleet_metrics): client, gateway A ($NS_G), gateway B ($NS_B) and
# server, lo up and no duplicate address detection; the suite wires them.
pair_up() {
	local ns

	ns_begin
	ip netns add "$NS_G"
	ip netns add "$NS_B"
	ip netns add "$NS_S"
	for ns in "$NS_C" "$NS_G" "$NS_B" "$NS_S"; do
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		    net.ipv6.conf.default.accept_dad=0 2>/dev/null
		ip netns exec "$ns" ip link set lo up
	done
}

# pair_lan C6 C4 A6 A4 B6 B4: wire pair_up's namespaces.  The clients' LAN
# is a bridge in the client namespace (br0: the client at C6/64 and C4/24)
# with a port per gateway (ga0 in A at A6/64 and A4/24, gb0 in B); the
# servers' LAN a bridge in the server namespace (br1: nginx's 10.1.0.5 and
# 10.1.0.6, IPv6 off) with A at 10.1.0.1 and B at 10.1.0.2 (g1 in each).
pair_lan() {
	local g

	in_s sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip -n "$NS_C" link add br0 type bridge
	ip -n "$NS_S" link add br1 type bridge
	ip link add ga0 netns "$NS_G" type veth peer name pa netns "$NS_C"
	ip link add gb0 netns "$NS_B" type veth peer name pb netns "$NS_C"
	ip link add g1 netns "$NS_G" type veth peer name sa netns "$NS_S"
	ip link add g1 netns "$NS_B" type veth peer name sb netns "$NS_S"
	for g in pa pb; do in_c ip link set $g master br0 up; done
	for g in sa sb; do in_s ip link set $g master br1 up; done
	in_c ip link set br0 up
	in_c ip addr add "$1/64" dev br0 nodad
	in_c ip addr add "$2/24" dev br0
	in_s ip link set br1 up
	in_s ip addr add 10.1.0.5/24 dev br1
	in_s ip addr add 10.1.0.6/24 dev br1
	for g in "$NS_G ga0 $3 $4 1" "$NS_B gb0 $5 $6 2"; do
		set -- $g
		ip -n "$1" -batch - <<-EOF
			link set $2 up
			link set g1 up
			addr add $3/64 dev $2 nodad
			addr add $4/24 dev $2
			addr add 10.1.0.$5/24 dev g1
		EOF
	done
}

# wait_port NS ADDRESS PORT: until something listens there (5 s)
wait_port() {
	local i

	for i in $(seq 50); do
		if ip netns exec "$1" ss -Hltn "src $2 and sport = :$3" |
		    grep -q LISTEN; then
			return 0
		fi
		sleep 0.1
	done
	fail "nothing listens on $2:$3 in $1"
	return 1
}

# nginx_up: the IPv4-only legacy server, HTTPS for two names and HTTP.
# Every response says which backend address answered and which name and SNI
# it saw, so tests can tell where a request went.
nginx_up() {
	mkdir -p "$T/nginx" "$T/www"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -days 2 -subj /CN=www.example.org \
	    -addext "subjectAltName=DNS:www.example.org,DNS:api.example.org,DNS:*.example.org" \
	    -keyout "$T/nginx/key.pem" -out "$T/nginx/cert.pem" 2>/dev/null ||
	    { fail "openssl req"; return 1; }
	head -c 1048576 /dev/urandom >"$T/www/1m"
	cat >"$T/nginx/nginx.conf" <<-EOF
		user root;
		worker_processes 1;
		pid $T/nginx/nginx.pid;
		error_log $T/nginx/error.log;
		events { worker_connections 1024; }
		http {
		    access_log off;
		    log_format v6g '\$remote_addr:\$remote_port \$msec \$server_addr:\$server_port host=\$host sni=\$ssl_server_name \$request_uri \$status \$bytes_sent';
		    client_body_temp_path $T/nginx/body;
		    proxy_temp_path $T/nginx/proxy;
		    fastcgi_temp_path $T/nginx/fastcgi;
		    uwsgi_temp_path $T/nginx/uwsgi;
		    scgi_temp_path $T/nginx/scgi;
		    ssl_certificate $T/nginx/cert.pem;
		    ssl_certificate_key $T/nginx/key.pem;
		    ssl_protocols TLSv1.2 TLSv1.3;
		    default_type text/plain;
		    server {
		        listen 10.1.0.5:443 ssl;
		        listen 10.1.0.6:443 ssl;
		        listen 10.1.0.5:80;
		        listen 10.1.0.6:80;
		        access_log $NGINX_LOG v6g;
		        root $T/www;
		        location / {
		            return 200 "backend=\$server_addr:\$server_port host=\$host sni=\$ssl_server_name\n";
		        }
		        location /files/ {
		            alias $T/www/;
		        }
		    }
		}
	EOF
	in_s nginx -c "$T/nginx/nginx.conf" || { fail "nginx did not start"; return 1; }
	wait_port "$NS_S" 10.1.0.5 443 && wait_port "$NS_S" 10.1.0.5 80
}

nginx_stop() {
	[ -f "$T/nginx/nginx.pid" ] && kill "$(cat "$T/nginx/nginx.pid")" 2>/dev/null
	sleep 0.3
}

# gw_conf FILE: a gateway configuration for this topology, written to FILE,
# with the services given on stdin (the "services = ( ... );" part).
gw_conf() {
	{
		cat <<-EOF
			gateway: {
			  name = "test-gw";
			  state_dir = "$T/state";
			  control_socket = "$CTL_SOCK";
			  workers = ${GW_WORKERS:-2};
			  timeouts: { first_flight = ${GW_FF_TIMEOUT:-10}; connect = 2; idle = 60; };
			};
		EOF
		cat
	} >"$1"
}

# The usual services: SNI names to two backends, a default, HTTP by Host.
gw_conf_default() {
	gw_conf "$1" <<-EOF
		services = (
		  { name = "www"; mode = "proxy";
		    listen = [ "[$GW6]:443", "$GW4:443" ];
		    hosts = [ "www.example.org" ];
		    default = true;
		    backends = [ "10.1.0.5:443" ]; },
		  { name = "api"; mode = "proxy";
		    listen = [ "[$GW6]:443", "$GW4:443" ];
		    hosts = [ "api.example.org", "*.api.example.org" ];
		    backends = [ "10.1.0.6:443" ]; },
		  { name = "web"; mode = "proxy"; protocol = "http";
		    listen = [ "[$GW6]:80" ];
		    hosts = [ "www.example.org" ];
		    backends = [ "10.1.0.5:80" ]; }
		);
	EOF
}

# Three HTTP services on one listener, one backend; "api" denies the
# client's 2001:db8::/32: the walk around a deny on a keep-alive
# connection (t_http_keepalive, and the attack's category e).
gw_conf_keepalive() {
	gw_conf "$1" <<-EOF
		services = (
		  { name = "www"; mode = "proxy"; protocol = "http"; listen = [ "[$GW6]:80" ];
		    hosts = [ "www.example.org" ]; backends = [ "10.1.0.5:80" ]; },
		  { name = "api"; mode = "proxy"; protocol = "http"; listen = [ "[$GW6]:80" ];
		    hosts = [ "api.example.org" ]; backends = [ "10.1.0.5:80" ];
		    deny = [ "2001:db8::/32" ]; },
		  { name = "other"; mode = "proxy"; protocol = "http";
		    listen = [ "[$GW6]:80" ]; hosts = [ "other.example.org" ];
		    backends = [ "10.1.0.5:80" ]; }
		);
	EOF
}

# gw_up CONFIG: start v6gated in the gateway namespace, in the foreground,
# and wait until its control socket answers.
gw_up() {
	# not through in_g: $! must be v6gated itself (ip netns exec execs)
	ip netns exec "$NS_G" $V6G_WRAPPER "$V6GATED" -f -v -c "$1" \
	    >>"$GW_LOG" 2>&1 &
	GW_PID=$!
	for i in $(seq 100); do
		if "$V6GATECTL" -s "$CTL_SOCK" status >/dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$GW_PID" 2>/dev/null; then
			fail "v6gated exited: $(tail -5 "$GW_LOG")"
			return 1
		fi
		sleep 0.1
	done
	fail "v6gated control socket did not answer"
	return 1
}

ctl() { "$V6GATECTL" -s "$CTL_SOCK" "$@"; }

# gw_b_up CONFIG SOCKET / gw_b_stop: gateway B's v6gated, as gw_up and
# gw_stop start and stop A's (GWB_PID, GWB_LOG)
gw_b_up() {
	local a=$GW_PID rc

	NS_G=$NS_B CTL_SOCK=$2 GW_LOG=$GWB_LOG gw_up "$1"
	rc=$?
	GWB_PID=$GW_PID GW_PID=$a
	return $rc
}
gw_b_stop() {
	local p=$GWB_PID

	[ -n "$p" ] || return 0
	GWB_PID=
	GW_PID=$p GW_LOG=$GWB_LOG gw_stop
}

# gw_serve: the pid of v6gated's unprivileged process, which holds the
# connections (GW_PID, its parent, only answers its requests)
gw_serve() { pgrep -P "$GW_PID" | head -1; }
# as_gw_user COMMAND...: run as the daemon's user (gateway.user), for what
# only the same user may do to its process without CAP_SYS_RESOURCE
as_gw_user() {
	setpriv --reuid "$(id -u v6gate)" --regid "$(id -g v6gate)" \
	    --clear-groups "$@"
}

# stat_get PATH: a number from "v6gatectl status --json", e.g.
# stat_get services.www.ipv6.bytes_out or stat_get counters.no_route
stat_get() {
	ctl status --json | python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[k]
print(v)' "$1"
}

# bk SERVICE BACKEND PATH: a value from "v6gatectl backends --json" for
# that backend (dotted PATH, e.g. check.tls.days_left); objects and
# booleans as JSON, "none" when absent
bk() {
	ctl backends --json 2>/dev/null | python3 -c '
import json, sys
try:
    v = [b for b in json.load(sys.stdin)["services"][sys.argv[1]]["backends"]
         if b["address"] == sys.argv[2]][0]
    for k in sys.argv[3].split("."):
        v = v[k]
except (LookupError, ValueError, TypeError):
    print("none")
    sys.exit()
print(v if isinstance(v, str) else json.dumps(v))' "$@"
}

# curl6 NAME PATH [curl options]: HTTPS from the IPv6-only client, name
# resolved to the gateway's IPv6 service address
curl6() {
	local name=$1 path=$2
	shift 2
	in_c curl -sS -k --max-time 10 --resolve "$name:443:[$GW6]" "$@" \
	    "https://$name$path"
}

# http6 NAME PATH [curl options]: plain HTTP from the IPv6-only client
http6() {
	local name=$1 path=$2
	shift 2
	in_c curl -sS --max-time 10 --resolve "$name:80:[$GW6]" "$@" \
	    "http://$name$path"
}

