// workloads/'s config section: the schema of a workload entry (`workload`, or each entry of a
// list of them), which sim/kernel/config.cpp reads into SimConfig::workloads. The spec itself:
// workloads/specs.h.
#include "workloads/specs.h"

#include <limits>

#include "sim/kernel/registry.h"

namespace sosasim {

namespace {


const ComponentRegistration kWorkloadSection{{"section", "workload",
    "a DNN layer trace (or a list of them: under `dynamic` they share the pods at tile-op granularity, otherwise they run one after another)",
    {{"trace", ParamType::String, "", "workloads/models/resnet50_299.csv",
      "trace file; relative paths resolve against the config's folder, then the repository root",
      -kInf, kInf, {}},
     {"name", ParamType::String, "", "", "name in reports; empty = the trace's file stem", -kInf, kInf, {}}}}};

}  // namespace

}  // namespace sosasim
