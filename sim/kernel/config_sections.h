// Config sections: each folder registers the sections of its spec (their parameter schema, kind
// "section", which `sosasim list` prints) together with the function that reads one into the
// SimConfig, beside the spec itself (arch/specs.cpp, interconnect/specs.cpp, tiling/specs.cpp,
// workloads/specs.cpp; the machine-level keys in sim/kernel/config.cpp). load_config reads every
// registered section in order. A new key is one line in its section's schema and one in its
// reader.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "sim/kernel/errors.h"
#include "sim/kernel/params.h"
#include "sim/kernel/registry.h"
#include "sim/kernel/spec.h"

namespace sosasim {

// What a section's reader may ask of the config being read. Every value is checked against its
// schema, and every error names the file and line (or the -p override) and the key path.
class SectionReader {
 public:
  virtual ~SectionReader() = default;
  // Section `name` (a map at the top level, or absent) checked against its registered schema;
  // `subsections`: keys that are sections of their own, read with component_map().
  virtual ParamValues section(const std::string& name, const std::vector<std::string>& subsections = {}) = 0;
  // A component section: its `selector` key picks a registered component of `kind`, whose
  // parameters are then allowed beside the section's own keys.
  virtual ParamValues component_section(const std::string& name, const std::string& selector, const std::string& kind,
                                        const std::vector<std::string>& subsections = {}) = 0;
  // A component map nested at key path `path` (e.g. "interconnect.x") with the keys `defs`.
  virtual ParamValues component_map(const std::string& path, std::vector<ParamDef> defs, const std::string& selector,
                                    const std::string& kind) = 0;
  // A plain map nested at key path `path` (e.g. "serving.batching") with the keys `defs`.
  virtual ParamValues subsection(const std::string& path, const std::vector<ParamDef>& defs,
                                 const std::vector<std::string>& subsections = {}) = 0;
  // Whether key path `path` holds a map (a value may be a number or a {min, max} map).
  virtual bool is_map(const std::string& path) const = 0;
  // Whether the config (or an override) gives key path `path` a value.
  virtual bool given(const std::string& path) const = 0;
  // Where key path `path` came from: file and line, or the -p override.
  virtual SourceLocation where(const std::string& path) const = 0;
  // An input file named at `key_path`: resolved against the config's folder, then the repository.
  virtual std::string resolve_file(const std::string& what, const std::string& given, const std::string& key_path) = 0;
  // The resolved config's entry for key path `path` (written to config.resolved.yaml).
  virtual nlohmann::ordered_json& resolved(const std::string& path) = 0;
};

using SectionRead = std::function<void(SectionReader&, SimConfig&)>;

// Registers section `info.name` (kind "section") and its reader; sections are read in `order`
// (ascending), so a reader may check what earlier sections set.
struct SectionRegistration {
  SectionRegistration(ComponentInfo info, int order, SectionRead read);
};

// The order of the built-in sections.
enum SectionOrder {
  kOrderMachine = 0,
  kOrderArray = 10,
  kOrderFormat = 20,
  kOrderSparsity = 30,
  kOrderSram = 40,
  kOrderDram = 50,
  kOrderInterconnect = 60,
  kOrderTiling = 70,
  kOrderPower = 80,
  kOrderSimulation = 90,
  kOrderWorkload = 100,
};

}  // namespace sosasim
