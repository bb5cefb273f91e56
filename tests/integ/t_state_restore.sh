#!/bin/bash
# SPDX-License-Identifier: ISC
# Drain marks and the last known health survive a restart (pool/save.h):
# a drained backend is still drained after v6gated restarts, an enabled
# one enabled; a backend down before the restart starts down (until its
# checks pass rise times), not up; a backend gone from the config is
# dropped from the file; a bad file is ignored with a log line.
. "$(dirname "$0")/lib.sh"
net_up
nginx_up || exit 1
gw_conf "$T/gw.conf" <<EOF
services = (
  { name = "www"; mode = "proxy";
    listen = [ "[$GW6]:443" ];
    hosts = [ "www.example.org" ]; default = true;
    backends = [ "10.1.0.5:443" ]; },
  { name = "api"; mode = "proxy";
    listen = [ "[$GW6]:443" ];
    hosts = [ "api.example.org" ];
    check = { type = "tcp"; interval = 2; timeout = 1; fall = 1;
              rise = 2; };
    backends = [ "10.1.0.6:443", "10.1.0.5:443" ]; }
);
EOF
gw_up "$T/gw.conf" || exit 1
STATE=$T/state/backends.state

check_cmd "drain www 10.1.0.5:443" ctl drain www 10.1.0.5:443
check_eq "drained" "$(bk www 10.1.0.5:443 state)" draining
check_eq "the file is 0640, the daemon user's" \
    "$(stat -c '%a %U' "$STATE")" "640 v6gate"
gw_stop
gw_up "$T/gw.conf" || exit 1
check_eq "after a restart: still drained" "$(bk www 10.1.0.5:443 state)" draining
check_eq "the same address of another service is not" \
    "$(bk api 10.1.0.5:443 state)" up
grep -q "backends.state: 3 backends' drain marks and health restored" \
    "$GW_LOG" && ok "the restore is logged" || fail "no restore in the log"
out=$(curl6 www.example.org / 2>&1)
case "$out" in backend=*) fail "a drained only backend served: $out" ;;
*) ok "and takes no new connection (${out%%$'\n'*})" ;; esac

check_cmd "enable www 10.1.0.5:443" ctl enable www 10.1.0.5:443
gw_stop
gw_up "$T/gw.conf" || exit 1
check_eq "enabled, restarted: enabled" "$(bk www 10.1.0.5:443 state)" up
check_eq "and serves" "$(curl6 www.example.org /)" \
    "backend=10.1.0.5:443 host=www.example.org sni=www.example.org"

# the last known health: 10.1.0.6 goes down, comes back while the daemon
# is stopped; at the next start it is down until two checks pass (2 s)
in_s ip addr del 10.1.0.6/24 dev s0
for i in $(seq 50); do
	[ "$(bk api 10.1.0.6:443 state)" = down ] && break
	sleep 0.1
done
check_eq "api 10.1.0.6 down by its check" "$(bk api 10.1.0.6:443 state)" down
gw_stop
in_s ip addr add 10.1.0.6/24 dev s0
gw_up "$T/gw.conf" || exit 1
check_eq "restarted: still down, before its checks pass" \
    "$(bk api 10.1.0.6:443 state)" down
for i in $(seq 80); do
	[ "$(bk api 10.1.0.6:443 state)" = up ] && break
	sleep 0.1
done
check_eq "then up by its checks" "$(bk api 10.1.0.6:443 state)" up

# a backend removed from the config is dropped from the file
ctl drain api 10.1.0.6:443 >/dev/null
sed -i 's/"10.1.0.6:443", "10.1.0.5:443"/"10.1.0.5:443"/' "$T/gw.conf"
gw_stop
gw_up "$T/gw.conf" || exit 1
grep -q "^api 10.1.0.6:443 " "$STATE" &&
    fail "a removed backend is still in the file: $(cat "$STATE")" ||
    ok "a backend gone from the config is dropped from the file"
check_eq "the file has the two that are left" \
    "$(grep -c '^[a-z]* 10.1.0.5:443 drain=0 up=1 ' "$STATE")" 2

# a bad file: ignored, said, and the daemon starts with everything enabled
ctl drain www 10.1.0.5:443 >/dev/null
gw_stop
printf 'v6gate-backends 1\nwww 10.1.0.5:443 drain=1 up=1\n' >"$STATE"
gw_up "$T/gw.conf" || exit 1
grep -q "backends.state:2: not .*: ignored; every backend starts enabled" \
    "$GW_LOG" && ok "a bad file is ignored with a log line" ||
    fail "no log line for a bad file"
check_eq "and the backend starts enabled" "$(bk www 10.1.0.5:443 state)" up
ctl drain www 10.1.0.5:443 >/dev/null
gw_stop
head -c 3000 /dev/urandom >"$STATE"
gw_up "$T/gw.conf" || exit 1
check_eq "a file of random bytes: started, enabled" \
    "$(bk www 10.1.0.5:443 state)" up
check_eq "and the file is ours again" "$(head -1 "$STATE")" \
    "v6gate-backends 1"
