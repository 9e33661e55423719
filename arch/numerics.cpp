#include "arch/numerics.h"


#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <stdexcept>

#include "arch/microscaling.h"
#include "arch/number_format.h"

namespace sosasim {

namespace {

std::uint64_t splitmix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double max_abs(const std::vector<double>& values) {
  double result = 0;
  for (double v : values) result = std::max(result, std::fabs(v));
  return result;
}

}  // namespace

float round_to_bf16(float value) {
  if (std::isnan(value)) return value;
  std::uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  std::uint32_t rounding = 0x7FFFu + ((bits >> 16) & 1u);  // round to nearest, ties to even
  bits = (bits + rounding) & 0xFFFF0000u;
  float result;
  std::memcpy(&result, &bits, sizeof result);
  return result;
}

Numerics::Numerics(const FormatSpec& format) : format_(format), rng_state_(static_cast<std::uint64_t>(format.seed)) {
  switch (number_format(format.type).numerics()) {
    case NumericsKind::Fp32:
    case NumericsKind::Bf16:
      kind_ = Kind::Float;
      bf16_ = number_format(format.type).numerics() == NumericsKind::Bf16;
      break;
    case NumericsKind::Int8:
      kind_ = Kind::Int;
      break;
    case NumericsKind::Block:
      kind_ = Kind::Block;
      block_size_ = format.block_size;
      max_code_ = (1 << format.mantissa_bits) - 1;
      break;
    case NumericsKind::Microscaling:
      kind_ = Kind::Micro;
      micro_ = microscaling_layout(format.type);
      block_size_ = micro_->block_size;
      break;
  }
}

float Numerics::fmaf_exact(float a, float b, float c) { return std::fma(a, b, c); }

void Numerics::close_block(PartialSum& psum, std::int32_t exponent_sum) const {
  int shift = exponent_sum - 2 * static_cast<int>(format_.mantissa_bits);
  float block = static_cast<float>(std::ldexp(static_cast<double>(psum.integer), shift));
  psum.acc = psum.acc + block;
  psum.integer = 0;
}

void Numerics::close_micro_block(PartialSum& psum, const Operand& x, const Operand& w) const {
  // The exact block sum times both scales' significands (at most 4 bits each: NVFP4's E4M3),
  // rounded once to FP32 (a correctly rounded 128-bit integer conversion), then scaled by a
  // power of two (exact unless the result is subnormal).
  const Int128 sum = psum.wide * x.code * w.code;
  const float block = std::ldexp(static_cast<float>(sum), x.exponent + w.exponent - 32);
  psum.acc = psum.acc + block;
  psum.wide = 0;
}

double Numerics::dequantized(const Operand& op, bool is_weight) const {
  if (kind_ != Kind::Micro) return op.value;
  const double tensor = micro_->nvfp4 ? static_cast<double>(is_weight ? scale_w_ : scale_x_) : 1.0;
  return std::ldexp(static_cast<double>(op.value) * op.code, op.exponent) * tensor;
}

std::vector<Operand> Numerics::encode_micro(const std::vector<double>& values, std::int64_t lines, std::int64_t k,
                                            bool along_columns, float& tensor_scale) const {
  const MicroscalingLayout& layout = *micro_;
  tensor_scale = layout.nvfp4 ? nvfp4_tensor_scale(values) : 1.0f;
  std::vector<Operand> out(values.size());
  for (std::int64_t line = 0; line < lines; ++line) {
    const std::size_t first = static_cast<std::size_t>(along_columns ? line : line * k);
    const std::size_t stride = static_cast<std::size_t>(along_columns ? lines : 1);
    MicroscalingTensor quantized = quantize_microscaling(layout, values, first, stride, k, tensor_scale);
    std::size_t i = 0;
    for (const auto& block : quantized.blocks)
      for (double element : block.elements) {
        Operand& op = out[first + i++ * stride];
        op.value = static_cast<float>(element);
        op.code = static_cast<std::int32_t>(block.scale_significand);
        op.exponent = block.scale_exponent;
      }
  }
  return out;
}

float Numerics::finalize(const PartialSum& psum) const {
  switch (kind_) {
    case Kind::Micro:
      return static_cast<float>(static_cast<double>(psum.acc) * scale_x_ * scale_w_);
    case Kind::Float:
    case Kind::Block:
      return psum.acc;
    case Kind::Int:
      return static_cast<float>(static_cast<double>(psum.integer) * scale_x_ * scale_w_);
  }
  return 0;
}

std::int32_t Numerics::shared_exponent(double max_value) const {
  if (max_value == 0) return 0;
  // max = f * 2^e with f in [0.5, 1), so log2(max) lies in [e - 1, e): floor(log2 max) + 1 = e,
  // and ceil(log2 max) = e unless max is a power of two (f = 0.5), where it is e - 1. frexp is
  // exact where log2 could round.
  int e;
  double fraction = std::frexp(max_value, &e);
  int exponent = (format_.exponent_rule == "ceil" && fraction == 0.5) ? e - 1 : e;
  int limit = 1 << (format_.exponent_bits - 1);
  return std::clamp(exponent, -limit, limit - 1);
}

std::int32_t Numerics::round_mantissa(double scaled) {
  double rounded;
  if (format_.rounding == "truncate") {
    rounded = std::trunc(scaled);
  } else if (format_.rounding == "stochastic") {
    double u = static_cast<double>(splitmix64(rng_state_) >> 11) * 0x1.0p-53;
    rounded = std::floor(scaled + u);
  } else {
    rounded = std::nearbyint(scaled);  // the default rounding mode: to nearest, ties to even
  }
  return static_cast<std::int32_t>(std::clamp(rounded, -static_cast<double>(max_code_), static_cast<double>(max_code_)));
}

void Numerics::encode_bfp_line(const std::vector<double>& source, std::vector<Operand>& out, std::size_t first,
                               std::size_t stride, std::int64_t count) {
  for (std::int64_t block_start = 0; block_start < count; block_start += block_size_) {
    std::int64_t block_end = std::min(count, block_start + block_size_);
    double block_max = 0;
    for (std::int64_t i = block_start; i < block_end; ++i)
      block_max = std::max(block_max, std::fabs(source[first + static_cast<std::size_t>(i) * stride]));
    std::int32_t exponent = shared_exponent(block_max);
    for (std::int64_t i = block_start; i < block_end; ++i) {
      std::size_t index = first + static_cast<std::size_t>(i) * stride;
      Operand& op = out[index];
      op.exponent = exponent;
      op.code = block_max == 0 ? 0 : round_mantissa(std::ldexp(source[index], format_.mantissa_bits - exponent));
      op.value = static_cast<float>(std::ldexp(static_cast<double>(op.code), exponent - format_.mantissa_bits));
    }
  }
}

std::vector<BfpBlock> Numerics::quantize_blocks(const std::vector<double>& values) {
  std::vector<Operand> encoded(values.size());
  std::vector<BfpBlock> blocks;
  if (kind_ != Kind::Block) throw std::logic_error("quantize_blocks needs the bfp format");
  encode_bfp_line(values, encoded, 0, 1, static_cast<std::int64_t>(values.size()));
  for (std::size_t start = 0; start < values.size(); start += static_cast<std::size_t>(block_size_)) {
    BfpBlock block;
    block.exponent = encoded[start].exponent;
    for (std::size_t i = start; i < std::min(values.size(), start + static_cast<std::size_t>(block_size_)); ++i) {
      block.mantissas.push_back(encoded[i].code);
      block.values.push_back(std::ldexp(static_cast<double>(encoded[i].code), block.exponent - format_.mantissa_bits));
    }
    blocks.push_back(block);
  }
  return blocks;
}

namespace {

std::vector<Operand> encode_float(const std::vector<double>& values, bool bf16) {
  std::vector<Operand> out(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    float value = static_cast<float>(values[i]);
    out[i].value = bf16 ? round_to_bf16(value) : value;
  }
  return out;
}

std::vector<Operand> encode_int8(const std::vector<double>& values, float& scale) {
  double largest = max_abs(values);
  scale = largest > 0 ? static_cast<float>(largest / 127.0) : 1.0f;
  std::vector<Operand> out(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    double code = std::nearbyint(values[i] / static_cast<double>(scale));
    out[i].code = static_cast<std::int32_t>(std::clamp(code, -127.0, 127.0));
    out[i].value = static_cast<float>(out[i].code) * scale;
  }
  return out;
}

}  // namespace

std::vector<Operand> Numerics::encode_x(const std::vector<double>& x, std::int64_t rows, std::int64_t k) {
  if (kind_ == Kind::Float) return encode_float(x, bf16_);
  if (kind_ == Kind::Int) return encode_int8(x, scale_x_);
  if (kind_ == Kind::Micro) return encode_micro(x, rows, k, false, scale_x_);
  std::vector<Operand> out(x.size());
  for (std::int64_t row = 0; row < rows; ++row)
    encode_bfp_line(x, out, static_cast<std::size_t>(row * k), 1, k);
  return out;
}

std::vector<Operand> Numerics::encode_w(const std::vector<double>& w, std::int64_t k, std::int64_t cols) {
  if (kind_ == Kind::Float) return encode_float(w, bf16_);
  if (kind_ == Kind::Int) return encode_int8(w, scale_w_);
  if (kind_ == Kind::Micro) return encode_micro(w, cols, k, true, scale_w_);
  std::vector<Operand> out(w.size());
  for (std::int64_t col = 0; col < cols; ++col)
    encode_bfp_line(w, out, static_cast<std::size_t>(col), static_cast<std::size_t>(cols), k);
  return out;
}

std::vector<float> Numerics::gemm(const std::vector<Operand>& x, const std::vector<Operand>& w, std::int64_t rows,
                                  std::int64_t k, std::int64_t cols) const {
  std::vector<float> y(static_cast<std::size_t>(rows * cols));
  for (std::int64_t m = 0; m < rows; ++m)
    for (std::int64_t n = 0; n < cols; ++n) {
      PartialSum psum;
      for (std::int64_t i = 0; i < k; ++i)
        mac(psum, x[static_cast<std::size_t>(m * k + i)], w[static_cast<std::size_t>(i * cols + n)], i, k);
      y[static_cast<std::size_t>(m * cols + n)] = finalize(psum);
    }
  return y;
}

void prune_structured(std::vector<double>& w, std::int64_t k, std::int64_t cols, int keep, int group) {
  std::vector<std::int64_t> order(static_cast<std::size_t>(group));
  for (std::int64_t col = 0; col < cols; ++col)
    for (std::int64_t start = 0; start < k; start += group) {
      std::int64_t size = std::min<std::int64_t>(group, k - start);
      order.resize(static_cast<std::size_t>(size));
      std::iota(order.begin(), order.end(), start);
      auto magnitude = [&](std::int64_t row) { return std::fabs(w[static_cast<std::size_t>(row * cols + col)]); };
      std::stable_sort(order.begin(), order.end(),
                       [&](std::int64_t a, std::int64_t b) { return magnitude(a) > magnitude(b); });
      for (std::size_t i = static_cast<std::size_t>(keep); i < order.size(); ++i)
        w[static_cast<std::size_t>(order[i] * cols + col)] = 0.0;
    }
}

bool parse_sparsity(const std::string& text, int& keep, int& group) {
  std::int64_t n = 0, m = 0;
  if (!parse_sparsity_pattern(text, n, m)) return false;
  keep = static_cast<int>(n);
  group = static_cast<int>(m);
  return true;
}

}  // namespace sosasim
