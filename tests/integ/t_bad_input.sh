#!/bin/bash
# Bad input closes that one connection, with a TLS alert or an HTTP 400,
# and bumps a counter per reason; the daemon keeps serving everyone else.
. "$(dirname "$0")/lib.sh"
net_up
nginx_up
gw_conf_default "$T/gw.conf"
gw_up "$T/gw.conf" || exit 1

# send PORT PYTHON-BYTES-EXPRESSION: connect from the IPv6 client, send,
# print the first bytes of the answer as hex (or "closed") and the time.
send() {
	in_c timeout 10 python3 -c '
import socket, struct, sys, time, os
def hello(sni=b"www.example.org", sid=32, ext_extra=b"", pad=0, name_type=0):
    exts = b""
    if sni is not None:
        entry = bytes([name_type]) + struct.pack("!H", len(sni)) + sni
        lst = struct.pack("!H", len(entry)) + entry
        exts += struct.pack("!HH", 0, len(lst)) + lst
    if pad:
        exts += struct.pack("!HH", 0x15, pad) + b"\0" * pad
    exts += ext_extra
    body = b"\x03\x03" + os.urandom(32) + bytes([sid]) + b"s" * sid
    body += b"\x00\x02\x13\x01" + b"\x01\x00" + struct.pack("!H", len(exts)) + exts
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    out = b""
    while hs:
        chunk, hs = hs[:16384], hs[16384:]
        out += b"\x16\x03\x01" + struct.pack("!H", len(chunk)) + chunk
    return out
data = eval(sys.argv[2])
s = socket.create_connection(("'$GW6'", int(sys.argv[1])))
t = time.time()
try:
    s.sendall(data)
    if len(sys.argv) > 3:
        time.sleep(0.2)
        s.close()
        print("gave up")
        sys.exit(0)
    r = s.recv(64)
except OSError:
    r = b""
print(r.hex() if r else "closed", "%.1f" % (time.time() - t))
' "$@"
}

alert() {	# the TLS alert record for description $1
	printf '150301000202%02x' "$1"
}

set -- $(send 443 'b"GET / HTTP/1.1\r\nHost: www.example.org\r\n\r\n"')
check_eq "HTTP on the TLS port: decode_error alert" "$1" "$(alert 50)"
check_eq "counted as not_tls" "$(stat_get counters.tls_not_tls)" 1

set -- $(send 443 'hello(sid=33)')
check_eq "session_id of 33 bytes: decode_error alert" "$1" "$(alert 50)"
check_eq "counted as malformed" "$(stat_get counters.tls_malformed)" 1

set -- $(send 443 'hello(sni=b"www.example.org.")')
check_eq "SNI with a trailing dot: decode_error alert" "$1" "$(alert 50)"
set -- $(send 443 'hello(sni=b"192.0.2.1")')
check_eq "SNI that is an IP literal: decode_error alert" "$1" "$(alert 50)"
check_eq "both counted as bad_name" "$(stat_get counters.tls_bad_name)" 2

set -- $(send 443 'hello(pad=17000)')
check_eq "a ClientHello over 16 KiB: decode_error alert" "$1" "$(alert 50)"
check_eq "counted as too_big" "$(stat_get counters.tls_too_big)" 1

set -- $(send 443 'bytes([0x16, 3, 1, 0x42, 0x00])')
check_eq "a record longer than TLS allows: refused at once" "$1" "$(alert 50)"

set -- $(send 443 'os.urandom(4096)')
[ "$1" = "$(alert 50)" ] || [ "$1" = closed ] && ok "random bytes: closed" ||
    fail "random bytes: got $1"

set -- $(send 80 'b"GET / HTTP/1.1\r\nHost: bad host\r\n\r\n"')
check_eq "a bad Host: HTTP 400" "$(echo "$1" | cut -c1-24)" "$(printf 'HTTP/1.1 400' | od -An -tx1 | tr -d ' \n')"
check_eq "counted as bad_host" "$(stat_get counters.http_bad_host)" 1
set -- $(send 80 'b"\x16\x03\x01\x00\x10" + os.urandom(16)')
check_eq "TLS on the HTTP port: HTTP 400" "$(echo "$1" | cut -c1-24)" "$(printf 'HTTP/1.1 400' | od -An -tx1 | tr -d ' \n')"
check_eq "counted as not_http" "$(stat_get counters.http_not_http)" 1
set -- $(send 80 'b"GET / HTTP/1.1\r\n" + b"X-Long: " + b"a" * 20000 + b"\r\n\r\n"')
check_eq "a request head over 16 KiB: HTTP 400" "$(echo "$1" | cut -c1-24)" "$(printf 'HTTP/1.1 400' | od -An -tx1 | tr -d ' \n')"

# A client that gives up in the middle of its hello
send 443 'hello()[:40]' quit >/dev/null
sleep 0.2
check_eq "a client that quits mid-hello is counted" \
    "$(stat_get counters.client_closed_early)" 1

check_eq "the daemon still serves after all that" "$(curl6 www.example.org /)" \
    "backend=10.1.0.5:443 host=www.example.org sni=www.example.org"
kill -0 "$GW_PID" && ok "v6gated is alive" || fail "v6gated died"
sleep 0.5
check_eq "nothing left open" "$(stat_get connections.open)" 0
