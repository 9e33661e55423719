// tiling/'s config section: its schema beside the code that reads it into the SimConfig
// (sim/kernel/config_sections.h), with the checks that need the networks' spec read before it.
// The spec itself: tiling/specs.h.
#include "tiling/specs.h"

#include <cmath>
#include <limits>

#include <spdlog/fmt/fmt.h>

#include "arch/number_format.h"
#include "sim/kernel/config_sections.h"

namespace sosasim {

namespace {


// An operand tile lives in one bank: the weight tile (r x c) and the input tile (p x r) must each
// fit one, at the config's format.
void check_tiles_fit_banks(SectionReader& reader, const SimConfig& config) {
  const NumberFormat& format = number_format(config.format.type);
  const double operand = format.operand_bits(config.format) / 8;
  const double bank = static_cast<double>(config.sram.bank_kib) * 1024;
  const auto r = static_cast<double>(config.array.rows), c = static_cast<double>(config.array.cols);
  const auto p = static_cast<double>(config.partition_rows());
  const struct { const char* what; double bytes; } tiles[] = {
      {"weight tile (rows x cols)", r * c * operand}, {"input tile (partition x rows)", p * r * operand}};
  for (const auto& tile : tiles)
    if (tile.bytes > bank)
      throw ConfigError(reader.where("sram.bank_kib"), "sram.bank_kib",
                        fmt::format("a {} of {} is {:.0f} KiB, more than a {} KiB bank holds (a tile lives in one "
                                    "bank): raise sram.bank_kib, or use a smaller array or partition",
                                    tile.what, config.format.type, std::ceil(tile.bytes / 1024), config.sram.bank_kib));
}

}  // namespace

KReductionMode parse_k_reduction(const std::string& name) {
  if (name == "free") return KReductionMode::Free;
  if (name == "post_processors") return KReductionMode::PostProcessors;
  return KReductionMode::Chain;
}

namespace {

const SectionRegistration kTiling{
    {"section", "tiling",
    "how GEMMs are cut into tile ops and placed on pods; `scheduler` selects a registered scheduler",
    {{"partition_size", ParamType::String, "rows", "auto",
      "p: rows of X per tile op (SOSA's custom partition size); auto = array rows", -kInf, kInf, {}},
     {"scheduler", ParamType::String, "", "dynamic", "a registered scheduler (see kind 'scheduler')",
      -kInf, kInf, {}},
     {"k_reduction", ParamType::Choice, "", "chain",
      "chain (default): partial sums of an output tile computed on several pods cross the post-processor network; "
      "the pod whose part of the tile comes first sends its partial tile to the pod whose part comes last, whose "
      "first op on the tile takes it as its starting accumulation when it has arrived (else a post-processor adds "
      "it), and the pods in between add theirs in a binomial tree rooted there, each post-processor forwarding its "
      "sum row by row; post_processors: every pod's partial "
      "tile goes up a binomial tree rooted at the pod with the last K block, each added by a post-processor and sent "
      "on when whole; free: "
      "added at no cost (an idealization). Under sosa_rounds chain and post_processors both reduce as the SOSA "
      "authors' compiler: chained to a later round's op where possible, else pairwise additions on the "
      "post-processors in later rounds (tiling/round_schedule.h)",
      -kInf, kInf, {"chain", "post_processors", "free"}}}},
    kOrderTiling, [](SectionReader& reader, SimConfig& config) {
      TilingSpec& tiling = config.tiling;
      tiling.params = reader.component_section("tiling", "scheduler", "scheduler");
      tiling.scheduler = tiling.params.get_string("scheduler");
      tiling.k_reduction = parse_k_reduction(tiling.params.get_string("k_reduction"));
      const std::string partition = tiling.params.get_string("partition_size");
      if (partition != "auto") {
        const ParamDef def{"partition_size", ParamType::Int, "rows", "", "", 1, 1 << 30, {}};
        const SourceLocation where = reader.where("tiling.partition_size");
        try {
          tiling.partition_size = std::get<std::int64_t>(parse_param(def, partition, where, "tiling.partition_size"));
        } catch (const ConfigError&) {
          throw ConfigError(where, "tiling.partition_size", "expected auto or an integer >= 1, found '" + partition + "'");
        }
        reader.resolved("tiling.partition_size") = tiling.partition_size;
      }
      check_tiles_fit_banks(reader, config);
      if (config.interconnect.router_transfers && tiling.scheduler == "sosa_rounds")
        throw ConfigError(reader.where("interconnect.transfers"), "interconnect.transfers",
                          "sosa_rounds reserves each round's routes itself; routers needs a scheduler without lock-step "
                          "rounds (dynamic or layer_static)");
    }};

}  // namespace

}  // namespace sosasim
