#include "sim/sweep.h"

#include "sim/child_run.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "sim/kernel/config.h"
#include "sim/kernel/errors.h"
#include "sim/kernel/files.h"
#include "sim/kernel/params.h"
#include "sim/kernel/yaml_input.h"
#include "sim/system/report.h"
#include "workloads/csv.h"

namespace sosasim {

namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kSweepKeys = {"name", "base", "set", "grid", "zip", "workloads", "pods_under_power_w",
                                             "pods_rule"};
const std::vector<std::string> kPodsRules = {"power_of_two", "largest", "best"};
const std::vector<std::string> kMetrics = {"cycles",        "useful_macs",  "effective_tops", "peak_tops",
                                           "utilization",   "peak_power_w", "tops_per_watt",  "iso_power_tops",
                                           "energy_j",      "runtime_s",    "avg_power_w",    "area_mm2"};
// A serving point's figures (summary.json `serving`), as serving_<name>[_<percentile>] columns.
const std::vector<std::pair<std::string, std::string>> kServingMetrics = {
    {"ttft_s", "p50"},    {"ttft_s", "p90"},    {"ttft_s", "p99"},   {"tpot_s", "p50"},         {"tpot_s", "p99"},
    {"latency_s", "p50"}, {"latency_s", "p99"}, {"queue_s", "p99"}, {"requests_per_s", ""},   {"output_tokens_per_s", ""},
    {"tokens_per_s_per_w", ""}, {"energy_per_token_j", ""}, {"kv_peak_bytes", ""}, {"preemptions", ""}};
std::string serving_column(const std::pair<std::string, std::string>& metric) {
  return "serving_" + (metric.second.empty() ? metric.first : metric.first.substr(0, metric.first.size() - 2) + "_" +
                                                                 metric.second + "_s");
}

SourceLocation at(const std::string& file, const YAML::Node& node) {
  int line = node.IsDefined() && !node.Mark().is_null() ? node.Mark().line + 1 : 0;
  return SourceLocation{file, line, ""};
}

std::string scalar_text(const std::string& file, const YAML::Node& node, const std::string& key) {
  if (!node.IsScalar()) throw ConfigError(at(file, node), key, "expected a value, found a list or map");
  return node.Scalar();
}

std::string resolve_path(const std::string& sweep_file, const std::string& path, const SourceLocation& where,
                         const std::string& key) {
  fs::path given(path);
  std::vector<std::string> candidates = {
      (given.is_absolute() ? given : fs::absolute(sweep_file).parent_path() / given).string(),
      (fs::path(repository_root()) / given).string()};
  return find_input_file(candidates, "file", path, where, key);
}

std::string hash_id(const std::string& text) {
  std::uint64_t hash = 1469598103934665603ull;  // FNV-1a
  for (unsigned char ch : text) hash = (hash ^ ch) * 1099511628211ull;
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(hash));
  return std::string(buffer).substr(0, 12);
}

std::optional<std::string> optional_base(const std::string& base) {
  if (base.empty()) return std::nullopt;
  return base;
}

// Largest pod count whose peak power fits `budget`; 0 when not even one does.
std::int64_t pods_under_power(const std::string& base, std::vector<std::string> overrides, double budget) {
  auto peak = [&](std::int64_t pods) {
    std::vector<std::string> with = overrides;
    with.push_back("pods=" + std::to_string(pods));
    return machine_figures(load_config(optional_base(base), with))["peak_power_w"].get<double>();
  };
  if (peak(1) > budget) return 0;
  std::int64_t low = 1, high = 1;
  while (high < kMaxPods && peak(high * 2) <= budget) high *= 2;
  if (high >= kMaxPods) return kMaxPods;
  std::int64_t top = high * 2;  // peak(top) > budget
  low = high;
  while (top - low > 1) {
    std::int64_t mid = (low + top) / 2;
    (peak(mid) <= budget ? low : top) = mid;
  }
  return low;
}

// The rows of results.jsonl. A line that is not JSON is a row cut short by a kill mid-write (the
// point has no complete row and runs again); a JSON line that is not a sweep row (a folder that
// is not a sweep's, or an edited file) is an error naming the line.
// Effective TOPS of one machine, from a `sosasim run` of this binary in a child process (SystemC
// elaborates once per process), for pods_rule: best.
double child_effective_tops(const std::string& base, const std::vector<std::string>& overrides,
                           const std::string& workload) {
  static int runs = 0;
  const fs::path dir = fs::temp_directory_path() /
                       ("sosasim-pods-" + std::to_string(::getpid()) + "-" + std::to_string(runs++));
  std::vector<std::string> args;
  if (!base.empty()) args.push_back(base);
  args.insert(args.end(), {"-q", "-o", dir.string()});
  for (const auto& override : overrides) args.insert(args.end(), {"-p", override});
  if (!workload.empty()) args.insert(args.end(), {"-p", "workload.trace=" + workload});
  double tops = -1;
  if (run_sosasim_child(args) == 0) {
    std::ifstream in(dir / "summary.json");
    tops = nlohmann::json::parse(in).value("effective_tops", -1.0);
  }
  std::error_code ignored;
  fs::remove_all(dir, ignored);
  if (tops < 0)
    throw ModelError(0, "sweep", "pods_rule: best could not run a candidate machine (" + overrides.back() + ")");
  return tops;
}

// The pod count `rule` picks among those whose peak power fits the budget, the largest being
// `largest`: the largest power of two, the largest, or the one with the best effective TOPS per
// budget Watt, that is the most effective throughput the budget buys (candidates: every power of
// two up to `largest`, and `largest`; ties go to fewer pods). Per peak Watt instead, one pod
// would always win: peak power grows with the pods, utilization falls.
std::int64_t pods_by_rule(const std::string& rule, std::int64_t largest, const std::function<double(std::int64_t)>& evaluate) {
  std::int64_t power = 1;
  while (power * 2 <= largest) power *= 2;
  if (rule == "largest") return largest;
  if (rule == "power_of_two") return power;
  std::vector<std::int64_t> candidates;
  for (std::int64_t pods = 1; pods <= largest; pods *= 2) candidates.push_back(pods);
  if (candidates.back() != largest) candidates.push_back(largest);
  std::int64_t best = candidates.front();
  double best_value = -1;
  for (std::int64_t pods : candidates) {
    const double value = evaluate(pods);
    if (value > best_value) {
      best = pods;
      best_value = value;
    }
  }
  return best;
}

std::vector<nlohmann::ordered_json> read_rows(const fs::path& jsonl) {
  std::vector<nlohmann::ordered_json> rows;
  if (fs::exists(jsonl) && !fs::is_regular_file(jsonl))
    throw ConfigError(SourceLocation{jsonl.string(), 0, ""}, "", "not a regular file (a sweep writes its rows here)");
  std::ifstream in(jsonl);
  std::string line;
  for (std::size_t number = 1; std::getline(in, line); ++number) {
    if (line.empty()) continue;
    nlohmann::ordered_json row;
    try {
      row = nlohmann::ordered_json::parse(line);
    } catch (const nlohmann::json::exception&) {
      continue;
    }
    auto require = [&](const char* key, bool ok, const char* expected) {
      if (!ok)
        throw ConfigError(SourceLocation{jsonl.string(), static_cast<int>(number), ""}, key,
                          std::string("not a sweep result row: expected ") + expected);
    };
    require("row", row.is_object(), "a JSON object");
    require("point_id", row.contains("point_id") && row["point_id"].is_string(), "a string point_id");
    require("index", row.contains("index") && row["index"].is_number_unsigned(), "an unsigned integer index");
    require("row", row.contains("row") && row["row"].is_number_unsigned(), "an unsigned integer row");
    require("status", row.contains("status") && row["status"].is_string(), "a string status");
    require("axes", !row.contains("axes") || row["axes"].is_object(), "axes as an object");
    rows.push_back(std::move(row));
  }
  return rows;
}

// A shard's sweep.json, checked: the sweep it comes from and its axes.
nlohmann::ordered_json read_manifest(const fs::path& path) {
  const std::string file = path.string();
  std::ifstream in(path);
  nlohmann::ordered_json manifest;
  try {
    manifest = nlohmann::ordered_json::parse(in);
  } catch (const nlohmann::json::parse_error& error) {
    throw ConfigError(SourceLocation{file, 0, ""}, "", std::string("not valid JSON: ") + error.what());
  }
  auto strings = [](const nlohmann::ordered_json& list) {
    return list.is_array() && std::all_of(list.begin(), list.end(), [](const auto& v) { return v.is_string(); });
  };
  if (!manifest.is_object() || !manifest.contains("sweep") || !manifest["sweep"].is_string())
    throw ConfigError(SourceLocation{file, 0, ""}, "sweep", "not a sweep manifest: expected the sweep file's path");
  if (!manifest.contains("axes") || !strings(manifest["axes"]))
    throw ConfigError(SourceLocation{file, 0, ""}, "axes", "not a sweep manifest: expected a list of axis keys");
  return manifest;
}

std::string csv_cell(const nlohmann::ordered_json& value) {
  return csv_field(value.is_string() ? value.get<std::string>() : value.is_null() ? "" : value.dump());
}

// results.csv from all rows, in point order.
void write_table(const fs::path& dir, std::vector<nlohmann::ordered_json> rows, const std::vector<std::string>& axis_keys) {
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a["index"] != b["index"] ? a["index"].template get<std::size_t>() < b["index"].template get<std::size_t>()
                                    : a["row"].template get<std::size_t>() < b["row"].template get<std::size_t>();
  });
  std::ostringstream csv;
  csv << "index,point_id,workload";
  for (const auto& key : axis_keys) csv << ',' << key;
  for (const auto& metric : kMetrics) csv << ',' << metric;
  bool serving = false;  // (serving columns when a point served requests)
  for (const auto& row : rows) serving = serving || row.contains(serving_column(kServingMetrics[0]));
  if (serving)
    for (const auto& metric : kServingMetrics) csv << ',' << serving_column(metric);
  csv << ",status,error\n";
  std::ostringstream jsonl;
  for (const auto& row : rows) {
    csv << row["index"].dump() << ',' << csv_cell(row["point_id"]) << ',' << csv_cell(row["workload"]);
    for (const auto& key : axis_keys) csv << ',' << csv_cell(row["axes"].value(key, nlohmann::ordered_json()));
    for (const auto& metric : kMetrics) csv << ',' << csv_cell(row.value(metric, nlohmann::ordered_json()));
    if (serving)
      for (const auto& metric : kServingMetrics)
        csv << ',' << csv_cell(row.value(serving_column(metric), nlohmann::ordered_json()));
    csv << ',' << csv_cell(row["status"]) << ',' << csv_cell(row.value("error", std::string())) << '\n';
    jsonl << row.dump() << '\n';
  }
  write_file_atomically((dir / "results.csv").string(), csv.str());
}

std::vector<nlohmann::ordered_json> rows_of_point(const SweepPoint& point, const fs::path& point_dir, int exit_code) {
  std::vector<nlohmann::ordered_json> rows;
  nlohmann::ordered_json axes = nlohmann::ordered_json::object();
  for (const auto& [key, value] : point.axes) axes[key] = value;
  auto base_row = [&](std::size_t row) {
    nlohmann::ordered_json r;
    r["index"] = point.index;
    r["row"] = row;
    r["point_id"] = point.id;
    r["axes"] = axes;
    return r;
  };
  std::ifstream summary_file(point_dir / "summary.json");
  if (exit_code != 0 || !summary_file) {
    std::string error = "exit code " + std::to_string(exit_code);
    std::ifstream errors(point_dir / "stderr.txt");
    std::string line, last;
    while (std::getline(errors, line))
      if (!line.empty()) last = line;
    if (!last.empty()) error = last;
    nlohmann::ordered_json r = base_row(0);
    r["workload"] = point.workload.empty() ? "" : fs::path(point.workload).stem().string();
    r["status"] = "failed";
    r["error"] = error;
    rows.push_back(r);
    return rows;
  }
  nlohmann::ordered_json summary = nlohmann::ordered_json::parse(summary_file);
  std::size_t index = 0;
  for (const auto& workload : summary["workloads"]) {
    nlohmann::ordered_json r = base_row(index++);
    r["workload"] = workload["name"];
    for (const auto& metric : kMetrics) r[metric] = summary[metric];
    for (const char* own : {"cycles", "useful_macs", "effective_tops", "utilization", "tops_per_watt", "iso_power_tops"})
      r[own] = workload[own];
    r["runtime_s"] = workload["cycles"].get<double>() / (summary["config"]["frequency_ghz"].get<double>() * 1e9);
    if (summary.contains("serving"))
      for (const auto& metric : kServingMetrics) {
        const auto& value = summary["serving"][metric.first];
        r[serving_column(metric)] = metric.second.empty() ? value : value[metric.second];
      }
    r["status"] = "ok";
    rows.push_back(r);
  }
  return rows;
}

volatile std::sig_atomic_t interrupted = 0;
void on_interrupt(int) { interrupted = 1; }

}  // namespace

std::vector<SweepPoint> plan_sweep(const std::string& sweep_file, std::string& base_config,
                                   std::vector<std::string>& axis_keys, const PodsEvaluator& evaluate) {
  const YAML::Node root = load_yaml_file(sweep_file, "sweep file");
  if (!root.IsMap()) throw ConfigError(at(sweep_file, root), "", "a sweep file is a map of keys");
  check_yaml_structure(root, "", [&](const std::string&, const YAML::Node& node) { return at(sweep_file, node); });
  for (const auto& entry : root) {
    std::string key = entry.first.as<std::string>();
    if (std::find(kSweepKeys.begin(), kSweepKeys.end(), key) == kSweepKeys.end()) {
      std::string guess = did_you_mean(key, kSweepKeys);
      throw ConfigError(at(sweep_file, entry.first), key,
                        "unknown key '" + key + "'" + (guess.empty() ? "" : "; did you mean '" + guess + "'?"));
    }
  }
  base_config.clear();
  if (root["base"]) base_config = resolve_path(sweep_file, scalar_text(sweep_file, root["base"], "base"), at(sweep_file, root["base"]), "base");

  std::vector<std::string> fixed;
  if (root["set"]) {
    if (!root["set"].IsMap()) throw ConfigError(at(sweep_file, root["set"]), "set", "expected a map of key: value");
    for (const auto& entry : root["set"]) {
      std::string key = entry.first.as<std::string>();
      std::string override = key + "=" + scalar_text(sweep_file, entry.second, "set." + key);
      try {
        load_config(optional_base(base_config), {override});
      } catch (const ConfigError& error) {
        throw ConfigError(at(sweep_file, entry.second), "set." + key, error.what());
      }
      fixed.push_back(override);
    }
  }
  // An axis value is a scalar (key=value) or a map that replaces the whole section named by the
  // axis key (e.g. format: {type: bfp, mantissa_bits: 3}); its label in the table is "a=1;b=2".
  struct Axis {
    std::string key;
    std::vector<std::string> values;                    // labels
    std::vector<std::vector<std::string>> overrides;    // per value
  };
  auto read_axes = [&](const char* section) {
    std::vector<Axis> axes;
    if (!root[section]) return axes;
    if (!root[section].IsMap()) throw ConfigError(at(sweep_file, root[section]), section, "expected a map of key: [values]");
    for (const auto& entry : root[section]) {
      Axis axis{entry.first.as<std::string>(), {}, {}};
      std::string path = std::string(section) + "." + axis.key;
      if (!entry.second.IsSequence() || entry.second.size() == 0)
        throw ConfigError(at(sweep_file, entry.second), path, "expected a non-empty list of values");
      for (const auto& value : entry.second) {
        std::vector<std::string> overrides;
        std::string label;
        if (value.IsMap()) {  // replaces the whole section
          std::string flow;
          for (const auto& sub : value) {
            std::string sub_key = sub.first.as<std::string>();
            std::string text = scalar_text(sweep_file, sub.second, path + "." + sub_key);
            flow += (flow.empty() ? "" : ", ") + sub_key + ": " + text;
            label += (label.empty() ? "" : ";") + sub_key + "=" + text;
          }
          overrides.push_back(axis.key + "={" + flow + "}");
        } else {
          label = scalar_text(sweep_file, value, path);
          overrides.push_back(axis.key + "=" + label);
        }
        try {
          load_config(optional_base(base_config), overrides);
        } catch (const ConfigError& error) {
          throw ConfigError(at(sweep_file, value), path, error.what());
        }
        if (std::string(section) == "grid" && std::find(axis.values.begin(), axis.values.end(), label) != axis.values.end())
          throw ConfigError(at(sweep_file, value), path,
                            "the value '" + label + "' is listed twice on this axis (two points would be one)");
        axis.values.push_back(label);
        axis.overrides.push_back(overrides);
      }
      axes.push_back(axis);
    }
    return axes;
  };
  std::vector<Axis> grid = read_axes("grid"), zip = read_axes("zip");
  for (const auto& axis : zip)
    for (const auto& other : grid)
      if (other.key == axis.key)
        throw ConfigError(at(sweep_file, root["zip"][axis.key]), "zip." + axis.key,
                          "the key is a grid axis too; an axis belongs to one of grid and zip");
  std::size_t zip_length = zip.empty() ? 1 : zip[0].values.size();
  for (const auto& axis : zip)
    if (axis.values.size() != zip_length)
      throw ConfigError(at(sweep_file, root["zip"][axis.key]), "zip." + axis.key,
                        "zip lists must have the same length (" + std::to_string(zip_length) + "), found " +
                            std::to_string(axis.values.size()));
  // Zip positions pair their axes' values: the same tuple twice would be one point.
  for (std::size_t i = 0; i < zip_length && !zip.empty(); ++i)
    for (std::size_t j = 0; j < i; ++j) {
      bool same = true;
      for (const auto& axis : zip) same = same && axis.values[i] == axis.values[j];
      if (same)
        throw ConfigError(at(sweep_file, root["zip"]), "zip",
                          "positions " + std::to_string(j + 1) + " and " + std::to_string(i + 1) +
                              " give every axis the same value (two points would be one)");
    }
  std::vector<std::string> workloads;
  if (root["workloads"]) {
    if (!root["workloads"].IsSequence()) throw ConfigError(at(sweep_file, root["workloads"]), "workloads", "expected a list of traces");
    for (const auto& value : root["workloads"])
      workloads.push_back(resolve_path(sweep_file, scalar_text(sweep_file, value, "workloads"), at(sweep_file, value), "workloads"));
  }
  if (workloads.empty()) workloads.push_back("");
  double budget = 0;
  if (root["pods_under_power_w"]) {
    ParamDef def{"pods_under_power_w", ParamType::Float, "W", "", "", 1e-6, 1e9, {}};
    budget = std::get<double>(parse_param(def, scalar_text(sweep_file, root["pods_under_power_w"], "pods_under_power_w"),
                                          at(sweep_file, root["pods_under_power_w"]), "pods_under_power_w"));
  }

  std::string rule = "power_of_two";
  if (root["pods_rule"]) {
    rule = scalar_text(sweep_file, root["pods_rule"], "pods_rule");
    if (std::find(kPodsRules.begin(), kPodsRules.end(), rule) == kPodsRules.end())
      throw ConfigError(at(sweep_file, root["pods_rule"]), "pods_rule",
                        "expected power_of_two, largest or best, found '" + rule + "'");
    if (budget <= 0)
      throw ConfigError(at(sweep_file, root["pods_rule"]), "pods_rule",
                        "chooses the pod count under pods_under_power_w, which the sweep does not set");
  }

  axis_keys.clear();
  for (const auto& axis : grid) axis_keys.push_back(axis.key);
  for (const auto& axis : zip) axis_keys.push_back(axis.key);
  if (budget > 0) {
    axis_keys.push_back("pods");
    axis_keys.push_back("pods_rule");
  }

  // The cartesian product of the grid, each with every zip position, each with every workload.
  struct Combo {
    std::vector<std::pair<std::string, std::string>> labels;
    std::vector<std::string> overrides;
  };
  std::vector<Combo> combos = {Combo{}};
  for (const auto& axis : grid) {
    std::vector<Combo> next;
    for (const auto& combo : combos)
      for (std::size_t v = 0; v < axis.values.size(); ++v) {
        Combo extended = combo;
        extended.labels.emplace_back(axis.key, axis.values[v]);
        extended.overrides.insert(extended.overrides.end(), axis.overrides[v].begin(), axis.overrides[v].end());
        next.push_back(extended);
      }
    combos = next;
  }
  std::vector<SweepPoint> points;
  for (const auto& combo : combos)
    for (std::size_t z = 0; z < zip_length; ++z)
      for (const auto& workload : workloads) {
        SweepPoint point;
        point.index = points.size();
        point.axes = combo.labels;
        point.overrides = fixed;
        point.overrides.insert(point.overrides.end(), combo.overrides.begin(), combo.overrides.end());
        for (const auto& axis : zip) {
          point.axes.emplace_back(axis.key, axis.values[z]);
          point.overrides.insert(point.overrides.end(), axis.overrides[z].begin(), axis.overrides[z].end());
        }
        if (budget > 0) {
          const std::int64_t largest = pods_under_power(base_config, point.overrides, budget);
          if (largest == 0)
            throw ConfigError(at(sweep_file, root["pods_under_power_w"]), "pods_under_power_w",
                              "not even one pod fits " + std::to_string(budget) + " W at point " + std::to_string(point.index));
          const std::int64_t pods = pods_by_rule(rule, largest, [&](std::int64_t candidate) {
            std::vector<std::string> with = point.overrides;
            with.push_back("pods=" + std::to_string(candidate));
            return evaluate ? evaluate(base_config, with, workload) : child_effective_tops(base_config, with, workload);
          });
          point.axes.emplace_back("pods", std::to_string(pods));
          point.axes.emplace_back("pods_rule", rule);
          point.overrides.push_back("pods=" + std::to_string(pods));
        }
        point.workload = workload;
        std::vector<std::string> all = point.overrides;
        if (!workload.empty()) all.push_back("workload.trace=" + workload);
        try {
          load_config(optional_base(base_config), all);  // every point is valid before any runs
        } catch (const ConfigError& error) {
          throw ConfigError(at(sweep_file, root["grid"] ? root["grid"] : root), "point " + std::to_string(point.index),
                            error.what());
        }
        std::string identity = base_config + "|" + workload;
        for (const auto& override : point.overrides) identity += "|" + override;
        point.id = hash_id(identity);
        points.push_back(point);
      }
  return points;
}

int run_sweep(const std::string& sweep_file, const SweepOptions& options) {
  std::string base;
  std::vector<std::string> axis_keys;
  std::vector<SweepPoint> points = plan_sweep(sweep_file, base, axis_keys, {});
  fs::path dir = options.outdir.empty() ? fs::path("results") / fs::path(sweep_file).stem() : fs::path(options.outdir);
  fs::create_directories(dir / "points");
  nlohmann::ordered_json manifest;
  manifest["sweep"] = fs::absolute(sweep_file).string();
  manifest["base"] = base;
  manifest["axes"] = axis_keys;
  manifest["points"] = points.size();
  write_file_atomically((dir / "sweep.json").string(), manifest.dump(2) + "\n");

  const fs::path jsonl = dir / "results.jsonl";
  std::vector<nlohmann::ordered_json> rows = read_rows(jsonl);
  std::set<std::string> done;
  if (options.resume)
    for (const auto& row : rows) done.insert(row["point_id"].get<std::string>());
  else if (!rows.empty())
    throw ConfigError(SourceLocation{jsonl.string(), 0, ""}, "",
                      "the folder already holds results: use --resume to complete them, or another -o");
  std::vector<const SweepPoint*> todo;
  for (const auto& point : points)
    if (static_cast<int>(point.index % static_cast<std::size_t>(options.shard_count)) == options.shard_index - 1 &&
        !done.count(point.id))
      todo.push_back(&point);
  if (options.max_points >= 0 && static_cast<std::int64_t>(todo.size()) > options.max_points)
    todo.resize(static_cast<std::size_t>(options.max_points));

  const int jobs = options.jobs > 0 ? options.jobs : std::max(1u, std::thread::hardware_concurrency());
  std::string self = fs::read_symlink("/proc/self/exe").string();
  std::map<pid_t, const SweepPoint*> running;
  std::size_t next = 0, finished = 0, failed = 0;
  auto started = std::chrono::steady_clock::now();
  auto previous_handler = std::signal(SIGINT, on_interrupt);
  std::signal(SIGTERM, on_interrupt);
  // On a terminal one line rewritten in place; in a log (a batch job's) a line when a point
  // finishes, at most every 10 s (SOSASIM_PROGRESS_SECONDS), and the last.
  const bool terminal = ::isatty(STDERR_FILENO) != 0;
  const char* interval_text = std::getenv("SOSASIM_PROGRESS_SECONDS");
  const double log_interval = interval_text ? std::atof(interval_text) : 10.0;
  auto last_line = started - std::chrono::hours(1);
  auto progress = [&](bool last = false) {
    if (options.quiet) return;
    const auto now = std::chrono::steady_clock::now();
    if (!terminal && !last && std::chrono::duration<double>(now - last_line).count() < log_interval) return;
    last_line = now;
    double elapsed = std::chrono::duration<double>(now - started).count();
    double eta = finished ? elapsed / static_cast<double>(finished) * static_cast<double>(todo.size() - finished) : 0;
    std::fprintf(stderr, terminal ? "\r[%zu/%zu] done, %zu failed, %zu running, eta %.0f s   "
                                  : "[%zu/%zu] done, %zu failed, %zu running, eta %.0f s\n",
                 finished, todo.size(), failed, running.size(), eta);
    std::fflush(stderr);
  };
  progress();
  while ((next < todo.size() && !interrupted) || !running.empty()) {
    while (next < todo.size() && !interrupted && static_cast<int>(running.size()) < jobs) {
      const SweepPoint& point = *todo[next++];
      fs::path point_dir = dir / "points" / point.id;
      fs::create_directories(point_dir);
      std::vector<std::string> args = {self, "run"};
      if (!base.empty()) args.push_back(base);
      args.insert(args.end(), {"-o", point_dir.string(), "-q"});
      for (const auto& override : point.overrides) args.insert(args.end(), {"-p", override});
      if (!point.workload.empty()) args.insert(args.end(), {"-p", "workload.trace=" + point.workload});
      pid_t pid = ::fork();
      if (pid == 0) {
        int err = ::open((point_dir / "stderr.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int out = ::open((point_dir / "stdout.txt").c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (err >= 0) ::dup2(err, 2);
        if (out >= 0) ::dup2(out, 1);
        std::vector<char*> argv;
        for (auto& arg : args) argv.push_back(arg.data());
        argv.push_back(nullptr);
        ::execv(self.c_str(), argv.data());
        ::_exit(127);
      }
      if (pid < 0) throw ModelError(0, "sweep", "cannot start a point: fork failed");
      running[pid] = &point;
      progress();
    }
    if (running.empty()) break;
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;
    }
    auto it = running.find(pid);
    if (it == running.end()) continue;
    const SweepPoint& point = *it->second;
    running.erase(it);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    if (interrupted && code != 0) continue;  // cut short by the interrupt: runs again on --resume
    // A point's rows (one per workload) go to results.jsonl in one append.
    const std::vector<nlohmann::ordered_json> point_rows = rows_of_point(point, dir / "points" / point.id, code);
    std::string lines;
    for (const auto& row : point_rows) lines += row.dump() + "\n";
    append_whole(jsonl.string(), lines);
    for (const auto& row : point_rows) {
      rows.push_back(row);
      if (row["status"] == "failed") ++failed;
    }
    ++finished;
    write_table(dir, rows, axis_keys);
    progress();
  }
  std::signal(SIGINT, previous_handler);
  write_table(dir, rows, axis_keys);
  if (!terminal) progress(true);
  else if (!options.quiet) std::fprintf(stderr, "\n");
  std::size_t left = 0;
  for (const auto& point : points)
    if (static_cast<int>(point.index % static_cast<std::size_t>(options.shard_count)) == options.shard_index - 1) ++left;
  std::set<std::string> have;
  for (const auto& row : rows) have.insert(row["point_id"].get<std::string>());
  std::size_t missing = 0;
  for (const auto& point : points)
    if (static_cast<int>(point.index % static_cast<std::size_t>(options.shard_count)) == options.shard_index - 1 &&
        !have.count(point.id))
      ++missing;
  std::cout << "sweep " << sweep_file << ": " << (left - missing) << " of " << left << " points done ("
            << failed << " failed this run); results in " << (dir / "results.csv").string() << "\n";
  if (missing) std::cout << missing << " points left: run again with --resume\n";
  return interrupted ? 130 : 0;
}

int merge_sweeps(const std::string& outdir, const std::vector<std::string>& shard_dirs) {
  std::vector<nlohmann::ordered_json> rows;
  std::set<std::pair<std::string, std::size_t>> seen;
  std::vector<std::string> axis_keys;
  nlohmann::ordered_json manifest;
  for (const auto& shard : shard_dirs) {
    fs::path manifest_path = fs::path(shard) / "sweep.json";
    if (!fs::is_regular_file(manifest_path))
      throw ConfigError(SourceLocation{shard, 0, ""}, "", "not a sweep folder (no sweep.json)");
    nlohmann::ordered_json this_manifest = read_manifest(manifest_path);
    if (manifest.is_null()) {
      manifest = this_manifest;
      axis_keys = manifest["axes"].get<std::vector<std::string>>();
    } else if (this_manifest["sweep"] != manifest["sweep"] || this_manifest["axes"] != manifest["axes"]) {
      throw ConfigError(SourceLocation{shard, 0, ""}, "", "comes from another sweep than " + shard_dirs[0]);
    }
    for (auto& row : read_rows(fs::path(shard) / "results.jsonl"))
      if (seen.insert({row["point_id"].get<std::string>(), row["row"].get<std::size_t>()}).second) rows.push_back(row);
  }
  fs::create_directories(outdir);
  write_file_atomically((fs::path(outdir) / "sweep.json").string(), manifest.dump(2) + "\n");
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a["index"] != b["index"] ? a["index"].template get<std::size_t>() < b["index"].template get<std::size_t>()
                                    : a["row"].template get<std::size_t>() < b["row"].template get<std::size_t>();
  });
  std::string jsonl;
  for (const auto& row : rows) jsonl += row.dump() + "\n";
  write_file_atomically((fs::path(outdir) / "results.jsonl").string(), jsonl);
  write_table(outdir, rows, axis_keys);
  std::cout << "merged " << rows.size() << " rows from " << shard_dirs.size() << " folders into "
            << (fs::path(outdir) / "results.csv").string() << "\n";
  return 0;
}

}  // namespace sosasim
