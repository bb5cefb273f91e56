#!/bin/bash
# The operator's side: v6gated -t and v6gatectl check-config, the control
# socket (mode 0600, one daemon per socket), v6gatectl's errors and exit
# statuses, status in text and JSON, daemon mode and a clean stop.
. "$(dirname "$0")/lib.sh"
net_up
gw_conf_default "$T/gw.conf"
printf 'gateway: { workers = "2"; };\nservices = ( { name = "a"; mode = "proxy"; } );\n' >"$T/bad.conf"

out=$("$V6GATED" -t -c "$T/gw.conf" 2>&1)
check_eq "v6gated -t on a good file: exit 0" "$?" 0
check_eq "v6gated -t says so" "$out" "configuration OK"
out=$("$V6GATED" -t -c "$T/bad.conf" 2>&1)
check_eq "v6gated -t on a bad file: exit 1" "$?" 1
echo "$out" | grep -q "bad.conf:1: gateway.workers: must be an integer, not a string" &&
    echo "$out" | grep -q "bad.conf:2: services.\[0\].listen: at least one address is required" &&
    echo "$out" | grep -q "bad.conf: 4 errors" &&
    ok "v6gated -t prints every error as file:line: setting: problem" ||
    fail "v6gated -t said: $out"
"$V6GATECTL" check-config "$T/bad.conf" >/dev/null 2>&1
check_eq "v6gatectl check-config on a bad file: exit 1" "$?" 1
check_eq "v6gatectl check-config on a good file" \
    "$("$V6GATECTL" check-config "$T/gw.conf" 2>&1)" "configuration OK"
out=$("$V6GATED" -c "$T/bad.conf" -f 2>&1)
check_eq "v6gated refuses to start on a bad file" "$?" 1
case "$out" in *"4 errors, not started"*) ok "and says why" ;;
*) fail "start with a bad file said: $out" ;; esac

out=$(ctl status 2>&1)
check_eq "v6gatectl without a daemon: exit 1" "$?" 1
case "$out" in *"is v6gated running?"*) ok "and a hint" ;; *) fail "said: $out" ;; esac
ctl frobnicate >/dev/null 2>&1
check_eq "an unknown command: exit 2" "$?" 2
case "$("$V6GATED" -V)" in "v6gated "[0-9]*) ok "v6gated -V" ;; *) fail "v6gated -V" ;; esac

gw_up "$T/gw.conf" || exit 1
check_eq "the control socket is mode 0600" "$(stat -c %a "$CTL_SOCK")" 600
out=$(in_g "$V6GATED" -f -c "$T/gw.conf" 2>&1)
check_eq "a second daemon on the same socket is refused" "$?" 1
case "$out" in *"another v6gated is running"*) ok "and says why" ;;
*) fail "second daemon said: $out" ;; esac
check_eq "the first daemon still answers" "$(ctl status --json | python3 -c \
    'import json,sys; print(json.load(sys.stdin)["gateway"]["name"])')" test-gw

out=$(ctl status)
for want in "listeners:" "[2001:db8:100::10]:443" "services:" "www " "ipv6" "ipv4" "connections:"; do
	case "$out" in *"$want"*) ;; *) fail "status text lacks '$want'"; break ;; esac
done && ok "status text lists listeners, services and families"
keys=$(ctl status --json | python3 -c '
import json, sys
v = json.load(sys.stdin)
s = v["services"]["www"]
print(sorted(v.keys()), sorted(s["ipv6"].keys()), v["listeners"][0]["protocol"])')
check_eq "status --json has the documented keys" "$keys" \
    "['audit', 'connections', 'counters', 'gateway', 'history', 'listeners', 'max_connections', 'readiness', 'services', 'workers'] ['bytes_in', 'bytes_out', 'clients64_day', 'clients64_day_exact', 'clients64_month', 'clients64_month_exact', 'clients_day', 'clients_day_exact', 'clients_month', 'clients_month_exact', 'connections', 'open', 'unreachable'] tls"

gw_stop
[ ! -e "$CTL_SOCK" ] && ok "a stopped daemon removes its socket" ||
    fail "the socket is still there after a stop"
grep -q "stopping" "$GW_LOG" && ok "the stop is logged" || fail "no stop in the log"

# Without -f (and not under systemd) v6gated becomes a daemon.
env -u NOTIFY_SOCKET ip netns exec "$NS_G" "$V6GATED" -c "$T/gw.conf"
check_eq "v6gated without -f returns at once, exit 0" "$?" 0
for i in $(seq 50); do ctl status >/dev/null 2>&1 && break; sleep 0.1; done
pid=$(ctl status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["gateway"]["pid"])')
[ -n "$pid" ] && kill -0 "$pid" && ok "and keeps running in the background (pid $pid)" ||
    fail "no daemon after v6gated without -f"
kill "$pid"
for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
kill -0 "$pid" 2>/dev/null && fail "the daemon ignored SIGTERM" || ok "SIGTERM stops it"

# A listener whose address is not on this host binds (FREEBIND, for a
# keepalived backup), and the start says so on the terminal.
sed "s/\[$GW6\]:80/[2001:db8:dead::1]:80/" "$T/gw.conf" >"$T/unbindable.conf"
out=$(env -u NOTIFY_SOCKET ip netns exec "$NS_G" "$V6GATED" -c "$T/unbindable.conf" 2>&1)
check_eq "a daemon whose listener's address is not here starts" "$?" 0
case "$out" in *"[2001:db8:dead::1]:80"*"not on this host (yet)"*)
	ok "and names the listener and why" ;;
*) fail "the start said: $out" ;; esac
for i in $(seq 50); do ctl status >/dev/null 2>&1 && break; sleep 0.1; done
check_eq "health: bound, address not local, healthy" "$(ctl health --json |
    python3 -c 'import json,sys; h=json.load(sys.stdin); print(h["healthy"],
    [l["state"] for l in h["listeners"] if "dead" in l["address"]])')" \
    "True ['bound, address not local']"
ctl health >/dev/null
check_eq "health exits 0 then" "$?" 0
# a proxy service with no backend taking connections: not healthy, named
ctl drain www 10.1.0.5:443 >/dev/null
out=$(ctl health --json)
check_eq "all of www's backends drained: health exits 1" "$?" 1
check_eq "and says which service" "$(echo "$out" | python3 -c '
import json, sys; print(json.load(sys.stdin)["problems"])')" \
    "['service www: no backend takes new connections (0 down, 1 draining)']"
ctl enable www 10.1.0.5:443 >/dev/null
ctl health --bogus 2>/dev/null
check_eq "health with a bad option exits 2" "$?" 2
pid=$(ctl status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["gateway"]["pid"])')
kill "$pid"
for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
out=$(ctl health --json)
check_eq "no daemon: health exits 1" "$?" 1
case "$out" in *'"healthy":false'*"does not answer"*)
	ok "and --json says so" ;;
*) fail "health --json without a daemon said: $out" ;; esac
# a daemon that accepts but never answers: health gives up within 1 s
python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)
time.sleep(5)' "$T/mute.sock" &
mute=$!
for i in $(seq 50); do [ -S "$T/mute.sock" ] && break; sleep 0.1; done
t0=$(date +%s%N)
"$V6GATECTL" -s "$T/mute.sock" health >/dev/null
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check_eq "a daemon that does not answer: health exits 1" "$rc" 1
[ "$ms" -ge 900 ] && [ "$ms" -lt 2000 ] &&
    ok "after its 1 s deadline ($ms ms)" || fail "health took $ms ms"
kill "$mute" 2>/dev/null

# Started with a relative path, it still reloads after moving to "/".
cp "$T/gw.conf" "$T/rel.conf"
(cd "$T" && env -u NOTIFY_SOCKET ip netns exec "$NS_G" "$V6GATED" -c rel.conf)
out=$(ctl reload 2>&1)
check_eq "a daemon started with a relative -c path reloads" "$?" 0
# v6gatectl -c finds the daemon through a file that has errors elsewhere
echo 'gateway: { name = 1; control_socket = "'"$CTL_SOCK"'"; };' >"$T/broken.conf"
out=$("$V6GATECTL" -c "$T/broken.conf" status 2>&1)
check_eq "v6gatectl -c reaches the daemon through a file with errors" "$?" 0
pid=$(ctl status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["gateway"]["pid"])')
kill "$pid"
for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done

# The control socket path never removes what is not a socket.
echo precious >"$T/file.sock"
sed "s|$CTL_SOCK|$T/file.sock|" "$T/gw.conf" >"$T/filesock.conf"
out=$(in_g "$V6GATED" -f -c "$T/filesock.conf" 2>&1)
check_eq "a control_socket path holding a file: refused" "$?" 1
check_eq "and the file is untouched" "$(cat "$T/file.sock")" precious
