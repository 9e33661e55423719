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
  SparsitySpec sparsity;    // its weights' N:M sparsity
  ActivityCounts activity;  // what the layer did, for its energy
  // Where the pods' X ports spent the layer's cycles, summed over pods (the run's
  // pod_cycle_breakdown, layer by layer), and how long its reduction trees ran after its last op.
  std::uint64_t stream_pod_cycles = 0;
  std::uint64_t weight_load_stall_pod_cycles = 0;
  std::uint64_t input_network_stall_pod_cycles = 0;
  std::uint64_t dram_wait_pod_cycles = 0;
  std::uint64_t reduction_tail_cycles = 0;
  // How the scheduler laid the layer out: under the dynamic dispatch "contiguous", "interleaved" or
  // "grid" over `chunks` pods (ChunkLayout), else the dispatch policy ("layer_barrier",
  // "lockstep_rounds"; chunks 0 for rounds, which place ops themselves); its row blocks
  // (LayerPlan::row_blocks) and K segments (the grid's; 1 otherwise).
  std::string placement;
  std::int64_t chunks = 0, row_blocks = 0, k_segments = 1;
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

// Bytes moved, by operand and direction (a struct, not a map: counted on every tile op).
struct OperandBytes {
  double sram_x_read = 0, sram_x_write = 0, sram_w_read = 0, sram_w_write = 0, sram_p_in_read = 0,
         sram_p_out_write = 0, dram_x_read = 0, dram_w_read = 0, dram_spill_write = 0, dram_spill_read = 0;
};

struct SimulationResult {
  std::uint64_t cycles = 0;
  std::uint64_t useful_macs = 0;
  std::uint64_t tile_ops = 0;
  std::uint64_t weight_loads = 0;
  std::uint64_t rounds = 0;                    // lock-step rounds (sosa_rounds)
  std::uint64_t round_placements_blocked = 0;  // an op refused by a round for a busy route or bank port
  std::uint64_t round_chained_partial_sums = 0;  // sosa_rounds with post_processors: passed to a later op
  std::uint64_t round_post_processor_ops = 0;    // sosa_rounds with post_processors: pairwise additions (halves)
  // k_reduction: free outside lock-step rounds: the partial tiles a charged reduction would send
  // (an output tile whose K blocks ran on c pods has c - 1), added here at no cost, and their bytes.
  std::uint64_t free_partial_tiles = 0;
  double free_partial_bytes = 0;
  // k_reduction: chain or post_processors outside lock-step rounds (sim/system/k_reduction.h):
  // K blocks accumulated on the pod that ran the one before (no transfer), partial tiles chained
  // into the owner's first op (the array adds them), and partial tiles added by post-processors.
  std::uint64_t local_partial_tiles = 0, chained_partial_tiles = 0, tree_partial_tiles = 0;
  double chained_partial_bytes = 0, tree_partial_bytes = 0;
  struct NetworkUse {  // tile transfers through one network (outside lock-step rounds)
    std::string name;
    std::uint64_t transfers = 0, joined = 0, flit_hops = 0, wait_cycles = 0, bank_port_wait_cycles = 0;
  };
  std::vector<NetworkUse> networks;
  struct Stat {
    std::string name, unit, description;
    std::uint64_t value = 0;
  };
  std::vector<Stat> pod_stats;  // summed over pods, declared by the pod module
  std::uint64_t pod_stream_cycles = 0;       // summed over pods
  std::uint64_t operand_wait_cycles = 0;     // summed over pods: idle, waiting for DRAM data
  std::uint64_t reduction_wait_pod_cycles = 0;  // summed over pods: idle behind a layer barrier for its reductions
  double dram_busy_cycles = 0;
  ActivityCounts activity;  // summed over layers
  OperandBytes bytes;       // SRAM and DRAM bytes by operand and direction
  std::vector<WorkloadResult> workloads;
  std::vector<LayerResult> layers;
  double wall_seconds = 0;
};

}  // namespace sosasim
