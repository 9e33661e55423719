// Loading a config: YAML file (or the built-in default) plus -p overrides, validated key by key
// against the registered schemas, into a SimConfig. Every error is a ConfigError that names
// the file and line (or the override), the key path, what was expected and what was found.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "sim/kernel/spec.h"

namespace sosasim {

// `config_path`: a YAML file, or nullopt for the built-in default (the SOSA design point on
// ResNet-50 at 299 px). `overrides`: "key.path=value" strings from -p.
SimConfig load_config(const std::optional<std::string>& config_path,
                      const std::vector<std::string>& overrides);

// The most pods a machine may have: the route tables address 2^20 links, which a 32,768-port
// network stays under on every topology.
constexpr std::int64_t kMaxPods = std::int64_t{1} << 15;

// The resolved config as YAML text (re-loadable by load_config).
std::string resolved_yaml(const SimConfig& config);

// The repository root, where relative paths fall back to.
std::string repository_root();

}  // namespace sosasim
