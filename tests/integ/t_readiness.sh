#!/bin/bash
# SPDX-License-Identifier: ISC
# The IPv6 support self-check (v6gatectl readiness, issue 14) against a
# fixture site whose every figure the test knows: a real DNS server
# (dnsmasq, authoritative for portal.gov.cn, two name servers of which one
# answers over IPv6), real IPv4-only nginx legacy servers, a dual-stack
# external host, the gateway in front, pages with a known link tree
# (levels 2 and 3, an IPv4-only host, an IPv4 literal, an image on an
# IPv4-only host, another port, a 10 MB page, a redirect loop, broken HTML,
# a host that never answers), a homepage that differs over IPv4 and one
# that is slow over IPv6.  readiness_site.py is the one description: it
# writes the pages, the zone and the services, and computes from them every
# expected figure.  Then the result's "suggest" is applied (services, DNS
# records) and the second name server fixed: the site passes.
#
# T_READINESS_FIXTURE_ONLY=1 builds the fixture and checks it with dig and
# curl only (no readiness command needed), the model's own suggestion
# applied in place of the command's.
#
#   client ns   2001:db8:1::2/64, 10.0.1.2/24   the visitor, dual-stack
#      |
#   gateway ns  v6gated ($GW6, $GW4); routes for everyone below
#      |-- server ns  10.1.0.5-13  IPv4-only: nginx, the slow relay, the hang,
#      |              the homepage's token server
#      |-- dns ns     10.9.0.53 (ns1, also 2001:db8:53::1), 10.9.0.54 (ns2;
#      |              2001:db8:53::2 once fixed): dnsmasq
#      `-- ext ns     10.2.0.5, 2001:db8:200::5: nginx for cdn.other.com.cn
. "$(dirname "$0")/lib.sh"

PY=$INTEG_DIR/readiness_site.py
NS_D=v6g-d-$ID
NS_X=v6g-x-$ID
DNS_PID=
export GW6 GW4 SLOW_MS=250
FIXTURE_ONLY=${T_READINESS_FIXTURE_ONLY:-0}

in_d() { ip netns exec "$NS_D" "$@"; }
in_x() { ip netns exec "$NS_X" "$@"; }

# lib.sh's finish knows three namespaces; these two are this suite's
rd_finish() {
	local rc=$? ns pids

	for ns in "$NS_D" "$NS_X"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill $pids 2>/dev/null
	done
	sleep 0.2
	for ns in "$NS_D" "$NS_X"; do
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill -9 $pids 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	(exit $rc)
	finish
}

# The lib's three namespaces made dual-stack where the visitor needs it,
# and the DNS and external namespaces behind the gateway, which routes.
rd_net_up() {
	net_up
	trap rd_finish EXIT
	ip netns add "$NS_D"
	ip netns add "$NS_X"
	ip link add g2 netns "$NS_G" type veth peer name d0 netns "$NS_D"
	ip link add g3 netns "$NS_G" type veth peer name x0 netns "$NS_X"
	in_c ip -batch - <<-EOF
		addr add 10.0.1.2/24 dev c0
		route add default via 10.0.1.1
	EOF
	in_g sysctl -qw net.ipv4.ip_forward=1
	in_g sysctl -qw net.ipv6.conf.all.forwarding=1
	in_g ip -batch - <<-EOF
		addr add 10.0.1.1/24 dev g0
		link set g2 up
		link set g3 up
		addr add 10.9.0.1/24 dev g2
		addr add 2001:db8:53::ff/64 dev g2 nodad
		addr add 10.2.0.1/24 dev g3
		addr add 2001:db8:200::1/64 dev g3 nodad
	EOF
	in_s ip -batch - <<-EOF
		addr add 10.1.0.7/24 dev s0
		addr add 10.1.0.8/24 dev s0
		addr add 10.1.0.9/24 dev s0
		addr add 10.1.0.10/24 dev s0
		addr add 10.1.0.11/24 dev s0
		addr add 10.1.0.12/24 dev s0
		addr add 10.1.0.13/24 dev s0
		route add default via 10.1.0.1
	EOF
	in_d ip -batch - <<-EOF
		link set lo up
		link set d0 up
		addr add 10.9.0.53/24 dev d0
		addr add 10.9.0.54/24 dev d0
		addr add 2001:db8:53::1/64 dev d0 nodad
		addr add 2001:db8:53::2/64 dev d0 nodad
		route add default via 10.9.0.1
		route add default via 2001:db8:53::ff
	EOF
	in_x ip -batch - <<-EOF
		link set lo up
		link set x0 up
		addr add 10.2.0.5/24 dev x0
		addr add 2001:db8:200::5/64 dev x0 nodad
		route add default via 10.2.0.1
		route add default via 2001:db8:200::1
	EOF
}

# py_checks COMMAND...: run a check of readiness_site.py, count its lines
py_checks() {
	local rc line

	"$@" >"$T/py.out" 2>&1
	rc=$?
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "${line#ok }" ;;
		"FAIL "*) fail "${line#FAIL }" ;;
		*) log "$line" ;;
		esac
	done <"$T/py.out"
	[ $rc -eq 0 ] || fail "readiness_site.py $2 exited $rc"
}

dns_up() {
	local args a

	mapfile -t args < <(python3 "$PY" dnsmasq-args "$T")
	# not through in_d: $! must be dnsmasq itself
	ip netns exec "$NS_D" /usr/sbin/dnsmasq "${args[@]}" \
	    >>"$T/dnsmasq.out" 2>&1 &
	DNS_PID=$!
	while read -r fam a; do
		[ "$fam" = v6 ] && a="[$a]"
		wait_port "$NS_D" "$a" 53 || return 1
	done < <(python3 "$PY" dns-addrs "$T")
}

dns_stop() {
	[ -n "$DNS_PID" ] || return 0
	kill "$DNS_PID" 2>/dev/null
	wait "$DNS_PID" 2>/dev/null
	DNS_PID=
}

# the gateway's configuration from the description: the readiness block
# and the sites for the check; the daemon gets it without them when only
# the fixture is checked (a daemon that does not know them yet)
write_conf() {
	python3 "$PY" services "$T" | gw_conf "$T/gw.conf"
	if [ "$FIXTURE_ONLY" = 1 ]; then
		python3 "$PY" services "$T" --bare | gw_conf "$T/gw-daemon.conf"
	else
		cp "$T/gw.conf" "$T/gw-daemon.conf"
	fi
}

# readiness NAME ARGS...: the check as a dual-stack visitor, bounded
readiness() {
	local name=$1 off
	shift
	off=$(stat -c %s "$T/nginx-access.log" 2>/dev/null || echo 0)
	in_c timeout 60 "$V6GATECTL" -c "$T/gw.conf" readiness "$@" \
	    >"$T/$name.out" 2>"$T/$name.err"
	RC=$?
	[ $RC -eq 124 ] && fail "readiness $* did not end within 60 s"
	log "readiness $*: exit $RC, $(wc -c <"$T/$name.out") bytes" \
	    "$(head -c 300 "$T/$name.err")"
	[ $RC -eq 2 ] || py_checks python3 "$PY" rate "$T" "$off"
}

rd_net_up
python3 "$PY" setup "$T" || { fail "setup"; exit 1; }
san=DNS:portal.gov.cn,DNS:*.portal.gov.cn,DNS:*.hang.portal.gov.cn
san=$san,DNS:cdn.other.com.cn
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
    -nodes -days 2 -subj /CN=www.portal.gov.cn -addext "subjectAltName=$san" \
    -keyout "$T/key.pem" -out "$T/cert.pem" 2>/dev/null || fail "openssl req"
in_s nginx -c "$T/nginx-s.conf" || fail "nginx (legacy servers)"
in_x nginx -c "$T/nginx-x.conf" || fail "nginx (external host)"
in_s python3 "$PY" relay 10.1.0.11 443 10.1.0.12 443 "$SLOW_MS" \
    >>"$T/relay.log" 2>&1 &
in_s python3 "$PY" hang 10.1.0.13 80 >>"$T/hang.log" 2>&1 &
in_s python3 "$PY" tokens 127.0.0.1 8081 "$T/site/www" >>"$T/tokens.log" 2>&1 &
dns_up || exit 1
for a in 10.1.0.5:443 10.1.0.5:8443 10.1.0.5:80 10.1.0.7:443 10.1.0.8:443 \
    10.1.0.9:443 10.1.0.10:443 10.1.0.11:443 10.1.0.12:443 10.1.0.13:80 \
    127.0.0.1:8081; do
	wait_port "$NS_S" "${a%:*}" "${a#*:}" || exit 1
done
wait_port "$NS_X" "[2001:db8:200::5]" 443 || exit 1
write_conf
gw_up "$T/gw-daemon.conf" || exit 1

# the fixture is what its description says, before the check relies on it
py_checks in_c python3 "$PY" fixture "$T"

if [ "$FIXTURE_ONLY" != 1 ]; then
	readiness before --json
	cp "$T/before.out" "$T/before.json"
	py_checks python3 "$PY" compare "$T" "$T/before.json" "$RC"
	readiness text
	py_checks python3 "$PY" text "$T" "$T/text.out" "$RC"
	readiness html --format html
	py_checks python3 "$PY" html "$T" "$T/html.out" "$RC"
	readiness nosuch --service nosuch --json
	check_eq "readiness --service nosuch: usage error" "$RC" 2
	readiness badopt --no-such-option
	check_eq "readiness --no-such-option: usage error" "$RC" 2
fi

# dnscheck NAME ZONE-STATE: v6gatectl dns --check --json, against the model
dnscheck() {
	in_c timeout 30 "$V6GATECTL" -c "$T/gw.conf" dns --check --json \
	    >"$T/dns-$1.json" 2>"$T/dns-$1.err"
	RC=$?
	log "dns --check ($1): exit $RC $(head -c 300 "$T/dns-$1.err")"
	py_checks python3 "$PY" dns "$T" "$T/dns-$1.json" "$RC" "$2"
}

# the fix: the suggested services and AAAA records, ns2 on IPv6
cp "$T/readiness-state.json" "$T/state-before-fix.json"
if [ "$FIXTURE_ONLY" = 1 ]; then
	py_checks python3 "$PY" apply "$T"
else
	py_checks python3 "$PY" apply "$T" "$T/before.json"
fi
write_conf
if [ "$FIXTURE_ONLY" != 1 ]; then
	# the new services before their records are published: missing or
	# wrong, exit 1; the text form lists the lines to publish
	dnscheck unpublished "$T/state-before-fix.json"
	check_eq "dns --check with unpublished names: exit 1" "$RC" 1
	out=$(in_c "$V6GATECTL" -c "$T/gw.conf" dns)
	case "$out" in *"www.portal.gov.cn. 3600 IN AAAA $GW6"*)
		ok "dns prints the zone-file lines" ;;
	*) fail "dns printed: $(echo "$out" | head -5)" ;; esac
fi
dns_stop
dns_up || exit 1
if [ "$FIXTURE_ONLY" != 1 ]; then
	dnscheck published "$T/readiness-state.json"
	check_eq "dns --check once published: exit 0" "$RC" 0
	# a name whose AAAA points elsewhere (new.portal.gov.cn's, in the
	# zone from the start) behind a service of this gateway: wrong
	sed "s|^services = (|services = (\n  { name = \"new\"; mode = \"proxy\"; listen = [ \"[$GW6]:443\" ]; hosts = [ \"new.portal.gov.cn\" ]; backends = [ \"10.1.0.5:443\" ]; },|" \
	    "$T/gw.conf" >"$T/gw-wrong.conf"
	out=$(in_c timeout 30 "$V6GATECTL" -c "$T/gw-wrong.conf" dns --check --json)
	check_eq "dns --check with a name pointing elsewhere: exit 1" "$?" 1
	check_eq "and it is wrong, with what DNS answers" "$(echo "$out" |
	    python3 -c 'import json, sys
n = [x for x in json.load(sys.stdin)["names"] if x["name"] == "new.portal.gov.cn"]
print(n[0]["state"], n[0]["found"], n[0]["aaaa"])')" \
	    "wrong ['2001:db8:300::1'] ['$GW6']"
fi
check_cmd "v6gatectl reload with the suggested services" ctl reload
# the model's own fix, checked as the fixture (the command's is checked by
# its result below, which is quicker than checking it twice)
[ "$FIXTURE_ONLY" = 1 ] && py_checks in_c python3 "$PY" fixture "$T"

if [ "$FIXTURE_ONLY" != 1 ]; then
	readiness after --service portal --json
	cp "$T/after.out" "$T/after.json"
	py_checks python3 "$PY" compare "$T" "$T/after.json" "$RC" \
	    --service portal
	check_eq "the portal passes once fixed: exit 0" "$RC" 0
	# every site: www2 still differs over IPv4, slow is still slow
	readiness all --json
	cp "$T/all.out" "$T/all.json"
	py_checks python3 "$PY" compare "$T" "$T/all.json" "$RC"
	# the daemon's own check (readiness.interval): after a SIGHUP with an
	# interval, the parent starts v6gatectl readiness --store as the
	# gateway's user; status, /metrics and the report show what it kept
	sed -i 's/interval = 0;/interval = 60;/' "$T/gw-daemon.conf"
	check_cmd "the daemon's config has interval = 60" \
	    grep -q 'interval = 60;' "$T/gw-daemon.conf"
	kill -HUP "$GW_PID"
	got=
	for i in $(seq 1 120); do
		got=$(ctl status --json 2>/dev/null | python3 -c '
import json, sys
r = json.load(sys.stdin).get("readiness")
if r:
    print(" ".join(sorted(s["site"] for s in r["sites"])))' 2>/dev/null)
		[ -n "$got" ] && break
		sleep 1
	done
	log "the daemon's check kept sites: $got (after ${i} s)"
	case " $got " in
	*" https://www.portal.gov.cn/ "*) ok "status shows the daemon's check of the portal" ;;
	*) fail "status shows no readiness result of the daemon's check: '$got'" ;;
	esac
	check_cmd "the log says the check started" \
	    grep -q 'readiness check started' "$GW_LOG"
	check_cmd "the log says how the check ended" \
	    grep -qE 'readiness check: (every site passes|a site fails)' "$GW_LOG"
	owner=$(stat -c %U "$T/state/v6gate.db")
	check_eq "the history stays the gateway user's after the check" \
	    "$owner" v6gate
	m=$(in_g curl -s 'http://[::1]:9164/metrics')
	case "$m" in
	*'v6gate_readiness_pass{service="portal",site="https://www.portal.gov.cn/"}'*)
		ok "/metrics has the portal's readiness gauge" ;;
	*) fail "/metrics lacks v6gate_readiness_pass of the portal" ;;
	esac
	rep=$("$builddir/v6gatectl" -c "$T/gw-daemon.conf" report \
	    --month "$(date +%Y-%m)")
	case "$rep" in
	*"IPv6 readiness"*"https://www.portal.gov.cn/ (portal): 1 checks"*)
		ok "the monthly report has the portal's check" ;;
	*) fail "the monthly report lacks the portal's check: $rep" ;;
	esac
fi
exit 0
