#!/bin/bash
# The dashboard (GET / on gateway.http) in a real browser: headless
# Chromium loads it from a gateway that carried known traffic; the figures
# in its DOM equal "v6gatectl stats --json"; a screenshot is not blank;
# without JavaScript the server-rendered table is there; it survives a
# reload; /history is JSON with the series.  Then an endpoint on a
# non-loopback address: refused without gateway.http.allow at -t, 403 for
# a client outside it, 401 without the bearer token (re-read at reload).
. "$(dirname "$0")/lib.sh"
command -v chromium >/dev/null || skip "needs chromium (Debian package)"
net_up
nginx_up
gw_conf_default "$T/gw.conf"
sed -i 's/^};/  http = "[::1]:9164";\n};/' "$T/gw.conf"
gw_up "$T/gw.conf" || exit 1

# known traffic: IPv6 from the client, IPv4 from the gateway's own host
curl6 www.example.org / >/dev/null
curl6 www.example.org / >/dev/null
curl6 api.example.org / >/dev/null
http6 www.example.org /files/1m -o /dev/null
for i in 1 2 3; do
	in_g curl -sS -k --max-time 10 --resolve "www.example.org:443:$GW4" \
	    https://www.example.org/ >/dev/null
done
sleep 2.5	# a checkpoint or two: the history has it

export HOME=$T/home
mkdir -p "$HOME"
browse() {	# browse URL [chromium options]: headless Chromium, in the gateway
	local url=$1
	shift
	in_g timeout 60 chromium --headless --no-sandbox --disable-gpu \
	    --no-first-run --user-data-dir="$T/chrome" "$@" "$url" \
	    2>>"$T/chrome.log"
}
ctl stats --json >"$T/stats.json"
# The cells of the services table: "service family.key value" lines.
cells() {
	python3 -c '
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(s):
        super().__init__(); s.svc = None; s.f = None; s.out = []
        s.script = False; s.rows = 0
    def handle_starttag(s, tag, a):
        a = dict(a)
        if tag == "html" and a.get("data-script") == "on": s.script = True
        if tag == "tr" and "data-service" in a:
            s.svc = a["data-service"]; s.rows += 1
        if tag == "td" and "data-f" in a: s.f = a["data-f"]
    def handle_data(s, d):
        if s.f: s.out.append("%s %s %s" % (s.svc, s.f, d.strip())); s.f = None
p = P(); p.feed(sys.stdin.read())
print("script", "on" if p.script else "off")
print("rows", p.rows)
print("\n".join(sorted(p.out)))'
}
# The same figures from v6gatectl stats --json.
expect() {
	python3 -c '
import json, sys
st = json.load(open(sys.argv[1]))
keys = ["connections", "open", "bytes_in", "bytes_out", "clients_day",
        "clients_month"]
print("script", sys.argv[2])
print("rows", len(st))
print("\n".join(sorted("%s %s.%s %s" % (s, f, k, st[s][f][k])
      for s in st for f in ("ipv6", "ipv4") for k in keys)))' "$T/stats.json" "$1"
}

browse "http://[::1]:9164/" --dump-dom --virtual-time-budget=3000 \
    >"$T/dom.html"
cells <"$T/dom.html" >"$T/dom.cells"
expect on >"$T/want.cells"
if diff "$T/want.cells" "$T/dom.cells" >"$T/diff"; then
	ok "the DOM's figures equal v6gatectl stats --json ($(wc -l <"$T/dom.cells") cells, the script ran)"
else
	fail "DOM and stats --json differ: $(head -20 "$T/diff")"
fi
check_eq "IPv4 connections of www in the DOM: the 3 requests" \
    "$(awk '$1 == "www" && $2 == "ipv4.connections" { print $3 }' "$T/dom.cells")" 3
grep -q '<svg class="chart"[^>]*><polyline' "$T/dom.html" &&
    ok "the script drew the charts (SVG polylines)" ||
    fail "no chart drawn"
grep -qiE '<(link|img|iframe)[^>]*(href|src)=|src="http' "$T/dom.html" &&
    fail "the page loads an external resource" ||
    ok "no external resource on the page"

# (--dump-dom prints nothing when scripts are off: nojs_dom.py reads the
# DOM over the DevTools protocol instead)
in_g timeout 60 python3 "$INTEG_DIR/nojs_dom.py" "http://[::1]:9164/" \
    --user-data-dir="$T/chrome-nojs" >"$T/dom-nojs.html" 2>>"$T/chrome.log"
cells <"$T/dom-nojs.html" >"$T/nojs.cells"
expect off >"$T/want-nojs.cells"
diff "$T/want-nojs.cells" "$T/nojs.cells" >/dev/null &&
    ok "without JavaScript: the server-rendered table, same figures" ||
    fail "no-JS page differs: $(diff "$T/want-nojs.cells" "$T/nojs.cells" | head -5)"

browse "http://[::1]:9164/" --screenshot="$T/shot.png" \
    --window-size=1200,900 --virtual-time-budget=3000 >/dev/null
python3 - "$T/shot.png" <<'EOF'
import struct, sys, zlib
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
i, idat, w = 8, b"", 0
while i < len(b):
    n, t = struct.unpack(">I4s", b[i:i + 8])
    if t == b"IHDR": w = struct.unpack(">I", b[i + 8:i + 12])[0]
    if t == b"IDAT": idat += b[i + 8:i + 8 + n]
    i += 12 + n
raw = zlib.decompress(idat)
print(len(b), w, len(set(raw)))
sys.exit(0 if len(b) > 5000 and len(set(raw)) > 8 else 1)
EOF
[ $? = 0 ] && ok "the screenshot is a PNG of more than 5 KB, not one colour" ||
    fail "screenshot empty or blank ($(stat -c %s "$T/shot.png" 2>/dev/null) bytes)"

api() { in_g curl -sS --max-time 5 "$@"; }
api -o "$T/hour.json" "http://[::1]:9164/history?range=hour"
api -o "$T/day.json" "http://[::1]:9164/history?range=day"
check_eq "/history: hour (60 minutes) and day (24 hours) series whose sums are the counters" \
    "$(python3 -c '
import json, sys
st = json.load(open(sys.argv[1]))
for f, n in ((sys.argv[2], 60), (sys.argv[3], 24)):
    h = json.load(open(f))
    assert h["slots"] == n and h["history"], f
    for s in st:
        for fam in ("ipv6", "ipv4"):
            x = h["services"][s][fam]
            assert len(x["bytes"]) == n and len(x["connections"]) == n
            assert sum(x["connections"]) == st[s][fam]["connections"], (f, s, fam)
            assert sum(x["bytes"]) == st[s][fam]["bytes_in"] + st[s][fam]["bytes_out"], (f, s, fam)
            assert x["bytes_day"] == sum(x["bytes"]), (f, s, fam)
print("yes")' "$T/stats.json" "$T/hour.json" "$T/day.json" 2>&1 | tail -1)" yes
check_eq "another range is 400" \
    "$(api -o /dev/null -w '%{http_code}' "http://[::1]:9164/history?range=year")" 400
check_eq "another path is 404" \
    "$(api -o /dev/null -w '%{http_code}' "http://[::1]:9164/nope")" 404

ctl reload >/dev/null || fail "reload"
browse "http://[::1]:9164/" --dump-dom --virtual-time-budget=2000 \
    >"$T/dom2.html"
check_eq "after a reload the page still loads, with its three services" \
    "$(cells <"$T/dom2.html" | awk '$1 == "rows" { print $2 }')" 3
# recent events: the process's own log lines, newest first, escaped
python3 -c '
import html.parser, sys
class P(html.parser.HTMLParser):
    def __init__(s):
        super().__init__(); s.inev = s.incell = False; s.rows = []
    def handle_starttag(s, t, a):
        if t == "table" and ("id", "events") in a: s.inev = True
        elif s.inev and t == "tr": s.rows.append([])
        elif s.inev and t == "td": s.incell = True; s.rows[-1].append("")
    def handle_endtag(s, t):
        if t == "table": s.inev = False
        if t == "td": s.incell = False
    def handle_data(s, d):
        if s.inev and s.incell: s.rows[-1][-1] += d
p = P(); p.feed(open(sys.argv[1]).read())
rows = [r for r in p.rows if len(r) == 3]
times = [r[0] for r in rows]
hit = [r[2] for r in rows if r[2].startswith("reloaded ")]
print("%s|%s" % ("newest first" if times == sorted(times, reverse=True)
                 else "unordered", hit[0] if hit else "none"))' "$T/dom2.html" >"$T/ev.txt"
case "$(cat "$T/ev.txt")" in "newest first|reloaded "*"services"*)
	ok "recent events, newest first, with the reload: $(cat "$T/ev.txt")" ;;
*) fail "recent events: $(cat "$T/ev.txt")" ;; esac
gw_stop

# Beyond loopback: gateway.http.allow is required.
gw_conf_default "$T/open.conf"
sed -i 's/^};/  http = { listen = "[2001:db8:1::1]:9165"; };\n};/' "$T/open.conf"
out=$(in_g "$V6GATED" -t -c "$T/open.conf" 2>&1)
check_eq "-t refuses a non-loopback endpoint without allow" "$?" 1
case $out in *"open.conf:"*"gateway.http.listen"*"needs gateway.http.allow"*)
	ok "and says file:line and why" ;;
*)	fail "-t said: $out" ;; esac

printf 'sekrit-1\n' >"$T/token"
chmod 644 "$T/token"	# read by the unprivileged process (user v6gate)
gw_conf_default "$T/tok.conf"
sed -i "s|^};|  http = { listen = \"[2001:db8:1::1]:9165\"; allow = [ \"2001:db8:1::1/128\" ]; token_file = \"$T/token\"; };\n};|" "$T/tok.conf"
out=$(in_g "$V6GATED" -t -c "$T/tok.conf" 2>&1)
check_eq "-t accepts it with allow" "$?" 0
gw_up "$T/tok.conf" || exit 1
U="http://[2001:db8:1::1]:9165/status"
check_eq "a client outside gateway.http.allow gets 403" \
    "$(in_c curl -sS --max-time 5 -o /dev/null -w '%{http_code}' "$U")" 403
check_eq "an allowed client without the token gets 401" \
    "$(api -o /dev/null -w '%{http_code}' "$U")" 401
check_eq "a wrong token gets 401" \
    "$(api -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer sekrit-2' "$U")" 401
check_eq "a shorter token (a prefix) gets 401" \
    "$(api -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer sekrit' "$U")" 401
check_eq "the right token gets 200" \
    "$(api -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer sekrit-1' "$U")" 200
printf 'sekrit-2\n' >"$T/token"
ctl reload >/dev/null || fail "reload"
check_eq "after a reload the new token is asked for, the old one refused" \
    "$(api -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer sekrit-2' "$U") $(api -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer sekrit-1' "$U")" \
    "200 401"
rm -f "$T/token"
ctl reload >/dev/null 2>&1 && fail "a reload with the token file gone was taken" ||
    ok "a reload without its token file is refused"
check_eq "and the running token stays" \
    "$(api -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer sekrit-2' "$U")" 200
