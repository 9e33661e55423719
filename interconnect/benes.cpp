// Benes network: two back-to-back butterflies, 2 log2 N - 1 stages, rearrangeably non-blocking.
// SOSA's switch-count factor: K(N) = 4 N log2 N.
#include "interconnect/topology.h"

namespace sosasim {

namespace {

class Benes : public Topology {
 public:
  double switch_factor(std::int64_t pods) const override {
    std::int64_t n = ports(pods);
    return static_cast<double>(4 * n * log2_exact(n));
  }
  std::string describe(std::int64_t pods) const override {
    return "benes over " + std::to_string(ports(pods)) + " ports";
  }
};

const TopologyRegistration kBenes{
    {"topology", "benes", "Benes network, rearrangeably non-blocking, 2 log2 N - 1 stages", {}},
    [](const ParamValues&) { return std::make_unique<Benes>(); }};

}  // namespace

}  // namespace sosasim
