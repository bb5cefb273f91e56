#!/bin/bash
# Every request of a keep-alive HTTP connection is routed, not only the
# first (issue 18): two services on one listener share a backend; "api"
# denies the client.  A later request for api gets 403, one for another
# service 421, each after the answers to the requests before it; requests
# for the connection's own service go on, with bodies by Content-Length or
# chunked, one after the other or pipelined.
. "$(dirname "$0")/lib.sh"
net_up
nginx_up
gw_conf_keepalive "$T/gw.conf"
gw_up "$T/gw.conf" || exit 1

# conv PIECE...: one connection; each piece (Python bytes syntax) is sent
# once the answers to the one before are in; prints the status codes of
# all the answers, then "closed" if the gateway closed the connection.
conv() {
	in_c timeout 20 python3 - "$GW6" "$@" <<'PY'
import re, socket, sys
s = socket.create_connection((sys.argv[1], 80))
s.settimeout(3)
got, want, closed = b"", 0, False
def answers(b):
    return len(re.findall(rb"HTTP/1\.[01] \d{3}", b))
for piece in sys.argv[2:]:
    data = eval("b'" + piece + "'")
    want += len(re.findall(rb"(?:GET|POST) /", data))
    s.sendall(data)
    try:
        while answers(got) < want or not got.endswith(b"\n"):
            b = s.recv(65536)
            if not b:
                closed = True
                break
            got += b
    except socket.timeout:
        pass
    if closed:
        break
try:
    while not closed:
        b = s.recv(65536)
        closed = b == b""
        got += b
except (socket.timeout, ConnectionResetError):
    pass
codes = re.findall(rb"HTTP/1\.[01] (\d{3})", got)
print(" ".join(c.decode() for c in codes) + (" closed" if closed else ""))
PY
}

G() { printf 'GET / HTTP/1.1\\r\\nHost: %s\\r\\n%s\\r\\n' "$1" "${2:-}"; }
CLOSE='Connection: close\r\n'

check_eq "api alone: 403" "$(conv "$(G api.example.org)")" "403 closed"
check_eq "www then api on one connection: the deny holds (403)" \
    "$(conv "$(G www.example.org)" "$(G api.example.org)")" "200 403 closed"
check_eq "www then other: 421, the connection closed" \
    "$(conv "$(G www.example.org)" "$(G other.example.org)")" \
    "200 421 closed"
check_eq "www then www: keep-alive goes on" \
    "$(conv "$(G www.example.org)" "$(G www.example.org "$CLOSE")")" \
    "200 200 closed"
check_eq "a body by Content-Length, then www" \
    "$(conv 'POST / HTTP/1.1\r\nHost: www.example.org\r\nContent-Length: 31\r\n\r\ngEt / HTTP/1.1\r\nHost: api.x\r\n\r\n' \
    "$(G www.example.org "$CLOSE")")" "200 200 closed"
check_eq "a chunked body with an extension and a trailer, then www" \
    "$(conv 'POST / HTTP/1.1\r\nHost: www.example.org\r\nTransfer-Encoding: chunked\r\n\r\n5;x=1\r\nhello\r\n0\r\nX-T: 1\r\n\r\n' \
    "$(G www.example.org "$CLOSE")")" "200 200 closed"
check_eq "two www pipelined in one write" \
    "$(conv "$(G www.example.org)$(G www.example.org "$CLOSE")")" \
    "200 200 closed"
check_eq "www and other pipelined: www answered, then 421" \
    "$(conv "$(G www.example.org)$(G other.example.org)")" "200 421 closed"
check_eq "a later request with both TE and CL: 400" \
    "$(conv "$(G www.example.org)" 'POST / HTTP/1.1\r\nHost: www.example.org\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n')" \
    "200 400 closed"
check_eq "a bad chunk size: 400 (after the answer to its head)" \
    "$(conv 'POST / HTTP/1.1\r\nHost: www.example.org\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')" \
    "200 400 closed"
check_eq "counted: http_misdirected" "$(stat_get counters.http_misdirected)" 2
check_eq "counted: refused_acl" "$(stat_get counters.refused_acl)" 2
check_eq "counted: http_bad_request" "$(stat_get counters.http_bad_request)" 2
# the backend saw no request for api, nor for other
check_eq "no api or other request reached the backend" \
    "$(grep -c 'host=api.example.org\|host=other.example.org' "$NGINX_LOG")" 0
check_eq "nothing left open" "$(stat_get connections.open)" 0
