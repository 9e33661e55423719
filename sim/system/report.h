// Turns what a run measured into the reports of DESIGN.md section 8: summary.json (the metrics
// of section 3 and their breakdowns), layers.csv (one row per layer), config.resolved.yaml, and
// a short text summary for the terminal. No SystemC.
#pragma once

#include <array>
#include <string>

#include <nlohmann/json.hpp>

#include "sim/kernel/spec.h"
#include "sim/system/result.h"

namespace sosasim {

struct RunReport {
  nlohmann::ordered_json summary;
  std::string layers_csv;
  std::string text;  // the terminal summary
};

// Derives every metric; loads the technology table and builds the topology named by `config`.
RunReport build_report(const SimConfig& config, const SimulationResult& result);

// Writes summary.json, layers.csv and config.resolved.yaml into `outdir` (created if needed).
// Each file is written to a temporary name and renamed, so a reader never sees half a file.
void write_report(const RunReport& report, const SimConfig& config, const std::string& outdir);

// K(N) of each network's topology (X, W, P; `interconnect.x`, `.w`, `.p`).
std::array<double, 3> switch_factors(const SimConfig& config);

// The machine-level figures that need no simulation: peak TOPS, peak power and its parts, area.
nlohmann::ordered_json machine_figures(const SimConfig& config);

}  // namespace sosasim
