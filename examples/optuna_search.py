#!/usr/bin/python3
"""Design search with Optuna over sosasim (Debian's python3-optuna and python3-pandas):
which array shape, interconnect and bank size give the best effective TOPS/W (harmonic mean over
ResNet-50 and BERT-base, as the SOSA study aggregates) under a 400 W peak-power budget, the pod
count being the largest power of two under the budget (pods_rule: power_of_two)?

    PYTHONPATH=build/python examples/optuna_search.py                      # the search, 112 simulations
    PYTHONPATH=build/python examples/optuna_search.py --grid               # every point, for comparison
    PYTHONPATH=build/python examples/optuna_search.py --compare results/optuna/grid.csv

Each trial is one design point (two simulations, one per workload), run by sosasim.run in a
process of its own; a point Optuna suggests twice is simulated once (sosasim caches by point).
The search prints the best point, its TOPS/W and the number of simulations it took; with
--compare, also the grid's best from that file and how close the search came. docs/python.md
has the measured comparison.
"""
import argparse
import itertools
import json
import os
import random
import sys

import sosasim

SHAPES = [16, 32, 64, 128, 256]
INTERCONNECTS = ["butterfly", "benes", "crossbar"]
BANK_KIB = [64, 128, 256]
BUDGET_W = 400


def point_of(rows, cols, interconnect, bank_kib):
    point = {"array.rows": rows, "array.cols": cols, "interconnect.topology": interconnect, "sram.bank_kib": bank_kib}
    if interconnect == "butterfly":
        point["interconnect.expansion"] = 2  # SOSA's Butterfly-2
    return point


def evaluate(point, workloads):
    """Harmonic mean of effective TOPS/W over the workloads (0 for a point that cannot run)."""
    try:
        rows = sosasim.run(point, workloads=workloads, budget_w=BUDGET_W, pods_rule="power_of_two")
    except sosasim.ConfigError:
        return 0.0, None  # e.g. no pod count fits the budget
    pods = rows[0].get("pods") if rows else None
    return sosasim.hmean(rows, "tops_per_watt"), pods


def plain(value):
    """A table cell as JSON has it: numpy numbers as numbers, NaN (a key the point lacks) as null."""
    value = value.item() if hasattr(value, "item") else value
    return None if isinstance(value, float) and value != value else value


def grid(args):
    points = [point_of(*values) for values in itertools.product(SHAPES, SHAPES, INTERCONNECTS, BANK_KIB)]
    frame = sosasim.run_many(points, jobs=args.jobs, workloads=args.workloads, budget_w=BUDGET_W)
    means = sosasim.hmean(frame, "tops_per_watt").reset_index()
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "grid.csv")
    means.to_csv(path, index=False)
    best = means.loc[means["tops_per_watt"].idxmax()]
    print(json.dumps({"grid_points": len(points), "simulations": sosasim.simulations,
                      "best": {k: plain(v) for k, v in best.items()}}, indent=2))
    print(f"grid table in {path}", file=sys.stderr)


def search(args):
    import optuna  # Debian's python3-optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)

    # Sizes are ordered, so they are searched as exponents (TPE models an ordered axis; as
    # categories it would learn nothing from 32 about 64). When TPE suggests a point it has seen
    # (it converges on a favourite), the point costs nothing (sosasim caches it) and a random
    # unseen neighbour of it (one parameter one step away) is queued as the next trial, so the
    # budget goes to the region TPE believes in rather than to repeats.
    seen = set()
    rng = random.Random(args.seed)

    def neighbours(params):
        steps = {"log2_rows": (4, 8), "log2_cols": (4, 8), "log2_bank_kib": (6, 8)}
        result = []
        for name, (low, high) in steps.items():
            for delta in (-1, 1):
                if low <= params[name] + delta <= high:
                    result.append({**params, name: params[name] + delta})
        for interconnect in INTERCONNECTS:
            if interconnect != params["interconnect"]:
                result.append({**params, "interconnect": interconnect})
        return [n for n in result if tuple(sorted(n.items())) not in seen]

    def objective(trial):
        params = {"log2_rows": trial.suggest_int("log2_rows", 4, 8), "log2_cols": trial.suggest_int("log2_cols", 4, 8),
                  "interconnect": trial.suggest_categorical("interconnect", INTERCONNECTS),
                  "log2_bank_kib": trial.suggest_int("log2_bank_kib", 6, 8)}
        key = tuple(sorted(params.items()))
        if key in seen:
            fresh = neighbours(params)
            if fresh:
                trial.study.enqueue_trial(rng.choice(fresh))
        seen.add(key)
        point = point_of(2 ** params["log2_rows"], 2 ** params["log2_cols"], params["interconnect"],
                         2 ** params["log2_bank_kib"])
        value, pods = evaluate(point, args.workloads)
        trial.set_user_attr("pods", pods)
        trial.set_user_attr("point", point)
        return value

    # Trials until the simulations reach the budget: a point suggested again costs nothing
    # (sosasim caches it), so the budget counts simulations, not trials. The last --refine
    # points' worth of the budget goes to the best point's unseen neighbours (a local search
    # around TPE's answer), queued as trials.
    per_point = len(args.workloads)
    queued = set()

    def stop_at_budget(study, trial):
        if sosasim.simulations >= args.max_simulations or len(study.trials) >= 20 * args.max_simulations:
            study.stop()
            return
        if args.refine and sosasim.simulations >= args.max_simulations - args.refine * per_point:
            for neighbour in neighbours(study.best_trial.params):
                key = tuple(sorted(neighbour.items()))
                if key not in queued:
                    queued.add(key)
                    study.enqueue_trial(neighbour)

    if args.sampler == "random":
        sampler = optuna.samplers.RandomSampler(seed=args.seed)
    else:
        sampler = optuna.samplers.TPESampler(seed=args.seed, multivariate=args.multivariate,
                                             n_startup_trials=args.startup, n_ei_candidates=args.candidates)
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.optimize(objective, n_trials=None if args.max_simulations else args.trials,
                   callbacks=[stop_at_budget] if args.max_simulations else [])
    best = study.best_trial
    result = {"sampler": args.sampler, "trials": len(study.trials), "seed": args.seed,
              "simulations": sosasim.simulations,
              "distinct_points": sosasim.simulations // len(args.workloads),
              "best": {**best.user_attrs["point"], "pods": best.user_attrs.get("pods"), "tops_per_watt": best.value}}
    if args.compare:
        import pandas
        table = pandas.read_csv(args.compare)
        grid_best = table["tops_per_watt"].max()
        result["grid_best_tops_per_watt"] = grid_best
        result["grid_simulations"] = len(table) * len(args.workloads)
        result["within_percent_of_grid_best"] = 100.0 * (grid_best - best.value) / grid_best
    print(json.dumps(result, indent=2))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--grid", action="store_true", help="run every point instead of searching")
    parser.add_argument("--trials", type=int, default=50, help="trials (without --max-simulations)")
    parser.add_argument("--max-simulations", type=int, default=112,
                        help="stop when this many simulations have run, a point being one per workload "
                             "(default: a quarter of the grid's 450; 0: --trials trials)")
    parser.add_argument("--startup", type=int, default=20, help="random trials before TPE models the space")
    parser.add_argument("--candidates", type=int, default=24, help="TPE's candidates per trial")
    parser.add_argument("--sampler", choices=["tpe", "random"], default="tpe",
                        help="random: the baseline a search must beat")
    parser.add_argument("--refine", type=int, default=8,
                        help="points of the budget kept for the best point's neighbours (0: TPE to the end)")
    parser.add_argument("--independent", dest="multivariate", action="store_false",
                        help="TPE models each parameter alone (default: jointly)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--jobs", type=int, default=os.cpu_count())
    parser.add_argument("--out", default="results/optuna", help="folder for the grid's table")
    parser.add_argument("--compare", help="a grid.csv from --grid: report how close the search came")
    parser.add_argument("--workloads", nargs="+", default=sosasim.DEFAULT_WORKLOADS)
    args = parser.parse_args()
    grid(args) if args.grid else search(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
