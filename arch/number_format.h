// Number formats as registered behaviour: each format answers what the rest of the simulator
// asks of it (operand and partial-sum widths, MAC energy and area, how its numerics quantize and
// multiply, the Accuracy Boosters per-layer rule), in its own file, registered by name (kind
// "format", with its parameter schema, which `sosasim list` prints and the config validator
// checks). Adding a format is one file and one CMake line: a class deriving from NumberFormat
// and a FormatRegistration.
#pragma once

#include <memory>
#include <string>

#include "sim/kernel/registry.h"
#include "arch/specs.h"

namespace sosasim {

struct MacCost;
struct TechTable;

// How arch/numerics.h encodes operands and adds products.
enum class NumericsKind {
  Int8,      // symmetric per-tensor int8, exact integer accumulation
  Bf16,      // bfloat16 operands, FP32 accumulation
  Fp32,      // IEEE single precision FMA
  Block,     // block floating point: shared exponent per block, integer mantissas, FP32 across blocks
  Microscaling,  // OCP MX and NVFP4: narrow elements, a scale per block, FP32 across blocks
};

class NumberFormat {
 public:
  virtual ~NumberFormat() = default;
  // Bits one operand element occupies in SRAM, DRAM and on the networks, shared scales included.
  virtual double operand_bits(const FormatSpec& format) const = 0;
  // Bytes of one partial sum travelling between pods and post-processors.
  virtual int partial_sum_bytes() const = 0;
  // Partial sums are integers (a post-processor addition is an int32 add; else FP32).
  virtual bool integer_partial_sums() const { return false; }
  // Energy and area of one MAC unit from the technology table.
  virtual MacCost mac_cost(const FormatSpec& format, const TechTable& tech) const = 0;
  // The converter at an array column's edge that turns one FP32 output into this format (area
  // per column, energy per output element); none by default (fp32; int8's is in SOSA's PE).
  virtual MacCost edge_converter_cost(const FormatSpec& format, const TechTable& tech) const;
  virtual NumericsKind numerics() const = 0;
  // The format of a workload's first or last layer (Accuracy Boosters); others keep `format`.
  virtual FormatSpec first_or_last_layer(const FormatSpec& format) const { return format; }
  // A short name that says the bits (bfp8_b64: HBFP with 8-bit signed mantissas, blocks of 64),
  // and a phrase for a report's header.
  virtual std::string name(const FormatSpec& format) const { return format.type; }
  virtual std::string description(const FormatSpec& format) const { return name(format); }
};

// The format registered as `type` (FormatSpec::type); the config validator has checked the name.
const NumberFormat& number_format(const std::string& type);

struct FormatRegistration {
  FormatRegistration(ComponentInfo info, std::unique_ptr<NumberFormat> format);
};

}  // namespace sosasim
