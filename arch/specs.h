// The machine's specs that arch/ models (plain, validated data; their schemas and their reading
// from the config are arch/specs.cpp): the pod array, the number format, weight sparsity, the
// SRAM banks, DRAM and the power budget. A spec header includes only the kernel.
#pragma once

#include <cstdint>
#include <string>

namespace sosasim {

struct ArraySpec {
  std::int64_t rows = 32;  // r: PE rows, along the reduction dimension K
  std::int64_t cols = 32;  // c: PE columns, along the output dimension N
  bool double_buffer_weights = true;
  bool ideal_fill_drain = false;  // SOSA-simulator compatibility
};

// The number format of the MAC units and operands. `type` names a registered format; the
// BFP fields are meaningful for type "bfp" only.
struct FormatSpec {
  std::string type = "int8";
  std::int64_t mantissa_bits = 7;  // BFP magnitude bits without sign (HBFP8: m = 7)
  std::int64_t block_size = 64;    // BFP elements sharing one exponent, along K
  std::int64_t exponent_bits = 10;
  std::string exponent_rule = "ceil";
  std::string rounding = "nearest_even";
  std::int64_t seed = 1;
  std::int64_t first_last_mantissa_bits = 0;  // Accuracy Boosters rule; 0 = off
};

// N:M structured sparsity of the weights along K (2:4: 2 of every 4 kept). A sparse array skips
// the pruned MACs and stores ceil(log2 M) index bits with every kept weight.
struct SparsitySpec {
  std::int64_t keep = 0;   // N; 0 = dense
  std::int64_t group = 0;  // M
  bool dense() const { return group == 0; }
  int index_bits() const {
    int bits = 0;
    while (!dense() && (std::int64_t{1} << bits) < group) ++bits;
    return bits;
  }
  // K after compression: keep of every group (a partial last group keeps at most `keep`).
  std::int64_t compressed(std::int64_t k) const {
    if (dense()) return k;
    std::int64_t rest = k % group;
    return (k / group) * keep + (rest < keep ? rest : keep);
  }
};

struct SramSpec {
  std::int64_t bank_kib = 256;  // capacity of each of a pod's X, W and P banks
};

struct DramSpec {
  double bandwidth_gibps = 1200;  // GiB/s (2^30 bytes per second), as SOSA counts its "1200 GB/s"
  std::int64_t latency_cycles = 100;
  bool lowered_inputs = false;  // first layers read the im2col matrix, not the input tensor (inputs: im2col)
  bool every_layer_inputs = false;  // every layer reads its operands from DRAM (layer_inputs: every_layer)
  std::int64_t prefetch_kib = 0;  // weight bytes ahead of use, at most (0: the W banks' capacity)
  double capacity_gib = 80;       // holds the weights and, in a serving run, the KV cache
};

struct PowerSpec {
  double budget_w = 400;       // iso-power budget (SOSA's main figure)
  std::string tech_file;       // "" = the built-in 28 nm table (arch/tech_28nm.yaml)
};

}  // namespace sosasim
