#include "workloads/llm.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>

#include <nlohmann/json.hpp>

#include "sim/kernel/errors.h"
#include "workloads/layer_graph.h"

namespace sosasim {

namespace {

// The architectures a config.json may name (`model_type`), and what their keys mean.
const std::vector<std::string> kArchitectures = {"llama", "mistral", "mixtral", "qwen2", "opt", "gpt2", "gpt_neox"};

class ConfigReader {
 public:
  ConfigReader(std::string path, const nlohmann::json& root) : path_(std::move(path)), root_(root) {}

  bool has(const std::string& key) const { return root_.contains(key) && !root_[key].is_null(); }

  std::int64_t positive(const std::string& key) const {
    if (!has(key)) throw ConfigError(SourceLocation{path_, 0, ""}, key, "missing key '" + key + "'");
    const nlohmann::json& value = root_[key];
    if (!value.is_number_integer() || value.get<std::int64_t>() < 1 || value.get<std::int64_t>() > (std::int64_t{1} << 24))
      throw ConfigError(SourceLocation{path_, 0, ""}, key,
                        "expected a whole number from 1 to 2^24, found " + value.dump());
    return value.get<std::int64_t>();
  }
  std::int64_t positive_or(const std::string& key, std::int64_t fallback) const {
    return has(key) ? positive(key) : fallback;
  }
  std::string text(const std::string& key) const {
    if (!has(key) || !root_[key].is_string())
      throw ConfigError(SourceLocation{path_, 0, ""}, key, "missing key '" + key + "' (a string)");
    return root_[key].get<std::string>();
  }
  [[noreturn]] void fail(const std::string& key, const std::string& message) const {
    throw ConfigError(SourceLocation{path_, 0, ""}, key, message);
  }

 private:
  std::string path_;
  const nlohmann::json& root_;
};

LlmModel read_model(const ConfigReader& c, const std::string& name) {
  LlmModel m;
  m.name = name;
  m.architecture = c.text("model_type");
  if (std::find(kArchitectures.begin(), kArchitectures.end(), m.architecture) == kArchitectures.end()) {
    std::string known;
    for (const auto& a : kArchitectures) known += (known.empty() ? "" : ", ") + a;
    c.fail("model_type", "unknown model architecture '" + m.architecture + "'; known: " + known);
  }
  if (m.architecture == "gpt2") {
    m.hidden = c.positive("n_embd");
    m.layers = c.positive("n_layer");
    m.heads = c.positive("n_head");
    m.ffn = c.positive_or("n_inner", 4 * m.hidden);
  } else {
    m.hidden = c.positive("hidden_size");
    m.layers = c.positive("num_hidden_layers");
    m.heads = c.positive("num_attention_heads");
    m.ffn = c.positive(m.architecture == "opt" ? "ffn_dim" : "intermediate_size");
  }
  m.vocab = c.positive("vocab_size");
  m.kv_heads = c.positive_or("num_key_value_heads", m.heads);
  if (m.hidden % m.heads != 0 && !c.has("head_dim"))
    c.fail("num_attention_heads", "hidden size " + std::to_string(m.hidden) + " is not a multiple of " +
                                      std::to_string(m.heads) + " heads (give head_dim)");
  m.head_dim = c.positive_or("head_dim", m.hidden / m.heads);
  if (m.heads % m.kv_heads != 0)
    c.fail("num_key_value_heads", std::to_string(m.heads) + " query heads do not share " +
                                      std::to_string(m.kv_heads) + " key-value heads evenly");
  m.gated_mlp = m.architecture == "llama" || m.architecture == "mistral" || m.architecture == "mixtral" ||
                m.architecture == "qwen2";
  if (m.architecture == "mixtral") {
    m.experts = c.positive("num_local_experts");
    m.experts_per_token = c.positive("num_experts_per_tok");
    if (m.experts_per_token > m.experts)
      c.fail("num_experts_per_tok", "a token cannot go to more experts than the " + std::to_string(m.experts) + " there are");
  }
  // Sizes a model can have (the largest published ones are far inside): the products below stay
  // exact in 64 bits, and an iteration's layer list stays small.
  const char* layers_key = m.architecture == "gpt2" ? "n_layer" : "num_hidden_layers";
  if (m.layers > 4096) c.fail(layers_key, "expected at most 4096 decoder layers, found " + std::to_string(m.layers));
  if (m.experts > 4096) c.fail("num_local_experts", "expected at most 4096 experts, found " + std::to_string(m.experts));
  const double h = static_cast<double>(m.hidden), d = static_cast<double>(m.head_dim);
  const double per_layer = h * d * static_cast<double>(2 * m.heads + 2 * m.kv_heads) +
                           3.0 * h * static_cast<double>(m.ffn) * static_cast<double>(std::max<std::int64_t>(1, m.experts));
  if (per_layer * static_cast<double>(m.layers) + h * static_cast<double>(m.vocab) > 1e15)
    c.fail("hidden_size", "the model's weights (over 10^15) are out of range");
  return m;
}

nlohmann::json zoo_config(const std::string& name) {
  auto llama = [](std::int64_t layers, std::int64_t hidden, std::int64_t heads, std::int64_t kv, std::int64_t ffn,
                  std::int64_t vocab, const char* type) {
    return nlohmann::json{{"model_type", type},         {"num_hidden_layers", layers}, {"hidden_size", hidden},
                          {"num_attention_heads", heads}, {"num_key_value_heads", kv},  {"intermediate_size", ffn},
                          {"vocab_size", vocab}};
  };
  if (name == "llama2_7b") return llama(32, 4096, 32, 32, 11008, 32000, "llama");
  if (name == "llama3_8b") return llama(32, 4096, 32, 8, 14336, 128256, "llama");
  if (name == "mistral_7b") return llama(32, 4096, 32, 8, 14336, 32000, "mistral");
  if (name == "qwen2_7b") return llama(28, 3584, 28, 4, 18944, 152064, "qwen2");
  if (name == "mixtral_8x7b") {
    nlohmann::json c = llama(32, 4096, 32, 8, 14336, 32000, "mixtral");
    c["num_local_experts"] = 8;
    c["num_experts_per_tok"] = 2;
    return c;
  }
  if (name == "opt_1.3b")
    return {{"model_type", "opt"}, {"num_hidden_layers", 24}, {"hidden_size", 2048}, {"num_attention_heads", 32},
            {"ffn_dim", 8192}, {"vocab_size", 50272}};
  if (name == "gpt2")
    return {{"model_type", "gpt2"}, {"n_layer", 12}, {"n_embd", 768}, {"n_head", 12}, {"vocab_size", 50257}};
  return nullptr;
}

}  // namespace

std::int64_t LlmModel::gemm_weights() const {
  const std::int64_t attention = hidden * (heads + 2 * kv_heads) * head_dim + heads * head_dim * hidden;
  const std::int64_t mlp = (gated_mlp ? 3 : 2) * hidden * ffn;
  const std::int64_t per_layer = attention + (experts > 0 ? experts * mlp + hidden * experts : mlp);
  return layers * per_layer + hidden * vocab;
}

std::vector<std::int64_t> expert_tokens(std::int64_t routed, std::int64_t experts, double skew) {
  std::vector<double> weight(static_cast<std::size_t>(experts));
  double sum = 0;
  for (std::int64_t e = 0; e < experts; ++e) sum += weight[static_cast<std::size_t>(e)] = std::pow(static_cast<double>(e + 1), -skew);
  std::vector<std::int64_t> tokens(weight.size());
  std::vector<std::pair<double, std::size_t>> remainders;
  std::int64_t given = 0;
  for (std::size_t e = 0; e < weight.size(); ++e) {
    const double exact = static_cast<double>(routed) * weight[e] / sum;
    tokens[e] = static_cast<std::int64_t>(std::floor(exact));
    given += tokens[e];
    remainders.emplace_back(exact - static_cast<double>(tokens[e]), e);
  }
  // The rest, one each, to the largest remainders (the lower expert first on a tie).
  std::stable_sort(remainders.begin(), remainders.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t i = 0; given < routed; ++i, ++given) ++tokens[remainders[i % remainders.size()].second];
  return tokens;
}

std::vector<std::string> llm_zoo_names() {
  return {"llama2_7b", "llama3_8b", "mistral_7b", "mixtral_8x7b", "qwen2_7b", "opt_1.3b", "gpt2"};
}

LlmModel load_llm_model(const std::string& name_or_path) {
  const nlohmann::json zoo = zoo_config(name_or_path);
  if (!zoo.is_null()) return read_model(ConfigReader("model zoo entry '" + name_or_path + "'", zoo), name_or_path);
  std::ifstream in(name_or_path);
  if (!in) {
    std::string names;
    for (const auto& n : llm_zoo_names()) names += (names.empty() ? "" : ", ") + n;
    throw ConfigError(SourceLocation{name_or_path, 0, ""}, "",
                      "no such model: not a readable config.json, nor a zoo name (" + names + ")");
  }
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    const std::size_t byte = std::min(text.size(), static_cast<std::size_t>(e.byte > 0 ? e.byte - 1 : 0));
    const int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(byte), '\n'));
    throw ConfigError(SourceLocation{name_or_path, line, ""}, "", "not valid JSON");
  } catch (const nlohmann::json::exception& e) {  // a number beyond 64 bits and the like
    throw ConfigError(SourceLocation{name_or_path, 0, ""}, "", std::string("not a readable JSON model config: ") + e.what());
  }
  if (!root.is_object()) throw ConfigError(SourceLocation{name_or_path, 1, ""}, "", "a model config must be a JSON object");
  std::string stem = name_or_path.substr(name_or_path.find_last_of('/') == std::string::npos ? 0 : name_or_path.find_last_of('/') + 1);
  return read_model(ConfigReader(name_or_path, root), stem.substr(0, stem.find_last_of('.')));
}

namespace {

// Adds the GEMMs of an iteration's parts to a workload; each part returns the names of the layers
// whose outputs the next part reads.
class IterationBuilder {
 public:
  IterationBuilder(const LlmModel& model, Workload& workload, bool kv_on_chip)
      : m_(model), w_(workload), kv_on_chip_(kv_on_chip) {}

  // q, k and v of `tokens` tokens.
  std::vector<std::string> projections(const std::string& p, std::int64_t tokens, const std::vector<std::string>& x) {
    const std::int64_t H = m_.hidden, d = m_.head_dim;
    return {add(p + "attn.q_proj", tokens, H, m_.heads * d, 1, x, false),
            add(p + "attn.k_proj", tokens, H, m_.kv_heads * d, 1, x, false),
            add(p + "attn.v_proj", tokens, H, m_.kv_heads * d, 1, x, false)};
  }
  // One request's attention: the query heads that share a key-value head are one GEMM (their
  // new_tokens x group rows stream through the same K and V tiles), one per key-value head.
  std::vector<std::string> attention(const std::string& p, const std::string& r, const LlmSequence& s,
                                     const std::vector<std::string>& qkv) {
    const std::int64_t group = m_.heads / m_.kv_heads, rows = s.new_tokens * group;
    std::vector<std::string> q_and_k, v;
    if (qkv.size() == 3) q_and_k = {qkv[1], qkv[0]}, v = {qkv[2]};
    const std::string qk = add(p + "attn.qk" + r, rows, m_.head_dim, s.context, m_.kv_heads, q_and_k, kv_on_chip_);
    std::vector<std::string> scores_and_v = v;
    scores_and_v.insert(scores_and_v.begin(), qk);
    return {add(p + "attn.pv" + r, rows, s.context, m_.head_dim, m_.kv_heads, scores_and_v, kv_on_chip_)};
  }
  // The output projection and the MLP (or the mixture of experts) of `tokens` tokens.
  std::vector<std::string> output_mlp(const std::string& p, std::int64_t tokens, const std::vector<std::string>& attended) {
    const std::int64_t H = m_.hidden;
    const std::string o = add(p + "attn.o_proj", tokens, m_.heads * m_.head_dim, H, 1, attended, false);
    if (m_.experts > 0) {
      const std::string router = add(p + "mlp.router", tokens, H, m_.experts, 1, {o}, false);
      // Each token goes to experts_per_token experts; the routed tokens spread by the skew.
      const std::vector<std::int64_t> shares = expert_tokens(tokens * m_.experts_per_token, m_.experts, m_.expert_skew);
      std::vector<std::string> outputs;
      for (std::int64_t e = 0; e < m_.experts; ++e) {
        const std::int64_t mine = shares[static_cast<std::size_t>(e)];
        if (mine == 0) continue;
        const std::string ep = p + "mlp.experts." + std::to_string(e) + ".";
        const std::string gate = add(ep + "gate_proj", mine, H, m_.ffn, 1, {router}, false);
        const std::string up = add(ep + "up_proj", mine, H, m_.ffn, 1, {router}, false);
        outputs.push_back(add(ep + "down_proj", mine, m_.ffn, H, 1, {gate, up}, false));
      }
      return outputs;
    }
    if (m_.gated_mlp) {
      const std::string gate = add(p + "mlp.gate_proj", tokens, H, m_.ffn, 1, {o}, false);
      const std::string up = add(p + "mlp.up_proj", tokens, H, m_.ffn, 1, {o}, false);
      return {add(p + "mlp.down_proj", tokens, m_.ffn, H, 1, {gate, up}, false)};
    }
    const std::string h = add(p + "fc1", tokens, H, m_.ffn, 1, {o}, false);
    return {add(p + "fc2", tokens, m_.ffn, H, 1, {h}, false)};
  }
  // Logits of `emitting` tokens.
  void head(std::int64_t emitting, const std::vector<std::string>& x) {
    add("lm_head", emitting, m_.hidden, m_.vocab, 1, x, false);
  }

 private:
  std::string add(const std::string& name, std::int64_t M, std::int64_t K, std::int64_t N, std::int64_t count,
                  std::vector<std::string> depends, bool activation) {
    Layer layer;
    layer.name = name;
    layer.M = M;
    layer.K = K;
    layer.N = N;
    layer.count = count;
    layer.depends_on = std::move(depends);
    layer.depends_on_given = true;
    layer.weights_on_chip = activation;
    w_.layers.push_back(std::move(layer));
    return name;
  }

  const LlmModel& m_;
  Workload& w_;
  bool kv_on_chip_;
};

}  // namespace

Workload llm_iteration(const LlmModel& model, const std::vector<LlmSequence>& batch, const std::string& name) {
  Workload workload{name, "<" + model.name + " iteration>", {}};
  std::int64_t tokens = 0, emitting = 0;
  for (const auto& s : batch) {
    tokens += s.new_tokens;
    if (s.emits_token) ++emitting;
  }
  IterationBuilder build(model, workload, true);
  std::vector<std::string> x;  // the layer input's producers
  for (std::int64_t l = 0; l < model.layers; ++l) {
    const std::string p = "layers." + std::to_string(l) + ".";
    const std::vector<std::string> qkv = build.projections(p, tokens, x);
    std::vector<std::string> attended;
    for (std::size_t i = 0; i < batch.size(); ++i)
      for (const auto& name : build.attention(p, batch.size() == 1 ? "" : ".r" + std::to_string(i), batch[i], qkv))
        attended.push_back(name);
    x = build.output_mlp(p, tokens, attended);
  }
  if (emitting > 0) build.head(emitting, x);
  resolve_dependencies(workload);
  return workload;
}

Workload llm_phase(const LlmModel& model, LlmPhase phase, const LlmSequence& shape, bool kv_in_dram,
                   const std::string& prefix) {
  Workload workload{prefix + to_string(phase), "<" + model.name + " serving phase>", {}};
  IterationBuilder build(model, workload, !kv_in_dram);
  switch (phase) {
    case LlmPhase::Projections: build.projections(prefix, shape.new_tokens, {}); break;
    case LlmPhase::Attention: build.attention(prefix, "", shape, {}); break;
    case LlmPhase::OutputMlp: build.output_mlp(prefix, shape.new_tokens, {}); break;
    case LlmPhase::Head: build.head(shape.new_tokens, {}); break;
  }
  resolve_dependencies(workload);
  for (auto& layer : workload.layers)
    if (layer.depends.empty()) layer.input_from = Layer::InputFrom::Chip;  // the phase before wrote them
  return workload;
}

std::string to_string(LlmPhase phase) {
  switch (phase) {
    case LlmPhase::Projections: return "projections";
    case LlmPhase::Attention: return "attention";
    case LlmPhase::OutputMlp: return "output_mlp";
    case LlmPhase::Head: return "head";
  }
  return "";
}

}  // namespace sosasim
