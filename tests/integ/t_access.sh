#!/bin/bash
# Who may use a service: allow/deny prefix lists (the longest prefix wins,
# deny wins a tie, an allow list refuses whoever it does not hold) and the
# per-client limits (a client is its /64).  On a listener with only the
# refusing service the connection is closed right after accept, before any
# byte is read; on a shared listener the refused name gets a TLS alert
# access_denied or an HTTP 403 and the other names are served.
# per_client_connections: the connection over the limit gets 429 while the
# others are held, and is served once they are done; per_client_rate: a
# burst is cut at the rate, 429, and the client is served again after a
# quiet while.  Another /64 is never affected by the first one's limits.
# Every refusal is counted under its reason.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "needs python3"
net_up
nginx_up || exit 1
head -c 4194304 /dev/urandom >"$T/www/4m"

C1=2001:db8:1::2	# the lib's client
C1B=2001:db8:1::3	# another address of its /64
C2=2001:db8:2::2	# a client of another /64
# deprecated (preferred_lft 0): never chosen as a source unless bound to
in_c ip addr add $C1B/64 dev c0 nodad preferred_lft 0
in_c ip addr add $C2/64 dev c0 nodad preferred_lft 0
in_g ip addr add 2001:db8:2::1/64 dev g0 nodad

# single: a listener of its own, name www.example.org
single() { # NAME PORT ACL...
	local name=$1 port=$2
	shift 2
	printf '  { name = "%s"; mode = "proxy"; listen = [ "[%s]:%s" ];\n' \
	    "$name" "$GW6" "$port"
	printf '    hosts = [ "www.example.org" ]; %s backends = [ "10.1.0.5:443" ]; },\n' "$*"
}
gw_conf "$T/gw.conf" <<EOF
services = (
$(single denied 8443 'deny = [ "2001:db8:1::/64" ];')
$(single allowother 8444 'allow = [ "2001:db8:2::/64" ];')
$(single allowmine 8445 'allow = [ "2001:db8:1::/64" ];')
$(single longest 8446 'deny = [ "2001:db8::/32" ]; allow = [ "2001:db8:1::/64" ];')
$(single tie 8447 'allow = [ "2001:db8:1::/64" ]; deny = [ "2001:db8:1::/64" ];')
$(single host128 8448 'deny = [ "2001:db8:1::/64" ]; allow = [ "2001:db8:1::3/128" ];')
  { name = "deniedweb"; mode = "proxy"; protocol = "http"; listen = [ "[$GW6]:8080" ];
    hosts = [ "www.example.org" ]; deny = [ "2001:db8:1::/64" ]; backends = [ "10.1.0.5:80" ]; },
  { name = "www"; mode = "proxy"; listen = [ "[$GW6]:443" ];
    hosts = [ "www.example.org" ]; default = true; backends = [ "10.1.0.5:443" ]; },
  { name = "blocked"; mode = "proxy"; listen = [ "[$GW6]:443" ];
    hosts = [ "blocked.example.org" ]; deny = [ "2001:db8:1::/64" ];
    backends = [ "10.1.0.6:443" ]; },
  { name = "ratetls"; mode = "proxy"; listen = [ "[$GW6]:443" ];
    hosts = [ "ratetls.example.org" ]; limits = { per_client_rate = 1; };
    backends = [ "10.1.0.6:443" ]; },
  { name = "web"; mode = "proxy"; protocol = "http"; listen = [ "[$GW6]:80" ];
    hosts = [ "www.example.org" ]; default = true; backends = [ "10.1.0.5:80" ]; },
  { name = "webblocked"; mode = "proxy"; protocol = "http"; listen = [ "[$GW6]:80" ];
    hosts = [ "blocked.example.org" ]; deny = [ "2001:db8:1::/64" ];
    backends = [ "10.1.0.6:80" ]; },
  { name = "slow"; mode = "proxy"; protocol = "http"; listen = [ "[$GW6]:80" ];
    hosts = [ "slow.example.org" ]; limits = { per_client_connections = 3; };
    backends = [ "10.1.0.5:80" ]; },
  { name = "rate"; mode = "proxy"; protocol = "http"; listen = [ "[$GW6]:80" ];
    hosts = [ "rate.example.org" ]; limits = { per_client_rate = 5; };
    backends = [ "10.1.0.6:80" ]; }
);
EOF
gw_up "$T/gw.conf" || exit 1

# tls PORT NAME [curl options]: the body of https://NAME:PORT/
tls() {
	local port=$1 name=$2
	shift 2
	in_c curl -sS -k --max-time 8 --resolve "$name:$port:[$GW6]" "$@" \
	    "https://$name:$port/"
}
# code PORT NAME PATH [curl options]: the HTTP status of http://NAME:PORT/PATH
code() {
	local port=$1 name=$2 path=$3
	shift 3
	in_c curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
	    --resolve "$name:$port:[$GW6]" "$@" "http://$name:$port$path"
}
W5="backend=10.1.0.5:443 host=www.example.org sni=www.example.org"
acl0=$(stat_get counters.refused_acl)
lines0=$(wc -l <"$NGINX_LOG")

# ---- a listener with only the denying service: closed at accept ---------
tls 8443 www.example.org >/dev/null 2>&1
rc=$?
[ "$rc" -ne 0 ] && ok "a denied client's TLS connection fails (curl rc $rc)" ||
    fail "a denied client was served"
# the start of a ClientHello, never completed: a daemon that read it would
# wait for the rest (first_flight = 10 s); closed unread, the kernel
# answers the bytes it still holds with a reset
out=$(in_c timeout 5 python3 -c '
import socket, time
s = socket.create_connection(("'$GW6'", 8443))
t = time.monotonic()
s.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03")
s.settimeout(3)
try:
    d = s.recv(100)
    e = "eof"
except ConnectionResetError:
    d, e = b"", "reset"
except socket.timeout:
    d, e = b"", "timeout"
print(len(d), e, int((time.monotonic() - t) * 1000))')
read -r nbytes how ms <<<"$out"
[ "$nbytes" = 0 ] && [ "$how" = reset ] && [ "${ms:-9999}" -lt 500 ] &&
    ok "closed at accept with the first bytes unread: a reset, at once ($ms ms)" ||
    fail "half a ClientHello: $out (expected 0 bytes, reset, < 500 ms)"
out=$(in_c timeout 10 openssl s_client -connect "[$GW6]:8443" \
    -servername www.example.org </dev/null 2>&1)
if printf '%s\n' "$out" | grep -qi 'alert'; then
	fail "the closed connection carried a TLS alert: $(printf '%s\n' "$out" | grep -i -m1 alert)"
elif printf '%s\n' "$out" | grep -q 'BEGIN CERTIFICATE\|Server certificate'; then
	fail "a denied client got a server certificate"
else
	ok "openssl s_client: no TLS alert, no handshake"
fi
c=$(code 8080 www.example.org /)
check_eq "an HTTP-only listener: no response at all (no 403)" "$c" 000
check_eq "counters.refused_acl: exactly the 4 attempts" \
    "$(( $(stat_get counters.refused_acl) - acl0 ))" 4
sleep 0.3
check_eq "the backend never saw them (no new line in nginx's log)" \
    "$(wc -l <"$NGINX_LOG")" "$lines0"

# ---- allow lists, the longest prefix, ties ------------------------------
acl0=$(stat_get counters.refused_acl)
tls 8444 www.example.org >/dev/null 2>&1 &&
    fail "allow [ 2001:db8:2::/64 ]: the client of 2001:db8:1::/64 was served" ||
    ok "allow only another prefix: refused"
check_eq "allow only another prefix: that prefix is served" \
    "$(tls 8444 www.example.org --interface $C2)" "$W5"
check_eq "allow the client's prefix: served" "$(tls 8445 www.example.org)" "$W5"
tls 8445 www.example.org --interface $C2 >/dev/null 2>&1 &&
    fail "allow [ 2001:db8:1::/64 ]: 2001:db8:2::2 was served" ||
    ok "and a client outside it is refused"
check_eq "deny 2001:db8::/32 + allow 2001:db8:1::/64: the /64 wins, served" \
    "$(tls 8446 www.example.org)" "$W5"
tls 8446 www.example.org --interface $C2 >/dev/null 2>&1 &&
    fail "deny 2001:db8::/32: 2001:db8:2::2 was served" ||
    ok "and 2001:db8:2::2, held only by the /32 deny, is refused"
tls 8447 www.example.org >/dev/null 2>&1 &&
    fail "allow and deny of the same /64: served (deny must win a tie)" ||
    ok "allow and deny of the same prefix: deny wins"
check_eq "allow of a /128 inside a denied /64: that address is served" \
    "$(tls 8448 www.example.org --interface $C1B)" "$W5"
tls 8448 www.example.org >/dev/null 2>&1 &&
    fail "deny /64 + allow ::3/128: ::2 was served" ||
    ok "and the /64's other addresses are refused"
check_eq "counters.refused_acl: exactly the 5 refusals" \
    "$(( $(stat_get counters.refused_acl) - acl0 ))" 5

# ---- a shared listener: one name denies, the other serves ---------------
acl0=$(stat_get counters.refused_acl)
out=$(in_c timeout 10 openssl s_client -connect "[$GW6]:443" \
    -servername blocked.example.org </dev/null 2>&1)
printf '%s\n' "$out" | grep -qi 'alert access denied' &&
    ok "shared TLS listener, denied name: TLS alert access denied" ||
    fail "expected an access_denied alert: $(printf '%s\n' "$out" | grep -i -m2 'alert\|error')"
check_eq "the other name on that listener is served" "$(tls 443 www.example.org)" "$W5"
check_eq "and the denied name serves another /64" \
    "$(tls 443 blocked.example.org --interface $C2)" \
    "backend=10.1.0.6:443 host=blocked.example.org sni=blocked.example.org"
check_eq "shared HTTP listener, denied Host: 403" "$(code 80 blocked.example.org /)" 403
check_eq "the other Host: 200" "$(code 80 www.example.org /)" 200
check_eq "counters.refused_acl: the alert and the 403" \
    "$(( $(stat_get counters.refused_acl) - acl0 ))" 2

# ---- per_client_connections = 3 ------------------------------------------
slot() { # the slow service's backend's open connections
	ctl backends --json | python3 -c '
import json, sys
print(json.load(sys.stdin)["services"]["slow"]["backends"][0]["connections"])'
}
# three downloads of 4 MiB that read their first bytes and then nothing
# until told: the gateway cannot finish them, they stay open
cat >"$T/hold.py" <<EOF
import os, socket, sys, time
n, release = int(sys.argv[1]), sys.argv[2]
ss = []
for i in range(n):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.settimeout(20)
    s.connect(("$GW6", 80))
    s.sendall(b"GET /files/4m HTTP/1.1\r\nHost: slow.example.org\r\nConnection: close\r\n\r\n")
    head = s.recv(1000)
    ss.append([s, head])
print("held", flush=True)
t = time.monotonic()
while not os.path.exists(release) and time.monotonic() - t < 20:
    time.sleep(0.05)
for s, r in ss:
    while True:
        d = s.recv(1 << 16)
        if not d:
            break
        r += d
    h, _, body = r.partition(b"\r\n\r\n")
    print(h.split(b" ")[1].decode() if h.startswith(b"HTTP/1.") else "000", len(body))
EOF
cl0=$(stat_get counters.refused_conn_limit)
in_c python3 "$T/hold.py" 3 "$T/release" >"$T/held" 2>&1 &
holder=$!
for i in $(seq 50); do grep -q held "$T/held" && [ "$(slot)" = 3 ] && break; sleep 0.1; done
check_eq "three slow downloads held open" "$(slot)" 3
check_eq "the fourth of that /64 is refused with 429" \
    "$(code 80 slow.example.org /files/1m)" 429
check_eq "another address of the same /64 too" \
    "$(code 80 slow.example.org /files/1m --interface $C1B)" 429
check_eq "counters.refused_conn_limit: the 2 refusals" \
    "$(( $(stat_get counters.refused_conn_limit) - cl0 ))" 2
check_eq "another /64 is served meanwhile" \
    "$(code 80 slow.example.org /files/1m --interface $C2)" 200
check_eq "the three are still held (the refusals did not disturb them)" "$(slot)" 3
touch "$T/release"
wait "$holder"
check_eq "the three held downloads then completed" \
    "$(sed 1d "$T/held" | sort -u)" "200 4194304"
for i in $(seq 30); do [ "$(slot)" = 0 ] && break; sleep 0.1; done
check_eq "after they finished, a new one is served" \
    "$(code 80 slow.example.org /files/1m)" 200

# ---- per_client_rate = 5 -------------------------------------------------
# top_of_second: wait until just after a second of the monotonic clock
# begins (the one the daemon's rate windows use)
top_of_second() {
	python3 -c 'import time; time.sleep(1.02 - time.monotonic() % 1)'
}
cat >"$T/burst.py" <<EOF
import socket, sys, time
srcs, n = sys.argv[1].split(","), int(sys.argv[2])
codes = []
t = time.monotonic()
for i in range(n):
    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    s.settimeout(5)
    s.bind((srcs[i % len(srcs)], 0))
    s.connect(("$GW6", 80))
    s.sendall(b"GET / HTTP/1.1\r\nHost: rate.example.org\r\nConnection: close\r\n\r\n")
    r = b""
    try:
        while b"\r\n" not in r:
            d = s.recv(4096)
            if not d:
                break
            r += d
    except OSError:
        pass
    s.close()
    codes.append(r.split(b" ")[1].decode() if r.startswith(b"HTTP/1.") else "000")
ms = int((time.monotonic() - t) * 1000)
print(codes.count("200"), codes.count("429"), n - codes.count("200") - codes.count("429"), ms)
EOF
rl0=$(stat_get counters.refused_rate_limit)
# the daemon counts rates per second of CLOCK_MONOTONIC, over a sliding
# second: a burst that straddles a second sees the last one's share
# rounded down (HAProxy's freq_ctr), so start at the top of a second
top_of_second
read -r served refused other ms <<<"$(in_c python3 "$T/burst.py" "$C1,$C1B" 12)"
log "12 connections from two addresses of one /64 in $ms ms: $served served, $refused refused, $other other"
[ "${ms:-9999}" -lt 1000 ] && ok "a burst of 12 in under a second ($ms ms)" ||
    fail "the burst took $ms ms: the rate checks below do not hold"
[ "${served:-0}" -ge 5 ] && [ "${served:-0}" -le 6 ] &&
    ok "per_client_rate = 5: $served of 12 served (5, or 6 under a race)" ||
    fail "per_client_rate = 5: $served of 12 served"
check_eq "every other one refused with 429" "$((served + refused)) $other" "12 0"
check_eq "counters.refused_rate_limit: each 429" \
    "$(( $(stat_get counters.refused_rate_limit) - rl0 ))" "$refused"
read -r served2 refused2 other2 ms2 <<<"$(in_c python3 "$T/burst.py" "$C2" 5)"
check_eq "another /64 right after: 5 of 5 served" "$served2 $refused2 $other2" "5 0 0"
sleep 2
check_eq "after 2 s of quiet the first client is served again" \
    "$(code 80 rate.example.org /)" 200

# a TLS service's rate refusal: an internal_error alert
rl0=$(stat_get counters.refused_rate_limit)
top_of_second
check_eq "per_client_rate = 1 (TLS): the first is served" \
    "$(tls 443 ratetls.example.org)" \
    "backend=10.1.0.6:443 host=ratetls.example.org sni=ratetls.example.org"
out=$(in_c timeout 10 openssl s_client -connect "[$GW6]:443" \
    -servername ratetls.example.org </dev/null 2>&1)
printf '%s\n' "$out" | grep -qi 'alert internal error' &&
    ok "the second within the second: TLS alert internal error" ||
    fail "expected an internal_error alert: $(printf '%s\n' "$out" | grep -i -m2 'alert\|error')"
check_eq "counted in refused_rate_limit" \
    "$(( $(stat_get counters.refused_rate_limit) - rl0 ))" 1
check_eq "no conn-limit or ACL refusal counted by the rate checks" \
    "$(stat_get counters.refused_conn_limit) $(stat_get counters.refused_acl)" \
    "2 11"
for i in $(seq 30); do [ "$(stat_get connections.open)" = 0 ] && break; sleep 0.1; done
check_eq "nothing left open" "$(stat_get connections.open)" 0
