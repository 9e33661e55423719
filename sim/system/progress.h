// Progress of a long run on stderr: simulated cycles, tile ops and layers done, wall time and an
// estimate of the time left (from the share of tile ops done). On a terminal one line is
// rewritten in place twice a second; otherwise (a batch job's log) a line every 10 s, or every
// SOSASIM_PROGRESS_SECONDS. Runs shorter than the interval print nothing. Plain C++.
#pragma once

#include <chrono>
#include <cstdint>

namespace sosasim {

class RunProgress {
 public:
  // `enabled`: not quiet (-q) and the log level shows information.
  RunProgress(std::uint64_t total_ops, std::uint64_t total_layers, bool enabled);
  // Called between simulation slices; prints when the interval has passed.
  void update(std::uint64_t cycle, std::uint64_t ops_done, std::uint64_t layers_done);
  // The run ended: ends the rewritten line on a terminal.
  void finish();

 private:
  using Clock = std::chrono::steady_clock;
  std::uint64_t total_ops_, total_layers_;
  bool enabled_, terminal_ = false, printed_ = false;
  double interval_s_ = 10;
  Clock::time_point start_, last_;
};

}  // namespace sosasim
