// SystemC scenario: clients timed through a WakeQueue step at exactly the cycles they would with
// their own sc_events. Each client has two twins driven by the same random script: one notifies
// its own event (timed, and sometimes at the next delta), the other asks the queue (at(), and
// cancel() with a delta notification); both logs of step cycles must be equal. Delays reach past
// the queue's wheel so its far heap is used too. A separate executable: SystemC elaborates once
// per process.
#include <iostream>
#include <memory>
#include <random>
#include <vector>

#include <systemc>

#include "arch/wake_queue.h"
#include "sim/kernel/sc/sc_cycles.h"

using namespace sosasim;

namespace {

constexpr int kSteps = 300;  // per twin

class Twin : public sc_core::sc_module, public WakeClient {
 public:
  SC_HAS_PROCESS(Twin);
  Twin(sc_core::sc_module_name name, unsigned seed, WakeQueue* queue)
      : sc_core::sc_module(name), random_(seed), queue_(queue) {
    if (queue_) id_ = queue_->add(*this);
    SC_METHOD(step);
    sensitive << event_;
  }
  void wake_step() override { step(); }
  std::vector<std::uint64_t> log;

 private:
  void step() {
    if (log.size() >= kSteps) return;
    const std::uint64_t now = now_cycle();
    log.push_back(now);
    const int wakeups = std::uniform_int_distribution<int>(1, 3)(random_);
    for (int i = 0; i < wakeups; ++i) {
      // mostly near, sometimes past the wheel (1024 cycles)
      const std::uint64_t delay = std::uniform_int_distribution<int>(0, 9)(random_) == 0
                                      ? std::uniform_int_distribution<std::uint64_t>(1000, 5000)(random_)
                                      : std::uniform_int_distribution<std::uint64_t>(1, 40)(random_);
      if (queue_) queue_->at(id_, now + delay);
      else event_.notify(cycles(delay));
    }
    if (std::uniform_int_distribution<int>(0, 19)(random_) == 0) {  // step again at the next delta
      if (queue_) queue_->cancel(id_);
      event_.notify(sc_core::SC_ZERO_TIME);
    }
  }

  std::mt19937_64 random_;
  WakeQueue* queue_;
  int id_ = 0;
  sc_core::sc_event event_;
};

}  // namespace

int sc_main(int, char*[]) {
  WakeQueue queue("queue");
  std::vector<std::unique_ptr<Twin>> own, queued;
  for (unsigned c = 0; c < 40; ++c) {
    own.push_back(std::make_unique<Twin>(("own_" + std::to_string(c)).c_str(), 1000 + c, nullptr));
    queued.push_back(std::make_unique<Twin>(("queued_" + std::to_string(c)).c_str(), 1000 + c, &queue));
  }
  sc_core::sc_start();
  std::size_t steps = 0;
  for (std::size_t c = 0; c < own.size(); ++c) {
    steps += own[c]->log.size();
    if (own[c]->log != queued[c]->log || own[c]->log.size() != kSteps) {
      std::cerr << "client " << c << ": " << own[c]->log.size() << " own steps, " << queued[c]->log.size()
                << " through the queue; they differ\n";
      return 1;
    }
  }
  std::cout << steps << " steps of " << own.size() << " clients agree\n";
  return 0;
}
