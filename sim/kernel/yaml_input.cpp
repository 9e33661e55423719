#include "sim/kernel/yaml_input.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <vector>

#include <yaml-cpp/eventhandler.h>

namespace sosasim {

namespace fs = std::filesystem;

namespace {

// Records where each document starts; ignores the rest.
struct DocumentStarts : YAML::EventHandler {
  std::vector<YAML::Mark> marks;
  void OnDocumentStart(const YAML::Mark& mark) override { marks.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

}  // namespace

std::string join_path(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

YAML::Node load_yaml_file(const std::string& path, const std::string& what) {
  std::error_code error;
  const fs::file_status status = fs::status(path, error);
  if (error && error != std::errc::no_such_file_or_directory && error != std::errc::not_a_directory)
    throw ConfigError(SourceLocation{path, 0, ""}, "", what + ": " + error.message());
  if (fs::is_directory(status))
    throw ConfigError(SourceLocation{path, 0, ""}, "", "is a folder, not a " + what);
  if (!fs::is_regular_file(status))
    throw ConfigError(SourceLocation{path, 0, ""}, "", what + " not found");
  std::ifstream in(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (std::size_t at = text.find('\r'); at != std::string::npos; at = text.find('\r', at + 1))
    if (at + 1 >= text.size() || text[at + 1] != '\n')
      throw ConfigError(SourceLocation{path, 0, ""}, "",
                        "lines end in a lone carriage return (old Mac line endings), which YAML reads as one line; "
                        "convert them to line feeds");
  try {
    // yaml-cpp 0.7's LoadAll loops forever, allocating, on some malformed input (a stray ','
    // after a document: jbeder/yaml-cpp#1040, fixed upstream by #1319; found by fuzz_config): one
    // parser step per document, two at most, tells whether a second one follows.
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    DocumentStarts starts;
    if (parser.HandleNextDocument(starts) && parser.HandleNextDocument(starts) && starts.marks.size() > 1) {
      const YAML::Mark mark = starts.marks[1];
      throw ConfigError(SourceLocation{path, mark.is_null() ? 0 : mark.line + 1, ""}, "",
                        "a " + what + " is one YAML document; found more after it (a second '---' document, or text "
                        "outside the first)");
    }
    return YAML::Load(text);
  } catch (const YAML::ParserException& error) {
    throw ConfigError(SourceLocation{path, error.mark.line + 1, ""}, "",
                      "malformed YAML: " + error.msg);
  } catch (const YAML::Exception& error) {
    throw ConfigError(SourceLocation{path, 0, ""}, "", std::string("cannot read YAML: ") + error.what());
  }
}

namespace {

// Nesting deeper than this is no config (and would exhaust the stack).
constexpr std::size_t kMaxYamlDepth = 64;
// An alias shares its anchor's node, so a document can name a node many times over ("a billion
// laughs": each list holds aliases of the one before) or below itself (a cycle). The check
// walks every path through the document, so it counts them, and a container met again below
// itself is a cycle.
constexpr std::size_t kMaxYamlNodes = 1000000;

struct StructureCheck {
  const YamlLocator& where_of;
  std::size_t visited = 0;
  std::vector<YAML::Node> open;  // the containers above the node being checked

  void check(const YAML::Node& node, const std::string& path) {
    const std::string tag = node.Tag();
    if (!tag.empty() && tag != "?" && tag != "!")
      throw ConfigError(where_of(path, node), path, "YAML tags are not read here; found '" + tag + "'");
    if (++visited > kMaxYamlNodes)
      throw ConfigError(where_of(path, node), path,
                        "the document names more than " + std::to_string(kMaxYamlNodes) +
                            " values through its aliases (each alias repeats its anchor's values)");
    if (!node.IsSequence() && !node.IsMap()) return;
    for (const auto& above : open)
      if (above.is(node))
        throw ConfigError(where_of(path, node), path, "an alias refers to a section that contains it (a cycle)");
    if (open.size() >= kMaxYamlDepth)
      throw ConfigError(where_of(path, node), path,
                        "nested deeper than " + std::to_string(kMaxYamlDepth) + " levels");
    open.push_back(node);
    if (node.IsSequence()) {
      for (std::size_t i = 0; i < node.size(); ++i) check(node[i], path + "[" + std::to_string(i) + "]");
    } else {
      check_map(node, path);
    }
    open.pop_back();
  }

  void check_map(const YAML::Node& node, const std::string& path) {
    std::map<std::string, int> seen;  // key -> its line
    for (const auto& entry : node) {
      if (!entry.first.IsScalar())
        throw ConfigError(where_of(path, entry.first), path,
                          std::string("a key must be a plain name, found a ") + (entry.first.IsMap() ? "map" : "list"));
      const std::string key = entry.first.Scalar();
      const std::string key_path = join_path(path, key);
      const SourceLocation where = where_of(key_path, entry.first);
      auto [at, added] = seen.emplace(key, where.line);
      if (!added)
        throw ConfigError(where, key_path,
                          "key given twice in one section" +
                              (at->second > 0 ? " (first at line " + std::to_string(at->second) + ")" : std::string()));
      check(entry.second, key_path);
    }
  }
};

}  // namespace

void check_yaml_structure(const YAML::Node& node, const std::string& path, const YamlLocator& where_of) {
  StructureCheck{where_of, 0, {}}.check(node, path);
}

}  // namespace sosasim
