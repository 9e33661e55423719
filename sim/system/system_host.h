// What the controller's units ask of the SystemC controller that wires them: the current cycle,
// stepping pods, running its processes at a later cycle, DRAM requests and layer completion.
// The units themselves are plain C++; a unit test implements this interface with a recorder.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sosasim {

class SystemHost {
 public:
  virtual ~SystemHost() = default;
  virtual std::uint64_t now() const = 0;
  virtual std::size_t pod_count() const = 0;
  // Step pod `pod` within this cycle (it peeks again).
  virtual void wake(int pod) = 0;
  // Step pod `pod` at `cycle`.
  virtual void wake_at(int pod, std::uint64_t cycle) = 0;
  // An idle pod may claim work again from `cycle` on.
  virtual void offer_from(int pod, std::uint64_t cycle) = 0;
  // A reference pod that took an op before its tiles arrived learns their arrival times.
  virtual void update_arrivals(int pod, std::uint64_t weights_ready, std::uint64_t stream_ready) = 0;
  // Run the booking process (transfers, router engines) at `cycle` (>= now).
  virtual void book_at(std::uint64_t cycle) = 0;
  // Run the dispatch policy's process (Dispatch::tick) at `cycle` (>= now; now: in the next delta).
  virtual void dispatch_at(std::uint64_t cycle) = 0;
  // Run the completion process (KReduction::complete_due) at `cycle` (> now).
  virtual void complete_at(std::uint64_t cycle) = 0;
  // Ask DRAM for `bytes`; it calls back with `tag` when they are in (OperandFetch::arrived).
  virtual void dram_request(double bytes, std::uint64_t tag) = 0;
  // Task `task` is done at `cycle`.
  virtual void complete(std::size_t task, std::uint64_t cycle) = 0;
};

}  // namespace sosasim
