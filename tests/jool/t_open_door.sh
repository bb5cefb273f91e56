#!/bin/bash
# SPDX-License-Identifier: ISC
#
# t_open_door: the translator is never an open door, not even for a moment
# (the guard used to go in ~2 s after Jool's instance, and an unconfigured
# port of a backend answered meanwhile).  In the QEMU guest with the real
# Jool module:
#
#   c6  2001:db8:1::2/64   a prober: a TCP connect every 10 ms, round robin
#                          over its targets, each given 0.5 s
#   gw  v6gated + Jool NAT64, 2001:db8:1::1/64, 192.0.2.1/24 (pool4)
#   s4  192.0.2.2 (the configured backend: ports 80 and 25 configured,
#       7001 not), 192.0.2.3 (not configured); all answer a connect
#
# From before the daemon runs until well after it is ready, the prober
# must never reach an unconfigured backend or port: on a first start, on
# a reload adding a service, on a restart (and after kill -9), on a
# --recreate-nat64 to another pool6 (the old one is held while Jool
# forgets it), and when the guard cannot be put in place (another
# process owns its table): then Jool is left unchanged and the start or
# reload fails with the reason.  The prober's configured target shows it
# was live throughout.

TNAME=t_open_door
. "$(dirname "$0")/lib.sh"
guest_job

cat >"$J/run.sh" <<'GUEST'
#!/bin/bash
set -u
TNAME=t_open_door
. /job/guest-lib.sh

# --- topology -------------------------------------------------------------------
for ns in c6 gw s4; do ip netns add $ns; done
ip -batch - <<EOF
link add c0 netns c6 type veth peer name g0 netns gw
link add g1 netns gw type veth peer name s0 netns s4
EOF
in_c6 ip -batch - <<EOF
link set lo up
link set c0 up
addr add 2001:db8:1::2/64 dev c0 nodad
route add ::/0 via 2001:db8:1::1
EOF
in_g ip -batch - <<EOF
link set lo up
link set g0 up
link set g1 up
addr add 2001:db8:1::1/64 dev g0 nodad
addr add 192.0.2.1/24 dev g1
EOF
in_g sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv4.conf.all.forwarding=1
in_s4 ip -batch - <<EOF
link set lo up
link set s0 up
addr add 192.0.2.2/24 dev s0
addr add 192.0.2.3/24 dev s0
route add default via 192.0.2.1
EOF
in_s4 sysctl -qw net.ipv6.conf.all.disable_ipv6=1

# every address:port here accepts and closes: a completed connect is a
# success, whatever the port
in_s4 python3 -c '
import socket, threading
def serve(a, p):
    l = socket.socket()
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind((a, p)); l.listen(128)
    while True:
        c, _ = l.accept()
        c.close()
for a, p in (("192.0.2.2", 80), ("192.0.2.2", 25), ("192.0.2.2", 7001),
             ("192.0.2.3", 80)):
    threading.Thread(target=serve, args=(a, p), daemon=True).start()
threading.Event().wait()' 2>/dev/null &
modprobe jool || { fail "modprobe jool"; finish; }
sleep 1

# probe.py STOP OUT TARGET...: connect attempts every 10 ms, round robin
# over the targets ("ADDR,PORT"), each given 0.5 s, until the file STOP
# exists; then OUT gets "ADDR,PORT attempts successes" for each.  It
# touches OUT.ready once its loop runs.
cat >$S/probe.py <<'EOF'
import errno, os, select, socket, sys, time
stop, out, targets = sys.argv[1], sys.argv[2], sys.argv[3:]
res = {t: [0, 0] for t in targets}
pend = {}
poll = select.poll()
next_t, k = 0.0, 0
open(out + ".ready", "w").close()
while not os.path.exists(stop) or pend:
    now = time.monotonic()
    if now >= next_t and not os.path.exists(stop):
        t = targets[k % len(targets)]
        k += 1
        a, p = t.split(",")
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setblocking(False)
        rc = s.connect_ex((a, int(p)))
        res[t][0] += 1
        if rc in (0, errno.EINPROGRESS):
            pend[s.fileno()] = (s, t, now)
            poll.register(s.fileno(), select.POLLOUT)
        else:
            s.close()
        next_t = now + 0.01
    for fd, ev in poll.poll(5):
        s, t, _ = pend.pop(fd)
        poll.unregister(fd)
        if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0:
            res[t][1] += 1
        s.close()
    for fd in [fd for fd, v in pend.items() if now - v[2] > 0.5]:
        poll.unregister(fd)
        pend.pop(fd)[0].close()
with open(out, "w") as f:
    for t in targets:
        f.write("%s %d %d\n" % (t, res[t][0], res[t][1]))
EOF
probe_start() {	# probe_start TARGET...: the prober, running
	rm -f $S/probe.stop $S/probe.out $S/probe.out.ready
	in_c6 python3 $S/probe.py $S/probe.stop $S/probe.out "$@" &
	PROBE=$!
	for _ in $(seq 100); do [ -e $S/probe.out.ready ] && return; sleep 0.05; done
	fail "the prober did not start"
}
probe_stop() {	# probe_stop: the prober ends; its figures in $S/probe.out
	touch $S/probe.stop
	wait $PROBE
	cat $S/probe.out >>$S/probes.log
}
tries() { awk -v t="$1" '$1 == t { print $2 }' $S/probe.out; }
hits() { awk -v t="$1" '$1 == t { print $3 }' $S/probe.out; }
# never WHAT TARGET...: none of the targets was reached, and each was tried
never() {
	local what=$1 t
	shift
	for t in "$@"; do
		check_eq "$what: $t never reached ($(tries $t) attempts)" "$(hits $t)" 0
		[ "$(tries $t)" -ge 20 ] 2>/dev/null ||
		    fail "$what: $t tried only '$(tries $t)' times"
	done
}
live() {	# live WHAT TARGET: the configured target was reached meanwhile
	[ "$(hits $2)" -ge 1 ] 2>/dev/null &&
	    ok "$1: the configured $2 answered meanwhile ($(hits $2) times)" ||
	    fail "$1: the configured $2 never answered ($(tries $2) attempts)"
}

conf() {	# conf FILE POOL6 SERVICES...
	local f=$1 p=$2 s first=1
	shift 2
	{
		cat <<EOF
gateway: { name = "guest-gw"; state_dir = "$S/state"; control_socket = "$S/ctl.sock"; http = ""; workers = 1; };
nat64: { instance = "v6gate"; pool6 = "$p";
  pool4 = ( { address = "192.0.2.1"; protocol = "tcp"; ports = "61001-65535"; } ); };
services = (
EOF
		for s in "$@"; do
			[ $first = 1 ] || echo ","
			first=0
			case $s in
			web) echo '{ name = "web"; mode = "nat64"; backend = "192.0.2.2"; ports = [ "tcp/80" ]; }' ;;
			mail) echo '{ name = "mail"; mode = "nat64"; backend = "192.0.2.2"; ports = [ "tcp/25" ]; }' ;;
			esac
		done
		echo ");"
	} >"$f"
}
P64=2001:db8:64::/96
P65=2001:db8:65::/96
SRV=2001:db8:64::c000:202,80		# web, configured
NOPORT=2001:db8:64::c000:202,7001	# the backend's port no service names
NOHOST=2001:db8:64::c000:203,80		# a backend no service names
MAIL=2001:db8:64::c000:202,25
SRV65=2001:db8:65::c000:202,80
NOPORT65=2001:db8:65::c000:202,7001
NOHOST65=2001:db8:65::c000:203,80
# owner TABLE: another process owns "inet TABLE" (nft -i holds it) until
# owner_end; v6gated can then neither make nor delete it
owner() {
	rm -f $S/owner.end
	{ echo "add table inet $1 { flags owner; }"
	  while [ ! -e $S/owner.end ]; do sleep 0.2; done; } | in_g nft -i >/dev/null 2>&1 &
	OWNER=$!
	for _ in $(seq 50); do in_g nft list table inet $1 >/dev/null 2>&1 && return; sleep 0.1; done
	fail "nft -i did not make table $1"
}
owner_end() { touch $S/owner.end; wait $OWNER 2>/dev/null; }
pool6_now() { in_g jool -i v6gate global display 2>&1 | sed -n 's/^ *pool6: //p'; }

# --- A. a first start -------------------------------------------------------------
conf $S/a.conf $P64 web
probe_start $NOPORT $NOHOST $SRV
gw_start $S/a.conf && ok "v6gated started" || fail "v6gated did not start: $(tail -3 $S/gw.log)"
sleep 1
probe_stop
never "first start" $NOPORT $NOHOST
live "first start" $SRV

# --- B. a reload that adds a service ------------------------------------------------
conf $S/a.conf $P64 web mail
probe_start $NOPORT $NOHOST $SRV
out=$(ctl reload 2>&1) && ok "reload adding mail" || fail "reload: $out"
sleep 1
probe_stop
never "reload adding a service" $NOPORT $NOHOST
live "reload adding a service" $SRV
got=$(in_c6 python3 -c '
import socket; socket.create_connection(("2001:db8:64::c000:202", 25), 5); print("up")' 2>&1)
check_eq "the added service answers" "$got" up

# --- C. restarts ----------------------------------------------------------------------
probe_start $NOPORT $NOHOST $SRV
gw_stop
gw_start $S/a.conf || fail "restart: $(tail -3 $S/gw.log)"
gw_stop -KILL
gw_start $S/a.conf || fail "start after kill -9: $(tail -3 $S/gw.log)"
sleep 1
probe_stop
never "stop, start, kill -9, start" $NOPORT $NOHOST
live "restarts" $SRV

# --- D. another pool6: the old one is held while Jool forgets it ----------------------
conf $S/a.conf $P65 web mail
probe_start $NOPORT $NOHOST $NOPORT65 $NOHOST65 $SRV65
out=$(ctl reload --recreate-nat64 2>&1) && ok "reload --recreate-nat64 to $P65" ||
    fail "recreate: $out"
sleep 2	# (five targets: each tried 20 times at least)
probe_stop
never "pool6 recreated" $NOPORT $NOHOST $NOPORT65 $NOHOST65
live "pool6 recreated" $SRV65
check_eq "Jool has the new pool6" "$(pool6_now)" $P65
in_g nft list table inet v6gate_hold >/dev/null 2>&1 &&
    fail "the hold is still there after the change" || ok "and the hold is gone"

# --- E. the guard fails on a reload: Jool unchanged -------------------------------------
owner v6gate_hold
conf $S/a.conf $P64 web mail
probe_start $NOPORT $NOHOST $NOPORT65 $NOHOST65 $SRV65
out=$(ctl reload --recreate-nat64 2>&1)
check_eq "a reload whose guard cannot be made fails" "$?" 1
case "$out" in *"nftables guard:"*"Jool was not changed"*) ok "and says why: ${out##*translator failed: }" ;;
*) fail "the failed reload said: $out" ;; esac
sleep 2	# (five targets)
probe_stop
never "guard failed on reload" $NOPORT $NOHOST $NOPORT65 $NOHOST65
live "guard failed on reload" $SRV65
check_eq "Jool kept its pool6" "$(pool6_now)" $P65
owner_end
out=$(ctl reload --recreate-nat64 2>&1) && ok "once the table is free, the reload goes through" ||
    fail "reload after the owner left: $out"
check_eq "Jool has the first pool6 again" "$(pool6_now)" $P64

# --- F. the guard fails at a start: no instance, the start fails ------------------------
gw_stop
out=$(in_g $V6GATED -c $S/a.conf --teardown 2>&1) || fail "teardown: $out"
owner v6gate
probe_start $NOPORT $NOHOST
out=$(in_g $V6GATED -f -c $S/a.conf 2>&1)
check_eq "a start whose guard cannot be made fails" "$?" 1
case "$out" in *"nftables guard:"*"Jool was not changed"*) ok "and says why" ;;
*) fail "the failed start said: $out" ;; esac
sleep 0.5
probe_stop
never "guard failed at start" $NOPORT $NOHOST
inst=$(in_g jool instance display 2>&1)
case "$inst" in *v6gate*) fail "Jool got an instance: $inst" ;;
*) ok "Jool was left without an instance" ;; esac
owner_end
gw_start $S/a.conf && ok "once the table is free, v6gated starts" ||
    fail "start after the owner left: $(tail -3 $S/gw.log)"

finish
GUEST
guest_run 400
