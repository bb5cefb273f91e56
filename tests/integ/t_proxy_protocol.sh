#!/bin/bash
# The PROXY protocol toward a backend (proxy_protocol = "v1" | "v2" per
# backend), read by real receivers in the IPv4-only server namespace: nginx
# ("listen ... ssl proxy_protocol", TLS terminated after the header, and
# plain HTTP) and HAProxy 2.6 ("accept-proxy", TLS terminated, TCP
# passthrough, plain HTTP), each saying in its own log which client it was
# told about.  An IPv6 client (pinned source ports) shows up as TCP6 with
# its address and port; an IPv4 client as TCP4 with a plain IPv4 address,
# never ::ffff:-mapped; v2 carries AUTHORITY (the SNI or Host) and
# UNIQUE_ID (the audit log's "id" of that connection).  A raw receiver
# checks the bytes themselves (the exact v1 line, the v2 layout, the first
# flight right after the header, in the same first read), and that a
# backend without proxy_protocol (the default) gets no header at all.
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip "needs python3"
command -v haproxy >/dev/null || skip "needs haproxy"
net_up
nginx_up || exit 1

C6=2001:db8:1::2
C4=198.51.100.2
A=$T/state/audit

# an IPv4 client: the client namespace gets an IPv4 address too, toward
# the gateway's IPv4 service address
in_c ip addr add $C4/24 dev c0
in_c ip route add $GW4/32 via 198.51.100.1
in_g ip addr add 198.51.100.1/24 dev g0
# the receivers' addresses: HAProxy on .7, nginx (PROXY) and raw on .8
in_s ip addr add 10.1.0.7/24 dev s0
in_s ip addr add 10.1.0.8/24 dev s0

# --- nginx that expects the PROXY protocol (v1 or v2, it reads both) ------
P=$T/ngpp
PP_LOG=$P/access.log
mkdir -p "$P"
cat >"$P/nginx.conf" <<EOF
user root;
worker_processes 1;
pid $P/nginx.pid;
error_log $P/error.log;
events { worker_connections 256; }
http {
    access_log off;
    log_format pp 'pp=\$proxy_protocol_addr:\$proxy_protocol_port dst=\$proxy_protocol_server_addr:\$proxy_protocol_server_port peer=\$remote_addr port=\$server_port host=\$host sni=\$ssl_server_name uri=\$request_uri status=\$status';
    client_body_temp_path $P/body;
    proxy_temp_path $P/proxy;
    fastcgi_temp_path $P/fastcgi;
    uwsgi_temp_path $P/uwsgi;
    scgi_temp_path $P/scgi;
    ssl_certificate $T/nginx/cert.pem;
    ssl_certificate_key $T/nginx/key.pem;
    default_type text/plain;
    server {
        listen 10.1.0.8:443 ssl proxy_protocol;
        listen 10.1.0.8:444 ssl proxy_protocol;
        listen 10.1.0.8:80 proxy_protocol;
        access_log $PP_LOG pp;
        location / {
            return 200 "pp=\$proxy_protocol_addr:\$proxy_protocol_port sni=\$ssl_server_name\n";
        }
    }
}
EOF
in_s nginx -c "$P/nginx.conf" || fail "the PROXY-protocol nginx did not start"
wait_port "$NS_S" 10.1.0.8 443
wait_port "$NS_S" 10.1.0.8 80

# --- HAProxy 2.6: TLS terminated, TCP passthrough to the lib's nginx, HTTP -
H=$T/hap
HAP_LOG=$H/log
mkdir -p "$H"
cat "$T/nginx/cert.pem" "$T/nginx/key.pem" >"$H/site.pem"
LF='ci=%ci cp=%cp fi=%fi fp=%fp authority=%[fc_pp_authority] uid=%[fc_pp_unique_id]'
cat >"$H/haproxy.cfg" <<EOF
global
    log stdout format raw local0 info
    maxconn 256
defaults
    log global
    timeout connect 5s
    timeout client 10s
    timeout server 10s
frontend fe_tls
    mode http
    bind 10.1.0.7:443 accept-proxy ssl crt $H/site.pem
    log-format "hap fe=%f $LF sni=%[ssl_fc_sni] host=%[var(txn.host)]"
    http-request set-var(txn.host) req.hdr(host)
    http-request return status 200 content-type text/plain lf-string "hap $LF"
frontend fe_http
    mode http
    bind 10.1.0.7:80 accept-proxy
    log-format "hap fe=%f $LF host=%[var(txn.host)]"
    http-request set-var(txn.host) req.hdr(host)
    http-request return status 200 content-type text/plain lf-string "hap $LF"
frontend fe_tcp
    mode tcp
    bind 10.1.0.7:8443 accept-proxy
    log-format "hap fe=%f $LF"
    default_backend be_nginx
backend be_nginx
    mode tcp
    server n1 10.1.0.5:443
EOF
haproxy -c -f "$H/haproxy.cfg" >"$H/check.out" 2>&1 ||
    fail "haproxy -c: $(grep -iE 'alert|error' "$H/check.out" | head -3)"
# foreground (-db) so that "log stdout" goes to the file; $! is haproxy
ip netns exec "$NS_S" haproxy -db -f "$H/haproxy.cfg" >"$HAP_LOG" 2>&1 &
wait_port "$NS_S" 10.1.0.7 443
wait_port "$NS_S" 10.1.0.7 8443

# --- a raw receiver: the header's bytes, parsed here ----------------------
cat >"$T/raw.py" <<'EOF'
import json, select, socket, sys, time
out = sys.argv[1]
lsn = {}
for port in (9001, 9002, 9003, 9004):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("10.1.0.8", port))
    s.listen(16)
    lsn[s.fileno()] = (s, port)
SIG = b"\r\n\r\n\x00\r\nQUIT\n"
def parse(data):
    r = {}
    if data.startswith(b"PROXY "):
        end = data.find(b"\r\n")
        if end < 0:
            return {"kind": "v1-unterminated"}
        r["kind"] = "v1"
        r["line"] = data[:end].decode("latin-1")
        rest = data[end + 2:]
    elif data.startswith(SIG):
        r["kind"] = "v2"
        if len(data) < 16:
            return {"kind": "v2-short"}
        r["ver_cmd"] = data[12]
        r["fam"] = data[13]
        ln = data[14] << 8 | data[15]
        body = data[16:16 + ln]
        rest = data[16 + ln:]
        if len(body) < ln:
            r["kind"] = "v2-short"
            return r
        if data[13] == 0x11:
            a = 12
            r["src"] = socket.inet_ntop(socket.AF_INET, body[0:4])
            r["dst"] = socket.inet_ntop(socket.AF_INET, body[4:8])
            r["sport"] = body[8] << 8 | body[9]
            r["dport"] = body[10] << 8 | body[11]
        elif data[13] == 0x21:
            a = 36
            r["src"] = socket.inet_ntop(socket.AF_INET6, body[0:16])
            r["dst"] = socket.inet_ntop(socket.AF_INET6, body[16:32])
            r["sport"] = body[32] << 8 | body[33]
            r["dport"] = body[34] << 8 | body[35]
        else:
            a = 0
        tlv = {}
        p = a
        ok = True
        while p < ln:
            if p + 3 > ln:
                ok = False
                break
            t, l = body[p], body[p + 1] << 8 | body[p + 2]
            if p + 3 + l > ln:
                ok = False
                break
            tlv["%d" % t] = body[p + 3:p + 3 + l].decode("latin-1")
            p += 3 + l
        r["tlv"] = tlv
        r["tlv_ok"] = ok
    else:
        r["kind"] = "none"
        rest = data
    r["rest_head"] = rest[:4].hex()
    r["rest_len"] = len(rest)
    return r
while True:
    rd, _, _ = select.select(list(lsn), [], [])
    for fd in rd:
        ls, port = lsn[fd]
        c, peer = ls.accept()
        c.settimeout(2)
        try:
            first = c.recv(65536)
        except Exception:
            first = b""
        data = first
        # the rest of the first flight, if any
        c.settimeout(0.3)
        try:
            while len(data) < 65536:
                d = c.recv(65536)
                if not d:
                    break
                data += d
        except Exception:
            pass
        r = parse(data)
        r["port"] = port
        r["peer"] = peer[0]
        r["first_len"] = len(first)
        r["hdr_len"] = len(data) - r.get("rest_len", len(data))
        c.close()
        with open(out, "a") as f:
            f.write(json.dumps(r) + "\n")
EOF
RAW_LOG=$T/raw.log
: >"$RAW_LOG"
ip netns exec "$NS_S" python3 "$T/raw.py" "$RAW_LOG" >"$T/raw.err" 2>&1 &
wait_port "$NS_S" 10.1.0.8 9004

pp() { printf '( { address = "%s"; proxy_protocol = "%s"; } )' "$1" "$2"; }
TLS_L="listen = [ \"[$GW6]:443\", \"$GW4:443\" ];"
HTTP_L="listen = [ \"[$GW6]:80\", \"$GW4:80\" ];"
gw_conf "$T/gw.conf" <<EOF
services = (
  { name = "www"; mode = "proxy"; $TLS_L hosts = [ "www.example.org" ];
    default = true; backends = [ "10.1.0.5:443" ]; },
  { name = "ngx1"; mode = "proxy"; $TLS_L hosts = [ "v1.example.org" ];
    backends = $(pp 10.1.0.8:443 v1); },
  { name = "ngx2"; mode = "proxy"; $TLS_L hosts = [ "v2.example.org" ];
    backends = $(pp 10.1.0.8:444 v2); },
  { name = "hap"; mode = "proxy"; $TLS_L hosts = [ "hap.example.org" ];
    backends = $(pp 10.1.0.7:443 v2); },
  { name = "haptcp"; mode = "proxy"; $TLS_L hosts = [ "tcp.example.org" ];
    backends = $(pp 10.1.0.7:8443 v2); },
  { name = "raw1"; mode = "proxy"; $TLS_L hosts = [ "raw1.example.org" ];
    backends = $(pp 10.1.0.8:9001 v1); },
  { name = "raw2"; mode = "proxy"; $TLS_L hosts = [ "raw2.example.org" ];
    backends = $(pp 10.1.0.8:9002 v2); },
  { name = "raw0"; mode = "proxy"; $TLS_L hosts = [ "raw0.example.org" ];
    backends = $(pp 10.1.0.8:9003 none); },
  { name = "web"; mode = "proxy"; protocol = "http"; $HTTP_L
    hosts = [ "www.example.org" ]; default = true; backends = [ "10.1.0.5:80" ]; },
  { name = "ngxweb"; mode = "proxy"; protocol = "http"; $HTTP_L
    hosts = [ "v1.example.org" ]; backends = $(pp 10.1.0.8:80 v1); },
  { name = "hapweb"; mode = "proxy"; protocol = "http"; $HTTP_L
    hosts = [ "hap.example.org" ]; backends = $(pp 10.1.0.7:80 v2); },
  { name = "rawweb"; mode = "proxy"; protocol = "http"; $HTTP_L
    hosts = [ "raw2.example.org" ]; backends = $(pp 10.1.0.8:9004 v2); }
);
audit: { enabled = true; };
EOF
gw_up "$T/gw.conf" || exit 1

# cl 6|4 tls|http NAME PATH PORT [curl options]: from the client namespace,
# IPv6 or IPv4, source port pinned
cl() {
	local fam=$1 proto=$2 name=$3 path=$4 port=$5 addr dport
	shift 5
	[ "$fam" = 6 ] && addr="[$GW6]" || addr=$GW4
	[ "$proto" = tls ] && dport=443 || dport=80
	[ "$proto" = tls ] && proto=https
	in_c curl -sS -k --max-time 8 --local-port "$port" \
	    --resolve "$name:$dport:$addr" "$@" "$proto://$name$path"
}

# wait_line FILE PATTERN: the last line of FILE matching the extended
# regular expression, once there is one (5 s)
wait_line() {
	local i l
	for i in $(seq 50); do
		l=$(grep -E -- "$2" "$1" 2>/dev/null | tail -1)
		[ -n "$l" ] && { printf '%s\n' "$l"; return 0; }
		sleep 0.1
	done
	return 1
}

# audit_id ADDR PORT: the "id" of the audit log's close record of the
# connection from ADDR:PORT (5 s: the writer writes every 200 ms)
audit_id() {
	local i id
	for i in $(seq 50); do
		id=$(cat "$A"/audit-*.jsonl 2>/dev/null | python3 -c '
import json, sys
addr, port = sys.argv[1], sys.argv[2]
for l in sys.stdin:
    try:
        r = json.loads(l)
    except ValueError:
        continue
    c = r.get("client") or ""
    h, _, p = c.rpartition(":")
    if r.get("event") == "close" and h.strip("[]") == addr and p == port:
        print(r.get("id"))' "$1" "$2" | tail -1)
		[ -n "$id" ] && { printf '%s\n' "$id"; return 0; }
		sleep 0.1
	done
	return 1
}

# raw_get PORT FIELD: a field of the raw receiver's last record for PORT
raw_get() {
	python3 -c '
import json, sys
rec = None
for l in open(sys.argv[1]):
    r = json.loads(l)
    if r["port"] == int(sys.argv[2]):
        rec = r
v = rec
for k in sys.argv[3].split("."):
    v = v.get(k) if isinstance(v, dict) else None
print("" if v is None else v)' "$RAW_LOG" "$1" "$2" 2>/dev/null
}
# raw_wait N: until the raw receiver logged N records (5 s)
raw_wait() {
	local i
	for i in $(seq 50); do
		[ "$(wc -l <"$RAW_LOG")" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# ---- v1 to nginx over TLS passthrough (nginx terminates TLS after it) ----
out=$(cl 6 tls v1.example.org /v1-tls 40001)
check_eq "v1, TLS passthrough: nginx reads the header, then the TLS" "$out" \
    "pp=$C6:40001 sni=v1.example.org"
l=$(wait_line "$PP_LOG" 'uri=/v1-tls ')
check_eq "nginx's log: the IPv6 client, its port, the gateway's service address" \
    "$(printf '%s\n' "$l" | cut -d' ' -f1-2)" "pp=$C6:40001 dst=$GW6:443"

# ---- v2 to nginx, TLS and (v1) plain HTTP -------------------------------
out=$(cl 6 tls v2.example.org /v2-tls 40002)
check_eq "v2, TLS passthrough to nginx" "$out" "pp=$C6:40002 sni=v2.example.org"
l=$(wait_line "$PP_LOG" 'uri=/v2-tls ')
check_eq "nginx's log (v2): the IPv6 client and its port" \
    "$(printf '%s\n' "$l" | cut -d' ' -f1-2)" "pp=$C6:40002 dst=$GW6:443"
out=$(cl 6 http v1.example.org /v1-http 40003)
check_eq "v1 on plain HTTP to nginx" "$out" "pp=$C6:40003 sni="
l=$(wait_line "$PP_LOG" 'uri=/v1-http ')
check_eq "nginx's log (HTTP): the IPv6 client and its port" \
    "$(printf '%s\n' "$l" | cut -d' ' -f1-2)" "pp=$C6:40003 dst=$GW6:80"

# ---- v2 to HAProxy: addresses, AUTHORITY, UNIQUE_ID = the audit id ------
out=$(cl 6 tls hap.example.org /hap-tls 40004)
l=$(wait_line "$HAP_LOG" "fe=fe_tls ci=$C6 cp=40004 ")
id=$(audit_id "$C6" 40004)
[ -n "$id" ] && ok "the audit log has the connection ($id)" ||
    fail "no audit close record for [$C6]:40004: $(tail -2 "$A"/audit-*.jsonl 2>&1)"
check_eq "HAProxy (TLS, http mode) answers what it was told" "$out" \
    "hap ci=$C6 cp=40004 fi=$GW6 fp=443 authority=hap.example.org uid=$id"
check_eq "HAProxy's log: client, AUTHORITY = the SNI, UNIQUE_ID = the audit id" \
    "$l" "hap fe=fe_tls ci=$C6 cp=40004 fi=$GW6 fp=443 authority=hap.example.org uid=$id sni=hap.example.org host=hap.example.org"

out=$(cl 6 tls tcp.example.org /hap-tcp 40005)
check_eq "through HAProxy in TCP mode (TLS passthrough) to the plain nginx" \
    "$out" "backend=10.1.0.5:443 host=tcp.example.org sni=tcp.example.org"
l=$(wait_line "$HAP_LOG" "fe=fe_tcp ci=$C6 cp=40005 ")
id5=$(audit_id "$C6" 40005)
check_eq "HAProxy's log (tcp mode): client, AUTHORITY, UNIQUE_ID" "$l" \
    "hap fe=fe_tcp ci=$C6 cp=40005 fi=$GW6 fp=443 authority=tcp.example.org uid=$id5"
[ -n "$id5" ] && [ "$id5" != "$id" ] && ok "each connection its own UNIQUE_ID" ||
    fail "UNIQUE_IDs '$id' and '$id5'"

out=$(cl 6 http hap.example.org /hap-http 40006)
id6=$(audit_id "$C6" 40006)
check_eq "HAProxy (plain HTTP): AUTHORITY = the Host, UNIQUE_ID = the audit id" \
    "$out" "hap ci=$C6 cp=40006 fi=$GW6 fp=80 authority=hap.example.org uid=$id6"
l=$(wait_line "$HAP_LOG" "fe=fe_http ci=$C6 cp=40006 ")
check_eq "and so says its log" "$l" \
    "hap fe=fe_http ci=$C6 cp=40006 fi=$GW6 fp=80 authority=hap.example.org uid=$id6 host=hap.example.org"

# ---- an IPv4 client: TCP4, a plain IPv4 address -------------------------
out=$(cl 4 tls v1.example.org /v1-tls4 40101)
check_eq "IPv4 client, v1 to nginx: a plain IPv4 address" "$out" \
    "pp=$C4:40101 sni=v1.example.org"
l=$(wait_line "$PP_LOG" 'uri=/v1-tls4 ')
check_eq "nginx's log: the IPv4 client and port, the IPv4 service address" \
    "$(printf '%s\n' "$l" | cut -d' ' -f1-2)" "pp=$C4:40101 dst=$GW4:443"
out=$(cl 4 tls hap.example.org /hap-tls4 40102)
id=$(audit_id "$C4" 40102)
check_eq "IPv4 client, v2 to HAProxy: TCP4, plain address, its audit id" "$out" \
    "hap ci=$C4 cp=40102 fi=$GW4 fp=443 authority=hap.example.org uid=$id"
out=$(cl 4 http hap.example.org /hap-http4 40103)
id=$(audit_id "$C4" 40103)
check_eq "IPv4 client, v2 over HTTP to HAProxy" "$out" \
    "hap ci=$C4 cp=40103 fi=$GW4 fp=80 authority=hap.example.org uid=$id"
if grep -qi 'ffff' "$PP_LOG" "$HAP_LOG"; then
	fail "an IPv4-mapped address reached a backend: $(grep -hi ffff "$PP_LOG" "$HAP_LOG" | head -2)"
else
	ok "no ::ffff:-mapped address in nginx's or HAProxy's log"
fi

# ---- the bytes themselves ------------------------------------------------
n=0
cl 6 tls raw1.example.org / 40201 >/dev/null 2>&1
n=$((n + 1)); raw_wait $n
check_eq "v1 over TLS: the exact line for an IPv6 client" \
    "$(raw_get 9001 kind)|$(raw_get 9001 line)" \
    "v1|PROXY TCP6 $C6 $GW6 40201 443"
check_eq "then the ClientHello (a TLS handshake record), in the first read" \
    "$(raw_get 9001 rest_head | cut -c1-4) $([ "$(raw_get 9001 first_len)" -gt "$(raw_get 9001 hdr_len)" ] && echo yes)" \
    "1603 yes"
cl 4 tls raw1.example.org / 40202 >/dev/null 2>&1
n=$((n + 1)); raw_wait $n
check_eq "v1 for an IPv4 client: TCP4" "$(raw_get 9001 line)" \
    "PROXY TCP4 $C4 $GW4 40202 443"

cl 6 tls raw2.example.org / 40203 >/dev/null 2>&1
n=$((n + 1)); raw_wait $n
id=$(audit_id "$C6" 40203)
check_eq "v2 over TLS, IPv6 client: PROXY command, TCP6, addresses and ports" \
    "$(raw_get 9002 kind) $(raw_get 9002 ver_cmd) $(raw_get 9002 fam) $(raw_get 9002 src) $(raw_get 9002 dst) $(raw_get 9002 sport) $(raw_get 9002 dport)" \
    "v2 33 33 $C6 $GW6 40203 443"
check_eq "v2 TLVs well formed: AUTHORITY = the SNI, UNIQUE_ID = the audit id" \
    "$(raw_get 9002 tlv_ok) $(raw_get 9002 tlv.2) $(raw_get 9002 tlv.5)" \
    "True raw2.example.org $id"
check_eq "then the ClientHello, in the same first read" \
    "$(raw_get 9002 rest_head | cut -c1-4) $([ "$(raw_get 9002 first_len)" -gt "$(raw_get 9002 hdr_len)" ] && echo yes)" \
    "1603 yes"
cl 4 tls raw2.example.org / 40204 >/dev/null 2>&1
n=$((n + 1)); raw_wait $n
check_eq "v2, IPv4 client: TCP4 with plain IPv4 addresses" \
    "$(raw_get 9002 fam) $(raw_get 9002 src) $(raw_get 9002 dst) $(raw_get 9002 sport) $(raw_get 9002 dport)" \
    "17 $C4 $GW4 40204 443"

cl 6 http raw2.example.org /raw 40205 >/dev/null 2>&1
n=$((n + 1)); raw_wait $n
id=$(audit_id "$C6" 40205)
check_eq "v2 on HTTP: TCP6, AUTHORITY = the Host, UNIQUE_ID, then the request" \
    "$(raw_get 9004 fam) $(raw_get 9004 src) $(raw_get 9004 sport) $(raw_get 9004 dport) $(raw_get 9004 tlv.2) $(raw_get 9004 tlv.5) $(raw_get 9004 rest_head)" \
    "33 $C6 40205 80 raw2.example.org $id 47455420"

cl 6 tls raw0.example.org / 40206 >/dev/null 2>&1
n=$((n + 1)); raw_wait $n
check_eq "proxy_protocol = \"none\": no header, the ClientHello comes first" \
    "$(raw_get 9003 kind) $(raw_get 9003 rest_head | cut -c1-4)" "none 1603"

# ---- a backend without proxy_protocol (the default) gets no header -------
nl0=$(wc -l <"$NGINX_LOG")
check_eq "the default backend (no proxy_protocol) serves TLS as before" \
    "$(cl 6 tls www.example.org /plain 40301)" \
    "backend=10.1.0.5:443 host=www.example.org sni=www.example.org"
check_eq "and plain HTTP" "$(cl 6 http www.example.org /plain-http 40302)" \
    "backend=10.1.0.5:80 host=www.example.org sni="
check_eq "its log: the gateway's address, two requests, no broken one" \
    "$(tail -n +$((nl0 + 1)) "$NGINX_LOG" | awk '{sub(/:[0-9]+$/, "", $1); print $1, $(NF-2), $(NF-1)}' | tr '\n' ' ')" \
    "10.1.0.1 /plain 200 10.1.0.1 /plain-http 200 "
if grep -q 'PROXY\|broken header' "$T/nginx/error.log" 2>/dev/null; then
	fail "the plain nginx saw a PROXY header: $(grep -m1 'PROXY\|broken header' "$T/nginx/error.log")"
else
	ok "the plain nginx saw no PROXY header"
fi
if grep -q 'broken header\|error' "$P/error.log" 2>/dev/null; then
	fail "the PROXY nginx complained: $(grep -m2 'broken header\|error' "$P/error.log")"
else
	ok "the PROXY nginx read every header"
fi
check_eq "the backends' table shows each backend's proxy_protocol" \
    "$(ctl backends --json | python3 -c '
import json, sys
v = json.load(sys.stdin)["services"]
print(" ".join(v[s]["backends"][0]["proxy_protocol"] for s in ("www", "ngx1", "hap", "raw0")))')" \
    "none v1 v2 none"
check_eq "nothing left open" "$(stat_get connections.open)" 0

# ---- health checks of PROXY backends send a header too ------------------
# (v1 UNKNOWN, v2 LOCAL: a check relays no client); without it nginx and
# HAProxy drop the check's connection and the backend would go down.
sed -i -e 's|^  { name = "ngx1"; mode = "proxy";|& check = { type = "tls"; interval = 1; timeout = 1; rise = 1; fall = 1; };|' \
    -e 's|^  { name = "hapweb"; mode = "proxy";|& check = { type = "http"; interval = 1; timeout = 1; rise = 1; fall = 1; };|' \
    "$T/gw.conf"
check_cmd "reload with checks on a v1 and a v2 backend" ctl reload
checks=
for i in $(seq 50); do
	checks=$(ctl backends --json | python3 -c '
import json, sys
v = json.load(sys.stdin)["services"]
out = []
for s in ("ngx1", "hapweb"):
    b = v[s]["backends"][0]
    c = b.get("check", {})
    out.append("%s:%s:%s" % (b["state"], c.get("checked"), c.get("ok")))
print(" ".join(out))')
	[ "$checks" = "up:True:True up:True:True" ] && break
	sleep 0.1
done
check_eq "both pass their checks (tls to nginx v1, http to HAProxy v2)" \
    "$checks" "up:True:True up:True:True"
sleep 1.5
check_eq "and stay up" "$(ctl backends --json | python3 -c '
import json, sys
v = json.load(sys.stdin)["services"]
print(" ".join("%s:%s" % (v[s]["backends"][0]["state"],
    v[s]["backends"][0]["check"]["consecutive_failures"]) for s in ("ngx1", "hapweb")))')" \
    "up:0 up:0"
if grep -q 'fe=fe_http ci=10.1.0.1 .* host=hap.example.org' "$HAP_LOG"; then
	ok "HAProxy read the check's LOCAL header and its request"
else
	fail "no check request in HAProxy's log: $(grep fe_http "$HAP_LOG" | tail -2)"
fi
if grep -q 'broken header' "$P/error.log" 2>/dev/null; then
	fail "nginx refused the check's header: $(grep -m1 'broken header' "$P/error.log")"
else
	ok "nginx read the check's PROXY UNKNOWN header"
fi
