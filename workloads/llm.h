// Decoder-only language models for serving (issue 18, item 1): a model read from a Hugging Face
// style config.json (Llama 2/3, Mistral, Mixtral, Qwen2, OPT, GPT-2, GPT-NeoX) or a zoo name, and
// the GEMMs of one serving iteration, in which each request of the batch computes some new tokens
// (a prefill chunk, or one decode token) against its context, as a Workload the simulator runs.
//
// Per decoder layer, with T the batch's new tokens: the q, k and v projections (T x H by
// H x heads*d, kv_heads*d, kv_heads*d), then per request i (q_i new tokens, attending to c_i
// tokens of context, its own included) the scores (q_i x d by d x c_i) and their product with V
// (q_i x c_i by c_i x d), one GEMM per key-value head whose rows are the q_i tokens of every query
// head sharing it (grouped-query attention reads each K and V once), whose W operands are the KV
// cache,
// the output projection, and the MLP: gate and up (SwiGLU) or fc1, then down or fc2; a
// mixture-of-experts layer routes each token to `experts_per_token` of `experts` experts (a router
// GEMM, then each expert's MLP over the tokens it receives: evenly, or skewed by `expert_skew`). The LM head computes
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
  // How the routed tokens spread over the experts: 0 evenly; s > 0 a Zipf law, expert e (from 0)
  // receiving a share proportional to 1 / (e + 1)^s (serving.expert_skew).
  double expert_skew = 0;

  // Elements of K and V per token over all layers (bytes: times the format's bytes per element).
  std::int64_t kv_elements_per_token() const { return 2 * layers * kv_heads * head_dim; }
  // Parameters of the GEMM weights (the embedding table is not a GEMM; the LM head is).
  std::int64_t gemm_weights() const;
};

// The tokens each of `experts` experts receives of `routed` (largest remainders; a skew of 0
// spreads them evenly).
std::vector<std::int64_t> expert_tokens(std::int64_t routed, std::int64_t experts, double skew);

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
// Attention's K and V are activations on chip here (the trace's w_operand column).
Workload llm_iteration(const LlmModel& model, const std::vector<LlmSequence>& batch, const std::string& name);

// The phases of a serving iteration (sim/serving.h): per decoder layer, the q, k and v
// projections of the batch's T new tokens, each request's attention, then the output projection
// and the MLP; after the last decoder layer, the LM head of the E tokens emitted.
enum class LlmPhase { Projections, Attention, OutputMlp, Head };
std::string to_string(LlmPhase phase);

// One phase as a workload whose first layers read their inputs from the X banks (the phase before
// wrote them there). `shape.new_tokens` is T (projections, output and MLP), E (head) or the
// request's new tokens (attention, with `shape.context`); `kv_in_dram`: attention reads K and V
// from DRAM (they are W operands streamed like weights), else they stay in the W banks.
// `prefix` starts the layers' names ("layers.3.").
Workload llm_phase(const LlmModel& model, LlmPhase phase, const LlmSequence& shape, bool kv_in_dram,
                   const std::string& prefix);

}  // namespace sosasim
