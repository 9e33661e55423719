// A Chrome / Perfetto trace-event timeline of a run (`sosasim run --timeline FILE.json`). Groups
// (trace-event processes): pods (each pod's tile ops, and its weight loads on a track of their
// own), DRAM (each request from issue to arrival), layers (one lane per workload), networks (one
// lane per network), and counters (busy pods, DRAM bandwidth, each network's bytes per cycle).
//
// The format does not support slices that overlap on a track without nesting, and a lane's
// spans do overlap (a pod's next op starts streaming before the last drains; many transfers are
// in flight on a network), so each lane is drawn as as many tracks as it needs: a span goes on
// the lane's first track that is free at its start, a new track when none is
// (scripts/check_timeline.py checks the rules). Spans are written as they happen, so memory
// grows only with the tracks and the counters' buckets (at most kMaxBuckets per counter); the
// file grows by about 150 bytes a span. Time is in cycles, shown as nanoseconds at 1 GHz.
#pragma once

#include <cstdint>
#include <fstream>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace sosasim {

class Timeline {
 public:
  // An empty path: a timeline that records nothing and costs nothing.
  explicit Timeline(const std::string& path);
  ~Timeline();
  Timeline(const Timeline&) = delete;
  Timeline& operator=(const Timeline&) = delete;

  bool enabled() const { return out_.is_open(); }
  // Names a group and, given its lane number, each of its lanes' tracks.
  void name_group(int group, const std::string& name, std::function<std::string(int)> lane_name = {});
  // A span on lane `lane` of `group` from `start` for `cycles`.
  void span(int group, int lane, const std::string& name, std::uint64_t start, std::uint64_t cycles,
            const std::string& args_json = "");
  // A counter drawn as its mean per cycle over buckets of cycles, times `scale` (in `unit`).
  int add_counter(const std::string& name, double scale);
  // Adds `amount` to a counter, spread evenly over [start, start + cycles); all of it in the
  // start's bucket when cycles is 0.
  void count(int counter, double start, double cycles, double amount);

  static constexpr std::size_t kMaxBuckets = 1 << 15;

 private:
  struct Lane {
    std::vector<std::uint64_t> free_from;  // per track: the end of its last span
    std::vector<int> tids;
  };
  struct Counter {
    std::string name;
    double scale;
    std::vector<double> buckets;
  };
  int track(int group, int lane, std::uint64_t start, std::uint64_t end);
  void add_to_bucket(Counter& counter, std::size_t bucket, double amount);
  void write_counters();

  std::ofstream out_;
  bool first_ = true;
  std::map<int, std::function<std::string(int)>> lane_names_;
  std::map<std::pair<int, int>, Lane> lanes_;
  std::map<int, int> next_tid_;
  std::vector<Counter> counters_;
  double bucket_cycles_ = 64;  // doubles whenever a counter would need more than kMaxBuckets
};

enum TimelineGroup {
  kTimelinePods = 1,
  kTimelineDram = 2,
  kTimelineLayers = 3,
  kTimelineNetworks = 4,
  kTimelineCounters = 5
};

// The pods group's lanes: a pod's tile ops and its weight loads.
inline int pod_ops_lane(int pod) { return 2 * pod; }
inline int pod_weights_lane(int pod) { return 2 * pod + 1; }
// The networks group's lanes: the transfers of one network to one pod.
inline int network_lane(int network, int pod) { return network * 65536 + pod; }

}  // namespace sosasim
