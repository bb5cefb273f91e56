#!/bin/bash
# SPDX-License-Identifier: ISC
#
# The readiness check against a 500-page site (issue 14): pages checked a
# second, and what a check costs the traffic.  The site is one homepage,
# 19 level-2 pages on hosts p01..p19 of the same registrable domain, and
# 480 level-3 pages under them (25 or 26 each), all plain HTTP on an
# IPv4-only nginx behind the gateway; dnsmasq answers A (the legacy
# server) and AAAA (the gateway) for every name.  The check runs as the
# daemon's own does, from the gateway's namespace, with the default
# concurrency (4) and the contract's pace (10 requests a second per host).
#
# Each of three rounds: a 10 s download through the gateway alone, and
# the same download while checks run back to back (in turn first).  Printed: pages a
# second, the check's wall and CPU time, and the download's throughput
# beside the one without a check.  Figures, not pass/fail.
#
#   sudo tests/bench/readiness.sh       (from the top of a built tree)
#   BENCH_ROUNDS=3     rounds; KEEP=1 keeps the directory (the results)
. "$(dirname "$0")/../integ/lib.sh"
net_up
nginx_up
truncate -s 64G "$T/www/big"
in_s ip addr add 10.1.0.7/24 dev s0
in_s ip addr add 10.1.0.53/24 dev s0

# the site: who links to whom is all the bench needs to know
python3 - "$T/site" <<'EOF'
import os, sys
root = sys.argv[1]
def page(path, title, links):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write("<!DOCTYPE html><html><head><title>%s</title></head><body>"
                "<p>The county portal: notices, forms and the budget.</p>"
                "%s</body></html>\n" % (title, "".join(
                    '<a href="%s">%s</a>\n' % (u, u) for u in links)))
hosts = ["p%02d" % i for i in range(1, 20)]
page(root + "/www/index.html", "Bench portal",
     ["http://%s.bench.example.org/" % h for h in hosts])
n = 0
for i, h in enumerate(hosts):
    k = 26 if i < 5 else 25
    page(root + "/" + h + "/index.html", "Section " + h,
         ["/d%02d.html" % j for j in range(k)])
    for j in range(k):
        page(root + "/%s/d%02d.html" % (h, j), "%s page %d" % (h, j), [])
        n += 1
assert n == 480, n
EOF
cat >"$T/nginx-site.conf" <<EOF
user root;
worker_processes 1;
pid $T/nginx-site.pid;
error_log $T/nginx-site.err;
events { worker_connections 1024; }
http {
    access_log off;
    default_type text/html;
    client_body_temp_path $T/nginx/body2;
    proxy_temp_path $T/nginx/proxy2;
    fastcgi_temp_path $T/nginx/fastcgi2;
    uwsgi_temp_path $T/nginx/uwsgi2;
    scgi_temp_path $T/nginx/scgi2;
    server {
        listen 10.1.0.7:80 default_server;
        server_name ~^(?<h>[a-z0-9]+)\.bench\.example\.org\$;
        root $T/site/\$h;
    }
}
EOF
in_s nginx -c "$T/nginx-site.conf" || { fail "nginx (the site)"; exit 1; }
in_s /usr/sbin/dnsmasq --no-resolv --no-hosts --keep-in-foreground \
    --listen-address=10.1.0.53 --bind-interfaces --port=53 \
    --pid-file="$T/dnsmasq.pid" --log-facility="$T/dnsmasq.log" \
    --address=/bench.example.org/10.1.0.7 \
    --address=/bench.example.org/$GW6 &
wait_port "$NS_S" 10.1.0.7 80 || exit 1
wait_port "$NS_S" 10.1.0.53 53 || exit 1

gw_conf "$T/gw.conf" <<EOF
services = (
  { name = "web"; mode = "proxy"; protocol = "http";
    listen = [ "[$GW6]:80" ];
    hosts = [ "www.example.org" ];
    backends = [ "10.1.0.5:80" ]; },
  { name = "portal"; mode = "proxy"; protocol = "http";
    listen = [ "[$GW6]:80" ];
    hosts = [ "*.bench.example.org" ];
    backends = [ "10.1.0.7:80" ];
    site = "http://www.bench.example.org/"; }
);
readiness: { resolver = "10.1.0.53"; max_pages = 600; timeout = 5; interval = 0; };
EOF
gw_up "$T/gw.conf" || exit 1

# check OUT: one check from the gateway's namespace; "wall cpu fetches"
check() {
	local t0 t1 cpu
	t0=$(date +%s%N)
	in_g /usr/bin/time -o "$T/time" -f '%U %S' "$V6GATECTL" \
	    -c "$T/gw.conf" readiness --service portal --json >"$1" 2>/dev/null
	cpu=$(tail -1 "$T/time")
	t1=$(date +%s%N)
	echo "$(( (t1 - t0) / 1000000 )) $(echo "$cpu" | awk '{ print $1 + $2 }')" \
	    "$(python3 -c 'import json, sys
print(sum(s["fetches"] for s in json.load(open(sys.argv[1]))["sites"]))' "$1")"
}

# download: 10 s through the gateway, MB/s
download() {
	http6 www.example.org /files/big -o /dev/null --max-time 10 \
	    -w '%{speed_download}' 2>/dev/null |
	    awk '{ printf "%.0f", $1 / 1000000 }'
}

# a first check: the site is what the bench says it is
set -- $(check "$T/first.json")
pages=$(python3 -c 'import json, sys
s = json.load(open(sys.argv[1]))["sites"][0]
l = {x["level"]: x for x in s["levels"]}
print(s["pages"], l[2]["links"], l[2]["ipv6"], l[3]["links"], l[3]["ipv6"],
      len(s["skipped"]))' "$T/first.json" 2>&1)
log "first check: ${1} ms, ${3} fetches; pages, level 2 links/ok, level 3 links/ok, skipped: $pages"
case "$pages" in "500 19 19 480 480 0") ok "the check sees the 500-page site" ;;
*) fail "the check saw: $pages" ;; esac

# a first download, not counted: the first ones through a fresh path are
# slower for reasons that are not the check's
download >/dev/null
printf '%-8s %10s %9s %9s %9s %14s %14s\n' round "check ms" "cpu s" fetches \
    "pages/s" "alone MB/s" "+check MB/s"
# beside: the download with checks back to back until it ends
beside() {
	: >"$T/checks"
	download >"$T/with" &
	local dl=$!
	while kill -0 "$dl" 2>/dev/null; do
		check "$T/r.json" >>"$T/checks"
	done
	wait "$dl"
}
for r in $(seq "${BENCH_ROUNDS:-3}"); do
	# which goes first alternates: a drift of the machine hits both
	if [ $((r % 2)) = 1 ]; then
		alone=$(download)
		beside
	else
		beside
		alone=$(download)
	fi
	# the figures of the checks that ran beside the download
	awk -v r="$r" -v a="$alone" -v w="$(cat "$T/with")" '
	    { ms += $1; cpu += $2; f += $3; n++ }
	    END { printf "%-8s %10.0f %9.2f %9.0f %9.1f %14s %14s\n", r, ms / n,
	        cpu / n, f / n, f / (ms / 1000), a, w }' "$T/checks"
done
ok "done"
