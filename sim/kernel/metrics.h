// The metrics of DESIGN.md section 3, exactly SOSA's definitions, computed from what a run
// counted. Pure functions: the formulas are tested against closed forms.
#pragma once

#include <cstdint>
#include <vector>

namespace sosasim {

struct MachineShape {
  std::int64_t rows = 32;
  std::int64_t cols = 32;
  std::int64_t pods = 256;
  double frequency_ghz = 1.0;
};

struct Metrics {
  std::uint64_t cycles = 0;
  std::uint64_t useful_macs = 0;
  double ops = 0;             // 2 * useful_macs
  double runtime_s = 0;       // cycles / f
  double effective_tops = 0;  // ops / runtime / 1e12
  double peak_tops = 0;       // 2 r c N f / 1e12
  double utilization = 0;     // effective_tops / peak_tops
  double peak_power_w = 0;    // TDP: every pod and SRAM port busy every cycle
  double tops_per_watt = 0;   // effective_tops / peak_power_w
  double budget_w = 0;
  double iso_power_tops = 0;  // effective_tops * budget_w / peak_power_w
  double energy_j = 0;        // from activity counts
  double avg_power_w = 0;     // energy_j / runtime_s
  double tops_per_watt_energy = 0;  // effective_tops / avg_power_w
};

double peak_tops(const MachineShape& machine);

Metrics compute_metrics(const MachineShape& machine, std::uint64_t cycles, std::uint64_t useful_macs,
                        double peak_power_w, double budget_w, double energy_j);

// SOSA's aggregate across workloads. Returns 0 for an empty list or a non-positive value.
double harmonic_mean(const std::vector<double>& values);

}  // namespace sosasim
