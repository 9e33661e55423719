// Number formats: BFP quantization against DESIGN.md's sanity vectors, exponent rules, rounding
// modes, bf16 and int8, and the error ordering results of the HBFP and sparsity papers.
#include <catch2/catch.hpp>

#include <cmath>

#include "arch/microscaling.h"
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

namespace {

// Quantizes `x` (one tensor, blocks along it) in a microscaling format.
MicroscalingTensor mx(const std::string& type, const std::vector<double>& x) {
  const MicroscalingLayout& layout = *microscaling_layout(type);
  return quantize_microscaling(layout, x, 0, 1, static_cast<std::int64_t>(x.size()),
                               layout.nvfp4 ? nvfp4_tensor_scale(x) : 1.0f);
}

}  // namespace

// Vectors worked out by hand from the OCP Microscaling Formats (MX) Specification v1.0: section
// 5.3 (element formats: E4M3 bias 7, max normal 1.75 * 2^8 = 448; E5M2 bias 15, max 57344; E3M2
// bias 3, max 28; E2M3 bias 1, max 7.5; E2M1 bias 1, max 6; INT8 two's complement times 2^-6)
// and section 6.3 (conversion: X = 2^(floor(log2 max|V|) - emax_elem), P_i = V_i / X rounded to
// nearest even in the element format, clamped to its largest normal).
TEST_CASE("MX conversion is bit-exact to the specification", "[numerics][formats]") {
  SECTION("MXFP8 E4M3: saturation, a normal, a subnormal and zero") {
    // max 500: floor(log2) = 8 = emax, so X = 2^0; 500 clamps to 448; 0.001 / 2^-9 = 0.512
    // rounds to 1 (the smallest subnormal, code 0x01); -3.5 = -1.75 * 2^1 is code 1 1000 110.
    auto t = mx("mxfp8_e4m3", {1.0, -3.5, 0.001, 500.0, 0.0});
    REQUIRE(t.blocks.size() == 1);
    CHECK(t.blocks[0].shared_exponent == 0);
    CHECK(t.blocks[0].scale_code == 127);
    CHECK(t.blocks[0].elements == std::vector<double>{1.0, -3.5, 0x1p-9, 448.0, 0.0});
    const ElementFormat& e4m3 = element_format_e4m3();
    CHECK(e4m3.encode(1.0) == 0x38u);
    CHECK(e4m3.encode(-3.5) == 0xC6u);
    CHECK(e4m3.encode(448.0) == 0x7Eu);
    CHECK(e4m3.encode(0x1p-9) == 0x01u);
  }
  SECTION("MXFP8 E5M2: a scale below one and a subnormal element") {
    // max 3: floor(log2) = 1, emax 15: X = 2^-14. 3 * 2^14 = 1.5 * 2^15 exactly; -0.1 * 2^14 =
    // -1638.4 lies in [2^10, 2^11) where the step is 2^8: 6.4 steps -> 6 -> -1536; 3e-9 * 2^14 =
    // 4.9152e-5 is below 2^-14 (subnormal, step 2^-16): 3.22 steps -> 3.
    auto t = mx("mxfp8_e5m2", {3.0, -0.1, 3e-9});
    CHECK(t.blocks[0].shared_exponent == -14);
    CHECK(t.blocks[0].scale_code == 113);
    CHECK(t.blocks[0].elements == std::vector<double>{49152.0, -1536.0, 3 * 0x1p-16});
    CHECK(t.blocks[0].values[1] == -1536.0 * 0x1p-14);
    CHECK(element_format_e5m2().encode(3 * 0x1p-16) == 0x03u);
  }
  SECTION("MXFP6 E3M2 and E2M3") {
    // E3M2: max 20 -> X = 2^(4 - 4) = 1; 0.1 is subnormal (below 2^-2, step 2^-4): 1.6 -> 2.
    auto a = mx("mxfp6_e3m2", {20.0, 0.1, -7.0, 0.02});
    CHECK(a.blocks[0].shared_exponent == 0);
    CHECK(a.blocks[0].elements == std::vector<double>{20.0, 0.125, -7.0, 0.0});
    // E2M3: max 6 -> X = 2^(2 - 2) = 1; 0.3 (subnormal, step 1/8): 2.4 -> 2; -1.1: 8.8 -> 9.
    auto b = mx("mxfp6_e2m3", {6.0, 0.3, -1.1});
    CHECK(b.blocks[0].elements == std::vector<double>{6.0, 0.25, -1.125});
    CHECK(element_format_e2m3().encode(-1.125) == 0b101001u);
  }
  SECTION("MXFP4 E2M1: ties to even, subnormals, saturation, a scale") {
    // max 5 -> X = 1. 5 (step 2): 2.5 -> 2 -> 4; -2.5 (step 1) -> -2; 0.2 (step 1/2): 0.4 -> 0;
    // 0.75 (step 1/2): 1.5 -> 2 -> 1.0.
    CHECK(mx("mxfp4_e2m1", {5.0, -2.5, 0.2, 0.75}).blocks[0].elements == std::vector<double>{4.0, -2.0, 0.0, 1.0});
    // max 7.9 -> X = 1 and 7.9 clamps to 6.
    CHECK(mx("mxfp4_e2m1", {7.9, 1.0}).blocks[0].elements == std::vector<double>{6.0, 1.0});
    // max 0.5 -> X = 2^(-1 - 2) = 2^-3: elements 4 and 1.
    auto t = mx("mxfp4_e2m1", {0.5, 0.125});
    CHECK(t.blocks[0].shared_exponent == -3);
    CHECK(t.blocks[0].elements == std::vector<double>{4.0, 1.0});
    CHECK(t.blocks[0].values == std::vector<double>{0.5, 0.125});
  }
  SECTION("MXINT8: X = 2^floor(log2 max), codes clamp to 127") {
    // max 1.999: X = 1; 1.999 * 64 = 127.94 -> 128 -> 127; 0.3 * 64 = 19.2 -> 19; -0.75 -> -48.
    auto t = mx("mxint8", {1.999, 0.3, -0.75, 0.004});
    CHECK(t.blocks[0].shared_exponent == 0);
    CHECK(t.blocks[0].elements == std::vector<double>{127.0 / 64, 19.0 / 64, -48.0 / 64, 0.0});
    CHECK(element_format_int8().encode(-48.0 / 64) == 0xD0u);
  }
  SECTION("blocks of 32, and a zero block takes the smallest scale") {
    std::vector<double> x(40, 0.0);
    x[33] = 2.0;
    auto t = mx("mxfp8_e4m3", x);
    REQUIRE(t.blocks.size() == 2);
    CHECK(t.blocks[0].scale_code == 0);
    CHECK(t.blocks[0].elements == std::vector<double>(32, 0.0));
    CHECK(t.blocks[1].shared_exponent == 1 - 8);
    CHECK(t.blocks[1].elements[1] == 256.0);
  }
}

// NVFP4 as NVIDIA defines it (blocks of 16 E2M1 elements, an E4M3 scale per block, an FP32
// tensor scale amax / (6 * 448)), worked by hand.
TEST_CASE("NVFP4 conversion: E4M3 block scales under an FP32 tensor scale", "[numerics][formats]") {
  std::vector<double> x(32, 0.0);
  x[0] = 6.0, x[1] = -3.0, x[2] = 1.0, x[3] = 0.25;  // block 0: scale 1 / tensor_scale = 448
  x[16] = 1.5, x[17] = 0.1;                          // block 1: (1.5 / 6) * 448 = 112 = 1.75 * 2^6
  auto t = mx("nvfp4", x);
  CHECK(t.tensor_scale == 6.0f / 2688.0f);
  REQUIRE(t.blocks.size() == 2);
  CHECK(t.blocks[0].scale == 448.0);
  CHECK(t.blocks[0].scale_code == 0x7E);
  // 0.25 / 1: step 1/2 -> 0.5 steps, a tie -> 0 (even).
  CHECK(t.blocks[0].elements[0] == 6.0);
  CHECK(t.blocks[0].elements[1] == -3.0);
  CHECK(t.blocks[0].elements[2] == 1.0);
  CHECK(t.blocks[0].elements[3] == 0.0);
  CHECK(t.blocks[1].scale == 112.0);
  CHECK(t.blocks[1].scale_code == 0x6E);
  // 1.5 / 0.25 = 6; 0.1 / 0.25 = 0.4 -> step 1/2: 0.8 -> 1 -> 0.5.
  CHECK(t.blocks[1].elements[0] == 6.0);
  CHECK(t.blocks[1].elements[1] == 0.5);
  CHECK(t.blocks[1].values[0] == Approx(1.5).epsilon(1e-6));
}

TEST_CASE("MX and NVFP4 GEMMs: errors ordered by element width, the array agrees with direct evaluation",
          "[numerics][formats]") {
  PodGemmSpec spec;
  spec.M = 32;
  spec.K = 128;
  spec.N = 32;
  spec.array.rows = spec.array.cols = 16;
  spec.partition = 16;
  spec.functional = true;
  auto error = [&](const std::string& type) {
    spec.format = FormatSpec{};
    spec.format.type = type;
    return run_pod_gemm(spec).rel_fro_error;
  };
  const double int8 = error("mxint8"), fp8 = error("mxfp8_e4m3"), fp6 = error("mxfp6_e3m2"), fp4 = error("mxfp4_e2m1"),
               nv = error("nvfp4");
  CHECK(int8 < fp8);
  CHECK(fp8 < fp6);  // three mantissa bits against two
  CHECK(fp6 < fp4);
  CHECK(error("mxfp6_e2m3") < fp6);  // E2M3 keeps three mantissa bits
  CHECK(nv < fp4);  // smaller blocks, finer (E4M3) scales
  CHECK(fp4 < 0.2);
  CHECK(int8 > 0);
  // The reference (PE by PE) array computes the same bits as the fast model.
  for (const char* type : {"mxfp8_e5m2", "nvfp4"}) {
    spec.format.type = type;
    spec.reference = false;
    const double fast = run_pod_gemm(spec).max_abs_error;
    spec.reference = true;
    CHECK(run_pod_gemm(spec).max_abs_error == fast);
    spec.reference = false;
  }
  // With 2:4 sparsity, in both orders.
  spec.format.type = "mxfp6_e3m2";
  spec.sparsity_keep = 2;
  spec.sparsity_group = 4;
  spec.prune_first = true;
  const double prune_first = run_pod_gemm(spec).rel_fro_error;
  spec.prune_first = false;
  const double quantize_first = run_pod_gemm(spec).rel_fro_error;
  CHECK(prune_first > 0);
  CHECK(quantize_first > 0);
  CHECK(prune_first != quantize_first);
}
