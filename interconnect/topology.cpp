#include "interconnect/topology.h"

#include <map>
#include <stdexcept>

namespace sosasim {

namespace {

std::map<std::string, TopologyFactory>& factories() {
  static std::map<std::string, TopologyFactory> table;
  return table;
}

}  // namespace

std::int64_t Topology::ports(std::int64_t pods) const { return next_power_of_two(pods); }

std::unique_ptr<Topology> make_topology(const ParamValues& params) {
  const std::string& name = params.get_string("topology");
  auto it = factories().find(name);
  if (it == factories().end()) throw std::logic_error("topology '" + name + "' has no factory");
  return it->second(params);
}

TopologyRegistration::TopologyRegistration(ComponentInfo info, TopologyFactory factory) {
  factories()[info.name] = std::move(factory);
  ComponentRegistry::instance().add(std::move(info));
}

std::int64_t next_power_of_two(std::int64_t n) {
  std::int64_t power = 1;
  while (power < n) power *= 2;
  return power;
}

std::int64_t log2_exact(std::int64_t power_of_two) {
  std::int64_t bits = 0;
  while ((std::int64_t{1} << bits) < power_of_two) ++bits;
  return bits;
}

}  // namespace sosasim
