// A workload entry of the config (plain, validated data; its schema: workloads/specs.cpp). A
// spec header includes only the kernel.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sim/kernel/errors.h"

namespace sosasim {

struct WorkloadEntry {
  std::string name;        // defaults to the trace's file stem
  std::string trace_path;  // resolved, absolute
  SourceLocation where;    // where the trace was named, for errors about the file
};

// One range of epochs of a training run and its number formats, each written as a trace's
// `format` column (int8, bf16, fp32, bfp:M[:B], mxfp8_e4m3, nvfp4, ...).
struct TrainingPhase {
  std::int64_t first_epoch = 1, last_epoch = 1;
  std::string format;      // every layer's ("" = the config's `format`)
  std::string first_last;  // the network's first and last layers' (forward and backward); "" = format
};

// `training`: a run of `epochs` epochs of `steps_per_epoch` training steps, one step being the
// workload's trace (forward, backward-data and backward-weight GEMMs: scripts/gen_models.py
// --training), with a format schedule (sim/training.h).
struct TrainingSpec {
  std::int64_t epochs = 0;  // 0: not a training run
  std::int64_t steps_per_epoch = 1;
  std::string schedule;                // as written
  std::vector<TrainingPhase> phases;   // in order, covering epochs 1 .. epochs
};

// Parses a schedule: phases separated by ';', each "FIRST[-LAST] FORMAT [first_last FORMAT]",
// e.g. "1-89 bfp:3 first_last bfp:5; 90 bfp:5". Empty: one phase at the config's format. The
// error text (empty when valid) names the phase and what is wrong.
std::string parse_training_schedule(const std::string& text, std::int64_t epochs, std::vector<TrainingPhase>& phases);

}  // namespace sosasim
