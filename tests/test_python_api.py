#!/usr/bin/python3
"""The Python API (build/python/sosasim): a design point gives what `sosasim run` gives; points
run in parallel into a DataFrame in their order; a refused point is a ConfigError (run) or an
"invalid" row (run_many); a budget picks power-of-two pod counts as sweeps do; repeated points
are cached; machine() is `validate --json`; a serving point gives serve's figures; the Optuna
example runs on a small budget.
Usage: test_python_api.py REPOSITORY BUILD_DIR SOSASIM_BINARY"""
import json
import os
import subprocess
import sys
import tempfile

root, build, binary = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, os.path.join(build, "python"))
import sosasim  # noqa: E402

failures = []


def check(condition, what):
    print(("ok   " if condition else "FAIL ") + what)
    if not condition:
        failures.append(what)


with tempfile.TemporaryDirectory() as tmp:
    trace = os.path.join(tmp, "t.csv")
    with open(trace, "w") as f:
        f.write("layer,M,K,N\na,64,128,64\nb,64,64,96\n")
    point = {"pods": 4, "array": {"rows": 8, "cols": 8}, "interconnect.topology": "crossbar"}
    rows = sosasim.run(point, workloads=[trace])
    check(len(rows) == 1 and rows[0]["status"] == "ok", "run: one ok row per workload")
    cli = subprocess.run([binary, "run", "-q", "-o", os.path.join(tmp, "cli"), "-p", "pods=4", "-p", "array.rows=8",
                          "-p", "array.cols=8", "-p", "interconnect.topology=crossbar", "-p", f"workload.trace={trace}"],
                         capture_output=True, text=True)
    with open(os.path.join(tmp, "cli", "summary.json")) as f:
        summary = json.load(f)
    check(rows[0]["cycles"] == summary["cycles"] and rows[0]["tops_per_watt"] == summary["tops_per_watt"],
          f"run gives the CLI's cycles and TOPS/W ({rows[0]['cycles']} vs {summary['cycles']})")
    check(rows[0]["array.rows"] == 8 and rows[0]["workload"] == "t", "a row carries its overrides and workload")
    before = sosasim.simulations
    sosasim.run(point, workloads=[trace])
    check(sosasim.simulations == before, "a repeated point is not simulated again")

    points = [{"pods": 4, "array.rows": r, "array.cols": r} for r in (16, 8, 4)]
    frame = sosasim.run_many(points, jobs=2, workloads=[trace, trace])
    check(list(frame["array.rows"]) == [16, 16, 8, 8, 4, 4], "run_many: rows in the order of the points")
    means = sosasim.hmean(frame, "tops_per_watt")
    check(len(means) == 3 and all(v > 0 for v in means), "hmean over workloads per point")
    for r in (16, 8, 4):
        alone = sosasim.run({"pods": 4, "array.rows": r, "array.cols": r}, workloads=[trace])[0]
        check(frame[frame["array.rows"] == r].iloc[0]["cycles"] == alone["cycles"], f"parallel = alone at {r}x{r}")

    try:
        sosasim.run({"array.rowz": 8}, workloads=[trace])
        check(False, "an unknown key raises ConfigError")
    except sosasim.ConfigError as error:
        check("did you mean 'rows'" in str(error), f"an unknown key raises ConfigError: {error}")
    mixed = sosasim.run_many([{"array.rows": 8}, {"array.rows": -1}], jobs=2, workloads=[trace], as_frame=False)
    check(mixed[0]["status"] == "ok" and mixed[-1]["status"] == "invalid" and "array.rows" in mixed[-1]["error"],
          "run_many: a refused point is an invalid row with the message")

    budget = sosasim.run({"array.rows": 32, "array.cols": 32}, workloads=[trace], budget_w=100)
    pods = budget[0]["pods"]
    check(pods > 0 and pods & (pods - 1) == 0 and budget[0]["peak_power_w"] <= 100,
          f"a budget picks a power-of-two pod count under it ({pods} pods, {budget[0]['peak_power_w']:.1f} W)")
    check(sosasim.machine({"pods": 64})["peak_power_w"] > 0, "machine(): the validate --json figures")

    # A serving point runs once (no workloads), its figures as serving_* columns, as serve gives them.
    model = os.path.join(tmp, "tiny.json")
    with open(model, "w") as f:
        json.dump({"model_type": "llama", "num_hidden_layers": 2, "hidden_size": 64, "num_attention_heads": 4,
                   "num_key_value_heads": 2, "intermediate_size": 128, "vocab_size": 256}, f)
    serving_point = {"pods": 4, "array.rows": 8, "array.cols": 8, "tiling.partition_size": 8, "serving.model": model,
                     "serving.arrivals.count": 6, "serving.arrivals.rate_per_s": 1000}
    served = sosasim.run(serving_point)
    cli = subprocess.run([binary, "serve", "-q", "-o", os.path.join(tmp, "serve")] +
                         [a for k, v in serving_point.items() for a in ("-p", f"{k}={v}")], capture_output=True, text=True)
    with open(os.path.join(tmp, "serve", "summary.json")) as f:
        serving = json.load(f)["serving"]
    check(len(served) == 1 and served[0]["status"] == "ok" and
          served[0]["serving_ttft_p99_s"] == serving["ttft_s"]["p99"] and
          served[0]["serving_output_tokens_per_s"] == serving["output_tokens_per_s"],
          "a serving point: one row, serve's TTFT and tokens/s")

    example = subprocess.run([sys.executable, "-W", "ignore", os.path.join(root, "examples", "optuna_search.py"),
                              "--max-simulations", "6", "--startup", "2", "--seed", "3", "--workloads", trace],
                             capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=os.path.join(build, "python")))
    ok = example.returncode == 0
    result = json.loads(example.stdout) if ok else {}
    check(ok and result["simulations"] >= 6 and result["best"]["tops_per_watt"] > 0,
          f"the Optuna example runs on a small budget {example.stderr.strip()[-300:]}")

print(f"{len(failures)} failed")
sys.exit(1 if failures else 0)
