// Interconnect topologies between SRAM banks and pods.
//
// A topology is registered by name (kind "topology") with its parameter schema and a factory.
// It supplies the power model's numbers (network ports, SOSA's switch-count factor K(N)), builds
// its router graph and routes packets over it.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "interconnect/network.h"
#include "sim/kernel/params.h"
#include "sim/kernel/registry.h"

namespace sosasim {

class Topology {
 public:
  virtual ~Topology() = default;
  // Ports of the network built for `pods` endpoints.
  virtual std::int64_t ports(std::int64_t pods) const;
  // SOSA's switch-count factor K(N) in P_ict = w * B * K(N) (DESIGN.md section 5).
  virtual double switch_factor(std::int64_t pods) const = 0;
  // A one-line human description, e.g. "butterfly-2 over 256 ports".
  virtual std::string describe(std::int64_t pods) const = 0;
  // The router graph for `ports(pods)` terminals.
  virtual NetworkGraph build(std::int64_t pods) const = 0;
  // The copies of `packet` that leave router `router` and where they go; `destinations` are the
  // ones this copy still serves. Deterministic: both engines call it with the same arguments.
  virtual void route(const NetworkGraph& graph, int router, const Packet& packet,
                     const std::vector<int>& destinations, std::vector<RouteChoice>& out) const = 0;
  virtual bool supports_multicast() const { return true; }
  // How many distinct paths route() can give one (source, destination) pair of a network with
  // `ports` ports, over all packet ids (free-choice stages); 1 when routing is deterministic.
  virtual std::int64_t path_choices(std::int64_t /*ports*/) const { return 1; }
  // Called with the whole traffic's permutation (destination of each source) before a run, for
  // topologies that set their routes per permutation (Benes: the looping algorithm).
  virtual void prepare_permutation(const NetworkGraph&, const std::vector<int>&) {}
};

using TopologyFactory = std::function<std::unique_ptr<Topology>(const ParamValues&)>;

// Builds the topology named in `params` ("topology" key) with its validated parameters.
std::unique_ptr<Topology> make_topology(const ParamValues& params);

// Builds topology `name` with every parameter of its schema at its default, except those given
// in `overrides` (parameter name -> text, checked like a command-line option). For tools and
// tests that name a topology outside a config file; errors are ConfigErrors from `origin`.
std::unique_ptr<Topology> make_topology(const std::string& name, const std::map<std::string, std::string>& overrides = {},
                                        const std::string& origin = "command line");

// Registers a topology's schema in the component registry and its factory here.
struct TopologyRegistration {
  TopologyRegistration(ComponentInfo info, TopologyFactory factory);
};

// Smallest power of two >= n (n >= 1).
std::int64_t next_power_of_two(std::int64_t n);
std::int64_t log2_exact(std::int64_t power_of_two);

// Packet ids with this bit keep their position on free-choice stages (go straight through a
// router): the first candidate path a route table offers on butterfly expansion and Benes stages.
constexpr std::uint64_t kStraightRoute = std::uint64_t{1} << 63;

// A bit of randomness per packet and stage, the same in every engine.
int packet_random_bit(std::uint64_t packet_id, int stage);

// Stage-by-stage networks of 2x2 routers (butterfly, Benes): a packet's position is an address
// in [0, N); stage s's routers pair the positions that differ in bit bits[s] and set that bit:
// to the destination's (destination-tag routing) or, on free-choice stages, to a chosen value.
// N/2 routers per stage; terminal t injects at position t and position p after the last stage
// is terminal p.
NetworkGraph build_bit_stages(const std::string& name, int ports, const std::vector<int>& bits,
                              const std::vector<bool>& free_choice);
// Routes in such a network; `free_choice(stage, packet)` picks the bit on free-choice stages
// (multicast copies stay together there and split on destination-tag stages).
void route_bit_stages(const NetworkGraph& graph, int router, const Packet& packet, const std::vector<int>& destinations,
                      const std::function<int(int stage, const Packet&)>& free_choice, std::vector<RouteChoice>& out);

// Makes `out` a single copy to `output` serving `destinations`, reusing its memory.
void set_single_route(std::vector<RouteChoice>& out, int output, const std::vector<int>& destinations);

}  // namespace sosasim
