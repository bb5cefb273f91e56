#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""The fixture site of t_readiness.sh, and what v6gatectl readiness must
say about it.

One description (SERVERS, PAGES, ZONE, SERVICES below) is the only source
of truth: the pages nginx serves, the zone dnsmasq serves and the gateway's
services are written from it, and every expected figure of the readiness
result is computed from it by a small model of the fixture (fetch(): DNS,
the gateway's listeners and names, the legacy servers, redirects).  The
"fixture" command checks that model against the real fixture with dig and
curl, so a wrong expectation shows up as a fixture failure, not as a
readiness bug; "compare" checks a readiness --json result against it.

Subcommands (T is the suite's directory; GW6 and GW4 come from the
environment, as lib.sh sets them):
  setup T                  pages, nginx configurations, the initial state
  dnsmasq-args T           dnsmasq's arguments for the current zone, one a line
  dns-addrs T              the name servers' addresses, "v4|v6 ADDR" a line
  services T [--bare]      the gateway's "services = (...);" and readiness
                           block (--bare: neither readiness nor site, for a
                           daemon that does not know them yet)
  relay ADDR PORT TADDR TPORT MS   a TCP relay that delays what the server
                           sends by MS milliseconds (the slow site)
  tokens ADDR PORT ROOT    HTTP: ROOT's pages, each REQTOKEN a new token
  hang ADDR PORT           accepts TCP (the kernel's backlog) and never answers
  fixture T                check the fixture itself with dig and curl
  apply T [RESULT.json]    apply a result's suggest (or, without RESULT, the
                           model's own) and fix the second name server
  compare T RESULT.json RC [--service NAME]   compare a readiness result
  text T OUTPUT RC         the text output names each failing URL
  rate T OFFSET            nginx's log from OFFSET: no host hit > 10 a second
Checks print "ok WHAT" or "FAIL WHAT: why", one a line.
"""

import hashlib
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urljoin, urlsplit, urlunsplit

GW6 = os.environ.get("GW6", "2001:db8:100::10")
GW4 = os.environ.get("GW4", "192.0.2.10")
SLOW_MS = int(os.environ.get("SLOW_MS", "250"))
ZONE_NAME = "portal.gov.cn"
BODY_CAP = 2 * 1024 * 1024      # the contract's body limit
BIG_SIZE = 10 * 1024 * 1024
# an upper bound of a local IPv4 fetch of the slow site's homepage, even on
# a busy machine: with it, the slow site's degradation must exceed
# 2 * SLOW_MS / V4_MAX_MS - 1 (the relay delays two server flights)
V4_MAX_MS = 150

# the token server for the homepage, behind nginx (in the server namespace)
TOKENS_AT = "127.0.0.1:8081"

# The readiness block: the fixture's figures are chosen around these.
READINESS = {
    "resolver": '"10.9.0.53"', "depth": 3, "max_pages": 500,
    "concurrency": 4, "timeout": 2, "attempts": 3, "interval": 0,
    "insecure": "true", "min_link_rate": 0.6, "max_degradation": 2.0,
}

# The legacy servers, all IPv4-only in the server namespace (cdn's in the
# external one, dual-stack): address -> what answers there.
SERVERS = {
    "10.1.0.5": {"root": "www", "ports": {443: "https", 8443: "https",
                                          80: "http"}},
    "10.1.0.7": {"root": "old", "ports": {443: "https"}},
    "10.1.0.8": {"root": "img", "ports": {443: "https"}},
    "10.1.0.9": {"root": "www2v4", "ports": {443: "https"}},
    "10.1.0.10": {"root": "www2v6", "ports": {443: "https"}},
    "10.1.0.11": {"relay": ("10.1.0.12", 443), "ports": {443: "https"}},
    "10.1.0.12": {"root": "slow", "ports": {443: "https"}},
    "10.1.0.13": {"hang": True, "ports": {80: "http"}},
    "10.2.0.5": {"root": "cdn", "ports": {443: "https"}, "ns": "x"},
    "2001:db8:200::5": {"root": "cdn", "ports": {443: "https"}, "ns": "x"},
}

# The zone (and other.com.cn's one name), before the fix.
ZONE = {
    "www.portal.gov.cn": {"A": ["10.1.0.5"], "AAAA": [GW6]},
    "old.portal.gov.cn": {"A": ["10.1.0.7"], "AAAA": []},
    "img.portal.gov.cn": {"A": ["10.1.0.8"], "AAAA": []},
    "www2.portal.gov.cn": {"A": ["10.1.0.9"], "AAAA": [GW6]},
    "slow.portal.gov.cn": {"A": ["10.1.0.12"], "AAAA": [GW6]},
    "x.hang.portal.gov.cn": {"A": ["10.1.0.13"], "AAAA": [GW6]},
    # an AAAA that points to no one (not this gateway)
    "new.portal.gov.cn": {"A": ["10.1.0.5"], "AAAA": ["2001:db8:300::1"]},
    # an AAAA to the gateway, which has no service of that name
    "nosvc.portal.gov.cn": {"A": ["10.1.0.5"], "AAAA": [GW6]},
    "ns1.portal.gov.cn": {"A": ["10.9.0.53"], "AAAA": ["2001:db8:53::1"]},
    "ns2.portal.gov.cn": {"A": ["10.9.0.54"], "AAAA": []},
    "cdn.other.com.cn": {"A": ["10.2.0.5"], "AAAA": ["2001:db8:200::5"]},
}
NS = ["ns1.portal.gov.cn", "ns2.portal.gov.cn"]
NS2_V6 = "2001:db8:53::2"       # the fix: ns2 gets this AAAA and answers

# The gateway's services before the fix.  portal and portal-http are one
# site; hang has only a wildcard name and no site, so it is not checked.
SERVICES = [
    {"name": "portal", "mode": "proxy", "protocol": "tls",
     "listen": [f"[{GW6}]:443", f"[{GW6}]:8443", f"{GW4}:443"],
     "hosts": ["www.portal.gov.cn"], "backends": ["10.1.0.5:443"]},
    {"name": "portal-http", "mode": "proxy", "protocol": "http",
     "listen": [f"[{GW6}]:80"],
     "hosts": ["www.portal.gov.cn"], "backends": ["10.1.0.5:80"],
     "site": "https://www.portal.gov.cn/"},
    {"name": "www2", "mode": "proxy", "protocol": "tls",
     "listen": [f"[{GW6}]:443"],
     "hosts": ["www2.portal.gov.cn"], "backends": ["10.1.0.10:443"]},
    {"name": "slow", "mode": "proxy", "protocol": "tls",
     "listen": [f"[{GW6}]:443"],
     "hosts": ["slow.portal.gov.cn"], "backends": ["10.1.0.11:443"]},
    {"name": "hang", "mode": "proxy", "protocol": "http",
     "listen": [f"[{GW6}]:80"],
     "hosts": ["*.hang.portal.gov.cn"], "backends": ["10.1.0.13:80"]},
]

LOREM = ("The county portal publishes notices, forms and the budget; "
         "residents file requests online and follow them here. ")


def page(title, anchors=(), res=(), areas=(), text=LOREM, **kw):
    d = {"title": title, "anchors": list(anchors), "res": list(res),
         "areas": list(areas), "text": text}
    d.update(kw)
    return d


# The pages of each document root: path -> page.  "anchors" are the hrefs
# as written (<a href>), "areas" <area href>, "res" (kind, src); "late"
# anchors sit after BODY_CAP bytes (not to be seen), "redirect" answers 302.
# A path that is not here answers 404.
PAGES = {
    "www": {
        "/": page("Portal of the county", tokens=12, anchors=[
            "/news.html", "/about.html", "./about.html", "/services.html",
            "/news.html#top", "https://www.portal.gov.cn/", "#main",
            "http://www.portal.gov.cn/plain.html",
            "https://www.portal.gov.cn:8443/port.html",
            "https://www.portal.gov.cn:9443/closed.html",
            "https://old.portal.gov.cn/old.html",
            "https://old.portal.gov.cn/a.html",
            "https://old.portal.gov.cn/b.html",
            "http://10.1.0.5/literal.html",
            "mailto:webmaster@portal.gov.cn", "javascript:void(0)",
            "https://cdn.other.com.cn/", "/loop", "/big.html",
            "/broken.html", "http://x.hang.portal.gov.cn/",
            "https://WWW.Portal.gov.cn/services.html"],
            areas=["/svc/map.html"],
            res=[("stylesheet", "/style.css"),
                 ("image", "https://img.portal.gov.cn/logo.png"),
                 ("script", "https://cdn.other.com.cn/lib.js")]),
        "/news.html": page("News", anchors=[
            "/news/1.html", "/news/2.html", "/missing.html", "/about.html",
            "/", "https://old.portal.gov.cn/old3.html",
            "https://new.portal.gov.cn/"],
            res=[("image", "https://img.portal.gov.cn/banner.png"),
                 ("script", "/app.js")]),
        "/about.html": page("About", anchors=[
            "news/1.html", "/contact.html", "https://nosvc.portal.gov.cn/",
            "tel:+861012345678"]),
        "/services.html": page("Services", anchors=[
            "/svc/a.html", "/svc/map.html"]),
        "/plain.html": page("Plain", anchors=["/plain3.html"]),
        "/port.html": page("Port", anchors=["/port3.html"]),
        "/closed.html": page("Closed"),
        "/literal.html": page("Literal"),
        "/loop": {"redirect": "/loop2"},
        "/loop2": {"redirect": "/loop"},
        "/big.html": page("Big", anchors=["/big3.html"], big=True,
                          late=["/hidden.html"]),
        "/broken.html": page("Broken", anchors=["/broken3.html"],
                             broken=True),
        "/svc/map.html": page("Map"),
        "/news/1.html": page("News 1", anchors=["/level4.html"]),
        "/news/2.html": page("News 2"),
        "/contact.html": page("Contact"),
        "/svc/a.html": page("Service A"),
        "/plain3.html": page("Plain 3"),
        "/port3.html": page("Port 3"),
        "/from-old.html": page("From old"),
        "/big3.html": page("Big 3"),
        "/broken3.html": page("Broken 3"),
        "/hidden.html": page("Hidden"),
        "/level4.html": page("Level 4"),
        "/style.css": {"file": "body { color: #222; }\n"},
        "/app.js": {"file": "var app = 1;\n"},
    },
    "old": {
        "/": page("Old portal"),
        "/old.html": page("Old", anchors=[
            "https://www.portal.gov.cn/from-old.html"]),
        "/a.html": page("Old A"),
        "/b.html": page("Old B"),
        "/old3.html": page("Old 3"),
    },
    "img": {
        "/": page("Images"),
        "/logo.png": {"file": "\x89PNG logo\n"},
        "/banner.png": {"file": "\x89PNG banner\n"},
    },
    "www2v4": {"/": page("County portal (legacy edition)", text=(
        "Office hours are listed below. Download the forms as PDF files. "
        "Call the front desk for anything else, weekdays only. ") * 6)},
    "www2v6": {"/": page("County portal (new edition)", text=(
        "Welcome! Our services moved online: sign in, pay fees, book a "
        "visit. Tell us what you think of the new site. ") * 6)},
    "slow": {"/": page("Slow portal")},
    "cdn": {"/": page("CDN"), "/lib.js": {"file": "var lib = 1;\n"}},
}


# ------------------------------------------------------------- the pages

def render(root, path, p):
    """The HTML of a page; the meta line names it (the fixture check)."""
    if "file" in p:
        return p["file"]
    tok = " ".join(["REQTOKEN"] * p.get("tokens", 0))
    head = (f'<!DOCTYPE html>\n<html><head><title>{p["title"]}</title>\n'
            f'<meta name="fixture" content="{root}:{path}">\n')
    for kind, src in p["res"]:
        if kind == "stylesheet":
            head += f'<link rel="stylesheet" href="{src}">\n'
    head += "</head>\n<body>\n"
    body = f"<h1>{p['title']}</h1>\n<p>{p['text']}</p>\n"
    if tok:
        body += f"<p class=t>{tok}</p>\n"
    if p.get("broken"):
        # unclosed and stray tags, a bare "<", an unterminated comment:
        # libxml2's HTML parser recovers, and the link is still there
        body += ("<div><p>unclosed <b>bold <table><tr><td>cell</div>"
                 "</span> 1 < 2 && <i>\n")
        for a in p["anchors"]:
            body += f"<a href={a}>next<td>\n"
        return head + body + "<p>the end <!-- never closed\n"
    for a in p["anchors"]:
        body += f'<a href="{a}">{a}</a><br>\n'
    if p["areas"]:
        body += '<img src="/map.gif" usemap="#m" alt="map"><map name="m">'
        for a in p["areas"]:
            body += f'<area shape="rect" coords="0,0,9,9" href="{a}" alt="a">'
        body += "</map>\n"
    for kind, src in p["res"]:
        if kind == "image":
            body += f'<img src="{src}" alt="img">\n'
        elif kind == "script":
            body += f'<script src="{src}"></script>\n'
    if p.get("big"):
        line = ("<p>" + "0123456789 abcdefghij " * 4 + "</p>\n")
        n = (BIG_SIZE - len(head) - len(body)) // len(line)
        body += line * n
        for a in p["late"]:
            body += f'<a href="{a}">{a}</a>\n'
    return head + body + "</body></html>\n"


def write_pages(t):
    for root, pages in PAGES.items():
        for path, p in pages.items():
            if "redirect" in p:
                continue
            f = os.path.join(t, "site", root, path.lstrip("/") or
                             "index.html")
            os.makedirs(os.path.dirname(f), exist_ok=True)
            with open(f, "w", encoding="latin-1") as fh:
                fh.write(render(root, path, p))


def nginx_conf(t, which):
    out = [f"""user root;
worker_processes 1;
pid {t}/nginx-{which}.pid;
error_log {t}/nginx-{which}-error.log;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    default_type text/html;
    access_log off;
    log_format v6g '$remote_addr:$remote_port $msec '
        '$server_addr:$server_port host=$host sni=$ssl_server_name '
        '$request_uri $status $bytes_sent';
    client_body_temp_path {t}/nginx-{which}-tmp/body;
    proxy_temp_path {t}/nginx-{which}-tmp/proxy;
    fastcgi_temp_path {t}/nginx-{which}-tmp/fastcgi;
    uwsgi_temp_path {t}/nginx-{which}-tmp/uwsgi;
    scgi_temp_path {t}/nginx-{which}-tmp/scgi;
    ssl_certificate {t}/cert.pem;
    ssl_certificate_key {t}/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    # "Location: /loop2": the same port behind the gateway as directly
    absolute_redirect off;
"""]
    for addr, s in SERVERS.items():
        if "root" not in s or (s.get("ns", "s") != which):
            continue
        a = f"[{addr}]" if ":" in addr else addr
        out.append("    server {\n")
        for port, scheme in sorted(s["ports"].items()):
            ssl = " ssl" if scheme == "https" else ""
            out.append(f"        listen {a}:{port}{ssl};\n")
        root = s["root"]
        out.append(f"        access_log {t}/nginx-access.log v6g;\n"
                   f"        root {t}/site/{root};\n"
                   "        index index.html;\n")
        for path, p in PAGES[root].items():
            if "redirect" in p:
                out.append(f"        location = {path} "
                           f"{{ return 302 {p['redirect']}; }}\n")
            elif p.get("tokens"):
                # nginx has one token a request ($request_id); a page with
                # many, each new, comes from the token server
                f = "/index.html" if path == "/" else path
                out.append(f"        location = {f} {{ proxy_pass "
                           f"http://{TOKENS_AT}; }}\n")
        out.append("    }\n")
    out.append("}\n")
    os.makedirs(f"{t}/nginx-{which}-tmp", exist_ok=True)
    with open(f"{t}/nginx-{which}.conf", "w") as fh:
        fh.write("".join(out))


# ------------------------------------------------------------- the state

def state_path(t):
    return os.path.join(t, "readiness-state.json")


def load_state(t):
    with open(state_path(t)) as f:
        return json.load(f)


def save_state(t, st):
    with open(state_path(t), "w") as f:
        json.dump(st, f, indent=1)


def initial_state():
    return {"phase": "before", "zone": json.loads(json.dumps(ZONE)),
            "ns_listen": ["10.9.0.53", "10.9.0.54", "2001:db8:53::1"],
            "suggest": ""}


def cmd_setup(t):
    write_pages(t)
    nginx_conf(t, "s")
    nginx_conf(t, "x")
    save_state(t, initial_state())


def cmd_dnsmasq_args(t):
    st = load_state(t)
    listen = st["ns_listen"]
    args = ["--no-resolv", "--no-hosts", "--keep-in-foreground",
            "--conf-file=/dev/null", "--bind-interfaces", "--user=root",
            "--pid-file=", "--log-facility=" + t + "/dnsmasq.log",
            "--log-queries",
            "--listen-address=" + ",".join(listen),
            "--auth-server=" + NS[0] + "," + ",".join(listen),
            "--auth-sec-servers=" + ",".join(NS[1:]),
            "--auth-zone=" + ZONE_NAME, "--auth-zone=other.com.cn"]
    for name, rr in st["zone"].items():
        a, aaaa = rr.get("A", []), rr.get("AAAA", [])
        for i in range(max(len(a), len(aaaa))):
            parts = [name]
            if i < len(a):
                parts.append(a[i])
            if i < len(aaaa):
                parts.append(aaaa[i])
            args.append("--host-record=" + ",".join(parts))
    print("\n".join(args))


def cmd_dns_addrs(t):
    for a in load_state(t)["ns_listen"]:
        print(("v6 " if ":" in a else "v4 ") + a)


def conf_list(v):
    return "[ " + ", ".join(f'"{x}"' for x in v) + " ]"


def cmd_services(t, bare):
    st = load_state(t)
    out = ["services = (\n"]
    # the suggested groups first: each ends in "," and mine follow
    if st["suggest"]:
        out.append(st["suggest"].rstrip() + "\n")
    for i, s in enumerate(SERVICES):
        out.append(f'  {{ name = "{s["name"]}"; mode = "proxy"; '
                   f'protocol = "{s["protocol"]}";\n'
                   f'    listen = {conf_list(s["listen"])};\n'
                   f'    hosts = {conf_list(s["hosts"])};\n'
                   f'    backends = {conf_list(s["backends"])};')
        if "site" in s and not bare:
            out.append(f' site = "{s["site"]}";')
        out.append(" }" + ("," if i + 1 < len(SERVICES) else "") + "\n")
    out.append(");\n")
    if not bare:
        out.append("readiness: {\n")
        for k, v in READINESS.items():
            out.append(f"  {k} = {v};\n")
        out.append("};\n")
    sys.stdout.write("".join(out))


# ------------------------------------------------------------- the servers

def cmd_relay(addr, port, taddr, tport, ms):
    import asyncio
    delay = ms / 1000.0

    async def pipe(r, w, d):
        loop = asyncio.get_running_loop()
        q = asyncio.Queue()

        async def writer():
            while True:
                at, data = await q.get()
                if not data:
                    break
                wait = at + d - loop.time()
                if wait > 0:
                    await asyncio.sleep(wait)
                w.write(data)
                await w.drain()
            if w.can_write_eof():
                w.write_eof()
        wt = asyncio.ensure_future(writer())
        try:
            while True:
                data = await r.read(65536)
                q.put_nowait((loop.time(), data))
                if not data:
                    break
            await wt
        except (ConnectionError, OSError):
            wt.cancel()

    async def handle(cr, cw):
        try:
            sr, sw = await asyncio.open_connection(taddr, tport)
        except OSError:
            cw.close()
            return
        # what the server sends is late by the delay; a line, not a queue
        await asyncio.gather(pipe(cr, sw, 0), pipe(sr, cw, delay),
                             return_exceptions=True)
        cw.close()
        sw.close()

    async def main():
        srv = await asyncio.start_server(handle, addr, port)
        async with srv:
            await srv.serve_forever()
    asyncio.run(main())


def cmd_tokens(addr, port, root):
    """HTTP: the page at the path under root, each REQTOKEN a new random
    token (what a CSRF field or a nonce looks like)."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class H(BaseHTTPRequestHandler):
        def do_GET(self):
            try:
                with open(os.path.join(root, self.path.lstrip("/")),
                          encoding="latin-1") as f:
                    text = f.read()
            except OSError:
                self.send_error(404)
                return
            while "REQTOKEN" in text:
                text = text.replace("REQTOKEN", os.urandom(16).hex(), 1)
            body = text.encode("latin-1")
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass
    ThreadingHTTPServer((addr, port), H).serve_forever()


def cmd_hang(addr, port):
    import socket
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(64)            # the kernel completes handshakes; no accept()
    while True:
        time.sleep(3600)


# ------------------------------------------------------------- the model

SUFFIXES = ("gov.cn", "com.cn", "cn", "org", "com")   # the PSL's part here


def registrable(host):
    labels = host.split(".")
    for i in range(len(labels)):
        if ".".join(labels[i:]) in SUFFIXES:
            return ".".join(labels[i - 1:]) if i > 0 else None
    return None


def is_ipv4(host):
    return re.fullmatch(r"\d+\.\d+\.\d+\.\d+", host) is not None


def normalise(base, href):
    """(kind, url): kind web / not_web; url normalised, or "scheme:"."""
    u = urljoin(base, href)
    p = urlsplit(u)
    scheme = p.scheme.lower()
    if scheme not in ("http", "https"):
        return "not_web", scheme + ":"
    host = (p.hostname or "").lower().rstrip(".")
    port = p.port
    netloc = host
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        netloc += f":{port}"
    path = p.path or "/"
    return "web", urlunsplit((scheme, netloc, path, p.query, ""))


def parts(url):
    p = urlsplit(url)
    port = p.port or {"http": 80, "https": 443}[p.scheme]
    return p.scheme, p.hostname, port, (p.path or "/") + (
        "?" + p.query if p.query else "")


def strings_in(text):
    return re.findall(r'"((?:[^"\\]|\\.)*)"', text)


def value_at(text, i):
    """The libconfig value that starts at text[i]: a string, or a list or
    array up to its closing bracket (brackets inside strings skipped)."""
    if text[i:i + 1] == '"':
        m = re.match(r'"(?:[^"\\]|\\.)*"', text[i:])
        return m.group(0) if m else ""
    depth, j, instr = 0, i, False
    while j < len(text):
        ch = text[j]
        if instr:
            if ch == "\\":
                j += 1
            elif ch == '"':
                instr = False
        elif ch == '"':
            instr = True
        elif ch in "[(":
            depth += 1
        elif ch in "])":
            depth -= 1
            if depth == 0:
                return text[i:j + 1]
        j += 1
    return text[i:]


def parse_groups(text):
    """The proxy service groups of a suggest.config text (libconfig)."""
    groups, depth, start, i, instr = [], 0, 0, 0, False
    while i < len(text):
        ch = text[i]
        if instr:
            if ch == "\\":
                i += 1
            elif ch == '"':
                instr = False
        elif ch == '"':
            instr = True
        elif ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                groups.append(text[start:i + 1])
        i += 1
    out = []
    for g in groups:
        def one(key, default=None):
            m = re.search(r'\b' + key + r'\s*[=:]\s*"([^"]*)"', g)
            return m.group(1) if m else default

        def many(key):
            m = re.search(r'\b' + key + r'\s*[=:]\s*', g)
            if not m:
                return []
            return strings_in(value_at(g, m.end()))
        out.append({"name": one("name"), "protocol": one("protocol", "tls"),
                    "listen": many("listen"), "hosts": many("hosts"),
                    "backends": many("backends"), "site": one("site"),
                    "mode": one("mode", "proxy"), "text": g})
    return out


def services(st):
    return parse_groups(st["suggest"]) + SERVICES if st["suggest"] \
        else list(SERVICES)


def split_ep(ep):
    if ep.startswith("["):
        a, p = ep[1:].split("]:")
    else:
        a, p = ep.rsplit(":", 1)
    return a, int(p)


def gw_addrs(st):
    return {split_ep(ep)[0] for s in services(st) for ep in s["listen"]}


def name_match(pattern, host):
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return pattern == host


class Res:
    """One fetch: ok with status and page, or an error kind."""

    def __init__(self, err=None, status=None, root=None, path=None,
                 url=None, delay=0):
        self.err, self.status, self.root, self.path = err, status, root, path
        self.url, self.delay = url, delay

    def works(self):
        return self.err is None and 200 <= self.status <= 399

    def page(self):
        if self.err or self.status != 200:
            return None
        return PAGES[self.root].get(self.path)


def legacy(addr, port, scheme, delay=0):
    s = SERVERS.get(addr)
    if s is None:
        return ("unreach", None, 0)
    if s["ports"].get(port) is None:
        return ("refused", None, 0)
    if s["ports"][port] != scheme:
        return ("tls" if scheme == "https" else "http", None, 0)
    if s.get("hang"):
        return ("timeout", None, 0)
    if "relay" in s:
        a, p = s["relay"]
        return legacy(a, p, scheme, delay + SLOW_MS)
    return (None, s["root"], delay)


def endpoint(st, addr, port, scheme, host):
    """(err, root, delay) of a connection to addr:port for host."""
    if addr in gw_addrs(st):
        svcs = [s for s in services(st) if s["mode"] == "proxy" and any(
            split_ep(ep) == (addr, port) for ep in s["listen"])]
        if not svcs:
            return ("refused", None, 0)
        proto = "tls" if scheme == "https" else "http"
        svcs = [s for s in svcs if s["protocol"] == proto]
        exact = [s for s in svcs if host in s["hosts"]]
        wild = [s for s in svcs if any(name_match(h, host)
                                       for h in s["hosts"])]
        svc = (exact or wild or [None])[0]
        if svc is None:
            # the gateway refuses an unknown name (TLS: unrecognized_name)
            return ("tls" if proto == "tls" else "http", None, 0)
        baddr, bport = split_ep(svc["backends"][0])
        return legacy(baddr, bport, scheme)
    return legacy(addr, port, scheme)


def fetch(st, family, url, hops=0):
    scheme, host, port, path = parts(url)
    if is_ipv4(host):
        addrs = [host] if family == 4 else []
    else:
        addrs = st["zone"].get(host, {}).get("A" if family == 4 else "AAAA",
                                               [])
    if not addrs:
        return Res(err="nodns", url=url)
    err, root, delay = endpoint(st, addrs[0], port, scheme, host)
    if err:
        return Res(err=err, url=url)
    p = PAGES[root].get(path)
    if p is None:
        return Res(status=404, root=root, path=path, url=url, delay=delay)
    if "redirect" in p:
        if hops == 5:
            return Res(err="loop", url=url)
        return fetch(st, family, urljoin(url, p["redirect"]), hops + 1)
    return Res(status=200, root=root, path=path, url=url, delay=delay)


def reason6(st, url, r):
    """The contract's reason for a URL that fails over IPv6."""
    host = parts(url)[1]
    if is_ipv4(host):
        return "ipv4_literal"
    aaaa = st["zone"].get(host, {}).get("AAAA", [])
    if not aaaa:
        return "no_aaaa"
    if aaaa[0] not in gw_addrs(st):
        return "aaaa_elsewhere"
    return {"refused": "ipv6_unreachable", "unreach": "ipv6_unreachable",
            "tls": "tls_error", "loop": "http_error", "http": "http_error",
            "timeout": "timeout", None: "http_error"}[r.err]


def body_of(root, path, seed):
    """A page as one request gets it: each REQTOKEN a new token of 32 hex
    digits (cmd_tokens)."""
    parts_ = render(root, path, PAGES[root][path]).split("REQTOKEN")
    out = parts_[0]
    for i, rest in enumerate(parts_[1:]):
        out += hashlib.md5(f"{seed}/{i}".encode()).hexdigest() + rest
    return out


def similarity(a, b):
    def clean(s):
        s = re.sub(r"[A-Za-z0-9+/]{16,}=*", "", s)
        s = re.sub(r"[0-9]{6,}", "", s)
        return re.sub(r"\s+", "", s).encode("latin-1")

    def sh(x):
        return {x[i:i + 8] for i in range(max(1, len(x) - 7))}
    sa, sb = sh(clean(a)), sh(clean(b))
    return len(sa & sb) / len(sa | sb) if sa | sb else 1.0


def raw_similarity(a, b):
    """Without removing the tokens: what a check that forgot them sees."""
    def sh(x):
        x = re.sub(r"\s+", "", x).encode("latin-1")
        return {x[i:i + 8] for i in range(max(1, len(x) - 7))}
    sa, sb = sh(a), sh(b)
    return len(sa & sb) / len(sa | sb)


def sites(st, only=None):
    """Checked sites in config order: site URL -> its services."""
    out = {}
    for s in services(st):
        if s["mode"] != "proxy":
            continue
        site = s.get("site")
        if not site:
            names = [h for h in s["hosts"] if "*" not in h]
            if not names:
                continue
            site = ("https://" if s["protocol"] == "tls" else "http://") + \
                names[0] + "/"
        out.setdefault(site, []).append(s)
    if only is not None:
        out = {k: v for k, v in out.items()
               if any(s["name"] == only for s in v)}
    return out


def anchors_of(p):
    return [a for a in p["anchors"]] + list(p["areas"])


def expect_site(st, site, svcs):
    r = READINESS
    host = parts(site)[1]
    zone = registrable(host)
    e = {"site": site, "host": host, "zone": zone,
         "service": svcs[0]["name"], "services": [s["name"] for s in svcs]}
    gw = gw_addrs(st)
    rr = st["zone"].get(host, {})
    e["aaaa"] = {"ok": bool(rr.get("AAAA")), "a": sorted(rr.get("A", [])),
                 "records": sorted([(a, a in gw) for a in rr.get("AAAA", [])])}
    servers = []
    for n in NS:
        v6 = st["zone"].get(n, {}).get("AAAA", [])
        servers.append((n, tuple(sorted(v6)),
                        any(a in st["ns_listen"] for a in v6)))
    e["ns"] = {"servers": sorted(servers), "total": len(servers),
               "ipv6": sum(1 for s in servers if s[2])}
    e["ns"]["ok"] = e["ns"]["ipv6"] == e["ns"]["total"]
    # the homepage
    h6, h4 = fetch(st, 6, site), fetch(st, 4, site)
    hp = {}
    for fam, h in (("ipv6", h6), ("ipv4", h4)):
        ok = h.works()
        hp[fam] = {"attempts": r["attempts"],
                   "successes": r["attempts"] if ok else 0,
                   "status": h.status if ok else None,
                   "url": h.url if ok else None,
                   "title": PAGES[h.root][h.path]["title"] if ok else None}
    hp["success_rate"] = 1.0 if h6.works() else 0.0
    if h6.works() and h4.works():
        c = {"status": h6.status == h4.status,
             "path": parts(h6.url)[3] == parts(h4.url)[3],
             "title": hp["ipv6"]["title"] == hp["ipv4"]["title"],
             "similarity": similarity(
                 body_of(h6.root, h6.path, "ipv6"),
                 body_of(h4.root, h4.path, "ipv4"))}
        hp["consistency"] = c
        hp["consistent"] = (c["status"] and c["path"] and c["title"] and
                            c["similarity"] >= 0.90)
        # the relay's delay on the IPv6 path only: degradation far above
        # the allowed; else both paths are local: within it
        hp["slow"] = h6.delay > h4.delay
    else:
        hp["consistent"] = False
        hp["slow"] = None
    e["homepage"] = hp
    # the link levels
    home = h6 if h6.works() else h4
    seen = {home.url if home.url else site}
    levels, failing, skipped, res = [], [], [], {}
    frontier = [(home.url or site, home.page())]
    pages = 1
    for level in range(2, r["depth"] + 1):
        links = []
        for base, p in frontier:
            if p is None:
                continue
            for href in anchors_of(p):
                kind, u = normalise(base, href)
                if kind == "not_web":
                    if (u, level) not in skipped:
                        skipped.append((u, level))
                    continue
                uh = parts(u)[1]
                if not is_ipv4(uh) and registrable(uh) != zone:
                    continue
                if u in seen:
                    continue
                seen.add(u)
                links.append(u)
        works = 0
        nxt = []
        for u in links:
            f6 = fetch(st, 6, u)
            if f6.works():
                works += 1
                nxt.append((f6.url, f6.page()))
            else:
                failing.append((u, level, reason6(st, u, f6)))
                f4 = fetch(st, 4, u)
                nxt.append((f4.url, f4.page() if f4.works() else None))
        levels.append({"level": level, "links": len(links), "ipv6": works,
                       "rate": works / len(links) if links else 1.0})
        pages += len(links)
        if level == 2:
            level2_pages = nxt
        frontier = nxt
    # resources of the level-1 and level-2 pages, by host
    for lvl, plist in ((1, [(home.url or site, home.page())]),
                       (2, level2_pages)):
        for base, p in plist:
            if p is None:
                continue
            # the image of an area map is one the page loads too
            for kind, src in p["res"] + ([("image", "/map.gif")]
                                         if p.get("areas") else []):
                k, u = normalise(base, src)
                rh = parts(u)[1]
                g = res.setdefault(rh, {"first": u, "level": lvl,
                                        "urls": [], "kinds": set()})
                if u not in g["urls"]:
                    g["urls"].append(u)
                g["kinds"].add(kind)
    for rh, g in res.items():
        f6 = fetch(st, 6, g["first"])
        g["ipv6"] = f6.works()
        if not g["ipv6"]:
            failing.append((g["first"], g["level"],
                            reason6(st, g["first"], f6)))
    # a name server that does not answer over IPv6 fails at level 0; a
    # homepage that differs over IPv4 at level 1
    for n, v6, up in servers:
        if not up:
            failing.append((n, 0, "ipv6_unreachable" if v6 else "no_aaaa"))
    if h6.works() and h4.works() and not hp["consistent"]:
        failing.append((site, 1, "http_error"))
    e["levels"] = levels
    e["failing"] = sorted(set(failing))
    e["skipped"] = sorted(skipped)
    # (v6gatectl names a style sheet "style")
    e["resources"] = {h: (g["ipv6"], len(g["urls"]), sorted(
                          "style" if k == "stylesheet" else k
                          for k in g["kinds"]))
                      for h, g in res.items()}
    e["pages"] = pages
    v4listen = {split_ep(ep)[0] for s in svcs for ep in s["listen"]
                if not split_ep(ep)[0].count(":")}
    e["ipv4_bypass"] = not set(rr.get("A", [])) <= v4listen
    # what suggest must name: the failing IPv4-only hosts of the site
    sug = {}
    for u, lvl, why in e["failing"]:
        if lvl == 0:
            continue	# a name server: a note, not a service
        uh = parts(u)[1]
        if why == "no_aaaa" and registrable(uh) == zone and \
                st["zone"].get(uh, {}).get("A"):
            port = 443 if parts(u)[0] == "https" else 80
            sug[uh] = (parts(u)[0], st["zone"][uh]["A"][0] + f":{port}")
    e["suggest"] = sug
    e["pass"] = (e["aaaa"]["ok"] and e["ns"]["ok"] and
                 hp["success_rate"] >= 0.9 and hp["consistent"] and
                 all(lv["rate"] >= r["min_link_rate"] for lv in levels) and
                 hp["slow"] is False)
    return e


def expect(st, only=None):
    ss = [expect_site(st, site, svcs)
          for site, svcs in sites(st, only).items()]
    return ss, all(s["pass"] for s in ss)


def own_suggest(st, ss):
    """The suggestion the model expects, as config and DNS lines."""
    text, dns = "", []
    homesvc = {}
    for e in ss:
        for s in sites(st)[e["site"]]:
            homesvc.setdefault(e["site"], []).append(s)
        for h, (scheme, backend) in sorted(e["suggest"].items()):
            proto = "tls" if scheme == "https" else "http"
            listen = [ep for s in homesvc[e["site"]] if s["protocol"] == proto
                      for ep in s["listen"]]
            text += (f'  {{ name = "{h.split(".")[0]}"; mode = "proxy"; '
                     f'protocol = "{proto}";\n'
                     f'    listen = {conf_list(listen)};\n'
                     f'    hosts = [ "{h}" ]; backends = [ "{backend}" ]; '
                     "},\n")
            dns.append(f"{h}. 3600 IN AAAA {GW6}")
    return text, dns


# ------------------------------------------------------------- checks

class Checks:
    def __init__(self):
        self.n = 0

    def eq(self, what, got, want):
        self.n += 1
        if got == want:
            print(f"ok {what}")
        else:
            print(f"FAIL {what}: got {got!r}, expected {want!r}")

    def true(self, what, cond, why=""):
        self.n += 1
        print(f"ok {what}" if cond else f"FAIL {what}: {why}")


def cmd_fixture(t):
    """The fixture against its model, with dig and curl (in the client
    namespace): every name, the name servers, every page over both
    families, the slow path."""
    st = load_state(t)
    ck = Checks()

    def dig(server, name, rtype):
        out = subprocess.run(["dig", "+short", "+time=1", "+tries=2",
                              f"@{server}", name, rtype],
                             capture_output=True, text=True)
        if out.returncode != 0:
            return ["dig: " + out.stdout.strip().replace("\n", " ")[:80]]
        return sorted(x.rstrip(".") for ln in out.stdout.splitlines()
                      if not ln.startswith(";") for x in ln.split())
    for name, rr in sorted(st["zone"].items()):
        for rtype in ("A", "AAAA"):
            ck.eq(f"dns {name} {rtype}", dig("10.9.0.53", name, rtype),
                  sorted(rr.get(rtype, [])))
    ck.eq("dns NS of the zone", dig("10.9.0.53", ZONE_NAME, "NS"),
          sorted(NS))
    for n in NS:
        for a in st["zone"][n]["AAAA"]:
            ck.true(f"dns {n} answers over IPv6 at {a}",
                    len(dig(a, ZONE_NAME, "SOA")) == 7, "no SOA answer")
    if st["phase"] == "before":
        got = dig(NS2_V6, ZONE_NAME, "SOA")
        ck.true("dns ns2 does not answer over IPv6 yet",
                got and got[0].startswith("dig: "), f"{got}")
    # every URL the model knows about
    urls = set()
    urls.update(sites(st))
    e_all, _ = expect(st)
    for e in e_all:
        urls.update(u for u, lvl, _ in e["failing"] if lvl != 0)
    for root, host, scheme, port, paths in (
            ("www", "www.portal.gov.cn", "https", 443, PAGES["www"]),
            ("www", "www.portal.gov.cn", "https", 8443,
             ["/", "/port.html", "/port3.html", "/loop"]),
            ("www", "www.portal.gov.cn", "http", 80,
             ["/", "/plain.html", "/plain3.html", "/loop"]),
            ("old", "old.portal.gov.cn", "https", 443, PAGES["old"]),
            ("img", "img.portal.gov.cn", "https", 443, PAGES["img"])):
        for path in paths:
            netloc = host if port in (80, 443) else f"{host}:{port}"
            urls.add(f"{scheme}://{netloc}{path}")
    urls.update(["https://www.portal.gov.cn/missing.html",
                 "https://www.portal.gov.cn:9443/closed.html",
                 "http://10.1.0.5/literal.html",
                 "https://new.portal.gov.cn/", "https://nosvc.portal.gov.cn/",
                 "http://x.hang.portal.gov.cn/",
                 "https://cdn.other.com.cn/lib.js"])

    def curl(family, url):
        scheme, host, port, path = parts(url)
        r = fetch(st, family, url)
        if r.err == "nodns":
            return None
        addr = host if is_ipv4(host) else \
            st["zone"][host]["A" if family == 4 else "AAAA"][0]
        a = f"[{addr}]" if ":" in addr else addr
        out = os.path.join(t, "curl.%d.%d" % (family, abs(hash(url))))
        t0 = time.monotonic()
        p = subprocess.run(
            ["curl", "-sS", "-k", "-L", "--max-redirs", "5", "--max-time",
             "3", "-o", out, "-w", "%{http_code}", "--resolve",
             f"{host}:{port}:{a}", url], capture_output=True, text=True)
        dt = time.monotonic() - t0
        body = ""
        if os.path.exists(out):
            with open(out, encoding="latin-1") as f:
                body = f.read()
            os.unlink(out)
        return r, p.returncode, p.stdout, body, dt

    want_rc = {None: 0, "refused": 7, "unreach": 7, "tls": 35,
               "timeout": 28, "loop": 47}
    jobs = [(fam, u) for u in sorted(urls) for fam in (6, 4)]
    with ThreadPoolExecutor(8) as ex:
        results = list(ex.map(lambda j: curl(*j), jobs))
    for (fam, u), res in zip(jobs, results):
        if res is None:
            continue
        r, rc, code, body, dt = res
        what = f"IPv{fam} {u}"
        if r.err:
            ck.eq(what + " fails as modelled", rc, want_rc[r.err])
            continue
        ck.eq(what + " status", (rc, code), (0, str(r.status)))
        if r.status == 200 and "file" not in PAGES[r.root][r.path]:
            ck.true(what + " is " + r.root + ":" + r.path,
                    f'content="{r.root}:{r.path}"' in body,
                    "another page: " + body[:120].replace("\n", " "))
        if r.path == "/big.html":
            ck.true(what + " is 10 MB", len(body) >= BIG_SIZE - 4096,
                    f"{len(body)} bytes")
    # the homepage's per-request tokens: new in each answer, and only they
    # differ (the consistency check must remove them to see one page)
    b1 = curl(6, "https://www.portal.gov.cn/")[3]
    b2 = curl(4, "https://www.portal.gov.cn/")[3]
    ck.true("the homepage carries a new token in each answer",
            b1 != b2 and "REQTOKEN" not in b1 + b2 and
            similarity(b1, b2) == 1.0 and raw_similarity(b1, b2) < 0.9,
            f"similarity {similarity(b1, b2)}, raw {raw_similarity(b1, b2)}")
    # the slow site, on its own: the median of three, as the check does
    slow = {}
    for fam in (6, 4):
        ts = sorted(curl(fam, "https://slow.portal.gov.cn/")[4]
                    for _ in range(3))
        slow[fam] = ts[1]
    ck.true(f"the slow site is slow over IPv6 only ({SLOW_MS} ms a flight)",
            slow[6] >= 2 * SLOW_MS / 1000 and
            slow[4] < V4_MAX_MS / 1000 and slow[6] - slow[4] < 1,
            f"v6 {slow[6]:.3f} s, v4 {slow[4]:.3f} s")
    if ck.n == 0:
        print("FAIL fixture: no check ran")


def parse_dns_line(line):
    f = line.split()
    if len(f) < 3:
        return None
    name = f[0].rstrip(".").lower()
    i = 1
    if f[i].isdigit():
        i += 1
    if f[i].upper() == "IN":
        i += 1
    if i + 1 >= len(f):
        return None
    return name, f[i].upper(), f[i + 1]


def cmd_apply(t, result):
    st = load_state(t)
    if result:
        with open(result) as f:
            r = json.load(f)
        text = "".join(s.get("suggest", {}).get("config", "")
                       for s in r["sites"])
        dns = [ln for s in r["sites"] for ln in s.get("suggest", {})
               .get("dns", [])]
    else:
        text, dns = own_suggest(st, expect(st)[0])
    # the published records replace that name's records of that type
    new = {}
    for ln in dns:
        p = parse_dns_line(ln)
        if p and p[1] in ("A", "AAAA"):
            new.setdefault((p[0], p[1]), []).append(p[2])
    for (name, rtype), vals in new.items():
        st["zone"].setdefault(name, {"A": [], "AAAA": []})[rtype] = \
            sorted(set(vals))
    # the name server fix: ns2 answers over IPv6 too
    st["zone"]["ns2.portal.gov.cn"]["AAAA"] = [NS2_V6]
    st["ns_listen"].append(NS2_V6)
    st["suggest"] = text
    st["phase"] = "after"
    save_state(t, st)
    print(f"applied {len(parse_groups(text))} service(s), "
          f"{len(dns)} DNS line(s)")


def approx(a, b, tol):
    return isinstance(a, (int, float)) and abs(a - b) <= tol


def compare_site(ck, st, e, g):
    s = e["site"]
    ck.eq(f"{s} host/zone", (g.get("host"), g.get("zone")),
          (e["host"], e["zone"]))
    ck.eq(f"{s} services", (g.get("service"), g.get("services")),
          (e["service"], e["services"]))
    a = g.get("aaaa", {})
    ck.eq(f"{s} aaaa", (a.get("ok"), sorted(a.get("a", [])), sorted(
        (x.get("address"), x.get("gateway")) for x in a.get("records", []))),
        (e["aaaa"]["ok"], e["aaaa"]["a"], e["aaaa"]["records"]))
    n = g.get("ns", {})
    ck.eq(f"{s} ns", (n.get("ok"), n.get("total"), n.get("ipv6"), sorted(
        (x.get("name", "").rstrip("."), tuple(sorted(x.get("aaaa", []))),
         x.get("ipv6")) for x in n.get("servers", []))),
        (e["ns"]["ok"], e["ns"]["total"], e["ns"]["ipv6"], e["ns"]["servers"]))
    hp, eh = g.get("homepage", {}), e["homepage"]
    for fam in ("ipv6", "ipv4"):
        x = hp.get(fam, {})
        ck.eq(f"{s} homepage {fam}", tuple(x.get(k) for k in (
            "attempts", "successes", "status", "url", "title")),
            tuple(eh[fam][k] for k in (
                "attempts", "successes", "status", "url", "title")))
        tm = x.get("times", {})
        if eh[fam]["successes"]:
            ok = all(isinstance(tm.get(k), (int, float)) and tm[k] >= 0
                     for k in ("dns", "connect", "tls", "first_byte",
                               "total"))
            https = e["site"].startswith("https")
            ck.true(f"{s} homepage {fam} times", ok and (
                not https or tm["tls"] > 0) and tm["total"] >= tm["connect"],
                f"{tm}")
    ck.true(f"{s} homepage success_rate",
            approx(hp.get("success_rate"), eh["success_rate"], 1e-6),
            f"got {hp.get('success_rate')}, expected {eh['success_rate']}")
    ck.eq(f"{s} homepage consistent", hp.get("consistent"), eh["consistent"])
    if "consistency" in eh:
        c, ec = hp.get("consistency", {}), eh["consistency"]
        ck.eq(f"{s} consistency status/path/title",
              (c.get("status"), c.get("path"), c.get("title")),
              (ec["status"], ec["path"], ec["title"]))
        ck.true(f"{s} similarity ~ {ec['similarity']:.3f} (tokens, then "
                "whitespace removed; 8-byte shingles)",
                approx(c.get("similarity"), ec["similarity"], 0.05),
                f"got {c.get('similarity')}")
    d = hp.get("degradation", {})
    mx = READINESS["max_degradation"]
    if eh["slow"] is True:
        bound = 2 * SLOW_MS / V4_MAX_MS - 1
        v6t = hp.get("ipv6", {}).get("times", {}).get("total", 0)
        ck.true(f"{s} degradation above {bound:.2f} (relay {SLOW_MS} ms)",
                isinstance(d.get("overall"), (int, float)) and
                d["overall"] > bound
                and v6t >= 2 * SLOW_MS * 0.95,
                f"overall {d.get('overall')}, IPv6 total {v6t} ms")
    elif eh["slow"] is False:
        ck.true(f"{s} degradation within {mx}",
                approx(d.get("overall"), 0, mx), f"overall {d.get('overall')}")
    lv = sorted(g.get("levels", []), key=lambda x: x.get("level", 0))
    ck.eq(f"{s} levels (level, links, ipv6)",
          [(x.get("level"), x.get("links"), x.get("ipv6")) for x in lv],
          [(x["level"], x["links"], x["ipv6"]) for x in e["levels"]])
    ck.true(f"{s} level rates", len(lv) == len(e["levels"]) and all(
        approx(x.get("rate"), y["rate"], 1e-3)
        for x, y in zip(lv, e["levels"])),
        f"{[x.get('rate') for x in lv]} vs "
        f"{[round(y['rate'], 4) for y in e['levels']]}")
    got = sorted((f.get("url"), f.get("level"), f.get("reason"))
                 for f in g.get("failing", []))
    extra = sorted(set(got) - set(e["failing"]))
    missing = sorted(set(e["failing"]) - set(got))
    ck.true(f"{s} failing ({len(e['failing'])} entries)",
            not extra and not missing and len(got) == len(set(got)),
            f"unexpected {extra}, missing {missing}")
    ck.true(f"{s} failing entries name their host and say why",
            all((f.get("host") == f.get("url") if f.get("level") == 0
                 else f.get("host") == parts(f.get("url"))[1])
                and f.get("detail")
                for f in g.get("failing", []) if f.get("url")),
            "no host or no detail")
    sk = sorted((x.get("url"), x.get("level")) for x in g.get("skipped", [])
                if x.get("reason") == "not_web")
    ck.eq(f"{s} skipped not_web", sk, e["skipped"])
    rs = {x.get("host"): (x.get("ipv6"), x.get("urls"),
                          sorted(x.get("kinds", [])))
          for x in g.get("resources", [])}
    ck.eq(f"{s} resources", rs, e["resources"])
    ck.eq(f"{s} pages (1 + level-2 + level-3 links)", g.get("pages"),
          e["pages"])
    ck.eq(f"{s} ipv4_bypass", g.get("ipv4_bypass"), e["ipv4_bypass"])
    ck.eq(f"{s} pass", g.get("pass"), e["pass"])
    # suggest: one service per failing IPv4-only host, and its AAAA
    sg = g.get("suggest", {}) or {}
    groups = parse_groups(sg.get("config", "") or "")
    gh = sorted(h for x in groups for h in x["hosts"])
    ck.eq(f"{s} suggest.config hosts", gh, sorted(e["suggest"]))
    homesvc = sites(st)[e["site"]]
    for x in groups:
        for h in x["hosts"]:
            if h not in e["suggest"]:
                continue
            scheme, backend = e["suggest"][h]
            proto = "tls" if scheme == "https" else "http"
            v6l = {ep for hs in homesvc if hs["protocol"] == proto
                   for ep in hs["listen"] if ep.startswith("[")}
            ck.true(f"{s} suggest.config for {h}: backend {backend}, "
                    f"listen {sorted(v6l)}",
                    x["backends"] == [backend] and x["protocol"] == proto
                    and v6l <= set(x["listen"]) and x["mode"] == "proxy",
                    x["text"])
    aaaa = sorted((p[0], p[2]) for p in map(parse_dns_line,
                                              sg.get("dns", []) or [])
                  if p and p[1] == "AAAA")
    ck.eq(f"{s} suggest.dns AAAA lines", aaaa,
          sorted((h, GW6) for h in e["suggest"]))


def cmd_compare(t, result, rc, only):
    st = load_state(t)
    ck = Checks()
    ss, ok = expect(st, only)
    ck.eq(f"exit status ({st['phase']})", rc, 0 if ok else 1)
    try:
        with open(result) as f:
            r = json.load(f)
    except (OSError, ValueError) as e:
        print(f"FAIL the result is JSON: {e}")
        return
    ck.eq("gateway", r.get("gateway"), "test-gw")
    ck.true("time", re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ",
                                 str(r.get("time"))) is not None,
            f"{r.get('time')!r}")
    ck.eq("pass", r.get("pass"), ok)
    got = {x.get("site"): x for x in r.get("sites", [])}
    ck.eq("sites checked", sorted(got), sorted(e["site"] for e in ss))
    for e in ss:
        if e["site"] in got:
            compare_site(ck, st, e, got[e["site"]])


def cmd_text(t, output, rc):
    st = load_state(t)
    ck = Checks()
    ss, ok = expect(st)
    ck.eq("text: exit status", rc, 0 if ok else 1)
    with open(output, encoding="utf-8", errors="replace") as f:
        text = f.read()
    for e in ss:
        for u, lvl, why in e["failing"]:
            ck.true(f"text names {u} ({why})", u in text, "not found")
        ck.true(f"text names the site {e['site']}", e["host"] in text,
                "not found")


def cmd_rate(t, offset):
    """The contract's politeness: one host is never hit more than 10 times
    a second.  nginx logs a request when its answer ends, which can bunch
    requests sent 100 ms apart, hence a margin of two."""
    hits = {}
    with open(os.path.join(t, "nginx-access.log"), "rb") as f:
        f.seek(offset)
        for ln in f.read().decode("latin-1").splitlines():
            m = re.match(r"\S+ (\d+\.\d+) \S+ host=(\S+)", ln)
            if m:
                hits.setdefault(m.group(2), []).append(float(m.group(1)))
    worst, who = 0, None
    for host, ts in hits.items():
        ts.sort()
        j = 0
        for i in range(len(ts)):
            while ts[i] - ts[j] >= 1.0:
                j += 1
            if i - j + 1 > worst:
                worst, who = i - j + 1, host
    ck = Checks()
    ck.true(f"at most 10 (+2) requests a second to one host ({worst} to "
            f"{who}, {sum(map(len, hits.values()))} requests)",
            0 < worst <= 12, "none (the check did not visit the site)"
            if worst == 0 else "too many")


def cmd_html(t, output, rc):
    """--format html: one well-formed page naming what the text names."""
    from html.parser import HTMLParser

    class Page(HTMLParser):
        def __init__(self):
            super().__init__()
            self.stack, self.text, self.bad = [], [], []

        def handle_starttag(self, tag, attrs):
            if tag not in ("br", "meta", "link", "img", "hr", "input",
                           "col", "wbr"):
                self.stack.append(tag)

        def handle_endtag(self, tag):
            if not self.stack or self.stack[-1] != tag:
                self.bad.append(f"</{tag}> closes {self.stack[-1:]}")
            else:
                self.stack.pop()

        def handle_data(self, data):
            self.text.append(data)

    st = load_state(t)
    ck = Checks()
    ss, ok = expect(st)
    ck.eq("html: exit status", rc, 0 if ok else 1)
    with open(output, encoding="utf-8", errors="replace") as f:
        doc = f.read()
    ck.true("html: a whole document", doc.lstrip().lower().startswith(
        "<!doctype html") and doc.rstrip().lower().endswith("</html>"),
        doc[:60])
    pg = Page()
    pg.feed(doc)
    pg.close()
    ck.true("html: every element closed in order",
            not pg.bad and not pg.stack, f"{pg.bad[:3]} open {pg.stack}")
    text = "".join(pg.text)
    for e in ss:
        for u, lvl, why in e["failing"]:
            ck.true(f"html names {u} ({why})", u in text, "not found")
        ck.true(f"html names the site {e['site']}", e["host"] in text,
                "not found")


def cmd_dns(t, output, rc, state_file):
    """v6gatectl dns --check --json against the zone in state_file: each
    service name with the gateway's IPv6 address, and its state from what
    the zone holds (missing: no AAAA; wrong: one points elsewhere)."""
    with open(state_file) as f:
        zone = json.load(f)["zone"]
    st = load_state(t)
    ck = Checks()
    try:
        with open(output) as f:
            r = json.load(f)
    except (OSError, ValueError) as e:
        print(f"FAIL dns --check --json is JSON: {e}")
        return
    hosts = [h for sv in services(st) if sv["mode"] == "proxy"
             for h in sv["hosts"]]
    names = r.get("names", [])
    ck.eq("dns: one entry per service name", sorted(
        x.get("name") for x in names), sorted(hosts))
    bad = 0
    for x in names:
        n = x.get("name")
        ck.eq(f"dns: {n} should have the gateway's address", x.get("aaaa"),
              [GW6])
        have = zone.get(n, {}).get("AAAA", []) if "*" not in n else []
        if "*" in n:
            want = "not checked"
        elif not have:
            want = "missing"
        elif any(a != GW6 for a in have):
            want = "wrong"
        else:
            want = "ok"
        bad += want in ("missing", "wrong")
        ck.eq(f"dns: {n} is {want}", x.get("state"), want)
        if "*" not in n:
            ck.eq(f"dns: {n} found", sorted(x.get("found", [])),
                  sorted(have))
        line = f"{n}. 3600 IN AAAA {GW6}"
        ck.true(f"dns: the zone lines have {n}'s AAAA",
                any(z.split()[0] == n + "." and z.split()[-1] == GW6 and
                    "AAAA" in z.split() for z in r.get("zone", [])),
                f"{line!r} not in {r.get('zone', [])[:4]}")
        ck.true(f"dns: the nsupdate script adds {n}'s AAAA",
                re.search(rf"update add {re.escape(n)}\. \d+ AAAA "
                          rf"{re.escape(GW6)}\n", r.get("nsupdate", ""))
                is not None, "not found")
    ck.eq("dns: the nsupdate script ends in send",
          r.get("nsupdate", "").rstrip().endswith("send"), True)
    ck.eq(f"dns --check: exit {1 if bad else 0} ({bad} missing or wrong)",
          rc, 1 if bad else 0)


def main(argv):
    cmd = argv[1]
    if cmd == "setup":
        cmd_setup(argv[2])
    elif cmd == "dnsmasq-args":
        cmd_dnsmasq_args(argv[2])
    elif cmd == "dns-addrs":
        cmd_dns_addrs(argv[2])
    elif cmd == "services":
        cmd_services(argv[2], "--bare" in argv)
    elif cmd == "relay":
        cmd_relay(argv[2], int(argv[3]), argv[4], int(argv[5]),
                  int(argv[6]))
    elif cmd == "tokens":
        cmd_tokens(argv[2], int(argv[3]), argv[4])
    elif cmd == "hang":
        cmd_hang(argv[2], int(argv[3]))
    elif cmd == "fixture":
        cmd_fixture(argv[2])
    elif cmd == "apply":
        cmd_apply(argv[2], argv[3] if len(argv) > 3 else None)
    elif cmd == "compare":
        only = argv[argv.index("--service") + 1] if "--service" in argv \
            else None
        cmd_compare(argv[2], argv[3], int(argv[4]), only)
    elif cmd == "rate":
        cmd_rate(argv[2], int(argv[3]))
    elif cmd == "text":
        cmd_text(argv[2], argv[3], int(argv[4]))
    elif cmd == "html":
        cmd_html(argv[2], argv[3], int(argv[4]))
    elif cmd == "dns":
        cmd_dns(argv[2], argv[3], int(argv[4]), argv[5])
    else:
        sys.exit(f"readiness_site.py: unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv)
