// workloads/'s config section: the schema of a workload entry (`workload`, or each entry of a
// list of them), which sim/kernel/config.cpp reads into SimConfig::workloads. The spec itself:
// workloads/specs.h.
#include "workloads/specs.h"

#include <limits>
#include <sstream>

#include "sim/kernel/config_sections.h"
#include "sim/kernel/registry.h"
#include "sim/kernel/spec.h"
#include "workloads/trace.h"

namespace sosasim {

namespace {


const ComponentRegistration kWorkloadSection{{"section", "workload",
    "a DNN layer trace (or a list of them: under `dynamic` they share the pods at tile-op granularity, otherwise they run one after another)",
    {{"trace", ParamType::String, "", "workloads/models/resnet50_299.csv",
      "trace file; relative paths resolve against the config's folder, then the repository root",
      -kInf, kInf, {}},
     {"name", ParamType::String, "", "", "name in reports; empty = the trace's file stem", -kInf, kInf, {}}}}};

const SectionRegistration kTrainingSection{
    {"section", "training",
     "a training run: epochs of training steps (the workload is one step's trace) with a number-format schedule",
     {{"epochs", ParamType::Int, "", "0", "epochs of the run; 0 = not a training run (one pass of the trace)", 0, 1e6, {}},
      {"steps_per_epoch", ParamType::Int, "", "1",
       "training steps per epoch (a step is one pass of the workload's trace: dataset size / batch)", 1, 1e12, {}},
      {"schedule", ParamType::String, "", "",
       "formats by epoch: phases separated by ';', each 'FIRST[-LAST] FORMAT [first_last FORMAT]' (FORMAT as a "
       "trace's format column: int8, bf16, fp32, bfp:M[:B], mxfp8_e4m3, ...); e.g. Accuracy Boosters over 90 "
       "epochs: '1-89 bfp:3:16 first_last bfp:5:16; 90 bfp:5:16'; empty = the config's format every epoch",
       -kInf, kInf, {}}}},
    kOrderWorkload + 5, [](SectionReader& reader, SimConfig& config) {
      const ParamValues training = reader.section("training");
      config.training.epochs = training.get_int("epochs");
      config.training.steps_per_epoch = training.get_int("steps_per_epoch");
      config.training.schedule = training.get_string("schedule");
      if (config.training.epochs == 0) {
        if (!config.training.schedule.empty())
          throw ConfigError(reader.where("training.schedule"), "training.schedule",
                            "a schedule needs training.epochs > 0");
        return;
      }
      std::string problem = parse_training_schedule(config.training.schedule, config.training.epochs, config.training.phases);
      if (!problem.empty()) throw ConfigError(reader.where("training.schedule"), "training.schedule", problem);
    }};

}  // namespace

std::string parse_training_schedule(const std::string& text, std::int64_t epochs, std::vector<TrainingPhase>& phases) {
  phases.clear();
  if (text.find_first_not_of(" \t") == std::string::npos) {
    phases.push_back(TrainingPhase{1, epochs, "", ""});
    return "";
  }
  auto epoch_number = [](const std::string& s, std::int64_t& value) {
    if (s.empty() || s.size() > 7 || s.find_first_not_of("0123456789") != std::string::npos) return false;
    value = std::stoll(s);
    return value >= 1;
  };
  std::int64_t next = 1;
  std::stringstream all(text);
  std::string part;
  for (int index = 1; std::getline(all, part, ';'); ++index) {
    std::stringstream words(part);
    std::vector<std::string> w;
    for (std::string word; words >> word;) w.push_back(word);
    const std::string name = "phase " + std::to_string(index) + " ('" + part + "')";
    if (w.size() != 2 && !(w.size() == 4 && w[2] == "first_last"))
      return name + ": expected 'FIRST[-LAST] FORMAT [first_last FORMAT]'";
    TrainingPhase phase;
    const auto dash = w[0].find('-');
    if (!epoch_number(w[0].substr(0, dash), phase.first_epoch) ||
        !epoch_number(dash == std::string::npos ? w[0] : w[0].substr(dash + 1), phase.last_epoch) ||
        phase.last_epoch < phase.first_epoch)
      return name + ": '" + w[0] + "' is not an epoch range such as 1-89 or 90";
    if (phase.first_epoch != next)
      return name + ": starts at epoch " + std::to_string(phase.first_epoch) + ", expected " + std::to_string(next) +
             " (phases cover the epochs in order, without gaps or overlaps)";
    next = phase.last_epoch + 1;
    phase.format = w[1];
    if (w.size() == 4) phase.first_last = w[3];
    for (const std::string& format : {phase.format, phase.first_last}) {
      std::string problem = format.empty() ? "" : check_format_override(format);
      if (!problem.empty()) return name + ": " + problem;
    }
    phases.push_back(phase);
  }
  if (next != epochs + 1)
    return "the phases end at epoch " + std::to_string(next - 1) + ", training.epochs is " + std::to_string(epochs);
  return "";
}

}  // namespace sosasim
