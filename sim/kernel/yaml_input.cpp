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
// walks every path through the document, so it counts them (no config or sweep file comes
// near), and a container met again below itself is a cycle.
constexpr std::size_t kMaxYamlNodes = 100000;

// Walks the document once; a node's dotted path and file line are worked out only for a
// message, so a large (or alias-multiplied) document costs little per node.
struct StructureCheck {
  const YamlLocator& where_of;
  std::size_t visited = 0;
  std::vector<YAML::Node> open;       // the containers above the node being checked
  std::vector<std::string> segments;  // its path: keys, and "[i]" for list items

  std::string path() const {
    std::string text;
    for (const auto& segment : segments) text = segment[0] == '[' ? text + segment : join_path(text, segment);
    return text;
  }
  [[noreturn]] void fail(const YAML::Node& node, const std::string& problem) const {
    const std::string at = path();
    throw ConfigError(where_of(at, node), at, problem);
  }

  void check(const YAML::Node& node) {
    if (++visited > kMaxYamlNodes)
      fail(node, "the document names more than " + std::to_string(kMaxYamlNodes) +
                     " values through its aliases (each alias repeats its anchor's values)");
    const std::string& tag = node.Tag();
    if (!tag.empty() && tag != "?" && tag != "!") fail(node, "YAML tags are not read here; found '" + tag + "'");
    if (!node.IsSequence() && !node.IsMap()) return;
    for (const auto& above : open)
      if (above.is(node)) fail(node, "an alias refers to a section that contains it (a cycle)");
    if (open.size() >= kMaxYamlDepth) fail(node, "nested deeper than " + std::to_string(kMaxYamlDepth) + " levels");
    open.push_back(node);
    if (node.IsSequence()) {
      std::size_t index = 0;
      for (const auto& item : node) {
        segments.push_back("[" + std::to_string(index++) + "]");
        check(item);
        segments.pop_back();
      }
    } else {
      check_map(node);
    }
    open.pop_back();
  }

  void check_map(const YAML::Node& node) {
    std::map<std::string, YAML::Node> seen;  // key -> its first key node
    for (const auto& entry : node) {
      if (!entry.first.IsScalar())
        fail(entry.first, std::string("a key must be a plain name, found a ") + (entry.first.IsMap() ? "map" : "list"));
      const std::string& key = entry.first.Scalar();
      segments.push_back(key);
      auto [at, added] = seen.emplace(key, entry.first);
      if (!added) {
        const int first_line = where_of(path(), at->second).line;
        fail(entry.first, "key given twice in one section" +
                              (first_line > 0 ? " (first at line " + std::to_string(first_line) + ")" : std::string()));
      }
      check(entry.second);
      segments.pop_back();
    }
  }
};

}  // namespace

void check_yaml_structure(const YAML::Node& node, const std::string& path, const YamlLocator& where_of) {
  StructureCheck check{where_of, 0, {}, {}};
  if (!path.empty()) check.segments.push_back(path);
  check.check(node);
}

}  // namespace sosasim
