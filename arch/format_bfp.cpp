// HBFP, hybrid block floating point (DESIGN.md section 6): a shared exponent per block of B
// elements along K, m-bit integer mantissas with a sign, exact integer dot products within a
// block and FP32 accumulation across blocks. An operand element occupies m + 1 bits plus its
// share of the block's exponent (e / B); partial sums travel as FP32. MAC energy and area are
// composed from the dot-product units (arch/mac_units.h): an m x m magnitude multiplier, the sign,
// an in-block adder of 2m + 1 + log2 B bits, and per block the exponent add, the conversion to
// FP32 and one FP32 addition (or interpolated in m between a technology table's `mac.bfp.points`
// where it has them). The
// Accuracy Boosters rule gives a workload's first and last layers their own mantissa width.
#include <cmath>
#include <limits>

#include "arch/mac_units.h"
#include "arch/number_format.h"
#include "arch/tech.h"

namespace sosasim {

namespace {


class BlockFloatingPoint : public NumberFormat {
 public:
  double operand_bits(const FormatSpec& format) const override {
    return static_cast<double>(format.mantissa_bits + 1) +
           static_cast<double>(format.exponent_bits) / static_cast<double>(format.block_size);
  }
  int partial_sum_bytes() const override { return 4; }
  std::string name(const FormatSpec& format) const override {
    return "bfp" + std::to_string(format.mantissa_bits + 1) + "_b" + std::to_string(format.block_size);
  }
  std::string description(const FormatSpec& format) const override {
    return name(format) + " (HBFP: sign and " + std::to_string(format.mantissa_bits) + "-bit mantissas, a " +
           std::to_string(format.exponent_bits) + "-bit exponent per " + std::to_string(format.block_size) +
           " along K)";
  }
  MacCost mac_cost(const FormatSpec& format, const TechTable& tech) const override {
    if (!tech.bfp_points.empty()) return tech.bfp_mac(static_cast<double>(format.mantissa_bits));
    const double m = static_cast<double>(format.mantissa_bits);
    const int accumulator = 2 * static_cast<int>(format.mantissa_bits) + 1 +
                            static_cast<int>(std::ceil(std::log2(static_cast<double>(format.block_size))));
    return compose_mac(block_mac_units(m * m, 1.0, accumulator, 0, static_cast<int>(format.block_size),
                                       static_cast<int>(format.exponent_bits), 0.0),
                       tech, name(format));
  }
  NumericsKind numerics() const override { return NumericsKind::Block; }
  MacCost edge_converter_cost(const FormatSpec& format, const TechTable& tech) const override {
    return compose_mac(edge_converter_units(8, static_cast<int>(format.mantissa_bits) + 1, 0.0), tech, name(format));
  }
  FormatSpec first_or_last_layer(const FormatSpec& format) const override {
    FormatSpec boosted = format;
    if (format.first_last_mantissa_bits > 0) boosted.mantissa_bits = format.first_last_mantissa_bits;
    return boosted;
  }
};

const FormatRegistration kBfp{
    {"format", "bfp", "hybrid block floating point: shared exponent per block along K, integer mantissas",
     {{"mantissa_bits", ParamType::Int, "bits", "7", "m: magnitude bits without the sign (HBFP8: 7)", 1, 23, {}},
      {"block_size", ParamType::Int, "elements", "64", "B: elements sharing one exponent, along K", 1, 65536, {}},
      {"exponent_bits", ParamType::Int, "bits", "10", "width of the shared exponent", 2, 16, {}},
      {"exponent_rule", ParamType::Choice, "", "ceil",
       "ceil: E = ceil(log2 max|x|) (HBFP emulator); floor_plus_one: floor(log2 max|x|) + 1 (hardware)",
       -kInf, kInf, {"ceil", "floor_plus_one"}},
      {"rounding", ParamType::Choice, "", "nearest_even", "mantissa rounding", -kInf, kInf,
       {"nearest_even", "stochastic", "truncate"}},
      {"seed", ParamType::Int, "", "1", "seed of stochastic rounding", 0, 9.2e18, {}},
      {"first_last_mantissa_bits", ParamType::Int, "bits", "0",
       "Accuracy Boosters: mantissa bits of the first and the last layer of every workload; 0 = as the others",
       0, 23, {}}}},
    std::make_unique<BlockFloatingPoint>()};

}  // namespace

}  // namespace sosasim
