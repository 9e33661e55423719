// libFuzzer harness for the sweep-file reader: the input is a sweep file, planned (every point's
// config loaded and checked) as `sosasim sweep` plans it before running anything.
#include "fuzz/fuzz_input.h"
#include "sim/kernel/errors.h"
#include "sim/sweep.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = sosasim::fuzz::write_input(data, size, "sweep.yaml");
  try {
    std::string base;
    std::vector<std::string> axis_keys;
    // pods_rule: best simulates candidate machines; here a stand-in answers (no child processes).
    (void)sosasim::plan_sweep(path, base, axis_keys, [](const std::string&, const std::vector<std::string>& overrides,
                                                        const std::string&) { return 1.0 / double(overrides.size()); });
  } catch (const sosasim::ConfigError&) {
  }
  return 0;
}
