#!/usr/bin/env python3
"""The timeline draws right: `sosasim run --timeline` on the default run, a routers run and a
two-tenant run with post-processor reduction writes a trace-event file that keeps every rule of
the format (scripts/check_timeline.py: slices on a track nest, every track is named, counters
are numeric and in time order), has the tracks and counters it promises, and its MAC
utilization counter averages to the run's utilization.
Usage: test_timeline.py REPOSITORY SOSASIM_BINARY"""
import json
import os
import subprocess
import sys
import tempfile

root, binary = sys.argv[1], sys.argv[2]
sys.path.insert(0, os.path.join(root, "scripts"))
import check_timeline  # noqa: E402

RUNS = {
    "default": ["configs/sosa.yaml"],
    "routers": ["configs/sosa.yaml", "-p", "interconnect.transfers=routers"],
    "two tenants": ["{tmp}/two.yaml"],
}
TWO_TENANTS = f"""\
pods: 64
array: {{rows: 32, cols: 32}}
workload:
  - {{trace: {root}/workloads/models/resnet50_299.csv}}
  - {{trace: {root}/workloads/models/bert_base_s100.csv}}
tiling: {{k_reduction: post_processors}}
"""


def main():
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        with open(os.path.join(tmp, "two.yaml"), "w") as out:
            out.write(TWO_TENANTS)
        for name, args in RUNS.items():
            outdir = os.path.join(tmp, name.replace(" ", "_"))
            path = os.path.join(outdir, "timeline.json")
            argv = [binary, "run", *[a.format(tmp=tmp) for a in args], "-q", "-o", outdir, "--timeline", path]
            result = subprocess.run(argv, cwd=root, capture_output=True, text=True, timeout=1200)
            if result.returncode != 0:
                failures.append(f"{name}: exit {result.returncode}: {result.stderr.strip()}")
                continue
            with open(path) as f:
                document = json.load(f)
            problems, stats = check_timeline.check(document)
            failures += [f"{name}: {p}" for p in problems[:10]]
            events = document["traceEvents"]
            groups = {e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "process_name"}
            for group in ["pods", "DRAM", "layers", "networks", "counters"]:
                if group not in groups:
                    failures.append(f"{name}: no '{group}' group")
            threads = {e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
            for track in ["pod 0 ops", "pod 0 weight loads", "X to pod 0", "W to pod 0", "channel"]:
                if track not in threads:
                    failures.append(f"{name}: no track '{track}'")
            counters = {}
            for e in events:
                if e["ph"] == "C":
                    counters.setdefault(e["name"], []).append((e["ts"], e["args"]["value"]))
            for counter in ["MAC utilization %", "DRAM GB/s", "X transfers in flight", "W transfers in flight"]:
                if counter not in counters:
                    failures.append(f"{name}: no counter '{counter}'")
            if name == "two tenants" and "partial sums in flight" not in counters:
                failures.append(f"{name}: no partial-sum counter")
            with open(os.path.join(outdir, "summary.json")) as f:
                summary = json.load(f)
            samples = counters.get("MAC utilization %", [])
            if len(samples) > 1:  # equal buckets: the mean of all but the closing zero over the run
                width = samples[1][0] - samples[0][0]
                mean = sum(v for _, v in samples[:-1]) * width / (summary["cycles"] / 1000.0)
                expected = 100.0 * summary["utilization"]
                if abs(mean - expected) > 0.5:
                    failures.append(f"{name}: utilization counter averages {mean:.2f} %, the run {expected:.2f} %")
            print(f"{name}: {stats}")
    for failure in failures:
        print("FAIL", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
