// The sosa_rounds scheduler: SOSA's greedy list scheduler in lock-step rounds. Within a layer
// (no dependencies between its tile ops when partial sums are reduced by post-processors), the
// earliest round with a free pod is round i / pods for op i, so ops are dealt round-robin: pod p
// runs ops p, p + pods, ... A round lasts as long as its longest op, and at least 2L + 1 cycles
// for a network latency of L (the tile goes to the pod and the result comes back); layers run
// one after another. Bank and route conflicts inside a round are not modelled yet.
#include <limits>

#include "tiling/scheduler.h"

namespace sosasim {

namespace {

class SosaRounds : public Scheduler {
 public:
  explicit SosaRounds(bool count_last_round) : count_last_round_(count_last_round) {}

  OpRange ops_for_pod(const LayerPlan& plan, std::int64_t pod, std::int64_t pods) const override {
    return OpRange{static_cast<std::uint64_t>(pod), plan.op_count(), static_cast<std::uint64_t>(pods)};
  }
  RoundPolicy rounds() const override { return RoundPolicy{true, count_last_round_}; }

 private:
  bool count_last_round_;
};

const SchedulerRegistration kSosaRounds{
    {"scheduler", "sosa_rounds",
     "SOSA's lock-step rounds: ops dealt round-robin to pods, a round lasts its longest op and at least 2L+1 cycles",
     {{"count_last_round", ParamType::Bool, "", "true",
       "false reproduces the SOSA authors' simulator, which never simulates its last round",
       -std::numeric_limits<double>::infinity(), std::numeric_limits<double>::infinity(), {}}}},
    [](const ParamValues& params) { return std::make_unique<SosaRounds>(params.get_bool("count_last_round")); }};

}  // namespace

}  // namespace sosasim
