#include "sim/workload_command.h"

#include <fstream>
#include <iostream>
#include <memory>
#include <stdexcept>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "sim/kernel/errors.h"
#include "workloads/layer_graph.h"
#include "workloads/llm.h"
#include "workloads/trace.h"

namespace sosasim {

namespace {

// Element counts: multiply by the bytes per element of a format (int8: 1).
nlohmann::ordered_json describe(const Workload& workload) {
  std::uint64_t calls = 0, weights = 0, outputs = 0, inputs = 0, lowered_inputs = 0, depthwise = 0, on_chip = 0;
  for (const auto& layer : workload.layers) {
    auto count = static_cast<std::uint64_t>(layer.count);
    calls += count;
    if (layer.weights_on_chip) ++on_chip;
    else weights += static_cast<std::uint64_t>(layer.K * layer.N) * count;
    outputs += static_cast<std::uint64_t>(layer.M * layer.N) * count;
    if (layer.reads_input_from_dram()) {  // read from DRAM as tensors, lowered on chip
      inputs += layer.input_tensor_elements();
      lowered_inputs += layer.lowered_input_elements();
    }
    if (layer.depthwise) ++depthwise;
  }
  CriticalPath path = critical_path(workload);
  nlohmann::ordered_json out;
  out["name"] = workload.name;
  out["path"] = workload.path;
  out["layers"] = workload.layers.size();
  out["gemm_calls"] = calls;
  out["total_macs"] = workload.total_macs();
  out["weight_elements"] = weights;
  out["weight_bytes_int8"] = weights;
  out["output_activation_elements"] = outputs;
  out["input_elements"] = inputs;
  out["lowered_input_elements"] = lowered_inputs;
  out["depthwise_layers"] = depthwise;
  out["layers_with_weights_on_chip"] = on_chip;
  out["critical_path_macs"] = path.macs;
  out["critical_path_layers"] = path.layers.size();
  out["parallelism"] = path.macs > 0 ? static_cast<double>(workload.total_macs()) / static_cast<double>(path.macs) : 0.0;
  return out;
}

}  // namespace

void add_workload_command(CLI::App& app, int& exit_code) {
  struct Options {
    std::vector<std::string> files;
    bool json = false;
  };
  auto options = std::make_shared<Options>();
  auto* workload = app.add_subcommand("workload", "inspect workload traces");
  auto* info = workload->add_subcommand("info", "layers, GEMM calls, MACs, weights, activations, critical path");
  info->add_option("files", options->files, "trace files")->required();
  info->add_flag("--json", options->json, "print JSON");
  struct LlmOptions {
    std::string model, out;
    std::vector<std::int64_t> prefill, decode;
    std::vector<std::string> chunks;
    bool json = false, list = false;
    double expert_skew = 0;
  };
  auto llm_options = std::make_shared<LlmOptions>();
  auto* llm = workload->add_subcommand(
      "llm", "one serving iteration of a decoder-only LM (a config.json or a zoo name) as a trace; --json: the model");
  llm->add_option("model", llm_options->model, "config.json path or zoo name (--list)");
  llm->add_option("--prefill", llm_options->prefill, "a request's whole prompt of N tokens (repeatable)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 20));
  llm->add_option("--decode", llm_options->decode, "a decode token attending to C tokens, itself included (repeatable)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 24));
  llm->add_option("--chunk", llm_options->chunks, "NEW:CONTEXT, a prefill chunk that does not end its prompt (repeatable)");
  llm->add_option("-o,--out", llm_options->out, "write the trace here (default: standard output)");
  llm->add_flag("--json", llm_options->json, "print the model's figures instead");
  llm->add_option("--expert-skew", llm_options->expert_skew,
                  "a mixture of experts: route tokens by a Zipf law of this exponent (0: evenly)")
      ->check(CLI::Range(0.0, 16.0));
  llm->add_flag("--list", llm_options->list, "print the zoo's model names");
  llm->callback([llm_options, &exit_code] {
    const LlmOptions& o = *llm_options;
    exit_code = 0;
    if (o.list) {
      for (const auto& name : llm_zoo_names()) std::cout << name << "\n";
      return;
    }
    if (o.model.empty()) throw ConfigError("command line: workload llm needs a model (a config.json or a zoo name)");
    LlmModel model = load_llm_model(o.model);
    if (o.expert_skew > 0 && model.experts == 0)
      throw ConfigError("command line: --expert-skew: " + model.name + " has no experts");
    model.expert_skew = o.expert_skew;
    if (o.json) {
      nlohmann::ordered_json j{{"name", model.name},
                               {"architecture", model.architecture},
                               {"layers", model.layers},
                               {"hidden", model.hidden},
                               {"heads", model.heads},
                               {"kv_heads", model.kv_heads},
                               {"head_dim", model.head_dim},
                               {"ffn", model.ffn},
                               {"vocab", model.vocab},
                               {"gated_mlp", model.gated_mlp},
                               {"experts", model.experts},
                               {"experts_per_token", model.experts_per_token},
                               {"gemm_weights", model.gemm_weights()},
                               {"kv_elements_per_token", model.kv_elements_per_token()}};
      std::cout << j.dump(2) << "\n";
      return;
    }
    std::vector<LlmSequence> batch;
    for (std::int64_t n : o.prefill) batch.push_back({n, n, true});
    for (std::int64_t c : o.decode) batch.push_back({1, c, true});
    for (const auto& text : o.chunks) {
      const auto colon = text.find(':');
      std::int64_t fresh = 0, context = 0;
      try {
        std::size_t used = 0;
        fresh = std::stoll(text.substr(0, colon), &used);
        if (colon == std::string::npos || used != colon) throw std::invalid_argument("chunk");
        context = std::stoll(text.substr(colon + 1), &used);
        if (used != text.size() - colon - 1) throw std::invalid_argument("chunk");
      } catch (const std::exception&) {
        throw ConfigError(SourceLocation{"command line", 0, "--chunk " + text}, "", "expected NEW:CONTEXT, e.g. 256:768");
      }
      if (fresh < 1 || context < fresh || context > (std::int64_t{1} << 24))
        throw ConfigError(SourceLocation{"command line", 0, "--chunk " + text}, "",
                          "a chunk computes 1 or more new tokens within its context (NEW <= CONTEXT <= 2^24)");
      batch.push_back({fresh, context, false});
    }
    if (batch.empty()) throw ConfigError("command line: workload llm needs --prefill, --decode or --chunk");
    const Workload iteration = llm_iteration(model, batch, model.name + "_iteration");
    std::string what = std::to_string(batch.size()) + " request(s), " + model.architecture + " from " + o.model;
    const std::string text = native_trace_text(iteration, "one serving iteration of " + what);
    if (o.out.empty()) {
      std::cout << text;
    } else {
      std::ofstream(o.out) << text;
    }
  });
  workload->require_subcommand(1);
  info->callback([options, &exit_code] {
    nlohmann::ordered_json all = nlohmann::ordered_json::array();
    for (const auto& file : options->files) {
      std::string name = file.substr(file.find_last_of('/') == std::string::npos ? 0 : file.find_last_of('/') + 1);
      name = name.substr(0, name.find_last_of('.'));
      all.push_back(describe(read_trace(file, name)));
    }
    if (options->json) {
      std::cout << (all.size() == 1 ? all[0] : all).dump(2) << "\n";
    } else {
      for (const auto& w : all) {
        std::cout << w["name"].get<std::string>() << " (" << w["path"].get<std::string>() << ")\n";
        for (auto it = w.begin(); it != w.end(); ++it)
          if (it.key() != "name" && it.key() != "path") std::cout << "  " << it.key() << ": " << it.value().dump() << "\n";
      }
    }
    exit_code = 0;
  });
}

}  // namespace sosasim
