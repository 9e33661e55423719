#include "interconnect/topology.h"

#include <algorithm>
#include <map>
#include <stdexcept>

#include "sim/kernel/errors.h"

namespace sosasim {

namespace {

std::map<std::string, TopologyFactory>& factories() {
  static std::map<std::string, TopologyFactory> table;
  return table;
}

// The router of stage-network stage `stage` that holds position `position`.
int bit_router(int ports, int stage, int bit, int position) {
  int low = position & ((1 << bit) - 1);
  int high = position >> (bit + 1);
  return stage * (ports / 2) + ((high << bit) | low);
}

}  // namespace

std::int64_t Topology::ports(std::int64_t pods) const { return next_power_of_two(pods); }

std::unique_ptr<Topology> make_topology(const ParamValues& params) {
  const std::string& name = params.get_string("topology");
  auto it = factories().find(name);
  if (it == factories().end()) throw std::logic_error("topology '" + name + "' has no factory");
  return it->second(params);
}

std::unique_ptr<Topology> make_topology(const std::string& name, const std::map<std::string, std::string>& overrides,
                                        const std::string& origin) {
  const ComponentInfo* info = ComponentRegistry::instance().find("topology", name);
  if (!info) {
    std::string guess = did_you_mean(name, ComponentRegistry::instance().names("topology"));
    throw ConfigError(SourceLocation{origin, 0, "--topology " + name}, "interconnect.topology",
                      "unknown topology '" + name + "'" + (guess.empty() ? "" : "; did you mean '" + guess + "'?"));
  }
  ParamValues values;
  values.set("topology", name);
  std::size_t used = 0;
  for (const auto& def : info->params) {
    auto given = overrides.find(def.name);
    used += given != overrides.end();
    const std::string& text = given != overrides.end() ? given->second : def.default_text;
    values.set(def.name, parse_param(def, text, SourceLocation{origin, 0, "--" + def.name + " " + text},
                                     "interconnect." + def.name));
  }
  if (used < overrides.size())
    for (const auto& entry : overrides) {
      const std::string& key = entry.first;  // (a structured binding cannot be captured in C++17)
      if (std::none_of(info->params.begin(), info->params.end(), [&](const ParamDef& def) { return def.name == key; }))
        throw ConfigError(SourceLocation{origin, 0, "--" + key + " " + entry.second}, "interconnect." + key,
                          "topology '" + name + "' has no parameter '" + key + "'");
    }
  return make_topology(values);
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

int packet_random_bit(std::uint64_t packet_id, int stage) {
  std::uint64_t z = packet_id * 0x9E3779B97F4A7C15ull + static_cast<std::uint64_t>(stage) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return static_cast<int>((z ^ (z >> 31)) & 1u);
}

NetworkGraph build_bit_stages(const std::string& name, int ports, const std::vector<int>& bits,
                              const std::vector<bool>& free_choice) {
  NetworkGraph graph;
  graph.name = name;
  graph.terminals = ports;
  graph.stages = static_cast<int>(bits.size());
  graph.bits = bits;
  graph.free_choice = free_choice;
  if (bits.empty()) {  // one port: a single 1x1 router
    RouterNode router;
    router.inputs = router.outputs = 1;
    router.output_to = {PortRef{kTerminal, 0}};
    graph.routers.push_back(router);
    graph.injection = {PortRef{0, 0}};
    graph.stages = 1;
    return graph;
  }
  for (int stage = 0; stage < graph.stages; ++stage)
    for (int r = 0; r < ports / 2; ++r) {
      RouterNode router;
      router.inputs = router.outputs = 2;
      router.stage = stage;
      router.output_to.resize(2);
      graph.routers.push_back(router);
    }
  for (int stage = 0; stage < graph.stages; ++stage) {
    int bit = bits[static_cast<std::size_t>(stage)];
    for (int r = 0; r < ports / 2; ++r) {
      int low = r & ((1 << bit) - 1), high = r >> bit;
      int base = (high << (bit + 1)) | low;
      RouterNode& router = graph.routers[static_cast<std::size_t>(stage * (ports / 2) + r)];
      for (int out = 0; out < 2; ++out) {
        int position = base | (out << bit);
        if (stage + 1 == graph.stages) {
          router.output_to[static_cast<std::size_t>(out)] = PortRef{kTerminal, position};
        } else {
          int next_bit = bits[static_cast<std::size_t>(stage + 1)];
          router.output_to[static_cast<std::size_t>(out)] =
              PortRef{bit_router(ports, stage + 1, next_bit, position), (position >> next_bit) & 1};
        }
      }
    }
  }
  for (int t = 0; t < ports; ++t) graph.injection.push_back(PortRef{bit_router(ports, 0, bits[0], t), (t >> bits[0]) & 1});
  return graph;
}

void route_bit_stages(const NetworkGraph& graph, int router, const Packet& packet, const std::vector<int>& destinations,
                      const std::function<int(int stage, const Packet&)>& free_choice, std::vector<RouteChoice>& out) {
  if (graph.bits.empty()) {
    set_single_route(out, 0, destinations);
    return;
  }
  int stage = graph.routers[static_cast<std::size_t>(router)].stage;
  int bit = graph.bits[static_cast<std::size_t>(stage)];
  if (graph.free_choice[static_cast<std::size_t>(stage)]) {
    // Free stages come first, each on its own bit, so the position's bit is still the source's.
    const bool straight = (packet.id & kStraightRoute) != 0;
    int choice = straight ? (packet.source >> bit) & 1 : free_choice(stage, packet);
    set_single_route(out, choice, destinations);
    out[0].alternative = 1 - choice;
    return;
  }
  if (destinations.size() == 1) {
    set_single_route(out, (destinations[0] >> bit) & 1, destinations);
    return;
  }
  out.clear();
  for (int d : destinations) {
    int port = (d >> bit) & 1;
    RouteChoice* choice = nullptr;
    for (auto& existing : out)
      if (existing.output == port) choice = &existing;
    if (!choice) {
      out.push_back(RouteChoice{port, {}});
      choice = &out.back();
    }
    choice->destinations.push_back(d);
  }
}

void set_single_route(std::vector<RouteChoice>& out, int output, const std::vector<int>& destinations) {
  out.resize(1);  // keeps the element's capacity: no allocation once warm
  out[0].output = output;
  out[0].alternative = -1;
  out[0].destinations.assign(destinations.begin(), destinations.end());
}

}  // namespace sosasim
