// DNN workloads as lists of GEMM layers, read from trace files.
//
// A layer is X[M x K] . W[K x N], called `count` times (independent instances of the same
// shape, such as attention heads). Traces are read in full and checked row by row; every error
// is a ConfigError naming the file, the line and the field.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace sosasim {

struct Layer {
  std::string name;
  std::int64_t M = 0;  // rows of X and of the output
  std::int64_t K = 0;  // reduction dimension
  std::int64_t N = 0;  // columns of W and of the output
  std::int64_t count = 1;
  int line = 0;        // line in the trace file, for messages

  std::uint64_t macs() const {
    return static_cast<std::uint64_t>(M) * static_cast<std::uint64_t>(K) * static_cast<std::uint64_t>(N) *
           static_cast<std::uint64_t>(count);
  }
};

struct Workload {
  std::string name;
  std::string path;
  std::vector<Layer> layers;

  std::uint64_t total_macs() const;
};

// Reads the native trace CSV: `layer,M,K,N[,count]`, an optional header row naming those
// columns (in any order), `#` comment lines and blank lines.
Workload read_native_trace(const std::string& path, const std::string& name);

}  // namespace sosasim
