// The simulated accelerator: N pods, DRAM and the controller that releases layers, streams
// weights from DRAM and hands tile ops to pods. Builds the SystemC model, runs it to completion
// and returns what it measured.
//
// SystemC elaborates once per process: call run_simulation at most once per process (a sweep
// runs each point in its own process).
#pragma once

#include <vector>

#include "sim/kernel/spec.h"
#include "sim/system/result.h"
#include "workloads/trace.h"

namespace sosasim {

// `timeline_path`: write a Chrome/Perfetto trace-event timeline there ("" for none).
SimulationResult run_simulation(const SimConfig& config, const std::vector<Workload>& workloads,
                                const std::string& timeline_path = "");

}  // namespace sosasim
