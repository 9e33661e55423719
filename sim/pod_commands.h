// `sosasim gemm` (one GEMM on one pod) and `sosasim quantize` (BFP quantization of numbers):
// the command-line front of arch/pod_gemm.h and arch/numerics.h.
#pragma once

namespace CLI {
class App;
}

namespace sosasim {

// Adds the two subcommands to `app`; each runs its action from a CLI11 callback and stores its
// exit code in `exit_code`.
void add_pod_commands(CLI::App& app, int& exit_code);

}  // namespace sosasim
