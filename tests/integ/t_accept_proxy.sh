#!/bin/bash
# Behind an L4 load balancer (accept_proxy): a real HAProxy in the client
# namespace, mode tcp, sends PROXY v2 (TLS, send-proxy-v2) and v1 (HTTP,
# send-proxy) from 2001:db8:ffff::7, a trusted prefix.  The client named in
# the header is the one the gateway sees: in the audit log (with the
# balancer as "via"), in the distinct clients, in the allow/deny of the
# service (a denied client is refused though the balancer is allowed), and
# in the PROXY v1 header the gateway sends on to a backend.  A PROXY
# header from an untrusted peer, a trusted peer without one, a malformed
# one: each closes that connection and is counted; a direct client on the
# same listener is served; LOCAL makes the balancer the client; a listener
# without accept_proxy is unaffected.  The counters show in status and in
# /metrics.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "needs python3"
command -v haproxy >/dev/null || skip "needs haproxy"
net_up
nginx_up || exit 1

LB=2001:db8:ffff::7	# the balancer (trusted)
C1=2001:db8:1::2	# the lib's client
C3=2001:db8:1::66	# a client the service denies
in_c ip addr add $LB/64 dev c0 nodad preferred_lft 0
in_c ip addr add $C3/64 dev c0 nodad preferred_lft 0
in_g ip addr add 2001:db8:ffff::1/64 dev g0 nodad
in_s ip addr add 10.1.0.8/24 dev s0
A=$T/state/audit

# --- a backend that answers with the PROXY line it was sent -------------
cat >"$T/echo_pp.py" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.1.0.8", 9001))
s.listen(16)
while True:
    c, _ = s.accept()
    c.settimeout(5)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            d = c.recv(4096)
            if not d:
                break
            data += d
    except OSError:
        pass
    line = data.split(b"\r\n", 1)[0]
    c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n"
              b"Connection: close\r\n\r\n%s" % (len(line), line))
    c.close()
EOF
ip netns exec "$NS_S" python3 "$T/echo_pp.py" >"$T/echo_pp.log" 2>&1 &
wait_port "$NS_S" 10.1.0.8 9001

gw_conf "$T/gw.conf" <<EOF
services = (
  { name = "www"; mode = "proxy"; listen = [ "[$GW6]:8443" ];
    hosts = [ "www.example.org" ]; default = true;
    accept_proxy = [ "2001:db8:ffff::/48", "10.9.0.0/16" ];
    deny = [ "$C3/128" ];
    backends = [ "10.1.0.5:443" ]; },
  { name = "echo"; mode = "proxy"; protocol = "http";
    listen = [ "[$GW6]:8080" ]; hosts = [ "www.example.org" ];
    accept_proxy = [ "2001:db8:ffff::/48" ];
    backends = ( { address = "10.1.0.8:9001"; proxy_protocol = "v1"; } ); },
  { name = "plain"; mode = "proxy"; listen = [ "[$GW6]:443" ];
    hosts = [ "www.example.org" ]; default = true;
    backends = [ "10.1.0.5:443" ]; }
);
EOF
sed -i 's|^};|  http = "[::1]:9164";\n};|' "$T/gw.conf"
gw_up "$T/gw.conf" || exit 1

# --- HAProxy, the L4 balancer ---------------------------------------------
H=$T/hap
mkdir -p "$H"
cat >"$H/haproxy.cfg" <<EOF
global
    maxconn 256
defaults
    mode tcp
    timeout connect 5s
    timeout client 10s
    timeout server 10s
listen tls_v2
    bind [$LB]:1443
    server gw [$GW6]:8443 send-proxy-v2 source [$LB]:0
listen http_v1
    bind [$LB]:1080
    server gw [$GW6]:8080 send-proxy source [$LB]:0
EOF
haproxy -c -f "$H/haproxy.cfg" >"$H/check.out" 2>&1 ||
    fail "haproxy -c: $(grep -iE 'alert|error' "$H/check.out" | head -3)"
ip netns exec "$NS_C" haproxy -db -f "$H/haproxy.cfg" >"$H/log" 2>&1 &
wait_port "$NS_C" "[$LB]" 1443
wait_port "$NS_C" "[$LB]" 1080

# via_lb SRC PORT [curl options]: https://www.example.org/ through HAProxy
via_lb() {
	local src=$1 port=$2
	shift 2
	in_c curl -sS -k --max-time 8 --interface "$src" --local-port "$port" \
	    --resolve "www.example.org:1443:[$LB]" "$@" \
	    https://www.example.org:1443/
}
c() { stat_get "counters.$1"; }

# --- v2: the real client reaches the backend, counted and audited --------
check_eq "v2 through HAProxy: served" "$(via_lb $C1 41001)" \
    "backend=10.1.0.5:443 host=www.example.org sni=www.example.org"
check_eq "counted: pp_proxied" "$(c pp_proxied)" 1
# the same client directly (no header: a direct client): still one
# client; had the balancer been counted for the first, two
check_eq "direct from the same client, on the same listener: served" \
    "$(in_c curl -sS -k --max-time 8 --interface $C1 \
    --resolve "www.example.org:8443:[$GW6]" https://www.example.org:8443/)" \
    "backend=10.1.0.5:443 host=www.example.org sni=www.example.org"
check_eq "the real client is the service's one distinct client" \
    "$(stat_get services.www.ipv6.clients_day)" 1

# audit: the close line names the client and the balancer
audit_of() { # PORT: "client via" of the close line of that client port
	local i
	for i in $(seq 50); do
		r=$(cat "$A"/audit-*.jsonl 2>/dev/null | python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if r["event"] == "close" and r["client"].endswith("]:" + sys.argv[1]):
        print(r["client"], r.get("via", "-").rsplit(":", 1)[0], r["service"])' "$1")
		[ -n "$r" ] && break
		sleep 0.1
	done
	echo "$r"
}
check_eq "audit: the real client, and the balancer as via" \
    "$(audit_of 41001)" "[$C1]:41001 [$LB] www"

# --- the service's deny applies to the real client, not to the balancer --
acl0=$(c refused_acl)
via_lb $C3 41002 >/dev/null 2>&1 && fail "a denied client was served" ||
    ok "a client the service denies is refused through the balancer"
check_eq "counted: refused_acl" "$(( $(c refused_acl) - acl0 ))" 1
check_eq "counted: pp_proxied, both" "$(c pp_proxied)" 2
check_eq "the balancer itself still passes (C1 again)" \
    "$(via_lb $C1 41003)" \
    "backend=10.1.0.5:443 host=www.example.org sni=www.example.org"

# --- v1: the client goes on in the PROXY header the gateway sends --------
check_eq "v1 through HAProxy, then v1 to the backend: the real client" \
    "$(in_c curl -sS --max-time 8 --interface $C1 --local-port 41004 \
    --resolve "www.example.org:1080:[$LB]" http://www.example.org:1080/)" \
    "PROXY TCP6 $C1 $LB 41004 1080"
check_eq "counted: pp_proxied, v1 too" "$(c pp_proxied)" 4

# --- raw peers: python sockets from a chosen source ----------------------
cat >"$T/raw.py" <<'EOF'
import socket, sys
src, sport, dst, port = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
# the bytes as a Python string literal's escapes: a NUL passes argv
data = sys.argv[5].encode("latin-1").decode("unicode_escape")
s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((src, sport))
s.settimeout(8)
s.connect((dst, port))
s.sendall(data.encode("latin-1"))
out = b""
try:
    while True:
        d = s.recv(4096)
        if not d:
            break
        out += d
except ConnectionResetError:
    out += b"<reset>"
print(out.decode("latin-1").split("\r\n")[-1] or "<closed>")
EOF
raw() { in_c python3 "$T/raw.py" "$@"; }
# escapes, decoded by raw.py
HDR="PROXY TCP6 2001:db8:9::9 $GW6 1234 8080\\r\\n"
REQ='GET / HTTP/1.1\r\nHost: www.example.org\r\n\r\n'
SIG='\r\n\r\n\x00\r\nQUIT\n'

u0=$(c pp_untrusted)
check_eq "a PROXY header from an untrusted peer: closed, nothing sent" \
    "$(raw $C1 0 $GW6 8080 "$HDR$REQ")" "<closed>"
check_eq "counted: pp_untrusted" "$(( $(c pp_untrusted) - u0 ))" 1
check_eq "a direct client (no header) on the same listener is served" \
    "$(in_c curl -sS --max-time 8 --resolve "www.example.org:8080:[$GW6]" \
    --local-port 41005 http://www.example.org:8080/)" \
    "PROXY TCP6 $C1 $GW6 41005 8080"

m0=$(c pp_missing)
check_eq "the balancer without a header: closed" \
    "$(raw $LB 0 $GW6 8080 "$REQ")" "<closed>"
check_eq "counted: pp_missing" "$(( $(c pp_missing) - m0 ))" 1
m0=$(c pp_missing)
if in_c curl -sS -k --max-time 8 --interface $LB \
    --resolve "www.example.org:8443:[$GW6]" https://www.example.org:8443/ \
    >/dev/null 2>&1; then
	fail "TLS from the balancer without a header was served"
else
	ok "TLS from the balancer without a header: refused"
fi
check_eq "counted: pp_missing (TLS)" "$(( $(c pp_missing) - m0 ))" 1

b0=$(c pp_malformed)
check_eq "a malformed v1 header from the balancer: closed" \
    "$(raw $LB 0 $GW6 8080 "PROXY TCP6 2001:db8:9::9 $GW6 01234 8080\\r\\n$REQ")" \
    "<closed>"
check_eq "a v2 header with a TLV past its length: closed" \
    "$(raw $LB 0 $GW6 8080 "$SIG"'\x21\x00\x00\x02\x04\x00'"$REQ")" \
    "<closed>"
check_eq "counted: pp_malformed" "$(( $(c pp_malformed) - b0 ))" 2

l0=$(c pp_local)
check_eq "v2 LOCAL (a health check): the balancer is the client" \
    "$(raw $LB 41006 $GW6 8080 "$SIG"'\x20\x00\x00\x00'"$REQ")" \
    "PROXY TCP6 $LB $GW6 41006 8080"
check_eq "counted: pp_local" "$(( $(c pp_local) - l0 ))" 1
check_eq "v1 UNKNOWN: the balancer is the client" \
    "$(raw $LB 41007 $GW6 8080 "PROXY UNKNOWN\\r\\n$REQ")" \
    "PROXY TCP6 $LB $GW6 41007 8080"
check_eq "counted: pp_unknown" "$(c pp_unknown)" 1

# --- a listener without accept_proxy is unaffected -----------------------
check_eq "no accept_proxy: direct TLS served" "$(curl6 www.example.org /)" \
    "backend=10.1.0.5:443 host=www.example.org sni=www.example.org"
n0=$(c tls_not_tls)
u0=$(c pp_untrusted)
raw $C1 0 $GW6 443 "$HDR" >/dev/null
check_eq "no accept_proxy: a PROXY header is just not TLS" \
    "$(( $(c tls_not_tls) - n0 )) $(( $(c pp_untrusted) - u0 ))" "1 0"

# --- status text and /metrics -------------------------------------------
check_cmd "status lists pp_untrusted" sh -c \
    "'$V6GATECTL' -s '$CTL_SOCK' status | grep -q 'PROXY header from an untrusted peer'"
M=$(in_g curl -sS --max-time 5 'http://[::1]:9164/metrics')
check_eq "/metrics: pp_proxied" \
    "$(echo "$M" | grep '^v6gate_events_total{event="pp_proxied"}')" \
    "v6gate_events_total{event=\"pp_proxied\"} $(c pp_proxied)"
check_eq "/metrics: pp_missing" \
    "$(echo "$M" | grep '^v6gate_events_total{event="pp_missing"}')" \
    'v6gate_events_total{event="pp_missing"} 2'
