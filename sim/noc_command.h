// `sosasim noc`: one network alone under synthetic traffic, or its structure (--describe).
#pragma once

namespace CLI {
class App;
}

namespace sosasim {

void add_noc_command(CLI::App& app, int& exit_code);

}  // namespace sosasim
