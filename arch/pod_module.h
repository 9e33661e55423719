// The pod as a SystemC module: one r x c weight-stationary systolic array with double-buffered
// weights, executing the tile ops its work source hands it, timed by the fast per-op model of
// arch/pod_timing.h. Stepped at the cycles it asks for by the system's WakeQueue (one SystemC
// process for all pods' timed wake-ups: arch/wake_queue.h), and by its own SC_METHOD when the
// work source wakes it within a cycle. The protocol with the work source is in arch/pod_work.h.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include <systemc>

#include "arch/pe_array_reference.h"
#include "arch/pod_stats.h"
#include "arch/pod_timing.h"
#include "arch/pod_work.h"
#include "arch/wake_queue.h"
#include "sim/kernel/ring.h"

namespace sosasim {

class PodModule : public sc_core::sc_module, public WakeClient {
 public:
  SC_HAS_PROCESS(PodModule);
  // `reference`: time the ops on the cycle-by-cycle reference PE array instead of the fast model
  // (weight-stationary, timing only); both follow the same rules and give the same cycles.
  // `clock` steps the pod at the cycles it asks for (one per system: see wake_queue.h); wake()
  // steps it through its own SC_METHOD.
  PodModule(sc_core::sc_module_name name, int pod_id, const ArrayShape& array, PodWorkSource& source,
            WakeQueue& clock, bool reference = false);

  // Operands the pod was waiting for have arrived; called by the work source.
  void wake();
  // Steps the pod at `cycle` (> now), for a source that knows when its answer will change. The
  // pod keeps the earliest such cycle and re-arms it after every step before it (an earlier
  // pending notification replaces a later one).
  void wake_at(std::uint64_t cycle);
  // The work source may answer differently from peeks at `cycle` on: the pod asks again then
  // (the reference array, which asks one cycle behind, a cycle later).
  void offer_from(std::uint64_t cycle);
  // Reference fidelity: when the tiles of the op it took last reach it (see the protocol above).
  void update_arrivals(std::uint64_t weights_arrive, std::uint64_t stream_ready);
  const PodStats& stats() const { return stats_; }

 private:
  void step();  // the SC_METHOD (delta wake-ups), and at the clock's timed ones
  void wake_step() override { step(); }
  void reference_step(std::uint64_t cycle);
  void account(const PodOp& op, const OpTiming& timing, std::uint64_t stall_from);
  std::uint64_t now() const;

  std::uint64_t pending_alarm(std::uint64_t cycle);

  // What every step reads, together (a few cache lines per pod); the reference array's state
  // and the SystemC event, which the fast pod rarely touches, after it.
  PodWorkSource& source_;
  WakeQueue& clock_;
  int pod_id_;
  int clock_id_ = 0;
  std::uint64_t next_issue_cycle_ = 0;  // the shadow buffer (or the array) frees
  std::vector<std::uint64_t> alarms_;   // wake_at() cycles not yet reached, ascending (a few)
  std::uint64_t busy_until_ = 0;        // end of the union of [start, finish) so far
  std::unique_ptr<IncrementalArray> reference_;  // reference fidelity: the array cycle by cycle
  struct InFlight {
    std::uint64_t finish = 0;
    bool late = false;  // PodOp::late_finish
    OpDone op;
  };
  Ring<InFlight> in_flight_;  // in finish order
  PodTimingState timing_;
  ArrayShape array_;
  PodStats stats_;
  bool woken_ = false;  // the work source called wake() since the last step
  sc_core::sc_event wake_event_;
  // Reference fidelity: the array simulated up to (not including) reference_cycle_.
  std::vector<PodOp> reference_ops_;  // in the order pulled
  std::vector<std::uint64_t> reference_pulled_at_;
  std::uint64_t reference_port_free_ = 0;
  std::uint64_t reference_cycle_ = 0;
  std::uint64_t reference_key_ = kNoWeightTile;  // weights of the last op pulled
};

}  // namespace sosasim
