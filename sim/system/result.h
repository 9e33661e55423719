// What one simulation run measured, before metrics are derived. Plain data, no SystemC.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "arch/power.h"
#include "workloads/trace.h"

namespace sosasim {

struct LayerResult {
  std::size_t workload = 0;       // index into SimulationResult::workloads
  Layer layer;
  std::uint64_t tile_ops = 0;
  std::uint64_t start_cycle = 0;  // the layer was released to the pods
  std::uint64_t end_cycle = 0;    // its last result left its pod
  std::uint64_t useful_macs = 0;
  std::uint64_t weight_loads = 0;
  FormatSpec format;        // the layer's number format
  ActivityCounts activity;  // what the layer did, for its energy
  std::uint64_t cycles() const { return end_cycle - start_cycle; }
};

struct WorkloadResult {
  std::string name;
  std::string trace_path;
  std::uint64_t start_cycle = 0;
  std::uint64_t end_cycle = 0;
  std::uint64_t useful_macs = 0;
  std::uint64_t cycles() const { return end_cycle - start_cycle; }
};

struct SimulationResult {
  std::uint64_t cycles = 0;
  std::uint64_t useful_macs = 0;
  std::uint64_t tile_ops = 0;
  std::uint64_t weight_loads = 0;
  struct Stat {
    std::string name, unit, description;
    std::uint64_t value = 0;
  };
  std::vector<Stat> pod_stats;  // summed over pods, declared by the pod module
  std::uint64_t pod_stream_cycles = 0;       // summed over pods
  std::uint64_t operand_wait_cycles = 0;     // summed over pods: idle, waiting for DRAM data
  double dram_busy_cycles = 0;
  ActivityCounts activity;  // summed over layers
  std::map<std::string, double> bytes_by_operand;  // SRAM and DRAM bytes by operand and direction
  std::vector<WorkloadResult> workloads;
  std::vector<LayerResult> layers;
  double wall_seconds = 0;
};

}  // namespace sosasim
