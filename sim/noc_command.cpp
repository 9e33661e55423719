#include "sim/noc_command.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "arch/tech.h"
#include "interconnect/analysis.h"
#include "interconnect/network_engine.h"
#include "interconnect/topology.h"
#include "interconnect/traffic.h"
#include "sim/kernel/errors.h"
#include "sim/kernel/registry.h"

namespace sosasim {

namespace {

struct NocOptions {
  std::string topology = "butterfly", expansion, traffic = "uniform", fidelity = "fast";
  std::int64_t ports = 64, packet_flits = 4, cycles = 2000, warmup = -1, hop_latency = 1, buffer_flits = 0,
               flit_bytes = 32;
  double injection_rate = 0.1;
  std::uint64_t seed = 1;
  bool describe = false, json = false, adaptive = false;
};

ConfigError noc_error(const std::string& option, const std::string& problem) {
  return ConfigError(SourceLocation{"command line", 0, option}, "", problem);
}

std::unique_ptr<Topology> make_checked_topology(const NocOptions& o) {
  if (!o.expansion.empty() && o.topology != "butterfly" && ComponentRegistry::instance().find("topology", o.topology))
    throw noc_error("--expansion", "only the butterfly has an expansion");
  std::map<std::string, std::string> overrides;
  if (!o.expansion.empty()) overrides["expansion"] = o.expansion;
  return make_topology(o.topology, overrides);
}

nlohmann::ordered_json describe_json(const NocOptions& o, const Topology& topology, const NetworkGraph& graph) {
  NetworkDescription d = describe_network(graph);
  return {{"topology", topology.describe(o.ports)}, {"terminals", d.terminals}, {"switches", d.switches},
          {"stages", d.stages}, {"links", d.links}, {"diameter_hops", d.diameter_hops},
          {"bisection_links", d.bisection_links}, {"path_diversity", d.path_diversity},
          {"crosspoints", d.crosspoints}, {"connected", d.connected},
          {"switch_factor", topology.switch_factor(o.ports)}};
}

int run_noc(const NocOptions& o) {
  auto topology = make_checked_topology(o);
  if (o.ports < 1 || o.ports > 4096) throw noc_error("--ports", "expected 1 to 4096 ports");
  NetworkGraph graph = topology->build(o.ports);
  if (o.describe) {
    auto out = describe_json(o, *topology, graph);
    if (o.json) std::cout << out.dump(2) << "\n";
    else for (auto it = out.begin(); it != out.end(); ++it) std::cout << it.key() << ": " << it.value().dump() << "\n";
    return 0;
  }
  const auto& patterns = traffic_patterns();
  if (std::find(patterns.begin(), patterns.end(), o.traffic) == patterns.end())
    throw noc_error("--traffic " + o.traffic, "expected one of uniform bit_reverse transpose shuffle hotspot permutation");
  int ports = graph.terminals;
  if (pattern_needs_power_of_two(o.traffic) && (ports & (ports - 1)) != 0)
    throw noc_error("--traffic " + o.traffic, "needs a power-of-two number of ports, the network has " + std::to_string(ports));
  if (!(o.injection_rate > 0 && o.injection_rate <= 1)) throw noc_error("--injection-rate", "expected a rate in (0, 1] flits per port per cycle");
  if (o.packet_flits < 1 || o.packet_flits > 256) throw noc_error("--packet-flits", "expected 1 to 256 flits");
  if (o.cycles < 1 || o.cycles > 10'000'000) throw noc_error("--cycles", "expected 1 to 10000000 cycles");
  if (o.fidelity != "fast" && o.fidelity != "reference") throw noc_error("--fidelity " + o.fidelity, "expected fast or reference");
  if (o.warmup >= o.cycles)
    throw noc_error("--warmup " + std::to_string(o.warmup),
                    "expected fewer cycles than --cycles (" + std::to_string(o.cycles) + "): nothing would be measured");
  if (o.warmup < -1) throw noc_error("--warmup " + std::to_string(o.warmup), "expected >= 0 cycles");
  if (o.hop_latency < 1 || o.hop_latency > 1000) throw noc_error("--hop-latency", "expected 1 to 1000 cycles");
  if (o.buffer_flits < 0 || o.buffer_flits > 65536)
    throw noc_error("--buffer-flits " + std::to_string(o.buffer_flits), "expected 1 to 65536 flits (0: the default)");
  if (o.flit_bytes < 1 || o.flit_bytes > 65536)
    throw noc_error("--flit-bytes " + std::to_string(o.flit_bytes), "expected 1 to 65536 bytes");
  NetworkParams params;
  params.hop_latency = static_cast<int>(o.hop_latency);
  // Default: deep enough to stream packets back to back through a credit round trip.
  params.buffer_flits = static_cast<int>(o.buffer_flits > 0 ? o.buffer_flits : 2 * o.packet_flits + o.hop_latency);
  params.flit_bytes = static_cast<int>(o.flit_bytes);
  params.adaptive = o.adaptive;
  if (params.buffer_flits < o.packet_flits)
    throw noc_error("--buffer-flits", "virtual cut-through needs buffers of at least --packet-flits flits");

  const auto cycles = static_cast<std::uint64_t>(o.cycles);
  const std::uint64_t warmup = o.warmup >= 0 ? static_cast<std::uint64_t>(o.warmup) : cycles / 4;
  std::vector<Packet> packets =
      synthetic_traffic(o.traffic, ports, o.injection_rate, static_cast<int>(o.packet_flits), cycles, o.seed);
  if (is_permutation_pattern(o.traffic)) topology->prepare_permutation(graph, pattern_permutation(o.traffic, ports, o.seed));
  const std::uint64_t max_cycles = cycles * 20 + 10000;
  auto start = std::chrono::steady_clock::now();
  NetworkResult result = o.fidelity == "reference" ? run_reference(graph, *topology, params, packets, max_cycles)
                                                   : run_fast(graph, *topology, params, packets, max_cycles);
  double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // Offered: flits created in the measurement window; accepted: flits whose tail arrived in it.
  const double window = static_cast<double>(cycles - std::min(warmup, cycles - 1)) * ports;
  double offered = 0, accepted = 0;
  std::vector<std::uint64_t> latencies;
  std::vector<std::uint64_t> created(packets.size());
  for (const auto& packet : packets) {
    created[packet.id] = packet.created;
    if (packet.created >= warmup) offered += packet.flits;
  }
  std::uint64_t measured = 0;
  for (const auto& packet : packets) measured += packet.created >= warmup;
  for (const auto& delivery : result.deliveries) {
    if (delivery.tail_cycle >= warmup && delivery.tail_cycle < cycles) accepted += static_cast<double>(o.packet_flits);
    if (created[delivery.id] >= warmup) latencies.push_back(delivery.tail_cycle - created[delivery.id]);
  }
  std::sort(latencies.begin(), latencies.end());
  double average = 0;
  for (auto latency : latencies) average += static_cast<double>(latency);
  average = latencies.empty() ? 0 : average / static_cast<double>(latencies.size());
  std::uint64_t p99 = latencies.empty() ? 0 : latencies[std::min(latencies.size() - 1, (latencies.size() * 99) / 100)];
  nlohmann::ordered_json histogram = nlohmann::ordered_json::object();
  for (auto latency : latencies) {
    std::uint64_t bucket = 1;
    while (bucket <= latency) bucket *= 2;
    std::string key = "<" + std::to_string(bucket);
    histogram[key] = histogram.value(key, 0) + 1;
  }
  std::uint64_t busiest = 0, total_busy = 0;
  for (auto busy : result.stats.output_busy_cycles) busiest = std::max(busiest, busy), total_busy += busy;
  const double horizon = static_cast<double>(std::max<std::uint64_t>(result.stats.cycles, 1));
  TechTable tech = load_tech_table("");
  double injected_bytes = static_cast<double>(result.stats.flits_delivered) * params.flit_bytes;

  nlohmann::ordered_json out;
  out["topology"] = topology->describe(o.ports);
  out["traffic"] = o.traffic;
  out["fidelity"] = o.fidelity;
  out["ports"] = ports;
  out["injection_rate"] = o.injection_rate;
  out["offered"] = offered / window;
  out["accepted"] = accepted / window;
  out["avg_latency_cycles"] = average;
  out["p99_latency_cycles"] = p99;
  out["measured_packets"] = measured;
  out["undelivered_measured_packets"] = measured - latencies.size();
  out["flit_hops"] = result.stats.flit_hops;
  out["stall_cycles"] = result.stats.stall_cycles;
  out["max_link_utilization"] = static_cast<double>(busiest) / horizon;
  out["mean_link_utilization"] =
      result.stats.output_busy_cycles.empty() ? 0.0 : static_cast<double>(total_busy) / horizon / static_cast<double>(result.stats.output_busy_cycles.size());
  out["energy_j"] = injected_bytes * tech.interconnect_w_per_byte_switch * topology->switch_factor(o.ports) / ports / 1e9;
  out["latency_histogram"] = histogram;
  out["simulated_cycles"] = result.stats.cycles;
  out["wall_seconds"] = wall;
  out["packets"] = packets.size();
  out["packets_per_second"] = wall > 0 ? static_cast<double>(packets.size()) / wall : 0.0;
  if (o.json) std::cout << out.dump(2) << "\n";
  else for (auto it = out.begin(); it != out.end(); ++it) std::cout << it.key() << ": " << it.value().dump() << "\n";
  return 0;
}

}  // namespace

void add_noc_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<NocOptions>();
  NocOptions& o = *options;
  auto* noc = app.add_subcommand("noc", "one interconnect alone: synthetic traffic, or its structure with --describe");
  noc->add_option("--topology", o.topology, "butterfly, benes, crossbar, mesh or bus");
  noc->add_option("--expansion", o.expansion, "butterfly expansion: 1, 2, 4 or 8");
  noc->add_option("--ports", o.ports, "terminals (sources and destinations)");
  noc->add_option("--traffic", o.traffic, "uniform, bit_reverse, transpose, shuffle, hotspot or permutation");
  noc->add_option("--injection-rate", o.injection_rate, "offered flits per port per cycle");
  noc->add_option("--packet-flits", o.packet_flits, "flits per packet");
  noc->add_option("--cycles", o.cycles, "cycles of injection");
  noc->add_option("--warmup", o.warmup, "cycles before measuring (default: a quarter of --cycles)");
  noc->add_option("--hop-latency", o.hop_latency, "cycles per hop");
  noc->add_option("--buffer-flits", o.buffer_flits, "input buffer depth in flits (default: 2 x packet flits + hop latency)");
  noc->add_option("--flit-bytes", o.flit_bytes, "bytes per flit, for energy");
  noc->add_option("--fidelity", o.fidelity, "fast or reference");
  noc->add_option("--seed", o.seed, "traffic seed");
  noc->add_flag("--adaptive", o.adaptive,
                "at free-choice stages (butterfly expansion, Benes) take the other output when only it is free");
  noc->add_flag("--describe", o.describe, "print the structure: switches, stages, links, diameter, bisection");
  noc->add_flag("--json", o.json, "print JSON");
  noc->callback([options, &exit_code] { exit_code = run_noc(*options); });
}

}  // namespace sosasim
