#!/bin/bash
# SPDX-License-Identifier: ISC
# A keepalived pair: two gateways (A, priority 150, and B, 100) on one
# client-side bridge, each with real keepalived (VRRPv3: the IPv6 service
# address and an IPv4 one, a sync group) whose vrrp_script is "v6gatectl
# health", real nginx behind both.  A loop of new connections from the
# IPv6 client (every 100 ms, 300 ms connect timeout) measures the time
# from each failure of the master to the next success: (a) its v6gated
# killed, (b) its keepalived killed (SIGKILL), (c) its link unplugged.
# A download through B started before (a) completes byte-exact; A takes
# the addresses back each time it returns (preempt); a drain on each
# gateway survives A's restart and the failover (a drain is per gateway).
. "$(dirname "$0")/lib.sh"

KEEPALIVED=$(command -v keepalived) ||
    { echo "FAIL $TNAME: keepalived is not installed (.ci/deps)"; exit 1; }

VIP6=$GW6		# 2001:db8:100::10, the IPv6 service address
VIP4=192.0.2.10
A6=2001:db8:100::11	B6=2001:db8:100::12	C6=2001:db8:100::2
CTL_SOCK=$T/A.sock	# lib.sh's ctl and bk: gateway A

pair_up		# gateway A is NS_G, B is NS_B
# and keepalived stops before the namespaces go
finish_pair() {
	local rc=$?

	ka_stop A
	ka_stop B
	(exit $rc)
	finish
}
trap finish_pair EXIT
# the clients' LAN (a bridge, a port per gateway), the servers' behind both
pair_lan "$C6" 192.0.2.2 "$A6" 192.0.2.11 "$B6" 192.0.2.12
nginx_up || exit 1

# ------------------------------------------------------------ the gateways
# One config each: the service addresses (held by whoever is master; bound
# by both, FREEBIND) and the gateway's own address, where the download
# through B goes.
conf_pair() {	# NAME OWN6
	cat >"$T/$1.conf" <<EOF
gateway: {
  name = "gw-$1";
  state_dir = "$T/state-$1";
  control_socket = "$T/$1.sock";
  workers = 2;
  timeouts: { first_flight = 10; connect = 2; idle = 60; };
};
services = (
  { name = "www"; mode = "proxy";
    listen = [ "[$VIP6]:443", "$VIP4:443", "[$2]:443" ];
    hosts = [ "www.example.org" ]; default = true;
    backends = [ "10.1.0.5:443", "10.1.0.6:443" ]; }
);
EOF
}
conf_pair A "$A6"
conf_pair B "$B6"

# gateway A is lib.sh's (NS_G, GW_PID, GW_LOG); B its gw_b_up's (NS_B)
gw_a_up() { gw_up "$T/A.conf"; }
ctl_a() { "$V6GATECTL" -s "$T/A.sock" "$@"; }
ctl_b() { "$V6GATECTL" -s "$T/B.sock" "$@"; }

# ------------------------------------------------------------ keepalived
# NAME IF PRIO: VRRPv3 for both families (advert_int 0.5 s: a dead master
# is taken over in 3 x 0.5 s + skew); the script every second, one failure
# makes the instance FAULT (no weight: an unhealthy gateway never holds the
# address); preempt: A takes it back when it returns.
ka_conf() {
	cat >"$T/ka-$1.conf" <<EOF
global_defs {
  router_id gw-$1
  vrrp_version 3
  script_user root
  enable_script_security
  vrrp_garp_master_delay 0
  vrrp_garp_master_repeat 2
}
vrrp_script v6gate_health {
  script "$V6GATECTL -s $T/$1.sock health"
  interval 1
  timeout 2
  fall 1
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
  interface $2
  virtual_router_id 61
  priority $3
  advert_int 0.5
  native_ipv6
  virtual_ipaddress {
    $VIP6/64 dev $2
  }
  track_script {
    v6gate_health
  }
}
vrrp_instance vip4 {
  state BACKUP
  interface $2
  virtual_router_id 41
  priority $3
  advert_int 0.5
  virtual_ipaddress {
    $VIP4/24 dev $2
  }
  track_script {
    v6gate_health
  }
}
EOF
}
ka_conf A ga0 150
ka_conf B gb0 100
# (the build tree's v6gatectl: keepalived's script security wants no
# path to it writable by others; the test's tree is root's)
ka_up() {	# NAME NS
	ip netns exec "$2" "$KEEPALIVED" -n -l -D -P -f "$T/ka-$1.conf" \
	    -p "$T/ka-$1.pid" -r "$T/ka-$1-vrrp.pid" >>"$T/ka-$1.log" 2>&1 &
	eval "KA_$1=\$!"
}
ka_stop() {
	local v=KA_$1 p

	p=${!v:-}
	[ -n "$p" ] || return 0
	kill "$p" 2>/dev/null
	for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	kill -9 "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	eval "KA_$1="
}
# who has the IPv6 service address: A, B, both or none
holder() {
	local a b

	a=$(in_g ip -6 -o addr show dev ga0 | grep -c " $VIP6/")
	b=$(in_b ip -6 -o addr show dev gb0 | grep -c " $VIP6/")
	case "$a$b" in 10) echo A ;; 01) echo B ;; 11) echo both ;;
	*) echo none ;; esac
}
wait_holder() {	# WHO SECONDS
	for i in $(seq $(($2 * 10))); do
		[ "$(holder)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

gw_a_up || exit 1
gw_b_up "$T/B.conf" "$T/B.sock" || exit 1
# a drain on each gateway: www's second backend; every connection through
# either one must reach 10.1.0.5
ctl_a drain www 10.1.0.6:443 >/dev/null && ctl_b drain www 10.1.0.6:443 \
    >/dev/null || fail "drain"
check_eq "B's health before it holds any address" \
    "$(ctl_b health --json | python3 -c 'import json,sys; h=json.load(sys.stdin)
print(h["healthy"], sorted(set(l["state"] for l in h["listeners"])))')" \
    "True ['bound', 'bound, address not local']"
ka_up A "$NS_G"
ka_up B "$NS_B"
wait_holder A 10 && ok "A (priority 150) is master" ||
    fail "A did not become master: $(holder); $(tail -5 "$T/ka-A.log")"
in_g ip -6 -o addr show dev ga0 | grep -q " $VIP6/.* nodad" &&
    ok "keepalived adds the IPv6 address with nodad (no DAD wait)" ||
    log "keepalived added the IPv6 address without nodad: $(in_g ip -6 -o addr show dev ga0 | grep " $VIP6/")"
check_eq "IPv6 through the address" "$(in_c curl -sS -k --max-time 5 \
    --resolve "www.example.org:443:[$VIP6]" https://www.example.org/)" \
    "backend=10.1.0.5:443 host=www.example.org sni=www.example.org"
check_eq "IPv4 through the address" "$(in_c curl -sS -k --max-time 5 \
    --resolve "www.example.org:443:$VIP4" https://www.example.org/)" \
    "backend=10.1.0.5:443 host=www.example.org sni=www.example.org"

# ------------------------------------------------------------ the loop
# one new connection every 100 ms: "start_ms end_ms rc backend"
in_c bash -c '
while :; do
	s=$(date +%s%3N)
	out=$(curl -sk --connect-timeout 0.3 --max-time 1 \
	    --resolve "www.example.org:443:['"$VIP6"']" \
	    https://www.example.org/ 2>/dev/null)
	rc=$?
	echo "$s $(date +%s%3N) $rc ${out%% *}"
	sleep 0.1
done' >"$T/loop.log" 2>&1 &
LOOP=$!
# the slow download through B (its own address), before any failure
in_c curl -sS -k --limit-rate 80k --max-time 60 -o "$T/dl.bin" \
    --resolve "www.example.org:443:[$B6]" https://www.example.org/files/1m \
    2>"$T/dl.err" &
DL=$!
sleep 1

# recovery EVENT_MS: ms from the event to the end of the first success
# that follows the failures it caused (0: none failed)
recovery() {
	awk -v t="$1" '$1 >= t {
		if ($3 != 0) failed = 1
		else if (failed) { print $2 - t; exit }
		else if (++good >= 30) { print 0; exit }
	}' "$T/loop.log"
}
measure() {	# NAME EVENT_MS
	local r

	for i in $(seq 100); do
		r=$(recovery "$2")
		[ -n "$r" ] && break
		sleep 0.1
	done
	if [ -z "$r" ]; then
		fail "$1: no success within 10 s"
		return
	fi
	log "$1: next success after $r ms"
	echo "$1 $r" >>"$T/figures"
	[ "$r" -lt 3000 ] && ok "$1: service back in $r ms (< 3 s)" ||
	    fail "$1: service back in $r ms (target < 3 s)"
}
served_by_5() {	# the drain holds: every answer of the loop since MS
	awk -v t="$1" '$1 >= t && $3 == 0 && $4 != "backend=10.1.0.5:443" {
		n++ } END { print n + 0 }' "$T/loop.log"
}

# (a) the master's v6gated dies: its health fails, its keepalived FAULTs
t=$(date +%s%3N)
kill -9 "$GW_PID"; wait "$GW_PID" 2>/dev/null; GW_PID=
measure "(a) kill A's v6gated" "$t"
check_eq "(a) B holds the address" "$(holder)" B
check_eq "(a) B keeps its drain: no answer from the drained backend" \
    "$(served_by_5 "$t")" 0
# failback: A's v6gated again, healthy, A preempts
gw_a_up || exit 1
wait_holder A 10 && ok "(a) A's v6gated back: A is master again" ||
    fail "(a) no failback: $(holder)"
check_eq "(a) A's drain survived its restart" \
    "$(bk www 10.1.0.6:443 state)" draining
sleep 1

# (b) the master's keepalived dies: SIGKILL to its VRRP process and its
# parent at once (a crash: no priority-0 advert, its addresses left
# behind); B takes over when A's adverts stop (3 x 0.5 s + skew)
t=$(date +%s%3N)
kill -9 "$(cat "$T/ka-A-vrrp.pid")" "$KA_A"; wait "$KA_A" 2>/dev/null; KA_A=
wait_holder both 5 && ok "(b) B holds the address (A's stale copy left)" ||
    fail "(b) holder: $(holder)"
log "(b) B took the address over after $(($(date +%s%3N) - t)) ms"
# (A's v6gated still answers on its stale copy: maybe no failure at all)
measure "(b) kill A's keepalived" "$t"
accepted_b() { ctl_b status --json | python3 -c '
import json, sys; print(json.load(sys.stdin)["connections"]["accepted"])'; }
n=$(accepted_b)
sleep 0.5
[ "$(accepted_b)" -gt "$n" ] &&
    ok "(b) new connections go to B (its unsolicited NA won)" ||
    fail "(b) B accepts no new connection"
check_eq "(b) answers only from the backend not drained" \
    "$(served_by_5 "$t")" 0
ka_up A "$NS_G"
wait_holder A 10 && ok "(b) A's keepalived back: A is master again" ||
    fail "(b) no failback: $(holder)"
sleep 1

# (c) the master's link goes down
t=$(date +%s%3N)
in_g ip link set ga0 down
measure "(c) unplug A's link" "$t"
in_g ip link set ga0 up
in_g ip addr add $A6/64 dev ga0 nodad 2>/dev/null
wait_holder A 10 && ok "(c) link back: A is master again" ||
    fail "(c) no failback: $(holder)"
sleep 1
t=$(date +%s%3N)
sleep 1.5
check_eq "after the failback, answers only from the backend not drained" \
    "$(served_by_5 "$t")" 0

# the download through B, started before (a): whole, byte for byte
wait "$DL"
check_eq "the download through B finished" "$?" 0
check_eq "byte-exact" "$(sha256sum <"$T/dl.bin")" \
    "$(sha256sum <"$T/www/1m")"
kill "$LOOP" 2>/dev/null
log "figures (ms): $(tr '\n' ';' <"$T/figures")"
