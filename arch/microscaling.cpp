#include "arch/microscaling.h"

#include <algorithm>
#include <cmath>

namespace sosasim {

double ElementFormat::round(double value) const {
  const double magnitude = std::fabs(value);
  if (magnitude == 0) return 0.0;
  double rounded;
  if (fixed_point) {
    rounded = std::min(std::nearbyint(std::ldexp(magnitude, 6)), 127.0) / 64.0;
  } else if (magnitude >= max_normal) {
    rounded = max_normal;
  } else {
    int x;
    std::frexp(magnitude, &x);  // magnitude = f * 2^x, f in [0.5, 1): floor(log2) = x - 1
    const int exponent = std::max(x - 1, emin());
    const int quantum = exponent - mantissa_bits;
    // nearbyint rounds to nearest, ties to even, in the default rounding mode; scaling by a
    // power of two is exact.
    rounded = std::min(std::ldexp(std::nearbyint(std::ldexp(magnitude, -quantum)), quantum), max_normal);
  }
  return std::copysign(rounded, value);
}

std::uint32_t ElementFormat::encode(double rounded) const {
  const std::uint32_t sign = std::signbit(rounded) ? 1u : 0u;
  const double magnitude = std::fabs(rounded);
  const int width = 1 + exponent_bits + mantissa_bits;
  if (fixed_point) {
    auto code = static_cast<std::int32_t>(std::ldexp(rounded, 6));
    return static_cast<std::uint32_t>(code) & ((1u << width) - 1u);
  }
  std::uint32_t biased = 0, fraction = 0;
  if (magnitude >= std::ldexp(1.0, emin())) {
    int x;
    std::frexp(magnitude, &x);
    biased = static_cast<std::uint32_t>(x - 1 + bias);
    fraction = static_cast<std::uint32_t>(std::ldexp(magnitude, mantissa_bits - (x - 1))) - (1u << mantissa_bits);
  } else {
    fraction = static_cast<std::uint32_t>(std::ldexp(magnitude, -lsb_exponent()));
  }
  return (sign << (width - 1)) | (biased << mantissa_bits) | fraction;
}

namespace {

ElementFormat floating(const std::string& name, int e, int m, int bias, double max_normal) {
  ElementFormat format;
  format.name = name;
  format.exponent_bits = e;
  format.mantissa_bits = m;
  format.bias = bias;
  format.max_normal = max_normal;
  int x;
  std::frexp(max_normal, &x);
  format.emax = x - 1;
  return format;
}

}  // namespace

// OCP 8-bit Floating Point Specification (OFP8) rev 1.0 and MX v1.0 section 5.3: E4M3 has no
// infinities and one NaN mantissa, so its largest normal is 1.75 * 2^8; E5M2 is IEEE-like.
const ElementFormat& element_format_e4m3() {
  static const ElementFormat format = floating("e4m3", 4, 3, 7, 448.0);
  return format;
}
const ElementFormat& element_format_e5m2() {
  static const ElementFormat format = floating("e5m2", 5, 2, 15, 57344.0);
  return format;
}
// MX v1.0 section 5.3.2: FP6 and FP4 have no Inf or NaN encodings.
const ElementFormat& element_format_e3m2() {
  static const ElementFormat format = floating("e3m2", 3, 2, 3, 28.0);
  return format;
}
const ElementFormat& element_format_e2m3() {
  static const ElementFormat format = floating("e2m3", 2, 3, 1, 7.5);
  return format;
}
const ElementFormat& element_format_e2m1() {
  static const ElementFormat format = floating("e2m1", 2, 1, 1, 6.0);
  return format;
}
// MX v1.0 section 5.3.3: INT8 elements, two's complement with an implicit scale of 2^-6.
const ElementFormat& element_format_int8() {
  static const ElementFormat format = [] {
    ElementFormat f;
    f.name = "int8";
    f.mantissa_bits = 7;
    f.max_normal = 127.0 / 64.0;
    f.emax = 0;
    f.fixed_point = true;
    return f;
  }();
  return format;
}

const MicroscalingLayout* microscaling_layout(const std::string& type) {
  static const MicroscalingLayout mxint8{&element_format_int8(), 32, false};
  static const MicroscalingLayout e4m3{&element_format_e4m3(), 32, false};
  static const MicroscalingLayout e5m2{&element_format_e5m2(), 32, false};
  static const MicroscalingLayout e3m2{&element_format_e3m2(), 32, false};
  static const MicroscalingLayout e2m3{&element_format_e2m3(), 32, false};
  static const MicroscalingLayout e2m1{&element_format_e2m1(), 32, false};
  static const MicroscalingLayout nvfp4{&element_format_e2m1(), 16, true};
  if (type == "mxint8") return &mxint8;
  if (type == "mxfp8_e4m3") return &e4m3;
  if (type == "mxfp8_e5m2") return &e5m2;
  if (type == "mxfp6_e3m2") return &e3m2;
  if (type == "mxfp6_e2m3") return &e2m3;
  if (type == "mxfp4_e2m1") return &e2m1;
  if (type == "nvfp4") return &nvfp4;
  return nullptr;
}

float nvfp4_tensor_scale(const std::vector<double>& values) {
  float amax = 0;
  for (double v : values) amax = std::max(amax, std::fabs(static_cast<float>(v)));
  const float scale = amax / (6.0f * 448.0f);
  return scale > 0 ? scale : 1.0f;
}

MicroscalingTensor quantize_microscaling(const MicroscalingLayout& layout, const std::vector<double>& source,
                                         std::size_t first, std::size_t stride, std::int64_t count,
                                         float tensor_scale) {
  const ElementFormat& element = *layout.element;
  MicroscalingTensor tensor;
  tensor.tensor_scale = layout.nvfp4 ? tensor_scale : 1.0f;
  auto input = [&](std::int64_t i) {  // the conversion reads FP32 values
    return static_cast<double>(static_cast<float>(source[first + static_cast<std::size_t>(i) * stride]));
  };
  for (std::int64_t start = 0; start < count; start += layout.block_size) {
    const std::int64_t end = std::min<std::int64_t>(count, start + layout.block_size);
    double block_max = 0;
    for (std::int64_t i = start; i < end; ++i) block_max = std::max(block_max, std::fabs(input(i)));
    MicroscalingBlock block;
    if (!layout.nvfp4) {
      int x = 0;
      if (block_max > 0) std::frexp(block_max, &x);
      block.shared_exponent = block_max > 0 ? std::clamp(x - 1 - element.emax, -127, 127) : -127;
      block.scale_code = block.shared_exponent + 127;
      block.scale = std::ldexp(1.0, block.shared_exponent);
      block.scale_exponent = block.shared_exponent;
      for (std::int64_t i = start; i < end; ++i) {
        const double p = element.round(std::ldexp(input(i), -block.shared_exponent));
        block.elements.push_back(p);
        block.values.push_back(std::ldexp(p, block.shared_exponent));
      }
    } else {
      const float wanted = (static_cast<float>(block_max) / 6.0f) / tensor.tensor_scale;
      const double scale = element_format_e4m3().round(static_cast<double>(wanted));
      block.scale = scale;
      block.scale_code = static_cast<std::int32_t>(element_format_e4m3().encode(scale));
      int x = 0;
      const double fraction = scale > 0 ? std::frexp(scale, &x) : 0.0;
      block.scale_significand = static_cast<std::int64_t>(std::ldexp(fraction, 4));  // E4M3: 4 significant bits
      block.scale_exponent = x - 4;
      const float denominator = static_cast<float>(scale) * tensor.tensor_scale;
      for (std::int64_t i = start; i < end; ++i) {
        const double p =
            scale > 0 ? element.round(static_cast<double>(static_cast<float>(input(i)) / denominator)) : 0.0;
        block.elements.push_back(p);
        block.values.push_back(p * scale * static_cast<double>(tensor.tensor_scale));
      }
    }
    tensor.blocks.push_back(std::move(block));
  }
  return tensor;
}

}  // namespace sosasim
