# SPDX-License-Identifier: ISC
# Shared by the Jool guest suites, on the guest side (sourced by run.sh
# from /job): the checks, the end of a run (the guest kernel's log must
# show no Oops, BUG or soft lockup; the sanitizers nothing in the
# daemon's logs), and the namespaces' shorthands.  Set TNAME first.

G=/job
V6GATED=$G/v6gated
V6GATECTL=$G/v6gatectl
export LSAN_OPTIONS=suppressions=$G/lsan.supp
S=/tmp/v6g
mkdir -p $S
# the user the daemon's unprivileged process runs as (gateway.user): the
# package makes it; this guest's image has none
guest_user() {
	grep -q '^v6gate:' /etc/passwd && return
	echo 'v6gate:x:990:990:v6gate:/nonexistent:/usr/sbin/nologin' >>/etc/passwd
	echo 'v6gate:x:990:' >>/etc/group
}
guest_user
GWPID=
n_ok=0
n_fail=0

ok() { n_ok=$((n_ok + 1)); printf 'ok   %s: %s\n' "$TNAME" "$*"; }
fail() { n_fail=$((n_fail + 1)); printf 'FAIL %s: %s\n' "$TNAME" "$*"; }
log() { printf '%s: %s\n' "$TNAME" "$*"; }
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		fail "$1: got '$2', expected '$3'"
	fi
}

finish() {
	[ -n "$GWPID" ] && kill "$GWPID" 2>/dev/null
	# the kernel must have survived everything above
	if dmesg | grep -E 'Oops|BUG:|soft lockup|general protection' >/tmp/dmesg.bad; then
		fail "kernel log: $(head -3 /tmp/dmesg.bad | tr '\n' ' ')"
	else
		ok "no Oops, BUG or soft lockup in the kernel log"
	fi
	# (not a pipe into the loop: fail must count in this shell)
	grep -E 'AddressSanitizer|LeakSanitizer|runtime error' $S/gw*.log 2>/dev/null | head -5 >/tmp/san.txt
	while read -r l; do fail "sanitizer: $l"; done </tmp/san.txt
	cp $S/*.log $G/ 2>/dev/null
	dmesg | tail -40 >$G/dmesg.log
	echo "$TNAME: $n_ok passed, $n_fail failed"
	[ "$n_fail" -eq 0 ] && [ "$n_ok" -gt 0 ] && exit 0
	exit 1
}

in_c6() { ip netns exec c6 "$@"; }
in_c4() { ip netns exec c4 "$@"; }
in_g() { ip netns exec gw "$@"; }
in_s4() { ip netns exec s4 "$@"; }
in_s6() { ip netns exec s6 "$@"; }
ctl() { in_g $V6GATECTL -s $S/ctl.sock "$@"; }

# gw_start CONFIG: v6gated in the gw namespace, GWPID its pid (not through
# in_g: $! would be a subshell); returns once it answers, 1 if it did not
# within 8 s.
gw_start() {
	ip netns exec gw $V6GATED -f -v -c "$1" >>$S/gw.log 2>&1 &
	GWPID=$!
	for _ in $(seq 80); do
		ctl status >/dev/null 2>&1 && return 0
		kill -0 $GWPID 2>/dev/null || break
		sleep 0.1
	done
	return 1
}

gw_stop() {
	[ -n "$GWPID" ] || return 0
	kill "${1:--TERM}" $GWPID 2>/dev/null
	wait $GWPID 2>/dev/null
	GWPID=
}

# tcp_echo NS ADDR PORT: a TCP echo server on ADDR:PORT (IPv4) in the
# namespace NS, in the foreground (run it in the background)
tcp_echo() {
	ip netns exec "$1" python3 -c '
import socket, sys, threading
l = socket.socket()
l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
l.bind((sys.argv[1], int(sys.argv[2]))); l.listen(8)
def serve(c):
    while True:
        d = c.recv(1000)
        if not d: break
        c.sendall(d)
while True:
    c, _ = l.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
' "$2" "$3" 2>/dev/null
}
