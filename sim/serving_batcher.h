// The serving run's scheduler and KV cache (plain C++, no SystemC; sim/serving.h runs what it
// schedules). First come first served continuous batching, as vLLM schedules: each iteration
// first gives every running request, in admission order, its next token (a decode) or its next
// prefill chunk, then admits arrived waiting requests while the batch (max_batch), the token
// budget (max_batched_tokens) and the KV cache allow. With chunked prefill off a prompt is
// computed whole in one iteration.
//
// The KV cache holds blocks of block_tokens tokens; a request holds the blocks of the tokens
// computed for it. When a running request needs a block and none is free, the latest admitted
// running request is preempted: its blocks are freed, and admitted again it recomputes its prompt
// and the tokens it generated (vLLM's recompute preemption).
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "sim/kernel/spec.h"
#include "workloads/llm.h"
#include "workloads/requests.h"

namespace sosasim {

// What the KV cache can hold: bytes per token at the config's format, blocks in the capacity.
struct KvCachePlan {
  double token_bytes = 0, block_bytes = 0, capacity_bytes = 0, weight_bytes = 0;
  std::int64_t blocks = 0;
};

// The KV cache's plan for `model` on the machine; a ConfigError names the key when the capacity is
// impossible (beyond the W banks, or beside the weights beyond dram.capacity_gib).
KvCachePlan plan_kv_cache(const SimConfig& config, const LlmModel& model);

// A ConfigError naming the request's trace line (or the arrivals key) when a request can never
// run: its tokens need more blocks than the cache has, or (chunked prefill off) more tokens than
// an iteration computes.
void check_requests(const std::vector<ServingRequest>& requests, const ServingSpec& spec, const KvCachePlan& kv);

// A request as the batcher sees it.
struct RequestState {
  ServingRequest in;
  std::int64_t computed = 0;   // tokens whose K and V are in the cache
  std::int64_t generated = 0;  // output tokens emitted
  std::int64_t blocks = 0;     // KV blocks held
  std::int64_t preemptions = 0;
  double scheduled_s = -1, first_token_s = -1, done_s = -1;  // first scheduled, first token, last token
  // Tokens whose K and V must be computed before it emits its next token (the prompt, and every
  // token it generated but the last; after a preemption it recomputes them all).
  std::int64_t needed() const { return in.prompt_tokens + generated; }
};

class Batcher {
 public:
  // `requests` sorted by arrival.
  Batcher(const ServingSpec& spec, std::int64_t kv_blocks, std::vector<ServingRequest> requests);

  struct Scheduled {
    std::size_t request;  // index into requests()
    std::int64_t tokens;  // computed this iteration
  };
  // The iteration starting at `now` (its KV blocks allocated, preemptions made). Empty when no
  // request can run before next_arrival().
  std::vector<Scheduled> schedule(double now);
  // What a scheduled request computes, as the machine's iteration takes it.
  LlmSequence sequence(const Scheduled& s) const;
  // The iteration ended at `now`: tokens computed, tokens emitted, finished requests' blocks freed.
  void complete(const std::vector<Scheduled>& batch, double now);

  bool done() const { return completed_ == requests_.size(); }
  double next_arrival() const;  // of the first waiting request (+inf when none)
  const std::vector<RequestState>& requests() const { return requests_; }
  std::int64_t used_blocks() const { return kv_blocks_ - free_blocks_; }
  std::int64_t peak_blocks() const { return peak_blocks_; }
  std::uint64_t preemptions() const { return preemptions_; }

 private:
  void preempt(std::size_t victim);
  std::int64_t blocks_for(std::int64_t tokens) const;

  ServingSpec spec_;  // (a copy: the batcher may outlive the config it came from)
  std::int64_t kv_blocks_, free_blocks_, peak_blocks_ = 0;
  std::vector<RequestState> requests_;
  std::deque<std::size_t> waiting_;  // in arrival order (preempted ones return to the front)
  std::vector<std::size_t> running_;  // in admission order
  std::size_t completed_ = 0;
  std::uint64_t preemptions_ = 0;
};

}  // namespace sosasim
