// Interconnect topologies between SRAM banks and pods.
//
// A topology is registered by name (kind "topology") with its parameter schema and a factory.
// For now it supplies what the power model needs: the number of network ports and SOSA's
// switch-count factor K(N). The cycle-level network models (flits, switches, contention) build
// on the same registrations.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "sim/params.h"
#include "sim/registry.h"

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
};

using TopologyFactory = std::function<std::unique_ptr<Topology>(const ParamValues&)>;

// Builds the topology named in `params` ("topology" key) with its validated parameters.
std::unique_ptr<Topology> make_topology(const ParamValues& params);

// Registers a topology's schema in the component registry and its factory here.
struct TopologyRegistration {
  TopologyRegistration(ComponentInfo info, TopologyFactory factory);
};

// Smallest power of two >= n (n >= 1).
std::int64_t next_power_of_two(std::int64_t n);
std::int64_t log2_exact(std::int64_t power_of_two);

}  // namespace sosasim
