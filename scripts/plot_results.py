#!/usr/bin/python3
"""Plots a sweep's results.csv (PNG and PDF). Across workloads, points are aggregated with the
harmonic mean (SOSA's aggregate) unless --workload picks one.

  plot heatmap RESULTS.csv -o OUT [--x array.cols] [--y array.rows] [--metric tops_per_watt]
  plot bars    RESULTS.csv -o OUT [--group interconnect] [--metric effective_tops] [--second peak_power_w]
  (every kind: --where key=value keeps only matching rows, e.g. --where pods=256)
  plot scatter RESULTS.csv -o OUT [--x peak_power_w] [--metric effective_tops] [--group array.rows,array.cols]
  plot formats RESULTS.csv -o OUT [--group format]    (bars of TOPS/W and energy per format)
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
    x_key, y_key, metric = args.x or "array.cols", args.y or "array.rows", args.metric or "tops_per_watt"
    values = aggregate(rows, [y_key, x_key], metric)
    xs = sorted({k[1] for k in values}, key=number_or_text)
    ys = sorted({k[0] for k in values}, key=number_or_text)
    grid = [[values.get((y, x), float("nan")) for x in xs] for y in ys]
    fig, ax = plt.subplots(figsize=(6, 5))
    image = ax.imshow(grid, origin="lower", cmap="viridis")
    ax.set_xticks(range(len(xs)), xs)
    ax.set_yticks(range(len(ys)), ys)
    ax.set_xlabel(x_key)
    ax.set_ylabel(y_key)
    best = max(values, key=values.get)
    for i, y in enumerate(ys):
        for j, x in enumerate(xs):
            v = grid[i][j]
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", color="white" if (y, x) != best else "red", fontsize=8)
    fig.colorbar(image, label=metric + (" (harmonic mean)" if not args.workload else ""))
    ax.set_title(f"{metric}: best at {y_key}={best[0]}, {x_key}={best[1]}")
    save(fig, args.out)


def bars(rows, args, default_group="interconnect", default_metric="effective_tops", default_second="peak_power_w"):
    group, metric, second = args.group or default_group, args.metric or default_metric, args.second or default_second
    first_values = aggregate(rows, [group], metric)
    second_values = aggregate(rows, [group], second)
    labels = [k[0] for k in first_values]
    fig, ax = plt.subplots(figsize=(max(6, len(labels) * 0.9), 4.5))
    xs = range(len(labels))
    ax.bar([x - 0.2 for x in xs], [first_values[(l,)] for l in labels], width=0.4, label=metric)
    ax.set_ylabel(metric)
    short = [l.replace("topology=", "").replace("type=", "").replace(";", "\n") for l in labels]
    ax.set_xticks(list(xs), short, fontsize=8, rotation=30, ha="right")
    other = ax.twinx()
    other.bar([x + 0.2 for x in xs], [second_values[(l,)] for l in labels], width=0.4, color="tab:orange", label=second)
    other.set_ylabel(second)
    fig.legend(loc="upper right")
    ax.set_title(f"{metric} and {second} by {group}")
    save(fig, args.out)


def scatter(rows, args):
    x_key, metric = args.x or "peak_power_w", args.metric or "effective_tops"
    keys = (args.group or "array.rows,array.cols").split(",")
    xs = aggregate(rows, keys, x_key)
    ys = aggregate(rows, keys, metric)
    fig, ax = plt.subplots(figsize=(6, 4.5))
    for k in xs:
        ax.scatter(xs[k], ys[k])
        ax.annotate("x".join(k), (xs[k], ys[k]), fontsize=7)
    ax.set_xlabel(x_key)
    ax.set_ylabel(metric)
    ax.set_title(f"{metric} against {x_key}")
    save(fig, args.out)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["heatmap", "bars", "scatter", "formats"])
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
    rows = load(args.results, args.workload)
    for condition in args.where:
        key, _, value = condition.partition("=")
        rows = [r for r in rows if r.get(key) == value]
        if not rows:
            sys.exit(f"error: {args.results}: no rows with {condition}")
    for key in [k for k in (args.x, args.y, args.metric, args.second) if k] + (args.group.split(",") if args.group else []):
        if key not in rows[0]:
            sys.exit(f"error: {args.results}: no column '{key}' (columns: {', '.join(rows[0])})")
    if args.kind == "heatmap":
        heatmap(rows, args)
    elif args.kind == "bars":
        bars(rows, args)
    elif args.kind == "scatter":
        scatter(rows, args)
    else:
        bars(rows, args, default_group="format", default_metric="tops_per_watt", default_second="energy_j")
    return 0


if __name__ == "__main__":
    sys.exit(main())
