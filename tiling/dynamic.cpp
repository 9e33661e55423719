// The dynamic scheduler (the default): no barrier between layers. Every layer whose
// dependencies in the layer graph have finished is ready at once, and several workloads share
// the pods at tile-op granularity (multi-tenancy). A ready layer's ops, in weight-tile-major
// order, are cut into min(pods, ops) equal contiguous chunks; a pod that runs out of work claims
// the next chunk of the oldest ready layer, so consecutive ops of a chunk reuse their weights and
// pods that finish early start the next layer while others drain.
#include "tiling/scheduler.h"

namespace sosasim {

namespace {

class Dynamic : public Scheduler {
 public:
  OpRange ops_for_pod(const LayerPlan& plan, std::int64_t chunk, std::int64_t chunks) const override {
    return even_chunk(plan, chunk, chunks);
  }
  bool dynamic() const override { return true; }
};

const SchedulerRegistration kDynamic{
    {"scheduler", "dynamic",
     "no barriers: layers run as soon as their dependencies are done; pods claim equal weight-major chunks of ready layers",
     {}},
    [](const ParamValues&) { return std::make_unique<Dynamic>(); }};

}  // namespace

}  // namespace sosasim
