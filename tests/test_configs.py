#!/usr/bin/env python3
"""Every shipped config works: each file in configs/ and configs/baselines/ validates, the SOSA
design point and the compat config run on a small trace, and each sweep in configs/sweeps/ runs its
first point into a one-row table. Usage: test_configs.py REPOSITORY SOSASIM_BINARY"""
import csv
import glob
import os
import subprocess
import sys
import tempfile


def run(args, cwd):
    result = subprocess.run(args, capture_output=True, text=True, cwd=cwd, timeout=600)
    return result.returncode, (result.stdout + result.stderr).strip()


def light(sweep, tmp):
    """A serving sweep with its point's requests few and short (its first point serves 150
    Llama-3-8B requests, minutes under the sanitizers): the same file, its `set` replaced and its
    base made absolute. Any other sweep as it is."""
    with open(sweep) as f:
        lines = f.read().splitlines()
    if not any(line.startswith("set:") and "serving." in line for line in lines):
        return sweep
    folder = os.path.dirname(sweep)
    for i, line in enumerate(lines):
        if line.startswith("set:"):
            lines[i] = ("set: {serving.arrivals.count: 3, serving.arrivals.prompt_tokens: 16, "
                        "serving.arrivals.output_tokens: 2}")
        elif line.startswith("base:"):
            lines[i] = "base: " + os.path.normpath(os.path.join(folder, line.split(":", 1)[1].strip()))
    copy = os.path.join(tmp, "light-" + os.path.basename(sweep))
    with open(copy, "w") as f:
        f.write("\n".join(lines) + "\n")
    return copy


def main():
    root, binary = sys.argv[1], sys.argv[2]
    failures, checked = [], 0
    configs = sorted(glob.glob(os.path.join(root, "configs", "*.yaml")) +
                     glob.glob(os.path.join(root, "configs", "baselines", "*.yaml")))
    with tempfile.TemporaryDirectory() as tmp:
        for config in configs:
            code, out = run([binary, "validate", config], root)
            checked += 1
            if code != 0:
                failures.append(f"validate {config}: exit {code}: {out}")
        for name in ("sosa.yaml", "sosa_compat.yaml"):
            out_dir = os.path.join(tmp, name)
            code, out = run([binary, "run", "-q", os.path.join(root, "configs", name), "-o", out_dir,
                             "-p", "workload.trace=workloads/models/bert_tiny_s10.csv"], root)
            checked += 1
            if code != 0 or not os.path.exists(os.path.join(out_dir, "summary.json")):
                failures.append(f"run {name}: exit {code}: {out}")
        for sweep in sorted(glob.glob(os.path.join(root, "configs", "sweeps", "*.yaml"))):
            out_dir = os.path.join(tmp, os.path.basename(sweep))
            code, out = run([binary, "sweep", light(sweep, tmp), "--max-points", "1", "-j", "1", "-o", out_dir], root)
            checked += 1
            table = os.path.join(out_dir, "results.csv")
            rows = list(csv.DictReader(open(table))) if os.path.exists(table) else []
            if code != 0 or len(rows) < 1 or not rows[0].get("cycles"):
                failures.append(f"sweep {sweep}: exit {code}, {len(rows)} rows: {out[-400:]}")
    for failure in failures:
        print("FAIL " + failure)
    print(f"{checked - len(failures)} passed, {len(failures)} failed")
    return 1 if failures or checked < 10 else 0


if __name__ == "__main__":
    sys.exit(main())
