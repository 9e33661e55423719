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

// Where a layer's chunks (equal contiguous ranges of its op order, `count` of them) run: chunk c
// on pod pod(c), which also holds the chunk's data. groups = 1: chunk c on pod c. groups = G > 1
// (the layer's G column blocks, count = G x per): the per chunks of column block n, each the same
// relative range of its block, go to pods n, n + G, n + 2G, ...; so the G pods that read one input
// tile (one pod per column block) are neighbours and read it at the same point of their chunks.
struct ChunkLayout {
  std::int64_t count = 1;
  std::int64_t groups = 1;
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
};
// min(pods, ops) chunks, chunk c on pod c.
ChunkLayout contiguous_chunks(const LayerPlan& plan, std::int64_t pods);
// The column blocks interleaved over the pods (ChunkLayout): G = the layer's column blocks when
// it has one instance and 2 <= G <= pods, per = min(pods / G, ops per column block) chunks each;
// else contiguous_chunks. The pods beyond G x per have no chunk of the layer.
ChunkLayout interleaved_chunks(const LayerPlan& plan, std::int64_t pods);

class Scheduler {
 public:
  virtual ~Scheduler() = default;
  // The ops that pod `pod` (of `pods`) executes, in order, for the layer planned by `plan`.
  virtual OpRange ops_for_pod(const LayerPlan& plan, std::int64_t pod, std::int64_t pods) const = 0;
  virtual RoundPolicy rounds() const { return RoundPolicy{}; }
  // The run-time policy that hands the plan to the pods, by its registered name (the system
  // controller's sim/system/dispatch.h): "dynamic" (every ready layer at once; pod p executes
  // chunk p, `ops_for_pod(plan, p, chunks)` with chunks = min(pods, ops), of each as it frees
  // up), "layer_barrier" (one layer at a time; pod p executes ops_for_pod(plan, p, pods)) or
  // "lockstep_rounds" (rounds()).
  virtual std::string dispatch_policy() const = 0;
  // Layers follow the layer graph (a layer waits for its producers only); false: one at a time in
  // trace order, workloads in turn.
  virtual bool follows_layer_graph() const = 0;
  // Row partitions per row block of the op order (LayerPlan::set_m_block); m_parts = weight-major.
  virtual std::int64_t m_block(const LayerPlan& plan, std::int64_t /*pods*/) const { return plan.m_parts(); }
  // How the chunking dispatch ("dynamic") lays a layer's chunks on the pods.
  virtual ChunkLayout chunk_layout(const LayerPlan& plan, std::int64_t pods) const {
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
