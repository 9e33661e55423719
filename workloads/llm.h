// Decoder-only language models for serving (issue 18, item 1): a model read from a Hugging Face
// style config.json (Llama 2/3, Mistral, Mixtral, Qwen2, OPT, GPT-2, GPT-NeoX) or a zoo name, and
// the GEMMs of one serving iteration, in which each request of the batch computes some new tokens
// (a prefill chunk, or one decode token) against its context, as a Workload the simulator runs.
//
// Per decoder layer, with T the batch's new tokens: the q, k and v projections (T x H by
// H x heads*d, kv_heads*d, kv_heads*d), then per request i (q_i new tokens, attending to c_i
// tokens of context, its own included) the scores (q_i x d by d x c_i, one per query head) and
// their product with V (q_i x c_i by c_i x d), whose W operands are activations (the KV cache),
// the output projection, and the MLP: gate and up (SwiGLU) or fc1, then down or fc2; a
// mixture-of-experts layer routes each token to `experts_per_token` of `experts` experts (a router
// GEMM, then each expert's MLP over the tokens it receives, spread evenly). The LM head computes
// logits only for the requests that emit a token this iteration (a decode token, or a prefill
// whose chunk ends its prompt: the last prompt token only, as serving engines do).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "workloads/trace.h"

namespace sosasim {

struct LlmModel {
  std::string name;
  std::string architecture;  // llama, mistral, mixtral, qwen2, opt, gpt2, gpt_neox
  std::int64_t layers = 0;
  std::int64_t hidden = 0;
  std::int64_t heads = 0;
  std::int64_t kv_heads = 0;
  std::int64_t head_dim = 0;
  std::int64_t ffn = 0;  // per expert for a mixture of experts
  std::int64_t vocab = 0;
  bool gated_mlp = false;  // SwiGLU: gate and up projections, then down
  std::int64_t experts = 0;            // 0: a dense MLP
  std::int64_t experts_per_token = 0;

  // Elements of K and V per token over all layers (bytes: times the format's bytes per element).
  std::int64_t kv_elements_per_token() const { return 2 * layers * kv_heads * head_dim; }
  // Parameters of the GEMM weights (the embedding table is not a GEMM; the LM head is).
  std::int64_t gemm_weights() const;
};

// The zoo: llama2_7b, llama3_8b, mistral_7b, mixtral_8x7b, qwen2_7b, opt_1.3b, gpt2.
std::vector<std::string> llm_zoo_names();
// A zoo name, or a config.json path. Errors name the file and key.
LlmModel load_llm_model(const std::string& name_or_path);

// One request's share of an iteration.
struct LlmSequence {
  std::int64_t new_tokens = 1;  // tokens computed now (a prefill chunk, or 1 when decoding)
  std::int64_t context = 1;     // tokens attended to, the new ones included
  bool emits_token = true;      // the LM head runs for its last new token
};

// The iteration's GEMMs, layer by layer with their dependencies (docs/traces.md's native trace).
Workload llm_iteration(const LlmModel& model, const std::vector<LlmSequence>& batch, const std::string& name);

}  // namespace sosasim
