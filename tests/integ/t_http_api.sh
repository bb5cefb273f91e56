#!/bin/bash
# The HTTP endpoint (gateway.http): /metrics in the Prometheus text format,
# valid for promtool and scraped by a real Prometheus server, with the same
# figures as /status and "v6gatectl status"; /status as JSON; nothing else.
. "$(dirname "$0")/lib.sh"
command -v promtool >/dev/null && command -v prometheus >/dev/null ||
    skip "needs prometheus and promtool (Debian package prometheus)"
net_up
nginx_up
gw_conf_default "$T/gw.conf"
sed -i 's/^};/  http = "[::1]:9164";\n};/' "$T/gw.conf"
gw_up "$T/gw.conf" || exit 1

# some traffic to count
curl6 www.example.org / >/dev/null
curl6 api.example.org / >/dev/null
http6 www.example.org /files/1m -o /dev/null

api() { in_g curl -sS --max-time 5 "$@"; }
api -o "$T/metrics" -D "$T/headers" "http://[::1]:9164/metrics" ||
    fail "GET /metrics"
grep -qi '^content-type: text/plain; version=0.0.4' "$T/headers" &&
    ok "/metrics says it is the Prometheus text format 0.0.4" ||
    fail "content type: $(grep -i content-type "$T/headers")"
out=$(promtool check metrics <"$T/metrics" 2>&1)
check_eq "promtool check metrics finds nothing wrong" "$?" 0
[ -n "$out" ] && log "promtool: $out"

metric() {	# metric NAME LABELS: the value of one sample
	awk -v m="$1{$2}" 'index($0, m " ") == 1 { print $2 }' "$T/metrics"
}
# the gateway's name (gw_conf's gateway.name) and the daemon's own version
check_eq "v6gate_info names the gateway and its version" \
    "$(metric v6gate_info "gateway=\"test-gw\",version=\"$("$V6GATED" -V | awk '{ print $2 }')\"")" 1
check_eq "bytes out in /metrics equal status (web, ipv6)" \
    "$(metric v6gate_payload_bytes_total 'service="web",mode="proxy",family="ipv6",direction="out"')" \
    "$(stat_get services.web.ipv6.bytes_out)"
check_eq "connections in /metrics equal status (api, ipv6)" \
    "$(metric v6gate_connections_total 'service="api",mode="proxy",family="ipv6"')" \
    "$(stat_get services.api.ipv6.connections)"
check_eq "distinct clients in /metrics: one IPv6 client of www today, exact" \
    "$(metric v6gate_clients 'service="www",mode="proxy",family="ipv6",prefix="128",period="day"') $(metric v6gate_clients_exact 'service="www",mode="proxy",family="ipv6",prefix="128",period="day"')" \
    "1 1"
check_eq "and one /64 this month" \
    "$(metric v6gate_clients 'service="www",mode="proxy",family="ipv6",prefix="64",period="month"')" 1
[ "$(metric v6gate_payload_bytes_total 'service="web",mode="proxy",family="ipv6",direction="out"')" -gt 1048576 ] &&
    ok "the 1 MiB download is in the payload bytes" || fail "bytes out too small"

api -o "$T/status.json" "http://[::1]:9164/status" || fail "GET /status"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/status.json" &&
    ok "/status is JSON" || fail "/status: $(head -c 200 "$T/status.json")"
check_eq "/status has the services" \
    "$(python3 -c 'import json,sys; print(sorted(json.load(open(sys.argv[1]))["services"]))' "$T/status.json")" \
    "['api', 'web', 'www']"
check_eq "anything else is 404" \
    "$(api -o /dev/null -w '%{http_code}' "http://[::1]:9164/nope")" 404
check_eq "POST is refused (405)" \
    "$(api -o /dev/null -w '%{http_code}' -X POST "http://[::1]:9164/metrics")" 405

# A real Prometheus server scrapes it.
mkdir -p "$T/prom"
cat >"$T/prom/prometheus.yml" <<EOF
global: { scrape_interval: 1s, evaluation_interval: 1s }
scrape_configs:
  - job_name: v6gate
    static_configs: [ { targets: [ "[::1]:9164" ] } ]
EOF
in_g prometheus --config.file="$T/prom/prometheus.yml" \
    --storage.tsdb.path="$T/prom/data" --web.listen-address="[::1]:9190" \
    >"$T/prom/log" 2>&1 &
q=
for i in $(seq 60); do
	q=$(api "http://[::1]:9190/api/v1/query?query=v6gate_connections_total%7Bservice%3D%22api%22%2Cfamily%3D%22ipv6%22%7D" 2>/dev/null)
	case "$q" in *'"value":['*) break ;; esac
	sleep 0.5
done
got=$(echo "$q" | python3 -c '
import json, sys
r = json.load(sys.stdin)["data"]["result"]
print(r[0]["value"][1] if r else "none")' 2>/dev/null)
check_eq "Prometheus scraped v6gate_connections_total (api, ipv6)" "$got" \
    "$(stat_get services.api.ipv6.connections)"
up=$(api "http://[::1]:9190/api/v1/query?query=up%7Bjob%3D%22v6gate%22%7D" |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["data"]["result"][0]["value"][1])' 2>/dev/null)
check_eq "and sees the target up" "$up" 1
