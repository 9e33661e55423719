// Butterfly with expansion e (SOSA's Butterfly-e): a radix-2 butterfly over N = 2^ceil(log2 pods)
// ports with log2 e extra stages that cut internal blocking. SOSA's switch-count factor:
// K(N) = e * N * log2 N.
#include "interconnect/topology.h"

namespace sosasim {

namespace {

class Butterfly : public Topology {
 public:
  explicit Butterfly(std::int64_t expansion) : expansion_(expansion) {}

  double switch_factor(std::int64_t pods) const override {
    std::int64_t n = ports(pods);
    return static_cast<double>(expansion_ * n * log2_exact(n));
  }

  std::string describe(std::int64_t pods) const override {
    return "butterfly-" + std::to_string(expansion_) + " over " + std::to_string(ports(pods)) + " ports";
  }

 private:
  std::int64_t expansion_;
};

const TopologyRegistration kButterfly{
    {"topology", "butterfly", "radix-2 butterfly with expansion (SOSA's Butterfly-1/2/4/8)",
     {{"expansion", ParamType::Int, "", "2", "expansion factor e: log2 e extra stages", 1, 8,
       {"1", "2", "4", "8"}}}},
    [](const ParamValues& params) {
      return std::make_unique<Butterfly>(params.get_int("expansion"));
    }};

}  // namespace

}  // namespace sosasim
