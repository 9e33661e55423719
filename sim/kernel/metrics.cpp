#include "sim/kernel/metrics.h"

namespace sosasim {

double peak_tops(const MachineShape& machine) {
  return 2.0 * static_cast<double>(machine.rows * machine.cols * machine.pods) * machine.frequency_ghz * 1e9 /
         1e12;
}

Metrics compute_metrics(const MachineShape& machine, std::uint64_t cycles, std::uint64_t useful_macs,
                        double peak_power_w, double budget_w, double energy_j) {
  Metrics m;
  m.cycles = cycles;
  m.useful_macs = useful_macs;
  m.ops = 2.0 * static_cast<double>(useful_macs);
  m.runtime_s = static_cast<double>(cycles) / (machine.frequency_ghz * 1e9);
  m.effective_tops = m.runtime_s > 0 ? m.ops / m.runtime_s / 1e12 : 0.0;
  m.peak_tops = peak_tops(machine);
  m.utilization = m.peak_tops > 0 ? m.effective_tops / m.peak_tops : 0.0;
  m.peak_power_w = peak_power_w;
  m.tops_per_watt = peak_power_w > 0 ? m.effective_tops / peak_power_w : 0.0;
  m.budget_w = budget_w;
  m.iso_power_tops = peak_power_w > 0 ? m.effective_tops * budget_w / peak_power_w : 0.0;
  m.energy_j = energy_j;
  m.avg_power_w = m.runtime_s > 0 ? energy_j / m.runtime_s : 0.0;
  m.tops_per_watt_energy = m.avg_power_w > 0 ? m.effective_tops / m.avg_power_w : 0.0;
  return m;
}

double harmonic_mean(const std::vector<double>& values) {
  if (values.empty()) return 0.0;
  double sum_of_inverses = 0;
  for (double value : values) {
    if (value <= 0) return 0.0;
    sum_of_inverses += 1.0 / value;
  }
  return static_cast<double>(values.size()) / sum_of_inverses;
}

}  // namespace sosasim
