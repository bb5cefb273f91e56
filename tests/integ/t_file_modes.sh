#!/bin/bash
# t_file_modes: the state directory holds client addresses (the history,
# the audit log), and no other local user may read them.  A state_dir
# left 0755 by an older version, with a 0644 file in it: at start the
# daemon says so and tightens it (dirs 0750, files 0640 at most); every
# file it then writes (v6gate.db, its -wal and -shm, the audit file, its
# own jool/ folder) is 0640 at most whatever the umask it was started
# with; user nobody reads none of them.  A state_dir made wider while it
# runs shows in "v6gatectl status", text and JSON.
. "$(dirname "$0")/lib.sh"
net_up
nginx_up
gw_conf_default "$T/gw.conf"
S=$T/state
id nobody >/dev/null 2>&1 || skip "no user nobody"

mkdir -p "$S/audit"
chmod 0755 "$S" "$S/audit"
echo '{"v":1}' >"$S/audit/audit-2020-01-01.jsonl"
echo old >"$S/notes"
chmod 0644 "$S/notes" "$S/audit/audit-2020-01-01.jsonl"
umask 022		# as a shell's: the daemon must not depend on it
gw_up "$T/gw.conf" || exit 1
grep -q "state_dir $S was mode 0755: now 0750" "$GW_LOG" &&
    ok "the start says the state_dir was open" ||
    fail "no warning at start: $(grep state_dir "$GW_LOG")"

for i in $(seq 4); do
	curl6 www.example.org "/?i=$i" -o /dev/null
	http6 www.example.org "/?i=$i" -o /dev/null
done
sleep 0.6		# the audit writer, every 200 ms
ls "$S"/audit/audit-"$(date -u +%F)".jsonl >/dev/null 2>&1 &&
    ok "today's audit file exists" || fail "no audit file: $(ls -l "$S/audit")"
[ -e "$S/v6gate.db" ] && [ -e "$S/v6gate.db-wal" ] &&
    ok "the history and its WAL exist" || fail "no history: $(ls -l "$S")"

# every file 0640 at most, every directory 0750 at most
wide=$(find "$S" \( -type f -perm /0137 \) -o \( -type d -perm /0027 \) |
    while read -r p; do stat -c '%a %n' "$p"; done)
check_eq "nothing under state_dir wider than 0640 (files), 0750 (dirs)" \
    "$wide" ""
files=$(find "$S" -type f | wc -l)
[ "$files" -ge 5 ] && ok "($files files looked at)" ||
    fail "only $files files: $(find "$S")"

# user nobody reads none of them
nobody_reads() {
	find "$S" -type f | while read -r p; do
		setpriv --reuid nobody --regid nogroup --clear-groups \
		    cat "$p" >/dev/null 2>&1 && echo "$p"
	done
}
check_eq "user nobody reads no file" "$(nobody_reads)" ""
setpriv --reuid nobody --regid nogroup --clear-groups ls "$S" \
    >/dev/null 2>&1 && fail "user nobody lists state_dir" ||
    ok "nor lists state_dir"

# made wider while it runs: status says so
check_eq "status: state_dir_open false at 0750" \
    "$(stat_get gateway.state_dir_open)" False
chmod 0755 "$S"
check_eq "status --json: state_dir_mode" \
    "$(stat_get gateway.state_dir_mode)" 0755
check_eq "status --json: state_dir_open" \
    "$(stat_get gateway.state_dir_open)" True
check_eq "even then, user nobody reads no file (each 0640)" \
    "$(nobody_reads)" ""
ctl status | grep -q "state_dir $S: mode 0755, wider than 0750" &&
    ok "status (text) warns" || fail "no warning: $(ctl status | head -5)"
chmod 0750 "$S"
ctl status | grep -q "wider than 0750" && fail "status warns at 0750" ||
    ok "and not at 0750"
gw_stop
