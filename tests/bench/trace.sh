#!/bin/bash
# SPDX-License-Identifier: ISC
#
# "v6gatectl trace" on six months of audit log: 183 UTC days ending
# yesterday, 10,000,000 connections (~54,645 a day), every day's file
# gzipped as v6gated leaves it but the last one, which is plain.  The data
# set is made by trace_gen.py (what the records look like is said there):
# 50,000 IPv6 clients in a few hundred /64s, five services, eight backends,
# the gateway's ports toward them 10.1.0.1:32768-60999 taken in turn (each
# recurs about twice a day), connections from milliseconds to hours, some
# crossing midnight.  v6gatectl reads the files itself (no daemon), from a
# config file holding only gateway.state_dir.  Measured:
#
#   probes   ~20 connections as their server logged them, across the
#            months (one crossing midnight, one in the plain file):
#              trace --at TIME --peer 10.1.0.1:PORT --server BACKEND --json
#            must print exactly the one client expected.  Wall time of
#            each run, first with the data set's pages dropped from the
#            page cache (cold: the disk and gunzip), then warm
#            (BENCH_TRACE_ROUNDS runs each); min / median / max.
#   client   trace --client PREFIX/64 --from --to --json over one day and
#            over 7 days: wall time, peak RSS, and the connections printed,
#            which must be the number the generator counted.
#   data     files, bytes on disk, records, and how long making it took.
#
# A wrong or missing answer fails the run (exit 1); the times are figures,
# not pass/fail.  The data set (~500 MB on disk, 3.5 GB of JSON) is made
# once, in about a minute on two cores, and reused while complete (its
# stamp.json is written last).
#
# From "make bench-trace" (builddir and srcdir in the environment), or from
# the top of a built tree (make first): tests/bench/trace.sh
#   BENCH_TRACE_DIR=DIR    the data set (default /var/tmp/v6gate-bench-trace,
#                          state_dir/audit under it)
#   BENCH_TRACE_REGEN=1    make the data set again even if complete
#   BENCH_TRACE_RECORDS=N  connections (default 10000000)
#   BENCH_TRACE_DAYS=N     days (default 183)
#   BENCH_TRACE_ROUNDS=3   warm runs of each probe and query
#   BENCH_TRACE_COLD=0     skip the cold-cache runs
#   BENCH_OUT=FILE         the results as JSON (default ./bench-trace.json)
#   KEEP=1                 keep the temporary directory (config, outputs)

set -u

here=$(cd "$(dirname "$0")" && pwd)
: "${srcdir:=$(cd "$here/../.." && pwd)}"
: "${builddir:=$srcdir}"
V6GATECTL=$builddir/v6gatectl
DATA=${BENCH_TRACE_DIR:-/var/tmp/v6gate-bench-trace}
RECORDS=${BENCH_TRACE_RECORDS:-10000000}
DAYS=${BENCH_TRACE_DAYS:-183}
ROUNDS=${BENCH_TRACE_ROUNDS:-3}
COLD=${BENCH_TRACE_COLD:-1}
BENCH_OUT=${BENCH_OUT:-bench-trace.json}
case $BENCH_OUT in /*) ;; *) BENCH_OUT=$PWD/$BENCH_OUT ;; esac
case $DATA in /*) ;; *) DATA=$PWD/$DATA ;; esac

T=
die() { echo "bench-trace: $*" >&2; exit 1; }
say() { echo "bench-trace: $*" >&2; }

cleanup() {
	[ -n "$T" ] || return
	if [ "${KEEP:-0}" = 1 ]; then say "kept $T"; else rm -rf "$T"; fi
}

# --- prerequisites ----------------------------------------------------------

[ -x "$V6GATECTL" ] || die "$V6GATECTL missing: build first (make)"
command -v python3 >/dev/null || die "python3 not found (install it)"
for f in "$srcdir"/src/audit/trace.c "$srcdir"/src/v6gatectl.c; do
	[ "$f" -nt "$V6GATECTL" ] &&
	    say "$f is newer than $V6GATECTL: rebuild (make) to measure it"
done
case $DATA in "$srcdir"/* | "$builddir"/*)
	die "BENCH_TRACE_DIR=$DATA is inside the tree: use a directory outside"
esac
TIME=
[ -x /usr/bin/time ] && TIME=/usr/bin/time	# peak RSS

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
awk -v l="${LOAD_BEFORE%% *}" 'BEGIN { exit !(l > 0.5) }' &&
    say "load average $LOAD_BEFORE before the run: other work on this" \
        "machine will make the figures noisier"
T=$(mktemp -d /tmp/v6g-bench-trace.XXXXXX) || die "mktemp failed"
trap cleanup EXIT
trap 'say interrupted; exit 1' INT TERM
# A private copy: v6gatectl may be rebuilt while this runs.
V6G_BUILD="built $(date -r "$V6GATECTL" '+%F %T'), source $(git -C "$srcdir" \
    describe --always --dirty 2>/dev/null || echo unknown)"
cp "$V6GATECTL" "$T/v6gatectl" || die "cannot copy $V6GATECTL"
CTL=$T/v6gatectl

# --- the data set -------------------------------------------------------------

# complete: a stamp of this generator's version, of the size asked for
stamp_ok() {
	python3 - "$DATA/stamp.json" "$here/trace_gen.py" "$RECORDS" "$DAYS" \
	    <<'PY' 2>/dev/null
import json, re, sys
s = json.load(open(sys.argv[1]))
v = int(re.search(r"^VERSION = (\d+)", open(sys.argv[2]).read(), re.M)[1])
sys.exit(not (s["version"] == v and s["records"] == int(sys.argv[3]) and
              s["days"] == int(sys.argv[4])))
PY
}

GENERATED=false
if [ "${BENCH_TRACE_REGEN:-0}" != 1 ] && stamp_ok &&
    [ -d "$DATA/audit" ] && [ -f "$DATA/probes.tsv" ]; then
	say "reusing the data set in $DATA ($(python3 -c '
import json, sys; s = json.load(open(sys.argv[1]))
print("%s .. %s, made %s" % (s["first_day"], s["last_day"], s["generated"]))
' "$DATA/stamp.json")); BENCH_TRACE_REGEN=1 makes it again"
else
	last=$(date -u -d yesterday +%F)
	say "making $RECORDS connections over $DAYS days ending $last in" \
	    "$DATA (a minute or two)"
	mkdir -p "$DATA" || die "cannot create $DATA"
	t0=$(date +%s%N)
	python3 "$here/trace_gen.py" --dir "$DATA" --last "$last" \
	    --days "$DAYS" --records "$RECORDS" >"$T/gen.out" ||
	    die "trace_gen.py failed"
	say "made in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
	GENERATED=true
fi
A=$DATA/audit
CONF=$T/v6gate.conf
printf 'gateway: { state_dir = "%s"; };\n' "$DATA" >"$CONF"

# --- runs -----------------------------------------------------------------

# the data set's pages out of the page cache (cold runs)
evict() {
	python3 -c '
import os, sys
for p in sys.argv[1:]:
    fd = os.open(p, os.O_RDONLY)
    os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    os.close(fd)
' "$A"/*
}

# run OUT ARGS...: v6gatectl -c CONF trace ARGS > OUT; sets MS (wall time),
# RC and RSS (peak KiB, or null)
run() {
	local out=$1 t0 t1

	shift
	t0=$(date +%s%N)
	if [ -n "$TIME" ]; then
		"$TIME" -f %M -o "$T/rss" "$CTL" -c "$CONF" trace "$@" \
		    >"$out" 2>"$out.err"
	else
		"$CTL" -c "$CONF" trace "$@" >"$out" 2>"$out.err"
	fi
	RC=$?
	t1=$(date +%s%N)
	MS=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e6 }')
	RSS=null
	[ -n "$TIME" ] && RSS=$(tail -1 "$T/rss")
	[[ $RSS =~ ^[0-9]+$ ]] || RSS=null
}

# one line per run, for the summary
sample() { printf '%s\n' "$(IFS=$'\t'; echo "$*")" >>"$T/samples.tsv"; }

declare -a P_LABEL P_AT P_SERVER P_PEER P_CLIENT
while IFS=$'\t' read -r label at server peer client _; do
	case $label in '#'* | '') continue ;; esac
	P_LABEL+=("$label") P_AT+=("$at") P_SERVER+=("$server")
	P_PEER+=("$peer") P_CLIENT+=("$client")
done <"$DATA/probes.tsv"
[ "${#P_LABEL[@]}" -gt 0 ] || die "no probes in $DATA/probes.tsv"

FAILS=0
# probe I PASS ROUND
probe() {
	local i=$1 got n ok=true

	run "$T/p.out" --at "${P_AT[$i]}" --peer "${P_PEER[$i]}" \
	    --server "${P_SERVER[$i]}" --json
	n=$(grep -c . "$T/p.out")
	got=$(grep -o '"client":"[^"]*"' "$T/p.out" | cut -d'"' -f4 |
	    paste -sd' ')
	if [ "$RC" != 0 ] || [ "$n" != 1 ] || [ "$got" != "${P_CLIENT[$i]}" ]
	then
		ok=false FAILS=$((FAILS + 1))
		say "${P_LABEL[$i]} ($2): expected ${P_CLIENT[$i]}, got" \
		    "${got:-nothing} ($n lines, exit $RC$([ -s "$T/p.out.err" ] &&
		    echo ": $(head -1 "$T/p.out.err")"))"
	fi
	sample probe "${P_LABEL[$i]}" "$2" "$3" "$MS" "$RC" "$ok" "$n" "$RSS" \
	    "${got:-}"
}

# query LABEL PREFIX FROM TO EXPECTED PASS ROUND
query() {
	local n ok=true

	run "$T/q.out" --client "$2" --from "$3" --to "$4" --json
	n=$(grep -c . "$T/q.out")
	if [ "$n" != "$5" ] || { [ "$n" != 0 ] && [ "$RC" != 0 ]; }; then
		ok=false FAILS=$((FAILS + 1))
		say "$1 ($6): expected $5 connections, got $n (exit $RC)"
	fi
	sample query "$1" "$6" "$7" "$MS" "$RC" "$ok" "$n" "$RSS" ""
}

: >"$T/samples.tsv"
t_start=$(date +%s)
np=${#P_LABEL[@]}
if [ "$COLD" = 1 ]; then
	say "$np probes, cold (the data set's pages dropped before each)"
	for i in $(seq 0 $((np - 1))); do
		evict
		probe "$i" cold 1
	done
fi
for r in $(seq "$ROUNDS"); do
	say "$np probes, warm, round $r of $ROUNDS"
	for i in $(seq 0 $((np - 1))); do
		probe "$i" warm "$r"
	done
done
while IFS=$'\t' read -r label prefix from to expected; do
	case $label in '#'* | '') continue ;; esac
	say "$label: --client $prefix --from $from --to $to"
	if [ "$COLD" = 1 ]; then
		evict
		query "$label" "$prefix" "$from" "$to" "$expected" cold 1
	fi
	for r in $(seq "$ROUNDS"); do
		query "$label" "$prefix" "$from" "$to" "$expected" warm "$r"
	done
done <"$DATA/queries.tsv"
say "measured in $(( $(date +%s) - t_start )) s"

# --- summary ----------------------------------------------------------------

FILES=$(find "$A" -maxdepth 1 -type f -name 'audit-*.jsonl*' | wc -l)
GZ=$(find "$A" -maxdepth 1 -type f -name 'audit-*.jsonl.gz' | wc -l)
BYTES=$(du -sb "$A" | cut -f1)
BLOCKS_KIB=$(du -sk "$A" | cut -f1)
python3 - "$T/samples.tsv" "$DATA/stamp.json" "$DATA/probes.tsv" \
    "$DATA/queries.tsv" "$BENCH_OUT" <<PY || die "the summary failed"
import json, statistics, sys
samples, stamp_f, probes_f, queries_f, out = sys.argv[1:]
stamp = json.load(open(stamp_f))
def tsv(f):
    rows = [l.rstrip("\n").split("\t") for l in open(f)]
    return [dict(zip([k.lstrip("#") for k in rows[0]], r)) for r in rows[1:]]
KIND = {"midnight": "crosses midnight: the time is on the day before its file",
        "long": "a connection of over an hour", "plain": "the plain (last) file"}
probes, queries = tsv(probes_f), tsv(queries_f)
runs = []
for l in open(samples):
    kind, label, pas, rnd, ms, rc, ok, n, rss, got = l.rstrip("\n").split("\t")
    runs.append(dict(kind=kind, label=label, pass_=pas, round=int(rnd),
                     ms=float(ms), rc=int(rc), ok=ok == "true", lines=int(n),
                     rss_kib=None if rss == "null" else int(rss), got=got))
def mmm(xs):
    return ({"min": min(xs), "median": statistics.median(xs), "max": max(xs),
             "runs": len(xs)} if xs else None)
def of(kind, label=None, pas=None):
    return [r for r in runs if r["kind"] == kind and
            (label is None or r["label"] == label) and
            (pas is None or r["pass_"] == pas)]
P = []
for p in probes:
    w, c = of("probe", p["label"], "warm"), of("probe", p["label"], "cold")
    P.append(dict(label=p["label"], at=p["at"], server=p["backend"],
                  peer=p["peer"], expected=p["client"], file=p["file"],
                  kind=p["kind"], note=p["note"],
                  ok=all(r["ok"] for r in w + c),
                  got=(w + c)[-1]["got"] if w + c else None,
                  warm_ms=[r["ms"] for r in w],
                  cold_ms=c[0]["ms"] if c else None,
                  rss_kib=max((r["rss_kib"] or 0) for r in w + c) or None))
Q = []
for q in queries:
    w, c = of("query", q["label"], "warm"), of("query", q["label"], "cold")
    Q.append({"label": q["label"], "prefix": q["prefix"], "from": q["from"],
              "to": q["to"], "expected": int(q["expected"])})
    Q[-1].update(matches=(w + c)[-1]["lines"] if w + c else None,
                 ok=all(r["ok"] for r in w + c),
                 warm_ms=mmm([r["ms"] for r in w]),
                 cold_ms=c[0]["ms"] if c else None,
                 rss_kib=max((r["rss_kib"] or 0) for r in w + c) or None)
fails = sum(1 for r in runs if not r["ok"])
res = {
    "settings": {"rounds": int("$ROUNDS"), "cold": "$COLD" == "1",
                 "cpus": int("$(nproc)"), "kernel": "$(uname -r)",
                 "load_before": "$LOAD_BEFORE", "v6gatectl": "$V6G_BUILD",
                 "data_dir": "$DATA", "generated_this_run": $([ "$GENERATED" = true ] && echo True || echo False)},
    "dataset": {"first_day": stamp["first_day"], "last_day": stamp["last_day"],
                "days": stamp["days"], "files": int("$FILES"),
                "gzipped_files": int("$GZ"), "records": stamp["records"],
                "bytes_on_disk": int("$BYTES"),
                "disk_usage_kib": int("$BLOCKS_KIB"),
                "bytes_uncompressed": stamp["bytes_raw"],
                "crossing_midnight": stamp["crossing_midnight"],
                "clients": stamp["clients"],
                "prefixes64": stamp["prefixes64"],
                "generation_s": stamp["generation_s"],
                "generation_jobs": stamp["jobs"],
                "generated": stamp["generated"]},
    "probes": {"count": len(P), "failures": sum(1 for p in P if not p["ok"]),
               "warm_ms": mmm([x for p in P for x in p["warm_ms"]]),
               "warm_ms_per_probe_median": mmm(
                   [statistics.median(p["warm_ms"]) for p in P
                    if p["warm_ms"]]),
               "cold_ms": mmm([p["cold_ms"] for p in P
                               if p["cold_ms"] is not None]),
               "each": P},
    "client_queries": Q,
    "failed_runs": fails,
}
json.dump(res, open(out, "w"), indent=1)
open(out, "a").write("\n")

d = res["dataset"]
def f(x): return "-" if x is None else "%.0f" % x if x >= 100 else "%.1f" % x
def mb(b): return "%.1f MB" % (b / 1e6)
print()
print("== v6gatectl trace on %d days of audit log (%s .. %s)" % (
    d["days"], d["first_day"], d["last_day"]))
print("   data: %d files (%d gzipped, 1 plain), %s on disk (%s uncompressed),"
      % (d["files"], d["gzipped_files"], mb(d["bytes_on_disk"]),
         mb(d["bytes_uncompressed"])))
print("         %d records, %d crossing midnight; made in %.0f s with %d "
      "processes%s" % (d["records"], d["crossing_midnight"],
                       d["generation_s"], d["generation_jobs"],
                       "" if res["settings"]["generated_this_run"]
                       else " (reused, made %s)" % d["generated"]))
print()
print("   probe  time given                     peer             server"
      "           cold ms   warm ms (median)  ok")
for p in P:
    print("   %-5s  %-29s  %-15s  %-15s  %8s  %8s          %s%s" % (
        p["label"], p["at"], p["peer"], p["server"], f(p["cold_ms"]),
        f(statistics.median(p["warm_ms"])) if p["warm_ms"] else "-",
        "yes" if p["ok"] else "NO", "  " + KIND[p["kind"]]
        if p["kind"] in KIND else ""))
pr = res["probes"]
print()
print("   %-34s %8s %8s %8s %6s" % ("", "min ms", "median", "max", "runs"))
for name, k in (("probes, warm (every run)", "warm_ms"),
                ("probes, cold (page cache dropped)", "cold_ms")):
    m = pr[k]
    if m:
        print("   %-34s %8s %8s %8s %6d" % (name, f(m["min"]),
              f(m["median"]), f(m["max"]), m["runs"]))
for q in Q:
    m = q["warm_ms"]
    print("   %-34s %8s %8s %8s %6d   cold %s ms, %d matches (expected %d)%s"
          ", peak RSS %s MiB" % (
        "%s %s" % (q["label"], q["prefix"]), f(m["min"]), f(m["median"]),
        f(m["max"]), m["runs"], f(q["cold_ms"]), q["matches"] or 0,
        q["expected"], "" if q["ok"] else " WRONG",
        "%.0f" % (q["rss_kib"] / 1024) if q["rss_kib"] else "-"))
print()
print("   probes right: %d of %d; failed runs: %d; JSON in %s" % (
    len(P) - pr["failures"], len(P), fails, out))
PY
[ "$FAILS" = 0 ] || die "wrong answers: $FAILS of the runs (see above)"
