// sosasim_bench: simulator speed on one core, reported by scripts/bench (never asserted in a
// test). Measures the fast pod model (tile ops per second), the reference PE array (PE-cycles
// per second, timing only and functional int8) and prints JSON.
#include <chrono>
#include <iostream>

#include <nlohmann/json.hpp>

#include "arch/pod_gemm.h"
#include "arch/pod_timing.h"

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
  std::cout << out.dump(2) << "\n";
  return 0;
}
