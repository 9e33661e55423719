// Cutting a GEMM layer into tile ops (SOSA section on tiling; DESIGN.md section 1).
//
// X[M x K] . W[K x N], `count` independent instances. Weight tiles are r x c (k <= r rows of K,
// n <= c columns of N); input tiles are p x r. A tile op streams up to p rows of X through one
// stationary weight tile. Weight tiles are numbered instance-major, then by column block, then by
// K block. Ops are numbered by instance and column block, then by row block (`m_block` row
// partitions), then by K block, then by row partition within the block: consecutive ops share
// their weights for a row block, and a row block's K blocks are consecutive, so a contiguous range
// of ops holds whole K chains of its output tiles. With m_block = m_parts (the default) this is
// weight-tile-major: op i uses weight tile i / m_parts and row partition i % m_parts. Nothing is
// materialised: an op is decoded from its index, so memory does not grow with the number of ops.
#pragma once

#include <cstdint>
#include <string>

#include "workloads/trace.h"

namespace sosasim {

struct TileShape {
  std::int64_t partition_rows = 32;  // p
  std::int64_t rows = 32;            // r
  std::int64_t cols = 32;            // c
};

struct TileOp {
  std::uint64_t weight_tile = 0;  // index within the layer
  std::int64_t m_rows = 0;        // rows of X streamed (<= p)
  std::int64_t k_rows = 0;        // rows of the weight tile (<= r)
  std::int64_t n_cols = 0;        // columns of the weight tile (<= c)
  std::int64_t k_part = 0;        // which K block: > 0 means partial sums come in
  std::int64_t m_part = 0;        // which row partition
  std::uint64_t column_block = 0; // instance * n_parts + column block: the output tile column
  std::uint64_t useful_macs() const {
    return static_cast<std::uint64_t>(m_rows) * static_cast<std::uint64_t>(k_rows) *
           static_cast<std::uint64_t>(n_cols);
  }
};

std::int64_t ceil_div(std::int64_t a, std::int64_t b);

class LayerPlan {
 public:
  LayerPlan(const Layer& layer, const TileShape& shape);

  std::uint64_t op_count() const { return weight_tiles() * static_cast<std::uint64_t>(m_parts_); }
  std::uint64_t weight_tiles() const {
    return static_cast<std::uint64_t>(instances_ * n_parts_ * k_parts_);
  }
  std::int64_t m_parts() const { return m_parts_; }
  std::int64_t k_parts() const { return k_parts_; }
  std::int64_t n_parts() const { return n_parts_; }
  const TileShape& shape() const { return shape_; }

  TileOp op(std::uint64_t index) const;
  // The index of the op on row partition `m_part`, K block `k_part` of `column_block`.
  std::uint64_t op_index(std::uint64_t column_block, std::int64_t k_part, std::int64_t m_part) const;
  // Row partitions per row block (1 .. m_parts), the last block the rest; m_parts (the default) is
  // weight-tile-major.
  void set_m_block(std::int64_t m_block);
  // `blocks` row blocks (1 .. m_parts) of as equal sizes as can be: block b holds row partitions
  // m_parts * b / blocks up to m_parts * (b + 1) / blocks.
  void set_row_blocks(std::int64_t blocks);
  // The largest row block's row partitions.
  std::int64_t m_block() const { return even_blocks_ ? ceil_div(m_parts_, row_blocks_) : m_block_; }
  std::int64_t row_blocks() const { return row_blocks_; }
  std::int64_t row_block_start(std::int64_t block) const {
    return even_blocks_ ? m_parts_ * block / row_blocks_ : std::min(block * m_block_, m_parts_);
  }
  std::int64_t row_block_of(std::int64_t m_part) const {
    return even_blocks_ ? ((m_part + 1) * row_blocks_ - 1) / m_parts_ : m_part / m_block_;
  }
  // Rows and columns of weight tile `tile`.
  std::int64_t weight_tile_rows(std::uint64_t tile) const;
  std::int64_t weight_tile_cols(std::uint64_t tile) const;

 private:
  std::int64_t M_, K_, N_;
  TileShape shape_;
  std::int64_t instances_, m_parts_, k_parts_, n_parts_;
  std::int64_t m_block_;
  std::int64_t row_blocks_ = 1;
  bool even_blocks_ = false;
};

// What a run can hold and step through, per layer: at most 2^26 weight tiles (the system keeps
// about 18 bytes per weight tile of a layer in flight: 288 MB measured at 2^24, 1.2 GB at the
// limit) and 2^40 tile ops. Over either: a ConfigError at the layer's trace line with the limit.
constexpr std::uint64_t kMaxWeightTilesPerLayer = std::uint64_t{1} << 26;
constexpr std::uint64_t kMaxTileOpsPerLayer = std::uint64_t{1} << 40;
void check_simulable(const Layer& layer, const std::string& trace_path, const TileShape& shape);

}  // namespace sosasim
