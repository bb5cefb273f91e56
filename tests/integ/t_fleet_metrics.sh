#!/bin/bash
# SPDX-License-Identifier: ISC
# Metrics from a fleet: two gateways (gateway.name fleet-a and fleet-b, each
# its own HTTP endpoint) on one LAN with an IPv6+IPv4 client and one real
# Prometheus, which scrapes both every second with conf/prometheus-rules.yml
# loaded; real curl through both gateways to a real nginx.  The recording
# rules' values, read from Prometheus' HTTP API, must equal the sums of the
# two gateways' own counters (each one's /metrics), and v6gate_info must
# name both gateways under two distinct instance labels.
. "$(dirname "$0")/lib.sh"

RULES=$srcdir/conf/prometheus-rules.yml
A6=2001:db8:1::11	B6=2001:db8:1::12	C6=2001:db8:1::2
A4=192.0.2.11		B4=192.0.2.12		C4=192.0.2.2
pair_up
# CI installs them (.ci/deps): a missing one is a failure, not a skip
for p in prometheus promtool; do
	command -v $p >/dev/null ||
	    { fail "$p is not installed (.ci/deps)"; exit 1; }
done
# the LAN of the client and the Prometheus host, the servers' behind both
pair_lan "$C6" "$C4" "$A6" "$A4" "$B6" "$B4"
nginx_up || exit 1

# NAME OWN6 OWN4: the same services on both; its own name, state, socket,
# and an HTTP endpoint on its LAN address that the Prometheus host may ask
conf_gw() {
	cat >"$T/$1.conf" <<-EOF
		gateway: {
		  name = "fleet-$1";
		  state_dir = "$T/state-$1";
		  control_socket = "$T/$1.sock";
		  workers = 2;
		  http = { listen = "[$2]:9164"; allow = [ "$C6" ]; };
		};
		services = (
		  { name = "www"; mode = "proxy";
		    listen = [ "[$2]:443", "$3:443" ];
		    hosts = [ "www.example.org" ]; default = true;
		    backends = [ "10.1.0.5:443" ]; },
		  { name = "api"; mode = "proxy";
		    listen = [ "[$2]:443", "$3:443" ];
		    hosts = [ "api.example.org" ];
		    backends = [ "10.1.0.6:443" ]; }
		);
	EOF
}
conf_gw a "$A6" "$A4"
conf_gw b "$B6" "$B4"
# A is lib.sh's gateway (NS_G, GW_PID, GW_LOG, CTL_SOCK), B its twin
CTL_SOCK=$T/a.sock
gw_up "$T/a.conf" || exit 1
gw_b_up "$T/b.conf" "$T/b.sock" || exit 1

# ------------------------------------------------------------ Prometheus
check_cmd "promtool check rules: conf/prometheus-rules.yml" \
    promtool check rules "$RULES"
mkdir -p "$T/prom"
cat >"$T/prom/prometheus.yml" <<EOF
global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: [ "$RULES" ]
scrape_configs:
  - job_name: v6gate
    static_configs: [ { targets: [ "[$A6]:9164", "[$B6]:9164" ] } ]
EOF
in_c prometheus --config.file="$T/prom/prometheus.yml" \
    --storage.tsdb.path="$T/prom/data" --web.listen-address="[::1]:9190" \
    >"$T/prom/log" 2>&1 &
# query EXPR: Prometheus' instant vector as "labels=value" lines, sorted,
# the labels given in LABELS (comma-separated) only
query() {
	in_c curl -sS --max-time 5 -G --data-urlencode "query=$1" \
	    "http://[::1]:9190/api/v1/query" 2>/dev/null | python3 -c '
import json, sys
keep = sys.argv[1].split(",")
try:
    r = json.load(sys.stdin)["data"]["result"]
except (ValueError, KeyError):
    sys.exit()
for s in sorted(",".join(s["metric"].get(k, "") for k in keep) + "=" +
                s["value"][1] for s in r):
    print(s)' "$2"
}
# wait_query EXPR LABELS WANT: until the query gives WANT (20 s); prints
# what it gave last
wait_query() {
	local got

	for i in $(seq 40); do
		got=$(query "$1" "$2")
		[ "$got" = "$3" ] && break
		sleep 0.5
	done
	echo "$got"
}
# both targets scraped before any traffic, so that rate() sees it grow
check_eq "Prometheus scrapes both gateways" \
    "$(wait_query 'up{job="v6gate"}' instance \
    "[$A6]:9164=1
[$B6]:9164=1")" "[$A6]:9164=1
[$B6]:9164=1"

# ------------------------------------------------------------ traffic
via() {	# ADDR NAME PATH: one HTTPS request from the client
	in_c curl -sS -k --max-time 10 -o /dev/null -w '%{http_code}\n' \
	    --resolve "$2:443:$1" "https://$2$3"
}
{
	for i in 1 2 3; do via "[$A6]" www.example.org /; done
	via "$A4" www.example.org /
	via "[$A6]" api.example.org /
	for i in 1 2; do via "[$B6]" www.example.org /; done
	for i in 1 2; do via "[$B6]" api.example.org /; done
	for i in 1 2; do via "$B4" www.example.org /; done
	via "[$B6]" www.example.org /files/1m
} >"$T/codes"
check_eq "12 requests through the two gateways, all answered" \
    "$(sort "$T/codes" | uniq -c | awk '{ print $1, $2 }')" "12 200"
# every connection closed on both gateways before their counters are read
for s in a b; do
	for i in $(seq 50); do
		[ "$("$V6GATECTL" -s "$T/$s.sock" status --json | python3 -c '
import json, sys; print(json.load(sys.stdin)["connections"]["open"])')" = 0 ] &&
		    break
		sleep 0.1
	done
done

# each gateway's own /metrics, and their sums as the rules should give them
for s in A B; do
	in_c curl -sS --max-time 5 -o "$T/metrics-$s" \
	    "http://[$(eval echo \$${s}6)]:9164/metrics" ||
	    fail "GET /metrics from gateway $s"
done
# fleet METRIC LABELS: the sum over both gateways' /metrics of a metric's
# samples by LABELS, as query prints it; WHERE (k=v,...) filters
fleet() {
	python3 - "$1" "$2" "${3:-}" "$T/metrics-A" "$T/metrics-B" <<'EOF'
import re, sys
name, keep, where, files = sys.argv[1], sys.argv[2].split(","), \
    sys.argv[3], sys.argv[4:]
want = dict(kv.split("=") for kv in where.split(",") if kv)
sums = {}
for f in files:
    for line in open(f):
        m = re.match(r'([a-z_0-9]+)\{(.*)\} (\S+)$', line)
        if not m or m[1] != name:
            continue
        lab = dict(re.findall(r'(\w+)="([^"]*)"', m[2]))
        if any(lab.get(k) != v for k, v in want.items()):
            continue
        k = ",".join(lab.get(k, "") for k in keep)
        sums[k] = sums.get(k, 0) + int(m[3])
for k in sorted(sums):
    print(f"{k}={sums[k]}")
EOF
}
conn=$(fleet v6gate_connections_total service,family)
check_eq "the gateways counted what was sent (sum of their /metrics)" \
    "$conn" "api,ipv4=0
api,ipv6=3
www,ipv4=3
www,ipv6=6"
check_eq "rule service_family:v6gate_connections:sum = the sum of both" \
    "$(wait_query service_family:v6gate_connections:sum service,family \
    "$conn")" "$conn"
check_eq "per gateway, fleet-a's own count (status --json): www ipv6" \
    "$("$V6GATECTL" -s "$T/a.sock" status --json | python3 -c '
import json, sys; print(json.load(sys.stdin)["services"]["www"]["ipv6"]["connections"])')" 3

# the IPv6 share of bytes since the start, to the float's precision
share=$(python3 -c '
import sys
d = {}
for l in sys.argv[1].split():
    k, v = l.split("=")
    d[tuple(k.split(","))] = int(v)
for s in ("api", "www"):
    x = d.get((s, "ipv6"), 0) / sum(v for k, v in d.items() if k[0] == s)
    print(f"{s}={int(x) if x == int(x) else x!r}")	# as Go prints it' \
    "$(fleet v6gate_payload_bytes_total service,family)")
got=$(wait_query service:v6gate_bytes_ipv6:ratio service "$share")
check_cmd "rule service:v6gate_bytes_ipv6:ratio = the gateways' share: $(echo $share)" \
    python3 -c '
import sys
g = dict(l.split("=") for l in sys.argv[1].split())
w = dict(l.split("=") for l in sys.argv[2].split())
assert g.keys() == w.keys(), (g, w)
for k in w:
    assert abs(float(g[k]) - float(w[k])) <= 1e-12 * float(w[k]), (k, g, w)
' "$got" "$share"

# v6gate_info: both names, two instances
check_eq "v6gate_info: both gateways' names, each with its instance" \
    "$(query v6gate_info gateway,instance)" "fleet-a,[$A6]:9164=1
fleet-b,[$B6]:9164=1"
check_eq "rule instance_service:v6gate_connections:sum carries the name" \
    "$(wait_query 'instance_service:v6gate_connections:sum{service="api"}' \
    gateway,instance "fleet-a,[$A6]:9164=1
fleet-b,[$B6]:9164=2")" "fleet-a,[$A6]:9164=1
fleet-b,[$B6]:9164=2"
check_eq "rule :v6gate_gateways:count" \
    "$(query :v6gate_gateways:count '')" "=2"

# the rate rules: values cannot be known to the digit (extrapolation);
# they must be there, positive where traffic went, and a share in (0, 1)
check_cmd "rate rules: www's connections and bytes per second > 0, its IPv6 share in (0, 1)" \
    python3 -c '
import sys
c, b, r = (float(x.split("=")[1]) for x in sys.argv[1:4])
assert c > 0 and b > 0 and 0 < r < 1, sys.argv[1:4]' \
    "$(query 'service_family:v6gate_connections:rate5m{service="www",family="ipv6"}' service)" \
    "$(query 'service_family:v6gate_payload_bytes:rate5m{service="www",family="ipv6"}' service)" \
    "$(query 'service:v6gate_bytes_ipv6:ratio_rate5m{service="www"}' service)"
# every rule of the file evaluated without error
check_eq "Prometheus evaluates every rule of the file, none in error" \
    "$(in_c curl -sS --max-time 5 "http://[::1]:9190/api/v1/rules" |
    python3 -c '
import json, sys
r = [x for g in json.load(sys.stdin)["data"]["groups"] for x in g["rules"]]
print(len(r), sorted(set(x["health"] for x in r)))')" \
    "$(grep -c '^ *- record:' "$RULES") ['ok']"
