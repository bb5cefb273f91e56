#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
#
# A generated audit log for tests/bench/trace.sh: STATE_DIR/audit with DAYS
# files ending on LAST (a UTC day), RECORDS connections in all, as v6gated
# leaves them (see AUDIT LOG in v6gated(8)): one "close" line per
# connection, in the file of its close day, the members in the daemon's
# order and formats; every file archived as the daemon does (gzip members
# of about 256 KiB of lines, and an index of the gateway ports each holds:
# src/audit/archive.h) except the last one, which stays plain.
#
# What the records look like: 50,000 IPv6 clients in a few hundred /64s
# (a few big ones, many small), some far busier than others; five services
# on two listener addresses, eight backends taken in turn; the gateway's
# own address toward them 10.1.0.1, its ports taken in turn over
# 32768-60999 (each comes back about every 12 hours); connections from
# milliseconds to six hours, more by day than by night, so some cross
# midnight and are in the next day's file; a daemon restart every month or
# so (the id's first part changes).  Everything follows from --seed, day
# by day, so the days are made in parallel.
#
# It also writes, beside audit/:
#   probes.tsv   ~20 connections as a server would have logged them, across
#                the months (one crossing midnight, one in the plain file):
#                label, time, backend, the gateway's addr:port, the client
#                expected, the file holding it, kind (any, midnight, long,
#                plain), its open and close times
#   queries.tsv  --client queries (a /64 over one day, over 7 days) and how
#                many connections each must find
#   stamp.json   what was made (written last: its presence means complete)
#
# usage: trace_gen.py --dir STATE_DIR --last YYYY-MM-DD [--days 183]
#                     [--records 10000000] [--seed 1] [--jobs N]

import argparse
import bisect
import calendar
import json
import math
import multiprocessing
import os
import random
import shutil
import socket
import sys
import time
import zlib

VERSION = 3		# of the data: a stamp of another version is made again
DAY_MS = 86400000
NCLIENTS = 50000
NPREFIXES = 300
PORT_LO, PORT_HI = 32768, 60999	# Linux's ip_local_port_range
LOCAL = "10.1.0.1"

# service, listener, names (None: HTTP without Host), backends, weight
SERVICES = [
    ("www", "[2001:db8:100::10]:443", ["www.example.org", "example.org",
     "static.example.org"], ["10.1.0.5:443", "10.1.0.6:443",
     "10.1.0.7:443"], 0.50),
    ("api", "[2001:db8:100::10]:443", ["api.example.org"],
     ["10.1.0.8:8443", "10.1.0.9:8443"], 0.25),
    ("shop", "[2001:db8:100::11]:443", ["shop.example.com",
     "www.example.com"], ["10.1.0.20:443"], 0.10),
    ("www-http", "[2001:db8:100::10]:80", ["www.example.org",
     "example.org", None], ["10.1.0.5:80"], 0.10),
    ("mail", "[2001:db8:100::11]:993", ["mail.example.org"],
     ["10.1.0.30:993"], 0.05),
]
# why connections closed (the daemon's words), cumulative shares
REASONS = [("done", 0.93), ("idle timeout", 0.97),
           ("reset by the client", 0.99), ("reset by the backend", 0.997),
           ("backend error", 1.0)]

LINE = ('{"v":1,"event":"close","id":"%s-%d","open":"%s","close":"%s",'
        '"client":"[%s]:%d","listener":"%s","name":%s,"service":"%s",'
        '"backend":"%s","local":"' + LOCAL + ':%d","bytes_in":%d,'
        '"bytes_out":%d,"reason":"%s"}\n')


def clients(seed):
    """The client addresses, most active first, and their /64s."""
    rng = random.Random("clients-%d" % seed)
    # /64s: 40 sites (/48s), subnets 0, 1, 2, ... or arbitrary numbers
    sites = rng.sample(range(0x100, 0xffff), 40)
    prefixes = set()
    while len(prefixes) < NPREFIXES:
        site = sites[min(int(rng.paretovariate(1.2)) - 1, 39)]
        sub = rng.choice([len(prefixes) % 7, rng.randrange(0x10000),
                          rng.randrange(256)])
        prefixes.add((site, sub))
    prefixes = sorted(prefixes)
    rng.shuffle(prefixes)
    # sizes: a few /64s with thousands of hosts, most with a few dozen
    w = [1.0 / (k + 1) ** 0.9 for k in range(NPREFIXES)]
    sizes = [max(1, int(NCLIENTS * x / sum(w))) for x in w]
    sizes[0] += NCLIENTS - sum(sizes)
    addrs, seen, of64 = [], set(), []
    for k, (site, sub) in enumerate(prefixes):
        made = 0
        while made < sizes[k]:
            r = rng.random()
            if r < 0.6:		# temporary (privacy) address
                iid = rng.getrandbits(64)
            elif r < 0.85:	# EUI-64
                mac = rng.getrandbits(48) & ~(1 << 40) | (1 << 41)
                iid = ((mac >> 24) << 40) | (0xfffe << 24) | (mac & 0xffffff)
            else:		# numbered by hand or by DHCPv6
                iid = rng.randrange(1, 0x1000)
            a = (0x20010db8 << 96) | (site << 80) | (sub << 64) | iid
            if a in seen:
                continue
            seen.add(a)
            addrs.append(socket.inet_ntop(socket.AF_INET6,
                                          a.to_bytes(16, "big")))
            of64.append(k)
            made += 1
    order = list(range(len(addrs)))
    rng.shuffle(order)		# activity rank unrelated to the /64
    p64 = ["%s/64" % socket.inet_ntop(
        socket.AF_INET6, ((0x20010db8 << 96) | (s << 80) | (b << 64))
        .to_bytes(16, "big")) for s, b in prefixes]
    return [addrs[i] for i in order], [of64[i] for i in order], p64


def rank_share(j, n=NCLIENTS):
    """Share of connections of the client of rank j: rank = n * u^2."""
    return math.sqrt((j + 1) / n) - math.sqrt(j / n)


class Params:
    def __init__(self, a):
        self.seed, self.days, self.records = a.seed, a.days, a.records
        y, m, d = map(int, a.last.split("-"))
        self.first_ms = (calendar.timegm((y, m, d, 0, 0, 0)) * 1000 -
                         (a.days - 1) * DAY_MS)
        self.end_ms = self.first_ms + a.days * DAY_MS
        rng = random.Random("restarts-%d" % a.seed)
        self.restarts = [0]
        while True:
            nxt = self.restarts[-1] + rng.randrange(20, 45)
            if nxt >= a.days:
                break
            self.restarts.append(nxt)

    def base(self, d):
        """Connections opened before day d."""
        return d * self.records // self.days

    def day_ms(self, d):
        return self.first_ms + d * DAY_MS


P = None	# Params, in each process
CLIENTS = None
CLIENT64 = None


def init(params, cl, c64):
    global P, CLIENTS, CLIENT64
    P, CLIENTS, CLIENT64 = params, cl, c64


def logu(r, a, b):
    return int(a * math.exp(r * math.log(b / a)))


def gen(d):
    """The connections opened on day d, in the order they were opened:
    (close, open, port, client, cport, service, backend, name, in, out,
    reason, id0, id1)."""
    rng = random.Random("day-%d-%d" % (P.seed, d))
    rand = rng.random
    n = P.base(d + 1) - P.base(d)
    s = P.day_ms(d)
    # more by day than by night: busiest around 15:00 UTC, a third then
    opens = []
    while len(opens) < n:
        t = rand()
        if rand() * 1.5 < 1 + 0.5 * math.cos(2 * math.pi * (t - 0.625)):
            opens.append(s + int(t * DAY_MS))
    opens.sort()
    seg = P.restarts[bisect.bisect_right(P.restarts, d) - 1]
    t0 = "%x" % (P.day_ms(seg) - 1234)	# restarted just before midnight
    k0 = P.base(d) - P.base(seg)
    g = P.base(d)
    svc_cum, acc = [], 0.0
    for sv in SERVICES:
        acc += sv[4]
        svc_cum.append(acc)
    out = []
    for i, o in enumerate(opens):
        r = rand()
        if r < 0.55:
            dur = logu(rand(), 3, 2000)
        elif r < 0.87:
            dur = logu(rand(), 2000, 120000)
        elif r < 0.99:
            dur = logu(rand(), 120000, 3600000)
        else:
            dur = logu(rand(), 3600000, 6 * 3600000)
        if o + dur >= P.end_ms:	# the last day: closed before its end
            dur = int((P.end_ms - 1 - o) * rand())
        r = rand()
        sv = 0
        while r >= svc_cum[sv] and sv < len(SERVICES) - 1:
            sv += 1
        names = SERVICES[sv][2]
        name = names[int(rand() * len(names))]
        if name is None and rand() < 0.9:
            name = names[0]
        r = rand()
        reason = 0
        while r >= REASONS[reason][1]:
            reason += 1
        u = rand()
        r = rand()
        cport = (32768 + int(r * 28232) if r < 0.7 else
                 49152 + int((r - 0.7) / 0.3 * 16384))
        k = k0 + i
        out.append((o + dur, o, PORT_LO + (g + i) % (PORT_HI - PORT_LO + 1),
                    int(NCLIENTS * u * u), cport, sv,
                    (g + i) % len(SERVICES[sv][3]), name,
                    # requests small, responses larger; both grow with
                    # the time the connection stayed
                    logu(rand(), 300, 8000) * (1 + dur // 60000),
                    logu(rand(), 1500, 500000) * (1 + dur // 10000),
                    reason, t0, k + k * 7 // 100 + 1))
    return out


_prefix = {}


def ts(ms):
    d = ms // DAY_MS
    p = _prefix.get(d)
    if p is None:
        p = _prefix[d] = time.strftime("%Y-%m-%dT",
                                       time.gmtime(d * 86400))
    r = ms % DAY_MS
    return "%s%02d:%02d:%02d.%03dZ" % (p, r // 3600000, r // 60000 % 60,
                                      r // 1000 % 60, r % 1000)


def fmt(c):
    sv = SERVICES[c[5]]
    return LINE % (c[11], c[12], ts(c[1]), ts(c[0]), CLIENTS[c[3]], c[4],
                   sv[1], "null" if c[7] is None else '"%s"' % c[7],
                   sv[0], sv[3][c[6]], c[2], c[8], c[9], REASONS[c[10]][0])


def probe(d, recs, kind):
    """One connection of day d's file, as its server logged it."""
    rng = random.Random("probe-%d-%d" % (P.seed, d))
    s = P.day_ms(d)
    if kind == "midnight":	# opened the day before: time before midnight
        cand = [c for c in recs if c[1] < s - 1000]
    elif kind == "long":
        cand = [c for c in recs if c[0] - c[1] > 3600000]
    else:
        cand = recs
    c = cand[int(rng.random() * len(cand))]
    lo = c[1] + min(3, c[0] - c[1])	# the backend connection is made
    hi = s - 1 if kind == "midnight" else c[0]
    at = lo + int(rng.random() * (hi - lo + 1))
    return c, at


CHUNK = 256 * 1024	# ARCHIVE_CHUNK in src/audit/archive.h


def archive(path, mine, data):
    """As v6gated archives a day (src/audit/archive.c): gzip members of
    whole lines, about CHUNK bytes each, and the index of their offsets
    and of the gateway ports each holds."""
    lines = data.splitlines(keepends=True)
    chunks, ports, buf, n, off = [], {}, [], 0, 0
    with open(path + ".gz", "wb") as f:
        for i, line in enumerate(lines + [None]):
            if buf and (line is None or n + len(line) > CHUNK):
                z = zlib.compressobj(6, zlib.DEFLATED, 31)
                out = z.compress(b"".join(buf)) + z.flush()
                f.write(out)
                chunks.append((off, n))
                off += len(out)
                buf, n = [], 0
            if line is None:
                break
            ports.setdefault(mine[i][2], [])
            if not ports[mine[i][2]] or ports[mine[i][2]][-1] != len(chunks):
                ports[mine[i][2]].append(len(chunks))
            buf.append(line)
            n += len(line)
    with open(path + ".idx", "w") as f:
        f.write("v6gate-audit-index 1\n")
        for o, l in chunks:
            f.write("chunk %d %d\n" % (o, l))
        for p in sorted(ports):
            f.write("port %d %s\n" % (p, " ".join(map(str, ports[p]))))


def day_file(d, carry, recs, probe_kind, queries):
    """Write day d's file from the connections that closed on it."""
    s, e = P.day_ms(d), P.day_ms(d + 1)
    mine = [c for c in carry if c[0] >= s] + [c for c in recs if c[0] < e]
    mine.sort()
    data = "".join(fmt(c) for c in mine).encode()
    name = "audit-%s.jsonl" % time.strftime("%Y-%m-%d",
                                            time.gmtime(s // 1000))
    path = os.path.join(P.dir, name)
    if d < P.days - 1:
        archive(path, mine, data)
        path += ".gz"
    else:
        with open(path, "wb") as f:
            f.write(data)
    os.utime(path, (e // 1000, e // 1000))
    res = {"day": d, "records": len(mine), "raw": len(data),
           "disk": os.path.getsize(path), "probe": None,
           "crossing": sum(1 for c in mine if c[1] < s), "counts": []}
    if probe_kind is not None:
        c, at = probe(d, mine, probe_kind)
        res["probe"] = {"at_ms": at, "backend": SERVICES[c[5]][3][c[6]],
                        "peer": "%s:%d" % (LOCAL, c[2]),
                        "client": "[%s]:%d" % (CLIENTS[c[3]], c[4]),
                        "file": os.path.basename(path),
                        "open": ts(c[1]), "close": ts(c[0])}
    for q64, f_ms, t_ms in queries:	# what each --client query must find
        res["counts"].append(sum(
            1 for c in mine if c[1] <= t_ms and c[0] >= f_ms and
            CLIENT64[c[3]] == q64))
    return res


def chunk(args):
    first, last, probes, queries = args
    carry = gen(first - 1) if first > 0 else []
    res = []
    for d in range(first, last + 1):
        recs = gen(d)
        res.append(day_file(d, carry, recs, probes.get(d), queries))
        carry = recs
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--last", required=True)
    ap.add_argument("--days", type=int, default=183)
    ap.add_argument("--records", type=int, default=10000000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()
    if a.days < 20:
        sys.exit("trace_gen: --days must be at least 20")
    t_start = time.time()
    params = Params(a)
    cl, c64, p64 = clients(a.seed)
    top = os.path.abspath(a.dir)
    tmp = os.path.join(top, "audit.tmp")
    for p in ("stamp.json", "audit", "audit.tmp"):
        p = os.path.join(top, p)
        if os.path.isdir(p):
            shutil.rmtree(p)
        elif os.path.exists(p):
            os.unlink(p)
    os.makedirs(tmp)
    params.dir = tmp

    # probes: 20 days evenly spread, first and last (the plain file)
    # included; one crossing midnight, one of more than an hour
    pdays = sorted(set(round(k * (a.days - 1) / 19) for k in range(20)))
    probes = {d: "any" for d in pdays}
    probes[pdays[9]] = "midnight"
    probes[pdays[5]] = "long"
    # --client: the /64 with closest to ~1,000 connections a day
    share = [0.0] * NPREFIXES
    for j in range(NCLIENTS):
        share[c64[j]] += rank_share(j)
    per_day = a.records / a.days
    q64 = min(range(NPREFIXES), key=lambda k: abs(share[k] * per_day - 1000))
    q1 = a.days * 2 // 3		# one day
    q7 = max(0, a.days - 30)	# seven days
    queries = [(q64, params.day_ms(q1), params.day_ms(q1 + 1) - 1),
               (q64, params.day_ms(q7), params.day_ms(q7 + 7) - 1)]

    step = max(1, a.days // (8 * max(1, a.jobs)))
    work = [(f, min(f + step - 1, a.days - 1), probes, queries)
            for f in range(0, a.days, step)]
    with multiprocessing.Pool(a.jobs, init, (params, cl, c64)) as pool:
        res = [r for part in pool.map(chunk, work, 1) for r in part]
    os.rename(tmp, os.path.join(top, "audit"))

    total = sum(r["records"] for r in res)
    if total != a.records:
        sys.exit("trace_gen: %d records written, not %d" % (total,
                                                            a.records))
    with open(os.path.join(top, "probes.tsv"), "w") as f:
        f.write("#label\tat\tbackend\tpeer\tclient\tfile\tkind\tnote\n")
        for k, r in enumerate(x for x in res if x["probe"]):
            p, d = r["probe"], r["day"]
            at = p["at_ms"]
            # as servers log it: nginx $msec, RFC 3339 in UTC, or local
            # time with its offset (+01:00)
            if k % 2 == 0:
                when = "%d.%03d" % (at // 1000, at % 1000)
            elif k == 13:
                when = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(
                    at // 1000 + 3600)) + ".%03d+01:00" % (at % 1000)
            else:
                when = ts(at)
            kind = "plain" if d == a.days - 1 else probes[d]
            f.write("p%02d\t%s\t%s\t%s\t%s\t%s\t%s\topen %s, close %s\n"
                    % (k + 1, when, p["backend"], p["peer"], p["client"],
                       p["file"], kind, p["open"], p["close"]))
    with open(os.path.join(top, "queries.tsv"), "w") as f:
        f.write("#label\tprefix\tfrom\tto\texpected\n")
        for label, (qp, f_ms, t_ms), k in (("client-1d", queries[0], 0),
                                           ("client-7d", queries[1], 1)):
            f.write("%s\t%s\t%s\t%s\t%d\n" % (
                label, p64[qp], ts(f_ms), ts(t_ms),
                sum(r["counts"][k] for r in res)))
    stamp = {
        "version": VERSION, "seed": a.seed, "days": a.days,
        "records": total, "first_day": ts(params.first_ms)[:10],
        "last_day": a.last, "files": len(res),
        "bytes_raw": sum(r["raw"] for r in res),
        "bytes_disk": sum(r["disk"] for r in res),
        "crossing_midnight": sum(r["crossing"] for r in res),
        "clients": NCLIENTS, "prefixes64": NPREFIXES,
        "restarts": len(params.restarts), "jobs": a.jobs,
        "generated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "generation_s": round(time.time() - t_start, 1),
    }
    with open(os.path.join(top, "stamp.json.tmp"), "w") as f:
        json.dump(stamp, f, indent=1)
        f.write("\n")
    os.rename(os.path.join(top, "stamp.json.tmp"),
              os.path.join(top, "stamp.json"))
    print(json.dumps(stamp))


if __name__ == "__main__":
    main()
