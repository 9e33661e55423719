"""sosasim from Python: run design points of the simulator and get their results as dictionaries
or a pandas DataFrame, for design-space search (Optuna and the like) and notebooks.

SystemC elaborates a design once per process, so every design point runs in a process of its
own: the `sosasim` binary built with this package (`sosasim sweep` on a one-point sweep, so a
power budget picks the pod count exactly as sweeps do). Points run in parallel, `jobs` at a time,
from threads that wait on their processes. Results are cached per process by design point.

    import sosasim
    rows = sosasim.run({"array.rows": 64, "array.cols": 64}, budget_w=400)
    frame = sosasim.run_many([{"array.rows": r, "array.cols": r} for r in (16, 32, 64)],
                             budget_w=400, jobs=2)
    sosasim.hmean(frame, "tops_per_watt")   # harmonic mean over workloads, per point

Set PYTHONPATH=build/python (scripts/run and scripts/build put the package there). The binary is
the one built beside it, or $SOSASIM_BINARY.
"""
import concurrent.futures
import hashlib
import json
import os
import subprocess
import tempfile
import threading

from . import _paths

__all__ = ["run", "run_many", "hmean", "machine", "ConfigError", "SimulationError", "simulations",
           "DEFAULT_WORKLOADS"]

# The SOSA study's two workloads (a CNN and a transformer).
DEFAULT_WORKLOADS = [os.path.join(_paths.REPOSITORY, "workloads", "models", "resnet50_299.csv"),
                     os.path.join(_paths.REPOSITORY, "workloads", "models", "bert_base_s100.csv")]

# (point, workload) simulations this process has run (cache hits excluded).
simulations = 0
_lock = threading.Lock()
_cache = {}


class ConfigError(ValueError):
    """A key, value, file or combination the simulator refuses (its exit 2), with its message."""


class SimulationError(RuntimeError):
    """A run that failed inside the model (exit 3) or the simulator (exit 4)."""


def _binary():
    return os.environ.get("SOSASIM_BINARY", _paths.BINARY)


def _flatten(overrides, prefix=""):
    """{"interconnect": {"topology": "benes"}} -> {"interconnect.topology": "benes"}."""
    flat = {}
    for key, value in overrides.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, path + "."))
        else:
            flat[path] = value
    return flat


def _absolute(path):
    return os.path.abspath(path) if os.path.exists(path) else path


def _key(config, overrides, workloads, budget_w, pods_rule):
    text = json.dumps([config, sorted(overrides.items()), workloads, budget_w, pods_rule], default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def run(overrides=None, config=None, workloads=None, budget_w=None, pods_rule="power_of_two", outdir=None):
    """Simulates one design point on each workload; returns one dict per workload: the point's
    overrides, `pods` (and `pods_rule`) when a budget picked them, `workload`, the run's figures
    (cycles, effective_tops, utilization, peak_power_w, tops_per_watt, iso_power_tops, energy_j,
    area_mm2, ...) and `status` ("ok" or "failed" with `error`).

    overrides: {"key.path": value} as `-p key.path=value` (nested dicts are flattened);
    config: a YAML config file (default: the SOSA design point);
    workloads: trace files (default: DEFAULT_WORKLOADS); a serving point (`serving.model` in
               the overrides or the config, docs/serving.md) runs once, without them, and its
               row has the serving figures as serving_* columns (serving_ttft_p99_s, ...);
    budget_w: choose the pod count under this peak power, by pods_rule (power_of_two, largest
              or best), as a sweep's pods_under_power_w does;
    outdir: keep the simulator's results there (summary.json, layers.csv per workload), else
            they live in a temporary folder that is removed.
    """
    global simulations
    flat = _flatten(overrides or {})
    config = _absolute(config) if config else None
    if _serving(flat, config):
        workloads = []
    else:
        workloads = [_absolute(w) for w in (workloads or DEFAULT_WORKLOADS)]
    key = _key(config, flat, workloads, budget_w, pods_rule)
    with _lock:
        if key in _cache and outdir is None:
            return [dict(row) for row in _cache[key]]
    sweep = {"set": flat}
    if workloads:
        sweep["workloads"] = workloads
    if config:
        sweep["base"] = config
    if budget_w is not None:
        sweep["pods_under_power_w"] = budget_w
        sweep["pods_rule"] = pods_rule
    with tempfile.TemporaryDirectory(prefix="sosasim-") as tmp:
        sweep_file = os.path.join(tmp, "point.yaml")
        with open(sweep_file, "w") as out:
            json.dump(sweep, out)  # JSON is YAML
        results = outdir or os.path.join(tmp, "out")
        done = subprocess.run([_binary(), "sweep", sweep_file, "-j", "1", "-q", "-o", results],
                              capture_output=True, text=True)
        if done.returncode == 2:
            raise ConfigError(done.stderr.strip().replace(sweep_file, "(point)"))
        jsonl = os.path.join(results, "results.jsonl")
        if done.returncode not in (0, 1) or not os.path.exists(jsonl):
            raise SimulationError(done.stderr.strip() or f"sosasim sweep exited {done.returncode}")
        rows = []
        with open(jsonl) as f:
            for line in f:
                record = json.loads(line)
                row = dict(flat)
                for axis, value in record.pop("axes", {}).items():
                    row[axis] = int(value) if axis == "pods" else value
                for drop in ("index", "row"):
                    record.pop(drop, None)
                row.update(record)
                if row.get("status") != "ok":
                    row["error"] = _point_error(results, record.get("point_id", ""))
                rows.append(row)
    with _lock:
        simulations += len(rows)
        _cache[key] = [dict(row) for row in rows]
    return rows


def _serving(flat, config):
    """Whether a point is a serving run: serving.model set by an override or in the config."""
    if "serving.model" in flat:
        return bool(flat["serving.model"])
    if config and os.path.exists(config):
        with open(config) as f:
            text = f.read()
        # (the binary checks the config; here a top-level serving section with a model is enough)
        return "\nserving:" in "\n" + text and "model:" in text.split("\nserving:", 1)[-1]
    return False


def _point_error(results, point_id):
    try:
        with open(os.path.join(results, "points", point_id, "stderr.txt")) as f:
            return f.read().strip().splitlines()[-1]
    except (OSError, IndexError):
        return "failed"


def run_many(points, jobs=None, as_frame=True, **common):
    """Runs design points (a list of override dicts) in parallel, `jobs` at a time (default: the
    cores), each as run(point, **common) would; returns a pandas DataFrame with a row per point
    and workload (as_frame=False: the list of dicts), in the order of `points`. A point the
    simulator refuses (ConfigError: say, no pod count fits the budget) is one row with status
    "invalid" and the message in `error`, so a space with impossible corners can be run whole."""
    jobs = jobs or os.cpu_count() or 1

    def one(point):
        try:
            return run(point, **common)
        except ConfigError as error:
            return [{**_flatten(point), "status": "invalid", "error": str(error)}]

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        per_point = list(pool.map(one, points))
    rows = [row for point_rows in per_point for row in point_rows]
    if not as_frame:
        return rows
    import pandas  # Debian's python3-pandas
    return pandas.DataFrame(rows)


def hmean(rows, metric="tops_per_watt", by=None):
    """The harmonic mean of `metric` over workloads: of a run()'s rows, a number; of a
    run_many() DataFrame, a Series indexed by the point's columns (`by`: default, every column
    that is an override or pods). A failed workload makes its point's mean 0."""
    def harmonic(values):
        values = list(values)
        return 0.0 if not values or any(v <= 0 for v in values) else len(values) / sum(1 / v for v in values)

    if isinstance(rows, list):
        return harmonic(r.get(metric, 0.0) if r.get("status") == "ok" else 0.0 for r in rows)
    frame = rows.copy()
    frame.loc[frame["status"] != "ok", metric] = 0.0
    if by is None:
        result_columns = {"point_id", "workload", "status", "error", "cycles", "useful_macs", "effective_tops",
                          "peak_tops", "utilization", "peak_power_w", "tops_per_watt", "iso_power_tops", "energy_j",
                          "runtime_s", "avg_power_w", "area_mm2"}
        by = [c for c in frame.columns if c not in result_columns and not c.startswith("serving_")]
    return frame.groupby(by, sort=False, dropna=False)[metric].apply(harmonic)


def machine(overrides=None, config=None):
    """The machine a point describes, without simulating: peak power and its parts, area, peak
    TOPS, topology (`sosasim validate --json`)."""
    args = [_binary(), "validate", "--json"]
    if config:
        args.append(_absolute(config))
    for key, value in _flatten(overrides or {}).items():
        args += ["-p", f"{key}={json.dumps(value) if not isinstance(value, str) else value}"]
    done = subprocess.run(args, capture_output=True, text=True)
    if done.returncode == 2:
        raise ConfigError(done.stderr.strip())
    if done.returncode != 0:
        raise SimulationError(done.stderr.strip())
    return json.loads(done.stdout)
