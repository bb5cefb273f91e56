#!/bin/bash
# SPDX-License-Identifier: ISC
# The attack of issue 18, re-runnable: bad configs, control-socket abuse,
# idle and slowloris floods, reloads under load, keep-alive walks around
# a deny, one /48 filling the gateway, faults (kill -9, a backend killed,
# no file descriptors, a full state disk, a full audit disk) and the
# modes of the state files.  Each category prints its details, then one
# table at the end: what was tried, what held, what failed, and figures.
#
#   make attack                              # this build
#   make attack ATTACK_BUILD=/path/to/build  # another one (an older tree)
#   bash tests/attack/run.sh [CATEGORY...]   # some of a b c d e f g h
#
# It runs against ATTACK_BUILD's v6gated and v6gatectl, in the network
# namespaces of tests/integ/lib.sh, as root.  Not in "make check": it
# takes minutes and floods.  An older build may lack a setting or a
# counter: a check that cannot apply says "n/a" and why.
# Environment: ATTACK_F_SECONDS (default 20) how long category f floods
# (600 for the soak); ATTACK_OUT=FILE also writes the table there.
ATTACK_DIR=$(cd "$(dirname "$0")" && pwd)
SRC_TOP=$(cd "$ATTACK_DIR/../.." && pwd)
builddir=$(cd "${ATTACK_BUILD:-${builddir:-$SRC_TOP}}" && pwd)
srcdir=$SRC_TOP
. "$SRC_TOP/tests/integ/lib.sh"
TNAME=attack
LOAD=$ATTACK_DIR/load.py
F_SECONDS=${ATTACK_F_SECONDS:-20}
CATS=${*:-a b c d e f g h}
[ -x "$V6GATED" ] && [ -x "$V6GATECTL" ] ||
    { echo "attack: no v6gated/v6gatectl in $builddir (make first)"; exit 1; }

# the floods need descriptors, the daemon too (inherited by gw_up)
ulimit -n 65536 2>/dev/null || ulimit -n 20000
net_up
nginx_up || exit 1
head -c 8388608 /dev/urandom >"$T/www/8m"
truncate -s 64M "$T/www/64m"
truncate -s 1G "$T/www/1g"
SHA8=$(sha256sum <"$T/www/8m" | cut -d' ' -f1)
FIG=$T/figures
: >"$FIG"
WEB_OK="backend=10.1.0.5:80 host=www.example.org sni="

# fig CATEGORY TRIED HELD FAILED FIGURES...: one line of the table
fig() {
	local c=$1 t=$2 h=$3 f=$4
	shift 4
	printf '%s\t%s\t%s\t%s\t%s\n' "$c" "$t" "$h" "$f" "$*" >>"$FIG"
	log "== $c: tried $t, held $h, failed $f; $*"
}

# conf_for NAME: the usual services, with a state_dir of the category's
# own, into $T/NAME.conf
conf_for() {
	gw_conf_default "$T/$1.conf"
	sed -i "s|state_dir = \"$T/state\"|state_dir = \"$T/state-$1\"|" \
	    "$T/$1.conf"
}
# set_gw FILE KEY VALUE: a setting of the gateway group
set_gw() { sed -i "s|^};|  $2 = $3;\n};|" "$1"; }
# gw_pids: every process of the daemon (the parent and its children)
gw_pids() { echo "$GW_PID" $(pgrep -P "$GW_PID" 2>/dev/null); }
# restart CONFIG: a fresh daemon on CONFIG
restart() {
	gw_stop
	rm -f "$CTL_SOCK"
	gw_up "$1"
}
# supports LINE: whether this build's -t accepts the line in the gateway
# group of a good configuration (an older build does not know every key)
supports() {
	gw_conf_default "$T/probe.conf"
	set_gw "$T/probe.conf" "${1%% = *}" "${1#* = }"
	"$V6GATED" -t -c "$T/probe.conf" >/dev/null 2>&1
}
# cpu_ticks: user+system ticks of the daemon's processes so far
cpu_ticks() {
	local p s=0

	for p in $(gw_pids); do
		s=$((s + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo "$s"
}
serving() { [ "$(http6 www.example.org / --max-time 3 2>/dev/null)" = "$WEB_OK" ]; }
alive() { [ -n "${GW_PID:-}" ] && kill -0 "$GW_PID" 2>/dev/null; }
# ms COMMAND...: run it, print how long it took in milliseconds
ms() {
	local t0=$(date +%s%N)
	"$@" >/dev/null 2>&1
	echo $(( ($(date +%s%N) - t0) / 1000000 ))
}

# ---------------------------------------------------------------- a
# Every bad config: v6gated -t refuses it with file:line (or the file's
# name where it has no line), within 5 s, without a signal; a reload of
# it leaves the running daemon serving.
cat_a() {
	local name path where line kind out rc pre rrc tried=0 held=0 bad t0
	local exact=0 reloads_ok=0 restarts=0

	python3 "$ATTACK_DIR/configs.py" "$T/corpus" "$T/state-a" \
	    "$CTL_SOCK" "$GW6" >"$T/manifest" || { fig a 0 0 1 "corpus failed"; return; }
	if ! "$V6GATED" -t -c "$T/corpus/base.conf" >"$T/base.out" 2>&1; then
		fig a 0 0 1 "the base config is refused: $(head -1 "$T/base.out")"
		return
	fi
	ln -sfn "$T/corpus/base.conf" "$T/live.conf"
	# a daemon reading /dev/zero may grow without end too (not under a
	# sanitizer, which reserves terabytes)
	grep -q __asan_init "$V6GATED" || ulimit -Sv 8000000
	restart "$T/live.conf" || { fig a 0 0 1 "no daemon"; return; }
	while IFS=$'\t' read -r name path where line kind; do
		tried=$((tried + 1))
		t0=$(date +%s)
		bad=
		pre=
		# root reads any file: drop that power for the unreadable ones
		case $name in *unreadable*)
			pre="setpriv --bounding-set -dac_override,-dac_read_search" ;;
		esac
		# (a scanner reading /dev/zero may grow without end: 4 GB)
		out=$( (ulimit -Sv 4000000; timeout -k 1 5 $pre "$V6GATED" -t \
		    -c "$path") 2>&1 </dev/null)
		rc=$?
		if [ $rc = 124 ] || [ $rc = 137 ]; then
			bad="-t hangs (killed after 5 s)"
		elif [ $rc -gt 128 ]; then
			bad="-t killed by signal $((rc - 128))"
		elif [ $rc = 0 ]; then
			[ "$kind" = odd ] || bad="-t accepts it"
		elif [ "$line" != - ]; then
			if printf '%s' "$out" | grep -qF "$where:$line:"; then
				exact=$((exact + 1))
			elif ! printf '%s' "$out" | grep -qE ':[0-9]+: '; then
				bad="-t exit $rc without file:line: $(printf '%s' "$out" | head -1)"
			fi
		elif ! printf '%s' "$out" | grep -qF "$where"; then
			bad="-t exit $rc without the file's name: $(printf '%s' "$out" | head -1)"
		fi
		# the same file as the running daemon's, then a reload
		ln -sfn "$path" "$T/live.conf"
		timeout -k 1 10 "$V6GATECTL" -s "$CTL_SOCK" reload \
		    >"$T/reload.out" 2>&1
		rrc=$?
		ln -sfn "$T/corpus/base.conf" "$T/live.conf"
		if [ $rrc = 0 ]; then
			reloads_ok=$((reloads_ok + 1))
			[ "$kind" = odd ] || bad="${bad:+$bad; }a reload applies it"
			timeout -k 1 10 "$V6GATECTL" -s "$CTL_SOCK" reload \
			    >/dev/null 2>&1
		fi
		if [ $rrc = 124 ] || [ $rrc = 137 ]; then
			bad="${bad:+$bad; }the reload hangs (10 s)"
		fi
		if ! alive; then
			bad="${bad:+$bad; }the reload ended the daemon"
		elif ! timeout 5 "$V6GATECTL" -s "$CTL_SOCK" status >/dev/null 2>&1; then
			bad="${bad:+$bad; }the control socket does not answer"
		elif ! serving; then
			bad="${bad:+$bad; }not serving after the reload"
		fi
		if [ -n "$bad" ]; then
			log "a: $name: $bad ($(( $(date +%s) - t0 )) s)"
			if [ $rrc = 124 ] || [ $rrc = 137 ] || ! alive ||
			    ! serving; then
				restarts=$((restarts + 1))
				restart "$T/live.conf" ||
				    { fig a "$tried" "$held" $((tried - held)) "no daemon after $name"; return; }
			fi
		else
			held=$((held + 1))
		fi
	done <"$T/manifest"
	ulimit -Sv unlimited
	fig a "$tried" "$held" $((tried - held)) \
	    "configs; $exact at the exact line; reloads: $((tried - reloads_ok)) refused, $reloads_ok applied; $restarts daemon restarts needed"
}

# ---------------------------------------------------------------- b
# Garbage on the control socket, then 1000 clients holding it while an
# operator's status is timed (issue: under 100 ms).
cat_b() {
	local tried=0 held=0 n r t times= worst=0

	conf_for b
	restart "$T/b.conf" || { fig b 0 0 1 "no daemon"; return; }
	in_g python3 "$LOAD" ctlabuse "$CTL_SOCK" >"$T/abuse.out" 2>&1
	while read -r n r; do
		tried=$((tried + 1))
		if alive && ctl status >/dev/null 2>&1; then
			held=$((held + 1))
		else
			log "b: after $n ($r): status fails"
			restart "$T/b.conf"
		fi
	done <"$T/abuse.out"
	log "b: garbage answers: $(tr '\n' ' ' <"$T/abuse.out")"
	rm -f "$T/ready"
	# not through in_g: $! must be python itself, for the kill below to
	# reach it (and it then prints what it did)
	ip netns exec "$NS_G" python3 "$CTLFLOOD_PY" "$CTL_SOCK" 1000 300 \
	    "$T/ready" >"$T/ctlflood.out" 2>&1 &
	local flood=$!
	for n in $(seq 100); do [ -e "$T/ready" ] && break; sleep 0.1; done
	sleep 1
	for n in 1 2 3 4 5; do
		tried=$((tried + 1))
		t=$(ms timeout 60 "$V6GATECTL" -s "$CTL_SOCK" status)
		times="$times ${t}ms"
		[ "$t" -gt "$worst" ] && worst=$t
		if [ "$t" -lt 100 ] && ctl status >/dev/null 2>&1; then
			held=$((held + 1))
		fi
		# (two are enough when each takes over 20 s)
		[ "$t" -gt 20000 ] && [ "$n" -ge 2 ] && break
		sleep 0.3
	done
	kill "$flood" 2>/dev/null
	wait "$flood" 2>/dev/null
	log "b: status under 1000 clients:$times; $(cat "$T/ctlflood.out")"
	sleep 2.5
	tried=$((tried + 1))
	alive && ctl status >/dev/null 2>&1 && serving && held=$((held + 1)) ||
	    log "b: not serving after the flood"
	fig b "$tried" "$held" $((tried - held)) \
	    "$(wc -l <"$T/abuse.out") garbage inputs; status under 1000 clients:$times (worst ${worst} ms)"
}

# addrs_add FILE: the addresses of FILE's "ADDR N" lines (a flood's), on
# the client's link (the gateway routes their prefixes back through it)
addrs_add() {
	cut -d' ' -f1 "$1" | sed 's|.*|addr add &/128 dev c0 nodad|' |
	    in_c ip -batch - 2>/dev/null
}

# ---------------------------------------------------------------- c
# 8000 idle and slowloris connections from 8 /32s (20 /48s each, 50 a
# /64: within every per-prefix limit, so the gateway holds them) while a
# client of another /32 asks every 100 ms.
cat_c() {
	local out open peak

	conf_for c
	restart "$T/c.conf" || { fig c 0 0 1 "no daemon"; return; }
	python3 -c '
for k in range(8):
    for j in range(20):
        print("2001:db%x:%x::10 50" % (k, j + 1))' >"$T/c.addrs"
	addrs_add "$T/c.addrs"
	in_c ip addr add 2001:dbf::2/128 dev c0 nodad 2>/dev/null
	in_g ip -6 route replace 2001:db0::/29 via 2001:db8:1::2 dev g0
	in_g ip -6 route replace 2001:dbf::/32 via 2001:db8:1::2 dev g0
	rm -f "$T/ready"
	in_c python3 "$LOAD" flood "$T/c.addrs" "$GW6" 28 --mode mixed \
	    --rate 2000 --reopen 0.05 --ready "$T/ready" >"$T/c.flood" 2>&1 &
	local flood=$!
	for i in $(seq 100); do [ -e "$T/ready" ] && break; sleep 0.1; done
	sleep 2
	in_c python3 "$LOAD" legit "$GW6" 2001:dbf::2 20 --every 0.1 \
	    --out "$T/c.legit" >"$T/c.sum" 2>&1 &
	local legit=$!
	peak=0
	for i in $(seq 10); do
		sleep 2
		open=$(stat_get connections.open 2>/dev/null || echo 0)
		[ "$open" -gt "$peak" ] && peak=$open
	done
	wait "$legit"
	wait "$flood"
	out=$(cat "$T/c.sum")
	log "c: flood $(cat "$T/c.flood"); gateway held up to $peak open; legit: $out"
	set -- $out
	local n=$2 good=$(( $4 - $8 ))
	alive || log "c: the daemon died"
	fig c "$n" "$good" $((n - good)) \
	    "8000 idle+slowloris (gateway held $peak open); legit p50 ${10} s, p99 ${12} s, max ${14} s"
}

# ---------------------------------------------------------------- d
# 20 reloads while 8 MiB downloads run over HTTP and TLS: each checked by
# sha256.
cat_d() {
	local i n=0 good=0 rl=0

	conf_for d
	cp "$T/d.conf" "$T/d-a.conf"
	cp "$T/d.conf" "$T/d-b.conf"
	# B: one more service on its own listener, www with two backends
	sed -i 's|backends = \[ "10.1.0.5:443" \]; },|backends = [ "10.1.0.5:443", "10.1.0.6:443" ]; },|' "$T/d-b.conf"
	sed -i "s|^);|  , { name = \"extra\"; mode = \"proxy\"; protocol = \"http\"; listen = [ \"[$GW6]:8080\" ]; default = true; backends = [ \"10.1.0.6:80\" ]; }\n);|" "$T/d-b.conf"
	"$V6GATED" -t -c "$T/d-b.conf" >/dev/null 2>&1 ||
	    { fig d 0 0 1 "config B refused: $("$V6GATED" -t -c "$T/d-b.conf" 2>&1 | head -1)"; return; }
	restart "$T/d.conf" || { fig d 0 0 1 "no daemon"; return; }
	: >"$T/d.sums"
	for w in 1 2 3 4; do
		(
			end=$(( $(date +%s) + 14 ))
			while [ "$(date +%s)" -lt "$end" ]; do
				if [ $((w % 2)) = 0 ]; then
					curl6 www.example.org /files/8m --limit-rate 8M 2>/dev/null
				else
					http6 www.example.org /files/8m --limit-rate 8M 2>/dev/null
				fi | sha256sum | cut -d' ' -f1 >>"$T/d.sums.$w"
			done
		) &
	done
	sleep 1
	for i in $(seq 20); do
		if [ $((i % 2)) = 1 ]; then cp "$T/d-b.conf" "$T/d.conf"
		else cp "$T/d-a.conf" "$T/d.conf"; fi
		ctl reload >/dev/null 2>&1 && rl=$((rl + 1))
		alive || break
		sleep 0.6
	done
	wait $(jobs -p | grep -v "^$GW_PID$") 2>/dev/null
	cat "$T"/d.sums.* >"$T/d.sums"
	n=$(wc -l <"$T/d.sums")
	good=$(grep -c "^$SHA8$" "$T/d.sums")
	alive || log "d: the daemon died"
	fig d "$n" "$good" $((n - good)) \
	    "downloads of 8 MiB intact across $rl/20 reloads"
}

# ---------------------------------------------------------------- e
# Keep-alive around a deny (item 3): www then api on one connection must
# not give api's 200; nor www then other (another service: 421).
cat_e() {
	local n twohundred other

	gw_conf_keepalive "$T/e.conf"
	sed -i "s|state_dir = \"$T/state\"|state_dir = \"$T/state-e\"|" "$T/e.conf"
	restart "$T/e.conf" || { fig e 0 0 1 "no daemon"; return; }
	local alone
	alone=$(in_c curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
	    -H 'Host: api.example.org' "http://[$GW6]/")
	log "e: api alone: $alone"
	in_c python3 "$LOAD" walk "$GW6" 20 >"$T/e.out" 2>&1
	n=$(wc -l <"$T/e.out")
	twohundred=$(grep -c ' 200$' "$T/e.out")
	log "e: second answers: $(sort "$T/e.out" | uniq -c | tr -s ' \n' '  ')"
	fig e "$n" $((n - twohundred)) "$twohundred" \
	    "2nd request of a connection answered 200: $twohundred (api alone: $alone)"
}

# ---------------------------------------------------------------- f
# One /48 (78 /64s, 50 silent connections each: 3,900) against
# max_connections = 2000; a client of another /32 asks every 100 ms.
cat_f() {
	local out secs=$F_SECONDS

	local lim="limits per /48 and /32: yes"
	supports "limits = { pending_per_48 = 256; }" ||
	    lim="limits per /48 and /32: n/a (not in this build)"
	conf_for f
	set_gw "$T/f.conf" max_connections 2000
	restart "$T/f.conf" || { fig f 0 0 1 "no daemon"; return; }
	python3 -c '
for j in range(78):
    print("2001:db8:1:%x::10 50" % (0x100 + j))' >"$T/f.addrs"
	addrs_add "$T/f.addrs"
	in_c ip addr add 2001:db9::2/128 dev c0 nodad 2>/dev/null
	in_g ip -6 route replace 2001:db8:1::/48 via 2001:db8:1::2 dev g0
	in_g ip -6 route replace 2001:db9::/32 via 2001:db8:1::2 dev g0
	rm -f "$T/ready"
	in_c python3 "$LOAD" flood "$T/f.addrs" "$GW6" $((secs + 5)) \
	    --mode silent --rate 2000 --reopen 0.05 --ready "$T/ready" \
	    >"$T/f.flood" 2>&1 &
	local flood=$!
	for i in $(seq 100); do [ -e "$T/ready" ] && break; sleep 0.1; done
	sleep 1
	in_c python3 "$LOAD" legit "$GW6" 2001:db9::2 $((secs - 2)) \
	    --every 0.1 --out "$T/f.legit" >"$T/f.sum" 2>&1
	local open=$(stat_get connections.open 2>/dev/null)
	wait "$flood"
	out=$(cat "$T/f.sum")
	log "f: flood $(cat "$T/f.flood"); open at the end $open; legit: $out"
	[ -n "${ATTACK_F_KEEP:-}" ] && cp "$T/f.legit" "$ATTACK_F_KEEP"
	set -- $out
	local n=$2 good=$(( $4 - $8 ))
	alive || log "f: the daemon died"
	fig f "$n" "$good" $((n - good)) \
	    "3900 silent from one /48, ${secs} s ($lim); legit ok $4/$2, p50 ${10} s, p99 ${12} s, max ${14} s"
}

# ---------------------------------------------------------------- g
# curl's bytes of service web (request; headers and body) from $1
curl_sum() { awk '{ i += $1; o += $2 + $3 } END { print i + 0, o + 0 }' "$1"; }
db_sum() {
	sqlite3 -batch -noheader "$1" "SELECT bytes_in, bytes_out FROM totals
	    WHERE service = 'web' AND family = 'ipv6'" 2>/dev/null | tr '|' ' '
}
# lost "in out" "in out": what curl counted minus what the history holds
lost() {
	set -- $1 $2
	echo $(( ($1 - ${3:-0}) + ($2 - ${4:-0}) ))
}
dl64() {
	http6 www.example.org /files/64m --limit-rate "$1" -o /dev/null \
	    -w '%{size_request} %{size_header} %{size_download}\n' \
	    >>"$2" 2>/dev/null
}
cat_g() {
	local tried=0 held=0 notes= c d l t0 t1 dlp

	command -v sqlite3 >/dev/null || { fig g 0 0 0 "n/a: no sqlite3"; return; }
	# 1. kill -9 of every process of the daemon under a download
	tried=$((tried + 1))
	conf_for g1
	restart "$T/g1.conf" || return
	: >"$T/g1.curl"
	dl64 16M "$T/g1.curl" &
	dlp=$!
	sleep 2.5
	local procs=$(gw_pids | wc -w)
	kill -9 $(gw_pids) 2>/dev/null
	wait "$GW_PID" 2>/dev/null
	GW_PID=
	wait "$dlp"
	sleep 0.5
	rm -f "$CTL_SOCK"
	gw_up "$T/g1.conf" && sleep 1.5 && gw_stop
	c=$(curl_sum "$T/g1.curl")
	d=$(db_sum "$T/state-g1/v6gate.db")
	l=$(lost "$c" "$d")
	log "g: kill -9: curl '$c', history '$d': lost $l bytes"
	[ "$l" = 0 ] && held=$((held + 1))
	notes="kill -9 ($procs processes): $l B lost of $(echo $c | awk '{print $1 + $2}')"

	# 2. the backend killed in the middle of a download
	tried=$((tried + 1))
	conf_for g2
	restart "$T/g2.conf" || return
	t0=$(date +%s%N)
	# (1 GiB: more than every buffer on the way holds)
	http6 www.example.org /files/1g --limit-rate 16M -o /dev/null \
	    --max-time 60 2>/dev/null &
	dlp=$!
	sleep 1.5
	local master=$(cat "$T/nginx/nginx.pid")
	kill -9 $(pgrep -P "$master") "$master"
	wait "$dlp"
	local drc=$?
	t1=$(( ($(date +%s%N) - t0) / 1000000 ))
	in_s nginx -c "$T/nginx/nginx.conf" && wait_port "$NS_S" 10.1.0.5 80
	sleep 0.5
	if alive && serving && [ "$drc" != 0 ] && [ "$t1" -lt 10000 ]; then
		held=$((held + 1))
	else
		log "g: backend kill: alive/serving? download rc $drc after $t1 ms"
	fi
	notes="$notes; backend kill: client told in $((t1 / 1000)) s (curl $drc)"

	# 3. out of file descriptors: the serving process's limit lowered to
	# 128 under its feet (max_connections was computed from the old one,
	# so accept() meets EMFILE), and 300 silent clients
	tried=$((tried + 1))
	conf_for g3
	restart "$T/g3.conf" || return
	local serve=$(pgrep -P "$GW_PID" | head -1)
	serve=${serve:-$GW_PID}
	local hard=$(awk '/^Max open files/ { print $5 }' "/proc/$serve/limits")
	# (root without CAP_SYS_RESOURCE: as the process's own user)
	as_serve() {
		setpriv --reuid "$(stat -c %u "/proc/$serve")" \
		    --regid "$(stat -c %g "/proc/$serve")" --clear-groups "$@"
	}
	as_serve prlimit --pid "$serve" --nofile=128:"$hard"
	local cap=$(stat_get max_connections 2>/dev/null)
	in_c ip addr add 2001:dba::2/128 dev c0 nodad 2>/dev/null
	in_g ip -6 route replace 2001:dba::/32 via 2001:db8:1::2 dev g0
	python3 -c '
for j in range(10):
    print("2001:db8:1:%x::10 30" % (0x300 + j))' >"$T/g3.addrs"
	addrs_add "$T/g3.addrs"
	in_g ip -6 route replace 2001:db8:1::/48 via 2001:db8:1::2 dev g0
	in_c python3 "$LOAD" flood "$T/g3.addrs" "$GW6" 6 --mode silent \
	    --rate 2000 --reopen 0.05 >"$T/g3.flood" 2>&1 &
	dlp=$!
	sleep 2
	t0=$(cpu_ticks)
	sleep 2
	t1=$(cpu_ticks)
	# a client of another /32, during: answered or not
	local during
	during=$(in_c python3 "$LOAD" legit "$GW6" 2001:dba::2 1.5 --every 0.1)
	set -- $during
	during="$4/$2 (slowest ${14} s)"
	log "g: fds: counters $(ctl status --json 2>/dev/null | python3 -c '
import json, sys
c = json.load(sys.stdin).get("counters", {})
print(" ".join("%s=%s" % (k, v) for k, v in sorted(c.items()) if v))')"
	wait "$dlp"
	as_serve prlimit --pid "$serve" --nofile="$hard":"$hard"
	sleep 1
	if alive && serving && [ $((t1 - t0)) -lt 50 ]; then
		held=$((held + 1))
	else
		log "g: fds: alive? serving? $((t1 - t0)) ticks in 2 s"
	fi
	notes="$notes; 128 fds under max_connections ${cap:-?}: $((t1 - t0)) CPU ticks/2 s, another client served during: $during"

	# 4. a clean stop with the state disk full
	tried=$((tried + 1))
	conf_for g4
	gw_stop
	mkdir -p "$T/small"
	if mount -t tmpfs -o size=4m v6g-attack "$T/small"; then
		chmod 0750 "$T/small"
		sed -i "s|state_dir = \"$T/state-g4\"|state_dir = \"$T/small\"|" "$T/g4.conf"
		rm -f "$CTL_SOCK"
		gw_up "$T/g4.conf"
		sleep 1.5
		dd if=/dev/zero of="$T/small/fill" bs=64k 2>/dev/null
		: >"$T/g4.curl"
		dl64 32M "$T/g4.curl"
		gw_stop
		rm -f "$T/small/fill"
		rm -f "$CTL_SOCK"
		gw_up "$T/g4.conf" && sleep 1.5
		gw_stop
		c=$(curl_sum "$T/g4.curl")
		d=$(db_sum "$T/small/v6gate.db")
		l=$(lost "$c" "$d")
		log "g: full disk: curl '$c', history '$d': lost $l bytes"
		[ "$l" = 0 ] && held=$((held + 1))
		notes="$notes; full disk stop: $l B lost of $(echo $c | awk '{print $1 + $2}')"
		umount -l "$T/small"
	else
		notes="$notes; full disk: n/a (no tmpfs)"
	fi

	# 5. the audit disk fills in the middle of a line
	tried=$((tried + 1))
	conf_for g5
	mkdir -p "$T/audit-small" "$T/state-g5"
	if mount -t tmpfs -o size=256k v6g-audit "$T/audit-small"; then
		ln -sfn "$T/audit-small" "$T/state-g5/audit"
		restart "$T/g5.conf"
		local n=0 i f lines written dropped partial=0
		curl6 www.example.org "/?first" -o /dev/null && n=$((n + 1))
		sleep 0.6
		dd if=/dev/zero of="$T/audit-small/fill" bs=4k 2>/dev/null
		for i in $(seq 30); do
			http6 www.example.org "/?full=$i" -o /dev/null 2>/dev/null &&
			    n=$((n + 1))
			sleep 0.2
		done
		sleep 0.8
		f=$(ls "$T/audit-small/"audit-*.jsonl 2>/dev/null | head -1)
		lines=$(python3 -c '
import json, sys
d = open(sys.argv[1], "rb").read()
bad = sum(1 for l in d.split(b"\n")[:-1] if not l.startswith(b"{") or
          not l.endswith(b"}")) + (1 if d and not d.endswith(b"\n") else 0)
print(d.count(b"\n"), bad)' "${f:-/dev/null}")
		written=$(stat_get audit.records 2>/dev/null)
		dropped=$(stat_get audit.dropped 2>/dev/null)
		set -- $lines
		partial=$2
		log "g: audit full: $n connections, file $1 lines ($2 partial), written $written, dropped $dropped"
		[ "$partial" = 0 ] && [ "$1" = "$written" ] &&
		    [ $((written + dropped)) = "$n" ] && held=$((held + 1))
		notes="$notes; audit full: $partial partial lines, counted written $written vs $1 in file"
		gw_stop
		umount -l "$T/audit-small"
	else
		notes="$notes; audit: n/a (no tmpfs)"
	fi
	fig g "$tried" "$held" $((tried - held)) "$notes"
}

# ---------------------------------------------------------------- h
# The state files: a state_dir made 0755 (as systemd's StateDirectory=
# does), a shell's umask; after traffic, which files can user nobody read?
cat_h() {
	local S=$T/state-h files=0 readable=0 p list=

	id nobody >/dev/null 2>&1 || { fig h 0 0 0 "n/a: no user nobody"; return; }
	conf_for h
	gw_stop
	mkdir -p "$S"
	chmod 0755 "$S"
	umask 022
	gw_up "$T/h.conf" || { fig h 0 0 1 "no daemon"; return; }
	for i in 1 2 3 4; do
		curl6 www.example.org "/?h=$i" -o /dev/null 2>/dev/null
		http6 www.example.org "/?h=$i" -o /dev/null 2>/dev/null
	done
	sleep 2
	for p in $(find "$S" -type f); do
		files=$((files + 1))
		if setpriv --reuid nobody --regid nogroup --clear-groups \
		    cat "$p" >/dev/null 2>&1; then
			readable=$((readable + 1))
			list="$list ${p#$S/}"
		fi
	done
	local lsd=no
	setpriv --reuid nobody --regid nogroup --clear-groups ls "$S" \
	    >/dev/null 2>&1 && lsd=yes
	gw_stop
	log "h: $files files, nobody reads $readable:$list; lists state_dir: $lsd"
	fig h "$files" $((files - readable)) "$readable" \
	    "state files readable by nobody:${list:- none}; state_dir listable: $lsd"
}

attack_finish() {
	local rc=$? c t h f rest

	{
		echo
		echo "attack figures: $("$V6GATED" -V 2>/dev/null | head -1), build $builddir"
		printf '%-3s %6s %6s %6s  %s\n' cat tried held failed figures
		while IFS=$'\t' read -r c t h f rest; do
			printf '%-3s %6s %6s %6s  %s\n' "$c" "$t" "$h" "$f" "$rest"
		done <"$FIG"
	} | tee ${ATTACK_OUT:+"$ATTACK_OUT"}
	# the suite's verdict: categories that held entirely
	n_ok=$(awk -F'\t' '$4 == 0' "$FIG" | wc -l)
	n_fail=$(awk -F'\t' '$4 != 0' "$FIG" | wc -l)
	# the table is the report: not the daemon's last lines after it
	gw_stop
	GW_LOG=/dev/null
	(exit $rc)
	finish
}
trap attack_finish EXIT

for c in $CATS; do
	case $c in
	a|b|c|d|e|f|g|h) log "---- category $c"; "cat_$c" ;;
	*) echo "attack: no category $c (a-h)"; exit 1 ;;
	esac
done
