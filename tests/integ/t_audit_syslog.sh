#!/bin/bash
# The audit log to a syslog collector (audit.syslog): a real rsyslog (imtcp,
# then TLS through its gtls driver with a test CA) receives every audit
# record as RFC 5424 with our structured data, which parses back to the
# record's fields; stopped for a while (and v6gated restarted meanwhile),
# the lag shows in status and /metrics, and once rsyslog is back every
# record arrives, none twice.  The cursor of an earlier run points into
# yesterday's archived (.gz) file: its tail goes first.
. "$(dirname "$0")/lib.sh"
command -v rsyslogd >/dev/null || skip "needs rsyslog"
[ -e /usr/lib/x86_64-linux-gnu/rsyslog/lmnsd_gtls.so ] ||
    [ -n "$(find /usr/lib -name lmnsd_gtls.so 2>/dev/null)" ] ||
    skip "needs rsyslog-gnutls"
net_up
nginx_up
COL=10.1.0.9
in_s ip addr add $COL/24 dev s0
gw_conf_default "$T/gw.conf"
sed -i 's/^};/  http = "[::1]:9164";\n};/' "$T/gw.conf"
echo "audit: { syslog = \"tcp://$COL:5514\"; };" >>"$T/gw.conf"
A=$T/state/audit

# A cursor left by an earlier run, one record into yesterday's file, which
# was archived since.
mkdir -p "$A"
yday=$(date -u -d yesterday +%F)
for i in 1 2 3; do
	echo "{\"v\":1,\"event\":\"close\",\"id\":\"y-$i\",\"open\":\"${yday}T12:00:0$i.000Z\",\"close\":\"${yday}T12:00:0$i.500Z\",\"client\":\"[2001:db8:1::77]:4000$i\",\"listener\":\"[2001:db8:100::10]:443\",\"name\":\"old.example.org\",\"service\":\"www\",\"backend\":\"10.1.0.5:443\",\"local\":\"10.1.0.1:4555$i\",\"bytes_in\":1,\"bytes_out\":2,\"reason\":\"done\"}"
done >"$T/yday.jsonl"
gzip -c "$T/yday.jsonl" >"$A/audit-$yday.jsonl.gz"
printf 'v6gate-audit-forward 1\n%s %s\n' "$yday" \
    "$(head -1 "$T/yday.jsonl" | wc -c)" >"$A/forward.cursor"

# rsyslog_up NAME PORT [tls]: a collector in the server namespace writing
# what it receives, one line a message, to $T/NAME.log
rsyslog_up() {
	local name=$1 port=$2 drv=""

	mkdir -p "$T/$name"
	if [ "${3:-}" = tls ]; then
		drv="global(DefaultNetstreamDriverCAFile=\"$T/tls/ca.pem\"
		    DefaultNetstreamDriverCertFile=\"$T/tls/srv.pem\"
		    DefaultNetstreamDriverKeyFile=\"$T/tls/srv.key\")
		module(load=\"imtcp\" StreamDriver.Name=\"gtls\"
		    StreamDriver.Mode=\"1\" StreamDriver.AuthMode=\"anon\")"
	else
		drv='module(load="imtcp")'
	fi
	cat >"$T/$name.conf" <<-EOF
		global(workDirectory="$T/$name")
		$drv
		template(name="t" type="string"
		    string="%hostname% %app-name% %msgid% %structured-data%\t%msg%\n")
		ruleset(name="in") {
		    action(type="omfile" file="$T/$name.log" template="t")
		}
		input(type="imtcp" address="$COL" port="$port" ruleset="in")
	EOF
	ip netns exec "$NS_S" rsyslogd -n -f "$T/$name.conf" \
	    -i "$T/$name/pid" >>"$T/$name.out" 2>&1 &
	eval "RS_$name=\$!"
	wait_port "$NS_S" $COL "$port"
}
rsyslog_stop() {
	local pid
	eval "pid=\$RS_$1"
	kill "$pid" && wait "$pid" 2>/dev/null
}

# cmp.py COLLECTOR_LOG [FIRST_ID]: the local records (from FIRST_ID on,
# in file order; yesterday's first is not sent: the cursor was past it)
# against what the collector holds: "LOCAL RECEIVED MISSING TWICE EXTRA
# BAD", BAD counting messages whose structured data, header or MSG do not
# give back the local record
cat >"$T/cmp.py" <<'EOF'
import glob, gzip, json, re, sys
lines = []
for f in sorted(glob.glob(sys.argv[1] + "/audit-*.jsonl*")):
    if f.endswith(".idx"):
        continue
    op = gzip.open if f.endswith(".gz") else open
    with op(f, "rt") as fh:
        lines += [l.rstrip("\n") for l in fh if l.strip()]
lines = [l for l in lines if json.loads(l)["id"] != "y-1"]
if len(sys.argv) > 3:
    ids = [json.loads(l)["id"] for l in lines]
    lines = lines[ids.index(sys.argv[3]):]
local = {}
for l in lines:
    r = json.loads(l)
    local[(r["event"], r["id"])] = (l, r)
param = re.compile(r' ([^= \]"]+)="((?:[^"\\]|\\.)*)"')
seen, twice, extra, bad = set(), 0, 0, 0
for m in open(sys.argv[2]):
    head, msg = m.rstrip("\n").split("\t", 1)
    host, app, msgid, sd = head.split(" ", 3)
    r = json.loads(msg)
    k = (r["event"], r["id"])
    if k not in local:
        extra += 1
        continue
    if k in seen:
        twice += 1
    seen.add(k)
    line, rec = local[k]
    want = {n: (v if isinstance(v, str) else json.dumps(v))
            for n, v in rec.items() if v is not None}
    want["gateway"] = "test-gw"
    got = {n: re.sub(r'\\(.)', r'\1', v) for n, v in param.findall(sd)}
    if (msg != line or got != want or host != "test-gw" or app != "v6gated"
            or msgid != rec["event"] or not sd.startswith("[v6gate@32473 ")):
        bad += 1
print(len(local), len(seen), len(set(local) - seen), twice, extra, bad)
EOF
cmp_col() { python3 "$T/cmp.py" "$A" "$T/$1.log" ${2:-}; }
# wait_sent N: until the collector has taken everything, N s at most
wait_sent() {
	local i
	for i in $(seq $(($1 * 5))); do
		[ "$(stat_get audit.forward.lag_records 2>/dev/null)" = 0 ] &&
		    [ "$(stat_get audit.forward.connected)" = True ] && return 0
		sleep 0.2
	done
	return 1
}
conns() {
	local i
	for i in $(seq "$1"); do
		curl6 www.example.org "/?i=$i" >/dev/null || fail "curl $i"
	done
	sleep 0.5	# the writer writes every 200 ms
}
metric() {
	in_g curl -s "http://[::1]:9164/metrics" | awk -v m="$1" '$1 == m { print $2 }'
}
nlocal() { cat "$A"/audit-$(date -u +%F).jsonl | wc -l; }

rsyslog_up tcp 5514 || exit 1
gw_up "$T/gw.conf" || exit 1
conns 20
check_cmd "the collector takes everything (lag 0, connected)" wait_sent 10
sleep 0.5	# rsyslog writes its file at the end of a batch
check_eq "every record at rsyslog, once, its SD giving back its fields" \
    "$(cmp_col tcp)" "22 22 0 0 0 0"
check_eq "status: records sent" "$(stat_get audit.forward.sent)" 22
check_eq "/metrics: connected" "$(metric v6gate_audit_forward_connected)" 1
check_eq "/metrics: sent" "$(metric v6gate_audit_forward_sent_total)" 22

# the collector down: the lag grows, exactly
rsyslog_stop tcp
for i in $(seq 25); do
	[ "$(stat_get audit.forward.connected)" = False ] && break
	sleep 0.2
done
check_eq "rsyslog stopped: not connected" \
    "$(stat_get audit.forward.connected)" False
conns 15
check_eq "status: 15 records behind" \
    "$(stat_get audit.forward.lag_records)" 15
check_eq "status: their bytes behind" \
    "$(stat_get audit.forward.lag_bytes)" \
    "$(tail -15 "$A/audit-$(date -u +%F).jsonl" | wc -c)"
check_eq "/metrics: 15 records behind" \
    "$(metric v6gate_audit_forward_lag_records)" 15
ctl status | grep -q "^audit forward: tcp://$COL:5514, NOT CONNECTED, 15 records" &&
    ok "status text says it is behind" || fail "status text: $(ctl status | grep forward)"

# v6gated restarted while the collector is down: it resumes at the cursor
gw_stop
gw_up "$T/gw.conf" || exit 1
conns 5
check_eq "after a restart: 20 records behind" \
    "$(stat_get audit.forward.lag_records)" 20

# the collector back: every record arrives, none twice
rsyslog_up tcp 5514 || exit 1
check_cmd "the collector back: it catches up (lag 0)" wait_sent 40
sleep 0.5
check_eq "all 42 records at rsyslog, none twice, none missing" \
    "$(cmp_col tcp)" "42 42 0 0 0 0"
check_eq "the local file has them all too" "$(nlocal)" 40

# a bad value is refused with its line; the collector stays
cp "$T/gw.conf" "$T/gw.conf.good"
sed -i "s|tcp://$COL:5514|udp://$COL:514|" "$T/gw.conf"
line=$(grep -n 'syslog =' "$T/gw.conf" | cut -d: -f1)
out=$(ctl reload 2>&1)
case $out in
*"gw.conf:$line: audit.syslog: \"udp://$COL:514\": must be tcp://"*)
	ok "udp:// refused with file:line" ;;
*)	fail "udp:// reload: $out" ;;
esac
check_eq "the refused reload left the collector" \
    "$(stat_get audit.forward.url)" "tcp://$COL:5514"

# TLS (RFC 5425) to rsyslog's gtls driver, verified with a test CA
mkdir -p "$T/tls"
chmod 755 "$T/tls"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -days 2 -subj "/CN=v6gate test CA" -keyout "$T/tls/ca.key" \
    -out "$T/tls/ca.pem" 2>/dev/null &&
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -subj "/CN=$COL" -keyout "$T/tls/srv.key" -out "$T/tls/srv.csr" \
    2>/dev/null &&
openssl x509 -req -in "$T/tls/srv.csr" -CA "$T/tls/ca.pem" \
    -CAkey "$T/tls/ca.key" -CAcreateserial -days 2 \
    -extfile <(echo "subjectAltName=IP:$COL") -out "$T/tls/srv.pem" \
    2>/dev/null || fail "openssl: the test CA"
chmod 644 "$T/tls/ca.pem"
rsyslog_up tlscol 6514 tls || exit 1
sed -e "s|tcp://$COL:5514\";|tls://$COL:6514\"; syslog_ca = \"$T/tls/ca.pem\";|" \
    "$T/gw.conf.good" >"$T/gw.conf"
ctl reload >/dev/null 2>&1 || fail "reload to tls://"
check_eq "reloaded: the TLS collector" "$(stat_get audit.forward.url)" \
    "tls://$COL:6514"
first=$(($(nlocal) + 1))
conns 10
check_cmd "the TLS collector takes everything" wait_sent 10
sleep 0.5
firstid=$(sed -n "${first}p" "$A/audit-$(date -u +%F).jsonl" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
check_eq "the 10 new records at the TLS collector, once, SD intact" \
    "$(cmp_col tlscol "$firstid")" "10 10 0 0 0 0"
check_eq "and none of them at the TCP one" "$(wc -l <"$T/tcp.log")" 42

# a CA file that cannot be read refuses the reload; a collector whose
# certificate another CA signed is not sent to
sed -i "s|$T/tls/ca.pem|$T/tls/none.pem|" "$T/gw.conf"
out=$(ctl reload 2>&1)
case $out in
*"audit.syslog_ca $T/tls/none.pem: cannot load"*) ok "a missing CA file refuses the reload" ;;
*)	fail "missing CA file: $out" ;;
esac
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -days 2 -subj "/CN=another CA" -keyout "$T/tls/other.key" \
    -out "$T/tls/other.pem" 2>/dev/null
chmod 644 "$T/tls/other.pem"
sed -i "s|$T/tls/none.pem|$T/tls/other.pem|" "$T/gw.conf"
ctl reload >/dev/null 2>&1 || fail "reload with another CA"
errs=$(stat_get audit.forward.errors)
conns 2
sleep 1
check_eq "another CA: not connected" "$(stat_get audit.forward.connected)" False
check_eq "another CA: 2 records behind" \
    "$(stat_get audit.forward.lag_records)" 2
[ "$(stat_get audit.forward.errors)" -gt "$errs" ] &&
    grep -q "tls://$COL:6514: TLS handshake: unable to get local issuer" \
    "$GW_LOG" && ok "another CA: the handshake fails, counted and said" ||
    fail "another CA: $(grep 'TLS handshake' "$GW_LOG")"
check_eq "and the TLS collector got nothing more" "$(wc -l <"$T/tlscol.log")" 10
rsyslog_stop tcp
rsyslog_stop tlscol
