// libFuzzer harness for the config loader: the input is a YAML config; leading lines of the form
// "#p key=value" are also passed as -p overrides, so the override parser is fuzzed with it.
#include <sstream>
#include <vector>

#include "fuzz/fuzz_input.h"
#include "sim/kernel/config.h"
#include "sim/kernel/errors.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string path = sosasim::fuzz::write_input(data, size, "config.yaml");
  std::vector<std::string> overrides;
  std::istringstream lines(std::string(reinterpret_cast<const char*>(data), size));
  for (std::string line; std::getline(lines, line) && line.rfind("#p ", 0) == 0;) overrides.push_back(line.substr(3));
  try {
    const sosasim::SimConfig config = sosasim::load_config(path, overrides);
    (void)sosasim::resolved_yaml(config);
  } catch (const sosasim::ConfigError&) {
  }
  return 0;
}
