#!/bin/bash
# t_privsep: v6gated split by privilege (v6gated(8), PROCESSES).  While
# connections are open, every process that holds one runs as gateway.user
# with no capability, no_new_privs and seccomp mode 2; the parent keeps
# only CAP_NET_ADMIN and CAP_NET_BIND_SERVICE (and, permitted, CAP_SETUID
# and CAP_SETGID) and holds no connection.  A system call the filter
# forbids kills only the child, which the parent starts again and logs;
# so does a kill -9 of the child; a killed parent takes its child with
# it.  The control socket and the state directory are closed to another
# local user.
. "$(dirname "$0")/lib.sh"
net_up
nginx_up
gw_conf_default "$T/gw.conf"
gw_up "$T/gw.conf" || exit 1
id v6gate >/dev/null 2>&1 || { fail "no user v6gate"; exit 1; }

# four keep-alive connections held open through the proxy, on both
# protocols
in_c python3 -c '
import socket, ssl, time
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ss = []
for i in range(4):
    s = socket.create_connection(("'$GW6'", 443 if i % 2 else 80), 10)
    if i % 2:
        s = ctx.wrap_socket(s, server_hostname="www.example.org")
    s.sendall(b"GET / HTTP/1.1\r\nHost: www.example.org\r\n\r\n")
    s.recv(4096)
    ss.append(s)
open("'$T'/held", "w").close()
time.sleep(8)' &
holder=$!
for _ in $(seq 100); do [ -e "$T/held" ] && break; sleep 0.1; done
sleep 0.3

# who holds the gateway's established connections (client and backend
# sides both)
in_g ss -tnpH state established >"$T/ss.txt"
pids=$(grep -o 'pid=[0-9]*' "$T/ss.txt" | cut -d= -f2 | sort -u)
check_eq "the connections are held by one process" "$(echo "$pids" | wc -w)" 1
[ "$(grep -c . "$T/ss.txt")" -ge 8 ] && ok "8 sockets open (4 client, 4 backend)" ||
    fail "established sockets: $(cat "$T/ss.txt")"
for p in $pids; do
	st=/proc/$p/status
	check_eq "pid $p holding connections runs as v6gate" \
	    "$(awk '/^Uid:/ { print $2, $3, $4, $5 }' "$st")" \
	    "$(id -u v6gate) $(id -u v6gate) $(id -u v6gate) $(id -u v6gate)"
	check_eq "pid $p: no capability (CapEff, CapPrm, CapInh, CapAmb)" \
	    "$(awk '/^Cap(Eff|Prm|Inh|Amb):/ { printf "%s ", $2 }' "$st")" \
	    "0000000000000000 0000000000000000 0000000000000000 0000000000000000 "
	check_eq "pid $p: no_new_privs and seccomp filter mode 2" \
	    "$(awk '/^(NoNewPrivs|Seccomp):/ { printf "%s ", $2 }' "$st")" "1 2 "
	check_eq "pid $p is the parent's child" "$(awk '/^PPid:/ { print $2 }' "$st")" "$GW_PID"
done
st=/proc/$GW_PID/status
check_eq "the parent keeps CAP_NET_ADMIN and CAP_NET_BIND_SERVICE (effective)" \
    "$(awk '/^CapEff:/ { print $2 }' "$st")" 0000000000001400
check_eq "and permitted, CAP_SETUID and CAP_SETGID to start its child" \
    "$(awk '/^CapPrm:/ { print $2 }' "$st")" 00000000000014c0
grep -q "pid=$GW_PID," "$T/ss.txt" && fail "the parent holds a connection" ||
    ok "the parent holds no connection"
wait "$holder"

# a forbidden system call (fork) in the child: it alone dies, and comes back
old=$(gw_serve)
(ulimit -c 0; gdb -q -batch -p "$old" -ex 'call (int)fork()' \
    >"$T/gdb.out" 2>&1) 2>/dev/null
for _ in $(seq 50); do
	new=$(gw_serve)
	[ -n "$new" ] && [ "$new" != "$old" ] && ctl status >/dev/null 2>&1 && break
	sleep 0.1
done
grep -q "the unprivileged process was killed by SIGSYS: it made a system call its seccomp filter forbids; starting it again" "$GW_LOG" &&
    ok "a forbidden system call kills the child, and the parent says so" ||
    fail "no log line for the child's SIGSYS (gdb: $(tail -2 "$T/gdb.out"))"
[ -n "$new" ] && [ "$new" != "$old" ] && kill -0 "$GW_PID" &&
    ok "the parent (pid $GW_PID) started a new child ($old -> $new)" ||
    fail "no new child: old $old, now '$new'"
check_eq "and it serves" "$(http6 www.example.org /)" \
    "backend=10.1.0.5:80 host=www.example.org sni="
check_eq "the new child is confined too" \
    "$(awk '/^(NoNewPrivs|Seccomp|CapEff):/ { printf "%s ", $2 }' /proc/$new/status)" \
    "0000000000000000 1 2 "

# kill -9 of the child: the same
old=$new
kill -9 "$old"
for _ in $(seq 50); do
	new=$(gw_serve)
	[ -n "$new" ] && [ "$new" != "$old" ] && ctl status >/dev/null 2>&1 && break
	sleep 0.1
done
grep -q "the unprivileged process was killed by signal 9 (Killed); starting it again" "$GW_LOG" &&
    ok "a kill -9 of the child: logged, started again" || fail "no log line for the kill -9"
check_eq "and it serves" "$(http6 www.example.org /)" \
    "backend=10.1.0.5:80 host=www.example.org sni="

# another local user: neither the control socket nor the state directory
check_eq "the control socket is root's, mode 0600" "$(stat -c '%U %a' "$CTL_SOCK")" "root 600"
out=$(setpriv --reuid nobody --regid nogroup --clear-groups "$V6GATECTL" -s "$CTL_SOCK" status 2>&1)
rc=$?
[ $rc -ne 0 ] && case "$out" in *"ermission denied"*) true ;; *) false ;; esac &&
    ok "user nobody cannot connect to it ($out)" || fail "nobody and the control socket: rc $rc, $out"
check_eq "the state directory is v6gate's, mode 0750" "$(stat -c '%U %a' "$T/state")" "v6gate 750"
setpriv --reuid nobody --regid nogroup --clear-groups ls "$T/state" >/dev/null 2>&1 &&
    fail "user nobody can list the state directory" || ok "user nobody cannot list the state directory"
setpriv --reuid nobody --regid nogroup --clear-groups cat "$T/state/v6gate.db" >/dev/null 2>&1 &&
    fail "user nobody can read the history" || ok "user nobody cannot read the history"

# kill -9 of the parent: the child goes with it, cleanly
serve=$(gw_serve)
kill -9 "$GW_PID"
wait "$GW_PID" 2>/dev/null
for _ in $(seq 50); do kill -0 "$serve" 2>/dev/null || break; sleep 0.1; done
kill -0 "$serve" 2>/dev/null && fail "the child outlived its parent" ||
    ok "a kill -9 of the parent takes the child with it"
grep -q "stopping" "$GW_LOG" && ok "(the child stopped cleanly: its last checkpoint is in)" ||
    fail "the child did not stop cleanly"
GW_PID=

# systemd's protocol: READY=1 names the parent as MAINPID, and the child
# says WATCHDOG=1 while its workers' loops turn
python3 -c '
import os, socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
os.chmod(sys.argv[1], 0o777)
s.settimeout(0.5)
end = time.time() + 20
with open(sys.argv[2], "w") as out:
    while time.time() < end and not os.path.exists(sys.argv[3]):
        try:
            out.write(s.recv(4096).decode() + "\n---\n")
            out.flush()
        except socket.timeout:
            pass' "$T/notify.sock" "$T/notify.txt" "$T/notify.stop" &
nl=$!
for _ in $(seq 50); do [ -S "$T/notify.sock" ] && break; sleep 0.1; done
NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=2000000 gw_up "$T/gw.conf" || exit 1
sleep 3
touch "$T/notify.stop"
wait $nl
grep -q "^READY=1" "$T/notify.txt" && grep -q "^MAINPID=$GW_PID$" "$T/notify.txt" &&
    ok "READY=1, MAINPID the parent's ($GW_PID)" ||
    fail "notify: $(tr '\n' ' ' <"$T/notify.txt" | head -c 300)"
n=$(grep -c '^WATCHDOG=1$' "$T/notify.txt")
[ "$n" -ge 2 ] && ok "WATCHDOG=1 every half interval ($n in about 3 s)" ||
    fail "WATCHDOG=1 said $n times in about 3 s"
