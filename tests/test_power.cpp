// SOSA's peak-power model (DESIGN.md section 5) and the activity-energy and area models.
// Reference values: SOSA at 256 pods of 32x32 is 260.2 W = SRAM 132.7 + MAC 104.9 +
// interconnect 22.6; the crossbar design point ~599 W; Benes ~283 W.
#include <catch2/catch.hpp>

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

TEST_CASE("BFP MAC cost follows the mantissa width", "[power]") {
  TechTable tech = load_tech_table("");
  FormatSpec bfp;
  bfp.type = "bfp";
  bfp.mantissa_bits = 3;
  CHECK(tech.mac_cost(bfp).area_um2 == Approx(71));
  bfp.mantissa_bits = 5;
  CHECK(tech.mac_cost(bfp).area_um2 == Approx(119));
  bfp.mantissa_bits = 4;
  CHECK(tech.mac_cost(bfp).area_um2 == Approx(95));
  FormatSpec fp32;
  fp32.type = "fp32";
  CHECK(tech.mac_cost(fp32).area_um2 == Approx(1494));
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
