#!/bin/bash
# Out of file descriptors: accept() fails with EMFILE and the connection
# stays in the listen backlog, so a naive loop spins at 100 % CPU (sniproxy
# #89).  v6gated pauses accepting, counts it, and recovers when descriptors
# come back.
. "$(dirname "$0")/lib.sh"
net_up
nginx_up
GW_WORKERS=1 gw_conf_default "$T/gw.conf"
gw_up "$T/gw.conf" || exit 1

# Lower the daemon's limit under its feet: max_connections was computed
# from the old limit, so accept() itself will hit EMFILE.  (The process
# that accepts is the unprivileged one.)
SERVE=$(gw_serve)
as_gw_user prlimit --pid "$SERVE" --nofile=48:20000
in_c python3 -c '
import socket, time
ss = []
for i in range(60):
    s = socket.socket(socket.AF_INET6)
    s.settimeout(2)
    try:
        s.connect(("'$GW6'", 80))
        s.sendall(b"G")	# a first flight that never ends: one fd each
    except OSError:
        pass
    ss.append(s)
time.sleep(4)' &
holder=$!
sleep 1.5
t0=$(awk '{print $14 + $15}' "/proc/$SERVE/stat")
sleep 2
t1=$(awk '{print $14 + $15}' "/proc/$SERVE/stat")
ticks=$((t1 - t0))
[ "$(stat_get counters.accept_backoff)" -gt 0 ] &&
    ok "accept pauses are counted ($(stat_get counters.accept_backoff))" ||
    fail "no accept pause counted"
[ "$ticks" -lt 50 ] && ok "no busy loop while out of descriptors ($ticks ticks in 2 s)" ||
    fail "v6gated used $ticks ticks of CPU in 2 s while out of descriptors"
grep -q "pausing for 100 ms" "$GW_LOG" && ok "the pause is logged" || fail "no log line"
wait "$holder"
as_gw_user prlimit --pid "$SERVE" --nofile=20000:20000
sleep 0.5
check_eq "served again once descriptors are back" "$(http6 www.example.org /)" \
    "backend=10.1.0.5:80 host=www.example.org sni="
sleep 0.5
check_eq "nothing left open" "$(stat_get connections.open)" 0
