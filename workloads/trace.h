// DNN workloads as lists of GEMM layers, read from trace files.
//
// A layer is X[M x K] . W[K x N], called `count` times (independent instances of the same
// shape, such as attention heads or the groups of a grouped convolution). Readers (the native
// CSV, SCALE-Sim topology files, our convolution CSV) check every row; every error is a
// ConfigError naming the file, the line and the field.
#pragma once

#include <algorithm>
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
  // Dependencies by name as written; resolved into `depends` (indices of earlier-or-later
  // layers of the same workload) by resolve_dependencies().
  std::vector<std::string> depends_on;
  bool depends_on_given = false;  // false: the layer depends on the one before it
  std::vector<std::size_t> depends;
  std::string format;    // per-layer format override ("" = the config's); see docs/traces.md
  std::string sparsity;  // per-layer N:M override ("" = the config's, "none" = dense)
  bool weights_on_chip = false;  // W is an activation computed on chip (attention), not a parameter
  bool depthwise = false;        // lowered from a depthwise convolution (informational)
  // Where X comes from (the trace's input_from): Producers, the X banks its producers wrote, or
  // DRAM for a layer without producers; Dram, DRAM although producers wrote it; Chip, the X banks,
  // written before this workload began (a serving phase reads what the phase before it wrote).
  enum class InputFrom { Producers, Dram, Chip };
  InputFrom input_from = InputFrom::Producers;
  // Elements of the layer's input tensor before lowering, all `count` instances together (a
  // convolution's H x W x C x batch, which im2col turns into M x K); 0: not known, taken as
  // M x K x count.
  std::int64_t input_elements = 0;

  // X comes from DRAM (as a tensor, lowered on its way into the X banks).
  bool reads_input_from_dram() const {
    return input_from == InputFrom::Dram || (input_from == InputFrom::Producers && depends.empty());
  }
  std::uint64_t macs() const {
    return static_cast<std::uint64_t>(M) * static_cast<std::uint64_t>(K) * static_cast<std::uint64_t>(N) *
           static_cast<std::uint64_t>(count);
  }
  // Elements of the lowered input X (M x K per instance).
  std::uint64_t lowered_input_elements() const {
    return static_cast<std::uint64_t>(M) * static_cast<std::uint64_t>(K) * static_cast<std::uint64_t>(count);
  }
  // Elements a read of the input tensor brings from memory: the tensor, but never more than its
  // lowering uses (a strided 1x1 convolution skips pixels).
  std::uint64_t input_tensor_elements() const {
    std::uint64_t lowered = lowered_input_elements();
    return input_elements > 0 ? std::min(static_cast<std::uint64_t>(input_elements), lowered) : lowered;
  }
};

struct Workload {
  std::string name;
  std::string path;
  std::vector<Layer> layers;

  std::uint64_t total_macs() const;
};

// Reads a trace, recognising its kind from the header: SCALE-Sim convolution topology (an
// "IFMAP Height" column), our convolution CSV (an "out_channels" column), or the native GEMM
// CSV (also SCALE-Sim's GEMM topology, whose columns "Layer, M, N, K" it reads by name).
// Dependencies are resolved and checked (unknown names, cycles) before it returns.
Workload read_trace(const std::string& path, const std::string& name);

// `workload` as a native trace CSV (every column it uses), with `comment` on its first line; it
// reads back as the same layers.
std::string native_trace_text(const Workload& workload, const std::string& comment);

// Reads the native trace CSV only (see docs/traces.md).
Workload read_native_trace(const std::string& path, const std::string& name);

// Checks a per-layer format override (a registered format by name: "int8", "mxfp8_e4m3", ...; "bfp:M" or "bfp:M:B");
// returns an error message or "".
std::string check_format_override(const std::string& text);

}  // namespace sosasim
