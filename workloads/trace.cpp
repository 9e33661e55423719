// Native trace reader (DESIGN.md section 8). Columns: layer, M, K, N and optionally count.
// Without a header the columns are positional in that order; with one (first data line whose
// first field is "layer") they may come in any order. Fields are trimmed of spaces.
#include "workloads/trace.h"

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <map>

#include "sim/errors.h"
#include "sim/params.h"

namespace sosasim {

namespace {

const std::vector<std::string> kColumns = {"layer", "M", "K", "N", "count"};

std::string trim(const std::string& text) {
  auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  auto end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> fields;
  std::size_t start = 0;
  while (true) {
    auto comma = line.find(',', start);
    fields.push_back(trim(line.substr(start, comma - start)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  // A trailing comma leaves an empty last field; it is not a column.
  while (fields.size() > 1 && fields.back().empty()) fields.pop_back();
  return fields;
}

std::int64_t parse_dimension(const std::string& text, const SourceLocation& where, const std::string& field) {
  errno = 0;
  char* end = nullptr;
  long long value = text.empty() ? 0 : std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE || value < 1 || value > (1LL << 40))
    throw ConfigError(where, "", "field '" + field + "': expected a positive integer, found '" + text + "'");
  return value;
}

}  // namespace

std::uint64_t Workload::total_macs() const {
  std::uint64_t total = 0;
  for (const auto& layer : layers) total += layer.macs();
  return total;
}

Workload read_native_trace(const std::string& path, const std::string& name) {
  std::ifstream in(path);
  if (!in) throw ConfigError(SourceLocation{path, 0, ""}, "", "cannot open the trace file");
  Workload workload{name, path, {}};
  std::map<std::string, std::size_t> column_of = {{"layer", 0}, {"M", 1}, {"K", 2}, {"N", 3}, {"count", 4}};
  bool header_seen = false;
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (line_number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line = line.substr(3);
    std::string stripped = trim(line);
    if (stripped.empty() || stripped[0] == '#') continue;
    SourceLocation where{path, line_number, ""};
    std::vector<std::string> fields = split_csv(stripped);
    if (!header_seen && workload.layers.empty() && fields[0] == "layer") {
      header_seen = true;
      column_of.clear();
      for (std::size_t i = 0; i < fields.size(); ++i) {
        const std::string& column = fields[i];
        bool known = false;
        for (const auto& name_ : kColumns) known = known || name_ == column;
        if (!known) {
          std::string guess = did_you_mean(column, kColumns);
          throw ConfigError(where, "", "unknown column '" + column + "'" +
                                           (guess.empty() ? "" : "; did you mean '" + guess + "'?") +
                                           " (columns: layer,M,K,N[,count])");
        }
        if (column_of.count(column)) throw ConfigError(where, "", "column '" + column + "' appears twice");
        column_of[column] = i;
      }
      for (const char* required : {"layer", "M", "K", "N"})
        if (!column_of.count(required))
          throw ConfigError(where, "", std::string("the header has no column '") + required + "'");
      continue;
    }
    std::size_t expected_min = 0;
    for (const char* required : {"layer", "M", "K", "N"}) expected_min = std::max(expected_min, column_of[required] + 1);
    std::size_t expected_max = column_of.count("count") ? std::max(expected_min, column_of["count"] + 1) : expected_min;
    if (!header_seen) expected_max = kColumns.size();
    if (fields.size() < expected_min || fields.size() > expected_max)
      throw ConfigError(where, "", "expected " + std::to_string(expected_min) +
                                       (expected_max > expected_min ? " to " + std::to_string(expected_max) : "") +
                                       " fields (layer,M,K,N[,count]), found " + std::to_string(fields.size()));
    Layer layer;
    layer.line = line_number;
    layer.name = fields[column_of["layer"]];
    if (layer.name.empty()) throw ConfigError(where, "", "field 'layer': the layer name is empty");
    layer.M = parse_dimension(fields[column_of["M"]], where, "M");
    layer.K = parse_dimension(fields[column_of["K"]], where, "K");
    layer.N = parse_dimension(fields[column_of["N"]], where, "N");
    if (column_of.count("count") && column_of["count"] < fields.size() && !fields[column_of["count"]].empty())
      layer.count = parse_dimension(fields[column_of["count"]], where, "count");
    workload.layers.push_back(layer);
  }
  if (workload.layers.empty()) throw ConfigError(SourceLocation{path, 0, ""}, "", "the trace has no layers");
  return workload;
}

}  // namespace sosasim
