#include "sim/kernel/errors.h"

#include <algorithm>
#include <vector>

namespace sosasim {

std::string SourceLocation::describe() const {
  if (!detail.empty()) return file + " (" + detail + ")";
  if (line > 0) return file + ":" + std::to_string(line);
  return file;
}

namespace {

// `text` fit for one line of a message: control characters escaped, at most `limit` characters
// kept (a 100 kB value is not echoed whole).
std::string printable(const std::string& text, std::size_t limit) {
  std::string out;
  std::size_t kept = 0;
  for (; kept < text.size() && out.size() < limit; ++kept) {
    const auto ch = static_cast<unsigned char>(text[kept]);
    if (ch == '\n') out += "\\n";
    else if (ch == '\r') out += "\\r";
    else if (ch == '\t') out += "\\t";
    else if (ch < 0x20 || ch == 0x7f) {
      static const char* const kHex = "0123456789abcdef";
      out += "\\x";
      out += kHex[ch >> 4];
      out += kHex[ch & 15];
    } else {
      out += static_cast<char>(ch);
    }
  }
  if (kept < text.size()) out += "... (" + std::to_string(text.size() - kept) + " more characters)";
  return out;
}

}  // namespace

ConfigError::ConfigError(const SourceLocation& where, const std::string& key_path,
                         const std::string& problem)
    : std::runtime_error(printable(where.describe(), 300) + ": " +
                         (key_path.empty() ? printable(problem, 1000)
                                           : "key '" + printable(key_path, 200) + "': " + printable(problem, 1000))) {}

ModelError::ModelError(std::uint64_t cycle, const std::string& component, const std::string& problem)
    : std::runtime_error("model error at cycle " + std::to_string(cycle) + " in " + component + ": " +
                         problem) {}

std::size_t edit_distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      std::size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitution});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace sosasim
