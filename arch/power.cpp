#include "arch/power.h"

#include "arch/format.h"

namespace sosasim {

PowerInputs power_inputs(const SimConfig& config, double switch_factor) {
  PowerInputs in;
  in.rows = config.array.rows;
  in.cols = config.array.cols;
  in.pods = config.pods;
  in.frequency_ghz = config.frequency_ghz;
  in.format = config.format;
  in.bank_kib = config.sram.bank_kib;
  in.switch_factor = switch_factor;
  in.weight_index_bits = config.sparsity.index_bits();
  return in;
}

double peak_sram_bytes_per_pod_cycle(const PowerInputs& in) {
  double operand_bytes = operand_bits(in.format) / 8.0;
  return static_cast<double>(in.rows + in.cols) * operand_bytes +
         static_cast<double>(in.cols) * in.weight_index_bits / 8.0 +
         2.0 * static_cast<double>(in.cols) * partial_sum_bytes(in.format);
}

PeakPower peak_power(const PowerInputs& in, const TechTable& tech) {
  const double f_hz = in.frequency_ghz * 1e9;
  const double bytes = peak_sram_bytes_per_pod_cycle(in);
  const double pods = static_cast<double>(in.pods);
  PeakPower power;
  power.sram_w = bytes * pods * tech.sram_energy_pj_per_byte(static_cast<double>(in.bank_kib)) * 1e-12 * f_hz;
  power.mac_w = static_cast<double>(in.rows * in.cols) * pods * tech.mac_cost(in.format).energy_pj * 1e-12 * f_hz;
  // SOSA's constant is in W per (byte per cycle) per switch unit at 1 GHz; it scales with f.
  power.interconnect_w = tech.interconnect_w_per_byte_switch * bytes * in.switch_factor * in.frequency_ghz;
  return power;
}

EnergyBreakdown activity_energy(const PowerInputs& in, const TechTable& tech, const ActivityCounts& counts) {
  EnergyBreakdown energy;
  energy.mac_j = static_cast<double>(counts.macs) * tech.mac_cost(in.format).energy_pj * 1e-12;
  energy.sram_j = counts.sram_bytes * tech.sram_energy_pj_per_byte(static_cast<double>(in.bank_kib)) * 1e-12;
  // At peak, B * pods bytes per cycle dissipate w * B * K(N) * f_GHz watts, so one byte costs
  // w * K(N) / pods / 1e9 joules, whatever the clock.
  double joules_per_byte = tech.interconnect_w_per_byte_switch * in.switch_factor /
                           static_cast<double>(in.pods) / 1e9;
  energy.interconnect_j = counts.network_bytes * joules_per_byte;
  energy.dram_j = counts.dram_bytes * tech.dram_pj_per_byte * 1e-12;
  // int8 partial sums are 32-bit integers; every other format's are FP32.
  const double add_pj = in.format.type == "int8" ? tech.int32_add_pj : tech.fp32_add_pj;
  energy.post_processor_j = static_cast<double>(counts.additions) * add_pj * 1e-12;
  return energy;
}

Area chip_area(const PowerInputs& in, const TechTable& tech) {
  Area area;
  area.mac_mm2 = static_cast<double>(in.rows * in.cols * in.pods) * tech.mac_cost(in.format).area_um2 * 1e-6;
  area.sram_mm2 = 3.0 * static_cast<double>(in.bank_kib * in.pods) * tech.sram_area_mm2_per_kib;
  return area;
}

}  // namespace sosasim
