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

// `packets` sorted by creation cycle; ids unique. Stops at `max_cycles` (watchdog).
NetworkResult run_reference(const NetworkGraph& graph, const Topology& topology, const NetworkParams& params,
                            const std::vector<Packet>& packets, std::uint64_t max_cycles);
NetworkResult run_fast(const NetworkGraph& graph, const Topology& topology, const NetworkParams& params,
                       const std::vector<Packet>& packets, std::uint64_t max_cycles);

}  // namespace sosasim
