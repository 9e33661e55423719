// Sweeps (DESIGN.md section 8): a YAML file names a base config, fixed overrides and axes; every
// point is one `sosasim run` in a child process (SystemC elaborates once per process, and a
// crash stays in its point). Rows go to DIR/results.jsonl (appended whole, one line per row) and
// DIR/results.csv (rewritten by rename after every point), so an interrupted sweep keeps every
// finished row; --resume runs only the points without rows; --shard i/n runs a deterministic
// 1/n of the points; `sosasim merge` joins shard folders into the same table as one run.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace sosasim {

struct SweepOptions {
  int jobs = 0;                  // 0: the number of cores
  std::string outdir;            // default: results/<sweep name>
  bool resume = false;
  int shard_index = 1, shard_count = 1;
  std::int64_t max_points = -1;  // stop after this many new points (a time-boxed job); -1: all
  bool quiet = false;
};

struct SweepPoint {
  std::size_t index = 0;
  std::string id;                                          // stable across runs: a hash of the overrides
  std::vector<std::pair<std::string, std::string>> axes;   // axis key -> value (and pods when sized by power)
  std::vector<std::string> overrides;                      // key=value, for -p
  std::string workload;                                    // trace path, or "" for the base config's workloads
};

// Effective TOPS of the base config with `overrides` on `workload` ("" = the config's), for
// `pods_rule: best`.
using PodsEvaluator = std::function<double(const std::string& base, const std::vector<std::string>& overrides,
                                           const std::string& workload)>;

// Loads and validates a sweep file and every point's config; errors name the file, line and key.
// Under `pods_under_power_w`, each point's pods follow `pods_rule`: power_of_two (the default: the
// largest power of two whose peak power fits the budget), largest (the largest count that fits) or
// best (of the powers of two and the largest that fit, the count with the best effective TOPS per
// budget Watt, i.e. the most effective TOPS, each simulated by `evaluate`, or by a `sosasim run`
// child process when it is empty).
std::vector<SweepPoint> plan_sweep(const std::string& sweep_file, std::string& base_config,
                                   std::vector<std::string>& axis_keys, const PodsEvaluator& evaluate);

int run_sweep(const std::string& sweep_file, const SweepOptions& options);
int merge_sweeps(const std::string& outdir, const std::vector<std::string>& shard_dirs);

}  // namespace sosasim
