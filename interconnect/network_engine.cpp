// Runs whole packet lists through either engine (network_engine.h); the engines themselves are
// network_reference.cpp and network_fast.cpp, their shared parts network_pool.h.
#include "interconnect/network_engine.h"

#include <algorithm>

namespace sosasim {

namespace {

// Runs `packets` through `network` until every tail has arrived or `max_cycles`.
NetworkResult run(IncrementalNetwork& network, const std::vector<Packet>& packets, std::uint64_t max_cycles) {
  for (const auto& packet : packets) network.add(packet);
  network.advance(max_cycles);
  NetworkResult result;
  std::uint64_t last = 0;
  for (const Delivery& delivery : network.take_deliveries())
    if (delivery.tail_cycle < max_cycles) {
      result.deliveries.push_back(delivery);
      last = std::max(last, delivery.tail_cycle);
    }
  std::sort(result.deliveries.begin(), result.deliveries.end(), [](const Delivery& a, const Delivery& b) {
    return a.id != b.id ? a.id < b.id : a.destination < b.destination;
  });
  std::uint64_t expected = 0;
  for (const auto& packet : packets) expected += packet.destinations.size();
  result.undelivered = expected - result.deliveries.size();
  result.stats = network.stats();
  result.stats.packets_delivered = result.deliveries.size();
  result.stats.cycles = result.deliveries.empty() ? 0 : last + 1;
  return result;
}

}  // namespace

NetworkResult run_fast(const NetworkGraph& graph, const Topology& topology, const NetworkParams& params,
                       const std::vector<Packet>& packets, std::uint64_t max_cycles) {
  FastNetwork network(graph, topology, params);
  return run(network, packets, max_cycles);
}

NetworkResult run_reference(const NetworkGraph& graph, const Topology& topology, const NetworkParams& params,
                            const std::vector<Packet>& packets, std::uint64_t max_cycles) {
  ReferenceNetwork network(graph, topology, params);
  return run(network, packets, max_cycles);
}

}  // namespace sosasim
