#include "sim/serving.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "arch/format.h"
#include "sim/kernel/errors.h"
#include "sim/kernel/files.h"
#include "sim/system/report.h"
#include "sim/system/system.h"
#include "tiling/tiling.h"
#include "workloads/csv.h"
#include "workloads/llm.h"
#include "workloads/requests.h"

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

// Runs the phases of iterations on the cycle-level machine, reusing (serving.reuse) the result
// of a phase already simulated with the same shapes, and sums what they did into one result.
class PhaseRunner {
 public:
  PhaseRunner(const SimConfig& config, const LlmModel& model)
      : config_(config), model_(model), shape_{config.partition_rows(), config.array.rows, config.array.cols} {
    total_.workloads.push_back(WorkloadResult{model.name, "<serving " + model.name + ">", 0, 0, 0});
  }

  // The iteration's cycles and what bound them; its phases are added to the run's totals.
  struct Cost {
    std::uint64_t cycles = 0;
    double dram_busy_cycles = 0;   // cycles DRAM moved data
    double array_busy_cycles = 0;  // pod-cycles the arrays streamed, over the pods
  };
  Cost iteration(const std::vector<LlmSequence>& batch) {
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

  const SimulationResult& total() {
    total_.workloads[0].end_cycle = total_.cycles;
    total_.workloads[0].useful_macs = total_.useful_macs;
    return total_;
  }
  std::uint64_t simulated() const { return simulated_; }
  std::uint64_t reused() const { return reused_; }
  std::uint64_t padding_tokens() const { return padding_tokens_; }

 private:
  std::int64_t padded_tokens(std::int64_t tokens) const {
    for (std::int64_t bucket : config_.serving.token_buckets)
      if (bucket >= tokens) return bucket;
    return tokens;
  }
  // The real tokens' share of a padded phase's MACs.
  double real_share(LlmPhase kind, std::int64_t tokens, std::int64_t padded) {
    if (tokens == padded) return 1.0;
    auto macs = [&](std::int64_t t) {
      return static_cast<double>(llm_phase(model_, kind, LlmSequence{t, t, false}, true, "").total_macs());
    };
    return macs(tokens) / macs(padded);
  }

  const SimulationResult& phase(LlmPhase kind, const LlmSequence& shape, const std::string& prefix) {
    const std::string key = to_string(kind) + ":" + std::to_string(shape.new_tokens) + ":" +
                            (kind == LlmPhase::Attention ? std::to_string(shape.context) : "");
    auto found = cache_.find(key);
    if (found != cache_.end()) {
      ++reused_;
      return found->second;
    }
    return cache_.emplace(key, simulate(kind, shape, prefix)).first->second;
  }

  SimulationResult simulate(LlmPhase kind, const LlmSequence& shape, const std::string& prefix) {
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

  // Adds `times` runs of `r` to the totals, `real` of its useful MACs (the rest is padding);
  // returns their cycles.
  std::uint64_t add(const SimulationResult& r, std::uint64_t times, double real = 1.0) {
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

  const SimConfig& config_;
  const LlmModel& model_;
  TileShape shape_;
  std::map<std::string, SimulationResult> cache_;
  std::map<std::string, std::size_t> roles_;
  SimulationResult total_;
  std::uint64_t simulated_ = 0, reused_ = 0, padding_tokens_ = 0;
  double wall_seconds_ = 0;
};

struct Request {
  ServingRequest in;
  std::int64_t computed = 0;   // tokens whose K and V are in the cache
  std::int64_t generated = 0;  // output tokens emitted
  std::int64_t blocks = 0;     // KV blocks held
  std::int64_t preemptions = 0;
  double scheduled_s = -1, first_token_s = -1, done_s = -1;
  // Tokens whose K and V must be computed before it emits its next token (the prompt, and every
  // token it generated but the last; after a preemption it recomputes them all).
  std::int64_t needed() const { return in.prompt_tokens + generated; }
};

struct Percentiles {
  std::vector<double> values;
  nlohmann::ordered_json json() const {
    std::vector<double> v = values;
    std::sort(v.begin(), v.end());
    auto at = [&](double p) {  // linear between the closest ranks (numpy's default)
      if (v.empty()) return 0.0;
      const double rank = p * static_cast<double>(v.size() - 1);
      const auto low = static_cast<std::size_t>(std::floor(rank));
      const std::size_t high = std::min(low + 1, v.size() - 1);
      return v[low] + (v[high] - v[low]) * (rank - static_cast<double>(low));
    };
    double sum = 0;
    for (double x : v) sum += x;
    return {{"mean", v.empty() ? 0.0 : sum / static_cast<double>(v.size())},
            {"p50", at(0.5)}, {"p90", at(0.9)}, {"p99", at(0.99)}, {"max", v.empty() ? 0.0 : v.back()}};
  }
};

std::string number(double x) { return fmt::format("{:.9g}", x); }

}  // namespace

int run_serving(const SimConfig& config, const std::string& outdir, const std::string& timeline_path) {
  const ServingSpec& spec = config.serving;
  LlmModel model = load_llm_model(spec.model);
  model.expert_skew = spec.expert_skew;
  std::vector<ServingRequest> arrivals =
      spec.requests.empty() ? generate_requests(spec) : read_request_trace(spec.requests);

  // The KV cache: bytes per token at the config's format, blocks in the capacity.
  const double element_bytes = operand_bits(config.format) / 8.0;
  const double token_bytes = static_cast<double>(model.kv_elements_per_token()) * element_bytes;
  const double block_bytes = token_bytes * static_cast<double>(spec.block_tokens);
  const double gib = 1024.0 * 1024.0 * 1024.0;
  const double weight_bytes = static_cast<double>(model.gemm_weights() + model.vocab * model.hidden) * element_bytes;
  const SourceLocation capacity_where{config.source_file, 0, ""};
  double capacity = 0;
  if (spec.kv_in_sram) {
    const double banks = static_cast<double>(config.pods * config.sram.bank_kib) * 1024.0;
    capacity = spec.kv_capacity_gib > 0 ? spec.kv_capacity_gib * gib : banks;
    if (capacity > banks)
      throw ConfigError(capacity_where, "serving.kv_cache.capacity_gib",
                        fmt::format("{:.4g} GiB do not fit the W banks ({} pods x {} KiB = {:.4g} GiB)",
                                    spec.kv_capacity_gib, config.pods, config.sram.bank_kib, banks / gib));
  } else {
    const double left = config.dram.capacity_gib * gib - weight_bytes;
    if (left <= 0)
      throw ConfigError(capacity_where, "dram.capacity_gib",
                        fmt::format("{}'s weights ({:.4g} GiB at {}) do not fit {:.4g} GiB of DRAM", model.name,
                                    weight_bytes / gib, config.format.type, config.dram.capacity_gib));
    capacity = spec.kv_capacity_gib > 0 ? spec.kv_capacity_gib * gib : left;
    if (capacity > left)
      throw ConfigError(capacity_where, "serving.kv_cache.capacity_gib",
                        fmt::format("{:.4g} GiB of KV cache and {:.4g} GiB of weights exceed dram.capacity_gib ({:.4g})",
                                    spec.kv_capacity_gib, weight_bytes / gib, config.dram.capacity_gib));
  }
  const auto total_blocks = static_cast<std::int64_t>(std::floor(capacity / block_bytes));
  auto blocks_for = [&](std::int64_t tokens) { return (tokens + spec.block_tokens - 1) / spec.block_tokens; };
  for (const auto& r : arrivals) {
    const std::int64_t most = r.prompt_tokens + r.output_tokens - 1;  // the last token is never computed
    const std::string key = r.where.detail.empty() ? "" : r.where.detail;
    const SourceLocation where{r.where.file, r.where.line, ""};
    if (blocks_for(most) > total_blocks)
      throw ConfigError(where, key,
                        fmt::format("request {} ({} prompt + {} output tokens) needs {} KV blocks of {} tokens, more "
                                    "than the cache's {} ({:.4g} GiB at {:.0f} bytes per token): it can never run",
                                    r.id, r.prompt_tokens, r.output_tokens, blocks_for(most), spec.block_tokens,
                                    total_blocks, capacity / gib, token_bytes));
    if (!spec.chunked_prefill && most > spec.max_batched_tokens)
      throw ConfigError(where, key.empty() ? "serving.batching.max_batched_tokens" : key,
                        fmt::format("request {} may need {} tokens computed in one iteration (its prompt, or after a "
                                    "preemption its prompt and output), more than serving.batching.max_batched_tokens "
                                    "({}) with chunked_prefill off",
                                    r.id, most, spec.max_batched_tokens));
  }

  std::vector<Request> requests;
  for (auto& r : arrivals) requests.push_back(Request{std::move(r)});
  std::deque<std::size_t> waiting;  // arrived or not, in order (preempted ones return to the front)
  for (std::size_t i = 0; i < requests.size(); ++i) waiting.push_back(i);
  std::vector<std::size_t> running;  // in admission order
  std::int64_t free_blocks = total_blocks, peak_blocks = 0;
  PhaseRunner runner(config, model);
  const double cycle_s = 1.0 / (config.frequency_ghz * 1e9);
  double now = requests.empty() ? 0.0 : requests.front().in.arrival_s;
  std::uint64_t iterations = 0, preemptions = 0, prefill_tokens = 0, decode_tokens = 0, completed = 0;
  std::ostringstream iteration_csv;
  iteration_csv << "iteration,start_s,duration_s,cycles,requests,decode_tokens,prefill_tokens,context_tokens,emitted,kv_blocks,kv_bytes,"
                   "dram_busy_fraction,array_busy_fraction\n";
  nlohmann::json events = nlohmann::json::array();
  const bool timeline = !timeline_path.empty();

  auto preempt = [&](std::size_t victim) {
    Request& r = requests[victim];
    free_blocks += r.blocks;
    r.blocks = 0;
    r.computed = 0;
    ++r.preemptions;
    ++preemptions;
    running.erase(std::find(running.begin(), running.end(), victim));
    waiting.push_front(victim);
  };

  while (completed < requests.size()) {
    struct Scheduled {
      std::size_t request;
      std::int64_t tokens;
    };
    std::vector<Scheduled> batch;
    std::int64_t budget = spec.max_batched_tokens;
    // What request `id` computes next within the budget: all it needs, or with chunked prefill
    // as much as fits (0: a whole prompt that does not fit).
    auto next_tokens = [&](std::size_t id) {
      const std::int64_t tokens = requests[id].needed() - requests[id].computed;
      return tokens <= budget ? tokens : spec.chunked_prefill ? budget : 0;
    };
    auto more_blocks = [&](std::size_t id, std::int64_t tokens) {
      return blocks_for(requests[id].computed + tokens) - requests[id].blocks;
    };
    auto schedule = [&](std::size_t id, std::int64_t tokens, std::int64_t blocks) {
      free_blocks -= blocks;
      requests[id].blocks += blocks;
      batch.push_back({id, tokens});
      budget -= tokens;
    };
    bool preempted = false;
    // Running requests first, in admission order: a decode token, or the next prefill chunk.
    for (std::size_t at = 0; at < running.size() && budget > 0; ++at) {
      const std::size_t id = running[at];
      const std::int64_t tokens = next_tokens(id);
      if (tokens == 0) break;
      const std::int64_t more = more_blocks(id, tokens);
      // No free block: preempt the latest admitted (perhaps this request itself).
      while (more > free_blocks && running.back() != id) {
        preempt(running.back());
        preempted = true;
      }
      if (more > free_blocks) {
        preempt(id);
        preempted = true;
        break;
      }
      schedule(id, tokens, more);
    }
    // Then waiting requests that have arrived, first come first served, while they fit.
    while (!preempted && !waiting.empty() && budget > 0 &&
           static_cast<std::int64_t>(running.size()) < spec.max_batch && requests[waiting.front()].in.arrival_s <= now) {
      const std::size_t id = waiting.front();
      const std::int64_t tokens = next_tokens(id);
      if (tokens == 0 || more_blocks(id, tokens) > free_blocks) break;
      waiting.pop_front();
      running.push_back(id);
      if (requests[id].scheduled_s < 0) requests[id].scheduled_s = now;
      schedule(id, tokens, more_blocks(id, tokens));
    }
    if (batch.empty()) {
      if (!running.empty() || waiting.empty() || requests[waiting.front()].in.arrival_s <= now)
        throw ModelError(0, "serving scheduler", "no request can be scheduled at " + number(now) + " s");
      now = requests[waiting.front()].in.arrival_s;  // idle until the next arrival
      continue;
    }
    std::vector<LlmSequence> sequences;
    std::int64_t decode = 0, prefill = 0, emitted = 0, context = 0;
    for (const auto& s : batch) {
      const Request& r = requests[s.request];
      const bool emits = r.computed + s.tokens == r.needed();
      sequences.push_back(LlmSequence{s.tokens, r.computed + s.tokens, emits});
      context += r.computed + s.tokens;
      (r.generated > 0 && s.tokens == 1 && r.computed > 0 ? decode : prefill) += s.tokens;
      emitted += emits ? 1 : 0;
    }
    const PhaseRunner::Cost cost = runner.iteration(sequences);
    const std::uint64_t cycles = cost.cycles;
    const double start = now;
    now += static_cast<double>(cycles) * cycle_s;
    const std::int64_t used = total_blocks - free_blocks;
    peak_blocks = std::max(peak_blocks, used);
    iteration_csv << iterations << ',' << number(start) << ',' << number(now - start) << ',' << cycles << ','
                  << batch.size() << ',' << decode << ',' << prefill << ',' << context << ',' << emitted << ',' << used << ','
                  << number(static_cast<double>(used) * block_bytes) << ',' << number(cost.dram_busy_cycles / static_cast<double>(cycles))
                  << ',' << number(cost.array_busy_cycles / static_cast<double>(cycles)) << '\n';
    if (timeline) {
      events.push_back({{"name", "iteration"}, {"ph", "X"}, {"pid", 1}, {"tid", 1}, {"ts", start * 1e6},
                        {"dur", (now - start) * 1e6},
                        {"args", {{"requests", batch.size()}, {"decode_tokens", decode}, {"prefill_tokens", prefill}}}});
      events.push_back({{"name", "kv_cache_bytes"}, {"ph", "C"}, {"pid", 1}, {"ts", start * 1e6},
                        {"args", {{"bytes", static_cast<double>(used) * block_bytes}}}});
      events.push_back({{"name", "batch"}, {"ph", "C"}, {"pid", 1}, {"ts", start * 1e6},
                        {"args", {{"requests", batch.size()}, {"tokens", decode + prefill}}}});
    }
    ++iterations;
    prefill_tokens += static_cast<std::uint64_t>(prefill);
    decode_tokens += static_cast<std::uint64_t>(decode);
    for (const auto& s : batch) {
      Request& r = requests[s.request];
      r.computed += s.tokens;
      if (r.computed < r.needed()) continue;
      ++r.generated;
      if (r.first_token_s < 0) r.first_token_s = now;
      if (r.generated < r.in.output_tokens) continue;
      r.done_s = now;
      free_blocks += r.blocks;
      r.blocks = 0;
      running.erase(std::find(running.begin(), running.end(), s.request));
      ++completed;
    }
    if (iterations % 1000 == 0)
      spdlog::info("serving: {} iterations, {:.3f} s simulated, {} of {} requests done, {} phases simulated",
                   iterations, now, completed, requests.size(), runner.simulated());
  }

  // Reports: the machine's figures over every iteration, then the serving figures.
  const SimulationResult& total = runner.total();
  RunReport report = build_report(config, total);
  Percentiles ttft, tpot, latency, queue;
  std::ostringstream request_csv;
  request_csv << "id,arrival_s,prompt_tokens,output_tokens,queue_s,ttft_s,tpot_s,latency_s,finish_s,preemptions\n";
  double output_tokens = 0, first_arrival = requests.empty() ? 0 : requests.front().in.arrival_s, last_done = 0;
  for (const auto& r : requests) {
    const double t = r.first_token_s - r.in.arrival_s, e2e = r.done_s - r.in.arrival_s;
    const double per_token = r.in.output_tokens > 1 ? (r.done_s - r.first_token_s) / static_cast<double>(r.in.output_tokens - 1) : 0.0;
    ttft.values.push_back(t);
    latency.values.push_back(e2e);
    queue.values.push_back(r.scheduled_s - r.in.arrival_s);
    if (r.in.output_tokens > 1) tpot.values.push_back(per_token);
    output_tokens += static_cast<double>(r.in.output_tokens);
    last_done = std::max(last_done, r.done_s);
    request_csv << csv_field(r.in.id) << ',' << number(r.in.arrival_s) << ',' << r.in.prompt_tokens << ','
                << r.in.output_tokens << ',' << number(r.scheduled_s - r.in.arrival_s) << ',' << number(t) << ','
                << (r.in.output_tokens > 1 ? number(per_token) : "") << ',' << number(e2e) << ',' << number(r.done_s)
                << ',' << r.preemptions << '\n';
  }
  const double duration = last_done - first_arrival;
  const double busy = static_cast<double>(total.cycles) * cycle_s;
  const double energy = report.summary["energy_j"].get<double>();
  const double peak_w = report.summary["peak_power_w"].get<double>();
  const double tokens_per_s = duration > 0 ? output_tokens / duration : 0.0;
  nlohmann::ordered_json serving = {
      {"model", model.name},
      {"requests", requests.size()},
      {"completed", completed},
      {"ttft_s", ttft.json()},
      {"tpot_s", tpot.json()},
      {"latency_s", latency.json()},
      {"queue_s", queue.json()},
      {"duration_s", duration},
      {"busy_s", busy},
      {"requests_per_s", duration > 0 ? static_cast<double>(completed) / duration : 0.0},
      {"output_tokens_per_s", tokens_per_s},
      {"tokens_per_s_per_w", peak_w > 0 ? tokens_per_s / peak_w : 0.0},
      {"energy_per_token_j", output_tokens > 0 ? energy / output_tokens : 0.0},
      {"output_tokens", output_tokens},
      {"prefill_tokens", prefill_tokens},
      {"decode_tokens", decode_tokens},
      {"iterations", iterations},
      {"preemptions", preemptions},
      {"kv_bytes_per_token", token_bytes},
      {"kv_block_tokens", spec.block_tokens},
      {"kv_blocks", total_blocks},
      {"kv_capacity_bytes", static_cast<double>(total_blocks) * block_bytes},
      {"kv_peak_bytes", static_cast<double>(peak_blocks) * block_bytes},
      {"kv_peak_occupancy", total_blocks > 0 ? static_cast<double>(peak_blocks) / static_cast<double>(total_blocks) : 0.0},
      {"kv_location", spec.kv_in_sram ? "sram" : "dram"},
      {"weight_bytes", weight_bytes},
      {"padding_tokens", runner.padding_tokens()},
      // What bound the iterations: the share of their cycles DRAM moved data, and the arrays'
      // streaming share (pod-cycles over pods x cycles).
      {"dram_busy_fraction", total.cycles > 0 ? total.dram_busy_cycles / static_cast<double>(total.cycles) : 0.0},
      {"array_busy_fraction", total.cycles > 0 ? static_cast<double>(total.pod_stream_cycles) /
                                                     (static_cast<double>(config.pods) * static_cast<double>(total.cycles))
                                               : 0.0},
      {"phases_simulated", runner.simulated()},
      {"phases_reused", runner.reused()},
      {"note", "times in simulated seconds from the first arrival; every iteration ran on the cycle-level machine "
               "(decoder layers and phases separated by barriers: docs/serving.md); the machine figures above count "
               "the iterations' busy cycles only"}};
  report.summary["serving"] = serving;
  write_report(report, config, outdir);
  write_file_atomically((std::filesystem::path(outdir) / "requests.csv").string(), request_csv.str());
  write_file_atomically((std::filesystem::path(outdir) / "iterations.csv").string(), iteration_csv.str());
  if (timeline) {
    events.push_back({{"name", "process_name"}, {"ph", "M"}, {"pid", 1}, {"args", {{"name", "serving " + model.name}}}});
    write_file_atomically(timeline_path, nlohmann::json{{"traceEvents", events}, {"displayTimeUnit", "ms"}}.dump());
  }
  const nlohmann::ordered_json& t = serving["ttft_s"];
  std::cout << fmt::format(
      "sosasim serve: {} on {} pods of {}x{}, {}\n"
      "  requests           {} completed in {:.3f} s ({:.2f} requests/s, {:.0f} output tokens/s)\n"
      "  TTFT               p50 {:.4f} s, p99 {:.4f} s\n"
      "  TPOT               p50 {:.5f} s, p99 {:.5f} s\n"
      "  iterations         {} ({} phases simulated, {} reused), {} preemptions\n"
      "  KV cache           peak {:.3g} GiB of {:.3g} GiB ({})\n"
      "  energy per token   {:.4g} J ({:.4g} tokens/s per peak W)\n"
      "  results in         {}/ (summary.json, requests.csv, iterations.csv, layers.csv, config.resolved.yaml)\n",
      model.name, config.pods, config.array.rows, config.array.cols, config.format.type, completed, duration,
      serving["requests_per_s"].get<double>(), tokens_per_s, t["p50"].get<double>(), t["p99"].get<double>(),
      serving["tpot_s"]["p50"].get<double>(), serving["tpot_s"]["p99"].get<double>(), iterations, runner.simulated(),
      runner.reused(), preemptions, static_cast<double>(peak_blocks) * block_bytes / gib,
      static_cast<double>(total_blocks) * block_bytes / gib, spec.kv_in_sram ? "sram" : "dram",
      serving["energy_per_token_j"].get<double>(), serving["tokens_per_s_per_w"].get<double>(), outdir);
  return 0;
}

}  // namespace sosasim
