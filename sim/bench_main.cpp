// sosasim_bench: simulator speed on one core, reported by scripts/bench (never asserted in a
// test). Measures the fast pod model (tile ops per second), the reference PE array (PE-cycles
// per second, timing only and functional int8) and prints JSON.
#include <chrono>
#include <iostream>

#include <nlohmann/json.hpp>

#include "arch/pod_gemm.h"
#include "arch/pod_timing.h"
#include "interconnect/network_engine.h"
#include "interconnect/traffic.h"

using namespace sosasim;

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main() {
  nlohmann::ordered_json out;

  {  // The fast per-op model alone: 20 M ops, weight tiles changing every 4 ops.
    ArrayShape array;
    PodTimingState state;
    const std::uint64_t ops = 20'000'000;
    std::uint64_t checksum = 0;
    auto start = std::chrono::steady_clock::now();
    for (std::uint64_t i = 0; i < ops; ++i) checksum += schedule_tile_op(state, array, i / 4, 32, i).finish;
    double elapsed = seconds_since(start);
    out["fast_pod_model"] = {{"tile_ops", ops}, {"seconds", elapsed}, {"tile_ops_per_second", ops / elapsed},
                             {"checksum", checksum}};
  }
  {  // A whole GEMM through run_pod_gemm (op generation + fast model): 2 M tile ops.
    PodGemmSpec spec;
    spec.M = 4096;
    spec.K = 4096;
    spec.N = 4096;
    spec.partition = 32;
    auto start = std::chrono::steady_clock::now();
    PodGemmResult result = run_pod_gemm(spec);
    double elapsed = seconds_since(start);
    out["fast_gemm_4096"] = {{"tile_ops", result.tile_ops}, {"cycles", result.cycles}, {"seconds", elapsed},
                             {"tile_ops_per_second", static_cast<double>(result.tile_ops) / elapsed}};
  }
  for (bool functional : {false, true}) {  // The reference array, 32 x 32, int8.
    PodGemmSpec spec;
    spec.M = 256;
    spec.K = 256;
    spec.N = 256;
    spec.partition = 32;
    spec.reference = !functional;
    spec.functional = functional;
    PodGemmResult result = run_pod_gemm(spec);
    double elapsed = result.reference_seconds;  // the array alone, without input generation
    out[functional ? "reference_functional_int8" : "reference_timing"] = {
        {"pe_cycles", result.pe_cycles}, {"seconds", elapsed},
        {"pe_cycles_per_second", static_cast<double>(result.pe_cycles) / elapsed}};
  }
  {  // The networks: butterfly-2 over 64 ports, uniform traffic at 0.3 flits/port/cycle, 4-flit packets.
    auto topology = make_topology("butterfly", {{"expansion", "2"}});
    NetworkGraph graph = topology->build(64);
    NetworkParams params;
    params.buffer_flits = 9;
    std::vector<Packet> packets = synthetic_traffic("uniform", 64, 0.3, 4, 20000, 1);
    auto start = std::chrono::steady_clock::now();
    NetworkResult reference = run_reference(graph, *topology, params, packets, 10'000'000);
    double reference_seconds = seconds_since(start);
    start = std::chrono::steady_clock::now();
    NetworkResult fast = run_fast(graph, *topology, params, packets, 10'000'000);
    double fast_seconds = seconds_since(start);
    out["network_reference"] = {{"flit_hops", reference.stats.flit_hops}, {"seconds", reference_seconds},
                                {"flit_hops_per_second", static_cast<double>(reference.stats.flit_hops) / reference_seconds}};
    out["network_fast"] = {{"transfers", packets.size()}, {"seconds", fast_seconds},
                           {"transfers_per_second", static_cast<double>(packets.size()) / fast_seconds},
                           {"same_as_reference", fast.deliveries.size() == reference.deliveries.size() &&
                                                     fast.stats.flit_hops == reference.stats.flit_hops}};
  }
  std::cout << out.dump(2) << "\n";
  return 0;
}
