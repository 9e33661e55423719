// The paths a transfer can take through a network, as lists of link ids, for schedulers that
// reserve routes (SOSA's round scheduler: a tile op goes in a round only where its routes are
// free). Links are a source's injection port, every router output port (the last one on a path
// is the destination's port) and the body of a router that carries one transfer at a time (a
// bus), so two transfers conflict exactly when their paths share a link id.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "interconnect/network.h"
#include "interconnect/topology.h"

namespace sosasim {

class RouteTable {
 public:
  // Up to `max_paths` distinct paths per (source, destination) pair: a topology with
  // free-choice stages offers several (butterfly-e: e, Benes: up to max_paths of N/2).
  RouteTable(const Topology& topology, const NetworkGraph& graph, int max_paths);

  const std::vector<std::vector<int>>& paths(int source, int destination);
  // For each of paths(source, destination), the hop at which each link is entered: a transfer
  // leaving the source at s holds link j from s + hops[j] * hop_latency (a bus's body and the
  // output after it share a hop); its head reaches the destination one hop after the last link
  // is entered. Call after paths() for the same pair.
  const std::vector<std::vector<std::uint16_t>>& hops(int source, int destination) const;
  int links() const { return links_; }
  int terminals() const { return graph_.terminals; }
  bool multicast() const { return multicast_; }
  // The link is the body of a router that carries one transfer at a time (a bus).
  bool is_body(int link) const { return body_[static_cast<std::size_t>(link)] != 0; }

 private:
  std::vector<int> walk(int source, int destination, std::uint64_t packet_id) const;

  const Topology& topology_;
  const NetworkGraph& graph_;
  int max_paths_;
  bool multicast_;
  int links_ = 0;
  std::vector<int> output_base_;  // per router: the link id of its output 0
  std::vector<int> body_link_;    // per router: its body's link id, or -1
  std::vector<char> body_;  // per link
  std::vector<std::int32_t> slot_;                      // per (source, destination): index into paths_, or -1
  std::deque<std::vector<std::vector<int>>> paths_;  // filled on first use; references stay valid
  std::deque<std::vector<std::vector<std::uint16_t>>> hops_;  // parallel to paths_
};

}  // namespace sosasim
