// GEMM to tile ops: counts, edge tiles, MAC conservation, and the scheduler's split.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <vector>
#include <set>
#include <tuple>

#include "sim/kernel/config.h"
#include "tiling/scheduler.h"
#include "tiling/tiling.h"

using namespace sosasim;

namespace {

Layer gemm_layer(std::int64_t M, std::int64_t K, std::int64_t N, std::int64_t count) {
  Layer layer;
  layer.name = "l";
  layer.M = M;
  layer.K = K;
  layer.N = N;
  layer.count = count;
  return layer;
}

}  // namespace

TEST_CASE("a layer cuts into ceil(M/p) ceil(K/r) ceil(N/c) count tile ops", "[tiling]") {
  Layer layer = gemm_layer(100, 70, 40, 3);
  LayerPlan plan(layer, TileShape{16, 32, 32});
  CHECK(plan.m_parts() == 7);
  CHECK(plan.k_parts() == 3);
  CHECK(plan.n_parts() == 2);
  CHECK(plan.weight_tiles() == 3u * 3u * 2u);
  CHECK(plan.op_count() == 3u * 3u * 2u * 7u);
}

TEST_CASE("edge tiles are partial and ops are weight-tile-major", "[tiling]") {
  Layer layer = gemm_layer(100, 70, 40, 1);
  LayerPlan plan(layer, TileShape{16, 32, 32});
  TileOp first = plan.op(0);
  CHECK(first.weight_tile == 0);
  CHECK(first.m_rows == 16);
  CHECK(first.k_rows == 32);
  CHECK(first.n_cols == 32);
  CHECK(first.k_part == 0);
  TileOp last_row = plan.op(6);  // 7th row partition: 100 - 96 = 4 rows
  CHECK(last_row.weight_tile == 0);
  CHECK(last_row.m_rows == 4);
  TileOp k_edge = plan.op(2 * 7);  // weight tile 2: K block 2 holds 70 - 64 = 6 rows
  CHECK(k_edge.k_part == 2);
  CHECK(k_edge.k_rows == 6);
  TileOp n_edge = plan.op(3 * 7);  // weight tile 3: second column block, 40 - 32 = 8 columns
  CHECK(n_edge.n_cols == 8);
  CHECK(n_edge.k_part == 0);
}

TEST_CASE("tile ops cover exactly the layer's MACs on random shapes", "[tiling]") {
  std::mt19937 rng(7);
  std::uniform_int_distribution<int> dim(1, 300), small(1, 40);
  for (int trial = 0; trial < 200; ++trial) {
    std::int64_t M = dim(rng), K = dim(rng), N = dim(rng);  // in this order, as the seed's sequence
    Layer layer = gemm_layer(M, K, N, small(rng) % 3 + 1);
    TileShape shape{small(rng), small(rng), small(rng)};
    LayerPlan plan(layer, shape);
    std::uint64_t macs = 0;
    for (std::uint64_t i = 0; i < plan.op_count(); ++i) {
      TileOp op = plan.op(i);
      REQUIRE(op.m_rows >= 1);
      REQUIRE(op.m_rows <= shape.partition_rows);
      REQUIRE(op.k_rows <= shape.rows);
      REQUIRE(op.n_cols <= shape.cols);
      macs += op.useful_macs();
    }
    CHECK(macs == layer.macs());
  }
}

TEST_CASE("layer_static gives every op to exactly one pod, balanced to one op", "[tiling]") {
  SimConfig config = load_config(std::nullopt, {});
  auto scheduler = make_scheduler(config.tiling.params);
  for (std::int64_t pods : {1, 3, 256, 1000}) {
    LayerPlan plan(gemm_layer(300, 200, 100, 1), TileShape{32, 32, 32});
    std::uint64_t next = 0, smallest = UINT64_MAX, largest = 0;
    for (std::int64_t pod = 0; pod < pods; ++pod) {
      OpRange range = scheduler->ops_for_pod(plan, pod, pods);
      CHECK(range.begin == next);
      next = range.end;
      smallest = std::min(smallest, range.end - range.begin);
      largest = std::max(largest, range.end - range.begin);
    }
    CHECK(next == plan.op_count());
    CHECK(largest - smallest <= 1);
  }
}

TEST_CASE("row-block op orders keep every op once, each tile's rows together and K chains in one run", "[tiling]") {
  std::mt19937 rng(11);
  for (int trial = 0; trial < 40; ++trial) {
    Layer layer = gemm_layer(1 + rng() % 90, 1 + rng() % 70, 1 + rng() % 50, 1 + rng() % 3);
    LayerPlan plan(layer, TileShape{static_cast<std::int64_t>(1 + rng() % 16), 8, 8});
    plan.set_m_block(static_cast<std::int64_t>(1 + rng() % static_cast<unsigned>(plan.m_parts())));
    INFO("M " << layer.M << " K " << layer.K << " N " << layer.N << " m_block " << plan.m_block());
    std::set<std::tuple<std::uint64_t, std::int64_t, std::int64_t>> seen;
    std::uint64_t macs = 0;
    for (std::uint64_t i = 0; i < plan.op_count(); ++i) {
      TileOp op = plan.op(i);
      CHECK(plan.op_index(op.column_block, op.k_part, op.m_part) == i);  // the inverse
      CHECK(op.weight_tile == op.column_block * static_cast<std::uint64_t>(plan.k_parts()) +
                                  static_cast<std::uint64_t>(op.k_part));
      CHECK(seen.insert({op.column_block, op.k_part, op.m_part}).second);
      macs += op.useful_macs();
      // Within a row block the K blocks follow each other: the next op on this output tile is the
      // next K block, one block's rows further on.
      if (op.k_part + 1 < plan.k_parts()) {
        const std::int64_t block = op.m_part / plan.m_block();
        const std::int64_t rows = std::min(plan.m_block(), plan.m_parts() - block * plan.m_block());
        CHECK(plan.op_index(op.column_block, op.k_part + 1, op.m_part) == i + static_cast<std::uint64_t>(rows));
      }
    }
    CHECK(macs == static_cast<std::uint64_t>(layer.M * layer.K * layer.N * layer.count));
  }
}

TEST_CASE("order auto: weight-major when partial sums are free, shorter K chains per layer when they cost", "[tiling]") {
  const TileShape shape{32, 32, 32};
  // ResNet-50's conv2 3x3 layer at 299 px on 256 pods: 176 row partitions, 18 K blocks, 2 column blocks.
  LayerPlan conv(gemm_layer(5625, 576, 64, 1), shape);
  CHECK(op_order_auto_m_block(conv, 256, KReductionMode::Free) == conv.m_parts());
  CHECK(op_order_m_block(conv, 256, OpOrder::WeightMajor, KReductionMode::PostProcessors) == conv.m_parts());
  const std::int64_t block = op_order_auto_m_block(conv, 256, KReductionMode::PostProcessors);
  CHECK(block < conv.m_parts());
  // Fewer pods share a K chain than under weight-major (all 128 pods of a column block do), yet
  // each weight tile still serves more than the one row partition output_blocks would give it.
  CHECK(block > op_order_m_block(conv, 256, OpOrder::OutputBlocks, KReductionMode::PostProcessors));
  const double per_pod = static_cast<double>(conv.op_count()) / 256;
  CHECK(static_cast<double>(conv.k_parts() * block) / per_pod < 16);
  // One K block: nothing to reduce, so the op order that reuses weights most.
  LayerPlan narrow(gemm_layer(5625, 32, 64, 1), shape);
  CHECK(op_order_auto_m_block(narrow, 256, KReductionMode::PostProcessors) == narrow.m_parts());
  // One pod: no chain is split whatever the order, and weight-major loads each tile once.
  CHECK(op_order_auto_m_block(conv, 1, KReductionMode::PostProcessors) == conv.m_parts());
  // Chains spare the tree a level where two pods share a K chain, so the order may share more.
  CHECK(op_order_auto_m_block(conv, 256, KReductionMode::Chain) >= block);
  CHECK(op_order_auto_m_block(conv, 256, KReductionMode::Chain) < conv.m_parts());
}

TEST_CASE("interleaved chunks: each pod runs one chunk, column blocks side by side in step", "[tiling]") {
  Layer layer;
  layer.name = "l";
  layer.M = 32 * 10;
  layer.K = 32 * 3;
  layer.N = 32 * 6;  // six column blocks of 30 ops each
  LayerPlan plan(layer, TileShape{32, 32, 32});
  const ChunkLayout layout = interleaved_chunks(plan, 16);
  CHECK(layout.groups == 6);
  CHECK(layout.count == 12);  // 6 x floor(16 / 6)
  std::set<std::int64_t> pods;
  for (std::int64_t c = 0; c < layout.count; ++c) {
    CHECK(layout.chunk(layout.pod(c)) == c);
    pods.insert(layout.pod(c));
  }
  CHECK(pods.size() == 12);
  CHECK(*pods.rbegin() == 11);
  CHECK(layout.chunk(12) == -1);
  // The pods of one input tile's column blocks are neighbours, at the same point of their chunks.
  for (std::int64_t j = 0; j < 2; ++j)
    for (std::int64_t n = 0; n < 6; ++n) {
      const OpRange mine = even_chunk(plan, layout.chunk(j * 6 + n), layout.count);
      const OpRange first = even_chunk(plan, layout.chunk(j * 6), layout.count);
      CHECK(mine.begin - first.begin == static_cast<std::uint64_t>(n) * 30);
      CHECK(plan.op(mine.begin).column_block == static_cast<std::uint64_t>(n));
    }
  // One column block, several instances or more blocks than pods: contiguous.
  layer.N = 32;
  CHECK(interleaved_chunks(LayerPlan(layer, TileShape{32, 32, 32}), 16).groups == 1);
  CHECK(contiguous_chunks(plan, 16).count == 16);
}

TEST_CASE("even row blocks: ops decode to the row partition and K block they were numbered by", "[tiling]") {
  Layer layer;
  layer.name = "l";
  layer.M = 32 * 10 - 3;  // ten row partitions, the last short
  layer.K = 32 * 5;
  layer.N = 32 * 3;
  LayerPlan plan(layer, TileShape{32, 32, 32});
  for (std::int64_t blocks : {1, 3, 4, 7, 10}) {
    plan.set_row_blocks(blocks);
    CHECK(plan.row_blocks() == blocks);
    CHECK(plan.row_block_start(blocks) == 10);
    std::set<std::uint64_t> seen;
    for (std::uint64_t n = 0; n < 3; ++n)
      for (std::int64_t k = 0; k < 5; ++k)
        for (std::int64_t m = 0; m < 10; ++m) {
          const std::uint64_t op = plan.op_index(n, k, m);
          const TileOp decoded = plan.op(op);
          CHECK(decoded.column_block == n);
          CHECK(decoded.k_part == k);
          CHECK(decoded.m_part == m);
          CHECK(plan.row_block_of(m) >= 0);
          CHECK(plan.row_block_start(plan.row_block_of(m)) <= m);
          CHECK(plan.row_block_start(plan.row_block_of(m) + 1) > m);
          seen.insert(op);
        }
    CHECK(seen.size() == plan.op_count());
    // Blocks differ by at most one row partition.
    std::int64_t smallest = 10, largest = 0;
    for (std::int64_t b = 0; b < blocks; ++b) {
      const std::int64_t rows = plan.row_block_start(b + 1) - plan.row_block_start(b);
      smallest = std::min(smallest, rows);
      largest = std::max(largest, rows);
    }
    CHECK(largest - smallest <= 1);
  }
}

TEST_CASE("grid chunks: cells of column block x row block x K segment, every op in one, tiles read in step", "[tiling]") {
  Layer layer;
  layer.name = "l";
  layer.M = 289;      // InceptionV3's 17 x 17 layers: 10 row partitions,
  layer.K = 768;      // 24 K blocks,
  layer.N = 192;      // 6 column blocks: 60 output tiles for 256 pods
  LayerPlan plan(layer, TileShape{32, 32, 32});
  const GridChoice choice = grid_choice(plan, 256, KReductionMode::Chain);
  REQUIRE(choice.valid);
  CHECK(choice.groups == 6);
  CHECK(choice.segments > 1);  // too few output tiles for whole K chains per pod
  CHECK(choice.row_blocks * choice.segments <= 256 / 6);
  plan.set_row_blocks(choice.row_blocks);
  const ChunkLayout layout = grid_chunks(choice);
  CHECK(layout.segments == choice.segments);
  CHECK(layout.count == 6 * choice.row_blocks * choice.segments);
  std::vector<int> owner(plan.op_count(), -1);
  std::set<std::int64_t> pods;
  std::uint64_t busiest = 0;
  for (std::int64_t c = 0; c < layout.count; ++c) {
    CHECK(layout.chunk(layout.pod(c)) == c);
    pods.insert(layout.pod(c));
    const OpRange range = layout.range(plan, c);
    REQUIRE(!range.empty());
    busiest = std::max(busiest, range.end - range.begin);
    for (std::uint64_t op = range.begin; op < range.end; ++op) {
      CHECK(owner[op] == -1);
      owner[op] = static_cast<int>(c);
      CHECK(layout.chunk_of(plan, op) == c);
    }
  }
  CHECK(busiest == choice.busiest_ops);
  CHECK(pods.size() == static_cast<std::size_t>(layout.count));
  CHECK(std::count(owner.begin(), owner.end(), -1) == 0);
  // A cell runs K block by K block, its rows inside: at its i-th op every cell of the same row
  // block and segment reads the same input tile, and every cell of the same column block and
  // segment the same weight tile.
  const std::int64_t per = layout.count / layout.groups;
  const auto segment = [&](std::int64_t c) { return c % per % layout.segments; };
  for (std::int64_t a = 0; a < layout.count; ++a)
    for (std::int64_t b = 0; b < layout.count; ++b) {
      const OpRange ra = layout.range(plan, a), rb = layout.range(plan, b);
      if (segment(a) != segment(b) || ra.end - ra.begin != rb.end - rb.begin) continue;
      for (std::uint64_t i = 0; i < ra.end - ra.begin; ++i) {
        const TileOp x = plan.op(ra.begin + i), y = plan.op(rb.begin + i);
        if (x.m_part == y.m_part) CHECK(x.k_part == y.k_part);
        if (x.column_block == y.column_block && x.k_part == y.k_part) CHECK(x.weight_tile == y.weight_tile);
      }
    }
  // auto takes it: 256 pods are not a multiple of 6 column blocks.
  CHECK(grid_pays(choice, 256));
  CHECK(!grid_pays(choice, 252));
  // Many output tiles: whole K chains per pod (one segment), each pod's rows in one block.
  layer.M = 32 * 200;
  LayerPlan big(layer, TileShape{32, 32, 32});
  CHECK(grid_choice(big, 256, KReductionMode::Chain).segments == 1);
  // More column blocks than pods: no grid.
  layer.N = 32 * 300;
  CHECK(!grid_choice(LayerPlan(layer, TileShape{32, 32, 32}), 256, KReductionMode::Chain).valid);
}
