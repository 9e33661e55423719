// Config loading and validation (DESIGN.md section 8, STYLE.md "specs before models").
//
// The YAML tree is read once; -p overrides are written into it before validation, so they go
// through exactly the same checks as the file. Each section is checked against the parameter
// schema registered for it (kind "section"); component sections (format, interconnect, tiling)
// add the parameters of the component their selector key names.
#include "sim/kernel/config.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>

#include <yaml-cpp/yaml.h>

#include "sim/kernel/registry.h"

namespace sosasim {

namespace fs = std::filesystem;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// ---- the schemas of the config sections, printed by `sosasim list` ----

const ComponentRegistration kMachineSection{{"section", "machine",
    "top-level keys: the number of pods and the clock",
    {{"pods", ParamType::Int, "", "256", "number of pods (systolic arrays)", 1, 1 << 20, {}},
     {"frequency_ghz", ParamType::Float, "GHz", "1.0", "clock frequency of pods, banks and networks",
      1e-3, 100, {}}}}};

const ComponentRegistration kArraySection{{"section", "array",
    "the pod's weight-stationary systolic array",
    {{"rows", ParamType::Int, "PEs", "32", "r: PE rows, along the reduction dimension K", 1, 4096, {}},
     {"cols", ParamType::Int, "PEs", "32", "c: PE columns, along the output dimension N", 1, 4096, {}},
     {"double_buffer_weights", ParamType::Bool, "", "true",
      "load the next weight tile while the current one computes", -kInf, kInf, {}},
     {"ideal_fill_drain", ParamType::Bool, "", "false",
      "SOSA-simulator compatibility: a tile op takes only its streamed rows (no weight load, fill or drain)",
      -kInf, kInf, {}}}}};

const ComponentRegistration kFormatSection{{"section", "format",
    "number format of operands and MACs; `type` selects a registered format",
    {{"type", ParamType::String, "", "int8", "a registered format (see kind 'format')", -kInf, kInf, {}}}}};

const ComponentRegistration kSparsitySection{{"section", "sparsity",
    "N:M structured weight sparsity along K; a sparse array skips pruned MACs and stores index bits",
    {{"pattern", ParamType::String, "", "none", "none, or N:M such as 2:4 (N of every M weights kept)", -kInf, kInf,
      {}}}}};

const ComponentRegistration kSramSection{{"section", "sram",
    "per-pod SRAM banks (X, W and P, one each)",
    {{"bank_kib", ParamType::Int, "KiB", "256", "capacity of each bank", 1, 1 << 20, {}}}}};

const ComponentRegistration kDramSection{{"section", "dram",
    "off-chip memory feeding weights and first-layer inputs",
    {{"bandwidth_gbps", ParamType::Float, "GB/s (2^30 B)", "1200", "sustained bandwidth", 1e-3, 1e9, {}},
     {"latency_cycles", ParamType::Int, "cycles", "100", "latency of a request", 0, 1e9, {}},
     {"prefetch_kib", ParamType::Int, "KiB", "0",
      "prefetch window: weight bytes fetched ahead of the ops that use them and not yet freed (a tile frees "
      "when its last op finishes) may not exceed it; 0: the W banks' capacity (pods x sram.bank_kib)",
      0, 1 << 30, {}},
     {"inputs", ParamType::Choice, "", "tensor",
      "what a first layer reads from DRAM: tensor: its input tensor as stored (a convolution's H x W x C, "
      "lowered by im2col on its way into the X banks); im2col: the lowered M x K matrix, as the SOSA "
      "authors' cycle model fetches X tiles",
      -kInf, kInf, {"tensor", "im2col"}}}}};

const ComponentRegistration kInterconnectSection{{"section", "interconnect",
    "networks between SRAM banks and pods; `topology` selects a registered topology for all of them; "
    "`x`, `w` or `p` (a section: `topology`, its parameters and `hop_latency`) gives the input, weight or "
    "partial-sum network one of its own",
    {{"topology", ParamType::String, "", "butterfly", "a registered topology (see kind 'topology')",
      -kInf, kInf, {}},
     {"hop_latency", ParamType::Int, "cycles", "1", "cycles per router on a path (switch and link)", 1, 64, {}},
     {"transfers", ParamType::Choice, "", "contention",
      "contention: tiles reserve the X and W networks' links first come, first served (a link calendar; not "
      "under sosa_rounds, which reserves routes per round); routers: tiles cross the networks flit by flit "
      "through input-buffered routers with credits, virtual cut-through and round-robin arbitration (the fast "
      "router engine, or at reference fidelity the flit-level one); ideal: tiles reach the pods at once",
      -kInf, kInf, {"contention", "routers", "ideal"}},
     {"routing", ParamType::Choice, "", "straight_first",
      "with transfers: routers, the output a packet takes at a free-choice stage (butterfly expansion, Benes): "
      "straight_first: the one that keeps its source's address bit, or the other when only that one can be "
      "granted; random_first: one picked at random per packet, or the other likewise; oblivious: the random "
      "one, always",
      -kInf, kInf, {"straight_first", "random_first", "oblivious"}},
     {"port_placement", ParamType::Choice, "", "spread",
      "which ports the pods (with their banks) take when the network has more ports than pods (a butterfly or "
      "Benes over a power of two): spread: evenly over all ports (pod i at port floor(i * ports / pods)); "
      "packed: the first ones",
      -kInf, kInf, {"spread", "packed"}}}}};

const ComponentRegistration kTilingSection{{"section", "tiling",
    "how GEMMs are cut into tile ops and placed on pods; `scheduler` selects a registered scheduler",
    {{"partition_size", ParamType::String, "rows", "auto",
      "p: rows of X per tile op (SOSA's custom partition size); auto = array rows", -kInf, kInf, {}},
     {"scheduler", ParamType::String, "", "dynamic", "a registered scheduler (see kind 'scheduler')",
      -kInf, kInf, {}},
     {"k_reduction", ParamType::Choice, "", "free",
      "free: partial sums of an output tile computed on several pods are added at no cost; post_processors: "
      "those pods add them up in a binomial tree over the post-processor network, rooted at the pod with the "
      "last K block (with tiles through the networks); under sosa_rounds, as the SOSA authors' compiler: "
      "chained to a later round's op where possible, else pairwise additions on the post-processors in later "
      "rounds (tiling/round_schedule.h)",
      -kInf, kInf, {"free", "post_processors"}}}}};

const ComponentRegistration kPowerSection{{"section", "power",
    "power budget and technology table",
    {{"budget_w", ParamType::Float, "W", "400", "budget for iso-power throughput", 1e-6, 1e9, {}},
     {"tech_file", ParamType::String, "", "",
      "YAML technology table; empty = built-in 28 nm table (arch/tech_28nm.yaml)", -kInf, kInf, {}}}}};

const ComponentRegistration kSimulationSection{{"section", "simulation",
    "how the pods are simulated",
    {{"fidelity", ParamType::Choice, "", "fast",
      "fast: per tile op; reference: the PE array cycle by cycle (same cycles, much slower; for small systems)",
      -kInf, kInf, {"fast", "reference"}}}}};

const ComponentRegistration kWorkloadSection{{"section", "workload",
    "a DNN layer trace (or a list of them: under `dynamic` they share the pods at tile-op granularity, otherwise they run one after another)",
    {{"trace", ParamType::String, "", "workloads/models/resnet50_299.csv",
      "trace file; relative paths resolve against the config's folder, then the repository root",
      -kInf, kInf, {}},
     {"name", ParamType::String, "", "", "name in reports; empty = the trace's file stem", -kInf, kInf, {}}}}};

const std::vector<std::string> kTopLevelKeys = {"pods",   "frequency_ghz", "array",  "format",
                                                "sparsity", "sram",       "dram",   "interconnect",
                                                "tiling", "power",        "workload", "simulation"};

// Holds the YAML tree and knows where each key came from.
class ConfigDocument {
 public:
  ConfigDocument(std::string file, YAML::Node root) : file_(std::move(file)), root_(std::move(root)) {}

  const YAML::Node& root() const { return root_; }
  const std::string& file() const { return file_; }

  // Writes "a.b.c=value" into the tree, creating maps along the way.
  void apply_override(const std::string& text) {
    auto eq = text.find('=');
    SourceLocation where{"command line", 0, "-p " + text};
    if (eq == std::string::npos || eq == 0)
      throw ConfigError(where, "", "an override must look like key.path=value");
    std::string path = text.substr(0, eq);
    std::string value = text.substr(eq + 1);
    std::vector<std::string> segments;
    std::size_t start = 0;
    while (true) {
      auto dot = path.find('.', start);
      segments.push_back(path.substr(start, dot - start));
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    for (const auto& segment : segments)
      if (segment.empty()) throw ConfigError(where, path, "empty key in the path");
    overrides_[path] = text;
    if (!root_.IsMap()) root_.reset(YAML::Node(YAML::NodeType::Map));
    // yaml-cpp nodes are handles: walking with operator[] on copies writes into the tree.
    YAML::Node node = root_;
    for (std::size_t i = 0; i + 1 < segments.size(); ++i) {
      YAML::Node next = node[segments[i]];
      if (!next.IsDefined() || next.IsNull()) {
        node[segments[i]] = YAML::Node(YAML::NodeType::Map);
        next = node[segments[i]];
      } else if (next.IsSequence() && segments[i] == "workload" && next.size() == 1) {
        next = next[0];
      } else if (!next.IsMap()) {
        std::string prefix;
        for (std::size_t j = 0; j <= i; ++j) prefix += (j ? "." : "") + segments[j];
        throw ConfigError(where, prefix, "is not a section, so it has no key '" + segments[i + 1] + "'");
      }
      node.reset(next);
    }
    if (!value.empty() && (value[0] == '{' || value[0] == '[')) {
      // A flow map or list replaces the whole entry: -p 'interconnect={topology: benes}'.
      try {
        node[segments.back()] = YAML::Load(value);
      } catch (const YAML::Exception& error) {
        throw ConfigError(where, path, "malformed YAML value: " + error.msg);
      }
    } else {
      node[segments.back()] = value;
    }
  }

  // Where the key at `key_path` (node `node`) came from.
  SourceLocation where(const std::string& key_path, const YAML::Node& node) const {
    for (const auto& [path, text] : overrides_) {
      bool same = path == key_path;
      bool inside = path.size() > key_path.size() && path.compare(0, key_path.size(), key_path) == 0 &&
                    path[key_path.size()] == '.';
      bool above = key_path.size() > path.size() && key_path.compare(0, path.size(), path) == 0 &&
                   key_path[path.size()] == '.';
      if (same || inside || above) return SourceLocation{"command line", 0, "-p " + text};
    }
    SourceLocation location{file_, 0, ""};
    if (node.IsDefined()) {
      YAML::Mark mark = node.Mark();
      if (!mark.is_null() && mark.line >= 0) location.line = mark.line + 1;
    }
    return location;
  }

 private:
  std::string file_;
  YAML::Node root_;
  std::map<std::string, std::string> overrides_;
};

// The value under `key` of a map node, or a null node when the parent is not a map or has no
// such key (yaml-cpp's const operator[] returns an unusable node for missing keys).
YAML::Node child(const YAML::Node& parent, const std::string& key) {
  if (!parent.IsDefined() || !parent.IsMap()) return YAML::Node();
  YAML::Node value = parent[key];
  return value.IsDefined() ? value : YAML::Node();
}

std::string join_path(const std::string& prefix, const std::string& key) {
  return prefix.empty() ? key : prefix + "." + key;
}

std::vector<std::string> def_names(const std::vector<ParamDef>& defs) {
  std::vector<std::string> names;
  for (const auto& def : defs) names.push_back(def.name);
  return names;
}

std::string unknown_key_message(const std::string& key, const std::vector<std::string>& known) {
  std::string message = "unknown key '" + key + "'";
  std::string guess = did_you_mean(key, known);
  if (!guess.empty()) message += "; did you mean '" + guess + "'?";
  else {
    message += "; known keys:";
    for (const auto& name : known) message += " " + name;
  }
  return message;
}

// Checks a map section against `defs` and returns its values (defaults filled in).
// `subsections`: keys of the section that are sections of their own, read by the caller.
ParamValues read_section(const ConfigDocument& doc, const YAML::Node& node, const std::string& path,
                         const std::vector<ParamDef>& defs, nlohmann::ordered_json& resolved,
                         const std::vector<std::string>& subsections = {}) {
  if (node.IsDefined() && !node.IsNull() && !node.IsMap())
    throw ConfigError(doc.where(path, node), path, "expected a section (a map of keys), found a " +
                                                       std::string(node.IsSequence() ? "list" : "value"));
  if (node.IsMap()) {
    for (const auto& entry : node) {
      std::string key = entry.first.as<std::string>();
      bool known = std::find(subsections.begin(), subsections.end(), key) != subsections.end();
      for (const auto& def : defs) known = known || def.name == key;
      if (!known) {
        std::vector<std::string> names = def_names(defs);
        names.insert(names.end(), subsections.begin(), subsections.end());
        throw ConfigError(doc.where(join_path(path, key), entry.first), join_path(path, key),
                          unknown_key_message(key, names));
      }
    }
  }
  ParamValues values;
  for (const auto& def : defs) {
    std::string key_path = join_path(path, def.name);
    YAML::Node value = child(node, def.name);
    std::string text;
    SourceLocation where = doc.where(key_path, value);
    if (value.IsDefined() && !value.IsNull()) {
      if (!value.IsScalar())
        throw ConfigError(where, key_path, "expected " + describe_expected(def) + ", found a " +
                                               (value.IsMap() ? "section" : "list"));
      text = value.Scalar();
    } else {
      text = def.default_text;
      where = SourceLocation{"built-in default", 0, ""};
    }
    ParamValue parsed = parse_param(def, text, where, key_path);
    std::visit([&](const auto& v) { resolved[def.name] = v; }, parsed);
    values.set(def.name, parsed);
  }
  return values;
}

const std::vector<ParamDef>& section_defs(const std::string& name) {
  const ComponentInfo* info = ComponentRegistry::instance().find("section", name);
  if (!info) throw std::logic_error("config section '" + name + "' is not registered");
  return info->params;
}

// A component section at `path` (map `node`, keys `defs`): the selector key picks a component
// of `kind`, whose parameters are then allowed beside the section's own keys.
ParamValues read_component_map(const ConfigDocument& doc, const YAML::Node& node, const std::string& path,
                               std::vector<ParamDef> defs, const std::string& selector, const std::string& kind,
                               nlohmann::ordered_json& resolved, const std::vector<std::string>& subsections = {}) {
  std::string chosen;
  for (const auto& def : defs)
    if (def.name == selector) chosen = def.default_text;
  YAML::Node selector_node;
  if (child(node, selector).IsScalar()) {
    selector_node.reset(child(node, selector));
    chosen = selector_node.Scalar();
  }
  const ComponentInfo* component = ComponentRegistry::instance().find(kind, chosen);
  if (!component) {
    std::vector<std::string> known = ComponentRegistry::instance().names(kind);
    std::string message = "unknown " + kind + " '" + chosen + "'";
    std::string guess = did_you_mean(chosen, known);
    if (!guess.empty()) message += "; did you mean '" + guess + "'?";
    message += " (registered:";
    for (const auto& name : known) message += " " + name;
    message += ")";
    std::string key_path = path + "." + selector;
    throw ConfigError(doc.where(key_path, selector_node), key_path, message);
  }
  defs.insert(defs.end(), component->params.begin(), component->params.end());
  return read_section(doc, node, path, defs, resolved, subsections);
}

ParamValues read_component_section(const ConfigDocument& doc, const std::string& section,
                                   const std::string& selector, const std::string& kind,
                                   nlohmann::ordered_json& resolved, const std::vector<std::string>& subsections = {}) {
  return read_component_map(doc, child(doc.root(), section), section, section_defs(section), selector, kind, resolved,
                            subsections);
}

// The networks that may have a topology of their own: `interconnect.x`, `.w`, `.p`.
const std::vector<std::string> kNetworkKeys = {"x", "w", "p"};

std::string resolve_input_file(const ConfigDocument& doc, const std::string& what, const std::string& trace,
                               const SourceLocation& where, const std::string& key_path) {
  fs::path given(trace);
  std::vector<fs::path> candidates;
  if (given.is_absolute()) {
    candidates.push_back(given);
  } else {
    if (doc.file() != "<built-in default>")
      candidates.push_back(fs::absolute(doc.file()).parent_path() / given);
    candidates.push_back(fs::path(repository_root()) / given);
  }
  for (const auto& candidate : candidates)
    if (fs::is_regular_file(candidate)) return fs::weakly_canonical(candidate).string();
  std::string looked;
  for (const auto& candidate : candidates) looked += " " + candidate.string();
  throw ConfigError(where, key_path, what + " '" + trace + "' not found (looked at:" + looked + ")");
}

std::vector<WorkloadEntry> read_workloads(const ConfigDocument& doc, nlohmann::ordered_json& resolved) {
  YAML::Node node = child(doc.root(), "workload");
  std::vector<YAML::Node> entries;
  std::vector<std::string> paths;
  if (node.IsSequence()) {
    if (node.size() == 0)
      throw ConfigError(doc.where("workload", node), "workload", "expected at least one workload, found an empty list");
    for (std::size_t i = 0; i < node.size(); ++i) {
      entries.push_back(node[i]);
      paths.push_back("workload[" + std::to_string(i) + "]");
    }
  } else {
    entries.push_back(node);
    paths.push_back("workload");
  }
  std::vector<WorkloadEntry> workloads;
  resolved = nlohmann::ordered_json::array();
  for (std::size_t i = 0; i < entries.size(); ++i) {
    nlohmann::ordered_json entry_json;
    ParamValues values = read_section(doc, entries[i], paths[i], section_defs("workload"), entry_json);
    WorkloadEntry entry;
    std::string key_path = paths[i] + ".trace";
    YAML::Node trace_node = child(entries[i], "trace");
    entry.where = doc.where(key_path, trace_node);
    entry.trace_path = resolve_input_file(doc, "trace file", values.get_string("trace"), entry.where, key_path);
    entry.name = values.get_string("name");
    if (entry.name.empty()) entry.name = fs::path(entry.trace_path).stem().string();
    entry_json["trace"] = entry.trace_path;
    entry_json["name"] = entry.name;
    resolved.push_back(entry_json);
    workloads.push_back(entry);
  }
  return workloads;
}

YAML::Node load_yaml_file(const std::string& path) {
  if (!fs::is_regular_file(path))
    throw ConfigError(SourceLocation{path, 0, ""}, "", "config file not found");
  try {
    return YAML::LoadFile(path);
  } catch (const YAML::ParserException& error) {
    throw ConfigError(SourceLocation{path, error.mark.line + 1, ""}, "",
                      "malformed YAML: " + error.msg);
  } catch (const YAML::Exception& error) {
    throw ConfigError(SourceLocation{path, 0, ""}, "", std::string("cannot read YAML: ") + error.what());
  }
}

void emit_yaml(YAML::Emitter& out, const nlohmann::ordered_json& value) {
  if (value.is_object()) {
    out << YAML::BeginMap;
    for (auto it = value.begin(); it != value.end(); ++it) {
      out << YAML::Key << it.key() << YAML::Value;
      emit_yaml(out, it.value());
    }
    out << YAML::EndMap;
  } else if (value.is_array()) {
    out << YAML::BeginSeq;
    for (const auto& item : value) emit_yaml(out, item);
    out << YAML::EndSeq;
  } else if (value.is_string()) {
    out << YAML::DoubleQuoted << value.get<std::string>();
  } else if (value.is_boolean()) {
    out << (value.get<bool>() ? "true" : "false");
  } else if (value.is_number_integer()) {
    out << value.get<std::int64_t>();
  } else if (value.is_number()) {
    out << YAML::Precision(17) << value.get<double>();
  } else {
    out << YAML::Null;
  }
}

}  // namespace

std::string repository_root() { return SOSASIM_SOURCE_DIR; }

SimConfig load_config(const std::optional<std::string>& config_path,
                      const std::vector<std::string>& overrides) {
  YAML::Node root = config_path ? load_yaml_file(*config_path) : YAML::Node(YAML::NodeType::Map);
  if (root.IsNull()) root.reset(YAML::Node(YAML::NodeType::Map));  // an empty file
  ConfigDocument doc(config_path ? *config_path : "<built-in default>", root);
  if (!doc.root().IsMap())
    throw ConfigError(doc.where("", doc.root()), "", "a config must be a map of sections at the top level");
  for (const auto& text : overrides) doc.apply_override(text);

  for (const auto& entry : doc.root()) {
    std::string key = entry.first.as<std::string>();
    bool known = false;
    for (const auto& name : kTopLevelKeys) known = known || name == key;
    if (!known) throw ConfigError(doc.where(key, entry.first), key, unknown_key_message(key, kTopLevelKeys));
  }

  SimConfig config;
  config.source_file = doc.file();
  auto& resolved = config.resolved;

  // Top-level scalars share the "machine" schema; validate them like a section of the root.
  nlohmann::ordered_json machine_json;
  std::vector<ParamDef> machine_defs = section_defs("machine");
  for (const auto& def : machine_defs) {
    YAML::Node value = child(doc.root(), def.name);
    SourceLocation where = doc.where(def.name, value);
    std::string text = def.default_text;
    if (value.IsDefined() && !value.IsNull()) {
      if (!value.IsScalar())
        throw ConfigError(where, def.name, "expected " + describe_expected(def) + ", found a section or list");
      text = value.Scalar();
    }
    ParamValue parsed = parse_param(def, text, where, def.name);
    std::visit([&](const auto& v) { resolved[def.name] = v; }, parsed);
    if (def.name == "pods") config.pods = std::get<std::int64_t>(parsed);
    if (def.name == "frequency_ghz") config.frequency_ghz = std::get<double>(parsed);
  }

  ParamValues array = read_section(doc, child(doc.root(), "array"), "array", section_defs("array"), resolved["array"]);
  config.array.rows = array.get_int("rows");
  config.array.cols = array.get_int("cols");
  config.array.double_buffer_weights = array.get_bool("double_buffer_weights");
  config.array.ideal_fill_drain = array.get_bool("ideal_fill_drain");

  ParamValues format = read_component_section(doc, "format", "type", "format", resolved["format"]);
  config.format.type = format.get_string("type");
  if (format.has("mantissa_bits")) config.format.mantissa_bits = format.get_int("mantissa_bits");
  if (format.has("block_size")) config.format.block_size = format.get_int("block_size");
  if (format.has("exponent_bits")) config.format.exponent_bits = format.get_int("exponent_bits");
  if (format.has("exponent_rule")) config.format.exponent_rule = format.get_string("exponent_rule");
  if (format.has("rounding")) config.format.rounding = format.get_string("rounding");
  if (format.has("seed")) config.format.seed = format.get_int("seed");
  if (format.has("first_last_mantissa_bits"))
    config.format.first_last_mantissa_bits = format.get_int("first_last_mantissa_bits");

  ParamValues sparsity =
      read_section(doc, child(doc.root(), "sparsity"), "sparsity", section_defs("sparsity"), resolved["sparsity"]);
  const std::string& pattern = sparsity.get_string("pattern");
  if (pattern != "none" && !parse_sparsity_pattern(pattern, config.sparsity.keep, config.sparsity.group)) {
    YAML::Node node = child(child(doc.root(), "sparsity"), "pattern");
    throw ConfigError(doc.where("sparsity.pattern", node), "sparsity.pattern",
                      "expected none or N:M with 1 <= N < M <= 64 (e.g. 2:4), found '" + pattern + "'");
  }

  ParamValues sram = read_section(doc, child(doc.root(), "sram"), "sram", section_defs("sram"), resolved["sram"]);
  config.sram.bank_kib = sram.get_int("bank_kib");

  ParamValues dram = read_section(doc, child(doc.root(), "dram"), "dram", section_defs("dram"), resolved["dram"]);
  config.dram.bandwidth_gbps = dram.get_double("bandwidth_gbps");
  config.dram.latency_cycles = dram.get_int("latency_cycles");
  config.dram.lowered_inputs = dram.get_string("inputs") == "im2col";
  config.dram.prefetch_kib = dram.get_int("prefetch_kib");

  config.interconnect.params =
      read_component_section(doc, "interconnect", "topology", "topology", resolved["interconnect"], kNetworkKeys);
  for (std::size_t n = 0; n < kNetworkKeys.size(); ++n) {
    // A network's own section is a whole topology: its `topology` and `hop_latency` (default:
    // the section's) and that topology's parameters (default: the topology's defaults).
    YAML::Node own = child(child(doc.root(), "interconnect"), kNetworkKeys[n]);
    if (!own.IsDefined() || own.IsNull()) {
      config.interconnect.networks[n] = config.interconnect.params;
      continue;
    }
    std::vector<ParamDef> defs;
    for (const auto& def : section_defs("interconnect"))
      if (def.name == "topology" || def.name == "hop_latency") {
        defs.push_back(def);
        defs.back().default_text = def.name == "topology"
                                       ? config.interconnect.params.get_string("topology")
                                       : std::to_string(config.interconnect.params.get_int("hop_latency"));
      }
    config.interconnect.networks[n] = read_component_map(doc, own, "interconnect." + kNetworkKeys[n], defs, "topology",
                                                         "topology", resolved["interconnect"][kNetworkKeys[n]]);
  }
  config.interconnect.topology = config.interconnect.params.get_string("topology");
  config.interconnect.ideal_transfers = config.interconnect.params.get_string("transfers") == "ideal";
  config.interconnect.router_transfers = config.interconnect.params.get_string("transfers") == "routers";
  config.interconnect.adaptive_routing = config.interconnect.params.get_string("routing") != "oblivious";
  config.interconnect.straight_first = config.interconnect.params.get_string("routing") == "straight_first";
  config.interconnect.spread_ports = config.interconnect.params.get_string("port_placement") == "spread";

  config.tiling.params = read_component_section(doc, "tiling", "scheduler", "scheduler", resolved["tiling"]);
  config.tiling.scheduler = config.tiling.params.get_string("scheduler");
  config.tiling.reduce_on_post_processors = config.tiling.params.get_string("k_reduction") == "post_processors";
  std::string partition = config.tiling.params.get_string("partition_size");
  if (partition != "auto") {
    ParamDef def{"partition_size", ParamType::Int, "rows", "", "", 1, 1 << 30, {}};
    YAML::Node node = child(child(doc.root(), "tiling"), "partition_size");
    SourceLocation where = doc.where("tiling.partition_size", node);
    try {
      config.tiling.partition_size = std::get<std::int64_t>(parse_param(def, partition, where, "tiling.partition_size"));
    } catch (const ConfigError&) {
      throw ConfigError(where, "tiling.partition_size",
                        "expected auto or an integer >= 1, found '" + partition + "'");
    }
    resolved["tiling"]["partition_size"] = config.tiling.partition_size;
  }

  ParamValues power = read_section(doc, child(doc.root(), "power"), "power", section_defs("power"), resolved["power"]);
  config.power.budget_w = power.get_double("budget_w");
  config.power.tech_file = power.get_string("tech_file");
  if (!config.power.tech_file.empty()) {
    YAML::Node node = child(child(doc.root(), "power"), "tech_file");
    config.power.tech_file = resolve_input_file(doc, "technology file", config.power.tech_file, doc.where("power.tech_file", node),
                                           "power.tech_file");
    resolved["power"]["tech_file"] = config.power.tech_file;
  }

  ParamValues simulation =
      read_section(doc, child(doc.root(), "simulation"), "simulation", section_defs("simulation"), resolved["simulation"]);
  config.reference_fidelity = simulation.get_string("fidelity") == "reference";
  if (config.reference_fidelity && config.array.ideal_fill_drain) {
    YAML::Node node = child(child(doc.root(), "simulation"), "fidelity");
    throw ConfigError(doc.where("simulation.fidelity", node), "simulation.fidelity",
                      "the reference PE array models weight loads, fill and drain: it cannot run with array.ideal_fill_drain");
  }

  if (config.tiling.reduce_on_post_processors && config.tiling.scheduler != "sosa_rounds" &&
      config.interconnect.ideal_transfers) {
    YAML::Node node = child(child(doc.root(), "tiling"), "k_reduction");
    throw ConfigError(doc.where("tiling.k_reduction", node), "tiling.k_reduction",
                      "post_processors sends partial tiles over the post-processor network, which needs tiles "
                      "through the networks (interconnect.transfers: contention) outside sosa_rounds");
  }

  if (config.interconnect.router_transfers && config.tiling.scheduler == "sosa_rounds") {
    YAML::Node node = child(child(doc.root(), "interconnect"), "transfers");
    throw ConfigError(doc.where("interconnect.transfers", node), "interconnect.transfers",
                      "sosa_rounds reserves each round's routes itself; routers needs a scheduler without lock-step "
                      "rounds (dynamic or layer_static)");
  }

  config.workloads = read_workloads(doc, resolved["workload"]);
  return config;
}

bool InterconnectSpec::uniform() const {
  for (const auto& network : networks)
    for (const auto& [name, value] : network.all())
      if (!params.has(name) || params.all().at(name) != value) return false;
  return true;
}

std::string resolved_yaml(const SimConfig& config) {
  YAML::Emitter out;
  emit_yaml(out, config.resolved);
  return std::string(out.c_str()) + "\n";
}

}  // namespace sosasim
