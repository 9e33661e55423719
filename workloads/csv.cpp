#include "workloads/csv.h"

#include <cerrno>
#include <cstdlib>
#include <new>

#include <csv.h>

#include "sim/kernel/params.h"

namespace sosasim {

std::string trim(const std::string& text) {
  auto begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return "";
  auto end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

std::string normalise_header(const std::string& text) {
  std::string result;
  bool space = false;
  for (char ch : trim(text)) {
    if (ch == ' ' || ch == '\t') {
      space = true;
      continue;
    }
    if (space && !result.empty()) result += '_';
    space = false;
    result += static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
  }
  return result;
}

namespace {

// libcsv's callbacks: each field ends a field of the row being split.
void end_field(void* data, std::size_t size, void* out) {
  static_cast<std::vector<std::string>*>(out)->emplace_back(static_cast<const char*>(data), size);
}
void end_row(int, void*) {}

}  // namespace

std::vector<std::string> split_csv(const std::string& line) {
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) throw std::bad_alloc();
  std::vector<std::string> fields;
  const bool parsed = csv_parse(&parser, line.data(), line.size(), end_field, end_row, &fields) == line.size();
  const bool closed = parsed && csv_fini(&parser, end_field, end_row, &fields) == 0;
  const std::string problem = csv_strerror(csv_error(&parser));
  csv_free(&parser);
  if (!closed) throw std::invalid_argument("malformed CSV line (" + problem + "): a quoted field must end with a quote");
  if (fields.empty()) fields.emplace_back();  // an empty line is one empty field
  for (auto& field : fields) field = trim(field);
  if (fields.size() > 1 && fields.back().empty()) fields.pop_back();  // a trailing comma
  return fields;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted(csv_write(nullptr, 0, text.data(), text.size()), '\0');
  csv_write(quoted.data(), quoted.size(), text.data(), text.size());
  return quoted;
}

std::int64_t parse_positive(const std::string& text, const SourceLocation& where, const std::string& field,
                            std::int64_t min_value) {
  errno = 0;
  char* end = nullptr;
  long long value = text.empty() ? 0 : std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE || value < min_value || value > kMaxTraceSize)
    throw ConfigError(where, "", "field '" + field + "': expected " +
                                     (min_value == 0 ? std::string("a non-negative") : std::string("a positive")) +
                                     " integer up to 2^40, found '" + text + "'");
  return value;
}

std::int64_t checked_size(const SourceLocation& where, const std::string& what,
                          std::initializer_list<std::int64_t> factors) {
  std::int64_t product = 1;
  std::string shown;
  for (std::int64_t factor : factors) shown += (shown.empty() ? "" : " x ") + std::to_string(factor);
  for (std::int64_t factor : factors)
    if (factor != 0 && product > kMaxTraceSize / factor)
      throw ConfigError(where, "", what + " = " + shown + " exceeds the limit of 2^40");
    else
      product *= factor;
  return product;
}

std::map<std::string, std::size_t> map_columns(const CsvTable& table, const std::vector<std::string>& known,
                                               const std::vector<std::string>& required,
                                               const std::string& columns_hint) {
  std::map<std::string, std::size_t> columns;
  SourceLocation where{table.path, table.header.line, ""};
  for (std::size_t i = 0; i < table.header.fields.size(); ++i) {
    const std::string& column = table.header.fields[i];
    bool is_known = false;
    for (const auto& name : known) is_known = is_known || name == column;
    if (!is_known) {
      std::string guess = did_you_mean(column, known);
      throw ConfigError(where, "", "unknown column '" + column + "'" +
                                       (guess.empty() ? "" : "; did you mean '" + guess + "'?") + " (columns: " +
                                       columns_hint + ")");
    }
    if (columns.count(column)) throw ConfigError(where, "", "column '" + column + "' appears twice");
    columns[column] = i;
  }
  for (const auto& name : required)
    if (!columns.count(name)) throw ConfigError(where, "", "the header has no column '" + name + "'");
  return columns;
}

}  // namespace sosasim
