// SOSA's greedy round scheduler: every op placed once, one op per pod and round, and no two
// transfers of a round on one link unless they carry the same tile over a multicast network,
// checked from scratch on the recorded paths; what the topology allows shows in the rounds.
#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "interconnect/route_table.h"
#include "tests/topology_helpers.h"
#include "tiling/round_schedule.h"

using namespace sosasim;
using sosasim::test::topology;

namespace {

Layer gemm(std::int64_t M, std::int64_t K, std::int64_t N) {
  Layer layer;
  layer.name = "l";
  layer.M = M;
  layer.K = K;
  layer.N = N;
  return layer;
}

struct Scheduled {
  RoundSchedule schedule;
  std::vector<std::uint64_t> held;
};

Scheduled schedule(const LayerPlan& plan, std::int64_t pods, RouteTable& routes) {
  Scheduled out;
  out.schedule = schedule_rounds(plan, pods, 0, routes, RoundScheduleParams{}, out.held);
  return out;
}

// Re-derives every round's link use from the recorded paths and checks the sharing rules.
void check_schedule(const LayerPlan& plan, std::int64_t pods, RouteTable& routes, const RoundSchedule& s) {
  const std::uint64_t ops = plan.op_count();
  REQUIRE(s.round.size() == ops);
  CHECK(s.rounds >= (ops + static_cast<std::uint64_t>(pods) - 1) / static_cast<std::uint64_t>(pods));
  std::set<std::pair<std::uint32_t, std::uint32_t>> pod_rounds;
  // (network, round, link) -> tile key of the transfer on it
  std::map<std::tuple<int, std::uint32_t, int>, std::uint64_t> owner;
  std::vector<std::int64_t> last_round(static_cast<std::size_t>(pods), -1);
  for (std::uint64_t op = 0; op < ops; ++op) {
    const std::uint32_t round = s.round[op], pod = s.pod[op];
    REQUIRE(round < s.rounds);
    REQUIRE(pod < pods);
    CHECK(pod_rounds.insert({round, pod}).second);  // one op per pod and round
    // A pod's ops are in list order = round order.
    CHECK(static_cast<std::int64_t>(round) > last_round[pod]);
    last_round[pod] = round;
    const RoundBanks banks = op_banks(plan, op, 0, pods);
    const std::uint64_t tile = plan.op(op).weight_tile;
    const std::uint64_t x_tile = x_tile_index(plan, op);
    auto claim = [&](int network, const std::vector<int>& path, std::uint64_t key, bool share) {
      for (int link : path) {
        auto [it, inserted] = owner.try_emplace({network, round, link}, key);
        if (!inserted) CHECK((share && it->second == key));
      }
    };
    const bool share = routes.multicast();
    claim(0, routes.paths(banks.x, static_cast<int>(pod))[s.x_path[op]], share ? x_tile : (1ull << 40) + op, share);
    if (s.w_path[op] != RoundSchedule::kNoTransfer)
      claim(1, routes.paths(banks.w, static_cast<int>(pod))[s.w_path[op]], share ? tile : (1ull << 40) + op, share);
    claim(2, routes.paths(static_cast<int>(pod), static_cast<int>(pod))[s.p_path[op]], (1ull << 40) + op, false);
  }
}

}  // namespace

TEST_CASE("round schedules obey pods, bank ports and links on every topology", "[rounds]") {
  const std::vector<Layer> layers{gemm(1000, 64, 64), gemm(100, 512, 256), gemm(37, 300, 90), gemm(4096, 32, 32)};
  for (const auto& [name, expansion, multicast] :
       std::vector<std::tuple<std::string, int, bool>>{{"butterfly", 1, true}, {"butterfly", 2, true},
                                                       {"benes", 1, true},     {"benes", 1, false},
                                                       {"crossbar", 1, true},  {"mesh", 1, true},
                                                       {"bus", 1, true}}) {
    for (std::int64_t pods : {4, 16, 13}) {
      auto topo = topology(name, expansion, multicast);
      NetworkGraph graph = topo->build(pods);
      RouteTable routes(*topo, graph, 8);
      for (const Layer& layer : layers) {
        INFO(name << "-" << expansion << " multicast " << multicast << ", " << pods << " pods, M " << layer.M);
        LayerPlan plan(layer, TileShape{8, 8, 8});
        Scheduled result = schedule(plan, pods, routes);
        check_schedule(plan, pods, routes, result.schedule);
      }
    }
  }
}

TEST_CASE("a crossbar packs every round full; a bus carries one transfer per round", "[rounds]") {
  // Distinct X tiles, one weight tile: a crossbar with multicast fills each round with all pods.
  LayerPlan plan(gemm(16 * 8 * 5, 8, 8), TileShape{8, 8, 8});
  {
    auto topo = topology("crossbar");
    NetworkGraph graph = topo->build(16);
    RouteTable routes(*topo, graph, 8);
    CHECK(schedule(plan, 16, routes).schedule.rounds == 5);
  }
  {
    auto topo = topology("bus");
    NetworkGraph graph = topo->build(16);
    RouteTable routes(*topo, graph, 8);
    CHECK(schedule(plan, 16, routes).schedule.rounds == plan.op_count());
  }
}

TEST_CASE("pods keep their weight tile; without multicast a shared tile costs rounds", "[rounds]") {
  // One weight tile used by 64 ops on 16 pods: each pod loads it once, then reuses it.
  LayerPlan plan(gemm(64 * 8, 8, 8), TileShape{8, 8, 8});
  auto with = topology("benes", 1, true);
  auto without = topology("benes", 1, false);
  NetworkGraph graph = with->build(16);
  RouteTable multicast(*with, graph, 8), unicast(*without, graph, 8);
  Scheduled a = schedule(plan, 16, multicast);
  Scheduled b = schedule(plan, 16, unicast);
  CHECK(a.schedule.rounds == 4);
  CHECK(b.schedule.rounds > a.schedule.rounds);
  std::size_t loads = static_cast<std::size_t>(
      std::count_if(a.schedule.w_path.begin(), a.schedule.w_path.end(),
                    [](std::uint16_t p) { return p != RoundSchedule::kNoTransfer; }));
  CHECK(loads == 16);  // once per pod
  for (std::uint64_t key : a.held) CHECK(key == 0);
}

TEST_CASE("chunk placement: weight tiles with their first user, input tiles with their diagonal user", "[rounds]") {
  // 4 row blocks x 3 K blocks x 2 column blocks = 24 ops, weight-major, on 6 pods of 4 ops each.
  LayerPlan plan(gemm(32, 24, 16), TileShape{8, 8, 8});
  REQUIRE(plan.op_count() == 24);
  for (std::uint64_t op = 0; op < plan.op_count(); ++op) {
    const std::uint64_t tile = op / 4, m = op % 4, k = tile % 3;
    RoundBanks banks = chunk_banks(plan, op, 6);
    CHECK(banks.w == static_cast<int>(tile * 4 / 4));  // the chunk of the tile's first op
    // Column block k mod 2 uses input tile (k, m) in op ((k % 2) * 3 + k) * 4 + m.
    CHECK(banks.x == static_cast<int>((((k % 2) * 3 + k) * 4 + m) / 4));
  }
  // Pods never share a bank by accident of stride: every pod owns some tile's bank here.
  std::set<int> owners;
  for (std::uint64_t op = 0; op < plan.op_count(); ++op) owners.insert(chunk_banks(plan, op, 6).w);
  CHECK(owners.size() == 6);
}

namespace {

// A hand-made placement of `plan`'s ops: rounds and pods by op index.
RoundSchedule placed(const LayerPlan& plan, const std::vector<std::uint32_t>& rounds, const std::vector<std::uint32_t>& pods) {
  RoundSchedule s;
  s.round = rounds;
  s.pod = pods;
  s.rounds = *std::max_element(rounds.begin(), rounds.end()) + 1;
  REQUIRE(rounds.size() == plan.op_count());
  return s;
}

}  // namespace

TEST_CASE("SOSA's K reduction: partial sums chain across rounds, the rest add up in a tree of rounds",
          "[tiling][rounds]") {
  const TileShape shape{8, 8, 8};
  const LayerPlan deep(gemm(8, 32, 8), shape);  // one output tile, 4 K blocks
  REQUIRE(deep.op_count() == 4);
  SECTION("all K blocks in one round: nothing chains; a tree of 3 additions of 2 halves each") {
    // The two halves of an addition write the same bank, one write per round: consecutive rounds.
    // (K0 + K1) and (K2 + K3) in rounds 1-2, their sum in rounds 3-4.
    const ReductionRounds r = reduction_rounds(deep, placed(deep, {0, 0, 0, 0}, {0, 1, 2, 3}), 4);
    CHECK(r.chained == 0);
    CHECK(r.additions == 6);
    CHECK(r.added_values == 3 * 8 * 8);  // three sums of an 8 x 8 tile
    CHECK(r.rounds == 5);
    CHECK(r.longest == std::vector<std::uint64_t>{0, 8, 8, 8, 8});
  }
  SECTION("K blocks in successive rounds: each partial sum goes to the next op, no addition") {
    const ReductionRounds r = reduction_rounds(deep, placed(deep, {0, 1, 2, 3}, {0, 0, 0, 0}), 4);
    CHECK(r.chained == 3);
    CHECK(r.additions == 0);
    CHECK(r.added_values == 0);
    CHECK(r.rounds == 4);
  }
  SECTION("two blocks per round: they chain pairwise, one addition of the two chains' ends") {
    // (K0, K1) in round 0, (K2, K3) in round 1: K0 -> K2 and K1 -> K3 chain; K2 + K3 add in
    // rounds 2 and 3.
    const ReductionRounds r = reduction_rounds(deep, placed(deep, {0, 0, 1, 1}, {0, 1, 0, 1}), 4);
    CHECK(r.chained == 2);
    CHECK(r.additions == 2);
    CHECK(r.rounds == 4);
  }
  SECTION("one post-processor: the halves of an addition take a round each") {
    const ReductionRounds r = reduction_rounds(deep, placed(deep, {0, 0, 0, 0}, {0, 0, 0, 0}), 1);
    CHECK(r.additions == 6);
    CHECK(r.rounds == 7);  // (K0 + K1) in rounds 1-2, (K2 + K3) in 3-4, their sum in 5-6
  }
  SECTION("a P bank is read once per round as a first input: additions from the same banks wait") {
    // Two output tiles (row partitions) whose K blocks sit in banks 0 and 1 in round 0. The first
    // tile's halves take rounds 1 and 2 (writing bank 0); the second tile's first half reads
    // bank 0 first as the first tile's first half does in round 1, so it waits for round 2; its
    // other half reads bank 1 first and fits round 1.
    const LayerPlan two(gemm(16, 16, 8), shape);
    REQUIRE(two.op_count() == 4);
    std::vector<std::uint32_t> rounds(4, 0), pods(4);
    for (std::int64_t m = 0; m < 2; ++m)
      for (std::int64_t k = 0; k < 2; ++k) pods[two.op_index(0, k, m)] = static_cast<std::uint32_t>(k);
    const ReductionRounds r = reduction_rounds(two, placed(two, rounds, pods), 8);
    CHECK(r.additions == 4);
    CHECK(r.rounds == 3);
  }
}

TEST_CASE("layers sharing a planner share rounds, from the round after their dependencies'", "[rounds]") {
  // Two 4-op layers on a 16-port crossbar: placed one after another, the second fills the
  // first's round; told to start later (min_round), it opens a round of its own. Layers keep
  // their transfers apart (tags) and, with a bank offset, their input tiles in other banks.
  auto topo = topology("crossbar", 1);
  NetworkGraph graph = topo->build(16);
  RouteTable routes(*topo, graph, 8);
  LayerPlan a(gemm(8, 8, 32), TileShape{8, 8, 8}), b(gemm(8, 8, 32), TileShape{8, 8, 8});
  REQUIRE(a.op_count() == 4);
  auto place_all = [&](std::uint32_t b_first_round, std::uint64_t b_offset) {
    std::vector<std::uint64_t> held;
    RoundPlanner planner(16, routes, RoundScheduleParams{}, held);
    RoundSchedule sa, sb;
    for (std::uint64_t op : planner.list(a)) planner.place(a, op, op, 0, 1, 0, sa);
    for (std::uint64_t op : planner.list(b)) planner.place(b, op, op, 100, 2, b_offset, sb, b_first_round);
    return std::make_tuple(sa, sb, planner.rounds());
  };
  auto [sa, sb, rounds] = place_all(0, 0);
  CHECK(rounds == 2);  // b's input tiles sit in a's banks: their ports are taken in round 0
  std::set<std::uint32_t> a_pods(sa.pod.begin(), sa.pod.end());
  std::vector<std::uint64_t> unused;
  const std::uint64_t span = RoundPlanner(16, routes, RoundScheduleParams{}, unused).bank_span(a);
  CHECK(span == 1);  // a's one input tile (one row and K block, read by its four column blocks)
  auto [sa2, sb2, rounds2] = place_all(0, span);
  CHECK(rounds2 == 1);  // offset past a's input tile, b shares round 0
  for (std::uint64_t op = 0; op < 4; ++op) {
    CHECK(sb2.round[op] == 0);
    CHECK(!a_pods.count(sb2.pod[op]));  // one op per pod and round
  }
  auto [sa3, sb3, rounds3] = place_all(1, span);
  CHECK(rounds3 == 2);
  for (std::uint64_t op = 0; op < 4; ++op) CHECK(sb3.round[op] == 1);
  CHECK(sb3.rounds == 2);  // one past its last round
}
