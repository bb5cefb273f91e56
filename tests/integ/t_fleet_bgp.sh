#!/bin/bash
# SPDX-License-Identifier: ISC
# More than two gateways, ECMP: two gateways (A, B) hold the same service
# addresses on lo and announce them with real BIRD 2 running
# conf/bird.conf.example (only its router id and local addresses changed
# for B), switched by conf/v6gate-bird-health; a BIRD router (in the
# client namespace, "merge paths") installs one multipath route and its
# host's curl goes through it.  New connections spread over both; A's
# v6gated killed, its routes are withdrawn and every new connection goes
# to B (the time is printed); A back, announced again; its health script
# stopped, withdrawn.
. "$(dirname "$0")/lib.sh"

EX=$srcdir/conf/bird.conf.example
HEALTH=$srcdir/conf/v6gate-bird-health
R6=2001:db8:1::1	A6=2001:db8:1::11	B6=2001:db8:1::12
R4=192.0.2.1		A4=192.0.2.11		B4=192.0.2.12
VIP6=$GW6		VIP4=$GW4	# on both gateways' lo
pair_up
for p in bird birdc; do
	command -v $p >/dev/null ||
	    { fail "$p is not installed (bird2, .ci/deps)"; exit 1; }
done
check_cmd "bird -p parses conf/bird.conf.example" bird -p -c "$EX"

# the LAN: the router (and client) and the two gateways; the servers'
# behind both; the service addresses on both gateways' lo
pair_lan "$R6" "$R4" "$A6" "$A4" "$B6" "$B4"
for ns in "$NS_G" "$NS_B"; do
	ip -n "$ns" addr add $VIP6/128 dev lo nodad
	ip -n "$ns" addr add $VIP4/32 dev lo
done
# flows spread by their ports, not only their addresses
in_c sysctl -qw net.ipv6.fib_multipath_hash_policy=1 \
    net.ipv4.fib_multipath_hash_policy=1
nginx_up || exit 1

# the same service on both gateways, on the anycast addresses
for s in a b; do
	gw_conf "$T/$s.conf" <<-EOF
		services = (
		  { name = "www"; mode = "proxy";
		    listen = [ "[$VIP6]:443", "$VIP4:443" ];
		    hosts = [ "www.example.org" ]; default = true;
		    backends = [ "10.1.0.5:443" ]; }
		);
	EOF
	sed -i "s|name = \"test-gw\"|name = \"gw-$s\"|; s|$T/state|$T/state-$s|; s|$CTL_SOCK|$T/$s.sock|" \
	    "$T/$s.conf"
done
CTL_SOCK=$T/a.sock
gw_up "$T/a.conf" || exit 1
gw_b_up "$T/b.conf" "$T/b.sock" || exit 1

# ------------------------------------------------------------ BIRD
# the example as it is for A; B's router id and local addresses; both log
# to a file of the test (not the host's syslog)
sed "s|^log syslog all;|log \"$T/bird-a.log\" all;|" "$EX" >"$T/bird-a.conf"
sed -e "s|$A6|$B6|g; s|$A4|$B4|g; s|bird-a.log|bird-b.log|" \
    "$T/bird-a.conf" >"$T/bird-b.conf"
check_eq "B's file differs from the example in the addresses and log only" \
    "$(diff "$EX" "$T/bird-b.conf" | grep -c '^>')" 4
# the router: both gateways as eBGP peers, multipath into its kernel table
cat >"$T/bird-r.conf" <<EOF
router id $R4;
log "$T/bird-r.log" all;
protocol device { }
protocol kernel { ipv6 { export all; }; merge paths yes; }
protocol kernel { ipv4 { export all; }; merge paths yes; }
template bgp fleet { local as 65000; hold time 9; keepalive time 3; }
protocol bgp a6 from fleet { local $R6; neighbor $A6 as 65001; ipv6 { import all; export none; }; }
protocol bgp b6 from fleet { local $R6; neighbor $B6 as 65001; ipv6 { import all; export none; }; }
protocol bgp a4 from fleet { local $R4; neighbor $A4 as 65001; ipv4 { import all; export none; }; }
protocol bgp b4 from fleet { local $R4; neighbor $B4 as 65001; ipv4 { import all; export none; }; }
EOF
bird_up() {	# NAME NS
	ip netns exec "$2" bird -f -c "$T/bird-$1.conf" -s "$T/bird-$1.ctl" \
	    >>"$T/bird-$1.out" 2>&1 &
	for i in $(seq 50); do
		birdc -s "$T/bird-$1.ctl" show status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	fail "BIRD $1 did not start: $(tail -3 "$T/bird-$1.out")"
	return 1
}
bird_up r "$NS_C" && bird_up a "$NS_G" && bird_up b "$NS_B" || exit 1
# the health scripts, with the build tree's v6gatectl
health_up() {	# NAME NS
	ip netns exec "$2" env PATH="$builddir:$PATH" sh "$HEALTH" \
	    -s "$T/$1.sock" -b "$T/bird-$1.ctl" v6gate6 v6gate4 \
	    >>"$T/health-$1.log" 2>&1 &
	eval "HEALTH_$1=\$!"
}

# via FAMILY: the router's next hops to the service address, sorted
via() {
	local a=$VIP6

	[ "$1" = 4 ] && a=$VIP4
	in_c ip -"$1" route show "$a" | grep -o 'via [0-9a-f:.]*' |
	    awk '{ print $2 }' | sort | tr '\n' ' '
}
wait_via() {	# FAMILY WANT SECONDS: until the route is WANT; prints it
	local got

	for i in $(seq $(($3 * 10))); do
		got=$(via "$1")
		[ "$got" = "$2" ] && break
		sleep 0.1
	done
	echo "$got"
}
check_eq "nothing announced before the health script runs" "$(via 6)$(via 4)" ""
health_up a "$NS_G"
health_up b "$NS_B"
check_eq "IPv6: the router has one route through both gateways" \
    "$(wait_via 6 "$A6 $B6 " 15)" "$A6 $B6 "
check_eq "IPv4: the same" "$(wait_via 4 "$A4 $B4 " 15)" "$A4 $B4 "

# new connections from the router's host: N over IPv6, N over IPv4
accepted() { "$V6GATECTL" -s "$T/$1.sock" status --json | python3 -c '
import json, sys; print(json.load(sys.stdin)["connections"]["accepted"])'; }
burst() {	# N ADDR: N new connections, prints how many were answered
	for i in $(seq "$1"); do
		in_c curl -sS -k --max-time 5 -o /dev/null -w '%{http_code}\n' \
		    --resolve "www.example.org:443:$2" https://www.example.org/
	done | grep -c '^200$'
}
a0=$(accepted a) b0=$(accepted b)
check_eq "20 new connections over IPv6, 20 over IPv4, all answered" \
    "$(burst 20 "[$VIP6]") $(burst 20 "$VIP4")" "20 20"
da=$(($(accepted a) - a0)) db=$(($(accepted b) - b0))
log "spread: A took $da, B $db"
[ "$da" -gt 0 ] && [ "$db" -gt 0 ] && [ $((da + db)) = 40 ] &&
    ok "ECMP spreads them over both gateways (A $da, B $db)" ||
    fail "spread: A $da, B $db (want both > 0, 40 in all)"

# A's v6gated dies: its script disables the statics, BIRD withdraws
t=$(date +%s%3N)
kill -9 "$GW_PID"; wait "$GW_PID" 2>/dev/null; GW_PID=
check_eq "A's v6gated killed: IPv6 routed to B only" \
    "$(wait_via 6 "$B6 " 10)" "$B6 "
log "withdrawn $(($(date +%s%3N) - t)) ms after the kill"
check_eq "and IPv4" "$(wait_via 4 "$B4 " 5)" "$B4 "
b0=$(accepted b)
check_eq "every new connection answered, by B" \
    "$(burst 10 "[$VIP6]") $(burst 10 "$VIP4") $(($(accepted b) - b0))" \
    "10 10 20"
grep -q 'disable v6gate6 v6gate4 (v6gatectl health failed)' \
    "$T/health-a.log" && ok "A's script says why it withdrew" ||
    fail "A's script log: $(cat "$T/health-a.log")"

# A back: announced again
gw_up "$T/a.conf" || exit 1
check_eq "A's v6gated back: both gateways again" \
    "$(wait_via 6 "$A6 $B6 " 10)" "$A6 $B6 "

# A's health script stopped (maintenance): withdrawn at once
kill "$HEALTH_a"; wait "$HEALTH_a" 2>/dev/null
check_eq "A's script stopped: B only" "$(wait_via 6 "$B6 " 5)" "$B6 "
check_eq "BIRD on A: its statics disabled, its sessions still up" \
    "$(birdc -s "$T/bird-a.ctl" show protocols | awk '
    $1 ~ /^(v6gate|router)/ { print $1, $4 }' | sort | tr '\n' ' ')" \
    "router4 up router6 up v6gate4 down v6gate6 down "
