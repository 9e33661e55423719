// The layer graph of a workload: which layers must finish before a layer can start. Built with
// Boost.Graph from the traces' dependencies; kept out of this header so that including it stays
// cheap.
#pragma once

#include <cstdint>
#include <vector>

#include "workloads/trace.h"

namespace sosasim {

// Resolves every layer's `depends_on` names into `depends` indices: a layer without a
// depends_on field depends on the layer before it; "none" makes it a root. Throws ConfigError
// (file and line) for an unknown or ambiguous name, a self-dependency or a cycle.
void resolve_dependencies(Workload& workload);

// The layers in an order where every layer comes after its dependencies; the file order where
// that already holds (ties broken by file position).
std::vector<std::size_t> topological_order(const Workload& workload);

struct CriticalPath {
  std::uint64_t macs = 0;            // MACs along the heaviest dependency chain
  std::vector<std::size_t> layers;   // that chain, first to last
};

CriticalPath critical_path(const Workload& workload);

}  // namespace sosasim
