#include "sim/kernel/params.h"


#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <iomanip>
#include <sstream>
#include <algorithm>

namespace sosasim {

std::string to_string(ParamType type) {
  switch (type) {
    case ParamType::Int: return "int";
    case ParamType::Float: return "float";
    case ParamType::Bool: return "bool";
    case ParamType::String: return "string";
    case ParamType::Choice: return "choice";
  }
  return "?";
}

namespace {

std::string format_bound(double value) {
  std::ostringstream out;
  out << std::setprecision(12) << value;
  return out.str();
}

std::string range_text(const ParamDef& def) {
  bool has_min = std::isfinite(def.min), has_max = std::isfinite(def.max);
  if (has_min && has_max) return " in [" + format_bound(def.min) + ", " + format_bound(def.max) + "]";
  if (has_min) return " >= " + format_bound(def.min);
  if (has_max) return " <= " + format_bound(def.max);
  return "";
}

}  // namespace

std::string describe_expected(const ParamDef& def) {
  switch (def.type) {
    case ParamType::Int:
      if (!def.choices.empty()) {
        std::string text = "an integer, one of";
        for (const auto& choice : def.choices) text += " " + choice;
        return text;
      }
      return "an integer" + range_text(def);
    case ParamType::Float: return "a number" + range_text(def);
    case ParamType::Bool: return "true or false";
    case ParamType::String: return "a string";
    case ParamType::Choice: {
      std::string text = "one of";
      for (const auto& choice : def.choices) text += " " + choice;
      return text;
    }
  }
  return "?";
}

ParamValue parse_param(const ParamDef& def, const std::string& text, const SourceLocation& where,
                       const std::string& key_path) {
  auto fail = [&](const std::string& extra = "") {
    throw ConfigError(where, key_path,
                      "expected " + describe_expected(def) + ", found '" + text + "'" + extra);
  };
  auto check_range = [&](double value) {
    if (value < def.min || value > def.max) fail();
  };
  switch (def.type) {
    case ParamType::Int: {
      if (text.empty()) fail();
      errno = 0;
      char* end = nullptr;
      long long value = std::strtoll(text.c_str(), &end, 10);
      if (*end != '\0' || errno == ERANGE) fail();
      check_range(static_cast<double>(value));
      if (!def.choices.empty() &&
          std::find(def.choices.begin(), def.choices.end(), std::to_string(value)) == def.choices.end())
        fail();
      return static_cast<std::int64_t>(value);
    }
    case ParamType::Float: {
      if (text.empty()) fail();
      errno = 0;
      char* end = nullptr;
      // (decimal only: strtod would also take hex floats such as 0x1p3, which no config means)
      if (text.find_first_of("xXpP") != std::string::npos) fail();
      double value = std::strtod(text.c_str(), &end);
      if (*end != '\0' || errno == ERANGE || !std::isfinite(value)) fail();
      check_range(value);
      return value;
    }
    case ParamType::Bool:
      if (text == "true" || text == "True" || text == "yes") return true;
      if (text == "false" || text == "False" || text == "no") return false;
      fail();
      break;
    case ParamType::String:
      return text;
    case ParamType::Choice: {
      for (const auto& choice : def.choices)
        if (choice == text) return text;
      std::string guess = did_you_mean(text, def.choices);
      fail(guess.empty() ? "" : " (did you mean '" + guess + "'?)");
      break;
    }
  }
  return text;
}

void ParamValues::set(const std::string& name, ParamValue value) { values_[name] = std::move(value); }

const ParamValue& ParamValues::at(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) throw std::logic_error("parameter '" + name + "' was never declared");
  return it->second;
}

std::int64_t ParamValues::get_int(const std::string& name) const {
  return std::get<std::int64_t>(at(name));
}

double ParamValues::get_double(const std::string& name) const {
  const ParamValue& value = at(name);
  if (auto as_int = std::get_if<std::int64_t>(&value)) return static_cast<double>(*as_int);
  return std::get<double>(value);
}

bool ParamValues::get_bool(const std::string& name) const { return std::get<bool>(at(name)); }

const std::string& ParamValues::get_string(const std::string& name) const {
  return std::get<std::string>(at(name));
}

bool parse_sparsity_pattern(const std::string& text, std::int64_t& keep, std::int64_t& group) {
  auto colon = text.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= text.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i)
    if (i != colon && (text[i] < '0' || text[i] > '9')) return false;
  if (colon > 3 || text.size() - colon - 1 > 3) return false;
  keep = std::stoll(text.substr(0, colon));
  group = std::stoll(text.substr(colon + 1));
  return keep >= 1 && group >= 2 && keep < group && group <= 64;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& candidate : candidates) {
    std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

}  // namespace sosasim
