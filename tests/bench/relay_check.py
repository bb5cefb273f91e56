#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Byte-exact and half-close checks of a plain TCP relay (the bench's
floor rows: floor, floor-sockmap), against a backend this script runs.

    relay_check.py RELAY-PORT BACKEND-PORT [SIZE-MiB]

The relay listens on [::1]:RELAY-PORT and relays to 127.0.0.1:BACKEND-PORT,
where this script's backend listens.  Each check prints one line and "ok"
or what went wrong; the exit status is the number of failed checks.
- download: the client sends a request line, reads the first bytes,
  half-closes, and must read SIZE MiB of known bytes and then EOF
  (backend -> client, and the client's FIN passed on while the backend
  still sends).
- upload: the client sends SIZE MiB and half-closes; the backend must see
  them all and then EOF, and answers with their count and digest, which
  the client must read before its EOF (client FIN passed on only after
  the bytes, then the reverse direction still works).
- echo: 200 ping-pongs of 1 to 64 KiB, each checked.
- reset: the backend resets mid-stream; the client must see the end (EOF
  or a reset) within 5 s.
- fin-flight: download, but the FIN right behind the request, so that it
  is there before the relay has connected (floor-sockmap cannot: the
  kernel refuses a socket past ESTABLISHED in a sockmap).
"""

import hashlib
import socket
import struct
import sys
import threading

RELAY, BACK = int(sys.argv[1]), int(sys.argv[2])
SIZE = int(sys.argv[3]) << 20 if len(sys.argv) > 3 else 64 << 20


def pattern(n):
    """n known bytes: a counter, so a lost or doubled chunk shows."""
    block = b"".join(struct.pack(">Q", i) for i in range(8192))  # 64 KiB
    out = bytearray()
    while len(out) < n:
        out += block
    return bytes(out[:n])


DATA = pattern(SIZE)


def recv_all(s):
    chunks = []
    while True:
        b = s.recv(1 << 20)
        if not b:
            return b"".join(chunks)
        chunks.append(b)


def recv_n(s, n):
    buf = bytearray()
    while len(buf) < n:
        b = s.recv(n - len(buf))
        if not b:
            break
        buf += b
    return bytes(buf)


def serve(conn):
    with conn:
        line = b""
        while not line.endswith(b"\n"):
            b = conn.recv(1)
            if not b:
                return
            line += b
        cmd = line.strip().decode()
        if cmd == "download":
            conn.sendall(DATA)
            # reads the client's EOF (passed on while we sent) only now
            rest = recv_all(conn)
            conn.sendall(b"")  # nothing more
            if rest:
                print(f"   backend: {len(rest)} stray bytes after request")
        elif cmd == "upload":
            got = recv_all(conn)
            conn.sendall(f"{len(got)} {hashlib.sha256(got).hexdigest()}\n"
                         .encode())
        elif cmd == "echo":
            while True:
                b = conn.recv(1 << 16)
                if not b:
                    break
                conn.sendall(b)
        elif cmd == "reset":
            conn.sendall(DATA[: 1 << 20])
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                            struct.pack("ii", 1, 0))


def backend(ls):
    while True:
        c, _ = ls.accept()
        threading.Thread(target=serve, args=(c,), daemon=True).start()


def client():
    s = socket.create_connection(("::1", RELAY), timeout=30)
    return s


def check(name, fn):
    try:
        err = fn()
    except Exception as e:  # noqa: BLE001 - any failure is a failed check
        err = f"{type(e).__name__}: {e}"
    print(f"   {name:9} {'ok' if not err else err}", flush=True)
    return 0 if not err else 1


def download(fin_at_once=False):
    s = client()
    s.sendall(b"download\n")
    got = b""
    if not fin_at_once:
        got = s.recv(1 << 16)  # the relay is set up: now the FIN
    s.shutdown(socket.SHUT_WR)
    got += recv_all(s)
    s.close()
    if got != DATA:
        return f"got {len(got)} bytes, want {len(DATA)}" + (
            "" if len(got) != len(DATA) else " (different bytes)")
    return None


def upload():
    s = client()
    s.sendall(b"upload\n" + DATA)
    s.shutdown(socket.SHUT_WR)
    got = recv_all(s).decode().split()
    s.close()
    want = [str(len(DATA)), hashlib.sha256(DATA).hexdigest()]
    return None if got == want else f"backend saw {got}, want {want}"


def echo():
    s = client()
    s.sendall(b"echo\n")
    for i in range(200):
        msg = DATA[i * 97: i * 97 + 1 + (i * 331) % 65536]
        s.sendall(msg)
        back = recv_n(s, len(msg))
        if back != msg:
            return f"round {i}: {len(back)} of {len(msg)} bytes back"
    s.shutdown(socket.SHUT_WR)
    rest = recv_all(s)
    s.close()
    return f"{len(rest)} bytes after EOF" if rest else None


def reset():
    s = client()
    s.settimeout(5)
    s.sendall(b"reset\n")
    try:
        recv_all(s)
    except ConnectionResetError:
        pass
    s.close()
    return None


def main():
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", BACK))
    ls.listen(64)
    threading.Thread(target=backend, args=(ls,), daemon=True).start()
    print(f"relay_check: relay [::1]:{RELAY}, backend 127.0.0.1:{BACK}, "
          f"{SIZE >> 20} MiB")
    failed = sum(check(n, f) for n, f in (
        ("download", download), ("upload", upload), ("echo", echo),
        ("reset", reset), ("fin-flight", lambda: download(True))))
    print(f"relay_check: {5 - failed} of 5 checks ok")
    return failed


if __name__ == "__main__":
    sys.exit(main())
