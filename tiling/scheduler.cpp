#include "tiling/scheduler.h"

#include <algorithm>
#include <limits>
#include <map>
#include <stdexcept>

namespace sosasim {

namespace {

std::map<std::string, SchedulerFactory>& factories() {
  static std::map<std::string, SchedulerFactory> table;
  return table;
}

}  // namespace

OpRange even_chunk(const LayerPlan& plan, std::int64_t index, std::int64_t count) {
  std::uint64_t total = plan.op_count();
  auto boundary = [&](std::int64_t i) { return total * static_cast<std::uint64_t>(i) / static_cast<std::uint64_t>(count); };
  return OpRange{boundary(index), boundary(index + 1), 1};
}

ParamDef op_order_param() {
  return {"order", ParamType::Choice, "", "weight_major",
          "weight_major: chunks of weight-tile-major ops; output_blocks: chunks of row blocks with their K blocks "
          "together, so pods compute whole K chains of their output tiles",
          -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(),
          {"weight_major", "output_blocks"}};
}

std::int64_t op_order_m_block(const LayerPlan& plan, std::int64_t pods, bool output_blocks) {
  if (!output_blocks) return plan.m_parts();
  const std::uint64_t output_tiles = plan.op_count() / static_cast<std::uint64_t>(plan.k_parts());
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(output_tiles / static_cast<std::uint64_t>(pods)));
}

std::int64_t chunk_of(const LayerPlan& plan, std::uint64_t op, std::int64_t count) {
  // The largest c with boundary(c) = total * c / count <= op.
  const std::uint64_t total = plan.op_count();
  return static_cast<std::int64_t>(((op + 1) * static_cast<std::uint64_t>(count) - 1) / total);
}

std::unique_ptr<Scheduler> make_scheduler(const ParamValues& params) {
  const std::string& name = params.get_string("scheduler");
  auto it = factories().find(name);
  if (it == factories().end()) throw std::logic_error("scheduler '" + name + "' has no factory");
  return it->second(params);
}

SchedulerRegistration::SchedulerRegistration(ComponentInfo info, SchedulerFactory factory) {
  factories()[info.name] = std::move(factory);
  ComponentRegistry::instance().add(std::move(info));
}

}  // namespace sosasim
