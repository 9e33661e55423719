// Dispatch: how a scheduler's plan reaches the pods at run time. A dispatch policy releases
// layers, hands each pod its next range of ops when it asks, orders each layer's weight fetch the
// way its pods will use the tiles, and says when a layer whose ops have all finished is done.
// Each scheduler names its policy (Scheduler::dispatch_policy); policies register here by name,
// one file each:
//   dynamic        (dispatch_dynamic.cpp): no barriers; a pod takes its chunk of any ready layer;
//   layer_barrier  (dispatch_barrier.cpp): one layer at a time, a range of its ops per pod;
//   lockstep_rounds (dispatch_rounds.cpp): SOSA's greedy rounds, placed as layers are released.
// Plain C++; the SystemC controller calls them (sim/system/system.cpp).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/system/layer_tasks.h"
#include "sim/system/operand_fetch.h"
#include "sim/system/result.h"
#include "sim/system/system_host.h"
#include "tiling/scheduler.h"

namespace sosasim {

class NetworkSet;
struct PodOp;
struct SimConfig;

// What a policy reads and whom it tells.
struct DispatchContext {
  const SimConfig& config;
  const Scheduler& scheduler;
  TaskGraph& tasks;
  const OperandFetch& fetch;
  const NetworkSet& networks;
  SimulationResult& result;
  SystemHost& host;
};

class Dispatch : public FetchListener {
 public:
  explicit Dispatch(const DispatchContext& context);

  // The run begins (cycle 0), after the first fetches and releases.
  virtual void start() {}
  // Task `task`'s dependencies are done: it may run from `cycle` on.
  virtual void released(std::size_t task, std::uint64_t cycle) = 0;
  // Pod `pod`, out of ops at `cycle`, gets its next range (cursor(pod)); false: nothing for it.
  virtual bool claim(int pod, std::uint64_t cycle) = 0;
  // Pod `pod` found nothing to claim at `cycle`.
  virtual void idle(int /*pod*/, std::uint64_t /*cycle*/) {}
  // The task and op at `position` of pod `pod`'s current range.
  struct OpRef {
    std::size_t task;
    std::uint64_t op;
  };
  // (Asked on every peek: a policy that keeps its own op lists sets `listed_` and answers listed_op.)
  OpRef op_at(int pod, std::uint64_t position) const {
    return listed_ ? listed_op(pod, position) : OpRef{task_[static_cast<std::size_t>(pod)], position};
  }
  // Whether op `op` may be handed to pod `pod` now (`op` filled so far; a policy may delay its
  // operands_ready). False: the policy wakes the pod when it may. Asked only when gates().
  virtual bool admit(int /*pod*/, PodOp& /*op*/) { return true; }
  bool gates() const { return gates_; }
  // All of `task`'s ops finished, the last at `cycle`: when it is done (nullopt: the policy
  // completes it later through SystemHost::complete).
  virtual std::optional<std::uint64_t> ops_finished(std::size_t /*task*/, std::uint64_t cycle) { return cycle; }
  // Task `task` completed at `cycle` (its dependents released).
  virtual void completed(std::size_t task, std::uint64_t cycle) = 0;
  // The policy's process (SystemHost::dispatch_at).
  virtual void tick(std::uint64_t /*now*/) {}
  // Cycles at the end of the run that are not counted (SOSA's simulator skips its last round).
  virtual std::optional<std::uint64_t> uncounted_tail() const { return std::nullopt; }

  // Transfers are reserved by the policy (rounds), not booked per op by the tile transport.
  virtual bool reserves_routes() const { return false; }
  // Layers run behind barriers: every pod waits for a layer's end.
  virtual bool barrier() const { return false; }
  // An op's finish may be reported late when the pod's next op uses the same weight tile.
  virtual bool late_finish() const { return true; }

  OpRange& cursor(int pod) { return cursor_[static_cast<std::size_t>(pod)]; }
  const OpRange& cursor(int pod) const { return cursor_[static_cast<std::size_t>(pod)]; }

  // FetchListener: by default the order of pods that each run a contiguous chunk of a layer.
  std::vector<std::uint32_t> fetch_order(std::size_t task) const override;

 protected:
  std::uint64_t chunk_count(std::size_t task) const;
  std::size_t pods() const { return cursor_.size(); }

  DispatchContext context_;
  std::vector<OpRange> cursor_;    // per pod: the ops left in its current range
  std::vector<std::size_t> task_;  // per pod: the task of its range
  bool listed_ = false;  // ops come from the policy's own lists (listed_op)
  bool gates_ = false;   // admit() may refuse an op
  virtual OpRef listed_op(int /*pod*/, std::uint64_t /*position*/) const { return {0, 0}; }
};

using DispatchFactory = std::function<std::unique_ptr<Dispatch>(const DispatchContext&)>;

// The policy the scheduler names.
std::unique_ptr<Dispatch> make_dispatch(const DispatchContext& context);

struct DispatchRegistration {
  DispatchRegistration(const std::string& name, DispatchFactory factory);
};

}  // namespace sosasim
