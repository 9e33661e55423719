// The network as a SystemC module: the fast network model (network_engine.h) driven by SystemC
// time, one cycle per nanosecond, with one SC_METHOD woken by timed events. Components call
// send() at the current cycle; the listener hears of every packet's arrival at each destination
// at the cycle its tail arrives. Keeps per-switch and per-link statistics.
#pragma once

#include <cstdint>
#include <map>
#include <queue>
#include <vector>

#include <systemc>

#include "interconnect/network_engine.h"

namespace sosasim {

class NetworkListener {
 public:
  virtual ~NetworkListener() = default;
  virtual void delivered(const Delivery& delivery) = 0;
};

struct NetworkModuleStats {
  std::uint64_t packets_sent = 0;
  std::uint64_t deliveries = 0;
  std::uint64_t flit_hops = 0;
  std::uint64_t stall_cycles = 0;
  std::vector<double> switch_utilization;        // per router: busy output-cycles / (outputs x cycles)
  std::vector<double> link_utilization;          // per router output port, flattened
  std::map<std::uint64_t, std::uint64_t> latency_histogram;  // power-of-two upper bound -> deliveries
};

class NetworkModule : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(NetworkModule);
  NetworkModule(sc_core::sc_module_name name, const NetworkGraph& graph, const Topology& topology,
                const NetworkParams& params, NetworkListener& listener);

  // Sends a packet now (its `created` is set to the current cycle).
  void send(Packet packet);
  NetworkModuleStats stats() const;

 private:
  void step();  // the SC_METHOD
  std::uint64_t now() const;

  const NetworkGraph& graph_;
  FastNetwork network_;
  NetworkListener& listener_;
  std::map<std::uint64_t, std::uint64_t> created_;  // packet id -> cycle, until delivered everywhere
  using Pending = std::pair<std::uint64_t, std::size_t>;
  std::vector<Delivery> decided_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> pending_;  // (tail cycle, index in decided_)
  NetworkModuleStats stats_;
  sc_core::sc_event wake_;
};

}  // namespace sosasim
