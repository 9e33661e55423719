// K reduction across pods outside lock-step rounds (`tiling.k_reduction: chain` or
// `post_processors`). The pods that compute the K blocks of one output tile (its contributors, in
// K order: a pod's chunk holds consecutive ops) accumulate their K blocks locally: each op takes
// the pod's running partial tile from its P bank as its starting accumulation (P_in), so
// consecutive K blocks on one pod cost no transfer. The contributors' partial tiles then meet at
// one pod, the owner, over the P network, in a binomial tree: node j sends its partial tile to
// node j & (j - 1) once its own last op on the tile has finished and its children's partial
// tiles are in; a post-processor adds a row the cycle after it arrives.
//   post_processors: the owner is the last contributor (node 0), then the one before it, ...
//   chain: the owner is the first contributor c0, whose part of the tile ends its chunk, so it
//     reaches the tile last; node 1 is the last contributor, whose part of the tile begins its
//     chunk, so its partial tile is done first: it is chained, taken by the owner's first op on
//     the tile as its starting accumulation (the array adds it; no post-processor does), when its
//     last row has arrived by the cycle that op starts; otherwise a post-processor adds it as in
//     a tree. The contributors in between (whole chunks on the tile's row block, done when the
//     owner is) are nodes 2, 3, ...
// Under chain a post-processor forwards its sum row by row (cut-through): a node sends its first
// row once its own part is done and its children's first rows are added, so a row climbs the tree
// one transfer behind the row below it; post_processors sends a node's tile once the whole of its
// children's tiles have been added (store-and-forward).
// Timing is the same either way: an addition of a partial tile that arrived before the owner's
// ops on the tile finish costs nothing, and one that arrives later holds the tile's completion
// as long as a chain would hold the owner's op. A layer is done when its last op has finished
// and every tree has reached its owner. Without the networks (interconnect.transfers: ideal) a
// partial tile's rows reach the parent one per cycle with no link between. Under `free` nothing
// is sent; count_free_partial_tiles() says what that leaves out. Plain C++.
#pragma once

#include <cstdint>
#include <map>
#include <unordered_map>
#include <vector>

#include "sim/system/layer_tasks.h"
#include "sim/system/system_host.h"
#include "sim/system/tile_transport.h"
#include "tiling/specs.h"

namespace sosasim {

struct OpDone;
struct PodOp;

// The pods whose chunks (`chunks`: the layer's ChunkLayout) compute the K blocks of output tile
// (`column_block`, `m_part`), in K order.
void tile_contributors(const LayerPlan& plan, std::uint64_t column_block, std::int64_t m_part, const ChunkLayout& chunks,
                       std::vector<int>& out);

// What `k_reduction: free` leaves out: per output tile, one partial tile for every pod but the
// last among those whose chunks hold its K blocks (the transfers post_processors would make).
void count_free_partial_tiles(const TaskGraph& tasks, SimulationResult& result);

class KReduction {
 public:
  // `barrier`: layers run behind barriers, so every pod waits for a layer's trees. `transport`:
  // nullptr without the networks. `mode`: Chain or PostProcessors.
  KReduction(const TaskGraph& tasks, std::int64_t pods, bool barrier, TileTransport* transport, KReductionMode mode,
             SimulationResult& result, SystemHost& host);

  // An op's first X row entered its array at `start` (chain: the owner's first op on a tile
  // takes its chain if it has arrived by then).
  void op_timed(const PodOp& op, std::uint64_t start);
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
    std::uint64_t first_ready = 0;        // chain: their first rows have been added (cut-through)
  };
  // The chain into a tile's owner: its first op's start and the chained partial tile's arrival
  // (kUnknown until known; decided when both are).
  struct Chain {
    static constexpr std::uint64_t kUnknown = UINT64_MAX;
    std::uint64_t start = kUnknown, arrival = kUnknown;
    double bytes = 0;
  };
  void send_up(std::size_t layer, std::uint64_t tile, int node, int flits, double bytes);
  void decide_chain(std::size_t layer, std::uint64_t tile, const Chain& chain);
  void added(std::size_t layer, double bytes);
  void finish_layer(std::size_t layer);
  void add_window(std::uint64_t from, std::uint64_t to);

  const TaskGraph& tasks_;
  std::int64_t pods_;
  bool barrier_;
  TileTransport* transport_;
  bool chains_;
  SimulationResult& result_;
  SystemHost& host_;
  std::vector<std::uint64_t> pending_;  // per layer: partial-tile transfers not yet added
  std::vector<std::unordered_map<std::uint64_t, std::vector<TreeNode>>> trees_;  // per layer: open trees
  std::vector<std::unordered_map<std::uint64_t, Chain>> chain_;  // per layer: chains not yet decided
  std::vector<std::uint64_t> reduction_end_;  // per layer: its last partial tile is added
  std::vector<std::uint64_t> last_finish_;    // per layer: its last op finished
  std::vector<bool> ops_done_;                // per layer
  std::multimap<std::uint64_t, std::size_t> completions_;  // cycle -> layer done then
  std::map<std::uint64_t, std::uint64_t> windows_;  // without barriers: [from, to) with trees finishing, merged
};

}  // namespace sosasim
