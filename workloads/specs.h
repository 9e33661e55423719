// A workload entry of the config (plain, validated data; its schema: workloads/specs.cpp). A
// spec header includes only the kernel.
#pragma once

#include <string>

#include "sim/kernel/errors.h"

namespace sosasim {

struct WorkloadEntry {
  std::string name;        // defaults to the trace's file stem
  std::string trace_path;  // resolved, absolute
  SourceLocation where;    // where the trace was named, for errors about the file
};

}  // namespace sosasim
