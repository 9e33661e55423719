#!/usr/bin/python3
"""Plot smoke test: runs a small sweep, then every plot kind on its table; each must write a PNG
and a PDF that are not empty. Skips (77) without matplotlib. Usage: test_plots.py REPO SOSASIM"""
import os
import subprocess
import sys
import tempfile

try:
    import matplotlib  # noqa: F401
except ImportError:
    print("skipped: python3-matplotlib is not installed")
    sys.exit(77)


def main():
    root, binary = sys.argv[1], sys.argv[2]
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        trace = os.path.join(tmp, "t.csv")
        open(trace, "w").write("layer,M,K,N\nx,64,64,64\n")
        sweep = os.path.join(tmp, "s.yaml")
        open(sweep, "w").write("set: {pods: 4}\ngrid:\n  array.rows: [8, 16]\n  array.cols: [8, 16]\n"
                               "  interconnect: [{topology: crossbar}, {topology: bus}]\nworkloads: [t.csv]\n")
        subprocess.run([binary, "sweep", sweep, "-q", "-o", os.path.join(tmp, "out")], check=True, capture_output=True)
        results = os.path.join(tmp, "out", "results.csv")
        plot_script = os.path.join(root, "scripts", "plot_results.py")
        outcome = {"passed": 0, "failed": 0}

        def plot(kind, table, out, *extra):
            return subprocess.run([sys.executable, plot_script, kind, table, "-o", out, *extra],
                                  capture_output=True, text=True)

        def record(ok, what):
            print(("ok   " if ok else "FAIL ") + what)
            outcome["passed" if ok else "failed"] += 1

        def sweep(name, text):
            path = os.path.join(tmp, f"{name}.yaml")
            open(path, "w").write(text)
            subprocess.run([binary, "sweep", path, "-q", "-o", os.path.join(tmp, name)], check=True, capture_output=True)
            return os.path.join(tmp, name, "results.csv")

        for kind, extra in (("heatmap", []), ("bars", []), ("scatter", []), ("bars", ["--where", "array.rows=8"])):
            out = os.path.join(tmp, f"{kind}{len(extra)}")
            run = plot(kind, results, out, *extra)
            ok = run.returncode == 0 and all(os.path.getsize(f"{out}.{ext}") > 1000 for ext in ("png", "pdf"))
            record(ok, f"{kind} {' '.join(extra)} {run.stderr.strip()}")
        # A one-dimensional sweep (rows = cols) and a table without array.rows.
        line = sweep("line", "set: {pods: 4}\nzip:\n  array.rows: [8, 16]\n  array.cols: [8, 16]\nworkloads: [t.csv]\n")
        run = plot("heatmap", line, os.path.join(tmp, "line_plot"))
        record(run.returncode == 0 and os.path.getsize(os.path.join(tmp, "line_plot.png")) > 1000,
               f"a one-dimensional sweep's heatmap (drawn as bars) {run.stderr.strip()}")
        flat = sweep("flat", "grid:\n  pods: [2, 4]\nworkloads: [t.csv]\n")
        run = plot("heatmap", flat, os.path.join(tmp, "f"))
        record(run.returncode != 0 and "no column 'array.cols' for plot heatmap" in run.stderr
               and "Traceback" not in run.stderr,
               f"a heatmap of a table without array.rows is an error: {run.stderr.strip()}")
        # The latency-throughput curve of sosasim noc.
        subprocess.run([binary, "noc", "--ports", "16", "--cycles", "2000", "--rates", "0.1:0.7:0.3", "-o",
                        os.path.join(tmp, "noc")], check=True, capture_output=True)
        run = plot("noc", os.path.join(tmp, "noc", "noc_curve.csv"), os.path.join(tmp, "noc_plot"))
        record(run.returncode == 0 and os.path.getsize(os.path.join(tmp, "noc_plot.png")) > 1000,
               f"noc curve {run.stderr.strip()}")
        bad = plot("heatmap", results, os.path.join(tmp, "x"), "--metric", "nonsense")
        record(bad.returncode != 0 and "no column 'nonsense'" in bad.stderr, "an unknown column is an error")
        passed, failed = outcome["passed"], outcome["failed"]
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
