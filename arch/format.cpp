// What a layer's format is, asked of the registered formats (arch/number_format.h; the formats
// themselves: arch/format_fixed.cpp, arch/format_bfp.cpp).
#include "arch/format.h"

#include "arch/number_format.h"

namespace sosasim {

double operand_bits(const FormatSpec& format) { return number_format(format.type).operand_bits(format); }

int partial_sum_bytes(const FormatSpec& format) { return number_format(format.type).partial_sum_bytes(); }

std::string format_name(const FormatSpec& format) { return number_format(format.type).name(format); }

std::string describe_format(const FormatSpec& format) { return number_format(format.type).description(format); }

FormatSpec layer_format(const FormatSpec& base, std::size_t layer_index, std::size_t layer_count) {
  const bool first_or_last = layer_index == 0 || layer_index + 1 == layer_count;
  return first_or_last ? number_format(base.type).first_or_last_layer(base) : base;
}

}  // namespace sosasim

namespace sosasim {

FormatSpec workload_layer_format(const FormatSpec& base, std::size_t layer_index, std::size_t layer_count,
                                 const std::string& override) {
  return apply_format_override(layer_format(base, layer_index, layer_count), override);
}

FormatSpec apply_format_override(const FormatSpec& base, const std::string& text) {
  if (text.empty()) return base;
  FormatSpec format = base.type == "bfp" ? base : FormatSpec{};
  if (text.rfind("bfp", 0) != 0) {
    format = base;
    format.type = text;
    return format;
  }
  format.type = "bfp";
  if (text.size() > 4) {
    std::string rest = text.substr(4);
    auto colon = rest.find(':');
    format.mantissa_bits = std::stoll(rest.substr(0, colon));
    if (colon != std::string::npos) format.block_size = std::stoll(rest.substr(colon + 1));
  }
  return format;
}

}  // namespace sosasim
