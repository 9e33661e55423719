// sosasim: the command line. Subcommands: run and validate (here), gemm and quantize
// (sim/pod_commands.cpp), workload info (sim/workload_command.cpp), noc (sim/noc_command.cpp),
// sweep and merge (sim/sweep.cpp, driven from here), list (here).
// User errors (ConfigError) print one line on stderr and exit with code 2; model errors exit 3.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <systemc>

#include "sim/compare_command.h"
#include "sim/kernel/config.h"
#include "sim/kernel/errors.h"
#include "sim/kernel/params.h"
#include "sim/pod_commands.h"
#include "sim/workload_command.h"
#include "sim/noc_command.h"
#include "sim/sweep.h"
#include "sim/serving.h"
#include "sim/training.h"
#include "sim/kernel/registry.h"
#include "sim/system/report.h"
#include "sim/system/run_stats.h"
#include "sim/system/system.h"
#include "tiling/tiling.h"
#include "workloads/llm.h"
#include "workloads/requests.h"
#include "workloads/trace.h"

using namespace sosasim;

// libsystemc's own main() refers to sc_main; sosasim has its own main and never calls it.
int sc_main(int, char*[]) { return 1; }

namespace {

std::vector<Workload> read_workloads(const SimConfig& config) {
  std::vector<Workload> workloads;
  const TileShape shape{config.partition_rows(), config.array.rows, config.array.cols};
  for (const auto& entry : config.workloads) {
    workloads.push_back(read_trace(entry.trace_path, entry.name));
    for (const auto& layer : workloads.back().layers) check_simulable(layer, entry.trace_path, shape);
  }
  return workloads;
}

std::optional<std::string> optional_path(const std::string& path) {
  if (path.empty()) return std::nullopt;
  return path;
}

int run_command(const std::string& config_path, const std::vector<std::string>& overrides, std::string outdir,
                const std::string& timeline, bool serve = false) {
  SimConfig config = load_config(optional_path(config_path), overrides);
  if (serve && config.serving.model.empty())
    throw ConfigError(SourceLocation{config.source_file, 0, ""}, "serving.model",
                      "sosasim serve needs a model: serving.model (a zoo name such as llama3_8b, or a config.json)");
  // (a serving run builds its own workloads from the model)
  std::vector<Workload> workloads = config.serving.model.empty() ? read_workloads(config) : std::vector<Workload>{};
  if (outdir.empty()) {
    // results/<config name>/, or the first of results/<config name>-2/, -3/, ... that holds no
    // run: an earlier run's results are never overwritten without -o.
    std::string stem = config_path.empty() ? "default" : std::filesystem::path(config_path).stem().string();
    outdir = "results/" + stem;
    for (int n = 2; std::filesystem::exists(std::filesystem::path(outdir) / "summary.json"); ++n)
      outdir = "results/" + stem + "-" + std::to_string(n);
    if (outdir != "results/" + stem)
      spdlog::info("results/{}/ holds an earlier run: writing {}/ (-o DIR chooses the folder)", stem, outdir);
  }
  spdlog::debug("config: {}{}", config.source_file, overrides.empty() ? "" : " with " + std::to_string(overrides.size()) + " override(s)");
  for (const auto& text : overrides) spdlog::debug("  -p {}", text);
  std::uint64_t layers = 0;
  for (const auto& w : workloads) {
    layers += w.layers.size();
    spdlog::debug("workload {}: {} layers, {} MACs ({})", w.name, w.layers.size(), w.total_macs(), w.path);
  }
  if (!config.serving.model.empty()) {
    if (config.training.epochs > 0)
      throw ConfigError(SourceLocation{config.source_file, 0, ""}, "serving.model", "a run is a training run or a serving run, not both");
    return run_serving(config, outdir, timeline);
  }
  if (config.training.epochs > 0) return run_training(config, workloads, config_path, overrides, outdir);
  spdlog::info("simulating {} workload(s), {} layers", workloads.size(), layers);
  SimulationResult result = run_simulation(config, workloads, timeline);
  RunReport report = build_report(config, result);
  write_report(report, config, outdir);
  std::cout << report.text << "  results in         " << outdir << "/ (summary.json, layers.csv, config.resolved.yaml)\n";
  return 0;
}

int validate_command(const std::string& config_path, const std::vector<std::string>& overrides, bool as_json) {
  SimConfig config = load_config(optional_path(config_path), overrides);
  std::vector<Workload> workloads = config.serving.model.empty() ? read_workloads(config) : std::vector<Workload>{};
  if (!config.serving.model.empty() && !config.serving.requests.empty())
    read_request_trace(config.serving.requests);  // (its errors now, not at the run)
  nlohmann::ordered_json figures = machine_figures(config);
  if (as_json) {  // the machine's figures, and each workload's size
    figures["workloads"] = nlohmann::ordered_json::array();
    for (const auto& w : workloads)
      figures["workloads"].push_back({{"name", w.name}, {"layers", w.layers.size()}, {"macs", w.total_macs()}, {"trace", w.path}});
    std::cout << figures.dump(2) << "\n";
    return 0;
  }
  std::cout << "ok: " << (config_path.empty() ? "built-in default" : config_path) << "\n";
  if (!config.serving.model.empty())
    std::cout << "  serving " << load_llm_model(config.serving.model).name << ", requests "
              << (config.serving.requests.empty() ? std::to_string(config.serving.count) + " generated" : config.serving.requests)
              << "\n";
  for (const auto& w : workloads)
    std::cout << "  workload " << w.name << ": " << w.layers.size() << " layers, " << w.total_macs() << " MACs ("
              << w.path << ")\n";
  std::cout << "  " << figures["topology"].get<std::string>() << ", peak " << figures["peak_tops"].get<double>()
            << " TOPS, peak power " << figures["peak_power_w"].get<double>() << " W\n";
  return 0;
}

// Every statistic a run reports, with its unit, how it aggregates and what it means.
int list_stats_command(bool as_json) {
  nlohmann::ordered_json all = nlohmann::ordered_json::array();
  for (const auto& [group, stat] : all_stat_declarations())
    all.push_back({{"group", group}, {"name", stat.name}, {"unit", stat.unit}, {"aggregation", stat.aggregation},
                   {"description", stat.description}});
  if (as_json) {
    std::cout << all.dump(2) << "\n";
    return 0;
  }
  const char* headings[][2] = {{"pod", "pod statistics (summary.json pod_stats, summed over pods)"},
                               {"run", "run statistics (summary.json stats)"},
                               {"network", "network statistics (summary.json networks.x|w|p)"}};
  for (const auto& [group, heading] : headings) {
    std::cout << "[" << heading << "]\n";
    for (const auto& stat : all)
      if (stat["group"] == group)
        std::cout << "  " << stat["name"].get<std::string>() << " (" << stat["unit"].get<std::string>() << ", "
                  << stat["aggregation"].get<std::string>() << "): " << stat["description"].get<std::string>() << "\n";
  }
  return 0;
}

int list_command(bool as_json) {
  const auto& registry = ComponentRegistry::instance();
  nlohmann::ordered_json all = nlohmann::ordered_json::array();
  for (const auto& kind : registry.kinds()) {
    for (const auto& [name, info] : registry.of_kind(kind)) {
      nlohmann::ordered_json params = nlohmann::ordered_json::array();
      for (const auto& p : info.params) {
        nlohmann::ordered_json param = {{"name", p.name}, {"type", to_string(p.type)}, {"unit", p.unit},
                                        {"default", p.default_text}, {"expected", describe_expected(p)},
                                        {"description", p.description}};
        params.push_back(param);
      }
      all.push_back({{"kind", kind}, {"name", name}, {"description", info.description}, {"params", params}});
    }
  }
  if (as_json) {
    std::cout << all.dump(2) << "\n";
    return 0;
  }
  std::string current_kind;
  for (const auto& component : all) {
    std::string kind = component["kind"];
    if (kind != current_kind) {
      std::cout << (current_kind.empty() ? "" : "\n") << "[" << kind << "]\n";
      current_kind = kind;
    }
    std::cout << "  " << component["name"].get<std::string>() << ": " << component["description"].get<std::string>()
              << "\n";
    for (const auto& p : component["params"]) {
      std::string unit = p["unit"];
      std::cout << "      " << p["name"].get<std::string>() << " (" << p["type"].get<std::string>()
                << (unit.empty() ? "" : ", " + unit) << ", default "
                << (p["default"].get<std::string>().empty() ? "none" : p["default"].get<std::string>())
                << "): " << p["description"].get<std::string>() << "; " << p["expected"].get<std::string>() << "\n";
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
  auto logger = spdlog::stderr_color_mt("sosasim");
  spdlog::set_default_logger(logger);
  spdlog::set_pattern("[%l] %v");
  spdlog::set_level(spdlog::level::warn);

  CLI::App app{"sosasim: cycle-level simulator of multi-pod systolic-array DNN accelerators"};
  app.set_version_flag("--version", std::string("sosasim ") + SOSASIM_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  bool verbose = false, quiet = false;
  app.add_flag("-v,--verbose", verbose, "log progress and details");
  app.add_flag("-q,--quiet", quiet, "log errors only");

  std::string config_path, outdir;
  std::vector<std::string> overrides;
  auto* run = app.add_subcommand("run", "simulate a config (default: the SOSA design point on ResNet-50 at 299 px)");
  run->add_option("config", config_path, "YAML config; omit for the built-in default");
  run->add_option("-p,--param", overrides, "override a key: -p key.path=value (repeatable)");
  run->add_option("-o,--out", outdir,
                  "output folder (default: results/<config name>, or results/<config name>-2, -3, ... if it holds a run)");
  std::string timeline;
  run->add_option("--timeline", timeline, "write a Chrome/Perfetto trace-event timeline (open in ui.perfetto.dev)");

  std::string serve_path, serve_outdir, serve_timeline;
  std::vector<std::string> serve_overrides;
  auto* serve = app.add_subcommand("serve", "simulate LLM serving: requests over time, continuous batching, a KV cache "
                                            "(the serving: keys; the machine keys as for run)");
  serve->add_option("config", serve_path, "YAML config with a serving: section; omit for the built-in default machine");
  serve->add_option("-p,--param", serve_overrides, "override a key: -p key.path=value (repeatable), e.g. -p serving.model=llama3_8b");
  serve->add_option("-o,--out", serve_outdir,
                    "output folder (default: results/<config name>, or results/<config name>-2, -3, ... if it holds a run)");
  serve->add_option("--timeline", serve_timeline, "write a Chrome/Perfetto trace of the iterations and the KV cache's occupancy");

  std::string validate_path;
  std::vector<std::string> validate_overrides;
  auto* validate = app.add_subcommand("validate", "check a config and its traces without simulating");
  validate->add_option("config", validate_path, "YAML config; omit for the built-in default");
  validate->add_option("-p,--param", validate_overrides, "override a key: -p key.path=value (repeatable)");
  bool validate_json = false;
  validate->add_flag("--json", validate_json, "print the machine's figures (peak power and its parts, area, peak TOPS) as JSON");

  int pod_command_exit = 0;
  add_pod_commands(app, pod_command_exit);
  add_workload_command(app, pod_command_exit);
  add_noc_command(app, pod_command_exit);
  add_compare_command(app, pod_command_exit);

  std::string sweep_file, shard = "1/1";
  SweepOptions sweep_options;
  auto* sweep = app.add_subcommand("sweep", "run every point of a sweep file, in parallel, resumable, shardable");
  sweep->add_option("sweep", sweep_file, "sweep YAML file")->required();
  sweep->add_option("-j,--jobs", sweep_options.jobs, "points at a time (default: the number of cores)");
  sweep->add_option("-o,--out", sweep_options.outdir, "output folder (default: results/<sweep name>)");
  sweep->add_flag("--resume", sweep_options.resume, "run only the points without results");
  sweep->add_option("--shard", shard, "i/n: run the points whose index is i-1 modulo n (Slurm arrays, GNU parallel)");
  sweep->add_option("--max-points", sweep_options.max_points, "stop after this many points (time-boxed jobs)");

  std::string merge_out;
  std::vector<std::string> merge_dirs;
  auto* merge = app.add_subcommand("merge", "join sweep shard folders into one results table");
  merge->add_option("-o,--out", merge_out, "merged output folder")->required();
  merge->add_option("shards", merge_dirs, "shard folders")->required();

  bool list_json = false;
  auto* list = app.add_subcommand("list", "print every registered component and its parameters");
  list->add_flag("--json", list_json, "print JSON");
  bool list_stats = false;
  list->add_flag("--stats", list_stats, "print every statistic a run reports (unit, aggregation, meaning)");

  try {
    // The command word: an unknown one gets a did-you-mean and the list (CLI11 would call it an
    // unexpected argument).
    for (int a = 1; a < argc; ++a) {
      const std::string word = argv[a];
      if (word.empty() || word[0] == '-') continue;  // -v, -q, --help, --version come first
      std::vector<std::string> commands;
      for (const auto* command : app.get_subcommands([](CLI::App*) { return true; }))
        commands.push_back(command->get_name());
      if (std::find(commands.begin(), commands.end(), word) != commands.end()) break;
      const std::string close = did_you_mean(word, commands);
      std::string list;
      for (const auto& command : commands) list += (list.empty() ? "" : ", ") + command;
      throw ConfigError(SourceLocation{"command line", 0, word}, "",
                        "unknown command" + (close.empty() ? std::string() : " (did you mean '" + close + "'?)") +
                            "; commands: " + list);
    }
    app.parse(argc, argv);
    if (verbose) spdlog::set_level(spdlog::level::debug);
    else if (quiet) spdlog::set_level(spdlog::level::err);
    else spdlog::set_level(spdlog::level::info);
    if (app.got_subcommand("gemm") || app.got_subcommand("quantize") || app.got_subcommand("workload") ||
        app.got_subcommand("noc") || app.got_subcommand("compare"))
      return pod_command_exit;
    if (*run) return run_command(config_path, overrides, outdir, timeline);
    if (*serve) return run_command(serve_path, serve_overrides, serve_outdir, serve_timeline, true);
    if (*validate) return validate_command(validate_path, validate_overrides, validate_json);
    if (*sweep) {
      // i/n, both whole numbers (std::stoi would read 1.5 as 1).
      const auto slash = shard.find('/');
      auto whole = [](const std::string& text) {
        return !text.empty() && text.size() <= 6 &&
               std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
      };
      sweep_options.shard_count = 0;
      if (slash != std::string::npos && whole(shard.substr(0, slash)) && whole(shard.substr(slash + 1))) {
        sweep_options.shard_index = std::stoi(shard.substr(0, slash));
        sweep_options.shard_count = std::stoi(shard.substr(slash + 1));
      }
      if (sweep_options.shard_count < 1 || sweep_options.shard_index < 1 ||
          sweep_options.shard_index > sweep_options.shard_count)
        throw ConfigError(SourceLocation{"command line", 0, "--shard " + shard}, "", "expected i/n with 1 <= i <= n");
      if (sweep_options.jobs < 0 || sweep_options.jobs > 4096)
        throw ConfigError(SourceLocation{"command line", 0, "-j " + std::to_string(sweep_options.jobs)}, "",
                          "expected 1 to 4096 points at a time (0: the number of cores)");
      if (sweep_options.max_points < -1)
        throw ConfigError(SourceLocation{"command line", 0, "--max-points " + std::to_string(sweep_options.max_points)},
                          "", "expected a number of points >= 0");
      sweep_options.quiet = quiet;
      return run_sweep(sweep_file, sweep_options);
    }
    if (*merge) return merge_sweeps(merge_out, merge_dirs);
    if (*list) return list_stats ? list_stats_command(list_json) : list_command(list_json);
  } catch (const CLI::ParseError& error) {
    if (error.get_exit_code() == 0) return app.exit(error);  // --help
    // One line, like every other user error (CLI11's own shape is two).
    std::string message = error.what();
    std::replace(message.begin(), message.end(), '\n', ' ');
    std::cerr << "error: command line: " << message << " (see --help)\n";
    return 2;
  } catch (const ConfigError& error) {
    std::cerr << "error: " << error.what() << "\n";
    return 2;
  } catch (const std::filesystem::filesystem_error& error) {
    // A path the user gave that the system refuses (a name too long, no permission, ...).
    std::cerr << "error: " << (error.path1().empty() ? std::string("file system") : error.path1().string()) << ": "
              << error.code().message() << "\n";
    return 2;
  } catch (const ModelError& error) {
    std::cerr << "model error: " << error.what() << "\n";
    return 3;
  } catch (const sc_core::sc_report& report) {
    std::cerr << "SystemC error: " << report.what() << "\n";
    return 3;
  } catch (const std::exception& error) {
    std::cerr << "internal error: " << error.what() << "\n";
    return 4;
  }
  return 0;
}
