#include "sim/pod_commands.h"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <limits>
#include <map>
#include <memory>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "arch/microscaling.h"
#include "arch/numerics.h"
#include "arch/pod_gemm.h"
#include "sim/kernel/errors.h"
#include "sim/kernel/registry.h"

namespace sosasim {

namespace {

// Format options as given on the command line; validated against the registered schema.
struct FormatOptions {
  std::string type = "int8";
  std::map<std::string, std::string> given;  // param name -> text, only those given
  std::map<std::string, std::string> flags;  // param name -> option name, for messages
};

void add_format_options(CLI::App& command, FormatOptions& options) {
  command.add_option("--format", options.type,
                     "number format: int8, bf16, fp32, bfp, mxint8, mxfp8_e4m3, mxfp8_e5m2, mxfp6_e3m2, mxfp6_e2m3, "
                     "mxfp4_e2m1 or nvfp4");
  // One option per parameter of any registered format, named after it (seed -> --rounding-seed,
  // since gemm's --seed seeds the inputs).
  std::vector<std::pair<std::string, std::string>> params;
  std::map<std::string, std::string> help;
  for (const auto& [name, info] : ComponentRegistry::instance().of_kind("format"))
    for (const auto& def : info.params) {
      std::string flag = def.name == "seed" ? "rounding-seed" : def.name;
      std::replace(flag.begin(), flag.end(), '_', '-');
      if (options.flags.count(def.name) == 0) params.emplace_back(def.name, "--" + flag);
      help[def.name] = name + ": " + def.description + " (" + describe_expected(def) + ")";
      options.flags[def.name] = "--" + flag;
    }
  for (const auto& [param, flag] : params) {
    command.add_option_function<std::string>(
        flag, [&options, param = param](const std::string& value) { options.given[param] = value; },
        help[param]);
  }
}

FormatSpec resolve_format(const FormatOptions& options) {
  const ComponentInfo* info = ComponentRegistry::instance().find("format", options.type);
  if (!info) {
    std::string guess = did_you_mean(options.type, ComponentRegistry::instance().names("format"));
    throw ConfigError(SourceLocation{"command line", 0, "--format " + options.type}, "format.type",
                      "unknown format '" + options.type + "'" + (guess.empty() ? "" : "; did you mean '" + guess + "'?"));
  }
  for (const auto& [param, text] : options.given) {
    bool known = false;
    for (const auto& def : info->params) known = known || def.name == param;
    if (!known)
      throw ConfigError(SourceLocation{"command line", 0, options.flags.at(param)}, "format." + param,
                        "format '" + options.type + "' has no parameter '" + param + "'");
  }
  FormatSpec format;
  format.type = options.type;
  for (const auto& def : info->params) {
    auto it = options.given.find(def.name);
    std::string text = it == options.given.end() ? def.default_text : it->second;
    ParamValue value = parse_param(def, text, SourceLocation{"command line", 0, options.flags.at(def.name) + " " + text},
                                   "format." + def.name);
    if (def.name == "mantissa_bits") format.mantissa_bits = std::get<std::int64_t>(value);
    if (def.name == "block_size") format.block_size = std::get<std::int64_t>(value);
    if (def.name == "exponent_bits") format.exponent_bits = std::get<std::int64_t>(value);
    if (def.name == "exponent_rule") format.exponent_rule = std::get<std::string>(value);
    if (def.name == "rounding") format.rounding = std::get<std::string>(value);
    if (def.name == "seed") format.seed = std::get<std::int64_t>(value);
  }
  return format;
}

// What one pod can simulate in memory and reasonable time, refused up front with the limit:
// --functional holds X, W and Y in FP64 and in the format (about 4 copies); every run steps
// through the GEMM's array folds (ceil(M / r) x ceil(K / r) x ceil(N / c)), the reference array
// through every PE in every cycle.
void check_gemm_size(const PodGemmSpec& spec) {
  const auto M = static_cast<long double>(spec.M), K = static_cast<long double>(spec.K),
             N = static_cast<long double>(spec.N);
  const std::string shape = std::to_string(spec.M) + " x " + std::to_string(spec.K) + " x " + std::to_string(spec.N);
  if (spec.functional && M * K + K * N + M * N > static_cast<long double>(1LL << 25))
    throw ConfigError(SourceLocation{"command line", 0, "--functional"}, "",
                      "holds X, W and Y (M x K + K x N + M x N elements) in FP64 and in the format: at most 2^25 "
                      "elements, this GEMM (" + shape + ") has " + std::to_string(static_cast<long long>(M * K + K * N + M * N)));
  if (spec.functional && M * K * N > static_cast<long double>(1LL << 36))
    throw ConfigError(SourceLocation{"command line", 0, "--functional"}, "",
                      "computes every MAC in software: at most 2^36 MACs, this GEMM (" + shape + ") has more");
  const auto r = static_cast<long double>(spec.array.rows), c = static_cast<long double>(spec.array.cols);
  const long double folds = std::ceil(M / r) * std::ceil(K / r) * std::ceil(N / c);
  const long double limit = spec.reference ? static_cast<long double>(1LL << 24) : static_cast<long double>(1LL << 34);
  if (folds > limit)
    throw ConfigError(SourceLocation{"command line", 0, "--M " + std::to_string(spec.M)}, "",
                      std::string("this GEMM (") + shape + ") takes about 2^" +
                          std::to_string(static_cast<int>(std::floor(std::log2(static_cast<double>(folds))))) +
                          " folds of the array, over the " + (spec.reference ? "2^24 the reference array" : "2^34 the pod model") +
                          " simulates in reasonable time");
}

ConfigError option_error(const std::string& option, const std::string& text, const std::string& expected) {
  return ConfigError(SourceLocation{"command line", 0, option + " " + text}, "",
                     "expected " + expected + ", found '" + text + "'");
}

struct GemmOptions {
  std::int64_t M = 0, K = 0, N = 0, rows = 32, cols = 32;
  std::string dataflow = "ws", partition = "auto", double_buffer = "true", fidelity = "fast";
  std::string sparsity, order = "prune_first";
  bool functional = false, json = false, scalesim = false;
  std::uint64_t seed = 1;
  FormatOptions format;
};

int run_gemm(const GemmOptions& o) {
  PodGemmSpec spec;
  spec.M = o.M;
  spec.K = o.K;
  spec.N = o.N;
  spec.array.rows = o.rows;
  spec.array.cols = o.cols;
  if (!parse_dataflow(o.dataflow, spec.array.dataflow)) throw option_error("--dataflow", o.dataflow, "ws, os or is");
  if (o.double_buffer != "true" && o.double_buffer != "false")
    throw option_error("--double-buffer-weights", o.double_buffer, "true or false");
  spec.array.double_buffer_weights = o.double_buffer == "true";
  if (o.partition == "auto") {
    spec.partition = o.rows;
  } else if (o.partition == "none") {
    spec.partition = 0;
  } else {
    try {
      std::size_t used = 0;
      spec.partition = std::stoll(o.partition, &used);
      if (used != o.partition.size() || spec.partition < 1) throw std::invalid_argument("partition");
    } catch (const std::exception&) {
      throw option_error("--partition", o.partition, "auto, none or an integer >= 1");
    }
  }
  if (o.fidelity != "fast" && o.fidelity != "reference") throw option_error("--fidelity", o.fidelity, "fast or reference");
  spec.reference = o.fidelity == "reference";
  if (o.scalesim) {
    // SCALE-Sim's conventions: no M split, no double buffering, operands always ready.
    spec.partition = 0;
    spec.array.double_buffer_weights = false;
  }
  spec.functional = o.functional;
  spec.format = resolve_format(o.format);
  spec.seed = o.seed;
  if (!o.sparsity.empty() && !parse_sparsity(o.sparsity, spec.sparsity_keep, spec.sparsity_group))
    throw option_error("--sparsity", o.sparsity, "N:M with 1 <= N < M <= 64, e.g. 2:4");
  if (o.order != "prune_first" && o.order != "quantize_first")
    throw option_error("--order", o.order, "prune_first or quantize_first");
  spec.prune_first = o.order == "prune_first";

  check_gemm_size(spec);
  PodGemmResult result = run_pod_gemm(spec);
  nlohmann::ordered_json out;
  out["M"] = spec.M;
  out["K"] = spec.K;
  out["N"] = spec.N;
  out["rows"] = spec.array.rows;
  out["cols"] = spec.array.cols;
  out["dataflow"] = o.dataflow;
  out["fidelity"] = o.fidelity;
  out["cycles"] = result.cycles;
  if (o.scalesim) out["scalesim_cycles"] = result.cycles - 1;
  out["useful_macs"] = result.useful_macs;
  out["utilization"] = result.utilization;
  out["tile_ops"] = result.tile_ops;
  out["weight_loads"] = result.weight_loads;
  if (result.pe_cycles) out["pe_cycles"] = result.pe_cycles;
  if (spec.functional) {
    out["format"] = spec.format.type;
    out["max_abs_error"] = result.max_abs_error;
    out["rel_fro_error"] = result.rel_fro_error;
    out["sqnr_db"] = std::isfinite(result.sqnr_db) ? nlohmann::ordered_json(result.sqnr_db) : nlohmann::ordered_json("inf");
  }
  if (o.json) {
    std::cout << out.dump(2) << "\n";
  } else {
    for (auto it = out.begin(); it != out.end(); ++it) std::cout << it.key() << ": " << it.value().dump() << "\n";
  }
  return 0;
}

// Microscaling blocks (arch/microscaling.h) as `quantize --json` prints them.
nlohmann::ordered_json microscaling_json(const MicroscalingLayout& layout, const std::vector<double>& values) {
  const float tensor_scale = layout.nvfp4 ? nvfp4_tensor_scale(values) : 1.0f;
  MicroscalingTensor tensor =
      quantize_microscaling(layout, values, 0, 1, static_cast<std::int64_t>(values.size()), tensor_scale);
  nlohmann::ordered_json out;
  if (layout.nvfp4) out["tensor_scale"] = tensor.tensor_scale;
  out["blocks"] = nlohmann::ordered_json::array();
  for (const auto& block : tensor.blocks) {
    nlohmann::ordered_json b;
    if (layout.nvfp4) {
      b["exponent"] = nullptr;  // NVFP4's scale is an E4M3 number, not a power of two
      b["scale_e8m0"] = nullptr;
      b["scale_e4m3"] = block.scale_code;
      b["scale"] = block.scale;
    } else {
      b["exponent"] = block.shared_exponent;
      b["scale_e8m0"] = block.scale_code;
    }
    b["elements"] = block.elements;
    b["element_codes"] = nlohmann::ordered_json::array();
    for (double element : block.elements) b["element_codes"].push_back(layout.element->encode(element));
    b["values"] = block.values;
    out["blocks"].push_back(b);
  }
  return out;
}

int run_quantize(const FormatOptions& options, const std::vector<std::string>& numbers, bool json) {
  FormatSpec format = resolve_format(options);
  const MicroscalingLayout* layout = microscaling_layout(format.type);
  if (format.type != "bfp" && layout == nullptr)
    throw ConfigError(SourceLocation{"command line", 0, "--format " + format.type}, "format.type",
                      "quantize shows block formats: bfp, mxint8, mxfp8_e4m3, mxfp8_e5m2, mxfp6_e3m2, mxfp6_e2m3, "
                      "mxfp4_e2m1 or nvfp4");
  std::vector<double> values;
  for (const auto& text : numbers) {
    char* end = nullptr;
    double value = std::strtod(text.c_str(), &end);
    if (text.empty() || *end != '\0' || !std::isfinite(value)) throw option_error("value", text, "a finite number");
    values.push_back(value);
  }
  if (values.empty()) throw ConfigError("command line: quantize needs numbers after --");
  if (layout != nullptr) {
    for (double v : values)
      if (std::fabs(v) > static_cast<double>(std::numeric_limits<float>::max()))
        throw option_error("value", std::to_string(v), "a number in the FP32 range (the formats convert from FP32)");
    nlohmann::ordered_json out = microscaling_json(*layout, values);
    if (json) {
      std::cout << out.dump(2) << "\n";
    } else {
      if (out.contains("tensor_scale")) std::cout << "tensor_scale=" << out["tensor_scale"] << "\n";
      for (const auto& block : out["blocks"])
        std::cout << (layout->nvfp4 ? "scale=" + block["scale"].dump() : "X=2^" + block["exponent"].dump())
                  << " elements=" << block["elements"].dump() << " values=" << block["values"].dump() << "\n";
    }
    return 0;
  }
  Numerics numerics(format);
  nlohmann::ordered_json out;
  out["blocks"] = nlohmann::ordered_json::array();
  for (const auto& block : numerics.quantize_blocks(values))
    out["blocks"].push_back({{"exponent", block.exponent}, {"mantissas", block.mantissas}, {"values", block.values}});
  if (json) {
    std::cout << out.dump(2) << "\n";
  } else {
    for (const auto& block : out["blocks"])
      std::cout << "E=" << block["exponent"] << " q=" << block["mantissas"].dump() << " values=" << block["values"].dump()
                << "\n";
  }
  return 0;
}

}  // namespace

void add_pod_commands(CLI::App& app, int& exit_code) {
  auto gemm_options = std::make_shared<GemmOptions>();
  GemmOptions& g = *gemm_options;
  auto* gemm = app.add_subcommand("gemm", "one GEMM X[M x K] . W[K x N] on one pod (cycles, and errors with --functional)");
  gemm->add_option("--M", g.M, "rows of X")->required()->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 30));
  gemm->add_option("--K", g.K, "reduction dimension")->required()->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 30));
  gemm->add_option("--N", g.N, "columns of W")->required()->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 30));
  gemm->add_option("--rows", g.rows, "array rows r")->check(CLI::Range(1, 4096));
  gemm->add_option("--cols", g.cols, "array columns c")->check(CLI::Range(1, 4096));
  gemm->add_option("--dataflow", g.dataflow, "ws, os or is");
  gemm->add_option("--partition", g.partition, "rows streamed per tile op: auto (= rows), none or a number");
  gemm->add_option("--double-buffer-weights", g.double_buffer, "true or false");
  gemm->add_option("--fidelity", g.fidelity, "fast or reference");
  gemm->add_option("--sparsity", g.sparsity, "N:M structured pruning of W along K, e.g. 2:4");
  gemm->add_option("--order", g.order, "prune_first or quantize_first");
  gemm->add_flag("--functional", g.functional, "compute the result in the format and report its error against FP64");
  gemm->add_option("--seed", g.seed, "seed of the random inputs (normal distribution)");
  gemm->add_flag("--scalesim", g.scalesim, "SCALE-Sim's conventions: no M split, single-buffered, and scalesim_cycles");
  gemm->add_flag("--json", g.json, "print JSON");
  add_format_options(*gemm, g.format);
  gemm->callback([gemm_options, &exit_code] { exit_code = run_gemm(*gemm_options); });

  struct QuantizeOptions {
    FormatOptions format;
    std::vector<std::string> numbers;
    bool json = false;
  };
  auto quantize_options = std::make_shared<QuantizeOptions>();
  quantize_options->format.type = "bfp";
  auto* quantize = app.add_subcommand("quantize", "quantize numbers to a block format (bfp, MX, NVFP4), block by block");
  add_format_options(*quantize, quantize_options->format);
  quantize->add_flag("--json", quantize_options->json, "print JSON");
  quantize->add_option("values", quantize_options->numbers, "the numbers (after --)");
  quantize->callback([quantize_options, &exit_code] {
    exit_code = run_quantize(quantize_options->format, quantize_options->numbers, quantize_options->json);
  });
}

}  // namespace sosasim
