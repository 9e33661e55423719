// The dynamic dispatch policy (scheduler `dynamic`): no barriers between layers. Chunk c of a
// layer (its ops cut into min(pods, ops) contiguous chunks) is pod c's, as under layer_static, so
// the data placement (chunk_banks) and the reduction trees hold; pods just do not wait for each
// other between layers, and a pod without a chunk in a small layer goes on to the next ready one.
// A pod takes the oldest layer that has a chunk for it once that chunk's first weight tile is on
// chip; until then, a younger one whose chunk has all its weights on chip; else it waits for the
// oldest (whose tiles DRAM brings first). Never waiting on a younger layer's tiles keeps a pod
// from holding up an older layer whose tiles fill the W banks (a deadlock with small banks). A
// later workload's chunk is claimed a weight tile's ops at a time while an earlier workload is
// unfinished. A claim at `cycle` sees only what happened before that cycle (layers ready, fetches
// started, tiles arrived), so it does not depend on the order in which pods and DRAM act within a
// cycle; pods are offered new work from the next cycle on.
#include <set>

#include "sim/system/dispatch.h"

namespace sosasim {

namespace {

constexpr std::uint64_t kNever = UINT64_MAX;

class DynamicDispatch : public Dispatch {
 public:
  explicit DynamicDispatch(const DispatchContext& context) : Dispatch(context) {
    next_chunk_.assign(context.tasks.size(), 0);
    chunk_claimed_.resize(context.tasks.size());
    first_unclaimed_.assign(pods(), 0);
    idle_.assign(pods(), false);
  }

  void released(std::size_t task, std::uint64_t cycle) override {
    open_.insert(task);
    chunk_claimed_[task].assign(chunk_count(task), 0);
    for (std::size_t p = 0; p < pods(); ++p) context_.host.offer_from(static_cast<int>(p), cycle + 1);
  }

  bool claim(int pod, std::uint64_t cycle) override {
    const auto p = static_cast<std::size_t>(pod);
    // The first layer, in run order, with a chunk this pod has not claimed (ready or not).
    std::size_t& first = first_unclaimed_[p];
    while (first < context_.tasks.size() && !has_chunk(first, p)) ++first;
    if (first == context_.tasks.size()) return fail(p);
    const bool first_ready = open_.count(first) && visible(first, cycle);
    auto it = first_ready && on_chip(first, p, cycle, false) ? open_.find(first) : open_.end();
    if (it == open_.end()) {
      for (it = open_.upper_bound(first); it != open_.end(); ++it)
        if (has_chunk(*it, p) && visible(*it, cycle) && on_chip(*it, p, cycle, true)) break;
      if (it == open_.end()) {
        if (!first_ready) return fail(p);
        it = open_.find(first);
      }
    }
    const std::size_t task = *it;
    // A layer of a later workload than the oldest unfinished one is taken a weight tile's ops at a
    // time, so a pod comes back to the older workload's layers as soon as they are ready.
    const std::size_t oldest = context_.tasks.oldest_unfinished();
    const bool in_pieces =
        oldest < context_.tasks.size() && context_.tasks[task].workload > context_.tasks[oldest].workload;
    const auto c = chunk_index(task, p);
    const OpRange range = chunk(task, c);
    std::uint64_t& claimed = chunk_claimed_[task][c];
    OpRange piece{range.begin + claimed, range.end, range.stride};
    if (in_pieces)
      piece.end = std::min(range.end, piece.begin + static_cast<std::uint64_t>(context_.tasks[task].plan.m_parts()));
    claimed = piece.end - range.begin;
    if (claimed == range.end - range.begin && ++next_chunk_[task] >= chunk_count(task)) {
      open_.erase(task);
      chunk_claimed_[task] = std::vector<std::uint64_t>();
    }
    cursor_[p] = piece;
    task_[p] = task;
    idle_[p] = false;
    return true;  // (a chunk is never empty: chunks <= ops)
  }

  // Data that arrived in this cycle, before the pod asked, is claimable from the next.
  void idle(int pod, std::uint64_t cycle) override {
    if (last_open_arrival_ != kNever && last_open_arrival_ >= cycle)
      context_.host.offer_from(pod, last_open_arrival_ + 1);
  }

  void completed(std::size_t task, std::uint64_t) override { open_.erase(task); }

  // A ready layer's data starts to arrive.
  void fetch_started(std::size_t task, std::uint64_t cycle) override {
    if (!open_.count(task)) return;
    for (std::size_t p = 0; p < pods(); ++p) context_.host.offer_from(static_cast<int>(p), cycle + 1);
  }

  // A pod that found no claimable chunk (claim() takes a later layer only once its data is on
  // chip) asks again from the next cycle, as a reference pod whose array is busy does anyway.
  void data_arrived(std::size_t task, std::uint64_t cycle) override {
    if (!open_.count(task)) return;
    last_open_arrival_ = last_open_arrival_ == kNever ? cycle : std::max(last_open_arrival_, cycle);
    for (std::size_t p = 0; p < pods(); ++p)
      if (idle_[p]) context_.host.offer_from(static_cast<int>(p), cycle + 1);
  }

 private:
  bool fail(std::size_t p) {
    idle_[p] = true;
    return false;
  }
  // The chunk of task t that pod p runs (the task's ChunkLayout); only for a pod that has one.
  std::size_t chunk_index(std::size_t t, std::size_t p) const {
    return static_cast<std::size_t>(context_.tasks[t].chunks.chunk(static_cast<std::int64_t>(p)));
  }
  // Chunk c of task t.
  OpRange chunk(std::size_t t, std::size_t c) const {
    return context_.tasks[t].chunks.range(context_.tasks[t].plan, static_cast<std::int64_t>(c));
  }
  // Ops of chunk c claimed: all once every chunk is, none before the layer is open.
  std::uint64_t claimed_ops(std::size_t t, std::size_t c, const OpRange& range) const {
    if (next_chunk_[t] >= chunk_count(t)) return range.end - range.begin;
    return chunk_claimed_[t].empty() ? 0 : chunk_claimed_[t][c];
  }
  // Whether the layer has ops for this pod that it has not claimed, ready or not.
  bool has_chunk(std::size_t t, std::size_t p) const {
    if (context_.tasks[t].chunks.chunk(static_cast<std::int64_t>(p)) < 0) return false;
    const std::size_t c = chunk_index(t, p);
    const OpRange range = chunk(t, c);
    return claimed_ops(t, c, range) < range.end - range.begin;
  }
  bool visible(std::size_t t, std::uint64_t cycle) const {
    const LayerData& data = context_.fetch.data(t);
    return context_.result.layers[t].start_cycle < cycle && data.requested && data.requested_cycle < cycle;
  }
  // Whether the chunk's first weight tile (or all of them) and the layer's inputs are on chip.
  bool on_chip(std::size_t t, std::size_t p, std::uint64_t cycle, bool all) const {
    const LayerData& data = context_.fetch.data(t);
    if (data.inputs_arrival >= cycle) return false;
    const LayerPlan& plan = context_.tasks[t].plan;
    const std::size_t c = chunk_index(t, p);
    const OpRange range = chunk(t, c);
    for (std::uint64_t op = range.begin + claimed_ops(t, c, range); op < range.end; op += range.stride) {
      if (data.arrival[plan.op(op).weight_tile] >= cycle) return false;
      if (!all) break;
    }
    return true;
  }

  std::set<std::size_t> open_;                             // ready tasks with ops to hand out, oldest first
  std::vector<std::uint64_t> next_chunk_;                  // per task: chunks claimed
  std::vector<std::vector<std::uint64_t>> chunk_claimed_;  // per open task: ops claimed per chunk
  std::vector<std::size_t> first_unclaimed_;               // per pod
  std::vector<char> idle_;                                 // per pod: it found nothing to claim
  std::uint64_t last_open_arrival_ = kNever;               // the latest data arrival for an open layer
};

const DispatchRegistration kDynamic{"dynamic",
                                    [](const DispatchContext& context) { return std::make_unique<DynamicDispatch>(context); }};

}  // namespace

}  // namespace sosasim
