#include "sim/kernel/registry.h"

#include <stdexcept>

namespace sosasim {

ComponentRegistry& ComponentRegistry::instance() {
  static ComponentRegistry registry;
  return registry;
}

void ComponentRegistry::add(ComponentInfo info) {
  auto& by_name = components_[info.kind];
  if (by_name.count(info.name))
    throw std::logic_error("component " + info.kind + "/" + info.name + " registered twice");
  std::string name = info.name;
  by_name.emplace(name, std::move(info));
}

const ComponentInfo* ComponentRegistry::find(const std::string& kind, const std::string& name) const {
  auto kind_it = components_.find(kind);
  if (kind_it == components_.end()) return nullptr;
  auto it = kind_it->second.find(name);
  return it == kind_it->second.end() ? nullptr : &it->second;
}

std::vector<std::string> ComponentRegistry::names(const std::string& kind) const {
  std::vector<std::string> result;
  auto kind_it = components_.find(kind);
  if (kind_it != components_.end())
    for (const auto& entry : kind_it->second) result.push_back(entry.first);
  return result;
}

std::vector<std::string> ComponentRegistry::kinds() const {
  std::vector<std::string> result;
  for (const auto& entry : components_) result.push_back(entry.first);
  return result;
}

const std::map<std::string, ComponentInfo>& ComponentRegistry::of_kind(const std::string& kind) const {
  static const std::map<std::string, ComponentInfo> empty;
  auto it = components_.find(kind);
  return it == components_.end() ? empty : it->second;
}

}  // namespace sosasim
