#include "tiling/tiling.h"

#include <algorithm>

namespace sosasim {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

LayerPlan::LayerPlan(const Layer& layer, const TileShape& shape)
    : M_(layer.M),
      K_(layer.K),
      N_(layer.N),
      shape_(shape),
      instances_(layer.count),
      m_parts_(ceil_div(layer.M, shape.partition_rows)),
      k_parts_(ceil_div(layer.K, shape.rows)),
      n_parts_(ceil_div(layer.N, shape.cols)),
      m_block_(m_parts_) {}

void LayerPlan::set_m_block(std::int64_t m_block) { m_block_ = std::max<std::int64_t>(1, std::min(m_block, m_parts_)); }

std::uint64_t LayerPlan::op_index(std::uint64_t column_block, std::int64_t k_part, std::int64_t m_part) const {
  const std::int64_t block = m_part / m_block_, in_block = m_part % m_block_;
  const std::int64_t block_rows = std::min(m_block_, m_parts_ - block * m_block_);
  return column_block * static_cast<std::uint64_t>(k_parts_ * m_parts_) +
         static_cast<std::uint64_t>(block * k_parts_ * m_block_ + k_part * block_rows + in_block);
}

std::int64_t LayerPlan::weight_tile_rows(std::uint64_t tile) const {
  std::int64_t k_part = static_cast<std::int64_t>(tile % static_cast<std::uint64_t>(k_parts_));
  return std::min(shape_.rows, K_ - k_part * shape_.rows);
}

std::int64_t LayerPlan::weight_tile_cols(std::uint64_t tile) const {
  std::int64_t n_part =
      static_cast<std::int64_t>((tile / static_cast<std::uint64_t>(k_parts_)) % static_cast<std::uint64_t>(n_parts_));
  return std::min(shape_.cols, N_ - n_part * shape_.cols);
}

TileOp LayerPlan::op(std::uint64_t index) const {
  TileOp op;
  const auto per_column = static_cast<std::uint64_t>(k_parts_ * m_parts_);
  op.column_block = index / per_column;
  const auto within = static_cast<std::int64_t>(index % per_column);
  const std::int64_t block = within / (k_parts_ * m_block_);
  const std::int64_t offset = within - block * k_parts_ * m_block_;
  const std::int64_t block_rows = std::min(m_block_, m_parts_ - block * m_block_);
  op.k_part = offset / block_rows;
  op.m_part = block * m_block_ + offset % block_rows;
  op.weight_tile = op.column_block * static_cast<std::uint64_t>(k_parts_) + static_cast<std::uint64_t>(op.k_part);
  op.m_rows = std::min(shape_.partition_rows, M_ - op.m_part * shape_.partition_rows);
  op.k_rows = weight_tile_rows(op.weight_tile);
  op.n_cols = weight_tile_cols(op.weight_tile);
  return op;
}

}  // namespace sosasim
