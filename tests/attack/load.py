# SPDX-License-Identifier: ISC
"""The attack's load: floods of silent or slow connections, a timed
legitimate client, control-socket abuse and keep-alive walks.  Standard
library only; run from the namespace the traffic leaves from.

  load.py flood ADDRS DST SECONDS [--mode silent|http|tls|mixed]
          [--rate N] [--reopen S] [--ready FILE]
      every "ADDR N" line of ADDRS opens N connections from ADDR to DST
      (port 80, 443 for tls), at most --rate connects a second; silent
      ones send nothing, slow ones send a first flight one byte every 2 s;
      one the gateway closes is reopened after --reopen seconds.  Prints
      "connects N closed_by_gateway N peak_open N".
  load.py legit DST SRC SECONDS [--every S] [--host H] [--out FILE]
      one request (its own connection) every --every seconds, each waited
      for (5 s at most); FILE gets one "seconds status" line each; prints
      the summary of `load.py summary`.
  load.py summary FILE [LIMIT]
      "n N ok N failed N slow N p50 S p99 S max S": failed is no 200,
      slow is a 200 that took LIMIT seconds (default 1) or more.
  load.py ctlabuse SOCKET
      garbage on the control socket, one client each; prints one
      "name reply-or-error" line each.
  load.py walk DST N
      N connections, each two requests: Host www then Host api (and
      www then other, and both pipelined in one write); prints
      "variant second_status" lines.
"""

import collections
import os
import random
import resource
import select
import socket
import sys
import time


def raise_nofile():
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (65536, 65536))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))


HTTP_HEAD = b"GET / HTTP/1.1\r\nHost: www.example.org\r\nUser-Agent: slow\r\n"
# a TLS record header announcing a 512-byte handshake, then its first bytes
TLS_HEAD = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(32)


def flood(args):
    import argparse
    ap = argparse.ArgumentParser(prog="load.py flood")
    ap.add_argument("addrs")
    ap.add_argument("dst")
    ap.add_argument("seconds", type=float)
    ap.add_argument("--mode", default="silent")
    ap.add_argument("--rate", type=float, default=4000)
    ap.add_argument("--reopen", type=float, default=0.05)
    ap.add_argument("--ready")
    a = ap.parse_args(args)
    raise_nofile()
    end = time.monotonic() + a.seconds
    ep = select.epoll()
    socks = {}          # fd -> [socket, src, kind, bytes sent]
    todo = collections.deque()
    later = collections.deque()     # (when, src, kind)
    made = closed = peak = 0
    i = 0
    for line in open(a.addrs):
        src, n = line.split()
        for k in range(int(n)):
            if a.mode == "mixed":
                kind = ("silent", "http", "tls")[i % 3]
            else:
                kind = a.mode
            todo.append((src, kind))
            i += 1
    random.shuffle(todo)

    def open_one(src, kind):
        nonlocal made
        s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        s.setblocking(False)
        try:
            s.bind((src, 0))
            s.connect_ex((a.dst, 443 if kind == "tls" else 80))
        except OSError:
            s.close()
            later.append((time.monotonic() + 1, src, kind))
            return
        socks[s.fileno()] = [s, src, kind, 0]
        ep.register(s.fileno(), select.EPOLLRDHUP | select.EPOLLIN)
        made += 1

    budget, last, drip = 0.0, time.monotonic(), time.monotonic()
    readied = False
    while True:
        now = time.monotonic()
        if now >= end:
            break
        budget = min(a.rate / 10, budget + (now - last) * a.rate)
        last = now
        while later and later[0][0] <= now:
            todo.append(later.popleft()[1:])
        while todo and budget >= 1:
            open_one(*todo.popleft())
            budget -= 1
        if not todo and not readied and a.ready:
            open(a.ready, "w").close()
            readied = True
        peak = max(peak, len(socks))
        # the slow ones: one more byte of their first flight every 2 s
        if now - drip >= 2:
            drip = now
            for ent in list(socks.values()):
                s, src, kind, sent = ent
                head = HTTP_HEAD if kind == "http" else TLS_HEAD
                if kind != "silent" and sent < len(head):
                    try:
                        s.send(head[sent:sent + 1])
                        ent[3] += 1
                    except OSError:
                        pass
        for fd, ev in ep.poll(0.005 if todo else 0.05):
            ent = socks.pop(fd, None)
            if ent is None:
                continue
            ep.unregister(fd)
            ent[0].close()
            closed += 1
            later.append((time.monotonic() + a.reopen, ent[1], ent[2]))
    print("connects %d closed_by_gateway %d peak_open %d"
          % (made, closed, peak))


def recv_all(s):
    """Everything the peer sends until it closes."""
    r = b""
    while True:
        b = s.recv(65536)
        if not b:
            return r
        r += b


def one_request(dst, src, host, timeout=5):
    t0 = time.monotonic()
    try:
        s = socket.create_connection((dst, 80), timeout, (src, 0))
        s.settimeout(max(0.1, timeout - (time.monotonic() - t0)))
        s.sendall(b"GET / HTTP/1.1\r\nHost: " + host.encode() +
                  b"\r\nConnection: close\r\n\r\n")
        r = recv_all(s)
        s.close()
        status = int(r.split(b" ", 2)[1]) if r.startswith(b"HTTP/1.") else 0
    except (OSError, ValueError, IndexError):
        status = 0
    return time.monotonic() - t0, status


def summary_of(rows, limit=1.0):
    n = len(rows)
    ok = [t for t, st in rows if st == 200]
    slow = [t for t in ok if t >= limit]
    ts = sorted(t if st == 200 else 99.0 for t, st in rows)

    def pct(p):
        if not ts:
            return 0.0
        return ts[min(len(ts) - 1, int(p * len(ts)))]
    return ("n %d ok %d failed %d slow %d p50 %.3f p99 %.3f max %.3f"
            % (n, len(ok), n - len(ok), len(slow), pct(0.5), pct(0.99),
               ts[-1] if ts else 0.0))


def legit(args):
    import argparse
    ap = argparse.ArgumentParser(prog="load.py legit")
    ap.add_argument("dst")
    ap.add_argument("src")
    ap.add_argument("seconds", type=float)
    ap.add_argument("--every", type=float, default=0.1)
    ap.add_argument("--host", default="www.example.org")
    ap.add_argument("--out")
    a = ap.parse_args(args)
    rows = []
    out = open(a.out, "w") if a.out else None
    end = time.monotonic() + a.seconds
    while time.monotonic() < end:
        t0 = time.monotonic()
        t, st = one_request(a.dst, a.src, a.host)
        rows.append((t, st))
        if out:
            out.write("%.4f %d\n" % (t, st))
            out.flush()
        time.sleep(max(0, a.every - (time.monotonic() - t0)))
    print(summary_of(rows))


def summary(args):
    rows = []
    for line in open(args[0]):
        t, st = line.split()
        rows.append((float(t), int(st)))
    print(summary_of(rows, float(args[1]) if len(args) > 1 else 1.0))


def ctl_one(path, data, wait=3.0):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(wait)
    try:
        s.connect(path)
        if data:
            s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        r = recv_all(s)
        return r.split(b"\n")[0].decode("latin-1")[:40] or "closed"
    except socket.timeout:
        return "timeout"
    except OSError as e:
        return "error:" + (e.strerror or str(e)).replace(" ", "_")
    finally:
        s.close()


def ctlabuse(args):
    path = args[0]
    rnd = random.Random(18)
    cases = [
        ("empty_line", b"\n"),
        ("nul_bytes", b"\0" * 64 + b"\n"),
        ("binary_4k", bytes(rnd.randrange(256) for _ in range(4096))),
        ("no_newline", b"status"),
        ("unknown_cmd", b"rm -rf /\n"),
        ("cr_lf", b"status\r\n"),
        ("long_64k", b"s" * 65536 + b"\n"),
        ("long_1m", b"x" * (1 << 20) + b"\n"),
        ("long_16m", b"y" * (16 << 20) + b"\n"),
        ("many_lines", b"status\n" * 10000),
        ("format_str", b"%s%s%s%n%n\n"),
        ("utf8_junk", "stätus ☃\n".encode()),
        ("args_junk", b"drain " + b"a" * 4000 + b" " + b"b" * 4000 + b"\n"),
        ("trace_junk", b"trace --at x --peer [::1]:99999999\n"),
    ]
    for name, data in cases:
        print(name, ctl_one(path, data).replace(" ", "_"))


def walk(args):
    dst, n = args[0], int(args[1])
    import re

    def G(host):
        return b"GET / HTTP/1.1\r\nHost: " + host + b"\r\n\r\n"

    def conv(pieces):
        s = socket.create_connection((dst, 80), 5)
        s.settimeout(3)
        got, want = b"", 0
        for data in pieces:
            want += data.count(b"GET /")
            s.sendall(data)
            try:
                while len(re.findall(rb"HTTP/1\.[01] \d{3}", got)) < want:
                    b = s.recv(65536)
                    if not b:
                        break
                    got += b
            except (socket.timeout, ConnectionResetError):
                break
        s.close()
        codes = re.findall(rb"HTTP/1\.[01] (\d{3})", got)
        return codes[1].decode() if len(codes) > 1 else "none"
    variants = [
        ("www_then_api", [G(b"www.example.org"), G(b"api.example.org")]),
        ("www_then_other", [G(b"www.example.org"), G(b"other.example.org")]),
        ("pipelined_www_api", [G(b"www.example.org") + G(b"api.example.org")]),
    ]
    for i in range(n):
        for name, pieces in variants:
            try:
                print(name, conv(pieces))
            except OSError:
                print(name, "error")


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    {"flood": flood, "legit": legit, "summary": summary,
     "ctlabuse": ctlabuse, "walk": walk}[cmd](args)


if __name__ == "__main__":
    main()
