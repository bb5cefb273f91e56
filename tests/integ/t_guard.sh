#!/bin/bash
# SPDX-License-Identifier: ISC
#
# The translator's nftables table on its own (jool/guard.c, acct/kcount.c,
# through tests/integ/tool_guard): which packets to pool6 it lets through,
# what its set elements count, and how applies change it, with real
# nftables in network namespaces.  Jool is not needed for this (the Jool
# guest runs the whole thing in tests/jool/t_translator.sh): the guard
# hooks prerouting, so a packet is judged and counted when it arrives,
# whatever the gateway then does with it.
#
#   client ns  2001:db8:1::2, 2001:db8:200::50 (the siit server),
#              10.0.0.5 (the nat64 backend, for its answers), 192.0.2.2
#   gw ns      2001:db8:1::1, 192.0.2.1 (pool4), 10.0.0.1: the table

. "$(dirname "$0")/lib.sh"
TOOL_GUARD=${TOOL_GUARD:-$builddir/tests/integ/tool_guard}

net_up
in_c ip -batch - <<EOF
addr add 2001:db8:200::50/64 dev c0 nodad
addr add 2001:db8:200::51/64 dev c0 nodad
addr add 10.0.0.5/24 dev c0
addr add 10.0.0.9/24 dev c0
addr add 192.0.2.2/24 dev c0
route add 192.0.2.50/32 via 192.0.2.1
EOF
in_g ip -batch - <<EOF
addr add 192.0.2.1/24 dev g0
addr add 10.0.0.1/24 dev g0
EOF

# conf FILE SERVICES... : a config with these services (the nat64 pool6
# from $POOL6)
POOL6=2001:db8:64::/96
conf() {
	local f=$1 s sep=""
	shift
	{
		cat <<-EOF
			gateway: { name = "t"; state_dir = "$T/state"; control_socket = "$T/ctl.sock"; http = ""; };
			nat64: { instance = "v6gate"; pool6 = "$POOL6";
			  pool4 = ( { address = "192.0.2.1"; protocol = "tcp"; ports = "61001-65535"; },
			            { address = "192.0.2.1"; protocol = "udp"; ports = "61001-65535"; },
			            { address = "192.0.2.1"; protocol = "icmp"; } ); };
			siit: { instance = "v6gate-siit"; pool6 = "64:ff9b::/96"; };
			services = (
		EOF
		for s in "$@"; do
			case $s in
			web) echo "$sep{ name = \"web\"; mode = \"nat64\"; backend = \"10.0.0.5\"; ports = [ \"udp/5353\", \"tcp/80\", \"icmp\" ]; }" ;;
			dns) echo "$sep{ name = \"dns\"; mode = \"nat64\"; backend = \"10.0.0.6\"; ports = [ \"udp/53\" ]; }" ;;
			mail) echo "$sep{ name = \"mail\"; mode = \"nat64\"; backend = \"10.0.0.7\"; ports = [ \"tcp/25\" ]; }" ;;
			webtcp) echo "$sep{ name = \"web\"; mode = \"nat64\"; backend = \"10.0.0.5\"; ports = [ \"tcp/80\", \"icmp\" ]; }" ;;
			web2) echo "$sep{ name = \"web2\"; mode = \"nat64\"; backend = \"10.0.0.5\"; ports = [ \"udp/5353\" ]; }" ;;
			v6app) echo "$sep{ name = \"v6app\"; mode = \"siit\"; ipv4 = \"192.0.2.50\"; ipv6 = \"2001:db8:200::50\"; }" ;;
			esac
			sep=","
		done
		echo ");"
	} >"$f"
}

# The tool, fed through FIFOs on fds 7 and 8 (which, unlike a coproc's,
# command substitutions inherit): one daemon life from tg_start to tg_stop.
TG_PID=
tg_start() {
	rm -f "$T/tg.in" "$T/tg.out"
	mkfifo "$T/tg.in" "$T/tg.out"
	ip netns exec "$NS_G" "$TOOL_GUARD" <"$T/tg.in" >"$T/tg.out" \
	    2>>"$GW_LOG" &
	TG_PID=$!
	exec 7>"$T/tg.in" 8<"$T/tg.out"
}
tg_stop() {
	[ -n "$TG_PID" ] || return 0
	exec 7>&- 8<&-
	wait "$TG_PID" 2>/dev/null
	TG_PID=
}
tg() {
	local reply
	echo "$*" >&7
	read -r -t 60 -u 8 reply || reply="(no answer)"
	echo "$reply"
}
# counts: the tool's "count", one line per service
counts() {
	local line
	echo count >&7
	read -r -t 60 -u 8 line || line="(no answer)"
	[ "$line" = ok ] || { echo "$line"; return; }
	while read -r -t 60 -u 8 line && [ "$line" != end ]; do
		echo "$line"
	done
}
# cnt SERVICE: its "pkts_in bytes_in pkts_out bytes_out clients"
cnt() { counts | awk -v s="$1" '$1 == s { print $3, $4, $5, $6, $7 }'; }

# udp FROM TO PORT N LEN [SPORT]: N datagrams of LEN bytes from the client
udp() {
	in_c python3 -c '
import socket, sys
src, dst, port, n, size, sport = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
s = socket.socket(socket.AF_INET6 if ":" in dst else socket.AF_INET, socket.SOCK_DGRAM)
s.bind((src, sport))
for i in range(n):
    s.sendto(b"x" * size, (dst, port))' "$1" "$2" "$3" "$4" "$5" "${6:-0}"
}
elem() { in_g nft list set inet v6gate "$1" 2>&1; }
nelem() {
	in_g nft -j list set inet v6gate "$1" | python3 -c '
import json, sys
print(len([o["set"] for o in json.load(sys.stdin)["nftables"] if "set" in o][0].get("elem", [])))'
}
handle() { in_g nft -a list table inet v6gate 2>/dev/null | sed -n 's/^table inet v6gate { # handle \([0-9]*\).*/\1/p'; }
refused() { in_g nft list counter inet v6gate "$1" | awk '/packets/ { print $2 }'; }

WEB6=2001:db8:64::a00:5
conf "$T/a.conf" web dns v6app
conf "$T/b.conf" web mail v6app

# --- A. a first apply makes the table -----------------------------------
tg_start
check_eq "first apply" "$(tg apply "$T/a.conf" | cut -d' ' -f1)" ok
check_eq "nat64 ports: each configured backend port, addressed in pool6" \
    "$(elem nat64_ports | grep -o '2001:db8:64::a00:[56] \. [a-z]* \. [0-9]*' | sort | tr '\n' ,)" \
    "2001:db8:64::a00:5 . tcp . 80,2001:db8:64::a00:5 . udp . 5353,2001:db8:64::a00:6 . udp . 53,"
check_eq "answers are looked up by the backend's address and port" \
    "$(elem nat64_out | grep -o '10\.0\.0\.[56] \. [a-z]* \. [0-9]*' | sort | tr '\n' ,)" \
    "10.0.0.5 . tcp . 80,10.0.0.5 . udp . 5353,10.0.0.6 . udp . 53,"
check_eq "siit: the EAM's IPv4 address and its IPv6 server" \
    "$(elem siit_v4 | grep -o '192\.0\.2\.50') $(elem siit_servers | grep -o '2001:db8:200::50')" \
    "192.0.2.50 2001:db8:200::50"
H1=$(handle)

# --- B. what passes is counted, per service; what does not is refused ------
udp 2001:db8:1::2 $WEB6 5353 10 100		# web: 10 x (40 + 8 + 100)
udp 2001:db8:1::2 2001:db8:64::a00:6 53 3 20	# dns: 3 x 68, a DNS client
udp 2001:db8:1::2 $WEB6 5354 2 100		# no such port
udp 2001:db8:1::2 2001:db8:64::a00:7 5353 2 100	# no such backend
in_c ping -6 -n -c 2 -i 0.2 -W 1 $WEB6 >/dev/null 2>&1	# 2 x (40 + 64)
udp 10.0.0.5 192.0.2.1 61001 5 50 5353		# web's answers: 5 x (20 + 8 + 50)
udp 10.0.0.5 192.0.2.1 40000 3 50 5353		# not to pool4's ports
udp 10.0.0.9 192.0.2.1 61002 3 50 5353		# not from a backend
udp 192.0.2.2 192.0.2.50 7000 4 100		# v6app: 4 x (20 + 8 + 100)
udp 2001:db8:200::50 64:ff9b::c000:202 7000 2 100	# its answers: 2 x 148
udp 2001:db8:200::51 64:ff9b::c000:202 7000 3 100	# not its server
sleep 0.2
check_eq "web: 10 datagrams and 2 echo requests in, 5 answers out; one client" \
    "$(cnt web)" "12 1688 5 390 1"
check_eq "dns: counted, but a client seen only in DNS is not an active user" \
    "$(cnt dns)" "3 204 0 0 0"
check_eq "siit: 4 packets in, 2 out; one IPv4 client" "$(cnt v6app)" \
    "4 512 2 296 1"
check_eq "a port and a backend not configured: refused, 4 packets" \
    "$(refused nat64_refused)" 4
check_eq "siit: packets from another IPv6 server are refused" \
    "$(refused siit_refused)" 3

# --- C. a reload: only what changed; the counters of what stays go on -------
check_eq "reload (dns goes, mail comes)" "$(tg apply "$T/b.conf" | cut -d' ' -f1)" ok
check_eq "the same table (not made again)" "$(handle)" "$H1"
check_eq "dns's elements went, mail's came" \
    "$(elem nat64_ports | grep -o '2001:db8:64::a00:[67] \. [a-z]* \. [0-9]*' | tr '\n' ,)" \
    "2001:db8:64::a00:7 . tcp . 25,"
elem nat64_ports_count | grep -q "$WEB6 . udp . 5353 counter packets 10 bytes 1480" &&
    ok "web's element kept its counter through the reload" ||
    fail "web's counting element after the reload: $(elem nat64_ports_count | grep 5353)"
udp 2001:db8:1::2 $WEB6 5353 4 100
check_eq "web counts on after the reload" "$(cnt web | cut -d' ' -f1-2)" "16 2280"
check_eq "the same config again changes nothing" "$(tg apply "$T/b.conf" | cut -d' ' -f1) $(handle)" "ok $H1"
tg_stop

# --- D. a restart: the kernel is read, not flushed ----------------------------
in_g nft delete element inet v6gate nat64_ports "{ 2001:db8:64::a00:7 . tcp . 25 }"
in_g nft add element inet v6gate nat64_ports "{ 2001:db8:64::a00:9 . tcp . 22 }"
tg_start
check_eq "restart with the same config" "$(tg apply "$T/b.conf" | cut -d' ' -f1) $(handle)" "ok $H1"
check_eq "what a hand edit removed is back, what it added is gone" \
    "$(elem nat64_ports | grep -o '2001:db8:64::a00:[79] \. [a-z]* \. [0-9]*' | tr '\n' ,)" \
    "2001:db8:64::a00:7 . tcp . 25,"
check_eq "a new process counts the elements from their values" \
    "$(cnt web | cut -d' ' -f1-4)" "16 2280 5 390"
# a counter that went back (here: its element deleted by hand; the next
# packet makes it again)
in_g nft delete element inet v6gate nat64_ports_count "{ $WEB6 . udp . 5353 }"
udp 2001:db8:1::2 $WEB6 5353 1 100
check_eq "after a reset only the new packet is added" \
    "$(cnt web | cut -d' ' -f1-2)" "17 2428"
grep -q "nftables counter of web (nat64_ports $WEB6 . udp . 5353) was reset" "$GW_LOG" &&
    ok "the reset is logged" || fail "no log line for the reset"

# --- E. a service takes over another's element ---------------------------
conf "$T/c.conf" web2 webtcp v6app
check_eq "web gives udp/5353 to web2" "$(tg apply "$T/c.conf" | cut -d' ' -f1)" ok
udp 2001:db8:1::2 $WEB6 5353 2 100
check_eq "its packets are web2's from then on" \
    "$(cnt web2 | cut -d' ' -f1-2) / $(cnt web | cut -d' ' -f1-2)" "2 296 / 17 2428"
tg_stop

# --- F. another shape: the table is made again -----------------------------
POOL6=2001:db8:65::/96
conf "$T/d.conf" web v6app
tg_start
check_eq "a new pool6 applies" "$(tg apply "$T/d.conf" | cut -d' ' -f1)" ok
H2=$(handle)
[ -n "$H2" ] && [ "$H2" != "$H1" ] && ok "the table was made again" ||
    fail "table handle $H1 -> $H2"
check_eq "its guard is on the new pool6" \
    "$(in_g nft list chain inet v6gate guard | grep -o 'ip6 daddr 2001:db8:6[45]::/96')" \
    "ip6 daddr 2001:db8:65::/96"
udp 2001:db8:1::2 $WEB6 5353 2 100
check_eq "the old pool6 is no longer let through nor counted" "$(cnt web | cut -d' ' -f1)" 0

# --- G. 10,000 services: apply, then a reload that changes one -------------
python3 - "$T" <<'PY'
import sys
t = sys.argv[1]
head = open(t + "/d.conf").read().split("services = (")[0]
for name, port in (("big", 80), ("big1", 81)):
    with open("%s/%s.conf" % (t, name), "w") as f:
        f.write(head + "services = (\n")
        for i in range(10000):
            f.write('%s{ name = "s%d"; mode = "nat64"; backend = "10.%d.%d.%d"; ports = [ "tcp/%d" ]; }\n'
                    % ("," if i else "", i, 100 + (i >> 16), (i >> 8) & 255, i & 255,
                       port if i == 5000 else 80))
        f.write(");\n")
PY
big=$(tg apply "$T/big.conf")
check_eq "10,000 services apply" "${big%% *}" ok
check_eq "10,000 ports, answers and hosts" \
    "$(nelem nat64_ports) $(nelem nat64_out) $(nelem nat64_hosts)" \
    "10000 10000 10000"
one=$(tg apply "$T/big1.conf")
check_eq "a reload that changes one of them" "${one%% *}" ok
log "10,000 services: full apply ${big#ok } ms, one changed ${one#ok } ms"
elem nat64_ports | grep -q "2001:db8:65::a64:1388 . tcp . 81" && \
    ! elem nat64_ports | grep -q "2001:db8:65::a64:1388 . tcp . 80" &&
    ok "the changed port is in, the old one out" ||
    fail "s5000's element after the reload"

# --- H. no translator left: the table goes ---------------------------------
check_eq "remove" "$(tg remove)" ok
in_g nft list table inet v6gate >/dev/null 2>&1 && fail "the table survived" ||
    ok "the table is gone"
tg_stop
