// The technology table: per-action energies and per-unit areas that the power and area models
// multiply with counts (Timeloop style: energy = actions x energy per action). Loaded from YAML
// (the built-in 28 nm table, arch/tech_28nm.yaml, or a user file); every entry names a source.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "arch/specs.h"

namespace sosasim {

struct MacCost {
  double energy_pj = 0;  // per MAC
  double area_um2 = 0;   // per PE
};

struct TechTable {
  std::string name;
  // Formats the table prices directly (`mac.<format>`: SOSA's synthesized int8 PE); the others
  // are composed from `units` (arch/mac_units.h).
  std::map<std::string, MacCost> mac;
  std::vector<std::pair<double, MacCost>> bfp_points;  // optional `mac.bfp.points`, by mantissa bits
  std::map<std::string, MacCost> units;                // per unit: multiplier_pp_bit, adder_bit, ...
  std::vector<std::pair<double, double>> sram_pj_per_byte;  // (bank KiB, pJ/B), ascending
  double sram_area_mm2_per_kib = 0;
  double interconnect_w_per_byte_switch = 0;
  double dram_pj_per_byte = 0;
  // Post-processor additions of partial sums (optional in a table: absent, they cost nothing).
  double int32_add_pj = 0, fp32_add_pj = 0;

  // Cost of one MAC of `format` (the format says how: arch/number_format.h).
  MacCost mac_cost(const FormatSpec& format) const;
  // A BFP MAC with `mantissa_bits` magnitude bits, interpolated between the table's points.
  MacCost bfp_mac(double mantissa_bits) const;
  // SRAM access energy per byte for a bank of `bank_kib` (interpolated in log2 size).
  double sram_energy_pj_per_byte(double bank_kib) const;
};

// `path` empty: the built-in table. Errors name the file, line and key.
TechTable load_tech_table(const std::string& path);

}  // namespace sosasim
