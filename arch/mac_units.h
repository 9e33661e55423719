// A MAC unit's area and energy composed from the arithmetic units a dot-product engine needs
// (issue 19): element multipliers (partial-product bits), the in-block integer or aligned
// fixed-point adder tree, the block exponent (scale) adder, and the FP32 accumulation across
// blocks amortised over the block; floating-point formats add their exponent logic and FP32
// adder per MAC. Each unit's area and energy, with its source, is a row of the technology table
// (`units` in arch/tech_28nm.yaml). A format that the table prices directly (`mac.<format>`,
// such as SOSA's synthesized int8 PE) keeps that row instead.
#pragma once

#include <string>

namespace sosasim {

struct MacCost;
struct TechTable;
struct FormatSpec;

// Units per MAC (fractions where a unit is shared by a block of MACs).
struct UnitCounts {
  double multiplier_pp_bits = 0;   // partial-product bits of the element (or scale) multipliers
  double adder_bits = 0;           // integer adder bits: adder trees, exponent adders, converters
  double shifter_bit_stages = 0;   // 2:1 multiplexers of alignment and normalization shifters
  double fp32_adders = 0;          // FP32 adders (accumulation)

  UnitCounts& operator+=(const UnitCounts& other);
  UnitCounts scaled(double factor) const;
};

// FP32 FMA: 24 x 24 significand multiplier, 8-bit exponent add, one FP32 adder per MAC.
UnitCounts fp32_mac_units();
// bf16 x bf16 product (8 x 8 significands, 8-bit exponent add), accumulated by an FP32 adder.
UnitCounts bf16_mac_units();
// A block dot product: `multiplier_bits` partial-product bits and `element_exponent_bits` of
// exponent add per element product, products aligned into an `accumulator_bits`-wide fixed-point
// adder over `align_positions` positions (0: integer elements, no alignment), and per block of
// `block_size`: the block exponents' add (`scale_exponent_bits`), a scale multiply
// (`scale_multiplier_bits`, NVFP4's E4M3 scales), the conversion of the sum to FP32 and one FP32
// addition.
UnitCounts block_mac_units(double multiplier_bits, double element_exponent_bits, int accumulator_bits,
                           int align_positions, int block_size, int scale_exponent_bits, double scale_multiplier_bits);

// The converter at an array column's edge that turns one FP32 output into a block format's
// element: compare its exponent with the block's (`exponent_bits` adder bits), shift its 24-bit
// significand to the element's `element_bits` (five stages) and round; `scale_multiplier_bits`
// for a scale that is not a power of two (NVFP4: dividing by the E4M3 block scale).
UnitCounts edge_converter_units(int exponent_bits, int element_bits, double scale_multiplier_bits);

// Area and energy of the counted units from the table's `units` rows; errors name the table
// when a unit is missing.
MacCost compose_mac(const UnitCounts& units, const TechTable& tech, const std::string& format_name);

}  // namespace sosasim
