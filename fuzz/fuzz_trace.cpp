// libFuzzer harness for the readers of input files: the input is read as a trace file of any
// dialect (read_trace recognises native GEMM CSV, convolution CSV and SCALE-Sim topologies by
// their header, and checks names, dependencies and sizes as `sosasim run` reads them), as a
// serving run's request trace, and as a model's config.json.
#include "fuzz/fuzz_input.h"
#include "sim/kernel/errors.h"
#include "workloads/llm.h"
#include "workloads/requests.h"
#include "workloads/trace.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = sosasim::fuzz::write_input(data, size, "trace.csv");
  try {
    const sosasim::Workload workload = sosasim::read_trace(path, "fuzz");
    (void)workload.total_macs();
  } catch (const sosasim::ConfigError&) {
  }
  try {
    (void)sosasim::read_request_trace(path);
  } catch (const sosasim::ConfigError&) {
  }
  try {
    const sosasim::LlmModel model = sosasim::load_llm_model(path);
    (void)model.gemm_weights();
    // The phases of a small iteration, as a serving run builds them (one decoder layer each).
    for (auto phase : {sosasim::LlmPhase::Projections, sosasim::LlmPhase::Attention, sosasim::LlmPhase::OutputMlp,
                       sosasim::LlmPhase::Head})
      (void)sosasim::llm_phase(model, phase, {3, 9, true}, true, "").total_macs();
  } catch (const sosasim::ConfigError&) {
  }
  return 0;
}
