#include "sim/compare_command.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/fmt/fmt.h>

#include "sim/kernel/errors.h"
#include "sim/kernel/files.h"
#include "workloads/csv.h"

namespace sosasim {

namespace fs = std::filesystem;

namespace {

// One run's results: its summary's numbers by dotted path, and its layers' columns.
struct RunResults {
  std::string label;  // the folder as given
  std::vector<std::pair<std::string, double>> metrics;
  std::map<std::string, std::string> text;  // non-numeric summary values shown (format, topology)
  std::map<std::string, std::string> config;  // the resolved config's leaves by dotted path
  std::vector<std::string> layer_columns;
  std::vector<std::pair<std::string, std::vector<std::string>>> layers;  // "workload/layer" -> fields
};

// The resolved config's leaves as text, by dotted path.
void flatten_config(const nlohmann::ordered_json& node, const std::string& path, std::map<std::string, std::string>& out) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) flatten_config(value, path.empty() ? key : path + "." + key, out);
  } else {
    out[path] = node.is_string() ? node.get<std::string>() : node.dump();
  }
}

// Every number in the summary by dotted path, workloads by name; the resolved config and the
// simulator's wall time and speed are not results of the design.
void flatten(const nlohmann::ordered_json& node, const std::string& path, RunResults& run) {
  if (node.is_number()) {
    run.metrics.emplace_back(path, node.get<double>());
  } else if (node.is_boolean()) {
    run.metrics.emplace_back(path, node.get<bool>() ? 1.0 : 0.0);
  } else if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (path.empty() && (key == "config" || key == "simulator")) continue;
      flatten(value, path.empty() ? key : path + "." + key, run);
    }
  } else if (node.is_array()) {
    for (std::size_t i = 0; i < node.size(); ++i) {
      const auto& item = node[i];
      const std::string name =
          item.is_object() && item.contains("name") && item["name"].is_string() ? item["name"].get<std::string>()
                                                                                : std::to_string(i);
      flatten(item, path + "." + name, run);
    }
  }
}

RunResults read_run(const std::string& given) {
  RunResults run;
  run.label = given;
  fs::path dir(given);
  if (fs::is_regular_file(dir) && dir.filename() == "summary.json") dir = dir.parent_path();
  if (!fs::is_directory(dir))
    throw ConfigError(SourceLocation{given, 0, ""}, "", "not a results folder (expected a folder with summary.json)");
  const fs::path summary_path = dir / "summary.json";
  std::ifstream in(summary_path);
  if (!in) throw ConfigError(SourceLocation{summary_path.string(), 0, ""}, "", "cannot read the run's summary");
  nlohmann::ordered_json summary = nlohmann::ordered_json::parse(in, nullptr, false);
  if (summary.is_discarded() || !summary.is_object())
    throw ConfigError(SourceLocation{summary_path.string(), 0, ""}, "", "not a run summary (invalid JSON)");
  if (!summary.contains("cycles"))
    throw ConfigError(SourceLocation{summary_path.string(), 0, ""}, "", "not a run summary (no 'cycles')");
  flatten(summary, "", run);
  if (summary.contains("config")) flatten_config(summary["config"], "", run.config);
  for (const char* key : {"topology", "technology"})
    if (summary.contains(key) && summary[key].is_string()) run.text[key] = summary[key].get<std::string>();

  const fs::path layers_path = dir / "layers.csv";
  if (!fs::is_regular_file(layers_path)) return run;  // an older or partial run: the run table only
  CsvTable table = read_csv(layers_path.string(), [](const std::vector<std::string>&) { return true; });
  run.layer_columns = table.header.fields;
  const auto column = [&](const char* name) {
    auto at = std::find(run.layer_columns.begin(), run.layer_columns.end(), name);
    return at == run.layer_columns.end() ? std::optional<std::size_t>() : std::optional<std::size_t>(at - run.layer_columns.begin());
  };
  const auto workload = column("workload"), layer = column("layer");
  if (!workload || !layer)
    throw ConfigError(SourceLocation{layers_path.string(), 1, ""}, "", "not a layers table (no workload and layer columns)");
  for (const auto& row : table.rows) {
    if (row.fields.size() != run.layer_columns.size())
      throw ConfigError(SourceLocation{layers_path.string(), row.line, ""}, "",
                        fmt::format("expected {} fields, found {}", run.layer_columns.size(), row.fields.size()));
    run.layers.emplace_back(row.fields[*workload] + "/" + row.fields[*layer], row.fields);
  }
  return run;
}

// Missing values are NaN: a number, or NaN for text that is not one.
constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

double number(const std::string& text) {
  if (text.empty()) return kMissing;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(value)) return kMissing;
  return value;
}

std::string ratio(double value, double base) {
  if (std::isnan(value) || std::isnan(base) || base == 0) return "";
  return fmt::format("{:.4f}", value / base);
}

// Run r's letter on the console: A, B, ... (Z for the 26th and later).
std::string letter(std::size_t r) { return std::string(1, static_cast<char>('A' + std::min<std::size_t>(r, 25))); }

// A layer's cycles in one run, or kMissing when that run has no such layer.
double cycles_of(const std::map<std::string, double>& cycles, const std::string& key) {
  auto at = cycles.find(key);
  return at == cycles.end() ? kMissing : at->second;
}

std::string show(double value) {
  if (value == std::floor(value) && std::abs(value) < 1e15) return fmt::format("{:.0f}", value);
  return fmt::format("{:.4g}", value);
}

// The run table: one row per metric, each run's value and its ratio to the first run's.
std::string runs_csv(const std::vector<RunResults>& runs, const std::vector<std::string>& names) {
  std::ostringstream out;
  out << "metric";
  for (std::size_t r = 0; r < runs.size(); ++r) out << ',' << csv_field(runs[r].label);
  for (std::size_t r = 1; r < runs.size(); ++r) out << ',' << csv_field("ratio " + runs[r].label);
  out << '\n';
  std::vector<std::map<std::string, double>> values;
  for (const auto& run : runs) values.emplace_back(run.metrics.begin(), run.metrics.end());
  for (const auto& name : names) {
    out << csv_field(name);
    std::vector<double> row;
    for (const auto& run_values : values) {
      auto at = run_values.find(name);
      row.push_back(at == run_values.end() ? kMissing : at->second);
      out << ',' << (std::isnan(row.back()) ? "" : fmt::format("{:.10g}", row.back()));
    }
    for (std::size_t r = 1; r < row.size(); ++r) out << ',' << ratio(row[r], row[0]);
    out << '\n';
  }
  return out.str();
}

// The layer table: one row per layer of any run (matched by workload and layer name), each
// numeric column of each run and its ratio to the first; text columns (format, sparsity) as
// they are.
std::string layers_csv(const std::vector<RunResults>& runs, const std::vector<std::string>& keys,
                       const std::vector<std::string>& columns) {
  std::ostringstream out;
  out << "workload,layer";
  for (const auto& column : columns) {
    for (std::size_t r = 0; r < runs.size(); ++r) out << ',' << csv_field(column + " " + runs[r].label);
    for (std::size_t r = 1; r < runs.size(); ++r) out << ',' << csv_field(column + " ratio " + runs[r].label);
  }
  out << '\n';
  std::vector<std::map<std::string, const std::vector<std::string>*>> by_key(runs.size());
  for (std::size_t r = 0; r < runs.size(); ++r)
    for (const auto& [key, fields] : runs[r].layers) by_key[r].emplace(key, &fields);
  for (const auto& key : keys) {
    const auto slash = key.find('/');
    out << csv_field(key.substr(0, slash)) << ',' << csv_field(key.substr(slash + 1));
    for (const auto& column : columns) {
      std::vector<std::string> cells;
      for (std::size_t r = 0; r < runs.size(); ++r) {
        auto at = by_key[r].find(key);
        auto index = std::find(runs[r].layer_columns.begin(), runs[r].layer_columns.end(), column);
        cells.push_back(at == by_key[r].end() || index == runs[r].layer_columns.end()
                            ? ""
                            : (*at->second)[static_cast<std::size_t>(index - runs[r].layer_columns.begin())]);
        out << ',' << csv_field(cells.back());
      }
      for (std::size_t r = 1; r < runs.size(); ++r) out << ',' << ratio(number(cells[r]), number(cells[0]));
    }
    out << '\n';
  }
  return out.str();
}

struct CompareOptions {
  std::vector<std::string> runs;
  std::string outdir = "results/compare";
  std::size_t layers_shown = 10;
};

int compare(const CompareOptions& options) {
  std::vector<RunResults> runs;
  for (const auto& given : options.runs) runs.push_back(read_run(given));

  // Metrics in the first run's order, then any the others add.
  std::vector<std::string> names;
  std::map<std::string, bool> seen;
  for (const auto& run : runs)
    for (const auto& [name, value] : run.metrics)
      if (!seen[name]) {
        seen[name] = true;
        names.push_back(name);
      }
  std::vector<std::string> keys;
  std::map<std::string, bool> seen_key;
  std::vector<std::string> columns;
  for (const auto& run : runs) {
    for (const auto& [key, fields] : run.layers)
      if (!seen_key[key]) {
        seen_key[key] = true;
        keys.push_back(key);
      }
    for (const auto& column : run.layer_columns)
      if (column != "workload" && column != "layer" && std::find(columns.begin(), columns.end(), column) == columns.end())
        columns.push_back(column);
  }

  const fs::path dir(options.outdir);
  fs::create_directories(dir);
  write_file_atomically((dir / "compare_runs.csv").string(), runs_csv(runs, names));
  write_file_atomically((dir / "compare_layers.csv").string(), layers_csv(runs, keys, columns));

  // The console: the main figures, then the layers whose cycles changed most.
  std::vector<std::map<std::string, double>> values;
  for (const auto& run : runs) values.emplace_back(run.metrics.begin(), run.metrics.end());
  std::string text;
  for (std::size_t r = 0; r < runs.size(); ++r)
    text += fmt::format("  {} {}{}\n", letter(r), runs[r].label,
                        runs[r].text.count("topology") ? " (" + runs[r].text.at("topology") + ")" : "");
  // What differs between the runs' configs (the questions the comparison answers).
  std::map<std::string, bool> config_keys;
  for (const auto& run : runs)
    for (const auto& [key, value] : run.config) config_keys[key] = true;
  for (const auto& [key, present] : config_keys) {
    std::vector<std::string> seen_values;
    bool differs = false;
    for (const auto& run : runs) {
      auto at = run.config.find(key);
      seen_values.push_back(at == run.config.end() ? "-" : at->second);
      differs = differs || seen_values.back() != seen_values.front();
    }
    if (!differs) continue;
    text += "  differs: " + key + ":";
    for (std::size_t r = 0; r < runs.size(); ++r)
      text += std::string(r ? " |" : "") + " " + letter(r) + " " + seen_values[r];
    text += "\n";
  }
  const int width = 46;
  text += fmt::format("  {:<{}}", "metric", width);
  for (std::size_t r = 0; r < runs.size(); ++r) text += fmt::format("{:>14}", letter(r));
  for (std::size_t r = 1; r < runs.size(); ++r)
    text += fmt::format("{:>10}", letter(r) + "/A");
  text += "\n";
  const std::vector<std::string> shown = {
      "cycles", "effective_tops", "utilization", "peak_power_w", "tops_per_watt", "iso_power_tops", "energy_j",
      "avg_power_w", "area_mm2", "pod_cycle_breakdown.streaming", "pod_cycle_breakdown.waiting_for_weight_load",
      "pod_cycle_breakdown.waiting_for_input_network", "pod_cycle_breakdown.waiting_for_dram",
      "pod_cycle_breakdown.waiting_for_reduction", "pod_cycle_breakdown.other_idle", "hmean_effective_tops"};
  for (const auto& name : shown) {
    if (!seen[name]) continue;
    text += fmt::format("  {:<{}}", name, width);
    std::vector<double> row;
    for (const auto& run_values : values) {
      auto at = run_values.find(name);
      row.push_back(at == run_values.end() ? kMissing : at->second);
      text += fmt::format("{:>14}", std::isnan(row.back()) ? "-" : show(row.back()));
    }
    for (std::size_t r = 1; r < row.size(); ++r) {
      const std::string q = ratio(row[r], row[0]);
      text += fmt::format("{:>10}", q.empty() ? "-" : q.substr(0, 6));
    }
    text += "\n";
  }

  // Layers by the largest change of cycles against run A (any run).
  if (!keys.empty() && options.layers_shown > 0) {
    std::vector<std::map<std::string, double>> cycles(runs.size());
    for (std::size_t r = 0; r < runs.size(); ++r) {
      auto index = std::find(runs[r].layer_columns.begin(), runs[r].layer_columns.end(), "cycles");
      if (index == runs[r].layer_columns.end()) continue;
      for (const auto& [key, fields] : runs[r].layers)
        cycles[r][key] = number(fields[static_cast<std::size_t>(index - runs[r].layer_columns.begin())]);
    }
    std::map<std::string, double> change;  // the largest |cycles - cycles in A| over the runs
    for (const auto& key : keys) {
      double most = 0;
      auto base = cycles[0].find(key);
      for (std::size_t r = 1; r < runs.size(); ++r) {
        auto value = cycles[r].find(key);
        if (base != cycles[0].end() && value != cycles[r].end() && !std::isnan(base->second) && !std::isnan(value->second))
          most = std::max(most, std::abs(value->second - base->second));
      }
      change[key] = most;
    }
    std::vector<std::string> ranked = keys;
    std::stable_sort(ranked.begin(), ranked.end(),
                     [&](const std::string& a, const std::string& b) { return change[a] > change[b]; });
    ranked.resize(std::min(ranked.size(), options.layers_shown));
    text += fmt::format("  layers with the largest change of cycles ({} of {}; all in compare_layers.csv):\n",
                        ranked.size(), keys.size());
    for (const auto& key : ranked) {
      text += fmt::format("  {:<{}}", key.size() > static_cast<std::size_t>(width) - 1 ? key.substr(0, width - 2) + "~" : key, width);
      for (std::size_t r = 0; r < runs.size(); ++r) {
        const double value = cycles_of(cycles[r], key);
        text += fmt::format("{:>14}", std::isnan(value) ? "-" : show(value));
      }
      for (std::size_t r = 1; r < runs.size(); ++r) {
        const double value = cycles_of(cycles[r], key);
        const double base = cycles_of(cycles[0], key);
        const std::string q = ratio(value, base);
        text += fmt::format("{:>10}", q.empty() ? "-" : q.substr(0, 6));
      }
      text += "\n";
    }
  }
  std::cout << "sosasim compare: " << runs.size() << " runs (ratios against A)\n"
            << text << "  tables in         " << dir.string() << "/ (compare_runs.csv, compare_layers.csv)\n";
  return 0;
}

}  // namespace

void add_compare_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<CompareOptions>();
  auto* command = app.add_subcommand(
      "compare", "two or more runs' results side by side, with ratios to the first, per run and per layer");
  command->add_option("runs", options->runs, "results folders (of sosasim run, or a sweep's points/<id>)")
      ->required()
      ->expected(2, 64);
  command->add_option("-o,--out", options->outdir, "folder for compare_runs.csv and compare_layers.csv")
      ->capture_default_str();
  command->add_option("--layers", options->layers_shown, "layers shown on the console (largest change of cycles first)")
      ->capture_default_str();
  command->callback([options, &exit_code] { exit_code = compare(*options); });
}

}  // namespace sosasim
