#!/bin/bash
# First-flight defences: a client that never finishes its hello is closed
# at the deadline and counted; one client (/64) may hold only
# pending_per_client unfinished hellos; max_connections caps all
# connections.
. "$(dirname "$0")/lib.sh"
net_up
nginx_up
GW_FF_TIMEOUT=2 gw_conf "$T/gw.conf" <<EOF
services = (
  { name = "www"; mode = "proxy"; listen = [ "[$GW6]:443" ];
    hosts = [ "www.example.org" ]; default = true; backends = [ "10.1.0.5:443" ]; }
);
EOF
sed -i 's/^};/  limits: { pending_per_client = 3; };\n  max_connections = 6;\n};/' "$T/gw.conf"
gw_up "$T/gw.conf" || exit 1

out=$(in_c "$TOOL_HELLO" -n www.example.org -s 6 "$GW6" 443)
secs=${out#closed after }
secs=${secs% s}
case "$out" in
"closed after "*)
	awk "BEGIN { exit !($secs >= 1.8 && $secs < 3.5) }" &&
	    ok "a half-sent hello is closed at the 2 s deadline ($secs s)" ||
	    fail "closed after $secs s, expected ~2" ;;
*) fail "the gateway kept a half-sent hello open: $out" ;;
esac
check_eq "counted as a first-flight timeout" "$(stat_get counters.timeout_first_flight)" 1

# Three stalled hellos from one client are allowed, the fourth is refused.
stalled=
for i in 1 2 3; do
	in_c "$TOOL_HELLO" -n www.example.org -s 10 "$GW6" 443 >/dev/null &
	stalled="$stalled $!"
done
sleep 0.5
check_eq "three unfinished hellos pending" "$(stat_get connections.first_flight)" 3
out=$(in_c "$TOOL_HELLO" -n www.example.org -s 5 "$GW6" 443)
case "$out" in "closed after 0."*) ok "a fourth from the same /64 is closed at once ($out)" ;;
*) fail "a fourth pending hello was not refused: $out" ;; esac
check_eq "counted as refused_pending" "$(stat_get counters.refused_pending)" 1
# Another address in the same /64 is the same client.  The three above
# may have met their 2 s deadline by now (a sanitizer build's status calls
# are slow): three fresh ones, and the other address right after them.
in_c ip addr add 2001:db8:1::99/64 dev c0 nodad
wait $stalled
stalled=
for i in 1 2 3; do
	in_c "$TOOL_HELLO" -n www.example.org -s 10 "$GW6" 443 >/dev/null &
	stalled="$stalled $!"
done
for i in $(seq 20); do
	[ "$(stat_get connections.first_flight)" = 3 ] && break
	sleep 0.05
done
out=$(in_c python3 -c '
import socket, time
s = socket.socket(socket.AF_INET6)
s.bind(("2001:db8:1::99", 0))
s.connect(("'$GW6'", 443))
s.sendall(b"\x16\x03\x01")
t = time.time()
s.settimeout(5)
try:
    r = s.recv(10)
except OSError:
    r = b""
print("closed" if not r else "answered", "%.1f" % (time.time() - t))')
case "$out" in "closed 0."*) ok "the same /64 from another address is refused too" ;;
*) fail "another address of the /64 was not refused: $out" ;; esac

wait $stalled

# max_connections = 6: six relayed TLS connections held open, then a
# seventh is refused at once.
in_c python3 -c '
import socket, ssl, time
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ss = [ctx.wrap_socket(socket.create_connection(("'$GW6'", 443)),
      server_hostname="www.example.org") for i in range(6)]
time.sleep(4)' &
holder=$!
sleep 1.5
check_eq "six connections open" "$(stat_get connections.open)" 6
out=$(in_c "$TOOL_HELLO" -n www.example.org -t 3 "$GW6" 443 2>&1)
case "$out" in *"closed"*|*"reset"*) ok "a seventh connection is refused ($out)" ;;
*) fail "a seventh connection was not refused: $out" ;; esac
check_eq "counted as refused_max" "$(stat_get counters.refused_max)" 1
wait $holder
sleep 0.3
check_eq "all closed after the deadline" "$(stat_get connections.open)" 0
check_eq "a normal client is served after all that" \
    "$(curl6 www.example.org /)" \
    "backend=10.1.0.5:443 host=www.example.org sni=www.example.org"
