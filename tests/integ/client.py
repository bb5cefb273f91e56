# SPDX-License-Identifier: ISC
"""The test suites' one HTTP client, over TCP or TLS, IPv6 or IPv4.

Standard library only, and only the part that the Jool guest's
python3-minimal has (no json, no concurrent.futures).

As a command (run from a client namespace, e.g. in_c python3 "$CLIENT_PY"):

  client.py get [OPTIONS] DST PORT
      one request; prints --print TEMPLATE (default "{status}") with the
      fields sent (bytes of the request), received (bytes of the answer,
      all of it), line (its first line), status (the HTTP status code, 0
      if it was not HTTP), body_length, src
  client.py many [OPTIONS] DST PORT
      -n connections (default: one from each --src address), -c at a
      time, each worker pausing --pace seconds after each of its own;
      prints how many were answered "HTTP/1.x 200"

  options: --src ADDR (repeatable; many cycles through them) --src-file FILE
  (addresses, one a line) --tls --sni NAME (default: the Host) --method
  --path --host --http 1.0|1.1 -H 'Name: value' --close (Connection: close)
  --body-bytes N (N bytes "y", Content-Length added) --shutdown (SHUT_WR
  once sent) --timeout S (each socket operation, default 10)

As a module (sys.path.insert(0, DIR_OF_THIS_FILE); import client): fetch()
makes one request and returns a Response; run() makes many.
"""

import argparse
import socket
import ssl
import sys
import threading
import time


class Response:
    """What came back: raw is every byte received, up to EOF."""

    def __init__(self, raw, sent, src):
        self.raw = raw
        self.sent = sent
        self.src = src
        self.line = raw.split(b"\n", 1)[0].rstrip(b"\r").decode("latin-1")
        parts = self.line.split(" ")
        if self.line.startswith("HTTP/1.") and len(parts) > 1 and parts[1].isdigit():
            self.status = int(parts[1])
        else:
            self.status = 0
        _, sep, body = raw.partition(b"\r\n\r\n")
        self.body = body if sep else b""

    def fields(self):
        return {"sent": self.sent, "received": len(self.raw), "line": self.line,
                "status": self.status, "body_length": len(self.body),
                "src": self.src or ""}


def request_bytes(method="GET", path="/", host=None, http="1.1", headers=(),
                  close=False, body=b""):
    """The request as bytes: request line, Host, headers, Content-Length
    when there is a body, Connection: close if asked, then the body."""
    lines = ["%s %s HTTP/%s" % (method, path, http)]
    if host is not None:
        lines.append("Host: " + host)
    lines.extend(headers)
    if body:
        lines.append("Content-Length: %d" % len(body))
    if close:
        lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def connect(dst, port, src=None, tls=False, sni=None, timeout=10):
    """A connected socket to DST:PORT (an IPv6 or IPv4 literal), from SRC
    if given; with TLS, certificates are not checked (the test backends'
    are self-signed) and SNI is sni."""
    s = socket.create_connection((dst, port), timeout,
                                 (src, 0) if src else None)
    if tls:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        s = ctx.wrap_socket(s, server_hostname=sni)
    return s


def read_all(s):
    """Everything s receives until EOF."""
    got = []
    while True:
        d = s.recv(65536)
        if not d:
            return b"".join(got)
        got.append(d)


def fetch(dst, port, src=None, tls=False, sni=None, timeout=10,
          shutdown=False, **req):
    """One connection to DST:PORT: send the request (request_bytes(**req);
    host= there is the Host header, and the SNI unless sni= says), shut the
    write side down if asked, read to EOF, close."""
    data = request_bytes(**req)
    if tls and sni is None:
        sni = req.get("host")
    s = connect(dst, port, src, tls, sni, timeout)
    try:
        s.sendall(data)
        if shutdown:
            s.shutdown(socket.SHUT_WR)
        return Response(read_all(s), len(data), src)
    finally:
        s.close()


def run(one, n, workers=1, pace=0):
    """Call one(i) for i in 0..n-1 from WORKERS threads, each sleeping PACE
    seconds after each call; return how many calls returned true.  A call
    that raises counts as false, and says why on stderr."""
    lock = threading.Lock()
    state = {"next": 0, "good": 0}

    def worker():
        while True:
            with lock:
                i = state["next"]
                if i >= n:
                    return
                state["next"] = i + 1
            try:
                good = one(i)
            except Exception as e:  # refused, reset, timed out, bad TLS
                print("client: connection %d: %r" % (i, e), file=sys.stderr)
                good = False
            if good:
                with lock:
                    state["good"] += 1
            if pace:
                time.sleep(pace)

    ts = [threading.Thread(target=worker) for _ in range(workers)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return state["good"]


def read_addrs(path):
    """The addresses in a file, one a line (blank lines ignored)."""
    with open(path) as f:
        return [line.strip() for line in f if line.strip()]


def main(argv):
    p = argparse.ArgumentParser(prog="client.py")
    p.add_argument("cmd", choices=("get", "many"))
    p.add_argument("dst")
    p.add_argument("port", type=int)
    p.add_argument("--src", action="append", default=[])
    p.add_argument("--src-file")
    p.add_argument("--tls", action="store_true")
    p.add_argument("--sni")
    p.add_argument("--method", default="GET")
    p.add_argument("--path", default="/")
    p.add_argument("--host", dest="vhost")
    p.add_argument("--http", default="1.1", choices=("1.0", "1.1"))
    p.add_argument("-H", "--header", action="append", default=[])
    p.add_argument("--close", action="store_true")
    p.add_argument("--body-bytes", type=int, default=0)
    p.add_argument("--shutdown", action="store_true")
    p.add_argument("--timeout", type=float, default=10)
    p.add_argument("--print", dest="template", default="{status}")
    p.add_argument("-n", type=int)
    p.add_argument("-c", type=int, default=1)
    p.add_argument("--pace", type=float, default=0)
    a = p.parse_args(argv)

    srcs = a.src + (read_addrs(a.src_file) if a.src_file else [])
    opts = dict(tls=a.tls, sni=a.sni, timeout=a.timeout, shutdown=a.shutdown,
                method=a.method, path=a.path, host=a.vhost, http=a.http,
                headers=a.header, close=a.close, body=b"y" * a.body_bytes)

    def one(i):
        src = srcs[i % len(srcs)] if srcs else None
        return fetch(a.dst, a.port, src, **opts)

    if a.cmd == "get":
        print(a.template.format(**one(0).fields()))
        return 0
    n = a.n if a.n is not None else max(len(srcs), 1)
    print(run(lambda i: one(i).status == 200, n, a.c, a.pace))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
