// Bit-exact arithmetic of the PE's MAC unit in each number format (DESIGN.md section 6).
//
// A GEMM Y = X . W is evaluated as the hardware does it. Operands are first encoded in the
// format (quantized); then every output is a sequence of MACs along K in increasing k, each MAC
// updating a partial sum:
//   fp32: acc = fma(x, w, acc) in IEEE single precision;
//   bf16: x and w rounded to bfloat16 (nearest even); acc = fma(x, w, acc) in FP32 (the product
//         of two bf16 values is exact in FP32, so this is "bf16 multiply, FP32 add");
//   int8: symmetric per-tensor quantization to [-127, 127]; exact integer accumulation; the
//         result is acc * scale_x * scale_w;
//   bfp:  HBFP. X is cut into blocks of B elements along K per row, W per column; each block
//         shares an exponent E and holds integer mantissas q in [-(2^m - 1), 2^m - 1], value
//         q * 2^(E - m). Inside a block the mantissa products are summed exactly in an integer;
//         at the block's last k the block sum is scaled by 2^(Ex + Ew - 2m) and added to the FP32
//         accumulator (blocks in increasing order).
//   mx*, nvfp4: microscaling (arch/microscaling.h). Blocks along K as for bfp; inside a block
//         the element products are summed exactly (a 128-bit fixed-point sum); at the block's
//         last k the sum times both blocks' scales is rounded once to FP32 and added to the FP32
//         accumulator; NVFP4's two FP32 tensor scales multiply the finished sum.
// The systolic array (reference model) and the direct evaluation call the same mac(), in the
// same order, so their results agree bit for bit.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "arch/specs.h"

namespace sosasim {

struct MicroscalingLayout;

// A 128-bit integer (GCC and Clang; __extension__ keeps -Wpedantic quiet).
__extension__ typedef __int128 Int128;

// One encoded operand element as it travels through the array.
struct Operand {
  float value = 0;       // fp32 / bf16: the (rounded) value; microscaling: the element's value
  std::int32_t code = 0; // int8 / bfp: the integer code (mantissa); microscaling: the block
                         // scale's integer significand (MX: 1)
  std::int32_t exponent = 0;  // bfp: the block's shared exponent E; microscaling: the block
                              // scale's exponent
};

// A partial sum as it travels down a column (and between K tiles through the P banks).
struct PartialSum {
  float acc = 0;              // FP32 accumulator
  std::int64_t integer = 0;   // int8: the whole sum; bfp: the current block's mantissa sum
  Int128 wide = 0;          // microscaling: the current block's exact sum, in units of 2^-32
};

// Quantization of one block (or tensor) of values to BFP.
struct BfpBlock {
  std::int32_t exponent = 0;
  std::vector<std::int32_t> mantissas;
  std::vector<double> values;  // dequantized
};

class Numerics {
 public:
  explicit Numerics(const FormatSpec& format);

  // Quantizes a list of values block by block along the list (what `sosasim quantize` shows).
  std::vector<BfpBlock> quantize_blocks(const std::vector<double>& values);

  // Encodes X (rows x K, row-major) with blocks along each row, and W (K x cols) with blocks
  // along each column.
  std::vector<Operand> encode_x(const std::vector<double>& x, std::int64_t rows, std::int64_t k);
  std::vector<Operand> encode_w(const std::vector<double>& w, std::int64_t k, std::int64_t cols);

  // One MAC at reduction index k (of K in total): the PE's arithmetic.
  void mac(PartialSum& psum, const Operand& x, const Operand& w, std::int64_t k, std::int64_t K) const {
    switch (kind_) {
      case Kind::Float:
        psum.acc = fmaf_exact(x.value, w.value, psum.acc);
        break;
      case Kind::Int:
        psum.integer += static_cast<std::int64_t>(x.code) * w.code;
        break;
      case Kind::Block:
        psum.integer += static_cast<std::int64_t>(x.code) * w.code;
        if ((k + 1) % block_size_ == 0 || k + 1 == K) close_block(psum, x.exponent + w.exponent);
        break;
      case Kind::Micro:
        // Element products are exact in double and multiples of 2^-32 (the smallest element
        // step is E5M2's 2^-16), below 2^32 in magnitude.
        psum.wide += static_cast<Int128>(std::ldexp(static_cast<double>(x.value) * w.value, 32));
        if ((k + 1) % block_size_ == 0 || k + 1 == K) close_micro_block(psum, x, w);
        break;
    }
  }

  // An encoded element's value (scales applied): what pruning after quantization compares.
  double dequantized(const Operand& op, bool is_weight) const;
  // Prunes an encoded element (its value becomes zero; the block's scale stays).
  void zero(Operand& op) const {
    if (kind_ != Kind::Micro) op.code = 0;
    op.value = 0.0f;
  }

  // True when a MAC is a plain integer multiply-add (int8), which the array may inline.
  bool integer_only() const { return kind_ == Kind::Int; }

  // The output value of a finished partial sum.
  float finalize(const PartialSum& psum) const;

  // Direct (non-systolic) evaluation of Y = X . W on encoded operands: rows x cols, row-major.
  std::vector<float> gemm(const std::vector<Operand>& x, const std::vector<Operand>& w, std::int64_t rows,
                          std::int64_t k, std::int64_t cols) const;

 private:
  enum class Kind { Float, Int, Block, Micro };
  static float fmaf_exact(float a, float b, float c);
  void close_block(PartialSum& psum, std::int32_t exponent_sum) const;
  void close_micro_block(PartialSum& psum, const Operand& x, const Operand& w) const;
  std::vector<Operand> encode_micro(const std::vector<double>& values, std::int64_t lines, std::int64_t k,
                                    bool along_columns, float& tensor_scale) const;
  std::int32_t shared_exponent(double max_abs) const;
  std::int32_t round_mantissa(double scaled);
  // Encodes `count` values at stride `stride` starting at `first` as BFP blocks.
  void encode_bfp_line(const std::vector<double>& source, std::vector<Operand>& out, std::size_t first,
                       std::size_t stride, std::int64_t count);

  FormatSpec format_;
  Kind kind_ = Kind::Float;
  const MicroscalingLayout* micro_ = nullptr;  // microscaling: the format's element and blocks
  bool bf16_ = false;  // Float: operands rounded to bfloat16
  std::int64_t block_size_ = 1;
  std::int32_t max_code_ = 127;
  float scale_x_ = 1, scale_w_ = 1;  // int8; NVFP4's tensor scales
  std::uint64_t rng_state_;
};

// N:M structured pruning of W (K x cols) along K: in every group of `group` consecutive k of
// each column, the `keep` largest magnitudes stay (ties: lower k first), the rest become 0.
void prune_structured(std::vector<double>& w, std::int64_t k, std::int64_t cols, int keep, int group);

// Parses "2:4" into keep = 2, group = 4; returns false when malformed.
bool parse_sparsity(const std::string& text, int& keep, int& group);

float round_to_bf16(float value);

}  // namespace sosasim
