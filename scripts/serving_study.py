#!/usr/bin/env python3
"""LLM serving on the default machine: the decode roofline, the cost of the phase barriers and of
token buckets, and latency against request rate.

    scripts/serving_study.py [build/sosasim] [-j 2] [--skip-sweep]

Every figure comes from `sosasim serve` (and one `sosasim run`) on configs/serving_llama3_8b.yaml
(Llama-3-8B on SOSA's 256 pods of 32x32, int8, 1200 GiB/s DRAM):

1. Decode at batch B = 1 .. 256 (B requests of 512 prompt tokens arriving together, no token
   buckets): a decode iteration's cycles, tokens/s, the share of its cycles DRAM was busy and the
   arrays streamed, beside the roofline: max(bytes / DRAM bandwidth, MACs / peak MAC rate), the
   bytes being every weight and each request's K and V.
2. The barriers of the serving execution model: a decode iteration of `serve` (KV cache on chip)
   against the same iteration as one `run` of `sosasim workload llm`'s trace, which overlaps the
   phases.
3. Token buckets against exact token counts on 60 requests: latencies and simulator time.
4. The sweep configs/sweeps/serving_rate.yaml (two designs, rates 2 to 14 per second): TTFT and
   TPOT percentiles against the rate, the highest rate whose p99 TTFT meets 0.5 s, queueing below
   and above saturation, TTFT against prompt length.

Prints markdown tables (docs/serving.md quotes them) and writes docs/plots/serving_roofline.png
and docs/plots/serving_latency.png.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.path.join(ROOT, "configs", "serving_llama3_8b.yaml")
SWEEP = os.path.join(ROOT, "configs", "sweeps", "serving_rate.yaml")
TTFT_TARGET_S = 0.5


def serve(binary, tmp, name, requests=None, overrides=()):
    out = os.path.join(tmp, name)
    args = [binary, "serve", CONFIG, "-q", "-o", out]
    if requests is not None:
        trace = os.path.join(tmp, name + ".csv")
        with open(trace, "w") as handle:
            handle.write("arrival_s,prompt_tokens,output_tokens\n")
            for arrival, prompt, output in requests:
                handle.write(f"{arrival},{prompt},{output}\n")
        args += ["-p", f"serving.requests={trace}"]
    for o in overrides:
        args += ["-p", o]
    start = time.time()
    subprocess.run(args, check=True, capture_output=True)
    wall = time.time() - start
    with open(os.path.join(out, "summary.json")) as handle:
        summary = json.load(handle)
    with open(os.path.join(out, "iterations.csv")) as handle:
        iterations = list(csv.DictReader(handle))
    with open(os.path.join(out, "requests.csv")) as handle:
        rows = list(csv.DictReader(handle))
    return summary, iterations, rows, wall


def model_figures(binary):
    out = subprocess.run([binary, "workload", "llm", "llama3_8b", "--json"], check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


def roofline(binary, tmp, prompt, batches):
    m = model_figures(binary)
    layers, kv_heads, d, heads = m["layers"], m["kv_heads"], m["head_dim"], m["heads"]
    weights = m["gemm_weights"]  # int8: a byte each
    kv_token = 2 * layers * kv_heads * d  # bytes per token of context
    bandwidth = 1200 * 2**30  # bytes/s
    peak_macs = 256 * 32 * 32 * 1e9
    rows = []
    for batch in batches:
        # (long enough that every request decodes at once after the chunked prefills)
        summary, iterations, _, _ = serve(
            binary, tmp, f"batch{batch}_{prompt}", [(0, prompt, batch // 2 + 8)] * batch,
            ["serving.batching.token_buckets=", f"serving.batching.max_batch={batch}",
             f"serving.batching.max_batched_tokens={max(2048, batch)}"])
        decode = next(r for r in iterations if r["prefill_tokens"] == "0" and int(r["requests"]) == batch)
        context = int(decode["context_tokens"])  # summed over the batch
        read = context + batch * 8  # whole KV blocks of 16: half a block more per request, on average
        bytes_ = weights + read * kv_token
        macs = batch * weights + 2 * read * heads * d * layers
        t_dram, t_compute = bytes_ / bandwidth, macs / peak_macs
        t = int(decode["cycles"]) / 1e9
        rows.append({"batch": batch, "context": context / batch, "cycles": int(decode["cycles"]), "tokens_per_s": batch / t,
                     "roofline_tokens_per_s": batch / max(t_dram, t_compute), "t_dram_ms": t_dram * 1e3,
                     "t_compute_ms": t_compute * 1e3, "dram_busy": float(decode["dram_busy_fraction"]),
                     "array_busy": float(decode["array_busy_fraction"]),
                     "bound": "DRAM" if t_dram > t_compute else "arrays"})
    return rows


def barriers(binary, tmp):
    """A decode iteration as serve runs it (KV cache in DRAM) against the same iteration as one run
    of `workload llm`'s trace with the attention operands read from DRAM (w_operand: weight)."""
    rows = []
    for batch, context in ((1, 1024), (16, 1024), (64, 512)):
        _, iterations, _, _ = serve(binary, tmp, f"barrier{batch}", [(0, context - 1, 2)] * batch,
                                    ["serving.batching.token_buckets=", f"serving.batching.max_batch={batch}",
                                     f"serving.batching.max_batched_tokens={batch * context}"])
        decode = next(r for r in iterations if r["prefill_tokens"] == "0" and int(r["requests"]) == batch)
        trace = os.path.join(tmp, f"whole{batch}.csv")
        subprocess.run([binary, "workload", "llm", "llama3_8b", "-o", trace] + ["--decode", str(context)] * batch,
                       check=True, capture_output=True)
        with open(trace) as handle:
            lines = handle.read().splitlines()
        with open(trace, "w") as handle:  # K and V from DRAM, as the serving run's cache
            for line in lines:
                if ".attn.qk" in line or ".attn.pv" in line:
                    line = line.replace(",activation,", ",weight,")
                handle.write(line + "\n")
        out = os.path.join(tmp, f"whole{batch}")
        subprocess.run([binary, "run", CONFIG, "-q", "-o", out, "-p", "serving.model=", "-p", f"workload.trace={trace}"],
                       check=True, capture_output=True)
        with open(os.path.join(out, "summary.json")) as handle:
            whole = json.load(handle)["cycles"]
        rows.append({"batch": batch, "context": context, "serve_cycles": int(decode["cycles"]), "whole_run_cycles": whole,
                     "barrier_cost": int(decode["cycles"]) / whole - 1})
    return rows


def buckets(binary, tmp):
    rows = []
    for label, value in (("exact", ""), ("buckets", None)):
        overrides = ["serving.arrivals.count=60"] + ([f"serving.batching.token_buckets={value}"] if value is not None else [])
        summary, _, _, wall = serve(binary, tmp, "buckets_" + label, None, overrides)
        s = summary["serving"]
        rows.append({"run": label, "ttft_p50": s["ttft_s"]["p50"], "ttft_p99": s["ttft_s"]["p99"],
                     "tpot_p50": s["tpot_s"]["p50"], "tpot_p99": s["tpot_s"]["p99"], "tokens_per_s": s["output_tokens_per_s"],
                     "padding_tokens": s["padding_tokens"], "phases_simulated": s["phases_simulated"], "wall_s": wall})
    return rows


def sweep(binary, jobs, out):
    subprocess.run([binary, "sweep", SWEEP, "-j", str(jobs), "-o", out, "--resume"], check=True)
    with open(os.path.join(out, "results.csv")) as handle:
        return list(csv.DictReader(handle))


def table(rows, columns):
    lines = ["| " + " | ".join(c for c, _ in columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(fmt.format(row[c]) if not callable(fmt) else fmt(row) for c, fmt in columns) + " |")
    return "\n".join(lines)


def measure(binary, plt, parts):
    """The roofline, barrier and token-bucket measurements, and the roofline plot."""
    with tempfile.TemporaryDirectory() as tmp:
        roofs = {}
        for prompt, batches in ((512, (1, 2, 4, 8, 16, 32, 64, 128, 256)), (32, (1, 16, 64, 128, 256, 384, 512))):
            saved = os.path.join(ROOT, "results", f"serving_roofline_{prompt}.json")
            if f"roofline{prompt}" not in parts:  # (the plot shows an earlier measurement)
                if os.path.exists(saved):
                    with open(saved) as handle:
                        roofs[prompt] = json.load(handle)
                continue
            roof = roofs[prompt] = roofline(binary, tmp, prompt, batches)
            os.makedirs(os.path.dirname(saved), exist_ok=True)
            with open(saved, "w") as handle:
                json.dump(roof, handle)
            print(f"## decode roofline after {prompt}-token prompts\n")
            print(table(roof, [("batch", "{}"), ("context", "{:.0f}"), ("cycles", "{:,}"), ("tokens_per_s", "{:,.0f}"),
                               ("roofline_tokens_per_s", "{:,.0f}"), ("t_dram_ms", "{:.3f}"), ("t_compute_ms", "{:.3f}"),
                               ("dram_busy", "{:.2f}"), ("array_busy", "{:.2f}"), ("bound", "{}")]), flush=True)
        if "barriers" in parts:
          bar = barriers(binary, tmp)
          print("\n## barriers\n")
          print(table(bar, [("batch", "{}"), ("context", "{}"), ("serve_cycles", "{:,}"), ("whole_run_cycles", "{:,}"), ("barrier_cost", "{:+.1%}")]),
              flush=True)
        if "buckets" in parts:
          buck = buckets(binary, tmp)
          print("\n## token buckets\n")
          print(table(buck, [("run", "{}"), ("ttft_p50", "{:.4f}"), ("ttft_p99", "{:.4f}"), ("tpot_p50", "{:.5f}"),
                           ("tpot_p99", "{:.5f}"), ("tokens_per_s", "{:,.0f}"), ("padding_tokens", "{:,}"),
                           ("phases_simulated", "{:,}"), ("wall_s", "{:.0f}")]), flush=True)

    fig, ax = plt.subplots(figsize=(6, 4))
    for (prompt, roof), color in zip(roofs.items(), ("C0", "C1")):
        ax.plot([r["batch"] for r in roof], [r["tokens_per_s"] for r in roof], "o-", color=color,
                label=f"simulated, {prompt}-token prompts")
        ax.plot([r["batch"] for r in roof], [r["roofline_tokens_per_s"] for r in roof], "--", color=color,
                label=f"roofline, {prompt}-token prompts")
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xlabel("batch (requests decoding)")
    ax.set_ylabel("output tokens/s")
    ax.set_title("Llama-3-8B decode, KV cache in DRAM, SOSA 256 x 32x32")
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(ROOT, "docs", "plots", "serving_roofline.png"), dpi=120)



def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary", nargs="?", default=os.path.join(ROOT, "build", "sosasim"))
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--sweep-out", default=os.path.join(ROOT, "results", "serving_rate"))
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument("--only-sweep", action="store_true", help="only the rate sweep (its points resume)")
    parser.add_argument("--parts", default="roofline512,roofline32,barriers,buckets",
                        help="the measurements to make (comma-separated; default all)")
    args = parser.parse_args()
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    if not args.only_sweep:
        measure(args.binary, plt, args.parts.split(","))

    if args.skip_sweep:
        return
    results = sweep(args.binary, args.jobs, args.sweep_out)
    designs = sorted({(int(r["pods"]), int(r["array.rows"])) for r in results}, reverse=True)
    print("\n## rate sweep\n")
    print(table(results, [("pods", "{}"), ("array.rows", "{}"), ("serving.arrivals.rate_per_s", "{}"),
                          ("serving_requests_per_s", lambda r: f"{float(r['serving_requests_per_s']):.2f}"),
                          ("serving_ttft_p50_s", lambda r: f"{float(r['serving_ttft_p50_s']):.3f}"),
                          ("serving_ttft_p99_s", lambda r: f"{float(r['serving_ttft_p99_s']):.3f}"),
                          ("serving_tpot_p99_s", lambda r: f"{float(r['serving_tpot_p99_s']):.4f}"),
                          ("serving_queue_p99_s", lambda r: f"{float(r['serving_queue_p99_s']):.3f}"),
                          ("serving_output_tokens_per_s", lambda r: f"{float(r['serving_output_tokens_per_s']):,.0f}"),
                          ("serving_energy_per_token_j", lambda r: f"{float(r['serving_energy_per_token_j']):.4f}")]))
    print(f"\n## highest rate with p99 TTFT <= {TTFT_TARGET_S} s\n")
    fig, axes = plt.subplots(1, 3, figsize=(15, 4))
    for pods, rows in designs:
        points = sorted((r for r in results if int(r["pods"]) == pods and r["status"] == "ok"),
                        key=lambda r: float(r["serving.arrivals.rate_per_s"]))
        rates = [float(r["serving.arrivals.rate_per_s"]) for r in points]
        label = f"{pods} pods of {rows}x{rows}"
        axes[0].plot(rates, [float(r["serving_ttft_p99_s"]) for r in points], "o-", label=label + " p99")
        axes[0].plot(rates, [float(r["serving_ttft_p50_s"]) for r in points], "o:", label=label + " p50")
        axes[1].plot(rates, [float(r["serving_tpot_p99_s"]) * 1e3 for r in points], "o-", label=label + " p99")
        meeting = [rate for rate, r in zip(rates, points) if float(r["serving_ttft_p99_s"]) <= TTFT_TARGET_S]
        print(f"- {label}: {max(meeting) if meeting else 'none'} requests/s")
        # Queueing below and above saturation: each request's queue time in arrival order.
        for r in (points[0], points[-1]):
            with open(os.path.join(args.sweep_out, "points", r["point_id"], "requests.csv")) as handle:
                requests = list(csv.DictReader(handle))
            axes[2].plot(range(len(requests)), [float(q["queue_s"]) for q in requests],
                         label=f"{label}, {float(r['serving.arrivals.rate_per_s']):g}/s")
    axes[0].axhline(TTFT_TARGET_S, color="k", lw=0.8, ls="--")
    axes[0].set_yscale("log")
    axes[0].set_xlabel("request rate (1/s)")
    axes[0].set_ylabel("TTFT (s)")
    axes[1].set_xlabel("request rate (1/s)")
    axes[1].set_ylabel("TPOT (ms)")
    axes[2].set_xlabel("request (arrival order)")
    axes[2].set_ylabel("queue time (s)")
    for a in axes:
        a.legend(fontsize=7)
    fig.suptitle("Llama-3-8B serving, 150 requests per point (prompts 128-2048, outputs 32-512)")
    fig.tight_layout()
    fig.savefig(os.path.join(ROOT, "docs", "plots", "serving_latency.png"), dpi=120)
    # TTFT against prompt length at the lowest rate (little queueing).
    low = min((r for r in results if r["status"] == "ok"), key=lambda r: (float(r["serving.arrivals.rate_per_s"]), -int(r["pods"])))
    with open(os.path.join(args.sweep_out, "points", low["point_id"], "requests.csv")) as handle:
        requests = list(csv.DictReader(handle))
    by_length = sorted(requests, key=lambda q: int(q["prompt_tokens"]))
    quarter = len(by_length) // 4
    for name, part in (("shortest quarter", by_length[:quarter]), ("longest quarter", by_length[-quarter:])):
        ttft = sorted(float(q["ttft_s"]) for q in part)
        print(f"- {name} of prompts ({part[0]['prompt_tokens']}-{part[-1]['prompt_tokens']} tokens): "
              f"median TTFT {ttft[len(ttft) // 2]:.4f} s")


if __name__ == "__main__":
    sys.exit(main())
