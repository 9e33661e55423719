// The networks between SRAM banks and pods, as a graph of routers and terminals, and the packets
// that cross them. Topology builders (one file each) produce a NetworkGraph and route packets
// over it; the engines (network_engine.h) move packets with the same router rules at two
// fidelities.
//
// Router microarchitecture (both engines): input-buffered routers, one FIFO of `buffer_flits`
// flits per input port; virtual cut-through: a packet is allocated an output only when the
// downstream buffer has room for the whole packet (the sender reserves `packet_flits` credits);
// the allocator visits input ports round-robin from the port after the last one granted and
// grants a head packet all the outputs it needs (several for multicast) when they are all free
// and have the credits (with adaptive routing, a copy at a free-choice stage may take the
// router's other output instead); a granted packet sends one flit per cycle, head at the grant cycle, and
// its head reaches the next router (or terminal) `hop_latency` cycles later. A flit leaving an
// input buffer returns its credit to the sender one cycle later. Terminals inject the same way
// through their router input port. A bus is one router that carries one packet at a time.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sosasim {

constexpr int kTerminal = -1;

struct PortRef {
  int router = kTerminal;  // kTerminal: a terminal
  int port = 0;            // input port of `router`, or the terminal index
};

struct RouterNode {
  int inputs = 0;
  int outputs = 0;
  std::vector<PortRef> output_to;  // where each output port leads
  int stage = 0;                   // for describe and for routing
  int x = 0, y = 0;                // mesh coordinates
  bool one_transfer_at_a_time = false;  // a bus
};

struct NetworkGraph {
  std::string name;
  int terminals = 0;                // N sources (banks) and N destinations (pods)
  int stages = 0;
  std::vector<RouterNode> routers;
  std::vector<PortRef> injection;   // terminal t injects into this router input port
  std::vector<int> bits;            // butterfly/Benes: the address bit each stage's routers switch
  std::vector<bool> free_choice;    // butterfly/Benes: the stage's output is chosen, not set by the destination
};

struct Packet {
  std::uint64_t id = 0;
  int source = 0;
  std::vector<int> destinations;  // one for unicast
  int flits = 1;
  std::uint64_t created = 0;      // cycle the packet is ready at its source
};

// One copy of a packet leaving a router.
struct RouteChoice {
  int output = 0;
  std::vector<int> destinations;  // the destinations this copy serves
  // At a free-choice stage (butterfly expansion, Benes), the router's other output, which leads
  // to the same destinations; -1 elsewhere. With adaptive routing the allocator grants it when
  // `output` cannot be granted and it can.
  int alternative = -1;
};

struct NetworkParams {
  int hop_latency = 1;    // cycles from a grant to the head's arrival downstream
  int buffer_flits = 4;   // per input port; >= packet flits (virtual cut-through)
  int flit_bytes = 32;
  // Free-choice stages: false takes the output route() picks (at random per packet); true also
  // takes its alternative when only that one is free and has the credits (adaptive routing).
  bool adaptive = false;
};

struct Delivery {
  std::uint64_t id = 0;
  int destination = 0;
  std::uint64_t head_cycle = 0;  // the head reached the terminal
  std::uint64_t tail_cycle = 0;  // the last flit reached the terminal
  std::uint64_t injected = 0;    // the head left the source (created, plus the wait for its port)
  // On the packet's last delivery: flits times router outputs its copies took (0 on the others),
  // so a multicast's link use can be charged to it.
  std::uint64_t packet_flit_hops = 0;
};

}  // namespace sosasim
