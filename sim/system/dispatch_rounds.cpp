// The lock-step rounds dispatch policy (scheduler `sosa_rounds`): SOSA's greedy list scheduler
// (tiling/round_schedule.h). A layer's ops are placed when it is released, each in a round and on
// a pod where its routes and bank ports are free, from the round after its dependencies' last
// round on (as the SOSA authors' compiler does) and never in a round that has begun. Under
// `layers: sequential` a layer depends on the one before it. Layers released together have their
// lists interleaved op by op, each with its input tiles from its own offset in the banks, so that
// they share rounds. A layer is placed once DRAM has been asked for all its weights, or once every
// layer before it is done: a pod runs its ops in round order, and an op whose weight tile waits
// for W bank space must not hold up ops that would free it. The rest wait for a later release,
// completion or fetch. Rounds begin in order (tick()): round r when round r - 1 is over and the
// layers with ops in it have been released; its length is fixed then: its longest op (streamed
// rows, plus weight load, fill and drain unless ideal) or post-processor op, and at least 2L + 1
// cycles for a network latency of L. With `tiling.k_reduction: post_processors` the authors'
// reduction adds rounds of pairwise additions after a layer's ops.
#include <deque>
#include <map>
#include <set>
#include <unordered_map>

#include "arch/pod_work.h"
#include "sim/kernel/spec.h"
#include "sim/system/dispatch.h"
#include "sim/system/network_set.h"
#include "tiling/round_schedule.h"

namespace sosasim {

namespace {

class RoundsDispatch : public Dispatch {
 public:
  explicit RoundsDispatch(const DispatchContext& context)
      : Dispatch(context), policy_(context.scheduler.rounds()), reducer_(context.config.pods) {
    task_last_round_.assign(context.tasks.size(), 0);
    pod_ops_.resize(pods());
    waiting_round_.assign(pods(), false);
    listed_ = true;
    gates_ = true;
    pipelined_ = context.config.array.double_buffer_weights && !context.config.array.ideal_fill_drain;
  }

  void start() override { plan(0); }
  void released(std::size_t task, std::uint64_t) override { unplanned_.insert(task); }

  // Its ops placed since it last asked, in round order.
  bool claim(int pod, std::uint64_t) override {
    const auto p = static_cast<std::size_t>(pod);
    auto& ops = pod_ops_[p];
    ops.erase(ops.begin(), ops.begin() + static_cast<std::ptrdiff_t>(cursor_[p].begin));  // the ones it ran
    cursor_[p] = OpRange{0, ops.size(), 1};
    if (ops.empty()) return false;
    task_[p] = ops.front().task;
    return true;
  }

  OpRef listed_op(int pod, std::uint64_t position) const override {
    const RoundOp& op = pod_ops_[static_cast<std::size_t>(pod)][position];
    return {op.task, op.op};
  }

  // An op streams in its round. Unpipelined, it is handed to its pod when its round begins
  // (tick() wakes the pod then). Pipelined, it is handed over once the round before has begun and
  // its own start is fixed, so that its weights load into the shadow buffer while the pod
  // streams the round before; it streams from its round's start.
  bool admit(int pod, PodOp& op) override {
    const std::uint32_t round = schedules_.at(static_cast<std::size_t>(op.layer)).round[op.op_index];
    const bool begun = round < next_round_;
    if (!begun && !(pipelined_ && announced_ && round == next_round_)) {
      waiting_round_[static_cast<std::size_t>(pod)] = true;
      return false;
    }
    const std::uint64_t start = begun ? round_start_[round] : announced_start_;
    if (!pipelined_) {
      op.operands_ready = std::max(op.operands_ready, start);
      return true;
    }
    op.operands_ready = std::max(op.operands_ready, round > 0 ? round_start_[round - 1] : start);
    op.stream_ready = std::max(op.stream_ready, start);
    return true;
  }

  // Done when its last round (of ops or additions) is over too.
  std::optional<std::uint64_t> ops_finished(std::size_t task, std::uint64_t cycle) override {
    const std::uint32_t last = task_last_round_[task];
    if (last >= next_round_) {
      finished_at_.emplace(std::make_pair(last, task), cycle);  // tick() completes it then
      return std::nullopt;
    }
    return std::max(cycle, round_end_[last]);
  }

  void completed(std::size_t task, std::uint64_t cycle) override {
    schedules_.erase(task);
    plan(cycle);
  }

  // A released layer waiting for its weights to be asked for can be placed now.
  void fetch_asked(std::size_t task, std::uint64_t cycle) override {
    if (unplanned_.count(task)) plan(cycle);
  }

  // In the order the list first uses them (a pod runs its ops in list order).
  std::vector<std::uint32_t> fetch_order(std::size_t task) const override {
    const LayerPlan& plan = context_.tasks[task].plan;
    std::vector<std::uint32_t> order;
    order.reserve(plan.weight_tiles());
    std::vector<bool> seen(plan.weight_tiles(), false);
    for (std::uint64_t op : round_list(plan, policy_.compiler_list)) {
      const std::uint64_t t = plan.op(op).weight_tile;
      if (seen[t]) continue;
      seen[t] = true;
      order.push_back(static_cast<std::uint32_t>(t));
    }
    return order;
  }

  void tick(std::uint64_t now) override;

  std::optional<std::uint64_t> uncounted_tail() const override {
    if (policy_.count_last_round) return std::nullopt;
    return last_round_cycles_;  // as the SOSA authors' simulator, which stops before its last round
  }
  bool reserves_routes() const override { return true; }
  bool late_finish() const override { return false; }

 private:
  struct RoundOp {
    std::uint32_t task, op;
  };
  void plan(std::uint64_t cycle);
  void place(const std::vector<std::size_t>& group, const std::vector<std::uint32_t>& first_round,
             const std::vector<std::uint64_t>& offset);
  void close(std::size_t task, std::uint32_t first_round, std::uint64_t cycle);

  RoundPolicy policy_;
  std::unique_ptr<RoundPlanner> planner_;
  ReductionPlanner reducer_;
  std::set<std::size_t> unplanned_;                           // released layers whose ops are not placed yet
  std::unordered_map<std::size_t, RoundSchedule> schedules_;  // layers placed and not done
  std::vector<std::uint32_t> task_last_round_;                // per task: its last round (of ops or additions)
  // (last round, task) -> the cycle its ops finished, for layers whose last round has not begun.
  std::map<std::pair<std::uint32_t, std::size_t>, std::uint64_t> finished_at_;
  std::vector<std::uint64_t> held_weights_;  // per pod: the weight tile it holds, for the round scheduler
  std::vector<std::deque<RoundOp>> pod_ops_;  // per pod: its placed ops not yet run, in round order
  std::uint64_t bank_offset_ = 0;             // layers: concurrent: where the next layer's tiles start
  // Per round: its longest op so far and the latest release of a layer with ops in it (until it
  // begins); its start and end once it has.
  std::vector<std::uint64_t> round_longest_, round_ready_, round_start_, round_end_;
  std::uint32_t next_round_ = 0;     // the next round to begin
  std::uint64_t rounds_clock_ = 0;   // the end of the last round begun
  std::vector<bool> waiting_round_;  // per pod: its next op's round has not begun
  std::uint64_t last_round_cycles_ = 0;
  bool pipelined_ = false;  // double-buffered arrays with fill and drain: rounds overlap (admit())
  bool announced_ = false;  // the start of round next_round_ is fixed: announced_start_
  std::uint64_t announced_start_ = 0;
};

void RoundsDispatch::plan(std::uint64_t cycle) {
  TaskGraph& tasks = context_.tasks;
  const std::size_t oldest = tasks.oldest_unfinished();
  std::vector<std::size_t> group;
  for (std::size_t task : unplanned_)
    if (task < context_.fetch.fetch_layer() || task == oldest) group.push_back(task);
  if (group.empty()) return;
  for (std::size_t task : group) unplanned_.erase(task);
  if (!planner_)
    planner_ = std::make_unique<RoundPlanner>(
        context_.config.pods,
        std::array<RouteTable*, 3>{context_.networks[kInputNetwork].routes.get(),
                                   context_.networks[kWeightNetwork].routes.get(),
                                   context_.networks[kPartialSumNetwork].routes.get()},
        RoundScheduleParams{policy_.lookback_rounds, policy_.pod_tries, policy_.compiler_list}, held_weights_);
  std::vector<std::uint32_t> first_round;  // per layer: the round after its dependencies'
  std::vector<std::uint64_t> offset;       // per layer: where its tiles start in the banks
  for (std::size_t task : group) {
    // (pipelined: not into a round whose start is fixed already, its ops may be loading)
    std::uint32_t first = next_round_ + (pipelined_ && announced_ ? 1 : 0);
    for (std::size_t dep : tasks.depends_on(task)) first = std::max(first, task_last_round_[dep] + 1);
    first_round.push_back(first);
    offset.push_back(policy_.concurrent_layers ? bank_offset_ : 0);
    if (policy_.concurrent_layers) bank_offset_ += planner_->bank_span(tasks[task].plan);
  }
  place(group, first_round, offset);
  reducer_.forget_before(next_round_);
  for (std::size_t i = 0; i < group.size(); ++i) close(group[i], first_round[i], cycle);
  for (std::size_t p = 0; p < pods(); ++p) context_.host.wake(static_cast<int>(p));
  if (next_round_ < round_longest_.size()) context_.host.dispatch_at(context_.host.now());
}

// The group's op lists, interleaved op by op.
void RoundsDispatch::place(const std::vector<std::size_t>& group, const std::vector<std::uint32_t>& first_round,
                           const std::vector<std::uint64_t>& offset) {
  const TaskGraph& tasks = context_.tasks;
  std::vector<std::vector<std::uint64_t>> lists;
  for (std::size_t task : group) lists.push_back(planner_->list(tasks[task].plan));
  std::vector<std::uint64_t> placed(group.size(), 0);  // per layer: ops placed so far
  for (bool more = true; more;) {
    more = false;
    for (std::size_t i = 0; i < group.size(); ++i) {
      if (placed[i] >= lists[i].size()) continue;
      more = true;
      const std::size_t task = group[i];
      RoundSchedule& schedule = schedules_[task];
      const std::uint64_t op = lists[i][placed[i]];
      planner_->place(tasks[task].plan, op, placed[i]++, tasks[task].first_weight_key,
                      policy_.concurrent_layers ? task + 1 : 0, offset[i], schedule, first_round[i]);
      pod_ops_[schedule.pod[op]].push_back(RoundOp{static_cast<std::uint32_t>(task), static_cast<std::uint32_t>(op)});
    }
  }
}

// A placed layer's reduction rounds (post_processors), its rounds' lengths and release.
void RoundsDispatch::close(std::size_t task, std::uint32_t first_round, std::uint64_t cycle) {
  const SimConfig& config = context_.config;
  SimulationResult& result = context_.result;
  const LayerTask& layer = context_.tasks[task];
  RoundSchedule& schedule = schedules_[task];
  result.round_placements_blocked += schedule.blocked;
  const LayerPlan& plan = layer.plan;
  ReductionRounds reduction;
  reduction.rounds = schedule.rounds;
  if (config.tiling.reduction_charged()) {
    reduction = reducer_.add(plan, schedule);
    result.round_chained_partial_sums += reduction.chained;
    result.round_post_processor_ops += reduction.additions;
    // Bytes: an op counts a P_in read (bank and network) for every K block after the first as it
    // starts; per output tile, u partial sums left unchained (u - 1 additions) make that one read
    // per addition too few in the banks (the additions read 2(u - 1) partial tiles and write u - 1
    // sums; chained ops read the rest) and two per addition too few on the networks (three tiles
    // per addition cross them, where u - 1 unchained ops read none).
    const double bytes = static_cast<double>(reduction.added_values) * layer.psum_bytes;
    ActivityCounts& activity = result.layers[task].activity;
    activity.additions += reduction.added_values;
    activity.sram_bytes += 2 * bytes;
    activity.network_bytes[kPartialSumNetwork] += 2 * bytes;
    result.bytes.sram_p_in_read += bytes;
    result.bytes.sram_p_out_write += bytes;
  }
  const std::uint32_t rounds = std::max(reduction.rounds, planner_->rounds());
  if (round_longest_.size() < rounds) {
    round_longest_.resize(rounds, 0);
    round_ready_.resize(rounds, 0);
  }
  task_last_round_[task] = reduction.rounds - 1;
  for (std::size_t r = 0; r < reduction.longest.size(); ++r)
    round_longest_[r] = std::max(round_longest_[r], reduction.longest[r]);
  const auto R = static_cast<std::uint64_t>(config.array.rows), C = static_cast<std::uint64_t>(config.array.cols);
  for (std::uint64_t op = 0; op < plan.op_count(); ++op) {
    const auto m_rows = static_cast<std::uint64_t>(plan.op(op).m_rows);
    const std::uint32_t round = schedule.round[op];
    // An op's share of its round: its streamed rows; unpipelined also its weight load, fill and
    // drain; pipelined, the next op's weight load (R cycles) overlaps its stream, so a round in
    // which a pod loads a new tile lasts at least R.
    const bool loads = schedule.w_path.empty() || schedule.w_path[op] != RoundSchedule::kNoTransfer;
    const std::uint64_t length = config.array.ideal_fill_drain ? m_rows
                                 : pipelined_                   ? std::max(m_rows, loads ? R : 0)
                                                                : R + m_rows + R + C - 2;
    round_longest_[round] = std::max(round_longest_[round], length);
  }
  // (released at start_cycle, placed now)
  const std::uint64_t release = std::max(result.layers[task].start_cycle, cycle);
  for (std::uint32_t r = first_round; r <= task_last_round_[task]; ++r) round_ready_[r] = std::max(round_ready_[r], release);
  result.layers[task].start_cycle = release;
}

void RoundsDispatch::tick(std::uint64_t now) {
  SystemHost& host = context_.host;
  while (next_round_ < round_longest_.size()) {
    const std::uint32_t round = next_round_;
    const std::uint64_t start = std::max(rounds_clock_, round_ready_[round]);
    if (start > now) {
      host.dispatch_at(start);
      return;
    }
    const std::uint64_t length = std::max(round_longest_[round], 2 * context_.networks.latency_cycles() + 1);
    round_start_.push_back(start);
    round_end_.push_back(start + length);
    rounds_clock_ = start + length;
    last_round_cycles_ = length;
    ++context_.result.rounds;
    ++next_round_;
    // Pipelined: the next round's start is fixed now (nothing more is placed into it), so its
    // ops may be handed out and load their weights during this round.
    announced_ = pipelined_ && next_round_ < round_longest_.size();
    if (announced_) announced_start_ = std::max(rounds_clock_, round_ready_[next_round_]);
    for (std::size_t p = 0; p < pods(); ++p)
      if (waiting_round_[p]) {
        waiting_round_[p] = false;
        host.wake(static_cast<int>(p));
      }
    // Layers whose ops have all finished and whose last round this is are done at its end (in
    // task order; completing one places released layers in later rounds only).
    auto due = finished_at_.lower_bound({round, 0});
    while (due != finished_at_.end() && due->first.first == round) {
      const std::size_t task = due->first.second;
      const std::uint64_t finish = due->second;
      due = finished_at_.erase(due);
      host.complete(task, std::max(finish, round_end_[round]));
    }
  }
}

const DispatchRegistration kRounds{"lockstep_rounds",
                                   [](const DispatchContext& context) { return std::make_unique<RoundsDispatch>(context); }};

}  // namespace

}  // namespace sosasim
