#include "sim/serving_phases.h"

#include <algorithm>
#include <cctype>
#include <cmath>

#include <spdlog/spdlog.h>

#include "sim/system/system.h"

namespace sosasim {

namespace {

void add_activity(ActivityCounts& into, const ActivityCounts& part, std::uint64_t times) {
  const double t = static_cast<double>(times);
  into.macs += part.macs * times;
  into.sram_bytes += part.sram_bytes * t;
  for (std::size_t n = 0; n < into.network_bytes.size(); ++n) into.network_bytes[n] += part.network_bytes[n] * t;
  into.dram_bytes += part.dram_bytes * t;
  into.additions += part.additions * times;
  into.outputs += part.outputs * t;
}

void add_bytes(OperandBytes& into, const OperandBytes& part, double t) {
  into.sram_x_read += part.sram_x_read * t;
  into.sram_x_write += part.sram_x_write * t;
  into.sram_w_read += part.sram_w_read * t;
  into.sram_w_write += part.sram_w_write * t;
  into.sram_p_in_read += part.sram_p_in_read * t;
  into.sram_p_out_write += part.sram_p_out_write * t;
  into.dram_x_read += part.dram_x_read * t;
  into.dram_w_read += part.dram_w_read * t;
  into.dram_spill_write += part.dram_spill_write * t;
  into.dram_spill_read += part.dram_spill_read * t;
}

// A layer's role, without its decoder layer and request ("layers.3.r2.attn.qk" -> "attn.qk").
std::string role_of(const std::string& name) {
  std::string role = name;
  auto strip = [&](const std::string& head) {
    if (role.rfind(head, 0) != 0) return false;
    const std::size_t dot = role.find('.', head.size());
    if (dot == std::string::npos || dot == head.size() ||
        !std::all_of(role.begin() + static_cast<std::ptrdiff_t>(head.size()), role.begin() + static_cast<std::ptrdiff_t>(dot),
                     [](unsigned char c) { return std::isdigit(c); }))
      return false;
    role = role.substr(dot + 1);
    return true;
  };
  strip("layers.");
  strip("r");
  return role;
}

}  // namespace

PhaseRunner::PhaseRunner(const SimConfig& config, const LlmModel& model)
    : config_(config), model_(model), shape_{config.partition_rows(), config.array.rows, config.array.cols} {
  total_.workloads.push_back(WorkloadResult{model.name, "<serving " + model.name + ">", 0, 0, 0});
}

PhaseRunner::Cost PhaseRunner::iteration(const std::vector<LlmSequence>& batch) {
  const double dram_before = total_.dram_busy_cycles;
  const auto stream_before = total_.pod_stream_cycles;
  std::int64_t tokens = 0, emitting = 0;
  for (const auto& s : batch) {
    tokens += s.new_tokens;
    emitting += s.emits_token ? 1 : 0;
  }
  const auto layers = static_cast<std::uint64_t>(model_.layers);
  std::uint64_t cycles = 0;
  // The projections and the MLP run at the padded token count (serving.batching.token_buckets);
  // their useful MACs are the real tokens' share.
  const std::int64_t padded = padded_tokens(tokens);
  padding_tokens_ += static_cast<std::uint64_t>(padded - tokens);
  const LlmSequence linear{padded, padded, false};
  const double real_p = real_share(LlmPhase::Projections, tokens, padded);
  const double real_o = real_share(LlmPhase::OutputMlp, tokens, padded);
  // Attention reads whole KV blocks (the paged cache's unit; the slots past the context are
  // read and masked), and with token buckets its new tokens are padded too.
  std::vector<LlmSequence> attended;
  std::vector<double> real_a;
  for (const auto& s : batch) {
    const std::int64_t block = config_.serving.block_tokens;
    const LlmSequence read{padded_tokens(s.new_tokens), (s.context + block - 1) / block * block, s.emits_token};
    attended.push_back(read);
    real_a.push_back(static_cast<double>(s.new_tokens * s.context) / static_cast<double>(read.new_tokens * read.context));
  }
  if (config_.serving.reuse) {
    cycles += add(phase(LlmPhase::Projections, linear, ""), layers, real_p);
    for (std::size_t i = 0; i < batch.size(); ++i) cycles += add(phase(LlmPhase::Attention, attended[i], ""), layers, real_a[i]);
    cycles += add(phase(LlmPhase::OutputMlp, linear, ""), layers, real_o);
  } else {
    for (std::uint64_t l = 0; l < layers; ++l) {
      const std::string prefix = "layers." + std::to_string(l) + ".";
      cycles += add(simulate(LlmPhase::Projections, linear, prefix), 1, real_p);
      for (std::size_t i = 0; i < batch.size(); ++i)
        cycles += add(simulate(LlmPhase::Attention, attended[i], prefix + "r" + std::to_string(i) + "."), 1, real_a[i]);
      cycles += add(simulate(LlmPhase::OutputMlp, linear, prefix), 1, real_o);
    }
  }
  if (emitting > 0) {  // (the LM head's rows are padded too)
    const std::int64_t rows = padded_tokens(emitting);
    const LlmSequence head{rows, rows, true};
    cycles += add(config_.serving.reuse ? phase(LlmPhase::Head, head, "") : simulate(LlmPhase::Head, head, ""), 1,
                  static_cast<double>(emitting) / static_cast<double>(rows));
  }
  return Cost{cycles, total_.dram_busy_cycles - dram_before,
              static_cast<double>(total_.pod_stream_cycles - stream_before) / static_cast<double>(config_.pods)};
}

const SimulationResult& PhaseRunner::total() {
  total_.workloads[0].end_cycle = total_.cycles;
  total_.workloads[0].useful_macs = total_.useful_macs;
  return total_;
}

std::int64_t PhaseRunner::padded_tokens(std::int64_t tokens) const {
  for (std::int64_t bucket : config_.serving.token_buckets)
    if (bucket >= tokens) return bucket;
  return tokens;
}

double PhaseRunner::real_share(LlmPhase kind, std::int64_t tokens, std::int64_t padded) {
  if (tokens == padded) return 1.0;
  // (a phase's MACs by shape, built once: every padded iteration asks)
  auto macs = [&](std::int64_t t) {
    auto [at, added] = phase_macs_.try_emplace(to_string(kind) + ":" + std::to_string(t), 0.0);
    if (added) at->second = static_cast<double>(llm_phase(model_, kind, LlmSequence{t, t, false}, true, "").total_macs());
    return at->second;
  };
  return macs(tokens) / macs(padded);
}

const SimulationResult& PhaseRunner::phase(LlmPhase kind, const LlmSequence& shape, const std::string& prefix) {
  const std::string key = to_string(kind) + ":" + std::to_string(shape.new_tokens) + ":" +
                          (kind == LlmPhase::Attention ? std::to_string(shape.context) : "");
  auto found = cache_.find(key);
  if (found != cache_.end()) {
    ++reused_;
    return found->second;
  }
  return cache_.emplace(key, simulate(kind, shape, prefix)).first->second;
}

SimulationResult PhaseRunner::simulate(LlmPhase kind, const LlmSequence& shape, const std::string& prefix) {
  Workload workload = llm_phase(model_, kind, shape, !config_.serving.kv_in_sram, prefix);
  for (const auto& layer : workload.layers) check_simulable(layer, workload.path, shape_);
  ++simulated_;
  SimulationResult result = run_simulation(config_, {workload});
  spdlog::debug("serving phase {} of {} new tokens (context {}): {} cycles, {:.3f} s", to_string(kind), shape.new_tokens,
                shape.context, result.cycles, result.wall_seconds);
  wall_seconds_ += result.wall_seconds;
  total_.wall_seconds = wall_seconds_;
  return result;
}

std::uint64_t PhaseRunner::add(const SimulationResult& r, std::uint64_t times, double real) {
  const double t = static_cast<double>(times);
  auto useful = [&](std::uint64_t macs) {
    return real == 1.0 ? macs * times : static_cast<std::uint64_t>(std::llround(static_cast<double>(macs) * real * t));
  };
  total_.cycles += r.cycles * times;
  total_.useful_macs += useful(r.useful_macs);
  total_.tile_ops += r.tile_ops * times;
  total_.weight_loads += r.weight_loads * times;
  total_.rounds += r.rounds * times;
  total_.round_placements_blocked += r.round_placements_blocked * times;
  total_.round_chained_partial_sums += r.round_chained_partial_sums * times;
  total_.round_post_processor_ops += r.round_post_processor_ops * times;
  total_.free_partial_tiles += r.free_partial_tiles * times;
  total_.free_partial_bytes += r.free_partial_bytes * t;
  total_.local_partial_tiles += r.local_partial_tiles * times;
  total_.chained_partial_tiles += r.chained_partial_tiles * times;
  total_.tree_partial_tiles += r.tree_partial_tiles * times;
  total_.chained_partial_bytes += r.chained_partial_bytes * t;
  total_.tree_partial_bytes += r.tree_partial_bytes * t;
  for (const auto& n : r.networks) {
    auto it = std::find_if(total_.networks.begin(), total_.networks.end(), [&](const auto& m) { return m.name == n.name; });
    if (it == total_.networks.end()) it = total_.networks.insert(total_.networks.end(), SimulationResult::NetworkUse{n.name});
    it->transfers += n.transfers * times;
    it->joined += n.joined * times;
    it->flit_hops += n.flit_hops * times;
    it->wait_cycles += n.wait_cycles * times;
    it->bank_port_wait_cycles += n.bank_port_wait_cycles * times;
  }
  for (const auto& s : r.pod_stats) {
    auto it = std::find_if(total_.pod_stats.begin(), total_.pod_stats.end(), [&](const auto& m) { return m.name == s.name; });
    if (it == total_.pod_stats.end()) it = total_.pod_stats.insert(total_.pod_stats.end(), SimulationResult::Stat{s.name, s.unit, s.description, 0});
    it->value += s.value * times;
  }
  total_.pod_stream_cycles += r.pod_stream_cycles * times;
  total_.operand_wait_cycles += r.operand_wait_cycles * times;
  total_.reduction_wait_pod_cycles += r.reduction_wait_pod_cycles * times;
  total_.dram_busy_cycles += r.dram_busy_cycles * t;
  add_activity(total_.activity, r.activity, times);
  add_bytes(total_.bytes, r.bytes, t);
  for (const auto& layer : r.layers) {
    const std::string role = role_of(layer.layer.name);
    auto found = roles_.find(role);
    if (found == roles_.end()) {
      found = roles_.emplace(role, total_.layers.size()).first;
      LayerResult first = layer;
      first.layer.name = role;
      first.tile_ops = first.useful_macs = first.weight_loads = 0;
      first.start_cycle = first.end_cycle = 0;
      first.activity = ActivityCounts{};
      first.stream_pod_cycles = first.weight_load_stall_pod_cycles = first.input_network_stall_pod_cycles = 0;
      first.dram_wait_pod_cycles = first.reduction_tail_cycles = 0;
      total_.layers.push_back(first);
    }
    LayerResult& sum = total_.layers[found->second];
    sum.tile_ops += layer.tile_ops * times;
    sum.useful_macs += useful(layer.useful_macs);
    sum.weight_loads += layer.weight_loads * times;
    sum.end_cycle += layer.cycles() * times;  // (cycles the role's layers ran, summed)
    ActivityCounts activity = layer.activity;
    activity.outputs = static_cast<double>(layer.layer.M * layer.layer.N * layer.layer.count);
    add_activity(sum.activity, activity, times);
    sum.stream_pod_cycles += layer.stream_pod_cycles * times;
    sum.weight_load_stall_pod_cycles += layer.weight_load_stall_pod_cycles * times;
    sum.input_network_stall_pod_cycles += layer.input_network_stall_pod_cycles * times;
    sum.dram_wait_pod_cycles += layer.dram_wait_pod_cycles * times;
    sum.reduction_tail_cycles += layer.reduction_tail_cycles * times;
  }
  return r.cycles * times;
}

}  // namespace sosasim
