// The reference PE array: an r x c systolic array simulated one cycle at a time, moving operand
// values and partial sums through PE registers (DESIGN.md section 2, "reference").
//
// Weight-stationary (also used for IS, on the transposed GEMM):
// - Each PE has two weight registers (one when single-buffered) and one register of the load
//   chain. A stationary tile is loaded by shifting it down each column's load chain, one row per
//   cycle, column j delayed by j cycles (cycles L + j .. L + j + r - 1 of a load begun at L); at
//   the last shift the column's chain is copied into the weight buffer the op will use.
// - Row m of the streamed operand enters PE(i, 0) at cycle s + m + i and moves one PE right per
//   cycle, carrying the op's buffer select; partial sums enter PE(0, j) at s + m + j from the
//   P bank and move one PE down per cycle; PE(i, j) does psum += x * w in the configured format.
//   A result leaves the bottom of column j at the end of cycle s + m + r - 1 + j; an op has
//   finished when its last row has left column c - 1 (the output de-skew buffer completes it).
// - Controller (the same rules as the fast model): op k loads its tile into the free buffer at
//   the first cycle its weights are on chip and that buffer is free (double-buffered: op k-1 has
//   started; single: op k-1 has finished); it starts streaming when the load is done and op k-1
//   has streamed its last row. Consecutive ops on the same tile skip the load.
// Output-stationary: PE(i, j) accumulates output (i, j); row i of X enters PE(i, 0) at s + k + i,
//   column j of W enters PE(0, j) at s + k + j; they meet at PE(i, j) at s + k + i + j.
//
// Every PE checks, each cycle, that the weights it uses belong to the op whose value it holds
// and that the partial sum it receives is the one it expects; a violation is a ModelError. So
// the timing rules are checked by moving data, not assumed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "arch/numerics.h"
#include "arch/pod_timing.h"

namespace sosasim {

// One tile op as the array sees it. WS/IS: `stationary` is used_rows x used_cols (row i of the
// array, column j), `stream` is stream_len x used_rows. OS: `stationary` is the W chunk
// (stream_len x used_cols), `stream` the X chunk (used_rows x stream_len).
struct ReferenceOp {
  std::uint64_t stationary_tile = 0;  // WS/IS: tile identity, equal ids skip the load
  std::int64_t stream_len = 0;        // T
  std::int64_t used_rows = 0;         // <= r
  std::int64_t used_cols = 0;         // <= c
  std::uint64_t operands_ready = 0;   // cycle the operands are on chip
  std::uint64_t stream_ready = 0;     // first cycle its stream may enter (its input tile has arrived)
  std::int64_t k_offset = 0;          // global reduction index of array row 0 (WS/IS) or of stream step 0 (OS)
  std::int64_t k_total = 1;           // K of the GEMM, for BFP block ends
  std::vector<Operand> stationary;    // functional data; empty for timing-only runs
  std::vector<Operand> stream;
  // Partial sums come from the P bank, written there by op `psum_source` (an earlier op of the
  // same run with the same output shape, e.g. the previous K tile), or start at zero (-1).
  // Reading a partial sum before its producer has written it is a ModelError.
  std::int64_t psum_source = -1;
  std::vector<PartialSum> psum_out;   // filled by run(): WS/IS stream_len x used_cols; OS used_rows x used_cols
};

class ReferenceArray {
 public:
  // `numerics` may be null: then only timing is simulated (values are not computed).
  ReferenceArray(const ArrayShape& array, const Numerics* numerics);

  // Runs `ops` in order from cycle 0 to the last result; returns each op's timing.
  std::vector<OpTiming> run(std::vector<ReferenceOp>& ops);

  // PE-cycles simulated so far (r * c per simulated cycle).
  std::uint64_t pe_cycles() const { return pe_cycles_; }

 private:
  std::vector<OpTiming> run_weight_stationary(std::vector<ReferenceOp>& ops);
  std::vector<OpTiming> run_output_stationary(std::vector<ReferenceOp>& ops);

  ArrayShape array_;
  const Numerics* numerics_;
  std::uint64_t pe_cycles_ = 0;
};

class WsCore;

// The weight-stationary reference array fed op by op, for a pod module at reference fidelity
// (timing only). step(t) simulates cycle t; when the pod would issue its next op (the first op,
// or the previous one has started with double-buffered weights / finished without, as the fast
// pod module does), it calls pull(t, op), which fills `op` and returns true when the pod has one. Cycles must be stepped in
// order; cycles may be skipped only while the array is idle.
class IncrementalArray {
 public:
  struct Event {
    std::size_t op;   // in the order pulled since the last skip_idle()
    OpTiming timing;  // as observed
  };
  using Pull = std::function<bool(std::uint64_t cycle, ReferenceOp& op)>;

  explicit IncrementalArray(const ArrayShape& array);
  ~IncrementalArray();
  IncrementalArray(const IncrementalArray&) = delete;
  IncrementalArray& operator=(const IncrementalArray&) = delete;

  void step(std::uint64_t cycle, const Pull& pull);
  bool busy() const;                    // an op pulled and not finished
  // The last op pulled learns when its operands and input arrive (they were not known yet);
  // call before the array could have used them.
  void update_last(std::uint64_t operands_ready, std::uint64_t stream_ready);
  // Call while not busy, before jumping over cycles. It forgets the finished ops (op numbers in
  // events restart at 0), so memory is bounded by the ops in flight between idle moments.
  void skip_idle();
  std::vector<Event> take_finished();   // ops finished since the last call
  std::uint64_t pe_cycles() const;

 private:
  std::unique_ptr<std::vector<ReferenceOp>> storage_;
  std::unique_ptr<WsCore> core_;
};

}  // namespace sosasim
