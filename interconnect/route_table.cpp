#include "interconnect/route_table.h"

#include <algorithm>
#include <stdexcept>

#include "sim/kernel/errors.h"

namespace sosasim {

RouteTable::RouteTable(const Topology& topology, const NetworkGraph& graph, int max_paths, int endpoints, bool spread)
    : topology_(topology),
      graph_(graph),
      max_paths_(std::max(1, max_paths)),
      multicast_(topology.supports_multicast()),
      slot_(graph.terminals),
      packed_slot_(graph.terminals) {
  const int used = endpoints > 0 ? endpoints : graph.terminals;
  if (used > graph.terminals) throw std::logic_error(std::to_string(used) + " endpoints on " + graph.name);
  for (int e = 0; e < used; ++e)
    terminal_.push_back(spread ? static_cast<int>(static_cast<std::int64_t>(e) * graph.terminals / used) : e);
  links_ = graph.terminals;  // injection ports first
  for (const RouterNode& router : graph.routers) {
    output_base_.push_back(links_);
    links_ += router.outputs;
    body_link_.push_back(router.one_transfer_at_a_time ? links_++ : -1);
  }
  body_.assign(static_cast<std::size_t>(links_), 0);
  for (int link : body_link_)
    if (link >= 0) body_[static_cast<std::size_t>(link)] = 1;
  if (links_ >= (1 << kLinkBits))
    throw ConfigError(SourceLocation{"config", 0, ""}, "pods",
                      graph.name + " has " + std::to_string(links_) + " links, over the 2^20 a route table addresses; "
                      "use fewer pods");
}

std::vector<int> RouteTable::walk(int source, int destination, std::uint64_t packet_id) const {
  Packet packet;
  packet.id = packet_id;
  packet.source = source;
  packet.destinations = {destination};
  std::vector<int> path{source};
  std::vector<RouteChoice> choices;
  PortRef at = graph_.injection[static_cast<std::size_t>(source)];
  for (std::size_t hops = 0; at.router != kTerminal; ++hops) {
    if (hops > graph_.routers.size()) throw std::logic_error("route loops in " + graph_.name);
    const auto r = static_cast<std::size_t>(at.router);
    topology_.route(graph_, at.router, packet, packet.destinations, choices);
    if (body_link_[r] >= 0) path.push_back(body_link_[r]);
    const int output = choices.front().output;
    path.push_back(output_base_[r] + output);
    at = graph_.routers[r].output_to[static_cast<std::size_t>(output)];
  }
  if (at.port != destination) throw std::logic_error("route misdelivers in " + graph_.name);
  return path;
}

void RouteTable::find_paths(int source, int destination, std::vector<std::vector<int>>& found,
                            std::vector<std::vector<std::uint16_t>>& hops) const {
  // The straight path first, then different packet ids make different free choices; stop after
  // max_paths distinct ones.
  // (A topology with fewer distinct paths than max_paths stops when it has them all.)
  const auto wanted = static_cast<std::size_t>(std::min<std::int64_t>(max_paths_, topology_.path_choices(graph_.terminals)));
  for (std::uint64_t id = 0; id < 4u * static_cast<std::uint64_t>(max_paths_) && found.size() < wanted; ++id) {
    std::vector<int> path = walk(terminal_of(source), terminal_of(destination), id == 0 ? kStraightRoute : id);
    if (std::find(found.begin(), found.end(), path) != found.end()) continue;
    std::vector<std::uint16_t> hop(path.size(), 0);
    for (std::size_t j = 1; j < path.size(); ++j)
      hop[j] = static_cast<std::uint16_t>(hop[j - 1] + (body_[static_cast<std::size_t>(path[j - 1])] ? 0 : 1));
    hops.push_back(std::move(hop));
    found.push_back(std::move(path));
  }
}

const std::vector<std::vector<int>>& RouteTable::paths(int source, int destination) {
  const std::uint32_t slot = slot_.get(source, destination);
  if (slot != 0) return paths_[slot - 1];
  slot_.set(source, destination, static_cast<std::uint32_t>(paths_.size() + 1));
  auto& found = paths_.emplace_back();
  find_paths(source, destination, found, hops_.emplace_back());
  return found;
}

const std::uint32_t* RouteTable::pack(int source, int destination) {
  std::vector<std::vector<int>> found;
  std::vector<std::vector<std::uint16_t>> hops;
  find_paths(source, destination, found, hops);
  const std::size_t at = packed_.size();
  packed_.push_back(static_cast<std::uint32_t>(found.size()));
  for (std::size_t p = 0; p < found.size(); ++p) {
    packed_.push_back(static_cast<std::uint32_t>(found[p].size()));
    for (std::size_t j = 0; j < found[p].size(); ++j) {
      if (hops[p][j] >= (1u << (32 - kLinkBits))) throw std::logic_error("path too long to pack in " + graph_.name);
      packed_.push_back(static_cast<std::uint32_t>(found[p][j]) | (static_cast<std::uint32_t>(hops[p][j]) << kLinkBits));
    }
  }
  packed_slot_.set(source, destination, static_cast<std::uint32_t>(at + 1));
  return &packed_[at];
}

const std::vector<std::vector<std::uint16_t>>& RouteTable::hops(int source, int destination) const {
  return hops_[slot_.get(source, destination) - 1];
}

}  // namespace sosasim
