#!/bin/bash
# SPDX-License-Identifier: ISC
#
# t_nat64_pair: a NAT64 pair on the real Jool module, in the QEMU guest.
# Two gateways, each v6gated (the same pool6, pool4 and nat64 service)
# and keepalived (VRRPv3: the clients' next hop 2001:db8:1::1 and the
# pool4 address 192.0.2.1, one sync group), as conf/keepalived.conf.example
# and "NAT64 on a pair" in v6gated(8) say.  Jool's session sync (joold) is
# not used, so:
#
#   c6  2001:db8:1::2/64, route ::/0 via 2001:db8:1::1 (the VIP)
#   sw  two bridges: brc (c6, A, B) and brs (A, B, s4)
#   A   2001:db8:1::a, 192.0.2.11 (+ the VIPs while master), priority 150
#   B   2001:db8:1::b, 192.0.2.12, priority 100
#   s4  192.0.2.2, route default via 192.0.2.1 (the pool4 VIP)
#
# Cases: A is master and new flows go through A's Jool; a flow opened
# through A; A's v6gated killed (its health fails, keepalived gives the
# addresses up): new flows succeed through B (time to the first success
# printed), the old flow is lost (documented: its session was A's);
# failback when A's v6gated is back; then A's keepalived killed: B takes
# over again.  No Oops in the kernel log.  Times are TCG's (user space
# ~40x slower than on the host), so the bound here is loose; the pair's
# host figures are t_keepalived's.

TNAME=t_nat64_pair
. "$(dirname "$0")/lib.sh"
guest_job

cat >"$J/run.sh" <<'GUEST'
#!/bin/bash
set -u
TNAME=t_nat64_pair
. /job/guest-lib.sh
command -v keepalived >/dev/null ||
    { fail "keepalived is not in the guest (kmod/guest/packages)"; finish; }
SRV6=2001:db8:64::c000:202	# pool6 + 192.0.2.2 (RFC 6052)
in_sw() { ip netns exec sw "$@"; }
in_a() { ip netns exec gwa "$@"; }
in_b() { ip netns exec gwb "$@"; }
ctl_a() { in_a $V6GATECTL -s $S/A.sock "$@"; }
ctl_b() { in_b $V6GATECTL -s $S/B.sock "$@"; }

# --- topology ----------------------------------------------------------------
for ns in c6 sw gwa gwb s4; do
	ip netns add $ns
	ip netns exec $ns sysctl -qw net.ipv6.conf.all.accept_dad=0 \
	    net.ipv6.conf.default.accept_dad=0
	ip netns exec $ns ip link set lo up
done
ip -batch - <<EOF
link add c0 netns c6 type veth peer name pc netns sw
link add a0 netns gwa type veth peer name pa0 netns sw
link add b0 netns gwb type veth peer name pb0 netns sw
link add a1 netns gwa type veth peer name pa1 netns sw
link add b1 netns gwb type veth peer name pb1 netns sw
link add s0 netns s4 type veth peer name ps netns sw
EOF
# (no multicast snooping: VRRP's adverts go to every port)
in_sw ip -batch - <<EOF
link add brc type bridge mcast_snooping 0
link add brs type bridge mcast_snooping 0
link set pc master brc
link set pa0 master brc
link set pb0 master brc
link set pa1 master brs
link set pb1 master brs
link set ps master brs
link set pc up
link set pa0 up
link set pb0 up
link set pa1 up
link set pb1 up
link set ps up
link set brc up
link set brs up
EOF
in_c6 ip -batch - <<EOF
link set c0 up
addr add 2001:db8:1::2/64 dev c0 nodad
route add ::/0 via 2001:db8:1::1
EOF
for g in a b; do
	n=$([ $g = a ] && echo 11 || echo 12)
	ip netns exec gw$g ip -batch - <<EOF
link set ${g}0 up
link set ${g}1 up
addr add 2001:db8:1::$g/64 dev ${g}0 nodad
addr add 192.0.2.$n/24 dev ${g}1
EOF
	ip netns exec gw$g sysctl -qw net.ipv6.conf.all.forwarding=1 \
	    net.ipv4.conf.all.forwarding=1
done
in_s4 ip -batch - <<EOF
link set s0 up
addr add 192.0.2.2/24 dev s0
route add default via 192.0.2.1
EOF
in_s4 sysctl -qw net.ipv6.conf.all.disable_ipv6=1

# --- the server: nginx answering with the peer it saw, a TCP echo ---------------
mkdir -p /tmp/ng4
cat >/tmp/ng4/nginx.conf <<'EOF'
user root; worker_processes 1; pid /tmp/ng4/pid; error_log /tmp/ng4/err;
events { worker_connections 64; }
http { access_log off; default_type text/plain;
client_body_temp_path /tmp/ng4/b; proxy_temp_path /tmp/ng4/p;
fastcgi_temp_path /tmp/ng4/f; uwsgi_temp_path /tmp/ng4/u; scgi_temp_path /tmp/ng4/s;
server { listen 192.0.2.2:80;
location / { return 200 "peer=$remote_addr:$remote_port\n"; } } }
EOF
in_s4 nginx -c /tmp/ng4/nginx.conf || fail "nginx did not start"
tcp_echo s4 192.0.2.2 7000 &

# --- the gateways: the same services on both ----------------------------------
modprobe jool || { fail "modprobe jool"; finish; }
for g in A B; do
	mkdir -p $S/$g
	cat >$S/$g.conf <<EOF
gateway: { name = "gw-$g"; state_dir = "$S/$g"; control_socket = "$S/$g.sock"; http = ""; workers = 1; };
nat64: { instance = "v6gate"; pool6 = "2001:db8:64::/96";
  pool4 = ( { address = "192.0.2.1"; protocol = "tcp"; ports = "61001-65535"; },
            { address = "192.0.2.1"; protocol = "icmp"; } ); };
services = (
  { name = "web"; mode = "nat64"; backend = "192.0.2.2"; ports = [ "tcp/80", "tcp/7000", "icmp" ]; }
);
EOF
done
declare -A GWP KAP
gw_up() {	# A|B: v6gated in its namespace; 1 if it does not answer in 30 s
	local ns=gw$(echo "$1" | tr AB ab)
	ip netns exec $ns $V6GATED -f -v -c $S/$1.conf >>$S/gw$1.log 2>&1 &
	GWP[$1]=$!
	for _ in $(seq 300); do
		ip netns exec $ns $V6GATECTL -s $S/$1.sock status >/dev/null 2>&1 &&
		    return 0
		kill -0 ${GWP[$1]} 2>/dev/null || break
		sleep 0.1
	done
	return 1
}
gw_up A && gw_up B && ok "v6gated runs on both gateways" ||
    { fail "v6gated: $(tail -3 $S/gwA.log $S/gwB.log)"; finish; }

# VRRPv3 for both families, as the example (advert_int 1 and fall 3:
# TCG's pace, where a sanitizer build's health can miss its 1 s once and
# a single miss must not move the addresses)
for g in A B; do
	l=$(echo $g | tr AB ab)
	p=$([ $g = A ] && echo 150 || echo 100)
	cat >$S/ka-$g.conf <<EOF
global_defs {
  router_id gw-$g
  vrrp_version 3
  script_user root
  enable_script_security
  vrrp_garp_master_delay 0
  vrrp_garp_master_repeat 2
}
vrrp_script v6gate_health {
  script "$V6GATECTL -s $S/$g.sock health"
  interval 1
  timeout 5
  fall 3
  rise 1
}
vrrp_sync_group pair {
  group {
    vip6
    vip4
  }
}
vrrp_instance vip6 {
  state BACKUP
  interface ${l}0
  virtual_router_id 61
  priority $p
  advert_int 1
  native_ipv6
  virtual_ipaddress {
    2001:db8:1::1/64 dev ${l}0
  }
  track_script {
    v6gate_health
  }
}
vrrp_instance vip4 {
  state BACKUP
  interface ${l}1
  virtual_router_id 41
  priority $p
  advert_int 1
  virtual_ipaddress {
    192.0.2.1/24 dev ${l}1
  }
  track_script {
    v6gate_health
  }
}
EOF
done
ka_up() {	# A|B
	local ns=gw$(echo "$1" | tr AB ab)
	ip netns exec $ns keepalived -n -l -D -P -f $S/ka-$1.conf \
	    -p $S/ka-$1.pid -r $S/ka-$1-vrrp.pid >>$S/ka-$1.log 2>&1 &
	KAP[$1]=$!
}
holder() {	# who has both VIPs: A, B, both, none or split
	local a6 a4 b6 b4
	a6=$(in_a ip -o addr show dev a0 | grep -c ' 2001:db8:1::1/')
	a4=$(in_a ip -o addr show dev a1 | grep -c ' 192.0.2.1/')
	b6=$(in_b ip -o addr show dev b0 | grep -c ' 2001:db8:1::1/')
	b4=$(in_b ip -o addr show dev b1 | grep -c ' 192.0.2.1/')
	case "$a6$a4$b6$b4" in
	1100) echo A ;; 0011) echo B ;; 1111) echo both ;; 0000) echo none ;;
	*) echo "split($a6$a4$b6$b4)" ;;
	esac
}
wait_holder() {	# WHO SECONDS
	for _ in $(seq $(($2 * 5))); do
		[ "$(holder)" = "$1" ] && return 0
		sleep 0.2
	done
	return 1
}
# sessions A|B: how many TCP sessions from the client to the server's
# port 80 that gateway's Jool holds (closed ones stay a few minutes)
sessions() {
	ip netns exec gw$(echo "$1" | tr AB ab) jool -i v6gate session display \
	    --tcp --numeric --csv 2>/dev/null |
	    grep -c "^TCP,2001:db8:1::2,[0-9]*,$SRV6,80,"
}
# first_success SECONDS: new connections in a loop until one succeeds;
# MS the time to it
first_success() {
	local t0 out
	t0=$(date +%s%N)
	while :; do
		out=$(in_c6 curl -sS --max-time 2 "http://[$SRV6]/" 2>/dev/null)
		MS=$((($(date +%s%N) - t0) / 1000000))
		case "$out" in peer=192.0.2.1:*) return 0 ;; esac
		[ "$MS" -ge $(($1 * 1000)) ] && return 1
		sleep 0.1
	done
}

ka_up A
ka_up B
# the VRRP states each keepalived went through, for a failure's message
states() { grep -ho '(vip[46]) Entering [A-Z]* STATE' $S/ka-$1.log |
    sed 's/(\(vip[46]\)) Entering \([A-Z]*\) STATE/\1:\2/' | tr '\n' ' '; }
# a_steady: A holds both addresses, and still 3 s later
a_steady() { wait_holder A 60 && sleep 3 && wait_holder A 10; }
a_steady &&
    ok "A (priority 150) holds both addresses, and still 3 s later" ||
    { fail "holder $(holder) after 60 s: A $(states A); B $(states B)"; finish; }

# --- new flows through A ------------------------------------------------------
# B's MASTER entries so far: one more after a flow means the addresses
# moved during it (a sanitizer build's health, slow under TCG, missing
# "fall" times in a row), and the flow then says nothing of A's Jool: the
# flow is tried again, at most twice, once A holds them steadily again.
b_masters() { states B | grep -o MASTER | wc -l; }
for try in 1 2 3; do
	bm=$(b_masters)
	# Jool keeps closed sessions a few minutes: count this try's own
	sa=$(sessions A) sb=$(sessions B)
	first_success 30
	fs=$?
	got="$(($(sessions A) - sa)) $(($(sessions B) - sb))"
	[ "$got" = "1 0" ] || [ "$(b_masters)" = "$bm" ] || [ $try = 3 ] ||
	    { log "try $try: the addresses moved during the flow (B: $(states B)); new sessions $got: again once A holds them"
	      a_steady; continue; }
	break
done
[ $fs = 0 ] && ok "NAT64 through the pair: the server sees the pool4 address (${MS} ms, try $try)" ||
    fail "no NAT64 flow through A in 30 s; holder $(holder); A $(states A); B $(states B); c6 $(in_c6 ip -6 neigh show 2001:db8:1::1)"
check_eq "the flow is A's Jool's session, not B's (new sessions on A and B; A: $(states A); B: $(states B))" "$got" "1 0"

# a long flow opened through A: a line echoed now
mkfifo /tmp/old.in
in_c6 python3 -c '
import socket, sys, time
s = socket.create_connection(("'"$SRV6"'", 7000), timeout=3)
s.settimeout(6)
for line in sys.stdin:
    s.sendall(line.encode())
    try:
        got = s.recv(100).decode().strip()
    except OSError as e:
        got = "lost (%s)" % e.__class__.__name__
    print(got or "closed", flush=True)
' </tmp/old.in >/tmp/old.out 2>&1 &
OLD=$!
exec 7>/tmp/old.in
echo one >&7
for _ in $(seq 100); do [ -s /tmp/old.out ] && break; sleep 0.1; done
check_eq "a long flow through A echoes" "$(head -1 /tmp/old.out)" one

# --- A's v6gated killed: its health fails, B takes over -------------------------
# (A's Jool goes on translating without its daemon until keepalived takes
# the addresses away: new flows meanwhile still succeed, through A)
kill -9 ${GWP[A]}
wait ${GWP[A]} 2>/dev/null
t0=$(date +%s%N)
wait_holder B 120 && ok "A's v6gated killed: its health fails, B holds both addresses after $((($(date +%s%N) - t0) / 1000000)) ms (TCG)" ||
    fail "after A's v6gated was killed: holder $(holder)"
first_success 30
log "the first new flow through B: $((($(date +%s%N) - t0) / 1000000)) ms after the kill (TCG)"
[ "$MS" -le 30000 ] && ok "new flows succeed through B ($MS ms to the first once it held them)" ||
    fail "no new flow through B in 30 s"
[ "$(sessions B)" -ge 1 ] && ok "and they are B's Jool's sessions ($(sessions B))" ||
    fail "B's Jool has no session of the new flow"
# the old flow: its session was A's; B's Jool has none and drops it
echo two >&7
for _ in $(seq 100); do [ "$(wc -l </tmp/old.out)" -ge 2 ] && break; sleep 0.1; done
case "$(sed -n 2p /tmp/old.out)" in
two) fail "the old flow survived the failover: sessions are not synced, v6gated(8) says it is lost" ;;
lost* | closed) ok "the flow opened through A is lost at the failover, as documented ($(sed -n 2p /tmp/old.out))" ;;
*) fail "the old flow: '$(sed -n 2p /tmp/old.out)'" ;;
esac
exec 7>&-
kill $OLD 2>/dev/null

# --- failback: A's v6gated back, A takes the addresses back ------------------------
gw_up A || fail "A's v6gated did not start again: $(tail -3 $S/gwA.log)"
wait_holder A 120 && ok "A healthy again: it takes both addresses back (preempt)" ||
    fail "failback: holder $(holder)"
before=$(sessions A)
first_success 30 && [ "$(sessions A)" -gt "$before" ] &&
    ok "new flows go through A again ($before -> $(sessions A) sessions)" ||
    fail "after the failback: $(sessions A) sessions on A (before $before), ${MS} ms"

# --- A's keepalived killed (SIGKILL: no goodbye advert) -----------------------
t0=$(date +%s%N)
kill -9 ${KAP[A]}
pkill -9 -f "keepalived.*ka-A.conf"
# its addresses stay on A's links (nobody removes them); take the link
# down as a dead node would be, so the two do not both answer
in_a ip link set a0 down
in_a ip link set a1 down
before=$(sessions B)
first_success 60
MS=$((($(date +%s%N) - t0) / 1000000))
log "A's keepalived killed and its links down: the first new flow succeeded $MS ms after the kill (TCG)"
# B's two VRRP instances time A out each on its own clock; on a slow
# machine the second can come after the first flow already worked, so
# wait for both (A's down links may keep theirs: look at B only)
b_has() { echo "$(in_b ip -o addr show dev b0 | grep -c ' 2001:db8:1::1/')$(in_b ip -o addr show dev b1 | grep -c ' 192.0.2.1/')"; }
for _ in $(seq 300); do [ "$(b_has)" = 11 ] && break; sleep 0.2; done
check_eq "A's keepalived killed: B takes over both addresses ($((($(date +%s%N) - t0) / 1000000)) ms after the kill)" \
    "$(b_has)" 11
[ "$MS" -le 30000 ] && [ "$(sessions B)" -gt "$before" ] &&
    ok "new flows succeed through B within 30 s under TCG ($MS ms)" ||
    fail "after A left: first flow after $MS ms, B's sessions $before -> $(sessions B)"

kill ${KAP[B]} 2>/dev/null
pkill -f "keepalived.*ka-B.conf"
kill ${GWP[A]} ${GWP[B]} 2>/dev/null
for p in ${GWP[A]} ${GWP[B]}; do wait $p 2>/dev/null; done
finish
GUEST
guest_run 500
