#!/usr/bin/env python3
"""Where a model's time goes on its execution provider: ONNX Runtime's profile (WANWU_ORT_PROFILE=PREFIX, a Chrome
trace per session) summed by operator type, with the runs' own durations.
    python3 benchmarks/ort-profile-summary.py PREFIX*.json"""
import collections, json, sys

for path in sys.argv[1:]:
    events = json.load(open(path))
    ops, runs = collections.defaultdict(lambda: [0, 0]), []
    for e in events:
        if e.get("cat") == "Node" and e.get("name", "").endswith("_kernel_time"):
            a = e.get("args", {})
            key = f'{a.get("op_name", "?")} ({a.get("provider", "?").replace("ExecutionProvider", "")})'
            ops[key][0] += e.get("dur", 0); ops[key][1] += 1
        elif e.get("cat") == "Session" and e.get("name") == "model_run":
            runs.append(e.get("dur", 0))
    total = sum(v[0] for v in ops.values()) or 1
    print(f"== {path}: {len(runs)} runs, median run {sorted(runs)[len(runs) // 2] / 1000 if runs else 0:.1f} ms, "
          f"first {runs[0] / 1000 if runs else 0:.1f} ms, last {runs[-1] / 1000 if runs else 0:.1f} ms; kernels {total / 1000:.0f} ms")
    for key, (dur, n) in sorted(ops.items(), key=lambda kv: -kv[1][0])[:25]:
        print(f"{dur / 1000:10.1f} ms {100 * dur / total:5.1f} %  {n:7d}  {key}")
