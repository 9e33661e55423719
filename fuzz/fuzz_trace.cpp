// libFuzzer harness for the trace readers: the input is a trace file of any dialect (read_trace
// recognises native GEMM CSV, convolution CSV and SCALE-Sim topologies by their header), read and
// checked (names, dependencies, sizes) as `sosasim run` reads it.
#include "fuzz/fuzz_input.h"
#include "sim/kernel/errors.h"
#include "workloads/trace.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = sosasim::fuzz::write_input(data, size, "trace.csv");
  try {
    const sosasim::Workload workload = sosasim::read_trace(path, "fuzz");
    (void)workload.total_macs();
  } catch (const sosasim::ConfigError&) {
  }
  return 0;
}
