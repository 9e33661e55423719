// The component registry: every pluggable component (topology, number format, scheduler,
// config section) describes itself here by kind and name, with a one-line description and its
// parameter schema. Config validation looks components up here and `sosasim list` prints it.
//
// Components register themselves from their own file at static-initialisation time; the
// registry is the one process-wide table in the project (a function-local static), because
// self-registration needs it. It holds descriptions only, never simulation state.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "sim/kernel/params.h"

namespace sosasim {

struct ComponentInfo {
  std::string kind;         // "section", "topology", "format", "scheduler", ...
  std::string name;         // the name used in YAML, e.g. "butterfly"
  std::string description;  // one line
  std::vector<ParamDef> params;
};

class ComponentRegistry {
 public:
  static ComponentRegistry& instance();

  // Adds a component; a duplicate (kind, name) is a programming error.
  void add(ComponentInfo info);
  const ComponentInfo* find(const std::string& kind, const std::string& name) const;
  std::vector<std::string> names(const std::string& kind) const;
  std::vector<std::string> kinds() const;
  const std::map<std::string, ComponentInfo>& of_kind(const std::string& kind) const;

 private:
  std::map<std::string, std::map<std::string, ComponentInfo>> components_;
};

// Registers at static-initialisation time: `static ComponentRegistration reg{{...}};`
struct ComponentRegistration {
  explicit ComponentRegistration(ComponentInfo info) {
    ComponentRegistry::instance().add(std::move(info));
  }
};

}  // namespace sosasim
