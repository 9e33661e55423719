// `sosasim workload info FILE... [--json]`: what a trace holds, without simulating.
#pragma once

namespace CLI {
class App;
}

namespace sosasim {

void add_workload_command(CLI::App& app, int& exit_code);

}  // namespace sosasim
