#include "arch/dram_module.h"

#include "sim/kernel/sc/sc_cycles.h"

#include <algorithm>
#include <cmath>

namespace sosasim {

DramModule::DramModule(sc_core::sc_module_name name, double bytes_per_cycle, std::uint64_t latency_cycles,
                       DramListener& listener)
    : sc_core::sc_module(name),
      bytes_per_cycle_(bytes_per_cycle),
      latency_cycles_(latency_cycles),
      listener_(listener) {
  SC_METHOD(step);
  sensitive << wake_event_;
  dont_initialize();
}

void DramModule::request(double bytes, std::uint64_t tag) {
  waiting_.emplace_back(bytes, tag);
  wake_event_.notify(sc_core::SC_ZERO_TIME);
}

void DramModule::step() {
  const std::uint64_t cycle = now_cycle();
  while (!on_way_.empty() && on_way_.front().first <= cycle) {
    std::uint64_t tag = on_way_.front().second;
    on_way_.pop_front();
    listener_.dram_done(tag, cycle);
  }
  // Requests queued at this cycle take the channel in order.
  while (!waiting_.empty()) {
    auto [bytes, tag] = waiting_.front();
    waiting_.pop_front();
    double begin = std::max(channel_free_, static_cast<double>(cycle));
    double duration = bytes / bytes_per_cycle_;
    channel_free_ = begin + duration;
    stats_.busy_cycles += duration;
    stats_.bytes += bytes;
    ++stats_.requests;
    auto arrival = static_cast<std::uint64_t>(std::ceil(channel_free_ - 1e-9)) + latency_cycles_;
    on_way_.emplace_back(std::max(arrival, cycle + 1), tag);
  }
  if (!on_way_.empty())
    wake_event_.notify(cycles(on_way_.front().first - cycle));
}

}  // namespace sosasim
