#!/bin/bash
# SPDX-License-Identifier: ISC
#
# t_guest_smoke: the real Jool module, loaded and translating, in the QEMU
# guest (guest-run.sh).  Proves the harness end to end before any v6gate
# code is involved: if this fails, the guest or Jool is broken, not v6gated.
#
# In the guest, three network namespaces:
#
#   c6  2001:db8:1::2/64            IPv6-only client
#    | veth
#   gw  2001:db8:1::1/64, 192.0.2.1/24   Jool stateful NAT64, --netfilter,
#                                   pool6 2001:db8:64::/96, pool4 192.0.2.1
#    | veth
#   s4  192.0.2.2/24                IPv4-only servers: nginx (TCP 80), socat (UDP)
#
# The client reaches the server at pool6 + 192.0.2.2 = 2001:db8:64::192.0.2.2
# over TCP, UDP and ICMP; the server must see the pool4 address and a pool4
# port.  Exit 0 only if every check passed; 77 if this host cannot run the
# guest (not root and no cached image, or no qemu); 1 otherwise.

set -u

TNAME=t_guest_smoke
top=$(cd "$(dirname "$0")/../.." && pwd)
skip() {
	printf 'SKIP %s: %s\n' "$TNAME" "$*"
	exit 77
}

[ "${V6G_JOOL:-1}" = 0 ] && skip "Jool guest tests disabled (V6G_JOOL=0)"
[ "${V6G_INTEG:-1}" = 0 ] && skip "integration tests disabled (configure)"
# Root can build the guest (and install qemu); others can only use an image
# a root build left in the cache.
if [ "$(id -u)" != 0 ]; then
	command -v qemu-system-x86_64 >/dev/null || skip "needs root or qemu-system-x86_64"
	"$top/kmod/guest/build.sh" --check >/dev/null 2>&1 ||
		skip "needs root to build the guest image (none is cached)"
fi

J=$(mktemp -d "/tmp/v6g-$TNAME.XXXXXX")

# The job, run as root by the guest's init.  Under TCG every exec costs about
# 0.1 s: batch with ip -batch, and give every network wait 5-8 s.
cat >"$J/run.sh" <<'GUEST'
#!/bin/bash
set -u
TNAME=t_guest_smoke
n_ok=0
n_fail=0
ok() { n_ok=$((n_ok + 1)); printf 'ok   %s: %s\n' "$TNAME" "$*"; }
fail() { n_fail=$((n_fail + 1)); printf 'FAIL %s: %s\n' "$TNAME" "$*"; }
log() { printf '%s: %s\n' "$TNAME" "$*"; }
finish() {
	echo "$TNAME: $n_ok passed, $n_fail failed"
	[ "$n_fail" -eq 0 ] && [ "$n_ok" -gt 0 ] && exit 0
	exit 1
}
in_c() { ip netns exec c6 "$@"; }
in_g() { ip netns exec gw "$@"; }
in_s() { ip netns exec s4 "$@"; }
POOL6=2001:db8:64::/96
SERVER6=2001:db8:64::192.0.2.2   # pool6 + the IPv4 server (RFC 6052)
POOL4=192.0.2.1

log "guest kernel $(uname -r)"

# --- the module ---------------------------------------------------------------
if modprobe jool && modprobe jool_siit; then
	ok "modprobe jool jool_siit"
else
	fail "modprobe jool jool_siit"
	finish
fi
ver=$(cat /sys/module/jool_common/version 2>/dev/null)
case $ver in
4.1.*) ok "jool_common version $ver" ;;
*) fail "jool_common version: got '$ver', expected 4.1.x" ;;
esac

# --- the topology ---------------------------------------------------------------
ip netns add c6 && ip netns add gw && ip netns add s4 || { fail "ip netns add"; finish; }
ip -batch - <<EOF || fail "creating the veth pairs"
link add c0 netns c6 type veth peer name g0 netns gw
link add g1 netns gw type veth peer name s0 netns s4
EOF
in_c ip -batch - <<EOF || fail "c6 addresses"
link set lo up
link set c0 up
addr add 2001:db8:1::2/64 dev c0 nodad
route add ::/0 via 2001:db8:1::1
EOF
in_g ip -batch - <<EOF || fail "gw addresses"
link set lo up
link set g0 up
link set g1 up
addr add 2001:db8:1::1/64 dev g0 nodad
addr add $POOL4/24 dev g1
EOF
in_g sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv4.conf.all.forwarding=1
in_s ip -batch - <<EOF || fail "s4 addresses"
link set lo up
link set s0 up
addr add 192.0.2.2/24 dev s0
EOF
in_s sysctl -qw net.ipv6.conf.all.disable_ipv6=1

# --- Jool ---------------------------------------------------------------------
# pool4 ports stay out of the gateway's own ephemeral range (32768-60999).
if in_g jool instance add --netfilter --pool6 "$POOL6" &&
    in_g jool pool4 add "$POOL4" 61001-65535 --tcp &&
    in_g jool pool4 add "$POOL4" 61001-65535 --udp &&
    in_g jool pool4 add "$POOL4" 0-65535 --icmp; then
	ok "jool instance add --netfilter --pool6 $POOL6, pool4 $POOL4"
else
	fail "configuring the Jool instance"
	finish
fi

# --- the IPv4-only servers ------------------------------------------------------
# nginx answers every request with the address:port it saw the client at.
mkdir -p /tmp/nginx
cat >/tmp/nginx/nginx.conf <<'EOF'
user root;
worker_processes 1;
pid /tmp/nginx/nginx.pid;
error_log /tmp/nginx/error.log;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path /tmp/nginx/body;
    proxy_temp_path /tmp/nginx/proxy;
    fastcgi_temp_path /tmp/nginx/fastcgi;
    uwsgi_temp_path /tmp/nginx/uwsgi;
    scgi_temp_path /tmp/nginx/scgi;
    default_type text/plain;
    log_format peer '$remote_addr:$remote_port $request_uri $status';
    server {
        listen 192.0.2.2:80;
        access_log /tmp/nginx/access.log peer;
        location / { return 200 "peer=$remote_addr:$remote_port\n"; }
    }
}
EOF
in_s nginx -c /tmp/nginx/nginx.conf || fail "nginx did not start"
# The UDP server replies with the peer socat saw (an EXEC script: socat
# would parse the colons of an inline SYSTEM: command).
printf '#!/bin/sh\necho "peer=$SOCAT_PEERADDR:$SOCAT_PEERPORT"\n' >/tmp/udp-peer.sh
chmod 755 /tmp/udp-peer.sh
in_s socat UDP4-RECVFROM:5353,bind=192.0.2.2,fork EXEC:/tmp/udp-peer.sh 2>/dev/null &
for _ in $(seq 80); do
	in_s ss -Hltn 'sport = :80' | grep -q LISTEN &&
	    in_s ss -Hlun 'sport = :5353' | grep -q . && break
	sleep 0.1
done

# in_pool4 "peer=A:P": the server saw the pool4 address and a pool4 port
in_pool4() {
	local a=${1#peer=}
	local port=${a##*:}
	[ "${a%:*}" = "$POOL4" ] && [ -n "$port" ] &&
	    [ "$port" -ge 61001 ] 2>/dev/null && [ "$port" -le 65535 ]
}

# --- traffic --------------------------------------------------------------------
got=$(in_c curl -sS --max-time 8 "http://[$SERVER6]/smoke" 2>&1)
if in_pool4 "$got"; then
	ok "TCP: curl http://[$SERVER6]/ -> nginx saw the pool4 address ($got)"
else
	fail "TCP: curl http://[$SERVER6]/: got '$got', expected peer=$POOL4:61001-65535"
fi
if grep -q "^$POOL4:[0-9]* /smoke 200" /tmp/nginx/access.log 2>/dev/null; then
	ok "TCP: nginx logged the request from $POOL4"
else
	fail "TCP: nginx access log: '$(cat /tmp/nginx/access.log 2>/dev/null)'"
fi

got=$(echo ping | in_c socat -T 8 - "UDP6:[$SERVER6]:5353" 2>&1)
if in_pool4 "$got"; then
	ok "UDP: socat to [$SERVER6]:5353 -> the server saw the pool4 address ($got)"
else
	fail "UDP: socat to [$SERVER6]:5353: got '$got', expected peer=$POOL4:61001-65535"
fi

if out=$(in_c ping -6 -n -c 3 -i 0.3 -W 5 "$SERVER6" 2>&1); then
	ok "ICMP: ping $SERVER6: $(echo "$out" | grep -o '[0-9]* received')"
else
	fail "ICMP: ping $SERVER6: $(echo "$out" | tail -2 | tr '\n' ' ')"
fi

# The flows really went through Jool: it holds a TCP session for the client.
sessions=$(in_g jool session display --tcp --numeric --csv 2>&1)
if echo "$sessions" | grep -q '2001:db8:1::2'; then
	ok "jool session display --tcp has the client's session"
else
	fail "jool session display --tcp: $(echo "$sessions" | head -3 | tr '\n' ' ')"
fi

finish
GUEST
chmod 755 "$J/run.sh"

t0=$(date +%s)
"$top/tests/jool/guest-run.sh" "$J" "${V6G_GUEST_TIMEOUT:-300}"
rc=$?
echo "$TNAME: guest run (with any image build) took $(($(date +%s) - t0)) s, exit $rc"
if [ $rc = 0 ] || [ "${KEEP:-0}" != 1 ]; then
	rm -rf "$J"
else
	echo "$TNAME: kept $J (run.sh, output.log, serial.log)"
fi
exit $rc
