// Parameter schemas: every config key and every component parameter is declared once, with its
// type, unit, default, range and description. The same declaration validates YAML, validates -p
// overrides, and is printed by `sosasim list`, so documentation cannot drift from code.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "sim/kernel/errors.h"

namespace sosasim {

enum class ParamType { Int, Float, Bool, String, Choice };

// No bound: the min or max of a parameter without one (and of non-numeric ones).
constexpr double kInf = std::numeric_limits<double>::infinity();

std::string to_string(ParamType type);

struct ParamDef {
  std::string name;
  ParamType type = ParamType::Int;
  std::string unit;           // "" when dimensionless
  std::string default_text;   // as it would be written in YAML; "" means required
  std::string description;
  double min = -std::numeric_limits<double>::infinity();  // inclusive bounds for Int and Float
  double max = std::numeric_limits<double>::infinity();
  std::vector<std::string> choices;  // for Choice; for Int, the allowed values (empty: any)
};

using ParamValue = std::variant<std::int64_t, double, bool, std::string>;

// Converts `text` to a value of `def`'s type and checks its range or choices. Throws
// ConfigError naming `where`, `key_path`, what was expected and what was found.
ParamValue parse_param(const ParamDef& def, const std::string& text, const SourceLocation& where,
                       const std::string& key_path);

std::string describe_expected(const ParamDef& def);

// The validated values of one section, in declaration order.
class ParamValues {
 public:
  void set(const std::string& name, ParamValue value);
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  std::int64_t get_int(const std::string& name) const;
  double get_double(const std::string& name) const;  // accepts Int too
  bool get_bool(const std::string& name) const;
  const std::string& get_string(const std::string& name) const;
  const std::map<std::string, ParamValue>& all() const { return values_; }

 private:
  const ParamValue& at(const std::string& name) const;
  std::map<std::string, ParamValue> values_;
};

// The closest name to `word` among `candidates`, or "" when nothing is close enough.
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

// Parses an N:M sparsity pattern ("2:4"; 1 <= N < M <= 64) into keep and group; false when malformed.
bool parse_sparsity_pattern(const std::string& text, std::int64_t& keep, std::int64_t& group);

}  // namespace sosasim
