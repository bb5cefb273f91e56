#!/bin/bash
# SNI routing through the gateway: two names to two IPv4 backends, a
# wildcard, no SNI to the listener's default, an unknown name refused with
# unrecognized_name, and IPv4 clients on the IPv4 listener; the status
# counts it all per service and family.
. "$(dirname "$0")/lib.sh"
net_up
nginx_up
gw_conf "$T/gw.conf" <<EOF
services = (
  { name = "www"; mode = "proxy"; listen = [ "[$GW6]:443", "$GW4:443" ];
    hosts = [ "www.example.org" ]; default = true; backends = [ "10.1.0.5:443" ]; },
  { name = "api"; mode = "proxy"; listen = [ "[$GW6]:443", "$GW4:443" ];
    hosts = [ "api.example.org", "*.api.example.org" ]; backends = [ "10.1.0.6:443" ]; },
  { name = "strict"; mode = "proxy"; listen = [ "[$GW6]:8443" ];
    hosts = [ "www.example.org" ]; backends = [ "10.1.0.5:443" ]; }
);
EOF
gw_up "$T/gw.conf" || exit 1

check_eq "www.example.org goes to backend 10.1.0.5 with its SNI intact" \
    "$(curl6 www.example.org /)" \
    "backend=10.1.0.5:443 host=www.example.org sni=www.example.org"
check_eq "api.example.org goes to backend 10.1.0.6" \
    "$(curl6 api.example.org /)" \
    "backend=10.1.0.6:443 host=api.example.org sni=api.example.org"
check_eq "a name under *.api.example.org goes to api" \
    "$(curl6 v2.eu.api.example.org /)" \
    "backend=10.1.0.6:443 host=v2.eu.api.example.org sni=v2.eu.api.example.org"
check_eq "SNI is matched case-insensitively" \
    "$(in_c openssl s_client -connect "[$GW6]:443" -servername API.Example.ORG \
        -quiet -ign_eof 2>/dev/null <<<$'GET / HTTP/1.0\r\nHost: api.example.org\r\n\r\n' |
        tail -1)" \
    "backend=10.1.0.6:443 host=api.example.org sni=API.Example.ORG"
check_eq "an unknown name goes to the default service" \
    "$(curl6 other.example.net /)" \
    "backend=10.1.0.5:443 host=other.example.net sni=other.example.net"

# No SNI at all (an IP-literal URL: curl sends no server_name for it)
out=$(in_c curl -sS -k --max-time 10 "https://[$GW6]/")
check_eq "a hello without SNI goes to the default service" "$out" \
    "backend=10.1.0.5:443 host=[2001:db8:100::10] sni="
check_eq "hellos without SNI are counted" "$(stat_get counters.tls_no_sni)" 1

# A listener without default refuses unknown names: unrecognized_name alert
out=$(in_c openssl s_client -connect "[$GW6]:8443" -servername nope.example.org \
    </dev/null 2>&1)
case "$out" in
*"unrecognized name"*) ok "unknown name on a listener without default: unrecognized_name alert" ;;
*) fail "expected an unrecognized_name alert, got: $(echo "$out" | grep -i alert | head -2)" ;;
esac
check_eq "the refusal is counted as no_route" "$(stat_get counters.no_route)" 1
check_eq "the strict listener still serves its name" \
    "$(in_c curl -sS -k --max-time 10 --resolve "www.example.org:8443:[$GW6]" https://www.example.org:8443/)" \
    "backend=10.1.0.5:443 host=www.example.org sni=www.example.org"

# IPv4 clients on the IPv4 listener (from the gateway namespace itself)
out=$(in_g curl -sS -k --max-time 10 --resolve "api.example.org:443:$GW4" https://api.example.org/)
check_eq "an IPv4 client is routed the same way" "$out" \
    "backend=10.1.0.6:443 host=api.example.org sni=api.example.org"

# Counters per service and family
check_eq "www: IPv6 connections" "$(stat_get services.www.ipv6.connections)" 3
check_eq "api: IPv6 connections" "$(stat_get services.api.ipv6.connections)" 3
check_eq "api: IPv4 connections" "$(stat_get services.api.ipv4.connections)" 1
check_eq "www: no IPv4 connection" "$(stat_get services.www.ipv4.connections)" 0
check_eq "strict: one IPv6 connection" "$(stat_get services.strict.ipv6.connections)" 1
check_eq "nothing left open" "$(stat_get connections.open)" 0
[ "$(stat_get services.api.ipv6.bytes_out)" -gt 1000 ] &&
    ok "bytes out are counted" || fail "api ipv6 bytes_out not counted"

# The backend saw the gateway's address, as a legacy server would
grep -q '^10.1.0.1:' "$NGINX_LOG" && ok "backends see the gateway's IPv4 address" ||
    fail "backend log lacks 10.1.0.1: $(head -2 "$NGINX_LOG")"
