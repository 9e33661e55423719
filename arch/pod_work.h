// The protocol between a pod and its work source (the system controller), in plain C++: the
// ops a pod is handed and what it reports of them.
//
// All calls at the current cycle:
//   peek(pod, t)   -> the next op and whether its operands are on chip, asked for cycle t (the
//                     current cycle; the reference array asks for the cycle it simulates, one
//                     behind);
//   started(...)   when the op is issued to the array (its timing is then fixed);
//   finished(...)  when its last result has left the array, with that cycle; an op the source
//                  marked `late_finish` may be reported at a later step of the pod (before the
//                  pod's next op that is not so marked is reported): the source marks an op so
//                  only when nothing can observe its finish before then, which spares the fast
//                  pod a wake-up per op;
//   ask_ahead(...) when the fast pod has issued an op: when to peek for the next;
//   accounted(...) once per op, with its final timing, when the pod has counted its stalls (at
//                  issue for the fast pod, at finish, before finished(), for the reference array).
// When peek says the operands are not there yet, the source calls wake() once they are. A source
// may answer a reference pod Ready with its tiles' arrival times still kUnknown (they are on
// their way through the router engines); it then calls update_arrivals() as soon as it knows
// them, which is before the array could use them. The fast pod times an op from the cycle its
// tiles were requested (PodOp::requested), so learning the arrival times late changes nothing.
#pragma once

#include <cstdint>

#include "arch/pod_timing.h"

namespace sosasim {

struct PodOp {
  std::uint64_t layer = 0;        // index of the layer in the run
  std::uint64_t useful_macs = 0;  // MACs of the unpadded tile
  std::uint64_t op_index = 0;     // index of the op within the layer
  std::uint64_t weight_key = 0;   // identifies the weight tile across the whole run
  std::uint64_t stream_rows = 0;  // rows of X streamed
  std::uint64_t operands_ready = 0;  // cycle from which weights and inputs are on chip (a weight load may begin)
  std::uint64_t weights_arrive = 0;  // first cycle its weight load may begin: the W tile's head reached the pod
  std::uint64_t stream_ready = 0;    // first cycle X rows may stream: the X tile's head reached the pod
  // The cycle the pod asked for the op's tiles, when the work source times their transfers
  // (kNoRequest: the op is issued when asked). Stall accounting counts from there.
  std::uint64_t requested = kNoRequest;
  static constexpr std::uint64_t kNoRequest = UINT64_MAX;
  static constexpr std::uint64_t kUnknown = UINT64_MAX;  // an arrival not known yet (reference pods only)
  // The tile's shape, decoded once by the work source for its own bookkeeping.
  std::int64_t k_rows = 0, n_cols = 0, k_part = 0;
  std::uint64_t weight_tile = 0;  // index within the layer
  bool late_finish = false;  // finished() may come later than the finish (see the protocol above)
};

// What the work source is told of an op when it finishes.
struct OpDone {
  std::uint64_t layer = 0;
  std::uint64_t op_index = 0;
  std::uint64_t weight_tile = 0;
  std::uint64_t stream_rows = 0;
  std::int64_t n_cols = 0;
};

inline OpDone done_of(const PodOp& op) { return OpDone{op.layer, op.op_index, op.weight_tile, op.stream_rows, op.n_cols}; }

enum class PeekResult { Ready, Waiting, Idle };

class PodWorkSource {
 public:
  virtual ~PodWorkSource() = default;
  virtual PeekResult peek(int pod, std::uint64_t cycle, PodOp& op) = 0;
  virtual void started(int pod, const PodOp& op, const OpTiming& timing) = 0;
  virtual void finished(int pod, const OpDone& op, std::uint64_t cycle) = 0;
  // The fast pod will next peek at `cycle`. A source that can already tell that peek(pod, cycle)
  // would not be Ready before a later cycle returns that cycle (doing now what the peek would
  // have done then), and the pod peeks no earlier: one wake-up less per op.
  virtual std::uint64_t ask_ahead(int /*pod*/, std::uint64_t cycle) { return cycle; }
  // The op's final timing (the reference array's started() has only a provisional one), and how
  // long the pod's X port waited for the op's weight load and for its input tile before it
  // streamed (the pod's weight_load_stall_cycles and input_network_stall_cycles, op by op).
  virtual void accounted(int /*pod*/, const PodOp& /*op*/, const OpTiming& /*timing*/,
                         std::uint64_t /*weight_load_stall*/, std::uint64_t /*input_network_stall*/) {}
};

}  // namespace sosasim
