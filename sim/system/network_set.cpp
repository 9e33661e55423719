#include "sim/system/network_set.h"

#include <algorithm>

#include "sim/kernel/spec.h"

namespace sosasim {

NetworkSet::NetworkSet(const SimConfig& config, int route_choices) {
  const auto& networks = config.interconnect.networks;
  for (std::size_t n = 0; n < of_.size(); ++n) {
    std::size_t same = 0;
    while (same < n && !(networks[same].all() == networks[n].all())) ++same;
    if (same < n) {
      of_[n] = of_[same];
      continue;
    }
    auto built = std::make_unique<BuiltNetwork>();
    built->topology = make_topology(networks[n]);
    built->graph = built->topology->build(config.pods);
    built->routes = std::make_unique<RouteTable>(*built->topology, built->graph, route_choices,
                                                 static_cast<int>(config.pods), config.interconnect.spread_ports);
    built->hop_latency = static_cast<int>(networks[n].get_int("hop_latency"));
    of_[n] = built.get();
    built_.push_back(std::move(built));
    latency_cycles_ =
        std::max(latency_cycles_, static_cast<std::uint64_t>(of_[n]->graph.stages * of_[n]->hop_latency));
  }
}

}  // namespace sosasim
