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

#include "sim/kernel/config_sections.h"
#include "sim/kernel/files.h"
#include "sim/kernel/registry.h"
#include "sim/kernel/yaml_input.h"

namespace sosasim {

namespace fs = std::filesystem;

namespace {


// ---- the schemas of the config sections, printed by `sosasim list` ----

const ComponentRegistration kMachineSection{{"section", "machine",
    "top-level keys: the number of pods and the clock",
    {{"pods", ParamType::Int, "", "256", "number of pods (systolic arrays); at most 32,768, as the route tables address 2^20 links", 1, kMaxPods, {}},
     {"frequency_ghz", ParamType::Float, "GHz", "1.0", "clock frequency of pods, banks and networks",
      1e-3, 100, {}}}}};

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
  std::vector<std::string> places;
  for (const auto& candidate : candidates) places.push_back(candidate.string());
  return find_input_file(places, what, trace, where, key_path);
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

// The registered sections, in reading order.
struct RegisteredSection {
  std::string name;
  int order;
  SectionRead read;
};
std::vector<RegisteredSection>& registered_sections() {
  static std::vector<RegisteredSection> sections;
  return sections;
}

// The node at key path `path` ("a.b.c"; a missing key gives a null node).
YAML::Node node_at(const YAML::Node& root, const std::string& path) {
  YAML::Node node = root;
  std::size_t start = 0;
  while (true) {
    const auto dot = path.find('.', start);
    node.reset(child(node, path.substr(start, dot - start)));
    if (dot == std::string::npos || !node.IsDefined()) return node;
    start = dot + 1;
  }
}

class DocumentReader : public SectionReader {
 public:
  DocumentReader(const ConfigDocument& doc, nlohmann::ordered_json& resolved) : doc_(doc), resolved_(resolved) {}

  ParamValues section(const std::string& name, const std::vector<std::string>& subsections) override {
    return read_section(doc_, child(doc_.root(), name), name, section_defs(name), resolved_[name], subsections);
  }
  ParamValues component_section(const std::string& name, const std::string& selector, const std::string& kind,
                                const std::vector<std::string>& subsections) override {
    return read_component_section(doc_, name, selector, kind, resolved_[name], subsections);
  }
  ParamValues component_map(const std::string& path, std::vector<ParamDef> defs, const std::string& selector,
                            const std::string& kind) override {
    return read_component_map(doc_, node_at(doc_.root(), path), path, std::move(defs), selector, kind, resolved(path));
  }
  ParamValues subsection(const std::string& path, const std::vector<ParamDef>& defs,
                         const std::vector<std::string>& subsections) override {
    return read_section(doc_, node_at(doc_.root(), path), path, defs, resolved(path), subsections);
  }
  bool is_map(const std::string& path) const override { return node_at(doc_.root(), path).IsMap(); }
  bool given(const std::string& path) const override {
    const YAML::Node node = node_at(doc_.root(), path);
    return node.IsDefined() && !node.IsNull();
  }
  SourceLocation where(const std::string& path) const override { return doc_.where(path, node_at(doc_.root(), path)); }
  std::string resolve_file(const std::string& what, const std::string& given, const std::string& key_path) override {
    return resolve_input_file(doc_, what, given, where(key_path), key_path);
  }
  nlohmann::ordered_json& resolved(const std::string& path) override {
    nlohmann::ordered_json* entry = &resolved_;
    std::size_t start = 0;
    while (true) {
      const auto dot = path.find('.', start);
      entry = &(*entry)[path.substr(start, dot - start)];
      if (dot == std::string::npos) return *entry;
      start = dot + 1;
    }
  }

 private:
  const ConfigDocument& doc_;
  nlohmann::ordered_json& resolved_;
};

// The top-level keys: the machine's scalars and every registered section.
std::vector<std::string> top_level_keys() {
  std::vector<std::string> keys;
  for (const auto& def : section_defs("machine")) keys.push_back(def.name);
  for (const auto& section : registered_sections()) keys.push_back(section.name);
  keys.push_back("workload");
  return keys;
}

}  // namespace

std::string repository_root() { return SOSASIM_SOURCE_DIR; }

SectionRegistration::SectionRegistration(ComponentInfo info, int order, SectionRead read) {
  auto& sections = registered_sections();
  const std::string name = info.name;
  ComponentRegistry::instance().add(std::move(info));
  auto at = std::find_if(sections.begin(), sections.end(), [&](const RegisteredSection& s) { return s.order > order; });
  sections.insert(at, RegisteredSection{name, order, std::move(read)});
}

SimConfig load_config(const std::optional<std::string>& config_path,
                      const std::vector<std::string>& overrides) {
  YAML::Node root = config_path ? load_yaml_file(*config_path, "config file") : YAML::Node(YAML::NodeType::Map);
  if (root.IsNull()) root.reset(YAML::Node(YAML::NodeType::Map));  // an empty file
  ConfigDocument doc(config_path ? *config_path : "<built-in default>", root);
  if (!doc.root().IsMap())
    throw ConfigError(doc.where("", doc.root()), "", "a config must be a map of sections at the top level");
  for (const auto& text : overrides) doc.apply_override(text);
  check_yaml_structure(doc.root(), "", [&](const std::string& path, const YAML::Node& node) { return doc.where(path, node); });

  const std::vector<std::string> top_level = top_level_keys();
  for (const auto& entry : doc.root()) {
    std::string key = entry.first.as<std::string>();
    if (std::find(top_level.begin(), top_level.end(), key) == top_level.end())
      throw ConfigError(doc.where(key, entry.first), key, unknown_key_message(key, top_level));
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

  // Every folder's sections, in order (arch/specs.cpp, interconnect/specs.cpp, tiling/specs.cpp,
  // and simulation below).
  DocumentReader reader(doc, resolved);
  for (const auto& section : registered_sections()) section.read(reader, config);

  config.workloads = read_workloads(doc, resolved["workload"]);
  return config;
}

namespace {

// How the pods are simulated (read after the array, whose ideal fill and drain it must refuse).
const SectionRegistration kSimulation{
    {"section", "simulation",
    "how the pods are simulated",
    {{"fidelity", ParamType::Choice, "", "fast",
      "fast: per tile op; reference: the PE array cycle by cycle (same cycles, much slower; for small systems)",
      -kInf, kInf, {"fast", "reference"}}}},
    kOrderSimulation, [](SectionReader& reader, SimConfig& config) {
      config.reference_fidelity = reader.section("simulation").get_string("fidelity") == "reference";
      if (config.reference_fidelity && config.array.ideal_fill_drain)
        throw ConfigError(reader.where("simulation.fidelity"), "simulation.fidelity",
                          "the reference PE array models weight loads, fill and drain: it cannot run with "
                          "array.ideal_fill_drain");
    }};

}  // namespace

std::string resolved_yaml(const SimConfig& config) {
  YAML::Emitter out;
  emit_yaml(out, config.resolved);
  return std::string(out.c_str()) + "\n";
}

}  // namespace sosasim
