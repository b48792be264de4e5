#!/usr/bin/env python3
"""The ClusterFuzzLite workflows parse as YAML and run the modes users copy
them for: code-change on pull requests, batch on a schedule, prune."""
import pathlib, sys
import yaml

root = pathlib.Path(sys.argv[1])
want = {"cflite_pr.yml": {"code-change"}, "cflite_batch.yml": {"batch"}, "cflite_cron.yml": {"prune", "coverage"}}
bad = 0
for name, modes in want.items():
    doc = yaml.safe_load((root / ".github/workflows" / name).read_text())
    steps = [s for job in doc["jobs"].values() for s in job["steps"]]
    uses = {s["uses"].split("@")[0] for s in steps}
    got = {s["with"]["mode"] for s in steps if s["uses"].startswith("google/clusterfuzzlite/actions/run_fuzzers")}
    # PyYAML reads the key `on` as True
    ok = (uses == {"google/clusterfuzzlite/actions/build_fuzzers", "google/clusterfuzzlite/actions/run_fuzzers"}
          and got == modes and (True in doc or "on" in doc))
    print(f"{name}: modes {sorted(got)}: {'ok' if ok else 'WRONG'}")
    bad += not ok
sys.exit(1 if bad else 0)
