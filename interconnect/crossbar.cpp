// Crossbar: non-blocking, only output conflicts. SOSA's switch-count factor: K(N) = N^2.
#include "interconnect/topology.h"

namespace sosasim {

namespace {

class Crossbar : public Topology {
 public:
  double switch_factor(std::int64_t pods) const override {
    double n = static_cast<double>(ports(pods));
    return n * n;
  }
  std::string describe(std::int64_t pods) const override {
    return "crossbar " + std::to_string(ports(pods)) + " x " + std::to_string(ports(pods));
  }
};

const TopologyRegistration kCrossbar{
    {"topology", "crossbar", "full crossbar: non-blocking, output conflicts only", {}},
    [](const ParamValues&) { return std::make_unique<Crossbar>(); }};

}  // namespace

}  // namespace sosasim
