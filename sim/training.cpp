#include "sim/training.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "arch/format.h"
#include "arch/tech.h"
#include "sim/child_run.h"
#include "sim/kernel/errors.h"

namespace sosasim {

namespace {

bool is_backward(const std::string& name) {
  auto ends_with = [&](const char* suffix) {
    const std::string s(suffix);
    return name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  return ends_with(".dX") || ends_with(".dW");
}

std::string forward_name(const std::string& name) { return is_backward(name) ? name.substr(0, name.size() - 3) : name; }

// Every layer of `workload` at the phase's formats: the network's first and last forward layers,
// and their backward GEMMs, at first_last; the others at format ("" keeps the config's).
Workload with_formats(const Workload& workload, const TrainingPhase& phase) {
  std::string first, last;
  for (const auto& layer : workload.layers)
    if (!is_backward(layer.name)) {
      if (first.empty()) first = layer.name;
      last = layer.name;
    }
  Workload result = workload;
  for (auto& layer : result.layers) {
    const std::string base = forward_name(layer.name);
    const bool edge = base == first || base == last;
    layer.format = edge && !phase.first_last.empty() ? phase.first_last : phase.format;
  }
  return result;
}

// Runs one step in a child `sosasim run` into `dir`; returns its summary.json.
nlohmann::ordered_json run_step(const std::string& config_path, const std::vector<std::string>& overrides,
                        const std::string& trace, const std::filesystem::path& dir) {
  std::vector<std::string> args;
  if (!config_path.empty()) args.push_back(config_path);
  args.insert(args.end(), {"-q", "-o", dir.string()});
  for (const auto& override : overrides) args.insert(args.end(), {"-p", override});
  args.insert(args.end(), {"-p", "training.epochs=0", "-p", "training.schedule=", "-p", "workload.trace=" + trace});
  const int status = run_sosasim_child(args);
  if (status != 0)
    throw ModelError(0, "training", "the training step of " + trace + " did not run (exit status " +
                                        std::to_string(status) + ")");
  std::ifstream in(dir / "summary.json");
  return nlohmann::ordered_json::parse(in);
}

struct Step {
  nlohmann::ordered_json summary;
  std::map<std::string, double> macs_by_format;  // format name -> useful MACs of one step
  std::map<std::string, FormatSpec> formats;
};

}  // namespace

int run_training(const SimConfig& config, const std::vector<Workload>& workloads, const std::string& config_path,
                 const std::vector<std::string>& overrides, const std::string& outdir) {
  if (workloads.size() != 1)
    throw ConfigError(SourceLocation{config.source_file, 0, ""}, "training.epochs",
                      "a training run trains one workload; the config names " + std::to_string(workloads.size()));
  for (const auto& w : workloads) {
    const bool has_backward =
        std::any_of(w.layers.begin(), w.layers.end(), [](const Layer& l) { return is_backward(l.name); });
    if (!has_backward)
      throw ConfigError(SourceLocation{w.path, 0, ""}, "training.epochs",
                        "a training run needs a training-step trace (forward GEMMs and their backward-data '.dX' and "
                        "backward-weight '.dW' rows: scripts/gen_models.py --training); '" + w.name + "' has none");
  }
  const TechTable tech = load_tech_table(config.power.tech_file);
  const double pes = static_cast<double>(config.array.rows * config.array.cols * config.pods);

  std::filesystem::create_directories(outdir);
  // One simulation per distinct (format, first_last).
  std::map<std::pair<std::string, std::string>, std::size_t> step_of;
  std::vector<Step> steps;
  std::vector<std::size_t> phase_step;
  for (const auto& phase : config.training.phases) {
    auto key = std::make_pair(phase.format, phase.first_last);
    auto found = step_of.find(key);
    if (found == step_of.end()) {
      const Workload step_workload = with_formats(workloads.front(), phase);
      const std::filesystem::path dir = std::filesystem::path(outdir) / "phases" / std::to_string(steps.size());
      std::filesystem::create_directories(dir);
      const std::string trace = (dir / "step.csv").string();
      std::ofstream(trace) << native_trace_text(step_workload, "one training step, formats of one phase of training.schedule");
      Step step;
      step.summary = run_step(config_path, overrides, trace, dir);
      // MACs by format: each layer's useful MACs at the format it ran in.
      for (std::size_t l = 0; l < step_workload.layers.size(); ++l) {
        const Layer& layer = step_workload.layers[l];
        const FormatSpec format = workload_layer_format(config.format, l, step_workload.layers.size(), layer.format);
        const std::string name = format_name(format);
        step.macs_by_format[name] += static_cast<double>(layer.macs());
        step.formats[name] = format;
      }
      found = step_of.emplace(key, steps.size()).first;
      steps.push_back(std::move(step));
    }
    phase_step.push_back(found->second);
  }

  nlohmann::ordered_json training;
  training["epochs"] = config.training.epochs;
  training["steps_per_epoch"] = config.training.steps_per_epoch;
  training["steps"] = config.training.epochs * config.training.steps_per_epoch;
  double cycles = 0, energy = 0, macs = 0;
  std::map<std::string, double> macs_by_format;
  std::map<std::string, FormatSpec> formats;
  training["phases"] = nlohmann::ordered_json::array();
  for (std::size_t p = 0; p < config.training.phases.size(); ++p) {
    const TrainingPhase& phase = config.training.phases[p];
    const Step& step = steps[phase_step[p]];
    const double count = static_cast<double>((phase.last_epoch - phase.first_epoch + 1) * config.training.steps_per_epoch);
    const auto& s = step.summary;
    cycles += count * s["cycles"].get<double>();
    energy += count * s["energy_j"].get<double>();
    macs += count * s["useful_macs"].get<double>();
    for (const auto& [name, n] : step.macs_by_format) macs_by_format[name] += count * n;
    formats.insert(step.formats.begin(), step.formats.end());
    training["phases"].push_back({{"epochs", {phase.first_epoch, phase.last_epoch}},
                                  {"format", phase.format.empty() ? format_name(config.format) : phase.format},
                                  {"first_last", phase.first_last},
                                  {"steps", count},
                                  {"step_cycles", s["cycles"]},
                                  {"step_energy_j", s["energy_j"]},
                                  {"step_useful_macs", s["useful_macs"]},
                                  {"results", "phases/" + std::to_string(phase_step[p])}});
  }
  const double runtime = cycles / (config.frequency_ghz * 1e9);
  training["cycles"] = cycles;
  training["runtime_s"] = runtime;
  training["energy_j"] = energy;
  training["useful_macs"] = macs;
  training["effective_tops"] = runtime > 0 ? 2.0 * macs / runtime / 1e12 : 0.0;
  training["mac_share"] = nlohmann::ordered_json::object();
  for (const auto& [name, n] : macs_by_format) training["mac_share"][name] = macs > 0 ? n / macs : 0.0;

  // MAC silicon: a design that runs every format of the schedule on the same PEs sizes each PE
  // for its costliest format (a mixed-mantissa unit is built for its widest mantissa); the
  // MAC-weighted area is the Accuracy Boosters view (arithmetic density by share of work).
  double widest = 0, weighted = 0;
  for (const auto& [name, format] : formats) {
    const double area = tech.mac_cost(format).area_um2;
    widest = std::max(widest, area);
    weighted += (macs > 0 ? macs_by_format[name] / macs : 0.0) * area;
  }
  FormatSpec fp32, bf16;
  fp32.type = "fp32";
  bf16.type = "bf16";
  const double fp32_area = tech.mac_cost(fp32).area_um2, bf16_area = tech.mac_cost(bf16).area_um2;
  training["silicon"] = {
      {"mac_area_mm2", widest * pes * 1e-6},
      {"mac_area_weighted_mm2", weighted * pes * 1e-6},
      {"fp32_mac_area_mm2", fp32_area * pes * 1e-6},
      {"bf16_mac_area_mm2", bf16_area * pes * 1e-6},
      {"fp32_over_schedule", widest > 0 ? fp32_area / widest : 0.0},
      {"bf16_over_schedule", widest > 0 ? bf16_area / widest : 0.0},
      {"fp32_over_schedule_weighted", weighted > 0 ? fp32_area / weighted : 0.0},
      {"bf16_over_schedule_weighted", weighted > 0 ? bf16_area / weighted : 0.0},
      {"note", "same PEs (same throughput); a PE runs every format of the schedule, sized for its costliest; "
               "weighted: per-MAC area averaged by share of MACs"}};

  nlohmann::ordered_json summary = steps.front().summary;
  summary["training"] = training;
  std::ofstream(std::filesystem::path(outdir) / "summary.json") << summary.dump(2) << "\n";
  std::ostringstream text;
  text << fmt::format("training: {} epochs x {} steps, {} phase(s), {} step simulation(s)\n", config.training.epochs,
                      config.training.steps_per_epoch, config.training.phases.size(), steps.size());
  for (const auto& phase : training["phases"])
    text << fmt::format("  epochs {}-{}  {}{}  step {:.0f} cycles, {:.4g} J\n", phase["epochs"][0].get<std::int64_t>(),
                        phase["epochs"][1].get<std::int64_t>(), phase["format"].get<std::string>(),
                        phase["first_last"].get<std::string>().empty() ? ""
                                                                        : " (first/last " + phase["first_last"].get<std::string>() + ")",
                        phase["step_cycles"].get<double>(), phase["step_energy_j"].get<double>());
  text << fmt::format("  total              {:.4g} cycles ({:.4g} s), {:.4g} J, {:.1f} effective TOPS\n", cycles, runtime,
                      energy, training["effective_tops"].get<double>());
  text << "  MAC share         ";
  for (const auto& [name, share] : training["mac_share"].items()) text << fmt::format(" {} {:.2f} %", name, 100 * share.get<double>());
  text << fmt::format("\n  MAC silicon        {:.1f} mm^2 ({:.1f}x smaller than FP32, {:.1f}x than bf16; MAC-weighted "
                      "{:.1f}x and {:.1f}x)\n",
                      widest * pes * 1e-6, training["silicon"]["fp32_over_schedule"].get<double>(),
                      training["silicon"]["bf16_over_schedule"].get<double>(),
                      training["silicon"]["fp32_over_schedule_weighted"].get<double>(),
                      training["silicon"]["bf16_over_schedule_weighted"].get<double>());
  std::cout << text.str() << "  results in         " << outdir << "/ (summary.json with `training`, phases/N/)\n";
  return 0;
}

}  // namespace sosasim
