// Interconnects: structure against closed forms, zero-load latency, saturation, permutation
// behaviour (Benes looping, butterfly blocking), and the fast model against the flit-level
// reference on random traffic with contention and multicast.
#include <catch2/catch.hpp>

#include <random>

#include "interconnect/analysis.h"
#include "sim/kernel/errors.h"
#include "interconnect/network_calendar.h"
#include "interconnect/network_engine.h"
#include "interconnect/topology.h"
#include "interconnect/route_table.h"
#include "tests/topology_helpers.h"
#include "interconnect/traffic.h"

using namespace sosasim;
using sosasim::test::topology;

namespace {

double accepted_rate(const NetworkResult& result, int ports, std::uint64_t from, std::uint64_t to, int flits) {
  std::uint64_t delivered = 0;
  for (const auto& d : result.deliveries)
    if (d.tail_cycle >= from && d.tail_cycle < to) delivered += static_cast<std::uint64_t>(flits);
  return static_cast<double>(delivered) / static_cast<double>((to - from) * static_cast<std::uint64_t>(ports));
}

double average_latency(const NetworkResult& result, const std::vector<Packet>& packets, std::uint64_t from) {
  double total = 0;
  std::uint64_t count = 0;
  for (const auto& d : result.deliveries)
    if (packets[d.id].created >= from) total += static_cast<double>(d.tail_cycle - packets[d.id].created), ++count;
  return count ? total / static_cast<double>(count) : 0.0;
}

}  // namespace

TEST_CASE("butterfly and Benes structure follows the closed forms", "[interconnect]") {
  for (int n = 1; n <= 8; ++n) {
    const int N = 1 << n;
    NetworkDescription fly = describe_network(topology("butterfly", 1)->build(N));
    CHECK(fly.switches == (N / 2) * n);
    CHECK(fly.stages == n);
    CHECK(fly.connected);
    CHECK(fly.path_diversity == 1);
    CHECK(fly.bisection_links == N / 2);
    CHECK(fly.diameter_hops == n - 1);
    NetworkDescription benes = describe_network(topology("benes")->build(N));
    CHECK(benes.stages == 2 * n - 1);
    CHECK(benes.switches == (N / 2) * (2 * n - 1));
    CHECK(benes.connected);
    if (n >= 3) {
      NetworkDescription fly4 = describe_network(topology("butterfly", 4)->build(N));
      CHECK(fly4.stages == n + 2);  // expansion 4 adds log2 4 stages
      CHECK(fly4.path_diversity == 4);
    }
  }
}

TEST_CASE("a k x k mesh has diameter 2(k-1) and bisection k", "[interconnect]") {
  for (int k = 2; k <= 8; ++k) {
    NetworkDescription mesh = describe_network(topology("mesh")->build(k * k));
    CHECK(mesh.diameter_hops == 2 * (k - 1));
    CHECK(mesh.switches == k * k);
    if (k % 2 == 0) CHECK(mesh.bisection_links == k);  // the halves split between two rows
    CHECK(mesh.connected);
  }
  NetworkDescription crossbar = describe_network(topology("crossbar")->build(16));
  CHECK(crossbar.switches == 1);
  CHECK(crossbar.diameter_hops == 0);
  CHECK(crossbar.crosspoints == 256);
  CHECK(describe_network(topology("bus")->build(16)).bisection_links == 1);
}

TEST_CASE("zero-load latency is hops x hop latency plus serialization", "[interconnect]") {
  NetworkParams params;
  params.hop_latency = 2;
  params.buffer_flits = 8;
  const int flits = 3;
  struct Case {
    std::string name;
    std::int64_t expansion;
    int ports, source, destination, routers;
  };
  for (const Case& c : std::vector<Case>{{"butterfly", 1, 16, 3, 12, 4},
                                        {"butterfly", 2, 16, 3, 12, 5},
                                        {"benes", 1, 16, 3, 12, 7},
                                        {"crossbar", 1, 16, 3, 12, 1},
                                        {"bus", 1, 16, 3, 12, 1},
                                        {"mesh", 1, 16, 0, 15, 7}}) {  // (0,0) to (3,3): 6 hops, 7 routers
    auto topo = topology(c.name, c.expansion);
    NetworkGraph graph = topo->build(c.ports);
    std::vector<Packet> packets = {Packet{0, c.source, {c.destination}, flits, 5}};
    for (auto run : {run_fast, run_reference}) {
      NetworkResult result = run(graph, *topo, params, packets, 1000);
      REQUIRE(result.deliveries.size() == 1);
      INFO(c.name);
      // Links crossed: injection, between routers, ejection = routers + 1.
      CHECK(result.deliveries[0].tail_cycle - 5 ==
            static_cast<std::uint64_t>((c.routers + 1) * params.hop_latency + flits - 1));
    }
  }
}

TEST_CASE("latency grows with load and the accepted rate saturates", "[interconnect]") {
  auto topo = topology("butterfly", 2);
  NetworkGraph graph = topo->build(32);
  NetworkParams params;
  params.buffer_flits = 10;
  double previous_latency = 0;
  std::vector<double> accepted;
  for (double rate : {0.1, 0.3, 0.6, 1.0}) {
    std::vector<Packet> packets = synthetic_traffic("uniform", 32, rate, 4, 3000, 7);
    NetworkResult result = run_fast(graph, *topo, params, packets, 200000);
    double latency = average_latency(result, packets, 750);
    CHECK(latency > previous_latency);
    previous_latency = latency;
    accepted.push_back(accepted_rate(result, 32, 750, 3000, 4));
  }
  CHECK(accepted[0] == Approx(0.1).margin(0.02));
  CHECK(accepted[3] < 0.8);                            // saturated below the offered 1.0
  CHECK(accepted[3] == Approx(accepted[2]).margin(0.1));  // and flat past saturation
}

TEST_CASE("permutations: crossbar and Benes ~1 flit/port/cycle, butterfly-1 blocks, expansion helps", "[interconnect]") {
  NetworkParams params;
  params.buffer_flits = 9;
  auto rate = [&](const std::string& name, std::int64_t expansion, const std::string& pattern) {
    auto topo = topology(name, expansion);
    NetworkGraph graph = topo->build(64);
    topo->prepare_permutation(graph, pattern_permutation(pattern, 64, 3));
    std::vector<Packet> packets = synthetic_traffic(pattern, 64, 1.0, 4, 2000, 3);
    return accepted_rate(run_fast(graph, *topo, params, packets, 100000), 64, 500, 2000, 4);
  };
  for (const char* pattern : {"bit_reverse", "transpose", "permutation"}) {
    INFO(pattern);
    CHECK(rate("crossbar", 1, pattern) > 0.95);
    CHECK(rate("benes", 1, pattern) > 0.95);
  }
  for (const char* pattern : {"bit_reverse", "transpose"}) {
    INFO(pattern);
    double one = rate("butterfly", 1, pattern);
    CHECK(one < 0.3);
    CHECK(rate("butterfly", 2, pattern) > one);
    CHECK(rate("butterfly", 8, pattern) > rate("butterfly", 2, pattern));
  }
}

TEST_CASE("the looping algorithm routes any permutation through a Benes network without conflict", "[interconnect]") {
  auto topo = topology("benes");
  NetworkParams params;
  params.buffer_flits = 4;
  std::mt19937_64 rng(17);
  for (int trial = 0; trial < 20; ++trial) {
    const int N = 1 << (1 + trial % 6);
    NetworkGraph graph = topo->build(N);
    std::vector<int> permutation(static_cast<std::size_t>(N));
    for (int i = 0; i < N; ++i) permutation[static_cast<std::size_t>(i)] = i;
    std::shuffle(permutation.begin(), permutation.end(), rng);
    topo->prepare_permutation(graph, permutation);
    std::vector<Packet> packets;
    for (int s = 0; s < N; ++s) packets.push_back(Packet{static_cast<std::uint64_t>(s), s, {permutation[static_cast<std::size_t>(s)]}, 4, 0});
    NetworkResult result = run_reference(graph, *topo, params, packets, 10000);
    CHECK(result.stats.stall_cycles == 0);
    for (const auto& d : result.deliveries) CHECK(d.tail_cycle == static_cast<std::uint64_t>(graph.stages + 1 + 3));
  }
}

TEST_CASE("an 8x8 mesh under uniform traffic saturates under the 4/k = 0.5 bound", "[interconnect]") {
  auto topo = topology("mesh");
  NetworkGraph graph = topo->build(64);
  NetworkParams params;
  params.buffer_flits = 3;
  std::vector<Packet> packets = synthetic_traffic("uniform", 64, 0.6, 1, 4000, 5);
  double accepted = accepted_rate(run_fast(graph, *topo, params, packets, 400000), 64, 1000, 4000, 1);
  CHECK(accepted < 0.5);
  CHECK(accepted > 0.25);  // one-VC, input-queued dimension-order routers saturate around a third
}

TEST_CASE("fast and reference networks agree exactly on random traffic with contention", "[interconnect][fidelity]") {
  std::mt19937_64 rng(23);
  const std::vector<std::pair<std::string, std::int64_t>> topologies = {
      {"butterfly", 1}, {"butterfly", 2}, {"butterfly", 4}, {"benes", 1}, {"crossbar", 1}, {"mesh", 1}, {"bus", 1}};
  for (int trial = 0; trial < 70; ++trial) {
    const auto& [name, expansion] = topologies[static_cast<std::size_t>(trial) % topologies.size()];
    auto topo = topology(name, expansion);
    int ports = name == "mesh" ? (trial % 2 ? 9 : 16) : 1 << (1 + static_cast<int>(rng() % 4));
    NetworkGraph graph = topo->build(ports);
    NetworkParams params;
    params.hop_latency = 1 + static_cast<int>(rng() % 3);
    params.adaptive = trial % 2 == 1;
    int flits = 1 + static_cast<int>(rng() % 5);
    params.buffer_flits = flits + static_cast<int>(rng() % 4);
    const std::string pattern = traffic_patterns()[rng() % traffic_patterns().size()];
    if (pattern_needs_power_of_two(pattern) && (ports & (ports - 1))) continue;
    double rate = 0.05 + static_cast<double>(rng() % 90) / 100.0;
    std::vector<Packet> packets = synthetic_traffic(pattern, ports, rate, flits, 300, rng());
    if (is_permutation_pattern(pattern)) topo->prepare_permutation(graph, pattern_permutation(pattern, ports, 1));
    if (topo->supports_multicast() && trial % 3 == 0)
      for (auto& packet : packets)
        if (packet.id % 4 == 0) {  // a quarter of the packets go to two or three pods
          for (int extra = 1; extra <= 2; ++extra) {
            int d = (packet.destinations[0] + extra * 3) % ports;
            if (std::find(packet.destinations.begin(), packet.destinations.end(), d) == packet.destinations.end())
              packet.destinations.push_back(d);
          }
        }
    NetworkResult fast = run_fast(graph, *topo, params, packets, 1000000);
    NetworkResult reference = run_reference(graph, *topo, params, packets, 1000000);
    INFO("trial " << trial << " " << name << "-" << expansion << " ports " << ports << " " << pattern << " rate " << rate
                  << " flits " << flits << " buffer " << params.buffer_flits << " hop " << params.hop_latency);
    REQUIRE(fast.deliveries.size() == reference.deliveries.size());
    CHECK(fast.undelivered == 0);
    bool same = true;
    for (std::size_t i = 0; i < fast.deliveries.size(); ++i) {
      const auto& a = fast.deliveries[i];
      const auto& b = reference.deliveries[i];
      same = same && a.id == b.id && a.destination == b.destination && a.head_cycle == b.head_cycle &&
             a.tail_cycle == b.tail_cycle;
    }
    CHECK(same);
    CHECK(fast.stats.flit_hops == reference.stats.flit_hops);
    CHECK(fast.stats.stall_cycles == reference.stats.stall_cycles);
    CHECK(fast.stats.output_busy_cycles == reference.stats.output_busy_cycles);
  }
}

TEST_CASE("incremental engines decide each delivery at the same cycle, ahead of its head", "[interconnect][fidelity]") {
  // The system adds packets as it runs and learns of a delivery when the engine decides it; the
  // two engines must decide the same deliveries at the same cycles, and the reference checks
  // that the flits then come exactly as decided.
  std::mt19937_64 rng(41);
  const std::vector<std::pair<std::string, std::int64_t>> topologies = {
      {"butterfly", 2}, {"benes", 1}, {"crossbar", 1}, {"mesh", 1}, {"bus", 1}};
  for (int trial = 0; trial < 25; ++trial) {
    const auto& [name, expansion] = topologies[static_cast<std::size_t>(trial) % topologies.size()];
    auto topo = topology(name, expansion);
    const int ports = name == "mesh" ? 9 : 8;
    NetworkGraph graph = topo->build(ports);
    NetworkParams params;
    params.hop_latency = 1 + static_cast<int>(rng() % 3);
    params.adaptive = trial % 2 == 0;
    const int flits = 1 + static_cast<int>(rng() % 6);
    params.buffer_flits = flits;
    std::vector<Packet> packets = synthetic_traffic("uniform", ports, 0.05 + static_cast<double>(rng() % 60) / 100.0,
                                                    flits, 200, rng());
    if (topo->supports_multicast())
      for (auto& packet : packets)
        if (packet.id % 3 == 0 && packet.destinations[0] != (packet.destinations[0] + 5) % ports)
          packet.destinations.push_back((packet.destinations[0] + 5) % ports);
    INFO("trial " << trial << " " << name << " hop " << params.hop_latency << " flits " << flits);
    FastNetwork fast(graph, *topo, params);
    ReferenceNetwork reference(graph, *topo, params);
    using Decided = std::tuple<std::uint64_t, std::uint64_t, int, std::uint64_t, std::uint64_t, std::uint64_t, std::uint64_t>;
    std::vector<Decided> decided[2];
    std::size_t next = 0;
    std::uint64_t t = 0, joins = 0;
    IncrementalNetwork* engines[2] = {&fast, &reference};
    while (next < packets.size() || fast.next_event() != UINT64_MAX || reference.next_event() != UINT64_MAX) {
      REQUIRE(t < 100000);
      for (; next < packets.size() && packets[next].created == t; ++next)
        for (IncrementalNetwork* engine : engines) engine->add(packets[next]);
      // A bank combining reads: a new destination joins a packet still waiting at its source.
      if (topo->supports_multicast() && next > 0 && rng() % 3 == 0) {
        const Packet& queued = packets[next - 1 - rng() % std::min<std::size_t>(next, 8)];
        const int destination = static_cast<int>(rng() % static_cast<std::uint64_t>(ports));
        const bool joined = fast.join(queued.id, destination);
        CHECK(reference.join(queued.id, destination) == joined);
        joins += joined ? 1 : 0;
      }
      for (int e = 0; e < 2; ++e) {
        engines[e]->advance(t + 1);
        for (const Delivery& d : engines[e]->take_deliveries()) {
          CHECK(d.head_cycle > t);  // decided before the head arrives
          decided[e].emplace_back(t, d.id, d.destination, d.head_cycle, d.tail_cycle, d.injected, d.packet_flit_hops);
        }
      }
      ++t;
    }
    std::sort(decided[0].begin(), decided[0].end());
    std::sort(decided[1].begin(), decided[1].end());
    CHECK(decided[0] == decided[1]);
    CHECK(reference.undelivered() == 0);
    std::uint64_t expected = 0, hops = 0;
    for (const auto& packet : packets) expected += packet.destinations.size();
    for (const auto& d : decided[0]) hops += std::get<6>(d);
    CHECK(decided[0].size() == expected + joins);
    if (topo->supports_multicast() && trial >= 5) CHECK(joins > 0);
    CHECK(hops == fast.stats().flit_hops);  // each packet's flit-hops reported once, on its last delivery
    CHECK(fast.stats().flit_hops == reference.stats().flit_hops);
  }
  // A packet created before the cycle an engine has reached is refused, not silently delayed.
  auto topo = topology("crossbar", 1);
  NetworkGraph graph = topo->build(4);
  NetworkParams params;
  FastNetwork fast(graph, *topo, params);
  fast.advance(10);
  CHECK_THROWS_AS(fast.add(Packet{0, 0, {1}, 1, 5}), ModelError);
  ReferenceNetwork reference(graph, *topo, params);
  reference.advance(10);
  CHECK_THROWS_AS(reference.add(Packet{0, 0, {1}, 1, 9}), ModelError);
}

TEST_CASE("network calendar: zero-load timing equals the router engines'", "[interconnect][calendar]") {
  NetworkParams params;
  params.hop_latency = 2;
  params.buffer_flits = 8;
  const int flits = 3;
  for (const auto& [name, expansion, source, destination] :
       std::vector<std::tuple<std::string, int, int, int>>{{"butterfly", 1, 3, 12}, {"butterfly", 2, 3, 12},
                                                           {"benes", 1, 3, 12},     {"crossbar", 1, 3, 12},
                                                           {"bus", 1, 3, 12},       {"mesh", 1, 0, 15}}) {
    INFO(name << "-" << expansion);
    auto topo = topology(name, expansion);
    NetworkGraph graph = topo->build(16);
    NetworkResult engine = run_fast(graph, *topo, params, {Packet{0, source, {destination}, flits, 5}}, 1000);
    REQUIRE(engine.deliveries.size() == 1);
    RouteTable routes(*topo, graph, 8);
    NetworkCalendar calendar(routes, params.hop_latency);
    NetworkCalendar::Booking booking = calendar.book(source, destination, 1, flits, 5, 5);
    CHECK(booking.start == 5);
    CHECK(booking.head == engine.deliveries[0].head_cycle);
    CHECK(booking.tail == engine.deliveries[0].tail_cycle);
  }
}

TEST_CASE("network calendar: ports serialize, gaps are used, multicast copies share links", "[interconnect][calendar]") {
  auto butterfly = topology("butterfly", 1);
  NetworkGraph graph = butterfly->build(16);
  RouteTable routes(*butterfly, graph, 8);
  {
    NetworkCalendar calendar(routes, 1);
    // Two different tiles from one bank: the second leaves when the first's 8 flits have.
    CHECK(calendar.book(2, 5, 1, 8, 10, 10).start == 10);
    CHECK(calendar.book(2, 9, 2, 8, 10, 10).start == 18);
    // The same tile again in the same cycle to another pod: a multicast copy, no wait.
    const auto before = calendar.stats().flit_hops;
    CHECK(calendar.book(2, 7, 1, 8, 10, 10).start == 10);
    CHECK(calendar.stats().joined == 1);
    CHECK(calendar.stats().flit_hops - before < 8u * routes.paths(2, 7).front().size());  // shared prefix
    // A transfer booked later but ready earlier uses the gap before a later reservation.
    CHECK(calendar.book(4, 12, 3, 4, 100, 10).start == 100);
    CHECK(calendar.book(4, 13, 4, 4, 20, 10).start == 20);
    CHECK(calendar.stats().wait_cycles == 8);
    CHECK(calendar.stats().bank_port_wait_cycles == 8);  // it was the bank's port that held it back
  }
  {
    // Without multicast (Benes with plain switches) the copy waits for the port.
    auto benes = topology("benes", 1, false);
    NetworkGraph benes_graph = benes->build(16);
    RouteTable unicast(*benes, benes_graph, 8);
    NetworkCalendar calendar(unicast, 1);
    CHECK(calendar.book(2, 5, 1, 8, 10, 10).start == 10);
    CHECK(calendar.book(2, 7, 1, 8, 10, 10).start == 18);
    CHECK(calendar.stats().joined == 0);
  }
}

TEST_CASE("network calendar: random bookings never collide and start as early as any path allows",
          "[interconnect][calendar]") {
  // A brute-force model of the calendar's contract: a transfer holds link j of its path for
  // [s + hop_j * L, ... + flits); two transfers of different tiles never hold a link at once, and
  // copies of one tile share a link only in exactly the same cycles (on a multicast network).
  // Each booking must take the earliest start >= ready at which one of its candidate paths is
  // free in that sense.
  struct Held {
    std::uint64_t from, to, key;
  };
  for (const auto& [name, expansion, multicast] : std::vector<std::tuple<std::string, int, bool>>{
           {"butterfly", 2, true}, {"butterfly", 1, true}, {"benes", 1, true}, {"benes", 1, false}, {"crossbar", 1, true},
           {"mesh", 1, true}}) {
    INFO(name << "-" << expansion << (multicast ? "" : " unicast"));
    auto topo = topology(name, expansion, multicast);
    NetworkGraph graph = topo->build(8);
    RouteTable routes(*topo, graph, 4);
    const std::uint64_t hop = 2;
    NetworkCalendar calendar(routes, static_cast<int>(hop));
    std::map<int, std::vector<Held>> held;  // link -> reservations
    auto fits = [&](const std::vector<int>& path, const std::vector<std::uint16_t>& hops, std::uint64_t key,
                    std::uint64_t flits, std::uint64_t start) {
      for (std::size_t j = 0; j < path.size(); ++j) {
        const std::uint64_t from = start + hops[j] * hop, to = from + flits;
        for (const Held& h : held[path[j]]) {
          if (h.to <= from || h.from >= to) continue;
          if (!(routes.multicast() && h.key == key && h.from == from && h.to == to)) return false;
        }
      }
      return true;
    };
    std::mt19937_64 rng(7);
    std::uint64_t ready = 0;
    for (int n = 0; n < 400; ++n) {
      ready += rng() % 3;
      const int source = static_cast<int>(rng() % 8), destination = static_cast<int>(rng() % 8);
      const std::uint64_t key = 1 + rng() % 12, flits = 1 + rng() % 6;
      const auto booking = calendar.book(source, destination, key, static_cast<int>(flits), ready, ready);
      const auto& paths = routes.paths(source, destination);
      const auto& hops = routes.hops(source, destination);
      REQUIRE(booking.path < static_cast<int>(paths.size()));
      const auto p = static_cast<std::size_t>(booking.path);
      INFO("booking " << n << " from " << source << " to " << destination << " ready " << ready);
      CHECK(fits(paths[p], hops[p], key, flits, booking.start));
      std::uint64_t earliest = UINT64_MAX;
      for (std::size_t q = 0; q < paths.size(); ++q)
        for (std::uint64_t s = ready; s < std::min(earliest, booking.start + 1); ++s)
          if (fits(paths[q], hops[q], key, flits, s)) {
            earliest = s;
            break;
          }
      CHECK(earliest == booking.start);
      for (std::size_t j = 0; j < paths[p].size(); ++j) {
        const std::uint64_t from = booking.start + hops[p][j] * hop;
        auto& list = held[paths[p][j]];
        bool shared = false;
        for (const Held& h : list) shared = shared || (h.key == key && h.from == from);
        if (!shared) list.push_back({from, from + flits, key});
      }
    }
  }
}

TEST_CASE("route table: pods spread over a larger network's ports", "[interconnect][calendar]") {
  // 6 pods on an 8-port butterfly: spread puts pod i at port floor(8 i / 6), packed at port i.
  auto topo = topology("butterfly", 2);
  NetworkGraph graph = topo->build(6);
  REQUIRE(graph.terminals == 8);
  RouteTable spread(*topo, graph, 8, 6, true), packed(*topo, graph, 8, 6, false);
  const std::vector<int> expected{0, 1, 2, 4, 5, 6};
  for (int pod = 0; pod < 6; ++pod) {
    CHECK(spread.terminal_of(pod) == expected[static_cast<std::size_t>(pod)]);
    CHECK(packed.terminal_of(pod) == pod);
  }
  // A path leaves through its source pod's port (link id = terminal) and reaches its destination
  // (RouteTable checks delivery); the calendar books between pods, whatever their ports.
  for (const auto& path : spread.paths(3, 5)) CHECK(path.front() == 4);
  for (const auto& path : packed.paths(3, 5)) CHECK(path.front() == 3);
  NetworkCalendar calendar(spread, 1);
  const auto booking = calendar.book(3, 5, 1, 4, 10, 10);
  CHECK(booking.start == 10);
  CHECK(booking.head == 10 + static_cast<std::uint64_t>(graph.stages + 1));
}
