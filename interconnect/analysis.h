// Structural figures of a built network, computed with Boost.Graph on the router graph (kept out
// of this header): what `sosasim noc --describe` prints and what tests check against closed forms.
#pragma once

#include <cstdint>

#include "interconnect/network.h"

namespace sosasim {

struct NetworkDescription {
  std::int64_t terminals = 0;
  std::int64_t switches = 0;        // routers
  std::int64_t stages = 0;
  std::int64_t links = 0;           // router-router links plus terminal links
  std::int64_t diameter_hops = 0;   // the longest shortest source-to-destination path, in router-to-router links
  std::int64_t bisection_links = 0; // min links separating the first half of sources from the second half of
                                    // destinations (max flow); 1 for a bus, a shared medium
  std::int64_t path_diversity = 0;  // distinct shortest paths from source 0 to the last destination
  std::int64_t crosspoints = 0;     // sum over routers of inputs x outputs
  bool connected = false;           // every source reaches every destination
};

NetworkDescription describe_network(const NetworkGraph& graph);

}  // namespace sosasim
