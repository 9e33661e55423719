// Schedulers place a layer's tile ops on pods. Each registers by name (kind "scheduler") with
// its parameters; `tiling.scheduler` in the config picks one.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "sim/kernel/params.h"
#include "sim/kernel/registry.h"
#include "tiling/specs.h"
#include "tiling/tiling.h"

namespace sosasim {

// The op indices begin, begin + stride, ... below end that one pod executes, in order.
struct OpRange {
  std::uint64_t begin = 0;
  std::uint64_t end = 0;
  std::uint64_t stride = 1;
  bool empty() const { return begin >= end; }
  void next() { begin += stride; }
};

// Lock-step rounds (SOSA's scheduler): op i of a layer runs in round i / pods; a round lasts as
// long as its longest op, and at least `min_round_cycles`.
struct RoundPolicy {
  bool lockstep = false;
  bool count_last_round = true;  // the SOSA authors' simulator never simulates its last round
  int lookback_rounds = 4;       // open rounds an op may still be placed in
  int pod_tries = 32;            // free pods tried per open round
  int route_choices = 8;         // paths tried per transfer on networks with free-choice stages
  bool compiler_list = false;    // the SOSA compiler's op list and bank placement (RoundScheduleParams)
  bool concurrent_layers = false;  // layers share rounds after their dependencies'; false: one at a time
};

// Where a layer's chunks run and which ops each holds: chunk c on pod pod(c), which also holds the
// chunk's data. groups = 1: chunk c on pod c. groups = G > 1 (the layer's G column blocks, count =
// G x per): the per chunks of column block n, each the same relative range of its block, go to
// pods n, n + G, n + 2G, ...; so the G pods that read one input tile (one pod per column block)
// are neighbours and read it at the same point of their chunks.
// segments = 0: the chunks are `count` equal contiguous ranges of the op order (even_chunk).
// segments = S > 0 (a grid, grid_chunks()): the chunks are the cells of column block x row block
// (the plan's row blocks) x K segment, per = row blocks x S chunks per column block; the cell (n, b,
// s) holds row block b's ops on the K blocks of segment s (K blocks k_parts * s / S up to
// k_parts * (s + 1) / S), K block outermost, so its pod loads each weight tile once for the
// block's rows. Cells of one column block and segment read the same weight tile at the same step
// of their chunks, cells of one row block and segment the same input tile: every tile is read
// by pods in step, so it leaves its bank once, multicast.
struct ChunkLayout {
  std::int64_t count = 1;
  std::int64_t groups = 1;
  std::int64_t segments = 0;
  std::int64_t pod(std::int64_t chunk) const {
    if (groups == 1) return chunk;
    const std::int64_t per = count / groups;
    return (chunk % per) * groups + chunk / per;
  }
  // The chunk pod `pod` runs; -1 when it has none (pods count .. pods - 1).
  std::int64_t chunk(std::int64_t pod) const {
    if (pod >= count) return -1;
    if (groups == 1) return pod;
    const std::int64_t per = count / groups;
    return (pod % groups) * per + pod / groups;
  }
  // "grid", "interleaved" or "contiguous" (tiling.placement's names).
  const char* kind() const { return segments > 0 ? "grid" : groups > 1 ? "interleaved" : "contiguous"; }
  // The ops of chunk `chunk`, in the order its pod runs them.
  OpRange range(const LayerPlan& plan, std::int64_t chunk) const;
  // The chunk that holds op `op`.
  std::int64_t chunk_of(const LayerPlan& plan, std::uint64_t op) const;
  std::int64_t chunk_of(const LayerPlan& plan, const TileOp& tile_op, std::uint64_t op) const;
};
// min(pods, ops) chunks, chunk c on pod c.
ChunkLayout contiguous_chunks(const LayerPlan& plan, std::int64_t pods);
// The column blocks interleaved over the pods (ChunkLayout): G = the layer's column blocks when
// it has one instance and 2 <= G <= pods, per = min(pods / G, ops per column block) chunks each;
// else contiguous_chunks. The pods beyond G x per have no chunk of the layer.
ChunkLayout interleaved_chunks(const LayerPlan& plan, std::int64_t pods);

// The grid (placement: grid) of a layer: its G column blocks (all instances') over the pods, each
// with pods / G pods for R row blocks (LayerPlan::set_row_blocks, as equal as can be) times
// `segments` K segments.
// Chosen per layer by estimated pod time over S = 1, 2, ... (R = the row blocks that fit beside
// S segments):
//   steps    K blocks per segment, each max(m_block x rows, 2 r): the block's rows stream while
//            the next weight tile loads (double-buffered; in-step pods share its multicast); a
//            weight tile every step saturates the pod's W link, so loads count twice;
//   tree     unless k_reduction is free, ceil(log2 S) levels of post-processor additions, each a
//            partial tile (m_block x rows flits) plus an array's drain (r + c).
// Ties: the fewer segments. valid = false when the layer has more column blocks than pods.
struct GridChoice {
  bool valid = false;
  std::int64_t row_blocks = 1;
  std::int64_t segments = 1;
  std::int64_t groups = 1;
  std::int64_t per = 1;  // chunks per column block: row blocks x segments
  std::uint64_t busiest_ops = 0;  // ops of the largest cell
  std::uint64_t even_ops = 0;     // ops of the busiest chunk were the layer cut into contiguous chunks
};
GridChoice grid_choice(const LayerPlan& plan, std::int64_t pods, KReductionMode reduction);
// placement: auto takes the grid for a layer where contiguous chunks would cut its column blocks
// out of step: when the pods are not a multiple of its G column blocks, the G pods that read an
// input tile are at different points of their chunks and read it one after another. Where they
// are (pods a multiple of G) contiguous chunks already read the input tiles in step and chain
// their K blocks, which the grid's segments do not; taking the grid there as well where its
// busiest cell was no larger than the busiest chunk cost ResNet-50 0.2 % and ResNet-50 on 192
// pods 5 % (docs/model.md). Nor where the grid's busiest cell would have more than 1.5 times the
// ops of the busiest contiguous chunk (floor(pods / G) pods per column block leave too many idle).
bool grid_pays(const GridChoice& choice, std::int64_t pods);
// The layout of a valid grid choice, for a plan with its row blocks (LayerPlan::set_row_blocks).
ChunkLayout grid_chunks(const GridChoice& choice);

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  // The ops that pod `pod` (of `pods`) executes, in order, for the layer planned by `plan`.
  virtual OpRange ops_for_pod(const LayerPlan& plan, std::int64_t pod, std::int64_t pods) const = 0;
  virtual RoundPolicy rounds() const { return RoundPolicy{}; }
  // The run-time policy that hands the plan to the pods, by its registered name (the system
  // controller's sim/system/dispatch.h): "dynamic" (every ready layer at once; each pod executes
  // its chunk, `ChunkLayout::range` of the layout lay_out() gave the layer, of each as it frees
  // up), "layer_barrier" (one layer at a time; pod p executes ops_for_pod(plan, p, pods)) or
  // "lockstep_rounds" (rounds()).
  virtual std::string dispatch_policy() const = 0;
  // Layers follow the layer graph (a layer waits for its producers only); false: one at a time in
  // trace order, workloads in turn.
  virtual bool follows_layer_graph() const = 0;
  // Row partitions per row block of the op order (LayerPlan::set_m_block); m_parts = weight-major.
  virtual std::int64_t m_block(const LayerPlan& plan, std::int64_t /*pods*/) const { return plan.m_parts(); }
  // Lays a layer out: sets the plan's row blocks (by default m_block's) and returns where the
  // chunking dispatch ("dynamic") runs its chunks (by default contiguous_chunks).
  virtual ChunkLayout lay_out(LayerPlan& plan, std::int64_t pods) const {
    plan.set_m_block(m_block(plan, pods));
    return contiguous_chunks(plan, pods);
  }
};

// The `order` parameter of the chunking schedulers (layer_static, dynamic): weight_major;
// output_blocks, whose row blocks (output tiles / pods row partitions, at least 1) keep an output
// tile's K blocks together so a pod computes whole K chains; or auto (the default), the row block
// per layer with the least estimated pod time (op_order_auto_m_block).
enum class OpOrder { WeightMajor, OutputBlocks, Auto };
ParamDef op_order_param();
OpOrder parse_op_order(const std::string& name);
// `reduction` (tiling.k_reduction): unless free, K chains split over pods cost transfers and
// additions; when they do not, auto is weight_major.
std::int64_t op_order_m_block(const LayerPlan& plan, std::int64_t pods, OpOrder order, KReductionMode reduction);

// order: auto. Candidates: weight-major (one row block) and row blocks of ceil(S x output tiles /
// pods) row partitions for S = 1, 2, 4, ... (about S pods per K chain). Each is given an estimated
// pod time, the least wins (ties: the larger block):
//   stream   ops per pod x p rows;
//   loads    weight loads per pod (ops / rows per block) x r: when every pod loads its own tiles the
//            W banks' ports and the network, not the shadow buffer, set their pace (docs/model.md);
//   tree     unless k_reduction is free, the reduction tree's depth ceil(log2 S') over the S' pods
//            that share a K chain, each level the pod's partial tiles (rows per block x p flits)
//            plus an array's drain (r + c). Under chain the first pod's partial tile is chained
//            into the last's ops, so the tree has S' - 1 nodes.
std::int64_t op_order_auto_m_block(const LayerPlan& plan, std::int64_t pods, KReductionMode reduction);

// Chunk `index` of `count` equal contiguous chunks of the layer's ops (sizes differ by at most one).
OpRange even_chunk(const LayerPlan& plan, std::int64_t index, std::int64_t count);
// The chunk of `count` that holds op `op`.
std::int64_t chunk_of(const LayerPlan& plan, std::uint64_t op, std::int64_t count);

using SchedulerFactory = std::function<std::unique_ptr<Scheduler>(const ParamValues&)>;

std::unique_ptr<Scheduler> make_scheduler(const ParamValues& params);

struct SchedulerRegistration {
  SchedulerRegistration(ComponentInfo info, SchedulerFactory factory);
};

}  // namespace sosasim
