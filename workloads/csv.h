// The project's one CSV implementation, for both directions, on libcsv (RFC 4180 quoting): the
// trace readers split lines with split_csv(), and the report and sweep writers quote fields with
// csv_field(), so a layer name with a comma or a quote reads back as written. The readers'
// conventions: a UTF-8 byte-order mark, `#` comment lines, blank lines, spaces (also
// non-breaking ones) around unquoted fields and a trailing comma are all accepted; a quoted
// field may not span lines; header names are compared trimmed, in lower case, with inner spaces
// as underscores ("Layer name" -> "layer_name").
#pragma once

#include <cstdint>
#include <fstream>
#include <initializer_list>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/kernel/errors.h"

namespace sosasim {

struct CsvRow {
  int line = 0;
  std::vector<std::string> fields;
};

struct CsvTable {
  std::string path;
  CsvRow header;            // normalised names; fields empty when the file has no header
  std::vector<CsvRow> rows;
};

std::string trim(const std::string& text);
std::string normalise_header(const std::string& text);
// The fields of one line; throws std::invalid_argument on a quoted field left open.
std::vector<std::string> split_csv(const std::string& line);
// `text` as one CSV field: quoted (quotes doubled) when it holds a comma, quote or line break.
std::string csv_field(const std::string& text);

// Reads the file; the first non-comment line is the header when `has_header(fields)` says so.
template <typename HeaderTest>
CsvTable read_csv(const std::string& path, HeaderTest has_header) {
  std::ifstream in(path);
  if (!in) throw ConfigError(SourceLocation{path, 0, ""}, "", "cannot open the trace file");
  CsvTable table;
  table.path = path;
  std::string line;
  int number = 0;
  bool first = true;
  while (std::getline(in, line)) {
    ++number;
    if (number == 1 && line.rfind("\xEF\xBB\xBF", 0) == 0) line = line.substr(3);
    // Non-breaking spaces (U+00A0, as some exported files have) count as spaces.
    for (auto at = line.find("\xC2\xA0"); at != std::string::npos; at = line.find("\xC2\xA0", at)) line.replace(at, 2, " ");
    std::string stripped = trim(line);
    if (stripped.empty() || stripped[0] == '#') continue;
    CsvRow row{number, {}};
    try {
      row.fields = split_csv(stripped);
    } catch (const std::invalid_argument& error) {
      throw ConfigError(SourceLocation{path, number, ""}, "", error.what());
    }
    if (first) {
      first = false;
      if (has_header(row.fields)) {
        for (auto& field : row.fields) field = normalise_header(field);
        table.header = row;
        continue;
      }
    }
    table.rows.push_back(row);
  }
  return table;
}

// A positive integer field; errors name the file, line and field.
std::int64_t parse_positive(const std::string& text, const SourceLocation& where, const std::string& field,
                            std::int64_t min_value = 1);

// The largest value of a trace field or of a size derived from fields (M = out_h x out_w x
// batch, ...): 2^40.
constexpr std::int64_t kMaxTraceSize = std::int64_t{1} << 40;

// The product of `factors` (each in 0 .. 2^40), checked: over 2^40 it is an error naming the
// line and `what` ("M = out_h x out_w x batch"), never an overflow.
std::int64_t checked_size(const SourceLocation& where, const std::string& what,
                          std::initializer_list<std::int64_t> factors);

// Column positions by normalised header name; `known` lists accepted names (did-you-mean on
// others), `required` those that must be there.
std::map<std::string, std::size_t> map_columns(const CsvTable& table, const std::vector<std::string>& known,
                                               const std::vector<std::string>& required,
                                               const std::string& columns_hint);

}  // namespace sosasim
