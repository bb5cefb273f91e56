#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# nojs_dom.py URL [chromium options]: the DOM of URL as headless Chromium
# builds it with JavaScript disabled, on stdout.  "--dump-dom" cannot do
# this: with scriptEnabled=false it prints nothing (it reads the DOM with
# a script), so this talks the DevTools protocol over --remote-debugging-pipe
# (fds 3 and 4, NUL-terminated JSON), and the DOM domain reads it instead.
import json, os, subprocess, sys

url, extra = sys.argv[1], sys.argv[2:]
to_c, from_us = os.pipe()       # chromium reads fd 3
from_c, to_us = os.pipe()       # chromium writes fd 4


def child():
    os.dup2(to_c, 3)
    os.dup2(to_us, 4)


p = subprocess.Popen(["chromium", "--headless", "--no-sandbox", "--disable-gpu",
                      "--no-first-run", "--remote-debugging-pipe"] + extra,
                     pass_fds=(3, 4), preexec_fn=child,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
os.close(to_c)
os.close(to_us)
buf = b""
n = 0


def send(method, params=None, session=None):
    global n
    n += 1
    m = {"id": n, "method": method, "params": params or {}}
    if session:
        m["sessionId"] = session
    os.write(from_us, json.dumps(m).encode() + b"\0")
    return n


def recv():
    global buf
    while b"\0" not in buf:
        d = os.read(from_c, 65536)
        if not d:
            sys.exit("chromium closed the pipe")
        buf += d
    m, buf = buf.split(b"\0", 1)
    return json.loads(m)


def call(method, params=None, session=None, until=None):
    i = send(method, params, session)
    while True:
        m = recv()
        if m.get("id") == i:
            if "error" in m:
                sys.exit("%s: %s" % (method, m["error"]))
            return m["result"]


tid = call("Target.createTarget", {"url": "about:blank"})["targetId"]
sid = call("Target.attachToTarget", {"targetId": tid,
                                     "flatten": True})["sessionId"]
call("Emulation.setScriptExecutionDisabled", {"value": True}, sid)
call("Page.enable", None, sid)
call("Page.navigate", {"url": url}, sid)
while recv().get("method") != "Page.loadEventFired":
    pass
root = call("DOM.getDocument", {"depth": -1}, sid)["root"]["nodeId"]
print(call("DOM.getOuterHTML", {"nodeId": root}, sid)["outerHTML"])
send("Browser.close")
p.wait(timeout=20)
