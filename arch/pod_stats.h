// A pod's statistics, declared once each with unit and meaning (pod_stat_table()); the pod
// module counts them, the run sums them over pods, and reports, `sosasim list --stats` and
// docs/metrics.md list them from the table. No SystemC.
#pragma once

#include <cstdint>
#include <vector>

namespace sosasim {

struct PodStats {
  std::uint64_t tile_ops = 0;
  std::uint64_t useful_macs = 0;
  std::uint64_t occupied_pe_cycles = 0;
  std::uint64_t weight_loads = 0;
  std::uint64_t stream_cycles = 0;
  std::uint64_t array_busy_cycles = 0;
  std::uint64_t fill_drain_cycles = 0;
  std::uint64_t weight_load_cycles = 0;
  std::uint64_t weight_load_stall_cycles = 0;
  std::uint64_t input_network_stall_cycles = 0;
};

struct StatInfo {
  const char* name;
  const char* unit;
  const char* description;
  std::uint64_t PodStats::*member;
};

const std::vector<StatInfo>& pod_stat_table();

}  // namespace sosasim
