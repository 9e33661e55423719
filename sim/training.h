// A training run (issue 19): `training.epochs` epochs of `training.steps_per_epoch` steps, a step
// being one pass of the workload's training-step trace (forward, backward-data and
// backward-weight GEMMs), under a format schedule (`training.schedule`: a format per epoch range,
// and one for the network's first and last layers). Each distinct set of formats is simulated
// once at full cycle level (in a child `sosasim run`: SystemC elaborates once per process); a phase's cycles and energy are its step's times its steps (steps run
// back to back, so the run's totals are exact sums of the steps). The report says the share of
// MACs in each format and the MAC silicon a design needs to run the schedule, against FP32 and
// bf16 designs of the same throughput (the same PEs).
#pragma once

#include <string>
#include <vector>

#include "sim/kernel/spec.h"
#include "workloads/trace.h"

namespace sosasim {

// Runs the schedule, writes OUTDIR/summary.json (the first phase's step, with a `training`
// section), OUTDIR/phases/N/ (each simulated step's full report) and prints the totals.
// The steps run from `config_path` with `overrides` (as the run was given) and a trace per phase.
int run_training(const SimConfig& config, const std::vector<Workload>& workloads, const std::string& config_path,
                 const std::vector<std::string>& overrides, const std::string& outdir);

}  // namespace sosasim
