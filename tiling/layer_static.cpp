// The layer_static scheduler: layers run one after another (a barrier between layers); each
// layer's tile ops, in weight-tile-major order, are split into equal contiguous ranges, one per
// pod, so a pod reuses each weight tile for consecutive row partitions and the pods' loads
// differ by at most one op.
#include "tiling/scheduler.h"

namespace sosasim {

namespace {

class LayerStatic : public Scheduler {
 public:
  OpRange ops_for_pod(const LayerPlan& plan, std::int64_t pod, std::int64_t pods) const override {
    return even_chunk(plan, pod, pods);
  }
};

const SchedulerRegistration kLayerStatic{
    {"scheduler", "layer_static",
     "one layer at a time; each layer's ops split into equal contiguous weight-major ranges, one per pod", {}},
    [](const ParamValues&) { return std::make_unique<LayerStatic>(); }};

}  // namespace

}  // namespace sosasim
