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

// Both models incrementally: packets may be added as the simulation goes (the SystemC network
// module, the system's `interconnect.transfers: routers`), each created no earlier than the
// cycle reached so far. A delivery is decided when the last router grants the packet's copy its
// output to the destination, `hop_latency` cycles before its head arrives; take_deliveries()
// hands it out then (its cycles lie ahead of the time reached). Memory is bounded by the packets
// in flight: a packet's record is reused once it has reached all its destinations.
class IncrementalNetwork {
 public:
  virtual ~IncrementalNetwork() = default;
  virtual void add(const Packet& packet) = 0;
  // Adds `destination` to packet `id` if it is still waiting at its source (not injected before
  // the cycle reached so far): a bank combining a new read of a tile with one already queued.
  // False when it has left (or has that destination already).
  virtual bool join(std::uint64_t id, int destination) = 0;
  // Processes every cycle (reference) or event (fast) before cycle `until`.
  virtual void advance(std::uint64_t until) = 0;
  // The next cycle with something to do, UINT64_MAX when idle.
  virtual std::uint64_t next_event() const = 0;
  // Deliveries decided since the last call, in the order they were decided.
  virtual std::vector<Delivery> take_deliveries() = 0;
  virtual const NetworkStats& stats() const = 0;
  virtual std::uint64_t undelivered() const = 0;
};

// The fast model: event-driven per packet and hop.
class FastNetwork : public IncrementalNetwork {
 public:
  FastNetwork(const NetworkGraph& graph, const Topology& topology, const NetworkParams& params);
  ~FastNetwork() override;
  FastNetwork(const FastNetwork&) = delete;
  FastNetwork& operator=(const FastNetwork&) = delete;

  void add(const Packet& packet) override;
  bool join(std::uint64_t id, int destination) override;
  void advance(std::uint64_t until) override;
  std::uint64_t next_event() const override;
  std::vector<Delivery> take_deliveries() override;
  const NetworkStats& stats() const override;
  std::uint64_t undelivered() const override;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// The reference model: every flit through input buffers and links one hop a cycle, with credit
// counters, ticking every cycle while anything is in flight. It decides a delivery at the last
// router's grant, as the fast model does, and checks when the flits arrive that the head and
// tail came exactly then.
class ReferenceNetwork : public IncrementalNetwork {
 public:
  ReferenceNetwork(const NetworkGraph& graph, const Topology& topology, const NetworkParams& params);
  ~ReferenceNetwork() override;
  ReferenceNetwork(const ReferenceNetwork&) = delete;
  ReferenceNetwork& operator=(const ReferenceNetwork&) = delete;

  void add(const Packet& packet) override;
  bool join(std::uint64_t id, int destination) override;
  void advance(std::uint64_t until) override;
  std::uint64_t next_event() const override;
  std::vector<Delivery> take_deliveries() override;
  const NetworkStats& stats() const override;
  std::uint64_t undelivered() const override;
  // Deliveries whose tail has arrived (those decided may lie ahead).
  std::uint64_t arrived() const;

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
