#include "arch/mac_units.h"

#include <cmath>

#include "arch/tech.h"
#include "sim/kernel/errors.h"

namespace sosasim {

UnitCounts& UnitCounts::operator+=(const UnitCounts& other) {
  multiplier_pp_bits += other.multiplier_pp_bits;
  adder_bits += other.adder_bits;
  shifter_bit_stages += other.shifter_bit_stages;
  fp32_adders += other.fp32_adders;
  return *this;
}

UnitCounts UnitCounts::scaled(double factor) const {
  return UnitCounts{multiplier_pp_bits * factor, adder_bits * factor, shifter_bit_stages * factor,
                    fp32_adders * factor};
}

UnitCounts fp32_mac_units() { return UnitCounts{24.0 * 24.0, 8.0, 0.0, 1.0}; }

UnitCounts bf16_mac_units() { return UnitCounts{8.0 * 8.0, 8.0, 0.0, 1.0}; }

UnitCounts block_mac_units(double multiplier_bits, double element_exponent_bits, int accumulator_bits,
                           int align_positions, int block_size, int scale_exponent_bits,
                           double scale_multiplier_bits) {
  UnitCounts per_mac;
  per_mac.multiplier_pp_bits = multiplier_bits;
  // The element product's exponent add, and its bits of the in-block adder tree (B - 1 adders
  // for B products: about one accumulator-wide adder per MAC).
  per_mac.adder_bits = element_exponent_bits + accumulator_bits;
  if (align_positions > 1)
    per_mac.shifter_bit_stages = accumulator_bits * std::ceil(std::log2(static_cast<double>(align_positions)));
  UnitCounts per_block;
  per_block.multiplier_pp_bits = scale_multiplier_bits;
  // Block exponent add, and the sum's conversion to FP32 (leading-zero count and normalization,
  // counted as adder bits of the sum's width), then one FP32 addition.
  per_block.adder_bits = scale_exponent_bits + accumulator_bits;
  per_block.fp32_adders = 1.0;
  per_mac += per_block.scaled(1.0 / block_size);
  return per_mac;
}

UnitCounts edge_converter_units(int exponent_bits, int element_bits, double scale_multiplier_bits) {
  return UnitCounts{scale_multiplier_bits, static_cast<double>(exponent_bits + element_bits), 5.0 * element_bits, 0.0};
}

MacCost compose_mac(const UnitCounts& units, const TechTable& tech, const std::string& format_name) {
  auto unit = [&](const char* name) -> const MacCost& {
    auto it = tech.units.find(name);
    if (it == tech.units.end())
      throw ConfigError("technology table '" + tech.name + "': format " + format_name + " needs units." + name +
                        " (or a mac." + format_name + " row)");
    return it->second;
  };
  MacCost cost;
  auto add = [&](const char* name, double count) {
    if (count == 0) return;
    const MacCost& u = unit(name);
    cost.area_um2 += count * u.area_um2;
    cost.energy_pj += count * u.energy_pj;
  };
  add("multiplier_pp_bit", units.multiplier_pp_bits);
  add("adder_bit", units.adder_bits);
  add("shifter_bit_stage", units.shifter_bit_stages);
  add("fp32_adder", units.fp32_adders);
  return cost;
}

}  // namespace sosasim
