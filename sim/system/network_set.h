// The machine's three networks (X: input tiles bank -> pod, W: weight tiles bank -> pod, P:
// partial sums between post-processors), each built from its own topology (`interconnect.x`,
// `.w`, `.p`, else the section's). Networks with the same topology and parameters share one
// graph and route table (each user keeps its own reservations).
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "interconnect/route_table.h"
#include "interconnect/topology.h"

namespace sosasim {

struct SimConfig;

struct BuiltNetwork {
  std::unique_ptr<Topology> topology;
  NetworkGraph graph;
  std::unique_ptr<RouteTable> routes;  // lock-step rounds reserve routes in it
  int hop_latency = 1;                 // cycles per router on a path
};

class NetworkSet {
 public:
  // `route_choices`: paths kept per endpoint pair (the round scheduler tries them).
  NetworkSet(const SimConfig& config, int route_choices);
  // Network kInputNetwork, kWeightNetwork or kPartialSumNetwork.
  BuiltNetwork& operator[](int network) const { return *of_[static_cast<std::size_t>(network)]; }
  // The longest path over the three, in cycles: routers times their hop latency (SOSA's L).
  std::uint64_t latency_cycles() const { return latency_cycles_; }

 private:
  std::vector<std::unique_ptr<BuiltNetwork>> built_;
  std::array<BuiltNetwork*, 3> of_{};
  std::uint64_t latency_cycles_ = 0;
};

}  // namespace sosasim
