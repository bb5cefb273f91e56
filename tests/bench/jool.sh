#!/bin/bash
# SPDX-License-Identifier: ISC
#
# Applying large translator configs, in the QEMU guest with the real Jool
# module: v6gated beside Jool's own "jool_siit file handle" / "jool file
# handle" (atomic configuration, the fastest way Jool's tools have) on the
# same content, in the same boot.
#
#   1. 10,000 EAM entries (siit services): a full apply, then a reload that
#      changes one entry; jool_siit file handle for the same 10,000, and
#      again with the one change (file handle always sends everything).
#   2. 10,000 nat64 services (one backend each): v6gated also writes the
#      nftables guard for each; jool file handle gets the same instance.
#
# Targets (issue 3): v6gated faster than file handle; a one-entry reload
# under 1 % of a full apply.  Times under TCG are ~10x a real machine's;
# the ratios are what carries over.  Each case runs BENCH_JOOL_REPS times
# (default 3) and the medians are shown.  Run as root: "make bench-jool".

set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${builddir:=$top}"
N=${BENCH_JOOL_N:-10000}
REPS=${BENCH_JOOL_REPS:-3}
[ "$(id -u)" = 0 ] || { echo "bench-jool: run as root" >&2; exit 1; }

J=$(mktemp -d /tmp/v6g-bench-jool.XXXXXX)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$J"' EXIT
cp "$builddir/v6gated" "$builddir/v6gatectl" "$J/" || exit 1
echo "$REPS" >"$J/reps"

# The configs and JSON, made here where it is fast.
python3 - "$J" "$N" <<'PY'
import sys
d, n = sys.argv[1], int(sys.argv[2])
gw = ('gateway: { name = "bench"; state_dir = "/tmp/v6g/state"; '
      'control_socket = "/tmp/v6g/ctl.sock"; http = ""; workers = 1; };\n')
def v4(i, base): return "%d.%d.%d.%d" % (base, (i >> 16) & 255, (i >> 8) & 255, i & 255)
def v6(i): return "2001:db8:200::%x:%x" % (i >> 16, i & 0xffff)
def siit(path, changed):
    with open(path, "w") as f:
        f.write(gw + 'siit: { instance = "v6gate-siit"; pool6 = "2001:db8:46::/96"; };\n')
        f.write("services = (\n")
        for i in range(n):
            six = v6(i if not (changed and i == n // 2) else i + 1000000)
            f.write('%s{ name = "e%d"; mode = "siit"; ipv4 = "%s"; ipv6 = "%s"; }\n'
                    % ("," if i else "", i, v4(i, 100), six))
        f.write(");\n")
def nat64(path, changed):
    with open(path, "w") as f:
        f.write(gw + 'nat64: { instance = "v6gate"; pool6 = "2001:db8:64::/96"; '
                'pool4 = ( { address = "192.0.2.1"; protocol = "tcp"; } ); };\n')
        f.write("services = (\n")
        for i in range(n):
            port = 81 if changed and i == n // 2 else 80
            f.write('%s{ name = "n%d"; mode = "nat64"; backend = "%s"; ports = [ "tcp/%d" ]; }\n'
                    % ("," if i else "", i, v4(i, 10), port))
        f.write(");\n")
def siit_json(path, changed):
    with open(path, "w") as f:
        f.write('{ "instance": "fh-siit", "framework": "iptables", '
                '"global": { "pool6": "2001:db8:46::/96" }, "eamt": [\n')
        f.write(",\n".join('{ "ipv6 prefix": "%s/128", "ipv4 prefix": "%s/32" }'
                % (v6(i if not (changed and i == n // 2) else i + 1000000), v4(i, 100))
                for i in range(n)))
        f.write("] }\n")
siit(d + "/siit.conf", False); siit(d + "/siit1.conf", True)
nat64(d + "/nat64.conf", False); nat64(d + "/nat641.conf", True)
siit_json(d + "/siit.json", False); siit_json(d + "/siit1.json", True)
with open(d + "/nat64.json", "w") as f:
    f.write('{ "instance": "fh-nat64", "framework": "netfilter", '
            '"global": { "pool6": "2001:db8:64::/96" }, '
            '"pool4": [ { "protocol": "TCP", "prefix": "192.0.2.1", "port range": "61001-65535" } ] }\n')
PY

cat >"$J/run.sh" <<'GUEST'
#!/bin/bash
set -u
G=/job
mkdir -p /tmp/v6g
# a daemon logs to syslog once ready: catch it with the rest, a line each
python3 -c '
import os, socket
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
os.chmod("/dev/log", 0o666)
f = open("/tmp/v6g/gw.log", "ab", 0)
while True:
    f.write(s.recv(4096).rstrip(b"\n") + b"\n")' &
sleep 0.5
modprobe jool && modprobe jool_siit || { echo "modprobe failed"; exit 1; }
ip link set lo up
# every program and library both sides use, read once: the first reads
# from the guest's disk would go to whoever comes first
for b in $G/v6gated $G/v6gatectl $(command -v jool jool_siit nft iptables-restore \
    ip6tables-restore iptables); do
	echo "$b"
	ldd "$b" | awk '/=> \// { print $3 }'
done | sort -u | xargs cat >/dev/null
ms() { date +%s%N | cut -c1-13; }
ctl() { $G/v6gatectl -s /tmp/v6g/ctl.sock "$@"; }
start() {	# start CONF: T = ms until "v6gated -c CONF" returns, which it
		# does when the daemon has applied CONF and is ready
	local t0=$(ms)
	$G/v6gated -c "$1" >>/tmp/v6g/gw.log 2>&1 ||
	    { echo "v6gated did not start: $(tail -3 /tmp/v6g/gw.log)"; exit 1; }
	T=$(( $(ms) - t0 ))
	GW=$(pgrep -x v6gated)
}
reload() {	# reload CONF: ms of "v6gatectl reload" (it returns when done)
	cp "$1" /tmp/v6g/cur.conf
	local t0=$(ms)
	ctl reload >/dev/null || echo "reload failed: $(ctl reload 2>&1 | tail -2)" >&2
	echo $(( $(ms) - t0 ))
}
stop() {
	kill $GW
	while kill -0 $GW 2>/dev/null; do sleep 0.05; done
	$G/v6gated -c /tmp/v6g/cur.conf --teardown >/dev/null 2>&1
}
fh() {		# fh TOOL JSON: ms of "TOOL file handle JSON"
	local t0=$(ms)
	$1 file handle "$2" >/dev/null || echo "$1 file handle failed" >&2
	echo $(( $(ms) - t0 ))
}
# the daemon's own account of its last start or reload: "TOTAL FILE APPLY"
# (ms: all of it, reading the file, the translator's part: reading Jool,
# changing it, nftables, iptables)
own() {
	local tr=$(grep "translator:" /tmp/v6g/gw.log | tail -1)
	local st=$(grep -E "started:|reloaded " /tmp/v6g/gw.log | tail -1)
	echo "$st" | sed -E 's/.*\(([0-9]+) ms, ([0-9]+) of them.*/\1 \2/' | tr '\n' ' '
	echo "$tr" | sed -E 's/.*planned in ([0-9]+) ms, [0-9]+ Jool changes in ([0-9]+) ms, nftables ([0-9]+) ms, iptables ([0-9]+) ms.*/\1 \2 \3 \4/' |
	    awk '{ print $1 + $2 + $3 + $4 }'
}

# Each case R times, alternating v6gated and file handle; the medians
# (emulation makes single runs vary by a factor of two).
R=$(cat $G/reps)
M=/tmp/v6g/m
mkdir -p $M
med() { sort -n "$M/$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
medcol() { awk -v c="$2" '{ print $c }' "$M/$1" | sort -n |
    awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for r in $(seq $R); do
	cp $G/siit.conf /tmp/v6g/cur.conf
	start /tmp/v6g/cur.conf
	echo $T >>$M/s_full; own >>$M/s_full_own
	if [ $r = 1 ]; then
		t0=$(ms); ctl status >/dev/null; s_status=$(( $(ms) - t0 ))
	fi
	reload $G/siit1.conf >>$M/s_one; own >>$M/s_one_own
	reload $G/siit.conf >>$M/s_back
	n_eam=$(jool_siit -i v6gate-siit eamt display --csv | grep -c 2001)
	stop
	fh jool_siit $G/siit.json >>$M/f_full
	fh jool_siit $G/siit1.json >>$M/f_one
	jool_siit instance remove fh-siit

	cp $G/nat64.conf /tmp/v6g/cur.conf
	start /tmp/v6g/cur.conf
	echo $T >>$M/n_full; own >>$M/n_full_own
	reload $G/nat641.conf >>$M/n_one; own >>$M/n_one_own
	n_elems=$(nft -j list set inet v6gate nat64_ports | grep -o '{"concat":' | wc -l)
	stop
	fh jool $G/nat64.json >>$M/g_full
	jool instance remove fh-nat64
done

grep -E "translator:|started:|reloaded " /tmp/v6g/gw.log | grep -v '^<'
cp /tmp/v6g/gw.log $G/gw.log
echo "RESULT reps=$R siit_full=$(med s_full) siit_one=$(med s_one) siit_back=$(med s_back) eam=$n_eam fh_siit_full=$(med f_full) fh_siit_one=$(med f_one) nat64_full=$(med n_full) nat64_one=$(med n_one) elems=$n_elems fh_nat64=$(med g_full) status=$s_status"
for k in s_full s_one n_full n_one; do
	echo "OWN ${k}_own='$(medcol ${k}_own 1) $(medcol ${k}_own 2) $(medcol ${k}_own 3)'"
done
dmesg | grep -E 'Oops|BUG:|soft lockup' && exit 1
exit 0
GUEST
chmod 755 "$J/run.sh"

"$top/tests/jool/guest-run.sh" "$J" "${V6G_GUEST_TIMEOUT:-900}" >"$J/guest.out" 2>&1
rc=$?
line=$(grep -h '^RESULT' "$J/output.log" 2>/dev/null)
if [ $rc != 0 ] || [ -z "$line" ]; then
	echo "bench-jool: the guest run failed (exit $rc):"
	tail -20 "$J/output.log" "$J/guest.out" 2>/dev/null
	exit 1
fi
eval "${line#RESULT }"
eval "$(grep -h '^OWN' "$J/output.log" | sed 's/^OWN //')"
set -- $s_full_own; sf_file=$2; sf_apply=$3
set -- $s_one_own; so_file=$2; so_apply=$3
set -- $n_full_own; nf_file=$2; nf_apply=$3
set -- $n_one_own; no_file=$2; no_apply=$3
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? 100 * a / b : 0 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'; }
row() { printf '  %-36s %8s %10s %8s %12s %10s\n' "$@"; }
cat <<EOF
== Jool: applying $N entries (QEMU TCG guest, Jool 4.1.9; ms, medians of $reps runs)
   v6gated: the whole command (start: "v6gated -c", which returns when the
   daemon is ready; reload: "v6gatectl reload"), then the daemon's own
   account of it: reading the file, and applying (reading Jool's state,
   changing it, nftables, iptables).  file handle: "jool_siit file handle" / "jool file handle".
EOF
row "" v6gated "file read" apply "file handle" "v6g/fh"
row "$N EAM entries, full apply" "$siit_full" "$sf_file" "$sf_apply" "$fh_siit_full" "$(ratio "$siit_full" "$fh_siit_full")"
row "one EAM entry changed (reload)" "$siit_one" "$so_file" "$so_apply" "$fh_siit_one" "$(ratio "$siit_one" "$fh_siit_one")"
row "$N nat64 services, full apply" "$nat64_full" "$nf_file" "$nf_apply" "$fh_nat64" "(instance only)"
row "one nat64 service changed (reload)" "$nat64_one" "$no_file" "$no_apply" "" ""
cat <<EOF

  EAM entries in the kernel after v6gated: $eam (of $N); guard elements for
  nat64 ports: $elems (of $N); "v6gatectl status" with $N services: $status ms

  one-entry reload / full apply, whole commands: EAM $(pct "$siit_one" "$siit_full") %, nat64 $(pct "$nat64_one" "$nat64_full") %  (target < 1 %)
  one-entry reload / full apply, the apply part:  EAM $(pct "$so_apply" "$sf_apply") %, nat64 $(pct "$no_apply" "$nf_apply") %
  v6gated vs file handle, full EAM apply: $(ratio "$siit_full" "$fh_siit_full")x whole, $(ratio "$sf_apply" "$fh_siit_full")x the apply part  (target < 1)
EOF
