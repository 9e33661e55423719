#!/usr/bin/env python3
"""Large machines stay within memory: a run's memory follows the pods (and the pairs of them that
exchange tiles), not pods squared. 16,384 pods of 32x32 on a one-layer trace must stay under 1 GB
(it took 2.2 GB while route tables were dense per pair), and the largest pod count the schema
accepts, 32,768, runs on every topology. Usage: test_large_machines.py SOSASIM_BINARY"""
import os
import resource
import subprocess
import sys
import tempfile

LIMIT_BYTES = 1 << 30


def peak_rss_of(argv, cwd):
    """Runs argv; returns (exit code, stderr, the peak RSS of the process in bytes)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = subprocess.run(argv, capture_output=True, text=True, cwd=cwd, timeout=600)
    after = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # KiB, the largest child so far
    return result.returncode, result.stderr, max(after, before) * 1024 if after > before else None


def main():
    binary = sys.argv[1]
    failures = []
    with tempfile.TemporaryDirectory() as tmp:
        trace = os.path.join(tmp, "tiny.csv")
        with open(trace, "w") as out:
            out.write("layer,M,K,N\na,64,64,64\n")
        # The largest run first, so ru_maxrss (a maximum over all children) is its own.
        code, err, rss = peak_rss_of([binary, "run", "-q", "-p", "pods=16384", "-p", f"workload.trace={trace}",
                                      "-o", os.path.join(tmp, "out")], tmp)
        if code != 0:
            failures.append(f"16,384 pods: exit {code}: {err.strip()}")
        elif rss is None or rss >= LIMIT_BYTES:
            failures.append(f"16,384 pods: peak memory {rss} bytes, limit {LIMIT_BYTES}")
        else:
            print(f"16,384 pods: peak memory {rss / 2**20:.0f} MiB")
        for topology in ["butterfly", "benes", "crossbar", "mesh", "bus"]:
            result = subprocess.run([binary, "run", "-q", "-p", "pods=32768", "-p", f"interconnect.topology={topology}",
                                     "-p", f"workload.trace={trace}", "-o", os.path.join(tmp, "out")],
                                    capture_output=True, text=True, cwd=tmp, timeout=600)
            if result.returncode != 0:
                failures.append(f"32,768 pods on {topology}: exit {result.returncode}: {result.stderr.strip()}")
    for failure in failures:
        print("FAIL " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
