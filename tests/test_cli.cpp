// End-to-end tests through the sosasim binary, each run in its own process: exit codes, error
// messages, the reports a run writes, and a small run whose cycle count follows by hand from
// the model (DRAM latency, weight load, fill and drain).
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <fstream>
#include <sys/wait.h>

#include <nlohmann/json.hpp>

#include "tests/test_helpers.h"

using Catch::Matchers::Contains;
using sosasim::test::TempDir;

namespace {

struct Outcome {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

Outcome run_sosasim(const std::string& arguments) {
  std::string command = std::string(SOSASIM_BINARY) + " " + arguments + " 2>&1";
  Outcome outcome;
  FILE* pipe = popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buffer{};
  while (fgets(buffer.data(), buffer.size(), pipe) != nullptr) outcome.output += buffer.data();
  int status = pclose(pipe);
  outcome.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return outcome;
}

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  REQUIRE(in.good());
  return nlohmann::json::parse(in);
}

}  // namespace

TEST_CASE("the version, help and component list", "[cli]") {
  CHECK_THAT(run_sosasim("--version").output, Contains("sosasim"));
  Outcome help = run_sosasim("run --help");
  CHECK(help.exit_code == 0);
  CHECK_THAT(help.output, Contains("-p,--param"));
  Outcome list = run_sosasim("list");
  CHECK(list.exit_code == 0);
  CHECK_THAT(list.output, Contains("butterfly"));
  CHECK_THAT(list.output, Contains("expansion"));
  CHECK_THAT(list.output, Contains("bank_kib"));
  nlohmann::json listed = nlohmann::json::parse(run_sosasim("list --json").output);
  CHECK(listed.size() > 10);
  CHECK(run_sosasim("frobnicate").exit_code == 2);
}

TEST_CASE("user errors exit with code 2 and one clear message", "[cli][errors]") {
  TempDir dir;
  std::string bad = dir.write("bad.yaml", "pods: 4\narary: {rows: 8}\n");
  Outcome unknown = run_sosasim("run " + bad + " -o " + dir.path() + "/out");
  CHECK(unknown.exit_code == 2);
  CHECK_THAT(unknown.output, Contains("bad.yaml:2"));
  CHECK_THAT(unknown.output, Contains("arary"));
  CHECK_THAT(unknown.output, Contains("'array'"));

  Outcome zero_pods = run_sosasim("run -p pods=0");
  CHECK(zero_pods.exit_code == 2);
  CHECK_THAT(zero_pods.output, Contains("pods"));

  Outcome not_a_number = run_sosasim("run -p array.rows=abc");
  CHECK(not_a_number.exit_code == 2);
  CHECK_THAT(not_a_number.output, Contains("array.rows"));
  CHECK_THAT(not_a_number.output, Contains("abc"));

  Outcome missing = run_sosasim("validate -p workload.trace=" + dir.path() + "/missing.csv");
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.output, Contains("missing.csv"));
  CHECK_THAT(missing.output, Contains("not found"));

  std::string trace = dir.write("t.csv", "layer,M,K,N\nfc,8,four,4\n");
  Outcome bad_row = run_sosasim("validate -p workload.trace=" + trace);
  CHECK(bad_row.exit_code == 2);
  CHECK_THAT(bad_row.output, Contains("t.csv:2"));
  CHECK_THAT(bad_row.output, Contains("'K'"));

  // One line, no stack trace.
  CHECK(std::count(bad_row.output.begin(), bad_row.output.end(), '\n') == 1);
}

TEST_CASE("validate checks a config and its traces without simulating", "[cli]") {
  Outcome ok = run_sosasim("validate");
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ok.output, Contains("54 layers"));
}

TEST_CASE("a small run gives the cycle count that follows from the model by hand", "[cli][e2e]") {
  TempDir dir;
  dir.write("t.csv", "layer,M,K,N\nfc,8,4,4\n");
  std::string config = dir.write("small.yaml",
                                 "pods: 1\n"
                                 "array: {rows: 4, cols: 4}\n"
                                 "tiling: {partition_size: 4}\n"
                                 "dram: {latency_cycles: 100}\n"
                                 "workload: {trace: t.csv}\n");
  Outcome run = run_sosasim("run " + config + " -o " + dir.path() + "/out -q");
  REQUIRE(run.exit_code == 0);
  nlohmann::json summary = read_json(dir.path() + "/out/summary.json");
  // Inputs (32 B) and the one weight tile (16 B) arrive at cycle ceil(48 B / 1288 B per cycle)
  // + 100 = 101. Op 0 (rows 0-3): weight load 101..105, stream 105..109, last result leaves at
  // 105 + 4 + 4 + 4 - 2 = 115. Op 1 (rows 4-7) reuses the weights: starts at 109, ends 119.
  CHECK(summary["cycles"] == 119);
  CHECK(summary["useful_macs"] == 8 * 4 * 4);
  CHECK(summary["ops"].get<double>() == Approx(2 * 8 * 4 * 4));
  CHECK(summary["peak_tops"].get<double>() == Approx(2 * 16 * 1e9 / 1e12));
  CHECK(summary["utilization"].get<double>() == Approx(128.0 / (119.0 * 16.0)));
  CHECK(summary["stats"]["weight_loads"] == 1);
  CHECK(summary["workloads"].size() == 1);
  CHECK(summary["workloads"][0]["cycles"] == 119);
  CHECK(summary["config"]["pods"] == 1);

  std::ifstream layers(dir.path() + "/out/layers.csv");
  std::string header, row;
  std::getline(layers, header);
  std::getline(layers, row);
  CHECK_THAT(header, Contains("workload,layer,M,K,N,count"));
  CHECK_THAT(header, Contains("start_cycle,end_cycle,cycles,useful_macs,utilization"));
  CHECK_THAT(row, Contains("t,fc,8,4,4,1,2,1,0,119,119,128,"));
}

TEST_CASE("the default run reports SOSA's peak figures and writes all reports", "[cli][e2e]") {
  TempDir dir;
  Outcome run = run_sosasim("run -o " + dir.path() + "/out");
  REQUIRE(run.exit_code == 0);
  CHECK_THAT(run.output, Contains("effective TOPS"));
  nlohmann::json summary = read_json(dir.path() + "/out/summary.json");
  for (const char* key : {"cycles", "useful_macs", "ops", "effective_tops", "peak_tops", "utilization", "peak_power_w",
                          "tops_per_watt", "iso_power_tops", "energy_j", "runtime_s", "config", "workloads"})
    CHECK(summary.contains(key));
  CHECK(summary["peak_tops"].get<double>() == Approx(524.3).margin(0.5));
  CHECK(summary["peak_power_w"].get<double>() == Approx(260.2).margin(0.5));
  CHECK(summary["useful_macs"] == 14423750144ull / 2);
  double utilization = summary["utilization"];
  CHECK(utilization > 0.3);
  CHECK(utilization < 1.0);
  CHECK(summary["iso_power_tops"].get<double>() ==
        Approx(summary["effective_tops"].get<double>() * 400.0 / summary["peak_power_w"].get<double>()));
  std::ifstream resolved(dir.path() + "/out/config.resolved.yaml");
  CHECK(resolved.good());
  // The resolved config runs again to the same cycle count.
  Outcome again = run_sosasim("run " + dir.path() + "/out/config.resolved.yaml -o " + dir.path() + "/again -q");
  REQUIRE(again.exit_code == 0);
  CHECK(read_json(dir.path() + "/again/summary.json")["cycles"] == summary["cycles"]);
}

TEST_CASE("the configuration changes the result", "[cli][e2e]") {
  TempDir dir;
  dir.write("t.csv", "layer,M,K,N\na,512,256,256\nb,512,256,128\n");
  std::string config = dir.write("c.yaml", "pods: 4\narray: {rows: 8, cols: 8}\nworkload: {trace: t.csv}\n");
  auto cycles_with = [&](const std::string& overrides) {
    Outcome run = run_sosasim("run " + config + " -o " + dir.path() + "/o " + overrides + " -q");
    REQUIRE(run.exit_code == 0);
    return read_json(dir.path() + "/o/summary.json")["cycles"].get<std::uint64_t>();
  };
  std::uint64_t base = cycles_with("");
  CHECK(cycles_with("-p pods=8") < base);
  CHECK(cycles_with("-p array.double_buffer_weights=false") > base);
  CHECK(cycles_with("-p dram.bandwidth_gbps=0.5") > base);
  CHECK(cycles_with("-p dram.latency_cycles=2000") > base);
  CHECK(cycles_with("-p tiling.partition_size=2") > base);
}
