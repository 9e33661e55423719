// The fixed-width formats: int8 as SOSA (int8 operands, symmetric per-tensor scale, 16-bit
// partial sums between pods, integer accumulation), bf16 (bfloat16 operands multiplied exactly,
// FP32 accumulation and partial sums) and fp32 (IEEE single precision FMA). Their MAC energy and
// area are the technology table's rows of the same name (arch/tech_28nm.yaml).
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
  MacCost mac_cost(const FormatSpec&, const TechTable& tech) const override { return tech.mac.at(name_); }
  NumericsKind numerics() const override { return kind_; }

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
