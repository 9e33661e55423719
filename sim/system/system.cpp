// The system top level (SystemC): the controller, N pod modules and the DRAM module.
//
// Model (docs/model.md):
// - Layers are released when their dependencies have finished (layer_static, and sosa_rounds
//   with layers: sequential: one at a time, in trace order; dynamic and sosa_rounds with layers:
//   concurrent: every ready layer at once). Workloads run one after another unless those two
//   share the pods among them.
// - The scheduler gives each pod its ops of a layer (its contiguous range, which dynamic hands
//   out when the pod frees up, or the ops the round scheduler placed on it); pods execute them
//   in order with the fast per-op array model (arch/pod_timing.h) or, at reference fidelity, the
//   cycle-by-cycle PE array.
// - Weights come from DRAM: the controller streams every layer's weight tiles in run order as
//   far ahead as the pods' W banks (pods x bank_kib) hold; a tile's space frees when its last op
//   has finished. Layers without producers also fetch their input X from DRAM first.
// - Tiles reach the pods through the networks: under sosa_rounds, routes are reserved per round
//   (tiling/round_schedule.h); otherwise each op's input tile and each new weight tile are booked
//   on the X and W networks' links (interconnect/network_calendar.h) when the pod asks for the op,
//   or, with interconnect.transfers: routers, sent through the router engines
//   (sim/system/router_transfers.h), and the pod learns when they arrive.
// - Partial sums accumulate in each pod's own P bank. K blocks of one output tile computed on
//   several pods are added for free (tiling.k_reduction: free) or by post-processor reduction
//   trees over a third network (post_processors), which a layer's completion waits for; under
//   sosa_rounds, post_processors adds them in rounds after the layer's ops, as the SOSA authors'
//   compiler does (tiling/round_schedule.h).
#include "sim/system/system.h"

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <set>
#include <unordered_map>
#include <memory>

#include <systemc>

#include "arch/dram_module.h"
#include "arch/format.h"
#include "arch/pod_module.h"
#include "sim/errors.h"
#include "sim/sc_cycles.h"
#include "sim/system/router_transfers.h"
#include "sim/system/timeline.h"
#include "interconnect/network_calendar.h"
#include "interconnect/route_table.h"
#include "tiling/round_schedule.h"
#include "tiling/scheduler.h"
#include "interconnect/topology.h"
#include "tiling/tiling.h"
#include "workloads/layer_graph.h"

namespace sosasim {

namespace {

constexpr std::uint64_t kNotArrived = UINT64_MAX;
constexpr std::uint64_t kInputTile = 0xFFFFFFFFull;
constexpr std::size_t kNoTask = SIZE_MAX;
constexpr std::uint64_t kSpillTile = 0xFFFFFFFEull;  // DRAM tag of a layer's spilled output

std::uint64_t current_cycle() { return now_cycle(); }

struct LayerTask {
  std::size_t workload = 0;
  Layer layer;
  LayerPlan plan;
  bool fetches_input = false;
  std::uint64_t first_weight_key = 0;  // weight keys are unique across the run
  double operand_bytes = 1;            // per element, in the layer's format
  int psum_bytes = 2;
  double weight_bytes = 1;             // per kept weight: operand plus sparsity index bits
  double dense_k_per_row = 1;          // rows of X's K per array row (group / keep when sparse)
  double spill_bytes = 0;              // output that does not fit on chip: written to DRAM
  double input_spill_bytes = 0;        // inputs its producers spilled: read back from DRAM
  std::vector<std::size_t> producers;  // tasks whose outputs it reads (the layer graph)
};

// Weight tiles (and inputs) of one layer on their way from DRAM or on chip.
struct LayerData {
  bool requested = false;
  std::uint64_t requested_cycle = 0;      // when DRAM started to bring it (dynamic claims see it after)
  std::uint64_t inputs_arrival = 0;       // kNotArrived while the input fetch is pending
  std::vector<std::uint64_t> arrival;     // per weight tile
  std::vector<std::uint32_t> remaining;   // per weight tile: ops not yet finished
  std::vector<std::uint32_t> fetch_order; // weight tiles in the order the pods will use them
};

class Controller : public sc_core::sc_module, public PodWorkSource, public DramListener {
 public:
  SC_HAS_PROCESS(Controller);

  Controller(sc_core::sc_module_name name, const SimConfig& config, const std::vector<Workload>& workloads,
             SimulationResult& result, Timeline& timeline)
      : sc_core::sc_module(name),
        config_(config),
        result_(result),
        timeline_(timeline),
        scheduler_(make_scheduler(config.tiling.params)),
        w_capacity_bytes_(static_cast<double>(config.pods) * static_cast<double>(config.sram.bank_kib) * 1024.0),
        activation_capacity_bytes_(w_capacity_bytes_),
        prefetch_bytes_(config.dram.prefetch_kib > 0
                            ? std::min(w_capacity_bytes_, static_cast<double>(config.dram.prefetch_kib) * 1024.0)
                            : w_capacity_bytes_) {
    TileShape shape{config.partition_rows(), config.array.rows, config.array.cols};
    std::uint64_t weight_key = 0;
    dynamic_ = scheduler_->dynamic();
    round_policy_ = scheduler_->rounds();
    const bool graph_order = dynamic_ || (round_policy_.lockstep && round_policy_.concurrent_layers);
    for (std::size_t w = 0; w < workloads.size(); ++w) {
      result_.workloads.push_back(WorkloadResult{workloads[w].name, workloads[w].path, 0, 0, 0});
      // Tasks in an order that respects the layer graph (the file order when it does); layers
      // without dependencies read their inputs from DRAM.
      std::vector<std::size_t> task_of_layer(workloads[w].layers.size());
      for (std::size_t l : topological_order(workloads[w])) {
        task_of_layer[l] = tasks_.size();
        std::vector<std::size_t> depends;
        if (!graph_order) {
          if (!tasks_.empty()) depends.push_back(tasks_.size() - 1);  // one layer at a time, workloads in turn
        } else {
          for (std::size_t d : workloads[w].layers[l].depends) depends.push_back(task_of_layer[d]);
        }
        pending_.push_back(depends.size());
        depends_on_.push_back(depends);
        dependents_.emplace_back();
        for (std::size_t d : depends) dependents_[d].push_back(tasks_.size());
        const Layer& layer = workloads[w].layers[l];
        FormatSpec format = apply_format_override(layer_format(config.format, l, workloads[w].layers.size()), layer.format);
        SparsitySpec sparsity = config.sparsity;
        if (layer.sparsity == "none") sparsity = SparsitySpec{};
        else if (!layer.sparsity.empty()) parse_sparsity_pattern(layer.sparsity, sparsity.keep, sparsity.group);
        // A sparse array works on the compressed K: keep of every group of weights.
        Layer compressed = layer;
        compressed.K = sparsity.compressed(layer.K);
        double operand = operand_bits(format) / 8.0;
        tasks_.push_back(LayerTask{w, layer, LayerPlan(compressed, shape), layer.depends.empty(), weight_key, operand,
                                   partial_sum_bytes(format), operand + sparsity.index_bits() / 8.0,
                                   static_cast<double>(layer.K) / static_cast<double>(compressed.K), 0, 0, {}});
        tasks_.back().plan.set_m_block(scheduler_->m_block(tasks_.back().plan, config.pods));
        weight_key += tasks_.back().plan.weight_tiles();
        // Activations stay in the pods' X banks while they fit; a larger output spills to DRAM
        // and its consumers read it back.
        LayerTask& added = tasks_.back();
        for (std::size_t d : workloads[w].layers[l].depends) added.producers.push_back(task_of_layer[d]);
        double output = static_cast<double>(layer.M * layer.N * layer.count) * operand;
        added.spill_bytes = std::max(0.0, output - activation_capacity_bytes_);
        for (std::size_t producer : added.producers) added.input_spill_bytes += tasks_[producer].spill_bytes;
        LayerResult layer_result;
        layer_result.workload = w;
        layer_result.layer = layer;
        layer_result.format = format;
        layer_result.tile_ops = tasks_.back().plan.op_count();
        result_.layers.push_back(layer_result);
      }
    }
    data_.resize(tasks_.size());
    if (!round_policy_.lockstep && !config.tiling.reduce_on_post_processors) count_free_partial_tiles(config.pods);
    finished_ops_.assign(tasks_.size(), 0);
    next_chunk_.assign(tasks_.size(), 0);
    chunk_claimed_.resize(tasks_.size());
    first_unclaimed_.assign(static_cast<std::size_t>(config.pods), 0);
    completed_.assign(tasks_.size(), false);
    dependencies_done_.assign(tasks_.size(), 0);
    idle_since_.assign(static_cast<std::size_t>(config.pods), kNotArrived);
    spill_read_arrival_.assign(tasks_.size(), kNotArrived);
    spill_writes_pending_.assign(tasks_.size(), 0);
    for (std::size_t t = 0; t < tasks_.size(); ++t)
      for (std::size_t producer : tasks_[t].producers)
        if (tasks_[producer].spill_bytes > 0) ++spill_writes_pending_[t];
    cursors_.resize(static_cast<std::size_t>(config.pods));
    next_op_.resize(static_cast<std::size_t>(config.pods));
    pod_task_.assign(static_cast<std::size_t>(config.pods), kNoTask);
    claimed_.assign(static_cast<std::size_t>(config.pods), kNoTask);
    waiting_since_.assign(static_cast<std::size_t>(config.pods), kNotArrived);

    ArrayShape array{config.array.rows, config.array.cols, config.array.double_buffer_weights, Dataflow::WS,
                     config.array.ideal_fill_drain};
    // Network latency L: routers on a path times the hop latency (for SOSA's 2L+1 round minimum).
    // Each network's topology (`interconnect.x`, `.w`, `.p`); networks with the same one share
    // its graph and route table (each keeps its own reservations).
    for (std::size_t n = 0; n < networks_of_.size(); ++n) {
      std::size_t same = 0;
      while (same < n && !(config.interconnect.networks[same].all() == config.interconnect.networks[n].all())) ++same;
      if (same < n) {
        networks_of_[n] = networks_of_[same];
        continue;
      }
      auto built = std::make_unique<BuiltNetwork>();
      built->topology = make_topology(config.interconnect.networks[n]);
      built->graph = built->topology->build(config.pods);
      built->routes = std::make_unique<RouteTable>(*built->topology, built->graph, round_policy_.route_choices,
                                                   static_cast<int>(config.pods), config.interconnect.spread_ports);
      built->hop_latency = static_cast<int>(config.interconnect.networks[n].get_int("hop_latency"));
      networks_of_[n] = built.get();
      built_networks_.push_back(std::move(built));
      network_latency_ = std::max(network_latency_, static_cast<std::uint64_t>(networks_of_[n]->graph.stages *
                                                                              networks_of_[n]->hop_latency));
    }
    if (round_policy_.lockstep) {
      task_last_round_.assign(tasks_.size(), 0);
      pod_ops_.resize(static_cast<std::size_t>(config.pods));
      waiting_round_.assign(static_cast<std::size_t>(config.pods), false);
      reducer_ = std::make_unique<ReductionPlanner>(config.pods);
    }
    if (!round_policy_.lockstep && !config.interconnect.ideal_transfers) {
      networks_ = true;
      reduces_ = config.tiling.reduce_on_post_processors;
      if (config.interconnect.router_transfers) {
        // Each router input buffers one whole tile, the least virtual cut-through allows: input
        // and partial-sum tiles are at most p rows, weight tiles r.
        const auto buffer = static_cast<int>(std::max(config.partition_rows(), config.array.rows));
        routed_bytes_.assign(tasks_.size(), {0.0, 0.0, 0.0});
        std::array<RouterTransfers::Setup, RouterTransfers::kNetworks> setups;
        for (std::size_t n = 0; n < setups.size(); ++n)
          setups[n] = {&networks_of_[n]->graph, networks_of_[n]->topology.get(), networks_of_[n]->routes.get(),
                       networks_of_[n]->hop_latency};
        routers_ = std::make_unique<RouterTransfers>(setups, static_cast<int>(config.pods),
                                                     buffer, config.interconnect.adaptive_routing,
                                                     config.interconnect.straight_first, config.reference_fidelity);
      } else {
        auto calendar = [&](int network) {
          return std::make_unique<NetworkCalendar>(*networks_of_[static_cast<std::size_t>(network)]->routes,
                                                   networks_of_[static_cast<std::size_t>(network)]->hop_latency);
        };
        x_network_ = calendar(kInputNetwork);
        w_network_ = calendar(kWeightNetwork);
        if (reduces_) p_network_ = calendar(kPartialSumNetwork);
      }
      reductions_pending_.assign(tasks_.size(), 0);
      trees_.resize(tasks_.size());
      reduction_end_.assign(tasks_.size(), 0);
      last_finish_.assign(tasks_.size(), 0);
      booked_.resize(static_cast<std::size_t>(config.pods));
      pod_weight_key_.assign(static_cast<std::size_t>(config.pods), kNotArrived);
    }
    double bytes_per_cycle = config.dram.bandwidth_gbps * 1073741824.0 / (config.frequency_ghz * 1e9);
    dram_ = std::make_unique<DramModule>("dram", bytes_per_cycle,
                                         static_cast<std::uint64_t>(config.dram.latency_cycles), *this);
    pod_clock_ = std::make_unique<WakeQueue>("pod_clock");
    for (std::int64_t p = 0; p < config.pods; ++p)
      pods_.push_back(std::make_unique<PodModule>(("pod_" + std::to_string(p)).c_str(), static_cast<int>(p),
                                                  array, *this, *pod_clock_, config.reference_fidelity));
    SC_METHOD(start);
    if (round_policy_.lockstep) {
      SC_METHOD(run_rounds);
      sensitive << round_event_;
      dont_initialize();
    }
    if (networks_) {
      SC_METHOD(book_requests);
      sensitive << booking_event_;
      dont_initialize();
      SC_METHOD(complete_due);
      sensitive << completion_event_;
      dont_initialize();
    }
  }

  bool done() const { return tasks_done_ >= tasks_.size(); }

  // What `k_reduction: free` leaves out: per output tile, one partial tile for every pod but the
  // last among those whose chunks hold its K blocks (the transfers post_processors would make).
  void count_free_partial_tiles(std::int64_t pods) {
    std::vector<int> contributors;
    for (const LayerTask& task : tasks_) {
      const LayerPlan& plan = task.plan;
      if (plan.k_parts() < 2) continue;
      const auto chunks = static_cast<std::int64_t>(std::min<std::uint64_t>(static_cast<std::uint64_t>(pods), plan.op_count()));
      const std::uint64_t column_blocks = plan.op_count() / static_cast<std::uint64_t>(plan.k_parts() * plan.m_parts());
      for (std::uint64_t cb = 0; cb < column_blocks; ++cb)
        for (std::int64_t m = 0; m < plan.m_parts(); ++m) {
          tile_contributors(plan, cb, m, chunks, contributors);
          if (contributors.size() < 2) continue;
          const TileOp tile_op = plan.op(plan.op_index(cb, 0, m));
          const std::uint64_t sent = contributors.size() - 1;
          result_.free_partial_tiles += sent;
          result_.free_partial_bytes +=
              static_cast<double>(sent * static_cast<std::uint64_t>(tile_op.m_rows * tile_op.n_cols)) * task.psum_bytes;
        }
    }
  }

  // The chunks (one per pod) that compute the K blocks of output tile (`column_block`, `m_part`),
  // in K order: a chunk holds consecutive ops, so each change of chunk along K is another pod.
  static void tile_contributors(const LayerPlan& plan, std::uint64_t column_block, std::int64_t m_part,
                                std::int64_t chunks, std::vector<int>& out) {
    out.clear();
    for (std::int64_t k = 0; k < plan.k_parts(); ++k) {
      const auto c = static_cast<int>(chunk_of(plan, plan.op_index(column_block, k, m_part), chunks));
      if (out.empty() || out.back() != c) out.push_back(c);
    }
  }

  // DRAM stopped at a full prefetch window smaller than the W banks: the window, not the model,
  // keeps the pods from the tiles they wait for.
  bool stopped_by_prefetch_window() const {
    return fetch_layer_ < tasks_.size() && prefetch_bytes_ < w_capacity_bytes_ && !waiters_.empty();
  }

  std::string stuck_report() const {
    std::string text = std::to_string(tasks_.size() - tasks_done_) + " layers unfinished";
    for (std::size_t t = 0; t < tasks_.size(); ++t)
      if (finished_ops_[t] < tasks_[t].plan.op_count() && pending_[t] == 0) {
        text += "; layer '" + tasks_[t].layer.name + "' stalled with " + std::to_string(finished_ops_[t]) + " of " +
                std::to_string(tasks_[t].plan.op_count()) + " tile ops finished";
        break;
      }
    std::size_t waiting = 0;
    for (const auto& entry : waiters_) waiting += entry.second.size();
    text += "; " + std::to_string(waiting) + " pods wait for DRAM data";
    if (!waiters_.empty()) {
      const std::uint64_t tag = waiters_.begin()->first;
      const auto layer = static_cast<std::size_t>(tag >> 32);
      const std::uint64_t tile = tag & kInputTile;
      text += " (first: " + (tile == kInputTile ? std::string("the inputs") : "weight tile " + std::to_string(tile)) +
              " of layer '" + tasks_[layer].layer.name + "')";
    }
    if (fetch_layer_ < tasks_.size())
      text += "; DRAM fetches wait at layer '" + tasks_[fetch_layer_].layer.name + "' tile " + std::to_string(fetch_tile_) +
              " with " + std::to_string(static_cast<std::uint64_t>(resident_bytes_)) + " of " +
              std::to_string(static_cast<std::uint64_t>(prefetch_bytes_)) + " weight bytes on chip (the prefetch window)";
    return text;
  }

  void collect_stats() {
    for (std::uint64_t since : idle_since_)  // pods idle until the end
      if (since != kNotArrived && since < result_.cycles) result_.reduction_wait_pod_cycles += reduction_overlap(since, result_.cycles);
    for (const auto& stat : pod_stat_table()) {
      std::uint64_t total = 0;
      for (const auto& pod : pods_) total += pod->stats().*stat.member;
      result_.pod_stats.push_back({stat.name, stat.unit, stat.description, total});
    }
    for (const auto& pod : pods_) result_.pod_stream_cycles += pod->stats().stream_cycles;
    result_.dram_busy_cycles = dram_->stats().busy_cycles;
    if (routers_)
      for (const auto& [name, network] : {std::pair<const char*, RouterTransfers::Network>{"x", RouterTransfers::X},
                                           {"w", RouterTransfers::W}, {"p", RouterTransfers::P}}) {
        if (!routers_->used(network)) continue;
        const RouterTransfers::Use use = routers_->use(network);
        result_.networks.push_back(
            {name, use.transfers, use.joined, use.flit_hops, use.wait_cycles, use.bank_port_wait_cycles});
      }
    if (x_network_)
      for (const auto& [name, network] : {std::pair<const char*, const NetworkCalendar*>{"x", x_network_.get()},
                                           std::pair<const char*, const NetworkCalendar*>{"w", w_network_.get()},
                                           std::pair<const char*, const NetworkCalendar*>{"p", p_network_.get()}}) {
        if (!network) continue;
        const CalendarStats& use = network->stats();
        result_.networks.push_back(
            {name, use.transfers, use.joined, use.flit_hops, use.wait_cycles, use.bank_port_wait_cycles});
      }
    for (std::size_t l = 0; l < routed_bytes_.size(); ++l)
      for (std::size_t n = 0; n < 3; ++n) result_.layers[l].activity.network_bytes[n] += routed_bytes_[l][n];
    for (const auto& layer : result_.layers) {
      result_.activity.macs += layer.activity.macs;
      result_.activity.sram_bytes += layer.activity.sram_bytes;
      for (std::size_t n = 0; n < 3; ++n) result_.activity.network_bytes[n] += layer.activity.network_bytes[n];
      result_.activity.dram_bytes += layer.activity.dram_bytes;
      result_.activity.additions += layer.activity.additions;
    }
  }

  // ---- PodWorkSource ----

  PeekResult peek(int pod, std::uint64_t cycle, PodOp& op) override {
    if (done()) return PeekResult::Idle;
    OpRange& range = cursors_[static_cast<std::size_t>(pod)];
    if (range.empty()) {
      const auto p = static_cast<std::size_t>(pod);
      if (!claim(pod, cycle)) {
        if (idle_since_[p] == kNotArrived) idle_since_[p] = cycle;
        // Data that arrived in this cycle, before the pod asked, is claimable from the next.
        if (dynamic_ && last_open_arrival_ != kNotArrived && last_open_arrival_ >= cycle)
          pods_[p]->offer_from(last_open_arrival_ + 1);
        return PeekResult::Idle;
      }
      if (idle_since_[p] != kNotArrived) {
        result_.reduction_wait_pod_cycles += reduction_overlap(idle_since_[p], cycle);
        idle_since_[p] = kNotArrived;
      }
    }
    if (round_policy_.lockstep) pod_task_[static_cast<std::size_t>(pod)] = pod_ops_[static_cast<std::size_t>(pod)][range.begin].task;
    const std::size_t active = pod_task_[static_cast<std::size_t>(pod)];
    const LayerTask& task = tasks_[active];
    LayerData& data = data_[active];
    const std::uint64_t op_index = op_at(pod, range.begin);
    const bool requested = networks_ && booked_[static_cast<std::size_t>(pod)].is(active, op_index);
    // (decoded when it was requested, by ask_ahead or an earlier peek)
    const TileOp tile_op = requested ? booked_[static_cast<std::size_t>(pod)].tile_op : task.plan.op(op_index);
    const std::uint64_t tile = tile_op.weight_tile;
    std::uint64_t layer_tag = static_cast<std::uint64_t>(active) << 32;
    if (!data.requested || data.inputs_arrival == kNotArrived) {
      return wait_for(pod, layer_tag | (data.requested ? kInputTile : tile));
    }
    if (data.arrival[tile] == kNotArrived) return wait_for(pod, layer_tag | tile);
    std::uint64_t now = current_cycle();
    std::uint64_t& since = waiting_since_[static_cast<std::size_t>(pod)];
    if (since != kNotArrived) {
      result_.operand_wait_cycles += now - since;
      since = kNotArrived;
    }
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
    if (round_policy_.lockstep) {
      const std::uint32_t round = schedules_.at(active).round[op_index];
      if (round >= next_round_) {  // it has not begun: run_rounds() wakes the pod when it does
        waiting_round_[static_cast<std::size_t>(pod)] = true;
        return PeekResult::Waiting;
      }
      op.operands_ready = std::max(op.operands_ready, round_start_[round]);
    }
    if (networks_) {
      // The op's tiles are requested at R = max(cycle, operands ready): when the pod could begin
      // its weight load. Requests are booked two cycles later, all of cycle R at once in pod
      // order, so the order does not depend on when the pod model asks (the reference array
      // asks one cycle behind); no transfer arrives before R + 2 (at least one router and two hops).
      // The pod steps again when its request is due (book_due(), from whichever of the pods
      // steps first at that cycle), so no process runs just to book.
      Booked& booked = booked_[static_cast<std::size_t>(pod)];
      if (!requested) {
        const std::uint64_t ready = std::max(op.operands_ready, cycle);
        request(pod, active, op_index, tile_op, ready);
        pods_[static_cast<std::size_t>(pod)]->wake_at(ready + 2);
        return PeekResult::Waiting;
      }
      if (booked.state == Booked::Requested) {
        if (booked.ready + 2 > now) {
          pods_[static_cast<std::size_t>(pod)]->wake_at(booked.ready + 2);
          return PeekResult::Waiting;
        }
        book_due(now);
      }
      if (booked.state == Booked::Sent) {  // the tiles are on their way through the router engines
        if (!config_.reference_fidelity) return PeekResult::Waiting;  // arrived() wakes the pod
        // The reference array takes the op now and learns the arrival times from arrived(),
        // one hop before the heads come (it simulates a cycle behind).
        booked.pulled = true;
      }
      op.weights_arrive = booked.weights_ready;
      op.stream_ready = booked.stream_ready;
      op.requested = booked.ready;
    }
    op.late_finish = late_finish(pod, active, tile);
    return PeekResult::Ready;
  }

  // Whether the pod's current op (on weight tile `tile`) may report its finish late: the pod's
  // next op in its range uses the same weight tile, so it finishes later (a pod's ops finish in
  // order) and the pod reports both by then. Until then nothing reads this finish: the tile's
  // last use and the layer's last op are each some pod's last op on its tile, reported on time,
  // and the counts it adds to are only compared at those. Partial sums sent for reduction and
  // lock-step rounds need every finish on time. (The next op, decoded here, is kept for
  // ask_ahead(), which requests it right after.)
  bool late_finish(int pod, std::size_t task, std::uint64_t tile) {
    if (reduces_ || round_policy_.lockstep) return false;
    const auto p = static_cast<std::size_t>(pod);
    const OpRange& range = cursors_[p];
    const std::uint64_t next = range.begin + range.stride;
    if (next >= range.end) return false;
    Decoded& decoded = next_op_[p];
    decoded.layer = task;
    decoded.op = op_at(pod, next);
    decoded.tile_op = tasks_[task].plan.op(decoded.op);
    return decoded.tile_op.weight_tile == tile;
  }

  // With tiles through the networks, the pod's next op (in its current range, its data on chip
  // already) will be requested at `cycle` and cannot be Ready before its booking, two cycles
  // later: register the request now, exactly as peek(pod, cycle) would.
  std::uint64_t ask_ahead(int pod, std::uint64_t cycle) override {
    const auto p = static_cast<std::size_t>(pod);
    if (!networks_ || done() || cursors_[p].empty() || waiting_since_[p] != kNotArrived) return cycle;
    const std::size_t active = pod_task_[p];
    const LayerData& data = data_[active];
    if (!data.requested || data.inputs_arrival == kNotArrived) return cycle;
    const std::uint64_t op_index = op_at(pod, cursors_[p].begin);
    const Decoded& decoded = next_op_[p];
    const TileOp tile_op =
        decoded.layer == active && decoded.op == op_index ? decoded.tile_op : tasks_[active].plan.op(op_index);
    if (data.arrival[tile_op.weight_tile] == kNotArrived) return cycle;
    const std::uint64_t ready = std::max(operands_ready(active, tile_op.weight_tile), cycle);
    request(pod, active, op_index, tile_op, ready);
    return ready + 2;
  }

  // From when an op of `task` on weight tile `tile` has its data on chip and its layer released
  // (the reference pod relies on this; the fast pod takes the later of this and the cycle it asks).
  std::uint64_t operands_ready(std::size_t task, std::uint64_t tile) const {
    const LayerData& data = data_[task];
    return std::max({data.arrival[tile], data.inputs_arrival, result_.layers[task].start_cycle});
  }

  // Pod `pod` asks for the tiles of op `op_index` of `task`, ready at `ready`: booked by book_due().
  void request(int pod, std::size_t task, std::uint64_t op_index, const TileOp& tile_op, std::uint64_t ready) {
    booked_[static_cast<std::size_t>(pod)] = Booked{Booked::Requested, task, op_index, ready, 0, 0, tile_op,
                                                    tasks_[task].first_weight_key + tile_op.weight_tile};
    requests_[ready].push_back(pod);
    if (routers_) booking_event_.notify(cycles(ready + 2 - current_cycle()));
  }

  void started(int pod, const PodOp& op, const OpTiming& timing) override {
    cursors_[static_cast<std::size_t>(pod)].next();
    TileOp tile_op;
    tile_op.m_rows = static_cast<std::int64_t>(op.stream_rows);
    tile_op.k_rows = op.k_rows;
    tile_op.n_cols = op.n_cols;
    tile_op.k_part = op.k_part;
    tile_op.weight_tile = op.weight_tile;
    LayerResult& layer = result_.layers[op.layer];
    std::uint64_t macs = tile_op.useful_macs();
    layer.useful_macs += macs;
    result_.useful_macs += macs;
    result_.workloads[tasks_[op.layer].workload].useful_macs += macs;
    ++result_.tile_ops;
    const LayerTask& task = tasks_[op.layer];
    ActivityCounts& activity = layer.activity;
    activity.macs += macs;
    double x_bytes = static_cast<double>(tile_op.m_rows * tile_op.k_rows) * task.dense_k_per_row * task.operand_bytes;
    double p_bytes = static_cast<double>(tile_op.m_rows * tile_op.n_cols * task.psum_bytes);
    // With the networks modelled, the input and weight tiles' bank reads and network bytes are
    // counted when their transfers are booked (a multicast copy reads the bank once and crosses
    // only the links it does not share).
    const bool booked = networks_;
    double moved = (booked ? 0.0 : x_bytes) + p_bytes * (tile_op.k_part > 0 ? 2.0 : 1.0);
    activity.network_bytes[kInputNetwork] += booked ? 0.0 : x_bytes;
    activity.network_bytes[kPartialSumNetwork] += p_bytes * (tile_op.k_part > 0 ? 2.0 : 1.0);
    OperandBytes& by_operand = result_.bytes;
    if (!booked) by_operand.sram_x_read += x_bytes;
    by_operand.sram_p_out_write += p_bytes;
    if (tile_op.k_part > 0) by_operand.sram_p_in_read += p_bytes;
    if (timing.loads_weights) {
      ++layer.weight_loads;
      ++result_.weight_loads;
      double w_bytes = static_cast<double>(tile_op.k_rows * tile_op.n_cols) * task.weight_bytes;
      if (!booked) {
        moved += w_bytes;
        activity.network_bytes[kWeightNetwork] += w_bytes;
        by_operand.sram_w_read += w_bytes;
      }
    }
    activity.sram_bytes += moved;
    if (timeline_.enabled() && timing.finish > timing.start) {  // (the reference pod times ops later)
      if (timing.loads_weights)
        timeline_.span(kTimelinePods, pod, "load weights", timing.load_start, timing.load_end - timing.load_start);
      timeline_.span(kTimelinePods, pod, task.layer.name, timing.start, timing.finish - timing.start,
                     "{\"op\":" + std::to_string(op.op_index) + ",\"rows\":" + std::to_string(tile_op.m_rows) +
                         ",\"weight_tile\":" + std::to_string(tile_op.weight_tile) + "}");
    }
  }

  void finished(int, const OpDone& op, std::uint64_t cycle) override {
    LayerResult& layer = result_.layers[op.layer];
    layer.end_cycle = std::max(layer.end_cycle, cycle);
    LayerData& data = data_[op.layer];
    const LayerTask& task = tasks_[op.layer];
    std::uint64_t tile = op.weight_tile;
    if (!task.layer.weights_on_chip && --data.remaining[tile] == 0) {
      resident_bytes_ -= tile_bytes(task, tile);
      pump(cycle);
    }
    if (reduces_) request_reduction(op, cycle);
    if (++finished_ops_[op.layer] == task.plan.op_count()) {
      data = LayerData{true, 0, 0, {}, {}, {}};  // done: free its per-tile vectors
      if (reduces_) {
        last_finish_[op.layer] = std::max(last_finish_[op.layer], layer.end_cycle);
        if (reductions_pending_[op.layer] == 0) finish_layer(op.layer);
        return;
      }
      if (round_policy_.lockstep) {  // done when its last round (of ops or additions) is over too
        const std::uint32_t last = task_last_round_[op.layer];
        if (last >= next_round_) {
          finished_at_.emplace(std::make_pair(last, op.layer), cycle);  // run_rounds() completes it then
          return;
        }
        complete(op.layer, std::max(cycle, round_end_[last]));
        return;
      }
      complete(op.layer, cycle);
    }
  }

  // ---- DramListener ----

  void dram_done(std::uint64_t tag, std::uint64_t cycle) override {
    std::size_t layer = static_cast<std::size_t>(tag >> 32);
    std::uint64_t tile = tag & kInputTile;
    if (timeline_.enabled()) {
      auto requested = dram_requested_.find(tag);
      if (requested != dram_requested_.end()) {
        timeline_.span(kTimelineDram, 0,
                       (tile == kInputTile ? "inputs of " : tile == kSpillTile ? "spill of " : "weights of ") +
                           tasks_[layer].layer.name,
                       requested->second, cycle - requested->second);
        dram_requested_.erase(requested);
      }
    }
    if (tile == kSpillTile) {  // a spilled output is in DRAM: consumers read it back
      for (std::size_t consumer = layer + 1; consumer < tasks_.size(); ++consumer) {
        const auto& producers = tasks_[consumer].producers;
        if (std::find(producers.begin(), producers.end(), layer) == producers.end()) continue;
        if (--spill_writes_pending_[consumer] > 0) continue;
        double bytes = tasks_[consumer].input_spill_bytes;
        result_.layers[consumer].activity.dram_bytes += bytes;
        result_.layers[consumer].activity.sram_bytes += bytes;
        result_.bytes.dram_spill_read += bytes;
        std::uint64_t read_tag = (static_cast<std::uint64_t>(consumer) << 32) | kInputTile;
        dram_->request(bytes, read_tag);
        if (timeline_.enabled()) dram_requested_[read_tag] = cycle;
      }
      return;
    }
    if (tile == kInputTile) {
      spill_read_arrival_[layer] = cycle;
      if (data_[layer].requested) data_[layer].inputs_arrival = cycle;
    } else {
      data_[layer].arrival[tile] = cycle;
    }
    // A pod that found no claimable chunk (claim() takes a later layer only once its data is on
    // chip) asks again from the next cycle, as a reference pod whose array is busy does anyway.
    if (dynamic_ && open_.count(layer)) {
      last_open_arrival_ = last_open_arrival_ == kNotArrived ? cycle : std::max(last_open_arrival_, cycle);
      for (std::size_t p = 0; p < pods_.size(); ++p)
        if (idle_since_[p] != kNotArrived) pods_[p]->offer_from(cycle + 1);
    }
    auto it = waiters_.find(tag);
    if (it == waiters_.end()) return;
    for (int pod : it->second) pods_[static_cast<std::size_t>(pod)]->wake();
    waiters_.erase(it);
  }

 private:
  void start() {
    pump(0);
    for (std::size_t t = 0; t < tasks_.size(); ++t)
      if (pending_[t] == 0) make_ready(t, 0);
    if (round_policy_.lockstep) plan_rounds(0);
  }

  PeekResult wait_for(int pod, std::uint64_t tag) {
    std::uint64_t& since = waiting_since_[static_cast<std::size_t>(pod)];
    if (since == kNotArrived) since = current_cycle();
    auto& list = waiters_[tag];
    if (std::find(list.begin(), list.end(), pod) == list.end()) list.push_back(pod);
    return PeekResult::Waiting;
  }

  double tile_bytes(const LayerTask& task, std::uint64_t tile) const {
    return static_cast<double>(task.plan.weight_tile_rows(tile) * task.plan.weight_tile_cols(tile)) * task.weight_bytes;
  }

  // Layer `index` may start at `cycle`: its dependencies are done.
  void make_ready(std::size_t index, std::uint64_t cycle) {
    const LayerTask& task = tasks_[index];
    result_.layers[index].start_cycle = cycle;
    WorkloadResult& workload = result_.workloads[task.workload];
    if (!workload_started_.count(task.workload) || cycle < workload.start_cycle) workload.start_cycle = cycle;
    workload_started_.insert(task.workload);
    if (round_policy_.lockstep) {  // its ops go into rounds (plan_rounds())
      unplanned_.insert(index);
      return;
    }
    open_.insert(index);
    if (dynamic_) chunk_claimed_[index].assign(chunk_count(index), 0);
    for (const auto& pod : pods_) {
      if (dynamic_) pod->offer_from(cycle + 1);  // (see claim())
      else pod->wake();
    }
  }

  // Layer `index` finished at `cycle`: its dependents may become ready; the run may end.
  void complete(std::size_t index, std::uint64_t cycle) {
    LayerResult& layer = result_.layers[index];
    layer.end_cycle = cycle;
    if (timeline_.enabled())
      timeline_.span(kTimelineLayers, static_cast<int>(tasks_[index].workload), tasks_[index].layer.name,
                     layer.start_cycle, cycle - layer.start_cycle);
    WorkloadResult& workload = result_.workloads[tasks_[index].workload];
    workload.end_cycle = std::max(workload.end_cycle, cycle);
    result_.cycles = std::max(result_.cycles, cycle);
    ++tasks_done_;
    completed_[index] = true;
    open_.erase(index);
    if (tasks_[index].spill_bytes > 0) {
      double bytes = tasks_[index].spill_bytes;
      result_.layers[index].activity.dram_bytes += bytes;
      result_.layers[index].activity.sram_bytes += bytes;
      result_.bytes.dram_spill_write += bytes;
      dram_->request(bytes, (static_cast<std::uint64_t>(index) << 32) | kSpillTile);
      if (timeline_.enabled()) dram_requested_[(static_cast<std::uint64_t>(index) << 32) | kSpillTile] = cycle;
    }
    if (done() && round_policy_.lockstep && !round_policy_.count_last_round && result_.cycles >= last_round_cycles_) {
      result_.cycles -= last_round_cycles_;  // as the SOSA authors' simulator, which stops before its last round
      workload.end_cycle = result_.cycles;
    }
    // A dependent is ready when its last dependency is done: the latest completion, which need
    // not be the last one reported (a layer under lock-step rounds completes at its round's end).
    for (std::size_t next : dependents_[index]) {
      dependencies_done_[next] = std::max(dependencies_done_[next], cycle);
      if (--pending_[next] == 0) make_ready(next, dependencies_done_[next]);
    }
    if (round_policy_.lockstep) {
      schedules_.erase(index);
      plan_rounds(cycle);
    }
  }

  // Gives pod `pod` its next range of ops: under a barrier scheduler its own range of the one
  // ready layer (once); under `dynamic` its own chunk of a ready layer it has not run yet. Chunk
  // c of a layer is pod c's, as under layer_static, so the data placement (chunk_banks) and the
  // reduction trees hold; pods just do not wait for each other between layers, and a pod without
  // a chunk in a small layer goes on to the next ready one. The pod takes the oldest layer that
  // has a chunk for it once that chunk's first weight tile is on chip; until then, a younger one
  // whose chunk has all its weights on chip; else it waits for the oldest (whose tiles DRAM
  // brings first). Never waiting on a younger layer's tiles keeps a pod from holding up an older
  // layer whose tiles fill the W banks (a deadlock with small banks). A later workload's chunk is
  // claimed a weight tile's ops at a time while an earlier workload is unfinished. A claim at
  // `cycle` sees only what happened before that cycle (layers ready, fetches started, tiles
  // arrived), so it does not depend on the order in which pods and DRAM act within a cycle; pods
  // are offered new work from the next cycle on.
  bool claim(int pod, std::uint64_t cycle) {
    const auto p = static_cast<std::size_t>(pod);
    if (dynamic_) {
      // This pod's chunk of layer t and how much of it the pod has claimed.
      auto chunk = [&](std::size_t t) {
        return scheduler_->ops_for_pod(tasks_[t].plan, pod, static_cast<std::int64_t>(chunk_count(t)));
      };
      // Ops of it the pod has claimed: all once every chunk is, none before the layer is open.
      auto claimed_ops = [&](std::size_t t, const OpRange& range) -> std::uint64_t {
        if (next_chunk_[t] >= chunk_count(t)) return range.end - range.begin;
        return chunk_claimed_[t].empty() ? 0 : chunk_claimed_[t][p];
      };
      // Whether the layer has ops for this pod that it has not claimed, ready or not.
      auto has_chunk = [&](std::size_t t) {
        if (p >= chunk_count(t)) return false;
        const OpRange range = chunk(t);
        return claimed_ops(t, range) < range.end - range.begin;
      };
      auto visible = [&](std::size_t t) {
        const LayerData& data = data_[t];
        return result_.layers[t].start_cycle < cycle && data.requested && data.requested_cycle < cycle;
      };
      // Whether the chunk's first weight tile (or all of them) and the layer's inputs are on chip.
      auto on_chip = [&](std::size_t t, bool all) {
        const LayerData& data = data_[t];
        if (data.inputs_arrival >= cycle) return false;
        const LayerPlan& plan = tasks_[t].plan;
        const OpRange range = chunk(t);
        for (std::uint64_t op = range.begin + claimed_ops(t, range); op < range.end; op += range.stride) {
          if (data.arrival[plan.op(op).weight_tile] >= cycle) return false;
          if (!all) break;
        }
        return true;
      };
      // The first layer, in run order, with a chunk this pod has not claimed (ready or not).
      std::size_t& first = first_unclaimed_[p];
      while (first < tasks_.size() && !has_chunk(first)) ++first;
      if (first == tasks_.size()) return false;
      const bool first_ready = open_.count(first) && visible(first);
      auto it = first_ready && on_chip(first, false) ? open_.find(first) : open_.end();
      if (it == open_.end()) {
        for (it = open_.upper_bound(first); it != open_.end(); ++it)
          if (has_chunk(*it) && visible(*it) && on_chip(*it, true)) break;
        if (it == open_.end()) {
          if (!first_ready) return false;
          it = open_.find(first);
        }
      }
      const std::size_t task = *it;
      const std::uint64_t chunks = chunk_count(task);
      // A layer of a later workload than the oldest unfinished one is taken a weight tile's ops at
      // a time, so a pod comes back to the older workload's layers as soon as they are ready.
      while (oldest_unfinished_ < tasks_.size() && completed_[oldest_unfinished_]) ++oldest_unfinished_;
      const bool in_pieces = oldest_unfinished_ < tasks_.size() &&
                             tasks_[task].workload > tasks_[oldest_unfinished_].workload;
      const OpRange range = chunk(task);
      std::uint64_t& claimed = chunk_claimed_[task][p];
      OpRange piece{range.begin + claimed, range.end, range.stride};
      if (in_pieces)
        piece.end = std::min(range.end, piece.begin + static_cast<std::uint64_t>(tasks_[task].plan.m_parts()));
      claimed = piece.end - range.begin;
      if (claimed == range.end - range.begin && ++next_chunk_[task] >= chunks) {
        open_.erase(task);
        chunk_claimed_[task] = std::vector<std::uint64_t>();
      }
      cursors_[p] = piece;
      pod_task_[p] = task;
      return true;  // (a chunk is never empty: chunks <= ops)
    }
    if (round_policy_.lockstep) {  // its ops placed since it last asked, in round order
      auto& ops = pod_ops_[p];
      ops.erase(ops.begin(), ops.begin() + static_cast<std::ptrdiff_t>(cursors_[p].begin));  // the ones it ran
      cursors_[p] = OpRange{0, ops.size(), 1};
      if (ops.empty()) return false;
      pod_task_[p] = ops.front().task;
      return true;
    }
    if (open_.empty()) return false;
    const std::size_t task = *open_.begin();
    if (claimed_[p] == task) return false;  // this pod's share of the layer is done
    claimed_[p] = task;
    OpRange range = scheduler_->ops_for_pod(tasks_[task].plan, pod, config_.pods);
    if (range.empty()) return false;
    cursors_[p] = range;
    pod_task_[p] = task;
    return true;
  }

  // The chunks a dynamic layer is cut into: one per pod, or one per op when it has fewer.
  std::uint64_t chunk_count(std::size_t task) const {
    return std::min<std::uint64_t>(static_cast<std::uint64_t>(config_.pods), tasks_[task].plan.op_count());
  }

  // The booking process: partial sums are sent when their tree nodes are ready, whether a pod
  // steps then or not.
  // With the router engines, it also moves the networks on to the current cycle and hands out
  // the arrivals decided (arrived()).
  void book_requests() {
    const std::uint64_t now = current_cycle();
    book_due(now);
    if (!routers_) return;
    arrivals_.clear();
    routers_->advance(now, arrivals_);
    for (const RouterTransfers::Arrival& arrival : arrivals_) arrived(arrival);
    schedule_booking(now);
  }

  // The booking process runs again at the next batch of requests or partial sums, or the next
  // cycle the router engines have something to do.
  void schedule_booking(std::uint64_t now) {
    std::uint64_t next = routers_ ? routers_->next_event() : UINT64_MAX;
    if (!reductions_.empty()) next = std::min(next, reductions_.begin()->first + 2);
    if (routers_ && !requests_.empty()) next = std::min(next, requests_.begin()->first + 2);
    if (next != UINT64_MAX) booking_event_.notify(cycles(std::max(next, now + 1) - now));
  }

  // A tile or partial sum sent through the router engines will arrive: the pod's op may start
  // once both its tiles' heads are there; a partial sum continues its reduction tree.
  void arrived(const RouterTransfers::Arrival& arrival) {
    if (arrival.network == RouterTransfers::P) {
      auto sent = reductions_sent_.find(arrival.tag);
      const Reduction reduction = sent->second;
      reductions_sent_.erase(sent);
      routed_bytes_[reduction.layer][kPartialSumNetwork] += arrival.network_bytes;
      if (timeline_.enabled())
        timeline_.span(kTimelineNetworks, 2, "partial sums to pod " + std::to_string(reduction.destination),
                       arrival.injected, arrival.tail + 1 - arrival.injected);
      reduction_arrived(reduction, arrival.tail);
      return;
    }
    const auto pod = static_cast<int>(arrival.tag);
    Booked& booked = booked_[static_cast<std::size_t>(pod)];
    routed_bytes_[booked.layer][arrival.network == RouterTransfers::W ? kWeightNetwork : kInputNetwork] +=
        arrival.network_bytes;
    const bool weights = arrival.network == RouterTransfers::W;
    (weights ? booked.weights_ready : booked.stream_ready) = arrival.head;
    if (booked.pulled) pods_[static_cast<std::size_t>(pod)]->update_arrivals(booked.weights_ready, booked.stream_ready);
    if (timeline_.enabled())
      timeline_.span(kTimelineNetworks, weights ? 1 : 0,
                     std::string(weights ? "W" : "X") + " tile to pod " + std::to_string(pod), arrival.injected,
                     arrival.tail + 1 - arrival.injected);
    if (booked.weights_ready == PodOp::kUnknown || booked.stream_ready == PodOp::kUnknown) return;
    booked.state = Booked::Resolved;
    if (!booked.pulled) pods_[static_cast<std::size_t>(pod)]->wake();
  }

  // Books the transfers requested at cycles <= now - 2, by request cycle, then pod: the pods'
  // tiles, then the partial sums their post-processors send for reduction.
  void book_due(std::uint64_t now) {
    auto first_cycle = [&] {
      std::uint64_t first = UINT64_MAX;
      if (!requests_.empty()) first = requests_.begin()->first;
      if (!reductions_.empty()) first = std::min(first, reductions_.begin()->first);
      return first;
    };
    for (std::uint64_t batch_cycle = first_cycle(); batch_cycle != UINT64_MAX && batch_cycle + 2 <= now;
         batch_cycle = first_cycle()) {
      auto batch = requests_.find(batch_cycle);
      if (batch != requests_.end()) {
        std::sort(batch->second.begin(), batch->second.end());
        const std::vector<int> pods = std::move(batch->second);
        requests_.erase(batch);
        for (int pod : pods) book_transfers(pod, batch_cycle);
      }
      auto sums = reductions_.find(batch_cycle);
      if (sums != reductions_.end()) {
        std::vector<Reduction> list = std::move(sums->second);
        reductions_.erase(sums);
        std::sort(list.begin(), list.end(),
                  [](const Reduction& a, const Reduction& b) { return std::tie(a.pod, a.key) < std::tie(b.pod, b.key); });
        for (const Reduction& reduction : list) book_reduction(reduction, batch_cycle);
      }
    }
    if (routers_) {
      routers_->flush();
      return;  // (book_requests() schedules itself)
    }
    if (!reductions_.empty()) booking_event_.notify(cycles(reductions_.begin()->first + 2 - now));
  }

  // K-reduction across pods by post-processor reduction trees. The pods that compute the K
  // blocks of one output tile (its contributors, in K order) accumulate their partial sums in
  // their own P banks. They form a binomial tree rooted at the last contributor (the owner): node
  // j (0 = owner, 1 = the contributor before it, ...) sends its partial tile to node j & (j - 1)
  // once its own last op on the tile has finished and its children's partial tiles have been
  // added; a post-processor adds a row the cycle after it arrives. A layer is done when its last
  // op has finished and every tree has reached its owner.
  struct Reduction {
    int pod = 0;            // the sender's bank
    std::size_t layer = 0;
    std::uint64_t tile = 0;  // output tile: column block * m_parts + row partition
    int node = 0;            // the sender's node in the tile's tree
    int destination = 0;     // the parent's bank
    int flits = 0;
    std::uint64_t key = 0;
    double bytes = 0;
  };
  struct TreeNode {
    int chunk = 0;
    int children_left = 0;
    std::uint64_t own_done = kNotArrived;  // its last op on the tile finished
    std::uint64_t ready = 0;               // its children's partial tiles have been added
  };

  void request_reduction(const OpDone& op, std::uint64_t cycle) {
    const LayerTask& task = tasks_[op.layer];
    const LayerPlan& plan = task.plan;
    const std::int64_t kp = plan.k_parts();
    if (kp < 2) return;
    const auto chunks = static_cast<std::int64_t>(std::min<std::uint64_t>(static_cast<std::uint64_t>(config_.pods), plan.op_count()));
    const TileOp tile_op = plan.op(op.op_index);
    const std::int64_t mine = chunk_of(plan, op.op_index, chunks);
    // This pod's last op on the output tile: its next K block is another pod's, or there is none.
    if (tile_op.k_part + 1 < kp &&
        chunk_of(plan, plan.op_index(tile_op.column_block, tile_op.k_part + 1, tile_op.m_part), chunks) == mine)
      return;
    const std::uint64_t tile = tile_op.column_block * static_cast<std::uint64_t>(plan.m_parts()) +
                               static_cast<std::uint64_t>(tile_op.m_part);
    auto [at, created] = trees_[op.layer].try_emplace(tile);
    std::vector<TreeNode>& nodes = at->second;
    if (created) {
      std::vector<int> contributors;
      tile_contributors(plan, tile_op.column_block, tile_op.m_part, chunks, contributors);
      const auto n = static_cast<int>(contributors.size());
      nodes.resize(static_cast<std::size_t>(n));
      for (int j = 0; j < n; ++j) {
        nodes[static_cast<std::size_t>(j)].chunk = contributors[static_cast<std::size_t>(n - 1 - j)];
        if (j > 0) ++nodes[static_cast<std::size_t>(j & (j - 1))].children_left;
      }
      reductions_pending_[op.layer] += static_cast<std::uint64_t>(n - 1);
    }
    int node = 0;
    while (nodes[static_cast<std::size_t>(node)].chunk != mine) ++node;
    nodes[static_cast<std::size_t>(node)].own_done = cycle;
    send_up(op.layer, tile, node, static_cast<int>(op.stream_rows),
            static_cast<double>(op.stream_rows * static_cast<std::uint64_t>(op.n_cols) *
                                static_cast<std::uint64_t>(task.psum_bytes)));
  }

  // Node `node` of a tile's tree sends its partial tile up once it has all it needs; the owner
  // then has the tile's sum.
  void send_up(std::size_t layer, std::uint64_t tile, int node, int flits, double bytes) {
    auto at = trees_[layer].find(tile);
    std::vector<TreeNode>& nodes = at->second;
    const TreeNode& me = nodes[static_cast<std::size_t>(node)];
    if (me.own_done == kNotArrived || me.children_left > 0) return;
    const std::uint64_t ready = std::max(me.own_done, me.ready);
    if (node == 0) {
      reduction_end_[layer] = std::max(reduction_end_[layer], ready);
      trees_[layer].erase(at);
      return;
    }
    Reduction reduction;
    reduction.pod = me.chunk;
    reduction.layer = layer;
    reduction.tile = tile;
    reduction.node = node;
    reduction.destination = nodes[static_cast<std::size_t>(node & (node - 1))].chunk;
    reduction.flits = flits;
    reduction.key = (static_cast<std::uint64_t>(layer + 1) << 40) |
                    (tile * static_cast<std::uint64_t>(tasks_[layer].plan.k_parts()) + static_cast<std::uint64_t>(node));
    reduction.bytes = bytes;
    reductions_[ready].push_back(reduction);
    booking_event_.notify(cycles(ready + 2 - current_cycle()));
  }

  // A partial tile is sent at `ready` (the router engines take it two cycles later, when the
  // batch is collected).
  void book_reduction(const Reduction& reduction, std::uint64_t ready) {
    ActivityCounts& activity = result_.layers[reduction.layer].activity;
    activity.sram_bytes += 3 * reduction.bytes;  // read at the sender, read and write at the receiver
    result_.bytes.sram_p_in_read += 2 * reduction.bytes;
    result_.bytes.sram_p_out_write += reduction.bytes;
    if (routers_) {
      const std::uint64_t tag = next_reduction_tag_++;
      reductions_sent_.emplace(tag, reduction);
      routers_->send(RouterTransfers::P, reduction.pod, reduction.destination, reduction.key, reduction.flits,
                     std::max(ready + 2, current_cycle()), tag, reduction.bytes);
      return;
    }
    auto booking = p_network_->book(reduction.pod, reduction.destination, reduction.key, reduction.flits, ready, ready);
    activity.network_bytes[kPartialSumNetwork] += reduction.bytes * booking.new_link_share;
    if (timeline_.enabled())
      timeline_.span(kTimelineNetworks, 2, "partial sums to pod " + std::to_string(reduction.destination), booking.start,
                     booking.tail + 1 - booking.start);
    reduction_arrived(reduction, booking.tail);
  }

  // A partial tile's last row reaches its parent at `tail`; its post-processor adds it.
  void reduction_arrived(const Reduction& reduction, std::uint64_t tail) {
    result_.layers[reduction.layer].activity.additions +=
        static_cast<std::uint64_t>(reduction.bytes / tasks_[reduction.layer].psum_bytes + 0.5);
    // The receiver's post-processor adds each row the cycle after it arrives.
    TreeNode& parent = trees_[reduction.layer].find(reduction.tile)->second[static_cast<std::size_t>(reduction.node & (reduction.node - 1))];
    parent.ready = std::max(parent.ready, tail + 2);
    --parent.children_left;
    send_up(reduction.layer, reduction.tile, reduction.node & (reduction.node - 1), reduction.flits, reduction.bytes);
    if (--reductions_pending_[reduction.layer] == 0 && finished_ops_[reduction.layer] == tasks_[reduction.layer].plan.op_count())
      finish_layer(reduction.layer);
  }

  // All ops of `layer` have finished and all its reductions are booked: it completes when the
  // later of its last op and its last reduction is done.
  void finish_layer(std::size_t layer) {
    const std::uint64_t end = std::max(last_finish_[layer], reduction_end_[layer]);
    const std::uint64_t now = current_cycle();
    // Behind a layer barrier every pod waits for the reductions after the last op has finished;
    // without barriers, the pods that have no work while a layer's trees finish (its dependents
    // wait for them) are counted when they get work again (reduction_overlap()).
    if (!dynamic_)
      result_.reduction_wait_pod_cycles += (end - last_finish_[layer]) * static_cast<std::uint64_t>(config_.pods);
    else if (end > last_finish_[layer])
      add_reduction_window(last_finish_[layer], end);
    if (end <= now || end == last_finish_[layer]) {
      complete(layer, end);
      return;
    }
    completions_.emplace(end, layer);
    completion_event_.notify(cycles(completions_.begin()->first - now));
  }

  // Cycles during which some layer had finished its ops but not its reduction trees, merged.
  void add_reduction_window(std::uint64_t from, std::uint64_t to) {
    auto next = reduction_windows_.upper_bound(from);
    if (next != reduction_windows_.begin() && std::prev(next)->second >= from) {
      --next;
      from = next->first;
      to = std::max(to, next->second);
    }
    while (next != reduction_windows_.end() && next->first <= to) {
      to = std::max(to, next->second);
      next = reduction_windows_.erase(next);
    }
    reduction_windows_[from] = to;
  }

  // Of the cycles [from, to) a pod had no work, those in which a reduction was finishing.
  std::uint64_t reduction_overlap(std::uint64_t from, std::uint64_t to) const {
    std::uint64_t total = 0;
    auto it = reduction_windows_.upper_bound(from);
    if (it != reduction_windows_.begin()) --it;
    for (; it != reduction_windows_.end() && it->first < to; ++it) {
      const std::uint64_t a = std::max(from, it->first), b = std::min(to, it->second);
      if (b > a) total += b - a;
    }
    return total;
  }

  void complete_due() {
    const std::uint64_t now = current_cycle();
    while (!completions_.empty() && completions_.begin()->first <= now) {
      auto [cycle, layer] = *completions_.begin();
      completions_.erase(completions_.begin());
      complete(layer, cycle);
    }
    if (!completions_.empty()) completion_event_.notify(cycles(completions_.begin()->first - now));
  }

  // The tiles of pod `pod`'s requested op cross the networks, ready at `ready`: its input tile
  // from its X bank, and its weight tile from its W bank unless the pod's newest tile is that one
  // (chunk_banks places them). The links carry one array row per flit, so a tile of k rows is
  // k flits.
  void book_transfers(int pod, std::uint64_t ready) {
    const auto p = static_cast<std::size_t>(pod);
    Booked& booked = booked_[p];
    const LayerTask& task = tasks_[booked.layer];
    booked.state = Booked::Resolved;
    booked.weights_ready = ready;
    const RoundBanks banks = chunk_banks(task.plan, booked.tile_op, config_.pods);
    if (routers_) {
      send_tiles(pod, banks, ready + 2);
      return;
    }
    if (pod_weight_key_[p] != booked.weight_key) {
      pod_weight_key_[p] = booked.weight_key;
      auto w = w_network_->book(banks.w, pod, booked.weight_key + 1, static_cast<int>(booked.tile_op.k_rows), ready, ready);
      booked.weights_ready = w.head;
      count_transfer(booked.layer, kWeightNetwork, w, static_cast<double>(booked.tile_op.k_rows * booked.tile_op.n_cols) * task.weight_bytes,
                     result_.bytes.sram_w_read);
      if (timeline_.enabled())
        timeline_.span(kTimelineNetworks, 1, "W tile to pod " + std::to_string(pod), w.start, w.tail + 1 - w.start);
    }
    const std::uint64_t x_tile = x_tile_index(task.plan, booked.tile_op);
    auto x = x_network_->book(banks.x, pod, (static_cast<std::uint64_t>(booked.layer + 1) << 40) | x_tile,
                              static_cast<int>(booked.tile_op.m_rows), ready, ready);
    booked.stream_ready = x.head;
    count_transfer(booked.layer, kInputNetwork, x,
                   static_cast<double>(booked.tile_op.m_rows * booked.tile_op.k_rows) * task.dense_k_per_row *
                       task.operand_bytes,
                   result_.bytes.sram_x_read);
    if (timeline_.enabled())
      timeline_.span(kTimelineNetworks, 0, "X tile to pod " + std::to_string(pod), x.start, x.tail + 1 - x.start);
  }

  // The router engines' version of book_transfers(): the tiles enter the networks at `created`
  // and arrive when they arrive (arrived()).
  void send_tiles(int pod, const RoundBanks& banks, std::uint64_t created) {
    const auto p = static_cast<std::size_t>(pod);
    Booked& booked = booked_[p];
    const LayerTask& task = tasks_[booked.layer];
    ActivityCounts& activity = result_.layers[booked.layer].activity;
    booked.state = Booked::Sent;
    auto send = [&](RouterTransfers::Network network, int bank, std::uint64_t key, std::int64_t flits, double bytes,
                    double& bank_reads) {
      (network == RouterTransfers::W ? booked.weights_ready : booked.stream_ready) = PodOp::kUnknown;
      if (routers_->send(network, bank, pod, key, static_cast<int>(flits), created, static_cast<std::uint64_t>(pod), bytes))
        return;  // joined a multicast: the bank is read once
      activity.sram_bytes += bytes;
      bank_reads += bytes;
    };
    if (pod_weight_key_[p] != booked.weight_key) {
      pod_weight_key_[p] = booked.weight_key;
      send(RouterTransfers::W, banks.w, booked.weight_key + 1, booked.tile_op.k_rows,
           static_cast<double>(booked.tile_op.k_rows * booked.tile_op.n_cols) * task.weight_bytes, result_.bytes.sram_w_read);
    }
    send(RouterTransfers::X, banks.x,
         (static_cast<std::uint64_t>(booked.layer + 1) << 40) | x_tile_index(task.plan, booked.tile_op),
         booked.tile_op.m_rows,
         static_cast<double>(booked.tile_op.m_rows * booked.tile_op.k_rows) * task.dense_k_per_row * task.operand_bytes,
         result_.bytes.sram_x_read);
  }

  // A booked tile transfer's bank read (none for a copy that shares the read) and network bytes.
  void count_transfer(std::size_t layer, int network, const NetworkCalendar::Booking& booking, double bytes,
                      double& bank_reads) {
    ActivityCounts& activity = result_.layers[layer].activity;
    activity.network_bytes[static_cast<std::size_t>(network)] += bytes * booking.new_link_share;
    if (booking.shares_source) return;
    activity.sram_bytes += bytes;
    bank_reads += bytes;
  }

  // The op a pod executes at position `position` of its share of the active layer.
  std::uint64_t op_at(int pod, std::uint64_t position) const {
    return round_policy_.lockstep ? pod_ops_[static_cast<std::size_t>(pod)][position].op : position;
  }

  // Lock-step rounds (SOSA's greedy list scheduler, tiling/round_schedule.h): a layer's ops are
  // placed when it is released, at `cycle`, each in a round and on a pod where its routes and
  // bank ports are free, from the round after its dependencies' last round on (as the SOSA
  // authors' compiler does) and never in a round that has begun. Under `layers: sequential` a
  // layer depends on the one before it. Layers released together have their lists interleaved
  // op by op, each with its input tiles from its own offset in the banks, so that they share
  // rounds. A layer is placed once DRAM has been asked for all its weights, or once every layer
  // before it is done: a pod runs its ops in round order, and an op whose weight tile waits for W
  // bank space must not hold up ops that would free it. The rest wait for a later release,
  // completion or fetch. run_rounds() begins the rounds.
  void plan_rounds(std::uint64_t cycle) {
    while (oldest_unfinished_ < tasks_.size() && completed_[oldest_unfinished_]) ++oldest_unfinished_;
    std::vector<std::size_t> group;
    for (std::size_t task : unplanned_)
      if (task < fetch_layer_ || task == oldest_unfinished_) group.push_back(task);
    if (group.empty()) return;
    for (std::size_t task : group) unplanned_.erase(task);
    if (!planner_)
      planner_ = std::make_unique<RoundPlanner>(
          config_.pods,
          std::array<RouteTable*, 3>{networks_of_[kInputNetwork]->routes.get(), networks_of_[kWeightNetwork]->routes.get(),
                                     networks_of_[kPartialSumNetwork]->routes.get()},
          RoundScheduleParams{round_policy_.lookback_rounds, round_policy_.pod_tries, round_policy_.compiler_list},
          held_weights_);
    const bool concurrent = round_policy_.concurrent_layers;
    const auto R = static_cast<std::uint64_t>(config_.array.rows), C = static_cast<std::uint64_t>(config_.array.cols);
    std::vector<std::vector<std::uint64_t>> lists;
    std::vector<std::uint32_t> first_round;  // per layer: the round after its dependencies'
    std::vector<std::uint64_t> offset;       // per layer: where its tiles start in the banks
    for (std::size_t task : group) {
      lists.push_back(planner_->list(tasks_[task].plan));
      std::uint32_t first = next_round_;
      for (std::size_t dep : depends_on_[task]) first = std::max(first, task_last_round_[dep] + 1);
      first_round.push_back(first);
      offset.push_back(concurrent ? bank_offset_ : 0);
      if (concurrent) bank_offset_ += planner_->bank_span(tasks_[task].plan);
    }
    std::vector<std::uint64_t> placed(group.size(), 0);  // per layer: ops placed so far
    for (bool more = true; more;) {
      more = false;
      for (std::size_t i = 0; i < group.size(); ++i) {
        if (placed[i] >= lists[i].size()) continue;
        more = true;
        const std::size_t task = group[i];
        RoundSchedule& schedule = schedules_[task];
        const std::uint64_t op = lists[i][placed[i]];
        planner_->place(tasks_[task].plan, op, placed[i]++, tasks_[task].first_weight_key, concurrent ? task + 1 : 0,
                        offset[i], schedule, first_round[i]);
        pod_ops_[schedule.pod[op]].push_back(RoundOp{static_cast<std::uint32_t>(task), static_cast<std::uint32_t>(op)});
      }
    }
    reducer_->forget_before(next_round_);
    for (std::size_t i = 0; i < group.size(); ++i) {
      const std::size_t task = group[i];
      RoundSchedule& schedule = schedules_[task];
      result_.round_placements_blocked += schedule.blocked;
      const LayerPlan& plan = tasks_[task].plan;
      // With post_processors, the authors' K reduction adds rounds of pairwise additions.
      ReductionRounds reduction;
      reduction.rounds = schedule.rounds;
      if (config_.tiling.reduce_on_post_processors) {
        reduction = reducer_->add(plan, schedule);
        result_.round_chained_partial_sums += reduction.chained;
        result_.round_post_processor_ops += reduction.additions;
        // Bytes: an op counts a P_in read (bank and network) for every K block after the first as it
        // starts; per output tile, u partial sums left unchained (u - 1 additions) make that one
        // read per addition too few in the banks (the additions read 2(u - 1) partial tiles and
        // write u - 1 sums; chained ops read the rest) and two per addition too few on the
        // networks (three tiles per addition cross them, where u - 1 unchained ops read none).
        const double bytes = static_cast<double>(reduction.added_values) * tasks_[task].psum_bytes;
        ActivityCounts& activity = result_.layers[task].activity;
        activity.additions += reduction.added_values;
        activity.sram_bytes += 2 * bytes;
        activity.network_bytes[kPartialSumNetwork] += 2 * bytes;
        result_.bytes.sram_p_in_read += bytes;
        result_.bytes.sram_p_out_write += bytes;
      }
      const std::uint32_t rounds = std::max(reduction.rounds, planner_->rounds());
      if (round_longest_.size() < rounds) {
        round_longest_.resize(rounds, 0);
        round_ready_.resize(rounds, 0);
      }
      task_last_round_[task] = reduction.rounds - 1;
      for (std::size_t r = 0; r < reduction.longest.size(); ++r)
        round_longest_[r] = std::max(round_longest_[r], reduction.longest[r]);
      for (std::uint64_t op = 0; op < plan.op_count(); ++op) {
        const auto m_rows = static_cast<std::uint64_t>(plan.op(op).m_rows);
        const std::uint32_t round = schedule.round[op];
        round_longest_[round] = std::max(round_longest_[round], config_.array.ideal_fill_drain ? m_rows : R + m_rows + R + C - 2);
      }
      // (released at start_cycle by make_ready(), placed now)
      const std::uint64_t release = std::max(result_.layers[task].start_cycle, cycle);
      for (std::uint32_t r = first_round[i]; r <= task_last_round_[task]; ++r)
        round_ready_[r] = std::max(round_ready_[r], release);
      result_.layers[task].start_cycle = release;
    }
    for (const auto& pod : pods_) pod->wake();
    if (next_round_ < round_longest_.size()) round_event_.notify(sc_core::SC_ZERO_TIME);
  }

  // Begins the rounds in order: round r when round r - 1 is over and the layers with ops in it
  // have been released. Its length is fixed then: its longest op (streamed rows, plus weight
  // load, fill and drain unless ideal) or post-processor op, and at least 2L + 1 cycles.
  void run_rounds() {
    const std::uint64_t now = current_cycle();
    while (next_round_ < round_longest_.size()) {
      const std::uint32_t round = next_round_;
      const std::uint64_t start = std::max(rounds_clock_, round_ready_[round]);
      if (start > now) {
        round_event_.notify(cycles(start - now));
        return;
      }
      const std::uint64_t length = std::max(round_longest_[round], 2 * network_latency_ + 1);
      round_start_.push_back(start);
      round_end_.push_back(start + length);
      rounds_clock_ = start + length;
      last_round_cycles_ = length;
      ++result_.rounds;
      ++next_round_;
      for (std::size_t p = 0; p < pods_.size(); ++p)
        if (waiting_round_[p]) {
          waiting_round_[p] = false;
          pods_[p]->wake();
        }
      // Layers whose ops have all finished and whose last round this is are done at its end.
      // (in task order; completing one places released layers in later rounds only)
      auto due = finished_at_.lower_bound({round, 0});
      while (due != finished_at_.end() && due->first.first == round) {
        const std::size_t task = due->first.second;
        const std::uint64_t finish = due->second;
        due = finished_at_.erase(due);
        complete(task, std::max(finish, round_end_[round]));
      }
    }
  }

  // The order in which a layer's weight tiles are fetched: the order the pods will use them.
  // Lock-step rounds consume tiles in the order of their list; pods that each own a contiguous range
  // (or chunk) of the ops consume them in parallel, so their first tiles come first, then their
  // second tiles, and so on. Otherwise a layer with more weights than the banks hold would leave
  // the pods with the last ranges waiting for the window to slide to them.
  std::vector<std::uint32_t> fetch_order(const LayerTask& task) const {
    const std::uint64_t tiles = task.plan.weight_tiles();
    std::vector<std::uint32_t> order;
    order.reserve(tiles);
    if (round_policy_.lockstep) {  // in the order the list first uses them (a pod runs its ops in list order)
      std::vector<bool> seen(tiles, false);
      for (std::uint64_t op : round_list(task.plan, round_policy_.compiler_list)) {
        const std::uint64_t t = task.plan.op(op).weight_tile;
        if (seen[t]) continue;
        seen[t] = true;
        order.push_back(static_cast<std::uint32_t>(t));
      }
      return order;
    }
    const auto chunks = std::min<std::uint64_t>(static_cast<std::uint64_t>(config_.pods), task.plan.op_count());
    if (task.plan.m_block() < task.plan.m_parts()) {
      // Row blocks: a chunk's weight tiles are not one run of tile numbers. Take each chunk's
      // tiles in the order it uses them and interleave the chunks.
      std::vector<std::vector<std::uint32_t>> uses(chunks);
      std::size_t longest_use = 0;
      for (std::uint64_t c = 0; c < chunks; ++c) {
        OpRange range = scheduler_->ops_for_pod(task.plan, static_cast<std::int64_t>(c), static_cast<std::int64_t>(chunks));
        for (std::uint64_t op = range.begin; op < range.end; op += range.stride) {
          const auto t = static_cast<std::uint32_t>(task.plan.op(op).weight_tile);
          if (uses[c].empty() || uses[c].back() != t) uses[c].push_back(t);
        }
        longest_use = std::max(longest_use, uses[c].size());
      }
      std::vector<bool> seen(tiles, false);
      for (std::size_t k = 0; k < longest_use; ++k)
        for (const auto& list : uses)
          if (k < list.size() && !seen[list[k]]) {
            seen[list[k]] = true;
            order.push_back(list[k]);
          }
      return order;
    }
    std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;  // first and last tile of each chunk
    std::uint64_t longest = 0;
    for (std::uint64_t c = 0; c < chunks; ++c) {
      OpRange range = scheduler_->ops_for_pod(task.plan, static_cast<std::int64_t>(c), static_cast<std::int64_t>(chunks));
      if (range.empty()) continue;
      std::uint64_t first = task.plan.op(range.begin).weight_tile, last = task.plan.op(range.end - 1).weight_tile;
      spans.emplace_back(first, last);
      longest = std::max(longest, last - first + 1);
    }
    std::vector<bool> seen(tiles, false);
    for (std::uint64_t k = 0; k < longest; ++k)
      for (const auto& [first, last] : spans)
        if (first + k <= last && !seen[first + k]) {
          seen[first + k] = true;
          order.push_back(static_cast<std::uint32_t>(first + k));
        }
    for (std::uint64_t t = 0; t < tiles; ++t)
      if (!seen[t]) order.push_back(static_cast<std::uint32_t>(t));
    return order;
  }

  // Issues DRAM requests in run order while the W banks have room (at `cycle`).
  void pump(std::uint64_t cycle) {
    while (fetch_layer_ < tasks_.size()) {
      const LayerTask& task = tasks_[fetch_layer_];
      LayerData& data = data_[fetch_layer_];
      std::uint64_t layer_tag = static_cast<std::uint64_t>(fetch_layer_) << 32;
      if (!data.requested) {
        data.requested = true;
        data.requested_cycle = cycle;
        if (dynamic_ && open_.count(fetch_layer_))
          for (const auto& pod : pods_) pod->offer_from(cycle + 1);  // a ready layer's data starts to arrive
        data.arrival.assign(task.plan.weight_tiles(), kNotArrived);
        data.remaining.assign(task.plan.weight_tiles(), static_cast<std::uint32_t>(task.plan.m_parts()));
        data.fetch_order = fetch_order(task);
        if (task.input_spill_bytes > 0) data.inputs_arrival = spill_read_arrival_[fetch_layer_];
        if (task.fetches_input) {
          data.inputs_arrival = kNotArrived;
          // DRAM holds the input tensor; the X banks hold its lowering (im2col tiles).
          const double lowered_bytes = static_cast<double>(task.layer.lowered_input_elements()) * task.operand_bytes;
          const double input_bytes =
              config_.dram.lowered_inputs ? lowered_bytes
                                          : static_cast<double>(task.layer.input_tensor_elements()) * task.operand_bytes;
          result_.layers[fetch_layer_].activity.sram_bytes += lowered_bytes;
          result_.layers[fetch_layer_].activity.dram_bytes += input_bytes;
          result_.bytes.dram_x_read += input_bytes;
          result_.bytes.sram_x_write += lowered_bytes;
          dram_->request(input_bytes, layer_tag | kInputTile);
          if (timeline_.enabled()) dram_requested_[layer_tag | kInputTile] = current_cycle();
        }
      }
      if (task.layer.weights_on_chip && fetch_tile_ == 0) {
        // W is an activation computed on chip (e.g. attention scores): nothing comes from DRAM.
        std::fill(data.arrival.begin(), data.arrival.end(), 0);
        std::fill(data.remaining.begin(), data.remaining.end(), 0);
        fetch_tile_ = task.plan.weight_tiles();
      }
      if (fetch_tile_ == task.plan.weight_tiles()) {
        ++fetch_layer_;
        fetch_tile_ = 0;
        // A released layer waiting for its weights to be asked for can be placed now.
        if (round_policy_.lockstep && unplanned_.count(fetch_layer_ - 1)) plan_rounds(cycle);
        continue;
      }
      const std::uint64_t tile = data.fetch_order[fetch_tile_];
      double bytes = tile_bytes(task, tile);
      if (resident_bytes_ > 0 && resident_bytes_ + bytes > prefetch_bytes_) return;
      resident_bytes_ += bytes;
      result_.layers[fetch_layer_].activity.sram_bytes += bytes;
      result_.layers[fetch_layer_].activity.dram_bytes += bytes;
      result_.bytes.dram_w_read += bytes;
      result_.bytes.sram_w_write += bytes;
      dram_->request(bytes, layer_tag | tile);
      if (timeline_.enabled()) dram_requested_[layer_tag | tile] = current_cycle();
      ++fetch_tile_;
    }
  }

  const SimConfig& config_;
  SimulationResult& result_;
  Timeline& timeline_;
  std::map<std::uint64_t, std::uint64_t> dram_requested_;  // tag -> request cycle, for the timeline
  std::unique_ptr<Scheduler> scheduler_;
  double w_capacity_bytes_;
  double activation_capacity_bytes_;  // the pods' X banks
  double prefetch_bytes_;             // weight bytes fetched and not yet freed, at most (dram.prefetch_kib)
  std::vector<std::uint64_t> spill_read_arrival_;  // per task: when its spilled inputs are back
  std::vector<std::size_t> spill_writes_pending_;  // per task: producers whose spill is not written yet
  std::vector<LayerTask> tasks_;
  std::vector<LayerData> data_;
  std::vector<std::uint64_t> finished_ops_;
  std::vector<OpRange> cursors_;
  std::vector<std::uint64_t> waiting_since_;
  std::map<std::uint64_t, std::vector<int>> waiters_;
  bool dynamic_ = false;
  std::vector<std::size_t> pending_;                  // per task: dependencies not finished
  std::vector<std::vector<std::size_t>> depends_on_;  // per task: the tasks it waits for
  std::vector<std::vector<std::size_t>> dependents_;  // per task
  std::set<std::size_t> open_;                        // ready tasks with ops to hand out, oldest first
  std::vector<std::uint64_t> next_chunk_;             // per task, dynamic scheduling: chunks claimed
  std::vector<std::vector<std::uint64_t>> chunk_claimed_;  // per open task, dynamic: ops claimed per chunk
  std::vector<bool> completed_;                       // per task
  std::size_t oldest_unfinished_ = 0;                 // the first task not completed
  std::vector<std::size_t> first_unclaimed_;          // per pod, dynamic scheduling (see claim())
  std::vector<std::uint64_t> idle_since_;             // per pod: the cycle it found no work, or kNotArrived
  std::map<std::uint64_t, std::uint64_t> reduction_windows_;  // dynamic: [from, to) with reductions finishing
  std::vector<std::size_t> pod_task_, claimed_;       // per pod: task of its range; last task it claimed
  std::set<std::size_t> workload_started_;
  std::size_t tasks_done_ = 0;
  RoundPolicy round_policy_;
  std::uint64_t network_latency_ = 0;
  struct BuiltNetwork {
    std::unique_ptr<Topology> topology;
    NetworkGraph graph;
    std::unique_ptr<RouteTable> routes;  // lock-step rounds reserve routes in it
    int hop_latency = 1;                 // cycles per router on a path
  };
  std::vector<std::unique_ptr<BuiltNetwork>> built_networks_;
  std::array<BuiltNetwork*, 3> networks_of_{};  // X, W, P: one of built_networks_
  bool networks_ = false;  // tiles cross the networks (outside lock-step rounds, unless ideal)
  bool reduces_ = false;   // ... and partial sums are reduced over the post-processor network
  std::unique_ptr<NetworkCalendar> x_network_, w_network_;  // tile transfers as link reservations
  std::unique_ptr<RouterTransfers> routers_;               // or through the router engines
  std::vector<RouterTransfers::Arrival> arrivals_;
  std::unordered_map<std::uint64_t, Reduction> reductions_sent_;  // router engines: partial tiles on their way
  std::uint64_t next_reduction_tag_ = 0;
  // Per layer: network bytes of its arrivals through the router engines, summed in arrival order
  // (the same at both fidelities) and added to its activity at the end.
  std::vector<std::array<double, 3>> routed_bytes_;
  struct Booked {  // per pod: the transfers of its next op
    enum State { None, Requested, Sent, Resolved } state = None;  // (Sent: in the router engines)
    std::size_t layer = 0;
    std::uint64_t op = 0;
    std::uint64_t ready = 0;                         // requested at
    std::uint64_t weights_ready = 0, stream_ready = 0;  // the W and X tiles' heads reach the pod
    TileOp tile_op;
    std::uint64_t weight_key = 0;
    // Sent: the tiles not yet arrived have their times kUnknown; `pulled`: a reference pod took
    // the op before they arrived.
    bool pulled = false;
    bool is(std::size_t of_layer, std::uint64_t of_op) const { return state != None && layer == of_layer && op == of_op; }
  };
  std::vector<Booked> booked_;
  struct Decoded {  // per pod: its next op, decoded by late_finish()
    std::size_t layer = 0;
    std::uint64_t op = UINT64_MAX;
    TileOp tile_op;
  };
  std::vector<Decoded> next_op_;
  std::map<std::uint64_t, std::vector<int>> requests_;  // request cycle -> pods
  std::unique_ptr<NetworkCalendar> p_network_;           // partial sums between post-processors
  std::map<std::uint64_t, std::vector<Reduction>> reductions_;  // request cycle -> partial tiles to send
  std::vector<std::uint64_t> reductions_pending_;        // per layer: partial-tile transfers not yet booked
  std::vector<std::unordered_map<std::uint64_t, std::vector<TreeNode>>> trees_;  // per layer: open reduction trees
  std::vector<std::uint64_t> reduction_end_;             // per layer: its last partial tile is added
  std::vector<std::uint64_t> last_finish_;               // per layer: its last op finished
  std::multimap<std::uint64_t, std::size_t> completions_;  // cycle -> layer done then
  sc_core::sc_event completion_event_;
  sc_core::sc_event booking_event_;
  std::vector<std::uint64_t> pod_weight_key_;     // per pod: the newest weight tile booked for it
  // Lock-step rounds: the schedules of the layers placed and not done (per task).
  std::unordered_map<std::size_t, RoundSchedule> schedules_;
  struct RoundOp {
    std::uint32_t task, op;
  };
  std::set<std::size_t> unplanned_;             // released layers whose ops are not placed yet
  std::vector<std::uint32_t> task_last_round_;  // per task: its last round (of ops or additions)
  // (last round, task) -> the cycle its ops finished, for layers whose last round has not begun.
  std::map<std::pair<std::uint32_t, std::size_t>, std::uint64_t> finished_at_;
  std::uint64_t last_open_arrival_ = kNotArrived;  // dynamic: the latest data arrival for an open layer
  std::vector<std::uint64_t> dependencies_done_;  // per task: the latest completion of its dependencies so far
  std::unique_ptr<RoundPlanner> planner_;
  std::unique_ptr<ReductionPlanner> reducer_;
  std::uint64_t bank_offset_ = 0;               // layers: concurrent: where the next layer's tiles start
  // Per round: its longest op so far and the latest release of a layer with ops in it (until it
  // begins); its start and end once it has.
  std::vector<std::uint64_t> round_longest_, round_ready_, round_start_, round_end_;
  std::uint32_t next_round_ = 0;                // the next round to begin
  std::uint64_t rounds_clock_ = 0;              // the end of the last round begun
  std::vector<bool> waiting_round_;             // per pod: its next op's round has not begun
  sc_core::sc_event round_event_;
  std::vector<std::uint64_t> held_weights_;       // per pod: the weight tile it holds, for the round scheduler
  std::vector<std::deque<RoundOp>> pod_ops_;  // per pod: its placed ops not yet run, in round order
  std::uint64_t last_round_cycles_ = 0;
  std::size_t fetch_layer_ = 0;
  std::uint64_t fetch_tile_ = 0;
  double resident_bytes_ = 0;
  std::unique_ptr<DramModule> dram_;
  std::unique_ptr<WakeQueue> pod_clock_;  // declared before the pods, which hold a reference
  std::vector<std::unique_ptr<PodModule>> pods_;
};

}  // namespace

SimulationResult run_simulation(const SimConfig& config, const std::vector<Workload>& workloads,
                                const std::string& timeline_path) {
  SimulationResult result;
  Timeline timeline(timeline_path);
  Controller controller("system", config, workloads, result, timeline);
  auto wall_start = std::chrono::steady_clock::now();
  sc_core::sc_start();
  result.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  if (!controller.done() && controller.stopped_by_prefetch_window())
    throw ConfigError("key 'dram.prefetch_kib': the prefetch window of " + std::to_string(config.dram.prefetch_kib) +
                      " KiB is too small for this run: it fills with weight tiles the pods cannot use yet while they "
                      "wait for others (" + controller.stuck_report() + "); raise it, or 0 for the W banks' capacity");
  if (!controller.done()) throw ModelError(current_cycle(), "system controller", controller.stuck_report());
  controller.collect_stats();
  return result;
}

}  // namespace sosasim
