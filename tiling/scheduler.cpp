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

OpRange ChunkLayout::range(const LayerPlan& plan, std::int64_t chunk) const {
  if (segments == 0) return even_chunk(plan, chunk, count);
  const std::int64_t per = count / groups;
  const std::int64_t n = chunk / per, cell = chunk % per;
  const std::int64_t block = cell / segments, s = cell % segments;
  const std::int64_t kp = plan.k_parts(), start = plan.row_block_start(block);
  const std::int64_t rows = plan.row_block_start(block + 1) - start;
  const std::uint64_t base = static_cast<std::uint64_t>(n) * static_cast<std::uint64_t>(kp * plan.m_parts()) +
                             static_cast<std::uint64_t>(start * kp);
  const auto k_begin = [&](std::int64_t seg) { return static_cast<std::uint64_t>(kp * seg / segments * rows); };
  return OpRange{base + k_begin(s), base + k_begin(s + 1), 1};
}

std::int64_t ChunkLayout::chunk_of(const LayerPlan& plan, std::uint64_t op) const {
  if (segments == 0) return sosasim::chunk_of(plan, op, count);
  return chunk_of(plan, plan.op(op), op);
}

std::int64_t ChunkLayout::chunk_of(const LayerPlan& plan, const TileOp& tile_op, std::uint64_t op) const {
  if (segments == 0) return sosasim::chunk_of(plan, op, count);
  const std::int64_t per = count / groups;
  // The segment s holds K block k when k_parts * s / S <= k < k_parts * (s + 1) / S.
  const std::int64_t s = ((tile_op.k_part + 1) * segments - 1) / plan.k_parts();
  return static_cast<std::int64_t>(tile_op.column_block) * per + plan.row_block_of(tile_op.m_part) * segments + s;
}

// A step that loads a new weight tile every r cycles keeps the pod's W link busy all the time, the
// tile's last row arrives a network's latency after its first, and its multicast must find every
// link of its tree free at once: such steps are counted at twice the load (InceptionV3 on the SOSA
// machine with placement: grid, 49,360 cycles counting loads once, 46,284 twice; with the
// latency added instead, r + 10 to r + 48, 47,229 to 49,023 under placement: auto).
constexpr double kGridWeightLoadFactor = 2.0;

// placement: auto leaves a layer contiguous when its grid's busiest cell has more than 1.5 times
// the ops of the busiest contiguous chunk (ResNet-50 on 376 pods, 16 column blocks and more not
// dividing them: 38,326 cycles with the grid wherever the pods are not a multiple of G, 36,598
// with this bound, 35,582 all contiguous; InceptionV3 on 256 pods unchanged at 47,539, and
// 48,357 with a bound of 1.25).
constexpr double kGridBalance = 1.5;

GridChoice grid_choice(const LayerPlan& plan, std::int64_t pods, KReductionMode reduction) {
  GridChoice best;
  const std::int64_t groups =
      static_cast<std::int64_t>(plan.op_count() / static_cast<std::uint64_t>(plan.k_parts() * plan.m_parts()));
  if (groups > pods) return best;

  const std::int64_t per_group = pods / groups, m_parts = plan.m_parts(), kp = plan.k_parts();
  const TileShape& shape = plan.shape();
  // Rows streamed per row partition, on average (a short last partition, or M below p).
  const double last = static_cast<double>(plan.op(plan.op_index(0, 0, m_parts - 1)).m_rows);
  const double rows = (static_cast<double>(m_parts - 1) * static_cast<double>(shape.partition_rows) + last) /
                      static_cast<double>(m_parts);
  const double r = static_cast<double>(shape.rows), drain = static_cast<double>(shape.rows + shape.cols);
  double best_time = 0;
  for (std::int64_t s = 1; s <= std::min(kp, per_group); ++s) {
    const std::int64_t row_blocks = std::min(per_group / s, m_parts);  // row blocks that fit beside s segments
    const std::int64_t m_block = ceil_div(m_parts, row_blocks);           // the largest
    const double block_rows = static_cast<double>(m_block) * rows;
    const double steps = static_cast<double>(ceil_div(kp, s));
    double time = steps * std::max(block_rows, kGridWeightLoadFactor * r);
    if (reduction != KReductionMode::Free && s > 1)
      time += std::ceil(std::log2(static_cast<double>(s)) - 1e-9) * (block_rows + drain);
    if (!best.valid || time < best_time) {
      best.valid = true;
      best.row_blocks = row_blocks;
      best.segments = s;
      best.busiest_ops = static_cast<std::uint64_t>(m_block * ceil_div(kp, s));
      best_time = time;
    }
  }
  best.groups = groups;
  best.even_ops = (plan.op_count() + static_cast<std::uint64_t>(pods) - 1) / static_cast<std::uint64_t>(pods);
  best.per = best.row_blocks * best.segments;
  return best;
}

bool grid_pays(const GridChoice& choice, std::int64_t pods) {
  return choice.valid && pods % choice.groups != 0 &&
         static_cast<double>(choice.busiest_ops) <= kGridBalance * static_cast<double>(choice.even_ops);
}

ChunkLayout grid_chunks(const GridChoice& choice) {
  ChunkLayout layout;
  layout.groups = choice.groups;
  layout.segments = choice.segments;
  layout.count = choice.groups * choice.per;
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
