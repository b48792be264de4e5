#!/usr/bin/env python3
"""fugue built for WebAssembly (scripts/wasm) gives the native build's outcomes and trace hashes:
every target's corpus, random inputs and random seeds replayed under node and natively, lines
compared; then the page (fugue-wasm.html) run in headless Chromium on a seed of ping_pong and of
lock_order, its outcome and hash checked against the native driver's. Skips (77) where emscripten
is missing and cannot be installed; the browser part says it skipped where there is no Chromium.

usage: wasm_check.py SOURCE_DIR NATIVE_FUZZ_DIR OUT_DIR"""
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile

src, fuzz, out = sys.argv[1:4]
os.makedirs(out, exist_ok=True)
wasm_dir = os.environ.get("FUGUE_WASM_BUILD", os.path.join(src, "build", "wasm"))
env = {**os.environ, "FUGUE_QUIET": "1", "FUGUE_WASM_BUILD": wasm_dir,
       "NODE_PATH": os.environ.get("NODE_PATH", "/usr/share/nodejs")}
for k in ("FUGUE_SEED", "FUGUE_STRATEGY", "FUGUE_DEPTH", "FUGUE_PCAP_DIR"):
    env.pop(k, None)
RANDOM_INPUTS = 10     # per target: 32 targets, 320 random inputs
SEEDS = 20             # per target: `random --seed 1 --iterations 20`
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)
    return cond


def run(cmd, timeout=300):
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=timeout)
    return p.returncode, p.stdout, p.stderr


def build():
    p = subprocess.run([os.path.join(src, "scripts", "wasm")], capture_output=True, text=True, env=env, timeout=840)
    if p.returncode == 77:
        print("SKIP: no WebAssembly build:", p.stderr.strip().splitlines()[-1] if p.stderr.strip() else "no emscripten")
        sys.exit(77)
    if p.returncode != 0:
        print("FAIL: scripts/wasm:", p.stderr[-3000:])
        sys.exit(1)


def seed_lines(stderr):
    """random's verdict per failing seed, without the command to reproduce it (the programs differ)."""
    return [l.split("   reproduce:")[0] for l in stderr.splitlines() if re.match(r"random: seed \d+ failed", l)]


def summary(stdout):
    return [re.sub(r", [0-9.]+ runs/s", "", l) for l in stdout.splitlines()]


def compare_target(node, t, tmp):
    native = os.path.join(fuzz, t)
    rng = random.Random(f"wasm-{t}")
    inputs = os.path.join(tmp, t)
    os.makedirs(inputs)
    for i in range(RANDOM_INPUTS):
        with open(os.path.join(inputs, f"random-{i}"), "wb") as f:
            f.write(bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 3, 8, 16, 64, 256]))))
    paths = [p for p in (os.path.join(src, "corpus", t), inputs) if os.path.isdir(p)]
    rn, on, en = run([native, "replay", *paths])
    rw, ow, ew = run(["node", node, t, "replay", *paths])
    n = len(re.findall(r": \S+ hash [0-9a-f]{16}", on))
    check(n > 0, f"{t}: the native replay printed no hash: {en[-500:]}")
    if check(on == ow and rn == rw, f"{t}: replay under node differs from native (exit {rw} vs {rn})"):
        pass
    else:
        for a, b in zip(on.splitlines(), ow.splitlines()):
            if a != b:
                print(f"  native: {a}\n  node:   {b}")
                break
        print("  node stderr:", ew[-800:])
    args = ["random", "--seed", "1", "--iterations", str(SEEDS), "--keep-going", "--no-save", "--quiet"]
    rn2, on2, en2 = run([native, *args])
    rw2, ow2, ew2 = run(["node", node, t, *args])
    check(rn2 == rw2 and seed_lines(en2) == seed_lines(ew2) and summary(on2) == summary(ow2),
          f"{t}: random seeds under node differ from native: {seed_lines(ew2)} {summary(ow2)} vs "
          f"{seed_lines(en2)} {summary(on2)} (exit {rw2} vs {rn2})")
    return n, len(seed_lines(en2))


def find_chromium():
    for c in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        p = shutil.which(c)
        if p:
            return p
    return None


def page(name, want, seed=None, hexin=None):
    """Runs `name` in the page on a seed or a hex input; its outcome must be `want` and its hash the
    native driver's for the bytes the run read."""
    chrome = find_chromium()
    if not chrome:
        print("SKIP: the page in a browser: no chromium here (scripts/bootstrap installs Debian's chromium)")
        return
    html = os.path.join(wasm_dir, "web", "fugue-wasm.html")
    how = f"seed={seed}" if hexin is None else f"hex={hexin}"
    label = f"{name} {how}"
    shot = os.path.join(out, f"wasm-page-{name}-{'seed' if hexin is None else 'hex'}.png")
    # the wasm compiles synchronously and the page runs as it loads: --dump-dom sees the run
    cmd = [chrome, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-extensions",
           "--disable-background-networking", "--disable-component-update",
           "--user-data-dir=" + tempfile.mkdtemp(prefix="fugue-chromium-"), "--window-size=1400,900",
           "--enable-logging=stderr", "--v=0",
           "--screenshot=" + shot, "--dump-dom", f"file://{os.path.abspath(html)}#target={name}&{how}"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=180)
    dom = p.stdout
    if not check(p.returncode == 0 and "</html>" in dom, f"page {label}: chromium --dump-dom failed: {p.stderr[-800:]}"):
        return
    console = [l for l in p.stderr.splitlines() if "CONSOLE" in l]
    check(not console, f"page {label}: console messages {console}")
    m = re.search(r'<div id="errors">(.*?)</div>', dom, re.S)
    check(m is not None and m.group(1).strip() == "", f"page {label}: page errors {m.group(1) if m else '(no #errors)'}")
    m = re.search(r'<span id="outcome"([^>]*)>', dom)
    attrs = dict(re.findall(r'data-(\w+)="([^"]*)"', m.group(1))) if m else {}
    if not check(attrs.get("outcome") == want, f"page {label}: outcome {attrs.get('outcome')}, want {want}"):
        return
    check(attrs.get("drawn") == attrs.get("steps"),
          f"page {label}: the timeline drew {attrs.get('drawn')} steps of {attrs.get('steps')}")
    # the bytes the run read, replayed natively, give its hash
    m = re.search(r'id="input"[^>]*>the input: ([0-9a-f]+)<', dom)
    if check(m, f"page {label}: no input shown"):
        _, o, _ = run([os.path.join(fuzz, name), "replay", "--hex", m.group(1)])
        h = re.search(r": (\S+) hash ([0-9a-f]{16})", o)
        check(h and h.group(1) == want and h.group(2) == attrs.get("hash"),
              f"page {label}: {want} hash {attrs.get('hash')}, native replay of its input: {o.strip()}")
    check(os.path.exists(shot) and os.path.getsize(shot) > 10000, f"page {label}: no screenshot")
    print(f"page: {label}: {want}, hash {attrs.get('hash')}, {attrs.get('steps')} steps drawn; screenshot {shot}")


def main():
    build()
    node = os.path.join(wasm_dir, "web", "fugue-targets.js")
    rc, listing, err = run(["node", node, "list"])
    targets = [l.split()[0] for l in listing.splitlines()[1:] if l.strip()]
    if not check(rc == 0 and len(targets) >= 2, f"node {node} list: {listing} {err}"):
        return
    tmp = tempfile.mkdtemp(prefix="fugue-wasm-")
    inputs = seeds_failed = 0
    try:
        for t in targets:
            if not check(os.path.exists(os.path.join(fuzz, t)), f"{t}: no native driver in {fuzz}"):
                continue
            n, f = compare_target(node, t, tmp)
            inputs += n
            seeds_failed += f
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"wasm: {inputs} inputs of {len(targets)} targets replayed, {len(targets) * SEEDS} seeds run "
          f"({seeds_failed} failing), node against native")
    page("lock_order", "deadlock", seed=33)
    page("ping_pong", "pass", seed=1)
    with open(os.path.join(src, "corpus", "lock_order", "crash-c6ea6c988665dcca"), "rb") as f:
        page("lock_order", "deadlock", hexin=f.read().hex())


main()
if failures:
    print(f"wasm: {len(failures)} check(s) failed")
    sys.exit(1)
print("wasm: all checks passed")
