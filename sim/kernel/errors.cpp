#include "sim/kernel/errors.h"

#include <algorithm>
#include <vector>

namespace sosasim {

std::string SourceLocation::describe() const {
  if (!detail.empty()) return file + " (" + detail + ")";
  if (line > 0) return file + ":" + std::to_string(line);
  return file;
}

ConfigError::ConfigError(const SourceLocation& where, const std::string& key_path,
                         const std::string& problem)
    : std::runtime_error(where.describe() + ": " +
                         (key_path.empty() ? problem : "key '" + key_path + "': " + problem)) {}

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
