// `sosasim compare RUN_A RUN_B [...]`: two or more runs' results side by side, with each run's
// ratio to the first, for the whole run (every number in summary.json) and per layer (every
// number in layers.csv); prints the main figures and writes both tables as CSV.
#pragma once

namespace CLI {
class App;
}

namespace sosasim {

void add_compare_command(CLI::App& app, int& exit_code);

}  // namespace sosasim
