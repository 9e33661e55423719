#!/usr/bin/env python3
"""Random machines on small traces (a seeded draw, the same every run): schedulers, topologies
(also one per network), transfers, reductions, formats, DRAM speed and prefetch window, tiny
banks, one or two tenants. Every run must end with exit code 0 or 2 (a configuration error with a
message naming the key), never a model error, a crash or a hang; at least three quarters of the
draws must run; and where it runs, the reference fidelity
(every PE, and with transfers: routers every flit, each cycle) must give the fast run's cycles,
per-layer table and network statistics exactly, and its energy to the last digits (summation
order). Usage: test_random_configs.py SOSASIM_BINARY [RUNS] [SEED]"""
import csv
import json
import os
import random
import subprocess
import sys
import tempfile

TOPOLOGIES = ["{topology: butterfly, expansion: 1}", "{topology: butterfly, expansion: 2}",
              "{topology: butterfly, expansion: 4}", "{topology: benes}", "{topology: crossbar}",
              "{topology: mesh}", "{topology: bus}"]
# (b and e read their inputs from DRAM although producers wrote them: input_from)
BRANCHES = ("layer,M,K,N,depends_on,input_from\na,40,20,24,none,\nb,40,24,20,a,dram\nc,17,20,30,a,\n"
            "d,40,20,16,b;c,\ne,9,16,40,d,dram\n")
CONVOLUTIONS = ("layer,H,W,C,R,S,out_channels,stride,padding,groups,depends_on\n"
                "stem,16,16,3,3,3,8,2,1,1,none\ndw,8,8,8,3,3,8,1,1,8,stem\npw,8,8,8,1,1,16,1,0,1,dw\n")


def draw(rng, traces):
    """One machine as -p overrides."""
    p = [f"pods={rng.choice([1, 2, 3, 4, 6, 8, 16])}", f"array.rows={rng.choice([4, 8])}",
         f"array.cols={rng.choice([4, 8])}"]
    scheduler = rng.choice(["dynamic", "layer_static", "sosa_rounds"])
    p += [f"tiling.scheduler={scheduler}", f"tiling.partition_size={rng.choice(['auto', 4, 8])}",
          f"interconnect={rng.choice(TOPOLOGIES)}"]
    for network in "xwp":
        if rng.random() < 0.3:
            p.append(f"interconnect.{network}={rng.choice(TOPOLOGIES)}")
        if rng.random() < 0.1:
            p.append(f"interconnect.{network}.hop_latency={rng.choice([2, 3])}")
    transfers = rng.choice(["contention", "routers", "ideal"])
    if scheduler == "sosa_rounds" and transfers == "routers":
        transfers = "contention"
    p.append(f"interconnect.transfers={transfers}")
    if transfers == "routers" and rng.random() < 0.4:
        p.append(f"interconnect.routing={rng.choice(['random_first', 'oblivious'])}")
    p.append(f"tiling.k_reduction={rng.choice(['free', 'chain', 'post_processors'])}")
    if scheduler == "sosa_rounds":
        if rng.random() < 0.5:
            p.append("tiling.layers=sequential")
        if rng.random() < 0.3:
            p.append("tiling.op_list=weight_major")
    elif rng.random() < 0.3:
        p.append(f"tiling.order={rng.choice(['weight_major', 'output_blocks'])}")
    p += [f"format.type={rng.choice(['int8', 'bf16', 'bfp'])}",
          f"dram.bandwidth_gbps={rng.choice([2, 20, 1000])}", f"dram.latency_cycles={rng.choice([0, 7, 100])}",
          f"sram.bank_kib={rng.choice([1, 4, 256])}"]
    if rng.random() < 0.2:
        p.append("sparsity.pattern=2:4")
    if rng.random() < 0.3:
        p.append(f"dram.prefetch_kib={rng.choice([1, 4, 64])}")
    if rng.random() < 0.2:
        p.append("dram.inputs=im2col")
    if rng.random() < 0.15:
        p.append("dram.layer_inputs=every_layer")
    if rng.random() < 0.15:  # single-buffered weights: rounds do not pipeline, loads wait for the drain
        p.append("array.double_buffer_weights=false")
    choice = rng.choice(["branches", "convolutions", "both"])
    if choice == "both":
        p.append("workload=[{trace: %s},{trace: %s}]" % (traces["branches"], traces["convolutions"]))
    else:
        p.append(f"workload.trace={traces[choice]}")
    if scheduler == "dynamic" and rng.random() < 0.5:  # (default auto: a grid where it pays)
        p.append("tiling.placement=" + rng.choice(["contiguous", "interleaved", "grid"]))
    return p


def run(binary, overrides, out):
    args = [binary, "run", "-q", "-o", out]
    for override in overrides:
        args += ["-p", override]
    try:
        result = subprocess.run(args, capture_output=True, text=True, timeout=120)
    except subprocess.TimeoutExpired:
        return "timeout", None
    if result.returncode != 0:
        return result.returncode, result.stderr.strip()
    with open(os.path.join(out, "summary.json")) as summary, open(os.path.join(out, "layers.csv")) as layers:
        s = json.load(summary)
        # The pod-cycles waiting for DRAM count from the pods' peeks, which the reference array
        # makes for the cycle it simulates (one behind): every other column must agree.
        rows = [row for row in csv.reader(layers)]
        drop = rows[0].index("dram_wait_pod_cycles")
        table = [row[:drop] + row[drop + 1:] for row in rows]
        return 0, (s["cycles"], table, s["energy_breakdown_j"], s.get("networks"))


def same(a, b):
    """Equal, but floating-point sums (energies) only to 1e-12 relative: the fidelities add the
    same terms in different orders."""
    if isinstance(a, float) and isinstance(b, float):
        return abs(a - b) <= 1e-12 * max(abs(a), abs(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def main():
    binary = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 30
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
    failures, compared = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        traces = {}
        for name, text in (("branches", BRANCHES), ("convolutions", CONVOLUTIONS)):
            traces[name] = os.path.join(tmp, name + ".csv")
            with open(traces[name], "w") as out:
                out.write(text)
        for i in range(runs):
            overrides = draw(rng, traces)
            shown = " ".join(f"-p '{o}'" for o in overrides)
            code, fast = run(binary, overrides + ["simulation.fidelity=fast"], os.path.join(tmp, "fast"))
            if code not in (0, 2):
                failures.append(f"exit {code}: {shown}\n  {fast}")
                continue
            if code == 2:  # a configuration the model refuses: its message must name the key
                if "key '" not in (fast or ""):
                    failures.append(f"exit 2 without naming a key: {shown}\n  {fast}")
                continue
            code, reference = run(binary, overrides + ["simulation.fidelity=reference"], os.path.join(tmp, "ref"))
            compared += 1
            if code != 0 or not same(reference, fast):
                failures.append(f"reference differs (exit {code}): {shown}")
    # Most draws are machines the model runs: a draw that mostly produced refused configurations
    # would compare nothing and pass.
    floor = (3 * runs) // 4
    if compared < floor:
        failures.append(f"only {compared} of {runs} machines ran at both fidelities (at least {floor} must)")
    for failure in failures:
        print("FAIL " + failure)
    print(f"{runs} random machines, {compared} compared at both fidelities, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
