#include "interconnect/router_transfers.h"

#include <algorithm>
#include <tuple>

#include "sim/kernel/errors.h"

namespace sosasim {

RouterTransfers::RouterTransfers(const std::array<Setup, kNetworks>& networks, int endpoints, int buffer_flits,
                                 bool adaptive, bool straight_first, bool reference)
    : straight_(straight_first) {
  NetworkParams params;
  params.buffer_flits = buffer_flits;
  params.adaptive = adaptive;
  endpoints_ = static_cast<std::size_t>(endpoints);
  const std::size_t pairs = endpoints_ * endpoints_;
  for (int n = 0; n < kNetworks; ++n) {
    const Setup& setup = networks[static_cast<std::size_t>(n)];
    hop_latency_[n] = setup.hop_latency;
    params.hop_latency = setup.hop_latency;
    routes_[static_cast<std::size_t>(n)] = setup.routes;
    multicast_[n] = setup.routes->multicast();
    if (reference) networks_[n] = std::make_unique<ReferenceNetwork>(*setup.graph, *setup.topology, params);
    else networks_[n] = std::make_unique<FastNetwork>(*setup.graph, *setup.topology, params);
    endpoint_of_terminal_[n].assign(static_cast<std::size_t>(setup.graph->terminals), -1);
    for (int e = 0; e < endpoints; ++e)
      endpoint_of_terminal_[n][static_cast<std::size_t>(setup.routes->terminal_of(e))] = e;
    zero_load_[n].assign(pairs, 0);
    routers_[n].assign(pairs, 0);
  }
}

bool RouterTransfers::send(Network network, int source, int destination, std::uint64_t key, int flits,
                           std::uint64_t created, std::uint64_t tag, double bytes) {
  ++sent_[network];
  const int to = routes_[network]->terminal_of(destination);
  auto& staged = staged_[network];
  if (multicast_[network]) {
    // A read of a tile still queued at the bank joins it (the bank combines them).
    auto queued = queued_[network].find({source, key});
    if (queued != queued_[network].end()) {
      if (networks_[network]->join(queued->second, to)) {
        in_flight_[network].find(queued->second)->second.copies.push_back({to, tag, created});
        ++use_[network].joined;
        return true;
      }
      queued_[network].erase(queued);
    }
    auto [at, fresh] = staged_at_[network].try_emplace({source, key, created}, staged.size());
    if (!fresh) {
      Packet& packet = staged[at->second];
      if (std::find(packet.destinations.begin(), packet.destinations.end(), to) != packet.destinations.end())
        throw ModelError(created, "router networks", "tile " + std::to_string(key) + " sent twice to one pod in a cycle");
      packet.destinations.push_back(to);
      staged_info_[network][at->second].copies.push_back({to, tag, created});
      ++use_[network].joined;
      return true;
    }
  }
  Packet packet;
  packet.id = next_id_[network]++ | (straight_ ? kStraightRoute : 0);
  packet.source = routes_[network]->terminal_of(source);
  packet.destinations = {to};
  packet.flits = flits;
  packet.created = created;
  staged.push_back(std::move(packet));
  InFlight info;
  info.bytes = bytes;
  info.flits = flits;
  info.source = source;
  info.created = created;
  info.key = key;
  info.copies.push_back({to, tag, created});
  staged_info_[network].push_back(std::move(info));
  return false;
}

void RouterTransfers::flush() {
  for (int n = 0; n < kNetworks; ++n) {
    for (std::size_t i = 0; i < staged_[n].size(); ++i) {
      networks_[n]->add(staged_[n][i]);
      if (multicast_[n]) queued_[n][{staged_info_[n][i].source, staged_info_[n][i].key}] = staged_[n][i].id;
      in_flight_[n].emplace(staged_[n][i].id, std::move(staged_info_[n][i]));
    }
    staged_[n].clear();
    staged_info_[n].clear();
    staged_at_[n].clear();
  }
}

std::uint64_t RouterTransfers::zero_load_head(int network, int source, int destination) {
  const std::size_t at = static_cast<std::size_t>(source) * endpoints_ + static_cast<std::size_t>(destination);
  std::uint64_t& known = zero_load_[network][at];
  if (known == 0) {
    RouteTable& routes = *routes_[static_cast<std::size_t>(network)];
    routes.paths(source, destination);
    const auto& hops = routes.hops(source, destination).front();
    known = (static_cast<std::uint64_t>(hops.back()) + 1) * static_cast<std::uint64_t>(hop_latency_[network]) + 1;
  }
  return known - 1;
}

int RouterTransfers::routers_on_path(int network, int source, int destination) {
  const std::size_t at = static_cast<std::size_t>(source) * endpoints_ + static_cast<std::size_t>(destination);
  int& known = routers_[network][at];
  if (known == 0) {
    RouteTable& routes = *routes_[static_cast<std::size_t>(network)];
    const auto& path = routes.paths(source, destination).front();
    int outputs = 0;
    for (std::size_t j = 1; j < path.size(); ++j)  // (link 0 is the source's port)
      if (!routes.is_body(path[j])) ++outputs;
    known = std::max(outputs, 1);
  }
  return known;
}

void RouterTransfers::advance(std::uint64_t now, std::vector<Arrival>& out) {
  for (int n = 0; n < kNetworks; ++n) {
    if (sent_[n] == 0) continue;
    networks_[n]->advance(now + 1);
    // The same order at both fidelities (the engines may decide a cycle's deliveries in
    // different orders), so sums over arrivals come out bit for bit the same.
    std::vector<Delivery> decided = networks_[n]->take_deliveries();
    std::sort(decided.begin(), decided.end(), [](const Delivery& a, const Delivery& b) {
      return std::tie(a.head_cycle, a.id, a.destination) < std::tie(b.head_cycle, b.id, b.destination);
    });
    for (const Delivery& delivery : decided) {
      auto it = in_flight_[n].find(delivery.id);
      if (it == in_flight_[n].end())
        throw ModelError(now, "router networks", "a delivery of packet " + std::to_string(delivery.id) +
                                                     " that is not in flight");
      InFlight& info = it->second;
      const int pod = endpoint_of_terminal_[n][static_cast<std::size_t>(delivery.destination)];
      Arrival arrival;
      arrival.network = static_cast<Network>(n);
      std::uint64_t sent = info.created;
      for (const auto& copy : info.copies)
        if (copy.terminal == delivery.destination) {
          arrival.tag = copy.tag;
          sent = copy.sent;
        }
      arrival.head = delivery.head_cycle;
      arrival.tail = delivery.tail_cycle;
      arrival.injected = delivery.injected;
      Use& use = use_[n];
      ++use.transfers;
      const std::uint64_t zero_load = sent + zero_load_head(n, info.source, pod);
      use.wait_cycles += delivery.head_cycle > zero_load ? delivery.head_cycle - zero_load : 0;
      use.bank_port_wait_cycles += delivery.injected - sent;
      if (delivery.packet_flit_hops > 0)  // (reported with the copy decided last)
        arrival.network_bytes = info.bytes * static_cast<double>(delivery.packet_flit_hops) /
                                (static_cast<double>(info.flits) * routers_on_path(n, info.source, pod));
      if (++info.arrived == info.copies.size()) {  // its last copy: the packet is done
        auto queued = queued_[n].find({info.source, info.key});
        if (queued != queued_[n].end() && queued->second == delivery.id) queued_[n].erase(queued);
        in_flight_[n].erase(it);
      }
      out.push_back(arrival);
    }
  }
}

std::uint64_t RouterTransfers::next_event() const {
  std::uint64_t next = UINT64_MAX;
  for (int n = 0; n < kNetworks; ++n)
    if (sent_[n] > 0) next = std::min(next, networks_[n]->next_event());
  return next;
}

RouterTransfers::Use RouterTransfers::use(Network network) const {
  Use use = use_[network];
  use.flit_hops = networks_[network]->stats().flit_hops;
  return use;
}

}  // namespace sosasim
