#!/bin/bash
# The workers' counters are in a shared mapping (state_dir/counters): no
# byte is lost across kill -9 of the unprivileged process (the parent
# starts another), kill -9 of the parent (the child stops cleanly), or a
# clean stop whose last checkpoint a full disk refused (logged, and the
# next start says it recovered them).  The history's bytes of the service
# equal what curl counted: request, headers and body of each download.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || skip "needs sqlite3"
net_up
nginx_up
gw_conf_default "$T/gw.conf"
# long: no checkpoint between a download's start and the kill
echo 'accounting: { checkpoint = 30; };' >>"$T/gw.conf"
DB=$T/state/v6gate.db
truncate -s 64M "$T/www/64m"
gw_up "$T/gw.conf" || exit 1

sql() { sqlite3 -batch -noheader "$DB" "$@"; }
CURL=$T/curl.out
: >"$CURL"
# a download of 64 MiB at 16 MB/s: curl's counts appended to $CURL
dl() {
	http6 www.example.org /files/64m --limit-rate 16M -o /dev/null \
	    -w '%{size_request} %{size_header} %{size_download}\n' \
	    >>"$CURL" 2>/dev/null
}
# what curl counted: "bytes_in bytes_out"
curl_sum() {
	awk '{ i += $1; o += $2 + $3 } END { print i + 0, o + 0 }' "$CURL"
}
# what the history has of service web, IPv6
db_sum() {
	sql "SELECT bytes_in, bytes_out FROM totals WHERE service = 'web'
	    AND family = 'ipv6'" | tr '|' ' '
}
# until the control socket answers again (the parent restarts the child)
wait_up() {
	local i

	for i in $(seq 100); do
		ctl status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
RECOVERED="bytes of service web were not in the history: recovered"

# 1. kill -9 of the unprivileged process in the middle of a download
dl &
DL=$!
sleep 2
kill -9 "$(gw_serve)"
wait "$DL"
sleep 0.5
wait_up && ok "the parent started another unprivileged process" ||
    fail "no control socket after the child's kill -9"
grep -q "$RECOVERED" "$GW_LOG" &&
    ok "the new process says it recovered the counts" ||
    fail "no recovery line in the log"

# 2. kill -9 of the parent: the child stops cleanly (PDEATHSIG)
dl &
DL=$!
sleep 2
child=$(gw_serve)
kill -9 "$GW_PID"
wait "$GW_PID" 2>/dev/null
wait "$DL"
for i in $(seq 100); do kill -0 "$child" 2>/dev/null || break; sleep 0.1; done
GW_PID=
gw_up "$T/gw.conf" || exit 1
gw_stop
check_eq "across two kill -9 the history has every byte curl counted" \
    "$(db_sum)" "$(curl_sum)"

# 3. a clean stop on a full disk: state_dir on a small tmpfs, filled
mkdir -p "$T/small"
mount -t tmpfs -o size=4m v6g-test "$T/small" || skip "cannot mount a tmpfs"
trap 'rc=$?; umount -l "$T/small" 2>/dev/null; (exit $rc); finish' EXIT
cp "$DB" "$T/small/"
[ -f "$T/state/counters" ] && cp "$T/state/counters" "$T/small/"
chown -R --reference="$T/state" "$T/small"
chmod 0750 "$T/small"
sed -i "s|state_dir = \"$T/state\"|state_dir = \"$T/small\"|" "$T/gw.conf"
DB=$T/small/v6gate.db
gw_up "$T/gw.conf" || exit 1
sleep 1
dd if=/dev/zero of="$T/small/fill" bs=64k 2>/dev/null
dl
gw_stop
grep -q "bytes of service web not in the history: kept in $T/small/counters for the next start" \
    "$GW_LOG" && ok "the failed last checkpoint says what it did not store" ||
    fail "no log line for the failed last checkpoint"
rm -f "$T/small/fill"
n=$(wc -l <"$GW_LOG")
gw_up "$T/gw.conf" || exit 1
gw_stop
tail -n +"$((n + 1))" "$GW_LOG" | grep -q "$RECOVERED" &&
    ok "the next start says it recovered them" ||
    fail "no recovery line after the full disk"
check_eq "across the full disk's clean stop too, every byte is there" \
    "$(db_sum)" "$(curl_sum)"
umount "$T/small" && ok "unmounted" || fail "umount"
