#!/usr/bin/env python3
"""Checks the shipped model zoo (workloads/models/) against its sources.

- Every SOSA-set file has exactly the multiset of (M, K, N) of the SOSA artifact's GEMM list
  (shared/reference/sosa_workloads.json) for that model and size, a row of count c counting c times.
- Total MACs match published figures: ResNet-50 (torchvision, 224 px) 4.09 G, MobileNetV2 0.30 G,
  ViT-B/16 17.56 G; Llama-3-8B's parameter count (8.03 B) follows from its GEMM shapes plus the
  token embedding (a lookup, not a GEMM) and the RMSNorm weights.
- The generator reproduces the shipped files exactly (they are not edited by hand).
- With the binary: the zoo's BERT shaped as the SOSA authors' tool runs it, under
  configs/sosa_compat.yaml, lands within 5 % of their logged cycles and DRAM X bytes and on their
  W bytes exactly (docs/sosa_published.json, docs/validation.md).
Usage: test_models.py REPO_ROOT REFERENCE_JSON [SOSASIM_BINARY]
"""
import collections
import csv
import json
import os
import subprocess
import sys
import tempfile

failures = []
passes = []


def check(condition, message):
    print(("ok   " if condition else "FAIL ") + message)
    (passes if condition else failures).append(message)


def read_rows(path):
    with open(path) as handle:
        lines = [line for line in handle if line.strip() and not line.startswith("#")]
    return list(csv.DictReader(lines))


def gemm_multiset(path):
    counter = collections.Counter()
    for row in read_rows(path):
        if "M" in row:
            counter[(int(row["M"]), int(row["K"]), int(row["N"]))] += int(row.get("count") or 1)
    return counter


def total_macs(path):
    rows = read_rows(path)
    if rows and "out_channels" in rows[0]:  # convolution CSV
        total = 0
        for r in rows:
            H, W, C, R, S = (int(r[k]) for k in ("H", "W", "C", "R", "S"))
            out, stride, pad, groups = (int(r[k]) for k in ("out_channels", "stride", "padding", "groups"))
            oh, ow = (H + 2 * pad - R) // stride + 1, (W + 2 * pad - S) // stride + 1
            total += oh * ow * int(r["batch"]) * R * S * (C // groups) * (out // groups) * groups
        return total
    return sum(int(r["M"]) * int(r["K"]) * int(r["N"]) * int(r["count"]) for r in rows)


def compare_sosa_set(models, sosa):
    """Every SOSA-set file against the artifact's GEMM list for its model and size."""
    names = {"inception": "inception", "resnet50": "resnet50", "resnet101": "resnet101", "resnet152": "resnet152",
             "densenet121": "densenet121", "densenet169": "densenet169", "densenet201": "densenet201"}
    compared = 0
    for model, sizes in sosa.items():
        for size, entry in sizes.items():
            if entry["model_type"] == "CNN":
                file = f"{names[model]}_{size}.csv" if not (model == "resnet50" and size == "224") else "resnet50keras_224.csv"
            else:
                file = f"{model}_s{size}.csv"
            expected = collections.Counter((m, k, n) for _, m, k, n in entry["gemms"])
            path = os.path.join(models, file)
            got = gemm_multiset(path) if os.path.exists(path) else None
            check(got == expected, f"{file}: (M, K, N) multiset equals the SOSA artifact's {model} {size}")
            compared += 1
    check(compared == 71, f"compared {compared} SOSA-set files")


def main():
    root, reference = sys.argv[1], sys.argv[2]
    models = os.path.join(root, "workloads", "models")
    if os.path.exists(reference):
        compare_sosa_set(models, json.load(open(reference)))
    else:  # (the other checks need only the repository)
        print(f"skipped: the SOSA-set multisets ({reference} is not there)")

    def macs(file):
        return total_macs(os.path.join(models, file)) / 1e9

    check(abs(macs("resnet50_224.csv") - 4.09) < 0.01, f"ResNet-50 224 px: {macs('resnet50_224.csv'):.3f} GMACs (4.09)")
    check(abs(macs("mobilenetv2_224.csv") - 0.30) < 0.005, f"MobileNetV2: {macs('mobilenetv2_224.csv'):.4f} GMACs (0.30)")
    check(abs(macs("vit_b16_224.csv") - 17.56) < 0.01, f"ViT-B/16: {macs('vit_b16_224.csv'):.3f} GMACs (17.56)")

    weights = sum(int(r["K"]) * int(r["N"]) for r in read_rows(os.path.join(models, "llama3_8b_prefill512.csv"))
                  if r["w_operand"] == "weight")
    embedding, norms = 128256 * 4096, (2 * 32 + 1) * 4096
    params = (weights + embedding + norms) / 1e9
    check(abs(params - 8.03) < 0.005, f"Llama-3-8B: {params:.4f} B parameters (8.03) = GEMM weights + embedding + norms")

    with tempfile.TemporaryDirectory() as out:
        # One training step: forward, backward-data (dY . W^T: M x N x K) for every layer but the
        # first, backward-weight (X^T . dY: K x M x N) for every layer.
        subprocess.run([sys.executable, os.path.join(root, "scripts", "gen_models.py"), out, "--only", "resnet50_299",
                        "--training", "--format", "bfp:3", "--first-last-format", "bfp:5"], check=True)
        rows = read_rows(os.path.join(out, "resnet50_299_train.csv"))
        forward = [r for r in rows if not r["layer"].endswith((".dX", ".dW"))]
        data = {r["layer"][:-3]: r for r in rows if r["layer"].endswith(".dX")}
        weight = {r["layer"][:-3]: r for r in rows if r["layer"].endswith(".dW")}
        shapes_ok = all((data[f["layer"]]["M"], data[f["layer"]]["K"], data[f["layer"]]["N"]) == (f["M"], f["N"], f["K"])
                        for f in forward[1:]) and all(
            (weight[f["layer"]]["M"], weight[f["layer"]]["K"], weight[f["layer"]]["N"]) == (f["K"], f["M"], f["N"])
            for f in forward)
        check(len(forward) == 54 and len(data) == 53 and len(weight) == 54 and shapes_ok,
              "a training step has the forward, backward-data and backward-weight GEMMs with their shapes")
        check(forward[0]["format"] == "bfp:5" and forward[-1]["format"] == "bfp:5" and forward[1]["format"] == "bfp:3",
              "the Accuracy Boosters rule: first and last layer at m = 5, the others at m = 3")
        check("predictions.dX" in data["conv5_block3_3_conv"]["depends_on"].split(";"),
              "backward-data of a layer waits for the gradient of its consumer")
        if len(sys.argv) > 3:
            info = subprocess.run([sys.argv[3], "workload", "info", os.path.join(out, "resnet50_299_train.csv"), "--json"],
                                  capture_output=True, text=True)
            check(info.returncode == 0 and json.loads(info.stdout)["layers"] == 161,
                  "sosasim reads the training step and its layer graph")

    if len(sys.argv) > 3:
        published = json.load(open(os.path.join(root, "docs", "sosa_published.json")))["bert_artifact_runs"]
        for run in published:
            with tempfile.TemporaryDirectory() as out:
                trace = os.path.join(models, run["workload"] + ".csv")
                done = subprocess.run([sys.argv[3], "run", os.path.join(root, "configs", "sosa_compat.yaml"), "-q",
                                       "-o", out, "-p", f"workload.trace={trace}"], capture_output=True, text=True)
                ok = done.returncode == 0
                summary = json.load(open(os.path.join(out, "summary.json"))) if ok else {}
                cycles = summary.get("cycles", 0)
                b = summary.get("bytes_by_operand", {})
                w, x = b.get("dram_w_read", 0), b.get("dram_x_read", 0)
                check(ok and abs(cycles / run["cycles"] - 1) <= 0.05 and w == run["dram_w_bytes"] and
                      abs(x / run["dram_x_bytes"] - 1) <= 0.05,
                      f"{run['name']} shaped as the SOSA authors run it, under compat: {cycles:,} cycles "
                      f"({run['cycles']:,}), W {w:,.0f} bytes ({run['dram_w_bytes']:,}), X {x:,.0f} ({run['dram_x_bytes']:,})")

    with tempfile.TemporaryDirectory() as out:
        subprocess.run([sys.executable, os.path.join(root, "scripts", "gen_models.py"), out], check=True)
        same = all(open(os.path.join(out, f)).read() == open(os.path.join(models, f)).read() for f in os.listdir(out))
        check(same and len(os.listdir(out)) == len([f for f in os.listdir(models) if f.endswith(".csv")]),
              "the generator reproduces every shipped file")
    print(f"{len(passes)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
