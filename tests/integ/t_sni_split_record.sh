#!/bin/bash
# "ClientHello split across TLS records": a hello re-framed into many TLS
# records (RFC 8446 §5.1 allows it) and sent one byte per TCP segment is
# routed by its SNI, and the TLS handshake with the backend completes over
# the untouched bytes.
. "$(dirname "$0")/lib.sh"
net_up
nginx_up
gw_conf_default "$T/gw.conf"
gw_up "$T/gw.conf" || exit 1

hello() { in_c "$TOOL_HELLO" "$@" "$GW6" 443; }

check_eq "an ordinary hello (reference)" "$(hello -n api.example.org)" \
    "backend=10.1.0.6:443 host=api.example.org sni=api.example.org"
check_eq "one handshake byte per TLS record" \
    "$(hello -n api.example.org -r 1)" \
    "backend=10.1.0.6:443 host=api.example.org sni=api.example.org"
check_eq "7-byte records" "$(hello -n api.example.org -r 7)" \
    "backend=10.1.0.6:443 host=api.example.org sni=api.example.org"

# 40-byte records, one byte per TCP segment: count the segments that
# reached the gateway's namespace.
in_g nstat -n >/dev/null
out=$(hello -v -n api.example.org -r 40 -b -t 20 2>"$T/hello.err")
check_eq "40-byte records sent one byte per segment" "$out" \
    "backend=10.1.0.6:443 host=api.example.org sni=api.example.org"
sent=$(sed -n 's/.* \([0-9]*\) send.*/\1/p' "$T/hello.err" | head -1)
segs=$(in_g nstat -z TcpInSegs | awk '/TcpInSegs/ {print $2}')
[ -n "$sent" ] && [ "$sent" -gt 200 ] && [ "$segs" -ge "$sent" ] &&
    ok "the gateway received at least $sent segments ($segs) for the hello" ||
    fail "sent '$sent' bytes one by one but the gateway counted '$segs' segments: $(cat "$T/hello.err")"

check_eq "a hello without SNI split into records goes to the default" \
    "$(hello -r 3)" "backend=10.1.0.5:443 host=[2001:db8:100::10] sni="
check_eq "the records counted as no SNI" "$(stat_get counters.tls_no_sni)" 1
check_eq "nothing refused" "$(stat_get counters.tls_malformed)" 0
check_eq "nothing left open" "$(stat_get connections.open)" 0
