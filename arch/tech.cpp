#include "arch/tech.h"

#include "arch/number_format.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <yaml-cpp/yaml.h>

#include "sim/kernel/errors.h"
#include "sim/kernel/registry.h"
#include "sim/kernel/yaml_input.h"

namespace sosasim {

extern const char* const kBuiltinTechYaml;

namespace {

// Linear interpolation through sorted points, extrapolating from the end segments.
template <typename Value, typename Get>
double interpolate(const std::vector<std::pair<double, Value>>& points, double x, Get get) {
  if (points.size() == 1) return get(points.front().second);
  std::size_t upper = 1;
  while (upper + 1 < points.size() && points[upper].first < x) ++upper;
  const auto& a = points[upper - 1];
  const auto& b = points[upper];
  double t = (x - a.first) / (b.first - a.first);
  return get(a.second) + t * (get(b.second) - get(a.second));
}

class TechReader {
 public:
  explicit TechReader(std::string file) : file_(std::move(file)) {}

  SourceLocation where(const YAML::Node& node) const {
    int line = node.IsDefined() && !node.Mark().is_null() ? node.Mark().line + 1 : 0;
    return SourceLocation{file_, line, ""};
  }

  YAML::Node child(const YAML::Node& parent, const std::string& key, const std::string& path) const {
    YAML::Node node = parent[key];
    if (!node.IsDefined()) throw ConfigError(where(parent), path, "missing key '" + key + "'");
    return node;
  }

  double number(const YAML::Node& parent, const std::string& key, const std::string& path) const {
    YAML::Node node = child(parent, key, path);
    try {
      double value = node.as<double>();
      if (!(value >= 0) || !std::isfinite(value)) throw YAML::Exception(node.Mark(), "negative");
      return value;
    } catch (const YAML::Exception&) {
      throw ConfigError(where(node), path + "." + key,
                        "expected a non-negative number, found '" + (node.IsScalar() ? node.Scalar() : "?") + "'");
    }
  }

  MacCost mac(const YAML::Node& node, const std::string& path) const {
    return MacCost{number(node, "energy_pj", path), number(node, "area_um2", path)};
  }

  TechTable read(const YAML::Node& root) const {
    if (!root.IsMap()) throw ConfigError(where(root), "", "a technology table must be a map");
    TechTable table;
    table.name = root["name"].IsDefined() ? root["name"].as<std::string>() : file_;
    // Formats priced directly; every other format is composed from `units`.
    YAML::Node mac_node = root["mac"];
    if (mac_node.IsDefined() && !mac_node.IsMap()) throw ConfigError(where(mac_node), "mac", "expected a map");
    if (mac_node.IsDefined())
      for (const auto& entry : mac_node) {
        const std::string format = entry.first.as<std::string>();
        if (format == "bfp") continue;
        if (!ComponentRegistry::instance().find("format", format))
          throw ConfigError(where(entry.first), "mac." + format, "no format is called '" + format + "'");
        table.mac[format] = mac(entry.second, "mac." + format);
      }
    if (mac_node.IsDefined() && mac_node["bfp"].IsDefined()) {
      YAML::Node points = child(mac_node["bfp"], "points", "mac.bfp");
      if (!points.IsSequence() || points.size() == 0)
        throw ConfigError(where(points), "mac.bfp.points", "expected a non-empty list");
      for (const auto& point : points)
        table.bfp_points.emplace_back(number(point, "mantissa_bits", "mac.bfp.points"), mac(point, "mac.bfp.points"));
      std::sort(table.bfp_points.begin(), table.bfp_points.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
    }
    if (root["units"].IsDefined()) {
      YAML::Node units = root["units"];
      if (!units.IsMap()) throw ConfigError(where(units), "units", "expected a map");
      for (const auto& entry : units) {
        const std::string name = entry.first.as<std::string>();
        if (name == "source") continue;
        table.units[name] = mac(entry.second, "units." + name);
      }
    }

    YAML::Node sram = child(root, "sram", "");
    table.sram_area_mm2_per_kib = number(sram, "area_mm2_per_kib", "sram");
    YAML::Node energies = child(sram, "energy_pj_per_byte", "sram");
    if (!energies.IsSequence() || energies.size() == 0)
      throw ConfigError(where(energies), "sram.energy_pj_per_byte", "expected a non-empty list");
    for (const auto& point : energies) {
      double kib = number(point, "bank_kib", "sram.energy_pj_per_byte");
      if (kib <= 0) throw ConfigError(where(point), "sram.energy_pj_per_byte.bank_kib", "must be positive");
      table.sram_pj_per_byte.emplace_back(kib, number(point, "pj", "sram.energy_pj_per_byte"));
    }
    std::sort(table.sram_pj_per_byte.begin(), table.sram_pj_per_byte.end());

    table.interconnect_w_per_byte_switch =
        number(child(root, "interconnect", ""), "w_per_byte_switch", "interconnect");
    table.dram_pj_per_byte = number(child(root, "dram", ""), "energy_pj_per_byte", "dram");
    if (root["post_processor"].IsDefined()) {
      YAML::Node adds = root["post_processor"];
      table.int32_add_pj = number(adds, "int32_add_pj", "post_processor");
      table.fp32_add_pj = number(adds, "fp32_add_pj", "post_processor");
    }
    return table;
  }

 private:
  std::string file_;
};

}  // namespace

MacCost TechTable::mac_cost(const FormatSpec& format) const { return number_format(format.type).mac_cost(format, *this); }

MacCost TechTable::bfp_mac(double m) const {
  return MacCost{std::max(0.0, interpolate(bfp_points, m, [](const MacCost& c) { return c.energy_pj; })),
                 std::max(0.0, interpolate(bfp_points, m, [](const MacCost& c) { return c.area_um2; }))};
}

double TechTable::sram_energy_pj_per_byte(double bank_kib) const {
  std::vector<std::pair<double, double>> log_points;
  for (const auto& [kib, pj] : sram_pj_per_byte) log_points.emplace_back(std::log2(kib), pj);
  return std::max(0.0, interpolate(log_points, std::log2(bank_kib), [](double pj) { return pj; }));
}

TechTable load_tech_table(const std::string& path) {
  if (path.empty()) return TechReader("<built-in arch/tech_28nm.yaml>").read(YAML::Load(kBuiltinTechYaml));
  const YAML::Node root = load_yaml_file(path, "technology file");
  check_yaml_structure(root, "", [&](const std::string&, const YAML::Node& node) {
    return SourceLocation{path, node.Mark().is_null() ? 0 : node.Mark().line + 1, ""};
  });
  return TechReader(path).read(root);
}

}  // namespace sosasim
