#!/usr/bin/env python3
"""The number formats on the default machine: cost, speed and error, and a training schedule.

    scripts/formats_study.py [build/sosasim] [-o docs/formats.md] [-j 2]

For every format sosasim models (int8, bf16, fp32, HBFP, the OCP MX formats and NVFP4) this runs
ResNet-50 (299 px, batch 1) and a Llama-3-8B prefill of 512 tokens on the default machine
(configs/sosa.yaml: 256 pods of 32x32, Butterfly-2) and one GEMM with `gemm --functional`
(X 128 x 1024 and W 1024 x 128 drawn from a standard normal, error against FP64), reads each
format's composed per-MAC area and energy from `sosasim validate --json`, checks the composition
against the Accuracy Boosters area ratios, and runs the Accuracy Boosters training schedule on
ResNet-50 (configs/training_accuracy_boosters.yaml) against the same run in FP32 and in bf16. It
writes docs/formats.md (every figure in it comes from these runs) and docs/plots/formats_study.png.
"""
import concurrent.futures
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from validate_sosa import ROOT, parse_args, run  # noqa: E402  (one runner for the studies)

CONFIG = os.path.join(ROOT, "configs", "sosa.yaml")
TRAINING = os.path.join(ROOT, "configs", "training_accuracy_boosters.yaml")
WORKLOADS = [("resnet50_299", "ResNet-50 (299 px)"), ("llama3_8b_prefill512", "Llama-3-8B prefill 512")]
# Label, `format` overrides, gemm options.
FORMATS = [
    ("int8", ["format.type=int8"], ["--format", "int8"]),
    ("bf16", ["format.type=bf16"], ["--format", "bf16"]),
    ("fp32", ["format.type=fp32"], ["--format", "fp32"]),
    ("HBFP8 (b64)", ["format.type=bfp", "format.mantissa_bits=7"], ["--format", "bfp", "--mantissa-bits", "7"]),
    ("HBFP6 (b64)", ["format.type=bfp", "format.mantissa_bits=5"], ["--format", "bfp", "--mantissa-bits", "5"]),
    ("HBFP4 (b64)", ["format.type=bfp", "format.mantissa_bits=3"], ["--format", "bfp", "--mantissa-bits", "3"]),
    ("HBFP4 (b16)", ["format.type=bfp", "format.mantissa_bits=3", "format.block_size=16"],
     ["--format", "bfp", "--mantissa-bits", "3", "--block-size", "16"]),
] + [(name, [f"format.type={name}"], ["--format", name])
     for name in ("mxint8", "mxfp8_e4m3", "mxfp8_e5m2", "mxfp6_e3m2", "mxfp6_e2m3", "mxfp4_e2m1", "nvfp4")]
# Accuracy Boosters' per-MAC area ratios (28 nm) and the formats they compare.
BOOSTERS = [("FP32 / HBFP4", "fp32", "hbfp4_b16", 21.3), ("bf16 / HBFP4", "bf16", "hbfp4_b16", 4.4),
            ("FP32 / HBFP6", "fp32", "hbfp6_b16", 12.7), ("FP32 / HBFP8", "fp32", "hbfp8_b16", 8.3)]
GEMM = ["--M", "128", "--K", "1024", "--N", "128", "--functional", "--json", "--seed", "1"]


def machine(binary, overrides):
    args = [binary, "validate", CONFIG, "--json"]
    for o in overrides:
        args += ["-p", o]
    figures = json.loads(subprocess.run(args, capture_output=True, text=True, check=True).stdout)
    pes = 256 * 32 * 32
    return {"mac_um2": figures["area_mm2"]["mac"] / pes * 1e6,
            "converter_um2_per_column": figures["area_mm2"]["converter"] / (256 * 32) * 1e6,
            "mac_pj": figures["peak_power_breakdown_w"]["mac"] / pes / 1e9 * 1e12,
            "peak_w": figures["peak_power_w"], "area_mm2": figures["area_mm2"]["total"]}


def gemm(binary, options):
    out = subprocess.run([binary, "gemm"] + GEMM + options, capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def training(binary, schedule, tmp):
    out = tempfile.mkdtemp(dir=tmp)
    args = [binary, "run", TRAINING, "-q", "-o", out]
    if schedule is not None:
        args += ["-p", f"training.schedule={schedule}"]
    subprocess.run(args, check=True, capture_output=True)
    with open(os.path.join(out, "summary.json")) as handle:
        return json.load(handle)["training"]


def fmt(value, digits=3):
    return f"{value:,.{digits}f}"


def plot(rows, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.6))
    labels = [r["label"] for r in rows]
    x = range(len(rows))
    width = 0.4
    for i, (key, title) in enumerate(WORKLOADS):
        left.bar([p + (i - 0.5) * width for p in x], [r[key]["tops_per_watt"] for r in rows], width, label=title)
    left.set_xticks(list(x))
    left.set_xticklabels(labels, rotation=60, ha="right", fontsize=8)
    left.set_ylabel("effective TOPS / peak W")
    left.set_title("Throughput per Watt on 256 pods of 32x32")
    left.legend(fontsize=8)
    for r in rows:
        energy = r["resnet50_299"]["energy_j"] * 1e3
        right.scatter(energy, r["gemm"]["sqnr"], s=25)
        right.annotate(r["label"], (energy, r["gemm"]["sqnr"]), fontsize=7, xytext=(3, 2), textcoords="offset points")
    right.set_xscale("log")
    right.set_xlabel("energy per ResNet-50 inference (mJ)")
    right.set_ylabel("GEMM SQNR against FP64 (dB)")
    right.set_title("Energy against accuracy")
    fig.tight_layout()
    fig.savefig(path, dpi=130)


def main():
    args = parse_args(__doc__)
    if args.out.endswith("validation.md"):
        args.out = os.path.join(ROOT, "docs", "formats.md")
    rows = []
    with tempfile.TemporaryDirectory() as tmp, concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
        jobs = {}
        for label, overrides, options in FORMATS:
            for key, _ in WORKLOADS:
                jobs[(label, key)] = pool.submit(run, args.binary, CONFIG, key, overrides, tmp)
            jobs[(label, "gemm")] = pool.submit(gemm, args.binary, options)
            jobs[(label, "machine")] = pool.submit(machine, args.binary, overrides)
        ab = {}
        for name, m in (("hbfp4_b16", 3), ("hbfp6_b16", 5), ("hbfp8_b16", 7)):
            ab[name] = pool.submit(machine, args.binary, ["format.type=bfp", f"format.mantissa_bits={m}",
                                                          "format.block_size=16"])
        for name in ("fp32", "bf16"):
            ab[name] = pool.submit(machine, args.binary, [f"format.type={name}"])
        schedules = {"Accuracy Boosters (HBFP4, last epoch and first/last layers HBFP6)": None,
                     "FP32": "1-90 fp32", "bf16": "1-90 bf16"}
        trained = {label: pool.submit(training, args.binary, schedule, tmp) for label, schedule in schedules.items()}
        for label, _, _ in FORMATS:
            row = {"label": label, "machine": jobs[(label, "machine")].result()}
            g = jobs[(label, "gemm")].result()
            row["gemm"] = {"rel": g["rel_fro_error"], "sqnr": g["sqnr_db"]}
            for key, _ in WORKLOADS:
                s = jobs[(label, key)].result()
                row[key] = {"cycles": s["cycles"], "tops": s["effective_tops"], "tops_per_watt": s["tops_per_watt"],
                            "energy_j": s["energy_j"], "tops_per_watt_energy": s["tops_per_watt_energy"],
                            "dram_bytes": s["activity"]["dram_bytes"]}
            rows.append(row)
        ab = {name: future.result() for name, future in ab.items()}
        trained = {label: future.result() for label, future in trained.items()}

    lines = ["# Number formats", "",
             "<!-- generated by scripts/formats_study.py; edit the script, not this file -->", "",
             "sosasim models int8 (SOSA's), bf16, fp32, HBFP (block floating point with integer mantissas, "
             "`format.type: bfp`), the OCP Microscaling (MX) v1.0 formats `mxint8`, `mxfp8_e4m3`, `mxfp8_e5m2`, "
             "`mxfp6_e3m2`, `mxfp6_e2m3`, `mxfp4_e2m1` and NVIDIA's `nvfp4`. Every one is usable as the config's "
             "`format.type`, per layer in a trace's `format` column, in `gemm --functional` (with N:M sparsity in "
             "both orders) and in `quantize --format F --json` (block by block: shared exponent, E8M0 scale, the "
             "elements and their codes, the values).", "",
             "## What each format is", "",
             "- **MX** (`arch/microscaling.h`): blocks of 32 along K share an E8M0 scale X = 2^s with s = "
             "floor(log2 max|V|) - emax_elem (E4M3 8, E5M2 15, E3M2 4, E2M3 2, E2M1 2, INT8 0), clamped to "
             "[-127, 127]; each element is V/X rounded to nearest even in its format with its subnormals, saturating "
             "at the largest normal (448, 57344, 28, 7.5, 6; MXINT8 at +-127/64). An all-zero block takes s = -127. "
             "The conversion reads FP32 values. Tests: hand-worked vectors of normal, subnormal, saturated and zero "
             "elements for every element format (`tests/test_numerics.cpp`, `tests/test_cli.cpp`).",
             "- **NVFP4**: blocks of 16 E2M1 elements; an E4M3 block scale E4M3(amax(block) / 6 / t) under an FP32 "
             "tensor scale t = amax(tensor) / (6 x 448), elements E2M1(V / (scale x t)), all in FP32 arithmetic as "
             "NVIDIA's Model Optimizer quantizes.",
             "- **Arithmetic**: inside a block the element products are summed exactly (a 128-bit fixed-point sum), "
             "the sum times both blocks' scales is rounded once to FP32 and added to an FP32 accumulator (NVFP4's "
             "tensor scales multiply the finished sum), as HBFP sums its integer mantissa products. The PE-by-PE "
             "array and the direct evaluation agree bit for bit.",
             "- **Bytes**: every SRAM, network and DRAM byte of an operand includes its scales: MX 8 bits per 32 "
             "elements, NVFP4 8 per 16 (its one FP32 tensor scale per tensor is not counted), HBFP the exponent bits "
             "per block (`tests/test_cli.cpp` checks one layer's DRAM bytes).", "",
             "## What a MAC costs", "",
             "A format's MAC area and energy are composed from the units a dot-product engine needs "
             "(`arch/mac_units.h`, each unit's figure and source under `units` in `arch/tech_28nm.yaml`): the "
             "element multiplier (partial-product bits: m x m for HBFP's sign-magnitude mantissas, 8 x 8 for INT8, "
             "the significands for FP elements, plus their exponent add), the in-block adder (integer for HBFP and "
             "MXINT8; for FP elements a fixed-point adder wide enough for the element format's whole product range, "
             "fed by an alignment shifter), and per block the scale exponents' add (NVFP4: the E4M3 scales' "
             "multiply), the sum's conversion to FP32 and one FP32 addition, amortised over the block. fp32 is a "
             "24 x 24 multiplier and an FP32 adder per MAC, bf16 an 8 x 8 multiplier and an FP32 adder. A converter "
             "at each array column's edge turns FP32 outputs into the format (area per column, energy per output). "
             "int8 keeps SOSA's synthesized PE (0.4 pJ, 478.5 um^2 with its registers and control), so the SOSA "
             "power model is unchanged. Registers are not counted in the composed formats, as in the Accuracy "
             "Boosters model, which is why int8's synthesized PE is larger than MXINT8's composed one.", "",
             "The unit areas are estimates calibrated so that the composition gives the Accuracy Boosters ratios "
             "(28 nm) with FP32 at 1494 um^2 (below). Energies are proportional to area, at the one ratio that "
             "makes the composed int8 arithmetic (an 8 x 8 multiplier and a 21-bit adder, 210.4 um^2) cost SOSA's "
             "synthesized 0.4 pJ: 1.90 fJ per um^2, so an FP32 FMA costs 2.84 pJ and MXINT8 0.41 pJ. (The table "
             "before this model held FP32 at 4.6 pJ and bf16 at 1.65 pJ, Horowitz's 45 nm figures scaled; they "
             "were estimates too, and made an MXINT8 MAC dearer than SOSA's int8 one.)", "",
             "| ratio | composed | Accuracy Boosters |", "|---|---|---|"]
    for label, a, b, paper in BOOSTERS:
        ratio = ab[a]["mac_um2"] / ab[b]["mac_um2"]
        lines.append(f"| {label} (block 16) | {ratio:.2f}x | {paper}x ({100 * (ratio / paper - 1):+.1f} %) |")
    lines += ["", "Per MAC (composed; int8 synthesized), on the default machine:", "",
              "| format | MAC area um^2 | MAC energy pJ | edge converter um^2 per column | peak W | chip area mm^2 |",
              "|---|---|---|---|---|---|"]
    for r in rows:
        m = r["machine"]
        lines.append(f"| {r['label']} | {fmt(m['mac_um2'], 1)} | {fmt(m['mac_pj'], 3)} | "
                     f"{fmt(m['converter_um2_per_column'], 1)} | {fmt(m['peak_w'], 1)} | {fmt(m['area_mm2'], 1)} |")
    lines += ["", "FP8 elements pay for aligning their products into a fixed-point sum that spans the element's "
              "whole range (E4M3: 42 bits, E5M2: 70 bits, with a six-stage shifter): an exact MXFP8 E5M2 block "
              "dot product costs more area than a bf16 MAC. Hardware that truncates the alignment window would be "
              "cheaper and no longer exact; sosasim's numerics are exact, so its area is that of exact units.", "",
              "## On the default machine", "",
              "256 pods of 32x32, Butterfly-2, 1 GHz, 1,200 GiB/s DRAM (`configs/sosa.yaml`); batch 1. TOPS/W is "
              "effective TOPS over peak power; energy is activity based (`docs/metrics.md`). GEMM error: "
              "`gemm --M 128 --K 1024 --N 128 --functional --seed 1` (standard normal X and W) against FP64.", "",
              "| format | ResNet-50 cycles | TOPS/W | energy mJ | Llama-3-8B prefill cycles | TOPS/W | energy J "
              "| DRAM GB (Llama) | chip mm^2 | GEMM rel. error | SQNR dB |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        a, b = r["resnet50_299"], r["llama3_8b_prefill512"]
        lines.append(f"| {r['label']} | {a['cycles']:,} | {fmt(a['tops_per_watt'])} | {fmt(a['energy_j'] * 1e3, 2)} | "
                     f"{b['cycles']:,} | {fmt(b['tops_per_watt'])} | {fmt(b['energy_j'], 3)} | "
                     f"{fmt(b['dram_bytes'] / 1e9, 2)} | {fmt(r['machine']['area_mm2'], 1)} | "
                     f"{r['gemm']['rel']:.2e} | {fmt(r['gemm']['sqnr'], 1)} |")
    best = max(rows, key=lambda r: r["resnet50_299"]["tops_per_watt"])
    best_llm = max(rows, key=lambda r: r["llama3_8b_prefill512"]["tops_per_watt"])
    lines += ["", f"Best TOPS/W: {best['label']} on ResNet-50, {best_llm['label']} on the Llama-3-8B prefill. "
              "The arrays do one MAC per PE per cycle in every format, so cycles differ only where DRAM or the "
              "networks bind (narrower operands move fewer bytes); power differs by the MAC energy and by the "
              "SRAM bytes per cycle (operands, and partial sums: int8's are 16-bit, every other format's FP32).",
              "", "![formats](plots/formats_study.png)", "",
              "## Training with a format schedule", "",
              "`training:` in a config runs `epochs` epochs of `steps_per_epoch` steps of a training-step trace "
              "(forward, backward-data and backward-weight GEMMs) with a `schedule` of formats per epoch range and "
              "for the network's first and last layers (`docs/metrics.md`, `training`). Each distinct step runs at "
              "full cycle level once. `configs/training_accuracy_boosters.yaml`: ResNet-50 (224 px, batch 32, "
              "40,037 steps per epoch, 90 epochs) with HBFP4 (blocks of 16) everywhere but the last epoch and the "
              "first and last layers (HBFP6), against the same run in FP32 and in bf16:", "",
              "| schedule | days | energy MJ | MAC share | MAC silicon mm^2 | FP32 / schedule | bf16 / schedule "
              "| MAC-weighted: FP32 / schedule | bf16 / schedule |", "|---|---|---|---|---|---|---|---|---|"]
    for label, t in trained.items():
        share = ", ".join(f"{name} {100 * value:.2f} %" for name, value in t["mac_share"].items())
        s = t["silicon"]
        lines.append(f"| {label} | {fmt(t['runtime_s'] / 86400, 2)} | {fmt(t['energy_j'] / 1e6, 3)} | {share} | "
                     f"{fmt(s['mac_area_mm2'], 1)} | {fmt(s['fp32_over_schedule'], 2)}x | "
                     f"{fmt(s['bf16_over_schedule'], 2)}x | {fmt(s['fp32_over_schedule_weighted'], 2)}x | "
                     f"{fmt(s['bf16_over_schedule_weighted'], 2)}x |")
    boost = trained["Accuracy Boosters (HBFP4, last epoch and first/last layers HBFP6)"]
    fp32 = trained["FP32"]
    hbfp6 = min(boost["mac_share"].values())
    edge = (hbfp6 - 1 / 90) / (89 / 90)
    lines += ["", f"The schedule runs {100 * hbfp6:.2f} % of its MACs in HBFP6: the last of 90 epochs (1.11 %) "
              f"and, in the other 89, the first and last layers, {100 * edge:.2f} % of a step's MACs (the 7x7 first "
              "convolution is 2.9 % of the forward pass at 224 px, and has a backward-weight GEMM but no "
              "backward-data one; the classifier is small). Accuracy Boosters report 99.7 % of the arithmetic in "
              "4-bit mantissas for their runs; on ResNet-50 the first convolution alone keeps it below 98 %. "
              f"Against FP32 training on the same machine the schedule uses {fmt(fp32['energy_j'] / boost['energy_j'], 2)}x "
              "less energy. Its MAC silicon, with PEs built for HBFP6 that also run HBFP4, is the first silicon "
              "column; weighting each format's area by its share of MACs (the Accuracy Boosters arithmetic-density "
              "view) gives the last two columns, against their 21.3x (FP32) and 4.4x (bf16).", ""]
    with open(args.out, "w") as handle:
        handle.write("\n".join(lines))
    plot(rows, os.path.join(ROOT, "docs", "plots", "formats_study.png"))
    print(f"wrote {args.out} and docs/plots/formats_study.png")


if __name__ == "__main__":
    main()
