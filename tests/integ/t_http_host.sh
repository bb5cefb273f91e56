#!/bin/bash
# Plain HTTP routed by Host: names, a Host with a port, an IPv6 literal, an
# unknown Host (421 where there is no default), a bad request (400), and a
# download counted to the byte.
. "$(dirname "$0")/lib.sh"
net_up
nginx_up
gw_conf "$T/gw.conf" <<EOF
services = (
  { name = "www"; mode = "proxy"; protocol = "http"; listen = [ "[$GW6]:80" ];
    hosts = [ "www.example.org" ]; backends = [ "10.1.0.5:80" ]; },
  { name = "api"; mode = "proxy"; protocol = "http"; listen = [ "[$GW6]:80" ];
    hosts = [ "*.api.example.org", "$GW6" ]; backends = [ "10.1.0.6:80" ]; }
);
EOF
gw_up "$T/gw.conf" || exit 1

check_eq "Host www.example.org goes to 10.1.0.5" "$(http6 www.example.org /)" \
    "backend=10.1.0.5:80 host=www.example.org sni="
check_eq "a wildcard Host goes to 10.1.0.6" "$(http6 x.api.example.org /)" \
    "backend=10.1.0.6:80 host=x.api.example.org sni="
out=$(in_c curl -sS --max-time 10 -H "Host: WWW.Example.Org:80" "http://[$GW6]/")
check_eq "a Host with a port, mixed case" "$out" \
    "backend=10.1.0.5:80 host=www.example.org sni="
out=$(in_c curl -sS --max-time 10 "http://[$GW6]/")
check_eq "an IPv6 literal Host" "$out" "backend=10.1.0.6:80 host=[2001:db8:100::10] sni="

code=$(in_c curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
    -H "Host: unknown.example.net" "http://[$GW6]/")
check_eq "an unknown Host gets 421" "$code" 421
check_eq "counted as no_route" "$(stat_get counters.no_route)" 1

out=$(in_c timeout 5 python3 -c '
import socket
s = socket.create_connection(("'$GW6'", 80))
s.sendall(b"GET / HTTP/1.1\r\nHost: a.api.example.org\r\nHost: b\r\n\r\n")
print(s.recv(100).split(b"\r\n")[0].decode())')
check_eq "two Host headers get 400" "$out" "HTTP/1.1 400 Bad Request"
check_eq "counted as dup_host" "$(stat_get counters.http_dup_host)" 1

# A 1 MiB download, byte-exact, counted to the byte (payload bytes)
in_c curl -sS --max-time 20 --resolve "www.example.org:80:[$GW6]" \
    -o "$T/got" http://www.example.org/files/1m
check_eq "1 MiB download intact" "$(sha256sum <"$T/got")" "$(sha256sum <"$T/www/1m")"
total=$(awk '/host=www.example.org/ {s += $NF} END {print s}' "$NGINX_LOG")
check_eq "bytes out equal what the backend sent (nginx \$bytes_sent)" \
    "$(stat_get services.www.ipv6.bytes_out)" "$total"
check_eq "nothing left open" "$(stat_get connections.open)" 0
