// The paths a transfer can take through a network, as lists of link ids, for schedulers that
// reserve routes (SOSA's round scheduler: a tile op goes in a round only where its routes are
// free). Links are a source's injection port, every router output port, the body of a router
// that carries one transfer at a time (a bus) and a destination's ejection port, so two
// transfers conflict exactly when their paths share a link id.
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
  int ejection_base_ = 0;
  std::vector<char> body_;  // per link
  std::vector<std::int32_t> slot_;                      // per (source, destination): index into paths_, or -1
  std::deque<std::vector<std::vector<int>>> paths_;  // filled on first use; references stay valid
};

}  // namespace sosasim
