#!/usr/bin/env python3
"""Writes native traces (layer,M,K,N) of the SOSA authors' workloads from their GEMM shapes.

The shapes come from ../shared/reference/sosa_workloads.json (the SOSA artifact, MIT licence):
`model -> size -> {gemms: [[name, M, K, N], ...]}` at batch 1. Usage:

    scripts/gen_sosa_traces.py REFERENCE_JSON OUT_DIR [model_size ...]

e.g. `resnet50_299 bert_base_100`; without names it writes every model and size. CNN files are
named MODEL_SIZE.csv, BERT files MODEL_sSEQ.csv (e.g. bert_large_s100.csv).
"""
import json
import os
import sys


def file_name(model, size, model_type):
    return f"{model}_s{size}.csv" if model_type != "CNN" else f"{model}_{size}.csv"


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    reference, out_dir = sys.argv[1], sys.argv[2]
    wanted = set(sys.argv[3:])
    with open(reference) as handle:
        models = json.load(handle)
    os.makedirs(out_dir, exist_ok=True)
    written = 0
    for model, sizes in models.items():
        for size, entry in sizes.items():
            if wanted and f"{model}_{size}" not in wanted:
                continue
            path = os.path.join(out_dir, file_name(model, size, entry["model_type"]))
            with open(path, "w") as out:
                out.write(f"# {model} at {'sequence length' if entry['model_type'] != 'CNN' else 'image size'} "
                          f"{size}, batch {entry['batch_size']}: GEMM shapes of the SOSA artifact\n")
                out.write("layer,M,K,N\n")
                for name, m, k, n in entry["gemms"]:
                    out.write(f"{name},{m},{k},{n}\n")
            written += 1
    print(f"wrote {written} trace(s) to {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
