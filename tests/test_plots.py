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
        for kind, extra in (("heatmap", []), ("bars", []), ("scatter", []), ("bars", ["--where", "array.rows=8"])):
            out = os.path.join(tmp, f"{kind}{len(extra)}")
            run = subprocess.run([sys.executable, os.path.join(root, "scripts", "plot_results.py"), kind, results,
                                  "-o", out] + extra, capture_output=True, text=True)
            ok = run.returncode == 0 and all(os.path.getsize(f"{out}.{ext}") > 1000 for ext in ("png", "pdf"))
            print(("ok   " if ok else "FAIL ") + f"{kind} {' '.join(extra)} {run.stderr.strip()}")
            passed, failed = passed + ok, failed + (not ok)
        # A one-dimensional sweep (rows = cols) and a table without array.rows.
        line = os.path.join(tmp, "line.yaml")
        open(line, "w").write("set: {pods: 4}\nzip:\n  array.rows: [8, 16]\n  array.cols: [8, 16]\nworkloads: [t.csv]\n")
        subprocess.run([binary, "sweep", line, "-q", "-o", os.path.join(tmp, "line")], check=True, capture_output=True)
        out = os.path.join(tmp, "line_plot")
        run = subprocess.run([sys.executable, os.path.join(root, "scripts", "plot_results.py"), "heatmap",
                              os.path.join(tmp, "line", "results.csv"), "-o", out], capture_output=True, text=True)
        ok = run.returncode == 0 and os.path.getsize(f"{out}.png") > 1000
        print(("ok   " if ok else "FAIL ") + f"a one-dimensional sweep's heatmap (drawn as bars) {run.stderr.strip()}")
        passed, failed = passed + ok, failed + (not ok)
        flat = os.path.join(tmp, "flat.yaml")
        open(flat, "w").write("grid:\n  pods: [2, 4]\nworkloads: [t.csv]\n")
        subprocess.run([binary, "sweep", flat, "-q", "-o", os.path.join(tmp, "flat")], check=True, capture_output=True)
        run = subprocess.run([sys.executable, os.path.join(root, "scripts", "plot_results.py"), "heatmap",
                              os.path.join(tmp, "flat", "results.csv"), "-o", os.path.join(tmp, "f")],
                             capture_output=True, text=True)
        ok = run.returncode != 0 and "no column 'array.cols' for plot heatmap" in run.stderr and "Traceback" not in run.stderr
        print(("ok   " if ok else "FAIL ") + f"a heatmap of a table without array.rows is an error: {run.stderr.strip()}")
        passed, failed = passed + ok, failed + (not ok)
        # The latency-throughput curve of sosasim noc.
        subprocess.run([binary, "noc", "--ports", "16", "--cycles", "2000", "--rates", "0.1:0.7:0.3", "-o",
                        os.path.join(tmp, "noc")], check=True, capture_output=True)
        out = os.path.join(tmp, "noc_plot")
        run = subprocess.run([sys.executable, os.path.join(root, "scripts", "plot_results.py"), "noc",
                              os.path.join(tmp, "noc", "noc_curve.csv"), "-o", out], capture_output=True, text=True)
        ok = run.returncode == 0 and os.path.getsize(f"{out}.png") > 1000
        print(("ok   " if ok else "FAIL ") + f"noc curve {run.stderr.strip()}")
        passed, failed = passed + ok, failed + (not ok)
        bad = subprocess.run([sys.executable, os.path.join(root, "scripts", "plot_results.py"), "heatmap", results,
                              "-o", os.path.join(tmp, "x"), "--metric", "nonsense"], capture_output=True, text=True)
        ok = bad.returncode != 0 and "no column 'nonsense'" in bad.stderr
        print(("ok   " if ok else "FAIL ") + "an unknown column is an error")
        passed, failed = passed + ok, failed + (not ok)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
