#include "tiling/tiling.h"

#include <algorithm>
#include <cmath>

#include "sim/kernel/errors.h"

namespace sosasim {

std::int64_t ceil_div(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

void check_simulable(const Layer& layer, const std::string& trace_path, const TileShape& shape) {
  const SourceLocation where{trace_path, layer.line, ""};
  const auto parts = [](std::int64_t size, std::int64_t tile) { return static_cast<long double>(ceil_div(size, tile)); };
  const long double tiles = static_cast<long double>(layer.count) * parts(layer.K, shape.rows) * parts(layer.N, shape.cols);
  const long double ops = tiles * parts(layer.M, shape.partition_rows);
  const std::string cut = std::to_string(shape.rows) + "x" + std::to_string(shape.cols);
  if (tiles > static_cast<long double>(kMaxWeightTilesPerLayer))
    throw ConfigError(where, "", "layer '" + layer.name + "' has about 2^" +
                                     std::to_string(static_cast<int>(std::log2(static_cast<double>(tiles)))) + " weight tiles of " +
                                     cut + ", over the 2^26 per layer a run holds (about 18 bytes of state per tile: 1.2 GB at the limit)");
  if (ops > static_cast<long double>(kMaxTileOpsPerLayer))
    throw ConfigError(where, "", "layer '" + layer.name + "' has about 2^" +
                                     std::to_string(static_cast<int>(std::log2(static_cast<double>(ops)))) +
                                     " tile ops, over the 2^40 per layer a run steps through");
}

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

void LayerPlan::set_m_block(std::int64_t m_block) {
  m_block_ = std::max<std::int64_t>(1, std::min(m_block, m_parts_));
  row_blocks_ = ceil_div(m_parts_, m_block_);
  even_blocks_ = false;
}

void LayerPlan::set_row_blocks(std::int64_t blocks) {
  row_blocks_ = std::max<std::int64_t>(1, std::min(blocks, m_parts_));
  even_blocks_ = true;
}

std::uint64_t LayerPlan::op_index(std::uint64_t column_block, std::int64_t k_part, std::int64_t m_part) const {
  const std::int64_t block = row_block_of(m_part), start = row_block_start(block);
  const std::int64_t block_rows = row_block_start(block + 1) - start;
  return column_block * static_cast<std::uint64_t>(k_parts_ * m_parts_) +
         static_cast<std::uint64_t>(start * k_parts_ + k_part * block_rows + (m_part - start));
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
  // The row block: the last whose first op (k_parts x its first row partition) is at most `within`.
  const std::int64_t block = row_block_of(within / k_parts_), start = row_block_start(block);
  const std::int64_t offset = within - start * k_parts_;
  const std::int64_t block_rows = row_block_start(block + 1) - start;
  op.k_part = offset / block_rows;
  op.m_part = start + offset % block_rows;
  op.weight_tile = op.column_block * static_cast<std::uint64_t>(k_parts_) + static_cast<std::uint64_t>(op.k_part);
  op.m_rows = std::min(shape_.partition_rows, M_ - op.m_part * shape_.partition_rows);
  op.k_rows = weight_tile_rows(op.weight_tile);
  op.n_cols = weight_tile_cols(op.weight_tile);
  return op;
}

}  // namespace sosasim
