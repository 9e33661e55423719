// `sosasim run` of this binary in a child process: SystemC elaborates once per process, so a
// command that needs several simulations (a sweep's pods_rule: best, a training run's steps) runs
// each in a child.
#pragma once

#include <string>
#include <vector>

namespace sosasim {

// Runs this binary with "run" and `run_args` (its standard output discarded) and waits for it.
// Returns its exit status, -1 when it did not exit normally or could not start.
int run_sosasim_child(const std::vector<std::string>& run_args);

}  // namespace sosasim
