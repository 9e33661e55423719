// 2D mesh with XY routing, one 5-port router per pod. SOSA gives no switch-count factor for a
// mesh; ours counts crosspoints like its crossbar factor (N^2 crosspoints): 25 per 5x5 router,
// K(N) = 25 N for N = pods routers. This is our estimate, not a SOSA figure.
#include "interconnect/topology.h"

namespace sosasim {

namespace {

class Mesh : public Topology {
 public:
  std::int64_t ports(std::int64_t pods) const override { return pods; }
  double switch_factor(std::int64_t pods) const override { return 25.0 * static_cast<double>(pods); }
  std::string describe(std::int64_t pods) const override {
    return "2D mesh of " + std::to_string(pods) + " routers";
  }
};

const TopologyRegistration kMesh{
    {"topology", "mesh", "2D mesh, XY routing, terminals at the routers", {}},
    [](const ParamValues&) { return std::make_unique<Mesh>(); }};

}  // namespace

}  // namespace sosasim
