// The networks' spec (plain, validated data; its schema and reading: interconnect/specs.cpp).
// A spec header includes only the kernel.
#pragma once

#include <array>
#include <string>

#include "sim/kernel/params.h"

namespace sosasim {

struct InterconnectSpec {
  std::string topology = "butterfly";
  bool ideal_transfers = false;  // tiles reach pods without crossing the networks' links
  bool router_transfers = false; // tiles cross the networks through the router engines (transfers: routers)
  bool adaptive_routing = true;  // ... taking a free-choice stage's other output when only it is free
  bool straight_first = true;    // ... else the straight one (routing: straight_first), not a random one
  bool spread_ports = true;      // pods spread over a larger network's ports (port_placement: spread)
  ParamValues params;  // the topology's own parameters, validated against its schema
  // Per network (kInputNetwork, kWeightNetwork, kPartialSumNetwork): its topology and that
  // topology's parameters; `params` unless `interconnect.x`, `.w` or `.p` gives it its own.
  std::array<ParamValues, 3> networks;
  bool uniform() const;  // every network has the section's topology and parameters
};
constexpr int kInputNetwork = 0, kWeightNetwork = 1, kPartialSumNetwork = 2;

}  // namespace sosasim
