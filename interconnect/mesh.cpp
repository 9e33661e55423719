// 2D mesh with XY (dimension-order) routing: k x k routers, k = ceil(sqrt(ports)), one
// terminal per router (the first `ports` routers in row-major order), 5 ports per router
// (0 local, 1 +x, 2 -x, 3 +y, 4 -y). Unicast only. SOSA gives no switch-count factor for a mesh;
// ours counts crosspoints like its crossbar factor: 25 per 5x5 router, K(N) = 25 N (an estimate).
#include <cmath>

#include "interconnect/topology.h"

namespace sosasim {

namespace {

class Mesh : public Topology {
 public:
  std::int64_t ports(std::int64_t pods) const override { return pods; }
  double switch_factor(std::int64_t pods) const override { return 25.0 * static_cast<double>(pods); }
  std::string describe(std::int64_t pods) const override {
    int k = side(pods);
    return std::to_string(k) + "x" + std::to_string(k) + " mesh for " + std::to_string(pods) + " ports";
  }
  bool supports_multicast() const override { return false; }

  static int side(std::int64_t pods) {
    int k = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(pods))));
    while (k * k < pods) ++k;
    return k;
  }

  NetworkGraph build(std::int64_t pods) const override {
    int k = side(pods);
    NetworkGraph graph;
    graph.name = describe(pods);
    graph.terminals = static_cast<int>(pods);
    graph.stages = 2 * (k - 1) + 1;
    for (int y = 0; y < k; ++y)
      for (int x = 0; x < k; ++x) {
        RouterNode router;
        router.inputs = router.outputs = 5;
        router.x = x;
        router.y = y;
        int index = y * k + x;
        router.output_to = {PortRef{index < pods ? kTerminal : -2, index},
                            PortRef{x + 1 < k ? index + 1 : -2, 2},  // +x arrives on the neighbour's -x side
                            PortRef{x > 0 ? index - 1 : -2, 1},
                            PortRef{y + 1 < k ? index + k : -2, 4},
                            PortRef{y > 0 ? index - k : -2, 3}};
        graph.routers.push_back(router);
      }
    for (int t = 0; t < pods; ++t) graph.injection.push_back(PortRef{t, 0});
    return graph;
  }

  void route(const NetworkGraph& graph, int router, const Packet&, const std::vector<int>& destinations,
             std::vector<RouteChoice>& out) const override {
    int k = side(graph.terminals);
    const RouterNode& here = graph.routers[static_cast<std::size_t>(router)];
    int d = destinations.front();
    int dx = d % k, dy = d / k;
    int port = dx > here.x ? 1 : dx < here.x ? 2 : dy > here.y ? 3 : dy < here.y ? 4 : 0;
    set_single_route(out, port, destinations);
  }
};

const TopologyRegistration kMesh{
    {"topology", "mesh", "2D mesh, XY routing, terminals at the routers", {}},
    [](const ParamValues&) { return std::make_unique<Mesh>(); }};

}  // namespace

}  // namespace sosasim
