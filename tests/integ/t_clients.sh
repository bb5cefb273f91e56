#!/bin/bash
# What the proxy counts, checked against what the clients saw: payload bytes
# to the byte (curl's own figures), counters that move during a long
# download, and distinct clients: 1,000 synthetic IPv6 clients in 25 /64s
# plus the usual client, counted exactly per day and month, kept across a
# clean restart and kill -9, estimated within 2 % past clients_exact, and a
# new local day that starts from zero while the month goes on.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || skip "needs sqlite3"
net_up
nginx_up
gw_conf_default "$T/gw.conf"
echo 'accounting: { checkpoint = 1; };' >>"$T/gw.conf"
gw_up "$T/gw.conf" || exit 1

# j PATH: a value from "v6gatectl stats --json", e.g. j web.ipv6.bytes_out
j() {
	ctl stats --json | python3 -c '
import json, sys
v = json.load(sys.stdin)
for k in sys.argv[1].split("."):
    v = v[k]
print(str(v).lower() if isinstance(v, bool) else v)' "$1"
}
# wait_closed SERVICE: until no connection of the service is open (5 s)
wait_closed() {
	local i

	for i in $(seq 50); do
		[ "$(j "$1.ipv6.open")" = 0 ] && return 0
		sleep 0.1
	done
	return 1
}

# --- bytes: exactly what curl sent and received, per transfer ------------
# curl's trace lists every send and receive on the socket with its size.
trace_sum() {	# trace_sum FILE Send|Recv
	# "=> Send header, 148 bytes (0x94)"
	awk -v d="$2" '$1 ~ /^(=>|<=)$/ && $2 == d { n += $4 }
	    END { print n + 0 }' "$1"
}
exact=0
for spec in "GET /" "GET /files/1m" "POST 100000" "POST 1"; do
	in0=$(j web.ipv6.bytes_in)
	out0=$(j web.ipv6.bytes_out)
	c0=$(j web.ipv6.connections)
	set -- $spec
	if [ "$1" = POST ]; then
		head -c "$2" /dev/urandom >"$T/body"
		http6 www.example.org / --data-binary @"$T/body" -o /dev/null \
		    --trace-ascii "$T/trace"
	else
		http6 www.example.org "$2" -o /dev/null --trace-ascii "$T/trace"
	fi
	wait_closed web || fail "$spec: the connection did not close"
	sent=$(trace_sum "$T/trace" Send)
	recv=$(trace_sum "$T/trace" Recv)
	got_in=$(( $(j web.ipv6.bytes_in) - in0 ))
	got_out=$(( $(j web.ipv6.bytes_out) - out0 ))
	if [ "$got_in" = "$sent" ] && [ "$got_out" = "$recv" ] &&
	    [ $(( $(j web.ipv6.connections) - c0 )) = 1 ] && [ "$sent" -gt 0 ]; then
		exact=$((exact + 1))
	else
		fail "$spec: counted in $got_in out $got_out, curl sent $sent received $recv"
	fi
done
check_eq "bytes in and out equal curl's, to the byte, for 4 transfers" "$exact" 4
check_eq "bytes are payload bytes, and say so" "$(j web.bytes)" payload

# --- live: a slow download shows while it runs ---------------------------
# 64 MiB at 2 MiB/s, with socket buffers of at most 256 KiB on the client
# and the gateway: what the proxy has counted then follows what curl has
# read, within a MiB or so, rather than what the kernel buffered.
truncate -s 64M "$T/www/64m"
in_c sysctl -qw net.ipv4.tcp_rmem="4096 131072 262144"
in_g sysctl -qw net.ipv4.tcp_wmem="4096 65536 262144"
out0=$(j web.ipv6.bytes_out)
http6 www.example.org /files/64m --limit-rate 2M -o /dev/null 2>/dev/null &
dl=$!
sleep 2
o1=$(j web.ipv6.open)
b1=$(( $(j web.ipv6.bytes_out) - out0 ))
sleep 2.5
b2=$(( $(j web.ipv6.bytes_out) - out0 ))
check_eq "a download in progress is an open connection" "$o1" 1
[ "$b1" -gt 2000000 ] && [ "$b1" -lt 12000000 ] && [ "$b2" -gt $((b1 + 2000000)) ] &&
    ok "its bytes count while it runs ($b1, then $b2 of 64 MiB)" ||
    fail "bytes during the download: $b1, then $b2"
kill "$dl" 2>/dev/null
wait "$dl" 2>/dev/null
wait_closed web || fail "the download did not close"

# --- 1,000 synthetic clients in 25 /64s ----------------------------------
# 2001:db8:1:100::/64 .. 2001:db8:1:118::/64, 40 addresses each, on the
# client's link; the gateway routes the /48 back to that link.
python3 - >"$T/addrs" <<'EOF'
for j in range(25):
    for i in range(40):
        print("2001:db8:1:%x::%x" % (0x100 + j, 0x10 + i))
EOF
sed 's|.*|addr add &/128 dev c0 nodad|' "$T/addrs" | in_c ip -batch -
# through the client's one address, not on the link: 1,000 neighbour
# entries would fill the kernel's table, which all namespaces share (1,024
# entries; another test's gateway then cannot answer its clients)
in_g ip -6 route add 2001:db8:1::/48 via 2001:db8:1::2 dev g0
# clients ADDRS: a plain HTTP request from each address in the file ADDRS,
# 16 at a time; prints how many were answered 200
clients() {
	in_c python3 "$CLIENT_PY" many --src-file "$1" -c 16 --timeout 10 \
	    --host www.example.org --close "$GW6" 80
}
check_eq "1,000 synthetic clients served" \
    "$(clients "$T/addrs")" 1000
# each of them again: nobody counted twice
clients "$T/addrs" >/dev/null
check_eq "distinct IPv6 clients today: the 1,000 and the usual one" \
    "$(j web.ipv6.clients_day)" 1001
check_eq "distinct IPv6 /64s today: 25 and the usual one" \
    "$(j web.ipv6.clients64_day)" 26
check_eq "this month as well" \
    "$(j web.ipv6.clients_month) $(j web.ipv6.clients64_month)" "1001 26"
check_eq "and exact" "$(j web.ipv6.clients_day_exact)" true
check_eq "the TLS service saw none of them" "$(j www.ipv6.clients_day)" 0
in_g curl -sS -k --max-time 10 --resolve "www.example.org:443:$GW4" \
    https://www.example.org/ >/dev/null
check_eq "an IPv4 client is an IPv4 client" \
    "$(j www.ipv4.clients_day) $(j www.ipv6.clients_day)" "1 0"
ctl stats --service web >"$T/stats.txt"
grep -Eq '^web +ipv6 .* 1001 +26 +1001 +26$' "$T/stats.txt" &&
    ok "the text table shows them" || fail "stats: $(cat "$T/stats.txt")"

# --- restart and kill -9: the day goes on, nobody counted twice ----------
sleep 1.5		# a checkpoint
gw_stop
gw_up "$T/gw.conf" || exit 1
check_eq "after a restart: 1001 clients, 26 /64s" \
    "$(j web.ipv6.clients_day) $(j web.ipv6.clients64_day)" "1001 26"
head -100 "$T/addrs" >"$T/addrs100"
echo 2001:db8:1:200::1 >>"$T/addrs100"
in_c ip addr add 2001:db8:1:200::1/128 dev c0 nodad
clients "$T/addrs100" >/dev/null
check_eq "100 known clients and one new: 1002, 27 /64s" \
    "$(j web.ipv6.clients_day) $(j web.ipv6.clients64_day)" "1002 27"
sleep 1.5
kill -9 "$GW_PID"
wait "$GW_PID" 2>/dev/null
GW_PID=
gw_up "$T/gw.conf" || exit 1
check_eq "after kill -9: still 1002 and 27, exact" \
    "$(j web.ipv6.clients_day) $(j web.ipv6.clients64_day) $(j web.ipv6.clients_day_exact)" \
    "1002 27 true"
check_eq "the history has the counts" "$(sqlite3 "$T/state/v6gate.db" \
    "SELECT count FROM clients WHERE service = 'web' AND kind = 'ipv6'
     ORDER BY length(period)" | tr '\n' ' ')" "1002 1002 "

# --- past the exact limit: an estimate, within 2 %, and labelled ---------
sleep 1.5
gw_stop
sed -i 's/accounting: { checkpoint = 1; };/accounting: { checkpoint = 1; clients_exact = 100; };/' \
    "$T/gw.conf"
gw_up "$T/gw.conf" || exit 1
n=$(j web.ipv6.clients_day)
check_eq "past 100 clients the figure is an estimate" \
    "$(j web.ipv6.clients_day_exact) $(j web.ipv6.clients64_day_exact)" "false true"
[ $(( (n - 1002) * (n - 1002) * 2500 )) -le $(( 1002 * 1002 )) ] &&
    ok "estimate $n of 1002 clients: within 2 %" || fail "estimate $n of 1002"
clients "$T/addrs" >/dev/null
check_eq "known clients do not move the estimate" "$(j web.ipv6.clients_day)" "$n"
ctl stats --service web | grep -Eq "^web +ipv6 .* ~$n +27 " &&
    ok "the text marks it ~$n" || fail "stats: $(ctl stats --service web)"
sleep 1.5
gw_stop
gw_up "$T/gw.conf" || exit 1
check_eq "the estimate survives a restart (the sketch is stored)" \
    "$(j web.ipv6.clients_day) $(j web.ipv6.clients_day_exact)" "$n false"
check_eq "and the history says it is one" "$(sqlite3 "$T/state/v6gate.db" \
    "SELECT count || ' ' || exact FROM clients WHERE service = 'web' AND
     kind = 'ipv6' AND length(period) = 10")" "$n 0"
gw_stop

# --- a new local day: the day starts from zero, the month goes on --------
# TZ puts the daemon at 23:59:48 local time; the date turns 12 s later.
# The month goes on too, unless this local date is a month's last.
utc_sod=$(( $(date -u +%s) % 86400 ))
off=$(( utc_sod - (86400 - 12) ))		# local = UTC - offset
if [ "$off" -lt 0 ]; then tz="XYZ-$(( -off / 3600 )):$(( -off % 3600 / 60 )):$(( -off % 60 ))"
else tz="XYZ$(( off / 3600 )):$(( off % 3600 / 60 )):$(( off % 60 ))"; fi
day0=$(TZ=$tz date +%Y-%m-%d)
day1=$(date -d "$day0 + 1 day" +%Y-%m-%d)
m0=${day0:0:7}
m1=${day1:0:7}
if [ "$m0" = "$m1" ]; then
	month_after=4
	rows=$(printf '%s\n' "$m0 4" "$day0 3" "$day1 2")
else
	month_after=2
	rows=$(printf '%s\n' "$m0 3" "$day0 3" "$m1 2" "$day1 2")
fi
sed -i "s|state_dir = \"$T/state\"|state_dir = \"$T/state2\"|" "$T/gw.conf"
export TZ=$tz
gw_up "$T/gw.conf" || exit 1
head -3 "$T/addrs" >"$T/addrs3"
clients "$T/addrs3" >/dev/null
check_eq "before midnight ($day0): 3 clients today, 3 this month" \
    "$(j web.day) $(j web.ipv6.clients_day) $(j web.ipv6.clients_month)" "$day0 3 3"
for i in $(seq 150); do [ "$(j web.day)" = "$day1" ] && break; sleep 0.1; done
sleep 1.5	# a checkpoint stores yesterday's sets and frees them
[ "$m0" = "$m1" ] && month_before=3 || month_before=0
check_eq "after midnight, before any client: 0 today, $month_before this month" \
    "$(j web.day) $(j web.ipv6.clients_day) $(j web.ipv6.clients_month)" \
    "$day1 0 $month_before"
sed -n '3,4p' "$T/addrs" >"$T/addrs2"
clients "$T/addrs2" >/dev/null
check_eq "after midnight ($day1): 2 today, $month_after this month" \
    "$(j web.day) $(j web.ipv6.clients_day) $(j web.ipv6.clients_month)" \
    "$day1 2 $month_after"
sleep 1.5
check_eq "the history keeps yesterday's count" "$(sqlite3 "$T/state2/v6gate.db" \
    "SELECT period || ' ' || count FROM clients WHERE service = 'web' AND
     kind = 'ipv6' ORDER BY period")" "$rows"
gw_stop
gw_up "$T/gw.conf" || exit 1
check_eq "restarted the next day: today's 2 and the month's $month_after go on" \
    "$(j web.ipv6.clients_day) $(j web.ipv6.clients_month)" "2 $month_after"
