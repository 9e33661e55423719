// Several simulations in one process: run_simulation gives every run after the first a fresh
// SystemC context, so a run repeated in-process (a training run's steps, a serving run's
// iterations) gives what a run alone gives: the same cycles, activity and per-layer results,
// also after a different machine ran in between. A separate executable (it owns its process's
// SystemC state).
#include <iostream>
#include <optional>
#include <vector>

#include <systemc>

#include "sim/kernel/config.h"
#include "sim/system/system.h"
#include "workloads/trace.h"

using namespace sosasim;

int sc_main(int, char*[]) { return 1; }  // (libsystemc's main refers to it; main is below)

namespace {

SimulationResult run(const std::vector<std::string>& overrides, const std::string& trace) {
  SimConfig config = load_config(std::nullopt, overrides);
  std::vector<Workload> workloads{read_trace(trace, "w")};
  return run_simulation(config, workloads);
}

}  // namespace

int main() {
  const std::string trace = std::string(SOSASIM_SOURCE_DIR) + "/workloads/models/bert_tiny_s10.csv";
  const std::vector<std::string> small = {"pods=16", "workload.trace=" + trace};
  const std::vector<std::string> other = {"pods=8", "array.rows=16", "array.cols=16", "tiling.scheduler=sosa_rounds",
                                          "workload.trace=" + trace};
  const SimulationResult first = run(small, trace);
  const SimulationResult between = run(other, trace);
  const SimulationResult again = run(small, trace);
  int failures = 0;
  auto check = [&](bool ok, const std::string& what) {
    if (!ok) {
      std::cerr << "FAIL: " << what << "\n";
      ++failures;
    }
  };
  check(first.cycles > 0 && first.cycles == again.cycles, "the repeated run's cycles");
  check(between.cycles > 0 && between.cycles != first.cycles, "the machine in between ran on its own terms");
  check(first.useful_macs == again.useful_macs, "useful MACs");
  check(first.activity.sram_bytes == again.activity.sram_bytes, "SRAM bytes");
  check(first.activity.dram_bytes == again.activity.dram_bytes, "DRAM bytes");
  check(first.layers.size() == again.layers.size(), "layers");
  for (std::size_t l = 0; l < first.layers.size() && l < again.layers.size(); ++l)
    check(first.layers[l].end_cycle == again.layers[l].end_cycle, "layer " + std::to_string(l) + "'s end");
  std::cout << "runs: " << first.cycles << ", " << between.cycles << ", " << again.cycles << " cycles; "
            << failures << " failed\n";
  return failures == 0 ? 0 : 1;
}
