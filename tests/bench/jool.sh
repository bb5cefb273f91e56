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
# the ratios are what carries over.  Run as root: "make bench-jool".

set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
: "${builddir:=$top}"
N=${BENCH_JOOL_N:-10000}
[ "$(id -u)" = 0 ] || { echo "bench-jool: run as root" >&2; exit 1; }

J=$(mktemp -d /tmp/v6g-bench-jool.XXXXXX)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$J"' EXIT
cp "$builddir/v6gated" "$builddir/v6gatectl" "$J/" || exit 1

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
modprobe jool && modprobe jool_siit || { echo "modprobe failed"; exit 1; }
ip link set lo up
ms() { date +%s%N | cut -c1-13; }
ctl() { $G/v6gatectl -s /tmp/v6g/ctl.sock "$@"; }
start() {	# start CONF: v6gated applies CONF; T = ms until it answers
	local t0=$(ms)
	$G/v6gated -f -c "$1" >>/tmp/v6g/gw.log 2>&1 &
	GW=$!
	until ctl status >/dev/null 2>&1; do
		kill -0 $GW 2>/dev/null || { echo "v6gated died: $(tail -3 /tmp/v6g/gw.log)"; exit 1; }
		sleep 0.02
	done
	T=$(( $(ms) - t0 ))
}
reload() {	# reload CONF: ms of "v6gatectl reload" (synchronous)
	cp "$1" /tmp/v6g/cur.conf
	local t0=$(ms)
	ctl reload >/dev/null || echo "reload failed: $(ctl reload 2>&1 | tail -2)" >&2
	echo $(( $(ms) - t0 ))
}
stop() {
	kill $GW; wait $GW 2>/dev/null
	$G/v6gated -c /tmp/v6g/cur.conf --teardown >/dev/null 2>&1
}
fh() {		# fh TOOL JSON: ms of "TOOL file handle JSON"
	local t0=$(ms)
	$1 file handle "$2" >/dev/null || echo "$1 file handle failed" >&2
	echo $(( $(ms) - t0 ))
}

cp $G/siit.conf /tmp/v6g/cur.conf
start /tmp/v6g/cur.conf
s_full=$T
s_one=$(reload $G/siit1.conf)
s_back=$(reload $G/siit.conf)
n_eam=$(jool_siit -i v6gate-siit eamt display --csv | grep -c 2001)
stop
f_full=$(fh jool_siit $G/siit.json)
f_one=$(fh jool_siit $G/siit1.json)
jool_siit instance remove fh-siit

cp $G/nat64.conf /tmp/v6g/cur.conf
start /tmp/v6g/cur.conf
n_full=$T
n_one=$(reload $G/nat641.conf)
n_rules=$(nft list chain inet v6gate nat64 | grep -c dport)
stop
g_full=$(fh jool $G/nat64.json)
jool instance remove fh-nat64

grep translator: /tmp/v6g/gw.log
echo "RESULT siit_full=$s_full siit_one=$s_one siit_back=$s_back eam=$n_eam fh_siit_full=$f_full fh_siit_one=$f_one nat64_full=$n_full nat64_one=$n_one rules=$n_rules fh_nat64=$g_full"
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
pct() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? 100 * a / b : 0 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b ? a / b : 0 }'; }
cat <<EOF
== Jool: applying $N entries (QEMU TCG guest, Jool 4.1.9; ms)
                                       v6gated   file handle   v6gated/file handle
  $N EAM entries, full apply          $(printf '%8s %13s %21s' "$siit_full" "$fh_siit_full" "$(ratio "$siit_full" "$fh_siit_full")")
  one EAM entry changed (reload)       $(printf '%8s %13s %21s' "$siit_one" "$fh_siit_one" "$(ratio "$siit_one" "$fh_siit_one")")
  $N nat64 services, full apply       $(printf '%8s %13s' "$nat64_full" "$fh_nat64")   (file handle: the instance only; v6gated also writes $rules guard rules)
  one nat64 service changed (reload)   $(printf '%8s' "$nat64_one")
  EAM entries in the kernel after v6gated: $eam (of $N)

  one-entry reload / full apply: EAM $(pct "$siit_one" "$siit_full") %, nat64 $(pct "$nat64_one" "$nat64_full") %  (target < 1 %)
  v6gated vs file handle, full EAM apply: $(ratio "$siit_full" "$fh_siit_full")x  (target < 1)
EOF
