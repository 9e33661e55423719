// The layer_static scheduler: layers run one after another (a barrier between layers); each
// layer's tile ops are split into equal contiguous ranges, one per pod, so the pods' loads differ
// by at most one op. `order` sets the op order the ranges are cut from:
//   weight_major (default): a pod reuses each weight tile for consecutive row partitions, and the
//     K blocks of an output tile usually land on different pods;
//   output_blocks: ops grouped into row blocks of (output tiles / pods, at least 1) row partitions
//     whose K blocks are consecutive, so a pod computes whole K chains of its output tiles when
//     there are at least as many output tiles as pods (what `tiling.k_reduction:
//     post_processors` charges for otherwise), reusing each weight tile for the block's rows.
#include "tiling/scheduler.h"

namespace sosasim {

namespace {

class LayerStatic : public Scheduler {
 public:
  LayerStatic(OpOrder order, KReductionMode reduction) : order_(order), reduction_(reduction) {}

  OpRange ops_for_pod(const LayerPlan& plan, std::int64_t pod, std::int64_t pods) const override {
    return even_chunk(plan, pod, pods);
  }
  std::string dispatch_policy() const override { return "layer_barrier"; }
  bool follows_layer_graph() const override { return false; }

  std::int64_t m_block(const LayerPlan& plan, std::int64_t pods) const override {
    return op_order_m_block(plan, pods, order_, reduction_);
  }

 private:
  OpOrder order_;
  KReductionMode reduction_;
};

const SchedulerRegistration kLayerStatic{
    {"scheduler", "layer_static",
     "one layer at a time; each layer's ops split into equal contiguous ranges, one per pod",
     {op_order_param()}},
    [](const ParamValues& params) { return std::make_unique<LayerStatic>(parse_op_order(params.get_string("order")), parse_k_reduction(params.get_string("k_reduction"))); }};

}  // namespace

}  // namespace sosasim
