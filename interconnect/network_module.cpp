#include "interconnect/network_module.h"

#include "sim/kernel/sc/sc_cycles.h"

#include <algorithm>

namespace sosasim {

NetworkModule::NetworkModule(sc_core::sc_module_name name, const NetworkGraph& graph, const Topology& topology,
                             const NetworkParams& params, NetworkListener& listener)
    : sc_core::sc_module(name), graph_(graph), network_(graph, topology, params), listener_(listener) {
  SC_METHOD(step);
  sensitive << wake_;
  dont_initialize();
}

std::uint64_t NetworkModule::now() const {
  return now_cycle();
}

void NetworkModule::send(Packet packet) {
  packet.created = now();
  created_[packet.id] = packet.created;
  network_.add(packet);
  ++stats_.packets_sent;
  wake_.notify(sc_core::SC_ZERO_TIME);
}

void NetworkModule::step() {
  // The network runs one cycle behind: packets sent later in this cycle are created at it.
  const std::uint64_t cycle = now();
  network_.advance(cycle);
  for (auto& delivery : network_.take_deliveries()) {
    decided_.push_back(delivery);
    pending_.push({delivery.tail_cycle, decided_.size() - 1});
  }
  while (!pending_.empty() && pending_.top().first <= cycle) {
    const Delivery& delivery = decided_[pending_.top().second];
    pending_.pop();
    std::uint64_t latency = delivery.tail_cycle - created_[delivery.id];
    std::uint64_t bucket = 1;
    while (bucket <= latency) bucket *= 2;
    ++stats_.latency_histogram[bucket];
    ++stats_.deliveries;
    listener_.delivered(delivery);
  }
  const std::uint64_t event = network_.next_event();
  std::uint64_t next = std::min(event == UINT64_MAX ? event : event + 1, pending_.empty() ? UINT64_MAX : pending_.top().first);
  if (next != UINT64_MAX)
    wake_.notify(cycles(std::max<std::uint64_t>(next, cycle + 1) - cycle));
}

NetworkModuleStats NetworkModule::stats() const {
  NetworkModuleStats result = stats_;
  const NetworkStats& network = network_.stats();
  result.flit_hops = network.flit_hops;
  result.stall_cycles = network.stall_cycles;
  const double cycles = static_cast<double>(std::max<std::uint64_t>(now(), 1));
  std::size_t port = 0;
  for (const auto& router : graph_.routers) {
    double busy = 0;
    for (int o = 0; o < router.outputs; ++o, ++port) {
      double link = static_cast<double>(network.output_busy_cycles[port]) / cycles;
      result.link_utilization.push_back(link);
      busy += link;
    }
    result.switch_utilization.push_back(busy / router.outputs);
  }
  return result;
}

}  // namespace sosasim
