// Reading a YAML input file (a config or a sweep file) so that everything wrong with it is a
// ConfigError naming the file and line: a folder or a missing file, lone carriage returns, a
// second document, malformed YAML; and, after loading, what the schemas cannot see.
#pragma once

#include <functional>
#include <string>

#include <yaml-cpp/yaml.h>

#include "sim/kernel/errors.h"

namespace sosasim {

// The file's one document (a null node when it is empty); `what` names the file in messages
// ("config file", "sweep file").
YAML::Node load_yaml_file(const std::string& path, const std::string& what);

// Where the node at dotted `path` comes from (file and line, or the -p override that set it).
using YamlLocator = std::function<SourceLocation(const std::string& path, const YAML::Node& node)>;

// Keys that are not plain names, a key given twice in one map (YAML readers keep the first and
// drop the other silently), and tags: each a ConfigError located by `where_of`.
void check_yaml_structure(const YAML::Node& node, const std::string& path, const YamlLocator& where_of);

// "a.b" from "a" and "b" ("b" when `path` is empty).
std::string join_path(const std::string& path, const std::string& key);

}  // namespace sosasim
