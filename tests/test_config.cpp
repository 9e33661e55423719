// Config loading: defaults, overrides and every error path. Each error must name where (file
// and line, or the -p override), the key, what was expected and what was found.
#include <catch2/catch.hpp>

#include "sim/kernel/config.h"
#include "sim/kernel/errors.h"
#include "sim/kernel/files.h"
#include "sim/kernel/registry.h"
#include "tests/test_helpers.h"

using namespace sosasim;
using Catch::Matchers::Contains;

namespace {

// Loads `yaml` from a temporary config.yaml and returns the error message ("" if none).
std::string load_error(const std::string& yaml, const std::vector<std::string>& overrides = {}) {
  test::TempDir dir;
  std::string path = dir.write("config.yaml", yaml);
  try {
    load_config(path, overrides);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

}  // namespace

TEST_CASE("the built-in default is the SOSA design point on ResNet-50 at 299 px", "[config]") {
  SimConfig config = load_config(std::nullopt, {});
  CHECK(config.pods == 256);
  CHECK(config.array.rows == 32);
  CHECK(config.array.cols == 32);
  CHECK(config.array.double_buffer_weights);
  CHECK(config.frequency_ghz == 1.0);
  CHECK(config.format.type == "int8");
  CHECK(config.sram.bank_kib == 256);
  CHECK(config.dram.bandwidth_gibps == 1200);
  CHECK(config.interconnect.topology == "butterfly");
  CHECK(config.interconnect.params.get_int("expansion") == 2);
  CHECK(config.partition_rows() == 32);
  CHECK(config.power.budget_w == 400);
  REQUIRE(config.workloads.size() == 1);
  CHECK_THAT(config.workloads[0].trace_path, Contains("workloads/models/resnet50_299.csv"));
  CHECK(config.workloads[0].name == "resnet50_299");
}

TEST_CASE("dram.bandwidth_gbps is read as the old name of dram.bandwidth_gibps", "[config]") {
  const SimConfig renamed = load_config(std::nullopt, {"dram.bandwidth_gibps=300"});
  const SimConfig old_name = load_config(std::nullopt, {"dram.bandwidth_gbps=300"});
  CHECK(renamed.dram.bandwidth_gibps == 300);
  CHECK(old_name.dram.bandwidth_gibps == 300);
  CHECK(old_name.resolved["dram"]["bandwidth_gibps"] == 300.0);
  CHECK_FALSE(old_name.resolved["dram"].contains("bandwidth_gbps"));  // the resolved config has the new name
  CHECK_THROWS_WITH(load_config(std::nullopt, {"dram.bandwidth_gbps=300", "dram.bandwidth_gibps=300"}),
                    Contains("dram.bandwidth_gbps") && Contains("not both"));
  CHECK_THROWS_WITH(load_config(std::nullopt, {"dram.bandwidth_gbps=fast"}), Contains("dram.bandwidth_gbps"));
}

TEST_CASE("overrides change values and go through validation", "[config]") {
  SimConfig config = load_config(std::nullopt, {"pods=64", "array.rows=16", "interconnect.topology=crossbar",
                                                "tiling.partition_size=8", "format.type=bfp",
                                                "format.mantissa_bits=3"});
  CHECK(config.pods == 64);
  CHECK(config.array.rows == 16);
  CHECK(config.array.cols == 32);
  CHECK(config.interconnect.topology == "crossbar");
  CHECK(config.partition_rows() == 8);
  CHECK(config.format.type == "bfp");
  CHECK(config.format.mantissa_bits == 3);
  CHECK(config.resolved["pods"] == 64);
}

TEST_CASE("a relative trace resolves against the config folder first, then the repository", "[config]") {
  test::TempDir dir;
  dir.write("mine.csv", "layer,M,K,N\nfc,4,4,4\n");
  std::string path = dir.write("config.yaml", "workload: {trace: mine.csv}\n");
  SimConfig config = load_config(path, {});
  CHECK(config.workloads[0].trace_path == dir.path() + "/mine.csv");
  std::string repo = dir.write("repo.yaml", "workload: {trace: workloads/models/resnet50_299.csv}\n");
  CHECK_THAT(load_config(repo, {}).workloads[0].trace_path, Contains("resnet50_299.csv"));
}

TEST_CASE("a list of workloads is accepted", "[config]") {
  test::TempDir dir;
  dir.write("a.csv", "fc,4,4,4\n");
  dir.write("b.csv", "fc,8,8,8\n");
  std::string path = dir.write("config.yaml", "workload:\n  - {trace: a.csv}\n  - {trace: b.csv, name: second}\n");
  SimConfig config = load_config(path, {});
  REQUIRE(config.workloads.size() == 2);
  CHECK(config.workloads[0].name == "a");
  CHECK(config.workloads[1].name == "second");
}

TEST_CASE("an unknown key names file, line, key and the closest known key", "[config][errors]") {
  std::string message = load_error("pods: 4\narary: {rows: 8}\n");
  CHECK_THAT(message, Contains("config.yaml:2"));
  CHECK_THAT(message, Contains("'arary'"));
  CHECK_THAT(message, Contains("did you mean 'array'"));

  message = load_error("pods: 4\narray:\n  rows: 8\n  colls: 8\n");
  CHECK_THAT(message, Contains("config.yaml:4"));
  CHECK_THAT(message, Contains("array.colls"));
  CHECK_THAT(message, Contains("'cols'"));
}

TEST_CASE("wrong types and ranges name file, line, key, expectation and finding", "[config][errors]") {
  std::string message = load_error("pods: 0\n");
  CHECK_THAT(message, Contains("config.yaml:1"));
  CHECK_THAT(message, Contains("'pods'"));
  CHECK_THAT(message, Contains("expected an integer in [1,"));
  CHECK_THAT(message, Contains("found '0'"));

  message = load_error("array:\n  rows: abc\n");
  CHECK_THAT(message, Contains("config.yaml:2"));
  CHECK_THAT(message, Contains("array.rows"));
  CHECK_THAT(message, Contains("found 'abc'"));

  message = load_error("frequency_ghz: fast\n");
  CHECK_THAT(message, Contains("frequency_ghz"));
  CHECK_THAT(message, Contains("expected a number"));

  message = load_error("array: {double_buffer_weights: maybe}\n");
  CHECK_THAT(message, Contains("true or false"));

  message = load_error("array: 32\n");
  CHECK_THAT(message, Contains("'array'"));
  CHECK_THAT(message, Contains("expected a section"));

  message = load_error("array: {rows: [1, 2]}\n");
  CHECK_THAT(message, Contains("array.rows"));
  CHECK_THAT(message, Contains("found a list"));

  message = load_error("tiling: {partition_size: none}\n");
  CHECK_THAT(message, Contains("config.yaml:1"));
  CHECK_THAT(message, Contains("tiling.partition_size"));
  CHECK_THAT(message, Contains("expected auto or an integer"));
}

TEST_CASE("component selectors are checked against the registry", "[config][errors]") {
  std::string message = load_error("interconnect:\n  topology: butterfy\n");
  CHECK_THAT(message, Contains("config.yaml:2"));
  CHECK_THAT(message, Contains("interconnect.topology"));
  CHECK_THAT(message, Contains("did you mean 'butterfly'"));

  message = load_error("interconnect: {topology: butterfly, expansion: 3}\n");
  CHECK_THAT(message, Contains("interconnect.expansion"));
  CHECK_THAT(message, Contains("one of 1 2 4 8"));

  // A parameter of another component is an unknown key here.
  message = load_error("interconnect:\n  topology: crossbar\n  expansion: 2\n");
  CHECK_THAT(message, Contains("config.yaml:3"));
  CHECK_THAT(message, Contains("interconnect.expansion"));

  message = load_error("format: {type: int4}\n");
  CHECK_THAT(message, Contains("format.type"));
  CHECK_THAT(message, Contains("registered:"));

  message = load_error("format: {type: bfp, exponent_rule: round}\n");
  CHECK_THAT(message, Contains("format.exponent_rule"));
  CHECK_THAT(message, Contains("one of ceil floor_plus_one"));

  message = load_error("tiling: {scheduler: fancy}\n");
  CHECK_THAT(message, Contains("tiling.scheduler"));
}

TEST_CASE("override errors name the override", "[config][errors]") {
  std::string message = load_error("pods: 4\n", {"pods=0"});
  CHECK_THAT(message, Contains("-p pods=0"));
  CHECK_THAT(message, Contains("found '0'"));

  message = load_error("pods: 4\n", {"array.rows=abc"});
  CHECK_THAT(message, Contains("-p array.rows=abc"));
  CHECK_THAT(message, Contains("array.rows"));

  message = load_error("pods: 4\n", {"arary.rows=8"});
  CHECK_THAT(message, Contains("-p arary.rows=8"));
  CHECK_THAT(message, Contains("did you mean 'array'"));

  message = load_error("pods: 4\n", {"pods"});
  CHECK_THAT(message, Contains("key.path=value"));

  message = load_error("pods: 4\n", {"pods.x=1"});
  CHECK_THAT(message, Contains("'pods'"));
}

TEST_CASE("missing files and malformed YAML are reported with their location", "[config][errors]") {
  std::string message = load_error("workload: {trace: does_not_exist.csv}\n");
  CHECK_THAT(message, Contains("config.yaml:1"));
  CHECK_THAT(message, Contains("workload.trace"));
  CHECK_THAT(message, Contains("does_not_exist.csv"));
  CHECK_THAT(message, Contains("not found"));

  message = load_error("pods: [4\n");
  CHECK_THAT(message, Contains("config.yaml"));
  CHECK_THAT(message, Contains("malformed YAML"));

  message = load_error("- 1\n- 2\n");
  CHECK_THAT(message, Contains("map of sections"));

  CHECK_THROWS_AS(load_config(std::string("/nonexistent/sosasim.yaml"), {}), ConfigError);
}

TEST_CASE("the resolved config reloads to the same config", "[config]") {
  test::TempDir dir;
  SimConfig first = load_config(std::nullopt, {"pods=8", "format.type=bfp", "format.mantissa_bits=5"});
  std::string path = dir.write("resolved.yaml", resolved_yaml(first));
  SimConfig second = load_config(path, {});
  CHECK(second.resolved == first.resolved);
}

TEST_CASE("every config section and component is registered with described parameters", "[config][registry]") {
  const auto& registry = ComponentRegistry::instance();
  for (const char* section : {"machine", "array", "format", "sram", "dram", "interconnect", "tiling", "power", "workload"})
    CHECK(registry.find("section", section) != nullptr);
  for (const char* topology : {"butterfly", "benes", "crossbar", "mesh", "bus"})
    CHECK(registry.find("topology", topology) != nullptr);
  for (const char* format : {"int8", "bf16", "fp32", "bfp"}) CHECK(registry.find("format", format) != nullptr);
  for (const auto& kind : registry.kinds())
    for (const auto& [name, info] : registry.of_kind(kind)) {
      CHECK_FALSE(info.description.empty());
      for (const auto& param : info.params) CHECK_FALSE(param.description.empty());
    }
}

TEST_CASE("did-you-mean suggests only close names", "[config]") {
  CHECK(did_you_mean("arary", {"array", "pods", "sram"}) == "array");
  CHECK(did_you_mean("colls", {"rows", "cols"}) == "cols");
  CHECK(did_you_mean("zzzzzz", {"array", "pods"}).empty());
  CHECK(edit_distance("kitten", "sitting") == 3);
}

TEST_CASE("sparsity patterns are validated", "[config][errors]") {
  SimConfig config = load_config(std::nullopt, {"sparsity.pattern=2:4"});
  CHECK(config.sparsity.keep == 2);
  CHECK(config.sparsity.group == 4);
  CHECK(config.sparsity.index_bits() == 2);
  CHECK(config.sparsity.compressed(10) == 2 + 2 + 2);  // two full groups and a partial one of 2
  CHECK(load_config(std::nullopt, {}).sparsity.dense());
  std::string message = load_error("sparsity:\n  pattern: 4:2\n");
  CHECK_THAT(message, Contains("config.yaml:2"));
  CHECK_THAT(message, Contains("sparsity.pattern"));
  CHECK_THAT(load_error("sparsity: {pattern: half}\n"), Contains("N:M"));
}

TEST_CASE("result files: a failed write leaves the old file whole, appends stay whole lines", "[config][files]") {
  test::TempDir dir;
  const std::string path = dir.path() + "/results.csv";
  write_file_atomically(path, "a,b\n1,2\n");
  // /dev/full answers writes with ENOSPC: the error names the file and the reason, the old copy stays.
  std::filesystem::create_symlink("/dev/full", path + ".tmp");
  try {
    write_file_atomically(path, "a,b\n3,4\n");
    FAIL("no error");
  } catch (const ConfigError& error) {
    CHECK_THAT(error.what(), Catch::Contains("results.csv: cannot write: No space left on device"));
  }
  CHECK(test::read_file(path) == "a,b\n1,2\n");
  try {
    append_whole("/dev/full", "{}\n");
    FAIL("no error");
  } catch (const ConfigError& error) {
    CHECK_THAT(error.what(), Catch::Contains("/dev/full: cannot append to: No space left on device"));
  }
  // A last line cut short (a kill mid-write) is ended before the next lines, so both stay readable.
  const std::string rows = dir.path() + "/rows.jsonl";
  append_whole(rows, "{\"a\": 1}\n");
  { std::ofstream(rows, std::ios::app) << "{\"a\": "; }
  append_whole(rows, "{\"a\": 2}\n{\"a\": 3}\n");
  CHECK(test::read_file(rows) == "{\"a\": 1}\n{\"a\": \n{\"a\": 2}\n{\"a\": 3}\n");
}
