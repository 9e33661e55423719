// A Chrome / Perfetto trace-event timeline of a run (`sosasim run --timeline FILE.json`): one
// track per pod (its tile ops and weight loads), one for DRAM transfers, one for layers.
// Events are written as they happen, so memory does not grow with the run; the file does (about
// 150 bytes per event). Time is in cycles shown as nanoseconds at 1 GHz.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>

namespace sosasim {

class Timeline {
 public:
  // An empty path: a timeline that records nothing and costs nothing.
  explicit Timeline(const std::string& path);
  ~Timeline();
  Timeline(const Timeline&) = delete;
  Timeline& operator=(const Timeline&) = delete;

  bool enabled() const { return out_.is_open(); }
  // A span on track (group, lane) from `start` for `cycles`.
  void span(int group, int lane, const std::string& name, std::uint64_t start, std::uint64_t cycles,
            const std::string& args_json = "");
  void name_group(int group, const std::string& name);

 private:
  std::ofstream out_;
  bool first_ = true;
};

enum TimelineGroup { kTimelinePods = 1, kTimelineDram = 2, kTimelineLayers = 3, kTimelineNetworks = 4 };

}  // namespace sosasim
