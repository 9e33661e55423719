// Shared bus: one transfer at a time, multicast for free. SOSA's switch-count factor: K(N) = 1.
#include "interconnect/topology.h"

namespace sosasim {

namespace {

class Bus : public Topology {
 public:
  double switch_factor(std::int64_t) const override { return 1.0; }
  std::string describe(std::int64_t pods) const override {
    return "bus shared by " + std::to_string(pods) + " pods";
  }
};

const TopologyRegistration kBus{{"topology", "bus", "shared bus: one transfer at a time, multicast", {}},
                                [](const ParamValues&) { return std::make_unique<Bus>(); }};

}  // namespace

}  // namespace sosasim
