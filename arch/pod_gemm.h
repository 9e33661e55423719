// One GEMM on one pod, for `sosasim gemm`, the SCALE-Sim comparison and the tests: cuts the GEMM
// into tile ops for the chosen dataflow and runs them on the fast model (arch/pod_timing.h) or
// the reference PE array, optionally computing the actual result in the configured format.
//
// Tile ops, in order:
//   WS: for each column block of N, for each K block (a weight tile of <= r x c), for each chunk
//       of <= p rows of X: stream the chunk through the weight tile.
//   IS: WS on the transposed GEMM (Y^T = W^T X^T): the stationary tile holds <= r x c of X^T and
//       chunks of <= p columns of W stream through it.
//   OS: for each row block of M and column block of N (an output tile of <= r x c), for each
//       chunk of <= p steps of K: stream the chunk of X and W through the accumulators.
// Partial sums of a K block continue from the P bank where the previous K block left them (the
// dependency is part of the timing: WS/IS may not start before the producer's start + r).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "arch/numerics.h"
#include "arch/pod_timing.h"

namespace sosasim {

struct PodGemmSpec {
  std::int64_t M = 1, K = 1, N = 1;
  ArrayShape array;
  std::int64_t partition = 0;  // rows (WS), columns (IS) or K steps (OS) per op; 0 = all
  bool reference = false;      // reference PE array instead of the fast model
  bool functional = false;     // compute Y in `format`
  FormatSpec format;
  int sparsity_keep = 0, sparsity_group = 0;  // N:M pruning of W along K; 0 = dense
  bool prune_first = true;                    // prune, then quantize (else quantize, then prune)
  std::uint64_t seed = 1;                     // inputs: X, W ~ N(0, 1)
};

struct PodGemmResult {
  std::uint64_t cycles = 0;       // cycle after the last result leaves the array
  std::uint64_t useful_macs = 0;  // MACs of the unpadded GEMM (executed ones when sparse)
  std::uint64_t tile_ops = 0;
  std::uint64_t weight_loads = 0;
  std::uint64_t pe_cycles = 0;    // simulated by the reference array
  double reference_seconds = 0;   // wall time spent in the reference array
  double utilization = 0;         // useful_macs / (cycles * r * c)
  std::vector<OpTiming> timings;
  // With functional: the result, the FP64 result of the same (unquantized, dense) inputs, errors.
  std::vector<float> y;
  std::vector<double> y_exact;
  double max_abs_error = 0, rel_fro_error = 0, sqnr_db = 0;
};

PodGemmResult run_pod_gemm(const PodGemmSpec& spec);

// The same numbers a direct (non-systolic) evaluation of the configured arithmetic gives, for
// comparison with the array's functional result.
std::vector<float> direct_gemm(const PodGemmSpec& spec);

}  // namespace sosasim
