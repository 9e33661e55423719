#include "sim/serving.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "sim/kernel/errors.h"
#include "sim/kernel/files.h"
#include "sim/serving_batcher.h"
#include "sim/serving_phases.h"
#include "sim/system/report.h"
#include "workloads/csv.h"
#include "workloads/llm.h"
#include "workloads/requests.h"

namespace sosasim {

namespace {

// Percentiles of a latency.
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
  const KvCachePlan kv = plan_kv_cache(config, model);
  check_requests(arrivals, spec, kv);
  const double first_arrival = arrivals.empty() ? 0.0 : arrivals.front().arrival_s;

  Batcher batcher(spec, kv.blocks, std::move(arrivals));
  PhaseRunner runner(config, model);
  const double cycle_s = 1.0 / (config.frequency_ghz * 1e9);
  double now = first_arrival;
  std::uint64_t iterations = 0, prefill_tokens = 0, decode_tokens = 0;
  std::ostringstream iteration_csv;
  iteration_csv << "iteration,start_s,duration_s,cycles,requests,decode_tokens,prefill_tokens,context_tokens,emitted,"
                   "kv_blocks,kv_bytes,dram_busy_fraction,array_busy_fraction\n";
  nlohmann::json events = nlohmann::json::array();
  const bool timeline = !timeline_path.empty();
  while (!batcher.done()) {
    const std::vector<Batcher::Scheduled> batch = batcher.schedule(now);
    if (batch.empty()) {
      now = batcher.next_arrival();  // idle until the next arrival
      continue;
    }
    std::vector<LlmSequence> sequences;
    std::int64_t decode = 0, prefill = 0, emitted = 0, context = 0;
    for (const auto& s : batch) {
      const RequestState& r = batcher.requests()[s.request];
      sequences.push_back(batcher.sequence(s));
      context += sequences.back().context;
      (r.generated > 0 && s.tokens == 1 && r.computed > 0 ? decode : prefill) += s.tokens;
      emitted += sequences.back().emits_token ? 1 : 0;
    }
    const PhaseRunner::Cost cost = runner.iteration(sequences);
    const double start = now;
    now += static_cast<double>(cost.cycles) * cycle_s;
    const double kv_bytes = static_cast<double>(batcher.used_blocks()) * kv.block_bytes;
    iteration_csv << iterations << ',' << number(start) << ',' << number(now - start) << ',' << cost.cycles << ','
                  << batch.size() << ',' << decode << ',' << prefill << ',' << context << ',' << emitted << ','
                  << batcher.used_blocks() << ',' << number(kv_bytes) << ','
                  << number(cost.dram_busy_cycles / static_cast<double>(cost.cycles)) << ','
                  << number(cost.array_busy_cycles / static_cast<double>(cost.cycles)) << '\n';
    if (timeline) {
      events.push_back({{"name", "iteration"}, {"ph", "X"}, {"pid", 1}, {"tid", 1}, {"ts", start * 1e6},
                        {"dur", (now - start) * 1e6},
                        {"args", {{"requests", batch.size()}, {"decode_tokens", decode}, {"prefill_tokens", prefill}}}});
      events.push_back({{"name", "kv_cache_bytes"}, {"ph", "C"}, {"pid", 1}, {"ts", start * 1e6}, {"args", {{"bytes", kv_bytes}}}});
      events.push_back({{"name", "batch"}, {"ph", "C"}, {"pid", 1}, {"ts", start * 1e6},
                        {"args", {{"requests", batch.size()}, {"tokens", decode + prefill}}}});
    }
    batcher.complete(batch, now);
    ++iterations;
    prefill_tokens += static_cast<std::uint64_t>(prefill);
    decode_tokens += static_cast<std::uint64_t>(decode);
    if (iterations % 1000 == 0)
      spdlog::info("serving: {} iterations, {:.3f} s simulated, {} phases simulated", iterations, now, runner.simulated());
  }

  // Reports: the machine's figures over every iteration, then the serving figures.
  const SimulationResult& total = runner.total();
  const std::vector<RequestState>& requests = batcher.requests();
  const std::size_t completed = requests.size();
  const double gib = 1024.0 * 1024.0 * 1024.0;
  RunReport report = build_report(config, total);
  Percentiles ttft, tpot, latency, queue;
  std::ostringstream request_csv;
  request_csv << "id,arrival_s,prompt_tokens,output_tokens,queue_s,ttft_s,tpot_s,latency_s,finish_s,preemptions\n";
  double output_tokens = 0, last_done = 0;
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
      {"preemptions", batcher.preemptions()},
      {"kv_bytes_per_token", kv.token_bytes},
      {"kv_block_tokens", spec.block_tokens},
      {"kv_blocks", kv.blocks},
      {"kv_capacity_bytes", static_cast<double>(kv.blocks) * kv.block_bytes},
      {"kv_peak_bytes", static_cast<double>(batcher.peak_blocks()) * kv.block_bytes},
      {"kv_peak_occupancy", kv.blocks > 0 ? static_cast<double>(batcher.peak_blocks()) / static_cast<double>(kv.blocks) : 0.0},
      {"kv_location", spec.kv_in_sram ? "sram" : "dram"},
      {"weight_bytes", kv.weight_bytes},
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
      runner.reused(), batcher.preemptions(), static_cast<double>(batcher.peak_blocks()) * kv.block_bytes / gib,
      static_cast<double>(kv.blocks) * kv.block_bytes / gib, spec.kv_in_sram ? "sram" : "dram",
      serving["energy_per_token_j"].get<double>(), serving["tokens_per_s_per_w"].get<double>(), outdir);
  return 0;
}

}  // namespace sosasim
