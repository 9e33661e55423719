#include "arch/number_format.h"

#include "arch/tech.h"

#include <map>
#include <stdexcept>

namespace sosasim {

namespace {

std::map<std::string, std::unique_ptr<NumberFormat>>& formats() {
  static std::map<std::string, std::unique_ptr<NumberFormat>> table;
  return table;
}

}  // namespace

MacCost NumberFormat::edge_converter_cost(const FormatSpec&, const TechTable&) const { return MacCost{}; }

FormatRegistration::FormatRegistration(ComponentInfo info, std::unique_ptr<NumberFormat> format) {
  formats()[info.name] = std::move(format);
  ComponentRegistry::instance().add(std::move(info));
}

const NumberFormat& number_format(const std::string& type) {
  auto it = formats().find(type);
  if (it == formats().end()) throw std::logic_error("number format '" + type + "' is not registered");
  return *it->second;
}

}  // namespace sosasim
