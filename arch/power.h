// Power, energy and area models (DESIGN.md section 5).
//
// Peak power is SOSA's TDP model: every pod and SRAM port busy every cycle.
//   B = (r + c) * operand bytes + 2 c * partial-sum bytes   (int8: r + 5c bytes per pod per cycle)
//   P_sram = B N e_sram f,  P_mac = r c N e_mac f,  P_ict = w_per_byte_switch * B * K(N)
// With a topology per network, each network's share of B (X: r operands, W: c operands and their
// index bits, P: 2c partial sums) is charged at its own K(N).
// Energy is activity based: counted MACs, SRAM bytes, network bytes and DRAM bytes times the
// technology table's per-action energies. A byte that crosses a network costs the same share
// of K(N) that the peak model charges: w_per_byte_switch * K(N) / pods / 1e9 J per byte.
// Leakage is not modelled.
#pragma once

#include <array>
#include <cstdint>

#include "arch/tech.h"
#include "sim/kernel/spec.h"

namespace sosasim {

struct PowerInputs {
  std::int64_t rows = 32, cols = 32, pods = 256;
  double frequency_ghz = 1.0;
  FormatSpec format;
  std::int64_t bank_kib = 256;
  std::array<double, 3> switch_factors{};  // K(N) of each network's topology (X, W, P)
  int weight_index_bits = 0; // sparse weights: index bits stored with every kept weight
};

PowerInputs power_inputs(const SimConfig& config, const std::array<double, 3>& switch_factors);
// ... every network with the same K(N).
PowerInputs power_inputs(const SimConfig& config, double switch_factor);

// SRAM bytes one pod moves per cycle at peak, per network (X, W, P) and in all.
std::array<double, 3> peak_network_bytes_per_pod_cycle(const PowerInputs& in);
double peak_sram_bytes_per_pod_cycle(const PowerInputs& in);

struct PeakPower {
  double sram_w = 0, mac_w = 0, interconnect_w = 0;
  double total_w() const { return sram_w + mac_w + interconnect_w; }
};

PeakPower peak_power(const PowerInputs& in, const TechTable& tech);

// What a run did, counted by the models.
struct ActivityCounts {
  std::uint64_t macs = 0;        // MACs executed on active PEs
  double sram_bytes = 0;         // bank reads and writes
  std::array<double, 3> network_bytes{};  // bytes injected into the X, W and P networks
  double network_total() const { return network_bytes[0] + network_bytes[1] + network_bytes[2]; }
  double dram_bytes = 0;
  std::uint64_t additions = 0;   // partial-sum values added by the post-processors (K reduction)
  double outputs = 0;            // output elements converted to the format at the arrays' edges
};

struct EnergyBreakdown {
  double mac_j = 0, sram_j = 0, interconnect_j = 0, dram_j = 0, post_processor_j = 0;
  double total_j() const { return mac_j + sram_j + interconnect_j + dram_j + post_processor_j; }
};

EnergyBreakdown activity_energy(const PowerInputs& in, const TechTable& tech, const ActivityCounts& counts);

struct Area {
  double mac_mm2 = 0, sram_mm2 = 0;
  double converter_mm2 = 0;  // the format converters at the arrays' column edges
  double total_mm2() const { return mac_mm2 + sram_mm2 + converter_mm2; }
};

// PE arrays and the three banks per pod; the networks' area is not modelled yet.
Area chip_area(const PowerInputs& in, const TechTable& tech);

}  // namespace sosasim
