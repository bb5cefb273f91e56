#!/bin/bash
# SPDX-License-Identifier: ISC
#
# v6gate side by side with HAProxy (tcp mode, req.ssl_sni), nginx (stream,
# ssl_preread), sniproxy and a direct baseline.  Everything runs on the
# loopback of a network namespace this script creates and deletes:
#
#   wrk / curl / idle.py  --IPv6-->  proxy on [::1]:84xx  --IPv4-->  nginx
#   (SNI www.example.org)            (one worker each)          127.0.0.1:9443
#   "direct": the same clients straight to 127.0.0.1:9443
#
# Workloads, each in interleaved rounds (every proxy in turn, so drift hits
# all alike; the medians are reported): new connections with a full TLS
# handshake each, keep-alive small requests, bulk 100 MiB downloads, and
# memory with thousands of idle TLS connections.  v6gate with two workers
# joins the first two; HAProxy with forced splicing joins the bulk runs.
# v6gate-nocount, v6gated built with counting compiled out, joins every
# workload beside v6gate: the difference is what counting costs.  "floor"
# (tests/bench/floor.c) is not a peer but a reference, like "direct": a
# relay that only accepts, reads, connects, copies and closes; what it
# costs is what no user-space relay goes under, and the targets' table
# says where a goal lies below it.  "floor-sockmap" (tests/bench/
# floor_sockmap.c, built where configure found libbpf and clang) is the
# same reference with the kernel relaying: after the first flight both
# sockets go into a BPF sockmap whose sk_skb verdict sends each one's bytes
# to the other, so the relay's own CPU is only accept, connect and close.
# "floor-uring" (tests/bench/floor_uring.c, built where configure found
# liburing) is the floor on io_uring: a multishot accept, the connect
# linked to the first send, every recv and send a ring request, and one
# io_uring_enter() per batch of completions instead of epoll_wait() plus
# a read() and a write() per step.
# The robust figure is the proxy's own CPU time per connection, request or
# GB: this machine's few cores are shared by the load generator, the backend
# and the proxy, so throughput says more about them.  v6gate's counters and
# every proxy's log are summarized at the end.
#
# Run as root, from "make bench" (builddir and srcdir in the environment)
# or from the top of a built tree: tests/bench/run.sh
#   BENCH_ROUNDS=3     rounds per workload
#   BENCH_QUICK=1      smoke run: 1 round, 2 s runs, 500 idle connections
#   BENCH_OUT=FILE     the results as JSON (default ./bench-results.json)
#   BENCH_WORKLOADS="newconn keepalive bulk idle"   the workloads to run
#   BENCH_PROXIES="..."  run only these of the proxies (default: all)
#   BENCH_PERF=1       profile v6gate with perf in its first newconn and
#                      keepalive rounds (perf.*.txt in the kept directory)
#   KEEP=1             keep the temporary directory (configs, logs)

set -u

here=$(cd "$(dirname "$0")" && pwd)
: "${srcdir:=$(cd "$here/../.." && pwd)}"
: "${builddir:=$srcdir}"
V6GATED=$builddir/v6gated
V6GATED_NOCOUNT=$builddir/tests/bench/v6gated-nocount
FLOOR=$builddir/tests/bench/floor
FLOOR_SOCKMAP=$builddir/tests/bench/floor-sockmap
FLOOR_SOCKMAP_BPF=$builddir/tests/bench/floor_sockmap.bpf.o
FLOOR_URING=$builddir/tests/bench/floor-uring
V6GATECTL=$builddir/v6gatectl
BENCH_OUT=${BENCH_OUT:-bench-results.json}
case $BENCH_OUT in /*) ;; *) BENCH_OUT=$PWD/$BENCH_OUT ;; esac

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	ROUNDS=${BENCH_ROUNDS:-1} DUR=2 IDLE_N=500 BULK_N=1
else
	ROUNDS=${BENCH_ROUNDS:-3} DUR=5 IDLE_N=9000 BULK_N=5
fi
NAME=www.example.org
NGINX_STREAM_MOD=/usr/lib/nginx/modules/ngx_stream_module.so
BACKEND=127.0.0.1:9443
STUB=127.0.0.1:9080
PROXIES="floor floor-sockmap floor-uring v6gate v6gate-nocount v6gate-2w haproxy"
PROXIES+=" haproxy-splice nginx sniproxy"
[ -n "${BENCH_PROXIES:-}" ] && PROXIES=$BENCH_PROXIES
WORKLOADS=${BENCH_WORKLOADS:-newconn keepalive bulk idle}
declare -A PORT=([v6gate]=8441 [v6gate-2w]=8442 [haproxy]=8443 [nginx]=8444
    [sniproxy]=8445 [haproxy-splice]=8446 [v6gate-nocount]=8447 [floor]=8448
    [floor-sockmap]=8449 [floor-uring]=8450 [direct]=9443)
declare -A PID=()
declare -A HOW=()

NS=v6g-bench-$$
T=
BACKEND_PID=

die() { echo "bench: $*" >&2; exit 1; }
# running NAME: whether proxy NAME is one of this run's
running() { [[ " $PROXIES " == *" $1 "* ]]; }
# drop_proxy NAME: not one of this run's after all (not built here)
drop_proxy() { PROXIES=$(tr ' ' '\n' <<<"$PROXIES" | grep -vx "$1" | tr '\n' ' '); }
say() { echo "bench: $*" >&2; }
# Heads up: a shell function started with & runs in a subshell, so $! would
# not be the daemon's pid.  Background starts use "ip netns exec" itself,
# which execs the command.
in_ns() { ip netns exec "$NS" "$@"; }

# --- prerequisites -------------------------------------------------------

check_prereqs() {
	local b

	[ "$(id -u)" = 0 ] || die "needs root (it creates a network namespace)"
	ip netns list >/dev/null 2>&1 || die "'ip netns' does not work here"
	for b in haproxy nginx sniproxy wrk curl openssl python3 ss; do
		command -v "$b" >/dev/null || die "$b not found (install it)"
	done
	[ -f "$NGINX_STREAM_MOD" ] ||
	    die "$NGINX_STREAM_MOD missing (install libnginx-mod-stream)"
	for b in "$V6GATED" "$V6GATECTL"; do
		[ -x "$b" ] || die "$b missing: build first (make)"
	done
	# the BPF floor is optional: configure leaves it out without libbpf
	if running floor-sockmap &&
	    { [ ! -x "$FLOOR_SOCKMAP" ] || [ ! -f "$FLOOR_SOCKMAP_BPF" ]; }; then
		say "$FLOOR_SOCKMAP not built (configure found no libbpf or" \
		    "clang): no floor-sockmap row"
		drop_proxy floor-sockmap
	fi
	if running floor-uring && [ ! -x "$FLOOR_URING" ]; then
		say "$FLOOR_URING not built (configure found no liburing):" \
		    "no floor-uring row"
		drop_proxy floor-uring
	fi
	[ -x "$V6GATED_NOCOUNT" ] || die "$V6GATED_NOCOUNT missing:" \
	    "build first (make tests/bench/v6gated-nocount)"
	[ "$V6GATED_NOCOUNT" -ot "$V6GATED" ] &&
	    say "$V6GATED_NOCOUNT is older than $V6GATED: rebuild it" \
	        "(make tests/bench/v6gated-nocount) to compare like with like"
	[ -r /proc/self/schedstat ] ||
	    die "/proc/PID/schedstat missing (kernel without CONFIG_SCHED_INFO)"
	# Each relayed idle connection costs a proxy two descriptors, and the
	# idle client one: the hard limit bounds IDLE_N.
	ulimit -n "$(ulimit -Hn)" 2>/dev/null
	[ "$(ulimit -n)" -ge $((2 * IDLE_N + 500)) ] ||
	    die "open-file limit $(ulimit -n) is below $((2 * IDLE_N + 500))," \
	        "needed for $IDLE_N idle connections"
}

# --- namespace, processes, cleanup ---------------------------------------

cleanup() {
	local p pids

	for p in "${PID[@]}" $BACKEND_PID; do
		kill "$p" 2>/dev/null
	done
	sleep 0.5
	# sniproxy's privileged "binder" child and nginx workers go with
	# their parents; this catches anything that did not.
	pids=$(ip netns pids "$NS" 2>/dev/null)
	# shellcheck disable=SC2086 # one pid per word
	[ -n "$pids" ] && kill -9 $pids 2>/dev/null
	ip netns del "$NS" 2>/dev/null
	rm -rf "/etc/netns/$NS"
	if [ -n "$T" ]; then
		if [ "${KEEP:-0}" = 1 ]; then say "kept $T"; else rm -rf "$T"; fi
	fi
}

setup_ns() {
	ip netns add "$NS" || die "cannot create network namespace $NS"
	trap cleanup EXIT
	trap 'say interrupted; exit 1' INT TERM
	ip -n "$NS" link set lo up
	# "ip netns exec" bind-mounts this over /etc/hosts.  The proxies listen
	# only on [::1], so clients reach them over IPv6; for "direct" only
	# 127.0.0.1:9443 listens, and wrk drops the addresses it cannot
	# connect to, so the same URL reaches the backend over IPv4.
	mkdir -p "/etc/netns/$NS"
	printf '%s\n' "127.0.0.1 localhost" "::1 localhost $NAME" \
	    "127.0.0.1 $NAME" >"/etc/netns/$NS/hosts"
	T=$(mktemp -d /tmp/v6g-bench.XXXXXX)
	# the proxies drop privileges and read their files under it
	chmod 755 "$T"
}

# wait_listen PORT: until something listens on it in the namespace (10 s)
wait_listen() {
	for _ in $(seq 100); do
		in_ns ss -Hltn "sport = :$1" | grep -q LISTEN && return 0
		sleep 0.1
	done
	return 1
}

# pids_of NAME: the processes whose CPU and memory count for this proxy
# (nginx: the master and its workers)
pids_of() {
	local p=${PID[$1]}

	echo "$p"
	cat /proc/"$p"/task/*/children 2>/dev/null
}

# proxy_cpu NAME: "NS USER SYS", the CPU time used so far by proxy NAME,
# all threads and processes: in ns, and in user and system clock ticks.
# schedstat's run time is what utime+stime in /proc/PID/stat add up to, but
# to the nanosecond instead of in 10 ms ticks: a bulk run costs a splicing
# proxy only tens of ms.  The split says how much is the proxy's own code.
# "null null null" for direct.
proxy_cpu() {
	local p f rt line st ns=0 ut=0 sy=0

	[ "$1" = direct ] && { echo null null null; return; }
	for p in $(pids_of "$1"); do
		for f in /proc/"$p"/task/*/schedstat; do
			read -r rt _ <"$f" 2>/dev/null && ns=$((ns + rt))
		done
		# fields from the 3rd on (the name may hold spaces): utime is
		# the 14th, stime the 15th
		read -r line <"/proc/$p/stat"
		read -ra st <<<"${line##*) }"
		ut=$((ut + st[11])) sy=$((sy + st[12]))
	done
	echo "$ns $ut $sy"
}

# cpu_since NAME "NS USER SYS": what proxy NAME used since proxy_cpu said so
cpu_since() {
	local n0 u0 s0 n1 u1 s1

	read -r n0 u0 s0 <<<"$2"
	[ "$n0" = null ] && { echo null null null; return; }
	read -r n1 u1 s1 <<<"$(proxy_cpu "$1")"
	echo $((n1 - n0)) $((u1 - u0)) $((s1 - s0))
}

# kthreads_cpu: ns of CPU used so far by the kernel's worker threads
# (kworker/*, ksoftirqd/*), machine-wide.  Work the kernel defers is
# charged to them and not to any proxy: the sockmap redirect sends from
# the sink's psock backlog, a kworker, so floor-sockmap's own CPU leaves
# out the sending.  Every row gets this figure, direct included, so the
# difference shows; other work on the machine adds to it too, and a
# kworker that exits during a run takes its time with it (the figure can
# then come out low, even negative).
kthreads_cpu() {
	local f c rt ns=0

	for f in /proc/[0-9]*/comm; do
		# (a thread that ended since the glob: its error is silenced
		# first, then the file opened)
		read -r c 2>/dev/null <"$f" || continue
		case $c in
		kworker/* | ksoftirqd/*)
			read -r rt _ 2>/dev/null <"${f%comm}schedstat" &&
			    ns=$((ns + rt)) ;;
		esac
	done
	echo "$ns"
}

# proxy_rss NAME: resident memory of proxy NAME, all processes, in KiB
proxy_rss() {
	local p sum=0 v

	for p in $(pids_of "$1"); do
		v=$(awk '/^VmRSS:/ { print $2 }' /proc/"$p"/status)
		sum=$((sum + ${v:-0}))
	done
	echo "$sum"
}

# --- backend --------------------------------------------------------------

start_backend() {
	mkdir -p "$T/backend" "$T/www"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -days 2 -subj "/CN=$NAME" -addext "subjectAltName=DNS:$NAME" \
	    -keyout "$T/backend/key.pem" -out "$T/backend/cert.pem" \
	    2>/dev/null || die "openssl req failed"
	head -c $((100 << 20)) /dev/zero >"$T/www/100m"
	# Two workers: the backend does the expensive half of every
	# handshake, and one worker would cap the connection rate before any
	# proxy did.  No session cache and no tickets: every new connection
	# is a full handshake.  Limits allow IDLE_N idle connections.
	cat >"$T/backend/nginx.conf" <<-EOF
		worker_processes 2;
		worker_rlimit_nofile $(ulimit -n);
		daemon off;
		pid $T/backend/nginx.pid;
		error_log $T/backend/error.log warn;
		events { worker_connections $((IDLE_N + 1000)); }
		http {
		    access_log off;
		    client_body_temp_path $T/backend/body;
		    proxy_temp_path $T/backend/proxy;
		    fastcgi_temp_path $T/backend/fastcgi;
		    uwsgi_temp_path $T/backend/uwsgi;
		    scgi_temp_path $T/backend/scgi;
		    default_type application/octet-stream;
		    keepalive_requests 100000000;
		    keepalive_timeout 600s;
		    client_header_timeout 600s;
		    server {
		        listen $BACKEND ssl reuseport backlog=4096;
		        ssl_certificate $T/backend/cert.pem;
		        ssl_certificate_key $T/backend/key.pem;
		        ssl_protocols TLSv1.2 TLSv1.3;
		        ssl_session_cache off;
		        ssl_session_tickets off;
		        root $T/www;
		        location = / {
		            return 200 "$(printf '%099d' 0)\n";
		        }
		        location = /100m { }
		    }
		    server {
		        listen $STUB;
		        location = /stub { stub_status; }
		    }
		}
	EOF
	ip netns exec "$NS" nginx -c "$T/backend/nginx.conf" \
	    2>>"$T/backend/error.log" &
	BACKEND_PID=$!
	# so that proxy_cpu backend measures it (the master and its workers)
	PID[backend]=$BACKEND_PID
	HOW[backend]="nginx on $BACKEND, worker_processes 2, TLS 1.3 with an"
	HOW[backend]+=" ECDSA P-256 certificate, no session cache or tickets,"
	HOW[backend]+=" / = 100 bytes, /100m = 100 MiB"
	HOW[direct]="the same clients straight to the backend, over IPv4"
	if ! wait_listen 9443 || ! wait_listen 9080; then
		die "backend nginx did not start: $(tail -3 "$T/backend/error.log")"
	fi
}

# stub: "accepts requests" so far at the backend (its stub_status)
stub() {
	in_ns curl -s "http://$STUB/stub" | awk 'NR == 3 { print $1, $3 }'
}

# --- the proxies ----------------------------------------------------------
# start_NAME writes the configuration, starts the proxy in the foreground
# (so that PID[NAME] is the proxy itself) and sets HOW[NAME].

# start_v6gate NAME WORKERS [BINARY]
start_v6gate() {
	local name=$1 workers=$2 bin=${3:-$V6GATED} dir=$T/$1

	mkdir -p "$dir/state"
	cat >"$dir/v6gate.conf" <<-EOF
		gateway: {
		  name = "bench"; state_dir = "$dir/state";
		  control_socket = "$dir/v6gate.sock";
		  http = "";	# two instances run at once: no HTTP endpoint
		  workers = $workers; max_connections = 100000;
		  timeouts: { first_flight = 10; connect = 5; idle = 600; };
		};
		services = (
		  { name = "www"; mode = "proxy";
		    listen = [ "[::1]:${PORT[$name]}" ];
		    hosts = [ "$NAME" ]; default = true;
		    backends = [ "$BACKEND" ]; }
		);
	EOF
	ip netns exec "$NS" "$bin" -f -c "$dir/v6gate.conf" 2>>"$dir/log" &
	PID[$name]=$!
	HOW[$name]="workers = $workers; max_connections 100000 (lowered by"
	HOW[$name]+=" v6gated to the open-file limit); idle timeout 600 s"
	[ "$bin" = "$V6GATED" ] ||
	    HOW[$name]+="; built with -DV6G_NO_COUNTING: no counting"
}

# start_haproxy NAME SPLICE-OPTIONS
start_haproxy() {
	local name=$1 splice=$2 dir=$T/$1 opts

	mkdir -p "$dir"
	# shellcheck disable=SC2086 # one "option" line per word
	opts=$(printf '    option %s\n' $splice)
	# maxpipes is kept small so that maxconn fits the open-file limit (the
	# default, maxconn/4 pipes, would need 2 more fds each; HAProxy falls
	# back to copying when it runs out).
	cat >"$dir/haproxy.cfg" <<-EOF
		global
		    nbthread 1
		    maxconn $((IDLE_N + 500))
		    maxpipes 256
		defaults
		    mode tcp
		    maxconn $((IDLE_N + 500))
		    timeout connect 5s
		    timeout client 600s
		    timeout server 600s
		$opts
		frontend tls
		    bind [::1]:${PORT[$name]}
		    tcp-request inspect-delay 5s
		    tcp-request content accept if { req.ssl_hello_type 1 }
		    use_backend www if { req.ssl_sni -i $NAME }
		backend www
		    server s1 $BACKEND
	EOF
	ip netns exec "$NS" haproxy -db -f "$dir/haproxy.cfg" 2>>"$dir/log" &
	PID[$name]=$!
	HOW[$name]="nbthread 1, mode tcp, inspect-delay 5s + req.ssl_sni,"
	HOW[$name]+=" option ${splice// /, option },"
	HOW[$name]+=" maxconn $((IDLE_N + 500)), maxpipes 256, bufsize 16k"
	HOW[$name]+=" (default)"
}

start_nginx() {
	local dir=$T/nginx

	mkdir -p "$dir"
	# Worker connections count both sides of a relayed connection.  The
	# 16k proxy_buffer_size (the default) is allocated per side once
	# bytes flow: larger ones cost idle memory, smaller ones syscalls.
	cat >"$dir/nginx.conf" <<-EOF
		load_module $NGINX_STREAM_MOD;
		worker_processes 1;
		worker_rlimit_nofile $(ulimit -n);
		daemon off;
		pid $dir/nginx.pid;
		error_log $dir/log warn;
		events { worker_connections $((2 * IDLE_N + 1000)); }
		stream {
		    map \$ssl_preread_server_name \$upstream {
		        $NAME www;
		    }
		    upstream www { server $BACKEND; }
		    server {
		        listen [::1]:${PORT[nginx]} backlog=4096;
		        ssl_preread on;
		        proxy_pass \$upstream;
		        proxy_buffer_size 16k;
		        proxy_timeout 600s;
		    }
		}
	EOF
	ip netns exec "$NS" nginx -c "$dir/nginx.conf" 2>>"$dir/log" &
	PID[nginx]=$!
	HOW[nginx]="worker_processes 1, stream ssl_preread + map on"
	HOW[nginx]+=" \$ssl_preread_server_name, proxy_buffer_size 16k,"
	HOW[nginx]+=" worker_connections $((2 * IDLE_N + 1000))"
}

start_sniproxy() {
	local dir=$T/sniproxy

	mkdir -p "$dir"
	chmod 755 "$T"
	# It drops privileges to "daemon" after opening its sockets and log.
	cat >"$dir/sniproxy.conf" <<-EOF
		user daemon
		error_log {
		    filename $dir/log
		    priority notice
		}
		listener [::1]:${PORT[sniproxy]} {
		    protocol tls
		    table www
		}
		table www {
		    ^www\\.example\\.org\$ $BACKEND
		}
	EOF
	ip netns exec "$NS" sniproxy -f -n "$(ulimit -n)" \
	    -c "$dir/sniproxy.conf" 2>>"$dir/log" &
	PID[sniproxy]=$!
	HOW[sniproxy]="single process, listener protocol tls, table with"
	HOW[sniproxy]+=" one regex, -n $(ulimit -n) (fd limit)"
}

# The floor (tests/bench/floor.c): accept, read the first bytes, connect,
# relay with read/write, close; nothing else.  Not a peer: what no
# user-space relay goes under.
start_floor() {
	mkdir -p "$T/floor"
	ip netns exec "$NS" "$FLOOR" "${PORT[floor]}" "${BACKEND%:*}" \
	    "${BACKEND#*:}" 2>>"$T/floor/log" &
	PID[floor]=$!
	HOW[floor]="tests/bench/floor: one thread, edge-triggered epoll, each"
	HOW[floor]+=" socket registered once, TCP_DEFER_ACCEPT, read/write"
	HOW[floor]+=" 16 KiB per direction; no SNI, no counting, no limits"
}

# The floor with the kernel relaying (tests/bench/floor_sockmap.c): the
# same, but after the first flight both sockets are in a BPF sockmap and
# an sk_skb stream verdict moves the bytes.  Needs root (BPF).
start_floor_sockmap() {
	mkdir -p "$T/floor-sockmap"
	ip netns exec "$NS" "$FLOOR_SOCKMAP" "${PORT[floor-sockmap]}" \
	    "${BACKEND%:*}" "${BACKEND#*:}" "$FLOOR_SOCKMAP_BPF" \
	    2>>"$T/floor-sockmap/log" &
	PID[floor-sockmap]=$!
	HOW[floor-sockmap]="tests/bench/floor-sockmap: floor's shape (the first"
	HOW[floor-sockmap]+=" flight peeked, not read), then both sockets in a"
	HOW[floor-sockmap]+=" BPF SOCKHASH, sk_skb stream verdict redirecting"
	HOW[floor-sockmap]+=" to the peer's egress, bytes counted in a BPF map;"
	HOW[floor-sockmap]+=" user space sees only the ends"
}

# The floor on io_uring (tests/bench/floor_uring.c): the same relay, each
# step a ring request.  It says which ring setup the kernel gave it.
start_floor_uring() {
	mkdir -p "$T/floor-uring"
	ip netns exec "$NS" "$FLOOR_URING" "${PORT[floor-uring]}" \
	    "${BACKEND%:*}" "${BACKEND#*:}" 2>>"$T/floor-uring/log" &
	PID[floor-uring]=$!
	HOW[floor-uring]="tests/bench/floor-uring: floor's relay on io_uring:"
	HOW[floor-uring]+=" one multishot accept, connect linked to the first"
	HOW[floor-uring]+=" send, recv/send 16 KiB per direction as ring"
	HOW[floor-uring]+=" requests, one io_uring_enter() per batch"
}

start_proxy() {
	case $1 in
	floor-sockmap) start_floor_sockmap ;;
	floor-uring) start_floor_uring ;;
	v6gate) start_v6gate v6gate 1 ;;
	v6gate-nocount) start_v6gate v6gate-nocount 1 "$V6GATED_NOCOUNT" ;;
	v6gate-2w) start_v6gate v6gate-2w 2 ;;
	# splice-auto: HAProxy splices where its heuristics expect it to pay
	# and copies small exchanges; forced splicing costs more per request
	# but less per GB, so bulk runs both.
	haproxy) start_haproxy haproxy splice-auto ;;
	haproxy-splice)
		start_haproxy haproxy-splice "splice-request splice-response" ;;
	*) "start_$1" ;;
	esac
	wait_listen "${PORT[$1]}" ||
	    die "$1 did not start: $(tail -5 "$T/$1/log" 2>/dev/null)"
	if [ "$1" = floor-uring ]; then
		HOW[floor-uring]+="; $(sed -n 's/^floor-uring: //p' \
		    "$T/floor-uring/log" | head -1)"
	fi
}

# v6gate_status NAME: keep the counters of v6gate instance NAME before it
# stops, and at the end: report.py sums them over all its runs
v6gate_status() {
	"$V6GATECTL" -s "$T/$1/v6gate.sock" status --json \
	    >"$T/$1/status.$(date +%s%N).json" 2>&1
}

stop_proxy() {
	local p=${PID[$1]}

	case $1 in v6gate*) v6gate_status "$1" ;; esac
	kill "$p" 2>/dev/null
	for _ in $(seq 50); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	unset "PID[$1]"
}

# sanity: every path must serve the small page before anything is measured
check_paths() {
	local p got

	for p in direct $PROXIES; do
		got=$(curl_to "$p" / -sS -o /dev/null -w '%{size_download}' 2>&1)
		[ "$got" = 100 ] || die "GET / through $p failed: $got"
	done
}

# curl_to NAME PATH [curl options]: HTTPS for $NAME through proxy NAME
curl_to() {
	local p=$1 path=$2 addr='[::1]'

	shift 2
	[ "$p" = direct ] && addr=127.0.0.1
	in_ns curl -k --max-time 60 --resolve "$NAME:${PORT[$p]}:$addr" "$@" \
	    "https://$NAME:${PORT[$p]}$path"
}

# --- workloads ------------------------------------------------------------
# Each appends one JSON line of raw counts to $T/samples.jsonl (sample);
# report.py derives the figures.

# calc EXPR: floating-point arithmetic
calc() { awk "BEGIN { printf \"%.6g\", $1 }"; }
# times_ns <<<OUTPUT: the ns of CPU that bash's "times", the last line of
# OUTPUT, says the shell's children used (user plus system: "0m1.5s 0m0.2s")
times_ns() {
	tail -1 | awk '{
	    n = 0
	    for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); n += t[1] * 60 + t[2] }
	    printf "%.0f", n * 1e9 }'
}

# json_str TEXT: TEXT as a JSON string
json_str() {
	local s=${1//\\/\\\\}

	s=${s//\"/\\\"}
	printf '"%s"' "${s//[$'\t\n\r']/ }"
}

# jline FILE KEY=VALUE...: append one flat JSON object to FILE; numbers,
# true, false and null stay bare, anything else becomes a string
jline() {
	local f=$1 kv v sep='' line='{'

	shift
	for kv in "$@"; do
		v=${kv#*=}
		[[ $v =~ ^(-?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|true|false|null)$ ]] ||
		    v=$(json_str "$v")
		line+="$sep\"${kv%%=*}\":$v" sep=,
	done
	echo "$line}" >>"$f"
}

sample() { jline "$T/samples.jsonl" "$@"; }

# perf_start WORKLOAD NAME ROUND: with BENCH_PERF=1, a perf profile of
# v6gate's processes (cpu-clock samples with call graphs: no hardware
# counters are needed) during its first round of the workload
PERF_PID=
perf_start() {
	[ "${BENCH_PERF:-0}" = 1 ] && [ "$2" = v6gate ] && [ "$3" = 1 ] ||
	    return 0
	perf record -q -F 999 -e cpu-clock -g -o "$T/perf.$1.data" \
	    -p "$(pids_of v6gate | tr -s " " "\n" | grep . | paste -sd,)" >"$T/perf.$1.log" 2>&1 &
	PERF_PID=$!
	sleep 0.5
}
# perf_stop WORKLOAD: end the profile; where v6gate's time went, by
# binary and by function, into perf.WORKLOAD.txt (and a summary here)
perf_stop() {
	local f=$T/perf.$1

	[ -n "$PERF_PID" ] || return 0
	kill -INT "$PERF_PID"
	wait "$PERF_PID" 2>/dev/null
	PERF_PID=
	{
		echo "== by binary"
		perf report -i "$f.data" --stdio --no-children -g none --sort dso \
		    2>/dev/null | grep -v '^#' | grep '%' | head -12
		echo "== by function (self)"
		perf report -i "$f.data" --stdio --no-children -g none \
		    --sort dso,sym 2>/dev/null | grep -v '^#' | grep '%' | head -40
	} >"$f.txt"
	say "perf profile of v6gate, $1 (all: $f.txt):"
	head -12 "$f.txt" >&2
}

# run_wrk WORKLOAD NAME ROUND: wrk for DUR seconds; the backend's
# stub_status counts the TLS connections and requests that went through.
run_wrk() {
	local w=$1 p=$2 r=$3 conns=32 hdr=() unit=req a0 q0 a1 q1 c0 cpu ut st
	local out rate reqs errs acc breq units k0 kt b0 bcpu ccpu

	if [ "$w" = newconn ]; then
		conns=8 hdr=(-H 'Connection: close') unit=conn
	fi
	c0=$(proxy_cpu "$p")
	b0=$(proxy_cpu backend)
	k0=$(kthreads_cpu)
	read -r a0 q0 <<<"$(stub)"
	# bash's "times" after wrk: its second line is the CPU wrk used (user
	# and system), so that a reader sees whether the client is the limit
	perf_start "$w" "$p" "$r"
	out=$(in_ns bash -c 'wrk "$@" 2>&1; times' wrk -t1 -c"$conns" \
	    -d"${DUR}s" "${hdr[@]}" "https://$NAME:${PORT[$p]}/")
	perf_stop "$w"
	read -r a1 q1 <<<"$(stub)"
	read -r cpu ut st <<<"$(cpu_since "$p" "$c0")"
	read -r bcpu _ <<<"$(cpu_since backend "$b0")"
	kt=$(($(kthreads_cpu) - k0))
	ccpu=$(times_ns <<<"$out")
	rate=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
	reqs=$(awk '/requests in/ { print $1 }' <<<"$out")
	if [ -z "$rate" ] || [ -z "$reqs" ]; then
		die "wrk through $p failed: $out"
	fi
	# socket errors (connect, read, write, timeout) and non-2xx replies
	errs=$(awk '/Socket errors:/ { gsub(",", ""); n += $4 + $6 + $8 + $10 }
	    /Non-2xx/ { n += $NF } END { print n + 0 }' <<<"$out")
	# The second stub request counts itself: one accept, one request.
	acc=$((a1 - a0 - 1)) breq=$((q1 - q0 - 1)) units=$breq
	[ "$w" = newconn ] && units=$acc
	sample w="$w" p="$p" r="$r" rate="$rate" reqs="$reqs" accepts="$acc" \
	    breqs="$breq" cpu_ns="$cpu" user_ticks="$ut" sys_ticks="$st" \
	    kthreads_ns="$kt" client_ns="$ccpu" backend_ns="$bcpu" \
	    secs="$DUR" errors="$errs"
	printf '  %-14s %7.0f %s/s' "$p" "$rate" "$unit" >&2
	[ "$cpu" != null ] &&
	    printf ', CPU %.2f us/%s' "$(calc "$cpu / 1e3 / $units")" $unit >&2
	printf '; CPUs busy: proxy %s, wrk %.2f, backend %.2f' \
	    "$([ "$cpu" = null ] && echo - ||
	    printf '%.2f' "$(calc "$cpu / 1e9 / $DUR")")" \
	    "$(calc "$ccpu / 1e9 / $DUR")" "$(calc "$bcpu / 1e9 / $DUR")" >&2
	[ "$errs" != 0 ] && printf ', %s errors' "$errs" >&2
	echo >&2
}

# run_bulk NAME ROUND: BULK_N downloads of /100m, one after the other
run_bulk() {
	local p=$1 r=$2 c0 cpu ut st t0 t1 got bytes=0 errs=0 secs k0 kt
	local addr='[::1]' out b0 bcpu ccpu

	[ "$p" = direct ] && addr=127.0.0.1
	c0=$(proxy_cpu "$p")
	b0=$(proxy_cpu backend)
	k0=$(kthreads_cpu)
	t0=$(date +%s%N)
	# one shell runs the downloads, so that its "times" (the second line:
	# its children's user and system CPU) says what curl used
	out=$(in_ns bash -c 'for _ in $(seq "$1"); do
	    curl -k --max-time 60 --resolve "$2" -s -o /dev/null \
	        -w "%{size_download}\n" "$3"; done; times' bulk "$BULK_N" \
	    "$NAME:${PORT[$p]}:$addr" "https://$NAME:${PORT[$p]}/100m")
	t1=$(date +%s%N)
	read -r cpu ut st <<<"$(cpu_since "$p" "$c0")"
	read -r bcpu _ <<<"$(cpu_since backend "$b0")"
	kt=$(($(kthreads_cpu) - k0))
	for got in $(head -n -2 <<<"$out"); do
		[ "$got" = $((100 << 20)) ] || errs=$((errs + 1))
		bytes=$((bytes + ${got:-0}))
	done
	ccpu=$(times_ns <<<"$out")
	secs=$(calc "($t1 - $t0) / 1e9")
	sample w=bulk p="$p" r="$r" bytes="$bytes" secs="$secs" cpu_ns="$cpu" \
	    user_ticks="$ut" sys_ticks="$st" kthreads_ns="$kt" errors="$errs" \
	    client_ns="$ccpu" backend_ns="$bcpu"
	printf '  %-14s %5.0f MB/s' "$p" "$(calc "$bytes / $secs / 1e6")" >&2
	[ "$cpu" != null ] && printf ', CPU %.0f ms/GB' \
	    "$(calc "$cpu / 1e6 / ($bytes / 1e9)")" >&2
	[ "$bytes" -gt 0 ] && printf ', kernel threads %.0f ms/GB' \
	    "$(calc "$kt / 1e6 / ($bytes / 1e9)")" >&2
	printf '; CPUs busy: proxy %s, curl %.2f, backend %.2f' \
	    "$([ "$cpu" = null ] && echo - ||
	    printf '%.2f' "$(calc "$cpu / 1e9 / $secs")")" \
	    "$(calc "$ccpu / 1e9 / $secs")" "$(calc "$bcpu / 1e9 / $secs")" >&2
	[ "$errs" != 0 ] && printf ', %s failed downloads' "$errs" >&2
	echo >&2
}

# run_idle NAME ROUND: IDLE_N idle TLS connections through a freshly
# started proxy; its RSS before and after.  A fresh process, because memory
# freed after an earlier round stays with the process and would hide the
# cost in later rounds.
run_idle() {
	local p=$1 r=$2 rss0 rss1 ipid line='' est opened=0 failed note=''

	stop_proxy "$p"
	start_proxy "$p"
	sleep 0.5
	rss0=$(proxy_rss "$p")
	ip netns exec "$NS" python3 "$here/idle.py" --host ::1 \
	    --port "${PORT[$p]}" --sni "$NAME" -n "$IDLE_N" >"$T/idle.out" 2>&1 &
	ipid=$!
	# idle.py prints one line once every handshake has finished or failed
	for _ in $(seq 1800); do
		line=$(head -1 "$T/idle.out")
		[ -n "$line" ] || ! kill -0 "$ipid" 2>/dev/null && break
		sleep 0.1
	done
	sleep 1
	rss1=$(proxy_rss "$p")
	# the connections still open, as the client sees them
	est=$(in_ns ss -Htn state established "dport = :${PORT[$p]}" | wc -l)
	kill "$ipid" 2>/dev/null
	wait "$ipid" 2>/dev/null
	failed=$IDLE_N
	case $line in
	opened*) read -r _ opened _ failed _ <<<"$line" ;;
	*) note="idle.py: $(tail -1 "$T/idle.out")" ;;
	esac
	case $line in
	*"first error: "*) note=${line#*first error: } ;;
	esac
	kill -0 "${PID[$p]}" 2>/dev/null || note="$p exited; $note"
	sample w=idle p="$p" r="$r" opened="$opened" failed="$failed" \
	    established="$est" rss0_kib="$rss0" rss1_kib="$rss1" note="$note"
	printf '  %-14s %5d held, RSS %d -> %d KiB%s\n' "$p" "$est" "$rss0" \
	    "$rss1" "${note:+ ($note)}" >&2
	# let the proxy see every close before the next one is measured
	for _ in $(seq 100); do
		[ "$(in_ns ss -Htn state established | wc -l)" -lt 10 ] && break
		sleep 0.1
	done
}

# rounds WORKLOAD NAME...: each round runs the workload for each in turn
rounds() {
	local w=$1 r p

	shift
	for r in $(seq "$ROUNDS"); do
		say "$w, round $r of $ROUNDS"
		for p in "$@"; do
			case $w in
			newconn | keepalive) run_wrk "$w" "$p" "$r" ;;
			bulk) run_bulk "$p" "$r" ;;
			idle) run_idle "$p" "$r" ;;
			esac
		done
	done
}

# log_summary: what each proxy logged, to catch anything odd under load
log_summary() {
	local p f

	echo
	echo "== Logs: line count, then the most frequent lines (times cut)"
	for p in backend $PROXIES; do
		f=$T/$p/log
		[ "$p" = backend ] && f=$T/backend/error.log
		echo "   $p: $(wc -l <"$f") lines"
		sed -E 's/^[0-9/: -]+(\[[a-z]+\] [0-9#]+: )?//' "$f" |
		    sort | uniq -c | sort -rn | head -5 | sed 's/^/     /'
	done
}

# write_meta: the settings and how each was configured, for report.py
write_meta() {
	local f=$T/meta.jsonl p

	jline "$f" kind=settings rounds="$ROUNDS" duration_s="$DUR" \
	    idle_connections="$IDLE_N" bulk_downloads="$BULK_N" \
	    quick="$([ "${BENCH_QUICK:-0}" = 1 ] && echo true || echo false)" \
	    cpus="$(nproc)" kernel="$(uname -r)" load_before="$LOAD_BEFORE" \
	    nofile_hard="$(ulimit -Hn)" v6gated="$V6G_BUILD"
	for p in backend direct $PROXIES; do
		jline "$f" kind=config name="$p" text="${HOW[$p]}"
	done
	jline "$f" kind=how workload=newconn text="wrk -t1 -c8 -d${DUR}s \
-H 'Connection: close': each request a new TLS connection (conn/req: \
backend accepts per wrk request)"
	jline "$f" kind=how workload=keepalive text="wrk -t1 -c32 -d${DUR}s: \
100-byte responses on keep-alive connections"
	jline "$f" kind=how workload=bulk text="curl, $BULK_N x /100m one \
after the other; MB = 10^6 bytes, GB = 10^9 bytes"
	jline "$f" kind=how workload=idle text="$IDLE_N TLS connections \
(handshake done, then silent) through a freshly started proxy: VmRSS after \
minus before, per connection held (kernel socket memory is not in RSS)"
}

# --- main -----------------------------------------------------------------

check_prereqs
# Other work on the machine competes for the same CPUs: say so up front.
LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
awk -v l="${LOAD_BEFORE%% *}" 'BEGIN { exit !(l > 0.5) }' &&
    say "load average $LOAD_BEFORE before the run: other work on this" \
        "machine will make the figures noisier"
setup_ns
# Run private copies: v6gated may be rebuilt while the benchmark runs, and
# every v6gate figure must come from the same binary.
V6G_BUILD="built $(date -r "$V6GATED" '+%F %T'), source $(git -C "$srcdir" \
    describe --always --dirty 2>/dev/null || echo unknown)"
cp "$V6GATED" "$V6GATECTL" "$V6GATED_NOCOUNT" "$T/" && cp "$FLOOR" "$T/floor.bin" ||
    die "cannot copy the v6gate binaries"
V6GATED=$T/v6gated V6GATECTL=$T/v6gatectl
V6GATED_NOCOUNT=$T/v6gated-nocount FLOOR=$T/floor.bin
if running floor-sockmap; then
	cp "$FLOOR_SOCKMAP" "$T/floor-sockmap.bin" &&
	    cp "$FLOOR_SOCKMAP_BPF" "$T/floor_sockmap.bpf.o" ||
	    die "cannot copy floor-sockmap"
	FLOOR_SOCKMAP=$T/floor-sockmap.bin FLOOR_SOCKMAP_BPF=$T/floor_sockmap.bpf.o
fi
if running floor-uring; then
	cp "$FLOOR_URING" "$T/floor-uring.bin" || die "cannot copy floor-uring"
	FLOOR_URING=$T/floor-uring.bin
fi
start_backend
for p in $PROXIES; do
	start_proxy "$p"
done
check_paths
t_start=$(date +%s)
say "rounds $ROUNDS, $DUR s per run, $BULK_N x 100 MiB, $IDLE_N idle" \
    "connections; results to $BENCH_OUT"

# workload WORKLOAD NAME...: its rounds, if it is one of this run's,
# through those of NAME... that run (direct always does)
workload() {
	local w=$1 p list=()

	shift
	[[ " $WORKLOADS " == *" $w "* ]] || return 0
	for p in "$@"; do
		{ [ "$p" = direct ] || running "$p"; } && list+=("$p")
	done
	rounds "$w" "${list[@]}"
}

workload newconn direct floor floor-sockmap floor-uring v6gate v6gate-nocount \
    v6gate-2w haproxy nginx sniproxy
workload keepalive direct floor floor-sockmap floor-uring v6gate v6gate-nocount \
    v6gate-2w haproxy nginx sniproxy
workload bulk direct floor floor-sockmap floor-uring v6gate v6gate-nocount haproxy \
    haproxy-splice nginx sniproxy
workload idle v6gate v6gate-nocount haproxy nginx sniproxy

say "measured in $(( $(date +%s) - t_start )) s"
for p in v6gate v6gate-nocount v6gate-2w; do
	running "$p" && v6gate_status "$p"
done
write_meta
python3 "$here/report.py" "$T/meta.jsonl" "$T/samples.jsonl" "$BENCH_OUT" \
    "$T"/v6gate*/status.*.json ||
    die "report.py failed"
# its totals (connections, bytes the BPF program counted) go to its log
running floor-sockmap && stop_proxy floor-sockmap
log_summary
