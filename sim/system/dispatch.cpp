#include "sim/system/dispatch.h"

#include <algorithm>
#include <map>
#include <utility>

#include "sim/kernel/errors.h"
#include "sim/kernel/spec.h"

namespace sosasim {

namespace {

std::map<std::string, DispatchFactory>& factories() {
  static std::map<std::string, DispatchFactory> table;
  return table;
}

}  // namespace

DispatchRegistration::DispatchRegistration(const std::string& name, DispatchFactory factory) {
  factories()[name] = std::move(factory);
}

std::unique_ptr<Dispatch> make_dispatch(const DispatchContext& context) {
  const std::string name = context.scheduler.dispatch_policy();
  auto it = factories().find(name);
  if (it == factories().end()) throw ModelError(0, "system controller", "no dispatch policy '" + name + "'");
  return it->second(context);
}

Dispatch::Dispatch(const DispatchContext& context) : context_(context) {
  cursor_.resize(static_cast<std::size_t>(context.config.pods));
  task_.assign(static_cast<std::size_t>(context.config.pods), SIZE_MAX);
}

std::uint64_t Dispatch::chunk_count(std::size_t task) const {
  return static_cast<std::uint64_t>(context_.tasks[task].chunks.count);
}

// Pods that each own a contiguous chunk of the ops consume the tiles in parallel, so their first
// tiles come first, then their second tiles, and so on. Otherwise a layer with more weights than
// the banks hold would leave the pods with the last chunks waiting for the window to slide to them.
std::vector<std::uint32_t> Dispatch::fetch_order(std::size_t task_index) const {
  const LayerPlan& plan = context_.tasks[task_index].plan;
  const std::uint64_t tiles = plan.weight_tiles();
  std::vector<std::uint32_t> order;
  order.reserve(tiles);
  const std::uint64_t chunks = chunk_count(task_index);
  auto chunk = [&](std::uint64_t c) { return context_.tasks[task_index].chunks.range(plan, static_cast<std::int64_t>(c)); };
  std::vector<bool> seen(tiles, false);
  if (plan.row_blocks() > 1) {
    // Row blocks: a chunk's weight tiles are not one run of tile numbers. Take each chunk's tiles
    // in the order it uses them and interleave the chunks.
    std::vector<std::vector<std::uint32_t>> uses(chunks);
    std::size_t longest_use = 0;
    for (std::uint64_t c = 0; c < chunks; ++c) {
      const OpRange range = chunk(c);
      for (std::uint64_t op = range.begin; op < range.end; op += range.stride) {
        const auto t = static_cast<std::uint32_t>(plan.op(op).weight_tile);
        if (uses[c].empty() || uses[c].back() != t) uses[c].push_back(t);
      }
      longest_use = std::max(longest_use, uses[c].size());
    }
    for (std::size_t k = 0; k < longest_use; ++k)
      for (const auto& list : uses)
        if (k < list.size() && !seen[list[k]]) {
          seen[list[k]] = true;
          order.push_back(list[k]);
        }
    return order;
  }
  std::vector<std::pair<std::uint64_t, std::uint64_t>> spans;  // first and last tile of each chunk
  std::uint64_t longest = 0;
  for (std::uint64_t c = 0; c < chunks; ++c) {
    const OpRange range = chunk(c);
    if (range.empty()) continue;
    const std::uint64_t first = plan.op(range.begin).weight_tile, last = plan.op(range.end - 1).weight_tile;
    spans.emplace_back(first, last);
    longest = std::max(longest, last - first + 1);
  }
  for (std::uint64_t k = 0; k < longest; ++k)
    for (const auto& [first, last] : spans)
      if (first + k <= last && !seen[first + k]) {
        seen[first + k] = true;
        order.push_back(static_cast<std::uint32_t>(first + k));
      }
  for (std::uint64_t t = 0; t < tiles; ++t)
    if (!seen[t]) order.push_back(static_cast<std::uint32_t>(t));
  return order;
}

}  // namespace sosasim
