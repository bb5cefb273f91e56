#!/bin/bash
# The peak of open connections is the most open at once, not a sample at
# a checkpoint: 20 connections held open together for 0.3 s, all between
# two checkpoints (5 s apart), make a peak of exactly 20.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || skip "needs sqlite3"
net_up
nginx_up
gw_conf_default "$T/gw.conf"
echo 'accounting: { checkpoint = 5; };' >>"$T/gw.conf"
DB=$T/state/v6gate.db
gw_up "$T/gw.conf" || exit 1
sql() { sqlite3 -batch -noheader "$DB" "$@"; }

sleep 1
in_c python3 - "$GW6" <<'PYEOF'
import socket, sys, time
conns = []
for i in range(20):
    s = socket.create_connection((sys.argv[1], 80))
    s.sendall(b"GET / HTTP/1.1\r\nHost: www.example.org\r\n\r\n")
    conns.append(s)
for s in conns:
    s.recv(65536)
time.sleep(0.3)
for s in conns:
    s.close()
PYEOF
sleep 0.5
check_eq "none is open now" "$(stat_get services.web.ipv6.open)" 0
sleep 6
check_eq "the day's and the minute's peak are exactly 20" \
    "$(sql "SELECT max(peak_open) FROM day WHERE service = 'web' AND family = 'ipv6'") $(sql "SELECT max(peak_open) FROM minute WHERE service = 'web' AND family = 'ipv6'")" \
    "20 20"
check_eq "and the month's report says so" \
    "$("$V6GATECTL" -c "$T/gw.conf" report --month "$(date +%Y-%m)" --format json 2>/dev/null | python3 -c '
import json, sys
r = json.load(sys.stdin)
print(r["services"]["web"]["ipv6"]["peak_open"])')" 20
