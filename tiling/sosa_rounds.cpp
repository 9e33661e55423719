// The sosa_rounds scheduler: SOSA's greedy list scheduler in lock-step rounds. Each op goes into
// the earliest open round with a free pod for which its X, W and P transfers find free routes
// and bank ports (tiling/round_schedule.h); a round lasts as long as its longest op, and at least
// 2L + 1 cycles for a network latency of L (the tile goes to the pod and the result comes back).
// Layers run one at a time in trace order (workloads in turn), or, with `layers: concurrent`, each
// layer's ops go into rounds from the one after its dependencies' last round on, shared with any
// other layer's (the controller places a layer's ops when it is released, into rounds that have
// not begun, and begins each round when the one before is over). With `tiling.k_reduction: post_processors` a layer's partial sums
// are reduced as the SOSA authors' compiler does, in rounds after its ops (reduction_rounds).
#include <limits>

#include "tiling/scheduler.h"

namespace sosasim {

namespace {

class SosaRounds : public Scheduler {
 public:
  explicit SosaRounds(RoundPolicy policy) : policy_(policy) {}

  // Only for the weight fetch order and tools: the controller places ops with schedule_rounds.
  OpRange ops_for_pod(const LayerPlan& plan, std::int64_t pod, std::int64_t pods) const override {
    return OpRange{static_cast<std::uint64_t>(pod), plan.op_count(), static_cast<std::uint64_t>(pods)};
  }
  RoundPolicy rounds() const override { return policy_; }
  std::string dispatch_policy() const override { return "lockstep_rounds"; }
  bool follows_layer_graph() const override { return policy_.concurrent_layers; }

 private:
  RoundPolicy policy_;
};


const SchedulerRegistration kSosaRounds{
    {"scheduler", "sosa_rounds",
     "SOSA's greedy list scheduler in lock-step rounds: each op in the earliest open round with a free pod, "
     "free bank ports and free routes; a round lasts its longest op and at least 2L+1 cycles",
     {{"count_last_round", ParamType::Bool, "", "true",
       "false reproduces the SOSA authors' simulator, which never simulates its last round", -kInf, kInf, {}},
      {"lookback_rounds", ParamType::Int, "rounds", "4",
       "open rounds an op may still be placed in (older rounds are closed)", 1, 1024, {}},
      {"pod_tries", ParamType::Int, "pods", "32", "free pods tried per open round, from the op's X bank onwards", 1,
       1 << 20, {}},
      {"route_choices", ParamType::Int, "paths", "8",
       "paths tried per transfer on networks with free-choice stages (butterfly expansion, Benes)", 1, 4096, {}},
      {"op_list", ParamType::Choice, "", "sosa_compiler",
       "sosa_compiler (default): the SOSA authors' compiler's list (K block, then row partition, then column "
       "block; op q reads its own tile copies from bank q mod N), so an output tile's K blocks fall in successive "
       "rounds and its partial sums chain; weight_major: ops in the layer's order, tiles interleaved over the "
       "banks by tile number",
       -kInf, kInf, {"weight_major", "sosa_compiler"}},
      {"layers", ParamType::Choice, "", "concurrent",
       "concurrent (default): as the SOSA authors' compiler, a layer's ops go into rounds from the one after its "
       "dependencies' last round on, into rounds other layers (independent branches, other tenants) use too "
       "(layers released together have their lists interleaved); sequential: one layer at a time, in trace "
       "order, workloads in turn",
       -kInf, kInf, {"concurrent", "sequential"}}}},
    [](const ParamValues& params) {
      RoundPolicy policy;
      policy.lockstep = true;
      policy.count_last_round = params.get_bool("count_last_round");
      policy.lookback_rounds = static_cast<int>(params.get_int("lookback_rounds"));
      policy.pod_tries = static_cast<int>(params.get_int("pod_tries"));
      policy.route_choices = static_cast<int>(params.get_int("route_choices"));
      policy.compiler_list = params.get_string("op_list") == "sosa_compiler";
      policy.concurrent_layers = params.get_string("layers") == "concurrent";
      return std::make_unique<SosaRounds>(policy);
    }};

}  // namespace

}  // namespace sosasim
