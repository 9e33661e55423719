// The paths a transfer can take through a network, as lists of link ids, for schedulers that
// reserve routes (SOSA's round scheduler: a tile op goes in a round only where its routes are
// free). Links are a source's injection port, every router output port (the last one on a path
// is the destination's port) and the body of a router that carries one transfer at a time (a
// bus), so two transfers conflict exactly when their paths share a link id.
#pragma once

#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

#include "interconnect/network.h"
#include "interconnect/topology.h"

namespace sosasim {

// A value per (source, destination) pair, 0 until set: a dense table while it stays small (a
// lookup per tile op on the hot path), a hash map above kDenseTerminals terminals, so memory
// follows the pairs used instead of terminals squared (16,384 pods: 2.1 GB dense).
class PairSlots {
 public:
  static constexpr int kDenseTerminals = 2048;
  explicit PairSlots(int terminals) : terminals_(static_cast<std::size_t>(terminals)) {
    if (terminals <= kDenseTerminals) dense_.assign(terminals_ * terminals_, 0);
  }
  std::uint32_t get(int source, int destination) const {
    const std::size_t key = index(source, destination);
    if (!dense_.empty()) return dense_[key];
    auto it = sparse_.find(key);
    return it == sparse_.end() ? 0 : it->second;
  }
  void set(int source, int destination, std::uint32_t value) {
    const std::size_t key = index(source, destination);
    if (!dense_.empty()) dense_[key] = value;
    else sparse_[key] = value;
  }

 private:
  std::size_t index(int source, int destination) const {
    return static_cast<std::size_t>(source) * terminals_ + static_cast<std::size_t>(destination);
  }
  std::size_t terminals_;
  std::vector<std::uint32_t> dense_;
  std::unordered_map<std::size_t, std::uint32_t> sparse_;
};

class RouteTable {
 public:
  // Up to `max_paths` distinct paths per (source, destination) pair: a topology with
  // free-choice stages offers several (butterfly-e: e, Benes: up to max_paths of N/2). Sources
  // and destinations are endpoints (pods with their banks), `endpoints` of them (0: one per
  // terminal); with `spread`, endpoint e sits at terminal floor(e * terminals / endpoints), so a
  // network with more ports than pods has its free ports evenly between them, otherwise at
  // terminal e. Link ids are the graph's: a source's first link is its terminal's port.
  RouteTable(const Topology& topology, const NetworkGraph& graph, int max_paths, int endpoints = 0, bool spread = false);
  int terminal_of(int endpoint) const { return terminal_[static_cast<std::size_t>(endpoint)]; }

  const std::vector<std::vector<int>>& paths(int source, int destination);
  // For each of paths(source, destination), the hop at which each link is entered: a transfer
  // leaving the source at s holds link j from s + hops[j] * hop_latency (a bus's body and the
  // output after it share a hop); its head reaches the destination one hop after the last link
  // is entered. Call after paths() for the same pair.
  const std::vector<std::vector<std::uint16_t>>& hops(int source, int destination) const;
  // The same paths packed for fast repeated lookups (the network calendar books one transfer per
  // tile op): `packed(s, d)` points at [paths, length_0, entry x length_0, length_1, ...], an
  // entry holding the link id in its low kLinkBits bits and its hop above them.
  static constexpr int kLinkBits = 20;
  const std::uint32_t* packed(int source, int destination) {
    const std::uint32_t at = packed_slot_.get(source, destination);
    return at != 0 ? &packed_[at - 1] : pack(source, destination);
  }
  static int entry_link(std::uint32_t entry) { return static_cast<int>(entry & ((1u << kLinkBits) - 1)); }
  static std::uint32_t entry_hop(std::uint32_t entry) { return entry >> kLinkBits; }
  int links() const { return links_; }
  int terminals() const { return graph_.terminals; }
  bool multicast() const { return multicast_; }
  // The link is the body of a router that carries one transfer at a time (a bus).
  bool is_body(int link) const { return body_[static_cast<std::size_t>(link)] != 0; }

 private:
  std::vector<int> walk(int source, int destination, std::uint64_t packet_id) const;
  // Up to max_paths distinct paths, the straight one first, with each link's hop.
  void find_paths(int source, int destination, std::vector<std::vector<int>>& found,
                  std::vector<std::vector<std::uint16_t>>& hops) const;
  const std::uint32_t* pack(int source, int destination);

  const Topology& topology_;
  const NetworkGraph& graph_;
  int max_paths_;
  bool multicast_;
  int links_ = 0;
  std::vector<int> output_base_;  // per router: the link id of its output 0
  std::vector<int> body_link_;    // per router: its body's link id, or -1
  std::vector<int> terminal_;     // per endpoint: its terminal
  std::vector<char> body_;  // per link
  PairSlots slot_;                                   // per (source, destination): 1 + index into paths_, or 0
  std::deque<std::vector<std::vector<int>>> paths_;  // filled on first use; references stay valid
  std::deque<std::vector<std::vector<std::uint16_t>>> hops_;  // parallel to paths_
  PairSlots packed_slot_;  // per (source, destination): 1 + offset into packed_, or 0
  std::vector<std::uint32_t> packed_;
};

}  // namespace sosasim
