// The serving scheduler (sim/serving_batcher.h) step by step: which request computes how many
// tokens in each iteration, when blocks are allocated and freed, who is preempted and what it
// recomputes, and the KV cache's plan.
#include <catch2/catch.hpp>

#include "sim/kernel/config.h"
#include "sim/serving_batcher.h"

using namespace sosasim;

namespace {

ServingRequest request(double arrival, std::int64_t prompt, std::int64_t output) {
  ServingRequest r;
  r.id = std::to_string(static_cast<int>(arrival * 1000)) + "/" + std::to_string(prompt);
  r.arrival_s = arrival;
  r.prompt_tokens = prompt;
  r.output_tokens = output;
  return r;
}

ServingSpec spec(std::int64_t max_batch, std::int64_t max_tokens, bool chunked, std::int64_t block_tokens) {
  ServingSpec s;
  s.max_batch = max_batch;
  s.max_batched_tokens = max_tokens;
  s.chunked_prefill = chunked;
  s.block_tokens = block_tokens;
  return s;
}

// (request, tokens) of a batch.
std::vector<std::pair<std::size_t, std::int64_t>> shape(const std::vector<Batcher::Scheduled>& batch) {
  std::vector<std::pair<std::size_t, std::int64_t>> out;
  for (const auto& s : batch) out.emplace_back(s.request, s.tokens);
  return out;
}

}  // namespace

TEST_CASE("batcher: decodes first, then prefill chunks within the token budget, first come first served", "[serving]") {
  const ServingSpec s = spec(8, 8, true, 4);
  Batcher batcher(s, 100, {request(0, 3, 3), request(0, 20, 2), request(5, 2, 1)});
  // Iteration 1: request 0's whole prompt (3), then 5 tokens of request 1's; request 2 has not arrived.
  auto batch = batcher.schedule(0);
  CHECK(shape(batch) == std::vector<std::pair<std::size_t, std::int64_t>>{{0, 3}, {1, 5}});
  CHECK(batcher.sequence(batch[0]).emits_token);    // its prompt is done: the first token
  CHECK(!batcher.sequence(batch[1]).emits_token);   // a chunk that does not end its prompt
  CHECK(batcher.sequence(batch[1]).context == 5);
  CHECK(batcher.used_blocks() == 1 + 2);             // 3 tokens in a block of 4, 5 in two
  batcher.complete(batch, 0.1);
  CHECK(batcher.requests()[0].first_token_s == 0.1);
  CHECK(batcher.requests()[0].generated == 1);
  // Iteration 2: request 0 decodes (1 token, context 4), request 1 goes on with 7.
  batch = batcher.schedule(0.1);
  CHECK(shape(batch) == std::vector<std::pair<std::size_t, std::int64_t>>{{0, 1}, {1, 7}});
  CHECK(batcher.sequence(batch[0]).context == 4);
  CHECK(batcher.sequence(batch[1]).context == 12);
  batcher.complete(batch, 0.2);
  // Iteration 3: request 0's last decode, and 7 more of request 1's prompt (the budget's rest).
  batch = batcher.schedule(0.2);
  CHECK(shape(batch) == std::vector<std::pair<std::size_t, std::int64_t>>{{0, 1}, {1, 7}});
  batcher.complete(batch, 0.3);
  CHECK(batcher.requests()[0].done_s == 0.3);  // 3 output tokens: its prefill's and two decodes'
  // Iteration 4: the prompt's last token, which emits request 1's first; iteration 5 its second.
  batch = batcher.schedule(0.3);
  CHECK(shape(batch) == std::vector<std::pair<std::size_t, std::int64_t>>{{1, 1}});
  batcher.complete(batch, 0.4);
  CHECK(batcher.requests()[1].first_token_s == 0.4);
  batch = batcher.schedule(0.4);
  CHECK(shape(batch) == std::vector<std::pair<std::size_t, std::int64_t>>{{1, 1}});
  CHECK(batcher.sequence(batch[0]).context == 21);
  batcher.complete(batch, 0.5);
  CHECK(batcher.requests()[1].done_s == 0.5);
  CHECK(batcher.used_blocks() == 0);  // finished requests free their blocks
  // Nothing has arrived: an empty batch until 5 s.
  CHECK(batcher.schedule(0.5).empty());
  CHECK(batcher.next_arrival() == 5);
  batch = batcher.schedule(5);
  CHECK(shape(batch) == std::vector<std::pair<std::size_t, std::int64_t>>{{2, 2}});
  batcher.complete(batch, 5.1);
  CHECK(batcher.done());
  CHECK(batcher.requests()[2].scheduled_s == 5);
}

TEST_CASE("batcher: without chunked prefill a prompt waits for a budget that holds it whole", "[serving]") {
  Batcher batcher(spec(8, 10, false, 4), 100, {request(0, 6, 2), request(0, 6, 1), request(0, 2, 1)});
  // The second prompt does not fit beside the first (6 + 6 > 10): it waits, and so does the third
  // behind it (first come first served).
  auto batch = batcher.schedule(0);
  CHECK(shape(batch) == std::vector<std::pair<std::size_t, std::int64_t>>{{0, 6}});
  batcher.complete(batch, 1);
  batch = batcher.schedule(1);
  CHECK(shape(batch) == std::vector<std::pair<std::size_t, std::int64_t>>{{0, 1}, {1, 6}, {2, 2}});
}

TEST_CASE("batcher: a full cache preempts the latest admitted, which recomputes its tokens", "[serving]") {
  // 4 blocks of 2 tokens. Two requests of 3 prompt tokens hold 2 blocks each after their prefill.
  Batcher batcher(spec(8, 16, true, 2), 4, {request(0, 3, 4), request(0, 3, 4)});
  auto batch = batcher.schedule(0);
  CHECK(shape(batch) == std::vector<std::pair<std::size_t, std::int64_t>>{{0, 3}, {1, 3}});
  CHECK(batcher.used_blocks() == 4);
  batcher.complete(batch, 1);
  // Both decode their first generated token (context 4): still 2 blocks each.
  batch = batcher.schedule(1);
  CHECK(shape(batch) == std::vector<std::pair<std::size_t, std::int64_t>>{{0, 1}, {1, 1}});
  batcher.complete(batch, 2);
  // Context 5 needs a third block: request 0 takes request 1's, which is preempted and goes back
  // to the front of the queue; no one is admitted in an iteration that preempted.
  batch = batcher.schedule(2);
  CHECK(shape(batch) == std::vector<std::pair<std::size_t, std::int64_t>>{{0, 1}});
  CHECK(batcher.preemptions() == 1);
  CHECK(batcher.requests()[1].preemptions == 1);
  CHECK(batcher.requests()[1].computed == 0);
  CHECK(batcher.requests()[1].generated == 2);  // its tokens so far stay generated
  CHECK(batcher.used_blocks() == 3);
  batcher.complete(batch, 3);
  CHECK(batcher.requests()[0].generated == 3);
  // Request 1 would need 3 blocks to recompute; 1 is free: request 0 decodes alone and finishes.
  batch = batcher.schedule(3);
  CHECK(shape(batch) == std::vector<std::pair<std::size_t, std::int64_t>>{{0, 1}});
  batcher.complete(batch, 4);
  CHECK(batcher.requests()[0].done_s == 4);  // 4 output tokens: its prefill's and three decodes'
  CHECK(batcher.used_blocks() == 0);
  // Admitted again, request 1 recomputes the K and V its next token needs: its 3 prompt tokens
  // and the 2 it generated, 5 tokens in one iteration, which emits its third token.
  batch = batcher.schedule(4);
  CHECK(shape(batch) == std::vector<std::pair<std::size_t, std::int64_t>>{{1, 5}});
  CHECK(batcher.sequence(batch[0]).emits_token);
  batcher.complete(batch, 5);
  CHECK(batcher.requests()[1].generated == 3);
  CHECK(batcher.requests()[1].first_token_s == 1);  // TTFT stays the first token's
}

TEST_CASE("batcher: the KV cache's plan, and requests that can never run", "[serving]") {
  SimConfig config = load_config(std::nullopt, {"serving.model=llama3_8b"});
  const LlmModel model = load_llm_model("llama3_8b");
  KvCachePlan kv = plan_kv_cache(config, model);
  CHECK(kv.token_bytes == 65536);  // 2 x 32 layers x 8 heads x 128 x 1 byte (int8)
  CHECK(kv.block_bytes == 16 * 65536);
  // DRAM's 80 GiB less the weights (GEMM weights and the embedding table, a byte each).
  const double weights = static_cast<double>(model.gemm_weights() + model.vocab * model.hidden);
  CHECK(kv.weight_bytes == weights);
  CHECK(kv.blocks == static_cast<std::int64_t>((80.0 * (1 << 30) - weights) / (16 * 65536)));
  config.serving.kv_in_sram = true;
  kv = plan_kv_cache(config, model);
  CHECK(kv.capacity_bytes == 256.0 * 256 * 1024);  // the W banks: 256 pods x 256 KiB
  config.serving.kv_capacity_gib = 1;
  CHECK_THROWS_AS(plan_kv_cache(config, model), ConfigError);
  config.serving.kv_in_sram = false;
  config.serving.kv_capacity_gib = 80;
  CHECK_THROWS_AS(plan_kv_cache(config, model), ConfigError);  // beside 8.5 GiB of weights
  config.serving.kv_capacity_gib = 0;
  kv = plan_kv_cache(config, model);
  ServingRequest fits = request(0, 100, 28), huge = request(0, 2000000, 10);
  huge.where = SourceLocation{"requests.csv", 7, ""};
  CHECK_NOTHROW(check_requests({fits}, config.serving, kv));
  CHECK_THROWS_WITH(check_requests({fits, huge}, config.serving, kv), Catch::Matchers::Contains("requests.csv:7"));
}
