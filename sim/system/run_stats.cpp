#include "sim/system/run_stats.h"

#include "arch/pod_stats.h"
#include "sim/kernel/spec.h"

namespace sosasim {

namespace {

double pod_cycles(const SimulationResult& result, const SimConfig& config) {
  return static_cast<double>(result.cycles) * static_cast<double>(config.pods);
}

// K reduction by chains or trees outside lock-step rounds took place (some tile had K blocks).
bool charged_outside_rounds(const SimulationResult& r) {
  return r.local_partial_tiles + r.chained_partial_tiles + r.tree_partial_tiles > 0;
}

}  // namespace

const std::vector<RunStat>& run_stat_table() {
  using R = const SimulationResult&;
  using C = const SimConfig&;
  static const std::vector<RunStat> table = {
      {{"tile_ops", "ops", "run total", "tile ops executed"}, [](R r, C) { return r.tile_ops; }},
      {{"weight_loads", "tiles", "run total", "weight tiles loaded into arrays"}, [](R r, C) { return r.weight_loads; }},
      {{"pod_stream_cycles", "pod-cycles", "sum over pods", "cycles the pods' X ports streamed rows"},
       [](R r, C) { return r.pod_stream_cycles; }},
      {{"pod_stream_fraction", "fraction", "derived: pod_stream_cycles / (cycles x pods)",
        "share of the pods' cycles spent streaming"},
       [](R r, C c) {
         const double total = pod_cycles(r, c);
         return nlohmann::ordered_json(total > 0 ? static_cast<double>(r.pod_stream_cycles) / total : 0.0);
       }},
      {{"operand_wait_pod_cycles", "pod-cycles", "sum over pods",
        "cycles pods waited, idle, for weights or inputs from DRAM"},
       [](R r, C) { return r.operand_wait_cycles; }},
      {{"dram_busy_cycles", "cycles", "run total", "cycles the DRAM channel transferred data"},
       [](R r, C) { return r.dram_busy_cycles; }},
      {{"dram_utilization", "fraction", "derived: dram_busy_cycles / cycles", "share of the run the DRAM channel was busy"},
       [](R r, C) {
         return nlohmann::ordered_json(r.cycles > 0 ? r.dram_busy_cycles / static_cast<double>(r.cycles) : 0.0);
       }},
      {{"free_reduction_partial_tiles", "tiles", "run total",
        "partial tiles of split K chains that k_reduction: free added at no cost (reported when not 0)"},
       [](R r, C) { return r.free_partial_tiles; }, [](R r) { return r.free_partial_tiles > 0; }},
      {{"free_reduction_partial_bytes", "bytes", "run total",
        "their bytes: what post_processors would send over the P network (reported when not 0)"},
       [](R r, C) { return r.free_partial_bytes; }, [](R r) { return r.free_partial_tiles > 0; }},
      {{"reduction_local_partial_tiles", "tiles", "run total",
        "K blocks that took the partial tile of the block before from their own pod's P bank, with no transfer "
        "(k_reduction: chain or post_processors, outside lock-step rounds)"},
       [](R r, C) { return r.local_partial_tiles; }, charged_outside_rounds},
      {{"reduction_chained_partial_tiles", "tiles", "run total",
        "partial tiles that crossed the P network and entered the owner's first op on their output tile as its "
        "starting accumulation (k_reduction: chain)"},
       [](R r, C) { return r.chained_partial_tiles; }, charged_outside_rounds},
      {{"reduction_chained_partial_bytes", "bytes", "run total", "their bytes"},
       [](R r, C) { return r.chained_partial_bytes; }, charged_outside_rounds},
      {{"reduction_tree_partial_tiles", "tiles", "run total",
        "partial tiles that crossed the P network and were added by a post-processor"},
       [](R r, C) { return r.tree_partial_tiles; }, charged_outside_rounds},
      {{"reduction_tree_partial_bytes", "bytes", "run total", "their bytes"},
       [](R r, C) { return r.tree_partial_bytes; }, charged_outside_rounds},
      {{"reduction_tail_cycles", "cycles", "sum over layers",
        "cycles a layer's reduction ran on after its last op had finished"},
       [](R r, C) {
         std::uint64_t total = 0;
         for (const auto& layer : r.layers) total += layer.reduction_tail_cycles;
         return total;
       },
       charged_outside_rounds},
      {{"rounds", "rounds", "run total", "lock-step rounds begun (sosa_rounds)"}, [](R r, C) { return r.rounds; },
       [](R r) { return r.rounds > 0; }},
      {{"round_placements_blocked", "placements", "run total",
        "op placements a round refused for a busy route or bank port (sosa_rounds)"},
       [](R r, C) { return r.round_placements_blocked; }, [](R r) { return r.rounds > 0; }},
      {{"round_chained_partial_sums", "partial tiles", "run total",
        "partial sums passed to a later op of the same output tile (sosa_rounds with post_processors)"},
       [](R r, C) { return r.round_chained_partial_sums; }, [](R r) { return r.rounds > 0; }},
      {{"round_post_processor_ops", "ops", "run total",
        "post-processor ops of pairwise additions, two per addition (sosa_rounds with post_processors)"},
       [](R r, C) { return r.round_post_processor_ops; }, [](R r) { return r.rounds > 0; }},
  };
  return table;
}

const std::vector<NetworkStat>& network_stat_table() {
  using U = const SimulationResult::NetworkUse&;
  static const std::vector<NetworkStat> table = {
      {{"transfers", "copies", "run total", "tile copies delivered to pods or post-processors"},
       [](U u) { return u.transfers; }},
      {{"joined_a_multicast", "copies", "run total", "copies that joined another copy of the same tile (one bank read)"},
       [](U u) { return u.joined; }},
      {{"flit_hops", "flit-hops", "run total", "flits times the routers they crossed"}, [](U u) { return u.flit_hops; }},
      {{"wait_cycles", "cycles", "sum over copies", "head arrival later than at zero load"},
       [](U u) { return u.wait_cycles; }},
      {{"bank_port_wait_cycles", "cycles", "sum over copies", "the part of the wait before leaving the bank's port"},
       [](U u) { return u.bank_port_wait_cycles; }},
      {{"link_wait_cycles", "cycles", "derived: wait_cycles - bank_port_wait_cycles", "the part of the wait in the network"},
       [](U u) { return u.wait_cycles - u.bank_port_wait_cycles; }},
      {{"mean_wait_cycles", "cycles", "derived: wait_cycles / transfers", "mean wait of a copy"},
       [](U u) {
         return nlohmann::ordered_json(u.transfers ? static_cast<double>(u.wait_cycles) / static_cast<double>(u.transfers)
                                                   : 0.0);
       }},
  };
  return table;
}

std::vector<std::pair<std::string, StatDeclaration>> all_stat_declarations() {
  std::vector<std::pair<std::string, StatDeclaration>> all;
  for (const StatInfo& stat : pod_stat_table())
    all.emplace_back("pod", StatDeclaration{stat.name, stat.unit, "sum over pods", stat.description});
  for (const RunStat& stat : run_stat_table()) all.emplace_back("run", stat.declared);
  for (const NetworkStat& stat : network_stat_table()) all.emplace_back("network", stat.declared);
  return all;
}

}  // namespace sosasim
