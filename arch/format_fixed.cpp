// The fixed-width formats: int8 as SOSA (int8 operands, symmetric per-tensor scale, 16-bit
// partial sums between pods, integer accumulation), bf16 (bfloat16 operands multiplied exactly,
// FP32 accumulation and partial sums) and fp32 (IEEE single precision FMA). Their MAC energy and
// area are the technology table's row of the same name where it has one (int8: SOSA's synthesis),
// else composed from its units (arch/mac_units.h).
#include "arch/mac_units.h"
#include "arch/number_format.h"
#include "arch/tech.h"

namespace sosasim {

namespace {

class FixedFormat : public NumberFormat {
 public:
  FixedFormat(std::string name, double bits, int partial_sum_bytes, NumericsKind kind)
      : name_(std::move(name)), bits_(bits), partial_sum_bytes_(partial_sum_bytes), kind_(kind) {}
  double operand_bits(const FormatSpec&) const override { return bits_; }
  int partial_sum_bytes() const override { return partial_sum_bytes_; }
  bool integer_partial_sums() const override { return kind_ == NumericsKind::Int8; }
  MacCost mac_cost(const FormatSpec&, const TechTable& tech) const override {
    auto row = tech.mac.find(name_);
    if (row != tech.mac.end()) return row->second;
    switch (kind_) {
      case NumericsKind::Fp32: return compose_mac(fp32_mac_units(), tech, name_);
      case NumericsKind::Bf16: return compose_mac(bf16_mac_units(), tech, name_);
      default:  // int8: an 8 x 8 multiplier and a 21-bit accumulating adder (16-bit products, 32 rows)
        return compose_mac(UnitCounts{64.0, 21.0, 0.0, 0.0}, tech, name_);
    }
  }
  NumericsKind numerics() const override { return kind_; }
  // bf16 outputs are FP32 sums rounded to bfloat16: an 8-bit increment.
  MacCost edge_converter_cost(const FormatSpec&, const TechTable& tech) const override {
    if (kind_ != NumericsKind::Bf16) return MacCost{};
    return compose_mac(UnitCounts{0.0, 8.0, 0.0, 0.0}, tech, name_);
  }

 private:
  std::string name_;
  double bits_;
  int partial_sum_bytes_;
  NumericsKind kind_;
};

const FormatRegistration kInt8{{"format", "int8", "int8 operands, 16-bit partial sums (SOSA)", {}},
                               std::make_unique<FixedFormat>("int8", 8, 2, NumericsKind::Int8)};
const FormatRegistration kBf16{{"format", "bf16", "bfloat16 operands, FP32 accumulation", {}},
                               std::make_unique<FixedFormat>("bf16", 16, 4, NumericsKind::Bf16)};
const FormatRegistration kFp32{{"format", "fp32", "IEEE single precision FMA", {}},
                               std::make_unique<FixedFormat>("fp32", 32, 4, NumericsKind::Fp32)};

}  // namespace

}  // namespace sosasim
