// Butterfly with expansion e (SOSA's Butterfly-1/2/4/8): a radix-2 butterfly over
// N = 2^ceil(log2 pods) ports, destination-tag routing on bits n-1 .. 0, preceded by log2 e
// expansion stages on bits 0 .. log2 e - 1 whose outputs are chosen per packet at random (the
// same bits in every engine). The extra stages give each source-destination pair e paths and
// cut the internal blocking of adversarial permutations (bit reverse, transpose). SOSA's
// switch-count factor for the power model: K(N) = e * N * log2 N.
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

  NetworkGraph build(std::int64_t pods) const override {
    int n = static_cast<int>(log2_exact(ports(pods)));
    int extra = std::min(n, static_cast<int>(log2_exact(expansion_)));
    std::vector<int> bits;
    std::vector<bool> free;
    for (int b = 0; b < extra; ++b) bits.push_back(b), free.push_back(true);
    for (int b = n - 1; b >= 0; --b) bits.push_back(b), free.push_back(false);
    return build_bit_stages(describe(pods), static_cast<int>(ports(pods)), bits, free);
  }

  std::int64_t path_choices(std::int64_t ports) const override {
    return std::int64_t{1} << std::min(log2_exact(ports), log2_exact(expansion_));
  }

  void route(const NetworkGraph& graph, int router, const Packet& packet, const std::vector<int>& destinations,
             std::vector<RouteChoice>& out) const override {
    route_bit_stages(graph, router, packet, destinations,
                     [](int stage, const Packet& p) { return packet_random_bit(p.id, stage); }, out);
  }

 private:
  std::int64_t expansion_;
};

const TopologyRegistration kButterfly{
    {"topology", "butterfly", "radix-2 butterfly with expansion (SOSA's Butterfly-1/2/4/8)",
     {{"expansion", ParamType::Int, "", "2", "expansion factor e: log2 e extra stages", 1, 8,
       {"1", "2", "4", "8"}}}},
    [](const ParamValues& params) { return std::make_unique<Butterfly>(params.get_int("expansion")); }};

}  // namespace

}  // namespace sosasim
