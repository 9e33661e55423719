// Builds a topology by name for the interconnect and scheduling tests: every parameter at its
// default except the butterfly's expansion and the Benes network's multicast.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "interconnect/topology.h"

namespace sosasim::test {

inline std::unique_ptr<Topology> topology(const std::string& name, std::int64_t expansion = 1, bool multicast = true) {
  std::map<std::string, std::string> overrides;
  if (name == "butterfly") overrides["expansion"] = std::to_string(expansion);
  if (name == "benes") overrides["multicast"] = multicast ? "true" : "false";
  return make_topology(name, overrides);
}

}  // namespace sosasim::test
