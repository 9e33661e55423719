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
      n_parts_(ceil_div(layer.N, shape.cols)) {}

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
  op.weight_tile = index / static_cast<std::uint64_t>(m_parts_);
  std::int64_t m_part = static_cast<std::int64_t>(index % static_cast<std::uint64_t>(m_parts_));
  op.m_rows = std::min(shape_.partition_rows, M_ - m_part * shape_.partition_rows);
  op.k_part = static_cast<std::int64_t>(op.weight_tile % static_cast<std::uint64_t>(k_parts_));
  op.k_rows = weight_tile_rows(op.weight_tile);
  op.n_cols = weight_tile_cols(op.weight_tile);
  return op;
}

}  // namespace sosasim
