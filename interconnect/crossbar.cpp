// Crossbar: one N x N router; only output conflicts. Multicast: a packet takes all its outputs at
// once. SOSA's switch-count factor: K(N) = N^2.
#include "interconnect/topology.h"

namespace sosasim {

namespace {

NetworkGraph build_single_router(const std::string& name, int ports, bool bus) {
  NetworkGraph graph;
  graph.name = name;
  graph.terminals = ports;
  graph.stages = 1;
  RouterNode router;
  router.inputs = router.outputs = ports;
  router.one_transfer_at_a_time = bus;
  for (int t = 0; t < ports; ++t) router.output_to.push_back(PortRef{kTerminal, t});
  graph.routers.push_back(router);
  for (int t = 0; t < ports; ++t) graph.injection.push_back(PortRef{0, t});
  return graph;
}

void route_to_outputs(const std::vector<int>& destinations, std::vector<RouteChoice>& out) {
  out.resize(destinations.size());  // reuses the elements' memory
  for (std::size_t i = 0; i < destinations.size(); ++i) {
    out[i].output = destinations[i];
    out[i].destinations.assign(1, destinations[i]);
  }
}

class Crossbar : public Topology {
 public:
  double switch_factor(std::int64_t pods) const override {
    double n = static_cast<double>(ports(pods));
    return n * n;
  }
  std::string describe(std::int64_t pods) const override {
    return "crossbar " + std::to_string(ports(pods)) + " x " + std::to_string(ports(pods));
  }
  NetworkGraph build(std::int64_t pods) const override {
    return build_single_router(describe(pods), static_cast<int>(ports(pods)), false);
  }
  void route(const NetworkGraph&, int, const Packet&, const std::vector<int>& destinations,
             std::vector<RouteChoice>& out) const override {
    route_to_outputs(destinations, out);
  }
};

class Bus : public Topology {
 public:
  double switch_factor(std::int64_t) const override { return 1.0; }
  std::string describe(std::int64_t pods) const override {
    return "bus shared by " + std::to_string(ports(pods)) + " ports";
  }
  NetworkGraph build(std::int64_t pods) const override {
    return build_single_router(describe(pods), static_cast<int>(ports(pods)), true);
  }
  void route(const NetworkGraph&, int, const Packet&, const std::vector<int>& destinations,
             std::vector<RouteChoice>& out) const override {
    route_to_outputs(destinations, out);
  }
};

const TopologyRegistration kCrossbar{
    {"topology", "crossbar", "full crossbar: non-blocking, output conflicts only", {}},
    [](const ParamValues&) { return std::make_unique<Crossbar>(); }};

// Bus: one transfer at a time, multicast for free. SOSA's switch-count factor: K(N) = 1.
const TopologyRegistration kBus{{"topology", "bus", "shared bus: one transfer at a time, multicast", {}},
                                [](const ParamValues&) { return std::make_unique<Bus>(); }};

}  // namespace

}  // namespace sosasim
