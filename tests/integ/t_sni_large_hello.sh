#!/bin/bash
# ClientHellos larger than 4 KiB (post-quantum key shares, tickets, padding
# make > 1 MTU normal; sniproxy's whole buffer is 4 KiB): routed by SNI,
# whole, in one record or in many, and handshakes complete.
. "$(dirname "$0")/lib.sh"
net_up
nginx_up
gw_conf_default "$T/gw.conf"
gw_up "$T/gw.conf" || exit 1

hello() { in_c "$TOOL_HELLO" "$@" "$GW6" 443; }

out=$(hello -v -n api.example.org -p 5000 2>"$T/err")
check_eq "a 5 KiB hello in one record" "$out" \
    "backend=10.1.0.6:443 host=api.example.org sni=api.example.org"
size=$(sed -n 's/^hello: \([0-9]*\) bytes.*/\1/p' "$T/err" | head -1)
[ -n "$size" ] && [ "$size" -gt 4096 ] && ok "the hello really was $size bytes" ||
    fail "hello size unknown: $(cat "$T/err")"
check_eq "a 12 KiB hello in 1000-byte records" \
    "$(hello -n www.example.org -p 12000 -r 1000)" \
    "backend=10.1.0.5:443 host=www.example.org sni=www.example.org"
check_eq "a 5 KiB hello in 100-byte records, one byte per segment" \
    "$(hello -n api.example.org -p 5000 -r 100 -b -t 30)" \
    "backend=10.1.0.6:443 host=api.example.org sni=api.example.org"
check_eq "nothing refused as too big" "$(stat_get counters.tls_too_big)" 0
check_eq "nothing left open" "$(stat_get connections.open)" 0
