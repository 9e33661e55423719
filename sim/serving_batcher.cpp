#include "sim/serving_batcher.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include <fmt/format.h>

#include "arch/format.h"
#include "sim/kernel/errors.h"

namespace sosasim {

KvCachePlan plan_kv_cache(const SimConfig& config, const LlmModel& model) {
  const ServingSpec& spec = config.serving;
  KvCachePlan kv;
  const double element_bytes = operand_bits(config.format) / 8.0;
  kv.token_bytes = static_cast<double>(model.kv_elements_per_token()) * element_bytes;
  kv.block_bytes = kv.token_bytes * static_cast<double>(spec.block_tokens);
  kv.weight_bytes = static_cast<double>(model.gemm_weights() + model.vocab * model.hidden) * element_bytes;
  const double gib = 1024.0 * 1024.0 * 1024.0;
  const SourceLocation where{config.source_file, 0, ""};
  if (spec.kv_in_sram) {
    const double banks = static_cast<double>(config.pods * config.sram.bank_kib) * 1024.0;
    kv.capacity_bytes = spec.kv_capacity_gib > 0 ? spec.kv_capacity_gib * gib : banks;
    if (kv.capacity_bytes > banks)
      throw ConfigError(where, "serving.kv_cache.capacity_gib",
                        fmt::format("{:.4g} GiB do not fit the W banks ({} pods x {} KiB = {:.4g} GiB)",
                                    spec.kv_capacity_gib, config.pods, config.sram.bank_kib, banks / gib));
  } else {
    const double left = config.dram.capacity_gib * gib - kv.weight_bytes;
    if (left <= 0)
      throw ConfigError(where, "dram.capacity_gib",
                        fmt::format("{}'s weights ({:.4g} GiB at {}) do not fit {:.4g} GiB of DRAM", model.name,
                                    kv.weight_bytes / gib, config.format.type, config.dram.capacity_gib));
    kv.capacity_bytes = spec.kv_capacity_gib > 0 ? spec.kv_capacity_gib * gib : left;
    if (kv.capacity_bytes > left)
      throw ConfigError(where, "serving.kv_cache.capacity_gib",
                        fmt::format("{:.4g} GiB of KV cache and {:.4g} GiB of weights exceed dram.capacity_gib ({:.4g})",
                                    spec.kv_capacity_gib, kv.weight_bytes / gib, config.dram.capacity_gib));
  }
  kv.blocks = static_cast<std::int64_t>(std::floor(kv.capacity_bytes / kv.block_bytes));
  return kv;
}

void check_requests(const std::vector<ServingRequest>& requests, const ServingSpec& spec, const KvCachePlan& kv) {
  for (const auto& r : requests) {
    const std::int64_t most = r.prompt_tokens + r.output_tokens - 1;  // the last token is never computed
    const std::int64_t blocks = (most + spec.block_tokens - 1) / spec.block_tokens;
    const std::string& key = r.where.detail;  // the arrivals key of a generated request
    const SourceLocation where{r.where.file, r.where.line, ""};
    if (blocks > kv.blocks)
      throw ConfigError(where, key,
                        fmt::format("request {} ({} prompt + {} output tokens) needs {} KV blocks of {} tokens, more "
                                    "than the cache's {} ({:.4g} GiB at {:.0f} bytes per token): it can never run",
                                    r.id, r.prompt_tokens, r.output_tokens, blocks, spec.block_tokens, kv.blocks,
                                    kv.capacity_bytes / (1024.0 * 1024.0 * 1024.0), kv.token_bytes));
    if (!spec.chunked_prefill && most > spec.max_batched_tokens)
      throw ConfigError(where, key.empty() ? "serving.batching.max_batched_tokens" : key,
                        fmt::format("request {} may need {} tokens computed in one iteration (its prompt, or after a "
                                    "preemption its prompt and output), more than serving.batching.max_batched_tokens "
                                    "({}) with chunked_prefill off",
                                    r.id, most, spec.max_batched_tokens));
  }
}

Batcher::Batcher(const ServingSpec& spec, std::int64_t kv_blocks, std::vector<ServingRequest> requests)
    : spec_(spec), kv_blocks_(kv_blocks), free_blocks_(kv_blocks) {
  for (auto& r : requests) requests_.push_back(RequestState{std::move(r)});
  for (std::size_t i = 0; i < requests_.size(); ++i) waiting_.push_back(i);
}

std::int64_t Batcher::blocks_for(std::int64_t tokens) const {
  return (tokens + spec_.block_tokens - 1) / spec_.block_tokens;
}

double Batcher::next_arrival() const {
  return waiting_.empty() ? std::numeric_limits<double>::infinity() : requests_[waiting_.front()].in.arrival_s;
}

void Batcher::preempt(std::size_t victim) {
  RequestState& r = requests_[victim];
  free_blocks_ += r.blocks;
  r.blocks = 0;
  r.computed = 0;
  ++r.preemptions;
  ++preemptions_;
  running_.erase(std::find(running_.begin(), running_.end(), victim));
  waiting_.push_front(victim);
}

std::vector<Batcher::Scheduled> Batcher::schedule(double now) {
  std::vector<Scheduled> batch;
  std::int64_t budget = spec_.max_batched_tokens;
  // What request `id` computes next within the budget: all it needs, or with chunked prefill as
  // much as fits (0: a whole prompt that does not fit).
  auto next_tokens = [&](std::size_t id) {
    const std::int64_t tokens = requests_[id].needed() - requests_[id].computed;
    return tokens <= budget ? tokens : spec_.chunked_prefill ? budget : 0;
  };
  auto more_blocks = [&](std::size_t id, std::int64_t tokens) {
    return blocks_for(requests_[id].computed + tokens) - requests_[id].blocks;
  };
  auto take = [&](std::size_t id, std::int64_t tokens, std::int64_t blocks) {
    free_blocks_ -= blocks;
    requests_[id].blocks += blocks;
    batch.push_back({id, tokens});
    budget -= tokens;
  };
  bool preempted = false;
  // Running requests first, in admission order: a decode token, or the next prefill chunk.
  for (std::size_t at = 0; at < running_.size() && budget > 0; ++at) {
    const std::size_t id = running_[at];
    const std::int64_t tokens = next_tokens(id);
    if (tokens == 0) break;
    const std::int64_t more = more_blocks(id, tokens);
    // No free block: preempt the latest admitted (perhaps this request itself).
    while (more > free_blocks_ && running_.back() != id) {
      preempt(running_.back());
      preempted = true;
    }
    if (more > free_blocks_) {
      preempt(id);
      preempted = true;
      break;
    }
    take(id, tokens, more);
  }
  // Then waiting requests that have arrived, first come first served, while they fit (none after
  // a preemption: the cache is full).
  while (!preempted && !waiting_.empty() && budget > 0 && static_cast<std::int64_t>(running_.size()) < spec_.max_batch &&
         requests_[waiting_.front()].in.arrival_s <= now) {
    const std::size_t id = waiting_.front();
    const std::int64_t tokens = next_tokens(id);
    if (tokens == 0 || more_blocks(id, tokens) > free_blocks_) break;
    waiting_.pop_front();
    running_.push_back(id);
    if (requests_[id].scheduled_s < 0) requests_[id].scheduled_s = now;
    take(id, tokens, more_blocks(id, tokens));
  }
  peak_blocks_ = std::max(peak_blocks_, used_blocks());
  if (batch.empty() && (!running_.empty() || next_arrival() <= now))
    throw ModelError(0, "serving scheduler", fmt::format("no request can be scheduled at {:.9g} s", now));
  return batch;
}

LlmSequence Batcher::sequence(const Scheduled& s) const {
  const RequestState& r = requests_[s.request];
  return LlmSequence{s.tokens, r.computed + s.tokens, r.computed + s.tokens == r.needed()};
}

void Batcher::complete(const std::vector<Scheduled>& batch, double now) {
  for (const auto& s : batch) {
    RequestState& r = requests_[s.request];
    r.computed += s.tokens;
    if (r.computed < r.needed()) continue;
    ++r.generated;
    if (r.first_token_s < 0) r.first_token_s = now;
    if (r.generated < r.in.output_tokens) continue;
    r.done_s = now;
    free_blocks_ += r.blocks;
    r.blocks = 0;
    running_.erase(std::find(running_.begin(), running_.end(), s.request));
    ++completed_;
  }
}

}  // namespace sosasim
