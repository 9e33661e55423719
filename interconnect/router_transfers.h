// Tile transfers through the router engines (`interconnect.transfers: routers`): the system's X,
// W and post-processor networks as input-buffered routers with credits, virtual cut-through and
// round-robin allocation (interconnect/network.h), flit by flit at reference fidelity
// (ReferenceNetwork) and event by event at fast fidelity (FastNetwork), which agree exactly.
//
// Unlike the link calendar (interconnect/network_calendar.h), a transfer's timing is not known
// when it is sent: it waits at its bank's port and in router buffers behind others, and the
// routers arbitrate among same-cycle contenders round-robin. The system sends a cycle's transfers
// together; copies of one tile from one bank sent in the same cycle travel as one multicast
// packet on a network that has multicast (the bank is read once), and so does a copy sent while
// an earlier packet of the tile still waits in the bank's queue: the bank combines the reads. An arrival is known when the
// last router grants the copy its output to the pod, one hop before its head arrives.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <tuple>
#include <vector>

#include "interconnect/network_engine.h"
#include "interconnect/route_table.h"

namespace sosasim {

class RouterTransfers {
 public:
  enum Network { X = 0, W = 1, P = 2 };
  static constexpr int kNetworks = 3;

  // One network's graph and topology; its `routes` map endpoints (pods with their banks) to
  // terminals and give zero-load paths.
  struct Setup {
    const NetworkGraph* graph = nullptr;
    const Topology* topology = nullptr;
    RouteTable* routes = nullptr;
    int hop_latency = 1;  // cycles per router on a path
  };
  // The X, W and P networks. Buffers hold `buffer_flits` flits per router input (at least the
  // largest transfer).
  RouterTransfers(const std::array<Setup, kNetworks>& networks, int endpoints, int buffer_flits, bool adaptive,
                  bool straight_first, bool reference);

  // Sends tile `key` of `flits` flits from endpoint `source` to endpoint `destination`, created at
  // cycle `created` (not before the cycle the networks have reached); `tag` comes back with its
  // arrival. Returns whether it joined a copy of the same tile sent from the same bank in the same
  // cycle (a multicast: no bank read of its own). Packets enter the networks at flush().
  bool send(Network network, int source, int destination, std::uint64_t key, int flits, std::uint64_t created,
            std::uint64_t tag, double bytes);
  void flush();

  struct Arrival {
    Network network = X;
    std::uint64_t tag = 0;
    std::uint64_t head = 0, tail = 0;  // at the destination pod
    std::uint64_t injected = 0;  // its packet left the bank
    // On a packet's last arrival: its bytes times the links its copies took over the links of one
    // copy's path (a multicast's shared links count once); 0 on the others.
    double network_bytes = 0;
  };
  // Simulates every cycle up to and including `now`; appends the arrivals decided.
  void advance(std::uint64_t now, std::vector<Arrival>& out);
  // The next cycle with something to simulate, UINT64_MAX when idle.
  std::uint64_t next_event() const;

  struct Use {
    std::uint64_t transfers = 0;     // copies delivered
    std::uint64_t joined = 0;        // copies that joined a multicast
    std::uint64_t flit_hops = 0;
    std::uint64_t wait_cycles = 0;   // head later than at zero load, summed over copies
    std::uint64_t bank_port_wait_cycles = 0;  // the part spent before leaving the bank's port
  };
  Use use(Network network) const;
  bool used(Network network) const { return sent_[network] > 0; }

 private:
  struct InFlight {
    double bytes = 0;
    int flits = 0;
    int source = 0;                          // endpoint
    std::uint64_t created = 0;
    std::uint64_t key = 0;
    struct Copy {
      int terminal;
      std::uint64_t tag;
      std::uint64_t sent;  // when this copy was asked for (a copy that joined a queued packet: later)
    };
    std::vector<Copy> copies;
    std::size_t arrived = 0;  // copies whose arrival is known
  };
  std::uint64_t zero_load_head(int network, int source, int destination);  // endpoints
  int routers_on_path(int network, int source, int destination);

  std::array<RouteTable*, kNetworks> routes_{};
  int hop_latency_[kNetworks] = {1, 1, 1};
  bool straight_;  // packets take the straight output of free-choice stages first (kStraightRoute)
  bool multicast_[kNetworks] = {false, false, false};
  std::vector<int> endpoint_of_terminal_[kNetworks];
  std::size_t endpoints_ = 0;
  std::unique_ptr<IncrementalNetwork> networks_[kNetworks];
  std::vector<Packet> staged_[kNetworks];
  std::map<std::tuple<int, std::uint64_t, std::uint64_t>, std::size_t> staged_at_[kNetworks];  // (source, key, created)
  std::vector<InFlight> staged_info_[kNetworks];
  std::map<std::uint64_t, InFlight> in_flight_[kNetworks];  // packet id -> what it carries
  std::map<std::pair<int, std::uint64_t>, std::uint64_t> queued_[kNetworks];  // (bank, tile) -> newest packet of it
  std::uint64_t next_id_[kNetworks] = {0, 0, 0};
  std::uint64_t sent_[kNetworks] = {0, 0, 0};
  Use use_[kNetworks];
  // Per network and (source, destination) endpoints: head latency + 1, router outputs on the
  // path (0: not known yet).
  std::vector<std::uint64_t> zero_load_[kNetworks];
  std::vector<int> routers_[kNetworks];
};

}  // namespace sosasim
