// Trace readers (DESIGN.md section 8, docs/traces.md): the native GEMM CSV, SCALE-Sim's
// convolution topology files (lowered by im2col exactly as SCALE-Sim does) and our convolution
// CSV with padding, groups and depthwise convolutions.
#include "workloads/trace.h"

#include <algorithm>
#include <sstream>

#include "sim/kernel/errors.h"
#include "sim/kernel/registry.h"
#include "sim/kernel/params.h"
#include "workloads/csv.h"
#include "workloads/layer_graph.h"

namespace sosasim {

namespace {

bool contains(const std::vector<std::string>& fields, const std::string& name) {
  for (const auto& field : fields)
    if (normalise_header(field) == name) return true;
  return false;
}

std::string field_or_empty(const CsvRow& row, const std::map<std::string, std::size_t>& columns,
                           const std::string& name) {
  auto it = columns.find(name);
  if (it == columns.end() || it->second >= row.fields.size()) return "";
  return row.fields[it->second];
}

void check_field_count(const CsvRow& row, const CsvTable& table, std::size_t minimum, std::size_t maximum,
                       const std::string& hint) {
  if (row.fields.size() >= minimum && row.fields.size() <= maximum) return;
  throw ConfigError(SourceLocation{table.path, row.line, ""}, "",
                    "expected " + std::to_string(minimum) +
                        (maximum > minimum ? " to " + std::to_string(maximum) : "") + " fields (" + hint + "), found " +
                        std::to_string(row.fields.size()));
}

// The optional per-layer columns shared by the native and the convolution CSV.
void read_layer_options(Layer& layer, const CsvRow& row, const std::map<std::string, std::size_t>& columns,
                        const SourceLocation& where) {
  auto depends = columns.find("depends_on");
  if (depends != columns.end() && depends->second < row.fields.size() && !row.fields[depends->second].empty()) {
    layer.depends_on_given = true;
    std::string text = row.fields[depends->second];
    if (text != "none") {
      std::size_t start = 0;
      while (true) {
        auto semicolon = text.find(';', start);
        std::string name = trim(text.substr(start, semicolon - start));
        if (name.empty()) throw ConfigError(where, "", "field 'depends_on': empty layer name in '" + text + "'");
        layer.depends_on.push_back(name);
        if (semicolon == std::string::npos) break;
        start = semicolon + 1;
      }
    }
  }
  layer.format = field_or_empty(row, columns, "format");
  if (!layer.format.empty()) {
    std::string problem = check_format_override(layer.format);
    if (!problem.empty()) throw ConfigError(where, "", "field 'format': " + problem);
  }
  layer.sparsity = field_or_empty(row, columns, "sparsity");
  std::int64_t keep = 0, group = 0;
  if (!layer.sparsity.empty() && layer.sparsity != "none" && !parse_sparsity_pattern(layer.sparsity, keep, group))
    throw ConfigError(where, "", "field 'sparsity': expected none or N:M with 1 <= N < M <= 64, found '" +
                                     layer.sparsity + "'");
  std::string operand = field_or_empty(row, columns, "w_operand");
  if (!operand.empty() && operand != "weight" && operand != "activation")
    throw ConfigError(where, "", "field 'w_operand': expected weight or activation, found '" + operand + "'");
  layer.weights_on_chip = operand == "activation";
  const std::string from = field_or_empty(row, columns, "input_from");
  if (!from.empty() && from != "producers" && from != "dram" && from != "chip")
    throw ConfigError(where, "", "field 'input_from': expected producers, dram or chip, found '" + from + "'");
  layer.input_from = from == "dram"   ? Layer::InputFrom::Dram
                     : from == "chip" ? Layer::InputFrom::Chip
                                      : Layer::InputFrom::Producers;
  std::string input = field_or_empty(row, columns, "input_elements");
  if (!input.empty()) layer.input_elements = parse_positive(input, where, "input_elements");
}

const std::vector<std::string> kOptionalColumns = {"depends_on", "format",         "sparsity",
                                                   "w_operand",  "input_elements", "input_from"};

Workload read_native(const CsvTable& table, const std::string& name) {
  Workload workload{name, table.path, {}};
  std::vector<std::string> known = {"layer", "layer_name", "m", "k", "n", "count"};
  known.insert(known.end(), kOptionalColumns.begin(), kOptionalColumns.end());
  const std::string hint =
      "layer,M,K,N[,count][,depends_on][,format][,sparsity][,w_operand][,input_elements][,input_from]";
  std::map<std::string, std::size_t> columns;
  std::size_t minimum = 4, maximum = 5;
  if (!table.header.fields.empty()) {
    columns = map_columns(table, known, {"m", "k", "n"}, hint);
    if (columns.count("layer_name")) columns["layer"] = columns["layer_name"];
    if (!columns.count("layer")) throw ConfigError(SourceLocation{table.path, table.header.line, ""}, "",
                                                   "the header has no column 'layer'");
    minimum = 0;
    for (const char* required : {"layer", "m", "k", "n"}) minimum = std::max(minimum, columns[required] + 1);
    maximum = table.header.fields.size();
  } else {
    columns = {{"layer", 0}, {"m", 1}, {"k", 2}, {"n", 3}, {"count", 4}};
  }
  for (const auto& row : table.rows) {
    check_field_count(row, table, minimum, maximum, hint);
    SourceLocation where{table.path, row.line, ""};
    Layer layer;
    layer.line = row.line;
    layer.name = row.fields[columns["layer"]];
    if (layer.name.empty()) throw ConfigError(where, "", "field 'layer': the layer name is empty");
    layer.M = parse_positive(row.fields[columns["m"]], where, "M");
    layer.K = parse_positive(row.fields[columns["k"]], where, "K");
    layer.N = parse_positive(row.fields[columns["n"]], where, "N");
    std::string count = field_or_empty(row, columns, "count");
    if (!count.empty()) layer.count = parse_positive(count, where, "count");
    read_layer_options(layer, row, columns, where);
    workload.layers.push_back(layer);
  }
  return workload;
}

// SCALE-Sim conv rows: no padding (the IFMAP size already includes it), output
// ceil((H - R + s) / s), M = output pixels x batch, K = R S C, N = filters.
Workload read_scalesim_conv(const CsvTable& table, const std::string& name) {
  Workload workload{name, table.path, {}};
  const std::vector<std::string> known = {"layer_name", "ifmap_height", "ifmap_width", "filter_height",
                                          "filter_width", "channels",    "num_filter",  "strides",
                                          "stride_width", "batch_size",  "sparsity"};
  const std::string hint = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, "
                           "Num Filter, Strides[, Stride Width][, Batch Size][, Sparsity]";
  auto columns = map_columns(table, known, {"layer_name", "ifmap_height", "ifmap_width", "filter_height",
                                            "filter_width", "channels", "num_filter", "strides"}, hint);
  for (const auto& row : table.rows) {
    check_field_count(row, table, 8, table.header.fields.size(), hint);
    SourceLocation where{table.path, row.line, ""};
    auto get = [&](const std::string& column) { return parse_positive(row.fields[columns[column]], where, column); };
    Layer layer;
    layer.line = row.line;
    layer.name = row.fields[columns["layer_name"]];
    if (layer.name.empty()) throw ConfigError(where, "", "field 'Layer name': the layer name is empty");
    std::int64_t H = get("ifmap_height"), W = get("ifmap_width"), R = get("filter_height"), S = get("filter_width");
    std::int64_t C = get("channels"), filters = get("num_filter"), stride = get("strides");
    std::int64_t stride_w = columns.count("stride_width") && !field_or_empty(row, columns, "stride_width").empty()
                                 ? get("stride_width")
                                 : stride;
    std::int64_t batch = columns.count("batch_size") && !field_or_empty(row, columns, "batch_size").empty()
                             ? get("batch_size")
                             : 1;
    if (R > H || S > W)
      throw ConfigError(where, "", "the filter (" + std::to_string(R) + "x" + std::to_string(S) +
                                       ") is larger than the IFMAP (" + std::to_string(H) + "x" + std::to_string(W) + ")");
    std::int64_t out_h = (H - R + stride) / stride + ((H - R + stride) % stride != 0);
    std::int64_t out_w = (W - S + stride_w) / stride_w + ((W - S + stride_w) % stride_w != 0);
    layer.M = checked_size(where, "M = out_h x out_w x batch", {out_h, out_w, batch});
    layer.K = checked_size(where, "K = filter height x width x channels", {R, S, C});
    layer.N = filters;
    layer.input_elements = checked_size(where, "input elements H x W x C x batch", {H, W, C, batch});
    layer.sparsity = field_or_empty(row, columns, "sparsity");
    std::int64_t keep = 0, group = 0;
    if (!layer.sparsity.empty() && layer.sparsity != "none" && !parse_sparsity_pattern(layer.sparsity, keep, group))
      throw ConfigError(where, "", "field 'Sparsity': expected N:M, found '" + layer.sparsity + "'");
    workload.layers.push_back(layer);
  }
  return workload;
}

// Our convolution CSV: explicit padding, groups (depthwise when groups = channels), batch.
Workload read_conv(const CsvTable& table, const std::string& name) {
  Workload workload{name, table.path, {}};
  std::vector<std::string> known = {"layer", "h", "w", "c", "r", "s", "out_channels", "stride", "padding",
                                    "groups", "batch"};
  known.insert(known.end(), kOptionalColumns.begin(), kOptionalColumns.end());
  const std::string hint = "layer,H,W,C,R,S,out_channels,stride,padding,groups[,batch][,depends_on][,format][,sparsity]";
  auto columns = map_columns(table, known, {"layer", "h", "w", "c", "r", "s", "out_channels", "stride", "padding", "groups"},
                             hint);
  for (const auto& row : table.rows) {
    check_field_count(row, table, 10, table.header.fields.size(), hint);
    SourceLocation where{table.path, row.line, ""};
    auto get = [&](const std::string& column, std::int64_t min_value = 1) {
      return parse_positive(row.fields[columns[column]], where, column, min_value);
    };
    Layer layer;
    layer.line = row.line;
    layer.name = row.fields[columns["layer"]];
    if (layer.name.empty()) throw ConfigError(where, "", "field 'layer': the layer name is empty");
    std::int64_t H = get("h"), W = get("w"), C = get("c"), R = get("r"), S = get("s");
    std::int64_t out = get("out_channels"), stride = get("stride"), pad = get("padding", 0), groups = get("groups");
    std::int64_t batch = !field_or_empty(row, columns, "batch").empty() ? get("batch") : 1;
    if (C % groups != 0 || out % groups != 0)
      throw ConfigError(where, "", "field 'groups': " + std::to_string(groups) + " must divide C (" + std::to_string(C) +
                                       ") and out_channels (" + std::to_string(out) + ")");
    if (H + 2 * pad < R || W + 2 * pad < S)
      throw ConfigError(where, "", "the filter is larger than the padded input");
    std::int64_t out_h = (H + 2 * pad - R) / stride + 1, out_w = (W + 2 * pad - S) / stride + 1;
    layer.M = checked_size(where, "M = out_h x out_w x batch", {out_h, out_w, batch});
    layer.K = checked_size(where, "K = R x S x C / groups", {R, S, C / groups});
    layer.N = out / groups;
    layer.count = groups;
    layer.depthwise = groups > 1 && groups == C;
    layer.input_elements = checked_size(where, "input elements H x W x C x batch", {H, W, C, batch});
    read_layer_options(layer, row, columns, where);
    workload.layers.push_back(layer);
  }
  return workload;
}

// What every reader's result must hold: layers, MAC counts within 64 bits (a layer's M x K x N x
// count within 2^56, a trace's within 2^60, so what several workloads and the statistics sum
// stays far from 2^64), and a resolved, acyclic layer graph.
void finish_trace(Workload& workload, const std::string& path) {
  if (workload.layers.empty()) throw ConfigError(SourceLocation{path, 0, ""}, "", "the trace has no layers");
  long double total = 0;
  for (const auto& layer : workload.layers) {
    const SourceLocation where{path, layer.line, ""};
    const long double macs = static_cast<long double>(layer.M) * layer.K * layer.N * layer.count;
    total += macs;
    if (total > static_cast<long double>(std::int64_t{1} << 60))
      throw ConfigError(where, "", "the trace's MACs up to layer '" + layer.name + "' exceed the limit of 2^60");
    if (macs > static_cast<long double>(std::int64_t{1} << 56))
      throw ConfigError(where, "", "layer '" + layer.name + "': M x K x N x count = " + std::to_string(layer.M) + " x " +
                                       std::to_string(layer.K) + " x " + std::to_string(layer.N) + " x " +
                                       std::to_string(layer.count) + " MACs exceeds the limit of 2^56 per layer");
  }
  resolve_dependencies(workload);
}

// The CSV of a trace: a header starts with "layer" or "layer_name".
CsvTable read_trace_csv(const std::string& path) {
  return read_csv(path, [](const std::vector<std::string>& fields) {
    std::string first = normalise_header(fields[0]);
    return first == "layer" || first == "layer_name";
  });
}

}  // namespace

std::uint64_t Workload::total_macs() const {
  std::uint64_t total = 0;
  for (const auto& layer : layers) total += layer.macs();
  return total;
}

std::string check_format_override(const std::string& text) {
  if (ComponentRegistry::instance().find("format", text)) return "";  // a registered format by name
  if (text.rfind("bfp:", 0) == 0) {
    std::string rest = text.substr(4);
    auto colon = rest.find(':');
    std::string mantissa = rest.substr(0, colon), block = colon == std::string::npos ? "" : rest.substr(colon + 1);
    auto number = [](const std::string& s, int lo, int hi) {
      if (s.empty() || s.size() > 5 || s.find_first_not_of("0123456789") != std::string::npos) return false;
      int v = std::stoi(s);
      return v >= lo && v <= hi;
    };
    if (number(mantissa, 1, 23) && (colon == std::string::npos || number(block, 1, 65536))) return "";
  }
  std::string names;
  for (const auto& name : ComponentRegistry::instance().names("format")) names += name + ", ";
  return "expected a registered format (" + names + "bfp:M with M mantissa bits or bfp:M:B with block size B), found '" +
         text + "'";
}

Workload read_native_trace(const std::string& path, const std::string& name) {
  CsvTable table = read_trace_csv(path);
  Workload workload = read_native(table, name);
  finish_trace(workload, path);
  return workload;
}

Workload read_trace(const std::string& path, const std::string& name) {
  CsvTable table = read_trace_csv(path);
  Workload workload;
  if (contains(table.header.fields, "ifmap_height")) workload = read_scalesim_conv(table, name);
  else if (contains(table.header.fields, "out_channels")) workload = read_conv(table, name);
  else workload = read_native(table, name);
  finish_trace(workload, path);
  return workload;
}

std::string native_trace_text(const Workload& workload, const std::string& comment) {
  std::ostringstream out;
  out << "# " << workload.name << ": " << comment << "\n"
      << "layer,M,K,N,count,depends_on,format,sparsity,w_operand,input_elements,input_from\n";
  for (const auto& layer : workload.layers) {
    std::string depends;
    for (const auto& name : layer.depends_on) depends += (depends.empty() ? "" : ";") + name;
    if (layer.depends_on_given && depends.empty()) depends = "none";
    out << csv_field(layer.name) << ',' << layer.M << ',' << layer.K << ',' << layer.N << ',' << layer.count << ','
        << csv_field(depends) << ',' << layer.format << ',' << layer.sparsity << ','
        << (layer.weights_on_chip ? "activation" : "weight") << ','
        << (layer.input_elements > 0 ? std::to_string(layer.input_elements) : "") << ','
        << (layer.input_from == Layer::InputFrom::Dram   ? "dram"
            : layer.input_from == Layer::InputFrom::Chip ? "chip"
                                                         : "producers")
        << '\n';
  }
  return out.str();
}

}  // namespace sosasim
