// Benes network: 2 log2 N - 1 stages of N/2 2x2 routers, free-choice stages on bits 0 .. n-2
// followed by a butterfly (destination tag on bits n-1 .. 0); rearrangeably non-blocking. For a
// permutation the free choices are set by the looping algorithm, so no two packets of the
// permutation ever want the same link; other traffic chooses at random per packet. With
// `multicast: true` (default) the 2x2 switches have broadcast states (as in SIGMA's Benes
// distribution network): a multicast packet crosses the free stages as one copy and splits in the
// destination-tag half; `multicast: false` models plain switches, where every destination needs
// its own copy from the source. SOSA's switch-count factor: K(N) = 4 N log2 N.
#include <limits>
#include <map>
#include <queue>

#include "interconnect/topology.h"

namespace sosasim {

namespace {

class Benes : public Topology {
 public:
  explicit Benes(bool multicast) : multicast_(multicast) {}
  double switch_factor(std::int64_t pods) const override {
    std::int64_t n = ports(pods);
    return static_cast<double>(4 * n * log2_exact(n));
  }
  std::string describe(std::int64_t pods) const override {
    return "benes over " + std::to_string(ports(pods)) + " ports";
  }
  bool supports_multicast() const override { return multicast_; }

  NetworkGraph build(std::int64_t pods) const override {
    int n = static_cast<int>(log2_exact(ports(pods)));
    std::vector<int> bits;
    std::vector<bool> free;
    for (int b = 0; b + 1 < n; ++b) bits.push_back(b), free.push_back(true);
    for (int b = n - 1; b >= 0; --b) bits.push_back(b), free.push_back(false);
    return build_bit_stages(describe(pods), static_cast<int>(ports(pods)), bits, free);
  }

  std::int64_t path_choices(std::int64_t ports) const override {
    return choices_.empty() ? std::max<std::int64_t>(1, ports / 2) : 1;  // log2 N - 1 free stages
  }

  void route(const NetworkGraph& graph, int router, const Packet& packet, const std::vector<int>& destinations,
             std::vector<RouteChoice>& out) const override {
    route_bit_stages(graph, router, packet, destinations,
                     [this](int stage, const Packet& p) {
                       if (!choices_.empty()) return choices_[static_cast<std::size_t>(p.source)][static_cast<std::size_t>(stage)];
                       return packet_random_bit(p.id, stage);
                     },
                     out);
    if (!choices_.empty()) out[0].alternative = -1;  // a permutation's routes are set: keep them
  }

  // The looping algorithm: at free stage b, packets whose positions meet in one router (same
  // bits above b, same choices below b) must leave on different outputs, and so must packets
  // that meet again in the destination-tag stage on bit b (same destination bits above b). Each
  // packet has one partner of each kind, so the constraints form even cycles: 2-colour them.
  void prepare_permutation(const NetworkGraph& graph, const std::vector<int>& destination) override {
    const int N = graph.terminals;
    const int free_stages = static_cast<int>(graph.bits.size()) - static_cast<int>(log2_exact(N));
    choices_.assign(static_cast<std::size_t>(N), std::vector<int>(static_cast<std::size_t>(std::max(free_stages, 0)), 0));
    std::vector<int> low(static_cast<std::size_t>(N), 0);  // chosen bits below b
    for (int b = 0; b < free_stages; ++b) {
      std::map<std::pair<int, int>, std::vector<int>> by_source, by_destination;
      for (int s = 0; s < N; ++s) {
        by_source[{low[static_cast<std::size_t>(s)], s >> (b + 1)}].push_back(s);
        by_destination[{low[static_cast<std::size_t>(s)], destination[static_cast<std::size_t>(s)] >> (b + 1)}].push_back(s);
      }
      std::vector<int> partner_source(static_cast<std::size_t>(N), -1), partner_destination(static_cast<std::size_t>(N), -1);
      for (const auto& [key, group] : by_source)
        if (group.size() == 2) partner_source[static_cast<std::size_t>(group[0])] = group[1], partner_source[static_cast<std::size_t>(group[1])] = group[0];
      for (const auto& [key, group] : by_destination)
        if (group.size() == 2)
          partner_destination[static_cast<std::size_t>(group[0])] = group[1], partner_destination[static_cast<std::size_t>(group[1])] = group[0];
      std::vector<int> colour(static_cast<std::size_t>(N), -1);
      for (int start = 0; start < N; ++start) {
        if (colour[static_cast<std::size_t>(start)] >= 0) continue;
        colour[static_cast<std::size_t>(start)] = 0;
        std::queue<int> queue;
        queue.push(start);
        while (!queue.empty()) {
          int s = queue.front();
          queue.pop();
          for (int partner : {partner_source[static_cast<std::size_t>(s)], partner_destination[static_cast<std::size_t>(s)]}) {
            if (partner < 0 || colour[static_cast<std::size_t>(partner)] >= 0) continue;
            colour[static_cast<std::size_t>(partner)] = 1 - colour[static_cast<std::size_t>(s)];
            queue.push(partner);
          }
        }
      }
      for (int s = 0; s < N; ++s) {
        choices_[static_cast<std::size_t>(s)][static_cast<std::size_t>(b)] = colour[static_cast<std::size_t>(s)];
        low[static_cast<std::size_t>(s)] |= colour[static_cast<std::size_t>(s)] << b;
      }
    }
  }

 private:
  std::vector<std::vector<int>> choices_;  // per source, per free stage
  bool multicast_ = true;
};

const TopologyRegistration kBenes{
    {"topology", "benes", "Benes network, rearrangeably non-blocking, 2 log2 N - 1 stages",
     {{"multicast", ParamType::Bool, "", "true",
       "switches with broadcast states (a multicast crosses the free stages once); false: one copy per destination",
       -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(), {}}}},
    [](const ParamValues& params) { return std::make_unique<Benes>(params.get_bool("multicast")); }};

}  // namespace

}  // namespace sosasim
