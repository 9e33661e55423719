#include "sim/system/timeline.h"

#include <filesystem>

#include <nlohmann/json.hpp>

#include "sim/kernel/errors.h"

namespace sosasim {

Timeline::Timeline(const std::string& path) {
  if (path.empty()) return;
  std::error_code ignored;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ignored);
  out_.open(path);
  if (!out_) throw ConfigError(SourceLocation{path, 0, ""}, "", "cannot write the timeline file");
  out_ << "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n";
  name_group(kTimelinePods, "pods");
  name_group(kTimelineDram, "DRAM");
  name_group(kTimelineLayers, "layers");
  name_group(kTimelineNetworks, "networks (lane 0: X, 1: W)");
}

Timeline::~Timeline() {
  if (out_.is_open()) out_ << "\n]}\n";
}

void Timeline::name_group(int group, const std::string& name) {
  if (!enabled()) return;
  out_ << (first_ ? "" : ",\n") << R"({"ph":"M","name":"process_name","pid":)" << group
       << R"(,"args":{"name":)" << nlohmann::json(name).dump() << "}}";
  first_ = false;
}

void Timeline::span(int group, int lane, const std::string& name, std::uint64_t start, std::uint64_t cycles,
                    const std::string& args_json) {
  if (!enabled()) return;
  // Trace-event time is in microseconds: a cycle is shown as a nanosecond.
  out_ << (first_ ? "" : ",\n") << R"({"ph":"X","pid":)" << group << R"(,"tid":)" << lane
       << R"(,"name":)" << nlohmann::json(name).dump() << R"(,"ts":)" << static_cast<double>(start) / 1000.0
       << R"(,"dur":)" << static_cast<double>(cycles) / 1000.0;
  if (!args_json.empty()) out_ << R"(,"args":)" << args_json;
  out_ << "}";
  first_ = false;
}

}  // namespace sosasim
