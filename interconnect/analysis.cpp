#include "interconnect/analysis.h"

#include <algorithm>
#include <limits>
#include <queue>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/breadth_first_search.hpp>
#include <boost/graph/push_relabel_max_flow.hpp>

namespace sosasim {

namespace {

// Vertices: source terminals [0, T), routers [T, T + R), destination terminals [T + R, 2T + R).
using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::directedS>;

template <typename AddEdge>
void for_each_link(const NetworkGraph& graph, AddEdge add) {
  const int T = graph.terminals, R = static_cast<int>(graph.routers.size());
  for (int t = 0; t < T; ++t) add(t, T + graph.injection[static_cast<std::size_t>(t)].router);
  for (int r = 0; r < R; ++r)
    for (const PortRef& to : graph.routers[static_cast<std::size_t>(r)].output_to) {
      if (to.router >= 0) add(T + r, T + to.router);
      else if (to.router == kTerminal && to.port < T) add(T + r, T + R + to.port);
    }
}

}  // namespace

NetworkDescription describe_network(const NetworkGraph& graph) {
  const int T = graph.terminals, R = static_cast<int>(graph.routers.size());
  const int V = 2 * T + R;
  NetworkDescription d;
  d.terminals = T;
  d.switches = R;
  d.stages = graph.stages;
  for (const auto& router : graph.routers) d.crosspoints += static_cast<std::int64_t>(router.inputs) * router.outputs;

  Graph g(static_cast<std::size_t>(V));
  for_each_link(graph, [&](int a, int b) {
    boost::add_edge(static_cast<std::size_t>(a), static_cast<std::size_t>(b), g);
    ++d.links;
  });

  // Hop counts by breadth-first search from every source.
  d.connected = true;
  for (int s = 0; s < T; ++s) {
    std::vector<std::int64_t> distance(static_cast<std::size_t>(V), -1);
    distance[static_cast<std::size_t>(s)] = 0;
    boost::breadth_first_search(
        g, static_cast<std::size_t>(s),
        boost::visitor(boost::make_bfs_visitor(boost::record_distances(
            boost::make_iterator_property_map(distance.begin(), boost::get(boost::vertex_index, g)), boost::on_tree_edge()))));
    for (int t = 0; t < T; ++t) {
      std::int64_t hops = distance[static_cast<std::size_t>(T + R + t)];
      if (hops < 0) d.connected = false;
      d.diameter_hops = std::max(d.diameter_hops, hops - 2);  // router-to-router links
    }
    if (s == 0) {  // count shortest paths to the last destination
      std::vector<std::int64_t> paths(static_cast<std::size_t>(V), 0);
      paths[0] = 1;
      std::vector<std::size_t> order(static_cast<std::size_t>(V));
      for (std::size_t v = 0; v < order.size(); ++v) order[v] = v;
      std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return distance[a] < distance[b]; });
      for (std::size_t v : order) {
        if (distance[v] < 0) continue;
        for (auto [e, end] = boost::out_edges(v, g); e != end; ++e) {
          std::size_t w = boost::target(*e, g);
          if (distance[w] == distance[v] + 1) paths[w] += paths[v];
        }
      }
      d.path_diversity = paths[static_cast<std::size_t>(T + R + T - 1)];
    }
  }

  // Bisection: max flow (= min cut) from the first half of the sources to the second half of the
  // destinations, one unit per link.
  using Traits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
  using FlowGraph = boost::adjacency_list<
      boost::vecS, boost::vecS, boost::directedS, boost::no_property,
      boost::property<boost::edge_capacity_t, long,
                      boost::property<boost::edge_residual_capacity_t, long,
                                      boost::property<boost::edge_reverse_t, Traits::edge_descriptor>>>>;
  FlowGraph flow(static_cast<std::size_t>(V + 2));
  auto capacity = boost::get(boost::edge_capacity, flow);
  auto reverse = boost::get(boost::edge_reverse, flow);
  auto add = [&](std::size_t a, std::size_t b, long units) {
    auto forward = boost::add_edge(a, b, flow).first;
    auto backward = boost::add_edge(b, a, flow).first;
    capacity[forward] = units;
    capacity[backward] = 0;
    reverse[forward] = backward;
    reverse[backward] = forward;
  };
  for_each_link(graph, [&](int a, int b) { add(static_cast<std::size_t>(a), static_cast<std::size_t>(b), 1); });
  const std::size_t source = static_cast<std::size_t>(V), sink = static_cast<std::size_t>(V + 1);
  const long many = static_cast<long>(V) * 4;
  for (int t = 0; t < T / 2; ++t) add(source, static_cast<std::size_t>(t), many);
  for (int t = T / 2; t < T; ++t) add(static_cast<std::size_t>(T + R + t), sink, many);
  d.bisection_links = T >= 2 ? boost::push_relabel_max_flow(flow, source, sink) : 0;
  for (const auto& router : graph.routers)
    if (router.one_transfer_at_a_time) d.bisection_links = std::min<std::int64_t>(d.bisection_links, 1);  // a shared medium
  return d;
}

}  // namespace sosasim
