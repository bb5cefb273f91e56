#!/bin/bash
# Near the descriptor limit, slow readers hold their splice pipes for long:
# a relay that finds no pipe must wait for one, not drop an established
# connection.  300 slow downloads with 1000 descriptors (about 320
# connections allowed); every one must complete, byte-exact.
. "$(dirname "$0")/lib.sh"
net_up
nginx_up
head -c 4194304 /dev/urandom >"$T/www/4m"
gw_conf_default "$T/gw.conf"
V6G_WRAPPER="prlimit --nofile=1000:1000" gw_up "$T/gw.conf" || exit 1

out=$(in_c python3 -c '
import hashlib, select, socket, time
want = hashlib.sha256(open("'$T'/www/4m", "rb").read()).hexdigest()
socks = {}
for i in range(300):
    s = socket.socket(socket.AF_INET6)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("'$GW6'", 80))
    s.sendall(b"GET /files/4m HTTP/1.0\r\nHost: www.example.org\r\n\r\n")
    socks[s] = [b"", hashlib.sha256(), 0]
time.sleep(2)			# let every pipe fill up
deadline = time.time() + 90
done = ok = 0
while socks and time.time() < deadline:
    r, _, _ = select.select(list(socks), [], [], 1)
    for s in r:
        st = socks[s]
        d = s.recv(262144)
        if d:
            if st[2] == 0:
                st[0] += d
                if b"\r\n\r\n" in st[0]:
                    body = st[0].split(b"\r\n\r\n", 1)[1]
                    st[1].update(body)
                    st[2] = len(body)
                continue
            st[1].update(d)
            st[2] += len(d)
            continue
        done += 1
        if st[2] == 4194304 and st[1].hexdigest() == want:
            ok += 1
        del socks[s]
        s.close()
print(done, ok)')
set -- $out
check_eq "300 slow downloads ended" "${1:-}" 300
check_eq "all 300 complete and intact" "${2:-}" 300
# the test is only worth something if it ran out of pipes
[ "$(stat_get counters.pipe_waits)" -gt 0 ] &&
    ok "relays waited for pipes ($(stat_get counters.pipe_waits) times) instead of dropping" ||
    fail "no relay ran out of pipes: the test did not reach the limit"
check_eq "nothing left open" "$(stat_get connections.open)" 0
check_eq "no pipe held" "$(stat_get connections.pipes)" 0
