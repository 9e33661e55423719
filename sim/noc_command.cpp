#include "sim/noc_command.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <unordered_map>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/fmt/fmt.h>

#include "arch/tech.h"
#include "interconnect/analysis.h"
#include "interconnect/network_engine.h"
#include "interconnect/topology.h"
#include "interconnect/traffic.h"
#include "sim/kernel/config.h"
#include "sim/kernel/errors.h"
#include "sim/kernel/files.h"
#include "sim/kernel/registry.h"
#include "workloads/csv.h"

namespace sosasim {

namespace {

struct NocOptions {
  std::string topology = "butterfly", expansion, traffic = "uniform", fidelity = "fast";
  std::int64_t ports = 64, packet_flits = 4, cycles = 2000, warmup = -1, hop_latency = 1, buffer_flits = 0,
               flit_bytes = 32;
  double injection_rate = 0.1;
  std::string rates, outdir;  // a latency-throughput curve: the rates, and where to write it
  std::uint64_t seed = 1;
  bool describe = false, json = false, adaptive = false, plot = false;
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

// "0.05:0.6:0.05" (from, to, step; both ends in) or "0.1,0.2,0.4".
std::vector<double> parse_rates(const std::string& text) {
  std::vector<double> rates;
  auto number = [&](const std::string& part) {
    char* end = nullptr;
    const double value = std::strtod(part.c_str(), &end);
    if (part.empty() || end != part.c_str() + part.size() || !(value > 0 && value <= 1))
      throw noc_error("--rates " + text, "expected rates in (0, 1] as FROM:TO:STEP or a comma list");
    return value;
  };
  if (text.find(':') != std::string::npos) {
    std::vector<double> parts;
    std::size_t from = 0;
    for (std::size_t at; (at = text.find(':', from)) != std::string::npos; from = at + 1) parts.push_back(number(text.substr(from, at - from)));
    parts.push_back(number(text.substr(from)));
    if (parts.size() != 3 || parts[1] < parts[0])
      throw noc_error("--rates " + text, "expected FROM:TO:STEP with FROM <= TO");
    for (int k = 0;; ++k) {
      const double rate = parts[0] + k * parts[2];
      if (rate > parts[1] + 1e-9) break;
      rates.push_back(std::min(rate, 1.0));
      if (rates.size() > 1000) throw noc_error("--rates " + text, "more than 1000 rates");
    }
  } else {
    std::size_t from = 0;
    for (std::size_t at; (at = text.find(',', from)) != std::string::npos; from = at + 1) rates.push_back(number(text.substr(from, at - from)));
    rates.push_back(number(text.substr(from)));
  }
  return rates;
}

// Packets waiting or in flight beyond this: the offered load exceeds what the network accepts
// (its source queues grow without end), and the run stops there. It bounds memory at any rate.
constexpr std::uint64_t kMaxBacklogPackets = 100000;

// Latencies as counts per value: exact mean and percentiles in memory that does not grow with
// the run.
struct LatencyCounts {
  std::map<std::uint64_t, std::uint64_t> counts;
  std::uint64_t total = 0;
  double sum = 0;
  void add(std::uint64_t latency) {
    ++counts[latency];
    ++total;
    sum += static_cast<double>(latency);
  }
  std::uint64_t percentile(std::uint64_t permille) const {
    if (total == 0) return 0;
    const std::uint64_t rank = std::min(total - 1, total * permille / 1000);
    std::uint64_t seen = 0;
    for (const auto& [latency, count] : counts) {
      seen += count;
      if (seen > rank) return latency;
    }
    return counts.rbegin()->first;
  }
};

// One injection rate: the traffic made cycle by cycle and fed to the network as it goes, so
// memory follows the packets in flight, not the cycles.
// `cycles`, `warmup`: injection and the cycles before measuring.
nlohmann::ordered_json simulate_rate(const NocOptions& o, double rate, const Topology& topology,
                                     const NetworkGraph& graph, const NetworkParams& params, std::uint64_t cycles,
                                     std::uint64_t warmup) {
  const int ports = graph.terminals;
  const std::uint64_t max_cycles = cycles * 20 + 10000;
  std::unique_ptr<IncrementalNetwork> network;
  if (o.fidelity == "reference") network = std::make_unique<ReferenceNetwork>(graph, topology, params);
  else network = std::make_unique<FastNetwork>(graph, topology, params);
  TrafficGenerator traffic(o.traffic, ports, rate, static_cast<int>(o.packet_flits), o.seed);

  std::unordered_map<std::uint64_t, std::uint64_t> created;  // packets in flight: id -> cycle created
  LatencyCounts latencies;
  double offered = 0, accepted = 0;
  std::uint64_t packets = 0, measured = 0, last_tail = 0, injected_until = cycles;
  bool saturated = false, any_delivery = false;
  std::vector<Packet> batch;
  auto collect = [&] {
    for (const Delivery& delivery : network->take_deliveries()) {
      if (delivery.tail_cycle >= max_cycles) continue;
      auto at = created.find(delivery.id);
      const std::uint64_t born = at->second;
      created.erase(at);
      last_tail = std::max(last_tail, delivery.tail_cycle);
      any_delivery = true;
      if (delivery.tail_cycle >= warmup && delivery.tail_cycle < injected_until) accepted += static_cast<double>(o.packet_flits);
      if (born >= warmup) latencies.add(delivery.tail_cycle - born);
    }
  };
  auto start = std::chrono::steady_clock::now();
  constexpr std::uint64_t kChunk = 64;
  for (std::uint64_t t0 = 0; t0 < cycles; t0 += kChunk) {
    const std::uint64_t t1 = std::min(cycles, t0 + kChunk);
    batch.clear();
    for (std::uint64_t t = t0; t < t1; ++t) traffic.cycle(t, batch);
    for (const Packet& packet : batch) {
      created.emplace(packet.id, packet.created);
      if (packet.created >= warmup) {
        offered += packet.flits;
        ++measured;
      }
      network->add(packet);
    }
    packets += batch.size();
    network->advance(t1);
    collect();
    if (created.size() > kMaxBacklogPackets) {
      saturated = true;
      injected_until = t1;
      break;
    }
  }
  network->advance(max_cycles);
  collect();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (saturated && injected_until < cycles) {
    // Measure over the cycles the network could take, with the same share of warm-up: again,
    // injecting only until the backlog limit was reached (it ends the run at about that cycle).
    const std::uint64_t shorter = std::max<std::uint64_t>(1, injected_until > kChunk ? injected_until - kChunk : injected_until / 2);
    const std::uint64_t shorter_warmup = warmup * shorter / cycles;
    nlohmann::ordered_json out = simulate_rate(o, rate, topology, graph, params, shorter, shorter_warmup);
    out["saturated"] = true;
    out["injection_stopped_at_cycle"] = shorter;
    return out;
  }
  NetworkStats stats = network->stats();
  stats.cycles = any_delivery ? last_tail + 1 : 0;

  // Offered: flits created in the measurement window; accepted: flits whose tail arrived in it.
  const double window =
      static_cast<double>(injected_until - std::min(warmup, injected_until > 0 ? injected_until - 1 : 0)) * ports;
  nlohmann::ordered_json histogram = nlohmann::ordered_json::object();
  for (const auto& [latency, count] : latencies.counts) {
    std::uint64_t bucket = 1;
    while (bucket <= latency) bucket *= 2;
    const std::string key = "<" + std::to_string(bucket);
    histogram[key] = histogram.value(key, std::uint64_t{0}) + count;
  }
  std::uint64_t busiest = 0, total_busy = 0;
  for (auto busy : stats.output_busy_cycles) busiest = std::max(busiest, busy), total_busy += busy;
  const double horizon = static_cast<double>(std::max<std::uint64_t>(stats.cycles, 1));
  TechTable tech = load_tech_table("");
  const double injected_bytes = static_cast<double>(stats.flits_delivered) * params.flit_bytes;
  const std::uint64_t measured_delivered = latencies.total;

  nlohmann::ordered_json out;
  out["topology"] = topology.describe(o.ports);
  out["traffic"] = o.traffic;
  out["fidelity"] = o.fidelity;
  out["ports"] = ports;
  out["injection_rate"] = rate;
  out["offered"] = window > 0 ? offered / window : 0.0;
  out["accepted"] = window > 0 ? accepted / window : 0.0;
  out["avg_latency_cycles"] = latencies.total ? latencies.sum / static_cast<double>(latencies.total) : 0.0;
  out["p50_latency_cycles"] = latencies.percentile(500);
  out["p99_latency_cycles"] = latencies.percentile(990);
  out["measured_packets"] = measured;
  out["undelivered_measured_packets"] = measured - measured_delivered;
  // Saturated: the network accepts clearly less than is offered (its source queues grow), or
  // the backlog limit stopped the injection.
  const bool falls_behind = offered > 0 && accepted < 0.95 * offered;
  out["saturated"] = saturated || falls_behind;
  if (saturated) out["injection_stopped_at_cycle"] = injected_until;
  out["flit_hops"] = stats.flit_hops;
  out["stall_cycles"] = stats.stall_cycles;
  out["max_link_utilization"] = static_cast<double>(busiest) / horizon;
  out["mean_link_utilization"] =
      stats.output_busy_cycles.empty() ? 0.0 : static_cast<double>(total_busy) / horizon / static_cast<double>(stats.output_busy_cycles.size());
  out["energy_j"] = injected_bytes * tech.interconnect_w_per_byte_switch * topology.switch_factor(o.ports) / ports / 1e9;
  out["latency_histogram"] = histogram;
  out["simulated_cycles"] = stats.cycles;
  out["wall_seconds"] = wall;
  out["packets"] = packets;
  out["packets_per_second"] = wall > 0 ? static_cast<double>(packets) / wall : 0.0;
  return out;
}

// The curve as DIR/noc_curve.csv and .json, and with --plot a plot of it (scripts/plot_results.py).
void write_curve(const NocOptions& o, const std::vector<nlohmann::ordered_json>& points, const std::string& topology) {
  std::filesystem::create_directories(o.outdir);
  std::string csv = "topology,traffic,ports,injection_rate,offered,accepted,avg_latency_cycles,p50_latency_cycles,"
                    "p99_latency_cycles,saturated,max_link_utilization,energy_j\n";
  for (const auto& p : points)
    csv += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{}\n", csv_field(topology), p["traffic"].get<std::string>(),
                       p["ports"].get<int>(), p["injection_rate"].get<double>(), p["offered"].get<double>(),
                       p["accepted"].get<double>(), p["avg_latency_cycles"].get<double>(),
                       p["p50_latency_cycles"].get<std::uint64_t>(), p["p99_latency_cycles"].get<std::uint64_t>(),
                       p["saturated"].get<bool>() ? 1 : 0, p["max_link_utilization"].get<double>(),
                       p["energy_j"].get<double>());
  const std::string base = (std::filesystem::path(o.outdir) / "noc_curve").string();
  write_file_atomically(base + ".csv", csv);
  write_file_atomically(base + ".json", nlohmann::ordered_json(points).dump(2) + "\n");
  std::cout << "  curve in          " << base << ".csv, " << base << ".json\n";
  if (!o.plot) return;
  const std::string command = "/usr/bin/python3 '" + repository_root() + "/scripts/plot_results.py' noc '" + base +
                              ".csv' -o '" + base + "'";
  std::cout << std::flush;
  if (std::system(command.c_str()) != 0)
    throw ConfigError(SourceLocation{"command line", 0, "--plot"}, "",
                      "the plot failed (needs Debian's python3-matplotlib: scripts/plot installs it); the curve is in " +
                          base + ".csv");
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

  if (o.plot && o.outdir.empty()) throw noc_error("--plot", "needs --out DIR (the curve's files go there)");
  std::vector<double> rates = {o.injection_rate};
  if (!o.rates.empty()) rates = parse_rates(o.rates);
  if (is_permutation_pattern(o.traffic)) topology->prepare_permutation(graph, pattern_permutation(o.traffic, ports, o.seed));
  std::vector<nlohmann::ordered_json> points;
  const auto cycles = static_cast<std::uint64_t>(o.cycles);
  const std::uint64_t warmup = o.warmup >= 0 ? static_cast<std::uint64_t>(o.warmup) : cycles / 4;
  for (double rate : rates) points.push_back(simulate_rate(o, rate, *topology, graph, params, cycles, warmup));
  if (rates.size() == 1 && o.rates.empty()) {
    const auto& out = points.front();
    if (o.json) std::cout << out.dump(2) << "\n";
    else for (auto it = out.begin(); it != out.end(); ++it) std::cout << it.key() << ": " << it.value().dump() << "\n";
    return 0;
  }
  // The latency-throughput curve: a row per rate, and the table as CSV (and a plot) with --out.
  if (o.json) {
    std::cout << nlohmann::ordered_json(points).dump(2) << "\n";
  } else {
    std::cout << fmt::format("noc: {}, {} traffic, {} ports, {}-flit packets, {} cycles\n", topology->describe(o.ports),
                             o.traffic, ports, o.packet_flits, o.cycles)
              << fmt::format("  {:>9} {:>9} {:>9} {:>12} {:>12} {:>10}\n", "rate", "offered", "accepted",
                             "avg latency", "p99 latency", "saturated");
    for (const auto& point : points)
      std::cout << fmt::format("  {:>9.4f} {:>9.4f} {:>9.4f} {:>12.1f} {:>12} {:>10}\n",
                               point["injection_rate"].get<double>(), point["offered"].get<double>(),
                               point["accepted"].get<double>(), point["avg_latency_cycles"].get<double>(),
                               point["p99_latency_cycles"].get<std::uint64_t>(),
                               point["saturated"].get<bool>() ? "yes" : "no");
  }
  if (!o.outdir.empty()) write_curve(o, points, topology->describe(o.ports));
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
  noc->add_option("--rates", o.rates,
                  "a latency-throughput curve: rates FROM:TO:STEP (e.g. 0.05:0.6:0.05) or a comma list");
  noc->add_option("-o,--out", o.outdir, "write the curve to DIR/noc_curve.csv and .json");
  noc->add_flag("--plot", o.plot, "with --out: also plot the curve (DIR/noc_curve.png, .pdf)");
  noc->callback([options, &exit_code] { exit_code = run_noc(*options); });
}

}  // namespace sosasim
