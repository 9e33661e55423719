// Error types shared by every folder.
//
// ConfigError: bad user input (config, override, trace). Its message always names where the
// problem is (file:line or the command-line override), the key path, what was expected and
// what was found. main() turns it into one line on stderr and exit code 2.
// ModelError: an internal inconsistency found while simulating; names the cycle and component.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace sosasim {

// Where a piece of user input came from: a file and 1-based line, or a command-line override.
struct SourceLocation {
  std::string file;   // file name, or "command line" for -p overrides
  int line = 0;       // 1-based; 0 when unknown
  std::string detail; // e.g. the override text "-p pods=0"

  std::string describe() const;
};

class ConfigError : public std::runtime_error {
 public:
  // `where` says where, `key_path` which key (may be empty), `problem` what is wrong.
  ConfigError(const SourceLocation& where, const std::string& key_path, const std::string& problem);
  explicit ConfigError(const std::string& message) : std::runtime_error(message) {}
};

class ModelError : public std::runtime_error {
 public:
  ModelError(std::uint64_t cycle, const std::string& component, const std::string& problem);
};

// Levenshtein distance, used for did-you-mean suggestions.
std::size_t edit_distance(const std::string& a, const std::string& b);

}  // namespace sosasim
