#include "sim/workload_command.h"

#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "workloads/layer_graph.h"
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
    if (layer.depends.empty()) {  // the workload's inputs: read from DRAM as tensors, lowered on chip
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
