// The native trace reader: layouts it accepts and every error it must name.
#include <catch2/catch.hpp>

#include "sim/kernel/errors.h"
#include "tests/test_helpers.h"
#include "workloads/csv.h"
#include "workloads/trace.h"

using namespace sosasim;
using Catch::Matchers::Contains;

namespace {

std::string trace_error(const std::string& content) {
  return test::trace_error_of(content, [](const std::string& path) { read_native_trace(path, "t"); });
}

}  // namespace

TEST_CASE("positional rows, comments, blank lines and an optional count", "[trace]") {
  test::TempDir dir;
  std::string path = dir.write("t.csv", "# a comment\n\nconv1, 100, 27, 64\nheads,10,64,10,12\n");
  Workload w = read_native_trace(path, "t");
  REQUIRE(w.layers.size() == 2);
  CHECK(w.layers[0].name == "conv1");
  CHECK(w.layers[0].M == 100);
  CHECK(w.layers[0].K == 27);
  CHECK(w.layers[0].N == 64);
  CHECK(w.layers[0].count == 1);
  CHECK(w.layers[0].line == 3);
  CHECK(w.layers[1].count == 12);
  CHECK(w.total_macs() == 100ull * 27 * 64 + 12ull * 10 * 64 * 10);
}

TEST_CASE("layer names written by the reports read back as written (one CSV implementation)", "[trace][csv]") {
  const std::vector<std::string> names = {"conv1", "block 2, conv", "say \"hi\"", "a,\"b\",c", ""};
  std::string line;
  for (const auto& name : names) line += (line.empty() ? "" : ",") + csv_field(name);
  CHECK(split_csv(line) == std::vector<std::string>(names.begin(), names.end() - 1));  // (a trailing empty field)
  CHECK(csv_field("block 2, conv") == "\"block 2, conv\"");
  CHECK(csv_field("plain") == "plain");

  test::TempDir dir;
  const std::string path = dir.write("t.csv", "layer,M,K,N\n" + csv_field("block 2, conv") + ",8,16,4\n" +
                                                  csv_field("say \"hi\"") + ",4,4,4\n");
  Workload w = read_native_trace(path, "t");
  REQUIRE(w.layers.size() == 2);
  CHECK(w.layers[0].name == "block 2, conv");
  CHECK(w.layers[0].K == 16);
  CHECK(w.layers[1].name == "say \"hi\"");
  CHECK_THAT(trace_error("layer,M,K,N\n\"open,8,16,4\n"), Contains("t.csv:2") && Contains("quoted field"));
}

TEST_CASE("a header may reorder the columns", "[trace]") {
  test::TempDir dir;
  std::string path = dir.write("t.csv", "layer,N,K,M,count\nfc,3,5,7,2\n");
  Workload w = read_native_trace(path, "t");
  CHECK(w.layers[0].M == 7);
  CHECK(w.layers[0].K == 5);
  CHECK(w.layers[0].N == 3);
  CHECK(w.layers[0].count == 2);
}

TEST_CASE("the shipped ResNet-50 trace has the SOSA artifact's 54 GEMMs", "[trace]") {
  Workload w = read_native_trace(std::string(SOSASIM_SOURCE_DIR) + "/workloads/models/resnet50_299.csv", "r");
  CHECK(w.layers.size() == 54);
  // no_ops of the artifact = 2 * sum(M K N) = 14,423,750,144.
  CHECK(2 * w.total_macs() == 14423750144ull);
}

TEST_CASE("malformed rows name the file, the line and the field", "[trace][errors]") {
  std::string message = trace_error("layer,M,K,N\nl1,10,x,3\n");
  CHECK_THAT(message, Contains("t.csv:2"));
  CHECK_THAT(message, Contains("field 'K'"));
  CHECK_THAT(message, Contains("found 'x'"));

  message = trace_error("l1,10,-4,3\n");
  CHECK_THAT(message, Contains("t.csv:1"));
  CHECK_THAT(message, Contains("positive integer"));

  message = trace_error("l1,10,0,3\n");
  CHECK_THAT(message, Contains("field 'K'"));

  message = trace_error("# header\nl1,10,4\n");
  CHECK_THAT(message, Contains("t.csv:2"));
  CHECK_THAT(message, Contains("found 3"));

  message = trace_error("l1,10,4,4,1,9\n");
  CHECK_THAT(message, Contains("found 6"));

  message = trace_error("layer,M,K,N,cuont\n");
  CHECK_THAT(message, Contains("t.csv:1"));
  CHECK_THAT(message, Contains("did you mean 'count'"));

  message = trace_error("layer,M,K\n");
  CHECK_THAT(message, Contains("no column 'n'"));

  message = trace_error(",1,2,3\n");
  CHECK_THAT(message, Contains("layer name is empty"));

  message = trace_error("# nothing\n");
  CHECK_THAT(message, Contains("no layers"));

  CHECK_THROWS_AS(read_native_trace("/nonexistent/trace.csv", "x"), ConfigError);
}
