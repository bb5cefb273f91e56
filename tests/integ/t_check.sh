#!/bin/bash
# Health checks through OpenSSL: a certificate expiring within
# cert_warn_days warns (JSON, text, the log once), a 60-day one does not,
# nor one under a smaller cert_warn_days; a certificate not covering the
# service's name warns; the handshake's version and cipher are recorded; a
# TLS check against a plain HTTP port fails cleanly (down, a TLS error, the
# daemon unharmed, no descriptor leak); http checks send the path and Host,
# pass on an expected status, fail on 404, and run inside TLS for a tls
# service.
. "$(dirname "$0")/lib.sh"
net_up
nginx_up

in_s ip addr add 10.1.0.7/24 dev s0
in_s ip addr add 10.1.0.8/24 dev s0
in_s ip addr add 10.1.0.9/24 dev s0
in_s ip addr add 10.1.0.10/24 dev s0

D=$T/ck
mkdir -p "$D"
# mkcert NAME DAYS SAN: $D/NAME.crt and .key, CN = the first DNS name
mkcert() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -days "$2" -subj "/CN=${3%%,*}" \
	    -addext "subjectAltName=DNS:${3//,/,DNS:}" \
	    -keyout "$D/$1.key" -out "$D/$1.crt" 2>/dev/null ||
	    fail "openssl req for $1"
}
mkcert soon 10 soon.example.org
mkcert fresh 60 fresh.example.org
mkcert other 60 other.example.net,www.other.example.net
mkcert htls 60 htls.example.org

# One more nginx: one server per address, each with its own certificate;
# 10.1.0.10 answers 404 for /nonexistent and logs what the checks send.
cat >"$D/nginx.conf" <<EOF
user root;
worker_processes 1;
pid $D/nginx.pid;
error_log $D/error.log;
events { worker_connections 256; }
http {
    access_log off;
    log_format ck '\$server_addr:\$server_port proto=\$ssl_protocol sni=\$ssl_server_name host=\$host \$request_uri \$status';
    client_body_temp_path $D/body;
    proxy_temp_path $D/proxy;
    fastcgi_temp_path $D/fastcgi;
    uwsgi_temp_path $D/uwsgi;
    scgi_temp_path $D/scgi;
    default_type text/plain;
    server {
        listen 10.1.0.7:443 ssl;
        ssl_certificate $D/soon.crt;
        ssl_certificate_key $D/soon.key;
        ssl_protocols TLSv1.3;
        location / { return 200 "soon\n"; }
    }
    server {
        listen 10.1.0.8:443 ssl;
        ssl_certificate $D/fresh.crt;
        ssl_certificate_key $D/fresh.key;
        ssl_protocols TLSv1.2;
        location / { return 200 "fresh\n"; }
    }
    server {
        listen 10.1.0.9:443 ssl;
        ssl_certificate $D/other.crt;
        ssl_certificate_key $D/other.key;
        location / { return 200 "other\n"; }
    }
    server {
        listen 10.1.0.10:80;
        listen 10.1.0.10:443 ssl;
        ssl_certificate $D/htls.crt;
        ssl_certificate_key $D/htls.key;
        access_log $D/access.log ck;
        location /nonexistent { return 404; }
        location / { return 200 "ok \$uri\n"; }
    }
}
EOF
in_s nginx -c "$D/nginx.conf" || fail "the second nginx did not start"
wait_port "$NS_S" 10.1.0.7 443 && wait_port "$NS_S" 10.1.0.10 80

# wait_cond MS SERVICE BACKEND EXPR: poll "backends --json" until the
# Python EXPR holds for the backend's object b, for at most MS ms
wait_cond() {
	local ms=$1 start
	shift
	start=$(date +%s%N)
	while :; do
		WAITED=$((($(date +%s%N) - start) / 1000000))
		ctl backends --json 2>/dev/null | python3 -c '
import json, sys
try:
    b = [b for b in json.load(sys.stdin)["services"][sys.argv[1]]["backends"]
         if b["address"] == sys.argv[2]][0]
    sys.exit(0 if eval(sys.argv[3]) else 1)
except Exception:
    sys.exit(1)' "$@" && return 0
		[ "$WAITED" -ge "$ms" ] && return 1
		sleep 0.1
	done
}

# fds: the daemon's open descriptors, the least of 5 looks (a check in
# flight holds one for a moment)
fds() {
	local i n min=
	for i in 1 2 3 4 5; do
		n=$(ls "/proc/$(gw_serve)/fd" | wc -l)
		[ -z "$min" ] || [ "$n" -lt "$min" ] && min=$n
		sleep 0.1
	done
	echo "$min"
}

CK='interval = 1; timeout = 1; rise = 1; fall = 2;'
gw_conf "$T/gw.conf" <<EOF
services = (
  { name = "soon"; mode = "proxy"; listen = [ "[$GW6]:443" ];
    hosts = [ "soon.example.org" ]; default = true;
    check = { type = "tls"; $CK cert_warn_days = 30; };
    backends = [ "10.1.0.7:443" ]; },
  { name = "soon5"; mode = "proxy"; listen = [ "[$GW6]:8443" ];
    hosts = [ "soon.example.org" ]; default = true;
    check = { type = "tls"; $CK cert_warn_days = 5; };
    backends = [ "10.1.0.7:443" ]; },
  { name = "fresh"; mode = "proxy"; listen = [ "[$GW6]:443" ];
    hosts = [ "fresh.example.org" ];
    check = { type = "tls"; $CK cert_warn_days = 30; };
    backends = [ "10.1.0.8:443" ]; },
  { name = "wrong"; mode = "proxy"; listen = [ "[$GW6]:443" ];
    hosts = [ "wrong.example.org" ];
    check = { type = "tls"; $CK };
    backends = [ "10.1.0.9:443" ]; },
  { name = "plain"; mode = "proxy"; listen = [ "[$GW6]:443" ];
    hosts = [ "plain.example.org" ];
    check = { type = "tls"; $CK };
    backends = [ "10.1.0.5:80" ]; },
  { name = "htls"; mode = "proxy"; listen = [ "[$GW6]:443" ];
    hosts = [ "*.htls.example.org", "htls.example.org" ];
    check = { type = "http"; path = "/tlsonly"; expect = [ 200 ]; $CK };
    backends = [ "10.1.0.10:443" ]; },
  { name = "hok"; mode = "proxy"; protocol = "http"; listen = [ "[$GW6]:80" ];
    hosts = [ "hok.example.org" ];
    check = { type = "http"; path = "/ok"; expect = [ 200 ]; $CK };
    backends = [ "10.1.0.10:80" ]; },
  { name = "h404"; mode = "proxy"; protocol = "http"; listen = [ "[$GW6]:80" ];
    hosts = [ "h404.example.org" ];
    check = { type = "http"; path = "/nonexistent"; expect = [ 200 ]; $CK };
    backends = [ "10.1.0.10:80" ]; }
);
EOF
gw_up "$T/gw.conf" || exit 1

# Let every check run a few times
wait_cond 8000 soon 10.1.0.7:443 'b["check"]["consecutive_passes"] >= 4' ||
    fail "soon: fewer than 4 passed checks after ${WAITED} ms: $(bk soon 10.1.0.7:443 check)"
wait_cond 3000 plain 10.1.0.5:80 'b["check"]["consecutive_failures"] >= 4' ||
    fail "plain: fewer than 4 failed checks after ${WAITED} ms: $(bk plain 10.1.0.5:80 check)"
ctl backends >"$T/text"

check_eq "the service's check settings are reported" \
    "$(ctl backends --json | python3 -c '
import json, sys
c = json.load(sys.stdin)["services"]["soon"]["check"]
print(c["type"], c["interval_ms"], c["timeout_ms"], c["rise"], c["fall"])')" \
    "tls 1000 1000 1 2"

# ---------------------------------------------- a certificate for 10 days
check_eq "soon: the check passes, the backend is up" \
    "$(bk soon 10.1.0.7:443 state) $(bk soon 10.1.0.7:443 check.ok)" "up true"
w=$(bk soon 10.1.0.7:443 check.cert_warning)
[ "$w" != none ] && echo "$w" | grep -qi expir &&
    ok "soon: cert_warning says it expires ($w)" || fail "soon: cert_warning: $w"
d=$(bk soon 10.1.0.7:443 check.tls.days_left)
[ "$d" = 9 ] || [ "$d" = 10 ] && ok "soon: days_left $d" ||
    fail "soon: days_left '$d', expected 9 or 10"
want=$(date -u -d "$(openssl x509 -in "$D/soon.crt" -noout -enddate | cut -d= -f2)" +%Y-%m-%dT%H:%M:%S)
na=$(bk soon 10.1.0.7:443 check.tls.not_after)
check_eq "soon: not_after is the certificate's" "${na:0:19}" "$want"
check_eq "soon: the handshake's version (the server only speaks 1.3)" \
    "$(bk soon 10.1.0.7:443 check.tls.version)" TLSv1.3
c=$(bk soon 10.1.0.7:443 check.tls.cipher)
case $c in TLS_AES_*|TLS_CHACHA20_*) ok "soon: the cipher is recorded ($c)" ;;
*) fail "soon: cipher '$c', expected a TLS 1.3 suite" ;; esac
case $(bk soon 10.1.0.7:443 check.tls.subject) in *soon.example.org*) ok "soon: the subject names it" ;;
*) fail "soon: subject '$(bk soon 10.1.0.7:443 check.tls.subject)'" ;; esac
grep '^warning:' "$T/text" | grep -w soon | grep -F 10.1.0.7:443 | grep -qi expir &&
    ok "soon: the text form has a warning: line" ||
    fail "soon: no warning line in the text form: $(cat "$T/text")"
n=$(grep -F '10.1.0.7:443' "$GW_LOG" | grep -v soon5 | grep -ci expir)
check_eq "soon: the warning is logged once (after 4+ checks)" "$n" 1
check_eq "soon: clients still served" "$(curl6 soon.example.org /)" soon
check_eq "soon5: the same certificate with cert_warn_days = 5 does not warn" \
    "$(bk soon5 10.1.0.7:443 check.ok) $(bk soon5 10.1.0.7:443 check.cert_warning)" "true none"

# ---------------------------------------------- a certificate for 60 days
check_eq "fresh: up, passing, no cert_warning" \
    "$(bk fresh 10.1.0.8:443 state) $(bk fresh 10.1.0.8:443 check.ok) $(bk fresh 10.1.0.8:443 check.cert_warning)" \
    "up true none"
d=$(bk fresh 10.1.0.8:443 check.tls.days_left)
[ "$d" = 59 ] || [ "$d" = 60 ] && ok "fresh: days_left $d" ||
    fail "fresh: days_left '$d', expected 59 or 60"
check_eq "fresh: the handshake's version (the server only speaks 1.2)" \
    "$(bk fresh 10.1.0.8:443 check.tls.version)" TLSv1.2
c=$(bk fresh 10.1.0.8:443 check.tls.cipher)
case $c in ECDHE-ECDSA-*) ok "fresh: the cipher is recorded ($c)" ;;
*) fail "fresh: cipher '$c', expected ECDHE-ECDSA-..." ;; esac
grep -q '10\.1\.0\.8:443: ' "$T/text" &&
    fail "fresh: the text form has a line for it: $(grep '10.1.0.8' "$T/text")" ||
    ok "fresh: no warning line in the text form"
check_eq "fresh: nothing in the log about its certificate" \
    "$(grep -F '10.1.0.8:443' "$GW_LOG" | grep -ciE 'expir|cover|certif')" 0

# ------------------------------------- a certificate for another name
w=$(bk wrong 10.1.0.9:443 check.cert_warning)
case $w in *wrong.example.org*) ok "wrong: cert_warning names the uncovered host ($w)" ;;
*) fail "wrong: cert_warning '$w'" ;; esac
check_eq "wrong: still up (a warning, not a failure)" \
    "$(bk wrong 10.1.0.9:443 state) $(bk wrong 10.1.0.9:443 check.ok)" "up true"
case $(bk wrong 10.1.0.9:443 check.tls.subject) in *other.example.net*) ok "wrong: the subject shows the certificate's names" ;;
*) fail "wrong: subject '$(bk wrong 10.1.0.9:443 check.tls.subject)'" ;; esac
grep -qE '^warning: .*wrong .*10\.1\.0\.9:443' "$T/text" &&
    ok "wrong: the text form has a warning: line" ||
    fail "wrong: no warning line: $(cat "$T/text")"
check_eq "wrong: the warning is logged once" \
    "$(grep -F '10.1.0.9:443' "$GW_LOG" | grep -c 'wrong\.example\.org')" 1

# ------------------------------------------- a TLS check on a plain port
check_eq "plain: a TLS check against plain HTTP: down, failing" \
    "$(bk plain 10.1.0.5:80 state) $(bk plain 10.1.0.5:80 check.ok)" "down false"
e=$(bk plain 10.1.0.5:80 check.error)
echo "$e" | grep -qiE 'tls|handshake|ssl' && ok "plain: the error is about TLS ($e)" ||
    fail "plain: check.error '$e'"
check_eq "plain: the down transition is logged once" \
    "$(grep -c 'service plain: backend 10.1.0.5:80 is down: .*(2 checks failed)' "$GW_LOG")" 1
grep -qE '^plain +10\.1\.0\.5:80 +down' "$T/text" && grep -q '10\.1\.0\.5:80: ' "$T/text" &&
    ok "plain: the text form shows it down, with the error" ||
    fail "plain: text form: $(grep plain "$T/text")"
nb=$(stat_get counters.no_backend_up)
curl6 plain.example.org / >/dev/null 2>&1 && fail "plain: a client got through to a down backend" ||
    ok "plain: a client is refused"
check_eq "plain: counted as no backend up" "$(stat_get counters.no_backend_up)" $((nb + 1))
f0=$(fds)
c0=$(bk plain 10.1.0.5:80 check.consecutive_failures)
wait_cond 8000 plain 10.1.0.5:80 "b['check']['consecutive_failures'] >= $c0 + 5" ||
    fail "plain: checks stopped? consecutive_failures $(bk plain 10.1.0.5:80 check.consecutive_failures)"
f1=$(fds)
[ "$f1" -le $((f0 + 1)) ] && ok "plain: no descriptor leak over 5 failed checks ($f0 -> $f1)" ||
    fail "plain: the daemon's descriptors grew from $f0 to $f1 over 5 failed checks"
check_eq "the daemon is alive and answers" "$(ctl status >/dev/null 2>&1 && kill -0 "$GW_PID" && echo alive)" alive

# ------------------------------------------------------------ http checks
check_eq "hok: http check passes: up, status 200" \
    "$(bk hok 10.1.0.10:80 state) $(bk hok 10.1.0.10:80 check.ok) $(bk hok 10.1.0.10:80 check.http_status)" \
    "up true 200"
grep -q '^10\.1\.0\.10:80 proto=-* sni=-* host=hok\.example\.org /ok 200$' "$D/access.log" &&
    ok "hok: the check asked for its path with its Host" ||
    fail "hok: nginx saw: $(grep -v ':443' "$D/access.log" | sort | uniq -c | head -5)"
wait_cond 3000 h404 10.1.0.10:80 'b["state"] == "down"'
check_eq "h404: a 404 fails the check: down, status 404" \
    "$(bk h404 10.1.0.10:80 state) $(bk h404 10.1.0.10:80 check.ok) $(bk h404 10.1.0.10:80 check.http_status)" \
    "down false 404"
e=$(bk h404 10.1.0.10:80 check.error)
case $e in *404*) ok "h404: the error says 404 ($e)" ;; *) fail "h404: check.error '$e'" ;; esac
grep -q '^10\.1\.0\.10:80 proto=-* sni=-* host=h404\.example\.org /nonexistent 404$' "$D/access.log" &&
    ok "h404: nginx saw the request for /nonexistent" ||
    fail "h404: nginx saw: $(grep -v ':443' "$D/access.log" | sort | uniq -c | head -5)"
check_eq "hok: the same backend under another service is unaffected" "$(bk hok 10.1.0.10:80 state)" up
check_eq "htls: an http check on a tls service: up, status 200" \
    "$(bk htls 10.1.0.10:443 state) $(bk htls 10.1.0.10:443 check.ok) $(bk htls 10.1.0.10:443 check.http_status)" \
    "up true 200"
grep -qE '^10\.1\.0\.10:443 proto=TLSv1\.[23] sni=htls\.example\.org host=htls\.example\.org /tlsonly 200$' "$D/access.log" &&
    ok "htls: the request went inside TLS, with SNI and Host the first non-wildcard name" ||
    fail "htls: nginx saw: $(grep ':443' "$D/access.log" | sort | uniq -c | head -5)"
case $(bk htls 10.1.0.10:443 check.tls.version) in TLSv1.[23]) ok "htls: the handshake is recorded too" ;;
*) fail "htls: check.tls: $(bk htls 10.1.0.10:443 check.tls)" ;; esac
check_eq "htls: clients served" "$(curl6 htls.example.org /x)" "ok /x"

check_eq "still alive at the end" "$(kill -0 "$GW_PID" 2>&1 && echo alive)" alive
check_eq "nothing left open" "$(stat_get connections.open)" 0
