// Off-chip DRAM as a SystemC module: one channel that serves requests first come, first served
// at a fixed bandwidth, plus a fixed latency. A request of b bytes occupies the channel for
// b / bandwidth cycles (fractional cycles carry over to the next request, so the sustained rate
// is exact); its data is on chip at the first whole cycle after the transfer ends, plus the
// latency. One SC_METHOD, woken by timed events.
#pragma once

#include <cstdint>
#include <deque>

#include <systemc>

namespace sosasim {

class DramListener {
 public:
  virtual ~DramListener() = default;
  // Request `tag` has arrived on chip at `cycle`.
  virtual void dram_done(std::uint64_t tag, std::uint64_t cycle) = 0;
};

struct DramStats {
  std::uint64_t requests = 0;
  double bytes = 0;
  double busy_cycles = 0;  // channel occupancy
};

class DramModule : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(DramModule);
  DramModule(sc_core::sc_module_name name, double bytes_per_cycle, std::uint64_t latency_cycles,
             DramListener& listener);

  // Queues a request at the current cycle.
  void request(double bytes, std::uint64_t tag);
  const DramStats& stats() const { return stats_; }
  // The last cycle at which a queued request will have arrived (0: none in flight).
  std::uint64_t busy_until() const { return on_way_.empty() ? 0 : on_way_.back().first; }

 private:
  void step();  // the SC_METHOD

  double bytes_per_cycle_;
  std::uint64_t latency_cycles_;
  DramListener& listener_;
  double channel_free_ = 0;  // cycle (fractional) at which the channel finishes its queued work
  std::deque<std::pair<double, std::uint64_t>> waiting_;       // (bytes, tag), not yet on the channel
  std::deque<std::pair<std::uint64_t, std::uint64_t>> on_way_;  // (arrival cycle, tag)
  DramStats stats_;
  sc_core::sc_event wake_event_;
};

}  // namespace sosasim
