// The registered number formats (DESIGN.md sections 1 and 6). int8 follows SOSA (int8
// operands, 16-bit partial sums); bf16 multiplies in bf16 and accumulates in FP32; bfp is HBFP:
// a shared exponent per block of B elements along K, m-bit integer mantissas, FP32 accumulation
// across blocks.
#include "arch/format.h"

#include <limits>

#include "sim/kernel/registry.h"

namespace sosasim {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

const ComponentRegistration kInt8{{"format", "int8", "int8 operands, 16-bit partial sums (SOSA)", {}}};
const ComponentRegistration kBf16{{"format", "bf16", "bfloat16 operands, FP32 accumulation", {}}};
const ComponentRegistration kFp32{{"format", "fp32", "IEEE single precision FMA", {}}};
const ComponentRegistration kBfp{{"format", "bfp",
    "hybrid block floating point: shared exponent per block along K, integer mantissas",
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
      0, 23, {}}}}};

}  // namespace

double operand_bits(const FormatSpec& format) {
  if (format.type == "int8") return 8;
  if (format.type == "bf16") return 16;
  if (format.type == "fp32") return 32;
  return static_cast<double>(format.mantissa_bits + 1) +
         static_cast<double>(format.exponent_bits) / static_cast<double>(format.block_size);
}

int partial_sum_bytes(const FormatSpec& format) { return format.type == "int8" ? 2 : 4; }

FormatSpec layer_format(const FormatSpec& base, std::size_t layer_index, std::size_t layer_count) {
  FormatSpec format = base;
  bool boosted = layer_index == 0 || layer_index + 1 == layer_count;
  if (base.type == "bfp" && base.first_last_mantissa_bits > 0 && boosted)
    format.mantissa_bits = base.first_last_mantissa_bits;
  return format;
}

}  // namespace sosasim

namespace sosasim {

FormatSpec apply_format_override(const FormatSpec& base, const std::string& text) {
  if (text.empty()) return base;
  FormatSpec format = base.type == "bfp" ? base : FormatSpec{};
  if (text.rfind("bfp", 0) != 0) {
    format = base;
    format.type = text;
    return format;
  }
  format.type = "bfp";
  if (text.size() > 4) {
    std::string rest = text.substr(4);
    auto colon = rest.find(':');
    format.mantissa_bits = std::stoll(rest.substr(0, colon));
    if (colon != std::string::npos) format.block_size = std::stoll(rest.substr(colon + 1));
  }
  return format;
}

}  // namespace sosasim
