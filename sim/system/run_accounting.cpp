#include "sim/system/run_accounting.h"

#include <string>

#include "arch/pod_work.h"
#include "interconnect/specs.h"
#include "sim/system/k_reduction.h"
#include "sim/system/timeline.h"

namespace sosasim {

RunAccounting::RunAccounting(const TaskGraph& tasks, SimulationResult& result, Timeline& timeline,
                             std::size_t pods, std::size_t macs_per_pod, bool tiles_booked)
    : tasks_(tasks),
      result_(result),
      timeline_(timeline),
      utilization_counter_(timeline.add_counter("MAC utilization %", 100.0 / static_cast<double>(pods * macs_per_pod))),
      tiles_booked_(tiles_booked),
      waiting_since_(pods, kNever),
      idle_since_(pods, kNever) {}

void RunAccounting::op_started(int pod, const PodOp& op, const OpTiming& timing) {
  TileOp tile_op;
  tile_op.m_rows = static_cast<std::int64_t>(op.stream_rows);
  tile_op.k_rows = op.k_rows;
  tile_op.n_cols = op.n_cols;
  tile_op.k_part = op.k_part;
  tile_op.weight_tile = op.weight_tile;
  LayerResult& layer = result_.layers[op.layer];
  const LayerTask& task = tasks_[op.layer];
  const std::uint64_t macs = tile_op.useful_macs();
  layer.useful_macs += macs;
  result_.useful_macs += macs;
  result_.workloads[task.workload].useful_macs += macs;
  ++result_.tile_ops;
  ActivityCounts& activity = layer.activity;
  activity.macs += macs;
  const double x_bytes = task.input_tile_bytes(tile_op);
  const double p_bytes = static_cast<double>(tile_op.m_rows * tile_op.n_cols * task.psum_bytes);
  // With the networks modelled, the input and weight tiles' bank reads and network bytes are
  // counted when their transfers are booked (a multicast copy reads the bank once and crosses
  // only the links it does not share).
  const bool booked = tiles_booked_;
  double moved = (booked ? 0.0 : x_bytes) + p_bytes * (tile_op.k_part > 0 ? 2.0 : 1.0);
  activity.network_bytes[kInputNetwork] += booked ? 0.0 : x_bytes;
  activity.network_bytes[kPartialSumNetwork] += p_bytes * (tile_op.k_part > 0 ? 2.0 : 1.0);
  OperandBytes& by_operand = result_.bytes;
  if (!booked) by_operand.sram_x_read += x_bytes;
  by_operand.sram_p_out_write += p_bytes;
  if (tile_op.k_part > 0) by_operand.sram_p_in_read += p_bytes;
  if (timing.loads_weights) {
    ++layer.weight_loads;
    ++result_.weight_loads;
    const double w_bytes = static_cast<double>(tile_op.k_rows * tile_op.n_cols) * task.weight_bytes;
    if (!booked) {
      moved += w_bytes;
      activity.network_bytes[kWeightNetwork] += w_bytes;
      by_operand.sram_w_read += w_bytes;
    }
  }
  activity.sram_bytes += moved;
  if (timeline_.enabled() && timing.finish > timing.start) {  // (the reference pod times ops later)
    if (timing.loads_weights)
      timeline_.span(kTimelinePods, pod_weights_lane(pod), "load weights", timing.load_start,
                     timing.load_end - timing.load_start);
    timeline_.count(utilization_counter_, static_cast<double>(timing.start),
                    static_cast<double>(timing.finish - timing.start),
                    static_cast<double>(tile_op.m_rows * tile_op.k_rows * tile_op.n_cols));
    timeline_.span(kTimelinePods, pod_ops_lane(pod), task.layer.name, timing.start, timing.finish - timing.start,
                   "{\"op\":" + std::to_string(op.op_index) + ",\"rows\":" + std::to_string(tile_op.m_rows) +
                       ",\"weight_tile\":" + std::to_string(tile_op.weight_tile) + "}");
  }
}

void RunAccounting::idle_from(int pod, std::uint64_t cycle) {
  std::uint64_t& since = idle_since_[static_cast<std::size_t>(pod)];
  if (since == kNever) since = cycle;
}

void RunAccounting::idle_over(int pod, std::uint64_t cycle) {
  std::uint64_t& since = idle_since_[static_cast<std::size_t>(pod)];
  if (since == kNever) return;
  result_.reduction_wait_pod_cycles += reduction_overlap(since, cycle);
  since = kNever;
}

std::uint64_t RunAccounting::reduction_overlap(std::uint64_t from, std::uint64_t to) const {
  return reduction_ ? reduction_->overlap(from, to) : 0;
}

void RunAccounting::close() {
  for (std::uint64_t since : idle_since_)  // pods idle until the end
    if (since != kNever && since < result_.cycles) result_.reduction_wait_pod_cycles += reduction_overlap(since, result_.cycles);
  for (const auto& layer : result_.layers) {
    result_.activity.macs += layer.activity.macs;
    result_.activity.sram_bytes += layer.activity.sram_bytes;
    for (std::size_t n = 0; n < 3; ++n) result_.activity.network_bytes[n] += layer.activity.network_bytes[n];
    result_.activity.dram_bytes += layer.activity.dram_bytes;
    result_.activity.additions += layer.activity.additions;
  }
}

}  // namespace sosasim
