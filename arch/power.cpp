#include "arch/power.h"

#include "arch/format.h"
#include "arch/number_format.h"

namespace sosasim {

PowerInputs power_inputs(const SimConfig& config, double switch_factor) {
  return power_inputs(config, {switch_factor, switch_factor, switch_factor});
}

PowerInputs power_inputs(const SimConfig& config, const std::array<double, 3>& switch_factors) {
  PowerInputs in;
  in.rows = config.array.rows;
  in.cols = config.array.cols;
  in.pods = config.pods;
  in.frequency_ghz = config.frequency_ghz;
  in.format = config.format;
  in.bank_kib = config.sram.bank_kib;
  in.switch_factors = switch_factors;
  in.weight_index_bits = config.sparsity.index_bits();
  return in;
}

std::array<double, 3> peak_network_bytes_per_pod_cycle(const PowerInputs& in) {
  const double operand_bytes = operand_bits(in.format) / 8.0;
  return {static_cast<double>(in.rows) * operand_bytes,
          static_cast<double>(in.cols) * operand_bytes + static_cast<double>(in.cols) * in.weight_index_bits / 8.0,
          2.0 * static_cast<double>(in.cols) * partial_sum_bytes(in.format)};
}

double peak_sram_bytes_per_pod_cycle(const PowerInputs& in) {
  const auto bytes = peak_network_bytes_per_pod_cycle(in);
  return bytes[0] + bytes[1] + bytes[2];
}

PeakPower peak_power(const PowerInputs& in, const TechTable& tech) {
  const double f_hz = in.frequency_ghz * 1e9;
  const double bytes = peak_sram_bytes_per_pod_cycle(in);
  const double pods = static_cast<double>(in.pods);
  PeakPower power;
  power.sram_w = bytes * pods * tech.sram_energy_pj_per_byte(static_cast<double>(in.bank_kib)) * 1e-12 * f_hz;
  power.mac_w = static_cast<double>(in.rows * in.cols) * pods * tech.mac_cost(in.format).energy_pj * 1e-12 * f_hz;
  // SOSA's constant is in W per (byte per cycle) per switch unit at 1 GHz; it scales with f.
  const auto by_network = peak_network_bytes_per_pod_cycle(in);
  for (std::size_t n = 0; n < by_network.size(); ++n)
    power.interconnect_w +=
        tech.interconnect_w_per_byte_switch * by_network[n] * in.switch_factors[n] * in.frequency_ghz;
  return power;
}

EnergyBreakdown activity_energy(const PowerInputs& in, const TechTable& tech, const ActivityCounts& counts) {
  EnergyBreakdown energy;
  energy.mac_j = static_cast<double>(counts.macs) * tech.mac_cost(in.format).energy_pj * 1e-12 +
                 counts.outputs * number_format(in.format.type).edge_converter_cost(in.format, tech).energy_pj * 1e-12;
  energy.sram_j = counts.sram_bytes * tech.sram_energy_pj_per_byte(static_cast<double>(in.bank_kib)) * 1e-12;
  // At peak, B * pods bytes per cycle dissipate w * B * K(N) * f_GHz watts, so one byte costs
  // w * K(N) / pods / 1e9 joules, whatever the clock.
  for (std::size_t n = 0; n < counts.network_bytes.size(); ++n)
    energy.interconnect_j += counts.network_bytes[n] * tech.interconnect_w_per_byte_switch * in.switch_factors[n] /
                             static_cast<double>(in.pods) / 1e9;
  energy.dram_j = counts.dram_bytes * tech.dram_pj_per_byte * 1e-12;
  // int8 partial sums are 32-bit integers; every other format's are FP32.
  const double add_pj = number_format(in.format.type).integer_partial_sums() ? tech.int32_add_pj : tech.fp32_add_pj;
  energy.post_processor_j = static_cast<double>(counts.additions) * add_pj * 1e-12;
  return energy;
}

Area chip_area(const PowerInputs& in, const TechTable& tech) {
  Area area;
  area.mac_mm2 = static_cast<double>(in.rows * in.cols * in.pods) * tech.mac_cost(in.format).area_um2 * 1e-6;
  area.sram_mm2 = 3.0 * static_cast<double>(in.bank_kib * in.pods) * tech.sram_area_mm2_per_kib;
  area.converter_mm2 = static_cast<double>(in.cols * in.pods) *
                       number_format(in.format.type).edge_converter_cost(in.format, tech).area_um2 * 1e-6;
  return area;
}

}  // namespace sosasim
