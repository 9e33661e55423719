// Number formats: BFP quantization against DESIGN.md's sanity vectors, exponent rules, rounding
// modes, bf16 and int8, and the error ordering results of the HBFP and sparsity papers.
#include <catch2/catch.hpp>

#include <cmath>

#include "arch/numerics.h"
#include "arch/pod_gemm.h"

using namespace sosasim;

namespace {

FormatSpec bfp(int mantissa_bits, const std::string& rule = "ceil", const std::string& rounding = "nearest_even",
               int block = 64) {
  FormatSpec format;
  format.type = "bfp";
  format.mantissa_bits = mantissa_bits;
  format.exponent_rule = rule;
  format.rounding = rounding;
  format.block_size = block;
  return format;
}

}  // namespace

TEST_CASE("BFP sanity vectors of DESIGN.md section 6", "[numerics]") {
  const std::vector<double> x = {0.3, -1.7, 0.05, 1.0, -1e-4};
  for (const char* rule : {"ceil", "floor_plus_one"}) {
    Numerics m7(bfp(7, rule));
    auto blocks = m7.quantize_blocks(x);
    REQUIRE(blocks.size() == 1);
    CHECK(blocks[0].exponent == 1);
    CHECK(blocks[0].mantissas == std::vector<std::int32_t>{19, -109, 3, 64, 0});
    Numerics m3(bfp(3, rule));
    CHECK(m3.quantize_blocks(x)[0].mantissas == std::vector<std::int32_t>{1, -7, 0, 4, 0});
    CHECK(m3.quantize_blocks(x)[0].values[1] == -1.75);
  }
}

TEST_CASE("the exponent rules differ only when the block maximum is a power of two", "[numerics]") {
  Numerics ceil_rule(bfp(3, "ceil")), hardware(bfp(3, "floor_plus_one"));
  auto a = ceil_rule.quantize_blocks({1.0, 0.3});
  auto b = hardware.quantize_blocks({1.0, 0.3});
  CHECK(a[0].exponent == 0);
  CHECK(b[0].exponent == 1);
  CHECK(a[0].mantissas[0] == 7);  // 1.0 * 2^3 = 8 saturates at 2^m - 1
  CHECK(b[0].mantissas[0] == 4);
  auto c = ceil_rule.quantize_blocks({1.5, 0.3});
  auto d = hardware.quantize_blocks({1.5, 0.3});
  CHECK(c[0].exponent == d[0].exponent);
  CHECK(c[0].mantissas == d[0].mantissas);
}

TEST_CASE("blocks split a list, an all-zero block is zero, the exponent is bounded", "[numerics]") {
  Numerics numerics(bfp(7, "ceil", "nearest_even", 2));
  auto blocks = numerics.quantize_blocks({1.0, 0.5, 0.0, 0.0, 100.0});
  REQUIRE(blocks.size() == 3);
  CHECK(blocks[1].exponent == 0);
  CHECK(blocks[1].mantissas == std::vector<std::int32_t>{0, 0});
  CHECK(blocks[2].mantissas.size() == 1);
  FormatSpec narrow = bfp(7);
  narrow.exponent_bits = 3;  // E in [-4, 3]
  Numerics bounded(narrow);
  auto big = bounded.quantize_blocks({1000.0});
  CHECK(big[0].exponent == 3);
  CHECK(big[0].mantissas[0] == 127);  // saturates
  auto tiny = bounded.quantize_blocks({1e-6});
  CHECK(tiny[0].exponent == -4);
  CHECK(tiny[0].mantissas[0] == 0);  // underflows
}

TEST_CASE("rounding modes: nearest even, truncation, seeded stochastic", "[numerics]") {
  // m = 3, E = 1: step 0.25. 0.375 is a tie between 0.25 (code 1) and 0.5 (code 2).
  Numerics nearest(bfp(3));
  CHECK(nearest.quantize_blocks({1.5, 0.375, 0.125})[0].mantissas == std::vector<std::int32_t>{6, 2, 0});
  Numerics truncate(bfp(3, "ceil", "truncate"));
  CHECK(truncate.quantize_blocks({1.5, 0.45, -0.45})[0].mantissas == std::vector<std::int32_t>{6, 1, -1});
  FormatSpec stochastic = bfp(3, "ceil", "stochastic");
  stochastic.seed = 42;
  std::vector<double> values(1000, 0.3);
  values[0] = 1.5;
  Numerics first(stochastic), second(stochastic);
  auto a = first.quantize_blocks(values)[0];
  auto b = second.quantize_blocks(values)[0];
  CHECK(a.mantissas == b.mantissas);  // reproducible
  double mean = 0;
  for (std::size_t i = 1; i < a.values.size(); ++i) mean += a.values[i];
  mean /= static_cast<double>(a.values.size() - 1);
  CHECK(mean == Approx(0.3).margin(0.02));  // unbiased: 0.3 = 1.2 steps
  for (std::size_t i = 1; i < a.mantissas.size(); ++i) CHECK((a.mantissas[i] == 1 || a.mantissas[i] == 2));
}

TEST_CASE("bf16 rounds to nearest even", "[numerics]") {
  CHECK(round_to_bf16(1.0f) == 1.0f);
  CHECK(round_to_bf16(1.0f + 1.0f / 256.0f) == 1.0f);          // tie, to even
  CHECK(round_to_bf16(1.0f + 3.0f / 256.0f) == 1.0f + 4.0f / 256.0f);  // tie, to even (up)
  CHECK(round_to_bf16(1.0f + 1.5f / 256.0f) == 1.0f + 2.0f / 256.0f);
}

TEST_CASE("sparsity patterns parse and prune by magnitude along K", "[numerics]") {
  int keep = 0, group = 0;
  CHECK(parse_sparsity("2:4", keep, group));
  CHECK(keep == 2);
  CHECK(group == 4);
  CHECK_FALSE(parse_sparsity("4:2", keep, group));
  CHECK_FALSE(parse_sparsity("2-4", keep, group));
  CHECK_FALSE(parse_sparsity("2:4x", keep, group));
  // W is 4 x 2 (K = 4): column 0 keeps its two largest magnitudes.
  std::vector<double> w = {0.1, 5.0, -3.0, 1.0, 0.2, 2.0, 4.0, -0.5};
  prune_structured(w, 4, 2, 2, 4);
  CHECK(w == std::vector<double>{0.0, 5.0, -3.0, 0.0, 0.0, 2.0, 4.0, 0.0});
}

TEST_CASE("GEMM error falls as the mantissa grows (m = 3 > 5 > 7)", "[numerics]") {
  PodGemmSpec spec;
  spec.M = 32;
  spec.K = 256;
  spec.N = 32;
  spec.array.rows = spec.array.cols = 16;
  spec.partition = 16;
  spec.functional = true;
  double previous = 1e9;
  for (int m : {3, 5, 7}) {
    spec.format = bfp(m);
    PodGemmResult result = run_pod_gemm(spec);
    CHECK(result.rel_fro_error < previous);
    previous = result.rel_fro_error;
  }
  CHECK(previous < 0.02);
  spec.format.type = "fp32";
  CHECK(run_pod_gemm(spec).rel_fro_error < 1e-6);
  spec.format.type = "bf16";
  double bf16_error = run_pod_gemm(spec).rel_fro_error;
  CHECK(bf16_error < 0.01);
  CHECK(bf16_error > 1e-6);
}

TEST_CASE("with 2:4 sparsity and m = 3, pruning first is no worse than quantizing first", "[numerics]") {
  PodGemmSpec spec;
  spec.M = 32;
  spec.K = 128;
  spec.N = 32;
  spec.array.rows = spec.array.cols = 16;
  spec.functional = true;
  spec.format = bfp(3);
  spec.sparsity_keep = 2;
  spec.sparsity_group = 4;
  double prune_first = 0, quantize_first = 0;
  for (std::uint64_t seed = 1; seed <= 10; ++seed) {
    spec.seed = seed;
    spec.prune_first = true;
    prune_first += run_pod_gemm(spec).rel_fro_error;
    spec.prune_first = false;
    quantize_first += run_pod_gemm(spec).rel_fro_error;
  }
  CHECK(prune_first / 10 <= quantize_first / 10);
}
