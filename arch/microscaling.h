// Microscaling formats: OCP Microscaling (MX) v1.0 and NVIDIA's NVFP4.
//
// MX (OCP "Microscaling Formats (MX) Specification" v1.0, sections 5 and 6.3): a block of 32
// elements along K shares one E8M0 scale X = 2^s. Conversion from FP32:
//   s = floor(log2(max_i |V_i|)) - emax_elem, clamped to the E8M0 range [-127, 127]
//   P_i = V_i / X rounded to the element format: nearest, ties to even, with the element's
//         subnormals, saturating to +-(largest normal) (the conversion clamps instead of
//         producing Inf or NaN)
// where emax_elem is the exponent of the element format's largest normal number (E4M3 8, E5M2
// 15, E3M2 4, E2M3 2, E2M1 2, INT8 0). A block of zeros gets s = -127 (E8M0 code 0; the
// specification leaves its scale free). MXINT8 elements are 8-bit two's complement with an
// implicit scale of 2^-6, clamped symmetrically to +-127/64.
//
// NVFP4 (NVIDIA Blackwell; as NVIDIA's TensorRT Model Optimizer quantizes): blocks of 16 E2M1
// elements share an E4M3 scale, and the tensor an FP32 scale. In FP32 arithmetic:
//   tensor_scale = amax(tensor) / (6 * 448)          (1 when the tensor is all zero)
//   block scale  S = E4M3(amax(block) / 6 / tensor_scale), saturating at 448
//   P_i          = E2M1(V_i / (S * tensor_scale)), saturating at +-6  (0 when S is 0)
// and the value is P_i * S * tensor_scale.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sosasim {

// A sign-magnitude floating-point element format (or, integer_bits > 0, MXINT8's fixed point).
struct ElementFormat {
  std::string name;
  int exponent_bits = 0;
  int mantissa_bits = 0;  // stored fraction bits
  int bias = 0;
  double max_normal = 0;  // largest finite magnitude
  int emax = 0;           // exponent of max_normal
  bool fixed_point = false;  // MXINT8: value = code * 2^-6, |code| <= 127

  int emin() const { return 1 - bias; }                     // smallest normal exponent
  int lsb_exponent() const { return fixed_point ? -6 : emin() - mantissa_bits; }  // smallest step
  // Rounds `value` to this format: nearest, ties to even, saturating at +-max_normal.
  double round(double value) const;
  // The element's bits: sign, biased exponent and fraction (the code an array would store).
  std::uint32_t encode(double rounded) const;
};

const ElementFormat& element_format_e4m3();
const ElementFormat& element_format_e5m2();
const ElementFormat& element_format_e3m2();
const ElementFormat& element_format_e2m3();
const ElementFormat& element_format_e2m1();
const ElementFormat& element_format_int8();

// The microscaling layout of a registered format type (mxint8, mxfp8_e4m3, mxfp8_e5m2,
// mxfp6_e3m2, mxfp6_e2m3, mxfp4_e2m1, nvfp4); nullptr for other types.
struct MicroscalingLayout {
  const ElementFormat* element = nullptr;
  int block_size = 32;
  bool nvfp4 = false;  // E4M3 block scale and an FP32 tensor scale instead of E8M0
  // Bits per element in memory and on the networks, scales included (8 per block).
  double operand_bits() const {
    return 1.0 + element->exponent_bits + element->mantissa_bits + 8.0 / block_size;
  }
};
const MicroscalingLayout* microscaling_layout(const std::string& type);

// One quantized block. The block's scale is scale_significand * 2^scale_exponent (MX: 1 * 2^s;
// NVFP4: the E4M3 scale's integer significand and exponent); NVFP4's tensor scale multiplies it.
struct MicroscalingBlock {
  std::int32_t shared_exponent = 0;  // MX: s; NVFP4: unused
  std::int32_t scale_code = 0;       // MX: E8M0 code s + 127; NVFP4: the E4M3 byte
  double scale = 1;                  // the block scale's value (NVFP4: without the tensor scale)
  std::int64_t scale_significand = 1;
  std::int32_t scale_exponent = 0;
  std::vector<double> elements;       // each element's value in its format, before scaling
  std::vector<double> values;         // after scaling (NVFP4: times the tensor scale too)
};

struct MicroscalingTensor {
  float tensor_scale = 1;  // NVFP4 only
  std::vector<MicroscalingBlock> blocks;
};

// Quantizes `count` values read at `stride` from `first` (blocks along that line). NVFP4's tensor
// scale is `tensor_scale` (compute it over the whole tensor with nvfp4_tensor_scale).
MicroscalingTensor quantize_microscaling(const MicroscalingLayout& layout, const std::vector<double>& source,
                                         std::size_t first, std::size_t stride, std::int64_t count,
                                         float tensor_scale = 1);
float nvfp4_tensor_scale(const std::vector<double>& values);

}  // namespace sosasim
