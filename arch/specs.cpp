// arch/'s config sections: each spec's schema beside the code that reads it into the SimConfig
// (sim/kernel/config_sections.h). The specs themselves: arch/specs.h.
#include "arch/specs.h"

#include <limits>

#include "sim/kernel/config_sections.h"

namespace sosasim {

namespace {


const SectionRegistration kArray{
    {"section", "array",
    "the pod's weight-stationary systolic array",
    {{"rows", ParamType::Int, "PEs", "32", "r: PE rows, along the reduction dimension K", 1, 4096, {}},
     {"cols", ParamType::Int, "PEs", "32", "c: PE columns, along the output dimension N", 1, 4096, {}},
     {"double_buffer_weights", ParamType::Bool, "", "true",
      "load the next weight tile while the current one computes", -kInf, kInf, {}},
     {"ideal_fill_drain", ParamType::Bool, "", "false",
      "SOSA-simulator compatibility: a tile op takes only its streamed rows (no weight load, fill or drain)",
      -kInf, kInf, {}}}},
    kOrderArray, [](SectionReader& reader, SimConfig& config) {
      const ParamValues array = reader.section("array");
      config.array.rows = array.get_int("rows");
      config.array.cols = array.get_int("cols");
      config.array.double_buffer_weights = array.get_bool("double_buffer_weights");
      config.array.ideal_fill_drain = array.get_bool("ideal_fill_drain");
    }};

// `type` names a registered format (arch/number_format.h), whose parameters join the section.
const SectionRegistration kFormat{
    {"section", "format",
    "number format of operands and MACs; `type` selects a registered format",
    {{"type", ParamType::String, "", "int8", "a registered format (see kind 'format')", -kInf, kInf, {}}}},
    kOrderFormat, [](SectionReader& reader, SimConfig& config) {
      const ParamValues format = reader.component_section("format", "type", "format");
      config.format.type = format.get_string("type");
      if (format.has("mantissa_bits")) config.format.mantissa_bits = format.get_int("mantissa_bits");
      if (format.has("block_size")) config.format.block_size = format.get_int("block_size");
      if (format.has("exponent_bits")) config.format.exponent_bits = format.get_int("exponent_bits");
      if (format.has("exponent_rule")) config.format.exponent_rule = format.get_string("exponent_rule");
      if (format.has("rounding")) config.format.rounding = format.get_string("rounding");
      if (format.has("seed")) config.format.seed = format.get_int("seed");
      if (format.has("first_last_mantissa_bits"))
        config.format.first_last_mantissa_bits = format.get_int("first_last_mantissa_bits");
    }};

const SectionRegistration kSparsity{
    {"section", "sparsity",
    "N:M structured weight sparsity along K; a sparse array skips pruned MACs and stores index bits",
    {{"pattern", ParamType::String, "", "none", "none, or N:M such as 2:4 (N of every M weights kept)", -kInf, kInf,
      {}}}},
    kOrderSparsity, [](SectionReader& reader, SimConfig& config) {
      const std::string pattern = reader.section("sparsity").get_string("pattern");
      if (pattern != "none" && !parse_sparsity_pattern(pattern, config.sparsity.keep, config.sparsity.group))
        throw ConfigError(reader.where("sparsity.pattern"), "sparsity.pattern",
                          "expected none or N:M with 1 <= N < M <= 64 (e.g. 2:4), found '" + pattern + "'");
    }};

const SectionRegistration kSram{
    {"section", "sram",
    "per-pod SRAM banks (X, W and P, one each)",
    {{"bank_kib", ParamType::Int, "KiB", "256", "capacity of each bank", 1, 1 << 20, {}}}},
    kOrderSram, [](SectionReader& reader, SimConfig& config) {
      config.sram.bank_kib = reader.section("sram").get_int("bank_kib");
    }};

const SectionRegistration kDram{
    {"section", "dram",
    "off-chip memory feeding weights and first-layer inputs",
    {{"bandwidth_gibps", ParamType::Float, "GiB/s", "1200",
      "sustained bandwidth in GiB/s (2^30 bytes per second; SOSA's \"1200 GB/s\" counts GB as 2^30 B)", 1e-3, 1e9, {}},
     {"bandwidth_gbps", ParamType::String, "GiB/s", "",
      "the old name of bandwidth_gibps (it always held GiB/s), still read; not both", -kInf, kInf, {}},
     {"latency_cycles", ParamType::Int, "cycles", "100", "latency of a request", 0, 1e9, {}},
     {"capacity_gib", ParamType::Float, "GiB", "80",
      "capacity: it holds the weights and, in a serving run, the KV cache (serving.kv_cache)", 1e-6, 1e9, {}},
     {"prefetch_kib", ParamType::Int, "KiB", "0",
      "prefetch window: weight bytes fetched ahead of the ops that use them and not yet freed (a tile frees "
      "when its last op finishes) may not exceed it; 0: the W banks' capacity (pods x sram.bank_kib)",
      0, 1 << 30, {}},
     {"inputs", ParamType::Choice, "", "tensor",
      "what a first layer reads from DRAM: tensor: its input tensor as stored (a convolution's H x W x C, "
      "lowered by im2col on its way into the X banks); im2col: the lowered M x K matrix, as the SOSA "
      "authors' cycle model fetches X tiles",
      -kInf, kInf, {"tensor", "im2col"}},
     {"layer_inputs", ParamType::Choice, "", "first_layers",
      "first_layers: only layers without producers read their input from DRAM (the others read what their "
      "producers wrote to the X banks, and attention's activation W operands stay on chip); every_layer: every "
      "layer reads its X operand, and an activation W operand, from DRAM (a machine that keeps no activations "
      "on chip; one layer's X operand from DRAM: the trace column input_from, docs/traces.md)",
      -kInf, kInf, {"first_layers", "every_layer"}}}},
    kOrderDram, [](SectionReader& reader, SimConfig& config) {
      const ParamValues dram = reader.section("dram");
      config.dram.bandwidth_gibps = dram.get_double("bandwidth_gibps");
      if (reader.given("dram.bandwidth_gbps")) {  // the old name, an alias
        if (reader.given("dram.bandwidth_gibps"))
          throw ConfigError(reader.where("dram.bandwidth_gbps"), "dram.bandwidth_gbps",
                            "the old name of dram.bandwidth_gibps; give one of them, not both");
        const ParamDef def{"bandwidth_gbps", ParamType::Float, "GiB/s", "", "", 1e-3, 1e9, {}};
        config.dram.bandwidth_gibps = std::get<double>(
            parse_param(def, dram.get_string("bandwidth_gbps"), reader.where("dram.bandwidth_gbps"), "dram.bandwidth_gbps"));
        reader.resolved("dram.bandwidth_gibps") = config.dram.bandwidth_gibps;
      }
      reader.resolved("dram").erase("bandwidth_gbps");
      config.dram.latency_cycles = dram.get_int("latency_cycles");
      config.dram.lowered_inputs = dram.get_string("inputs") == "im2col";
      config.dram.every_layer_inputs = dram.get_string("layer_inputs") == "every_layer";
      config.dram.prefetch_kib = dram.get_int("prefetch_kib");
      config.dram.capacity_gib = dram.get_double("capacity_gib");
    }};

const SectionRegistration kPower{
    {"section", "power",
    "power budget and technology table",
    {{"budget_w", ParamType::Float, "W", "400", "budget for iso-power throughput", 1e-6, 1e9, {}},
     {"tech_file", ParamType::String, "", "",
      "YAML technology table; empty = built-in 28 nm table (arch/tech_28nm.yaml)", -kInf, kInf, {}}}},
    kOrderPower, [](SectionReader& reader, SimConfig& config) {
      const ParamValues power = reader.section("power");
      config.power.budget_w = power.get_double("budget_w");
      config.power.tech_file = power.get_string("tech_file");
      if (!config.power.tech_file.empty()) {
        config.power.tech_file = reader.resolve_file("technology file", config.power.tech_file, "power.tech_file");
        reader.resolved("power.tech_file") = config.power.tech_file;
      }
    }};

}  // namespace

}  // namespace sosasim
