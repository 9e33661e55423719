#!/usr/bin/env python3
"""Regenerates docs/validation.md: sosasim beside the SOSA authors' published numbers.

    scripts/validate_sosa.py [build/sosasim] [-o docs/validation.md] [-j 2]

Runs the ten SOSA workloads (BERT medium/base/large at S = 100, DenseNet-121/169/201,
InceptionV3, ResNet-50/101/152 at 299 px) on the SOSA design point under configs/sosa_compat.yaml
(the authors' simulator's assumptions) and configs/sosa.yaml (the full model), ResNet-50 on 64
pods, the coarse baselines of configs/baselines/, and the Butterfly-2 / crossbar / Benes networks
at 256 pods; then writes the tables with the authors' values (DESIGN.md section 4) beside ours.
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORKLOADS = ["bert_medium_s100", "bert_base_s100", "bert_large_s100", "densenet121_299", "densenet169_299",
             "densenet201_299", "inception_299", "resnet50_299", "resnet101_299", "resnet152_299"]
with open(os.path.join(ROOT, "docs", "sosa_published.json")) as _published:
    PUBLISHED = json.load(_published)  # the authors' figures (DESIGN.md section 4)
AUTHORS = {(run["workload"], run["pods"]): run for run in PUBLISHED["runs"]}
BASELINES = ["16x16x512", "64x64x128", "128x128x32", "256x256x8", "512x512x1"]
# Benes with the latency of the authors' `benes_copy` (a copy network in front of the Benes:
# 4 log2 N - 1 = 31 stages at 256 ports, their compiler/interconnect/interconnect.hpp): 2 cycles
# per hop over our 15-stage Benes.
BENES_COPY = "{topology: benes, hop_latency: 2}"
# sosa_rounds from compat to the full cycle-level model, one setting at a time (each step keeps the
# ones before), on these workloads.
LADDER = [("compat (`configs/sosa_compat.yaml`)", None),
          ("+ weight loads, fill and drain (pipelined rounds)", "array.ideal_fill_drain=false"),
          ("+ the last round counted", "tiling.count_last_round=true"),
          ("+ first layers read their input tensor, not its im2col lowering (= `configs/sosa.yaml` with "
           "`sosa_rounds`)", "dram.inputs=tensor"),
          ("+ the layer's own op order (weight-major list, tiles interleaved by number)", "tiling.op_list=weight_major"),
          ("+ one layer at a time", "tiling.layers=sequential"),
          ("+ partial sums added at no cost (`tiling.k_reduction: free`)", "tiling.k_reduction=free")]
FULL_ROUNDS_STEP = 3  # the ladder's step that is configs/sosa.yaml with sosa_rounds
LADDER_WORKLOADS = ["resnet50_299", "inception_299", "densenet121_299", "bert_base_s100"]
# Further networks, on ResNet-50 only.
# Full-model runs with `interconnect.transfers: routers` (flits through the router engines).
ROUTER_NETWORKS = ("{topology: butterfly, expansion: 2}", "{topology: benes}", "{topology: crossbar}")
EXTRA_NETWORKS = ("{topology: butterfly, expansion: 1}", "{topology: benes, multicast: false}", "{topology: mesh}",
                  "{topology: bus}")


# Copies (encoder layers L) and d_model of the authors' BERT runs (their precompiler's models).
BERT_COPIES = {"BERT-base": (12, 768), "BERT-large": (24, 1024)}
# The authors' BERT runs as their artifact's log gives them (docs/sosa_published.json).
ART = {run["name"]: {"cycles": run["cycles"], "w_bytes": run["dram_w_bytes"], "x_bytes": run["dram_x_bytes"],
                     "trace": run["workload"]} for run in PUBLISHED["bert_artifact_runs"]}


def run(binary, config, workload, overrides, tmp):
    out = tempfile.mkdtemp(dir=tmp)
    trace = workload if workload.endswith(".csv") else f"{ROOT}/workloads/models/{workload}.csv"
    args = [binary, "run", config, "-q", "-o", out, "-p", f"workload.trace={trace}"]
    for o in overrides:
        args += ["-p", o]
    subprocess.run(args, check=True, capture_output=True)
    with open(os.path.join(out, "summary.json")) as handle:
        summary = json.load(handle)
    summary["rounds"] = summary["stats"].get("rounds", 0)
    return summary


def hmean(values):
    return len(values) / sum(1 / v for v in values)


def parse_args(doc):
    """The command line both studies take: [binary] [-o docs/validation.md] [-j jobs]."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binary", nargs="?", default=os.path.join(ROOT, "build", "sosasim"))
    parser.add_argument("-o", "--out", default=os.path.join(ROOT, "docs", "validation.md"))
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    return parser.parse_args()


def main():
    args = parse_args(__doc__)
    compat = os.path.join(ROOT, "configs", "sosa_compat.yaml")
    full = os.path.join(ROOT, "configs", "sosa.yaml")
    jobs = {}
    with tempfile.TemporaryDirectory() as tmp, concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        def submit(key, config, workload, overrides=()):
            jobs[key] = pool.submit(run, args.binary, config, workload, list(overrides), tmp)
        for size, published in ART.items():
            submit(("compat-artifact", size), compat, published["trace"])
        submit(("compat-every-layer", "bert_base_s100"), compat, "bert_base_s100", ["dram.layer_inputs=every_layer"])
        for size, published in ART.items():
            submit(("compat-every-layer", size), compat, published["trace"], ["dram.layer_inputs=every_layer"])
        for w in WORKLOADS:
            submit(("compat", w), compat, w)
            submit(("full", w), full, w)
            submit(("full-charged", w), full, w, ["tiling.k_reduction=post_processors"])
            submit(("full-free", w), full, w, ["tiling.k_reduction=free"])
            if w == "inception_299":
                submit(("full-ideal-free", w), full, w, ["tiling.k_reduction=free", "interconnect.transfers=ideal"])
                submit(("full-contiguous", w), full, w, ["tiling.placement=contiguous"])
                submit(("full-contiguous-ideal", w), full, w, ["tiling.placement=contiguous",
                                                               "interconnect.transfers=ideal"])
            for b in BASELINES:
                base = os.path.join(ROOT, "configs", "baselines", b + ".yaml")
                submit(("baseline", b, w), base, w)
                rows, pods = b.split("x")[0], b.split("x")[2]
                submit(("baseline-compat", b, w), compat, w, [f"array.rows={rows}", f"array.cols={rows}", f"pods={pods}"])
            for topology in ("{topology: crossbar}", "{topology: benes}"):
                submit(("ict", topology, w), compat, w, [f"interconnect={topology}"])
                submit(("ict-full", topology, w), full, w, [f"interconnect={topology}"])
            submit(("ict", BENES_COPY, w), compat, w, [f"interconnect={BENES_COPY}"])
            submit(("ict-full", BENES_COPY, w), full, w, [f"interconnect={BENES_COPY}"])
            submit(("compat-free", w), compat, w, ["tiling.k_reduction=free"])
            if w in ("resnet50_299", "inception_299", "bert_base_s100"):
                submit(("compat-sequential", w), compat, w, ["tiling.layers=sequential"])
            submit(("full-ideal", w), full, w, ["interconnect.transfers=ideal"])
            for topology in ROUTER_NETWORKS:
                submit(("full-routers", topology, w), full, w, [f"interconnect={topology}", "interconnect.transfers=routers"])
        for topology in EXTRA_NETWORKS:
            submit(("ict", topology, "resnet50_299"), compat, "resnet50_299", [f"interconnect={topology}"])
        for w in LADDER_WORKLOADS:
            steps = []
            for i, (_, override) in enumerate(LADDER):
                if override:
                    steps.append(override)
                submit(("ladder", i, w), compat, w, steps)
            submit(("full-rounds", w), full, w, ["tiling.scheduler=sosa_rounds"])
        submit(("compat64", "resnet50_299"), compat, "resnet50_299", ["pods=64"])
        submit(("full64", "resnet50_299"), full, "resnet50_299", ["pods=64"])
        r = {key: job.result() for key, job in jobs.items()}

    def per_copy_x(size):  # X bytes of one copy of the authors' BERT, every GEMM's X operand once
        return int(r[("compat-every-layer", size)]["bytes_by_operand"]["dram_x_read"]) // BERT_COPIES[size][0]

    lines = ["# Validation against the SOSA authors' numbers", "",
             "Generated by `scripts/validate_sosa.py` (re-run it after a model change). *compat* is",
             "`configs/sosa_compat.yaml`: the authors' simulator's assumptions (SOSA's greedy list scheduler in",
             "lock-step rounds of at least 2L + 1 cycles, with route and bank-port conflicts, over their",
             "compiler's op list and bank placement; partial sums chained across rounds or added by the",
             "post-processors in later rounds; independent layers sharing rounds; no weight load, fill or drain;",
             "the last round not counted); *full* is",
             "`configs/sosa.yaml`, the cycle-level model of `docs/model.md`. 256 pods of 32x32, Butterfly-2,",
             "int8, 1 GHz, 256 KiB banks, 1200 GB/s DRAM, batch 1. Authors' values from DESIGN.md section 4.", "",
             "## Cycles and utilization per workload (256 pods)", "",
             "| workload | authors: cycles | util | compat: cycles | util | TOPS | full: cycles | util | TOPS |",
             "|---|---|---|---|---|---|---|---|---|"]
    for w in WORKLOADS:
        a = AUTHORS.get((w, 256), {})
        c, f = r[("compat", w)], r[("full", w)]
        ac = f"{a['cycles']:,}" if a else "-"
        au = f"{100 * a['utilization']:.1f} %" if a else "-"
        lines.append(f"| {w} | {ac} | {au} | {c['cycles']:,} | {100 * c['utilization']:.1f} % | {c['effective_tops']:.1f} "
                     f"| {f['cycles']:,} | {100 * f['utilization']:.1f} % | {f['effective_tops']:.1f} |")
    a256 = AUTHORS[("resnet50_299", 256)]
    a64, c64, f64 = AUTHORS[("resnet50_299", 64)], r[("compat64", "resnet50_299")], r[("full64", "resnet50_299")]
    lines += ["", "ResNet-50 on 64 pods: authors {:,} cycles ({:.1f} %); compat {:,} ({:.1f} %, {:+.1f} %); full {:,} ({:.1f} %).".format(
        a64["cycles"], 100 * a64["utilization"], c64["cycles"], 100 * c64["utilization"],
        100 * (c64["cycles"] / a64["cycles"] - 1), f64["cycles"], 100 * f64["utilization"]),
        "ResNet-50 on 256 pods: compat is {:+.1f} % from the authors' {:,} cycles; full {:+.1f} %.".format(
        100 * (r[("compat", "resnet50_299")]["cycles"] / a256["cycles"] - 1), a256["cycles"],
        100 * (r[("full", "resnet50_299")]["cycles"] / a256["cycles"] - 1)),
        "", "## Iso-power comparison with coarser baselines (harmonic mean over the ten workloads)", "",
        "| machine | peak W | full: TOPS | at 400 W | compat: TOPS | at 400 W |", "|---|---|---|---|---|---|"]

    def hm(kind, *key):
        runs = [r[(kind,) + key + (w,)] for w in WORKLOADS]
        return hmean([x["effective_tops"] for x in runs]), hmean([x["iso_power_tops"] for x in runs]), runs[0]["peak_power_w"]

    sosa_full = hmean([r[("full", w)]["effective_tops"] for w in WORKLOADS]), hmean([r[("full", w)]["iso_power_tops"] for w in WORKLOADS])
    sosa_compat = hmean([r[("compat", w)]["effective_tops"] for w in WORKLOADS]), hmean([r[("compat", w)]["iso_power_tops"] for w in WORKLOADS])
    lines.append(f"| SOSA 32x32 x 256 | {r[('full', 'resnet50_299')]['peak_power_w']:.1f} | {sosa_full[0]:.1f} | {sosa_full[1]:.1f} "
                 f"| {sosa_compat[0]:.1f} | {sosa_compat[1]:.1f} |")
    best = {"full": (0, ""), "compat": (0, "")}  # best coarse baseline (arrays larger than 32x32)
    for b in BASELINES:
        raw, iso, power = hm("baseline", b)
        craw, ciso, _ = hm("baseline-compat", b)
        if int(b.split("x")[0]) > 32:
            best["full"] = max(best["full"], (iso, b))
            best["compat"] = max(best["compat"], (ciso, b))
        lines.append(f"| {b} | {power:.1f} | {raw:.1f} | {iso:.1f} | {craw:.1f} | {ciso:.1f} |")
    iso = PUBLISHED["iso_power"]
    lines += ["", f"Authors: SOSA {iso['sosa_raw_tops']} TOPS raw, {iso['sosa_iso_power_tops']} at 400 W; best baseline "
              f"({iso['best_baseline']}) {iso['best_baseline_iso_power_tops']} at 400 W: {iso['ratio']}x. "
              f"Ours, against the best coarser baseline: compat SOSA {sosa_compat[1]:.1f} at 400 W, "
              f"{best['compat'][1]} {best['compat'][0]:.1f}: {sosa_compat[1] / best['compat'][0]:.2f}x; full model SOSA "
              f"{sosa_full[1]:.1f}, {best['full'][1]} {best['full'][0]:.1f}: {sosa_full[1] / best['full'][0]:.2f}x. "
              "Baselines run with p = r, the authors' default partition (their precompiler).", "",
              "## Interconnects at 256 pods (compat, harmonic mean)", "",
              "| network | raw TOPS | peak W | TOPS/W | ResNet-50 cycles | rounds | authors |",
              "|---|---|---|---|---|---|---|"]
    authors_ict = {name: f"{n['raw_tops']} @ {n['peak_w']} W" for name, n in PUBLISHED["interconnects_256_pods"].items()}

    def network_row(name, key_of, hmean_over_all, authors):
        resnet = r[key_of("resnet50_299")]
        raw = hmean([r[key_of(w)]["effective_tops"] for w in WORKLOADS]) if hmean_over_all else None
        raw_text = f"{raw:.1f}" if raw is not None else "-"
        per_watt = f"{raw / resnet['peak_power_w']:.3f}" if raw is not None else "-"
        lines.append(f"| {name} | {raw_text} | {resnet['peak_power_w']:.1f} | {per_watt} | {resnet['cycles']:,} | "
                     f"{resnet['rounds']:,} | {authors} |")

    network_row("butterfly-2", lambda w: ("compat", w), True, authors_ict["butterfly-2"])
    for topology, name in (("{topology: crossbar}", "crossbar"), ("{topology: benes}", "benes")):
        network_row(name, lambda w, t=topology: ("ict", t, w), True, authors_ict[name] if name != "benes" else "-")
    network_row("benes, hop_latency: 2 (their copy network + Benes)", lambda w: ("ict", BENES_COPY, w), True,
                authors_ict["benes"])
    for topology in EXTRA_NETWORKS:
        network_row(topology.strip("{}").replace("topology: ", ""), lambda w, t=topology: ("ict", t, w), False, "-")
    lines += ["", "Raw TOPS and TOPS/W are harmonic means over the ten workloads (the last rows ran ResNet-50 only).",
              "", "## Interconnects at 256 pods (full model, harmonic mean)", "",
              "Tiles cross the X and W networks as link reservations (`docs/model.md`), or, in the rows",
              "*through the routers*, flit by flit through the router engines (`interconnect.transfers: routers`,",
              "straight-first adaptive routing); the last row lets them reach the pods at once.", "",
              "| network | raw TOPS | peak W | TOPS/W | ResNet-50 cycles | InceptionV3 cycles |", "|---|---|---|---|---|---|"]

    def full_row(name, key_of):
        raw = hmean([r[key_of(w)]["effective_tops"] for w in WORKLOADS])
        resnet, inception = r[key_of("resnet50_299")], r[key_of("inception_299")]
        lines.append(f"| {name} | {raw:.1f} | {resnet['peak_power_w']:.1f} | {raw / resnet['peak_power_w']:.3f} | "
                     f"{resnet['cycles']:,} | {inception['cycles']:,} |")

    full_row("butterfly-2", lambda w: ("full", w))
    for topology, name in (("{topology: crossbar}", "crossbar"), ("{topology: benes}", "benes"),
                           (BENES_COPY, "benes, hop_latency: 2 (their copy network + Benes)")):
        full_row(name, lambda w, t=topology: ("ict-full", t, w))
    for topology in ROUTER_NETWORKS:
        full_row(topology.strip("{}").replace("topology: ", "").replace("butterfly, expansion: 2", "butterfly-2") +
                 ", through the routers", lambda w, t=topology: ("full-routers", t, w))
    full_row("butterfly-2, ideal transfers", lambda w: ("full-ideal", w))
    free = {w: r[("compat-free", w)]["cycles"] for w in ("resnet50_299", "densenet121_299", "bert_base_s100")}
    bert = r[("compat", "bert_base_s100")]
    # The MACs the authors' BERT-base run did: their utilization of 256 pods of 32x32 over their cycles.

    def full_hmean(topology):  # full-model harmonic mean raw TOPS on a network (None: Butterfly-2)
        return hmean([r[("full", w) if topology is None else ("ict-full", topology, w)]["effective_tops"] for w in WORKLOADS])

    def full_hmean_routers(topology):  # the same through the router engines
        return hmean([r[("full-routers", topology, w)]["effective_tops"] for w in WORKLOADS])
    lines += ["", "## `sosa_rounds` at full cycle level, one step from compat at a time", "",
              "Compat's assumptions replaced one at a time by the full model's, each step keeping the ones",
              "before. The fourth row is `configs/sosa.yaml` with `tiling.scheduler: sosa_rounds` (its defaults: the",
              "authors' op list, layers sharing rounds, partial sums chained or added pairwise as their compiler",
              "does); the rows after it depart from SOSA's scheduler one setting at a time. On",
              "double-buffered arrays the rounds pipeline as the hardware would run them: a pod's next op",
              "loads its weights during the round before and streams from its round's start, its results",
              "draining under the next round's stream (`docs/model.md`). Cycles (rounds):", "",
              "| step | " + " | ".join(LADDER_WORKLOADS) + " |", "|---|" + "---|" * len(LADDER_WORKLOADS)]
    for i, (label, _) in enumerate(LADDER):
        lines.append(f"| {label} | " + " | ".join(
            f"{r[('ladder', i, w)]['cycles']:,} ({r[('ladder', i, w)]['rounds']:,})" for w in LADDER_WORKLOADS) + " |")
    for w in LADDER_WORKLOADS:
        assert r[("ladder", FULL_ROUNDS_STEP, w)]["cycles"] == r[("full-rounds", w)]["cycles"], w
    ladder = lambda i, w: r[("ladder", i, w)]["cycles"]
    lines += ["", "- Weight loads, fill and drain cost ResNet-50 {:+.1f} % over compat once rounds pipeline: a".format(
                  100 * (ladder(1, "resnet50_299") / ladder(0, "resnet50_299") - 1)),
              "  round lasts at least the R = 32 cycles of the next weight load, and a layer's last results",
              "  drain before its dependents' rounds begin.",
              "- Reading a first layer's input tensor instead of its im2col lowering saves DRAM time",
              "  ({:,} -> {:,} cycles on ResNet-50).".format(ladder(2, "resnet50_299"), ladder(3, "resnet50_299")),
              "- The order of the list matters most while partial sums are charged: in the layer's own",
              "  (weight-major) order the K blocks of an output tile come in consecutive ops, which often",
              "  share a round, so fewer chain and more go to pairwise additions (ResNet-50: {:,} chained and".format(
                  r[("ladder", 4, "resnet50_299")]["stats"]["round_chained_partial_sums"]),
              "  {:,} post-processor ops against {:,} and {:,} in the authors' list, K block outermost;".format(
                  r[("ladder", 4, "resnet50_299")]["stats"]["round_post_processor_ops"],
                  r[("ladder", 3, "resnet50_299")]["stats"]["round_chained_partial_sums"],
                  r[("ladder", 3, "resnet50_299")]["stats"]["round_post_processor_ops"]),
              "  {:,} -> {:,} cycles).".format(ladder(3, "resnet50_299"), ladder(4, "resnet50_299")),
              "- `sosa_rounds` at full cycle level (`configs/sosa.yaml`, partial sums charged as the authors'",
              "  compiler does) takes {:.2f}x the compat cycles on ResNet-50, {:.2f}x on InceptionV3, {:.2f}x on".format(
                  *[ladder(FULL_ROUNDS_STEP, w) / ladder(0, w) for w in LADDER_WORKLOADS[:3]]),
              "  DenseNet-121 and {:.2f}x on BERT-base. With partial sums added at no cost (the last row): {}; that".format(
                  ladder(FULL_ROUNDS_STEP, "bert_base_s100") / ladder(0, "bert_base_s100"),
                  ", ".join("{:.2f}x".format(ladder(len(LADDER) - 1, w) / ladder(0, w)) for w in LADDER_WORKLOADS)),
              "  is why DenseNet-121 (most of its compat rounds are pairwise additions) can be faster than compat."]
    lines += ["", "## Why the numbers differ", "",
              "- Compat follows the authors' compiler (github.com/yuezuegu/sosa-compiler, `compiler/layer.cpp`",
              "  and `compiler/compiler.cpp`): SOSA's greedy list scheduler places each op in the earliest round",
              "  with a free pod, free bank ports and free X, W and P routes; ops are listed by K block, then row",
              "  partition, then column block, and op q reads its own copies of its tiles from banks q mod N, so",
              "  the ops of a round never share a bank. After a layer's ops, each output tile's partial sums are",
              "  combined: a partial sum goes to a later round's op of the same output tile where one is free",
              "  (chained through the array), and the rest are added pairwise by the post-processors in later",
              "  rounds, each addition in two halves that write the same P bank and so take two rounds. The",
              "  layer ends with its last addition. ResNet-50 (big layers whose K blocks fall in successive",
              "  rounds, so nearly all chain) is within 2 % on 256 pods and 3 % on 64; DenseNet-121, whose many",
              "  small layers are K-deep (3x3 convolutions with K = 1,152 and N = 32), waits for trees of up to",
              "  six levels and lands within 2 % of the authors' 29 % utilization. Without the reduction",
              "  (`tiling.k_reduction: free`) the three take " + ", ".join(f"{c:,}" for c in free.values()) + " cycles",
              "  (ResNet-50, DenseNet-121, BERT-base).",
              "- BERT-base on our trace (twelve encoder layers, the heads once) is {:.0f} % faster than the authors'".format(
                  100 * (1 - bert["cycles"] / AUTHORS[("bert_base_s100", 256)]["cycles"])),
              "  figure. It is DRAM-bound in compat: its weights keep the DRAM channel busy {:,.0f} of its {:,} cycles.".format(
                  bert["stats"]["dram_busy_cycles"], bert["cycles"]),
              "  Their tool runs BERT differently, and their artifact's log says how: their precompiler",
              "  (`precompiler/precompile.py`) builds the Keras model with one encoder and the MLM-Dense, NSP-Dense",
              "  and NSP heads, and the compiler repeats that schedule L times (`no_repeat`), so the heads run, and",
              "  fetch their weights, L times. Their cycle model (`create_memory_fifo` in `compiler/compiler.cpp`,",
              "  `compiler/dram.cpp`) queues every op's W tile for DRAM, attention's K and V too, and its X tile,",
              "  which the DRAM model skips when the tile is already on chip: the compiled copy's layers read the X",
              "  tiles their producers wrote (their CNN runs, one compiled schedule, fetch only 64,685 X bytes),",
              "  while the L - 1 copies that `duplicate_schedule` adds are built by `Layer::create_copy` with fresh",
              "  X tiles that no producer writes, so they come from DRAM. The zoo's `bert_base_s100_sosa_artifact`",
              "  and `bert_large_s100_sosa_artifact` are shaped as theirs: every W operand is a weight",
              "  (`w_operand`), and the layers of copies 2 to L read their X operand from DRAM (the trace column",
              "  `input_from: dram`; `docs/traces.md`). Under compat (authors' log beside ours):",
              "",
              "| BERT at S = 100 | authors: cycles | ours | diff | authors: W bytes | ours | authors: X bytes | ours | diff |",
              "|---|---|---|---|---|---|---|---|---|"] + [
              "| {} | {:,} | {:,} | {:+.1f} % | {:,} | {:,} | {:,} | {:,} | {:+.1f} % |".format(
                  size, ART[size]["cycles"], r[("compat-artifact", size)]["cycles"],
                  100 * (r[("compat-artifact", size)]["cycles"] / ART[size]["cycles"] - 1),
                  ART[size]["w_bytes"], int(r[("compat-artifact", size)]["bytes_by_operand"]["dram_w_read"]),
                  ART[size]["x_bytes"], int(r[("compat-artifact", size)]["bytes_by_operand"]["dram_x_read"]),
                  100 * (r[("compat-artifact", size)]["bytes_by_operand"]["dram_x_read"] / ART[size]["x_bytes"] - 1))
              for size in ART] + [
              "",
              "  The weight bytes are theirs to the byte (the heads' weights L times, and the attention's K and V",
              "  fetched as W operands). Their X bytes are, to the byte, L - 1 copies' X operands (each GEMM's",
              "  once: BERT-base 888,000 bytes per encoder, 78,336 for the heads) plus one S x d_model tensor:",
              "  {}. Ours differ by two S x d_model tensors: the compiled copy's".format(
                  "; ".join("{}: {:,} x {} + 100 x {} = {:,}".format(
                      size, per_copy_x(size), BERT_COPIES[size][0] - 1, BERT_COPIES[size][1],
                      per_copy_x(size) * (BERT_COPIES[size][0] - 1) + 100 * BERT_COPIES[size][1]) for size in ART)),
              "  Q, K and V projections have no producer in our trace and each reads the encoder input from DRAM,",
              "  where their count has that input once ({}).".format(
                  "; ".join("{}: {:,} = {:,} x {} + 3 x 100 x {}".format(
                      size, int(r[("compat-artifact", size)]["bytes_by_operand"]["dram_x_read"]), per_copy_x(size),
                      BERT_COPIES[size][0] - 1, BERT_COPIES[size][1]) for size in ART)),
              "  Two readings give their totals: the one above, or every copy's X operands counted but the last",
              "  copy's (less one tensor); the first is the one their code supports (X tiles that producers write",
              "  are not fetched, as in their CNN runs; `create_copy` gives the copies fresh tiles), and their",
              "  TensorFlow precompiler, needed to run their tool and settle it, cannot be installed here.",
              "  Every copy reading every X operand from DRAM (`dram.layer_inputs: every_layer`, which also reads",
              "  activation W operands) gives {}; on our own trace (the heads once) {:,} X bytes, {:+.1f} % from their BERT-base figure.".format(
                  " and ".join("{:,} X bytes and {:,} cycles for {}".format(
                      int(r[("compat-every-layer", size)]["bytes_by_operand"]["dram_x_read"]),
                      r[("compat-every-layer", size)]["cycles"], size) for size in ART),
                  int(r[("compat-every-layer", "bert_base_s100")]["bytes_by_operand"]["dram_x_read"]),
                  100 * (r[("compat-every-layer", "bert_base_s100")]["bytes_by_operand"]["dram_x_read"] /
                         ART["BERT-base"]["x_bytes"] - 1)),
              "- Layers sharing rounds: the authors' compiler places a layer's ops from the round after its",
              "  dependencies' last round on, into any later round with free pods, while other layers still run;",
              "  so does ours (`tiling.layers: concurrent` in compat), placing a layer when it is released and",
              "  looking back at most `lookback_rounds` open rounds. One layer at a time (`sequential`) ResNet-50",
              "  takes {:,} cycles, and InceptionV3, whose branches share rounds, {:,} against {:,}.".format(
                  r[("compat-sequential", "resnet50_299")]["cycles"], r[("compat-sequential", "inception_299")]["cycles"],
                  r[("compat", "inception_299")]["cycles"]),
              "- Both models fetch weights from DRAM. A first layer's input comes as its im2col lowering in compat",
              "  (`dram.inputs: im2col`, as the authors fetch X tiles; 3.3 MB for ResNet-50, about 2,700 cycles",
              "  before its first op) and as the input tensor in the full model (279 KB, about 320 cycles).",
              "- Interconnects: the crossbar gains little over Butterfly-2 at 2.3x the peak power, as in the",
              "  authors' table. Their Benes is `benes_copy`: a copy network in front of a Benes, 4 log2 N - 1 = 31",
              "  stages at 256 ports, never blocking but with rounds of at least 2 x 31 + 1 = 63 cycles against",
              "  Butterfly-2's 19 (`compiler/interconnect/interconnect.hpp`), so a 32-row op fills half a round:",
              "  their 55 %. Our Benes multicasts in its own 2x2 switches (broadcast states, 15 stages, rounds of",
              "  at least 31 cycles) and lands with Butterfly-2; given the copy network's latency (2 cycles per",
              "  hop over its 15 stages) it lands where theirs does. In the full model, without rounds, a pod",
              "  waits for the network only at a weight change or a late input tile, so the same latency costs",
              "  Benes {:.0f} % of Butterfly-2's throughput rather than half. Without broadcast (`multicast: false`) our".format(
                  100 * (1 - full_hmean(BENES_COPY) / full_hmean(None))),
              "  Benes routes the compiler's per-op copies as well as with it, as nothing is multicast; the mesh",
              "  (XY routes) blocks, and the bus carries one transfer at a time.",
              "- Through the routers (`interconnect.transfers: routers`: flits through input-buffered routers with one",
              "  tile of buffer per input, FIFO bank queues, a multicast granted all its outputs at once) Butterfly-2",
              "  keeps {:.0f} % of its link-reservation throughput. ResNet-50 is within {:.1f} %; the loss is in the".format(
                  100 * full_hmean_routers("{topology: butterfly, expansion: 2}") / full_hmean(None),
                  100 * (r[("full-routers", "{topology: butterfly, expansion: 2}", "resnet50_299")]["cycles"] /
                         r[("full", "resnet50_299")]["cycles"] - 1)),
              "  workloads whose input tiles queue at a few banks (InceptionV3 {:,} against {:,} cycles), where a".format(
                  r[("full-routers", "{topology: butterfly, expansion: 2}", "inception_299")]["cycles"],
                  r[("full", "inception_299")]["cycles"]),
              "  calendar lets a later read of a bank use an earlier gap and a router queue does not",
              "  (`docs/interconnect.md` compares the routings of the free-choice stages).",
              "- The full model (the `dynamic` scheduler) runs without rounds: each pod streams its own chunk",
              "  of every layer with weight loads, fill and drain, starting a layer as soon as it is ready and",
              "  the pod is free (no barriers), and its tiles cross the X and W networks as link reservations",
              "  (`docs/model.md`); a pod's next weight tile is sent ahead when a weight run begins. A layer whose",
              "  column blocks do not divide the pods is laid out as a grid whose pods read every tile in step",
              "  (`tiling.placement: auto`), the others in contiguous chunks; pods that read the input tiles of",
              "  one bank out of step still queue at its port (InceptionV3 most: {:,} cycles against {:,} with".format(
                  r[("full", "inception_299")]["cycles"], r[("full-ideal", "inception_299")]["cycles"]),
              "  ideal transfers, {:.2f} times; all in contiguous chunks {:,} against {:,}, {:.2f} times; with".format(
                  r[("full", "inception_299")]["cycles"] / r[("full-ideal", "inception_299")]["cycles"],
                  r[("full-contiguous", "inception_299")]["cycles"], r[("full-contiguous-ideal", "inception_299")]["cycles"],
                  r[("full-contiguous", "inception_299")]["cycles"] / r[("full-contiguous-ideal", "inception_299")]["cycles"]),
              "  partial sums free {:,} against {:,}).".format(
                  r[("full-free", "inception_299")]["cycles"], r[("full-ideal-free", "inception_299")]["cycles"]),
              "  Partial sums of an output tile whose K blocks ran on several pods are charged by default",
              "  (`tiling.k_reduction: chain`): a pod accumulates its consecutive K blocks locally, and the",
              "  pods' partial tiles cross the P network to the tile's owner, chained into its first op on the",
              "  tile when they arrive in time, else added by a post-processor (`docs/model.md`).",
              "  `post_processors` sends them up binomial trees rooted at the last K block's pod; `free` adds",
              "  them at no cost ({:,} partial tiles, {:.0f} MB, on ResNet-50). With `order: auto` choosing".format(
                  r[("full-free", "resnet50_299")]["stats"]["free_reduction_partial_tiles"],
                  r[("full-free", "resnet50_299")]["stats"]["free_reduction_partial_bytes"] / 1e6),
              "  each layer's row blocks, the cycles are:",
              "",
              "| workload | free | chain | chain / free | post_processors | post_processors / free | K blocks accumulated locally | partial tiles chained | added on post-processors |",
              "|---|---|---|---|---|---|---|---|---|"] + [
              "| {} | {:,} | {:,} | {:.2f} | {:,} | {:.2f} | {:,} | {:,} | {:,} |".format(
                  w, r[("full-free", w)]["cycles"], r[("full", w)]["cycles"],
                  r[("full", w)]["cycles"] / r[("full-free", w)]["cycles"], r[("full-charged", w)]["cycles"],
                  r[("full-charged", w)]["cycles"] / r[("full-free", w)]["cycles"],
                  r[("full", w)]["stats"].get("reduction_local_partial_tiles", 0),
                  r[("full", w)]["stats"].get("reduction_chained_partial_tiles", 0),
                  r[("full", w)]["stats"].get("reduction_tree_partial_tiles", 0))
              for w in WORKLOADS] + [
              "",
              "  A partial tile is chained only when the pod whose part of the tile comes first has sent it",
              "  before the owner reaches the tile; pods that run their chunks in step finish their parts of a",
              "  tile together, so most partial tiles are added by post-processors, which costs the same time",
              "  (an addition of a tile that arrived before the owner's ops on it finish costs nothing). The",
              "  reduction costs most where a long chain of dependent layers leaves no other work to overlap",
              "  the trees (DenseNet: each 3x3 layer's K chain of 36 blocks spans several pods); SOSA's rounds",
              "  overlap that traffic with the ops (chaining), as compat does."]
    # The granularity study (scripts/granularity_study.py) keeps its section of the file.
    begin, end = "<!-- granularity-study:begin -->", "<!-- granularity-study:end -->"
    if os.path.exists(args.out):
        old = open(args.out).read()
        if begin in old and end in old:
            lines += ["", old[old.index(begin):old.index(end) + len(end)]]
    with open(args.out, "w") as out:
        out.write("\n".join(lines) + "\n")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
