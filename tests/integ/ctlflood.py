# SPDX-License-Identifier: ISC
"""A flood of control-socket clients (t_ctl_flood, and the attack's
category b).  Standard library only.

  ctlflood.py SOCKET N SECONDS READY

N clients connect to the control socket SOCKET and say nothing (every
other one sends one byte), each reconnecting 20 ms after the daemon closes
it (so as not to spin both CPUs), for SECONDS or until SIGTERM.  READY is
touched once each has tried to connect (the backlog may hold fewer).
Prints "flood: N clients, C connects, X closed by the daemon, O open at
the end".
"""

import errno
import resource
import select
import signal
import socket
import sys
import time

STATS = {"connects": 0, "closed": 0, "open": 0}


def loop(path, n, end, ready):
    poll = select.poll()
    socks = {}                  # fd -> (socket, index)
    waiting = list(range(n))    # not connected yet
    later = []                  # (when, index): closed, to reconnect
    readied = False
    while time.monotonic() < end:
        now = time.monotonic()
        waiting += [i for t, i in later if t <= now]
        later = [(t, i) for t, i in later if t > now]
        again = []
        for i in waiting:
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.connect(path)
            except OSError as e:
                s.close()
                if e.errno not in (errno.EAGAIN, errno.EWOULDBLOCK,
                                   errno.ECONNREFUSED):
                    raise
                again.append(i)
                continue
            STATS["connects"] += 1
            if i % 2:
                try:
                    s.send(b"s")
                except OSError:
                    pass
            socks[s.fileno()] = (s, i)
            poll.register(s.fileno(), select.POLLIN)
        waiting = again
        STATS["open"] = len(socks)
        if not readied:
            open(ready, "w").close()
            readied = True
        for fd, _ in poll.poll(20 if not waiting else 1):
            s, i = socks.pop(fd)
            poll.unregister(fd)
            s.close()           # closed by the daemon ("busy", a timeout)
            STATS["closed"] += 1
            later.append((time.monotonic() + 0.02, i))
        STATS["open"] = len(socks)


def main():
    path, n, secs, ready = (sys.argv[1], int(sys.argv[2]),
                            float(sys.argv[3]), sys.argv[4])
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    # stopped early (SIGTERM): still say what it did
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    try:
        loop(path, n, time.monotonic() + secs, ready)
    finally:
        print("flood: %d clients, %d connects, %d closed by the daemon, "
              "%d open at the end" % (n, STATS["connects"], STATS["closed"],
                                     STATS["open"]))


if __name__ == "__main__":
    main()
