#include "arch/pod_module.h"

#include "sim/kernel/sc/sc_cycles.h"

#include <algorithm>

namespace sosasim {

PodModule::PodModule(sc_core::sc_module_name name, int pod_id, const ArrayShape& array, PodWorkSource& source,
                     WakeQueue& clock, bool reference)
    : sc_core::sc_module(name), source_(source), clock_(clock), pod_id_(pod_id), array_(array) {
  clock_id_ = clock_.add(*this);
  if (reference) reference_ = std::make_unique<IncrementalArray>(array);
  SC_METHOD(step);
  sensitive << wake_event_;
  dont_initialize();
}

std::uint64_t PodModule::now() const {
  return now_cycle();
}

void PodModule::wake() {
  woken_ = true;
  clock_.cancel(clock_id_);  // as a delta notification overrides a pending timed one
  wake_event_.notify(sc_core::SC_ZERO_TIME);
}

void PodModule::wake_at(std::uint64_t cycle) {
  const std::uint64_t now = this->now();
  // Every alarm is kept: the clock holds only a pod's earliest, so the later ones are re-armed
  // as the earlier ones pass (pending_alarm()).
  while (!alarms_.empty() && alarms_.front() <= now) alarms_.erase(alarms_.begin());
  auto at = std::lower_bound(alarms_.begin(), alarms_.end(), cycle);
  if (at == alarms_.end() || *at != cycle) alarms_.insert(at, cycle);
  clock_.at(clock_id_, cycle);
}

void PodModule::offer_from(std::uint64_t cycle) {
  const std::uint64_t at = reference_ ? cycle + 1 : cycle;
  if (at <= now()) wake();
  else wake_at(at);
}

void PodModule::update_arrivals(std::uint64_t weights_arrive, std::uint64_t stream_ready) {
  PodOp& op = reference_ops_.back();
  op.weights_arrive = weights_arrive;
  op.stream_ready = stream_ready;
  reference_->update_last(std::max(op.operands_ready, weights_arrive), stream_ready);
}

// The cycle of the earliest pending wake_at() after `cycle`, or UINT64_MAX; an earlier
// notification replaces a later one, so every step re-arms it.
std::uint64_t PodModule::pending_alarm(std::uint64_t cycle) {
  while (!alarms_.empty() && alarms_.front() <= cycle) alarms_.erase(alarms_.begin());
  return alarms_.empty() ? UINT64_MAX : alarms_.front();
}

// `stall_from`: the cycle from which the X port could have streamed this op (it was free and the
// op had been issued); a later start is a weight-load or an input-network stall.
void PodModule::account(const PodOp& op, const OpTiming& timing, std::uint64_t stall_from) {
  ++stats_.tile_ops;
  stats_.useful_macs += op.useful_macs;
  stats_.occupied_pe_cycles += op.stream_rows * static_cast<std::uint64_t>(array_.rows * array_.cols);
  stats_.stream_cycles += op.stream_rows;
  if (timing.loads_weights) {
    ++stats_.weight_loads;
    stats_.weight_load_cycles += timing.load_end - timing.load_start;
  }
  // Of the wait from `stall_from` to the start, the part until the weight load ended is a
  // weight-load stall (including the weight tile's trip through the W network); the rest waited
  // for the input tile (stream_ready).
  const std::uint64_t wait = timing.start > stall_from ? timing.start - stall_from : 0;
  std::uint64_t weight_wait = 0;
  if (timing.loads_weights) {
    weight_wait = timing.load_end > stall_from ? std::min(wait, timing.load_end - stall_from) : 0;
    stats_.weight_load_stall_cycles += weight_wait;
  }
  stats_.input_network_stall_cycles += wait - weight_wait;
  source_.accounted(pod_id_, op, timing, weight_wait, wait - weight_wait);
  std::uint64_t busy_from = std::max(timing.start, busy_until_);
  if (timing.finish > busy_from) stats_.array_busy_cycles += timing.finish - busy_from;
  busy_until_ = std::max(busy_until_, timing.finish);
  stats_.fill_drain_cycles = stats_.array_busy_cycles - stats_.stream_cycles;
}

void PodModule::step() {
  const std::uint64_t cycle = now();
  if (reference_) {
    reference_step(cycle);
    return;
  }
  while (!in_flight_.empty() && in_flight_.front().finish <= cycle) {
    const InFlight done = in_flight_.front();
    in_flight_.pop_front();
    source_.finished(pod_id_, done.op, done.finish);
  }
  // Issue ops while the weight buffer they need is free at this cycle.
  while (cycle >= next_issue_cycle_) {
    PodOp op;
    PeekResult result = source_.peek(pod_id_, cycle, op);
    if (result != PeekResult::Ready) break;
    std::uint64_t stall_from =
        std::max({timing_.input_port_free, op.requested != PodOp::kNoRequest ? op.requested : cycle, op.operands_ready});
    // (An op whose tiles were requested is timed from the request: it was known then.)
    OpTiming timing = schedule_tile_op(
        timing_, array_, op.weight_key, op.stream_rows,
        std::max({op.operands_ready, op.weights_arrive, op.requested != PodOp::kNoRequest ? op.requested : cycle}),
        op.stream_ready);
    account(op, timing, stall_from);
    source_.started(pod_id_, op, timing);
    in_flight_.push_back(InFlight{timing.finish, op.late_finish, done_of(op)});
    next_issue_cycle_ = source_.ask_ahead(pod_id_, array_.double_buffer_weights ? timing.start : timing.finish);
  }
  std::uint64_t next = UINT64_MAX;
  for (std::size_t i = 0; i < in_flight_.size(); ++i)  // the first finish to report on time
    if (!in_flight_[i].late) {
      next = in_flight_[i].finish;
      break;
    }
  if (next_issue_cycle_ > cycle) next = std::min(next, next_issue_cycle_);
  next = std::min(next, pending_alarm(cycle));
  if (next != UINT64_MAX) clock_.at(clock_id_, next);
}

}  // namespace sosasim

namespace sosasim {

// Reference fidelity: simulate the array one cycle at a time up to the current cycle. The array
// asks for its next op when the fast pod would issue it; an op is available at cycle t when its
// operands (and its layer) are: t >= operands_ready. Finishes are reported at their cycle, so the
// pod wakes every cycle while the array holds work, and sleeps when it is idle until the work
// source wakes it.
void PodModule::reference_step(std::uint64_t cycle) {
  const bool offered = woken_;  // the work source offered something since the last step
  woken_ = false;
  if (!reference_->busy() && reference_cycle_ + 1 < cycle)  // nothing happened in between
    reference_cycle_ = cycle - 1;
  auto pull = [&](std::uint64_t t, ReferenceOp& out) {
    PodOp op;
    if (source_.peek(pod_id_, t, op) != PeekResult::Ready) return false;
    out.stationary_tile = op.weight_key;
    out.stream_len = static_cast<std::int64_t>(op.stream_rows);
    out.used_rows = array_.rows;
    out.used_cols = array_.cols;
    out.operands_ready = std::max(op.operands_ready, op.weights_arrive);
    out.stream_ready = op.stream_ready;
    OpTiming provisional;
    provisional.loads_weights = op.weight_key != reference_key_;
    reference_key_ = op.weight_key;
    source_.started(pod_id_, op, provisional);
    reference_ops_.push_back(op);
    reference_pulled_at_.push_back(t);
    return true;
  };
  bool finished_any = false;
  for (; reference_cycle_ < cycle; ++reference_cycle_) {
    reference_->step(reference_cycle_, pull);
    for (const auto& event : reference_->take_finished()) {
      finished_any = true;
      const PodOp& op = reference_ops_[event.op];
      // As the fast model counts it: the port was free after the previous op streamed its rows.
      // The fast pod issues an op at the first cycle it could: the later of its pull and the op's
      // availability (the reference asks one cycle behind).
      account(op, event.timing,
              std::max({reference_port_free_,
                        op.requested != PodOp::kNoRequest ? op.requested : reference_pulled_at_[event.op],
                        op.operands_ready}));
      reference_port_free_ = event.timing.start + op.stream_rows;
      source_.finished(pod_id_, done_of(op), event.timing.finish);
    }
  }
  if (!reference_->busy()) {  // all ops finished: the array forgets them, and so do we
    reference_->skip_idle();
    reference_ops_.clear();
    reference_pulled_at_.clear();
  }
  // Simulate this cycle at the next one while the array holds work, or when the work source has
  // offered something (the array may take it at this cycle). A wake() during this step (from our
  // own finished()) also counts: its delta notification would replace a timed one. A finish also
  // frees a single weight buffer, so the array may take its next op at the next cycle.
  if (reference_->busy() || offered || woken_ || finished_any) clock_.at(clock_id_, cycle + 1);
  else if (pending_alarm(cycle) != UINT64_MAX) clock_.at(clock_id_, alarms_.front());
}

}  // namespace sosasim
