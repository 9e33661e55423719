#include "sim/system/timeline.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iomanip>

#include <nlohmann/json.hpp>

#include "sim/kernel/errors.h"

namespace sosasim {

namespace {

// Trace-event time is in microseconds: a cycle is shown as a nanosecond.
double microseconds(double cycles) { return cycles / 1000.0; }

}  // namespace

Timeline::Timeline(const std::string& path) {
  if (path.empty()) return;
  std::error_code ignored;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ignored);
  out_.open(path);
  if (!out_) throw ConfigError(SourceLocation{path, 0, ""}, "", "cannot write the timeline file");
  out_ << std::setprecision(15) << "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n";
  name_group(kTimelinePods, "pods", [](int lane) {
    return "pod " + std::to_string(lane / 2) + (lane % 2 == 0 ? " ops" : " weight loads");
  });
  name_group(kTimelineDram, "DRAM", [](int) { return std::string("channel"); });
  name_group(kTimelineLayers, "layers", [](int lane) { return "workload " + std::to_string(lane); });
  name_group(kTimelineNetworks, "networks", [](int lane) {
    static const char* const kNames[3] = {"X to pod ", "W to pod ", "partial sums to pod "};
    const int network = lane / network_lane(1, 0);
    return (network < 3 ? std::string(kNames[network]) : "network " + std::to_string(network) + " to pod ") +
           std::to_string(lane % network_lane(1, 0));
  });
  name_group(kTimelineCounters, "counters");
}

Timeline::~Timeline() {
  if (!out_.is_open()) return;
  write_counters();
  out_ << "\n]}\n";
}

void Timeline::name_group(int group, const std::string& name, std::function<std::string(int)> lane_name) {
  if (!enabled()) return;
  out_ << (first_ ? "" : ",\n") << R"({"ph":"M","name":"process_name","pid":)" << group
       << R"(,"args":{"name":)" << nlohmann::json(name).dump() << "}}";
  out_ << ",\n" << R"({"ph":"M","name":"process_sort_index","pid":)" << group << R"(,"args":{"sort_index":)" << group
       << "}}";
  first_ = false;
  if (lane_name) lane_names_[group] = std::move(lane_name);
}

int Timeline::track(int group, int lane, std::uint64_t start, std::uint64_t end) {
  Lane& tracks = lanes_[{group, lane}];
  for (std::size_t t = 0; t < tracks.free_from.size(); ++t) {
    if (tracks.free_from[t] <= start) {
      tracks.free_from[t] = end;
      return tracks.tids[t];
    }
  }
  // A new track: the lane's name (with its number after the first), sorted after its siblings.
  const std::size_t index = tracks.free_from.size();
  const int tid = next_tid_[group]++;
  tracks.free_from.push_back(end);
  tracks.tids.push_back(tid);
  auto namer = lane_names_.find(group);
  std::string name = namer != lane_names_.end() ? namer->second(lane) : "lane " + std::to_string(lane);
  if (index > 0) name += " (" + std::to_string(index + 1) + ")";
  const long long sort_index = static_cast<long long>(lane) * 4096 + static_cast<long long>(std::min<std::size_t>(index, 4095));
  out_ << ",\n" << R"({"ph":"M","name":"thread_name","pid":)" << group << R"(,"tid":)" << tid
       << R"(,"args":{"name":)" << nlohmann::json(name).dump() << "}}";
  out_ << ",\n" << R"({"ph":"M","name":"thread_sort_index","pid":)" << group << R"(,"tid":)" << tid
       << R"(,"args":{"sort_index":)" << sort_index << "}}";
  return tid;
}

void Timeline::span(int group, int lane, const std::string& name, std::uint64_t start, std::uint64_t cycles,
                    const std::string& args_json) {
  if (!enabled()) return;
  const int tid = track(group, lane, start, start + cycles);
  out_ << (first_ ? "" : ",\n") << R"({"ph":"X","pid":)" << group << R"(,"tid":)" << tid
       << R"(,"name":)" << nlohmann::json(name).dump() << R"(,"ts":)" << microseconds(static_cast<double>(start))
       << R"(,"dur":)" << microseconds(static_cast<double>(cycles));
  if (!args_json.empty()) out_ << R"(,"args":)" << args_json;
  out_ << "}";
  first_ = false;
}

int Timeline::add_counter(const std::string& name, double scale) {
  counters_.push_back(Counter{name, scale, {}});
  return static_cast<int>(counters_.size()) - 1;
}

void Timeline::add_to_bucket(Counter& counter, std::size_t bucket, double amount) {
  while (bucket >= kMaxBuckets) {  // coarser buckets for every counter, so their samples align
    for (Counter& each : counters_) {
      std::vector<double> merged((each.buckets.size() + 1) / 2, 0.0);
      for (std::size_t b = 0; b < each.buckets.size(); ++b) merged[b / 2] += each.buckets[b];
      each.buckets = std::move(merged);
    }
    bucket_cycles_ *= 2;
    bucket /= 2;
  }
  if (counter.buckets.size() <= bucket) counter.buckets.resize(bucket + 1, 0.0);
  counter.buckets[bucket] += amount;
}

void Timeline::count(int counter_id, double start, double cycles, double amount) {
  if (!enabled() || amount == 0) return;
  Counter& counter = counters_[static_cast<std::size_t>(counter_id)];
  if (cycles <= 0) {
    add_to_bucket(counter, static_cast<std::size_t>(start / bucket_cycles_), amount);
    return;
  }
  const double end = start + cycles;
  const double per_cycle = amount / cycles;
  double from = start;
  while (from < end) {
    // Buckets may coarsen inside add_to_bucket: read the width each step.
    const auto bucket = static_cast<std::size_t>(from / bucket_cycles_);
    const double bucket_end = std::min(end, static_cast<double>(bucket + 1) * bucket_cycles_);
    add_to_bucket(counter, bucket, per_cycle * (bucket_end - from));
    from = std::max(bucket_end, std::nextafter(from, end));
  }
}

void Timeline::write_counters() {
  for (const Counter& counter : counters_) {
    for (std::size_t b = 0; b <= counter.buckets.size(); ++b) {  // and a last sample of zero
      const double value = b < counter.buckets.size() ? counter.buckets[b] / bucket_cycles_ * counter.scale : 0.0;
      out_ << (first_ ? "" : ",\n") << R"({"ph":"C","pid":)" << kTimelineCounters << R"(,"name":)"
           << nlohmann::json(counter.name).dump() << R"(,"ts":)"
           << microseconds(static_cast<double>(b) * bucket_cycles_) << R"(,"args":{"value":)" << value << "}}";
      first_ = false;
    }
  }
}

}  // namespace sosasim
