#!/bin/bash
# Config paths that are not regular files (issue 18): libconfig's scanner
# exit()s on a directory ("input in flex scanner failed") and blocks on a
# FIFO.  A reload whose file includes either is refused with file:line while
# the daemon keeps serving; "v6gated -t" and "v6gatectl check-config" of a
# directory or FIFO answer at once, with the name.
. "$(dirname "$0")/lib.sh"
net_up
nginx_up
gw_conf_default "$T/gw.conf"
cp "$T/gw.conf" "$T/gw.conf.good"
gw_up "$T/gw.conf" || exit 1
serve=$(gw_serve)
mkdir "$T/incdir"
mkfifo "$T/fifo"

alive() {
	kill -0 "$GW_PID" 2>/dev/null && kill -0 "$serve" 2>/dev/null
}

# 1. reload (v6gatectl, then SIGHUP) of a file that includes a directory
echo '@include "incdir"' >>"$T/gw.conf"
line=$(wc -l <"$T/gw.conf")
out=$(timeout 10 "$V6GATECTL" -s "$CTL_SOCK" reload 2>&1)
check_eq "reload with an @include of a directory fails" "$?" 1
case "$out" in *"gw.conf:$line: @include \"incdir\": is a directory"*)
	ok "and says file:line and why" ;;
*) fail "reload said: $out" ;; esac
alive && ok "both processes still run" || fail "v6gated ended on the reload"
check_eq "and still serve" "$(curl6 www.example.org /)" \
    "backend=10.1.0.5:443 host=www.example.org sni=www.example.org"
kill -HUP "$GW_PID"
sleep 0.5
alive && ok "SIGHUP with it: still running" || fail "v6gated ended on SIGHUP"
grep -q "gw.conf:$line: @include \"incdir\": is a directory" "$GW_LOG" &&
    ok "SIGHUP logs file:line" || fail "no file:line in the log"

# 2. the same with an @include of a FIFO: refused at once, not waited on
cp "$T/gw.conf.good" "$T/gw.conf"
echo '@include "fifo"' >>"$T/gw.conf"
out=$(timeout 10 "$V6GATECTL" -s "$CTL_SOCK" reload 2>&1)
check_eq "reload with an @include of a FIFO fails" "$?" 1
case "$out" in *"gw.conf:$line: @include \"fifo\": is not a regular file (a FIFO)"*)
	ok "and says file:line and why" ;;
*) fail "reload said: $out" ;; esac
alive && ok "both processes still run" || fail "v6gated ended on the reload"
check_eq "and still serve" "$(curl6 www.example.org /)" \
    "backend=10.1.0.5:443 host=www.example.org sni=www.example.org"

# 3. the main file itself a directory or a FIFO: exit 1 promptly, named
for what in "incdir:is a directory" "fifo:is not a regular file (a FIFO)"; do
	f=$T/${what%%:*}
	out=$(timeout 5 "$V6GATED" -t -c "$f" 2>&1)
	check_eq "v6gated -t -c ${what%%:*} exits 1" "$?" 1
	case "$out" in *"$f: ${what#*:}"*) ok "and says \"$f: ${what#*:}\"" ;;
	*) fail "v6gated -t said: $out" ;; esac
	out=$(timeout 5 "$V6GATECTL" -c "$f" check-config 2>&1)
	check_eq "v6gatectl check-config ${what%%:*} exits 1" "$?" 1
	case "$out" in *"$f: ${what#*:}"*) ok "and says \"$f: ${what#*:}\"" ;;
	*) fail "check-config said: $out" ;; esac
done

# 4. the good file again: the daemon that survived reloads normally
cp "$T/gw.conf.good" "$T/gw.conf"
out=$(ctl reload 2>&1)
check_eq "a good reload afterwards succeeds" "$?" 0
check_eq "reload failures counted, the daemon not restarted" \
    "$(stat_get gateway.reload_failures)" 3
check_eq "the same serving process" "$(gw_serve)" "$serve"
