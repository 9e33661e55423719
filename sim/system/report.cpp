#include "sim/system/report.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <spdlog/fmt/fmt.h>

#include "arch/format.h"
#include "arch/power.h"
#include "arch/tech.h"
#include "interconnect/topology.h"
#include "sim/kernel/config.h"
#include "sim/kernel/errors.h"
#include "sim/kernel/files.h"
#include "sim/kernel/metrics.h"
#include "sim/system/run_stats.h"
#include "workloads/csv.h"

namespace sosasim {

namespace fs = std::filesystem;

namespace {

MachineShape shape_of(const SimConfig& config) {
  return MachineShape{config.array.rows, config.array.cols, config.pods, config.frequency_ghz};
}

// The topology, or each network's where they differ.
std::string describe_networks(const SimConfig& config) {
  if (config.interconnect.uniform()) return make_topology(config.interconnect.params)->describe(config.pods);
  std::string described;
  for (std::size_t n = 0; n < config.interconnect.networks.size(); ++n)
    described += std::string(n ? ", " : "") + "XWP"[n] + ": " +
                 make_topology(config.interconnect.networks[n])->describe(config.pods);
  return described;
}

std::string sparsity_name(const SparsitySpec& sparsity) {
  return sparsity.dense() ? "dense" : std::to_string(sparsity.keep) + ":" + std::to_string(sparsity.group);
}

// layers.csv: per layer its shape, timing, where its pod-cycles went, its energy and its bytes.
std::string layers_csv(const SimConfig& config, const SimulationResult& result,
                       const std::vector<EnergyBreakdown>& energy) {
  std::ostringstream csv;
  csv << "workload,layer,M,K,N,count,tile_ops,weight_loads,start_cycle,end_cycle,cycles,useful_macs,utilization,"
         "format,sparsity,stream_pod_cycles,weight_load_stall_pod_cycles,input_network_stall_pod_cycles,"
         "dram_wait_pod_cycles,reduction_tail_cycles,energy_j,mac_j,sram_j,interconnect_j,dram_j,post_processor_j,"
         "sram_bytes,x_network_bytes,w_network_bytes,p_network_bytes,dram_bytes,placement,chunks,row_blocks,"
         "k_segments\n";
  const double pe_count = static_cast<double>(config.array.rows * config.array.cols * config.pods);
  for (std::size_t l = 0; l < result.layers.size(); ++l) {
    const LayerResult& layer = result.layers[l];
    const double cycles = static_cast<double>(layer.cycles());
    const double utilization = cycles > 0 ? static_cast<double>(layer.useful_macs) / (cycles * pe_count) : 0.0;
    const EnergyBreakdown& e = energy[l];
    const ActivityCounts& a = layer.activity;
    csv << csv_field(result.workloads[layer.workload].name) << ',' << csv_field(layer.layer.name) << ','
        << layer.layer.M << ',' << layer.layer.K << ',' << layer.layer.N << ',' << layer.layer.count << ','
        << layer.tile_ops << ',' << layer.weight_loads << ',' << layer.start_cycle << ',' << layer.end_cycle << ','
        << layer.cycles() << ',' << layer.useful_macs << ',' << fmt::format("{:.6f}", utilization) << ','
        << format_name(layer.format) << ',' << sparsity_name(layer.sparsity) << ',' << layer.stream_pod_cycles << ','
        << layer.weight_load_stall_pod_cycles << ',' << layer.input_network_stall_pod_cycles << ','
        << layer.dram_wait_pod_cycles << ',' << layer.reduction_tail_cycles
        << fmt::format(",{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},{:.9g},{:.0f},{:.0f},{:.0f},{:.0f},{:.0f}", e.total_j(),
                       e.mac_j, e.sram_j, e.interconnect_j, e.dram_j, e.post_processor_j, a.sram_bytes,
                       a.network_bytes[0], a.network_bytes[1], a.network_bytes[2], a.dram_bytes)
        << ',' << layer.placement << ',' << layer.chunks << ',' << layer.row_blocks << ',' << layer.k_segments
        << '\n';
  }
  return csv.str();
}

}  // namespace

std::array<double, 3> switch_factors(const SimConfig& config) {
  std::array<double, 3> factors{};
  for (std::size_t n = 0; n < factors.size(); ++n)
    factors[n] = make_topology(config.interconnect.networks[n])->switch_factor(config.pods);
  return factors;
}

nlohmann::ordered_json machine_figures(const SimConfig& config) {
  TechTable tech = load_tech_table(config.power.tech_file);
  PowerInputs inputs = power_inputs(config, switch_factors(config));
  PeakPower peak = peak_power(inputs, tech);
  Area area = chip_area(inputs, tech);
  nlohmann::ordered_json figures;
  figures["peak_tops"] = peak_tops(shape_of(config));
  figures["peak_power_w"] = peak.total_w();
  figures["peak_power_breakdown_w"] = {
      {"sram", peak.sram_w}, {"mac", peak.mac_w}, {"interconnect", peak.interconnect_w}};
  figures["sram_bytes_per_pod_cycle"] = peak_sram_bytes_per_pod_cycle(inputs);
  figures["switch_factor"] = inputs.switch_factors[0];
  if (!config.interconnect.uniform())
    figures["switch_factors"] = {{"x", inputs.switch_factors[0]}, {"w", inputs.switch_factors[1]},
                                 {"p", inputs.switch_factors[2]}};
  figures["topology"] = describe_networks(config);
  figures["area_mm2"] = {{"mac", area.mac_mm2},
                         {"sram", area.sram_mm2},
                         {"converter", area.converter_mm2},
                         {"total", area.total_mm2()}};
  figures["technology"] = tech.name;
  return figures;
}

RunReport build_report(const SimConfig& config, const SimulationResult& result) {
  TechTable tech = load_tech_table(config.power.tech_file);
  PowerInputs inputs = power_inputs(config, switch_factors(config));
  PeakPower peak = peak_power(inputs, tech);
  // Energy layer by layer: each layer's activity at its own format's per-action energies.
  EnergyBreakdown energy;
  std::vector<EnergyBreakdown> layer_energy;
  for (const auto& layer : result.layers) {
    PowerInputs layer_inputs = inputs;
    layer_inputs.format = layer.format;
    ActivityCounts activity = layer.activity;
    // (a serving run's layers, each summed over phases of different shapes, count their own outputs)
    if (activity.outputs == 0) activity.outputs = static_cast<double>(layer.layer.M * layer.layer.N * layer.layer.count);
    EnergyBreakdown part = activity_energy(layer_inputs, tech, activity);
    layer_energy.push_back(part);
    energy.mac_j += part.mac_j;
    energy.sram_j += part.sram_j;
    energy.interconnect_j += part.interconnect_j;
    energy.dram_j += part.dram_j;
    energy.post_processor_j += part.post_processor_j;
  }
  Area area = chip_area(inputs, tech);
  MachineShape shape = shape_of(config);
  Metrics m = compute_metrics(shape, result.cycles, result.useful_macs, peak.total_w(), config.power.budget_w,
                              energy.total_j());

  RunReport report;
  auto& s = report.summary;
  s["cycles"] = m.cycles;
  s["useful_macs"] = m.useful_macs;
  s["ops"] = m.ops;
  s["effective_tops"] = m.effective_tops;
  s["peak_tops"] = m.peak_tops;
  s["utilization"] = m.utilization;
  s["peak_power_w"] = m.peak_power_w;
  s["tops_per_watt"] = m.tops_per_watt;
  s["budget_w"] = m.budget_w;
  s["iso_power_tops"] = m.iso_power_tops;
  s["energy_j"] = m.energy_j;
  s["runtime_s"] = m.runtime_s;
  s["avg_power_w"] = m.avg_power_w;
  s["tops_per_watt_energy"] = m.tops_per_watt_energy;
  s["area_mm2"] = area.total_mm2();
  s["tops_per_mm2"] = area.total_mm2() > 0 ? m.effective_tops / area.total_mm2() : 0.0;
  s["peak_power_breakdown_w"] = {{"sram", peak.sram_w}, {"mac", peak.mac_w}, {"interconnect", peak.interconnect_w}};
  s["energy_breakdown_j"] = {{"mac", energy.mac_j}, {"sram", energy.sram_j},
                             {"interconnect", energy.interconnect_j}, {"dram", energy.dram_j},
                             {"post_processor", energy.post_processor_j}};
  s["area_breakdown_mm2"] = {{"mac", area.mac_mm2}, {"sram", area.sram_mm2}, {"converter", area.converter_mm2}};
  s["activity"] = {{"macs", result.activity.macs}, {"sram_bytes", result.activity.sram_bytes},
                   {"network_bytes", result.activity.network_total()},
                   {"network_bytes_by_network", {{"x", result.activity.network_bytes[kInputNetwork]},
                                                 {"w", result.activity.network_bytes[kWeightNetwork]},
                                                 {"p", result.activity.network_bytes[kPartialSumNetwork]}}},
                   {"dram_bytes", result.activity.dram_bytes},
                   {"post_processor_additions", result.activity.additions}};
  // Declared with their units and meaning in sim/system/run_stats.h.
  s["stats"] = nlohmann::ordered_json::object();
  for (const RunStat& stat : run_stat_table())
    if (stat.reported(result)) s["stats"][stat.declared.name] = stat.value(result, config);
  for (const auto& network : result.networks) {
    auto& entry = s["networks"][network.name] = nlohmann::ordered_json::object();
    for (const NetworkStat& stat : network_stat_table()) entry[stat.declared.name] = stat.value(network);
  }
  // Where the pods' X ports spent their cycles: each pod-cycle in exactly one bucket.
  std::uint64_t weight_load_stall = 0, network_stall = 0;
  for (const auto& stat : result.pod_stats) {
    if (stat.name == "weight_load_stall_cycles") weight_load_stall = stat.value;
    if (stat.name == "input_network_stall_cycles") network_stall = stat.value;
  }
  double total_pod_cycles = static_cast<double>(result.cycles) * static_cast<double>(config.pods);
  double accounted = static_cast<double>(result.pod_stream_cycles + weight_load_stall + network_stall +
                                         result.operand_wait_cycles + result.reduction_wait_pod_cycles);
  s["pod_cycle_breakdown"] = {{"streaming", result.pod_stream_cycles},
                              {"waiting_for_weight_load", weight_load_stall},
                              {"waiting_for_input_network", network_stall},
                              {"waiting_for_dram", result.operand_wait_cycles},
                              {"waiting_for_reduction", result.reduction_wait_pod_cycles},
                              {"other_idle", std::max(0.0, total_pod_cycles - accounted)},
                              {"note", "other_idle: fill and drain of a pod's last op, layer barriers, rounds, no work"}};
  const OperandBytes& b = result.bytes;
  auto& bytes = s["bytes_by_operand"] = nlohmann::ordered_json::object();
  for (const auto& [name, value] : std::vector<std::pair<const char*, double>>{
           {"sram_x_read", b.sram_x_read},           {"sram_x_write", b.sram_x_write},
           {"sram_w_read", b.sram_w_read},           {"sram_w_write", b.sram_w_write},
           {"sram_p_in_read", b.sram_p_in_read},     {"sram_p_out_write", b.sram_p_out_write},
           {"dram_x_read", b.dram_x_read},           {"dram_w_read", b.dram_w_read},
           {"dram_spill_write", b.dram_spill_write}, {"dram_spill_read", b.dram_spill_read}})
    if (value > 0) bytes[name] = value;
  auto& pod_stats = s["pod_stats"] = nlohmann::ordered_json::object();
  for (const auto& stat : result.pod_stats)
    pod_stats[stat.name] = {{"value", stat.value}, {"unit", stat.unit}, {"description", stat.description}};
  s["topology"] = describe_networks(config);
  s["technology"] = tech.name;

  std::vector<double> workload_tops, workload_iso;
  auto& workloads = s["workloads"] = nlohmann::ordered_json::array();
  for (const auto& w : result.workloads) {
    Metrics wm = compute_metrics(shape, w.cycles(), w.useful_macs, peak.total_w(), config.power.budget_w, 0.0);
    workloads.push_back({{"name", w.name},
                         {"trace", w.trace_path},
                         {"start_cycle", w.start_cycle},
                         {"end_cycle", w.end_cycle},
                         {"cycles", wm.cycles},
                         {"useful_macs", wm.useful_macs},
                         {"effective_tops", wm.effective_tops},
                         {"utilization", wm.utilization},
                         {"tops_per_watt", wm.tops_per_watt},
                         {"iso_power_tops", wm.iso_power_tops}});
    workload_tops.push_back(wm.effective_tops);
    workload_iso.push_back(wm.iso_power_tops);
  }
  s["hmean_effective_tops"] = harmonic_mean(workload_tops);
  s["hmean_iso_power_tops"] = harmonic_mean(workload_iso);
  // N:M sparsity: the pods skip pruned weights, and effective TOPS count the MACs executed (the
  // kept weights'), so a sparse run is faster at about the same TOPS. What the dense layers'
  // MACs in the same time would be, for comparison with a dense design:
  std::size_t sparse_layers = 0;
  double dense_macs = 0;
  for (const auto& layer : result.layers) {
    sparse_layers += layer.sparsity.dense() ? 0 : 1;
    dense_macs += static_cast<double>(layer.layer.macs());
  }
  const double dense_equivalent_tops =
      m.runtime_s > 0 ? 2.0 * dense_macs / m.runtime_s / 1e12 : 0.0;
  if (sparse_layers > 0)
    s["sparsity"] = {{"sparse_layers", sparse_layers},
                     {"layers", result.layers.size()},
                     {"executed_macs", result.useful_macs},
                     {"dense_macs", dense_macs},
                     {"dense_equivalent_tops", dense_equivalent_tops},
                     {"dense_equivalent_tops_per_watt", m.peak_power_w > 0 ? dense_equivalent_tops / m.peak_power_w : 0.0},
                     {"note", "effective_tops and tops_per_watt count the MACs executed (kept weights); the "
                              "dense_equivalent figures count the dense layers' MACs in the same time"}};
  s["simulator"] = {{"version", SOSASIM_VERSION},
                    {"wall_seconds", result.wall_seconds},
                    {"tile_ops_per_second", result.wall_seconds > 0 ? static_cast<double>(result.tile_ops) / result.wall_seconds : 0.0}};
  s["config"] = config.resolved;

  report.layers_csv = layers_csv(config, result, layer_energy);

  report.text = fmt::format(
      "sosasim: {} pods of {}x{}, {}, {}, {:.3g} GHz\n"
      "  workloads          {}\n"
      "  cycles             {}\n"
      "  effective TOPS     {:.1f} of {:.1f} peak (utilization {:.1f} %)\n"
      "  peak power         {:.1f} W (SRAM {:.1f} + MAC {:.1f} + interconnect {:.1f})\n"
      "  TOPS/W             {:.3f} (effective TOPS / peak power)\n"
      "  iso-power TOPS     {:.1f} at {:.0f} W\n"
      "  energy             {:.4g} J, average {:.1f} W\n"
      "  simulated in       {:.3f} s ({} tile ops)\n",
      config.pods, config.array.rows, config.array.cols, describe_format(config.format), describe_networks(config),
      config.frequency_ghz, result.workloads.size(), m.cycles, m.effective_tops, m.peak_tops, 100.0 * m.utilization,
      m.peak_power_w, peak.sram_w, peak.mac_w, peak.interconnect_w, m.tops_per_watt, m.iso_power_tops,
      m.budget_w, m.energy_j, m.avg_power_w, result.wall_seconds, result.tile_ops);
  // Where tiles waited in the networks, and how many rode a multicast.
  std::string lines;
  for (const auto& network : result.networks) {
    if (network.transfers == 0) continue;
    const double transfers = static_cast<double>(network.transfers);
    lines += fmt::format("  {} network          {} transfers, {:.0f} % multicast copies, mean wait {:.1f} cycles "
                         "({:.1f} at the bank port)\n",
                         network.name == "x" ? "X" : network.name == "w" ? "W" : "P", network.transfers,
                         100.0 * static_cast<double>(network.joined) / transfers,
                         static_cast<double>(network.wait_cycles) / transfers,
                         static_cast<double>(network.bank_port_wait_cycles) / transfers);
  }
  if (result.rounds > 0)
    lines += fmt::format("  rounds             {} ({} placements refused for a busy route or bank port)\n",
                         result.rounds, result.round_placements_blocked);
  if (const auto sparsity = report.summary.find("sparsity"); sparsity != report.summary.end())
    lines += fmt::format("  sparsity           {} of {} layers N:M sparse: TOPS count the {:.3g} MACs executed, "
                         "not the dense {:.3g} (dense-equivalent {:.1f} TOPS, {:.3f} TOPS/W)\n",
                         (*sparsity)["sparse_layers"].get<std::size_t>(), result.layers.size(),
                         static_cast<double>(result.useful_macs), (*sparsity)["dense_macs"].get<double>(),
                         (*sparsity)["dense_equivalent_tops"].get<double>(),
                         (*sparsity)["dense_equivalent_tops_per_watt"].get<double>());
  if (result.free_partial_tiles > 0)
    lines += fmt::format("  partial sums       {} tiles ({:.1f} MB) of split K chains added at no cost "
                         "(tiling.k_reduction: free)\n",
                         result.free_partial_tiles, result.free_partial_bytes / 1e6);
  if (result.chained_partial_tiles + result.tree_partial_tiles > 0) {
    std::uint64_t tails = 0;
    for (const auto& layer : result.layers) tails += layer.reduction_tail_cycles;
    lines += fmt::format("  partial sums       {} K blocks accumulated on their pod; {} tiles ({:.1f} MB) chained into "
                         "an op, {} ({:.1f} MB) added on post-processors; reductions ran {} cycles past their layers' "
                         "last ops\n",
                         result.local_partial_tiles, result.chained_partial_tiles, result.chained_partial_bytes / 1e6,
                         result.tree_partial_tiles, result.tree_partial_bytes / 1e6, tails);
  }
  const auto insert_at = report.text.find("  simulated in");
  report.text.insert(insert_at, lines);
  return report;
}

void write_report(const RunReport& report, const SimConfig& config, const std::string& outdir) {
  fs::path dir(outdir);
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) throw ConfigError(SourceLocation{outdir, 0, ""}, "", "cannot create the output folder: " + error.message());
  write_file_atomically((dir / "config.resolved.yaml").string(), resolved_yaml(config));
  write_file_atomically((dir / "layers.csv").string(), report.layers_csv);
  write_file_atomically((dir / "summary.json").string(), report.summary.dump(2) + "\n");
}

}  // namespace sosasim
