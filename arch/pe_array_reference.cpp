#include "arch/pe_array_reference.h"

#include <algorithm>
#include <deque>
#include <functional>
#include <limits>

#include "sim/kernel/errors.h"

namespace sosasim {

namespace {

constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();

struct ValueCell {  // an operand on its way through the array
  Operand value;
  std::int32_t op = -1;
  std::int32_t index = 0;  // WS: streamed row m; OS: reduction step k
  bool valid = false;
};

struct SumCell {  // a partial sum on its way down (WS)
  PartialSum sum;
  std::int32_t op = -1;
  std::int32_t m = 0;
  bool valid = false;
};

struct WeightCell {  // one weight register
  Operand value;
  std::uint64_t tile = kNever;
  std::int32_t row = -1;  // the array row this value belongs to
  bool active = false;    // inside the tile (not padding)
};

struct OpState {
  bool needs_load = false;
  int buffer = 0;
  std::uint64_t load_start = kNever;
  std::uint64_t start = kNever;
  std::uint64_t finish = kNever;
  std::vector<std::uint64_t> written;  // per psum_out element: cycle written
};

std::uint64_t watchdog_limit(const std::vector<ReferenceOp>& ops, const ArrayShape& array) {
  std::uint64_t limit = 1000;
  for (const auto& op : ops) {
    limit = std::max(limit, std::max(op.operands_ready, op.stream_ready) + 1000);
    limit += static_cast<std::uint64_t>(op.stream_len + 3 * array.rows + 2 * array.cols + 4);
  }
  return limit;
}

const PartialSum* producer_sum(const std::vector<ReferenceOp>& ops, std::vector<OpState>& states,
                               const ReferenceOp& op, std::size_t element, std::uint64_t cycle, const char* where) {
  if (op.psum_source < 0) return nullptr;
  auto source = static_cast<std::size_t>(op.psum_source);
  if (states[source].written[element] >= cycle)
    throw ModelError(cycle, where, "partial sum read from the P bank before its producer (op " +
                                       std::to_string(source) + ") wrote it");
  return ops[source].psum_out.empty() ? nullptr : &ops[source].psum_out[element];
}

}  // namespace

ReferenceArray::ReferenceArray(const ArrayShape& array, const Numerics* numerics)
    : array_(array), numerics_(numerics) {}

std::vector<OpTiming> ReferenceArray::run(std::vector<ReferenceOp>& ops) {
  return array_.dataflow == Dataflow::OS ? run_output_stationary(ops) : run_weight_stationary(ops);
}

// The weight-stationary reference array as a machine that advances one cycle at a time and asks
// for its next op when it could take it (the controller rules of the header). run() feeds it a
// known list; IncrementalArray feeds it from a pod as the simulation goes.
class WsCore {
 public:
  WsCore(const ArrayShape& shape, const Numerics* numerics_in, std::vector<ReferenceOp>& ops_in)
      : array(shape), numerics(numerics_in), functional(numerics_in != nullptr), ops(ops_in), R(shape.rows),
        C(shape.cols), buffers(shape.double_buffer_weights ? 2 : 1),
        weights(static_cast<std::size_t>(buffers * R * C)), chain(static_cast<std::size_t>(R * C)),
        x(static_cast<std::size_t>(R * C)), sums(static_cast<std::size_t>(R * C)),
        integer_mac(functional && numerics->integer_only()) {}

  // Admits ops[known] (already in `ops`) into the array's bookkeeping.
  void admit() {
    const std::size_t q = known++;
    ReferenceOp& op = ops[q];
    auto elements = static_cast<std::size_t>(op.stream_len * op.used_cols);
    state.emplace_back();
    state.back().written.assign(elements, kNever);
    if (functional) op.psum_out.assign(elements, PartialSum{});
    tile_of.push_back(op.stationary_tile);
    k_offset_of.push_back(op.k_offset);
    buffer_of.push_back(0);
    if (q == 0) k_total = op.k_total;
  }

  // Simulates cycle `t`.
  void step(std::uint64_t t) {
    auto W = [&](int b, std::int64_t i, std::int64_t j) -> WeightCell& {
      return weights[static_cast<std::size_t>((b * R + i) * C + j)];
    };
    auto X_ring = [&](std::int64_t i, std::uint64_t cycle) -> ValueCell& {
      return x[static_cast<std::size_t>(i * C + static_cast<std::int64_t>(cycle % static_cast<std::uint64_t>(C)))];
    };
    auto P_slot = [&](std::uint64_t wavefront, std::int64_t j) -> SumCell& {
      return sums[static_cast<std::size_t>(static_cast<std::int64_t>(wavefront % static_cast<std::uint64_t>(R)) * C + j)];
    };
    // Controller: weight loads in op order, then the next op's start, then loads again (an op
    // starting at this cycle frees the other buffer at this cycle).
    auto decide_loads = [&] {
      while (true) {
        if (next_load == known && !pull(t)) break;  // the next op, if its owner has one
        std::size_t k = next_load;
        const ReferenceOp& op = ops[k];
        const bool same_tile = k > 0 ? op.stationary_tile == ops[k - 1].stationary_tile
                                     : has_carry && op.stationary_tile == carry_tile;
        if (same_tile) {
          state[k].buffer = k > 0 ? state[k - 1].buffer : carry_buffer;
          buffer_of[k] = state[k].buffer;
          ++next_load;
          continue;
        }
        bool buffer_free = k == 0 || (array.double_buffer_weights ? state[k - 1].start <= t : state[k - 1].finish <= t);
        if (!buffer_free || t < op.operands_ready) break;
        state[k].needs_load = true;
        state[k].load_start = t;
        const int previous_buffer = k > 0 ? state[k - 1].buffer : has_carry ? carry_buffer : 1;
        state[k].buffer = buffers == 1 ? 0 : 1 - previous_buffer;
        buffer_of[k] = state[k].buffer;
        loading.push_back(k);
        ++next_load;
      }
    };
    decide_loads();
    // Controller: start streaming the next op.
    if (next_stream < next_load) {
      std::size_t k = next_stream;
      const ReferenceOp& op = ops[k];
      bool port_free = k == 0 || t >= state[k - 1].start + static_cast<std::uint64_t>(ops[k - 1].stream_len);
      bool loaded = state[k].needs_load ? t >= state[k].load_start + static_cast<std::uint64_t>(R) : t >= op.operands_ready;
      bool psums = op.psum_source < 0 ||
                   (state[static_cast<std::size_t>(op.psum_source)].start != kNever &&
                    t >= state[static_cast<std::size_t>(op.psum_source)].start + static_cast<std::uint64_t>(R));
      if (port_free && loaded && psums && t >= op.stream_ready) {
        state[k].start = t;
        streaming.push_back(k);
        ++next_stream;
      }
    }
    decide_loads();
    while (!streaming.empty() &&
           t >= state[streaming.front()].start + static_cast<std::uint64_t>(ops[streaming.front()].stream_len + std::max(R, C)))
      streaming.pop_front();

    // Inputs entering the left column and partial sums entering the top row at this cycle.
    for (std::int64_t i = 0; i < R; ++i) {
      ValueCell cell;
      for (std::size_t q : streaming) {
        std::int64_t m = static_cast<std::int64_t>(t) - static_cast<std::int64_t>(state[q].start) - i;
        if (m < 0 || m >= ops[q].stream_len) continue;
        cell.valid = true;
        cell.op = static_cast<std::int32_t>(q);
        cell.index = static_cast<std::int32_t>(m);
        if (functional && i < ops[q].used_rows)
          cell.value = ops[q].stream[static_cast<std::size_t>(m * ops[q].used_rows + i)];
        break;
      }
      X_ring(i, t) = cell;
    }
    for (std::int64_t j = 0; j < C; ++j) {
      SumCell cell;
      for (std::size_t q : streaming) {
        std::int64_t m = static_cast<std::int64_t>(t) - static_cast<std::int64_t>(state[q].start) - j;
        if (m < 0 || m >= ops[q].stream_len) continue;
        cell.valid = true;
        cell.op = static_cast<std::int32_t>(q);
        cell.m = static_cast<std::int32_t>(m);
        if (j < ops[q].used_cols) {
          auto element = static_cast<std::size_t>(m * ops[q].used_cols + j);
          const PartialSum* in = producer_sum(ops, state, ops[q], element, t, "reference PE array (P bank)");
          if (in) cell.sum = *in;
        }
        break;
      }
      P_slot(t, j) = cell;  // the slot held the sum that left the bottom at t - 1
    }

    // The PEs. Each reads only its own input and partial-sum registers, so the order is free.
    for (std::int64_t i = 0; i < R; ++i) {
      const std::uint64_t wavefront = t + static_cast<std::uint64_t>(R) - static_cast<std::uint64_t>(i);
      SumCell* slots = &P_slot(wavefront, 0);
      const WeightCell* weight_rows[2] = {&W(0, i, 0), buffers > 1 ? &W(1, i, 0) : &W(0, i, 0)};
      const ValueCell* ring = &x[static_cast<std::size_t>(i * C)];
      std::int64_t slot = static_cast<std::int64_t>(t % static_cast<std::uint64_t>(C));  // (t - j) mod C for j = 0
      for (std::int64_t j = 0; j < C; ++j, slot = slot == 0 ? C - 1 : slot - 1) {
        const ValueCell& in = ring[slot];
        SumCell& sum = slots[j];
        if (!in.valid) {
          if (sum.valid) throw ModelError(t, "reference PE array", "a partial sum reached a PE without its input");
          continue;
        }
        if (!sum.valid || sum.op != in.op || sum.m != in.index)
          throw ModelError(t, "reference PE array", "PE(" + std::to_string(i) + "," + std::to_string(j) +
                                                        ") got an input and a partial sum of different rows");
        const auto q = static_cast<std::size_t>(in.op);
        const WeightCell& w = weight_rows[buffer_of[q]][j];
        if (w.tile != tile_of[q] || w.row != i)
          throw ModelError(t, "reference PE array", "PE(" + std::to_string(i) + "," + std::to_string(j) +
                                                        ") used weights that are not loaded (op " + std::to_string(q) + ")");
        if (!functional || !w.active) continue;
        if (integer_mac) sum.sum.integer += static_cast<std::int64_t>(in.value.code) * w.value.code;  // int8
        else numerics->mac(sum.sum, in.value, w.value, k_offset_of[q] + i, k_total);
      }
    }
    pe_cycles += static_cast<std::uint64_t>(R * C);

    // Results leaving the bottom row at the end of this cycle go to the P bank.
    for (std::int64_t j = 0; j < C; ++j) {
      SumCell& cell = P_slot(t + 1, j);  // slot (t - (R - 1)) mod R: PE(R - 1, j)'s output
      if (!cell.valid) continue;
      auto q = static_cast<std::size_t>(cell.op);
      if (j < ops[q].used_cols) {
        auto element = static_cast<std::size_t>(cell.m * ops[q].used_cols + j);
        state[q].written[element] = t;
        if (functional) ops[q].psum_out[element] = cell.sum;
      }
      if (j == C - 1 && cell.m == ops[q].stream_len - 1) {
        state[q].finish = t + 1;
        ++finished;
        finished_ops.push_back(q);
      }
    }

    // Weight loads shift one row down the column's load chain per cycle, column j delayed by j
    // cycles; at the last shift the column's chain is copied into the op's weight buffer.
    for (std::size_t q : loading) {
      const ReferenceOp& op = ops[q];
      for (std::int64_t j = 0; j < C; ++j) {
        std::int64_t pulse = static_cast<std::int64_t>(t - state[q].load_start) - j;
        if (pulse < 0 || pulse >= R) continue;
        for (std::int64_t i = R - 1; i > 0; --i) chain[static_cast<std::size_t>(i * C + j)] = chain[static_cast<std::size_t>((i - 1) * C + j)];
        std::int64_t row = R - 1 - pulse;
        WeightCell cell;
        cell.tile = op.stationary_tile;
        cell.row = static_cast<std::int32_t>(row);
        cell.active = row < op.used_rows && j < op.used_cols;
        if (functional && cell.active) cell.value = op.stationary[static_cast<std::size_t>(row * op.used_cols + j)];
        chain[static_cast<std::size_t>(j)] = cell;
        if (pulse == R - 1)
          for (std::int64_t i = 0; i < R; ++i) W(state[q].buffer, i, j) = chain[static_cast<std::size_t>(i * C + j)];
      }
    }
    while (!loading.empty() && t + 1 >= state[loading.front()].load_start + static_cast<std::uint64_t>(R + C - 1))
      loading.pop_front();
  }

  bool idle() const { return finished == known; }

  // Forgets the inputs and partial sums of past cycles, before a jump over idle cycles (the rings
  // hold one entry per recent cycle). Weight buffers keep their tiles.
  void clear_pipeline() {
    std::fill(x.begin(), x.end(), ValueCell{});
    std::fill(sums.begin(), sums.end(), SumCell{});
  }

  // While idle: forgets every op (all finished and reported), keeping only which tile the last one
  // left in which weight buffer, so a following op on the same tile skips its load as before.
  void forget_ops() {
    if (known == 0) return;
    has_carry = true;
    carry_tile = ops[known - 1].stationary_tile;
    carry_buffer = state[known - 1].buffer;
    ops.clear();
    state.clear();
    tile_of.clear();
    k_offset_of.clear();
    buffer_of.clear();
    loading.clear();
    streaming.clear();
    finished_ops.clear();
    known = next_load = next_stream = finished = 0;
  }

  OpTiming timing(std::size_t q) const {
    OpTiming timing;
    timing.loads_weights = state[q].needs_load;
    if (state[q].needs_load) {
      timing.load_start = state[q].load_start;
      timing.load_end = state[q].load_start + static_cast<std::uint64_t>(R);
    }
    timing.start = state[q].start;
    timing.finish = state[q].finish;
    return timing;
  }

  // Asks for the next op at cycle t; returns whether one was admitted.
  std::function<bool(std::uint64_t)> pull;

  ArrayShape array;
  const Numerics* numerics;
  bool functional;
  std::vector<ReferenceOp>& ops;
  std::int64_t R, C;
  int buffers;
  // Register storage. An input moves one PE right per cycle, so the value in PE(i, j) at cycle t
  // is the one that entered row i at cycle t - j: row i keeps its last C inputs in a ring and
  // PE(i, j) reads slot (t - j) mod C. A partial sum moves one PE down per cycle, so the sum PE(i,
  // j) receives at cycle t is the one PE(i - 1, j) produced at t - 1, kept in slot (t - i) mod R
  // of column j; PE(i, j) replaces it with its own output. Same registers, no copying.
  std::vector<WeightCell> weights, chain;  // weight buffers; the weight load shift chain
  std::vector<ValueCell> x;
  std::vector<SumCell> sums;
  bool integer_mac;
  // Per-op facts the PEs look up every cycle, kept small and contiguous.
  std::vector<OpState> state;
  std::vector<std::uint64_t> tile_of;
  std::vector<std::int64_t> k_offset_of;
  std::vector<int> buffer_of;
  std::int64_t k_total = 1;
  std::size_t known = 0, next_load = 0, next_stream = 0, finished = 0;
  bool has_carry = false;  // ops were forgotten; the last one's tile is in carry_buffer
  std::uint64_t carry_tile = 0;
  int carry_buffer = 0;
  std::deque<std::size_t> loading, streaming;  // ops whose load / injection is still in progress
  std::vector<std::size_t> finished_ops;       // since the owner last looked
  std::uint64_t pe_cycles = 0;
};

std::vector<OpTiming> ReferenceArray::run_weight_stationary(std::vector<ReferenceOp>& ops) {
  WsCore core(array_, numerics_, ops);
  core.pull = [&](std::uint64_t) {
    if (core.known >= ops.size()) return false;
    core.admit();
    return true;
  };
  const std::uint64_t limit = watchdog_limit(ops, array_);
  for (std::uint64_t t = 0; core.finished < ops.size(); ++t) {
    if (t > limit)
      throw ModelError(t, "reference PE array", "no progress: " + std::to_string(core.finished) + " of " +
                                                    std::to_string(ops.size()) + " ops finished");
    core.step(t);
  }
  pe_cycles_ += core.pe_cycles;
  std::vector<OpTiming> timings(ops.size());
  for (std::size_t q = 0; q < ops.size(); ++q) timings[q] = core.timing(q);
  return timings;
}

IncrementalArray::IncrementalArray(const ArrayShape& array) : storage_(std::make_unique<std::vector<ReferenceOp>>()) {
  core_ = std::make_unique<WsCore>(array, nullptr, *storage_);
}

IncrementalArray::~IncrementalArray() = default;

void IncrementalArray::step(std::uint64_t cycle, const Pull& pull) {
  core_->pull = [&](std::uint64_t t) {
    // A pod issues its next op once the previous one has started (double-buffered weights) or
    // finished (single buffer), as the fast pod model does.
    WsCore& core = *core_;
    if (core.known > 0) {
      const OpState& last = core.state[core.known - 1];
      if (core.array.double_buffer_weights ? last.start > t : last.finish > t) return false;
    }
    ReferenceOp op;
    if (!pull(t, op)) return false;
    storage_->push_back(std::move(op));
    core_->admit();
    return true;
  };
  core_->step(cycle);
  core_->pull = nullptr;
}

bool IncrementalArray::busy() const { return !core_->idle(); }

void IncrementalArray::update_last(std::uint64_t operands_ready, std::uint64_t stream_ready) {
  storage_->back().operands_ready = operands_ready;
  storage_->back().stream_ready = stream_ready;
}

void IncrementalArray::skip_idle() {
  if (!core_->idle()) return;
  core_->clear_pipeline();
  core_->forget_ops();
}

std::vector<IncrementalArray::Event> IncrementalArray::take_finished() {
  std::vector<Event> events;
  for (std::size_t q : core_->finished_ops) {
    events.push_back(Event{q, core_->timing(q)});
    // A pod's ops take no partial sums from each other (psum_source < 0), so a finished op's
    // write record is not read again: free it, or a long run holds r x c words per op.
    if ((*storage_)[q].psum_source < 0) std::vector<std::uint64_t>().swap(core_->state[q].written);
  }
  core_->finished_ops.clear();
  return events;
}

std::uint64_t IncrementalArray::pe_cycles() const { return core_->pe_cycles; }

std::vector<OpTiming> ReferenceArray::run_output_stationary(std::vector<ReferenceOp>& ops) {
  const std::int64_t R = array_.rows, C = array_.cols;
  const bool functional = numerics_ != nullptr;
  const std::size_t n = ops.size();
  std::vector<OpState> state(n);
  for (std::size_t q = 0; q < n; ++q) {
    auto elements = static_cast<std::size_t>(ops[q].used_rows * ops[q].used_cols);
    state[q].written.assign(elements, kNever);
    if (functional) ops[q].psum_out.assign(elements, PartialSum{});
  }
  std::vector<ValueCell> x(static_cast<std::size_t>(R * C)), w(static_cast<std::size_t>(R * C));
  std::vector<PartialSum> acc(static_cast<std::size_t>(R * C));
  // As in WS: row i's inputs sit in a ring read by PE(i, j) at slot (t - j) mod C; column j's
  // weights in a ring read by PE(i, j) at slot (t - i) mod R.
  auto X_ring = [&](std::int64_t i, std::uint64_t cycle) -> ValueCell& {
    return x[static_cast<std::size_t>(i * C + static_cast<std::int64_t>(cycle % static_cast<std::uint64_t>(C)))];
  };
  auto W_ring = [&](std::uint64_t cycle, std::int64_t j) -> ValueCell& {
    return w[static_cast<std::size_t>(static_cast<std::int64_t>(cycle % static_cast<std::uint64_t>(R)) * C + j)];
  };

  std::size_t next = 0, finished = 0;
  std::deque<std::size_t> streaming;
  const std::uint64_t limit = watchdog_limit(ops, array_);
  for (std::uint64_t t = 0; finished < n; ++t) {
    if (t > limit) throw ModelError(t, "reference PE array (OS)", "no progress");
    if (next < n) {
      std::size_t k = next;
      bool free = k == 0 || (array_.double_buffer_weights
                                 ? t >= state[k - 1].start + static_cast<std::uint64_t>(ops[k - 1].stream_len)
                                 : state[k - 1].finish <= t);
      if (free && t >= ops[k].operands_ready) {
        state[k].start = t;
        streaming.push_back(k);
        ++next;
      }
    }
    while (!streaming.empty() &&
           t >= state[streaming.front()].start + static_cast<std::uint64_t>(ops[streaming.front()].stream_len + std::max(R, C)))
      streaming.pop_front();

    // The operand entering lane `lane` (row i of X, column j of W) at cycle t: element
    // k = t - start - lane of the op streaming there; `used` is the op's count of real lanes.
    auto entering = [&](std::int64_t lane, std::int64_t ReferenceOp::*used, auto value_of) {
      ValueCell cell;
      for (std::size_t q : streaming) {
        std::int64_t k = static_cast<std::int64_t>(t - state[q].start) - lane;
        if (k < 0 || k >= ops[q].stream_len) continue;
        cell = ValueCell{Operand{}, static_cast<std::int32_t>(q), static_cast<std::int32_t>(k), true};
        if (functional && lane < ops[q].*used) cell.value = value_of(ops[q], k);
        break;
      }
      return cell;
    };
    for (std::int64_t i = 0; i < R; ++i)
      X_ring(i, t) = entering(i, &ReferenceOp::used_rows, [i](const ReferenceOp& op, std::int64_t k) {
        return op.stream[static_cast<std::size_t>(i * op.stream_len + k)];
      });
    for (std::int64_t j = 0; j < C; ++j)
      W_ring(t, j) = entering(j, &ReferenceOp::used_cols, [j](const ReferenceOp& op, std::int64_t k) {
        return op.stationary[static_cast<std::size_t>(k * op.used_cols + j)];
      });

    for (std::int64_t i = R - 1; i >= 0; --i) {
      for (std::int64_t j = C - 1; j >= 0; --j) {
        const ValueCell& a = X_ring(i, t + static_cast<std::uint64_t>(C) - static_cast<std::uint64_t>(j));
        const ValueCell& b = W_ring(t + static_cast<std::uint64_t>(R) - static_cast<std::uint64_t>(i), j);
        if (a.valid != b.valid || (a.valid && (a.op != b.op || a.index != b.index)))
          throw ModelError(t, "reference PE array (OS)", "PE(" + std::to_string(i) + "," + std::to_string(j) +
                                                             ") got operands of different steps");
        if (a.valid) {
          auto q = static_cast<std::size_t>(a.op);
          const ReferenceOp& op = ops[q];
          PartialSum& sum = acc[static_cast<std::size_t>(i * C + j)];
          bool used = i < op.used_rows && j < op.used_cols;
          auto element = static_cast<std::size_t>(i * op.used_cols + j);
          if (a.index == 0) {
            sum = PartialSum{};
            if (used) {
              const PartialSum* in = producer_sum(ops, state, op, element, t, "reference PE array (OS, P bank)");
              if (in) sum = *in;
            }
          }
          if (functional && used) numerics_->mac(sum, a.value, b.value, op.k_offset + a.index, op.k_total);
          if (a.index == op.stream_len - 1) {
            if (used) {
              state[q].written[element] = t;
              if (functional) ops[q].psum_out[element] = sum;
            }
            if (i == R - 1 && j == C - 1) {
              state[q].finish = t + 1;
              ++finished;
            }
          }
        }
      }
    }
    pe_cycles_ += static_cast<std::uint64_t>(R * C);
  }

  std::vector<OpTiming> timings(n);
  for (std::size_t q = 0; q < n; ++q) {
    timings[q].start = state[q].start;
    timings[q].finish = state[q].finish;
  }
  return timings;
}

}  // namespace sosasim
