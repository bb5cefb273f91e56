#!/bin/bash
# Half-close: a client that shuts down its write side still receives the
# rest.  The backend answers only after it has read EOF, so the answer
# arrives only if the gateway passed the client's FIN on and kept the other
# direction open.
. "$(dirname "$0")/lib.sh"
net_up
gw_conf "$T/gw.conf" <<EOF
services = (
  { name = "half"; mode = "proxy"; protocol = "http"; listen = [ "[$GW6]:80" ];
    default = true; backends = [ "10.1.0.5:7000" ]; }
);
EOF
# The backend: read to EOF, then send what it counted and 200000 bytes.
in_s python3 -c '
import socket
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind(("10.1.0.5", 7000))
l.listen(8)
while True:
    c, _ = l.accept()
    n = 0
    while True:
        b = c.recv(65536)
        if not b:
            break
        n += len(b)
    c.sendall(b"read %d bytes\n" % n + b"x" * 200000)
    c.close()
' &
wait_port "$NS_S" 10.1.0.5 7000 || exit 1
gw_up "$T/gw.conf" || exit 1

# a POST of 5000 bytes, then shutdown(SHUT_WR), then read to EOF: prints
# the request's length, the answer's first line and the answer's length
out=$(in_c timeout 10 python3 "$CLIENT_PY" get --method POST \
    --host half.example.org --body-bytes 5000 --shutdown \
    --print '{sent} {line} {received}' "$GW6" 80)
set -- $out
check_eq "the backend saw the client's EOF after every byte" "$2 $3 $4" "read $1 bytes"
want=$(( ${#2} + ${#3} + ${#4} + 3 + 200000 ))	# "read N bytes\n" + body
check_eq "the client received the whole answer after its shutdown" "$5" "$want"
check_eq "counted in" "$(stat_get services.half.ipv6.bytes_in)" "$1"
check_eq "counted out" "$(stat_get services.half.ipv6.bytes_out)" "$want"
check_eq "nothing left open" "$(stat_get connections.open)" 0
