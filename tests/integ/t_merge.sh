#!/bin/bash
# SPDX-License-Identifier: ISC
# Indicators and audit logs merged across two gateways: A and B, each a
# real v6gated in its own namespace with its own history, real nginx
# behind both, real curl and client.py in front.  One IPv6 client goes
# through both, others through one only; after a clean stop of both:
# "v6gatectl report --state-dir A --state-dir B" counts the shared client
# once (each gateway counts it: 2 in all), adds the bytes up to the byte
# of the two gateways' own reports, names the gateways, and stays valid
# in all four formats.  Past accounting.clients_exact the sets are
# sketches: with one accounting.clients_key_file on both they merge
# within the HyperLogLog error; with each gateway's own key they cannot,
# and the report gives bounds that hold the truth and says why.
# "v6gatectl trace --audit-dir A --audit-dir B" finds the shared client's
# connections on both, in time order, each with its dir.
. "$(dirname "$0")/lib.sh"

command -v sqlite3 >/dev/null || skip "needs sqlite3"

A6=$GW6			# 2001:db8:100::10, A's service address
B6=2001:db8:100::20	# B's
C6=2001:db8:1::2	# the client that uses both
CTL_SOCK=$T/A.sock	# lib.sh's ctl: gateway A
GW_LOG=$T/v6gated-A.log

pair_up		# A is NS_G, B is NS_B; lib.sh's finish stops both
pair_lan "$C6" 192.0.2.2 2001:db8:1::1 192.0.2.11 2001:db8:1::3 192.0.2.12
# each gateway's service address on its lo, reached through its LAN one
in_c ip -batch - <<EOF
route add $A6/128 via 2001:db8:1::1
route add $B6/128 via 2001:db8:1::3
EOF
in_g ip addr add $A6/128 dev lo nodad
in_b ip addr add $B6/128 dev lo nodad
nginx_up || exit 1

# ------------------------------------------------------------ the gateways
# conf NAME SERVICE6 STATE [ACCOUNTING...]: "web" (HTTP, many clients)
# and "one" (HTTP on 8080, the shared client only), both to nginx's 80
conf() {
	cat >"$T/$1.conf" <<EOF
gateway: {
  name = "gw-$1";
  state_dir = "$3";
  control_socket = "$T/$1.sock";
  workers = 2;
  timeouts: { first_flight = 10; connect = 2; idle = 60; };
};
accounting: { checkpoint = 1; ${4:-} };
services = (
  { name = "web"; mode = "proxy"; protocol = "http";
    listen = [ "[$2]:80" ]; hosts = [ "www.example.org" ];
    backends = [ "10.1.0.5:80" ]; },
  { name = "one"; mode = "proxy"; protocol = "http";
    listen = [ "[$2]:8080" ]; hosts = [ "www.example.org" ];
    backends = [ "10.1.0.5:80" ]; }
);
EOF
}
gw_a_up() { gw_up "$T/A.conf"; }
ctl_b() { "$V6GATECTL" -s "$T/B.sock" "$@"; }
# both up with their configurations; both stopped cleanly (the last
# checkpoint writes every count and sketch)
gws_up() { gw_a_up && gw_b_up "$T/B.conf" "$T/B.sock"; }
gws_stop() { gw_stop; gw_b_stop; }

# clients FILE GW6: a plain HTTP request to web from each address in FILE
clients() {
	in_c python3 "$CLIENT_PY" many --src-file "$1" -c 8 --timeout 10 \
	    --host www.example.org --close "$2" 80
}
# addrs FROM TO: the client addresses 2001:db8:1::FROM .. ::TO (hex), on
# the client's link
addrs() {
	local i

	for i in $(seq $((16#$1)) $((16#$2))); do
		printf '2001:db8:1::%x\n' "$i"
	done
}
addrs 100 140 | sed 's|.*|addr add &/128 dev br0 nodad|' | in_c ip -batch -

MONTH=$(date +%Y-%m)
# report ARGS...: v6gatectl report of this month, JSON, to stdout
report() { "$V6GATECTL" report --month "$MONTH" "$@"; }
# jq_ FILE EXPR: a value of a JSON file (python's expression on v)
jq_() {
	python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
r = eval(sys.argv[2], {"v": v})
print(str(r).lower() if isinstance(r, bool) else r)' "$1" "$2"
}

# ------------------------------------------------- exact sets: members
conf A "$A6" "$T/state-A"
conf B "$B6" "$T/state-B"
gws_up || exit 1
t0=$(date -u +%s)
addrs 101 103 >"$T/onlyA"
addrs 104 105 >"$T/onlyB"
check_eq "the shared client through A and B (web)" \
    "$(in_c curl -sS --max-time 10 --interface "$C6" -H 'Host: www.example.org' "http://[$A6]/" |
       cut -d' ' -f1) $(in_c curl -sS --max-time 10 --interface "$C6" -H 'Host: www.example.org' \
       "http://[$B6]/" | cut -d' ' -f1)" "backend=10.1.0.5:80 backend=10.1.0.5:80"
check_eq "and through both on the service only it uses (one)" \
    "$(in_c curl -sS --max-time 10 --interface "$C6" -o /dev/null -w '%{http_code}' \
       -H 'Host: www.example.org' "http://[$A6]:8080/files/1m") $(in_c curl --interface "$C6" \
       -sS --max-time 10 -o /dev/null -w '%{http_code}' \
       -H 'Host: www.example.org' "http://[$B6]:8080/")" "200 200"
check_eq "3 clients through A only, 2 through B only" \
    "$(clients "$T/onlyA" "$A6") $(clients "$T/onlyB" "$B6")" "3 2"
sleep 1.5
gws_stop
t1=$(( $(date -u +%s) + 1 ))

for g in A B; do
	report --state-dir "$T/state-$g" --format json >"$T/$g.json" ||
	    fail "report of $g alone"
done
report --state-dir "$T/state-A" --state-dir "$T/state-B" --format json \
    >"$T/AB.json" 2>"$T/AB.err"
check_eq "the merged report runs" "$?" 0
check_eq "each gateway counted the shared client on one: 1 and 1 (2 in all)" \
    "$(jq_ "$T/A.json" 'v["services"]["one"]["ipv6"]["clients"]') $(jq_ \
       "$T/B.json" 'v["services"]["one"]["ipv6"]["clients"]')" "1 1"
check_eq "merged: the shared client counts once, exactly" \
    "$(jq_ "$T/AB.json" '[v["services"]["one"]["ipv6"][k] for k in
       ("clients", "clients_exact", "clients_merge", "clients64")]')" \
    "[1, True, 'exact', 1]"
check_eq "web: A saw 4, B 3, together 6 distinct (1 on both)" \
    "$(jq_ "$T/A.json" 'v["services"]["web"]["ipv6"]["clients"]') $(jq_ \
       "$T/B.json" 'v["services"]["web"]["ipv6"]["clients"]') $(jq_ \
       "$T/AB.json" 'v["services"]["web"]["ipv6"]["clients"]')" "4 3 6"
# the sums, field by field, of the two reports
sums=$(python3 - "$T/A.json" "$T/B.json" "$T/AB.json" <<'EOF'
import json, sys
a, b, m = (json.load(open(p)) for p in sys.argv[1:])
bad = []
for s in m["services"]:
    for fam in ("ipv6", "ipv4"):
        for k in ("bytes_in", "bytes_out", "bytes", "connections",
                  "peak_open"):
            want = sum(r["services"].get(s, {}).get(fam, {}).get(k, 0)
                       for r in (a, b))
            if m["services"][s][fam][k] != want:
                bad.append("%s.%s.%s %s != %s" % (s, fam, k,
                           m["services"][s][fam][k], want))
    for i, d in enumerate(m["services"][s]["daily"]):
        want = sum(r["services"][s]["daily"][i]["ipv6_bytes"]
                   for r in (a, b) if s in r["services"])
        if d["ipv6_bytes"] != want:
            bad.append("%s day %d: %s != %s" % (s, i + 1, d["ipv6_bytes"], want))
print(" ".join(bad) or "ok", m["services"]["one"]["ipv6"]["bytes_out"] >
      1048576, a["services"]["one"]["ipv6"]["connections"] +
      b["services"]["one"]["ipv6"]["connections"])
EOF
)
check_eq "bytes, connections, peaks and each day's bytes are the two reports' sums, exactly (one: over 1 MiB out, 2 connections)" \
    "$sums" "ok True 2"
check_eq "JSON: the gateways by name, with their histories" \
    "$(jq_ "$T/AB.json" '[(g["name"], g["db"]) for g in v["gateways"]]')" \
    "[('gw-A', '$T/state-A/v6gate.db'), ('gw-B', '$T/state-B/v6gate.db')]"
check_eq "JSON: each gateway's own figures (web clients 4 and 3)" \
    "$(jq_ "$T/AB.json" '[g["services"]["web"]["ipv6"]["clients"] for g in v["gateways"]]')" \
    "[4, 3]"
check_eq "JSON: no bounds" "$(jq_ "$T/AB.json" 'v["bounds_why"]')" None
report --state-dir "$T/state-A" --state-dir "$T/state-B" >"$T/AB.txt"
grep -q "^  gw-A  *from $T/state-A/v6gate.db$" "$T/AB.txt" &&
    grep -q "^  gw-B  *from $T/state-B/v6gate.db$" "$T/AB.txt" &&
    grep -Eq "^gw-A +web .* 4 +1 +0 +4$" "$T/AB.txt" &&
    grep -Eq "^gw-B +web .* 3 +1 +0 +3$" "$T/AB.txt" &&
    grep -Eq "^web +proxy .* 6 +1 +0 " "$T/AB.txt" &&
    ok "text: the gateways merged, the merged line and a line per gateway" ||
    fail "text: $(cat "$T/AB.txt")"
report --state-dir "$T/state-A" --state-dir "$T/state-B" --format csv \
    >"$T/AB.csv"
check_eq "CSV: a header and a row per service, every row as wide, the least counts added" \
    "$(python3 - "$T/AB.csv" <<'EOF'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
h = rows[0]
print(len(rows) - 1, set(len(r) for r in rows) == {len(h)}, h[-3:],
      [r[h.index("ipv6_clients")] + "/" + r[h.index("ipv6_clients_min")]
       for r in rows[1:]])
EOF
)" "2 True ['ipv6_clients_min', 'ipv6_clients64_min', 'ipv4_clients_min'] ['1/1', '6/6']"
report --state-dir "$T/state-A" --state-dir "$T/state-B" --format html \
    >"$T/AB.html"
check_eq "HTML: well formed, names both gateways" "$(python3 - "$T/AB.html" <<'EOF'
import html.parser, sys
VOID = {"meta", "br", "link", "img", "hr", "input"}
class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack, self.bad, self.text = [], 0, ""
    def handle_starttag(self, t, a):
        if t not in VOID:
            self.stack.append(t)
    def handle_endtag(self, t):
        if not self.stack or self.stack.pop() != t:
            self.bad += 1
    def handle_data(self, d):
        self.text += d
p = P()
p.feed(open(sys.argv[1]).read())
print(p.bad, p.stack, "gw-A" in p.text and "gw-B" in p.text,
      "2 gateways" in p.text)
EOF
)" "0 [] True True"

# --- stats --state-dir: today and this month from the histories ---------
"$V6GATECTL" stats --state-dir "$T/state-A" --state-dir "$T/state-B" --json \
    >"$T/stats.json"
check_eq "stats --state-dir A --state-dir B: today's and this month's web clients 6, one 1, as merged" \
    "$(jq_ "$T/stats.json" '[v["services"][s]["ipv6"][k] for s in ("web", "one")
       for k in ("clients_day", "clients_month", "clients_day_merge")]')" \
    "[6, 6, 'exact', 1, 1, 'exact']"
check_eq "and today's connections and bytes are the two gateways' sums" \
    "$(jq_ "$T/stats.json" '[v["services"]["one"]["ipv6"][k] for k in
       ("connections_day", "bytes_out_day")] + [v["gateways"]]')" \
    "$(python3 -c 'import json,sys
a, b = (json.load(open(p))["services"]["one"]["ipv6"] for p in sys.argv[1:])
print([a["connections"] + b["connections"], a["bytes_out"] + b["bytes_out"],
       ["gw-A", "gw-B"]])' "$T/A.json" "$T/B.json")"
"$V6GATECTL" stats --state-dir "$T/state-A" --state-dir "$T/state-B" \
    >"$T/stats.txt"
grep -q "^Today $(date +%F) and $MONTH so far, from the histories of gw-A, gw-B (merged)$" \
    "$T/stats.txt" && grep -Eq "^web +ipv6 +[0-9]+ .* 6 +[0-9]+ .* 6$" "$T/stats.txt" &&
    ok "stats text: the gateways, and web's 6 clients today and this month" ||
    fail "stats text: $(cat "$T/stats.txt")"

# --- trace over both audit logs ---------------------------------------
"$V6GATECTL" trace --client "$C6" --from "$t0" --to "$t1" --json \
    --audit-dir "$T/state-A/audit" --audit-dir "$T/state-B/audit" \
    >"$T/trace.json"
check_eq "trace --audit-dir A --audit-dir B: the shared client's 4 connections, 2 from each, in time order" \
    "$(python3 - "$T/trace.json" "$T" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
t = [r["close"] for r in recs]
print(len(recs), sorted(r["audit_dir"].replace(sys.argv[2] + "/", "")
      for r in recs), t == sorted(t), sorted(r["service"] for r in recs))
EOF
)" "4 ['state-A/audit', 'state-A/audit', 'state-B/audit', 'state-B/audit'] True ['one', 'one', 'web', 'web']"
"$V6GATECTL" trace --client "$C6" --from "$t0" --to "$t1" \
    --audit-dir "$T/state-A/audit" --audit-dir "$T/state-B/audit" \
    >"$T/trace.txt"
check_eq "the text says which audit log each came from" \
    "$(grep -c "^    audit dir $T/state-[AB]/audit$" "$T/trace.txt")" 4
check_eq "one dir: as before, A's 2 only" "$("$V6GATECTL" trace --client "$C6" \
    --from "$t0" --to "$t1" --json --audit-dir "$T/state-A/audit" | wc -l)" 2
"$V6GATECTL" trace --client "$C6" --from "$t0" --to "$t1" \
    --audit-dir "$T/state-A/audit" --audit-dir "$T/nowhere" >/dev/null \
    2>"$T/trace.err"
check_eq "a dir that is not there: an error naming it, exit 1" \
    "$? $(grep -c "no audit log at $T/nowhere" "$T/trace.err")" "1 1"

# ------------------------------------- sketches: one key, then two keys
# 0x100-0x11f through A, 0x110-0x12f through B: 32 each, 48 in all (16 on
# both), past clients_exact = 3 on both
addrs 100 11f >"$T/skA"
addrs 110 12f >"$T/skB"
openssl rand -hex 16 >"$T/fleet.key"
sketches() {	# STATE-SUFFIX ACCOUNTING
	conf A "$A6" "$T/state-A$1" "$2"
	conf B "$B6" "$T/state-B$1" "$2"
	gws_up || exit 1
	check_eq "sketches$1: 32 clients through each" \
	    "$(clients "$T/skA" "$A6") $(clients "$T/skB" "$B6")" "32 32"
	sleep 1.5
	gws_stop
	report --state-dir "$T/state-A$1" --state-dir "$T/state-B$1" \
	    --format json >"$T/sk$1.json"
}
sketches 2 "clients_exact = 3; clients_key_file = \"$T/fleet.key\";"
check_eq "one key: both histories hold the fleet's key" \
    "$(for g in A B; do sqlite3 "$T/state-${g}2/v6gate.db" \
       "SELECT hex(value) FROM meta WHERE key = 'clients_key'"; done | sort -u | wc -l)" 1
check_eq "one key: each gateway's own figure is an estimate of 32 (within 1)" \
    "$(jq_ "$T/sk2.json" '[(abs(g["services"]["web"]["ipv6"]["clients"] - 32)
       <= 1, g["services"]["web"]["ipv6"]["clients_exact"]) for g in v["gateways"]]')" \
    "[(True, False), (True, False)]"
n=$(jq_ "$T/sk2.json" 'v["services"]["web"]["ipv6"]["clients"]')
check_eq "one key: the sketches merged, an estimate (~)" \
    "$(jq_ "$T/sk2.json" '[v["services"]["web"]["ipv6"][k] for k in
       ("clients_exact", "clients_merge")]')" "[False, 'sketch']"
[ "$n" -ge 47 ] && [ "$n" -le 49 ] &&
    ok "one key: $n of the 48 distinct clients (within 2 %, not 64)" ||
    fail "one key: merged estimate $n, expected 48 within 2 %"
report --state-dir "$T/state-A2" --state-dir "$T/state-B2" |
    grep -Eq "^web +proxy .* ~$n " && ok "text: ~$n" ||
    fail "text: $(report --state-dir "$T/state-A2" --state-dir "$T/state-B2")"

sketches 3 "clients_exact = 3;"
check_eq "two keys: each gateway drew its own" \
    "$(for g in A B; do sqlite3 "$T/state-${g}3/v6gate.db" \
       "SELECT hex(value) FROM meta WHERE key = 'clients_key'"; done | sort -u | wc -l)" 2
lo=$(jq_ "$T/sk3.json" 'v["services"]["web"]["ipv6"]["clients_min"]')
hi=$(jq_ "$T/sk3.json" 'v["services"]["web"]["ipv6"]["clients"]')
check_eq "two keys: not merged but bounded, and said so" \
    "$(jq_ "$T/sk3.json" '[v["services"]["web"]["ipv6"][k] for k in
       ("clients_exact", "clients_merge")] + ["different keys" in v["bounds_why"]]')" \
    "[False, 'bounds', True]"
[ "$lo" -ge 31 ] && [ "$lo" -le 33 ] && [ "$hi" -ge 63 ] && [ "$hi" -le 65 ] &&
    [ "$lo" -le 48 ] && [ "$hi" -ge 48 ] &&
    ok "two keys: at least $lo, at most $hi (the truth, 48, between)" ||
    fail "two keys: bounds $lo..$hi"
report --state-dir "$T/state-A3" --state-dir "$T/state-B3" >"$T/sk3.txt"
grep -Eq "^web +proxy .* $lo\.\.$hi " "$T/sk3.txt" &&
    grep -q "different keys" "$T/sk3.txt" &&
    ok "text: $lo..$hi and why" || fail "text: $(cat "$T/sk3.txt")"

# a key file given to a history with sketches of its own key: the fleet's
# key from now on, the old sketches merged as they are, and a warning
conf A "$A6" "$T/state-A3" "clients_exact = 3; clients_key_file = \"$T/fleet.key\";"
gw_a_up || exit 1
gw_stop
check_eq "a key file for a history of another key: it is adopted" \
    "$(sqlite3 "$T/state-A3/v6gate.db" "SELECT lower(hex(value)) FROM meta
       WHERE key = 'clients_key'")" "$(cat "$T/fleet.key")"
grep -q "the sketch of web ipv6 $MONTH was made with the history's former key" \
    "$GW_LOG" && ok "and the old sketch of the month is said to be merged as it is" ||
    fail "no warning of the former key: $(grep -i key "$GW_LOG" | tail -3)"

# --- what the sysadmin may get wrong --------------------------------------
echo "not a key" >"$T/bad.key"
conf A "$A6" "$T/state-A4" "clients_key_file = \"$T/bad.key\";"
timeout 10 ip netns exec "$NS_G" "$V6GATED" -f -c "$T/A.conf" >"$T/bad.out" 2>&1
check_eq "a key file that holds no key: v6gated does not start, and says why" \
    "$? $(grep -c "clients_key_file $T/bad.key: not a key" "$T/bad.out")" "1 1"
report --state-dir "$T/state-A" --state-dir "$T/nowhere" >/dev/null \
    2>"$T/nodb.err"
check_eq "a state dir without a history: exit 1, naming it" \
    "$? $(grep -c "no traffic history at $T/nowhere/v6gate.db" "$T/nodb.err")" "1 1"
