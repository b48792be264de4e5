#!/usr/bin/env python3
"""--timeline: the JSON of fixed inputs (ping_pong, lock_order's deadlock, spans) checked
for validity and content against the run itself, then the HTML page loaded in headless
Chromium (skipped, saying why, where no Chromium is found). Screenshots go to OUT/.

usage: timeline_check.py FUZZ_BIN_DIR CORPUS_DIR OUT_DIR [SPANS_DRIVER]"""
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

fuzz, corpus, out = sys.argv[1], sys.argv[2], sys.argv[3]
spans_driver = sys.argv[4] if len(sys.argv) > 4 else None
os.makedirs(out, exist_ok=True)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)
    return cond


def replay(driver, args, timeline):
    """Runs `driver replay ARGS --timeline FILE`; returns (the printed result line's fields, the trace)."""
    p = subprocess.run([driver, "replay", *args, "--timeline", timeline], capture_output=True, text=True,
                       env={**os.environ, "FUGUE_QUIET": "1"}, timeout=120)
    m = re.search(r": (\S+) hash ([0-9a-f]{16}) steps (\d+)", p.stdout)
    if not check(m, f"{driver} {args}: no result line in {p.stdout!r} {p.stderr[-400:]!r}"):
        return None, None
    with open(timeline, encoding="utf-8") as f:
        return (m.group(1), m.group(2), int(m.group(3))), f.read()


def plain_hash(driver, args):
    p = subprocess.run([driver, "replay", *args], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "FUGUE_QUIET": "1"})
    m = re.search(r"hash ([0-9a-f]{16})", p.stdout)
    return m.group(1) if m else None


def structure(name, res, text):
    """Checks that hold for every timeline; returns the parsed trace."""
    outcome, hash_, nsteps = res
    try:
        d = json.loads(text)
    except ValueError as e:
        check(False, f"{name}: not JSON: {e}")
        return None
    od, ev = d["otherData"], d["traceEvents"]
    check(d.get("displayTimeUnit") == "ns", f"{name}: displayTimeUnit")
    check(od["outcome"] == outcome and od["hash"] == hash_ and od["steps"] == nsteps,
          f"{name}: otherData {od['outcome']} {od['hash']} {od['steps']} is not the run's {res}")
    for e in ev:
        check(e["ph"] in "XMsfiC" and isinstance(e["pid"], int) and isinstance(e["tid"], int)
              and isinstance(e["ts"], (int, float)), f"{name}: malformed event {e}")
    names = {(e["pid"], e["tid"]): e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
    hosts = {e["pid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "process_name"}
    steps = sorted((e for e in ev if e["ph"] == "X" and e["cat"] == "step"), key=lambda e: e["args"]["step"])
    # every step once, in order on the axis, on a named thread of a named process
    check([s["args"]["step"] for s in steps] == list(range(1, nsteps + 1)), f"{name}: steps are not 1..{nsteps}")
    check(all(a["ts"] + a["dur"] <= b["ts"] + 1e-9 for a, b in zip(steps, steps[1:])),
          f"{name}: steps overlap or go back on the axis")
    check(all(s["dur"] > 0 for s in steps), f"{name}: a step with no width")
    check(all((s["pid"], s["tid"]) in names and s["pid"] in hosts for s in steps), f"{name}: a step on an unnamed lane")
    check(all(s["args"]["task"] == names[(s["pid"], s["tid"])] for s in steps), f"{name}: a step on another task's lane")
    # each flow: one start, one end, forward in steps; a hand-off ends where the woken task resumes from its call
    by_step = {s["args"]["step"]: s for s in steps}
    starts = {e["id"]: e for e in ev if e["ph"] == "s"}
    ends = {e["id"]: e for e in ev if e["ph"] == "f"}
    check(starts.keys() == ends.keys(), f"{name}: flow starts and ends differ")
    for i, s in starts.items():
        f = ends.get(i)
        if not f:
            continue
        a, b = by_step[s["args"]["from_step"]], by_step[s["args"]["to_step"]]
        check(a["args"]["step"] < b["args"]["step"] or (s["cat"] == "net" and a["args"]["step"] <= b["args"]["step"]),
              f"{name}: flow {i} goes back")
        check((s["pid"], s["tid"]) == (a["pid"], a["tid"]) and (f["pid"], f["tid"]) == (b["pid"], b["tid"]),
              f"{name}: flow {i} is not on its steps' lanes")
        check(a["ts"] <= s["ts"] <= a["ts"] + a["dur"] and b["ts"] <= f["ts"] <= b["ts"] + b["dur"],
              f"{name}: flow {i} is not inside its steps")
        if s["cat"] == "handoff":
            check(b["name"] == s["name"], f"{name}: hand-off {i} named {s['name']} ends in a step from {b['name']}")
    return d


def run_checks():
    pp = os.path.join(fuzz, "ping_pong")
    lo = os.path.join(fuzz, "lock_order")
    tmp = tempfile.mkdtemp(prefix="fugue-timeline-")
    pages = []

    # ping_pong: four datagrams, each an arrow from its sender's step to its receiver's
    seed = os.path.join(corpus, "ping_pong", "seed-ones")
    res, text = replay(pp, [seed], os.path.join(tmp, "pp.json"))
    if res:
        d = structure("ping_pong", res, text)
        check(plain_hash(pp, [seed]) == res[1], "ping_pong: --timeline changed the trace hash")
        if d:
            ev = d["traceEvents"]
            names = {(e["pid"], e["tid"]): e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "thread_name"}
            hosts = {e["pid"]: e["args"]["name"] for e in ev if e["ph"] == "M" and e["name"] == "process_name"}
            net = [(hosts[s["pid"]], hosts[f["pid"]]) for s in ev if s["ph"] == "s" and s["cat"] == "net"
                   for f in ev if f["ph"] == "f" and f["id"] == s["id"]]
            check(sorted(net) == [("client_0", "server"), ("client_1", "server"), ("server", "client_0"),
                                  ("server", "client_1")], f"ping_pong: datagram arrows {sorted(net)}")
            check(sorted(set(hosts.values())) == ["client_0", "client_1", "main", "server"], f"ping_pong: hosts {hosts}")
            check(sorted(names.values()) == ["client", "client", "ping_pong", "server"], f"ping_pong: tasks {names}")
            # --stats: the network's counters agree with the arrows, and the timeline shows them as counters
            sp = os.path.join(tmp, "pp-stats.json")
            subprocess.run([pp, "replay", seed, "--stats", sp], capture_output=True, timeout=120, check=True)
            with open(sp) as f:
                st = json.load(f)
            check(st["hash"] == res[1] and st["net"]["used"] and st["net"]["received"] == len(net)
                  and st["net"]["sent"] >= len(net), f"ping_pong: --stats {st['net']}")
            cnt = [e for e in ev if e["ph"] == "C" and e["name"] == "net"]
            check(len(cnt) == 1 and cnt[0]["args"]["received"] == st["net"]["received"],
                  f"ping_pong: the timeline's net counter {cnt}")
    # the same run as a page
    res, _ = replay(pp, [seed], os.path.join(tmp, "ping_pong.html"))
    pages.append(("ping_pong", os.path.join(tmp, "ping_pong.html"), res, 4))

    # a deadlock: both tasks shown blocked in fg_mutex_lock at their lines, the failure marked with its report
    crash = os.path.join(corpus, "lock_order", "crash-4f1b49c35cac77fe")
    res, text = replay(lo, [crash], os.path.join(tmp, "lo.json"))
    if res and check(res[0] == "deadlock", f"lock_order: {res}"):
        d = structure("lock_order", res, text)
        if d:
            ev = d["traceEvents"]
            blocked = sorted((e["args"]["call"], e["args"]["site"]) for e in ev if e.get("cat") == "blocked")
            check(blocked == [("fg_mutex_lock", "fuzz/lock_order.c:20"), ("fg_mutex_lock", "fuzz/lock_order.c:35")],
                  f"lock_order: blocked {blocked}")
            fail = [e for e in ev if e.get("cat") == "failure"]
            check(len(fail) == 1 and "deadlock" in fail[0]["args"]["report"], "lock_order: the failure instant")
            last = max(e["ts"] + e["dur"] for e in ev if e.get("cat") == "step")
            check(all(e["ts"] + e["dur"] > last for e in ev if e.get("cat") == "blocked"),
                  "lock_order: the blocked tasks do not wait past the last step")
    res, _ = replay(lo, [crash], os.path.join(tmp, "lock_order.html"))
    pages.append(("lock_order", os.path.join(tmp, "lock_order.html"), res, 3))

    # a lock passed on: lock_order's passing run hands its locks over (unlock -> lock)
    res, text = replay(lo, [os.path.join(corpus, "lock_order", "seed-ones")], os.path.join(tmp, "lo-pass.json"))
    if res:
        d = structure("lock_order pass", res, text)
        if d:
            hand = [e["name"] for e in d["traceEvents"] if e["ph"] == "s" and e["cat"] == "handoff"]
            check(hand and set(hand) == {"fg_mutex_lock"}, f"lock_order pass: hand-offs {hand}")

    # host faults: each crash, restart, partition and heal of a chaos run is a marked instant
    abp = os.path.join(fuzz, "ack_before_persist")
    res, text = replay(abp, [os.path.join(corpus, "ack_before_persist", "crash-a106767240d2ef7f")],
                       os.path.join(tmp, "abp.json"))
    if res:
        d = structure("ack_before_persist", res, text)
        if d:
            faults = [e["name"] for e in d["traceEvents"] if e.get("cat") == "fault"]
            check(faults[:3] == ["crash leader", "restart leader", "crash leader"] and len(faults) == 8,
                  f"ack_before_persist: fault instants {faults}")

    # spans: nested slices over the steps they cover
    if spans_driver:
        res, text = replay(spans_driver, ["--hex", ""], os.path.join(tmp, "spans.json"))
        if res:
            d = structure("spans", res, text)
            if d:
                sp = {e["name"]: e for e in d["traceEvents"] if e.get("cat") == "span"}
                check(set(sp) == {"handshake", "send_hello", "serve"}, f"spans: {sorted(sp)}")
                if set(sp) >= {"handshake", "send_hello"}:
                    a, b = sp["handshake"], sp["send_hello"]
                    check(a["args"]["depth"] == 1 and b["args"]["depth"] == 2 and a["ts"] <= b["ts"]
                          and b["ts"] + b["dur"] <= a["ts"] + a["dur"] + 1e-9, f"spans: not nested: {a} {b}")
        res, _ = replay(spans_driver, ["--hex", ""], os.path.join(tmp, "spans.html"))
        pages.append(("spans", os.path.join(tmp, "spans.html"), res, 3))

    browser(pages)
    shutil.rmtree(tmp, ignore_errors=True)


def find_chromium():
    for c in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        p = shutil.which(c)
        if p:
            return p
    return None


def browser(pages):
    chrome = find_chromium()
    if not chrome:
        print("SKIP: the page in a browser: no chromium here (scripts/bootstrap installs Debian's chromium)")
        return
    base = [chrome, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
            "--disable-background-networking", "--disable-component-update",
            "--user-data-dir=" + tempfile.mkdtemp(prefix="fugue-chromium-"), "--window-size=1400,760"]
    for name, page, res, lanes in pages:
        if not res:
            continue
        url = "file://" + os.path.abspath(page)
        shot = os.path.join(out, f"timeline-{name}.png")
        # one launch: the DOM once the scripts ran, and a screenshot
        p = subprocess.run(base + ["--enable-logging=stderr", "--v=0", "--screenshot=" + shot, "--dump-dom", url],
                           capture_output=True, text=True, timeout=120)
        dom = p.stdout
        if not check(p.returncode == 0 and "</html>" in dom, f"{name}: chromium --dump-dom failed: {p.stderr[-800:]}"):
            continue
        # console errors and uncaught exceptions reach stderr as CONSOLE lines, and the page lists them in #errors
        console = [l for l in p.stderr.splitlines() if "CONSOLE" in l]
        check(not console, f"{name}: console messages {console}")
        m = re.search(r'<div id="errors">(.*?)</div>', dom, re.S)
        check(m is not None and m.group(1).strip() == "", f"{name}: page errors {m.group(1) if m else '(no #errors)'}")
        check('data-rendered="1"' in dom, f"{name}: the page did not finish drawing")
        n = len(re.findall(r'class="lane[ "]', dom))
        check(n == lanes, f"{name}: {n} lanes in the DOM, want {lanes}")
        m = re.search(r'id="summary"[^>]*data-steps="(\d+)"', dom)
        check(m and int(m.group(1)) == res[2], f"{name}: {m.group(1) if m else 'no'} steps drawn, want {res[2]}")
        if res[0] == "deadlock":
            check(len(re.findall(r'class="lane blocked"', dom)) == 2, f"{name}: the blocked lanes are not marked")
        check(os.path.exists(shot) and os.path.getsize(shot) > 10000, f"{name}: no screenshot")
        print(f"{name}: {n} lanes, {res[2]} steps drawn in chromium; screenshot {shot}")


run_checks()
if failures:
    print(f"timeline: {len(failures)} check(s) failed")
    sys.exit(1)
print("timeline: all checks passed")
