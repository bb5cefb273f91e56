#!/bin/bash
# "make demo": v6gate in front of an IPv4-only legacy server, reached by an
# IPv6-only client.  Builds three network namespaces, starts a real nginx
# (HTTPS for two names with a self-signed certificate, and plain HTTP) and
# the gateway with conf/demo.conf, shows curl reaching both HTTPS names
# (routed by SNI) and the HTTP site (routed by Host), then the gateway's
# status, and removes everything.
. "$(dirname "$0")/lib.sh"
TNAME=demo
CTL_SOCK=/run/v6gate-demo/v6gate.sock

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '$ %s\n' "$*"; "$@"; }

say "Network: an IPv6-only client, the gateway, an IPv4-only legacy server"
net_up
cat <<EOF
  client   2001:db8:1::2        (IPv6 only)
  gateway  [2001:db8:100::10]:443 and :80 (service address)  ->  10.1.0.1
  server   10.1.0.5, 10.1.0.6   (IPv4 only: IPv6 is disabled there)
EOF

say "Legacy server: nginx, HTTPS for www.example.org and api.example.org, HTTP"
nginx_up || exit 1
echo "  nginx answers with the backend address it was reached on and the SNI it saw"

say "Gateway: v6gated -c conf/demo.conf"
show "$V6GATED" -t -c "$srcdir/conf/demo.conf"
mkdir -p /run/v6gate-demo
gw_up "$srcdir/conf/demo.conf" || exit 1
echo "  v6gated is running (pid $GW_PID)"

say "From the IPv6-only client (its names resolve to 2001:db8:100::10)"
for name in www.example.org api.example.org; do
	echo "\$ curl -k https://$name/"
	curl6 "$name" / && ok "https://$name/ reached over IPv6" ||
	    fail "https://$name/"
done
echo "\$ curl http://www.example.org/"
http6 www.example.org / && ok "http://www.example.org/ reached over IPv6" ||
    fail "http://www.example.org/"
echo "\$ curl -k -o /dev/null https://www.example.org/files/1m   (1 MiB)"
curl6 www.example.org /files/1m -o /dev/null -w '  %{size_download} bytes in %{time_total} s\n' &&
    ok "1 MiB download" || fail "1 MiB download"

say "The legacy server's own log: every client is the gateway's IPv4 address"
sed 's/^/  /' "$NGINX_LOG"

say "What the gateway carried: v6gatectl status"
show "$V6GATECTL" -s "$CTL_SOCK" status

say "IPv6 traffic and distinct clients today: v6gatectl stats"
show "$V6GATECTL" -s "$CTL_SOCK" stats

say "Who was it? The server's last log line, traced back: v6gatectl trace"
sleep 0.5	# the audit log is written every 200 ms
read -r peer msec rest <<EOF_LINE
$(tail -1 "$NGINX_LOG")
EOF_LINE
show "$V6GATECTL" -c "$srcdir/conf/demo.conf" trace --at "$msec" --peer "$peer" &&
    ok "the server's peer $peer is traced to the IPv6 client" ||
    fail "trace $peer"

say "Cleaning up: stopping nginx and v6gated, removing the namespaces"
rm -rf /run/v6gate-demo
