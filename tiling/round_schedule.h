// SOSA's greedy list scheduler in lock-step rounds. Ops are taken in list order (the layer's op
// order, weight-major, or the SOSA authors' compiler's list: RoundScheduleParams); each goes into
// the earliest open round that has a free pod for which all three of its transfers have free
// routes: its X tile from its X bank and its W tile from its W bank to the pod, and its partial
// sums from the pod to its own P bank (each over its own network). A route is free when none of
// its links (bank port, router outputs, pod port) carries another transfer in that round; on a
// multicast-capable network a link may carry several copies of the same tile, so ops that share
// a tile in a round share its transfer. Partial sums over K either accumulate in the pod's P bank
// at no cost (`tiling.k_reduction: free`) or are reduced as the authors' compiler does
// (`post_processors`: reduction_rounds below). (Writing each output tile to one fixed P bank
// instead makes its K steps conflict on that bank's write port, one per round: ResNet-50 on 256
// pods then took 22,028 rounds in our measurement against the authors' 1,019.)
//
// Bank placement (weight-major list): a layer's input and weight tiles are interleaved over the N
// banks of their kind by tile number, X tiles numbered (instance, k part, m part) and W tiles by
// their run-wide key, so the ops of one round read consecutive banks; partial sums go to the
// pod's own P bank.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "interconnect/route_table.h"
#include "tiling/scheduler.h"
#include "tiling/tiling.h"

namespace sosasim {

struct RoundScheduleParams {
  int lookback_rounds = 4;  // open rounds an op may still go into (older ones are closed)
  int pod_tries = 32;       // free pods tried per round, from the op's X bank onwards
  // The SOSA authors' compiler's list (their Layer::create_main_ops and init_banks): ops by K
  // block, then row partition, then column block, and op q of that list reads its own copy of
  // its input tile from X bank q mod N and its weight tile from W bank q mod N (consecutive ops
  // never share a bank, and no tile is multicast). Otherwise the layer's op order (weight-major)
  // and the tile interleaving above.
  bool compiler_list = false;
};

struct RoundSchedule {
  std::vector<std::uint32_t> round;  // per op
  std::vector<std::uint32_t> pod;    // per op
  // Per op, the index of the path each transfer took in RouteTable::paths (kNoTransfer: the pod
  // already held the weight tile), so the routes can be checked and drawn.
  std::vector<std::uint16_t> x_path, w_path, p_path;
  static constexpr std::uint16_t kNoTransfer = 0xFFFF;
  std::uint32_t rounds = 0;
  std::uint64_t blocked = 0;         // op placements refused for a busy route or bank port
};

// Partial sums go to the computing pod's own P bank (its post-processor accumulates them).
struct RoundBanks {
  int x = 0, w = 0;
};

// The number of op `op`'s input tile within its layer: (instance, k part, m part).
std::uint64_t x_tile_index(const LayerPlan& plan, std::uint64_t op);
std::uint64_t x_tile_index(const LayerPlan& plan, const TileOp& tile_op);  // the op decoded

// The banks op `op` of `plan` reads and writes among `banks` banks of each kind.
RoundBanks op_banks(const LayerPlan& plan, std::uint64_t op, std::uint64_t weight_key_base, std::int64_t banks);

// `held`: per pod, the run-wide key of the weight tile it holds (UINT64_MAX: none); updated. An op
// placed on a pod that holds its weight tile needs no W transfer (weight-stationary reuse). A
// pod's ops go into strictly later rounds in list order, so its tile sequence is its round order.
// Bank placement for schedulers that give each pod a contiguous chunk of a layer's ops
// (even_chunk, min(pods, ops) chunks): a weight tile lives in the bank of the pod whose chunk
// holds its first op; an input tile (k, m) in the bank of the pod that computes its use in
// column block n = k mod (column blocks), so a pod reads its own bank where it can and the
// input tiles that different pods read at the same time sit in different banks.
// `layout`: where the chunks run (the banks are their pods'); `pods`: contiguous_chunks.
RoundBanks chunk_banks(const LayerPlan& plan, const TileOp& tile_op, const ChunkLayout& layout);
RoundBanks chunk_banks(const LayerPlan& plan, std::uint64_t op, std::int64_t pods);
RoundBanks chunk_banks(const LayerPlan& plan, const TileOp& tile_op, std::int64_t pods);  // the op decoded

RoundSchedule schedule_rounds(const LayerPlan& plan, std::int64_t pods, std::uint64_t weight_key_base,
                              RouteTable& routes, const RoundScheduleParams& params, std::vector<std::uint64_t>& held);

// A layer's ops in the scheduler's list order: the layer's op order (weight-major), or the authors'
// compiler's list (K block, then row partition, then column block).
std::vector<std::uint64_t> round_list(const LayerPlan& plan, bool compiler_list);

// The same scheduler over ops of several layers that share the rounds (layers ready together,
// and several tenants' layers): ops are placed one at a time in the order given, each into the
// earliest open round that takes it.
class RoundPlanner {
 public:
  // `routes`: the X, W and P networks' routes (one table when they share a topology).
  RoundPlanner(std::int64_t pods, const std::array<RouteTable*, 3>& routes, const RoundScheduleParams& params,
               std::vector<std::uint64_t>& held);
  RoundPlanner(std::int64_t pods, RouteTable& routes, const RoundScheduleParams& params,
               std::vector<std::uint64_t>& held)
      : RoundPlanner(pods, {&routes, &routes, &routes}, params, held) {}
  ~RoundPlanner();
  // A layer's ops in list order (round_list()).
  std::vector<std::uint64_t> list(const LayerPlan& plan) const { return round_list(plan, params_.compiler_list); }
  // Places op `op` of `plan`, at `position` in its layer's list; `layer_tag` (> 0 when several
  // layers share the rounds) keeps the layers' transfers apart, and `bank_offset` shifts the
  // layer's input tiles (and, in the compiler's list, its copies) over the banks so that layers
  // sharing rounds do not start in the same bank. Fills `schedule` (per op; its `rounds` is one
  // past the layer's last round).
  // Only rounds from `min_round` on take it (the rounds after its layer's dependencies', and not
  // those that have begun).
  void place(const LayerPlan& plan, std::uint64_t op, std::uint64_t position, std::uint64_t weight_key_base,
             std::uint64_t layer_tag, std::uint64_t bank_offset, RoundSchedule& schedule, std::uint32_t min_round = 0);
  // The offset after a layer's tiles: its input tiles (weight-major list) or ops (compiler's list).
  std::uint64_t bank_span(const LayerPlan& plan) const;
  std::uint32_t rounds() const { return rounds_; }  // rounds opened so far

 private:
  struct Open;
  void open_round();
  std::int64_t pods_;
  std::array<RouteTable*, 3> routes_;  // X, W, P
  RoundScheduleParams params_;
  std::vector<std::uint64_t>& held_;
  bool share_x_, share_w_;  // the X, W networks multicast
  std::vector<std::int64_t> last_round_;  // per pod
  std::uint32_t rounds_ = 0;
  std::unique_ptr<Open> open_;
};

// SOSA's K reduction as the authors' compiler does it (their compiler/layer.cpp and
// compiler.cpp): after a layer's ops are placed, each output tile's partial sums over K are
// combined. An op placed in a later round than another op of the same output tile takes that
// op's partial sum as its input (chained through the array), at most one per op and per P bank
// read in a round; the partial sums left over are added pairwise in a binary tree, in list order,
// by the post-processors (N of them): each pairwise addition is two post-processor ops, one per
// half, each in the earliest round after both inputs' rounds with a free post-processor and
// free P bank ports (a bank is read once as first and once as second input, and written once,
// per round). A post-processor op takes the tile's rows in cycles. The layer ends with its last
// addition. Routes of the P_in and post-processor networks are not checked.
struct ReductionRounds {
  std::uint32_t rounds = 0;             // the layer's rounds: its ops' and its additions'
  std::vector<std::uint64_t> longest;   // per round: rows of its longest post-processor op (0: none)
  std::uint64_t chained = 0;            // partial sums passed to a later op of the same output tile
  std::uint64_t additions = 0;          // post-processor ops (two per pairwise addition)
  std::uint64_t added_values = 0;       // partial-sum values the pairwise additions produce
};
ReductionRounds reduction_rounds(const LayerPlan& plan, const RoundSchedule& schedule, std::int64_t pods);

// The same for layers that share rounds: each layer's reduction is placed in turn, around the
// post-processors and P bank ports the ones before it took.
class ReductionPlanner {
 public:
  explicit ReductionPlanner(std::int64_t pods);
  ~ReductionPlanner();
  ReductionRounds add(const LayerPlan& plan, const RoundSchedule& schedule);
  // Rounds before `round` will take no more additions: forget them.
  void forget_before(std::uint32_t round);

 private:
  struct Round;
  std::int64_t pods_;
  std::deque<Round> rounds_;  // from round base_ on
  std::uint32_t base_ = 0;
};

}  // namespace sosasim
