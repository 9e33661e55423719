// The whole configuration: every folder's validated spec (arch/specs.h, interconnect/specs.h,
// tiling/specs.h, workloads/specs.h, each beside its schema) and the machine-level keys. Models
// are built from these and never read YAML themselves; the tiling planner, the power model and
// the sweep driver use them without building a simulation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "arch/specs.h"
#include "interconnect/specs.h"
#include "sim/kernel/errors.h"
#include "sim/kernel/params.h"
#include "tiling/specs.h"
#include "workloads/specs.h"

namespace sosasim {

struct SimConfig {
  std::string source_file;  // the config file, or "<built-in default>"
  std::int64_t pods = 256;
  double frequency_ghz = 1.0;
  ArraySpec array;
  FormatSpec format;
  SparsitySpec sparsity;
  SramSpec sram;
  DramSpec dram;
  InterconnectSpec interconnect;
  TilingSpec tiling;
  PowerSpec power;
  std::vector<WorkloadEntry> workloads;
  TrainingSpec training;
  ServingSpec serving;
  bool reference_fidelity = false;  // simulation.fidelity: reference
  nlohmann::ordered_json resolved;  // every key with its effective value, for the reports

  std::int64_t partition_rows() const {
    return tiling.partition_size > 0 ? tiling.partition_size : array.rows;
  }
};

}  // namespace sosasim
