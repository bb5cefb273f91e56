#!/bin/bash
# t_audit_full: a disk that fills in the middle of an audit line.  The
# audit directory is on a tiny tmpfs, filled up but for the rest of the
# audit file's last page, and connections go on: the line that crosses the
# page is cut short by the kernel.  The file must hold whole JSON lines
# only (the cut one taken back), every line in the file counted as
# written, every other one as dropped: written + dropped = connections.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "needs python3"
net_up
nginx_up
gw_conf_default "$T/gw.conf"
A=$T/state/audit

# (the daemon's mount namespace is made at its start: mount first)
mkdir -p "$T/small" "$T/state"
mount -t tmpfs -o size=256k v6g-audit "$T/small" || skip "cannot mount a tmpfs"
trap 'rc=$?; umount -l "$T/small" 2>/dev/null; (exit $rc); finish' EXIT
ln -s "$T/small" "$A"
gw_up "$T/gw.conf" || exit 1

n=0
curl6 www.example.org "/?first" -o /dev/null && n=$((n + 1))
sleep 0.5		# the writer writes every 200 ms
f=$(ls "$T/small/"audit-*.jsonl 2>/dev/null | head -1)
[ -n "$f" ] && [ -s "$f" ] && ok "a first line is written" ||
    fail "no audit file in $T/small"

# everything but the audit file's last page taken: the next lines fill
# that page, and one of them crosses its end
dd if=/dev/zero of="$T/small/fill" bs=4k 2>/dev/null
# one line at a time (each its own write), then a few in one batch
for i in $(seq 20); do
	curl6 www.example.org "/?full=$i" -o /dev/null && n=$((n + 1))
	sleep 0.25
done
pids=
for i in $(seq 10); do
	http6 www.example.org "/?batch=$i" -o /dev/null &
	pids="$pids $!"
done
wait $pids		# (not the daemon's)
n=$((n + 10))
sleep 0.6
check_eq "the disk is full" "$(stat_get audit.failing)" True

# every line parses; the last one ends with a newline
check_lines() {
	python3 - "$f" <<-'EOF'
		import json, sys
		data = open(sys.argv[1], "rb").read()
		if data and not data.endswith(b"\n"):
		    print("a partial last line: %r" % data[-80:])
		    sys.exit(1)
		for i, l in enumerate(data.splitlines()):
		    try:
		        json.loads(l)
		    except ValueError:
		        print("line %d is not JSON: %r" % (i + 1, l[:80]))
		        sys.exit(1)
		print(len(data.splitlines()))
	EOF
}
lines=$(check_lines) && ok "on a full disk, every line is whole JSON ($lines lines)" ||
    fail "$lines"
written=$(stat_get audit.records)
dropped=$(stat_get audit.dropped)
[ "$dropped" -gt 0 ] && ok "some were dropped ($dropped)" ||
    fail "nothing dropped: the disk was not full"
check_eq "written + dropped = connections" "$((written + dropped))" "$n"
check_eq "what is counted as written is what the file holds" "$lines" \
    "$written"

# room again: the log goes on after the last whole line
rm -f "$T/small/fill"
for i in $(seq 30); do [ "$(stat_get audit.failing)" = False ] && break; sleep 0.1; done
for i in $(seq 5); do
	curl6 www.example.org "/?after=$i" -o /dev/null && n=$((n + 1))
done
sleep 0.6
lines=$(check_lines) && ok "with room again, still whole JSON lines ($lines)" ||
    fail "$lines"
check_eq "and counted: written + dropped = connections" \
    "$(($(stat_get audit.records) + $(stat_get audit.dropped)))" "$n"
check_eq "written = lines in the file" "$lines" "$(stat_get audit.records)"
gw_stop
