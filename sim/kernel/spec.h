// Plain, validated spec structs: what a config file says, after every key has been checked.
// Models are built from these and never read YAML themselves; the tiling planner, the power
// model and the sweep driver use them without building a simulation.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/kernel/errors.h"
#include "sim/kernel/params.h"

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

// Parses "N:M" (1 <= N < M <= 64) into keep and group; false when malformed.
bool parse_sparsity_pattern(const std::string& text, std::int64_t& keep, std::int64_t& group);

struct SramSpec {
  std::int64_t bank_kib = 256;  // capacity of each of a pod's X, W and P banks
};

struct DramSpec {
  double bandwidth_gbps = 1200;  // GB/s with GB = 2^30 bytes, as SOSA counts
  std::int64_t latency_cycles = 100;
  bool lowered_inputs = false;  // first layers read the im2col matrix, not the input tensor (inputs: im2col)
  std::int64_t prefetch_kib = 0;  // weight bytes ahead of use, at most (0: the W banks' capacity)
};

struct InterconnectSpec {
  std::string topology = "butterfly";
  bool ideal_transfers = false;  // tiles reach pods without crossing the networks' links
  bool router_transfers = false; // tiles cross the networks through the router engines (transfers: routers)
  bool adaptive_routing = true;  // ... taking a free-choice stage's other output when only it is free
  bool straight_first = true;    // ... else the straight one (routing: straight_first), not a random one
  bool spread_ports = true;      // pods spread over a larger network's ports (port_placement: spread)
  ParamValues params;  // the topology's own parameters, validated against its schema
  // Per network (kInputNetwork, kWeightNetwork, kPartialSumNetwork): its topology and that
  // topology's parameters; `params` unless `interconnect.x`, `.w` or `.p` gives it its own.
  std::array<ParamValues, 3> networks;
  bool uniform() const;  // every network has the section's topology and parameters
};
constexpr int kInputNetwork = 0, kWeightNetwork = 1, kPartialSumNetwork = 2;

struct TilingSpec {
  std::int64_t partition_size = 0;  // p: rows of X per tile op; 0 = auto (= array rows)
  std::string scheduler = "dynamic";
  bool reduce_on_post_processors = false;  // k_reduction: post_processors
  ParamValues params;
};

struct PowerSpec {
  double budget_w = 400;       // iso-power budget (SOSA's main figure)
  std::string tech_file;       // "" = the built-in 28 nm table (arch/tech_28nm.yaml)
};

struct WorkloadEntry {
  std::string name;        // defaults to the trace's file stem
  std::string trace_path;  // resolved, absolute
  SourceLocation where;    // where the trace was named, for errors about the file
};

struct SimConfig {
  std::string source_file;  // the config file, or "<built-in default>"
  std::int64_t pods = 256;
  double frequency_ghz = 1.0;
  ArraySpec array;
  FormatSpec format;
  SparsitySpec sparsity;
  SramSpec sram;
  DramSpec dram;
  InterconnectSpec interconnect;
  TilingSpec tiling;
  PowerSpec power;
  std::vector<WorkloadEntry> workloads;
  bool reference_fidelity = false;  // simulation.fidelity: reference
  nlohmann::ordered_json resolved;  // every key with its effective value, for the reports

  std::int64_t partition_rows() const {
    return tiling.partition_size > 0 ? tiling.partition_size : array.rows;
  }
};

}  // namespace sosasim
