// K reduction across pods outside lock-step rounds (`tiling.k_reduction: post_processors`), by
// post-processor reduction trees over the P network. The pods that compute the K blocks of one
// output tile (its contributors, in K order: a pod's chunk holds consecutive ops) accumulate
// their partial sums in their own P banks. They form a binomial tree rooted at the last
// contributor (the owner): node j (0 = owner, 1 = the contributor before it, ...) sends its
// partial tile to node j & (j - 1) once its own last op on the tile has finished and its
// children's partial tiles have been added; a post-processor adds a row the cycle after it
// arrives. A layer is done when its last op has finished and every tree has reached its owner.
// Under `free` nothing is sent; count_free_partial_tiles() says what that leaves out. Plain C++.
#pragma once

#include <cstdint>
#include <map>
#include <unordered_map>
#include <vector>

#include "sim/system/layer_tasks.h"
#include "sim/system/system_host.h"
#include "sim/system/tile_transport.h"

namespace sosasim {

struct OpDone;

// The chunks (one per pod) that compute the K blocks of output tile (`column_block`, `m_part`)
// when the layer's ops are cut into `chunks` contiguous chunks, in K order.
void tile_contributors(const LayerPlan& plan, std::uint64_t column_block, std::int64_t m_part, std::int64_t chunks,
                       std::vector<int>& out);

// What `k_reduction: free` leaves out: per output tile, one partial tile for every pod but the
// last among those whose chunks hold its K blocks (the transfers post_processors would make).
void count_free_partial_tiles(const TaskGraph& tasks, std::int64_t pods, SimulationResult& result);

class KReduction {
 public:
  // `barrier`: layers run behind barriers, so every pod waits for a layer's trees.
  KReduction(const TaskGraph& tasks, std::int64_t pods, bool barrier, TileTransport& transport,
             SimulationResult& result, SystemHost& host);

  // An op finished at `cycle`: if it was its pod's last on its output tile, the pod's partial
  // tile goes up the tree when its children's have been added.
  void op_finished(const OpDone& op, std::uint64_t cycle);
  // All of `layer`'s ops have finished, the last at `end`: the layer completes when its trees do.
  void ops_done(std::size_t layer, std::uint64_t end);
  // A partial tile's last row reached its parent at `tail`.
  void partial_arrived(const PartialTile& sum, std::uint64_t tail);
  // The completion process (SystemHost::complete_at): completes the layers due by `now`.
  void complete_due(std::uint64_t now);
  // Of the cycles [from, to) a pod had no work, those in which some layer's trees were finishing.
  std::uint64_t overlap(std::uint64_t from, std::uint64_t to) const;

 private:
  struct TreeNode {
    int chunk = 0;
    int children_left = 0;
    std::uint64_t own_done = UINT64_MAX;  // its last op on the tile finished
    std::uint64_t ready = 0;              // its children's partial tiles have been added
  };
  void send_up(std::size_t layer, std::uint64_t tile, int node, int flits, double bytes);
  void finish_layer(std::size_t layer);
  void add_window(std::uint64_t from, std::uint64_t to);
  std::int64_t chunks(const LayerPlan& plan) const {
    return static_cast<std::int64_t>(std::min<std::uint64_t>(static_cast<std::uint64_t>(pods_), plan.op_count()));
  }

  const TaskGraph& tasks_;
  std::int64_t pods_;
  bool barrier_;
  TileTransport& transport_;
  SimulationResult& result_;
  SystemHost& host_;
  std::vector<std::uint64_t> pending_;  // per layer: partial-tile transfers not yet added
  std::vector<std::unordered_map<std::uint64_t, std::vector<TreeNode>>> trees_;  // per layer: open trees
  std::vector<std::uint64_t> reduction_end_;  // per layer: its last partial tile is added
  std::vector<std::uint64_t> last_finish_;    // per layer: its last op finished
  std::vector<bool> ops_done_;                // per layer
  std::multimap<std::uint64_t, std::size_t> completions_;  // cycle -> layer done then
  std::map<std::uint64_t, std::uint64_t> windows_;  // without barriers: [from, to) with trees finishing, merged
};

}  // namespace sosasim
