#include "tiling/scheduler.h"

#include <algorithm>
#include <cmath>
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
  return {"order", ParamType::Choice, "", "auto",
          "weight_major: chunks of weight-tile-major ops; output_blocks: chunks of row blocks with their K blocks "
          "together, so pods compute whole K chains of their output tiles; auto: per layer, the row block with the "
          "least estimated pod time (weight loads against the partial-sum tree; weight_major when "
          "k_reduction: free)",
          -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(),
          {"weight_major", "output_blocks", "auto"}};
}

OpOrder parse_op_order(const std::string& name) {
  if (name == "weight_major") return OpOrder::WeightMajor;
  if (name == "output_blocks") return OpOrder::OutputBlocks;
  return OpOrder::Auto;
}

std::int64_t op_order_m_block(const LayerPlan& plan, std::int64_t pods, OpOrder order, KReductionMode reduction) {
  if (order == OpOrder::WeightMajor) return plan.m_parts();
  if (order == OpOrder::Auto) return op_order_auto_m_block(plan, pods, reduction);
  const std::uint64_t output_tiles = plan.op_count() / static_cast<std::uint64_t>(plan.k_parts());
  return std::max<std::int64_t>(1, static_cast<std::int64_t>(output_tiles / static_cast<std::uint64_t>(pods)));
}

std::int64_t op_order_auto_m_block(const LayerPlan& plan, std::int64_t pods, KReductionMode reduction) {
  const std::int64_t m_parts = plan.m_parts();
  if (reduction == KReductionMode::Free || plan.k_parts() < 2) return m_parts;
  const double chained = reduction == KReductionMode::Chain ? 1.0 : 0.0;
  const double ops = static_cast<double>(plan.op_count());
  const double chunks = std::min(ops, static_cast<double>(pods));
  const double per_pod = ops / chunks;
  const TileShape& shape = plan.shape();
  const auto p = static_cast<double>(shape.partition_rows), r = static_cast<double>(shape.rows);
  const double drain = static_cast<double>(shape.rows + shape.cols);
  const std::uint64_t output_tiles = plan.op_count() / static_cast<std::uint64_t>(plan.k_parts());
  auto estimate = [&](std::int64_t block) {
    const double rows = static_cast<double>(block);
    const double sharing = std::max(1.0, static_cast<double>(plan.k_parts()) * rows / per_pod);
    const double depth = std::ceil(std::log2(std::max(1.0, sharing - chained)) - 1e-9);
    return per_pod * p + per_pod / rows * r + depth * (std::min(rows, per_pod) * p + drain);
  };
  std::int64_t best = m_parts;
  double best_time = estimate(m_parts);
  for (std::uint64_t s = 1;; s *= 2) {
    const std::int64_t block = std::min<std::int64_t>(
        m_parts, static_cast<std::int64_t>((s * output_tiles + static_cast<std::uint64_t>(pods) - 1) /
                                           static_cast<std::uint64_t>(pods)));
    if (block >= m_parts) break;
    const double time = estimate(block);
    if (time < best_time) {
      best = block;
      best_time = time;
    }
  }
  return best;
}

ChunkLayout contiguous_chunks(const LayerPlan& plan, std::int64_t pods) {
  ChunkLayout layout;
  layout.count = static_cast<std::int64_t>(std::min<std::uint64_t>(static_cast<std::uint64_t>(pods), plan.op_count()));
  return layout;
}

ChunkLayout interleaved_chunks(const LayerPlan& plan, std::int64_t pods) {
  const std::uint64_t per_block = static_cast<std::uint64_t>(plan.k_parts() * plan.m_parts());
  const std::int64_t blocks = static_cast<std::int64_t>(plan.op_count() / per_block);
  if (blocks != plan.n_parts() || blocks < 2 || blocks > pods) return contiguous_chunks(plan, pods);
  ChunkLayout layout;
  layout.groups = blocks;
  const std::int64_t per = std::min<std::int64_t>(pods / blocks, static_cast<std::int64_t>(per_block));
  layout.count = blocks * per;
  return layout;
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
