#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Turn run.sh's raw samples into the benchmark tables and a JSON file.

    report.py META.jsonl SAMPLES.jsonl OUT.json [STATUS.json...]

META.jsonl holds the settings ("kind": "settings"), how each proxy was
configured ("config") and how each workload was run ("how").  Each line of
SAMPLES.jsonl is one run of one workload through one proxy in one round,
with raw counts only (CPU nanoseconds, connections, requests, bytes, KiB).
Every figure printed is the median over the rounds of the per-round figure.
Each STATUS.json is "v6gatectl status --json" from a v6gate instance (the
name of its directory) just before it stopped: their counters are summed.
v6gate-nocount is v6gate built with counting compiled out: v6gate's figures
beside its own are what counting costs.
"""

import json
import os
import statistics
import sys

PEERS = ["haproxy", "haproxy-splice", "nginx", "sniproxy"]
NOCOUNT = "v6gate-nocount"
FLOOR = "floor"
SOCKMAP = "floor-sockmap"
URING = "floor-uring"
ROWS = ["direct", FLOOR, SOCKMAP, URING, "v6gate", NOCOUNT, "v6gate-2w"] + PEERS


def ratio(a, b):
    return a / b if a is not None and b else None


def pct(a, b):
    """How much more a is than b, in % of b."""
    return 100 * (a - b) / b if a is not None and b else None


def cost_key(w):
    """The per-unit cost of a workload: CPU time, or memory when idle."""
    return "kib" if w == "idle" else "cpu"


COSTS = {"newconn": ("CPU per connection", "us"),
         "keepalive": ("CPU per request", "us"),
         "bulk": ("CPU per GB", "ms"),
         "idle": ("RSS per idle connection", "KiB")}


def derive(s):
    """The figures of one sample: rate, cost per unit, and checks."""
    w, d = s["w"], {}
    cpu = s.get("cpu_ns")
    if s.get("user_ticks") is not None:
        d["user_share"] = ratio(s["user_ticks"],
                                s["user_ticks"] + s["sys_ticks"])
    if w in ("newconn", "keepalive"):
        units = s["accepts"] if w == "newconn" else s["breqs"]
        d["rate"] = s["rate"]
        d["cpu"] = cpu / units / 1e3 if cpu is not None and units else None
        kt = s.get("kthreads_ns")
        d["kthreads"] = kt / units / 1e3 if kt is not None and units else None
        d["conn_per_req"] = ratio(s["accepts"], s["reqs"])
        d["errors"] = s["errors"]
    elif w == "bulk":
        d["rate"] = s["bytes"] / s["secs"] / 1e6
        d["cpu"] = (cpu / 1e6 / (s["bytes"] / 1e9)
                    if cpu is not None and s["bytes"] else None)
        kt = s.get("kthreads_ns")
        d["kthreads"] = (kt / 1e6 / (s["bytes"] / 1e9)
                         if kt is not None and s["bytes"] else None)
        # the client's and the backend's CPU per GB (older samples lack
        # them)
        for who in ("client", "backend"):
            v = s.get(who + "_ns")
            d[who + "_cpu"] = (v / 1e6 / (s["bytes"] / 1e9)
                               if v is not None and s["bytes"] else None)
        d["errors"] = s["errors"]
    elif w == "idle":
        d["kib"] = ratio(s["rss1_kib"] - s["rss0_kib"], s["opened"])
        d["opened"] = s["opened"]
        d["failed"] = s["failed"]
        d["established"] = s["established"]
        d["errors"] = s["failed"]
    if w != "idle":
        # how many of the machine's CPUs each side kept busy: who is the
        # limit (older samples lack the client's and the backend's)
        secs = s.get("secs")
        for k, v in (("proxy_cpus", cpu), ("client_cpus", s.get("client_ns")),
                     ("backend_cpus", s.get("backend_ns"))):
            d[k] = v / 1e9 / secs if v is not None and secs else None
    return d


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarize(samples):
    """{workload: {proxy: {figure: median}}}"""
    groups = {}
    for s in samples:
        groups.setdefault(s["w"], {}).setdefault(s["p"], []).append(
            (s, derive(s)))
    out = {}
    for w, byp in groups.items():
        out[w] = {}
        for p, runs in byp.items():
            keys = {k for _, d in runs for k in d}
            m = {k: median([d.get(k) for _, d in runs]) for k in keys}
            # how far the rounds disagree on the cost: (max - min) / median
            ck = cost_key(w)
            costs = [d[ck] for _, d in runs if d.get(ck) is not None]
            m["spread"] = (ratio(max(costs) - min(costs), m[ck])
                           if len(costs) > 1 else None)
            m["rounds"] = len(runs)
            m["errors"] = sum(d.get("errors") or 0 for _, d in runs)
            notes = sorted({s["note"] for s, _ in runs if s.get("note")})
            if notes:
                m["notes"] = notes
            out[w][p] = m
    return out


def counting(res, samples):
    """{workload: what counting costs}: v6gate (on) vs v6gate-nocount (off),
    the medians and the difference in % of off.  The two run one after the
    other in each round, so the difference of each round is given too: how
    far those disagree says how much of the difference is noise."""
    out = {}
    for w, byp in res.items():
        on, off = byp.get("v6gate"), byp.get(NOCOUNT)
        if on is None or off is None:
            continue
        ck = cost_key(w)
        what, unit = COSTS[w]
        c = {"figure": what, "unit": unit, "on": on.get(ck),
             "off": off.get(ck), "diff_pct": pct(on.get(ck), off.get(ck))}
        if "rate" in on:
            c.update(rate_on=on.get("rate"), rate_off=off.get("rate"),
                     rate_diff_pct=pct(on.get("rate"), off.get("rate")))
        rounds = {}
        for s in samples:
            if s["w"] == w and s["p"] in ("v6gate", NOCOUNT):
                rounds.setdefault(s["r"], {})[s["p"]] = derive(s).get(ck)
        c["rounds_diff_pct"] = [pct(r.get("v6gate"), r.get(NOCOUNT))
                                for _, r in sorted(rounds.items())]
        out[w] = c
    return out


def signed(v):
    return f"{v:+.1f}" if v is not None else "-"


def counting_text(c):
    """E.g. "+0.8 % CPU per connection (on 41.20 us, off 40.87 us; ...)"."""
    rounds = ", ".join(signed(d) for d in c["rounds_diff_pct"])
    return (f"{signed(c['diff_pct'])} % {c['figure']} (on "
            f"{fmt(c['on'], '.2f', 0)} {c['unit']}, off "
            f"{fmt(c['off'], '.2f', 0)} {c['unit']}; each round: {rounds} %)")


def fmt(v, spec, width):
    return f"{v:{width}{spec}}" if v is not None else f"{'-':>{width}}"


TITLES = {
    "newconn": ("1. New connections, a full TLS handshake each",
                "conn/s", "CPU us/conn"),
    "keepalive": ("2. Keep-alive small requests", "req/s", "CPU us/req"),
    "bulk": ("3. Bulk downloads of 100 MiB", "MB/s", "CPU ms/GB"),
    "idle": ("4. Memory with idle TLS connections", None, "RSS KiB/conn"),
}


def print_table(w, res, how, cnt):
    title, rate_name, cost_name = TITLES[w]
    print(f"\n== {title}\n   {how}")
    v6 = res.get("v6gate", {})
    ck = cost_key(w)
    head = f"   {'':14}"
    if rate_name:
        head += f" {rate_name:>10} {'xdirect':>8}"
    head += f" {cost_name:>13} {'spread':>6} {'v6gate/row':>10}"
    if w != "idle":
        head += f" {'user':>5} {'kthreads':>8}"
    if w == "newconn":
        head += f" {'conn/req':>8}"
    if w == "idle":
        head += f" {'held':>6} {'failed':>6}"
    head += f" {'errors':>6}"
    print(head)
    direct = res.get("direct", {}).get("rate")
    for p in ROWS:
        if p not in res:
            continue
        m = res[p]
        line = f"   {p:14}"
        if rate_name:
            line += (f" {fmt(m.get('rate'), '.0f', 10)}"
                     f" {fmt(ratio(m.get('rate'), direct), '.2f', 8)}")
        spread = m.get("spread")
        spread = f"{100 * spread:.0f}%" if spread is not None else "-"
        line += (f" {fmt(m.get(ck), '.2f', 13)} {spread:>6}"
                 f" {fmt(ratio(v6.get(ck), m.get(ck)), '.2f', 10)}")
        if w != "idle":
            user = m.get("user_share")
            line += f" {f'{100 * user:.0f}%' if user is not None else '-':>5}"
            line += f" {fmt(m.get('kthreads'), '.1f', 8)}"
        if w == "newconn":
            line += f" {fmt(m.get('conn_per_req'), '.2f', 8)}"
        if w == "idle":
            line += (f" {fmt(m.get('established'), '.0f', 6)}"
                     f" {fmt(m.get('failed'), '.0f', 6)}")
        line += f" {m['errors']:6}"
        print(line)
        for n in m.get("notes", []):
            print(f"   {'':14} note: {n}")
    if cnt:
        print(f"   counting cost: {counting_text(cnt)}")
        if "rate_diff_pct" in cnt:
            print(f"   {'':14} throughput: "
                  f"{signed(cnt['rate_diff_pct'])} %")


def targets(res, meta, cnt):
    """Each target of the issue: v6gate's figure, the goal, MET or not."""
    out = []

    def add(text, value, goal, met, detail):
        out.append({"target": text, "value": value, "goal": goal,
                    "met": met, "detail": detail})

    def get(w, p, key):
        return res.get(w, {}).get(p, {}).get(key)

    def sockmap_all(w):
        """floor-sockmap's CPU with the kernel threads' beyond direct's:
        its redirect sends from a kworker, so its own figure leaves the
        copying out."""
        own, kt = get(w, SOCKMAP, "cpu"), get(w, SOCKMAP, "kthreads")
        base = get(w, "direct", "kthreads") or 0
        return own + max(kt - base, 0) if None not in (own, kt) else None

    # Issue 16's goals.  The floor row (tests/bench/floor.c: accept, read,
    # connect, relay, close and nothing else) is what no user-space relay
    # goes under: its ratio to the best peer is the least any design
    # could reach, so a goal below it is beyond what user space can do.
    for w, what, unit, goal in (
            ("newconn", "CPU per connection", "us", 0.5),
            ("keepalive", "CPU per keep-alive request", "us", 0.5),
            ("bulk", "CPU per GB", "ms", 0.25)):
        peers = {p: get(w, p, "cpu") for p in PEERS
                 if get(w, p, "cpu") is not None}
        best = min(peers, key=peers.get) if peers else None
        r = ratio(get(w, "v6gate", "cpu"), peers.get(best))
        fr = ratio(get(w, FLOOR, "cpu"), peers.get(best))
        sr = ratio(get(w, SOCKMAP, "cpu"), peers.get(best))
        add(f"v6gate vs best peer: {fmt(r, '.2f', 0)}x {what}"
            f" (target <= {goal})", r, goal, r is not None and r <= goal,
            f"v6gate {fmt(get(w, 'v6gate', 'cpu'), '.2f', 0)} {unit},"
            f" best peer {best} {fmt(peers.get(best), '.2f', 0)} {unit};"
            f" the floor {fmt(get(w, FLOOR, 'cpu'), '.2f', 0)} {unit} ="
            f" {fmt(fr, '.2f', 0)}x the best peer"
            + (" (the goal is under the floor)"
               if fr is not None and fr > goal else "")
            + (f"; floor-sockmap {fmt(get(w, SOCKMAP, 'cpu'), '.2f', 0)}"
               f" {unit} = {fmt(sr, '.2f', 0)}x, but its relaying runs in"
               f" kernel threads: with theirs beyond direct's,"
               f" {fmt(sockmap_all(w), '.2f', 0)} {unit} ="
               f" {fmt(ratio(sockmap_all(w), peers.get(best)), '.2f', 0)}x"
               if get(w, SOCKMAP, "cpu") is not None else "")
            + (f"; floor-uring {fmt(get(w, URING, 'cpu'), '.2f', 0)} {unit}"
               f" = {fmt(ratio(get(w, URING, 'cpu'), peers.get(best)), '.2f', 0)}x"
               if get(w, URING, "cpu") is not None else ""))

    # What the machine leaves a proxy: at 0.95x direct, the client and
    # the backend use what they use in direct's runs per GB, and all of it
    # fits in the machine's CPUs only if the proxy spends at most this.
    rd = get("bulk", "direct", "rate")
    cd = [get("bulk", "direct", k) for k in ("client_cpu", "backend_cpu")]
    budget = (1e3 * meta["cpus"] / (0.95 * rd / 1e3) - sum(cd)
              if rd and None not in cd else None)
    r = ratio(get("bulk", "v6gate", "rate"), rd)
    add(f"v6gate bulk throughput: {fmt(r, '.2f', 0)}x direct"
        " (target >= 0.95)", r, 0.95, r is not None and r >= 0.95,
        (f"direct keeps curl {fmt(get('bulk', 'direct', 'client_cpus'), '.2f', 0)}"
         f" and the backend {fmt(get('bulk', 'direct', 'backend_cpus'), '.2f', 0)}"
         f" of {meta['cpus']} CPUs busy ({fmt(cd[0], '.0f', 0)} and"
         f" {fmt(cd[1], '.0f', 0)} ms/GB): at 0.95x direct a proxy has"
         f" {fmt(budget, '.0f', 0)} ms/GB of CPU left, v6gate spends"
         f" {fmt(get('bulk', 'v6gate', 'cpu'), '.0f', 0)}; "
         if budget is not None else "") +
        f"{fmt(get('bulk', 'v6gate', 'rate'), '.0f', 0)} vs "
        f"{fmt(get('bulk', 'direct', 'rate'), '.0f', 0)} MB/s; the floor "
        f"{fmt(ratio(get('bulk', FLOOR, 'rate'), get('bulk', 'direct', 'rate')), '.2f', 0)}x direct"
        + (f", floor-sockmap {fmt(ratio(get('bulk', SOCKMAP, 'rate'), get('bulk', 'direct', 'rate')), '.2f', 0)}x"
           if get("bulk", SOCKMAP, "rate") is not None else "")
        + (f", floor-uring {fmt(ratio(get('bulk', URING, 'rate'), get('bulk', 'direct', 'rate')), '.2f', 0)}x"
           if get("bulk", URING, "rate") is not None else ""))

    kib = get("idle", "v6gate", "kib")
    held = get("idle", "v6gate", "established")
    add(f"v6gate RSS per idle connection: {fmt(kib, '.2f', 0)} KiB"
        " (target <= 1)", kib, 1,
        kib is not None and kib <= 1 and held == meta["idle_connections"],
        f"{fmt(held, '.0f', 0)} of {meta['idle_connections']} connections"
        " held")

    for w, unit in (("newconn", "conn/s"), ("keepalive", "req/s")):
        one, two = get(w, "v6gate", "rate"), get(w, "v6gate-2w", "rate")
        r = ratio(two, one)
        busy = ", ".join(
            f"{who} {fmt(get(w, 'v6gate-2w', k), '.2f', 0)}"
            for who, k in (("v6gate-2w", "proxy_cpus"), ("wrk", "client_cpus"),
                           ("backend", "backend_cpus")))
        add(f"v6gate 2 workers vs 1: {fmt(r, '.2f', 0)}x {unit}"
            " (target >= 1.8)", r, 1.8, r is not None and r >= 1.8,
            f"{fmt(two, '.0f', 0)} vs {fmt(one, '.0f', 0)} {unit}; CPUs"
            f" kept busy in the 2-worker runs: {busy} of {meta['cpus']}."
            " The load generator and the backend share the machine with"
            " the proxy, so they and not the proxy set the limit here, and"
            " this target cannot be shown on this machine")

    # The floor: v6gate beats every peer on every row.  Lower is better for
    # CPU and memory, higher for bulk throughput.
    for w, key, lower, what in (
            ("newconn", "cpu", True, "CPU per connection"),
            ("keepalive", "cpu", True, "CPU per request"),
            ("bulk", "cpu", True, "CPU per GB"),
            ("bulk", "rate", False, "bulk throughput"),
            ("idle", "kib", True, "RSS per idle connection")):
        mine = get(w, "v6gate", key)
        theirs = {p: get(w, p, key) for p in PEERS
                  if get(w, p, key) is not None}
        met = mine is not None and bool(theirs) and all(
            (mine < t) if lower else (mine > t) for t in theirs.values())
        add(f"floor: {what} better than every peer's", mine, "better",
            met, f"v6gate {fmt(mine, '.2f', 0)}; " +
            ", ".join(f"{p} {t:.2f}" for p, t in theirs.items()))

    # Counting on vs off: a difference either way beyond 2 % is not shown
    # to be within it, even when it says counting saves.
    for w in ("newconn", "keepalive", "bulk", "idle"):
        if w not in cnt:
            continue
        c = cnt[w]
        d = c["diff_pct"]
        add(f"counting on vs off: {signed(d)} % {c['figure']}"
            " (target < 2 %)", d, 2, d is not None and abs(d) < 2,
            counting_text(c))
    return out


def read_meta(path):
    meta = {"config": {}, "how": {}}
    for rec in read_jsonl(path):
        kind = rec.pop("kind")
        if kind == "settings":
            meta.update(rec)
        elif kind == "config":
            meta["config"][rec["name"]] = rec["text"]
        else:
            meta["how"][rec["workload"]] = rec["text"]
    hard = meta["nofile_hard"]
    meta["notes"] = [
        f"idle connections: {meta['idle_connections']}, not 10,000: the "
        f"hard open-file limit here is {hard} and a proxy needs 2 "
        f"descriptors per relayed connection, so about {hard // 2 - 100} "
        "is the most any proxy here can hold",
        f"{meta['cpus']} CPUs are shared by wrk/curl, the backend and the "
        "proxy: throughput is bounded by them, so CPU per unit is the "
        "figure to compare"]
    return meta


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def v6gate_counters(paths):
    """{instance: {counter: sum over its runs}}, non-zero counters only"""
    out = {}
    for path in paths:
        name = os.path.basename(os.path.dirname(path))
        with open(path) as f:
            counters = json.load(f)["counters"]
        sums = out.setdefault(name, {})
        for k, v in counters.items():
            sums[k] = sums.get(k, 0) + v
    return {n: {k: v for k, v in c.items() if v} for n, c in out.items()}


def main():
    meta_file, samples_file, out_file = sys.argv[1:4]
    meta = read_meta(meta_file)
    samples = read_jsonl(samples_file)
    res = summarize(samples)

    print(f"\nv6gate benchmark: {meta['rounds']} interleaved round(s), "
          f"medians; {meta['cpus']} CPUs, kernel {meta['kernel']}, load "
          f"average {meta['load_before']} before the run\nv6gated "
          f"{meta['v6gated']}")
    print("CPU = the proxy's own CPU time (user + system, all threads and "
          "processes), measured around each run;\nspread = (max - min) / "
          "median of that figure over the rounds; xdirect = throughput / "
          "direct's;\nv6gate/row = v6gate's CPU figure / the row's; user = "
          "the share of that CPU time spent in user space;\nkthreads = the "
          "CPU of the kernel's kworker and ksoftirqd threads, machine-wide, "
          "in the row's unit: work\nthe kernel defers (the sockmap "
          "redirect's sending) is charged there, not to the proxy.")
    print("\nHow each was configured:")
    for p, how in meta["config"].items():
        print(f"   {p:14} {how}")
    cnt = counting(res, samples)
    for w in ("newconn", "keepalive", "bulk", "idle"):
        if w in res:
            print_table(w, res[w], meta["how"][w], cnt.get(w))

    tg = targets(res, meta, cnt)
    print("\n== Targets")
    for t in tg:
        mark = {True: "  MET", False: "  NOT MET", None: ""}[t["met"]]
        print(f"   {t['target']}{mark}\n      {t['detail']}")
    for n in meta["notes"]:
        print(f"   note: {n}")

    counters = v6gate_counters(sys.argv[4:])
    print("\n== v6gate's own counters, summed over its runs (non-zero ones)")
    for name, c in counters.items():
        print(f"   {name}: " + ", ".join(f"{k} {v}" for k, v in c.items()))

    with open(out_file, "w") as f:
        json.dump({"settings": meta, "results": res, "counting": cnt,
                   "targets": tg, "v6gate_counters": counters,
                   "samples": samples}, f, indent=1)
        f.write("\n")
    print(f"\nresults written to {out_file}")


if __name__ == "__main__":
    main()
