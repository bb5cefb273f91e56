#!/bin/bash
# Backend pools: weighted round robin spreads 3:1; leastconn sends new
# connections away from a backend holding long ones; source keeps a
# client /64 on one backend while different /64s spread; a backup serves
# only when every normal backend is down; a killed backend is found down
# by its tcp check within fall x interval and, from then on, no client
# notices; it comes back after rise passes; "drain" lets a download in
# progress finish while new connections go elsewhere, survives a reload
# and is undone by "enable"; unknown names are refused with a message.
. "$(dirname "$0")/lib.sh"
net_up
nginx_up
head -c 4194304 /dev/urandom >"$T/www/4m"

# More backend addresses, each its own nginx (stopped and started alone),
# answering like the lib's nginx: "backend=ADDR:PORT host=... sni=...".
in_s ip addr add 10.1.0.7/24 dev s0
in_s ip addr add 10.1.0.8/24 dev s0
in_s ip addr add 10.1.0.9/24 dev s0

# nginx_one NAME ADDRESS: write and start $T/NAME/nginx.conf, HTTPS on
# ADDRESS:443 with the lib's certificate
nginx_one() {
	local d=$T/$1
	mkdir -p "$d"
	cat >"$d/nginx.conf" <<-EOF
		user root;
		worker_processes 1;
		pid $d/nginx.pid;
		error_log $d/error.log;
		events { worker_connections 256; }
		http {
		    access_log off;
		    client_body_temp_path $d/body;
		    proxy_temp_path $d/proxy;
		    fastcgi_temp_path $d/fastcgi;
		    uwsgi_temp_path $d/uwsgi;
		    scgi_temp_path $d/scgi;
		    default_type text/plain;
		    server {
		        listen $2:443 ssl;
		        ssl_certificate $T/nginx/cert.pem;
		        ssl_certificate_key $T/nginx/key.pem;
		        location / {
		            return 200 "backend=\$server_addr:\$server_port host=\$host sni=\$ssl_server_name\n";
		        }
		    }
		}
	EOF
	nginx_start "$1" "$2"
}

nginx_start() {
	in_s nginx -c "$T/$1/nginx.conf" || { fail "nginx $1 did not start"; return 1; }
	wait_port "$NS_S" "$2" 443
}

# nginx_kill NAME ADDRESS: stop that nginx; returns once nothing listens
nginx_kill() {
	local i

	kill "$(cat "$T/$1/nginx.pid")" 2>/dev/null
	for i in $(seq 100); do
		in_s ss -Hltn "src $2 and sport = :443" | grep -q LISTEN || return 0
		sleep 0.05
	done
	fail "nginx $1 still listens on $2:443"
	return 1
}

# reqs NAME N [curl options]: N HTTPS requests to NAME through the
# gateway, each its own connection; one line each: the backend address
# that answered, or "ERR <curl's error>"
reqs() {
	local name=$1 n=$2
	shift 2
	in_c bash -c '
		name=$1 n=$2 gw=$3
		shift 3
		for i in $(seq "$n"); do
			if out=$(curl -sS -k --max-time 5 --resolve "$name:443:[$gw]" \
			    "$@" "https://$name/" 2>&1); then
				case $out in
				backend=*) out=${out#backend=}; echo "${out%% *}" ;;
				*) echo "ERR unexpected answer: $out" | head -1 ;;
				esac
			else
				echo "ERR $out" | tr "\n" " "; echo
			fi
		done' reqs "$name" "$n" "$GW6" "$@"
}

# count WORD: how many lines of stdin are exactly WORD (ERR: start with it)
count() {
	if [ "$1" = ERR ]; then
		grep -c '^ERR'
	else
		grep -cxF "$1"
	fi
}

# wait_bk MS SERVICE BACKEND PATH VALUE: poll bk until it says VALUE, for
# at most MS milliseconds; WAITED: how long it took (ms)
wait_bk() {
	local ms=$1 start
	shift
	start=$(date +%s%N)
	while :; do
		WAITED=$((($(date +%s%N) - start) / 1000000))
		[ "$(bk "$1" "$2" "$3")" = "$4" ] && return 0
		[ "$WAITED" -ge "$ms" ] && return 1
		sleep 0.1
	done
}

nginx_one n7 10.1.0.7
nginx_one n8 10.1.0.8
nginx_one n9 10.1.0.9

CHECK='check = { type = "tcp"; interval = 1; fall = 2; rise = 1; timeout = 1; };'
write_conf() {
	gw_conf "$T/gw.conf" <<-EOF
		services = (
		  { name = "rr"; mode = "proxy"; listen = [ "[$GW6]:443" ];
		    hosts = [ "rr.example.org" ]; default = true;
		    backends = ( { address = "10.1.0.5:443"; weight = 3; },
		                 { address = "10.1.0.6:443"; weight = 1; } ); },
		  { name = "lc"; mode = "proxy"; listen = [ "[$GW6]:443" ];
		    hosts = [ "lc.example.org" ]; balance = "leastconn";
		    backends = [ "10.1.0.5:443", "10.1.0.6:443" ]; },
		  { name = "src"; mode = "proxy"; listen = [ "[$GW6]:443" ];
		    hosts = [ "src.example.org" ]; balance = "source";
		    backends = [ "10.1.0.5:443", "10.1.0.6:443" ]; },
		  { name = "hc"; mode = "proxy"; listen = [ "[$GW6]:443" ];
		    hosts = [ "hc.example.org" ];
		    $CHECK
		    backends = ( { address = "10.1.0.7:443"; },
		                 "10.1.0.8:443",
		                 { address = "10.1.0.9:443"; backup = true; } ); },
		  { name = "dr"; mode = "proxy"; listen = [ "[$GW6]:443" ];
		    hosts = [ "dr.example.org" ];
		    backends = [ "10.1.0.5:443", "10.1.0.6:443" ]; }$1
		);
	EOF
}
write_conf ""
gw_up "$T/gw.conf" || exit 1

# ------------------------------------------------------------ roundrobin
reqs rr.example.org 80 >"$T/rr"
n5=$(count 10.1.0.5:443 <"$T/rr")
n6=$(count 10.1.0.6:443 <"$T/rr")
check_eq "roundrobin: 80 of 80 requests served" "$((n5 + n6)) $(count ERR <"$T/rr")" "80 0"
[ "$n5" -ge 56 ] && [ "$n5" -le 64 ] &&
    ok "roundrobin 3:1: the heavy backend got $n5 of 80 (70-80 %)" ||
    fail "roundrobin 3:1: the heavy backend got $n5 of 80, the other $n6 (expected 56-64)"
check_eq "roundrobin: per-backend totals match what answered" \
    "$(bk rr 10.1.0.5:443 total) $(bk rr 10.1.0.6:443 total)" "$n5 $n6"
check_eq "roundrobin: no connect failures, nothing left open" \
    "$(bk rr 10.1.0.5:443 connect_failures) $(bk rr 10.1.0.6:443 connect_failures) $(bk rr 10.1.0.5:443 connections) $(bk rr 10.1.0.6:443 connections)" \
    "0 0 0 0"
check_eq "backends --json reports balance and weights" \
    "$(ctl backends --json | python3 -c '
import json, sys
s = json.load(sys.stdin)["services"]
print(s["rr"]["balance"], s["lc"]["balance"], s["src"]["balance"],
      [b["weight"] for b in s["rr"]["backends"]])')" \
    "roundrobin leastconn source [3, 1]"

# ------------------------------------------------------------- leastconn
# Three long downloads held on 10.1.0.5 (10.1.0.6 drained while they
# start), then new connections must all go to 10.1.0.6.
ctl drain lc 10.1.0.6:443 >/dev/null
slow=
for i in 1 2 3; do
	# not through in_c: $! must be curl itself (ip netns exec execs)
	ip netns exec "$NS_C" curl -sS -k --max-time 40 \
	    --resolve "lc.example.org:443:[$GW6]" --limit-rate 50K \
	    -o /dev/null https://lc.example.org/files/4m &
	slow="$slow $!"
done
wait_bk 5000 lc 10.1.0.5:443 connections 3
check_eq "leastconn: 3 long downloads held on 10.1.0.5, none on 10.1.0.6" \
    "$(bk lc 10.1.0.5:443 connections) $(bk lc 10.1.0.6:443 connections)" "3 0"
ctl enable lc 10.1.0.6:443 >/dev/null
reqs lc.example.org 12 >"$T/lc"
check_eq "leastconn: all 12 new connections go to the backend without long ones" \
    "$(count 10.1.0.6:443 <"$T/lc") $(count 10.1.0.5:443 <"$T/lc") $(count ERR <"$T/lc")" "12 0 0"
check_eq "leastconn: the long ones still open, counted" "$(bk lc 10.1.0.5:443 connections)" 3
kill $slow 2>/dev/null
wait $slow 2>/dev/null
wait_bk 5000 lc 10.1.0.5:443 connections 0 &&
    ok "leastconn: connections back to 0 once the downloads are gone" ||
    fail "leastconn: connections of 10.1.0.5 still $(bk lc 10.1.0.5:443 connections)"
reqs lc.example.org 10 >"$T/lc2"
a=$(count 10.1.0.5:443 <"$T/lc2")
b=$(count 10.1.0.6:443 <"$T/lc2")
[ "$a" -ge 2 ] && [ "$b" -ge 2 ] && [ $((a + b)) = 10 ] &&
    ok "leastconn: with equal load, new connections spread ($a/$b)" ||
    fail "leastconn: with equal load got $a to 10.1.0.5, $b to 10.1.0.6 of 10"

# ---------------------------------------------------------------- source
# More clients in the client's /64, and eight other /64s routed to it
in_c ip -6 addr add 2001:db8:1::100/64 dev c0 nodad
in_c ip -6 addr add 2001:db8:1::101/64 dev c0 nodad
in_c ip -6 addr add 2001:db8:1::102/64 dev c0 nodad
in_c ip -6 addr add 2001:db8:1::1:103/64 dev c0 nodad
for n in 0 1 2 3 4 5 6 7; do
	in_c ip -6 addr add 2001:db8:2:$n::2/64 dev c0 nodad
	in_c ip -6 addr add 2001:db8:2:$n::99/64 dev c0 nodad
done
in_g ip -6 route add 2001:db8:2::/48 via 2001:db8:1::2 dev g0
: >"$T/src1"
for a in 2001:db8:1::2 2001:db8:1::100 2001:db8:1::101 2001:db8:1::102 2001:db8:1::1:103; do
	reqs src.example.org 3 --interface "$a" >>"$T/src1"
done
check_eq "source: 15 requests from 5 addresses of one /64, all served" \
    "$(wc -l <"$T/src1") $(count ERR <"$T/src1")" "15 0"
check_eq "source: the /64 sticks to one backend" "$(sort -u "$T/src1" | wc -l)" 1
home1=$(head -1 "$T/src1")
sticky=0
: >"$T/src2"
for n in 0 1 2 3 4 5 6 7; do
	reqs src.example.org 2 --interface "2001:db8:2:$n::2" >"$T/p$n"
	reqs src.example.org 2 --interface "2001:db8:2:$n::99" >>"$T/p$n"
	[ "$(sort -u "$T/p$n" | wc -l)" = 1 ] && ! grep -q ERR "$T/p$n" &&
	    sticky=$((sticky + 1))
	head -1 "$T/p$n" >>"$T/src2"
done
check_eq "source: each of 8 other /64s sticks to one backend (2 addresses x 2)" "$sticky" 8
check_eq "source: different /64s spread over both backends" \
    "$(sort -u "$T/src2" | grep -c '^10\.1\.0\.[56]:443$')" 2
# Rendezvous: draining a backend moves only its own clients
other=10.1.0.5:443
[ "$home1" = 10.1.0.5:443 ] && other=10.1.0.6:443
ctl drain src "$home1" >/dev/null
moved=0 stayed=0
for n in 0 1 2 3 4 5 6 7; do
	now=$(reqs src.example.org 1 --interface "2001:db8:2:$n::2")
	if [ "$(head -1 "$T/p$n")" = "$home1" ]; then
		[ "$now" = "$other" ] && moved=$((moved + 1))
	else
		[ "$now" = "$(head -1 "$T/p$n")" ] && stayed=$((stayed + 1))
	fi
done
n_home=$(grep -cxF "$home1" "$T/src2")
check_eq "source: with $home1 drained, its $n_home /64s move, the other $((8 - n_home)) stay" \
    "$moved $stayed" "$n_home $((8 - n_home))"
ctl enable src "$home1" >/dev/null
check_eq "source: enabled again, the first /64 is back on its backend" \
    "$(reqs src.example.org 1 --interface 2001:db8:1::100)" "$home1"

# ------------------------------------------- health checks, backup, failover
check_eq "hc: the backup's state says backup" "$(bk hc 10.1.0.9:443 state)" backup
reqs hc.example.org 20 >"$T/hc1"
a=$(count 10.1.0.7:443 <"$T/hc1")
b=$(count 10.1.0.8:443 <"$T/hc1")
[ "$a" -ge 5 ] && [ "$b" -ge 5 ] && [ $((a + b)) = 20 ] &&
    ok "hc: both normal backends serve ($a/$b), the backup none" ||
    fail "hc: got $a to .7, $b to .8, $(count 10.1.0.9:443 <"$T/hc1") to the backup, $(count ERR <"$T/hc1") errors of 20"
check_eq "hc: checks pass before the kill" \
    "$(bk hc 10.1.0.7:443 check.ok) $(bk hc 10.1.0.9:443 check.ok)" "true true"

nginx_kill n7 10.1.0.7
start=$(date +%s%N)
# before the checks notice: a refused connect moves on, the client sees nothing
reqs hc.example.org 4 >"$T/hc2"
check_eq "hc: right after the kill, 4 of 4 requests served by 10.1.0.8" \
    "$(count 10.1.0.8:443 <"$T/hc2")" 4
f7=$(bk hc 10.1.0.7:443 connect_failures)
[ "$f7" -ge 1 ] && ok "hc: the refused connects are counted ($f7 connect_failures)" ||
    fail "hc: connect_failures of the killed backend is $f7, expected >= 1"
t0=$(date +%s%N)
wait_bk 5000 hc 10.1.0.7:443 state down
# until the poll that saw it began: not the poll's own time
ms=$(((t0 - start) / 1000000 + WAITED))
[ "$(bk hc 10.1.0.7:443 state)" = down ] && [ "$ms" -le 3500 ] &&
    ok "hc: the killed backend is down after ${ms} ms (fall 2 x 1 s)" ||
    fail "hc: killed backend state '$(bk hc 10.1.0.7:443 state)' after ${ms} ms (expected down within 3500)"
[ "$ms" -ge 800 ] && ok "hc: not before 2 failed checks (${ms} ms)" ||
    fail "hc: down already after ${ms} ms, fall = 2 at 1 s intervals"
cf=$(bk hc 10.1.0.7:443 check.consecutive_failures)
[ "$cf" != none ] && [ "$cf" -ge 2 ] && [ "$(bk hc 10.1.0.7:443 check.ok)" = false ] &&
    ok "hc: its check record says failing ($cf consecutive failures)" ||
    fail "hc: check record: $(bk hc 10.1.0.7:443 check)"
[ "$(grep -c 'service hc: backend 10.1.0.7:443 is down: .*(2 checks failed)' "$GW_LOG")" = 1 ] &&
    ok "hc: the log says it is down, once" ||
    fail "hc: log: $(grep '10.1.0.7:443' "$GW_LOG" | tail -3)"
f7=$(bk hc 10.1.0.7:443 connect_failures)
t7=$(bk hc 10.1.0.7:443 total)
t8=$(bk hc 10.1.0.8:443 total)
reqs hc.example.org 30 >"$T/hc3"
check_eq "hc: after detection, 30 of 30 requests served by 10.1.0.8" \
    "$(count 10.1.0.8:443 <"$T/hc3")" 30
check_eq "hc: the down backend is not tried any more (connect_failures, total unchanged)" \
    "$(bk hc 10.1.0.7:443 connect_failures) $(bk hc 10.1.0.7:443 total)" "$f7 $t7"
check_eq "hc: the other's total grew by 30" "$(bk hc 10.1.0.8:443 total)" $((t8 + 30))

# both normal backends down: the backup serves
nginx_kill n8 10.1.0.8
wait_bk 5000 hc 10.1.0.8:443 state down &&
    ok "hc: the second killed backend is down too (${WAITED} ms)" ||
    fail "hc: 10.1.0.8 state '$(bk hc 10.1.0.8:443 state)' after ${WAITED} ms"
nb=$(stat_get counters.no_backend_up)
reqs hc.example.org 10 >"$T/hc4"
check_eq "hc: with every normal backend down, the backup serves 10 of 10" \
    "$(count 10.1.0.9:443 <"$T/hc4")" 10
check_eq "hc: the backup's counters: total 10, no failures" \
    "$(bk hc 10.1.0.9:443 total) $(bk hc 10.1.0.9:443 connect_failures)" "10 0"
check_eq "hc: not counted as no backend up" "$(stat_get counters.no_backend_up)" "$nb"

# the first one restarted: up after rise (1) pass, and the backup idle again
nginx_start n7 10.1.0.7
wait_bk 5000 hc 10.1.0.7:443 state up
[ "$(bk hc 10.1.0.7:443 state)" = up ] && [ "$WAITED" -le 2500 ] &&
    ok "hc: the restarted backend is up again after ${WAITED} ms (rise 1 x 1 s)" ||
    fail "hc: restarted backend state '$(bk hc 10.1.0.7:443 state)' after ${WAITED} ms (expected up within 2500)"
grep -q 'service hc: backend 10.1.0.7:443 is up' "$GW_LOG" &&
    ok "hc: the log says it is up" ||
    fail "hc: no 'is up' line: $(grep '10.1.0.7:443' "$GW_LOG" | tail -3)"
reqs hc.example.org 10 >"$T/hc5"
check_eq "hc: then 10 of 10 go to it, none to the backup" \
    "$(count 10.1.0.7:443 <"$T/hc5") $(count 10.1.0.9:443 <"$T/hc5")" "10 0"

# ----------------------------------------------------------------- drain
# 4 MiB at 160 KB/s: 26 s, enough for what follows to happen while it
# runs, sanitizer build and a busy machine included (at 320 KB/s, 13 s
# were too few there)
in_c curl -sS -k --max-time 60 --resolve "dr.example.org:443:[$GW6]" \
    --limit-rate 160K -o "$T/dl" https://dr.example.org/files/4m &
dl=$!
dl_start=$(date +%s)
wait_bk 3000 dr 10.1.0.5:443 connections 1 || wait_bk 100 dr 10.1.0.6:443 connections 1
A=
[ "$(bk dr 10.1.0.5:443 connections)" = 1 ] && A=10.1.0.5:443 B=10.1.0.6:443
[ "$(bk dr 10.1.0.6:443 connections)" = 1 ] && A=10.1.0.6:443 B=10.1.0.5:443
if [ -z "$A" ]; then
	fail "drain: the download's connection is on no backend"
	A=10.1.0.5:443 B=10.1.0.6:443
fi
out=$(ctl drain dr "$A" 2>&1)
check_eq "drain: v6gatectl drain dr $A succeeds" "$?" 0
case $out in *drain*) ok "drain: it says so ($out)" ;; *) fail "drain said: $out" ;; esac
check_eq "drain: state draining, the other up" "$(bk dr "$A" state) $(bk dr "$B" state)" "draining up"
ctl backends | grep -E "^dr +$A +draining" >/dev/null &&
    ok "drain: the text table shows it draining" ||
    fail "drain: text table: $(ctl backends | grep "^dr ")"
reqs dr.example.org 20 >"$T/dr1"
check_eq "drain: 20 of 20 new connections go to the other backend" \
    "$(count "$B" <"$T/dr1")" 20
out=$(ctl reload 2>&1)
check_eq "drain: v6gatectl reload succeeds" "$?" 0
check_eq "drain: still draining after the reload" "$(bk dr "$A" state)" draining
reqs dr.example.org 10 >"$T/dr2"
check_eq "drain: after the reload, 10 of 10 go to the other backend" \
    "$(count "$B" <"$T/dr2")" 10
# a reload that changes the file (a service more): still drained
write_conf ",
  { name = \"extra\"; mode = \"proxy\"; listen = [ \"[$GW6]:8443\" ];
    default = true; backends = [ \"10.1.0.6:443\" ]; }"
out=$(ctl reload 2>&1)
check_eq "drain: a reload with a changed file succeeds" "$?" 0
check_eq "drain: still draining after it" "$(bk dr "$A" state)" draining
kill -0 "$dl" 2>/dev/null && [ "$(bk dr "$A" connections)" = 1 ] &&
    ok "drain: the download is still running on the drained backend ($(($(date +%s) - dl_start)) s in)" ||
    fail "drain: the download is no longer running $(($(date +%s) - dl_start)) s in (connections $(bk dr "$A" connections)); the test did not cover it"
wait "$dl"
check_eq "drain: the download on the drained backend completed" "$?" 0
check_eq "drain: all 4 MiB, intact" "$(cmp "$T/dl" "$T/www/4m" 2>&1 && echo same)" same
wait_bk 3000 dr "$A" connections 0 &&
    ok "drain: the drained backend has no connection left" ||
    fail "drain: $A connections $(bk dr "$A" connections)"
check_eq "drain: its total is the download's connection only" "$(bk dr "$A" total)" 1
out=$(ctl enable dr "$A" 2>&1)
check_eq "enable: succeeds" "$?" 0
check_eq "enable: state up" "$(bk dr "$A" state)" up
reqs dr.example.org 10 >"$T/dr3"
a=$(count "$A" <"$T/dr3")
b=$(count "$B" <"$T/dr3")
[ "$a" -ge 3 ] && [ "$b" -ge 3 ] && [ $((a + b)) = 10 ] &&
    ok "enable: new connections spread again ($a/$b)" ||
    fail "enable: got $a to $A, $b to $B of 10"

# a drained backend that leaves the config forgets it: added back later,
# it is not drained without anyone saying so
EXTRA=",
  { name = \"extra\"; mode = \"proxy\"; listen = [ \"[$GW6]:8443\" ];
    default = true; backends = [ \"10.1.0.6:443\" ]; }"
ctl drain extra 10.1.0.6:443 >/dev/null
check_eq "drain: the extra service's backend drained" \
    "$(bk extra 10.1.0.6:443 state)" draining
write_conf ""
ctl reload >/dev/null 2>&1
write_conf "$EXTRA"
ctl reload >/dev/null 2>&1
check_eq "drain: removed and added back, the backend is up, not drained" \
    "$(bk extra 10.1.0.6:443 state)" up

# unknown names
out=$(ctl drain nosuch 10.1.0.5:443 2>&1)
rc=$?
[ "$rc" -ne 0 ] && echo "$out" | grep -q nosuch &&
    ok "drain of an unknown service fails, naming it (rc $rc: $out)" ||
    fail "drain nosuch: rc $rc, said '$out'"
out=$(ctl drain dr 10.1.0.99:443 2>&1)
rc=$?
[ "$rc" -ne 0 ] && echo "$out" | grep -q '10\.1\.0\.99:443' &&
    ok "drain of an unknown backend fails, naming it (rc $rc: $out)" ||
    fail "drain dr 10.1.0.99:443: rc $rc, said '$out'"
out=$(ctl enable dr 10.1.0.99:443 2>&1)
rc=$?
[ "$rc" -ne 0 ] && [ -n "$out" ] && ok "enable of an unknown backend fails (rc $rc)" ||
    fail "enable dr 10.1.0.99:443: rc $rc, said '$out'"
out=$(ctl drain dr not-an-address 2>&1)
rc=$?
[ "$rc" -ne 0 ] && [ -n "$out" ] && ok "drain of a malformed backend fails (rc $rc: $out)" ||
    fail "drain dr not-an-address: rc $rc, said '$out'"
out=$(ctl drain dr 2>&1)
rc=$?
[ "$rc" -ne 0 ] && ok "drain without a backend is a usage error (rc $rc)" ||
    fail "drain dr: rc $rc, said '$out'"
check_eq "and none of that changed a state" \
    "$(bk dr 10.1.0.5:443 state) $(bk dr 10.1.0.6:443 state)" "up up"

check_eq "the daemon is alive" "$(kill -0 "$GW_PID" 2>&1 && echo alive)" alive
check_eq "nothing left open" "$(stat_get connections.open)" 0
