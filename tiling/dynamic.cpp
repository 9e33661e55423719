// The dynamic scheduler (the default): no barrier between layers. Every layer whose
// dependencies in the layer graph have finished is ready at once, and several workloads share
// the pods at tile-op granularity (multi-tenancy). A ready layer's ops are cut into min(pods, ops)
// equal contiguous chunks, as under layer_static (same `order`), and chunk c is pod c's: the
// layer's data is placed for that (chunk_banks), and its reduction trees are built on it. A pod
// that runs out of work takes its chunk of a ready layer it has not run yet, preferring the oldest
// whose data for that chunk is already on chip, so pods that finish early start the next layers
// while others drain, and independent branches and tenants overlap. A later workload's chunks are
// taken a weight tile's ops at a time while an earlier workload is unfinished, so the earlier one
// gets its pods back as soon as its next layer is ready (the first tenant has priority).
// `placement` lays the chunks on the pods: contiguous (above), interleaved (column blocks side by
// side) or grid (cells of column block x row block x K segment read every tile in step; ChunkLayout
// and grid_choice in tiling/scheduler.h).
#include "tiling/scheduler.h"

namespace sosasim {

namespace {

class Dynamic : public Scheduler {
 public:
  enum class Placement { Contiguous, Interleaved, Grid, Auto };
  Dynamic(OpOrder order, KReductionMode reduction, Placement placement)
      : order_(order), reduction_(reduction), placement_(placement) {}

  OpRange ops_for_pod(const LayerPlan& plan, std::int64_t chunk, std::int64_t chunks) const override {
    return even_chunk(plan, chunk, chunks);
  }
  std::string dispatch_policy() const override { return "dynamic"; }
  bool follows_layer_graph() const override { return true; }
  std::int64_t m_block(const LayerPlan& plan, std::int64_t pods) const override {
    return op_order_m_block(plan, pods, order_, reduction_);
  }
  ChunkLayout lay_out(LayerPlan& plan, std::int64_t pods) const override {
    if (placement_ == Placement::Grid || placement_ == Placement::Auto) {
      const GridChoice grid = grid_choice(plan, pods, reduction_);
      if (placement_ == Placement::Grid ? grid.valid : grid_pays(grid, pods)) {
        plan.set_row_blocks(grid.row_blocks);
        return grid_chunks(grid);
      }
    }
    plan.set_m_block(m_block(plan, pods));
    return placement_ == Placement::Interleaved ? interleaved_chunks(plan, pods) : contiguous_chunks(plan, pods);
  }

 private:
  OpOrder order_;
  KReductionMode reduction_;
  Placement placement_;
};

Dynamic::Placement placement(const std::string& name) {
  if (name == "interleaved") return Dynamic::Placement::Interleaved;
  if (name == "grid") return Dynamic::Placement::Grid;
  if (name == "auto") return Dynamic::Placement::Auto;
  return Dynamic::Placement::Contiguous;
}

const SchedulerRegistration kDynamic{
    {"scheduler", "dynamic",
     "no barriers: each pod runs its chunk of every layer as soon as the layer's dependencies are done and the pod "
     "is free; layers and workloads overlap",
     {op_order_param(),
      {"placement", ParamType::Choice, "", "auto",
       "contiguous: chunk c of a layer on pod c; interleaved: the layer's column blocks interleaved over the pods, "
       "so the pods that read one input tile (one per column block) are neighbours and read it at the same point "
       "of their chunks (ChunkLayout in tiling/scheduler.h; a layer with G column blocks uses G x floor(pods / G) "
       "pods); grid: per layer, its column blocks x row blocks x K segments over the pods, so every tile is read "
       "by the pods that share it in step and leaves its bank once (grid_choice in tiling/scheduler.h; a layer "
       "with more column blocks than pods is contiguous); auto: per layer, the grid where contiguous chunks would "
       "cut the column blocks out of step (pods not a multiple of the column blocks; grid_pays), else contiguous",
       -kInf, kInf, {"contiguous", "interleaved", "grid", "auto"}}}},
    [](const ParamValues& params) {
      return std::make_unique<Dynamic>(parse_op_order(params.get_string("order")),
                                       parse_k_reduction(params.get_string("k_reduction")),
                                       placement(params.get_string("placement")));
    }};

}  // namespace

}  // namespace sosasim
