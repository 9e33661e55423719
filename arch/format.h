// Number formats of operands and MAC units: storage size per element and partial-sum width.
// The formats register themselves (kind "format") with their parameters; their numerics
// (quantization, bit-exact dot products) live beside them in arch/.
#pragma once

#include <cstddef>
#include <string>

#include "arch/specs.h"

namespace sosasim {

// Bits one operand element occupies in SRAM, DRAM and on the networks. For BFP:
// sign + m magnitude bits + the shared exponent spread over the block: m + 1 + e / B.
double operand_bits(const FormatSpec& format);

// Bytes of one partial sum travelling between pods and post-processors: 16-bit for int8 (as
// SOSA), FP32 otherwise.
int partial_sum_bytes(const FormatSpec& format);

// The format's short name that says its bits (int8, bf16, fp32, bfp8_b64 for HBFP with sign and
// 7-bit mantissas in blocks of 64), and a phrase for a report's header.
std::string format_name(const FormatSpec& format);
std::string describe_format(const FormatSpec& format);

// The format of layer `layer_index` of a workload of `layer_count` layers: the config's, with the
// Accuracy Boosters rule (first and last layer at first_last_mantissa_bits) applied.
FormatSpec layer_format(const FormatSpec& base, std::size_t layer_index, std::size_t layer_count);

// `base` with a trace's per-layer override applied ("" keeps it): int8, bf16, fp32, bfp (the
// config's BFP parameters, or BFP defaults), bfp:M (M mantissa bits) or bfp:M:B (block B).
FormatSpec apply_format_override(const FormatSpec& base, const std::string& text);

// The format layer `layer_index` of a workload of `layer_count` layers runs in: `base` with the
// Accuracy Boosters rule (layer_format), then the trace's per-layer `override`.
FormatSpec workload_layer_format(const FormatSpec& base, std::size_t layer_index, std::size_t layer_count,
                                 const std::string& override);

}  // namespace sosasim
