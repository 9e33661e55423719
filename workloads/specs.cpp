// workloads/'s config section: the schema of a workload entry (`workload`, or each entry of a
// list of them), which sim/kernel/config.cpp reads into SimConfig::workloads. The spec itself:
// workloads/specs.h.
#include "workloads/specs.h"

#include <algorithm>
#include <limits>
#include <sstream>

#include "sim/kernel/config_sections.h"
#include "sim/kernel/registry.h"
#include "sim/kernel/spec.h"
#include "workloads/csv.h"
#include "workloads/llm.h"
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

const ComponentRegistration kServingArrivals{{"section", "serving.arrivals",
    "generated requests of a serving run (when serving.requests names no trace)",
    {{"process", ParamType::Choice, "", "poisson", "poisson: exponential gaps; fixed: one request every 1/rate s",
      -kInf, kInf, {"poisson", "fixed"}},
     {"rate_per_s", ParamType::Float, "1/s", "1", "mean arrival rate", 1e-9, 1e9, {}},
     {"count", ParamType::Int, "", "100", "requests", 1, 1e7, {}},
     {"prompt_tokens", ParamType::Int, "", "512", "prompt length: a number, or {min, max} drawn uniformly", 1, 1 << 24, {}},
     {"output_tokens", ParamType::Int, "", "128", "tokens generated: a number, or {min, max} drawn uniformly", 1, 1 << 24, {}},
     {"seed", ParamType::Int, "", "1", "seed of the arrival times and lengths", 0, 9.0e15, {}}}}};

const ComponentRegistration kServingBatching{{"section", "serving.batching",
    "continuous (iteration-level) batching of a serving run, first come first served",
    {{"max_batch", ParamType::Int, "", "64", "requests in one iteration, at most", 1, 1 << 20, {}},
     {"max_batched_tokens", ParamType::Int, "", "2048",
      "tokens computed in one iteration (decode tokens and prefill chunks), at most; not below max_batch", 1, 1 << 24, {}},
     {"chunked_prefill", ParamType::Bool, "", "true",
      "a prompt may be split over iterations (beside decodes); false: a prompt is computed whole in one iteration",
      -kInf, kInf, {}},
     {"token_buckets", ParamType::String, "", "",
      "pad an iteration's new tokens, and each request's new tokens in attention, up to the smallest of these "
      "sizes (comma-separated, ascending), as engines that run compiled or captured shapes do; the arrays compute "
      "the padding (it costs time and energy; effective TOPS count real tokens only); above the largest, no "
      "padding; empty = none",
      -kInf, kInf, {}}}}};

const ComponentRegistration kServingKvCache{{"section", "serving.kv_cache",
    "the paged KV cache of a serving run",
    {{"location", ParamType::Choice, "", "dram",
      "dram: attention reads each request's K and V from DRAM; sram: they stay in the W banks", -kInf, kInf, {"dram", "sram"}},
     {"capacity_gib", ParamType::Float, "GiB", "0",
      "capacity; 0: all the location has left (dram: dram.capacity_gib less the weights; sram: the W banks)", 0, 1e9, {}},
     {"block_tokens", ParamType::Int, "", "16", "tokens per paged block", 1, 1 << 16, {}}}}};

const std::vector<ParamDef>& section_params(const std::string& name) {
  return ComponentRegistry::instance().find("section", name)->params;
}

// A token count given as {min, max}.
TokenRange read_token_range(SectionReader& reader, const std::string& path, const ParamDef& def) {
  const ParamValues range = reader.subsection(
      path, {{"min", ParamType::Int, "", "", "fewest tokens", def.min, def.max, {}},
             {"max", ParamType::Int, "", "", "most tokens", def.min, def.max, {}}});
  TokenRange r{range.get_int("min"), range.get_int("max")};
  if (r.min > r.max)
    throw ConfigError(reader.where(path), path, "min " + std::to_string(r.min) + " is above max " + std::to_string(r.max));
  return r;
}

const SectionRegistration kServingSection{
    {"section", "serving",
     "an LLM serving run (sosasim serve): requests over time, continuous batching, a paged KV cache; off while "
     "`model` is empty",
     {{"model", ParamType::String, "", "", "zoo name (llama3_8b, ...: sosasim workload llm --list) or a Hugging Face "
       "config.json path; empty = not a serving run", -kInf, kInf, {}},
      {"requests", ParamType::String, "", "",
       "request trace, CSV with header arrival_s,prompt_tokens,output_tokens (optional id); empty = generate "
       "them (serving.arrivals)", -kInf, kInf, {}},
      {"expert_skew", ParamType::Float, "", "0",
       "a mixture of experts (Mixtral): how the routed tokens spread over the experts; 0 evenly, s > 0 a Zipf law "
       "(expert e receives a share proportional to 1/(e+1)^s)", 0, 16, {}},
      {"reuse", ParamType::Bool, "", "true",
       "reuse the result of a phase already simulated with the same shapes (exact; false simulates every phase "
       "of every iteration)", -kInf, kInf, {}}}},
    kOrderWorkload + 10, [](SectionReader& reader, SimConfig& config) {
      const ParamValues serving = reader.section("serving", {"arrivals", "batching", "kv_cache"});
      ServingSpec& spec = config.serving;
      spec.where = reader.where("serving");
      spec.model = serving.get_string("model");
      spec.requests = serving.get_string("requests");
      spec.reuse = serving.get_bool("reuse");
      spec.expert_skew = serving.get_double("expert_skew");
      std::vector<ParamDef> arrival_defs;
      std::vector<std::string> ranges;
      for (const auto& def : section_params("serving.arrivals")) {
        const bool range = def.name.find("_tokens") != std::string::npos;
        if (range && reader.is_map("serving.arrivals." + def.name)) ranges.push_back(def.name);
        else arrival_defs.push_back(def);
      }
      const ParamValues arrivals = reader.subsection("serving.arrivals", arrival_defs, ranges);
      spec.poisson = arrivals.get_string("process") == "poisson";
      spec.rate_per_s = arrivals.get_double("rate_per_s");
      spec.count = arrivals.get_int("count");
      spec.seed = static_cast<std::uint64_t>(arrivals.get_int("seed"));
      for (const auto& def : section_params("serving.arrivals"))
        if (def.name.find("_tokens") != std::string::npos) {
          TokenRange& range = def.name == "prompt_tokens" ? spec.prompt_tokens : spec.output_tokens;
          if (arrivals.has(def.name)) range = TokenRange{arrivals.get_int(def.name), arrivals.get_int(def.name)};
          else range = read_token_range(reader, "serving.arrivals." + def.name, def);
        }
      const ParamValues batching = reader.subsection("serving.batching", section_params("serving.batching"));
      spec.max_batch = batching.get_int("max_batch");
      spec.max_batched_tokens = batching.get_int("max_batched_tokens");
      spec.chunked_prefill = batching.get_bool("chunked_prefill");
      spec.token_buckets.clear();
      std::stringstream buckets(batching.get_string("token_buckets"));
      for (std::string item; std::getline(buckets, item, ',');) {
        const std::string text = trim(item);
        const bool whole = !text.empty() && text.size() < 9 &&
                           std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
        if (!whole || std::stoll(text) < 1 || (!spec.token_buckets.empty() && std::stoll(text) <= spec.token_buckets.back()))
          throw ConfigError(reader.where("serving.batching.token_buckets"), "serving.batching.token_buckets",
                            "expected ascending token counts separated by commas (e.g. 1,2,4,8,16), found '" + text + "'");
        spec.token_buckets.push_back(std::stoll(text));
      }
      const ParamValues kv = reader.subsection("serving.kv_cache", section_params("serving.kv_cache"));
      spec.kv_in_sram = kv.get_string("location") == "sram";
      spec.kv_capacity_gib = kv.get_double("capacity_gib");
      spec.block_tokens = kv.get_int("block_tokens");
      if (spec.model.empty()) return;
      if (spec.max_batched_tokens < spec.max_batch)
        throw ConfigError(reader.where("serving.batching.max_batched_tokens"), "serving.batching.max_batched_tokens",
                          std::to_string(spec.max_batched_tokens) + " tokens per iteration cannot hold the " +
                              std::to_string(spec.max_batch) + " decode tokens of a full batch (serving.batching.max_batch)");
      const auto zoo = llm_zoo_names();
      if (std::find(zoo.begin(), zoo.end(), spec.model) == zoo.end()) {
        try {
          spec.model = reader.resolve_file("model config", spec.model, "serving.model");
        } catch (const ConfigError& error) {
          std::string names;
          for (const auto& n : zoo) names += (names.empty() ? "" : ", ") + n;
          throw ConfigError(std::string(error.what()) + "; nor is it a zoo model (" + names + ")");
        }
        reader.resolved("serving.model") = spec.model;
      }
      // Checked now: an unknown architecture is a config error.
      if (load_llm_model(spec.model).experts == 0 && spec.expert_skew > 0)
        throw ConfigError(reader.where("serving.expert_skew"), "serving.expert_skew",
                          "the model " + spec.model + " has no experts to skew");
      if (!spec.requests.empty()) {
        spec.requests = reader.resolve_file("request trace", spec.requests, "serving.requests");
        reader.resolved("serving.requests") = spec.requests;
      }
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
