// interconnect/'s config section: the networks' schema beside the code that reads it into the
// SimConfig (sim/kernel/config_sections.h). The spec itself: interconnect/specs.h.
#include "interconnect/specs.h"

#include <limits>

#include "sim/kernel/config_sections.h"

namespace sosasim {

namespace {


// The networks that may have a topology of their own: `interconnect.x`, `.w`, `.p`.
const std::vector<std::string> kNetworkKeys = {"x", "w", "p"};

const SectionRegistration kInterconnect{
    {"section", "interconnect",
    "networks between SRAM banks and pods; `topology` selects a registered topology for all of them; "
    "`x`, `w` or `p` (a section: `topology`, its parameters and `hop_latency`) gives the input, weight or "
    "partial-sum network one of its own",
    {{"topology", ParamType::String, "", "butterfly", "a registered topology (see kind 'topology')",
      -kInf, kInf, {}},
     {"hop_latency", ParamType::Int, "cycles", "1", "cycles per router on a path (switch and link)", 1, 64, {}},
     {"transfers", ParamType::Choice, "", "contention",
      "contention: tiles reserve the X and W networks' links first come, first served (a link calendar; not "
      "under sosa_rounds, which reserves routes per round); routers: tiles cross the networks flit by flit "
      "through input-buffered routers with credits, virtual cut-through and round-robin arbitration (the fast "
      "router engine, or at reference fidelity the flit-level one); ideal: tiles reach the pods at once",
      -kInf, kInf, {"contention", "routers", "ideal"}},
     {"routing", ParamType::Choice, "", "straight_first",
      "with transfers: routers, the output a packet takes at a free-choice stage (butterfly expansion, Benes): "
      "straight_first: the one that keeps its source's address bit, or the other when only that one can be "
      "granted; random_first: one picked at random per packet, or the other likewise; oblivious: the random "
      "one, always",
      -kInf, kInf, {"straight_first", "random_first", "oblivious"}},
     {"port_placement", ParamType::Choice, "", "spread",
      "which ports the pods (with their banks) take when the network has more ports than pods (a butterfly or "
      "Benes over a power of two): spread: evenly over all ports (pod i at port floor(i * ports / pods)); "
      "packed: the first ones",
      -kInf, kInf, {"spread", "packed"}}}},
    kOrderInterconnect, [](SectionReader& reader, SimConfig& config) {
      InterconnectSpec& spec = config.interconnect;
      spec.params = reader.component_section("interconnect", "topology", "topology", kNetworkKeys);
      for (std::size_t n = 0; n < kNetworkKeys.size(); ++n) {
        // A network's own section is a whole topology: its `topology` and `hop_latency` (default:
        // the section's) and that topology's parameters (default: the topology's defaults).
        const std::string path = "interconnect." + kNetworkKeys[n];
        if (!reader.given(path)) {
          spec.networks[n] = spec.params;
          continue;
        }
        std::vector<ParamDef> defs;
        for (const auto& def : ComponentRegistry::instance().find("section", "interconnect")->params)
          if (def.name == "topology" || def.name == "hop_latency") {
            defs.push_back(def);
            defs.back().default_text = def.name == "topology" ? spec.params.get_string("topology")
                                                              : std::to_string(spec.params.get_int("hop_latency"));
          }
        spec.networks[n] = reader.component_map(path, defs, "topology", "topology");
      }
      spec.topology = spec.params.get_string("topology");
      spec.ideal_transfers = spec.params.get_string("transfers") == "ideal";
      spec.router_transfers = spec.params.get_string("transfers") == "routers";
      spec.adaptive_routing = spec.params.get_string("routing") != "oblivious";
      spec.straight_first = spec.params.get_string("routing") == "straight_first";
      spec.spread_ports = spec.params.get_string("port_placement") == "spread";
    }};

}  // namespace

bool InterconnectSpec::uniform() const {
  for (const auto& network : networks)
    for (const auto& [name, value] : network.all())
      if (!params.has(name) || params.all().at(name) != value) return false;
  return true;
}

}  // namespace sosasim
