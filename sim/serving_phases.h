// The phases of a serving run's iterations on the cycle-level machine (sim/serving.h states the
// execution model): each phase is a workload run by run_simulation, a phase already simulated
// with the same shapes is reused (serving.reuse), and everything the phases did is summed into
// one SimulationResult whose layers are the layer roles ("attn.qk", "mlp.down_proj", ...).
// Token buckets (serving.batching.token_buckets) pad the shapes; attention reads whole KV blocks.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "sim/kernel/spec.h"
#include "sim/system/result.h"
#include "tiling/tiling.h"
#include "workloads/llm.h"

namespace sosasim {

class PhaseRunner {
 public:
  PhaseRunner(const SimConfig& config, const LlmModel& model);

  // An iteration's cycles and what bound them.
  struct Cost {
    std::uint64_t cycles = 0;
    double dram_busy_cycles = 0;   // cycles DRAM moved data
    double array_busy_cycles = 0;  // pod-cycles the arrays streamed, over the pods
  };
  // Runs (or reuses) the phases of an iteration of `batch` and adds them to the totals.
  Cost iteration(const std::vector<LlmSequence>& batch);

  // Everything the iterations did, as one run's result (one workload: the model).
  const SimulationResult& total();
  std::uint64_t simulated() const { return simulated_; }  // phases simulated
  std::uint64_t reused() const { return reused_; }        // phases reused
  std::uint64_t padding_tokens() const { return padding_tokens_; }

 private:
  std::int64_t padded_tokens(std::int64_t tokens) const;
  // The real tokens' share of a padded phase's MACs.
  double real_share(LlmPhase kind, std::int64_t tokens, std::int64_t padded);
  // The phase's result: reused when a phase of the same shapes ran before, else simulated.
  const SimulationResult& phase(LlmPhase kind, const LlmSequence& shape, const std::string& prefix);
  SimulationResult simulate(LlmPhase kind, const LlmSequence& shape, const std::string& prefix);
  // Adds `times` runs of `r` to the totals, `real` of its useful MACs (the rest is padding);
  // returns their cycles.
  std::uint64_t add(const SimulationResult& r, std::uint64_t times, double real = 1.0);

  const SimConfig& config_;
  const LlmModel& model_;
  TileShape shape_;
  std::map<std::string, SimulationResult> cache_;
  std::map<std::string, std::size_t> roles_;  // layer role -> index in total_.layers
  std::map<std::string, double> phase_macs_;  // "kind:tokens" -> the phase's MACs (real_share)
  SimulationResult total_;
  std::uint64_t simulated_ = 0, reused_ = 0, padding_tokens_ = 0;
  double wall_seconds_ = 0;
};

}  // namespace sosasim
