#!/bin/bash
# Reload: a good file applies to new connections while a large download
# started before it completes intact; a bad file is refused with file:line
# errors (from v6gatectl and on SIGHUP) while traffic keeps flowing, and the
# running configuration stays.
. "$(dirname "$0")/lib.sh"
net_up
nginx_up
head -c 67108864 /dev/urandom >"$T/www/64m"
gw_conf_default "$T/gw.conf"
gw_up "$T/gw.conf" || exit 1

# A download slow enough (16 MB/s) to still run during the reloads
curl6 www.example.org /files/64m --limit-rate 16M -o "$T/got" &
dl=$!
sleep 1

# 1. a good reload: api moves to backend 10.1.0.5, a service is added
gw_conf "$T/gw.conf" <<EOF
services = (
  { name = "www"; mode = "proxy"; listen = [ "[$GW6]:443", "$GW4:443" ];
    hosts = [ "www.example.org" ]; default = true; backends = [ "10.1.0.5:443" ]; },
  { name = "api"; mode = "proxy"; listen = [ "[$GW6]:443", "$GW4:443" ];
    hosts = [ "api.example.org", "*.api.example.org" ]; backends = [ "10.1.0.5:443" ]; },
  { name = "web"; mode = "proxy"; protocol = "http"; listen = [ "[$GW6]:80" ];
    hosts = [ "www.example.org" ]; backends = [ "10.1.0.5:80" ]; },
  { name = "new"; mode = "proxy"; listen = [ "[$GW6]:8443" ]; default = true;
    backends = [ "10.1.0.6:443" ]; }
);
EOF
out=$(ctl reload 2>&1)
check_eq "v6gatectl reload of a good file succeeds" "$?" 0
case "$out" in *"reloaded"*"4 services"*) ok "reload reports what it loaded" ;;
*) fail "reload said: $out" ;; esac
check_eq "new connections use the new backend" "$(curl6 api.example.org /)" \
    "backend=10.1.0.5:443 host=api.example.org sni=api.example.org"
check_eq "a listener added by the reload serves" \
    "$(in_c curl -sS -k --max-time 10 --resolve "x.example.org:8443:[$GW6]" https://x.example.org:8443/)" \
    "backend=10.1.0.6:443 host=x.example.org sni=x.example.org"

# 2. a bad reload through v6gatectl: refused, with file:line errors
cp "$T/gw.conf" "$T/gw.conf.good"
sed -i 's/hosts = \[ "api.example.org"/hosts = [ "api..example.org"/; s/workers = /wrokers = /' "$T/gw.conf"
out=$(ctl reload 2>&1)
rc=$?
check_eq "v6gatectl reload of a bad file fails" "$rc" 1
echo "$out" | grep -q "gw.conf:[0-9]*: gateway.wrokers: unknown setting (did you mean \"workers\"?)" &&
    ok "the unknown setting is reported with file:line" || fail "reload said: $out"
echo "$out" | grep -q "gw.conf:[0-9]*: services.\[1\].hosts.\[0\]: \"api..example.org\"" &&
    ok "the bad host name is reported with file:line" || fail "reload said: $out"
echo "$out" | grep -q "running configuration stays" &&
    ok "and says the running configuration stays" || fail "reload said: $out"
check_eq "the running configuration still routes" "$(curl6 api.example.org /)" \
    "backend=10.1.0.5:443 host=api.example.org sni=api.example.org"

# 3. the same bad file on SIGHUP: refused and logged
kill -HUP "$GW_PID"
sleep 0.5
grep -q "wrokers: unknown setting" "$GW_LOG" && ok "SIGHUP with a bad file logs the error" ||
    fail "no error in the log after SIGHUP"
check_eq "reload failures are counted" "$(stat_get gateway.reload_failures)" 2
check_eq "still serving after SIGHUP" "$(curl6 www.example.org /)" \
    "backend=10.1.0.5:443 host=www.example.org sni=www.example.org"

# 4. SIGHUP with the good file again
cp "$T/gw.conf.good" "$T/gw.conf"
kill -HUP "$GW_PID"
sleep 0.5
check_eq "SIGHUP with a good file reloads" "$(stat_get gateway.reloads)" 2

# The download that ran through all of it
wait "$dl"
check_eq "the download running during the reloads completed" "$?" 0
check_eq "and is intact (64 MiB)" "$(sha256sum <"$T/got")" "$(sha256sum <"$T/www/64m")"
check_eq "nothing left open" "$(stat_get connections.open)" 0
