// SOSA's peak-power model (DESIGN.md section 5) and the activity-energy and area models.
// Reference values: SOSA at 256 pods of 32x32 is 260.2 W = SRAM 132.7 + MAC 104.9 +
// interconnect 22.6; the crossbar design point ~599 W; Benes ~283 W.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>

#include "arch/power.h"
#include "arch/tech.h"
#include "interconnect/topology.h"
#include "sim/kernel/config.h"
#include "sim/system/report.h"

using namespace sosasim;

namespace {

PeakPower peak_for(const std::vector<std::string>& overrides) {
  SimConfig config = load_config(std::nullopt, overrides);
  return peak_power(power_inputs(config, switch_factors(config)), load_tech_table(""));
}

}  // namespace

TEST_CASE("peak power of the SOSA design point", "[power]") {
  PeakPower power = peak_for({});
  CHECK(power.sram_w == Approx(132.7).margin(0.05));
  CHECK(power.mac_w == Approx(104.9).margin(0.05));
  CHECK(power.interconnect_w == Approx(22.6).margin(0.05));
  CHECK(power.total_w() == Approx(260.2).margin(0.05));
}

TEST_CASE("peak power of the other topologies at 256 pods", "[power]") {
  CHECK(peak_for({"interconnect.topology=crossbar"}).total_w() == Approx(599.3).margin(0.5));
  CHECK(peak_for({"interconnect.topology=benes"}).total_w() == Approx(282.8).margin(0.5));
  // Butterfly-1 has half the switch factor of Butterfly-2.
  CHECK(peak_for({"interconnect.expansion=1"}).interconnect_w == Approx(22.6 / 2).margin(0.05));
  CHECK(peak_for({"interconnect.topology=bus"}).interconnect_w == Approx(2.875e-5 * 192));
}

TEST_CASE("a network with its own topology is charged at its own switch factor", "[power]") {
  // A crossbar W network (K = N^2 = 65,536 against Butterfly-2's 2 N log2 N = 4,096) carries c of
  // the r + 5c bytes: 2.875e-5 W x 32 x (65,536 - 4,096) more.
  PeakPower uniform = peak_for({});
  PeakPower crossbar_w = peak_for({"interconnect.w.topology=crossbar"});
  CHECK(crossbar_w.interconnect_w - uniform.interconnect_w == Approx(2.875e-5 * 32 * (65536 - 4096)));
  CHECK(crossbar_w.sram_w == Approx(uniform.sram_w));
  // All three networks given the crossbar is the crossbar design point.
  CHECK(peak_for({"interconnect.x.topology=crossbar", "interconnect.w.topology=crossbar",
                  "interconnect.p.topology=crossbar"})
            .total_w() == Approx(peak_for({"interconnect.topology=crossbar"}).total_w()));
}

TEST_CASE("SRAM bytes per pod per cycle are r + 5c for int8", "[power]") {
  SimConfig config = load_config(std::nullopt, {"array.rows=16", "array.cols=64"});
  CHECK(peak_sram_bytes_per_pod_cycle(power_inputs(config, 0)) == Approx(16 + 5 * 64));
  // BFP m=7, B=64, e=10: (7 + 1 + 10/64) / 8 bytes per operand, FP32 partial sums.
  config = load_config(std::nullopt, {"format.type=bfp"});
  double operand = (8.0 + 10.0 / 64.0) / 8.0;
  CHECK(peak_sram_bytes_per_pod_cycle(power_inputs(config, 0)) == Approx(64 * operand + 2 * 32 * 4));
}

TEST_CASE("SRAM energy per byte follows the bank size", "[power]") {
  TechTable tech = load_tech_table("");
  CHECK(tech.sram_energy_pj_per_byte(64) == Approx(1.1));
  CHECK(tech.sram_energy_pj_per_byte(128) == Approx(1.6));
  CHECK(tech.sram_energy_pj_per_byte(256) == Approx(2.7));
  CHECK(tech.sram_energy_pj_per_byte(512) == Approx(4.1));
  double between = tech.sram_energy_pj_per_byte(192);
  CHECK(between > 1.6);
  CHECK(between < 2.7);
}

TEST_CASE("composed MAC areas reproduce the Accuracy Boosters ratios", "[power][formats]") {
  // Accuracy Boosters (Harma et al., 28 nm area model): per-MAC area of HBFP4 at block 16 is
  // 21.3x smaller than FP32 and 4.4x smaller than bf16; HBFP6 12.7x and HBFP8 8.3x smaller than
  // FP32. The composition (arch/mac_units.h) must land within 5 %.
  TechTable tech = load_tech_table("");
  auto area = [&](const std::string& type, int mantissa_bits = 7, int block = 16) {
    FormatSpec format;
    format.type = type;
    format.mantissa_bits = mantissa_bits;
    format.block_size = block;
    return tech.mac_cost(format).area_um2;
  };
  const double fp32 = area("fp32"), bf16 = area("bf16");
  CHECK(fp32 == Approx(1494).epsilon(0.001));
  CHECK(fp32 / area("bfp", 3) == Approx(21.3).epsilon(0.05));
  CHECK(bf16 / area("bfp", 3) == Approx(4.4).epsilon(0.05));
  CHECK(fp32 / area("bfp", 5) == Approx(12.7).epsilon(0.05));
  CHECK(fp32 / area("bfp", 7) == Approx(8.3).epsilon(0.05));
  // Wider mantissas and larger blocks: more multiplier, less shared accumulation.
  CHECK(area("bfp", 4) > area("bfp", 3));
  CHECK(area("bfp", 3, 64) < area("bfp", 3, 16));
  // int8 keeps SOSA's synthesized PE; energies are composed alongside the areas.
  CHECK(area("int8") == Approx(478.5));
  FormatSpec fp32_format;
  fp32_format.type = "fp32";
  // Energy per um^2 of arithmetic is calibrated on SOSA's int8 MAC: the composed int8 arithmetic
  // (8 x 8 multiplier, 21-bit adder) costs its 0.4 pJ, and FP32 then 2.84 pJ.
  CHECK(tech.mac_cost(fp32_format).energy_pj == Approx(2.84).epsilon(0.01));
  FormatSpec mxint8;
  mxint8.type = "mxint8";
  CHECK(tech.mac_cost(mxint8).energy_pj == Approx(0.4).epsilon(0.03));
  // The MX formats: 4-bit elements are cheapest, FP8 elements pay for aligning their products.
  CHECK(area("mxfp4_e2m1") < area("mxfp6_e2m3"));
  CHECK(area("mxfp6_e3m2") < area("mxfp8_e4m3"));
  CHECK(area("mxfp8_e4m3") < area("mxfp8_e5m2"));
  CHECK(area("mxint8") < area("mxfp8_e4m3"));
  CHECK(area("nvfp4") < area("mxfp6_e2m3"));
}

TEST_CASE("a technology file may still price a format directly", "[power][formats]") {
  const std::string path = "tech_direct_rows.yaml";
  std::ofstream(path) << "name: t\nmac:\n  fp32: {energy_pj: 1, area_um2: 10}\n  bfp:\n    points:\n"
                         "      - {mantissa_bits: 3, energy_pj: 0.1, area_um2: 71}\n"
                         "      - {mantissa_bits: 5, energy_pj: 0.2, area_um2: 119}\n"
                         "sram: {area_mm2_per_kib: 0.001, energy_pj_per_byte: [{bank_kib: 64, pj: 1}]}\n"
                         "interconnect: {w_per_byte_switch: 1e-5}\ndram: {energy_pj_per_byte: 30}\n";
  TechTable tech = load_tech_table(path);
  FormatSpec format;
  format.type = "fp32";
  CHECK(tech.mac_cost(format).area_um2 == 10);
  format.type = "bfp";
  format.mantissa_bits = 4;
  CHECK(tech.mac_cost(format).area_um2 == Approx(95));
  format.type = "bf16";  // neither a row nor units: an error naming the table
  CHECK_THROWS_WITH(tech.mac_cost(format), Catch::Matchers::Contains("units.multiplier_pp_bit"));
  std::remove(path.c_str());
}

TEST_CASE("activity energy at full activity equals peak power times runtime", "[power]") {
  SimConfig config = load_config(std::nullopt, {});
  auto topology = make_topology(config.interconnect.params);
  PowerInputs in = power_inputs(config, topology->switch_factor(config.pods));
  TechTable tech = load_tech_table("");
  PeakPower peak = peak_power(in, tech);
  const std::uint64_t cycles = 1000;
  ActivityCounts counts;
  counts.macs = static_cast<std::uint64_t>(in.rows * in.cols * in.pods) * cycles;
  counts.sram_bytes = peak_sram_bytes_per_pod_cycle(in) * static_cast<double>(in.pods * cycles);
  const auto by_network = peak_network_bytes_per_pod_cycle(in);
  for (std::size_t n = 0; n < 3; ++n) counts.network_bytes[n] = by_network[n] * static_cast<double>(in.pods * cycles);
  EnergyBreakdown energy = activity_energy(in, tech, counts);
  double seconds = static_cast<double>(cycles) / 1e9;
  CHECK(energy.mac_j == Approx(peak.mac_w * seconds));
  CHECK(energy.sram_j == Approx(peak.sram_w * seconds));
  CHECK(energy.interconnect_j == Approx(peak.interconnect_w * seconds));
  CHECK(energy.dram_j == 0.0);
}

TEST_CASE("area counts PEs and three banks per pod", "[power]") {
  SimConfig config = load_config(std::nullopt, {});
  TechTable tech = load_tech_table("");
  Area area = chip_area(power_inputs(config, 0), tech);
  CHECK(area.mac_mm2 == Approx(256 * 1024 * 478.5e-6));
  CHECK(area.sram_mm2 == Approx(3 * 256 * 256 * tech.sram_area_mm2_per_kib));
}

TEST_CASE("a technology file with an error names its line and key", "[power][errors]") {
  CHECK_THROWS_WITH(load_tech_table("/nonexistent/tech.yaml"), Catch::Matchers::Contains("not found"));
}

TEST_CASE("sparse weights pay for their index bits in SRAM traffic", "[power]") {
  SimConfig config = load_config(std::nullopt, {"sparsity.pattern=2:4"});
  CHECK(peak_sram_bytes_per_pod_cycle(power_inputs(config, 0)) == Approx(32 + 5 * 32 + 32 * 2 / 8.0));
}

TEST_CASE("post-processor additions cost an integer or a floating-point add each", "[power]") {
  SimConfig config = load_config(std::nullopt, {});
  PowerInputs in = power_inputs(config, 0);
  TechTable tech = load_tech_table("");
  REQUIRE(tech.int32_add_pj == Approx(0.1));
  REQUIRE(tech.fp32_add_pj == Approx(0.9));
  ActivityCounts counts;
  counts.additions = 1000000;
  EnergyBreakdown energy = activity_energy(in, tech, counts);  // int8: 32-bit integer partial sums
  CHECK(energy.post_processor_j == Approx(1e6 * 0.1e-12));
  CHECK(energy.total_j() == Approx(energy.post_processor_j));
  in.format.type = "bf16";  // FP32 partial sums
  CHECK(activity_energy(in, tech, counts).post_processor_j == Approx(1e6 * 0.9e-12));
  counts.additions = 0;
  CHECK(activity_energy(in, tech, counts).post_processor_j == 0.0);
}
