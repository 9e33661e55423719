#include "sim/system/k_reduction.h"

#include <algorithm>
#include <iterator>

#include "arch/pod_work.h"
#include "interconnect/specs.h"

namespace sosasim {

void tile_contributors(const LayerPlan& plan, std::uint64_t column_block, std::int64_t m_part, const ChunkLayout& chunks,
                       std::vector<int>& out) {
  out.clear();
  for (std::int64_t k = 0; k < plan.k_parts(); ++k) {
    const auto c = static_cast<int>(chunks.pod(chunks.chunk_of(plan, plan.op_index(column_block, k, m_part))));
    if (out.empty() || out.back() != c) out.push_back(c);
  }
}

void count_free_partial_tiles(const TaskGraph& tasks, SimulationResult& result) {
  std::vector<int> contributors;
  for (std::size_t t = 0; t < tasks.size(); ++t) {
    const LayerPlan& plan = tasks[t].plan;
    if (plan.k_parts() < 2) continue;
    const ChunkLayout& chunks = tasks[t].chunks;
    const std::uint64_t column_blocks = plan.op_count() / static_cast<std::uint64_t>(plan.k_parts() * plan.m_parts());
    for (std::uint64_t cb = 0; cb < column_blocks; ++cb)
      for (std::int64_t m = 0; m < plan.m_parts(); ++m) {
        tile_contributors(plan, cb, m, chunks, contributors);
        if (contributors.size() < 2) continue;
        const TileOp tile_op = plan.op(plan.op_index(cb, 0, m));
        const std::uint64_t sent = contributors.size() - 1;
        result.free_partial_tiles += sent;
        result.free_partial_bytes +=
            static_cast<double>(sent * static_cast<std::uint64_t>(tile_op.m_rows * tile_op.n_cols)) * tasks[t].psum_bytes;
      }
  }
}

KReduction::KReduction(const TaskGraph& tasks, std::int64_t pods, bool barrier, TileTransport* transport,
                       KReductionMode mode, SimulationResult& result, SystemHost& host)
    : tasks_(tasks),
      pods_(pods),
      barrier_(barrier),
      transport_(transport),
      chains_(mode == KReductionMode::Chain),
      result_(result),
      host_(host) {
  pending_.assign(tasks.size(), 0);
  trees_.resize(tasks.size());
  chain_.resize(tasks.size());
  reduction_end_.assign(tasks.size(), 0);
  last_finish_.assign(tasks.size(), 0);
  ops_done_.assign(tasks.size(), false);
  if (transport_)
    transport_->on_partial_arrival([this](const PartialTile& sum, std::uint64_t tail) { partial_arrived(sum, tail); });
}

void KReduction::op_timed(const PodOp& op, std::uint64_t start) {
  if (!chains_ || op.k_part != 0) return;
  const LayerPlan& plan = tasks_[op.layer].plan;
  const std::int64_t kp = plan.k_parts();
  if (kp < 2) return;
  // The owner's first op on its tile is the tile's K block 0; a chain comes in when the tile's
  // last K block is another pod's.
  const ChunkLayout& chunks = tasks_[op.layer].chunks;
  const TileOp tile_op = plan.op(op.op_index);
  if (chunks.chunk_of(plan, plan.op_index(tile_op.column_block, kp - 1, tile_op.m_part)) ==
      chunks.chunk_of(plan, tile_op, op.op_index))
    return;
  const std::uint64_t tile =
      tile_op.column_block * static_cast<std::uint64_t>(plan.m_parts()) + static_cast<std::uint64_t>(tile_op.m_part);
  Chain& chain = chain_[op.layer][tile];
  chain.start = start;
  if (chain.arrival != Chain::kUnknown) decide_chain(op.layer, tile, chain);
}

// Both ends of a chain are known: its partial tile arrived in time for the owner's first op on
// the tile (chained: the array adds it), or a post-processor added it.
void KReduction::decide_chain(std::size_t layer, std::uint64_t tile, const Chain& chain) {
  if (chain.arrival <= chain.start) {
    ++result_.chained_partial_tiles;
    result_.chained_partial_bytes += chain.bytes;
  } else {
    added(layer, chain.bytes);
  }
  chain_[layer].erase(tile);
}

void KReduction::added(std::size_t layer, double bytes) {
  ++result_.tree_partial_tiles;
  result_.tree_partial_bytes += bytes;
  result_.layers[layer].activity.additions += static_cast<std::uint64_t>(bytes / tasks_[layer].psum_bytes + 0.5);
}

void KReduction::op_finished(const OpDone& op, std::uint64_t cycle) {
  const LayerTask& task = tasks_[op.layer];
  const LayerPlan& plan = task.plan;
  const std::int64_t kp = plan.k_parts();
  if (kp < 2) return;
  const TileOp tile_op = plan.op(op.op_index);
  const std::int64_t my_chunk = task.chunks.chunk_of(plan, tile_op, op.op_index);
  // This pod's last op on the output tile: its next K block is another pod's, or there is none.
  if (tile_op.k_part + 1 < kp &&
      task.chunks.chunk_of(plan, plan.op_index(tile_op.column_block, tile_op.k_part + 1, tile_op.m_part)) == my_chunk)
    return;
  const std::int64_t mine = task.chunks.pod(my_chunk);  // the tree's nodes are pods
  const std::uint64_t tile =
      tile_op.column_block * static_cast<std::uint64_t>(plan.m_parts()) + static_cast<std::uint64_t>(tile_op.m_part);
  auto [at, created] = trees_[op.layer].try_emplace(tile);
  std::vector<TreeNode>& nodes = at->second;
  if (created) {
    std::vector<int> contributors;
    tile_contributors(plan, tile_op.column_block, tile_op.m_part, task.chunks, contributors);
    const auto n = static_cast<int>(contributors.size());
    result_.local_partial_tiles += static_cast<std::uint64_t>(kp - n);
    nodes.resize(static_cast<std::size_t>(n));
    for (int j = 0; j < n; ++j) {
      // (chain: c0, then c(n-1), then c1, c2, ...; post_processors: c(n-1), c(n-2), ...)
      const int contributor = !chains_ ? n - 1 - j : j == 0 ? 0 : j == 1 ? n - 1 : j - 1;
      nodes[static_cast<std::size_t>(j)].chunk = contributors[static_cast<std::size_t>(contributor)];
      if (j > 0) ++nodes[static_cast<std::size_t>(j & (j - 1))].children_left;
    }
    pending_[op.layer] += static_cast<std::uint64_t>(n - 1);
  }
  int node = 0;
  while (nodes[static_cast<std::size_t>(node)].chunk != mine) ++node;
  nodes[static_cast<std::size_t>(node)].own_done = cycle;
  send_up(op.layer, tile, node, static_cast<int>(op.stream_rows),
          static_cast<double>(op.stream_rows * static_cast<std::uint64_t>(op.n_cols) *
                              static_cast<std::uint64_t>(task.psum_bytes)));
}

// Node `node` of a tile's tree sends its partial tile up once it has all it needs; the owner then
// has the tile's sum.
void KReduction::send_up(std::size_t layer, std::uint64_t tile, int node, int flits, double bytes) {
  auto at = trees_[layer].find(tile);
  std::vector<TreeNode>& nodes = at->second;
  const TreeNode& me = nodes[static_cast<std::size_t>(node)];
  if (me.own_done == UINT64_MAX || me.children_left > 0) return;
  const std::uint64_t ready = std::max(me.own_done, node != 0 && chains_ ? me.first_ready : me.ready);
  if (node == 0) {
    reduction_end_[layer] = std::max(reduction_end_[layer], ready);
    trees_[layer].erase(at);
    return;
  }
  PartialTile sum;
  sum.pod = me.chunk;
  sum.layer = layer;
  sum.tile = tile;
  sum.node = node;
  sum.destination = nodes[static_cast<std::size_t>(node & (node - 1))].chunk;
  sum.flits = flits;
  sum.key = (static_cast<std::uint64_t>(layer + 1) << 40) |
            (tile * static_cast<std::uint64_t>(tasks_[layer].plan.k_parts()) + static_cast<std::uint64_t>(node));
  sum.bytes = bytes;
  if (transport_) {
    transport_->send_partial(sum, ready);
    return;
  }
  // Without the networks: read at the sender, read and written at the receiver (as the tile
  // transport counts it), a row a cycle.
  ActivityCounts& activity = result_.layers[layer].activity;
  activity.sram_bytes += 3 * bytes;
  activity.network_bytes[kPartialSumNetwork] += bytes;
  result_.bytes.sram_p_in_read += 2 * bytes;
  result_.bytes.sram_p_out_write += bytes;
  partial_arrived(sum, ready + static_cast<std::uint64_t>(flits));
}

void KReduction::partial_arrived(const PartialTile& sum, std::uint64_t tail) {
  if (chains_ && sum.node == 1) {
    Chain& chain = chain_[sum.layer][sum.tile];
    chain.arrival = tail;
    chain.bytes = sum.bytes;
    if (chain.start != Chain::kUnknown) decide_chain(sum.layer, sum.tile, chain);
  } else {
    added(sum.layer, sum.bytes);
  }
  // The receiver's post-processor adds each row the cycle after it arrives.
  const int parent_node = sum.node & (sum.node - 1);
  TreeNode& parent = trees_[sum.layer].find(sum.tile)->second[static_cast<std::size_t>(parent_node)];
  parent.ready = std::max(parent.ready, tail + 2);
  // Its first row arrived flits - 1 cycles before its last (rows arrive one a cycle).
  parent.first_ready = std::max(parent.first_ready, tail + 2 - std::min<std::uint64_t>(tail + 1, sum.flits - 1));
  --parent.children_left;
  send_up(sum.layer, sum.tile, parent_node, sum.flits, sum.bytes);
  if (--pending_[sum.layer] == 0 && ops_done_[sum.layer]) finish_layer(sum.layer);
}

void KReduction::ops_done(std::size_t layer, std::uint64_t end) {
  ops_done_[layer] = true;
  last_finish_[layer] = std::max(last_finish_[layer], end);
  if (pending_[layer] == 0) finish_layer(layer);
}

// All ops of `layer` have finished and all its partial tiles are added: it completes when the
// later of its last op and its last addition is done.
void KReduction::finish_layer(std::size_t layer) {
  const std::uint64_t end = std::max(last_finish_[layer], reduction_end_[layer]);
  const std::uint64_t now = host_.now();
  result_.layers[layer].reduction_tail_cycles = end - last_finish_[layer];
  // Behind a layer barrier every pod waits for the reductions after the last op has finished;
  // without barriers, the pods that have no work while a layer's trees finish (its dependents
  // wait for them) are counted when they get work again (overlap()).
  if (barrier_)
    result_.reduction_wait_pod_cycles += (end - last_finish_[layer]) * static_cast<std::uint64_t>(pods_);
  else if (end > last_finish_[layer])
    add_window(last_finish_[layer], end);
  if (end <= now || end == last_finish_[layer]) {
    host_.complete(layer, end);
    return;
  }
  completions_.emplace(end, layer);
  host_.complete_at(completions_.begin()->first);
}

void KReduction::complete_due(std::uint64_t now) {
  while (!completions_.empty() && completions_.begin()->first <= now) {
    auto [cycle, layer] = *completions_.begin();
    completions_.erase(completions_.begin());
    host_.complete(layer, cycle);
  }
  if (!completions_.empty()) host_.complete_at(completions_.begin()->first);
}

void KReduction::add_window(std::uint64_t from, std::uint64_t to) {
  auto next = windows_.upper_bound(from);
  if (next != windows_.begin() && std::prev(next)->second >= from) {
    --next;
    from = next->first;
    to = std::max(to, next->second);
  }
  while (next != windows_.end() && next->first <= to) {
    to = std::max(to, next->second);
    next = windows_.erase(next);
  }
  windows_[from] = to;
}

std::uint64_t KReduction::overlap(std::uint64_t from, std::uint64_t to) const {
  std::uint64_t total = 0;
  auto it = windows_.upper_bound(from);
  if (it != windows_.begin()) --it;
  for (; it != windows_.end() && it->first < to; ++it) {
    const std::uint64_t a = std::max(from, it->first), b = std::min(to, it->second);
    if (b > a) total += b - a;
  }
  return total;
}

}  // namespace sosasim
