// The system controller's units, each driven alone through a recording SystemHost: no SystemC,
// no whole run. Closed-form expectations from the units' documented rules.
#include <catch2/catch.hpp>

#include <algorithm>
#include <memory>
#include <map>
#include <numeric>
#include <tuple>

#include <nlohmann/json.hpp>

#include "arch/pod_work.h"
#include "sim/kernel/config.h"
#include "sim/system/dispatch.h"
#include "sim/system/k_reduction.h"
#include "sim/system/layer_tasks.h"
#include "sim/system/network_set.h"
#include "sim/system/operand_fetch.h"
#include "sim/system/run_accounting.h"
#include "sim/system/tile_transport.h"
#include "sim/system/timeline.h"
#include "tests/test_helpers.h"

using namespace sosasim;

namespace {

// Records what the units ask of the controller.
class RecordingHost : public SystemHost {
 public:
  explicit RecordingHost(std::size_t pods) : pods_(pods) {}
  std::uint64_t now() const override { return now_; }
  std::size_t pod_count() const override { return pods_; }
  void wake(int pod) override { woken.push_back(pod); }
  void wake_at(int pod, std::uint64_t cycle) override { alarms.emplace_back(pod, cycle); }
  void offer_from(int pod, std::uint64_t cycle) override { offers.emplace_back(pod, cycle); }
  void update_arrivals(int, std::uint64_t, std::uint64_t) override {}
  void book_at(std::uint64_t cycle) override { bookings.push_back(cycle); }
  void dispatch_at(std::uint64_t cycle) override { dispatches.push_back(cycle); }
  void complete_at(std::uint64_t cycle) override { completions_due.push_back(cycle); }
  void dram_request(double bytes, std::uint64_t tag) override { dram.emplace_back(bytes, DramTag::decode(tag)); }
  void complete(std::size_t task, std::uint64_t cycle) override { completed.emplace_back(task, cycle); }

  std::uint64_t now_ = 0;
  std::vector<int> woken;
  std::vector<std::pair<int, std::uint64_t>> alarms, offers;
  std::vector<std::uint64_t> bookings, dispatches, completions_due;
  std::vector<std::pair<double, DramTag>> dram;
  std::vector<std::pair<std::size_t, std::uint64_t>> completed;

 private:
  std::size_t pods_;
};

// Fetch order in tile order (a stand-in for a dispatch policy).
class InOrder : public FetchListener {
 public:
  explicit InOrder(const TaskGraph& tasks) : tasks_(tasks) {}
  std::vector<std::uint32_t> fetch_order(std::size_t task) const override {
    std::vector<std::uint32_t> order(tasks_[task].plan.weight_tiles());
    std::iota(order.begin(), order.end(), 0);
    return order;
  }

 private:
  const TaskGraph& tasks_;
};

Layer layer(const std::string& name, std::int64_t m, std::int64_t k, std::int64_t n, std::vector<std::size_t> depends) {
  Layer l;
  l.name = name;
  l.M = m;
  l.K = k;
  l.N = n;
  l.depends = std::move(depends);
  return l;
}

Workload branches() {  // a -> (b, c) -> d
  Workload w;
  w.name = "branches";
  w.layers = {layer("a", 8, 8, 8, {}), layer("b", 8, 8, 8, {0}), layer("c", 8, 8, 8, {0}),
              layer("d", 8, 8, 8, {1, 2})};
  return w;
}

SimConfig small(std::vector<std::string> overrides) {
  overrides.insert(overrides.begin(), {"array.rows=4", "array.cols=4", "pods=2"});
  return load_config(std::nullopt, overrides);
}

// One machine's units over one workload, as the controller builds them.
struct Harness {
  Harness(std::vector<std::string> overrides, const Workload& workload)
      : config(small(std::move(overrides))),
        scheduler(make_scheduler(config.tiling.params)),
        tasks(config, {workload}, *scheduler, scheduler->follows_layer_graph(), result),
        host(2),
        timeline(""),
        fetch(config, tasks, result, host, timeline),
        networks(config, 8) {}
  std::unique_ptr<Dispatch> dispatch() {
    auto made = make_dispatch(DispatchContext{config, *scheduler, tasks, fetch, networks, result, host});
    fetch.set_listener(*made);
    return made;
  }

  SimConfig config;
  std::unique_ptr<Scheduler> scheduler;
  SimulationResult result;
  TaskGraph tasks;
  RecordingHost host;
  Timeline timeline;
  OperandFetch fetch;
  NetworkSet networks;
};

Workload one_layer(std::int64_t m, std::int64_t k, std::int64_t n) {
  Workload w;
  w.layers = {layer("fc", m, k, n, {})};
  return w;
}

}  // namespace

TEST_CASE("DramTag round-trips each kind of request", "[controller]") {
  for (const DramTag tag : {DramTag::weights(7, 12345), DramTag::inputs(3), DramTag::spill(0)}) {
    const DramTag back = DramTag::decode(tag.encode());
    CHECK(back.kind == tag.kind);
    CHECK(back.layer == tag.layer);
    CHECK(back.tile == tag.tile);
  }
  CHECK(DramTag::weights(1, 0).encode() != DramTag::inputs(1).encode());
}

TEST_CASE("TaskGraph releases a layer at its last dependency's completion", "[controller]") {
  const SimConfig config = small({});
  auto scheduler = make_scheduler(config.tiling.params);
  SimulationResult result;
  TaskGraph graph(config, {branches()}, *scheduler, true, result);
  REQUIRE(graph.size() == 4);
  CHECK(result.layers.size() == 4);
  CHECK_FALSE(graph.pending(0));
  CHECK(graph.pending(3));
  const auto after_a = graph.complete(0, 100);
  REQUIRE(after_a.size() == 2);  // b and c together
  CHECK(after_a[0].second == 100);
  CHECK(graph.complete(2, 300).empty());  // d still waits for b
  const auto after_b = graph.complete(1, 250);
  REQUIRE(after_b.size() == 1);
  CHECK(after_b[0].first == 3);
  CHECK(after_b[0].second == 300);  // the latest completion, not the last reported
  CHECK(graph.oldest_unfinished() == 3);
  CHECK_FALSE(graph.done());

  SimulationResult chained;
  TaskGraph sequential(config, {branches()}, *scheduler, false, chained);
  CHECK(sequential.depends_on(2) == std::vector<std::size_t>{1});  // one at a time in order
}

TEST_CASE("OperandFetch streams weights through the prefetch window and wakes waiting pods", "[controller]") {
  // 64 x 64 weights in 4 x 4 int8 tiles: 256 tiles of 16 bytes; a 1 KiB window holds 64.
  Harness h({"dram.prefetch_kib=1"}, one_layer(8, 64, 64));
  auto [fetch, host, result] = std::tie(h.fetch, h.host, h.result);
  InOrder order(h.tasks);
  fetch.set_listener(order);
  fetch.pump(0);
  REQUIRE(host.dram.size() == 1 + 64);  // the input, then the window's worth of tiles
  CHECK(host.dram[0].second.kind == DramTag::Inputs);
  CHECK(host.dram[0].first == 8 * 64);
  CHECK(host.dram[1].second.tile == 0);
  CHECK(host.dram[64].second.tile == 63);
  CHECK(result.bytes.dram_w_read == 64 * 16);

  DramTag missing;
  REQUIRE(fetch.missing(0, 0, missing));
  CHECK(missing.kind == DramTag::Inputs);
  fetch.wait(1, missing);
  fetch.arrived(DramTag::inputs(0).encode(), 40);
  CHECK(host.woken == std::vector<int>{1});
  REQUIRE(fetch.missing(0, 5, missing));
  CHECK(missing.tile == 5);
  fetch.arrived(DramTag::weights(0, 5).encode(), 50);
  CHECK_FALSE(fetch.missing(0, 5, missing));
  CHECK(fetch.operands_ready(0, 5, 45) == 50);
  CHECK(fetch.operands_ready(0, 5, 60) == 60);

  // Tile 0 is used by the layer's two row partitions: its space frees after both, and one more
  // tile (64) is asked for.
  fetch.tile_used(0, 0, 70);
  CHECK(host.dram.size() == 65);
  fetch.tile_used(0, 0, 71);
  REQUIRE(host.dram.size() == 66);
  CHECK(host.dram.back().second.tile == 64);
}

TEST_CASE("Barrier dispatch hands each pod its range of the released layer once", "[controller]") {
  Harness h({"tiling.scheduler=layer_static"}, branches());
  auto dispatch = h.dispatch();
  RecordingHost& host = h.host;
  CHECK(dispatch->barrier());
  CHECK_FALSE(dispatch->claim(0, 0));  // nothing released
  dispatch->released(0, 0);
  CHECK(host.woken.size() == 2);
  REQUIRE(dispatch->claim(0, 1));
  REQUIRE(dispatch->claim(1, 1));
  // 8 ops (2 m x 2 k x 2 n), split 4 and 4.
  CHECK(dispatch->cursor(0).begin == 0);
  CHECK(dispatch->cursor(0).end == 4);
  CHECK(dispatch->cursor(1).begin == 4);
  CHECK(dispatch->cursor(1).end == 8);
  dispatch->cursor(0) = OpRange{4, 4, 1};
  CHECK_FALSE(dispatch->claim(0, 2));  // its share is done
  dispatch->completed(0, 10);
  dispatch->released(1, 10);
  REQUIRE(dispatch->claim(0, 11));
  CHECK(dispatch->op_at(0, 2).task == 1);
}

TEST_CASE("Dynamic dispatch claims a released layer only from the cycle after its data is asked", "[controller]") {
  Harness h({}, branches());
  auto dispatch = h.dispatch();
  auto [fetch, host] = std::tie(h.fetch, h.host);
  dispatch->released(0, 0);
  REQUIRE(host.offers.size() == 2);
  CHECK(host.offers[0].second == 1);  // offered from the next cycle
  fetch.pump(0);
  CHECK_FALSE(dispatch->claim(0, 0));  // released and asked at 0: seen from cycle 1
  CHECK(dispatch->claim(0, 1));        // the oldest layer: its chunk, waiting for the data
  CHECK(dispatch->cursor(0).end - dispatch->cursor(0).begin == 4);
  CHECK_FALSE(dispatch->barrier());
  CHECK(dispatch->late_finish());
}

TEST_CASE("Rounds dispatch begins rounds in order and admits an op only in its round", "[controller]") {
  // Single-buffered weights: rounds do not overlap.
  Harness h({"tiling.scheduler=sosa_rounds", "array.double_buffer_weights=false"}, one_layer(8, 8, 8));
  auto dispatch = h.dispatch();
  auto [fetch, host, result] = std::tie(h.fetch, h.host, h.result);
  CHECK(dispatch->reserves_routes());
  fetch.pump(0);
  dispatch->released(0, 0);
  dispatch->start();
  REQUIRE(host.dispatches == std::vector<std::uint64_t>{0});
  REQUIRE(dispatch->claim(0, 0));
  PodOp op;
  const auto first = dispatch->op_at(0, 0);
  op.layer = first.task;
  op.op_index = first.op;
  CHECK_FALSE(dispatch->admit(0, op));  // no round has begun
  // A round lasts its longest op: 4 rows + weight load, fill and drain (4 + 4 + 4 - 2) = 14
  // cycles (more than 2L + 1). Each round begins when the one before is over.
  dispatch->tick(0);
  CHECK(result.rounds == 1);
  CHECK(host.dispatches.back() == 14);
  op.operands_ready = 3;
  CHECK(dispatch->admit(0, op));
  CHECK(op.operands_ready == 3);
  for (std::uint64_t at : {14, 28, 42}) dispatch->tick(at);
  // 8 ops on 2 pods: 4 rounds; the layer is done when its last round is over.
  CHECK(result.rounds == 4);
  CHECK(dispatch->ops_finished(0, 20) == std::optional<std::uint64_t>(4 * 14));
  CHECK(dispatch->ops_finished(0, 70) == std::optional<std::uint64_t>(70));
}

TEST_CASE("Pipelined rounds hand a pod its next round's op while the round before streams", "[controller]") {
  // Double-buffered weights (the default): the next op's weights load during the round before,
  // so a round lasts its streamed rows and at least the R = 4 cycles of a load, here 2L + 1 = 5
  // (two routers of the 2-port butterfly-2).
  Harness h({"tiling.scheduler=sosa_rounds"}, one_layer(8, 8, 8));
  auto dispatch = h.dispatch();
  auto [fetch, host, result] = std::tie(h.fetch, h.host, h.result);
  fetch.pump(0);
  dispatch->released(0, 0);
  dispatch->start();
  REQUIRE(dispatch->claim(0, 0));
  auto op_of = [&](std::uint64_t position) {
    PodOp op;
    const auto ref = dispatch->op_at(0, position);
    op.layer = ref.task;
    op.op_index = ref.op;
    return op;
  };
  PodOp now = op_of(0), next = op_of(1), later = op_of(2);
  CHECK_FALSE(dispatch->admit(0, now));  // round 0's start is not fixed yet
  dispatch->tick(0);
  CHECK(result.rounds == 1);
  CHECK(host.dispatches.back() == 5);  // round 1 begins at 5
  CHECK(dispatch->admit(0, now));
  CHECK(now.stream_ready == 0);
  CHECK(dispatch->admit(0, next));  // round 1: its start is fixed, its weights may load now
  CHECK(next.operands_ready == 0);  // from round 0's start
  CHECK(next.stream_ready == 5);    // streams from round 1's start
  CHECK_FALSE(dispatch->admit(0, later));  // round 2 waits until round 1 begins
  for (std::uint64_t at : {5, 10, 15}) dispatch->tick(at);
  CHECK(result.rounds == 4);
  CHECK(dispatch->admit(0, later));
  CHECK(later.operands_ready == 5);
  CHECK(later.stream_ready == 10);
  CHECK(dispatch->ops_finished(0, 12) == std::optional<std::uint64_t>(4 * 5));
}

TEST_CASE("KReduction sends a pod's partial tile up its tree and completes the layer after the addition",
          "[controller]") {
  // K = 8 over two K blocks, one op per pod: the owner (pod 1) adds pod 0's partial tile.
  Harness h({"tiling.k_reduction=post_processors", "tiling.scheduler=layer_static"}, one_layer(4, 8, 4));
  auto [tasks, host, result] = std::tie(h.tasks, h.host, h.result);
  REQUIRE(tasks[0].plan.op_count() == 2);
  TileTransport transport(h.config, tasks, h.networks, result, host, h.timeline, true);
  KReduction reduction(tasks, h.config.pods, true, &transport, KReductionMode::PostProcessors, result, host);
  const TileOp first = tasks[0].plan.op(0), second = tasks[0].plan.op(1);
  REQUIRE(first.k_part != second.k_part);
  reduction.op_finished(OpDone{0, 0, first.weight_tile, 4, 4}, 30);
  REQUIRE(host.bookings == std::vector<std::uint64_t>{32});  // booked two cycles after it is sent
  reduction.op_finished(OpDone{0, 1, second.weight_tile, 4, 4}, 31);
  reduction.ops_done(0, 31);
  CHECK(host.completed.empty());  // the partial tile is still on its way
  host.now_ = 32;
  transport.run(32);
  // Four rows (flits) leave pod 0's bank at 30 and cross two routers of the 2-port butterfly-2:
  // the head arrives (2 + 1) hops later at 33, the tail at 36, and the post-processor has added
  // the last row by 38. The layer completes then, and every pod waited for it behind the barrier.
  REQUIRE(host.completions_due == std::vector<std::uint64_t>{38});
  const std::uint64_t end = 38;
  reduction.complete_due(38);
  REQUIRE(host.completed.size() == 1);
  CHECK(host.completed[0].second == end);
  CHECK(result.layers[0].activity.additions == 16);
  CHECK(result.tree_partial_tiles == 1);
  CHECK(result.chained_partial_tiles == 0);
  CHECK(result.reduction_wait_pod_cycles == (end - 31) * 2);
}

TEST_CASE("KReduction chains the partial tile done first into the owner's first op when it arrives in time",
          "[controller]") {
  // K = 8 over two K blocks, one op per pod. Under chain the owner is pod 0 (K block 0, the end of
  // its chunk); pod 1's partial tile (K block 1, the start of its chunk) is done first at 20,
  // booked at 22, and its four rows arrive at 23 .. 26 (as in the test above, ten cycles earlier).
  for (const std::uint64_t owner_start : {40, 26, 25}) {
    CAPTURE(owner_start);
    Harness h({"tiling.scheduler=layer_static"}, one_layer(4, 8, 4));
    auto [tasks, host, result] = std::tie(h.tasks, h.host, h.result);
    REQUIRE(h.config.tiling.k_reduction == KReductionMode::Chain);  // the default
    TileTransport transport(h.config, tasks, h.networks, result, host, h.timeline, true);
    KReduction reduction(tasks, h.config.pods, true, &transport, KReductionMode::Chain, result, host);
    const TileOp first = tasks[0].plan.op(0), second = tasks[0].plan.op(1);
    REQUIRE(first.k_part == 0);
    reduction.op_finished(OpDone{0, 1, second.weight_tile, 4, 4}, 20);
    REQUIRE(host.bookings == std::vector<std::uint64_t>{22});
    host.now_ = 22;
    transport.run(22);
    PodOp owner;
    owner.layer = 0;
    owner.op_index = 0;
    owner.k_part = 0;
    reduction.op_timed(owner, owner_start);
    const std::uint64_t owner_done = owner_start + 10;
    host.now_ = owner_done;
    reduction.op_finished(OpDone{0, 0, first.weight_tile, 4, 4}, owner_done);
    reduction.ops_done(0, owner_done);
    // The layer is done when the owner's op is (the partial tile was in long before).
    REQUIRE(host.completed.size() == 1);
    CHECK(host.completed[0].second == owner_done);
    CHECK(result.layers[0].reduction_tail_cycles == 0);
    CHECK(result.local_partial_tiles == 0);
    if (owner_start >= 26) {  // the last row is there when the op starts: the array adds it
      CHECK(result.chained_partial_tiles == 1);
      CHECK(result.chained_partial_bytes == 32);  // 4 x 4 16-bit partial sums
      CHECK(result.tree_partial_tiles == 0);
      CHECK(result.layers[0].activity.additions == 0);
    } else {  // a row too late: a post-processor adds the tile after the op
      CHECK(result.chained_partial_tiles == 0);
      CHECK(result.tree_partial_tiles == 1);
      CHECK(result.layers[0].activity.additions == 16);
    }
  }
}

TEST_CASE("RunAccounting counts an op's MACs and bytes, and a pod's wait for data", "[controller]") {
  Harness h({}, one_layer(4, 8, 4));
  SimulationResult& result = h.result;
  RunAccounting accounting(h.tasks, result, h.timeline, 2, 64, false);
  PodOp op;
  op.layer = 0;
  op.stream_rows = 4;
  op.k_rows = 4;
  op.n_cols = 4;
  op.k_part = 1;  // reads a partial sum
  OpTiming timing;
  timing.loads_weights = true;
  accounting.op_started(0, op, timing);
  CHECK(result.useful_macs == 64);
  CHECK(result.bytes.sram_x_read == 16);     // 4 x 4 int8
  CHECK(result.bytes.sram_w_read == 16);
  CHECK(result.bytes.sram_p_in_read == 32);  // 16-bit partial sums
  CHECK(result.layers[0].activity.sram_bytes == 16 + 16 + 2 * 32);
  accounting.wait_from(1, 10);
  accounting.wait_from(1, 12);  // still the same wait
  CHECK(accounting.waiting(1));
  accounting.wait_over(1, 25, 0);
  CHECK(result.operand_wait_cycles == 15);
  CHECK_FALSE(accounting.waiting(1));
}

TEST_CASE("the timeline puts overlapping spans on separate tracks and keeps counter totals", "[timeline]") {
  sosasim::test::TempDir dir;
  const std::string path = dir.path() + "/t.json";
  {
    Timeline timeline(path);
    const int counter = timeline.add_counter("c", 1.0);
    timeline.span(kTimelinePods, pod_ops_lane(0), "a", 0, 10);
    timeline.span(kTimelinePods, pod_ops_lane(0), "b", 5, 10);   // overlaps a: a second track
    timeline.span(kTimelinePods, pod_ops_lane(0), "c", 10, 10);  // a's track is free again
    timeline.span(kTimelinePods, pod_weights_lane(0), "w", 0, 30);
    timeline.count(counter, 0, 100, 50);
    // Far enough to coarsen the buckets more than once: the totals stay.
    timeline.count(counter, 64.0 * Timeline::kMaxBuckets * 5, 1000, 1000);
  }
  const nlohmann::json document = nlohmann::json::parse(sosasim::test::read_file(path));
  std::map<std::string, int> tid_of;
  std::map<int, std::string> track_name;
  double total = 0, width = 0, last_ts = -1;
  for (const auto& event : document["traceEvents"]) {
    if (event["ph"] == "X") tid_of[event["name"]] = event["tid"];
    if (event["ph"] == "M" && event["name"] == "thread_name") track_name[event["tid"]] = event["args"]["name"];
    if (event["ph"] == "C") {
      if (last_ts >= 0 && width == 0) width = event["ts"].get<double>() - last_ts;
      last_ts = event["ts"];
      total += event["args"]["value"].get<double>();
    }
  }
  CHECK(tid_of["a"] == tid_of["c"]);
  CHECK(tid_of["a"] != tid_of["b"]);
  CHECK(tid_of["w"] != tid_of["a"]);
  CHECK(track_name[tid_of["a"]] == "pod 0 ops");
  CHECK(track_name[tid_of["b"]] == "pod 0 ops (2)");
  CHECK(track_name[tid_of["w"]] == "pod 0 weight loads");
  // Samples are means per cycle over buckets of `width` microseconds (1000 cycles each).
  CHECK(width == Approx(64.0 * 8 / 1000));
  CHECK(total * width * 1000 == Approx(1050));
}
