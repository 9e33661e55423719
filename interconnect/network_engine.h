// The two network models (DESIGN.md section 2). Both follow the router rules of network.h:
//   run_reference: ticks every cycle and moves every flit through input buffers and links one
//                  hop at a time, with credit counters; checks that no buffer overflows and that
//                  every flit a router sends is in its buffer;
//   run_fast:      event-driven per packet and hop: it visits a router only in cycles where its
//                  allocation could change, and computes flit times from the head's.
// With virtual cut-through (buffers hold whole packets) both give the same head and tail cycle
// for every delivery; the tests check this on random traffic with contention.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "interconnect/network.h"
#include "interconnect/topology.h"

namespace sosasim {

struct NetworkStats {
  std::uint64_t cycles = 0;            // the last cycle anything happened, plus one
  std::uint64_t packets_delivered = 0; // packet-destination pairs
  std::uint64_t flits_delivered = 0;
  std::uint64_t flit_hops = 0;         // flits times routers traversed (copies counted)
  std::uint64_t stall_cycles = 0;      // summed over packets and routers: head present, not granted
  std::vector<std::uint64_t> output_busy_cycles;  // per router output port, flattened in router order
};

struct NetworkResult {
  std::vector<Delivery> deliveries;  // sorted by (id, destination)
  NetworkStats stats;
  std::uint64_t undelivered = 0;     // packets not delivered by max_cycles
};

// The fast model, incrementally: packets may be added as the simulation goes (for the SystemC
// network module). Deliveries are known when the last router grants a packet, ahead of time.
class FastNetwork {
 public:
  FastNetwork(const NetworkGraph& graph, const Topology& topology, const NetworkParams& params);
  ~FastNetwork();
  FastNetwork(const FastNetwork&) = delete;
  FastNetwork& operator=(const FastNetwork&) = delete;

  // Adds a packet created at or after the cycle reached so far.
  void add(const Packet& packet);
  // Processes every event before cycle `until`.
  void advance(std::uint64_t until);
  // The next cycle with an event, UINT64_MAX when idle.
  std::uint64_t next_event() const;
  // Deliveries decided since the last call (their cycles may lie ahead of the time reached).
  std::vector<Delivery> take_deliveries();
  const NetworkStats& stats() const;
  std::uint64_t undelivered() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// `packets` sorted by creation cycle; ids unique. Stops at `max_cycles` (watchdog).
NetworkResult run_reference(const NetworkGraph& graph, const Topology& topology, const NetworkParams& params,
                            const std::vector<Packet>& packets, std::uint64_t max_cycles);
NetworkResult run_fast(const NetworkGraph& graph, const Topology& topology, const NetworkParams& params,
                       const std::vector<Packet>& packets, std::uint64_t max_cycles);

}  // namespace sosasim
