// The barrier dispatch policy (scheduler `layer_static`): one layer at a time, in run order; when
// a layer is released every pod takes its own range of its ops (Scheduler::ops_for_pod over all
// pods) once, and the next layer waits until this one is done.
#include <set>

#include "sim/kernel/spec.h"
#include "sim/system/dispatch.h"

namespace sosasim {

namespace {

class BarrierDispatch : public Dispatch {
 public:
  explicit BarrierDispatch(const DispatchContext& context) : Dispatch(context), claimed_(pods(), SIZE_MAX) {}

  void released(std::size_t task, std::uint64_t) override {
    open_.insert(task);
    for (std::size_t p = 0; p < pods(); ++p) context_.host.wake(static_cast<int>(p));
  }

  bool claim(int pod, std::uint64_t) override {
    const auto p = static_cast<std::size_t>(pod);
    if (open_.empty()) return false;
    const std::size_t task = *open_.begin();
    if (claimed_[p] == task) return false;  // this pod's share of the layer is done
    claimed_[p] = task;
    const OpRange range = context_.scheduler.ops_for_pod(context_.tasks[task].plan, pod, context_.config.pods);
    if (range.empty()) return false;
    cursor_[p] = range;
    task_[p] = task;
    return true;
  }

  void completed(std::size_t task, std::uint64_t) override { open_.erase(task); }
  bool barrier() const override { return true; }

 private:
  std::set<std::size_t> open_;      // the released layer (one at a time)
  std::vector<std::size_t> claimed_;  // per pod: the last task it claimed
};

const DispatchRegistration kBarrier{"layer_barrier",
                                    [](const DispatchContext& context) { return std::make_unique<BarrierDispatch>(context); }};

}  // namespace

}  // namespace sosasim
