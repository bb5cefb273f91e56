#!/bin/bash
# A backend that is down: the client is closed promptly (not left hanging
# until a timeout) and the failure is counted; with two backends the one up
# serves every client; a backend that never answers hits the connect
# timeout.
. "$(dirname "$0")/lib.sh"
net_up
nginx_up
gw_conf "$T/gw.conf" <<EOF
services = (
  { name = "down"; mode = "proxy"; listen = [ "[$GW6]:443" ];
    hosts = [ "down.example.org" ]; backends = [ "10.1.0.5:4443" ]; },
  { name = "pair"; mode = "proxy"; listen = [ "[$GW6]:443" ];
    hosts = [ "www.example.org" ]; backends = [ "10.1.0.5:4443", "10.1.0.6:443" ]; },
  { name = "blackhole"; mode = "proxy"; listen = [ "[$GW6]:443" ];
    hosts = [ "slow.example.org" ]; backends = [ "10.1.0.77:443" ]; },
  { name = "down-http"; mode = "proxy"; protocol = "http"; listen = [ "[$GW6]:80" ];
    default = true; backends = [ "10.1.0.5:8080" ]; }
);
EOF
gw_up "$T/gw.conf" || exit 1

start=$(date +%s%N)
curl6 down.example.org / >/dev/null 2>&1
rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$rc" -ne 0 ] && ok "a client of a dead backend gets an error (curl rc $rc)" ||
    fail "curl succeeded against a dead backend"
[ "$ms" -lt 1500 ] && ok "and is closed promptly (${ms} ms)" ||
    fail "closing took ${ms} ms"
check_eq "counted: no backend reachable" "$(stat_get counters.backend_unreachable)" 1
check_eq "and in the service's counters (for the reports' availability)" \
    "$(stat_get services.down.ipv6.unreachable) $(stat_get services.down.ipv6.connections)" "1 1"
out=$(in_c openssl s_client -connect "[$GW6]:443" -servername down.example.org </dev/null 2>&1)
case "$out" in *"internal error"*) ok "a TLS client is told with an internal_error alert" ;;
*) fail "expected an internal_error alert: $(echo "$out" | grep -i alert | head -1)" ;; esac
code=$(in_c curl -s -o /dev/null -w '%{http_code}' --max-time 5 "http://[$GW6]/")
check_eq "an HTTP client gets 503" "$code" 503
check_eq "counted: one failed attempt each" "$(stat_get counters.backend_failed)" 3

# Two backends, the first down: every client still gets through
good=0
for i in 1 2 3 4; do
	[ "$(curl6 www.example.org /)" = \
	    "backend=10.1.0.6:443 host=www.example.org sni=www.example.org" ] &&
	    good=$((good + 1))
done
check_eq "with one of two backends down, 4 of 4 clients served" "$good" 4

# A backend address where nobody answers ARP: connect timeout (2 s)
start=$(date +%s%N)
curl6 slow.example.org / >/dev/null 2>&1
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -ge 1800 ] && [ "$ms" -lt 4500 ] &&
    ok "an unanswering backend is given up after the connect timeout (${ms} ms)" ||
    fail "connect timeout took ${ms} ms (expected ~2000)"
check_eq "counted as a connect timeout" "$(stat_get counters.timeout_connect)" 1
check_eq "nothing left open" "$(stat_get connections.open)" 0
