#include "sim/system/progress.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include <spdlog/fmt/fmt.h>

namespace sosasim {

RunProgress::RunProgress(std::uint64_t total_ops, std::uint64_t total_layers, bool enabled)
    : total_ops_(total_ops), total_layers_(total_layers), enabled_(enabled), start_(Clock::now()), last_(start_) {
  if (!enabled_) return;
  terminal_ = ::isatty(STDERR_FILENO) != 0;
  interval_s_ = terminal_ ? 0.5 : 10;
  if (const char* given = std::getenv("SOSASIM_PROGRESS_SECONDS")) interval_s_ = std::atof(given);
}

void RunProgress::update(std::uint64_t cycle, std::uint64_t ops_done, std::uint64_t layers_done) {
  if (!enabled_) return;
  const Clock::time_point now = Clock::now();
  if (std::chrono::duration<double>(now - last_).count() < interval_s_) return;
  last_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  const double share = total_ops_ > 0 ? static_cast<double>(ops_done) / static_cast<double>(total_ops_) : 0;
  const std::string left = share > 0 ? fmt::format("{:.0f} s left", elapsed * (1 - share) / share) : "time left unknown";
  const std::string line = fmt::format("progress: cycle {}, {} of {} tile ops ({:.1f} %), {} of {} layers, {:.0f} s, {}",
                                       cycle, ops_done, total_ops_, 100 * share, layers_done, total_layers_, elapsed, left);
  std::fprintf(stderr, terminal_ ? "\r%s   " : "%s\n", line.c_str());
  std::fflush(stderr);
  printed_ = true;
}

void RunProgress::finish() {
  if (enabled_ && terminal_ && printed_) std::fprintf(stderr, "\n");
}

}  // namespace sosasim
