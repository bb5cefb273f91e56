#!/bin/bash
# v6gatectl report --month: a report over an injected month of history
# matches figures computed by hand in this test.  The database is the
# daemon's own (started once and stopped); a month of day and client rows is
# then written into it from simple formulas, with days missing, days of
# connections that found no backend, rows just outside the month that must
# not count, services of an earlier configuration, and services missing from
# the services table (the fallback rule; one named with a comma, one with a
# double quote).  Checked: every figure of the JSON report (bytes, connections,
# peaks, clients and their exactness, IPv6 share, availability, the 31 days);
# the CSV (header, cells, RFC 4180 quoting, CRLF); the text report; the HTML
# (self-contained, rendered by headless Chromium to a screenshot that is not
# blank, and its DOM: per service the bar chart's bars and the share line's
# points, or the note that no share applies); usage errors exit 2, a missing
# database exits 1 naming it, a month without data is an empty report; the
# report does not write to the database.
. "$(dirname "$0")/lib.sh"
command -v sqlite3 >/dev/null || skip "needs sqlite3"
command -v python3 >/dev/null || skip "needs python3"
net_up
gw_conf_default "$T/gw.conf"
DB=$T/state/v6gate.db
MONTH=2026-10

# The database the real way: the daemon creates it and, when it stops,
# records its services (www and api: IPv6 and IPv4; web: IPv6 only).
gw_up "$T/gw.conf" || exit 1
gw_stop
[ -f "$DB" ] && ok "the daemon created its history database" ||
    { fail "no $DB after the daemon ran"; exit 1; }

sql() { sqlite3 -batch -noheader "$DB" "$@"; }
check_eq "the daemon recorded the configured services and their families" \
    "$(sql "SELECT name || ' ' || mode || ' ' || ipv6 || ipv4 FROM services
    ORDER BY name" | tr '\n' ,)" "api proxy 11,web proxy 10,www proxy 11,"

# The model: the rows to inject (from formulas), and the report expected
# from them, computed here in Python (not with SQL).  Subcommands:
#   sql               the SQL that writes the history
#   expect            the expected JSON report
#   json FILE         compare a JSON report with it
#   csv FILE          the same for a CSV report
#   csv-empty FILE    a CSV report of a month without data
#   dom FILE          the HTML report as Chromium parsed it (--dump-dom)
#   png REPORT BLANK  the report's screenshot against an empty page's
# The comparisons print "ok DESCRIPTION" or "fail DESCRIPTION" lines (and
# detail lines); the script fails only when it breaks.
cat >"$T/model.py" <<'EOF'
import csv, io, json, re, struct, sys, zlib
from html.parser import HTMLParser

MONTH = "2026-10"
NDAYS = 31
GATEWAY = "test-gw"


def D(d):
    return "%s-%02d" % (MONTH, d)


# day rows: (d, service, family, connections, bytes_in, bytes_out,
# unreachable, peak_open)
ROWS = []


def row(*r):
    ROWS.append(r)


# services: what the configuration says (api, web, www: the daemon wrote
# them; written again here), and services of an earlier configuration that
# the table still holds.  "legacy,old" and 'old"v6' are not in it.
SERVICES = [("api", "proxy", 1, 1), ("web", "proxy", 1, 0),
            ("www", "proxy", 1, 1), ("siit", "siit", 1, 1),
            ("nat", "nat64", 1, 0), ("v6.heavy", "proxy", 1, 1)]

for d in range(1, NDAYS + 1):
    # www, IPv6 and IPv4: nothing on the 5th, 12th, 20th; the 15th only
    # connections that found no backend; no IPv4 on the 7th, no IPv6 on
    # the 9th
    if d in (5, 12, 20):
        pass
    elif d == 15:
        row(D(d), "www", "ipv6", 3, 0, 0, 3, 1)
        row(D(d), "www", "ipv4", 2, 0, 0, 2, 1)
    else:
        if d != 9:
            row(D(d), "www", "ipv6", 10 + d, 1000 * d, 50000 * d + 7,
                1 if d % 4 == 0 else 0, (7 * d) % 13)
        if d != 7:
            row(D(d), "www", "ipv4", 5 + d % 3, 300 * d + 11, 20000 * d,
                2 if d % 5 == 0 else 0, (5 * d) % 11 + 1)
    # web, IPv6 only now (its IPv4 listener went away on the 3rd: the
    # share does not apply although IPv4 bytes are there)
    if d not in (3, 30, 31):
        row(D(d), "web", "ipv6", 2 * d, 200 * d, 9000 * d * d,
            1 if d % 7 == 0 else 0, d % 6)
    if d <= 2:
        row(D(d), "web", "ipv4", 1, 100, 5000, 0, 1)
    # legacy,old: not in services, both families have bytes: a share
    if d <= 10:
        row(D(d), "legacy,old", "ipv6", d, 777 * d, 1234 * d, 0, 1)
        row(D(d), "legacy,old", "ipv4", d, 100 * d, 3000 + d,
            1 if d == 3 else 0, 2)
    elif d == 11:
        row(D(d), "legacy,old", "ipv6", 1, 0, 0, 1, 0)
    # old"v6: not in services, IPv4 connections but no IPv4 bytes: no share
    if d % 2 == 0:
        row(D(d), 'old"v6', "ipv6", 1, d, 10 * d, 0, 1)
    if d == 6:
        row(D(d), 'old"v6', "ipv4", 2, 0, 0, 2, 0)
    # siit: bytes are IP bytes, no availability; past 32 bits
    row(D(d), "siit", "ipv6", d, 3000000000 * d, 6000 * d,
        1 if d == 1 else 0, d)
    if d % 2 == 1:
        row(D(d), "siit", "ipv4", 1, 4000000000, 4000, 0, 3)
    # nat: NAT64, IPv6 clients only, no IPv4 row at all
    if 10 <= d <= 25:
        row(D(d), "nat", "ipv6", 4, 123456789 * d, 1000, 0, 2)
    # v6.heavy: both families can reach it, only IPv6 came: share 1
    if d % 3 == 1:
        row(D(d), "v6.heavy", "ipv6", 1, d * d, d, 0, 1)

# just outside the month: must not count (api has nothing else)
for svc in ("www", "api", "legacy,old", "siit"):
    for dd in ("2026-09-30", "2026-11-01"):
        for fam in ("ipv6", "ipv4"):
            row(dd, svc, fam, 10**6, 10**12, 10**12, 10**5, 999)
row("2026-09-15", "api", "ipv6", 7, 7000, 7000, 0, 1)
row("2026-11-02", "web", "ipv6", 7, 7000, 7000, 0, 99)

# clients: (period, service, kind, count, exact)
CLIENTS = [
    (MONTH, "www", "ipv6", 1234, 1), (MONTH, "www", "ipv6/64", 456, 1),
    (MONTH, "www", "ipv4", 98765, 0),
    (MONTH, "web", "ipv6", 250000, 0), (MONTH, "web", "ipv6/64", 40, 1),
    (MONTH, "legacy,old", "ipv6", 3, 1), (MONTH, "legacy,old", "ipv6/64", 2, 1),
    (MONTH, "legacy,old", "ipv4", 7, 1),
    (MONTH, "siit", "ipv6", 10, 1), (MONTH, "siit", "ipv4", 20, 1),
    (MONTH, "v6.heavy", "ipv6", 11, 1), (MONTH, "v6.heavy", "ipv4", 0, 1),
    (MONTH, "api", "ipv6", 5, 1),
    # not the month: days of it, and the months around it
    (D(5), "www", "ipv6", 999999, 1), (D(31), "nat", "ipv6", 42, 0),
    ("2026-09", "www", "ipv6", 5555, 1), ("2026-11", "www", "ipv4", 4444, 0),
    ("2026-09", "nat", "ipv6", 77, 1),
]


def q(s):
    return "'" + s.replace("'", "''") + "'"


def gen_sql():
    out = ["BEGIN;", "DELETE FROM day;", "DELETE FROM clients;"]
    for n, m, a, b in SERVICES:
        out.append("INSERT OR REPLACE INTO services (name, mode, ipv6, ipv4)"
                   " VALUES (%s, %s, %d, %d);" % (q(n), q(m), a, b))
    for r in ROWS:
        out.append("INSERT INTO day (d, service, family, connections,"
                   " bytes_in, bytes_out, unreachable, peak_open) VALUES"
                   " (%s, %s, %s, %d, %d, %d, %d, %d);"
                   % ((q(r[0]), q(r[1]), q(r[2])) + tuple(r[3:])))
    for c in CLIENTS:
        out.append("INSERT INTO clients (period, service, kind, count, exact)"
                   " VALUES (%s, %s, %s, %d, %d);"
                   % (q(c[0]), q(c[1]), q(c[2]), c[3], c[4]))
    out.append("COMMIT;")
    return "\n".join(out) + "\n"


def expected():
    flags = {n: (m, a, b) for n, m, a, b in SERVICES}
    mrows = [r for r in ROWS if r[0].startswith(MONTH + "-")]
    rep = {"month": MONTH, "days": NDAYS, "services": {}}
    for name in sorted({r[1] for r in mrows}):
        rs = [r for r in mrows if r[1] == name]
        mode, can6, can4 = flags.get(name, ("proxy", None, None))
        s = {"mode": mode, "bytes": "payload" if mode == "proxy" else "ip"}
        for fam in ("ipv6", "ipv4"):
            fr = [r for r in rs if r[2] == fam]
            f = {"bytes_in": sum(r[4] for r in fr),
                 "bytes_out": sum(r[5] for r in fr),
                 "connections": sum(r[3] for r in fr),
                 "peak_open": max([r[7] for r in fr], default=0)}
            f["bytes"] = f["bytes_in"] + f["bytes_out"]
            kinds = [("ipv6", "clients"), ("ipv6/64", "clients64")] \
                if fam == "ipv6" else [("ipv4", "clients")]
            for kind, key in kinds:
                c = [x for x in CLIENTS
                     if x[0] == MONTH and x[1] == name and x[2] == kind]
                f[key] = c[0][3] if c else 0
                f[key + "_exact"] = bool(c[0][4]) if c else True
            s[fam] = f
        if name in flags:
            applies = can6 == 1 and can4 == 1
        else:
            applies = s["ipv6"]["bytes"] > 0 and s["ipv4"]["bytes"] > 0

        def share(b6, b4):
            return b6 / (b6 + b4) if applies and b6 + b4 > 0 else None
        s["ipv6_share"] = share(s["ipv6"]["bytes"], s["ipv4"]["bytes"])
        s["connections"] = s["ipv6"]["connections"] + s["ipv4"]["connections"]
        s["unreachable"] = sum(r[6] for r in rs)
        s["availability"] = 1 - s["unreachable"] / s["connections"] \
            if mode == "proxy" and s["connections"] > 0 else None
        s["daily"] = []
        for d in range(1, NDAYS + 1):
            b = {"ipv6": 0, "ipv4": 0}
            for r in rs:
                if r[0] == D(d):
                    b[r[2]] += r[4] + r[5]
            s["daily"].append({"day": D(d), "ipv6_bytes": b["ipv6"],
                               "ipv4_bytes": b["ipv4"],
                               "ipv6_share": share(b["ipv6"], b["ipv4"])})
        s["_applies"] = applies
        rep["services"][name] = s
    return rep


def ok(msg):
    print("ok " + msg)


def fail(msg, details=()):
    print("fail " + msg)
    for x in list(details)[:8]:
        print("    " + x)


def check(msg, diffs):
    if diffs:
        fail(msg, diffs)
    else:
        ok(msg)


def same(e, a):
    if e is None:
        return a is None
    if isinstance(e, bool):
        return a is e
    if isinstance(e, int):
        return type(a) is int and a == e
    if isinstance(e, float):
        return type(a) in (int, float) and abs(a - e) <= 1e-9
    return a == e


def diff(where, exp, act, keys):
    out = []
    if not isinstance(act, dict):
        return ["%s: not an object: %r" % (where, act)]
    for k in keys:
        if k not in act:
            out.append("%s.%s: missing (expected %r)" % (where, k, exp[k]))
        elif not same(exp[k], act[k]):
            out.append("%s.%s: got %r, expected %r" % (where, k, act[k], exp[k]))
    return out


def cmp_json(path):
    exp = expected()
    try:
        with open(path) as f:
            act = json.load(f, object_pairs_hook=dict)
    except Exception as e:
        fail("the JSON report parses", [str(e)])
        return
    ok("the JSON report parses")
    check("JSON: month %s, %d days" % (MONTH, NDAYS),
          diff("report", exp, act, ["month", "days"]))
    svcs = act.get("services")
    if not isinstance(svcs, dict):
        fail("JSON: a services object", ["got %r" % (svcs,)])
        return
    check("JSON: the services are exactly those with day rows in the month,"
          " sorted by name (not api: its rows are in other months)",
          [] if list(svcs) == list(exp["services"]) else
          ["got %r, expected %r" % (list(svcs), list(exp["services"]))])
    for name, e in exp["services"].items():
        a = svcs.get(name)
        if a is None:
            fail("JSON %s: present" % name)
            continue
        check("JSON %s: mode %s, bytes %s" % (name, e["mode"], e["bytes"]),
              diff(name, e, a, ["mode", "bytes"]))
        for fam in ("ipv6", "ipv4"):
            keys = ["bytes_in", "bytes_out", "bytes", "connections",
                    "peak_open", "clients", "clients_exact"]
            if fam == "ipv6":
                keys += ["clients64", "clients64_exact"]
            check("JSON %s: %s bytes in/out/sum, connections, peak, clients"
                  " and exactness (%s)" % (name, fam, ", ".join(
                      "%s=%s" % (k, json.dumps(e[fam][k])) for k in keys[:5])),
                  diff(name + "." + fam, e[fam], a.get(fam), keys))
        check("JSON %s: ipv6_share %s" % (name, json.dumps(e["ipv6_share"])),
              diff(name, e, a, ["ipv6_share"]))
        check("JSON %s: connections %d, unreachable %d, availability %s"
              % (name, e["connections"], e["unreachable"],
                 json.dumps(e["availability"])),
              diff(name, e, a, ["connections", "unreachable",
                                "availability"]))
        ad = a.get("daily")
        if not isinstance(ad, list) or len(ad) != NDAYS:
            fail("JSON %s: daily has %d entries" % (name, NDAYS),
                 ["got %r" % (ad if not isinstance(ad, list) else
                              "%d entries" % len(ad),)])
            continue
        dd = []
        for i, (ed, x) in enumerate(zip(e["daily"], ad)):
            dd += diff("%s.daily[%d]" % (name, i), ed, x,
                       ["day", "ipv6_bytes", "ipv4_bytes", "ipv6_share"])
        check("JSON %s: daily, %d days (zeros on days without rows, the"
              " share per day)" % (name, NDAYS), dd)


HEADER = ("service,mode,bytes_unit,ipv6_bytes_in,ipv6_bytes_out,"
          "ipv4_bytes_in,ipv4_bytes_out,ipv6_share,ipv6_clients,"
          "ipv6_clients_exact,ipv6_clients64,ipv6_clients64_exact,"
          "ipv4_clients,ipv4_clients_exact,ipv6_connections,"
          "ipv4_connections,ipv6_peak_open,ipv4_peak_open,unreachable,"
          "availability")


def csv_cells(name, s):
    def fmt(x, n):
        return "" if x is None else "%.*f" % (n, x)

    def b(x):
        return "1" if x else "0"
    v6, v4 = s["ipv6"], s["ipv4"]
    return [name, s["mode"], s["bytes"], str(v6["bytes_in"]),
            str(v6["bytes_out"]), str(v4["bytes_in"]), str(v4["bytes_out"]),
            fmt(s["ipv6_share"], 4), str(v6["clients"]),
            b(v6["clients_exact"]), str(v6["clients64"]),
            b(v6["clients64_exact"]), str(v4["clients"]),
            b(v4["clients_exact"]), str(v6["connections"]),
            str(v4["connections"]), str(v6["peak_open"]),
            str(v4["peak_open"]), str(s["unreachable"]),
            fmt(s["availability"], 6)]


def cmp_csv(path):
    exp = expected()["services"]
    data = open(path, "rb").read()
    check("CSV: every line ends in CRLF",
          [] if data.endswith(b"\r\n") and
          data.count(b"\n") == data.count(b"\r\n") and
          data.count(b"\r") == data.count(b"\r\n") else
          ["%d LF, %d CRLF, %d CR, ends %r" % (data.count(b"\n"),
           data.count(b"\r\n"), data.count(b"\r"), data[-2:])])
    text = data.decode("utf-8", "replace")
    first = text.split("\n")[0].rstrip("\r")
    check("CSV: the header line", [] if first == HEADER else
          ["got      %s" % first, "expected %s" % HEADER])
    check("CSV: the names with a comma and with a quote are quoted",
          ["no %r" % x for x in ('\r\n"legacy,old",proxy,',
                                 '\r\n"old""v6",proxy,') if x not in text])
    rows = list(csv.reader(io.StringIO(text, newline="")))[1:]
    names = [r[0] if r else "" for r in rows]
    check("CSV: one row per service, sorted by name",
          [] if names == list(exp) else
          ["got %r, expected %r" % (names, list(exp))])
    got = {r[0]: r for r in rows if r}
    cols = HEADER.split(",")
    for name, s in exp.items():
        want = csv_cells(name, s)
        r = got.get(name)
        if r is None:
            fail("CSV %s: a row" % name)
            continue
        if len(r) != len(want):
            fail("CSV %s: %d cells" % (name, len(want)),
                 ["got %d: %r" % (len(r), r)])
            continue
        check("CSV %s: every cell (share %r, availability %r)"
              % (name, want[7], want[19]),
              ["%s: got %r, expected %r" % (c, x, y)
               for c, x, y in zip(cols, r, want) if x != y])


def cmp_csv_empty(path):
    data = open(path, "rb").read()
    check("CSV of a month without data: the header line only",
          [] if data == (HEADER + "\r\n").encode() else ["got %r" % data])


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
        "meta", "source", "track", "wbr"}


class Node:
    def __init__(self, tag, attrs):
        self.tag = tag
        self.attrs = dict(attrs)
        self.children = []

    def cls(self):
        return set((self.attrs.get("class") or "").split())

    def find(self, tag, classes=()):
        out = []
        for c in self.children:
            if isinstance(c, Node):
                if c.tag == tag and set(classes) <= c.cls():
                    out.append(c)
                out += c.find(tag, classes)
        return out

    def text(self):
        return "".join(c if isinstance(c, str) else c.text()
                       for c in self.children)


class Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.stack = [self.root]

    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs)
        self.stack[-1].children.append(n)
        if tag not in VOID:
            self.stack.append(n)

    def handle_startendtag(self, tag, attrs):
        self.stack[-1].children.append(Node(tag, attrs))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        self.stack[-1].children.append(data)


def cmp_dom(path):
    exp = expected()["services"]
    t = Tree()
    t.feed(open(path, encoding="utf-8", errors="replace").read())
    t.close()
    root = t.root
    heads = root.find("head")
    titles = heads[0].find("title") if heads else []
    want = "IPv6 traffic report %s \u2014 %s" % (MONTH, GATEWAY)
    got = titles[0].text().strip() if titles else None
    check("HTML: the title is %r" % want,
          [] if got == want else ["got %r" % got])
    secs = root.find("section", ["service"])
    names = []
    for s in secs:
        h2 = s.find("h2")
        names.append(h2[0].text().strip() if h2 else None)
    check("HTML: a section.service per service, sorted by name",
          [] if names == list(exp) else
          ["got %r, expected %r" % (names, list(exp))])
    for name, e in exp.items():
        sec = [s for s, n in zip(secs, names) if n == name]
        if not sec:
            fail("HTML %s: a section" % name)
            continue
        sec = sec[0]
        check("HTML %s: the section's id is %r" % (name, "svc-" + name),
              [] if sec.attrs.get("id") == "svc-" + name else
              ["id %r" % sec.attrs.get("id")])
        check("HTML %s: an h2 of the name and a table.figures" % name,
              [] if sec.find("table", ["figures"]) else ["no table.figures"])
        n6 = sum(1 for d in e["daily"] if d["ipv6_bytes"] > 0)
        n4 = sum(1 for d in e["daily"] if d["ipv4_bytes"] > 0)
        tr = sec.find("svg", ["chart", "traffic"])
        if len(tr) != 1:
            fail("HTML %s: one svg.chart.traffic" % name,
                 ["found %d" % len(tr)])
        else:
            b6 = tr[0].find("rect", ["bar", "ipv6"])
            b4 = tr[0].find("rect", ["bar", "ipv4"])
            untitled = [r for r in b6 + b4
                        if not any(x.text().strip() for x in r.find("title"))]
            check("HTML %s: svg.chart.traffic has %d rect.bar.ipv6 and %d"
                  " rect.bar.ipv4, each with a title" % (name, n6, n4),
                  (["%d rect.bar.ipv6" % len(b6)] if len(b6) != n6 else []) +
                  (["%d rect.bar.ipv4" % len(b4)] if len(b4) != n4 else []) +
                  (["%d bars without a title" % len(untitled)]
                   if untitled else []))
        lines = [p for s in sec.find("svg", ["chart", "share"])
                 for p in s.find("polyline", ["share"])]
        na = sec.find("p", ["na"])
        if e["_applies"]:
            npts = sum(1 for d in e["daily"] if d["ipv6_share"] is not None)
            if len(lines) != 1:
                fail("HTML %s: svg.chart.share with one polyline.share"
                     % name, ["found %d" % len(lines)])
                continue
            nums = re.findall(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?",
                              lines[0].attrs.get("points") or "")
            check("HTML %s: the share line has %d points, one per day with a"
                  " share" % (name, npts),
                  [] if len(nums) == 2 * npts else
                  ["%d numbers in points=%r" % (len(nums),
                   (lines[0].attrs.get("points") or "")[:200])])
        else:
            check("HTML %s: no share line, a p.na note instead" % name,
                  (["%d polyline.share" % len(lines)] if lines else []) +
                  ([] if na and na[0].text().strip() else ["no p.na"]))


def png_stats(path):
    """(width, height, distinct scanlines, distinct byte values) of the
    PNG's filtered image data; raises ValueError when it is not a PNG."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("no PNG signature")
    pos, idat, ihdr, end = 8, [], None, False
    while pos + 12 <= len(data):
        n, typ = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        crc, = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])
        if zlib.crc32(typ + body) != crc:
            raise ValueError("bad CRC in chunk %r" % typ)
        if typ == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif typ == b"IDAT":
            idat.append(body)
        elif typ == b"IEND":
            end = True
            break
        pos += 12 + n
    if not ihdr or not idat or not end:
        raise ValueError("IHDR, IDAT or IEND missing")
    w, h, depth, ctype, _, _, interlace = ihdr
    chans = {0: 1, 2: 3, 4: 2, 6: 4}.get(ctype)
    if depth != 8 or chans is None or interlace:
        raise ValueError("unexpected IHDR %r" % (ihdr,))
    raw = zlib.decompress(b"".join(idat))
    stride = 1 + w * chans
    if len(raw) != h * stride:
        raise ValueError("IDAT inflates to %d bytes, not %d" %
                         (len(raw), h * stride))
    lines = {raw[i:i + stride] for i in range(0, len(raw), stride)}
    return w, h, len(lines), len(set(raw))


def cmp_png(report, blank):
    LINES, BYTES = 40, 16
    try:
        w, h, nl, nb = png_stats(report)
    except (OSError, ValueError, zlib.error) as e:
        fail("the screenshot is a valid PNG", [str(e)])
        return
    check("the screenshot is a valid PNG of 1200x2000 (chunk CRCs, IDAT"
          " inflates to the right size)",
          [] if (w, h) == (1200, 2000) else ["%dx%d" % (w, h)])
    try:
        bw, bh, bl, bb = png_stats(blank)
    except (OSError, ValueError, zlib.error) as e:
        fail("the empty page's screenshot is a valid PNG", [str(e)])
        return
    check("an empty page's screenshot is blank by this measure (%d distinct"
          " scanlines <= %d, %d distinct byte values <= %d)"
          % (bl, LINES, bb, BYTES),
          [] if bl <= LINES and bb <= BYTES else ["it is not"])
    check("the report's screenshot is not blank (%d distinct scanlines >"
          " %d, %d distinct byte values > %d)" % (nl, LINES, nb, BYTES),
          [] if nl > LINES and nb > BYTES else ["it is blank"])


cmd = sys.argv[1]
if cmd == "sql":
    sys.stdout.write(gen_sql())
elif cmd == "expect":
    json.dump(expected(), sys.stdout, indent=1)
elif cmd == "json":
    cmp_json(sys.argv[2])
elif cmd == "csv":
    cmp_csv(sys.argv[2])
elif cmd == "csv-empty":
    cmp_csv_empty(sys.argv[2])
elif cmd == "dom":
    cmp_dom(sys.argv[2])
elif cmd == "png":
    cmp_png(sys.argv[2], sys.argv[3])
else:
    sys.exit("model.py: unknown command " + cmd)
EOF

# py_checks ARGS...: run model.py ARGS; its "ok"/"fail" lines are checks
py_checks() {
	local line n=0

	if ! python3 "$T/model.py" "$@" >"$T/py.out" 2>"$T/py.err"; then
		fail "model.py $1 broke: $(tail -3 "$T/py.err")"
		return
	fi
	while IFS= read -r line; do
		case $line in
		"ok "*) ok "${line#ok }"; n=$((n + 1)) ;;
		"fail "*) fail "${line#fail }"; n=$((n + 1)) ;;
		*) printf '%s\n' "$line" ;;
		esac
	done <"$T/py.out"
	[ "$n" -gt 0 ] || fail "model.py $1 checked nothing"
}

# exp PATH: a value of the expected report, e.g. exp www.ipv6.bytes_in
exp() {
	python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))["services"]
for k in sys.argv[2].split("."):
    v = v[k]
print(json.dumps(v))' "$T/expected.json" "$1"
}

# Inject the month.
python3 "$T/model.py" sql >"$T/inject.sql" &&
    python3 "$T/model.py" expect >"$T/expected.json" ||
    { fail "the model does not run: $(tail -3 "$T/inject.sql")"; exit 1; }
sqlite3 -batch "$DB" <"$T/inject.sql" >"$T/inject.out" 2>&1 &&
    ok "the month's history is written into the daemon's database" ||
    { fail "injecting the history: $(head -3 "$T/inject.out")"; exit 1; }
check_eq "the rows are there" \
    "$(sql "SELECT count(*) FROM day WHERE d LIKE '$MONTH-%'")" \
    "$(grep -c "INSERT INTO day (.*'$MONTH-" "$T/inject.sql")"
# the model's arithmetic against sums done by hand: www's IPv6 days are
# 1..31 but the 5th, 9th, 12th, 15th, 20th; old"v6 had 15 IPv6 and 2
# IPv4 connections, 2 of them unreachable
check_eq "the model agrees with a sum by hand (www ipv6 bytes_in)" \
    "$(exp www.ipv6.bytes_in)" $((1000 * (31 * 32 / 2 - 5 - 9 - 12 - 15 - 20)))
check_eq "the model agrees with a division by hand (old\"v6 availability)" \
    "$(exp 'old"v6.availability')" \
    "$(python3 -c 'print(repr(1 - 2 / 17))')"
sum0=$(md5sum <"$DB")

report() { "$V6GATECTL" -c "$T/gw.conf" report "$@"; }
# run NAME ARGS...: the report to $T/NAME.out, its stderr to $T/NAME.err,
# its exit status in $rc
run() {
	local name=$1
	shift
	report "$@" >"$T/$name.out" 2>"$T/$name.err"
	rc=$?
}

# JSON: every figure
run json --month $MONTH --format json
check_eq "the JSON report exits 0" "$rc" 0
[ "$rc" = 0 ] || head -5 "$T/json.err"
py_checks json "$T/json.out"

# CSV
run csv --month $MONTH --format csv
check_eq "the CSV report exits 0" "$rc" 0
py_checks csv "$T/csv.out"

# text: the default format
run text --month $MONTH
check_eq "the text report (the default format) exits 0" "$rc" 0
missing=
for name in "legacy,old" nat 'old"v6' siit v6.heavy web www; do
	grep -qF -- "$name" "$T/text.out" || missing="$missing [$name]"
done
check_eq "the text report names every service" "$missing" ""
run text2 --month $MONTH --format text
cmp -s "$T/text.out" "$T/text2.out" && [ "$rc" = 0 ] &&
    ok "--format text is the default" || fail "--format text differs (rc $rc)"
grep -qw api "$T/text.out" && fail "the text report lists api (no rows in $MONTH)" ||
    ok "the text report does not list api (no rows in $MONTH)"

# HTML: self-contained, rendered by Chromium
run html --month $MONTH --format html
check_eq "the HTML report exits 0" "$rc" 0
[ -s "$T/html.out" ] && ok "the HTML report is not empty" ||
    fail "the HTML report is empty"
cp "$T/html.out" "$T/report.html"
found=
for s in "http:" "https:" "//" "src=" "@import" "url(" "<link"; do
	grep -qiF -- "$s" "$T/report.html" && found="$found $s"
done
check_eq "the HTML report is self-contained (no http:, https:, //, src=, @import, url(, <link)" \
    "$found" ""
grep -qi "<style" "$T/report.html" && ok "the HTML report has an inline style" ||
    fail "the HTML report has no <style>"

if command -v chromium >/dev/null; then
	chrome() {
		timeout 60 chromium --headless=new --no-sandbox --disable-gpu \
		    --user-data-dir="$T/chromium" "$@" 2>>"$T/chromium.err"
	}
	printf '<!DOCTYPE html>\n<html><head><title>empty</title></head><body></body></html>\n' \
	    >"$T/empty.html"
	chrome --screenshot="$T/empty.png" --window-size=1200,2000 \
	    "file://$T/empty.html" >/dev/null
	chrome --screenshot="$T/report.png" --window-size=1200,2000 \
	    "file://$T/report.html" >/dev/null
	[ -s "$T/report.png" ] && ok "Chromium made a screenshot of the report" ||
	    fail "no screenshot: $(grep -v dbus "$T/chromium.err" | tail -3)"
	if [ -s "$T/report.png" ] && [ -s "$T/empty.png" ]; then
		py_checks png "$T/report.png" "$T/empty.png"
	else
		fail "no screenshots to compare"
	fi
	chrome --dump-dom "file://$T/report.html" >"$T/dom.html"
	[ -s "$T/dom.html" ] && ok "Chromium parsed the report (--dump-dom)" ||
	    fail "no DOM dump: $(grep -v dbus "$T/chromium.err" | tail -3)"
	py_checks dom "$T/dom.html"
else
	fail "chromium is not installed (.ci/deps): the HTML is not rendered"
fi

# Usage errors: exit 2 with a message
bad() {	# bad DESCRIPTION ARGS...
	local d=$1
	shift
	run bad "$@"
	[ "$rc" = 2 ] && [ -s "$T/bad.err" ] && ok "$d: exit 2 with a message" ||
	    fail "$d: exit $rc, stderr '$(head -c 200 "$T/bad.err")'"
}
bad "month 13" --month 2026-13 --format json
bad "month 00" --month 2026-00 --format json
bad "a one-digit month" --month 2026-1 --format json
bad "an unknown format" --month $MONTH --format xml
bad "no --month" --format json

# No database: exit 1 naming it, and nothing created
sed "s|state_dir = \"$T/state\"|state_dir = \"$T/nodb\"|" "$T/gw.conf" >"$T/nodb.conf"
mkdir -p "$T/nodb"
"$V6GATECTL" -c "$T/nodb.conf" report --month $MONTH --format json \
    >"$T/nodb.out" 2>"$T/nodb.err"
rc=$?
[ "$rc" = 1 ] && grep -qF "$T/nodb/v6gate.db" "$T/nodb.err" &&
    ok "a state_dir without a database: exit 1, the message names the file" ||
    fail "no database: exit $rc, stderr '$(head -c 200 "$T/nodb.err")'"
[ -e "$T/nodb/v6gate.db" ] && fail "the report created $T/nodb/v6gate.db" ||
    ok "the report does not create a database"

# A month without data: a report with no services
month_empty() {	# month_empty MONTH DAYS
	run empty --month "$1" --format json
	check_eq "$1, no data: exit 0, no services, $2 days" "$rc $(python3 -c '
import json, sys
v = json.load(open(sys.argv[1]))
print(v["month"], json.dumps(v["services"]), v["days"])' "$T/empty.out" 2>&1 | tail -1)" \
	    "0 $1 {} $2"
}
month_empty 2025-01 31
month_empty 2026-02 28
month_empty 2028-02 29
run emptycsv --month 2025-01 --format csv
check_eq "2025-01, no data: the CSV report exits 0" "$rc" 0
py_checks csv-empty "$T/emptycsv.out"
run emptytext --month 2025-01
check_eq "2025-01, no data: the text report exits 0" "$rc" 0

check_eq "the reports did not write to the database" "$(md5sum <"$DB")" "$sum0"
