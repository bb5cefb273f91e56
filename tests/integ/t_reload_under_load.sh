#!/bin/bash
# Reloads under load.  (1) A client accepted under a configuration with 12
# services, routed after a reload down to 1, is served by the configuration
# it was accepted under (its round-robin state lived in the new one: a heap
# overwrite).  (2) Reloads that swap listeners while clients hammer them:
# an event for a listener in the batch that carried the reload must not
# reach freed memory.  Run against the ASan build by "make check-all".
. "$(dirname "$0")/lib.sh"
net_up
nginx_up
svcs() {
	local i
	echo "services = ("
	for i in $(seq 0 $(($1 - 1))); do
		printf '  { name = "s%d"; mode = "proxy"; listen = [ "[%s]:443" ];\n' "$i" "$GW6"
		printf '    hosts = [ "s%d.example.org" ]; backends = [ "10.1.0.%d:443" ]; }%s\n' \
		    "$i" $((5 + i % 2)) "$([ "$i" -lt $(($1 - 1)) ] && echo ,)"
	done
	echo ");"
}
svcs 12 | gw_conf "$T/gw.conf"
gw_up "$T/gw.conf" || exit 1

# (1) connect, send the first byte of a hello (so the connection is
# accepted), let the reload happen, then finish the hello for s11.
in_c python3 -c '
import socket, ssl, time
s = socket.create_connection(("'$GW6'", 443))
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
inb, outb = ssl.MemoryBIO(), ssl.MemoryBIO()
t = ctx.wrap_bio(inb, outb, server_hostname="s11.example.org")
try:
    t.do_handshake()
except ssl.SSLWantReadError:
    pass
hello = outb.read()
s.sendall(hello[:1])
open("'$T'/connected", "w").close()
time.sleep(2)
s.sendall(hello[1:])
while True:
    try:
        t.do_handshake()
        break
    except ssl.SSLWantReadError:
        if outb.pending:
            s.sendall(outb.read())
        d = s.recv(65536)
        if not d:
            raise SystemExit("closed")
        inb.write(d)
if outb.pending:
    s.sendall(outb.read())
t.write(b"GET / HTTP/1.0\r\nHost: s11.example.org\r\n\r\n")
s.sendall(outb.read())
resp = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    inb.write(d)
    try:
        resp += t.read(65536)
    except (ssl.SSLWantReadError, ssl.SSLZeroReturnError, ssl.SSLEOFError):
        pass
print(resp.split(b"\r\n\r\n", 1)[-1].decode().strip())' >"$T/late.out" 2>&1 &
late=$!
for i in $(seq 50); do [ -e "$T/connected" ] && break; sleep 0.1; done
sleep 0.3
svcs 1 | gw_conf "$T/gw.conf"
check_cmd "reload from 12 services to 1" ctl reload
wait "$late"
check_eq "a client accepted before the reload is served by its configuration" \
    "$(cat "$T/late.out")" "backend=10.1.0.6:443 host=s11.example.org sni=s11.example.org"

# (2) swap listeners 30 times while 3 clients connect to all of them
conf_a() {
	gw_conf "$T/gw.conf" <<-EOF
		services = ( { name = "a"; mode = "proxy"; listen = [ "[$GW6]:443" ];
		  default = true; backends = [ "10.1.0.5:443" ]; } );
	EOF
}
conf_b() {
	gw_conf "$T/gw.conf" <<-EOF
		services = (
		  { name = "b"; mode = "proxy"; listen = [ "[$GW6]:8443" ];
		    default = true; backends = [ "10.1.0.5:443" ]; },
		  { name = "c"; mode = "proxy"; listen = [ "[$GW6]:9443" ];
		    default = true; backends = [ "10.1.0.6:443" ]; } );
	EOF
}
hammer=
for k in 1 2 3; do
	in_c python3 -c '
import socket, time
end = time.time() + 8
while time.time() < end:
    for port in (443, 8443, 9443):
        s = socket.socket(socket.AF_INET6)
        s.settimeout(0.5)
        try:
            s.connect(("'$GW6'", port))
            s.sendall(b"\x16")
        except OSError:
            pass
        s.close()' &
	hammer="$hammer $!"
done
sleep 0.5
bad=0
for i in $(seq 30); do
	if [ $((i % 2)) = 1 ]; then conf_b; else conf_a; fi
	ctl reload >/dev/null 2>&1 || bad=$((bad + 1))
	kill -0 "$GW_PID" 2>/dev/null || { fail "v6gated died at reload $i"; break; }
	sleep 0.15
done
wait $hammer
check_eq "30 reloads swapping listeners under load all succeeded" "$bad" 0
kill -0 "$GW_PID" 2>/dev/null && ok "v6gated survived them" || fail "v6gated died"
sleep 1.5
check_eq "nothing left open" "$(stat_get connections.open)" 0
