// The microscaling formats (arch/microscaling.h): OCP MX v1.0 (MXINT8, MXFP8 E4M3 and E5M2,
// MXFP6 E3M2 and E2M3, MXFP4 E2M1; blocks of 32 along K with an E8M0 scale) and NVFP4 (blocks of
// 16 E2M1 elements with an E4M3 scale and an FP32 tensor scale). An operand element occupies its
// element bits plus 8 scale bits per block; partial sums travel as FP32. The MAC is composed from
// its units (arch/mac_units.h): the element multiplier (integer for MXINT8; significands and
// exponent add for the FP elements, whose products align into a fixed-point adder wide enough
// for the element format's whole product range), per block the scale exponents' add (NVFP4: the
// E4M3 scales' multiply), the conversion to FP32 and one FP32 addition.
#include <cmath>

#include "arch/mac_units.h"
#include "arch/microscaling.h"
#include "arch/number_format.h"
#include "arch/tech.h"

namespace sosasim {

namespace {

class MicroscalingFormat : public NumberFormat {
 public:
  MicroscalingFormat(std::string type, std::string description)
      : type_(std::move(type)), description_(std::move(description)) {}
  double operand_bits(const FormatSpec&) const override { return layout().operand_bits(); }
  int partial_sum_bytes() const override { return 4; }
  NumericsKind numerics() const override { return NumericsKind::Microscaling; }
  MacCost edge_converter_cost(const FormatSpec&, const TechTable& tech) const override {
    const MicroscalingLayout& l = layout();
    const int element_bits = 1 + l.element->exponent_bits + l.element->mantissa_bits;
    // The block's exponent against the element's (and, for FP elements, the element exponent).
    const int exponent_bits = l.element->fixed_point ? 8 : 16;
    return compose_mac(edge_converter_units(exponent_bits, element_bits, l.nvfp4 ? 24.0 * 4.0 : 0.0), tech, type_);
  }
  std::string description(const FormatSpec&) const override { return type_ + " (" + description_ + ")"; }
  MacCost mac_cost(const FormatSpec&, const TechTable& tech) const override {
    auto row = tech.mac.find(type_);
    if (row != tech.mac.end()) return row->second;
    const MicroscalingLayout& l = layout();
    const ElementFormat& e = *l.element;
    const int block_bits = static_cast<int>(std::ceil(std::log2(static_cast<double>(l.block_size))));
    if (e.fixed_point)  // two's complement 8 x 8 products, summed as integers
      return compose_mac(block_mac_units(64.0, 0.0, 2 * 8 - 1 + block_bits, 0, l.block_size, 8, 0.0), tech, type_);
    // Products span from the smallest element step squared to the largest normal squared.
    const int top = static_cast<int>(std::ceil(std::log2(e.max_normal * e.max_normal)));
    const int accumulator = top - 2 * e.lsb_exponent() + block_bits + 1;
    const int positions = 2 * (e.emax - e.emin()) + 2;
    const double significand = e.mantissa_bits + 1.0;
    const int scale_exponent_bits = l.nvfp4 ? 4 : 8;  // E4M3's or E8M0's exponents added
    const double scale_multiplier = l.nvfp4 ? 4.0 * 4.0 : 0.0;
    return compose_mac(block_mac_units(significand * significand, e.exponent_bits, accumulator, positions,
                                       l.block_size, scale_exponent_bits, scale_multiplier),
                       tech, type_);
  }

 private:
  const MicroscalingLayout& layout() const { return *microscaling_layout(type_); }
  std::string type_, description_;
};

FormatRegistration microscaling(const char* type, const char* text) {
  return FormatRegistration{{"format", type, text, {}}, std::make_unique<MicroscalingFormat>(type, text)};
}

const FormatRegistration kMxint8 = microscaling("mxint8", "OCP MX: INT8 elements, an E8M0 scale per 32 along K");
const FormatRegistration kMxfp8E4m3 =
    microscaling("mxfp8_e4m3", "OCP MX: FP8 E4M3 elements, an E8M0 scale per 32 along K");
const FormatRegistration kMxfp8E5m2 =
    microscaling("mxfp8_e5m2", "OCP MX: FP8 E5M2 elements, an E8M0 scale per 32 along K");
const FormatRegistration kMxfp6E3m2 =
    microscaling("mxfp6_e3m2", "OCP MX: FP6 E3M2 elements, an E8M0 scale per 32 along K");
const FormatRegistration kMxfp6E2m3 =
    microscaling("mxfp6_e2m3", "OCP MX: FP6 E2M3 elements, an E8M0 scale per 32 along K");
const FormatRegistration kMxfp4E2m1 =
    microscaling("mxfp4_e2m1", "OCP MX: FP4 E2M1 elements, an E8M0 scale per 32 along K");
const FormatRegistration kNvfp4 =
    microscaling("nvfp4", "NVIDIA NVFP4: E2M1 elements, an E4M3 scale per 16 along K, an FP32 tensor scale");

}  // namespace

}  // namespace sosasim
