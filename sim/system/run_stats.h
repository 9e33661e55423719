// Self-describing statistics (after gem5 and SST): every statistic a run reports is declared
// once, with its unit, what it means and how it aggregates; summary.json's `stats` and
// `networks` sections, `sosasim list --stats` and the statistics tables of docs/metrics.md (a
// test checks them) all come from these declarations. Pod statistics are declared beside the
// pod (pod_stat_table() in arch/pod_stats.cpp) and summed over pods.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/system/result.h"

namespace sosasim {

struct SimConfig;

struct StatDeclaration {
  std::string name, unit, aggregation, description;
};

// A run-level statistic: its declaration, its value, and whether a run reports it.
struct RunStat {
  StatDeclaration declared;
  std::function<nlohmann::ordered_json(const SimulationResult&, const SimConfig&)> value;
  std::function<bool(const SimulationResult&)> reported = [](const SimulationResult&) { return true; };
};
const std::vector<RunStat>& run_stat_table();

// A statistic of one network's transfers (summary.json `networks.x|w|p`).
struct NetworkStat {
  StatDeclaration declared;
  std::function<nlohmann::ordered_json(const SimulationResult::NetworkUse&)> value;
};
const std::vector<NetworkStat>& network_stat_table();

// Every declaration, grouped: "pod" (summed over pods), "run", "network".
std::vector<std::pair<std::string, StatDeclaration>> all_stat_declarations();

}  // namespace sosasim
