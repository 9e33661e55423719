// What the two network engines share (not part of the interface; network_engine.h is): packet
// copies at router inputs, reusable slots, the numbering of router inputs, the packet pool and
// each source's queue, and the routers' allocation rule, written once.
#pragma once

#include <algorithm>
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "interconnect/network_engine.h"
#include "sim/kernel/errors.h"

namespace sosasim::network_detail {

// Where the packets are: one instance per copy per router input (multicast copies split).
struct Instance {
  std::size_t packet = 0;
  std::vector<int> destinations;
  std::vector<RouteChoice> route;
  std::uint64_t head_arrival = 0;
};

// A slot of `items` for a new element: the last one freed, or a new one at the end. Both engines
// reuse their packet records and packet copies this way, so memory follows what is in flight.
template <typename Items>
inline std::size_t reuse_slot(Items& items, std::vector<std::size_t>& free) {
  if (free.empty()) {
    items.emplace_back();
    return items.size() - 1;
  }
  const std::size_t slot = free.back();
  free.pop_back();
  return slot;
}

// A copy of packet `packet` for `destinations`, in a reused slot of `instances`.
template <typename Instances>
inline std::size_t new_copy(Instances& instances, std::vector<std::size_t>& free, std::size_t packet,
                     const std::vector<int>& destinations) {
  const std::size_t slot = reuse_slot(instances, free);
  instances[slot].packet = packet;
  instances[slot].destinations.assign(destinations.begin(), destinations.end());
  return slot;
}

// Numbering of router input ports (the receivers of credits).
struct Inputs {
  std::vector<int> offset;
  int total = 0;
  explicit Inputs(const NetworkGraph& graph) {
    for (const auto& router : graph.routers) {
      offset.push_back(total);
      total += router.inputs;
    }
  }
  int at(int router, int port) const { return offset[static_cast<std::size_t>(router)] + port; }
};

inline std::vector<std::uint64_t> output_offsets(const NetworkGraph& graph) {
  std::vector<std::uint64_t> offsets;
  std::uint64_t total = 0;
  for (const auto& router : graph.routers) {
    offsets.push_back(total);
    total += static_cast<std::uint64_t>(router.outputs);
  }
  offsets.push_back(total);
  return offsets;
}

inline void check_packet(const NetworkParams& params, const Packet& packet) {
  if (packet.flits > params.buffer_flits)
    throw ModelError(packet.created, "network", "a packet of " + std::to_string(packet.flits) +
                                                    " flits does not fit a buffer of " +
                                                    std::to_string(params.buffer_flits) + " flits (virtual cut-through)");
  if (packet.flits < 1) throw ModelError(packet.created, "network", "a packet needs at least one flit");
  if (packet.destinations.empty()) throw ModelError(packet.created, "network", "a packet needs a destination");
}

inline void check_params(const NetworkParams& params) {
  if (params.hop_latency < 1) throw ModelError(0, "network", "hop latency must be >= 1");
}

// The packets in flight, in reusable records, and each source's queue of them.
struct PacketPool {
  struct Record {
    Packet packet;
    int undecided = 0;               // destinations whose delivery is not decided yet
    int unarrived = 0;               // destinations whose tail has not arrived (reference)
    std::uint64_t injected = 0;
    std::uint64_t flit_hops = 0;
  };
  std::vector<Record> records;
  std::vector<std::size_t> free;
  std::vector<std::deque<std::size_t>> by_source;  // not yet injected, in the order added
  std::unordered_map<std::uint64_t, std::size_t> queued;  // packet id -> record, while not injected
  std::uint64_t expected = 0, decided = 0;
  std::uint64_t reached = 0;  // packets must be created at or after this cycle

  explicit PacketPool(const NetworkGraph& graph) : by_source(static_cast<std::size_t>(graph.terminals)) {}

  std::size_t add(const NetworkGraph& graph, const NetworkParams& params, const Packet& packet) {
    check_packet(params, packet);
    if (packet.source < 0 || packet.source >= graph.terminals)
      throw ModelError(packet.created, "network", "packet source " + std::to_string(packet.source) + " is not a terminal");
    for (int destination : packet.destinations) check_destination(graph, destination, packet.created);
    if (packet.created < reached)
      throw ModelError(packet.created, "network",
                       "packet " + std::to_string(packet.id) + " added after cycle " + std::to_string(reached) +
                           " was simulated");
    const std::size_t slot = reuse_slot(records, free);
    Record& record = records[slot];
    record.packet = packet;
    record.undecided = record.unarrived = static_cast<int>(packet.destinations.size());
    record.injected = 0;
    record.flit_hops = 0;
    by_source[static_cast<std::size_t>(packet.source)].push_back(slot);
    queued[packet.id] = slot;
    expected += packet.destinations.size();
    return slot;
  }
  bool join(const NetworkGraph& graph, std::uint64_t id, int destination) {
    auto it = queued.find(id);
    if (it == queued.end()) return false;
    check_destination(graph, destination, reached);
    Record& record = records[it->second];
    auto& destinations = record.packet.destinations;
    if (std::find(destinations.begin(), destinations.end(), destination) != destinations.end()) return false;
    destinations.push_back(destination);
    ++record.undecided;
    ++record.unarrived;
    ++expected;
    return true;
  }
  // The packet at the front of `source`'s queue leaves it at cycle t.
  void inject(int source, std::uint64_t t) {
    Record& record = records[by_source[static_cast<std::size_t>(source)].front()];
    record.injected = t;
    queued.erase(record.packet.id);
  }
  static void check_destination(const NetworkGraph& graph, int destination, std::uint64_t cycle) {
    if (destination < 0 || destination >= graph.terminals)
      throw ModelError(cycle, "network", "packet destination " + std::to_string(destination) + " is not a terminal");
  }
  // A copy of packet `slot` will reach `destination` at head .. tail: decided now.
  Delivery decide(std::size_t slot, int destination, std::uint64_t head, std::uint64_t tail) {
    Record& record = records[slot];
    ++decided;
    Delivery delivery{record.packet.id, destination, head, tail, record.injected, 0};
    if (--record.undecided == 0) delivery.packet_flit_hops = record.flit_hops;
    return delivery;
  }
  void release(std::size_t slot) { free.push_back(slot); }
};

// The routers' allocation rule (interconnect/network.h), the one both engines apply: in one cycle
// a router serves its inputs round robin, starting after the input it granted last; the packet
// copy at the front of an input is granted when every output of its route is usable, where a
// free-choice stage's alternative output stands in for a preferred one that is not (adaptive
// routing), and its route then takes the alternative wherever the preferred output is not
// usable. A bus grants one transfer at a time.
// `front(in)`: the route of the copy at the front of input `in` if it may be sent now, else
// nullptr (it also tells `usable` which copy is asking); `usable(output)`: whether that copy may
// take `output` now; `grant(in)`: sends it along its resolved route.
template <typename Front, typename Usable, typename Grant>
void allocate(const RouterNode& router, int& round_robin, bool adaptive, Front&& front, Usable&& usable, Grant&& grant) {
  const int first = round_robin;
  for (int i = 0; i < router.inputs; ++i) {
    const int in = (first + i) % router.inputs;
    std::vector<RouteChoice>* route = front(in);
    if (route == nullptr) continue;
    bool ok = true;
    for (const auto& choice : *route)
      ok = ok && (usable(choice.output) || (adaptive && choice.alternative >= 0 && usable(choice.alternative)));
    if (!ok) continue;
    for (auto& choice : *route)
      if (!usable(choice.output)) std::swap(choice.output, choice.alternative);
    grant(in);
    round_robin = (in + 1) % router.inputs;
    if (router.one_transfer_at_a_time) break;
  }
}

}  // namespace sosasim::network_detail
