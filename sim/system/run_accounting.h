// Run accounting: what each op counts as it starts (useful MACs, the bank and network bytes of
// its partial sums, and of its input and weight tiles when no transfer books them), the pods'
// waits for DRAM data and for reduction trees, and the run's totals over layers. Plain C++.
#pragma once

#include <cstdint>
#include <vector>

#include "sim/system/layer_tasks.h"
#include "sim/system/result.h"

namespace sosasim {

class KReduction;
class Timeline;
struct OpTiming;
struct PodOp;

class RunAccounting {
 public:
  // `macs_per_pod`: the array's rows x columns. `tiles_booked`: the tile transport counts the
  // input and weight tiles' bank reads and network bytes as it books them.
  RunAccounting(const TaskGraph& tasks, SimulationResult& result, Timeline& timeline, std::size_t pods,
                std::size_t macs_per_pod, bool tiles_booked);
  void set_reduction(const KReduction* reduction) { reduction_ = reduction; }

  // Pod `pod` issued `op` to its array with `timing`.
  void op_started(int pod, const PodOp& op, const OpTiming& timing);

  // Pod `pod` waits for DRAM data from `now` (if it did not already).
  void wait_from(int pod, std::uint64_t now) {
    std::uint64_t& since = waiting_since_[static_cast<std::size_t>(pod)];
    if (since == kNever) since = now;
  }
  bool waiting(int pod) const { return waiting_since_[static_cast<std::size_t>(pod)] != kNever; }
  // Pod `pod`'s op of layer `layer` has its data at `now`: its wait, if any, is over (called on
  // every peek).
  void wait_over(int pod, std::uint64_t now, std::size_t layer) {
    std::uint64_t& since = waiting_since_[static_cast<std::size_t>(pod)];
    if (since == kNever) return;
    result_.operand_wait_cycles += now - since;
    result_.layers[layer].dram_wait_pod_cycles += now - since;
    since = kNever;
  }
  // Pod `pod` has no work from `cycle` (if it had).
  void idle_from(int pod, std::uint64_t cycle);
  // Pod `pod` has work again at `cycle`: of its idle cycles, those while reduction trees finished.
  void idle_over(int pod, std::uint64_t cycle);
  // The run ended: pods idle until the end, and the totals over layers.
  void close();

 private:
  static constexpr std::uint64_t kNever = UINT64_MAX;
  std::uint64_t reduction_overlap(std::uint64_t from, std::uint64_t to) const;

  const TaskGraph& tasks_;
  SimulationResult& result_;
  Timeline& timeline_;
  int utilization_counter_;  // the timeline's MACs per cycle, in % of the peak
  bool tiles_booked_;
  const KReduction* reduction_ = nullptr;
  std::vector<std::uint64_t> waiting_since_;  // per pod
  std::vector<std::uint64_t> idle_since_;     // per pod
};

}  // namespace sosasim
