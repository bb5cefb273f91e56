#!/bin/bash
# The audit log and v6gatectl trace: after 200 connections from 20 IPv6
# clients (TLS and HTTP), every line of the IPv4 backend's access log
# (nginx's $remote_addr:$remote_port and $msec) traces back to exactly the
# client that made it; a client's connections are listed by prefix; times
# in RFC 3339 with an offset work; an external rotation (mv + SIGUSR1)
# while traffic flows loses no line; a full disk is counted and the proxy
# serves on, or refuses with fail_closed until there is room again; an
# audit path that cannot be a directory is a clear error at start; files
# past the retention go, yesterday's is compressed and still searched.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "needs python3"
net_up
nginx_up
gw_conf_default "$T/gw.conf"
echo 'audit: { at_open = true; retention_days = 30; };' >>"$T/gw.conf"
A=$T/state/audit

# Files of earlier days: one past the retention, one of yesterday with a
# record in it (plain, as if the daemon stopped before compressing it).
mkdir -p "$A"
yday=$(date -u -d yesterday +%F)
echo '{"v":1}' | gzip >"$A/audit-2020-01-01.jsonl.gz"
cat >"$A/audit-$yday.jsonl" <<EOF
{"v":1,"event":"close","id":"1-1","open":"${yday}T12:00:00.000Z","close":"${yday}T12:00:05.000Z","client":"[2001:db8:1::77]:40000","listener":"[2001:db8:100::10]:443","name":"old.example.org","service":"www","backend":"10.1.0.5:443","local":"10.1.0.1:45555","bytes_in":1,"bytes_out":2,"reason":"done"}
EOF
# a client address without a zero group (SLAAC, privacy addresses); and on
# port 45600 a connection whose close line never came (its daemon was
# killed) followed at 14:05 by another one: the first ended by then
cat >>"$A/audit-$yday.jsonl" <<EOF
{"v":1,"event":"close","id":"1-9","open":"${yday}T12:30:00.000Z","close":"${yday}T12:30:01.000Z","client":"[2001:db8:1:2:a1b2:c3d4:e5f6:1789]:40001","listener":"[2001:db8:100::10]:443","name":"www.example.org","service":"www","backend":"10.1.0.5:443","local":"10.1.0.1:45556","bytes_in":1,"bytes_out":2,"reason":"done"}
{"v":1,"event":"open","id":"8-1","open":"${yday}T14:00:00.000Z","close":null,"client":"[2001:db8:1::aaaa]:40002","listener":"[2001:db8:100::10]:443","name":"www.example.org","service":"www","backend":"10.1.0.5:443","local":"10.1.0.1:45600","bytes_in":0,"bytes_out":0,"reason":null}
{"v":1,"event":"close","id":"9-1","open":"${yday}T14:05:00.000Z","close":"${yday}T14:06:00.000Z","client":"[2001:db8:1::bbbb]:40003","listener":"[2001:db8:100::10]:443","name":"www.example.org","service":"www","backend":"10.1.0.5:443","local":"10.1.0.1:45600","bytes_in":1,"bytes_out":2,"reason":"done"}
EOF
# and 6000 more, a second apart from 13:00, gateway ports 33000 + i % 500:
# several archive chunks, each port in many of them
python3 - "$yday" >>"$A/audit-$yday.jsonl" <<'EOF'
import sys, time, calendar
t0 = calendar.timegm(time.strptime(sys.argv[1] + " 13:00:00", "%Y-%m-%d %H:%M:%S"))
for i in range(6000):
    o = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t0 + i))
    print('{"v":1,"event":"close","id":"1-%d","open":"%s.000Z","close":"%s.500Z",'
          '"client":"[2001:db8:2::%x]:%d","listener":"[2001:db8:100::10]:443",'
          '"name":"www.example.org","service":"www","backend":"10.1.0.5:443",'
          '"local":"10.1.0.1:%d","bytes_in":100,"bytes_out":2000,"reason":"done"}'
          % (i + 2, o, o, i, 40000 + i % 1000, 33000 + i % 500))
EOF
gw_up "$T/gw.conf" || exit 1

for i in $(seq 20); do
	printf 'addr add 2001:db8:1::%x/64 dev c0 nodad\n' $((0x100 + i))
done | in_c ip -batch -
# clients.py N DURATION: N connections, TLS and HTTP in turn, from the 20
# addresses in turn, two at a time (a sanitizer build on a busy CI machine
# is slow), over about DURATION seconds; prints how many were answered 200
cat >"$T/clients.py" <<EOF
import sys
sys.path.insert(0, "$INTEG_DIR")
import client
n, dur = int(sys.argv[1]), float(sys.argv[2])
def one(i):
    src = "2001:db8:1::%x" % (0x101 + i % 20)
    tls = i % 2 == 0
    r = client.fetch("$GW6", 443 if tls else 80, src, tls=tls, timeout=30,
                     path="/?c=%s&i=%d" % (src, i), host="www.example.org",
                     close=True)
    return r.status == 200
print(client.run(one, n, workers=2, pace=dur / n * 2))
EOF
# (the --client queries below start here: a window reaching into
# yesterday would find yesterday's record that has no close, which counts
# as open until now, and t_audit would fail in the hour after midnight)
conns_from=$(date -u -d '-1 second' +%FT%TZ)
check_eq "200 connections from 20 IPv6 clients, TLS and HTTP" \
    "$(in_c python3 "$T/clients.py" 200 0)" 200
sleep 0.5		# the writer writes every 200 ms

# every line the backend logged traces back to the client that made it
: >"$T/bad"
good=0
while read -r peer msec server host sni uri rest; do
	want=${uri#*c=}
	want=${want%%&*}
	got=$(ctl -c "$T/gw.conf" trace --at "$msec" --peer "$peer" \
	    --server "$server" --json)
	n=$(printf '%s\n' "$got" | grep -c '"event":"close"')
	client=$(printf '%s\n' "$got" | sed -n 's/.*"client":"\[\([^]]*\)\]:.*/\1/p')
	if [ "$n" = 1 ] && [ "$client" = "$want" ]; then
		good=$((good + 1))
	else
		echo "$peer $msec $uri -> $n: $got" >>"$T/bad"
	fi
done <"$NGINX_LOG"
check_eq "each of the backend's 200 log lines traces to exactly its client" \
    "$good $(wc -l <"$NGINX_LOG")" "200 200"
[ -s "$T/bad" ] && log "not traced: $(head -3 "$T/bad")"
check_eq "one close record per connection, and an open record (at_open)" \
    "$(grep -c '"event":"close"' "$A/audit-$(date -u +%F).jsonl") $(grep -c '"event":"open"' "$A/audit-$(date -u +%F).jsonl")" \
    "200 200"

# a client's connections, by prefix and time
t0=$conns_from
t1=$(date -u -d '+1 hour' +%FT%TZ)
check_eq "trace --client 2001:db8:1::105/128: its 10 connections" \
    "$(ctl -c "$T/gw.conf" trace --client 2001:db8:1::105/128 --from "$t0" --to "$t1" --json | wc -l)" 10
check_eq "trace --client 2001:db8:1::/64: all 200" \
    "$(ctl -c "$T/gw.conf" trace --client 2001:db8:1::/64 --from "$t0" --to "$t1" --json | wc -l)" 200
# the same line by an RFC 3339 time in +08:00
read -r peer msec rest <"$NGINX_LOG"
at8=$(TZ=Asia/Shanghai date -d "@$msec" +%FT%T.%3N%:z)
check_eq "an RFC 3339 time with an offset finds the same connection ($at8)" \
    "$(ctl -c "$T/gw.conf" trace --at "$at8" --peer "$peer" --json | grep -c close)" 1
ctl -c "$T/gw.conf" trace --at "$msec" --peer 10.1.0.1:1 >/dev/null 2>&1
check_eq "nothing at another port: exit 1" "$?" 1
ctl -c "$T/gw.conf" trace --at yesterday --peer "$peer" >/dev/null 2>&1
check_eq "a time that is not one: exit 2" "$?" 2

# retention and compression at start
[ ! -e "$A/audit-2020-01-01.jsonl.gz" ] && ok "a file past the retention is removed" ||
    fail "audit-2020-01-01.jsonl.gz is still there"
for i in $(seq 50); do [ -e "$A/audit-$yday.jsonl.gz" ] && [ ! -e "$A/audit-$yday.jsonl" ] && break; sleep 0.1; done
[ -e "$A/audit-$yday.jsonl.gz" ] && [ ! -e "$A/audit-$yday.jsonl" ] &&
    ok "yesterday's file is compressed" || fail "yesterday's: $(ls "$A")"
check_eq "and still searched" "$(ctl -c "$T/gw.conf" trace --at "${yday}T12:00:03Z" \
    --peer 10.1.0.1:45555 --json | sed -n 's/.*"client":"\([^"]*\)".*/\1/p')" \
    "[2001:db8:1::77]:40000"
[ -s "$A/audit-$yday.jsonl.idx" ] && [ "$(grep -c '^chunk ' "$A/audit-$yday.jsonl.idx")" -ge 4 ] &&
    ok "archived in chunks with an index ($(grep -c '^chunk ' "$A/audit-$yday.jsonl.idx") chunks)" ||
    fail "index: $(head -3 "$A/audit-$yday.jsonl.idx" 2>&1)"
check_eq "a gzip reader still reads the whole day" \
    "$(zcat "$A/audit-$yday.jsonl.gz" | wc -l)" 6004
check_eq "--client with a whole address that has no zero group" \
    "$(ctl -c "$T/gw.conf" trace --client 2001:db8:1:2:a1b2:c3d4:e5f6:1789 \
    --from "${yday}T00:00:00Z" --to "${yday}T23:59:59Z" --json | wc -l)" 1
check_eq "a connection left open (no close line) ends where the port's next one began" \
    "$(ctl -c "$T/gw.conf" trace --at "${yday}T14:05:30Z" --peer 10.1.0.1:45600 --json |
    sed -n 's/.*"client":"\[\([^]]*\)\].*/\1/p' | tr '\n' ' ')" "2001:db8:1::bbbb "
check_eq "and before that, it is the one" \
    "$(ctl -c "$T/gw.conf" trace --at "${yday}T14:02:00Z" --peer 10.1.0.1:45600 --json |
    sed -n 's/.*"client":"\[\([^]]*\)\].*/\1/p' | tr '\n' ' ')" "2001:db8:1::aaaa "
# probes through the index: connection i at 13:00 + i s, port 33000 + i % 500
good=0
for i in 0 1234 2999 4321 5999; do
	at=$(( $(date -u -d "${yday}T13:00:00Z" +%s) + i )).2
	c=$(ctl -c "$T/gw.conf" trace --at "$at" --skew 0.1 \
	    --peer 10.1.0.1:$((33000 + i % 500)) --json | sed -n 's/.*"client":"\[\([^]]*\)\].*/\1/p')
	[ "$c" = "$(printf '2001:db8:2::%x' $i)" ] && good=$((good + 1))
done
check_eq "5 probes through the index find exactly their clients" "$good" 5
# the index is what is read: tell it port 33000 is in no chunk
cp "$A/audit-$yday.jsonl.idx" "$T/idx.saved"
sed -i 's/^port 33000 .*/port 33000/' "$A/audit-$yday.jsonl.idx"
ctl -c "$T/gw.conf" trace --at "$(date -u -d "${yday}T13:00:00Z" +%s).2" --skew 0.1 \
    --peer 10.1.0.1:33000 >/dev/null 2>&1
check_eq "(an index that lists no chunk for the port: nothing read, nothing found)" "$?" 1
cp "$T/idx.saved" "$A/audit-$yday.jsonl.idx"

# an external rotation while traffic flows: mv, SIGUSR1, no line lost
in_c python3 "$T/clients.py" 100 3 >"$T/bg.out" &
bg=$!
sleep 1.2
mv "$A/audit-$(date -u +%F).jsonl" "$T/rotated.jsonl"
kill -USR1 "$GW_PID"
wait "$bg"
sleep 0.5
check_eq "100 more connections during the rotation" "$(cat "$T/bg.out")" 100
check_eq "their close records: some in the rotated file, the rest in the new one, none lost" \
    "$(cat "$T/rotated.jsonl" "$A/audit-$(date -u +%F).jsonl" | grep -c '"event":"close"')" \
    300
[ "$(grep -c close "$A/audit-$(date -u +%F).jsonl")" -gt 0 ] &&
    ok "the new file was opened on SIGUSR1" || fail "nothing in the new file"

# a full disk: counted, the proxy serves on; with fail_closed it refuses
# (the daemon's mount namespace is made at its start: mount first)
gw_stop
mkdir -p "$T/small"
mount -t tmpfs -o size=1m v6g-audit "$T/small" || skip "cannot mount a tmpfs"
trap 'rc=$?; umount -l "$T/small" 2>/dev/null; (exit $rc); finish' EXIT
mv "$A" "$T/audit.old"
ln -s "$T/small" "$A"
gw_up "$T/gw.conf" || exit 1
dd if=/dev/zero of="$T/small/fill" bs=4k 2>/dev/null
errs0=$(stat_get audit.errors)
drop0=$(stat_get audit.dropped)
for i in $(seq 20); do curl6 www.example.org "/?full=$i" -o /dev/null || break; done
check_eq "on a full disk the proxy serves on" "$i" 20
sleep 0.6
[ "$(stat_get audit.errors)" -gt "$errs0" ] && [ "$(stat_get audit.dropped)" -gt "$drop0" ] &&
    ok "and the lost records are counted ($(stat_get audit.dropped) dropped)" ||
    fail "errors $(stat_get audit.errors), dropped $(stat_get audit.dropped)"
check_eq "the status says it cannot write" "$(stat_get audit.failing)" True
grep -q "audit log: writing .*No space left on device" "$GW_LOG" &&
    ok "and the log says why" || fail "no log line for the full disk"
sed -i 's/audit: { at_open = true; retention_days = 30; };/audit: { at_open = true; retention_days = 30; fail_closed = true; };/' "$T/gw.conf"
ctl reload >/dev/null || fail "reload with fail_closed"
curl6 www.example.org / -o /dev/null 2>/dev/null &&
    fail "fail_closed: a connection was served while nothing is logged" ||
    ok "fail_closed: new connections are refused while the log cannot be written"
# more refusals than the per-client first-flight limit (64): none may keep
# a slot, or the client is refused for good once the log is back
for i in $(seq 70); do curl6 www.example.org / -o /dev/null 2>/dev/null; done
[ "$(stat_get counters.refused_audit)" -ge 1 ] && ok "and counted" ||
    fail "refused_audit: $(stat_get counters.refused_audit)"
rm -f "$T/small/fill"
for i in $(seq 30); do [ "$(stat_get audit.failing)" = False ] && break; sleep 0.1; done
curl6 www.example.org "/?after=1" -o /dev/null &&
    ok "with room again, connections are served and logged" ||
    fail "still refused after the disk was freed"
sleep 0.5
grep -q '"event":"close"' "$T/small/"audit-*.jsonl &&
    ok "into the log" || fail "nothing logged after the disk was freed"
gw_stop

# an audit path that cannot be a directory: a clear error, service goes on
rm -f "$A"
: >"$A"
sed -i 's/ fail_closed = true;//' "$T/gw.conf"
gw_up "$T/gw.conf" || exit 1
grep -q "audit log: cannot open $A/audit-.*: Not a directory" "$GW_LOG" &&
    ok "an audit path that is a file: said at start" ||
    fail "no clear error: $(grep audit "$GW_LOG" | tail -2)"
curl6 www.example.org / -o /dev/null && ok "and the proxy serves" ||
    fail "no service without an audit log"
