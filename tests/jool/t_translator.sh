#!/bin/bash
# SPDX-License-Identifier: ISC
#
# t_translator: v6gated driving the real Jool module, in the QEMU guest
# (guest-run.sh), one boot for the whole batch.  In the guest:
#
#   c6  2001:db8:1::2/64       IPv6-only client (NAT64)
#   c4  198.51.100.2/24        IPv4-only client (SIIT)
#   gw  v6gated + Jool; 2001:db8:1::1/64, 192.0.2.1/24 (pool4),
#       2001:db8:200::1/64, 198.51.100.1/24
#   s4  192.0.2.2 (configured backend), 192.0.2.3 (not configured)
#   s6  2001:db8:200::50       IPv6-only server (SIIT, EAM 192.0.2.50)
#
# Cases: the module not loaded; NAT64 TCP, UDP, ping to a nat64 service; a
# backend and a port not in the config unreachable (the guard); an IPv4
# client to the IPv6-only server through siit; the nftables counters of
# nat64 and siit traffic exact to the IP byte, across kill -9, a counter
# reset and a recreated table; a reload that adds and
# removes services while a TCP session of an unchanged one stays up; a bad
# config refused with the kernel unchanged; a pool6 change refused, then
# done with --recreate-nat64; an instance v6gate did not create left alone;
# Jool going on without the daemon; --teardown; and at the end no Oops,
# BUG or soft lockup in the guest's kernel log.

TNAME=t_translator
. "$(dirname "$0")/lib.sh"
guest_job

cat >"$J/run.sh" <<'GUEST'
#!/bin/bash
set -u
TNAME=t_translator
. /job/guest-lib.sh
jkey() {	# jkey KEY: the first value of "KEY" in "v6gatectl jool --json"
	# (the guest's python3-minimal has no json module)
	ctl jool --json | tr -d ' \n' | grep -o '"'"$1"'":"\{0,1\}[^",}]*' |
	    head -1 | sed 's/.*:"\{0,1\}//' 
}

# --- topology -------------------------------------------------------------------
for ns in c6 c4 gw s4 s6; do ip netns add $ns; done
ip -batch - <<EOF
link add c0 netns c6 type veth peer name g0 netns gw
link add g1 netns gw type veth peer name s0 netns s4
link add g2 netns gw type veth peer name s1 netns s6
link add g3 netns gw type veth peer name d0 netns c4
EOF
in_c6 ip -batch - <<EOF
link set lo up
link set c0 up
addr add 2001:db8:1::2/64 dev c0 nodad
route add ::/0 via 2001:db8:1::1
EOF
in_c4 ip -batch - <<EOF
link set lo up
link set d0 up
addr add 198.51.100.2/24 dev d0
route add default via 198.51.100.1
EOF
in_g ip -batch - <<EOF
link set lo up
link set g0 up
link set g1 up
link set g2 up
link set g3 up
addr add 2001:db8:1::1/64 dev g0 nodad
addr add 192.0.2.1/24 dev g1
addr add 2001:db8:200::1/64 dev g2 nodad
addr add 198.51.100.1/24 dev g3
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
in_s6 ip -batch - <<EOF
link set lo up
link set s1 up
addr add 2001:db8:200::50/64 dev s1 nodad
route add ::/0 via 2001:db8:200::1
EOF
in_s6 sysctl -qw net.ipv4.conf.all.forwarding=0

# --- servers ----------------------------------------------------------------------
mkdir -p /tmp/ng4 /tmp/ng6
ngconf() {	# ngconf DIR LISTEN...: nginx answering with what it saw
	local d=$1 l
	shift
	{
		echo "user root; worker_processes 1; pid $d/pid; error_log $d/err;"
		echo "events { worker_connections 64; }"
		echo "http { access_log off; default_type text/plain;"
		echo "client_body_temp_path $d/b; proxy_temp_path $d/p; fastcgi_temp_path $d/f;"
		echo "uwsgi_temp_path $d/u; scgi_temp_path $d/s;"
		echo "server {"
		for l in "$@"; do echo "listen $l;"; done
		echo 'location / { return 200 "peer=$remote_addr:$remote_port server=$server_addr:$server_port\n"; } } }'
	} >"$d/nginx.conf"
}
ngconf /tmp/ng4 192.0.2.2:80 192.0.2.2:8080 192.0.2.3:80 192.0.2.2:25
in_s4 nginx -c /tmp/ng4/nginx.conf || fail "nginx (IPv4) did not start"
ngconf /tmp/ng6 '[2001:db8:200::50]:80'
in_s6 nginx -c /tmp/ng6/nginx.conf || fail "nginx (IPv6) did not start"
printf '#!/bin/sh\necho "peer=$SOCAT_PEERADDR:$SOCAT_PEERPORT"\n' >/tmp/udp-peer.sh
chmod 755 /tmp/udp-peer.sh
in_s4 socat UDP4-RECVFROM:5353,bind=192.0.2.2,fork EXEC:/tmp/udp-peer.sh 2>/dev/null &
# a TCP echo server for the long-lived session
tcp_echo s4 192.0.2.2 7000 &
sleep 1

# --- configs --------------------------------------------------------------------
conf() {	# conf FILE SERVICES...: the gateway config with these services
	local f=$1
	shift
	{
		cat <<EOF
gateway: { name = "guest-gw"; state_dir = "$S/state"; control_socket = "$S/ctl.sock"; http = ""; workers = 1; };
nat64: { instance = "v6gate"; pool6 = "${POOL6:-2001:db8:64::/96}";
  pool4 = ( { address = "192.0.2.1"; protocol = "tcp"; ports = "61001-65535"; },
            { address = "192.0.2.1"; protocol = "udp"; ports = "61001-65535"; },
            { address = "192.0.2.1"; protocol = "icmp"; } ); };
siit: { instance = "v6gate-siit"; pool6 = "2001:db8:46::/96"; };
services = (
EOF
		local first=1 s
		for s in "$@"; do
			[ $first = 1 ] || echo ","
			first=0
			case $s in
			web) echo '{ name = "web"; mode = "nat64"; backend = "192.0.2.2"; ports = [ "tcp/80", "udp/5353", "icmp" ]; }' ;;
			echo) echo '{ name = "echo"; mode = "nat64"; backend = "192.0.2.2"; ports = [ "tcp/7000" ]; }' ;;
			mail) echo '{ name = "mail"; mode = "nat64"; backend = "192.0.2.2"; ports = [ "tcp/25" ]; }' ;;
			dns) echo '{ name = "dns"; mode = "nat64"; backend = "192.0.2.2"; ports = [ "udp/53", "tcp/53" ]; }' ;;
			v6app) echo '{ name = "v6app"; mode = "siit"; ipv4 = "192.0.2.50"; ipv6 = "2001:db8:200::50"; }' ;;
			esac
		done
		echo ");"
	} >"$f"
}
SRV6=2001:db8:64::c000:202	# pool6 + 192.0.2.2 (RFC 6052)
OTHER6=2001:db8:64::c000:203	# pool6 + 192.0.2.3: not configured

# --- A. the module not loaded ---------------------------------------------------
conf $S/a.conf web echo v6app dns
out=$(in_g $V6GATED -f -c $S/a.conf 2>&1)
rc=$?
check_eq "without the module v6gated refuses to start" "$rc" 1
case "$out" in *"Jool is not loaded: modprobe jool jool_siit (Debian package jool-dkms)"*)
	ok "and says how to load it" ;;
*) fail "without the module it said: $out" ;; esac

modprobe jool && modprobe jool_siit || { fail "modprobe"; finish; }

# --- B. start ---------------------------------------------------------------------
# not through in_g (a function: $! would be a subshell, not v6gated)
ip netns exec gw $V6GATED -f -v -c $S/a.conf >$S/gw.log 2>&1 &
GWPID=$!
for _ in $(seq 80); do ctl status >/dev/null 2>&1 && break; sleep 0.1; done
ctl status >/dev/null 2>&1 && ok "v6gated started with nat64 and siit services" ||
    { fail "v6gated did not start: $(tail -5 $S/gw.log)"; finish; }
check_eq "the Jool module version is shown" "$(jkey version)" "4.1.9.0"
ctl services | grep -q "web.*nat64.*\[$SRV6\].*192.0.2.2" &&
    ok "v6gatectl services shows the nat64 service's IPv6 address $SRV6" ||
    fail "services: $(ctl services | tr '\n' ' ')"
for p in --tcp --udp --icmp; do in_g jool -i v6gate pool4 display --csv $p; done >$S/pool4.log 2>&1
pool4=$(grep -c 192.0.2.1 $S/pool4.log)
check_eq "Jool's own tool sees the three pool4 entries" "$pool4" 3
in_g jool_siit -i v6gate-siit eamt display --csv 2>&1 | grep -q "2001:db8:200::50/128,192.0.2.50/32" &&
    ok "and the EAM entry" || fail "eamt: $(in_g jool_siit -i v6gate-siit eamt display --csv 2>&1)"

# --- C. NAT64 TCP, UDP, ping ----------------------------------------------------
{ ctl jool; in_g nft list ruleset; in_g jool -i v6gate global display; } >$S/debug.log 2>&1
got=$(in_c6 curl -sS --max-time 8 "http://[$SRV6]/" 2>&1)
tcp_at=$(date +%s.%N)
ctl jool >>$S/debug.log 2>&1
case "$got" in "peer=192.0.2.1:6"*"server=192.0.2.2:80") ok "NAT64 TCP: $got" ;;
*) fail "NAT64 TCP: $got" ;; esac
# what the server saw as its peer, for the audit log's trace (section L)
tcp_peer=$(echo "$got" | sed -n 's/^peer=\([0-9.]*:[0-9]*\) .*/\1/p')
got=$(echo hi | in_c6 socat -T 6 - "UDP6:[$SRV6]:5353" 2>&1)
udp_at=$(date +%s.%N)
case "$got" in "peer=192.0.2.1:6"*) ok "NAT64 UDP: $got" ;; *) fail "NAT64 UDP: $got" ;; esac
udp_peer=${got#peer=}
# a batch for the audit log: 12 TCP connections from 4 client addresses,
# each line "client peer-the-server-saw time" (the server says its peer)
for a in 5 6 7 8; do in_c6 ip addr add 2001:db8:1::$a/64 dev c0 nodad; done
in_c6 python3 -c '
import sys, time
sys.path.insert(0, "/job")
import client
for i in range(12):
    src = "2001:db8:1::%d" % (5 + i % 4)
    r = client.fetch("'$SRV6'", 80, src, timeout=8, host="x", http="1.0")
    peer = r.raw.split(b"peer=")[1].split(b" ")[0].decode()
    print(src, peer, "%.3f" % time.time())' >$S/batch.txt 2>&1
check_eq "12 NAT64 connections from 4 clients, each told its pool4 peer" \
    "$(grep -c '^2001:db8:1::[5-8] 192.0.2.1:' $S/batch.txt)" 12
seen_open() {	# the first-seen lines of the batch's mappings in the log
	local n=0 src peer at
	while read -r src peer at; do
		grep -q "\"event\":\"open\".*\"local\":\"$peer\".*\"kind\":\"nat64\"" \
		    $S/state/audit/audit-*.jsonl && n=$((n + 1))
	done <$S/batch.txt
	echo $n
}
for _ in $(seq 150); do [ "$(seen_open)" = 12 ] && break; sleep 0.1; done
check_eq "within a poll (10 s) the audit log has a line for each mapping" "$(seen_open)" 12
in_c6 ping -6 -n -c 2 -i 0.3 -W 5 "$SRV6" >/dev/null 2>&1 && ok "NAT64 ping" ||
    fail "NAT64 ping"
ctl jool sessions >$S/sessions.log 2>&1
grep -q "tcp.*\[2001:db8:1::2\]:[0-9]*.*192.0.2.1:6[0-9]*.*192.0.2.2:80" $S/sessions.log &&
    ok "v6gatectl jool sessions: the IPv6 client, its pool4 address and the server" ||
    fail "sessions: $(head -3 $S/sessions.log | tr '\n' ' ')"
# 80 UDP sessions: more than one reply page (~26 sessions a page)
in_c6 python3 -c '
import socket
for i in range(80):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.sendto(b"x", ("'$SRV6'", 5353))
    s.close()'
sleep 1
n=$(ctl jool sessions | grep -c "^udp ")
[ "$n" -ge 80 ] && ok "session list read over several pages ($n UDP sessions)" ||
    fail "UDP sessions listed: $n, expected at least 80"

# --- D. the guard: only configured backends and ports ------------------------------
got=$(in_c6 curl -sS --max-time 3 "http://[$OTHER6]/" 2>&1)
case "$got" in "peer="*) fail "a backend not in the config answered: $got" ;;
*) ok "a backend not in the config is unreachable" ;; esac
got=$(in_c6 curl -sS --max-time 3 "http://[$SRV6]:8080/" 2>&1)
case "$got" in "peer="*) fail "a port not in the config answered: $got" ;;
*) ok "a port not in the config is unreachable" ;; esac
refused=$(jkey packets)
[ "$refused" -ge 2 ] 2>/dev/null && ok "the guard counted them ($refused packets)" ||
    fail "guard counter: '$refused'"

# --- E. SIIT: IPv4 client to the IPv6-only server ----------------------------------
got=$(in_c4 curl -sS --max-time 8 "http://192.0.2.50/" 2>&1)
case "$got" in "peer=2001:db8:46::c633:6402:"*"server=2001:db8:200::50:80") ok "SIIT: $got" ;;
*) fail "SIIT: $got" ;; esac

# --- E2. the kernel counts nat64 and siit traffic, to the byte ------------------------
# sget SERVICE FAMILY KEY: a counter of "v6gatectl stats --json" (no json
# module in the guest's python3-minimal; the output is one key per line)
sget() {
	ctl stats --service "$1" --json | awk -v f="\"$2\":{" -v k="\"$3\":" '
	    index($0, f) { infam = 1 } infam && index($0, k) {
	    sub(/.*:/, ""); sub(/,$/, ""); print; exit }'
}
counters() { echo "$(sget web ipv6 packets_in) $(sget web ipv6 bytes_in)" \
    "$(sget web ipv6 packets_out) $(sget web ipv6 bytes_out)"; }
# udp6 N: N datagrams of 100 bytes to web's udp/5353, one reply each; prints
# "N replies, B reply bytes".  IPv6 in: 40 + 8 + 100 bytes a packet; IPv4
# out: 20 + 8 + the reply's length.
udp6() {
	in_c6 python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(5)
n = b = 0
for i in range(int(sys.argv[1])):
    s.sendto(b"x" * 100, ("'$SRV6'", 5353))
    d = s.recv(1000)
    n += 1
    b += len(d)
print(n, b)' "$1"
}
# expect BEFORE N REPLYBYTES: the counters BEFORE plus N exchanges
expect() {
	set -- $1 $2 $3
	echo "$(($1 + $5)) $(($2 + $5 * 148)) $(($3 + $5)) $(($4 + $5 * 28 + $6))"
}
wait_counters() {	# until the counters equal $1 (5 s: a few checkpoints)
	for _ in $(seq 50); do [ "$(counters)" = "$1" ] && return 0; sleep 0.1; done
	return 1
}
sleep 1.5
c0=$(counters)
set -- $(udp6 20)
want=$(expect "$c0" "$1" "$2")
check_eq "20 UDP exchanges through NAT64" "$1" 20
wait_counters "$want"
check_eq "counted exactly: packets and IP bytes in (IPv6) and out (IPv4)" \
    "$(counters)" "$want"
check_eq "in IP bytes, as stats says" "$(ctl stats --service web --json | grep -c '"bytes":"ip"')" 1
# kill -9 right after traffic: the kernel kept counting, nothing is lost
c1=$(counters)
set -- $(udp6 15)
kill -9 $GWPID
wait $GWPID 2>/dev/null
want=$(expect "$c1" "$1" "$2")
ip netns exec gw $V6GATED -f -v -c $S/a.conf >>$S/gw.log 2>&1 &
GWPID=$!
for _ in $(seq 80); do ctl status >/dev/null 2>&1 && break; sleep 0.1; done
wait_counters "$want"
check_eq "kill -9 right after 15 exchanges, restart: all of them counted once" \
    "$(counters)" "$want"
# the restart read the SIIT rules over netlink, found them in place, and
# left one jump per family, not two
check_eq "after the restart: one jump to V6GATE-SIIT in iptables and in ip6tables" \
    "$(in_g iptables-save -t mangle | grep -c -- '-A PREROUTING -j V6GATE-SIIT') $(in_g ip6tables-save -t mangle | grep -c -- '-A PREROUTING -j V6GATE-SIIT')" "1 1"
# a counter reset behind the daemon's back: not a negative delta, not twice
sleep 1.5
c2=$(counters)
# (nft 1.0.6 cannot reset an element's counter: a counting element deleted
# and made again, in one transaction, does the same)
for e in "nat64_ports_count { $SRV6 . udp . 5353 }" "nat64_out_count { 192.0.2.2 . udp . 5353 }"; do
	in_g nft "delete element inet v6gate $e; add element inet v6gate $e" ||
	    fail "making the element $e again"
done
set -- $(udp6 5)
want=$(expect "$c2" "$1" "$2")
wait_counters "$want"
check_eq "after the kernel counters were reset: only the 5 new exchanges added" \
    "$(counters)" "$want"
grep -q "nftables counter of web (nat64_ports $SRV6 . udp . 5353) was reset" $S/gw.log &&
    ok "the reset is logged" || fail "no log line for the counter reset"
# the table deleted by hand: made again at the next reload, counting from
# zero
in_g nft delete table inet v6gate
sleep 1.5
ctl reload >/dev/null 2>&1 || fail "reload after the counting table was deleted"
c3=$(counters)
set -- $(udp6 5)
want=$(expect "$c3" "$1" "$2")
wait_counters "$want"
check_eq "a recreated table counts from zero, nothing twice" "$(counters)" "$want"
# distinct clients: 2001:db8:1::2 (TCP, UDP) and ::5-::8 (the batch in C)
# count; ::3 only pinged and ::4 only asked DNS: they do not (the national
# definition)
in_c6 ip addr add 2001:db8:1::3/64 dev c0 nodad
in_c6 ip addr add 2001:db8:1::4/64 dev c0 nodad
in_c6 ping -6 -n -c 2 -i 0.3 -W 3 -I 2001:db8:1::3 "$SRV6" >/dev/null 2>&1 ||
    fail "ping from ::3"
in_c6 python3 -c '
import socket
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.bind(("2001:db8:1::4", 0))
for i in range(3):
    s.sendto(b"\x12\x34" + b"\x00" * 10, ("'$SRV6'", 53))'
sleep 11	# the sets are read every 10 checkpoints
check_eq "nat64 distinct clients: the 5 TCP/UDP clients only, today and this month, one /64" \
    "$(sget web ipv6 clients_day) $(sget web ipv6 clients_month) $(sget web ipv6 clients64_day)" "5 5 1"
check_eq "a client seen only in DNS is not an active user" \
    "$(sget dns ipv6 clients_day) $(sget dns ipv6 packets_in)" "0 3"
check_eq "siit: the IPv4 client is one IPv4 client" "$(sget v6app ipv4 clients_day)" 1
# siit: the IPv4 client's request (section E) in, the server's answer out
v4in=$(sget v6app ipv4 packets_in)
v4out=$(sget v6app ipv4 packets_out)
[ "${v4in:-0}" -ge 3 ] && [ "${v4out:-0}" -ge 3 ] &&
    ok "siit: the IPv4 client's packets counted both ways ($v4in in, $v4out out)" ||
    fail "siit counters: in '$v4in' out '$v4out'"
in_g nft list table inet v6gate >$S/count-table.log 2>&1

# --- F. reload adds and removes services; a TCP session of another stays up ---------
in_c6 python3 -c '
import socket, sys, time
s = socket.create_connection(("'$SRV6'", 7000), timeout=20)
s.sendall(b"one\n"); a = s.recv(100)
open("/tmp/echo.ready", "w").close()
while not __import__("os").path.exists("/tmp/echo.go"):
    time.sleep(0.1)
s.sendall(b"two\n"); b = s.recv(100)
print(a.decode().strip(), b.decode().strip())' >/tmp/echo.out 2>&1 &
echo_pid=$!
for _ in $(seq 100); do [ -e /tmp/echo.ready ] && break; sleep 0.1; done
sessions_before=$(jkey sessions)
conf $S/a.conf echo mail v6app		# web goes, mail comes, echo stays
out=$(ctl reload 2>&1) && ok "reload: web removed, mail added" || fail "reload: $out"
touch /tmp/echo.go
wait $echo_pid
check_eq "the echo session opened before the reload still works after it" "$(cat /tmp/echo.out)" "one two"
got=$(in_c6 curl -sS --max-time 8 "http://[$SRV6]:25/" 2>&1)
case "$got" in "peer=192.0.2.1:6"*) ok "the added service answers" ;; *) fail "added service: $got" ;; esac
got=$(in_c6 curl -sS --max-time 3 "http://[$SRV6]/" 2>&1)
case "$got" in "peer="*) fail "the removed service still answers: $got" ;;
*) ok "the removed service no longer answers" ;; esac
[ "$sessions_before" -ge 1 ] 2>/dev/null && ok "Jool had sessions before the reload ($sessions_before)" ||
    fail "sessions before: $sessions_before"

# --- G. a bad config is refused; the kernel is unchanged -----------------------------
# (the guard's rules and elements, not what traffic moves: counters, the
# clients seen)
snap() {
	for p in --tcp --udp --icmp; do in_g jool -i v6gate pool4 display --csv $p 2>&1; done
	in_g jool_siit -i v6gate-siit eamt display --csv 2>&1
	in_g nft -s list table inet v6gate 2>&1 |
	    sed -E '/set (seen[46]|[a-z0-9_]+_count) \{/,/^\t\}/d'
}
before=$(snap)
cp $S/a.conf $S/good.conf
sed -i 's/backend = "192.0.2.2"; ports = \[ "tcp\/25" \]/backend = "192.0.2.2"; ports = [ "tcp\/99999" ]/' $S/a.conf
out=$(ctl reload 2>&1)
check_eq "a bad config is refused" "$?" 1
case "$out" in *"a.conf:"*"tcp/99999"*) ok "with file:line" ;; *) fail "refusal said: $out" ;; esac
check_eq "the kernel state (pool4, EAM, guard) is unchanged" "$(snap)" "$before"

# --- H. pool6 cannot change on a live NAT64 instance (Jool #317) -----------------------
POOL6=2001:db8:65::/96 conf $S/a.conf echo mail v6app
out=$(ctl reload 2>&1)
check_eq "a pool6 change is refused" "$?" 1
case "$out" in *"Jool #317"*"--recreate-nat64"*) ok "with the way out" ;; *) fail "pool6 refusal: $out" ;; esac
check_eq "and the kernel state is unchanged" "$(snap)" "$before"
out=$(ctl reload --recreate-nat64 2>&1) && ok "reload --recreate-nat64" || fail "recreate: $out"
in_g jool -i v6gate global display 2>&1 | grep -q "pool6: 2001:db8:65::/96" &&
    ok "the NAT64 instance now has the new pool6" ||
    fail "pool6 after recreate: $(in_g jool -i v6gate global display 2>&1 | grep pool6)"
got=$(in_c6 curl -sS --max-time 8 "http://[2001:db8:65::c000:202]:25/" 2>&1)
case "$got" in "peer=192.0.2.1:6"*) ok "and translates with it" ;; *) fail "after recreate: $got" ;; esac
cp $S/good.conf $S/a.conf
ctl reload --recreate-nat64 >/dev/null 2>&1 || fail "back to the first pool6"

# --- I. an instance v6gate did not create ---------------------------------------------
in_g jool instance add foreign --iptables --pool6 2001:db8:47::/96 >/dev/null 2>&1 ||
    fail "jool instance add foreign"
ip netns add gw2
ip netns exec gw2 jool instance add v6gate --netfilter --pool6 2001:db8:64::/96 >/dev/null 2>&1
sed "s|$S/state|$S/state2|; s|$S/ctl.sock|$S/ctl2.sock|" $S/a.conf >$S/b.conf
out=$(ip netns exec gw2 $V6GATED -f -c $S/b.conf 2>&1)
check_eq "an existing instance of the same name, not v6gate's: refused" "$?" 1
case "$out" in *"exists and was not created by v6gate"*) ok "and says so" ;; *) fail "said: $out" ;; esac
ip netns exec gw2 jool instance display 2>&1 | grep -q v6gate && ok "and it is left alone" ||
    fail "the foreign instance in gw2 was touched"

# --- J. the data plane does not depend on the daemon ---------------------------------
kill $GWPID
wait $GWPID 2>/dev/null
GWPID=
got=$(in_c6 curl -sS --max-time 8 "http://[$SRV6]:25/" 2>&1)
case "$got" in "peer=192.0.2.1:6"*) ok "with v6gated stopped, Jool still translates" ;;
*) fail "after stop: $got" ;; esac

# --- L. the audit log traces a NAT64 server's peer back to the IPv6 client -------------
# (the daemon stopped in J wrote the mappings it had seen, still active)
tr=$(in_g $V6GATECTL -c $S/a.conf trace --at "$tcp_at" --peer "$tcp_peer" --json 2>&1)
case "$tr" in *'"client":"[2001:db8:1::2]:'*'"kind":"nat64","protocol":"tcp"'*)
	ok "trace: the server's TCP peer $tcp_peer is [2001:db8:1::2]" ;;
*) fail "trace $tcp_peer: $tr" ;; esac
tr=$(in_g $V6GATECTL -c $S/a.conf trace --at "$udp_at" --peer "$udp_peer" 2>&1)
case "$tr" in *"client [2001:db8:1::2]:"*"service web"*)
	ok "trace: the server's UDP peer $udp_peer too, service web" ;;
*) fail "trace $udp_peer: $tr" ;; esac
in_g $V6GATECTL -c $S/a.conf trace --at "$tcp_at" --peer 192.0.2.1:1 >/dev/null 2>&1
check_eq "trace: a pool4 port nobody had finds nothing" "$?" 1
good=0
while read -r src peer at; do
	in_g $V6GATECTL -c $S/a.conf trace --at "$at" --peer "$peer" \
	    --server 192.0.2.2:80 --json 2>&1 | grep -q "\"client\":\"\[$src\]:" &&
	    good=$((good + 1))
done <$S/batch.txt
check_eq "trace: each of the 12 server peers leads to its own client" "$good" 12

# --- K. --teardown removes what v6gate created, and only that --------------------------
ip netns del gw2	# (jool instance display lists every namespace's)
# the counting table of v6gate 0.1, as an upgrade may leave it
in_g nft add table inet v6gate_count
out=$(in_g $V6GATED -c $S/a.conf --teardown 2>&1)
check_eq "--teardown succeeds" "$?" 0
inst=$(in_g jool instance display 2>&1; in_g jool_siit instance display 2>&1)
in_g iptables-save -t mangle 2>&1 | grep -q V6GATE && fail "the SIIT rules survived teardown" ||
    ok "the SIIT rules are gone"
case "$inst" in *"v6gate"*) fail "a v6gate instance survived teardown: $inst; teardown said: $out" ;;
*) ok "v6gate's instances are gone" ;; esac
case "$inst" in *"foreign"*) ok "the foreign instance stays" ;; *) fail "foreign gone: $inst" ;; esac
in_g nft list table inet v6gate >/dev/null 2>&1 && fail "the guard table survived" ||
    ok "the guard table is gone"
in_g nft list table inet v6gate_count >/dev/null 2>&1 &&
    fail "the counting table of v6gate 0.1 survived" ||
    ok "the counting table of v6gate 0.1 is gone too"

finish
GUEST
guest_run 400
