#!/bin/bash
# The traffic history (state_dir/v6gate.db): totals continue across a clean
# restart and across kill -9 (losing at most one checkpoint interval: none
# here, the test waits for it); the minute and day rows add up to the
# totals; a locked database or a full disk makes checkpoints fail, counted,
# the gateway serving on, and the next good checkpoint catches up without
# losing or doubling a byte.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || skip "needs sqlite3"
net_up
nginx_up
gw_conf_default "$T/gw.conf"
cat >>"$T/gw.conf" <<EOF
accounting: { checkpoint = 1; };
EOF
DB=$T/state/v6gate.db
gw_up "$T/gw.conf" || exit 1

sql() { sqlite3 -batch -noheader "$DB" "$@"; }

# "service family connections bytes_in bytes_out" per line, sorted: from
# the daemon's status, and from the history's tables
status_totals() {
	ctl status --json | python3 -c '
import json, sys
s = json.load(sys.stdin)["services"]
for n in sorted(s):
    for f in ("ipv4", "ipv6"):
        c = s[n][f]
        if c["connections"] or c["bytes_in"] or c["bytes_out"]:
            print(n, f, c["connections"], c["bytes_in"], c["bytes_out"])'
}
db_totals() {	# db_totals TABLE
	sql "SELECT service, family, sum(connections), sum(bytes_in),
	    sum(bytes_out) FROM $1 GROUP BY service, family
	    HAVING sum(connections) + sum(bytes_in) + sum(bytes_out) > 0
	    ORDER BY service, family" | tr '|' ' '
}
# wait_saved: until the history holds what the status shows (at most 5 s)
wait_saved() {
	local i

	for i in $(seq 50); do
		[ "$(status_totals)" = "$(db_totals totals)" ] && return 0
		sleep 0.1
	done
	return 1
}
traffic() {
	curl6 www.example.org / >/dev/null
	curl6 api.example.org / >/dev/null
	http6 www.example.org /files/1m -o /dev/null
	# IPv4 from the gateway host itself (the client is IPv6-only)
	in_g curl -sS -k --max-time 10 --resolve "www.example.org:443:$GW4" \
	    https://www.example.org/ >/dev/null
}

traffic
wait_saved && ok "a checkpoint writes the totals within a second or so" ||
    fail "history: $(db_totals totals) / status: $(status_totals)"
check_eq "the database says WAL" "$(sql 'PRAGMA journal_mode')" wal
before=$(status_totals)
[ "$(echo "$before" | wc -l)" -ge 4 ] &&
    ok "four services x families counted" || fail "counted: $before"

# clean restart: totals continue
gw_stop
gw_up "$T/gw.conf" || exit 1
check_eq "after a clean restart the status continues the totals" \
    "$(status_totals)" "$before"
traffic
wait_saved || fail "not saved after the second traffic"
second=$(status_totals)
check_eq "the web service's ipv6 bytes out grew by the second 1 MiB" \
    "$(( $(echo "$second" | awk '$1 == "web" { print $5 }') -
         $(echo "$before" | awk '$1 == "web" { print $5 }') > 1048576 ))" 1

# kill -9 after a checkpoint: nothing lost
kill -9 "$GW_PID"
wait "$GW_PID" 2>/dev/null
GW_PID=
gw_up "$T/gw.conf" || exit 1
check_eq "after kill -9 (past a checkpoint) the totals are all there" \
    "$(status_totals)" "$second"

check_eq "the minute rows add up to the totals" "$(db_totals minute)" \
    "$(db_totals totals)"
check_eq "the hour rows add up to the totals" "$(db_totals hour)" \
    "$(db_totals totals)"
check_eq "the day rows add up to the totals" "$(db_totals day)" \
    "$(db_totals totals)"
check_eq "the day rows are today's local date" \
    "$(sql 'SELECT DISTINCT d FROM day')" "$(date +%F)"

check_eq "the services and the families that reach them are recorded" \
    "$(sql "SELECT name || ' ' || mode || ' ' || ipv6 || ipv4 FROM services
    ORDER BY name" | tr '\n' ,)" "api proxy 11,web proxy 10,www proxy 11,"

# The most connections open at once: a slow download holds one open (64
# MiB: more than the socket buffers take, or the proxy would be done).
truncate -s 64M "$T/www/64m"
http6 www.example.org /files/64m --limit-rate 1M -o /dev/null 2>/dev/null &
dl=$!
peaks() {
	echo "$(sql "SELECT max(peak_open) FROM day WHERE service = 'web'")" \
	    "$(sql "SELECT max(peak_open) FROM minute WHERE service = 'web'")"
}
for i in $(seq 50); do [ "$(peaks)" = "1 1" ] && break; sleep 0.1; done
check_eq "an open connection is the day's and the minute's peak" "$(peaks)" "1 1"
kill "$dl" 2>/dev/null
wait "$dl" 2>/dev/null

# A database of schema 1 (before unreachable, peak_open and packets) is
# upgraded in place, its totals kept.
sleep 1.5
gw_stop
before=$(db_totals totals)
for t in totals minute hour day; do
	for c in unreachable peak_open packets_in packets_out; do
		[ "$t/$c" = totals/peak_open ] ||
		    sql "ALTER TABLE $t DROP COLUMN $c" || fail "drop $t.$c"
	done
done
sql "DROP TABLE kcounters; UPDATE meta SET value = '1' WHERE key = 'schema'"
gw_up "$T/gw.conf" || exit 1
check_eq "a schema 1 database is upgraded to 4" \
    "$(sql "SELECT value FROM meta WHERE key = 'schema'") $(sql "SELECT count(*) FROM pragma_table_info('day') WHERE name IN ('peak_open', 'packets_in')")" "4 2"
check_eq "with its totals" "$(status_totals)" "$before"
# and one of schema 2 (before the packet counts)
sleep 1.5
gw_stop
for t in totals minute hour day; do
	sql "ALTER TABLE $t DROP COLUMN packets_in; ALTER TABLE $t DROP COLUMN packets_out" ||
	    fail "drop $t packets"
done
sql "UPDATE meta SET value = '2' WHERE key = 'schema'"
gw_up "$T/gw.conf" || exit 1
check_eq "a schema 2 database is upgraded to 4, its totals kept" \
    "$(sql "SELECT value FROM meta WHERE key = 'schema'") $(status_totals | md5sum)" \
    "4 $(echo "$before" | md5sum)"
# and one of schema 3 (kernel counters by name, before the guard counted)
sleep 1.5
gw_stop
sql "DROP TABLE kcounters; CREATE TABLE kcounters (name TEXT PRIMARY KEY, handle INTEGER NOT NULL, packets INTEGER NOT NULL, bytes INTEGER NOT NULL) WITHOUT ROWID; INSERT INTO kcounters VALUES ('c6_in_x', 1, 2, 3); UPDATE meta SET value = '3' WHERE key = 'schema'"
gw_up "$T/gw.conf" || exit 1
check_eq "a schema 3 database is upgraded to 4: a kernel counter per element" \
    "$(sql "SELECT value FROM meta WHERE key = 'schema'") $(sql "SELECT group_concat(name) FROM pragma_table_info('kcounters')") $(sql "SELECT count(*) FROM kcounters") $(status_totals | md5sum)" \
    "4 elem,service,handle,packets,bytes 0 $(echo "$before" | md5sum)"

# A counter's column is added by what the table lacks, not by the schema
# number: a schema 4 database without packets_out (as one written before a
# new counter) gets it back, 0 for the past, its totals kept.
sleep 1.5
gw_stop
for t in totals minute hour day; do
	sql "ALTER TABLE $t DROP COLUMN packets_out" || fail "drop $t.packets_out"
done
gw_up "$T/gw.conf" || exit 1
check_eq "a counter column a schema 4 database lacks is added, totals kept" \
    "$(sql "SELECT value FROM meta WHERE key = 'schema'") $(for t in totals minute hour day; do sql "SELECT count(*) FROM pragma_table_info('$t') WHERE name = 'packets_out'"; done | tr -d '\n') $(sql "SELECT count(*) FROM day WHERE packets_out != 0") $(status_totals | md5sum)" \
    "4 1111 0 $(echo "$before" | md5sum)"

# A locked database: another process holds the write lock for 4 s.
errs0=$(stat_get history.errors)
{ echo "BEGIN EXCLUSIVE;"; sleep 4; echo "COMMIT;"; } | sqlite3 "$DB" &
LOCKER=$!
sleep 0.5
traffic
sleep 2
locked=$(status_totals)
[ "$(stat_get history.errors)" -gt "$errs0" ] &&
    ok "checkpoints against a locked database fail and are counted" ||
    fail "no history errors while locked"
[ "$(db_totals totals)" != "$locked" ] &&
    ok "while locked, the history lags the status" ||
    fail "the history was written through an exclusive lock?"
grep -q "history .*locked" "$GW_LOG" &&
    ok "the lock is logged" || fail "no log line for the lock"
curl6 www.example.org / -o /dev/null &&
    ok "the gateway serves on while the history is locked" ||
    fail "no service while locked"
wait "$LOCKER"
wait_saved && ok "after the lock, one checkpoint catches up exactly" ||
    fail "after the lock: history $(db_totals totals) / status $(status_totals)"
check_eq "and the day rows still add up" "$(db_totals day)" \
    "$(db_totals totals)"

# A full disk: state_dir on a small tmpfs, filled up.
gw_stop
mkdir -p "$T/small"
mount -t tmpfs -o size=2m v6g-test "$T/small" ||
    skip "cannot mount a tmpfs"
# finish() reads the exit status: keep it through the umount
trap 'rc=$?; umount -l "$T/small" 2>/dev/null; (exit $rc); finish' EXIT
cp "$DB" "$T/small/v6gate.db"
sed -i "s|state_dir = \"$T/state\"|state_dir = \"$T/small\"|" "$T/gw.conf"
DB=$T/small/v6gate.db
gw_up "$T/gw.conf" || exit 1
check_eq "the history moves with state_dir" "$(status_totals)" \
    "$(db_totals totals)"
dd if=/dev/zero of="$T/small/fill" bs=64k 2>/dev/null
errs0=$(stat_get history.errors)
for i in 1 2 3; do http6 www.example.org /files/1m -o /dev/null; done
sleep 2
[ "$(stat_get history.errors)" -gt "$errs0" ] &&
    ok "checkpoints on a full disk fail and are counted" ||
    fail "no history errors on a full disk"
check_eq "the gateway serves on a full disk" \
    "$(http6 www.example.org / -o /dev/null -w '%{http_code}')" 200
rm -f "$T/small/fill"
wait_saved && ok "with space again, the history catches up exactly" ||
    fail "after the full disk: history $(db_totals totals) / status $(status_totals)"
full=$(status_totals)
gw_stop
check_eq "the database is sound after the full disk" \
    "$(sql 'PRAGMA integrity_check')" ok
gw_up "$T/gw.conf" || exit 1
check_eq "and a restart continues from it" "$(status_totals)" "$full"
gw_stop
umount "$T/small" && ok "unmounted" || fail "umount"
