#!/usr/bin/env python3
"""Large machines stay within memory: a run's memory follows the pods (and the pairs of them that
exchange tiles), not pods squared. 16,384 pods of 32x32 on a one-layer trace must stay under 1 GB
(it took 2.2 GB while route tables were dense per pair), and the largest pod count the schema
accepts, 32,768, runs on every topology. `sosasim noc` streams its traffic: over 1,000,000 cycles
it stays under 100 MB (a release or debug build; under the sanitizers, whose shadow memory
counts too, it may take no more than 20 MB above its 100,000-cycle run), also at a rate beyond
saturation. Usage: test_large_machines.py SOSASIM_BINARY"""
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


def own_peak_rss(argv, cwd, env=None):
    """Runs argv; returns (exit code, stderr, the peak RSS of that process alone in bytes)."""
    process = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env)
    stderr = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, stderr, usage.ru_maxrss * 1024


def noc_memory(binary, tmp, failures):
    sanitized = "ASAN_OPTIONS" in os.environ or "UBSAN_OPTIONS" in os.environ
    # AddressSanitizer holds freed memory in a quarantine of up to 256 MB before reusing it,
    # which would look like growth: keep it small for these runs.
    env = dict(os.environ)
    if sanitized:
        env["ASAN_OPTIONS"] = (env.get("ASAN_OPTIONS", "") + ":quarantine_size_mb=1").lstrip(":")
    for rate in ["0.1", "1.0"]:
        peaks = {}
        for cycles in ["100000", "1000000"]:
            code, err, rss = own_peak_rss([binary, "noc", "--cycles", cycles, "--injection-rate", rate], tmp, env)
            if code != 0:
                failures.append(f"noc over {cycles} cycles at {rate}: exit {code}: {err.strip()}")
                return
            peaks[cycles] = rss
        grew = peaks["1000000"] - peaks["100000"]
        print(f"noc at {rate}: peak memory {peaks['100000'] / 2**20:.0f} MiB over 100,000 cycles, "
              f"{peaks['1000000'] / 2**20:.0f} MiB over 1,000,000")
        if grew > 20 * 2**20:
            failures.append(f"noc at {rate}: memory grows with cycles ({grew / 2**20:.0f} MiB more over 1,000,000)")
        if not sanitized and peaks["1000000"] >= 100 * 2**20:
            failures.append(f"noc at {rate}: {peaks['1000000'] / 2**20:.0f} MiB over 1,000,000 cycles, limit 100")


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
        noc_memory(binary, tmp, failures)
    for failure in failures:
        print("FAIL " + failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
