// The system top level (SystemC): the controller, N pod modules and the DRAM module. The
// controller wires plain C++ units and runs their processes; each unit's header says what it
// models (docs/model.md says it for the whole):
// - TaskGraph (layer_tasks.h): the run's layers, their dependencies, release and completion;
// - OperandFetch (operand_fetch.h): weights and inputs from DRAM through the prefetch window,
//   spills of outputs too large for the banks;
// - Dispatch (dispatch.h): the scheduler's run-time policy that hands pods their ops;
// - TileTransport (tile_transport.h): tiles and partial sums over the networks, by link
//   reservations or through the router engines;
// - KReduction (k_reduction.h): split-K partial sums reduced by post-processor trees;
// - RunAccounting (run_accounting.h): bytes, MACs and waits counted as ops run.
// The controller is the pods' work source (arch/pod_work.h) and DRAM's listener.
#include "sim/system/system.h"

#include <chrono>
#include <cstdlib>
#include <memory>
#include <vector>

#include <spdlog/spdlog.h>
#include <systemc>

#include "arch/dram_module.h"
#include "arch/pod_module.h"
#include "sim/kernel/errors.h"
#include "sim/kernel/sc/sc_cycles.h"
#include "sim/system/dispatch.h"
#include "sim/system/k_reduction.h"
#include "sim/system/layer_tasks.h"
#include "sim/system/network_set.h"
#include "sim/system/operand_fetch.h"
#include "sim/system/progress.h"
#include "sim/system/run_accounting.h"
#include "sim/system/tile_transport.h"
#include "sim/system/timeline.h"

namespace sosasim {

namespace {

class Controller : public sc_core::sc_module, public PodWorkSource, public DramListener, public SystemHost {
 public:
  SC_HAS_PROCESS(Controller);

  Controller(sc_core::sc_module_name name, const SimConfig& config, const std::vector<Workload>& workloads,
             SimulationResult& result, Timeline& timeline)
      : sc_core::sc_module(name),
        result_(result),
        timeline_(timeline),
        scheduler_(make_scheduler(config.tiling.params)),
        tasks_(config, workloads, *scheduler_, scheduler_->follows_layer_graph(), result),
        fetch_(config, tasks_, result, *this, timeline),
        networks_(config, scheduler_->rounds().route_choices) {
    dispatch_ = make_dispatch(DispatchContext{config, *scheduler_, tasks_, fetch_, networks_, result, *this});
    fetch_.set_listener(*dispatch_);
    const bool reserves = dispatch_->reserves_routes();
    const bool charged = config.tiling.reduction_charged();
    if (!reserves && !charged) count_free_partial_tiles(tasks_, result);
    finished_ops_.assign(tasks_.size(), 0);
    next_op_.resize(static_cast<std::size_t>(config.pods));
    if (!reserves && !config.interconnect.ideal_transfers) {
      transport_ = std::make_unique<TileTransport>(config, tasks_, networks_, result, *this, timeline, charged);
      transport_->on_lookahead(
          [this](int pod, std::size_t task, const TileOp& tile_op, std::uint64_t ready, TileOp& next) {
            return next_weight_run(pod, task, tile_op, ready, next);
          });
    }
    if (!reserves && charged)
      reduction_ = std::make_unique<KReduction>(tasks_, config.pods, dispatch_->barrier(), transport_.get(),
                                                config.tiling.k_reduction, result, *this);
    accounting_ = std::make_unique<RunAccounting>(tasks_, result, timeline, static_cast<std::size_t>(config.pods),
                                                  static_cast<std::size_t>(config.array.rows * config.array.cols),
                                                  transport_ != nullptr);
    accounting_->set_reduction(reduction_.get());
    late_finish_ = !reduction_ && dispatch_->late_finish();
    // Pods may each peek a few times in a cycle; this many peeks without the cycle advancing is
    // a livelock.
    peek_limit_ = 1000000 + 1000 * static_cast<std::uint64_t>(config.pods);
    if (const char* stuck = std::getenv("SOSASIM_TEST_STUCK_POD"))
      stuck_pod_ = std::string(stuck) == "delta" ? StuckPod::Delta : std::string(stuck) == "time" ? StuckPod::Time
                                                                                                  : StuckPod::None;
    const double bytes_per_cycle = config.dram.bandwidth_gibps * 1073741824.0 / (config.frequency_ghz * 1e9);
    dram_ = std::make_unique<DramModule>("dram", bytes_per_cycle,
                                         static_cast<std::uint64_t>(config.dram.latency_cycles), *this);
    pod_clock_ = std::make_unique<WakeQueue>("pod_clock");
    const ArrayShape array{config.array.rows, config.array.cols, config.array.double_buffer_weights, Dataflow::WS,
                           config.array.ideal_fill_drain};
    for (std::int64_t p = 0; p < config.pods; ++p)
      pods_.push_back(std::make_unique<PodModule>(("pod_" + std::to_string(p)).c_str(), static_cast<int>(p), array,
                                                  *this, *pod_clock_, config.reference_fidelity));
    spdlog::debug("machine: {} pods of {}x{}, {}; scheduler {} (dispatch policy {}); tiles {}; K reduction {}",
                  config.pods, config.array.rows, config.array.cols, config.format.type, config.tiling.scheduler,
                  scheduler_->dispatch_policy(),
                  reserves ? "by route reservations per round"
                           : !transport_ ? "ideal (no network time)"
                                         : config.interconnect.router_transfers ? "through the router engines"
                                                                                : "as link-calendar reservations",
                  reduction_ ? (config.tiling.k_reduction == KReductionMode::Chain ? "chained, else on post-processor trees"
                                                                                   : "on post-processor trees")
                             : config.tiling.reduction_charged() ? "in rounds (the authors' compiler)" : "free");
    spdlog::debug("DRAM {:.1f} bytes/cycle, latency {} cycles; network latency {} cycles; {} layers as tasks",
                  bytes_per_cycle, config.dram.latency_cycles, networks_.latency_cycles(), tasks_.size());
    SC_METHOD(start);
    SC_METHOD(run_dispatch);
    sensitive << dispatch_event_;
    dont_initialize();
    if (transport_) {
      SC_METHOD(run_booking);
      sensitive << booking_event_;
      dont_initialize();
    }
    if (reduction_) {
      SC_METHOD(run_completions);
      sensitive << completion_event_;
      dont_initialize();
    }
  }

  bool done() const { return tasks_.done(); }
  bool stopped_by_prefetch_window() const { return fetch_.stopped_by_window(); }

  std::string stuck_report() const {
    std::string text = std::to_string(tasks_.unfinished()) + " layers unfinished";
    for (std::size_t t = 0; t < tasks_.size(); ++t)
      if (finished_ops_[t] < tasks_[t].plan.op_count() && !tasks_.pending(t)) {
        text += "; layer '" + tasks_[t].layer.name + "' stalled with " + std::to_string(finished_ops_[t]) + " of " +
                std::to_string(tasks_[t].plan.op_count()) + " tile ops finished";
        break;
      }
    return text + "; " + fetch_.describe();
  }

  void collect_stats() {
    for (const auto& stat : pod_stat_table()) {
      std::uint64_t total = 0;
      for (const auto& pod : pods_) total += pod->stats().*stat.member;
      result_.pod_stats.push_back({stat.name, stat.unit, stat.description, total});
    }
    for (const auto& pod : pods_) result_.pod_stream_cycles += pod->stats().stream_cycles;
    result_.dram_busy_cycles = dram_->stats().busy_cycles;
    if (transport_) transport_->collect();
    accounting_->close();
  }

  // ---- PodWorkSource ----

  PeekResult peek(int pod, std::uint64_t cycle, PodOp& op) override {
    if (done()) return PeekResult::Idle;
    if (watch_peek(pod, cycle)) return PeekResult::Idle;
    OpRange& range = dispatch_->cursor(pod);
    if (range.empty()) {
      if (!dispatch_->claim(pod, cycle)) {
        accounting_->idle_from(pod, cycle);
        dispatch_->idle(pod, cycle);
        return PeekResult::Idle;
      }
      accounting_->idle_over(pod, cycle);
    }
    const auto [active, op_index] = dispatch_->op_at(pod, range.begin);
    const LayerTask& task = tasks_[active];
    // (decoded when it was requested, by ask_ahead or an earlier peek)
    const TileOp* requested = transport_ ? transport_->requested(pod, active, op_index) : nullptr;
    const TileOp tile_op = requested ? *requested : task.plan.op(op_index);
    const std::uint64_t tile = tile_op.weight_tile;
    DramTag missing;
    if (fetch_.missing(active, tile, missing)) {
      accounting_->wait_from(pod, now());
      fetch_.wait(pod, missing);
      return PeekResult::Waiting;
    }
    const std::uint64_t now = this->now();
    accounting_->wait_over(pod, now, active);
    op.layer = active;
    op.op_index = op_index;
    op.k_rows = tile_op.k_rows;
    op.n_cols = tile_op.n_cols;
    op.k_part = tile_op.k_part;
    op.weight_tile = tile_op.weight_tile;
    op.weight_key = task.first_weight_key + tile;
    op.stream_rows = static_cast<std::uint64_t>(tile_op.m_rows);
    op.useful_macs = tile_op.useful_macs();
    op.operands_ready = operands_ready(active, tile);
    if (dispatch_->gates() && !dispatch_->admit(pod, op)) return PeekResult::Waiting;
    if (transport_ && !transport_->prepare(pod, active, op_index, tile_op, op, cycle, now)) return PeekResult::Waiting;
    op.late_finish = late_finish(pod, active, tile);
    return PeekResult::Ready;
  }

  // The watchdog within a cycle: true when the run has been stopped (a livelock: the pods peek
  // without the cycle advancing), or pod 0 is the test hook's stuck pod.
  // (`cycle`: the cycle the pod asks for; a reference pod asks one behind the current one)
  bool watch_peek(int pod, std::uint64_t cycle) {
    if (cycle != peek_cycle_) {
      peek_cycle_ = cycle;
      peeks_in_cycle_ = 0;
    }
    if (++peeks_in_cycle_ > peek_limit_) {
      if (stop_reason_.empty()) {
        stop_reason_ = "watchdog: the pods peeked " + std::to_string(peeks_in_cycle_ - 1) + " times at cycle " +
                       std::to_string(cycle) + " without the cycle advancing (a livelock; pod " + std::to_string(pod) +
                       " was the last to ask)";
        sc_core::sc_stop();
      }
      return true;
    }
    if (stuck_pod_ == StuckPod::None || pod != 0) return false;
    if (stuck_pod_ == StuckPod::Delta) wake(0);
    else wake_at(0, now() + 1);
    return true;
  }

 public:
  // Events that move the run forward: ops started and finished, DRAM data and router-engine
  // arrivals delivered.
  std::uint64_t progress() const { return progress_ + (transport_ ? transport_->arrivals() : 0); }
  // For the progress line: tile ops started, of all; layers completed, of all.
  std::uint64_t ops_started() const { return ops_started_; }
  std::uint64_t total_ops() const {
    std::uint64_t total = 0;
    for (std::size_t t = 0; t < tasks_.size(); ++t) total += tasks_[t].plan.op_count();
    return total;
  }
  std::uint64_t layers_done() const { return tasks_.size() - tasks_.unfinished(); }
  std::uint64_t layers() const { return tasks_.size(); }
  // The last cycle at which DRAM data already requested arrives.
  std::uint64_t dram_busy_until() const { return dram_->busy_until(); }
  const std::string& stop_reason() const { return stop_reason_; }
  void stop(const std::string& reason) { stop_reason_ = reason; }

  // Whether the pod's current op (on weight tile `tile`) may report its finish late: the pod's
  // next op in its range uses the same weight tile, so it finishes later (a pod's ops finish in
  // order) and the pod reports both by then. Until then nothing reads this finish: the tile's
  // last use and the layer's last op are each some pod's last op on its tile, reported on time,
  // and the counts it adds to are only compared at those. Partial sums sent for reduction and
  // lock-step rounds need every finish on time. (The next op, decoded here, is kept for
  // ask_ahead(), which requests it right after.)
  bool late_finish(int pod, std::size_t task, std::uint64_t tile) {
    if (!late_finish_) return false;
    const OpRange& range = dispatch_->cursor(pod);
    const std::uint64_t next = range.begin + range.stride;
    if (next >= range.end) return false;
    Decoded& decoded = next_op_[static_cast<std::size_t>(pod)];
    decoded.layer = task;
    decoded.op = dispatch_->op_at(pod, next).op;
    decoded.tile_op = tasks_[task].plan.op(decoded.op);
    return decoded.tile_op.weight_tile == tile;
  }

  // With tiles through the networks, the pod's next op (in its current range, its data on chip
  // already) will be requested at `cycle` and cannot be Ready before its booking, two cycles
  // later: register the request now, exactly as peek(pod, cycle) would.
  std::uint64_t ask_ahead(int pod, std::uint64_t cycle) override {
    if (!transport_ || done() || dispatch_->cursor(pod).empty() || accounting_->waiting(pod)) return cycle;
    const auto [active, op_index] = dispatch_->op_at(pod, dispatch_->cursor(pod).begin);
    const LayerData& data = fetch_.data(active);
    if (!data.requested || data.inputs_arrival == LayerData::kNotArrived) return cycle;
    const Decoded& decoded = next_op_[static_cast<std::size_t>(pod)];
    const TileOp tile_op =
        decoded.layer == active && decoded.op == op_index ? decoded.tile_op : tasks_[active].plan.op(op_index);
    if (data.arrival[tile_op.weight_tile] == LayerData::kNotArrived) return cycle;
    const std::uint64_t ready = std::max(operands_ready(active, tile_op.weight_tile), cycle);
    transport_->request(pod, active, op_index, tile_op, ready);
    return ready + 2;
  }

  void started(int pod, const PodOp& op, const OpTiming& timing) override {
    ++progress_;
    ++ops_started_;
    dispatch_->cursor(pod).next();
    accounting_->op_started(pod, op, timing);
  }

  void accounted(int, const PodOp& op, const OpTiming& timing, std::uint64_t weight_load_stall,
                 std::uint64_t input_network_stall) override {
    if (reduction_) reduction_->op_timed(op, timing.start);
    LayerResult& layer = result_.layers[op.layer];
    layer.stream_pod_cycles += op.stream_rows;
    layer.weight_load_stall_pod_cycles += weight_load_stall;
    layer.input_network_stall_pod_cycles += input_network_stall;
  }

  void finished(int, const OpDone& op, std::uint64_t cycle) override {
    ++progress_;
    LayerResult& layer = result_.layers[op.layer];
    layer.end_cycle = std::max(layer.end_cycle, cycle);
    fetch_.tile_used(op.layer, op.weight_tile, cycle);
    if (reduction_) reduction_->op_finished(op, cycle);
    if (++finished_ops_[op.layer] < tasks_[op.layer].plan.op_count()) return;
    fetch_.release(op.layer);
    if (reduction_) {
      reduction_->ops_done(op.layer, layer.end_cycle);
      return;
    }
    if (const auto end = dispatch_->ops_finished(op.layer, cycle)) complete(op.layer, *end);
  }

  // ---- DramListener ----

  void dram_done(std::uint64_t tag, std::uint64_t cycle) override {
    ++progress_;
    fetch_.arrived(tag, cycle);
  }

  // ---- SystemHost ----

  std::uint64_t now() const override { return now_cycle(); }
  std::size_t pod_count() const override { return pods_.size(); }
  void wake(int pod) override { pods_[static_cast<std::size_t>(pod)]->wake(); }
  void wake_at(int pod, std::uint64_t cycle) override { pods_[static_cast<std::size_t>(pod)]->wake_at(cycle); }
  void offer_from(int pod, std::uint64_t cycle) override { pods_[static_cast<std::size_t>(pod)]->offer_from(cycle); }
  void update_arrivals(int pod, std::uint64_t weights_ready, std::uint64_t stream_ready) override {
    pods_[static_cast<std::size_t>(pod)]->update_arrivals(weights_ready, stream_ready);
  }
  void book_at(std::uint64_t cycle) override { booking_event_.notify(cycles(cycle - now())); }
  void dispatch_at(std::uint64_t cycle) override {
    if (cycle == now()) dispatch_event_.notify(sc_core::SC_ZERO_TIME);
    else dispatch_event_.notify(cycles(cycle - now()));
  }
  void complete_at(std::uint64_t cycle) override { completion_event_.notify(cycles(cycle - now())); }
  void dram_request(double bytes, std::uint64_t tag) override { dram_->request(bytes, tag); }

  // Layer `index` finished at `cycle`: its dependents may become ready; the run may end.
  void complete(std::size_t index, std::uint64_t cycle) override {
    LayerResult& layer = result_.layers[index];
    layer.end_cycle = cycle;
    spdlog::debug("cycle {}: layer '{}' done ({} tile ops, released at {}; {} of {} layers); pod-cycles streaming {}, "
                  "waiting for weights {}, inputs {}, DRAM {}",
                  cycle, tasks_[index].layer.name, tasks_[index].plan.op_count(), layer.start_cycle,
                  tasks_.size() - tasks_.unfinished() + 1, tasks_.size(), layer.stream_pod_cycles,
                  layer.weight_load_stall_pod_cycles, layer.input_network_stall_pod_cycles, layer.dram_wait_pod_cycles);
    if (timeline_.enabled())
      timeline_.span(kTimelineLayers, static_cast<int>(tasks_[index].workload), tasks_[index].layer.name,
                     layer.start_cycle, cycle - layer.start_cycle);
    WorkloadResult& workload = result_.workloads[tasks_[index].workload];
    workload.end_cycle = std::max(workload.end_cycle, cycle);
    result_.cycles = std::max(result_.cycles, cycle);
    const auto released = tasks_.complete(index, cycle);
    fetch_.write_spill(index, cycle);
    if (done()) {
      const auto tail = dispatch_->uncounted_tail();
      if (tail && result_.cycles >= *tail) {
        result_.cycles -= *tail;
        workload.end_cycle = result_.cycles;
      }
    }
    for (const auto& [next, ready] : released) make_ready(next, ready);
    dispatch_->completed(index, cycle);
  }

 private:
  struct Decoded {  // per pod: its next op, decoded by late_finish()
    std::size_t layer = 0;
    std::uint64_t op = UINT64_MAX;
    TileOp tile_op;
  };

  void start() {
    fetch_.pump(0);
    for (std::size_t t = 0; t < tasks_.size(); ++t)
      if (!tasks_.pending(t)) make_ready(t, 0);
    dispatch_->start();
  }
  void run_dispatch() { dispatch_->tick(now()); }
  void run_booking() { transport_->run(now()); }
  void run_completions() { reduction_->complete_due(now()); }

  // The first op after pod `pod`'s current one (`tile_op`, of `task`, at its cursor) in its range
  // on another weight tile, if that tile had arrived from DRAM by `ready` (the tile transport
  // sends it ahead).
  bool next_weight_run(int pod, std::size_t task, const TileOp& tile_op, std::uint64_t ready, TileOp& next) const {
    const OpRange& range = dispatch_->cursor(pod);
    const LayerData& data = fetch_.data(task);
    for (std::uint64_t at = range.begin + range.stride; at < range.end; at += range.stride) {
      const auto [of_task, op] = dispatch_->op_at(pod, at);
      if (of_task != task) return false;
      next = tasks_[task].plan.op(op);
      if (next.weight_tile == tile_op.weight_tile) continue;
      return data.requested && next.weight_tile < data.arrival.size() && data.arrival[next.weight_tile] <= ready;
    }
    return false;
  }

  // From when an op of `task` on weight tile `tile` has its data on chip and its layer released
  // (the reference pod relies on this; the fast pod takes the later of this and the cycle it asks).
  std::uint64_t operands_ready(std::size_t task, std::uint64_t tile) const {
    return fetch_.operands_ready(task, tile, result_.layers[task].start_cycle);
  }

  // Layer `index` may start at `cycle`: its dependencies are done.
  void make_ready(std::size_t index, std::uint64_t cycle) {
    result_.layers[index].start_cycle = cycle;
    WorkloadResult& workload = result_.workloads[tasks_[index].workload];
    if (!workload_started_[tasks_[index].workload] || cycle < workload.start_cycle) workload.start_cycle = cycle;
    workload_started_[tasks_[index].workload] = true;
    dispatch_->released(index, cycle);
  }

  SimulationResult& result_;
  Timeline& timeline_;
  std::unique_ptr<Scheduler> scheduler_;
  TaskGraph tasks_;
  OperandFetch fetch_;
  NetworkSet networks_;
  std::unique_ptr<Dispatch> dispatch_;
  std::unique_ptr<TileTransport> transport_;  // per-op transfers (none under rounds or ideal transfers)
  std::unique_ptr<KReduction> reduction_;     // post-processor trees (k_reduction: post_processors)
  std::unique_ptr<RunAccounting> accounting_;
  std::vector<std::uint64_t> finished_ops_;   // per task
  std::vector<Decoded> next_op_;
  bool late_finish_ = false;  // ops may report their finish late (see late_finish())
  // The watchdog's view: events that move the run forward, and peeks within one cycle.
  std::uint64_t progress_ = 0;
  std::uint64_t ops_started_ = 0;
  std::uint64_t peek_cycle_ = UINT64_MAX, peeks_in_cycle_ = 0, peek_limit_ = 0;
  std::string stop_reason_;  // why the watchdog stopped the run ("" while it runs)
  // A deliberately stuck pod 0, for the watchdog's tests (SOSASIM_TEST_STUCK_POD=delta: it wakes
  // itself within the cycle forever; =time: every next cycle, never taking an op).
  enum class StuckPod { None, Delta, Time } stuck_pod_ = StuckPod::None;
  std::vector<bool> workload_started_ = std::vector<bool>(result_.workloads.size(), false);
  sc_core::sc_event dispatch_event_, booking_event_, completion_event_;
  std::unique_ptr<DramModule> dram_;
  std::unique_ptr<WakeQueue> pod_clock_;  // declared before the pods, which hold a reference
  std::vector<std::unique_ptr<PodModule>> pods_;
};

}  // namespace

SimulationResult run_simulation(const SimConfig& config, const std::vector<Workload>& workloads,
                                const std::string& timeline_path) {
  // SystemC elaborates a simulation context once. A later run in the same process (the steps of
  // a training run, the iterations of a serving run) gets a fresh context, its time from zero.
  // The first one stays allocated, and reachable, until the process ends: SystemC's own static
  // events refer to it until their destructors run at exit. A later spent one is deleted (a
  // serving run simulates thousands of phases).
  if (sc_core::sc_get_curr_simcontext()->elaboration_done()) {
    static sc_core::sc_simcontext* first = nullptr;
    sc_core::sc_simcontext* spent = sc_core::sc_curr_simcontext;
    sc_core::sc_curr_simcontext = new sc_core::sc_simcontext;
    sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
    if (first == nullptr) first = spent;
    else delete spent;
  }
  SimulationResult result;
  Timeline timeline(timeline_path);
  Controller controller("system", config, workloads, result, timeline);
  // (the watchdog reports why it stopped a run; SystemC's own note of the stop adds nothing)
  sc_core::sc_report_handler::set_actions("/OSCI/SystemC", sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  // (a slice without events is expected: the loop below goes on to the next event)
  sc_core::sc_report_handler::set_actions(sc_core::SC_ID_NO_SC_START_ACTIVITY_, sc_core::SC_DO_NOTHING);
  auto wall_start = std::chrono::steady_clock::now();
  // The run goes on until no event is left. It is simulated in slices, and between them a
  // watchdog stops a run that has stopped moving forward: no op started or finished, no DRAM
  // data or router-engine arrival in a whole slice, with DRAM idle (a run waiting for slow DRAM
  // is waiting, not stuck). Within a cycle, the controller stops a livelock itself (watch_peek).
  // Slices of 100 k cycles give the progress line its pace; the watchdog waits 1 M cycles.
  constexpr std::uint64_t kWatchCycles = 1000000, kSliceCycles = 100000;
  std::uint64_t last_progress = controller.progress(), last_moved = 0;
  RunProgress progress_line(controller.total_ops(), controller.layers(), spdlog::should_log(spdlog::level::info));
  while (controller.stop_reason().empty()) {
    const std::uint64_t before = now_cycle();
    sc_core::sc_start(cycles(kSliceCycles), sc_core::SC_EXIT_ON_STARVATION);
    progress_line.update(now_cycle(), controller.ops_started(), controller.layers_done());
    if (!sc_core::sc_pending_activity()) break;
    // A slice with no event in it does not advance (SystemC's W571): go to the next event.
    if (now_cycle() == before && controller.progress() == last_progress)
      sc_core::sc_start(sc_core::sc_time_to_pending_activity(), sc_core::SC_EXIT_ON_STARVATION);
    const std::uint64_t progress = controller.progress(), now = now_cycle();
    if (progress != last_progress) {
      last_progress = progress;
      last_moved = now;
    } else if (!controller.done() && now - last_moved >= kWatchCycles && now > controller.dram_busy_until()) {
      controller.stop("watchdog: nothing moved from cycle " + std::to_string(last_moved) + " to " +
                      std::to_string(now) + " (no tile op started or finished, no data arrived)");
    }
  }
  progress_line.finish();
  result.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  spdlog::debug("simulation ended at cycle {} after {:.3f} s of wall time", now_cycle(), result.wall_seconds);
  if (!controller.stop_reason().empty())
    throw ModelError(now_cycle(), "system controller", controller.stop_reason() + "; " + controller.stuck_report());
  if (!controller.done() && controller.stopped_by_prefetch_window())
    throw ConfigError("key 'dram.prefetch_kib': the prefetch window of " + std::to_string(config.dram.prefetch_kib) +
                      " KiB is too small for this run: it fills with weight tiles the pods cannot use yet while they "
                      "wait for others (" + controller.stuck_report() + "); raise it, or 0 for the W banks' capacity");
  if (!controller.done()) throw ModelError(now_cycle(), "system controller", controller.stuck_report());
  controller.collect_stats();
  return result;
}

}  // namespace sosasim
