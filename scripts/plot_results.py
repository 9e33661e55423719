#!/usr/bin/python3
"""Plots a sweep's results.csv (PNG and PDF). Across workloads, points are aggregated with the
harmonic mean (SOSA's aggregate) unless --workload picks one.

  plot heatmap RESULTS.csv -o OUT [--x array.cols] [--y array.rows] [--metric tops_per_watt]
  plot bars    RESULTS.csv -o OUT [--group interconnect] [--metric effective_tops] [--second peak_power_w]
  (every kind: --where key=value keeps only matching rows, e.g. --where pods=256)
  plot scatter RESULTS.csv -o OUT [--x peak_power_w] [--metric effective_tops] [--group array.rows,array.cols]
  plot formats RESULTS.csv -o OUT [--group format]    (bars of TOPS/W and energy per format)
  plot noc     NOC_CURVE.csv -o OUT    (sosasim noc --rates ... -o DIR: latency and accepted
               throughput against the offered rate, a line per topology and traffic; saturated
               rates hollow)
"""
import argparse
import collections
import csv
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def hmean(values):
    values = [v for v in values if v > 0]
    return len(values) / sum(1 / v for v in values) if values else 0.0


def load(path, workload):
    with open(path) as handle:
        rows = [r for r in csv.DictReader(handle) if r["status"] == "ok"]
    if workload:
        rows = [r for r in rows if r["workload"] == workload]
    if not rows:
        sys.exit(f"error: {path}: no successful rows" + (f" for workload {workload}" if workload else ""))
    return rows


def aggregate(rows, keys, metric):
    """(values of keys) -> harmonic mean of metric over the workloads of that point."""
    groups = collections.OrderedDict()
    for r in rows:
        groups.setdefault(tuple(r[k] for k in keys), []).append(float(r[metric]))
    return {k: hmean(v) for k, v in groups.items()}


def metric_label(metric, rows, keys):
    """The metric's name and what each drawn value aggregates: the rows (workloads, and sweep
    points that differ in columns other than `keys`) whose harmonic mean it is."""
    groups = collections.Counter(tuple(r[k] for k in keys) for r in rows)
    per_value = max(groups.values())
    workloads = sorted({r["workload"] for r in rows})
    if per_value == 1:
        return f"{metric} ({workloads[0]})" if len(workloads) == 1 else metric
    what = f"{len(workloads)} workloads" if per_value == len(workloads) else f"{per_value} results"
    return f"{metric} (harmonic mean of {what})"


def number_or_text(text):
    try:
        return float(text)
    except ValueError:
        return text


def save(fig, out):
    fig.tight_layout()
    for ext in ("png", "pdf"):
        fig.savefig(f"{out}.{ext}", dpi=150)
    print(f"wrote {out}.png and {out}.pdf")


def heatmap(rows, args):
    x_key, y_key, metric = args.x, args.y, args.metric
    values = aggregate(rows, [y_key, x_key], metric)
    xs = sorted({k[1] for k in values}, key=number_or_text)
    ys = sorted({k[0] for k in values}, key=number_or_text)
    label = metric_label(metric, rows, [y_key, x_key])
    best = max(values, key=values.get)
    if len(xs) > 1 and len(ys) > 1 and len(values) == len(xs) == len(ys):
        # A one-dimensional sweep (x and y move together, as rows = cols): a heatmap would be a
        # diagonal of empty cells, so draw it as bars.
        points = sorted(values, key=lambda k: (number_or_text(k[0]), number_or_text(k[1])))
        fig, ax = plt.subplots(figsize=(max(6, len(points) * 0.8), 4.5))
        bars_drawn = ax.bar(range(len(points)), [values[k] for k in points],
                            color=["tab:red" if k == best else "tab:blue" for k in points])
        ax.bar_label(bars_drawn, fmt="%.3g", fontsize=8)
        ax.set_xticks(range(len(points)), [f"{y}x{x}" for y, x in points], fontsize=8)
        ax.set_xlabel(f"{y_key} x {x_key}")
        ax.set_ylabel(label)
        ax.set_title(f"{metric}: best at {y_key}={best[0]}, {x_key}={best[1]}", fontsize=10)
        save(fig, args.out)
        return
    grid = [[values.get((y, x), float("nan")) for x in xs] for y in ys]
    fig, ax = plt.subplots(figsize=(6, 5))
    image = ax.imshow(grid, origin="lower", cmap="viridis")
    ax.set_xticks(range(len(xs)), xs)
    ax.set_yticks(range(len(ys)), ys)
    ax.set_xlabel(x_key)
    ax.set_ylabel(y_key)
    for i, y in enumerate(ys):
        for j, x in enumerate(xs):
            v = grid[i][j]
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", color="white" if (y, x) != best else "red", fontsize=8)
    fig.colorbar(image, label=label)
    ax.set_title(f"{metric}: best at {y_key}={best[0]}, {x_key}={best[1]}", fontsize=10)
    save(fig, args.out)


def bars(rows, args):
    group, metric, second = args.group, args.metric, args.second
    first_values = aggregate(rows, [group], metric)
    second_values = aggregate(rows, [group], second)
    labels = [k[0] for k in first_values]
    fig, ax = plt.subplots(figsize=(max(6, len(labels) * 0.9), 4.5))
    xs = range(len(labels))
    first = ax.bar([x - 0.2 for x in xs], [first_values[(l,)] for l in labels], width=0.4,
                   label=metric_label(metric, rows, [group]))
    ax.set_ylabel(metric_label(metric, rows, [group]))
    short = [l.replace("topology=", "").replace("type=", "").replace(";", "\n") for l in labels]
    ax.set_xticks(list(xs), short, fontsize=8, rotation=30, ha="right")
    other = ax.twinx()
    second_bars = other.bar([x + 0.2 for x in xs], [second_values[(l,)] for l in labels], width=0.4,
                            color="tab:orange", label=metric_label(second, rows, [group]))
    other.set_ylabel(metric_label(second, rows, [group]))
    # The legend inside the axes, under the title (a figure legend sat on it).
    other.set_ylim(0, max(second_values.values()) * 1.25 if second_values else 1)
    ax.set_ylim(0, max(first_values.values()) * 1.25 if first_values else 1)
    ax.legend(handles=[first, second_bars], loc="upper left", fontsize=7)
    ax.set_title(f"{metric} and {second} by {group}", fontsize=10)
    save(fig, args.out)


def scatter(rows, args):
    x_key, metric = args.x, args.metric
    keys = args.group.split(",")
    xs = aggregate(rows, keys, x_key)
    ys = aggregate(rows, keys, metric)
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for k in xs:
        ax.scatter(xs[k], ys[k])
        ax.annotate("x".join(k), (xs[k], ys[k]), fontsize=7)
    ax.set_xlabel(metric_label(x_key, rows, keys))
    ax.set_ylabel(metric_label(metric, rows, keys))
    ax.set_title(f"{metric} against {x_key}", fontsize=10)
    save(fig, args.out)


def noc_curve(path, out):
    """The latency-throughput curve of `sosasim noc --rates` (noc_curve.csv; several may be
    concatenated, one line each per topology and traffic)."""
    with open(path) as handle:
        rows = [r for r in csv.DictReader(handle) if r.get("topology") != "topology"]
    needed = ["topology", "traffic", "injection_rate", "offered", "accepted", "avg_latency_cycles",
              "p99_latency_cycles", "saturated"]
    if not rows or any(k not in rows[0] for k in needed):
        sys.exit(f"error: {path}: not a noc curve (expected the columns {', '.join(needed)})")
    lines = collections.OrderedDict()
    for r in rows:
        lines.setdefault((r["topology"], r["traffic"]), []).append(r)
    fig, (latency_ax, accepted_ax) = plt.subplots(1, 2, figsize=(11, 4.5))
    for (topology, traffic), points in lines.items():
        points.sort(key=lambda r: float(r["offered"]))
        offered = [float(r["offered"]) for r in points]
        saturated = [r["saturated"] in ("1", "true", "True") for r in points]
        label = f"{topology}, {traffic}"
        line, = latency_ax.plot(offered, [float(r["avg_latency_cycles"]) for r in points], marker="o", label=label + " (mean)")
        latency_ax.plot(offered, [float(r["p99_latency_cycles"]) for r in points], linestyle="--", color=line.get_color(),
                        label=label + " (p99)")
        accepted_ax.plot(offered, [float(r["accepted"]) for r in points], marker="o", color=line.get_color(), label=label)
        for ax, key in ((latency_ax, "avg_latency_cycles"), (accepted_ax, "accepted")):
            xs = [o for o, sat in zip(offered, saturated) if sat]
            ys = [float(r[key]) for r, sat in zip(points, saturated) if sat]
            ax.scatter(xs, ys, s=60, facecolors="white", edgecolors=line.get_color(), zorder=3)
    latency_ax.set_yscale("log")
    latency_ax.set_xlabel("offered load (flits per port per cycle)")
    latency_ax.set_ylabel("packet latency (cycles)")
    latency_ax.set_title("latency (hollow: saturated)", fontsize=10)
    latency_ax.legend(fontsize=7, loc="upper left")
    top = max(float(r["offered"]) for r in rows)
    accepted_ax.plot([0, top], [0, top], color="grey", linewidth=0.8, linestyle=":", label="accepted = offered")
    accepted_ax.set_xlabel("offered load (flits per port per cycle)")
    accepted_ax.set_ylabel("accepted throughput (flits per port per cycle)")
    accepted_ax.set_title("throughput", fontsize=10)
    accepted_ax.legend(fontsize=7, loc="upper left")
    save(fig, out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["heatmap", "bars", "scatter", "formats", "noc"])
    parser.add_argument("results")
    parser.add_argument("-o", "--out", required=True, help="output path without extension")
    parser.add_argument("--x")
    parser.add_argument("--y")
    parser.add_argument("--metric")
    parser.add_argument("--second")
    parser.add_argument("--group")
    parser.add_argument("--workload")
    parser.add_argument("--where", action="append", default=[], help="key=value: keep only these rows (repeatable)")
    args = parser.parse_args()
    if args.kind == "noc":
        noc_curve(args.results, args.out)
        return 0
    rows = load(args.results, args.workload)
    for condition in args.where:
        key, _, value = condition.partition("=")
        rows = [r for r in rows if r.get(key) == value]
        if not rows:
            sys.exit(f"error: {args.results}: no rows with {condition}")
    # Each kind's defaults, then every column it will read must be in the table (a sweep that
    # does not vary array.rows has no such column: say so, not a traceback).
    defaults = {
        "heatmap": {"x": "array.cols", "y": "array.rows", "metric": "tops_per_watt"},
        "bars": {"group": "interconnect", "metric": "effective_tops", "second": "peak_power_w"},
        "scatter": {"x": "peak_power_w", "metric": "effective_tops", "group": "array.rows,array.cols"},
        "formats": {"group": "format", "metric": "tops_per_watt", "second": "energy_j"},
    }[args.kind]
    for key, value in defaults.items():
        if not getattr(args, key):
            setattr(args, key, value)
    used = [getattr(args, k) for k in ("x", "y", "metric", "second") if k in defaults]
    used += args.group.split(",") if "group" in defaults else []
    for key in used:
        if key not in rows[0]:
            sys.exit(f"error: {args.results}: no column '{key}' for plot {args.kind} "
                     f"(columns: {', '.join(rows[0])}; choose others with --x, --y, --group, --metric)")
    if args.kind == "heatmap":
        heatmap(rows, args)
    elif args.kind == "scatter":
        scatter(rows, args)
    else:
        bars(rows, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
