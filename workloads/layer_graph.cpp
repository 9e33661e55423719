#include "workloads/layer_graph.h"

#include <algorithm>
#include <map>
#include <queue>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/depth_first_search.hpp>

#include "sim/kernel/errors.h"

namespace sosasim {

namespace {

using Graph = boost::adjacency_list<boost::vecS, boost::vecS, boost::bidirectionalS>;

Graph build_graph(const Workload& workload) {
  Graph graph(workload.layers.size());
  for (std::size_t i = 0; i < workload.layers.size(); ++i)
    for (std::size_t dependency : workload.layers[i].depends) boost::add_edge(dependency, i, graph);
  return graph;
}

struct CycleFinder : public boost::default_dfs_visitor {
  explicit CycleFinder(std::vector<std::pair<std::size_t, std::size_t>>& back_edges) : back_edges_(back_edges) {}
  void back_edge(Graph::edge_descriptor edge, const Graph& graph) {
    back_edges_.emplace_back(boost::source(edge, graph), boost::target(edge, graph));
  }
  std::vector<std::pair<std::size_t, std::size_t>>& back_edges_;
};

}  // namespace

void resolve_dependencies(Workload& workload) {
  std::map<std::string, std::vector<std::size_t>> by_name;
  for (std::size_t i = 0; i < workload.layers.size(); ++i) by_name[workload.layers[i].name].push_back(i);
  for (std::size_t i = 0; i < workload.layers.size(); ++i) {
    Layer& layer = workload.layers[i];
    layer.depends.clear();
    SourceLocation where{workload.path, layer.line, ""};
    if (!layer.depends_on_given) {
      if (i > 0) layer.depends.push_back(i - 1);
      continue;
    }
    for (const auto& name : layer.depends_on) {
      auto it = by_name.find(name);
      if (it == by_name.end())
        throw ConfigError(where, "", "field 'depends_on': unknown layer '" + name + "'");
      if (it->second.size() > 1)
        throw ConfigError(where, "", "field 'depends_on': layer name '" + name + "' is used by " +
                                         std::to_string(it->second.size()) + " layers");
      if (it->second[0] == i) throw ConfigError(where, "", "field 'depends_on': layer '" + name + "' depends on itself");
      layer.depends.push_back(it->second[0]);
    }
  }
  Graph graph = build_graph(workload);
  std::vector<std::pair<std::size_t, std::size_t>> back_edges;
  boost::depth_first_search(graph, boost::visitor(CycleFinder(back_edges)));
  if (!back_edges.empty()) {
    const Layer& from = workload.layers[back_edges[0].first];
    const Layer& to = workload.layers[back_edges[0].second];
    throw ConfigError(SourceLocation{workload.path, to.line, ""}, "",
                      "field 'depends_on': dependency cycle through layers '" + to.name + "' (line " +
                          std::to_string(to.line) + ") and '" + from.name + "' (line " + std::to_string(from.line) + ")");
  }
}

std::vector<std::size_t> topological_order(const Workload& workload) {
  Graph graph = build_graph(workload);
  std::vector<std::size_t> waiting(workload.layers.size());
  std::priority_queue<std::size_t, std::vector<std::size_t>, std::greater<>> ready;
  for (std::size_t i = 0; i < workload.layers.size(); ++i) {
    waiting[i] = boost::in_degree(i, graph);
    if (waiting[i] == 0) ready.push(i);
  }
  std::vector<std::size_t> order;
  while (!ready.empty()) {
    std::size_t layer = ready.top();
    ready.pop();
    order.push_back(layer);
    for (auto [edge, end] = boost::out_edges(layer, graph); edge != end; ++edge) {
      std::size_t next = boost::target(*edge, graph);
      if (--waiting[next] == 0) ready.push(next);
    }
  }
  return order;
}

CriticalPath critical_path(const Workload& workload) {
  std::vector<std::uint64_t> best(workload.layers.size(), 0);
  std::vector<std::size_t> previous(workload.layers.size(), SIZE_MAX);
  CriticalPath result;
  std::size_t last = SIZE_MAX;
  for (std::size_t layer : topological_order(workload)) {
    std::uint64_t before = 0;
    for (std::size_t dependency : workload.layers[layer].depends)
      if (previous[layer] == SIZE_MAX || best[dependency] > before) {
        before = best[dependency];
        previous[layer] = dependency;
      }
    best[layer] = before + workload.layers[layer].macs();
    if (last == SIZE_MAX || best[layer] > best[last]) last = layer;
  }
  if (last == SIZE_MAX) return result;
  result.macs = best[last];
  for (std::size_t layer = last; layer != SIZE_MAX; layer = previous[layer]) result.layers.push_back(layer);
  std::reverse(result.layers.begin(), result.layers.end());
  return result;
}

}  // namespace sosasim
