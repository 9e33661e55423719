#include "arch/pod_module.h"

#include "sim/sc_cycles.h"

#include <algorithm>

namespace sosasim {

const std::vector<StatInfo>& pod_stat_table() {
  static const std::vector<StatInfo> table = {
      {"tile_ops", "ops", "tile ops executed", &PodStats::tile_ops},
      {"useful_macs", "MACs", "MACs of unpadded tiles; also the PE-cycles in which a PE did useful work",
       &PodStats::useful_macs},
      {"occupied_pe_cycles", "PE-cycles",
       "PE-cycles of the ops' rows passing the whole array, padded and idle PEs included (useful_macs / this = "
       "mapping efficiency)",
       &PodStats::occupied_pe_cycles},
      {"weight_loads", "tiles", "weight tiles loaded into the array", &PodStats::weight_loads},
      {"stream_cycles", "cycles", "cycles the X port streamed rows", &PodStats::stream_cycles},
      {"array_busy_cycles", "cycles", "cycles with any op in the array (from its first row in to its last result out)",
       &PodStats::array_busy_cycles},
      {"fill_drain_cycles", "cycles", "busy cycles in which the X port was idle: pipeline fill and drain",
       &PodStats::fill_drain_cycles},
      {"weight_load_cycles", "cycles", "cycles spent loading weight tiles (overlapped or not)",
       &PodStats::weight_load_cycles},
      {"weight_load_stall_cycles", "cycles", "cycles the X port waited for a weight load to finish",
       &PodStats::weight_load_stall_cycles},
  };
  return table;
}

PodModule::PodModule(sc_core::sc_module_name name, int pod_id, const ArrayShape& array, PodWorkSource& source)
    : sc_core::sc_module(name), pod_id_(pod_id), array_(array), source_(source) {
  SC_METHOD(step);
  sensitive << wake_event_;
  dont_initialize();
}

std::uint64_t PodModule::now() const {
  return now_cycle();
}

void PodModule::wake() { wake_event_.notify(sc_core::SC_ZERO_TIME); }

void PodModule::step() {
  const std::uint64_t cycle = now();
  while (!in_flight_.empty() && in_flight_.front().first <= cycle) {
    PodOp done = in_flight_.front().second;
    in_flight_.pop_front();
    source_.finished(pod_id_, done, cycle);
  }
  // Issue ops while the weight buffer they need is free at this cycle.
  while (cycle >= next_issue_cycle_) {
    PodOp op;
    PeekResult result = source_.peek(pod_id_, op);
    if (result != PeekResult::Ready) break;
    std::uint64_t port_free = std::max(timing_.input_port_free, cycle);
    OpTiming timing =
        schedule_tile_op(timing_, array_, op.weight_key, op.stream_rows, std::max(op.operands_ready, cycle));
    ++stats_.tile_ops;
    stats_.useful_macs += op.useful_macs;
    stats_.occupied_pe_cycles += op.stream_rows * static_cast<std::uint64_t>(array_.rows * array_.cols);
    stats_.stream_cycles += op.stream_rows;
    if (timing.loads_weights) {
      ++stats_.weight_loads;
      stats_.weight_load_cycles += timing.load_end - timing.load_start;
      if (timing.start > port_free) stats_.weight_load_stall_cycles += timing.start - port_free;
    }
    std::uint64_t busy_from = std::max(timing.start, busy_until_);
    if (timing.finish > busy_from) stats_.array_busy_cycles += timing.finish - busy_from;
    busy_until_ = std::max(busy_until_, timing.finish);
    stats_.fill_drain_cycles = stats_.array_busy_cycles - stats_.stream_cycles;
    source_.started(pod_id_, op, timing);
    in_flight_.emplace_back(timing.finish, op);
    next_issue_cycle_ = array_.double_buffer_weights ? timing.start : timing.finish;
  }
  std::uint64_t next = UINT64_MAX;
  if (!in_flight_.empty()) next = in_flight_.front().first;
  if (next_issue_cycle_ > cycle) next = std::min(next, next_issue_cycle_);
  if (next != UINT64_MAX)
    wake_event_.notify(cycles(next - cycle));
}

}  // namespace sosasim
