#!/usr/bin/env python3
"""Statistics are self-describing: every statistic `sosasim list --stats` declares is listed in
docs/metrics.md with its unit and aggregation, and runs (the default, one under sosa_rounds with
post_processors, one through the router engines) report no statistic that is not declared.
Usage: test_stats_docs.py REPOSITORY SOSASIM_BINARY"""
import json
import os
import subprocess
import sys
import tempfile


def main():
    root, binary = sys.argv[1], sys.argv[2]
    declared = json.loads(subprocess.run([binary, "list", "--stats", "--json"], capture_output=True, text=True,
                                         check=True).stdout)
    docs = open(os.path.join(root, "docs", "metrics.md")).read()
    failures, checked = [], 0
    for stat in declared:
        row = f"| `{stat['name']}` | {stat['unit']} | {stat['aggregation']} |"
        checked += 1
        if row not in docs:
            failures.append(f"docs/metrics.md has no row starting {row}")
    names = {group: {s["name"] for s in declared if s["group"] == group} for group in ("pod", "run", "network")}
    runs = [[], ["tiling.scheduler=sosa_rounds", "tiling.k_reduction=post_processors"],
            ["interconnect.transfers=routers", "tiling.k_reduction=post_processors"]]
    with tempfile.TemporaryDirectory() as tmp:
        for overrides in runs:
            args = [binary, "run", "-q", "-o", tmp, "-p", "workload.trace=workloads/models/bert_tiny_s10.csv"]
            for o in overrides:
                args += ["-p", o]
            subprocess.run(args, check=True, cwd=root, capture_output=True)
            summary = json.load(open(os.path.join(tmp, "summary.json")))
            reported = [("run", k) for k in summary["stats"]] + [("pod", k) for k in summary["pod_stats"]]
            for network in summary.get("networks", {}).values():
                reported += [("network", k) for k in network]
            for group, name in reported:
                checked += 1
                if name not in names[group]:
                    failures.append(f"run {overrides}: {group} statistic '{name}' is reported but not declared")
    for failure in failures:
        print("FAIL " + failure)
    print(f"{checked - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
