// End-to-end tests through the sosasim binary, each run in its own process: exit codes, error
// messages, the reports a run writes, and a small run whose cycle count follows by hand from
// the model (DRAM latency, weight load, fill and drain).
#include <catch2/catch.hpp>

#include <array>
#include <cstdio>
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>
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

// `environment`: variable assignments put before the command ("NAME=value ").
Outcome run_sosasim(const std::string& arguments, const std::string& environment = "") {
  std::string command = environment + std::string(SOSASIM_BINARY) + " " + arguments + " 2>&1";
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

TEST_CASE("verbose runs (-v) log what a user debugging a run wants; quiet ones (-q) only errors", "[cli]") {
  TempDir dir;
  const std::string args = "run -o " + dir.path() + " -p workload.trace=workloads/models/bert_tiny_s10.csv -p pods=4 "
                           "-p tiling.scheduler=layer_static";
  Outcome verbose = run_sosasim("-v " + args);
  REQUIRE(verbose.exit_code == 0);
  CHECK_THAT(verbose.output, Contains("[debug] -p pods=4") || Contains("[debug]   -p pods=4"));
  CHECK_THAT(verbose.output, Contains("workload bert_tiny_s10: 35 layers"));
  CHECK_THAT(verbose.output, Contains("scheduler layer_static (dispatch policy layer_barrier)"));
  CHECK_THAT(verbose.output, Contains("layer 'Encoder-1-FeedForward1' done"));
  CHECK_THAT(verbose.output, Contains("35 of 35 layers"));
  Outcome quiet = run_sosasim("-q " + args);
  REQUIRE(quiet.exit_code == 0);
  CHECK_THAT(quiet.output, !Contains("[debug]") && !Contains("[info]"));
}

TEST_CASE("a long run reports its progress on stderr, a quiet one does not", "[cli][watchdog]") {
  TempDir dir;
  // Slow DRAM makes the run span many 100 k-cycle slices; interval 0: a line after every slice.
  const std::string args = "run -o " + dir.path() + " -p workload.trace=workloads/models/bert_tiny_s10.csv -p pods=4 "
                           "-p dram.bandwidth_gibps=0.05";
  Outcome shown = run_sosasim(args, "SOSASIM_PROGRESS_SECONDS=0 ");
  REQUIRE(shown.exit_code == 0);
  CHECK_THAT(shown.output, Contains("progress: cycle ") && Contains(" tile ops (") && Contains(" of 35 layers"));
  CHECK_THAT(shown.output, Contains("35 of 35 layers") && Contains("s left"));
  Outcome quiet = run_sosasim("-q " + args, "SOSASIM_PROGRESS_SECONDS=0 ");
  REQUIRE(quiet.exit_code == 0);
  CHECK_THAT(quiet.output, !Contains("progress:"));
}

TEST_CASE("a stuck component stops the run with the watchdog's message instead of hanging", "[cli][watchdog]") {
  TempDir dir;
  const std::string args = "run -o " + dir.path() + " -p workload.trace=workloads/models/bert_tiny_s10.csv -p pods=4";
  // Pod 0 wakes itself within the cycle forever: a livelock in delta cycles.
  Outcome delta = run_sosasim(args, "SOSASIM_TEST_STUCK_POD=delta ");
  CHECK(delta.exit_code == 3);
  CHECK_THAT(delta.output, Contains("watchdog") && Contains("without the cycle advancing") && Contains("pod 0"));
  // Pod 0 wakes every cycle and never takes an op: time goes on, nothing moves.
  Outcome time = run_sosasim(args, "SOSASIM_TEST_STUCK_POD=time ");
  CHECK(time.exit_code == 3);
  CHECK_THAT(time.output, Contains("watchdog: nothing moved from cycle") && Contains("stalled with"));
  // Slow DRAM is waiting, not stuck: no op for millions of cycles while a tile is on its way.
  Outcome slow = run_sosasim("run -o " + dir.path() +
                             " -p workload.trace=workloads/models/bert_tiny_s10.csv -p pods=4 -p dram.bandwidth_gibps=0.001");
  CHECK(slow.exit_code == 0);
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
  // + 100 = 101. The one-port network is a 1x1 router: a tile's head reaches the pod 2 hops
  // after its request, and requests are booked 2 cycles after they are made. Op 0 (rows 0-3):
  // requested at 101, booked at 103, weights arrive from 103: load 103..107, stream 107..111,
  // last result leaves at 107 + 4 + 4 + 4 - 2 = 117. Op 1 (rows 4-7) reuses the weights; its
  // input tile, requested when op 0 starts (107), arrives at 109: it starts when the X port
  // frees at 111 and ends at 121.
  CHECK(summary["cycles"] == 121);
  CHECK(summary["useful_macs"] == 8 * 4 * 4);
  CHECK(summary["ops"].get<double>() == Approx(2 * 8 * 4 * 4));
  CHECK(summary["peak_tops"].get<double>() == Approx(2 * 16 * 1e9 / 1e12));
  CHECK(summary["utilization"].get<double>() == Approx(128.0 / (121.0 * 16.0)));
  CHECK(summary["stats"]["weight_loads"] == 1);
  CHECK(summary["workloads"].size() == 1);
  CHECK(summary["workloads"][0]["cycles"] == 121);
  CHECK(summary["config"]["pods"] == 1);

  std::ifstream layers(dir.path() + "/out/layers.csv");
  std::string header, row;
  std::getline(layers, header);
  std::getline(layers, row);
  CHECK_THAT(header, Contains("workload,layer,M,K,N,count"));
  CHECK_THAT(header, Contains("start_cycle,end_cycle,cycles,useful_macs,utilization"));
  CHECK_THAT(row, Contains("t,fc,8,4,4,1,2,1,0,121,121,128,"));
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

TEST_CASE("quantize reproduces the BFP sanity vectors through the command line", "[cli][numerics]") {
  Outcome m7 = run_sosasim("quantize --format bfp --mantissa-bits 7 --block-size 64 --json -- 0.3 -1.7 0.05 1.0 -1e-4");
  REQUIRE(m7.exit_code == 0);
  nlohmann::json blocks = nlohmann::json::parse(m7.output)["blocks"];
  CHECK(blocks[0]["exponent"] == 1);
  CHECK(blocks[0]["mantissas"] == nlohmann::json::parse("[19, -109, 3, 64, 0]"));
  Outcome m3 = run_sosasim("quantize --mantissa-bits 3 --exponent-rule floor_plus_one --json -- 0.3 -1.7 0.05 1.0 -1e-4");
  REQUIRE(m3.exit_code == 0);
  CHECK(nlohmann::json::parse(m3.output)["blocks"][0]["mantissas"] == nlohmann::json::parse("[1, -7, 0, 4, 0]"));
  CHECK(run_sosasim("quantize --mantissa-bits 3 -- 0.3 abc").exit_code == 2);
  CHECK(run_sosasim("quantize --format int8 -- 1").exit_code == 2);
  // MX and NVFP4 (the vectors of tests/test_numerics.cpp, worked by hand from the specifications).
  Outcome e4m3 = run_sosasim("quantize --format mxfp8_e4m3 --json -- 1.0 -3.5 0.001 500 0");
  REQUIRE(e4m3.exit_code == 0);
  nlohmann::json block = nlohmann::json::parse(e4m3.output)["blocks"][0];
  CHECK(block["exponent"] == 0);
  CHECK(block["scale_e8m0"] == 127);
  CHECK(block["elements"] == nlohmann::json::parse("[1.0, -3.5, 0.001953125, 448.0, 0.0]"));
  CHECK(block["values"] == block["elements"]);
  CHECK(block["element_codes"] == nlohmann::json::parse("[56, 198, 1, 126, 0]"));
  Outcome fp4 = run_sosasim("quantize --format mxfp4_e2m1 --json -- 0.5 0.125");
  REQUIRE(fp4.exit_code == 0);
  block = nlohmann::json::parse(fp4.output)["blocks"][0];
  CHECK(block["exponent"] == -3);
  CHECK(block["scale_e8m0"] == 124);
  CHECK(block["elements"] == nlohmann::json::parse("[4.0, 1.0]"));
  Outcome nv = run_sosasim("quantize --format nvfp4 --json -- 6 -3 1 0.25");
  REQUIRE(nv.exit_code == 0);
  nlohmann::json nvfp4 = nlohmann::json::parse(nv.output);
  CHECK(nvfp4["blocks"][0]["scale_e4m3"] == 126);
  CHECK(nvfp4["blocks"][0]["exponent"].is_null());
  CHECK(nvfp4["blocks"][0]["elements"] == nlohmann::json::parse("[6.0, -3.0, 1.0, 0.0]"));
  CHECK(run_sosasim("quantize --format mxfp8_e4m3 -- 1e300").exit_code == 2);
  CHECK(run_sosasim("quantize --format mxfp9 -- 1").exit_code == 2);
}

TEST_CASE("gemm reports cycles, SCALE-Sim cycles and functional errors", "[cli][pod]") {
  Outcome scalesim = run_sosasim("gemm --M 256 --N 128 --K 256 --scalesim --dataflow is --json");
  REQUIRE(scalesim.exit_code == 0);
  nlohmann::json result = nlohmann::json::parse(scalesim.output);
  CHECK(result["scalesim_cycles"] == 14207);
  CHECK(result["useful_macs"] == 256 * 128 * 256);

  Outcome functional = run_sosasim("gemm --M 40 --K 100 --N 30 --rows 8 --cols 8 --format bfp --mantissa-bits 5 "
                                   "--functional --fidelity reference --json");
  REQUIRE(functional.exit_code == 0);
  result = nlohmann::json::parse(functional.output);
  for (const char* key : {"cycles", "useful_macs", "utilization", "max_abs_error", "rel_fro_error", "sqnr_db"})
    CHECK(result.contains(key));
  CHECK(result["rel_fro_error"].get<double>() > 0.0);
  CHECK(result["rel_fro_error"].get<double>() < 0.1);
  CHECK(result["pe_cycles"].get<std::uint64_t>() > 0);

  Outcome bad = run_sosasim("gemm --M 4 --K 4 --N 4 --format bfp --mantissa-bits 40");
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.output, Contains("mantissa"));
  CHECK(run_sosasim("gemm --M 4 --K 4 --N 4 --dataflow xs").exit_code == 2);
  CHECK(run_sosasim("gemm --M 4 --K 4 --N 4 --sparsity 4:2").exit_code == 2);
  CHECK(run_sosasim("gemm --M 0 --K 4 --N 4").exit_code == 2);
}

TEST_CASE("pod statistics are reported with their units", "[cli][pod]") {
  TempDir dir;
  dir.write("t.csv", "layer,M,K,N\nfc,64,64,64\n");
  std::string config = dir.write("c.yaml", "pods: 2\narray: {rows: 8, cols: 8}\nworkload: {trace: t.csv}\n");
  REQUIRE(run_sosasim("run " + config + " -o " + dir.path() + "/o -q").exit_code == 0);
  nlohmann::json summary = read_json(dir.path() + "/o/summary.json");
  nlohmann::json stats = summary["pod_stats"];
  CHECK(stats["useful_macs"]["value"] == 64 * 64 * 64);
  CHECK(stats["useful_macs"]["unit"] == "MACs");
  CHECK(stats["tile_ops"]["value"] == 8 * 8 * 8);
  CHECK(stats["stream_cycles"]["value"] == 8 * 8 * 64);  // every op streams 8 rows
  CHECK(stats["array_busy_cycles"]["value"].get<std::uint64_t>() ==
        stats["stream_cycles"]["value"].get<std::uint64_t>() + stats["fill_drain_cycles"]["value"].get<std::uint64_t>());
}

TEST_CASE("the Accuracy Boosters rule changes the first and last layers' energy only", "[cli][numerics]") {
  TempDir dir;
  dir.write("t.csv", "layer,M,K,N\na,64,64,64\nb,64,64,64\nc,64,64,64\n");
  std::string config = dir.write("c.yaml", "pods: 2\narray: {rows: 8, cols: 8}\nformat: {type: bfp, mantissa_bits: 3}\n"
                                           "workload: {trace: t.csv}\n");
  REQUIRE(run_sosasim("run " + config + " -o " + dir.path() + "/plain -q").exit_code == 0);
  REQUIRE(run_sosasim("run " + config + " -o " + dir.path() + "/boost -q -p format.first_last_mantissa_bits=5").exit_code == 0);
  double plain = read_json(dir.path() + "/plain/summary.json")["energy_breakdown_j"]["mac"];
  double boosted = read_json(dir.path() + "/boost/summary.json")["energy_breakdown_j"]["mac"];
  // Two of three layers at m = 5 instead of m = 3 (block 64), composed from arch/tech_28nm.yaml's
  // units: m x m partial-product bits, the sign and a (2m + 7)-bit in-block adder, and per block
  // a 10-bit exponent add, the sum's conversion and an FP32 addition.
  // Each 64 x 64 x 64 layer also converts its 4,096 outputs (one per 64 MACs) at the column
  // edges: an 8-bit exponent compare, a (m + 1)-bit round and a five-stage shift.
  auto pj = [](double m) {
    const double adder = 2 * m + 7;
    const double converter = (8 + m + 1) * 0.0056952 + 5 * (m + 1) * 0.0019016;
    return m * m * 0.0043812 + (1 + adder + (10 + adder) / 64) * 0.0056952 + 0.27155 / 64 + converter / 64;
  };
  CHECK(boosted / plain == Approx((pj(3) + 2 * pj(5)) / (3 * pj(3))));
}

TEST_CASE("2:4 sparsity shortens a run and occupies fewer PE-cycles", "[cli][pod]") {
  TempDir dir;
  dir.write("t.csv", "layer,M,K,N\nfc,64,256,64\n");
  std::string config = dir.write("c.yaml", "pods: 2\narray: {rows: 8, cols: 8}\nworkload: {trace: t.csv}\n");
  REQUIRE(run_sosasim("run " + config + " -o " + dir.path() + "/dense -q").exit_code == 0);
  REQUIRE(run_sosasim("run " + config + " -o " + dir.path() + "/sparse -q -p sparsity.pattern=2:4").exit_code == 0);
  nlohmann::json dense = read_json(dir.path() + "/dense/summary.json");
  nlohmann::json sparse = read_json(dir.path() + "/sparse/summary.json");
  CHECK(sparse["cycles"].get<std::uint64_t>() < dense["cycles"].get<std::uint64_t>());
  CHECK(sparse["pod_stats"]["occupied_pe_cycles"]["value"].get<std::uint64_t>() * 2 ==
        dense["pod_stats"]["occupied_pe_cycles"]["value"].get<std::uint64_t>());
  CHECK(sparse["useful_macs"].get<std::uint64_t>() * 2 == dense["useful_macs"].get<std::uint64_t>());
}

TEST_CASE("workload info reports MACs and the critical path", "[cli][workloads]") {
  TempDir dir;
  std::string trace = dir.write("t.csv", "layer,M,K,N,count,depends_on\na,2,3,4,1,none\nb,1,1,1,1,none\nc,1,2,3,2,a;b\n");
  Outcome info = run_sosasim("workload info " + trace + " --json");
  REQUIRE(info.exit_code == 0);
  nlohmann::json result = nlohmann::json::parse(info.output);
  CHECK(result["total_macs"] == 24 + 1 + 12);
  CHECK(result["gemm_calls"] == 4);
  CHECK(result["critical_path_macs"] == 24 + 12);
  CHECK(result["critical_path_layers"] == 2);
  CHECK(result["weight_elements"] == 12 + 1 + 12);
  std::string bad = dir.write("bad.csv", "layer,M,K,N,depends_on\na,1,1,1,b\nb,1,1,1,a\n");
  Outcome cycle = run_sosasim("workload info " + bad);
  CHECK(cycle.exit_code == 2);
  CHECK_THAT(cycle.output, Contains("bad.csv:"));
  CHECK_THAT(cycle.output, Contains("cycle"));
}

TEST_CASE("attention scores read W from chip: no DRAM traffic for it", "[cli][workloads]") {
  TempDir dir;
  std::string weights = dir.write("w.csv", "layer,M,K,N,w_operand\nproj,64,64,64,weight\nscores,64,64,64,weight\n");
  std::string on_chip = dir.write("a.csv", "layer,M,K,N,w_operand\nproj,64,64,64,weight\nscores,64,64,64,activation\n");
  auto dram_bytes = [&](const std::string& trace, const std::string& out) {
    REQUIRE(run_sosasim("run -p pods=4 -p array.rows=8 -p array.cols=8 -p workload.trace=" + trace + " -o " + out + " -q")
                .exit_code == 0);
    return read_json(out + "/summary.json")["activity"]["dram_bytes"].get<double>();
  };
  double all_weights = dram_bytes(weights, dir.path() + "/w");
  double with_activation = dram_bytes(on_chip, dir.path() + "/a");
  CHECK(all_weights - with_activation == Approx(64 * 64));
}

TEST_CASE("a per-layer format in the trace overrides the config", "[cli][workloads]") {
  TempDir dir;
  std::string plain = dir.write("p.csv", "layer,M,K,N\na,64,64,64\n");
  std::string bfp = dir.write("b.csv", "layer,M,K,N,format\na,64,64,64,bfp:3\n");
  auto mac_energy = [&](const std::string& trace, const std::string& out) {
    REQUIRE(run_sosasim("run -p pods=4 -p array.rows=8 -p array.cols=8 -p workload.trace=" + trace + " -o " + out + " -q")
                .exit_code == 0);
    return read_json(out + "/summary.json")["energy_breakdown_j"]["mac"].get<double>();
  };
  // HBFP4 at block 64 composed from arch/tech_28nm.yaml's units: 3 x 3 partial-product bits, a
  // sign and a 13-bit in-block adder, and per block of 64 a 10-bit exponent add, the 13-bit
  // sum's conversion and an FP32 addition; int8 is SOSA's 0.4 pJ.
  // The layer's 4,096 outputs (one per 64 MACs) are converted at the column edges.
  const double converter_pj = (8 + 4) * 0.0056952 + 5 * 4 * 0.0019016;
  const double bfp4_pj = 9 * 0.0043812 + (1 + 13 + 23.0 / 64) * 0.0056952 + 0.27155 / 64 + converter_pj / 64;
  CHECK(mac_energy(bfp, dir.path() + "/b") / mac_energy(plain, dir.path() + "/p") == Approx(bfp4_pj / 0.4));
}

TEST_CASE("operand bytes include the block scales of BFP, MX and NVFP4", "[cli][workloads][formats]") {
  // One 64 x 64 x 64 layer reads X and W (4,096 elements each) from DRAM. Per element: MXFP8 8
  // bits plus an 8-bit E8M0 scale per 32; NVFP4 4 bits plus an 8-bit E4M3 scale per 16; HBFP8 at
  // block 16 8 bits plus a 10-bit exponent per 16; int8 8 bits.
  TempDir dir;
  auto dram = [&](const std::string& format) {
    std::string trace = dir.write(format.substr(0, 5) + ".csv", "layer,M,K,N,format\na,64,64,64," + format + "\n");
    std::string out = dir.path() + "/" + format.substr(0, 5);
    REQUIRE(run_sosasim("run -p pods=4 -p array.rows=8 -p array.cols=8 -p workload.trace=" + trace + " -o " + out + " -q")
                .exit_code == 0);
    auto bytes = read_json(out + "/summary.json")["bytes_by_operand"];
    CHECK(bytes["dram_x_read"].get<double>() == bytes["dram_w_read"].get<double>());
    return bytes["dram_w_read"].get<double>();
  };
  CHECK(dram("int8") == 4096);
  CHECK(dram("mxfp8_e4m3") == 4096 * (8 + 8.0 / 32) / 8);
  CHECK(dram("nvfp4") == 4096 * (4 + 8.0 / 16) / 8);
  CHECK(dram("bfp:7:16") == 4096 * (8 + 10.0 / 16) / 8);
}

TEST_CASE("noc describes a network and runs synthetic traffic", "[cli][interconnect]") {
  Outcome describe = run_sosasim("noc --topology butterfly --expansion 1 --ports 64 --describe --json");
  REQUIRE(describe.exit_code == 0);
  nlohmann::json d = nlohmann::json::parse(describe.output);
  CHECK(d["switches"] == 32 * 6);
  CHECK(d["stages"] == 6);
  for (const char* key : {"links", "diameter_hops", "bisection_links"}) CHECK(d.contains(key));
  Outcome mesh = run_sosasim("noc --topology mesh --ports 64 --describe --json");
  CHECK(nlohmann::json::parse(mesh.output)["diameter_hops"] == 14);

  for (const char* fidelity : {"fast", "reference"}) {
    Outcome run = run_sosasim(std::string("noc --topology crossbar --ports 16 --traffic bit_reverse --injection-rate 0.5 "
                                          "--cycles 400 --json --fidelity ") + fidelity);
    REQUIRE(run.exit_code == 0);
    nlohmann::json r = nlohmann::json::parse(run.output);
    for (const char* key : {"offered", "accepted", "avg_latency_cycles", "p99_latency_cycles"}) CHECK(r.contains(key));
    CHECK(r["accepted"].get<double>() == Approx(r["offered"].get<double>()).margin(0.05));
  }
  CHECK(run_sosasim("noc --topology butterfy --ports 8").exit_code == 2);
  CHECK(run_sosasim("noc --topology benes --expansion 2 --ports 8").exit_code == 2);
  CHECK(run_sosasim("noc --topology mesh --ports 12 --traffic bit_reverse").exit_code == 2);
  CHECK(run_sosasim("noc --topology crossbar --ports 8 --packet-flits 8 --buffer-flits 4").exit_code == 2);
  CHECK(run_sosasim("noc --topology crossbar --ports 8 --injection-rate 1.5").exit_code == 2);
}

TEST_CASE("noc --rates gives the latency-throughput curve, each rate as its own run would", "[cli][interconnect]") {
  TempDir dir;
  const std::string common = "noc --topology butterfly --expansion 1 --ports 16 --cycles 3000 ";
  Outcome curve = run_sosasim(common + "--rates 0.1:0.9:0.4 --json -o " + dir.path() + "/c");
  REQUIRE(curve.exit_code == 0);
  const std::string json_text = curve.output.substr(0, curve.output.find("  curve in"));
  nlohmann::json points = nlohmann::json::parse(json_text);
  REQUIRE(points.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) {
    const std::string rate = i == 0 ? "0.1" : i == 1 ? "0.5" : "0.9";
    Outcome one = run_sosasim(common + "--json --injection-rate " + rate);
    REQUIRE(one.exit_code == 0);
    nlohmann::json alone = nlohmann::json::parse(one.output);
    CHECK(points[i]["injection_rate"].get<double>() == Approx(std::stod(rate)));
    CHECK(points[i]["accepted"] == alone["accepted"]);
    CHECK(points[i]["avg_latency_cycles"] == alone["avg_latency_cycles"]);
    CHECK(points[i]["p99_latency_cycles"] == alone["p99_latency_cycles"]);
  }
  // A butterfly without expansion does not take 0.9 flits per port per cycle of uniform traffic.
  CHECK_FALSE(points[0]["saturated"].get<bool>());
  CHECK(points[2]["saturated"].get<bool>());
  CHECK(points[2]["accepted"].get<double>() < 0.9 * points[2]["offered"].get<double>());
  const std::string table = sosasim::test::read_file(dir.path() + "/c/noc_curve.csv");
  CHECK(std::count(table.begin(), table.end(), '\n') == 4);
  CHECK(table.rfind("topology,traffic,ports,injection_rate,offered,accepted,", 0) == 0);
}

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::size_t count_lines(const std::string& text) { return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n')); }

}  // namespace

TEST_CASE("a sweep runs every point, resumes after an interruption, and shards merge to the same table", "[cli][sweep]") {
  TempDir dir;
  dir.write("a.csv", "layer,M,K,N\nx,64,64,64\n");
  dir.write("b.csv", "layer,M,K,N\ny,32,128,32\nz,32,32,32\n");
  std::string sweep = dir.write("s.yaml",
                                "set: {pods: 4}\n"
                                "grid:\n"
                                "  array.rows: [8, 16]\n"
                                "  array.cols: [8, 16]\n"
                                "workloads: [a.csv, b.csv]\n");
  Outcome full = run_sosasim("sweep " + sweep + " -j 2 -q -o " + dir.path() + "/full");
  REQUIRE(full.exit_code == 0);
  std::string table = read_text(dir.path() + "/full/results.csv");
  CHECK(count_lines(table) == 1 + 4 * 2);  // header, 4 points x 2 workloads
  CHECK_THAT(table, Contains("array.rows,array.cols"));
  CHECK(table.find("failed") == std::string::npos);

  // Interrupted after one point, then resumed: every row exactly once, the same table.
  Outcome first = run_sosasim("sweep " + sweep + " -j 2 -q --max-points 1 -o " + dir.path() + "/resumed");
  REQUIRE(first.exit_code == 0);
  CHECK(count_lines(read_text(dir.path() + "/resumed/results.csv")) == 2);
  CHECK_THAT(first.output, Contains("--resume"));
  CHECK(run_sosasim("sweep " + sweep + " -q -o " + dir.path() + "/resumed").exit_code == 2);  // refuses to mix
  REQUIRE(run_sosasim("sweep " + sweep + " -j 2 -q --resume -o " + dir.path() + "/resumed").exit_code == 0);
  CHECK(read_text(dir.path() + "/resumed/results.csv") == table);
  CHECK(count_lines(read_text(dir.path() + "/resumed/results.jsonl")) == 8);

  // Two shards merged give the unsharded table.
  REQUIRE(run_sosasim("sweep " + sweep + " -q --shard 1/2 -o " + dir.path() + "/s1").exit_code == 0);
  REQUIRE(run_sosasim("sweep " + sweep + " -q --shard 2/2 -o " + dir.path() + "/s2").exit_code == 0);
  CHECK(count_lines(read_text(dir.path() + "/s1/results.csv")) == 1 + 4);
  REQUIRE(run_sosasim("merge -o " + dir.path() + "/merged " + dir.path() + "/s1 " + dir.path() + "/s2").exit_code == 0);
  CHECK(read_text(dir.path() + "/merged/results.csv") == table);
  CHECK(run_sosasim("sweep " + sweep + " --shard 3/2").exit_code == 2);
}

TEST_CASE("a bad sweep file fails before any point runs, naming the file and line", "[cli][sweep][errors]") {
  TempDir dir;
  std::string typo = dir.write("typo.yaml", "set: {pods: 4}\ngrd:\n  array.rows: [8]\n");
  Outcome unknown = run_sosasim("sweep " + typo + " -o " + dir.path() + "/out");
  CHECK(unknown.exit_code == 2);
  CHECK_THAT(unknown.output, Contains("typo.yaml:2"));
  CHECK_THAT(unknown.output, Contains("did you mean 'grid'"));
  std::string value = dir.write("value.yaml", "grid:\n  array.rows: [8, abc]\n");
  Outcome bad_value = run_sosasim("sweep " + value + " -o " + dir.path() + "/out");
  CHECK(bad_value.exit_code == 2);
  CHECK_THAT(bad_value.output, Contains("value.yaml:2"));
  CHECK_THAT(bad_value.output, Contains("abc"));
  std::string key = dir.write("key.yaml", "grid:\n  arary.rows: [8]\n");
  CHECK_THAT(run_sosasim("sweep " + key + " -o " + dir.path() + "/out").output, Contains("key.yaml:2"));
  std::string zip = dir.write("zip.yaml", "zip:\n  pods: [1, 2]\n  array.rows: [8]\n");
  CHECK_THAT(run_sosasim("sweep " + zip + " -o " + dir.path() + "/out").output, Contains("same length"));
  // An axis in both grid and zip, and a value twice on one axis (one point_id, one folder).
  std::string both = dir.write("both.yaml", "grid:\n  pods: [4, 8]\nzip:\n  pods: [16, 32]\n");
  Outcome twice_axis = run_sosasim("sweep " + both + " -o " + dir.path() + "/out");
  CHECK(twice_axis.exit_code == 2);
  CHECK_THAT(twice_axis.output, Contains("both.yaml:4") && Contains("zip.pods") && Contains("grid axis too"));
  std::string repeated = dir.write("repeated.yaml", "grid:\n  pods: [4, 8, 4]\n");
  Outcome twice_value = run_sosasim("sweep " + repeated + " -o " + dir.path() + "/out");
  CHECK(twice_value.exit_code == 2);
  CHECK_THAT(twice_value.output, Contains("repeated.yaml:2") && Contains("listed twice"));
  std::string tuples = dir.write("tuples.yaml", "zip:\n  pods: [4, 8, 4]\n  array.rows: [8, 8, 8]\n");
  Outcome twice_tuple = run_sosasim("sweep " + tuples + " -o " + dir.path() + "/out");
  CHECK(twice_tuple.exit_code == 2);
  CHECK_THAT(twice_tuple.output, Contains("positions 1 and 3"));
  // A zip may repeat one axis's value where another's differs (configs/sweeps/routing.yaml does).
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/out"));
}

TEST_CASE("a full disk or a foreign results file is a clear error, and nothing finished is replaced by less",
          "[cli][sweep][errors]") {
  TempDir dir;
  dir.write("a.csv", "layer,M,K,N\nx,64,64,64\n");
  std::string sweep = dir.write("s.yaml", "set: {pods: 4}\ngrid:\n  array.rows: [8, 16]\nworkloads: [a.csv]\n");
  // /dev/full answers every write with ENOSPC: a run whose summary cannot be written says so, and
  // the summary of the run before stays whole.
  const std::string out = dir.path() + "/run";
  REQUIRE(run_sosasim("run -q -p pods=4 -p workload.trace=" + dir.path() + "/a.csv -o " + out).exit_code == 0);
  const std::string before = read_text(out + "/summary.json");
  std::filesystem::create_symlink("/dev/full", out + "/summary.json.tmp");
  Outcome full_disk = run_sosasim("run -q -p pods=8 -p workload.trace=" + dir.path() + "/a.csv -o " + out);
  CHECK(full_disk.exit_code == 2);
  CHECK_THAT(full_disk.output, Contains("summary.json: cannot write: No space left on device"));
  CHECK(read_text(out + "/summary.json") == before);
  // A sweep whose manifest cannot be written stops before any point runs (appends: the unit
  // test of sim/kernel/files.h); a results.jsonl that is not a file is refused, not read.
  std::filesystem::create_directories(dir.path() + "/sw");
  std::filesystem::create_symlink("/dev/full", dir.path() + "/sw/sweep.json.tmp");
  Outcome no_manifest = run_sosasim("sweep " + sweep + " -j 1 -q -o " + dir.path() + "/sw");
  CHECK(no_manifest.exit_code == 2);
  CHECK_THAT(no_manifest.output, Contains("sweep.json: cannot write: No space left on device"));
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/sw/results.jsonl"));
  std::filesystem::create_directories(dir.path() + "/dev");
  std::filesystem::create_symlink("/dev/full", dir.path() + "/dev/results.jsonl");
  Outcome device = run_sosasim("sweep " + sweep + " -j 1 -q --resume -o " + dir.path() + "/dev");
  CHECK(device.exit_code == 2);
  CHECK_THAT(device.output, Contains("results.jsonl: not a regular file"));
  // Resuming over a results.jsonl that is not a sweep's: the line and what is missing.
  std::filesystem::create_directories(dir.path() + "/foreign");
  dir.write("foreign/results.jsonl", "{\"index\": 0, \"row\": 0, \"status\": \"ok\", \"point_id\": \"a\"}\n{\"point_id\": 7}\n");
  Outcome foreign = run_sosasim("sweep " + sweep + " -q --resume -o " + dir.path() + "/foreign");
  CHECK(foreign.exit_code == 2);
  CHECK_THAT(foreign.output, Contains("results.jsonl:2") && Contains("point_id") && Contains("not a sweep result row"));
  // A row cut short by a kill mid-write is not an error: its point runs again.
  REQUIRE(run_sosasim("sweep " + sweep + " -q --max-points 1 -o " + dir.path() + "/cut").exit_code == 0);
  { std::ofstream(dir.path() + "/cut/results.jsonl", std::ios::app) << "{\"index\": 1, \"row\""; }
  REQUIRE(run_sosasim("sweep " + sweep + " -q --resume -o " + dir.path() + "/cut").exit_code == 0);
  CHECK(count_lines(read_text(dir.path() + "/cut/results.csv")) == 1 + 2);
  // ... and the row appended after the cut line stays whole: a second resume has nothing to run.
  const std::string resumed = read_text(dir.path() + "/cut/results.jsonl");
  CHECK(count_lines(resumed) == 3);  // two rows and the cut line
  REQUIRE(run_sosasim("sweep " + sweep + " -q --resume -o " + dir.path() + "/cut").exit_code == 0);
  CHECK(read_text(dir.path() + "/cut/results.jsonl") == resumed);
  // Merging a folder whose sweep.json is not JSON, or not a sweep's.
  dir.write("cut/sweep.json", "{bad");
  Outcome bad_json = run_sosasim("merge -o " + dir.path() + "/m " + dir.path() + "/cut");
  CHECK(bad_json.exit_code == 2);
  CHECK_THAT(bad_json.output, Contains("sweep.json") && Contains("not valid JSON"));
  dir.write("cut/sweep.json", "[1, 2]");
  Outcome not_manifest = run_sosasim("merge -o " + dir.path() + "/m " + dir.path() + "/cut");
  CHECK(not_manifest.exit_code == 2);
  CHECK_THAT(not_manifest.output, Contains("not a sweep manifest"));
}

TEST_CASE("a sweep sizes each point's pods under a power budget by the rule it names", "[cli][sweep]") {
  TempDir dir;
  dir.write("a.csv", "layer,M,K,N\nx,64,64,64\n");
  auto rows_of = [&](const std::string& rule) {
    std::string sweep = dir.write(rule + ".yaml", "grid:\n  array.rows: [16, 32]\npods_under_power_w: 50\n" +
                                                      (rule.empty() ? std::string() : "pods_rule: " + rule + "\n") +
                                                      "workloads: [a.csv]\n");
    REQUIRE(run_sosasim("sweep " + sweep + " -q -o " + dir.path() + "/out-" + rule).exit_code == 0);
    std::vector<nlohmann::json> rows;
    std::ifstream in(dir.path() + "/out-" + rule + "/results.jsonl");
    for (std::string line; std::getline(in, line);) rows.push_back(nlohmann::json::parse(line));
    REQUIRE(rows.size() == 2);
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a["index"] < b["index"]; });  // finish order
    return rows;
  };
  auto pods_of = [](const nlohmann::json& row) { return std::stoi(row["axes"]["pods"].get<std::string>()); };
  auto peak_of = [&](const nlohmann::json& row, int pods) {
    Outcome more = run_sosasim("validate -p workload.trace=" + dir.path() + "/a.csv -p array.rows=" +
                               row["axes"]["array.rows"].get<std::string>() + " -p pods=" + std::to_string(pods));
    auto at = more.output.find("peak power ");
    REQUIRE(at != std::string::npos);
    return std::stod(more.output.substr(at + 11));
  };
  // largest: one more pod would not fit.
  const auto largest = rows_of("largest");
  for (const auto& row : largest) {
    CHECK(row["axes"]["pods_rule"] == "largest");
    CHECK(row["peak_power_w"].get<double>() <= 50.0);
    CHECK(peak_of(row, pods_of(row) + 1) > 50.0);
  }
  // power_of_two (the default, stated in the table): the largest power of two within the largest.
  const auto power = rows_of("");
  for (std::size_t i = 0; i < power.size(); ++i) {
    const int pods = pods_of(power[i]);
    CHECK(power[i]["axes"]["pods_rule"] == "power_of_two");
    CHECK((pods & (pods - 1)) == 0);
    CHECK(pods <= pods_of(largest[i]));
    CHECK(2 * pods > pods_of(largest[i]));
  }
  CHECK_THAT(read_text(dir.path() + "/out-/results.csv"), Contains("pods,pods_rule"));
  // best: no candidate (powers of two and the largest) buys more effective TOPS with the budget.
  const auto best = rows_of("best");
  for (std::size_t i = 0; i < best.size(); ++i) {
    CHECK(best[i]["axes"]["pods_rule"] == "best");
    CHECK(best[i]["peak_power_w"].get<double>() <= 50.0);
    CHECK(best[i]["effective_tops"].get<double>() >= power[i]["effective_tops"].get<double>());
    CHECK(best[i]["effective_tops"].get<double>() >= largest[i]["effective_tops"].get<double>());
  }
  // A rule without a budget, or an unknown rule, is an error naming the key.
  std::string orphan = dir.write("orphan.yaml", "grid:\n  array.rows: [16]\npods_rule: best\n");
  Outcome no_budget = run_sosasim("sweep " + orphan + " -o " + dir.path() + "/x");
  CHECK(no_budget.exit_code == 2);
  CHECK_THAT(no_budget.output, Contains("orphan.yaml:3") && Contains("pods_rule") && Contains("pods_under_power_w"));
  std::string typo = dir.write("typo.yaml", "grid:\n  array.rows: [16]\npods_under_power_w: 50\npods_rule: biggest\n");
  CHECK_THAT(run_sosasim("sweep " + typo + " -o " + dir.path() + "/x").output, Contains("power_of_two, largest or best"));
}

TEST_CASE("sosa_rounds runs ops in lock-step rounds of at least 2L+1 cycles", "[cli][system]") {
  TempDir dir;
  dir.write("t.csv", "layer,M,K,N\nfc,64,8,8\n");  // p = 8: 8 ops of 8 rows, one weight tile
  std::string config = dir.write("r.yaml",
                                 "pods: 4\n"
                                 "array: {rows: 8, cols: 8, ideal_fill_drain: true}\n"
                                 "dram: {latency_cycles: 0}\n"
                                 "interconnect: {topology: butterfly, expansion: 2, hop_latency: 10}\n"
                                 "tiling: {scheduler: sosa_rounds}\n"
                                 "workload: {trace: t.csv}\n");
  auto cycles = [&](const std::string& extra) {
    Outcome run = run_sosasim("run " + config + " -o " + dir.path() + "/o -q " + extra);
    REQUIRE(run.exit_code == 0);
    return read_json(dir.path() + "/o/summary.json")["cycles"].get<std::uint64_t>();
  };
  // 4 pods: two rounds of 4 ops. Butterfly-2 over 4 ports: 3 routers on a path, L = 30 cycles,
  // so a round lasts max(8 rows, 2L + 1 = 61) = 61 cycles.
  CHECK(cycles("") == 2 * 61);
  CHECK(cycles("-p tiling.count_last_round=false") == 61);
  // With a short network the rounds last as long as the ops: 8 rows.
  CHECK(cycles("-p interconnect.hop_latency=1") <= 2 * 8 + 2);
  // The default scheduler is not lock-step: with ideal transfers the same trace takes its ops'
  // time; through the networks each pod's first tiles take L + 1 = 41 cycles to arrive.
  CHECK(cycles("-p tiling.scheduler=layer_static -p interconnect.transfers=ideal") < 61);
  CHECK(cycles("-p tiling.scheduler=layer_static") > 41);
}

TEST_CASE("sosa_compat.yaml reproduces the SOSA authors' ResNet-50 and DenseNet-121 cycles within 5 %",
          "[cli][system][sosa]") {
  // DESIGN.md section 4: their round-based simulator gives 35,442 cycles on 256 pods (1,019
  // rounds) and 124,622 on 64 pods of 32x32 for ResNet-50 at 299 px, and 65,034 for
  // DenseNet-121 on 256 pods, whose many small K-deep layers are dominated by the
  // post-processors' reduction trees.
  TempDir dir;
  const std::string config = std::string(SOSASIM_SOURCE_DIR) + "/configs/sosa_compat.yaml";
  const std::string densenet = std::string(SOSASIM_SOURCE_DIR) + "/workloads/models/densenet121_299.csv";
  struct Case {
    int pods;
    std::string trace;
    double authors;
  };
  for (const auto& [pods, trace, authors] :
       std::vector<Case>{{256, "", 35442}, {64, "", 124622}, {256, densenet, 65034}}) {
    INFO(pods << " pods " << trace);
    REQUIRE(run_sosasim("run " + config + " -q -o " + dir.path() + "/o -p pods=" + std::to_string(pods) +
                        (trace.empty() ? "" : " -p workload.trace=" + trace))
                .exit_code == 0);
    nlohmann::json summary = read_json(dir.path() + "/o/summary.json");
    const double cycles = summary["cycles"].get<double>();
    CHECK(std::abs(cycles / authors - 1.0) <= 0.05);
    if (pods == 256 && trace.empty()) CHECK(std::abs(summary["stats"]["rounds"].get<double>() / 1019.0 - 1.0) <= 0.05);
    if (!trace.empty()) CHECK(summary["stats"]["round_post_processor_ops"].get<double>() > 0);
  }
}

TEST_CASE("k_reduction: chain and post_processors send each split output tile's partial sums to its owner",
          "[cli][system]") {
  // One output tile whose two K blocks run on two pods: pod 0's partial tile (8 rows) crosses
  // the post-processor network to pod 1, whose post-processor adds it after pod 1's own op.
  TempDir dir;
  dir.write("t.csv", "layer,M,K,N\nfc,8,16,8\n");
  std::string config = dir.write("c.yaml", "pods: 2\narray: {rows: 8, cols: 8}\n"
                                           "tiling: {partition_size: 8, scheduler: layer_static}\n"
                                           "workload: {trace: t.csv}\n");
  auto run = [&](const std::string& reduction) {
    REQUIRE(run_sosasim("run " + config + " -q -o " + dir.path() + "/o -p tiling.k_reduction=" + reduction).exit_code == 0);
    return read_json(dir.path() + "/o/summary.json");
  };
  nlohmann::json free = run("free"), reduced = run("post_processors");
  CHECK(free["networks"].count("p") == 0);
  CHECK(reduced["networks"]["p"]["transfers"] == 1);
  // The free run reports what it added at no cost: that one partial tile, 8 x 8 16-bit sums.
  CHECK(free["stats"]["free_reduction_partial_tiles"] == 1);
  CHECK(free["stats"]["free_reduction_partial_bytes"].get<double>() == Approx(8 * 8 * 2));
  CHECK(reduced["stats"].count("free_reduction_partial_tiles") == 0);
  CHECK(reduced["networks"]["p"]["flit_hops"] == 8 * 3);  // 8 rows on the P bank port and 2 routers' outputs
  CHECK(reduced["cycles"].get<std::uint64_t>() > free["cycles"].get<std::uint64_t>());
  // Both pods wait behind the layer barrier from the last op's end to the reduction's end.
  CHECK(free["pod_cycle_breakdown"]["waiting_for_reduction"] == 0);
  CHECK(reduced["pod_cycle_breakdown"]["waiting_for_reduction"].get<std::uint64_t>() > 0);
  CHECK(reduced["pod_cycle_breakdown"]["waiting_for_reduction"].get<std::uint64_t>() % 2 == 0);
  CHECK(reduced["stats"]["reduction_tree_partial_tiles"] == 1);
  CHECK(reduced["stats"]["reduction_tree_partial_bytes"].get<double>() == Approx(8 * 8 * 2));
  CHECK(reduced["stats"]["reduction_local_partial_tiles"] == 0);
  // Under chain (the default) pod 1's partial tile goes to pod 0 instead; both ops start at once,
  // so it comes too late to be pod 0's starting accumulation: a post-processor adds it, as
  // above, in the same time.
  nlohmann::json chained = run("chain");
  CHECK(chained["cycles"] == reduced["cycles"]);
  CHECK(chained["networks"]["p"]["transfers"] == 1);
  CHECK(chained["stats"]["reduction_chained_partial_tiles"] == 0);
  CHECK(chained["stats"]["reduction_tree_partial_tiles"] == 1);
  CHECK(free["stats"].count("reduction_tree_partial_tiles") == 0);
  // Without barriers, the pods that have no work while the tree finishes count the same cycles.
  REQUIRE(run_sosasim("run " + config + " -q -o " + dir.path() + "/d -p tiling.k_reduction=post_processors "
                      "-p tiling.scheduler=dynamic").exit_code == 0);
  nlohmann::json dynamic = read_json(dir.path() + "/d/summary.json");
  CHECK(dynamic["cycles"] == reduced["cycles"]);
  CHECK(dynamic["pod_cycle_breakdown"]["waiting_for_reduction"] == reduced["pod_cycle_breakdown"]["waiting_for_reduction"]);
  // Whole K chains per pod (output_blocks) need no reduction when output tiles outnumber pods.
  dir.write("wide.csv", "layer,M,K,N\nfc,64,32,8\n");  // 8 output tiles of 4 K blocks on 2 pods
  auto transfers = [&](const std::string& order) {
    REQUIRE(run_sosasim("run " + config + " -q -o " + dir.path() + "/w -p workload.trace=" + dir.path() +
                        "/wide.csv -p tiling.k_reduction=post_processors -p tiling.order=" + order).exit_code == 0);
    return read_json(dir.path() + "/w/summary.json")["networks"]["p"]["transfers"].get<int>();
  };
  CHECK(transfers("weight_major") == 8);  // K blocks 0-1 on pod 0, 2-3 on pod 1: every tile split
  CHECK(transfers("output_blocks") == 0);
  // ... as many as the free reduction counts it added.
  REQUIRE(run_sosasim("run " + config + " -q -o " + dir.path() + "/f -p tiling.k_reduction=free -p workload.trace=" +
                      dir.path() + "/wide.csv").exit_code == 0);
  CHECK(read_json(dir.path() + "/f/summary.json")["stats"]["free_reduction_partial_tiles"] == 8);
  // With ideal transfers a partial tile's rows still leave its bank one per cycle and are added
  // at the owner: the reduction costs its rows, with no link between.
  for (const char* reduction : {"chain", "post_processors"}) {
    CAPTURE(reduction);
    REQUIRE(run_sosasim("run " + config + " -q -o " + dir.path() + "/i -p interconnect.transfers=ideal "
                        "-p tiling.k_reduction=" + std::string(reduction)).exit_code == 0);
    const nlohmann::json ideal = read_json(dir.path() + "/i/summary.json");
    REQUIRE(run_sosasim("run " + config + " -q -o " + dir.path() + "/i -p interconnect.transfers=ideal "
                        "-p tiling.k_reduction=free").exit_code == 0);
    const nlohmann::json ideal_free = read_json(dir.path() + "/i/summary.json");
    CHECK(ideal["stats"]["reduction_tree_partial_tiles"] == 1);
    // 8 rows, the last added the cycle after it arrives.
    CHECK(ideal["cycles"].get<std::uint64_t>() == ideal_free["cycles"].get<std::uint64_t>() + 8 + 2);
  }
  CHECK(run_sosasim("run " + config + " -q -o " + dir.path() + "/r -p tiling.k_reduction=post_processors -p tiling.scheduler=sosa_rounds").exit_code == 0);
}

// layers.csv (or a native trace) as one map per row, column name to text (simple CSV: no quoted
// commas; a trace's # lines skipped).
std::vector<std::map<std::string, std::string>> read_layers_csv(const std::string& path) {
  std::istringstream in(read_text(path));
  std::vector<std::string> header;
  std::vector<std::map<std::string, std::string>> rows;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("#", 0) == 0) continue;  // a trace's comment lines
    std::vector<std::string> fields;
    std::istringstream row(line);
    for (std::string field; std::getline(row, field, ',');) fields.push_back(field);
    if (!line.empty() && line.back() == ',') fields.emplace_back();  // an empty last field
    if (header.empty()) {
      header = fields;
      continue;
    }
    REQUIRE(fields.size() == header.size());
    std::map<std::string, std::string> named;
    for (std::size_t f = 0; f < fields.size(); ++f) named[header[f]] = fields[f];
    rows.push_back(named);
  }
  return rows;
}

TEST_CASE("k_reduction: chain forwards sums up its trees row by row, post_processors tile by tile", "[cli][system]") {
  // One output tile whose four K blocks run on four pods at once: a binomial tree of depth two
  // under both (3 -> 2 -> 0 and 1 -> 0), over a crossbar P network. Under chain node 2 sends its
  // first summed row as soon as node 3's first row is added; under post_processors only after
  // node 3's whole tile is. (Both of the root's children then queue at its port, so the saving
  // is 3 cycles, not the 7 of the tile's other rows.)
  TempDir dir;
  dir.write("t.csv", "layer,M,K,N\nfc,8,32,8\n");
  std::string config = dir.write("c.yaml", "pods: 4\narray: {rows: 8, cols: 8}\n"
                                           "tiling: {partition_size: 8, scheduler: layer_static}\n"
                                           "interconnect: {topology: butterfly, expansion: 2, p: {topology: crossbar}}\n"
                                           "dram: {bandwidth_gbps: 100000}\nworkload: {trace: t.csv}\n");
  auto tail = [&](const std::string& reduction) {
    REQUIRE(run_sosasim("run " + config + " -q -o " + dir.path() + "/o -p tiling.k_reduction=" + reduction).exit_code == 0);
    CHECK(read_json(dir.path() + "/o/summary.json")["stats"]["reduction_tree_partial_tiles"] == 3);
    return std::stoi(read_layers_csv(dir.path() + "/o/layers.csv").at(0).at("reduction_tail_cycles"));
  };
  const int chained = tail("chain"), trees = tail("post_processors");
  CHECK(chained == trees - 3);
}


TEST_CASE("layers.csv breaks each layer's pod-cycles, energy and bytes down and they add up to the run's", "[cli][system]") {
  TempDir dir;
  dir.write("t.csv", "layer,M,K,N,format,sparsity\na,64,256,64,,\nb,64,64,32,bfp:3:16,2:4\nc,100,64,48,,\n");
  std::string config = dir.write("c.yaml",
                                 "pods: 4\narray: {rows: 8, cols: 8}\nworkload: {trace: t.csv}\n"
                                 "tiling: {k_reduction: post_processors}\ndram: {bandwidth_gbps: 20}\n");
  Outcome outcome = run_sosasim("run " + config + " -o " + dir.path() + "/o");
  REQUIRE(outcome.exit_code == 0);
  // The header names the format by its bits; the summary says what sparsity does to TOPS.
  CHECK_THAT(outcome.output, Catch::Contains("sparsity           1 of 3 layers N:M sparse"));
  nlohmann::json summary = read_json(dir.path() + "/o/summary.json");
  CHECK(summary["sparsity"]["dense_macs"].get<double>() == Approx(64 * 256 * 64 + 64 * 64 * 32 + 100 * 64 * 48));
  CHECK(summary["sparsity"]["executed_macs"].get<double>() == Approx(64 * 256 * 64 + 64 * 32 * 32 + 100 * 64 * 48));
  auto rows = read_layers_csv(dir.path() + "/o/layers.csv");
  REQUIRE(rows.size() == 3);
  CHECK(rows[0]["format"] == "int8");
  CHECK(rows[1]["format"] == "bfp4_b16");
  CHECK(rows[1]["sparsity"] == "2:4");
  CHECK(rows[2]["sparsity"] == "dense");
  double stream = 0, weight = 0, network = 0, dram = 0, energy = 0, sram = 0, x = 0, dram_bytes = 0;
  std::uint64_t tail = 0;
  for (auto& row : rows) {
    stream += std::stod(row["stream_pod_cycles"]);
    weight += std::stod(row["weight_load_stall_pod_cycles"]);
    network += std::stod(row["input_network_stall_pod_cycles"]);
    dram += std::stod(row["dram_wait_pod_cycles"]);
    energy += std::stod(row["energy_j"]);
    sram += std::stod(row["sram_bytes"]);
    x += std::stod(row["x_network_bytes"]);
    dram_bytes += std::stod(row["dram_bytes"]);
    tail += std::stoull(row["reduction_tail_cycles"]);
    CHECK(std::stod(row["energy_j"]) == Approx(std::stod(row["mac_j"]) + std::stod(row["sram_j"]) +
                                               std::stod(row["interconnect_j"]) + std::stod(row["dram_j"]) +
                                               std::stod(row["post_processor_j"])));
  }
  nlohmann::json breakdown = summary["pod_cycle_breakdown"];
  CHECK(stream == breakdown["streaming"].get<double>());
  CHECK(weight == breakdown["waiting_for_weight_load"].get<double>());
  CHECK(network == breakdown["waiting_for_input_network"].get<double>());
  CHECK(dram == breakdown["waiting_for_dram"].get<double>());
  CHECK(dram > 0);  // 20 GB/s: the pods wait for weights
  CHECK(tail > 0);  // K = 256 is split over pods: its partial sums are added after its last op
  CHECK(energy == Approx(summary["energy_j"].get<double>()));
  CHECK(dram_bytes == Approx(summary["bytes_by_operand"]["dram_w_read"].get<double>() +
                             summary["bytes_by_operand"]["dram_x_read"].get<double>()));
  CHECK(x > 0);
  CHECK(sram > 0);
}

TEST_CASE("a run without -o never overwrites an earlier run's results", "[cli]") {
  TempDir dir;
  dir.write("t.csv", "layer,M,K,N\na,16,16,16\n");
  std::string config = dir.write("c.yaml", "pods: 1\narray: {rows: 8, cols: 8}\nworkload: {trace: t.csv}\n");
  const std::string in_dir = "cd " + dir.path() + " && ";
  REQUIRE(run_sosasim("run c.yaml", in_dir).exit_code == 0);
  Outcome second = run_sosasim("run c.yaml", in_dir);
  REQUIRE(second.exit_code == 0);
  CHECK_THAT(second.output, Catch::Contains("results/c/ holds an earlier run: writing results/c-2/"));
  CHECK(std::filesystem::exists(dir.path() + "/results/c/summary.json"));
  CHECK(std::filesystem::exists(dir.path() + "/results/c-2/summary.json"));
  REQUIRE(run_sosasim("run c.yaml -q", in_dir).exit_code == 0);
  CHECK(std::filesystem::exists(dir.path() + "/results/c-3/summary.json"));
  // -o is the user's choice: it is written as asked.
  REQUIRE(run_sosasim("run c.yaml -q -o results/c", in_dir).exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/results/c-4"));
}

TEST_CASE("compare puts runs side by side with ratios, per run and per layer, and names what differs", "[cli]") {
  TempDir dir;
  dir.write("t.csv", "layer,M,K,N\na,64,256,64\nb,64,64,32\n");
  std::string config = dir.write("c.yaml", "pods: 4\narray: {rows: 8, cols: 8}\nworkload: {trace: t.csv}\n");
  REQUIRE(run_sosasim("run " + config + " -q -o " + dir.path() + "/a -p tiling.k_reduction=free").exit_code == 0);
  REQUIRE(run_sosasim("run " + config + " -q -o " + dir.path() + "/b -p tiling.k_reduction=post_processors").exit_code == 0);
  Outcome outcome = run_sosasim("compare " + dir.path() + "/a " + dir.path() + "/b -o " + dir.path() + "/cmp");
  REQUIRE(outcome.exit_code == 0);
  CHECK_THAT(outcome.output, Catch::Contains("differs: tiling.k_reduction: A free | B post_processors"));
  const nlohmann::json a = read_json(dir.path() + "/a/summary.json");
  const nlohmann::json b = read_json(dir.path() + "/b/summary.json");
  // The run table: every number of the summaries, and B's ratio to A.
  bool found_cycles = false;
  std::istringstream runs(read_text(dir.path() + "/cmp/compare_runs.csv"));
  std::string line;
  std::getline(runs, line);
  CHECK(line == "metric," + dir.path() + "/a," + dir.path() + "/b,ratio " + dir.path() + "/b");
  while (std::getline(runs, line)) {
    if (line.rfind("cycles,", 0) != 0) continue;
    found_cycles = true;
    const double ratio = a["cycles"].get<double>() > 0 ? b["cycles"].get<double>() / a["cycles"].get<double>() : 0;
    char expected_ratio[32];
    std::snprintf(expected_ratio, sizeof expected_ratio, "%.4f", ratio);
    CHECK(line == "cycles," + std::to_string(a["cycles"].get<std::uint64_t>()) + "," +
                      std::to_string(b["cycles"].get<std::uint64_t>()) + "," + expected_ratio);
  }
  CHECK(found_cycles);
  // The layer table: a row per layer, each column of each run and the ratio.
  auto layers = read_layers_csv(dir.path() + "/cmp/compare_layers.csv");
  REQUIRE(layers.size() == 2);
  auto a_layers = read_layers_csv(dir.path() + "/a/layers.csv");
  auto b_layers = read_layers_csv(dir.path() + "/b/layers.csv");
  for (std::size_t l = 0; l < 2; ++l) {
    CHECK(layers[l]["layer"] == a_layers[l]["layer"]);
    CHECK(layers[l]["cycles " + dir.path() + "/a"] == a_layers[l]["cycles"]);
    CHECK(layers[l]["cycles " + dir.path() + "/b"] == b_layers[l]["cycles"]);
    CHECK(std::stod(layers[l]["cycles ratio " + dir.path() + "/b"]) ==
          Approx(std::stod(b_layers[l]["cycles"]) / std::stod(a_layers[l]["cycles"])).epsilon(1e-3));
    CHECK(layers[l]["format " + dir.path() + "/a"] == "int8");
  }
}

TEST_CASE("a run writes a Perfetto timeline and breaks pod cycles and bytes down", "[cli][system]") {
  TempDir dir;
  dir.write("t.csv", "layer,M,K,N\na,64,64,64\nb,64,64,32\n");
  std::string config = dir.write("c.yaml", "pods: 2\narray: {rows: 8, cols: 8}\nworkload: {trace: t.csv}\n");
  REQUIRE(run_sosasim("run " + config + " -q -o " + dir.path() + "/o --timeline " + dir.path() + "/o/timeline.json")
              .exit_code == 0);
  std::ifstream in(dir.path() + "/o/timeline.json");
  nlohmann::json timeline = nlohmann::json::parse(in);
  std::size_t pod_spans = 0, dram_spans = 0, layer_spans = 0, network_spans = 0;
  for (const auto& event : timeline["traceEvents"]) {
    if (event["ph"] != "X") continue;
    int group = event["pid"];
    pod_spans += group == 1 && event["name"] != "load weights";
    dram_spans += group == 2;
    layer_spans += group == 3;
    network_spans += group == 4;
  }
  CHECK(pod_spans == 8 * 8 * 8 + 8 * 8 * 4);  // every tile op
  CHECK(dram_spans == 1 + 64 + 32);           // the inputs and every weight tile
  CHECK(layer_spans == 2);
  nlohmann::json summary = read_json(dir.path() + "/o/summary.json");
  // Every booked transfer: one input tile per op, one weight tile per load.
  CHECK(network_spans == summary["networks"]["x"]["transfers"].get<std::size_t>() +
                             summary["networks"]["w"]["transfers"].get<std::size_t>());
  CHECK(summary["networks"]["x"]["transfers"] == 8 * 8 * 8 + 8 * 8 * 4);
  nlohmann::json breakdown = summary["pod_cycle_breakdown"];
  double total = breakdown["streaming"].get<double>() + breakdown["waiting_for_weight_load"].get<double>() +
                 breakdown["waiting_for_input_network"].get<double>() +
                 breakdown["waiting_for_reduction"].get<double>() +
                 breakdown["waiting_for_dram"].get<double>() + breakdown["other_idle"].get<double>();
  CHECK(total == Approx(summary["cycles"].get<double>() * 2));
  CHECK(summary["bytes_by_operand"]["dram_w_read"].get<double>() == Approx(64 * 64 + 64 * 32));
  // Each op reads its 8x8 input tile; the two pods work on column blocks 0-3 and 4-7 (layer b: 0-1
  // and 2-3) in step, so each input tile leaves its bank once, multicast to both.
  CHECK(summary["bytes_by_operand"]["sram_x_read"].get<double>() == Approx((64 * 64 * 8 + 64 * 64 * 4) / 2));
  REQUIRE(run_sosasim("run " + config + " -q -o " + dir.path() + "/i -p interconnect.transfers=ideal").exit_code == 0);
  CHECK(read_json(dir.path() + "/i/summary.json")["bytes_by_operand"]["sram_x_read"].get<double>() ==
        Approx(64 * 64 * 8 + 64 * 64 * 4));
}

TEST_CASE("the dynamic scheduler runs independent layers and workloads at the same time", "[cli][system]") {
  TempDir dir;
  dir.write("branches.csv",
            "layer,M,K,N,depends_on\nstem,64,64,64,none\nleft,64,64,64,stem\nright,64,64,64,stem\njoin,64,128,64,left;right\n");
  dir.write("other.csv", "layer,M,K,N\nsolo,64,64,64\n");
  std::string config = dir.write("c.yaml", "pods: 8\narray: {rows: 8, cols: 8}\nworkload: {trace: branches.csv}\n");
  auto run = [&](const std::string& extra) {
    REQUIRE(run_sosasim("run " + config + " -q -o " + dir.path() + "/o " + extra).exit_code == 0);
    std::ifstream in(dir.path() + "/o/layers.csv");
    std::map<std::string, std::pair<std::uint64_t, std::uint64_t>> spans;  // layer -> start, end
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
      std::vector<std::string> f;
      std::stringstream fields(line);
      for (std::string x; std::getline(fields, x, ',');) f.push_back(x);
      spans[f[1]] = {std::stoull(f[8]), std::stoull(f[9])};
    }
    return spans;
  };
  auto barrier = run("-p tiling.scheduler=layer_static");
  CHECK(barrier["right"].first >= barrier["left"].second);  // one layer at a time
  auto dynamic = run("-p tiling.scheduler=dynamic");
  CHECK(dynamic["left"].first == dynamic["right"].first);   // both branches start when the stem ends
  CHECK(dynamic["left"].first == dynamic["stem"].second);
  CHECK(dynamic["join"].first == std::max(dynamic["left"].second, dynamic["right"].second));
  CHECK(dynamic["join"].second < barrier["join"].second);

  std::string tenants = dir.write("t.yaml", "pods: 8\narray: {rows: 8, cols: 8}\n"
                                            "workload:\n  - {trace: branches.csv}\n  - {trace: other.csv}\n");
  REQUIRE(run_sosasim("run " + tenants + " -q -o " + dir.path() + "/m -p tiling.scheduler=dynamic").exit_code == 0);
  nlohmann::json summary = read_json(dir.path() + "/m/summary.json");
  CHECK(summary["workloads"][0]["start_cycle"] == 0);
  CHECK(summary["workloads"][1]["start_cycle"] == 0);  // the tenants share the pods from the start
}

TEST_CASE("sosa_rounds with layers: concurrent lets ready layers and tenants share rounds", "[cli][system][rounds]") {
  // Two independent branch layers of 6 ops each on 16 pods: one at a time they take a round each
  // (a pod runs one op per round); sharing rounds, both fit in one. A second tenant's first layer
  // is ready at the start and shares the first rounds.
  TempDir dir;
  dir.write("branches.csv", "layer,M,K,N,depends_on\nstem,16,8,8,none\nleft,16,8,24,stem\nright,16,8,24,stem\n"
                            "join,16,48,8,left;right\n");
  dir.write("other.csv", "layer,M,K,N\nsolo,16,8,24\n");
  std::string config = dir.write("c.yaml",
                                 "pods: 16\narray: {rows: 8, cols: 8}\ndram: {bandwidth_gbps: 1000}\n"
                                 "tiling: {scheduler: sosa_rounds, partition_size: 8}\nworkload: {trace: branches.csv}\n");
  auto run = [&](const std::string& extra) {
    REQUIRE(run_sosasim("run " + config + " -q -o " + dir.path() + "/o " + extra).exit_code == 0);
    return std::make_pair(read_json(dir.path() + "/o/summary.json"), read_text(dir.path() + "/o/layers.csv"));
  };
  auto start_of = [](const std::string& layers, const std::string& layer) {
    std::stringstream in(layers);
    std::string line;
    while (std::getline(in, line)) {
      std::vector<std::string> f;
      std::stringstream fields(line);
      for (std::string x; std::getline(fields, x, ',');) f.push_back(x);
      if (f.size() > 9 && f[1] == layer) return std::make_pair(std::stoull(f[8]), std::stoull(f[9]));
    }
    FAIL("no layer " << layer);
    return std::make_pair(0ull, 0ull);
  };
  auto [sequential, sequential_layers] = run("-p tiling.layers=sequential");
  auto [concurrent, concurrent_layers] = run("-p tiling.layers=concurrent");
  CHECK(start_of(sequential_layers, "right").first >= start_of(sequential_layers, "left").second);
  CHECK(start_of(concurrent_layers, "right").first == start_of(concurrent_layers, "left").first);
  CHECK(concurrent["stats"]["rounds"].get<double>() == sequential["stats"]["rounds"].get<double>() - 1);
  CHECK(concurrent["cycles"].get<double>() < sequential["cycles"].get<double>());
  for (const char* layers : {"sequential", "concurrent"}) {
    INFO(layers);
    REQUIRE(run_sosasim("run " + config + " -q -o " + dir.path() + "/m -p tiling.layers=" + layers +
                        " -p 'workload=[{trace: branches.csv},{trace: other.csv}]'")
                .exit_code == 0);
    nlohmann::json summary = read_json(dir.path() + "/m/summary.json");
    if (std::string(layers) == "concurrent")
      CHECK(summary["workloads"][1]["start_cycle"] == 0);  // the tenants share rounds from the start
    else
      CHECK(summary["workloads"][1]["start_cycle"] == summary["workloads"][0]["end_cycle"]);
  }
  // One 512x512 pod whose W bank holds one weight tile: a branch layer released early must not
  // be placed ahead of older layers whose tiles would fill the bank (InceptionV3 deadlocked so).
  const std::string root = SOSASIM_SOURCE_DIR;
  Outcome inception = run_sosasim("run " + root + "/configs/sosa_compat.yaml -q -o " + dir.path() +
                                  "/i -p workload.trace=" + root +
                                  "/workloads/models/inception_299.csv -p array.rows=512 -p array.cols=512 -p pods=1");
  CHECK(inception.exit_code == 0);
  CHECK_THAT(inception.output, !Contains("stalled"));
}

TEST_CASE("pods spread over a larger butterfly's ports block less than pods packed on its first ports", "[cli][system]") {
  // ResNet-50 on 192 pods: the butterfly has 256 ports. Packed on ports 0-191, the pods that
  // share an input tile sit at irregular distances and their transfers block each other in the
  // butterfly; spread evenly over the 256 ports they do far less (a crossbar takes 48,468 cycles).
  TempDir dir;
  auto cycles = [&](const std::string& placement) {
    // (partial sums free: the X tiles' blocking, not the reduction, is what this compares)
    REQUIRE(run_sosasim("run -q -o " + dir.path() + "/o -p pods=192 -p tiling.k_reduction=free "
                        "-p interconnect.port_placement=" + placement)
                .exit_code == 0);
    return read_json(dir.path() + "/o/summary.json")["cycles"].get<double>();
  };
  const double spread = cycles("spread"), packed = cycles("packed");
  CHECK(spread < 0.7 * packed);
}

TEST_CASE("a grid reads every tile in step where contiguous chunks cut the column blocks out of step", "[cli][system]") {
  // InceptionV3's 17 x 17 layers: 6 column blocks (256 pods are not a multiple of 6), 60 output
  // tiles. Contiguous chunks put the 6 pods that read an input tile at different points of their
  // chunks, so they read it one after another; the grid's cells read it at the same step, one
  // multicast. auto (the default) takes the grid here.
  TempDir dir;
  const std::string trace = dir.write("t.csv", "layer,M,K,N\na,289,768,192\nb,289,768,192\n");
  auto run = [&](const std::string& placement) {
    REQUIRE(run_sosasim("run -q -o " + dir.path() + "/o -p workload.trace=" + trace + " -p tiling.placement=" +
                        placement)
                .exit_code == 0);
    return read_json(dir.path() + "/o/summary.json");
  };
  const nlohmann::json contiguous = run("contiguous"), grid = run("grid"), automatic = run("auto");
  // (measured: 1,547 cycles against 1,627; X wait 14.3 against 38.3, W wait 19.5 against 48.1)
  CHECK(grid["cycles"].get<double>() < contiguous["cycles"].get<double>());
  for (const char* network : {"x", "w"})
    CHECK(grid["networks"][network]["mean_wait_cycles"].get<double>() <
          0.5 * contiguous["networks"][network]["mean_wait_cycles"].get<double>());
  CHECK(grid["networks"]["x"]["joined_a_multicast"].get<double>() >
        contiguous["networks"]["x"]["joined_a_multicast"].get<double>());
  CHECK(automatic["cycles"] == grid["cycles"]);
  CHECK(grid["useful_macs"] == contiguous["useful_macs"]);
  // layers.csv says how auto laid each layer out: 6 column blocks of floor(256 / 6) = 42 pods, 5
  // row blocks (2 row partitions each) x 8 K segments (3 K blocks each) in each, 240 pods in all
  // (grid_choice: 3 steps of 64 cycles plus 3 tree levels beat 4 segments' 6 steps plus 2 levels).
  for (auto& row : read_layers_csv(dir.path() + "/o/layers.csv")) {
    CHECK(row["placement"] == "grid");
    CHECK(row["chunks"] == "240");
    CHECK(row["row_blocks"] == "5");
    CHECK(row["k_segments"] == "8");
  }
  // Pods a multiple of the column blocks (N = 256: 8 blocks): auto keeps contiguous chunks.
  const std::string wide = dir.write("w.csv", "layer,M,K,N\na,289,768,256\n");
  auto cycles = [&](const std::string& placement) {
    REQUIRE(run_sosasim("run -q -o " + dir.path() + "/o -p workload.trace=" + wide + " -p tiling.placement=" +
                        placement)
                .exit_code == 0);
    return read_json(dir.path() + "/o/summary.json")["cycles"].get<double>();
  };
  CHECK(cycles("auto") == cycles("contiguous"));
  auto wide_rows = read_layers_csv(dir.path() + "/o/layers.csv");  // (auto and contiguous lay it out alike)
  REQUIRE(wide_rows.size() == 1);
  CHECK(wide_rows[0]["placement"] == "contiguous");
  CHECK(wide_rows[0]["chunks"] == "256");
  CHECK(wide_rows[0]["k_segments"] == "1");
}

TEST_CASE("a second tenant fills the first one's gaps a weight tile at a time", "[cli][system]") {
  // A chain of four layers shares 8 pods with a layer of another workload whose weights are on
  // chip at once. Pods that finish their chunk of a chain layer early work on the other layer
  // meanwhile, in pieces of one weight tile's ops, so the next chain layer gets them back almost
  // at once: the chain ends within 10 % of its time alone (whole chunks of the other layer would
  // hold it up by about 20 %), and both end sooner than one after the other.
  TempDir dir;
  dir.write("chain.csv", "layer,M,K,N,depends_on\na,64,64,64,none\nb,64,64,64,a\nc,64,64,64,b\nd,64,64,64,c\n");
  dir.write("other.csv", "layer,M,K,N,depends_on\nwide,64,8,512,none\n");
  std::string config = dir.write("c.yaml", "pods: 8\narray: {rows: 8, cols: 8}\n"
                                           "tiling: {partition_size: 8, scheduler: dynamic}\nworkload: {trace: chain.csv}\n");
  auto run = [&](const std::string& overrides) {
    REQUIRE(run_sosasim("run " + config + " -q -o " + dir.path() + "/o " + overrides).exit_code == 0);
    return read_json(dir.path() + "/o/summary.json");
  };
  const double chain_alone = run("")["cycles"].get<double>();
  const double other_alone = run("-p workload.trace=" + dir.path() + "/other.csv")["cycles"].get<double>();
  nlohmann::json both = run("-p 'workload=[{trace: chain.csv},{trace: other.csv}]'");
  CHECK(both["workloads"][0]["end_cycle"].get<double>() <= 1.1 * chain_alone);
  CHECK(both["cycles"].get<double>() < chain_alone + other_alone);
}

TEST_CASE("dynamic never waits on a younger layer's weights that an older layer's fill the banks", "[cli][system]") {
  // One pod with 1 KiB of W bank: b's weights (992 B) fill it, so c (ready at once, but after b
  // in run order) gets none until b runs. A pod that took c's chunk while a was still in flight
  // would wait for c's tiles forever (b needs the pod); it must wait for b instead.
  TempDir dir;
  dir.write("t.csv", "layer,M,K,N,depends_on\na,8,1,1,none\nb,8,32,31,a\nc,8,16,32,none\n");
  std::string config = dir.write("c.yaml", "pods: 1\narray: {rows: 8, cols: 8}\nsram: {bank_kib: 1}\n"
                                           "tiling: {partition_size: 8, scheduler: dynamic}\nworkload: {trace: t.csv}\n");
  for (const char* fidelity : {"fast", "reference"}) {
    INFO(fidelity);
    Outcome outcome = run_sosasim("run " + config + " -q -o " + dir.path() + "/o -p simulation.fidelity=" + fidelity);
    REQUIRE(outcome.exit_code == 0);
    nlohmann::json summary = read_json(dir.path() + "/o/summary.json");
    CHECK(summary["stats"]["tile_ops"] == 1 + 16 + 8);
  }
}

TEST_CASE("outputs that do not fit on chip spill to DRAM and come back", "[cli][system]") {
  TempDir dir;
  dir.write("t.csv", "layer,M,K,N,depends_on\na,64,8,64,none\nb,64,64,8,a\n");
  std::string config = dir.write("c.yaml", "pods: 1\narray: {rows: 8, cols: 8}\nsram: {bank_kib: 1}\nworkload: {trace: t.csv}\n");
  REQUIRE(run_sosasim("run " + config + " -q -o " + dir.path() + "/o").exit_code == 0);
  nlohmann::json bytes = read_json(dir.path() + "/o/summary.json")["bytes_by_operand"];
  // a's output is 64 x 64 bytes; one 1 KiB X bank holds 1024 of them.
  CHECK(bytes["dram_spill_write"].get<double>() == Approx(64 * 64 - 1024));
  CHECK(bytes["dram_spill_read"].get<double>() == Approx(64 * 64 - 1024));
  std::string roomy = dir.write("r.yaml", "pods: 1\narray: {rows: 8, cols: 8}\nsram: {bank_kib: 64}\nworkload: {trace: t.csv}\n");
  REQUIRE(run_sosasim("run " + roomy + " -q -o " + dir.path() + "/r").exit_code == 0);
  CHECK_FALSE(read_json(dir.path() + "/r/summary.json")["bytes_by_operand"].contains("dram_spill_write"));
}

TEST_CASE("a first convolution reads its input tensor from DRAM and writes its lowering to the banks", "[cli][system]") {
  TempDir dir;
  // 3x3 convolution, padding 1, of a 32 x 32 x 8 input: the tensor is 8,192 bytes, its im2col
  // lowering 1,024 x 72 = 73,728.
  dir.write("c.csv", "layer,H,W,C,R,S,out_channels,stride,padding,groups\nstem,32,32,8,3,3,16,1,1,1\n");
  std::string config = dir.write("c.yaml", "pods: 4\narray: {rows: 8, cols: 8}\ndram: {bandwidth_gbps: 8}\n"
                                           "workload: {trace: c.csv}\n");
  auto run = [&](const std::string& inputs, const std::string& out) {
    REQUIRE(run_sosasim("run " + config + " -p dram.inputs=" + inputs + " -q -o " + dir.path() + "/" + out).exit_code == 0);
    return read_json(dir.path() + "/" + out + "/summary.json");
  };
  nlohmann::json tensor = run("tensor", "t"), lowered = run("im2col", "l");
  CHECK(tensor["bytes_by_operand"]["dram_x_read"].get<double>() == Approx(8192));
  CHECK(lowered["bytes_by_operand"]["dram_x_read"].get<double>() == Approx(73728));
  CHECK(tensor["bytes_by_operand"]["sram_x_write"].get<double>() == Approx(73728));
  CHECK(lowered["bytes_by_operand"]["sram_x_write"].get<double>() == Approx(73728));
  // At 8 GB/s (8.6 B per cycle) the lowered input alone takes 8,590 cycles to arrive.
  CHECK(lowered["cycles"].get<double>() > 73728 / (8 * 1.073741824));
  CHECK(tensor["cycles"].get<double>() < lowered["cycles"].get<double>() - 6000);
}

TEST_CASE("the DRAM prefetch window bounds the weights fetched ahead", "[cli][system]") {
  TempDir dir;
  dir.write("t.csv", "layer,M,K,N\na,32,1024,1024\nb,32,1024,1024\n");
  std::string config = dir.write("c.yaml", "pods: 16\narray: {rows: 32, cols: 32}\ntiling: {partition_size: 32}\n"
                                           "workload: {trace: t.csv}\n");
  auto cycles = [&](const std::string& window) {
    Outcome outcome = run_sosasim("run " + config + " -q -o " + dir.path() + "/o -p dram.prefetch_kib=" + window);
    REQUIRE(outcome.exit_code == 0);
    nlohmann::json summary = read_json(dir.path() + "/o/summary.json");
    CHECK(summary["bytes_by_operand"]["dram_w_read"].get<double>() == Approx(2 * 1024 * 1024));
    return summary["cycles"].get<double>();
  };
  // 2,048 weight tiles of 1 KiB, one 32-row op each on 16 pods, 100 cycles of DRAM latency: the
  // W banks (16 x 256 KiB, the default window) keep every pod busy; a smaller window lets fewer
  // tiles be on their way, and at 1 KiB one tile arrives per request's round trip.
  const double banks = cycles("0");
  CHECK(cycles("4096") == banks);
  const double w64 = cycles("64"), w16 = cycles("16"), w1 = cycles("1");
  CHECK(w64 > banks);
  CHECK(w16 > w64);
  CHECK(w1 > 2048 * 100);
  // A window too small for the pods' next tiles is a configuration error, not a hang.
  Outcome stuck = run_sosasim("run -q -o " + dir.path() + "/r -p dram.prefetch_kib=64");
  CHECK(stuck.exit_code == 2);
  CHECK_THAT(stuck.output, Contains("dram.prefetch_kib"));
  CHECK_THAT(stuck.output, Contains("too small"));
}

TEST_CASE("a pod's next weight tile is sent ahead when a weight run begins, so later weight changes wait only for the load",
          "[cli][system]") {
  // One pod, a butterfly with 3-cycle hops: the W network's trip is longer than nothing. Each
  // weight tile serves a run of ops (M = 64: two row partitions; M = 32: one).
  TempDir dir;
  dir.write("c.yaml", "pods: 1\narray: {rows: 32, cols: 32}\ndram: {bandwidth_gbps: 100000}\n"
                      "interconnect: {topology: butterfly, hop_latency: 3}\nworkload: {trace: t.csv}\n");
  auto stall = [&](int M, int K) {
    dir.write("t.csv", "layer,M,K,N\nfc," + std::to_string(M) + "," + std::to_string(K) + ",32\n");
    REQUIRE(run_sosasim("run " + dir.path() + "/c.yaml -q -o " + dir.path() + "/o").exit_code == 0);
    const auto layers = read_layers_csv(dir.path() + "/o/layers.csv");
    return std::stoi(layers.at(0).at("weight_load_stall_pod_cycles"));
  };
  // The first weight tile waits for its whole trip and load; each of the seven later ones was
  // sent with the first op of the run before, and waits only the two cycles from its own op's
  // request to its booking, when the pod learns which tile to load.
  const int first = stall(64, 32);
  CHECK(first > 32);  // the load itself takes 32 cycles
  CHECK(stall(64, 256) == first + 7 * 2);
  CHECK(stall(32, 256) == first + 7 * 2);  // (runs of one op: the next tile leaves an op earlier)
}

TEST_CASE("dram.layer_inputs: every_layer reads every layer's X operand, and activation W operands, from DRAM",
          "[cli][system]") {
  // Three layers in a chain; b's W operand is an activation (attention's scores).
  TempDir dir;
  dir.write("t.csv", "layer,M,K,N,count,depends_on,w_operand\na,40,20,24,1,none,weight\n"
                     "b,40,24,16,2,a,activation\nc,40,32,8,1,b,weight\n");
  std::string config = dir.write("c.yaml", "pods: 4\narray: {rows: 8, cols: 8}\nworkload: {trace: t.csv}\n");
  auto bytes = [&](const std::string& inputs) {
    REQUIRE(run_sosasim("run " + config + " -q -o " + dir.path() + "/o -p dram.layer_inputs=" + inputs).exit_code == 0);
    return read_json(dir.path() + "/o/summary.json")["bytes_by_operand"];
  };
  const nlohmann::json first = bytes("first_layers"), every = bytes("every_layer");
  CHECK(first["dram_x_read"].get<double>() == 40 * 20);                          // a's input only (int8)
  CHECK(every["dram_x_read"].get<double>() == 40 * 20 + 40 * 24 * 2 + 40 * 32);  // every layer's M x K x count
  CHECK(first["dram_w_read"].get<double>() == 20 * 24 + 32 * 8);                 // b's W stays on chip
  CHECK(every["dram_w_read"].get<double>() == 20 * 24 + 24 * 16 * 2 + 32 * 8);
}

TEST_CASE("a trace's input_from says where a layer's X comes from: its producers, DRAM or the X banks",
          "[cli][system]") {
  TempDir dir;
  std::string config = dir.write("c.yaml", "pods: 4\narray: {rows: 8, cols: 8}\nworkload: {trace: t.csv}\n");
  auto x_bytes = [&](const std::string& a_from, const std::string& b_from) {
    dir.write("t.csv", "layer,M,K,N,count,depends_on,input_from\na,40,20,24,1,none," + a_from +
                           "\nb,40,24,16,2,a," + b_from + "\nc,40,32,8,1,b,\n");
    REQUIRE(run_sosasim("run " + config + " -q -o " + dir.path() + "/o").exit_code == 0);
    const nlohmann::json bytes = read_json(dir.path() + "/o/summary.json")["bytes_by_operand"];
    return bytes.value("dram_x_read", 0.0);  // (absent when nothing was read)
  };
  CHECK(x_bytes("producers", "producers") == 40 * 20);          // a has no producers: its input from DRAM
  CHECK(x_bytes("producers", "dram") == 40 * 20 + 40 * 24 * 2);  // b reads its M x K x count from DRAM too
  CHECK(x_bytes("chip", "producers") == 0);                     // a's input already in the X banks
  CHECK(x_bytes("chip", "dram") == 40 * 24 * 2);
}

TEST_CASE("weights stream in the order the pods use them, so a small window keeps every pod busy", "[cli][system]") {
  TempDir dir;
  dir.write("t.csv", "layer,M,K,N\nbig,256,256,256\n");  // 64 weight tiles of 32 x 32, 8 ops each
  auto cycles = [&](int bank_kib) {
    std::string config = dir.write("c.yaml", "pods: 8\nsram: {bank_kib: " + std::to_string(bank_kib) +
                                                 "}\ndram: {bandwidth_gbps: 100000}\nworkload: {trace: t.csv}\n");
    REQUIRE(run_sosasim("run " + config + " -q -o " + dir.path() + "/o").exit_code == 0);
    return read_json(dir.path() + "/o/summary.json")["cycles"].get<std::uint64_t>();
  };
  // 8 pods x 3 KiB W banks hold 24 tiles: the tile each pod works on, the next one (sent ahead to
  // the pod when the current run begins) and the one after. Fetched in use order, every pod has
  // its next tiles in time and the window costs nothing; fetched in plain weight-major order, the
  // first pods' tiles would fill the window and the last pods would wait.
  CHECK(cycles(3) == cycles(1024));
  // With room for two tiles per pod the next tile is often not on chip yet when the current run
  // begins, so it is not sent ahead (2,280 cycles against 2,262); with room for only the current
  // tiles, each pod waits for its next tile's DRAM latency.
  CHECK(cycles(2) > cycles(3));
  CHECK(cycles(1) > cycles(2));
}

// `csv` without its column `name` (simple CSV: no quoted commas).
std::string without_csv_column(const std::string& csv, const std::string& name) {
  std::istringstream in(csv);
  std::string line, out;
  long drop = -1;
  while (std::getline(in, line)) {
    std::vector<std::string> fields;
    std::istringstream row(line);
    for (std::string field; std::getline(row, field, ',');) fields.push_back(field);
    if (drop < 0) drop = std::find(fields.begin(), fields.end(), name) - fields.begin();
    if (drop < static_cast<long>(fields.size())) fields.erase(fields.begin() + drop);
    for (std::size_t f = 0; f < fields.size(); ++f) out += (f ? "," : "") + fields[f];
    out += "\n";
  }
  return out;
}

TEST_CASE("a reference-fidelity system run agrees with the fast run cycle for cycle", "[cli][system][fidelity]") {
  // The reference pods step every PE every cycle; the fast pods use closed-form op timing. On
  // small systems with dependent layers, a slow DRAM and contention in the networks, the two
  // must give the same cycles, per-layer table, pod counters and energy.
  TempDir dir;
  dir.write("t.csv", "layer,M,K,N,depends_on\na,40,20,24,none\nb,40,24,20,a\nc,17,20,30,b\n");
  dir.write("branches.csv", "layer,M,K,N,depends_on\na,40,20,24,none\nb,40,24,20,a\nc,17,20,30,a\nd,40,20,16,b;c\ne,9,16,40,d\n");
  dir.write("conv.csv", "layer,H,W,C,R,S,out_channels,stride,padding,groups,depends_on\n"
                        "stem,16,16,3,3,3,8,2,1,1,none\ndw,8,8,8,3,3,8,1,1,8,stem\npw,8,8,8,1,1,16,1,0,1,dw\n");
  std::string config = dir.write("c.yaml",
                                 "pods: 4\n"
                                 "array: {rows: 8, cols: 8}\n"
                                 "dram: {bandwidth_gbps: 2, latency_cycles: 7}\n"
                                 "tiling: {partition_size: 8, scheduler: layer_static}\n"
                                 "workload: {trace: t.csv}\n");
  const char* variants[] = {
      "",
      "-p tiling.scheduler=sosa_rounds",
      // the SOSA authors' op list and K reduction: 72 partial sums chained, 24 post-processor ops
      "-p tiling.scheduler=sosa_rounds -p tiling.op_list=sosa_compiler -p tiling.k_reduction=post_processors -p pods=16",
      "-p array.double_buffer_weights=false",
      "-p pods=2 -p dram.bandwidth_gbps=1000 -p array.rows=16",
      "-p pods=16 -p array.rows=4 -p array.cols=4 -p tiling.partition_size=4",
      "-p pods=16 -p interconnect.topology=mesh -p array.cols=4",
      "-p pods=8 -p interconnect.topology=crossbar -p dram.bandwidth_gbps=100",
      "-p pods=16 -p array.rows=4 -p array.cols=4 -p tiling.partition_size=4 -p interconnect.topology=benes "
      "-p tiling.scheduler=sosa_rounds",
      "-p pods=8 -p interconnect.topology=benes -p interconnect.hop_latency=3 -p dram.bandwidth_gbps=1000",
      "-p pods=16 -p interconnect.topology=bus -p dram.bandwidth_gbps=1000 -p array.double_buffer_weights=false",
      "-p interconnect.transfers=ideal -p dram.bandwidth_gbps=1000",
      "-p pods=8 -p tiling.k_reduction=post_processors -p dram.bandwidth_gbps=1000",
      "-p pods=4 -p tiling.order=output_blocks -p tiling.k_reduction=post_processors -p dram.bandwidth_gbps=1000",
      "-p pods=6 -p dram.bandwidth_gbps=1000",  // spread over the butterfly's 8 ports
      // dynamic on a layer graph with branches, and two tenants sharing the pods
      "-p tiling.scheduler=dynamic -p workload.trace=branches.csv",
      "-p tiling.scheduler=dynamic -p pods=16 -p array.rows=4 -p array.cols=4 -p tiling.partition_size=4 "
      "-p workload.trace=branches.csv",
      "-p tiling.scheduler=dynamic -p pods=8 -p tiling.k_reduction=post_processors -p workload.trace=branches.csv",
      "-p tiling.scheduler=dynamic -p pods=8 -p dram.bandwidth_gbps=20 -p 'workload=[{trace: branches.csv},{trace: t.csv}]'",
      "-p tiling.scheduler=dynamic -p pods=4 -p interconnect.topology=mesh -p dram.bandwidth_gbps=20 "
      "-p 'workload=[{trace: branches.csv},{trace: t.csv}]'",
      // tiles through the router engines: the flit-level reference network against the fast one
      // sosa_rounds with ready layers and two tenants sharing rounds
      "-p tiling.scheduler=sosa_rounds -p tiling.layers=concurrent -p pods=8 -p workload.trace=branches.csv",
      "-p tiling.scheduler=sosa_rounds -p tiling.layers=concurrent -p tiling.op_list=sosa_compiler "
      "-p tiling.k_reduction=post_processors -p pods=16 -p 'workload=[{trace: branches.csv},{trace: t.csv}]'",
      "-p interconnect.transfers=routers -p pods=8",
      "-p interconnect.transfers=routers -p pods=16 -p array.rows=4 -p array.cols=4 -p tiling.partition_size=4 "
      "-p dram.bandwidth_gbps=1000",
      "-p interconnect.transfers=routers -p pods=16 -p interconnect.topology=mesh -p array.cols=4",
      "-p interconnect.transfers=routers -p pods=8 -p interconnect.topology=crossbar -p dram.bandwidth_gbps=1000",
      "-p interconnect.transfers=routers -p pods=8 -p interconnect.topology=benes -p interconnect.hop_latency=3 "
      "-p dram.bandwidth_gbps=1000 -p interconnect.routing=random_first",
      "-p interconnect.transfers=routers -p pods=16 -p interconnect.topology=benes -p array.rows=4 -p array.cols=4 "
      "-p tiling.partition_size=4",
      "-p interconnect.transfers=routers -p pods=8 -p interconnect.topology=bus -p dram.bandwidth_gbps=1000",
      "-p interconnect.transfers=routers -p pods=6 -p interconnect.expansion=4 -p dram.bandwidth_gbps=1000 "
      "-p interconnect.routing=oblivious",
      "-p interconnect.transfers=routers -p pods=8 -p tiling.k_reduction=post_processors -p dram.bandwidth_gbps=1000",
      "-p interconnect.transfers=routers -p tiling.scheduler=dynamic -p pods=8 -p tiling.k_reduction=post_processors "
      "-p workload.trace=branches.csv",
      "-p interconnect.transfers=routers -p tiling.scheduler=dynamic -p pods=8 -p dram.bandwidth_gbps=20 "
      "-p 'workload=[{trace: branches.csv},{trace: t.csv}]'",
      // a later tenant's weight tile arriving in the cycle an idle pod asked (found by the random test)
      "-p pods=3 -p tiling.scheduler=dynamic -p tiling.partition_size=4 -p interconnect.expansion=1 "
      "-p dram.bandwidth_gbps=1000 -p format.type=bf16 -p sram.bank_kib=1 -p dram.inputs=im2col "
      "-p dram.latency_cycles=50 -p 'workload=[{trace: branches.csv},{trace: conv.csv}]'",
      // a topology per network: X a mesh, W a crossbar, P a bus (link calendar, routers, rounds)
      "-p pods=8 -p interconnect.x.topology=mesh -p interconnect.w.topology=crossbar -p interconnect.p.topology=bus "
      "-p tiling.k_reduction=post_processors -p dram.bandwidth_gbps=1000",
      "-p interconnect.transfers=routers -p pods=8 -p interconnect.x.topology=mesh -p interconnect.w.topology=crossbar "
      "-p interconnect.p.topology=bus -p tiling.k_reduction=post_processors -p dram.bandwidth_gbps=1000",
      "-p tiling.scheduler=sosa_rounds -p pods=8 -p 'interconnect.w={topology: butterfly, expansion: 4}' "
      "-p interconnect.x.topology=benes",
      "-p interconnect.transfers=routers -p pods=8 -p interconnect.x.hop_latency=3 -p interconnect.w.topology=crossbar "
      "-p dram.bandwidth_gbps=1000",
  };
  for (const char* variant : variants) {
    INFO("variant: " << variant);
    auto run = [&](const std::string& fidelity) {
      std::string out = dir.path() + "/" + fidelity;
      Outcome outcome = run_sosasim("run " + config + " -q -o " + out + " -p simulation.fidelity=" + fidelity + " " +
                                    variant);
      REQUIRE(outcome.exit_code == 0);
      // The pod-cycles waiting for DRAM are counted from the pods' peeks, which the reference array
      // makes for the cycle it simulates (one behind): every other column must agree.
      return std::make_pair(read_json(out + "/summary.json"),
                            without_csv_column(read_text(out + "/layers.csv"), "dram_wait_pod_cycles"));
    };
    auto [fast, fast_layers] = run("fast");
    auto [reference, reference_layers] = run("reference");
    CHECK(fast["cycles"] == reference["cycles"]);
    CHECK(fast_layers == reference_layers);
    CHECK(fast["energy_breakdown_j"] == reference["energy_breakdown_j"]);
    CHECK(fast["networks"] == reference["networks"]);
    for (const auto& [name, stat] : fast["pod_stats"].items()) {
      INFO("pod stat: " << name);
      double expected = stat["value"].get<double>();
      CHECK(reference["pod_stats"][name]["value"].get<double>() == expected);
    }
  }
}

TEST_CASE("post-processor reduction counts its additions and their energy", "[cli][system]") {
  // One output tile of 8 x 8 with four K blocks, one on each of 4 pods: the reduction tree adds
  // three partial tiles of 64 values on the post-processors; free reduction adds none.
  TempDir dir;
  dir.write("k.csv", "layer,M,K,N\nk,8,32,8\n");
  std::string config = dir.write("c.yaml", "pods: 4\narray: {rows: 8, cols: 8}\ntiling: {partition_size: 8, "
                                           "scheduler: layer_static}\nworkload: {trace: k.csv}\n");
  for (const char* reduction : {"free", "post_processors"}) {
    INFO(reduction);
    REQUIRE(run_sosasim("run " + config + " -q -o " + dir.path() + "/o -p tiling.k_reduction=" + reduction).exit_code == 0);
    nlohmann::json summary = read_json(dir.path() + "/o/summary.json");
    const double additions = summary["activity"]["post_processor_additions"].get<double>();
    CHECK(additions == (std::string(reduction) == "free" ? 0.0 : 192.0));
    CHECK(summary["energy_breakdown_j"]["post_processor"].get<double>() == Approx(additions * 0.1e-12));
  }
}

TEST_CASE("each network may have its own topology", "[cli][system][interconnect]") {
  TempDir dir;
  dir.write("t.csv", "layer,M,K,N\na,256,256,256\nb,256,256,64\n");
  std::string config = dir.write("c.yaml", "pods: 16\narray: {rows: 16, cols: 16}\ntiling: {partition_size: 16}\n"
                                           "dram: {bandwidth_gbps: 1000}\nworkload: {trace: t.csv}\n");
  auto run = [&](const std::string& extra, const std::string& out) {
    Outcome outcome = run_sosasim("run " + config + " -q -o " + dir.path() + "/" + out + " " + extra);
    REQUIRE(outcome.exit_code == 0);
    return read_json(dir.path() + "/" + out + "/summary.json");
  };
  nlohmann::json uniform = run("", "u");
  nlohmann::json all_mesh = run("-p interconnect.topology=mesh", "m");
  nlohmann::json x_mesh = run("-p interconnect.x.topology=mesh", "x");
  // Only the X network is a mesh: no multicast of input tiles there, so it is slower than the
  // butterfly, and its power sits between the two uniform machines'.
  CHECK(x_mesh["cycles"].get<double>() > uniform["cycles"].get<double>());
  CHECK(x_mesh["networks"]["w"] == uniform["networks"]["w"]);
  CHECK(x_mesh["networks"]["x"]["joined_a_multicast"] == 0);
  CHECK(x_mesh["peak_power_w"].get<double>() > std::min(uniform["peak_power_w"].get<double>(), all_mesh["peak_power_w"].get<double>()));
  CHECK(x_mesh["peak_power_w"].get<double>() < std::max(uniform["peak_power_w"].get<double>(), all_mesh["peak_power_w"].get<double>()));
  CHECK_THAT(x_mesh["topology"].get<std::string>(), Contains("X: 4x4 mesh"));
  CHECK(x_mesh["activity"]["network_bytes_by_network"]["x"].get<double>() > 0);
  // Giving every network the section's own topology changes nothing.
  nlohmann::json explicit_same = run("-p interconnect.x.topology=butterfly -p interconnect.x.expansion=2 "
                                     "-p interconnect.w.topology=butterfly -p interconnect.w.expansion=2", "s");
  CHECK(explicit_same["cycles"] == uniform["cycles"]);
  CHECK(explicit_same["peak_power_w"] == uniform["peak_power_w"]);
  // A network's own hop latency: a slower W network delays every weight change; under lock-step
  // rounds a slower P network lengthens the 2L + 1 round minimum.
  CHECK(run("-p interconnect.w.hop_latency=3", "h")["cycles"].get<double>() > uniform["cycles"].get<double>());
  nlohmann::json rounds = run("-p tiling.scheduler=sosa_rounds -p array.ideal_fill_drain=true", "r");
  nlohmann::json slow_p = run("-p tiling.scheduler=sosa_rounds -p array.ideal_fill_drain=true -p interconnect.p.hop_latency=8", "rp");
  CHECK(slow_p["stats"]["rounds"] == rounds["stats"]["rounds"]);
  CHECK(slow_p["cycles"].get<double>() > rounds["cycles"].get<double>());
  Outcome bad = run_sosasim("run " + config + " -q -o " + dir.path() + "/b -p interconnect.w.topolgy=mesh");
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.output, Contains("interconnect.w.topolgy"));
  CHECK_THAT(bad.output, Contains("did you mean 'topology'"));
}

TEST_CASE("router transfers under lock-step rounds are refused with the key named", "[cli][system][errors]") {
  Outcome outcome = run_sosasim("run -q -p tiling.scheduler=sosa_rounds -p interconnect.transfers=routers");
  CHECK(outcome.exit_code == 2);
  CHECK_THAT(outcome.output, Contains("interconnect.transfers"));
  CHECK_THAT(outcome.output, Contains("sosa_rounds"));
  Outcome routing = run_sosasim("run -q -p interconnect.routing=zigzag");
  CHECK(routing.exit_code == 2);
  CHECK_THAT(routing.output, Contains("interconnect.routing"));
}

TEST_CASE("reference fidelity refuses what it does not model", "[cli][system][fidelity][errors]") {
  Outcome ideal = run_sosasim("run -q -p simulation.fidelity=reference -p array.ideal_fill_drain=true");
  CHECK(ideal.exit_code == 2);
  CHECK_THAT(ideal.output, Contains("ideal_fill_drain"));
  Outcome bad = run_sosasim("run -q -p simulation.fidelity=exact");
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.output, Contains("simulation.fidelity"));
}

TEST_CASE("a training run: epochs of steps under a format schedule", "[cli][formats][training]") {
  TempDir dir;
  // Three layers forward, then their backward GEMMs (as scripts/gen_models.py --training writes).
  std::string trace = dir.write("step.csv",
                                "layer,M,K,N,depends_on\n"
                                "first,64,32,64,none\nmid,64,64,64,first\nlast,64,64,16,mid\n"
                                "last.dX,64,16,64,last\nlast.dW,64,64,16,last\n"
                                "mid.dX,64,64,64,last.dX\nmid.dW,64,64,64,last.dX\nfirst.dW,32,64,64,mid.dX\n");
  const std::string machine = "run -p pods=4 -p array.rows=8 -p array.cols=8 -p workload.trace=" + trace;
  Outcome run = run_sosasim(machine + " -p training.epochs=5 -p training.steps_per_epoch=10 -p \"training.schedule=1-4 "
                            "bfp:3:16 first_last bfp:5:16; 5 mxfp8_e4m3\" -o " + dir.path() + "/t");
  REQUIRE(run.exit_code == 0);
  CHECK_THAT(run.output, Contains("MAC share"));
  nlohmann::json t = read_json(dir.path() + "/t/summary.json")["training"];
  REQUIRE(t["phases"].size() == 2);
  CHECK(t["steps"] == 50);
  double cycles = 0, energy = 0;
  for (const auto& phase : t["phases"]) {
    cycles += phase["steps"].get<double>() * phase["step_cycles"].get<double>();
    energy += phase["steps"].get<double>() * phase["step_energy_j"].get<double>();
  }
  CHECK(t["cycles"].get<double>() == Approx(cycles));
  CHECK(t["energy_j"].get<double>() == Approx(energy));
  // Each phase's step is a full run: its layers ran at the phase's formats, the first and last
  // layers' forward and backward GEMMs at first_last.
  std::map<std::string, std::string> format_of;
  for (const auto& row : read_layers_csv(dir.path() + "/t/phases/0/layers.csv")) format_of[row.at("layer")] = row.at("format");
  CHECK(format_of["first"] == "bfp6_b16");
  CHECK(format_of["first.dW"] == "bfp6_b16");
  CHECK(format_of["last.dX"] == "bfp6_b16");
  CHECK(format_of["mid"] == "bfp4_b16");
  CHECK(format_of["mid.dW"] == "bfp4_b16");
  // MAC shares: epochs 1-4 at HBFP4 but for first and last (64x32x64 + 64x64x16 forward, and
  // their backward GEMMs), epoch 5 all MXFP8.
  const double step = 64 * 32 * 64 + 64 * 64 * 64 + 64 * 64 * 16 + 64 * 16 * 64 + 64 * 64 * 16 + 64 * 64 * 64 * 2 + 32 * 64 * 64;
  const double edge = 64 * 32 * 64 + 64 * 64 * 16 + 64 * 16 * 64 + 64 * 64 * 16 + 32 * 64 * 64;
  CHECK(t["mac_share"]["bfp4_b16"].get<double>() == Approx(0.8 * (step - edge) / step));
  CHECK(t["mac_share"]["bfp6_b16"].get<double>() == Approx(0.8 * edge / step));
  CHECK(t["mac_share"]["mxfp8_e4m3"].get<double>() == Approx(0.2));
  CHECK(t["silicon"]["fp32_over_schedule"].get<double>() > 1);
  CHECK(t["silicon"]["fp32_over_schedule_weighted"].get<double>() > t["silicon"]["fp32_over_schedule"].get<double>());

  // Bad schedules and a trace without backward GEMMs: exit 2 naming the key and the problem.
  Outcome gap = run_sosasim(machine + " -p training.epochs=5 -p \"training.schedule=1-3 bfp:3; 5 bfp:5\" -o " + dir.path() + "/g");
  CHECK(gap.exit_code == 2);
  CHECK_THAT(gap.output, Contains("training.schedule"));
  CHECK_THAT(gap.output, Contains("expected 4"));
  Outcome short_run = run_sosasim(machine + " -p training.epochs=5 -p \"training.schedule=1-3 bfp:3\" -o " + dir.path() + "/s");
  CHECK(short_run.exit_code == 2);
  CHECK_THAT(short_run.output, Contains("end at epoch 3"));
  Outcome format = run_sosasim(machine + " -p training.epochs=1 -p \"training.schedule=1 mxfp9\" -o " + dir.path() + "/f");
  CHECK(format.exit_code == 2);
  CHECK_THAT(format.output, Contains("mxfp9"));
  Outcome words = run_sosasim(machine + " -p training.epochs=1 -p \"training.schedule=1 bfp:3 first bfp:5\" -o " + dir.path() + "/w");
  CHECK(words.exit_code == 2);
  Outcome no_epochs = run_sosasim(machine + " -p \"training.schedule=1 bfp:3\" -o " + dir.path() + "/n");
  CHECK(no_epochs.exit_code == 2);
  CHECK_THAT(no_epochs.output, Contains("training.epochs"));
  std::string inference = dir.write("inference.csv", "layer,M,K,N\na,64,64,64\n");
  Outcome forward_only = run_sosasim("run -p pods=4 -p array.rows=8 -p array.cols=8 -p workload.trace=" + inference +
                                     " -p training.epochs=1 -o " + dir.path() + "/i");
  CHECK(forward_only.exit_code == 2);
  CHECK_THAT(forward_only.output, Contains("training-step trace"));
}

TEST_CASE("workload llm: a serving iteration's GEMMs from a config.json or the zoo", "[cli][workloads][llm]") {
  TempDir dir;
  // A decode token of Llama-3-8B with 512 cached tokens is the zoo's llama3_8b_decode512, row for
  // row (names, shapes, heads, dependencies, activation operands), but for grouped-query
  // attention: the zoo trace has one scores GEMM per query head, the model one per key-value head
  // whose rows are the 4 query heads sharing it (each K and V tile is loaded once).
  REQUIRE(run_sosasim("workload llm llama3_8b --decode 513 -o " + dir.path() + "/d.csv").exit_code == 0);
  auto rows = [](const std::string& path, std::int64_t group) {
    std::multiset<std::string> out;
    for (auto row : read_layers_csv(path)) {
      const std::string& name = row.at("layer");
      if (name.find(".attn.qk") != std::string::npos || name.find(".attn.pv") != std::string::npos) {
        row["M"] = std::to_string(std::stoll(row.at("M")) * group);
        row["count"] = std::to_string(std::stoll(row.at("count")) / group);
      }
      std::string depends = row.count("depends_on") ? row.at("depends_on") : "";
      std::vector<std::string> names;
      std::stringstream split(depends);
      for (std::string name; std::getline(split, name, ';');) names.push_back(name);
      std::sort(names.begin(), names.end());
      std::string joined;
      for (const auto& n : names) joined += n + ";";
      out.insert(row.at("layer") + "," + row.at("M") + "," + row.at("K") + "," + row.at("N") + "," + row.at("count") + "," +
                 row.at("w_operand") + "," + joined);
    }
    return out;
  };
  CHECK(rows(dir.path() + "/d.csv", 1) == rows(std::string(SOSASIM_SOURCE_DIR) + "/workloads/models/llama3_8b_decode512.csv", 4));
  // Meta's config.json of Llama-3-8B, every key as published, is the zoo's llama3_8b.
  Outcome published = run_sosasim("workload llm " + std::string(SOSASIM_SOURCE_DIR) + "/workloads/llm_configs/llama3_8b.json --json");
  Outcome zoo = run_sosasim("workload llm llama3_8b --json");
  REQUIRE(published.exit_code == 0);
  REQUIRE(zoo.exit_code == 0);
  nlohmann::json from_file = nlohmann::json::parse(published.output), from_zoo = nlohmann::json::parse(zoo.output);
  from_file.erase("name");
  from_zoo.erase("name");
  CHECK(from_file == from_zoo);
  // A model too large for 64-bit sizes is refused, naming the key.
  const std::string huge = dir.write("huge.json", R"({"model_type": "llama", "num_hidden_layers": 4000, "hidden_size": 16000000,
    "num_attention_heads": 16000000, "intermediate_size": 16000000, "vocab_size": 100})");
  Outcome too_large = run_sosasim("workload llm " + huge + " --json");
  CHECK(too_large.exit_code == 2);
  CHECK_THAT(too_large.output, Contains("out of range"));
  // A prefill computes logits for its last prompt token only.
  REQUIRE(run_sosasim("workload llm llama3_8b --prefill 512 -o " + dir.path() + "/p.csv").exit_code == 0);
  for (const auto& row : read_layers_csv(dir.path() + "/p.csv"))
    if (row.at("layer") == "lm_head") CHECK(row.at("M") == "1");
  // A batch: two decodes and a prefill chunk that does not end its prompt (no logits for it).
  REQUIRE(run_sosasim("workload llm llama3_8b --decode 100 --decode 300 --chunk 64:192 -o " + dir.path() + "/b.csv")
              .exit_code == 0);
  std::map<std::string, std::map<std::string, std::string>> by_name;
  for (const auto& row : read_layers_csv(dir.path() + "/b.csv")) by_name[row.at("layer")] = row;
  CHECK(by_name["layers.0.attn.q_proj"]["M"] == "66");
  CHECK(by_name["layers.0.attn.qk.r1"]["N"] == "300");
  CHECK(by_name["layers.0.attn.pv.r2"]["M"] == "256");  // 64 tokens of the 4 query heads sharing a KV head
  CHECK(by_name["layers.0.attn.pv.r2"]["K"] == "192");
  CHECK(by_name["layers.0.attn.pv.r2"]["count"] == "8");
  CHECK(by_name["lm_head"]["M"] == "2");
  // Such a trace runs (GPT-2's, small enough for the sanitizer build).
  REQUIRE(run_sosasim("workload llm gpt2 --decode 100 --decode 300 --chunk 64:192 -o " + dir.path() + "/g.csv").exit_code == 0);
  CHECK(run_sosasim("run -q -p pods=16 -p workload.trace=" + dir.path() + "/g.csv -o " + dir.path() + "/out").exit_code == 0);

  // config.json of each family: their keys, grouped-query heads, a mixture of experts.
  std::string mixtral = dir.write("mixtral.json",
                                  "{\"model_type\": \"mixtral\", \"hidden_size\": 64, \"num_hidden_layers\": 2, "
                                  "\"num_attention_heads\": 4, \"num_key_value_heads\": 2, \"intermediate_size\": 96, "
                                  "\"vocab_size\": 100, \"num_local_experts\": 4, \"num_experts_per_tok\": 2}");
  Outcome figures = run_sosasim("workload llm " + mixtral + " --json");
  REQUIRE(figures.exit_code == 0);
  nlohmann::json m = nlohmann::json::parse(figures.output);
  CHECK(m["kv_elements_per_token"] == 2 * 2 * 2 * 16);
  CHECK(m["gemm_weights"] == 2 * (64 * (4 + 4) * 16 + 64 * 64 + 4 * 3 * 64 * 96 + 64 * 4) + 64 * 100);
  REQUIRE(run_sosasim("workload llm " + mixtral + " --prefill 5 -o " + dir.path() + "/m.csv").exit_code == 0);
  std::int64_t routed = 0;
  for (const auto& row : read_layers_csv(dir.path() + "/m.csv"))
    if (row.at("layer").rfind("layers.0.mlp.experts.", 0) == 0 && row.at("layer").find("down_proj") != std::string::npos)
      routed += std::stoll(row.at("M"));
  CHECK(routed == 5 * 2);  // each of 5 tokens to 2 experts
  // Skewed routing (a Zipf law): the first expert gets the most, all tokens are still routed.
  REQUIRE(run_sosasim("workload llm " + mixtral + " --prefill 40 --expert-skew 1.5 -o " + dir.path() + "/z.csv").exit_code == 0);
  std::vector<std::int64_t> per_expert(4, 0);
  for (const auto& row : read_layers_csv(dir.path() + "/z.csv"))
    for (int e = 0; e < 4; ++e)
      if (row.at("layer") == "layers.0.mlp.experts." + std::to_string(e) + ".down_proj") per_expert[e] = std::stoll(row.at("M"));
  // 80 routed x (1, 2^-1.5, 3^-1.5, 4^-1.5) / 1.7101 = 47.88, 16.93, 9.21, 5.98: 77 by the whole
  // parts, the 3 left to the largest remainders (.98, .93, .88).
  CHECK(per_expert == std::vector<std::int64_t>{48, 17, 9, 6});
  CHECK(run_sosasim("workload llm llama3_8b --expert-skew 1 --prefill 4").exit_code == 2);
  std::string gpt2 = dir.write("gpt2.json", "{\"model_type\": \"gpt2\", \"n_embd\": 32, \"n_layer\": 1, \"n_head\": 4, "
                                            "\"vocab_size\": 50, \"n_inner\": null}");
  Outcome g = run_sosasim("workload llm " + gpt2 + " --json");
  REQUIRE(g.exit_code == 0);
  CHECK(nlohmann::json::parse(g.output)["ffn"] == 128);
  std::string opt = dir.write("opt.json", "{\"model_type\": \"opt\", \"hidden_size\": 32, \"num_hidden_layers\": 1, "
                                          "\"num_attention_heads\": 4, \"ffn_dim\": 64, \"vocab_size\": 50}");
  Outcome o = run_sosasim("workload llm " + opt + " --json");
  REQUIRE(o.exit_code == 0);
  CHECK(nlohmann::json::parse(o.output)["gated_mlp"] == false);

  // Bad input: exit 2 naming the file and the key.
  std::string unknown = dir.write("unknown.json", "{\"model_type\": \"bloom\", \"hidden_size\": 32}");
  Outcome u = run_sosasim("workload llm " + unknown + " --json");
  CHECK(u.exit_code == 2);
  CHECK_THAT(u.output, Contains("unknown.json") && Contains("model_type") && Contains("bloom"));
  std::string missing = dir.write("missing.json", "{\"model_type\": \"llama\", \"hidden_size\": 32}");
  Outcome mi = run_sosasim("workload llm " + missing + " --json");
  CHECK(mi.exit_code == 2);
  CHECK_THAT(mi.output, Contains("num_hidden_layers"));
  std::string broken = dir.write("broken.json", "{\n\"model_type\": \"llama\",\n\"hidden_size\": 32,,\n}");
  Outcome b = run_sosasim("workload llm " + broken + " --json");
  CHECK(b.exit_code == 2);
  CHECK_THAT(b.output, Contains("broken.json:3") && Contains("JSON"));
  std::string heads = dir.write("heads.json", "{\"model_type\": \"llama\", \"hidden_size\": 32, \"num_hidden_layers\": 1, "
                                              "\"num_attention_heads\": 4, \"num_key_value_heads\": 3, "
                                              "\"intermediate_size\": 64, \"vocab_size\": 50}");
  CHECK_THAT(run_sosasim("workload llm " + heads + " --json").output, Contains("num_key_value_heads"));
  CHECK(run_sosasim("workload llm llama3_8b --chunk 64").exit_code == 2);
  CHECK(run_sosasim("workload llm llama3_8b --chunk 300:200").exit_code == 2);
  CHECK(run_sosasim("workload llm llama3_8b").exit_code == 2);
  CHECK(run_sosasim("workload llm llama9").exit_code == 2);
}

// Serving (issue 18) on a tiny decoder (2 layers, hidden 64, 4 query heads sharing 2 key-value
// heads) and a small machine, so that every phase simulates in milliseconds.
namespace {

struct ServingFixture {
  TempDir dir;
  std::string model = dir.write("tiny.json", R"({"model_type": "llama", "num_hidden_layers": 2, "hidden_size": 64,
    "num_attention_heads": 4, "num_key_value_heads": 2, "intermediate_size": 128, "vocab_size": 256})");
  std::string machine = "serve -q -p pods=4 -p array.rows=8 -p array.cols=8 -p tiling.partition_size=8 -p serving.model=" + model;
  Outcome serve(const std::string& requests_csv, const std::string& extra, const std::string& out) {
    const std::string trace = requests_csv.empty() ? "" : " -p serving.requests=" + dir.write(out + ".csv", requests_csv);
    return run_sosasim(machine + trace + " " + extra + " -o " + dir.path() + "/" + out);
  }
  nlohmann::json summary(const std::string& out) { return read_json(dir.path() + "/" + out + "/summary.json"); }
  std::vector<std::map<std::string, std::string>> requests(const std::string& out) {
    return read_layers_csv(dir.path() + "/" + out + "/requests.csv");
  }
};

}  // namespace

TEST_CASE("serve: requests over time, continuous batching, TTFT and TPOT from the cycle-level machine", "[cli][serving]") {
  ServingFixture f;
  const std::string trace =
      "arrival_s,prompt_tokens,output_tokens,id\n0,40,6,a\n0,24,4,b\n0.00001,60,5,c\n0.5,16,3,d\n0.5,16,1,e\n";
  Outcome out = f.serve(trace, "--timeline " + f.dir.path() + "/t.json", "s");
  REQUIRE(out.exit_code == 0);
  const nlohmann::json s = f.summary("s");
  const nlohmann::json& serving = s["serving"];
  CHECK(serving["requests"] == 5);
  CHECK(serving["completed"] == 5);
  for (const char* key : {"ttft_s", "tpot_s", "latency_s", "queue_s"})
    for (const char* p : {"mean", "p50", "p90", "p99"}) CHECK(serving[key].contains(p));
  for (const char* key : {"requests_per_s", "output_tokens_per_s", "tokens_per_s_per_w", "energy_per_token_j", "kv_peak_bytes",
                          "iterations"})
    CHECK(serving[key].get<double>() > 0);
  // The machine figures of `run` cover every iteration: its cycles are the iterations' cycles.
  std::uint64_t iteration_cycles = 0;
  const auto iterations = read_layers_csv(f.dir.path() + "/s/iterations.csv");
  for (const auto& row : iterations) iteration_cycles += std::stoull(row.at("cycles"));
  CHECK(s["cycles"].get<std::uint64_t>() == iteration_cycles);
  CHECK(s["energy_j"].get<double>() > 0);
  CHECK(iterations.size() == serving["iterations"].get<std::size_t>());
  // Output tokens: 6 + 4 + 5 + 3 + 1, the first of each from its prefill.
  CHECK(serving["output_tokens"] == 19);
  CHECK(serving["prefill_tokens"] == 40 + 24 + 60 + 16 + 16);
  CHECK(serving["decode_tokens"] == 19 - 5);
  const auto rows = f.requests("s");
  REQUIRE(rows.size() == 5);
  for (const auto& row : rows) {
    CHECK(std::stod(row.at("ttft_s")) > 0);
    CHECK(std::stod(row.at("latency_s")) >= std::stod(row.at("ttft_s")));
    CHECK(std::stod(row.at("queue_s")) >= 0);
  }
  CHECK(rows[4].at("id") == "e");
  CHECK(rows[4].at("tpot_s").empty());  // one output token: no time per output token
  // a, b and c arrive together and are batched: c's prefill waits for no one else's decode to end.
  CHECK(std::stod(rows[2].at("finish_s")) < 0.5);
  // The timeline: an iteration span per iteration and the KV cache's occupancy.
  const nlohmann::json timeline = read_json(f.dir.path() + "/t.json");
  std::size_t spans = 0, kv = 0;
  for (const auto& event : timeline["traceEvents"]) {
    spans += event["name"] == "iteration" ? 1 : 0;
    kv += event["name"] == "kv_cache_bytes" ? 1 : 0;
  }
  CHECK(spans == iterations.size());
  CHECK(kv == iterations.size());
  // run with a serving: section is the same run.
  REQUIRE(run_sosasim("run -q -p pods=4 -p array.rows=8 -p array.cols=8 -p tiling.partition_size=8 -p serving.model=" + f.model +
                      " -p serving.requests=" + f.dir.path() + "/s.csv -o " + f.dir.path() + "/r").exit_code == 0);
  CHECK(f.summary("r")["serving"]["ttft_s"] == serving["ttft_s"]);
}

TEST_CASE("serve: reused phases give results identical to simulating every phase, preemptions included", "[cli][serving]") {
  ServingFixture f;
  // 128 bytes of K and V per token (2 x 2 layers x 2 heads x 16 x 1 byte), blocks of 4 tokens:
  // 20 blocks hold 80 tokens, fewer than the three requests need together, so the latest
  // admitted is preempted and recomputed.
  const std::string trace = "arrival_s,prompt_tokens,output_tokens\n0,30,12\n0,20,16\n0,18,10\n0.001,9,4\n";
  const std::string kv = "-p serving.kv_cache.block_tokens=4 -p serving.kv_cache.capacity_gib=" + std::to_string(20 * 512 / 1073741824.0) +
                         " -p serving.batching.max_batched_tokens=32 -p serving.batching.max_batch=3";
  REQUIRE(f.serve(trace, kv, "reuse").exit_code == 0);
  REQUIRE(f.serve(trace, kv + " -p serving.reuse=false", "fresh").exit_code == 0);
  nlohmann::json reuse = f.summary("reuse"), fresh = f.summary("fresh");
  CHECK(reuse["serving"]["preemptions"].get<int>() > 0);
  CHECK(reuse["serving"]["phases_reused"].get<int>() > 0);
  CHECK(fresh["serving"]["phases_reused"] == 0);
  CHECK(fresh["serving"]["phases_simulated"].get<int>() > reuse["serving"]["phases_simulated"].get<int>());
  for (const char* key : {"phases_simulated", "phases_reused"}) {
    reuse["serving"].erase(key);
    fresh["serving"].erase(key);
  }
  // Integers (cycles, tokens, times from cycles) equal; sums of fractional figures (bytes, energy)
  // added in another order agree to the last bits.
  std::function<void(const nlohmann::json&, const nlohmann::json&, const std::string&)> same =
      [&](const nlohmann::json& a, const nlohmann::json& b, const std::string& path) {
        INFO(path);
        if (a.is_number_float() || b.is_number_float()) {
          CHECK(a.get<double>() == Approx(b.get<double>()).epsilon(1e-12));
        } else if (a.is_object() && b.is_object()) {
          CHECK(a.size() == b.size());
          for (auto it = a.begin(); it != a.end(); ++it) {
            REQUIRE(b.contains(it.key()));
            same(it.value(), b[it.key()], path + "." + it.key());
          }
        } else if (a.is_array() && b.is_array() && a.size() == b.size()) {
          for (std::size_t i = 0; i < a.size(); ++i) same(a[i], b[i], path + "[" + std::to_string(i) + "]");
        } else {
          CHECK(a == b);
        }
      };
  same(reuse["serving"], fresh["serving"], "serving");
  CHECK(reuse["serving"]["ttft_s"] == fresh["serving"]["ttft_s"]);  // (times come from whole cycles)
  CHECK(reuse["cycles"] == fresh["cycles"]);
  for (const char* key : {"useful_macs", "energy_j", "bytes_by_operand", "networks", "activity", "pod_stats"})
    same(reuse[key], fresh[key], key);
  CHECK(read_text(f.dir.path() + "/reuse/requests.csv") == read_text(f.dir.path() + "/fresh/requests.csv"));
  CHECK(read_text(f.dir.path() + "/reuse/iterations.csv") == read_text(f.dir.path() + "/fresh/iterations.csv"));
  CHECK(read_text(f.dir.path() + "/reuse/layers.csv") == read_text(f.dir.path() + "/fresh/layers.csv"));
}

TEST_CASE("serve: TTFT grows with the prompt; a decode step is DRAM-bound at batch 1", "[cli][serving]") {
  ServingFixture f;
  // One request at a time, far apart: no queueing, so TTFT is the prefill's time.
  REQUIRE(f.serve("arrival_s,prompt_tokens,output_tokens\n0,16,2\n1,64,2\n2,256,2\n", "", "p").exit_code == 0);
  const auto rows = f.requests("p");
  REQUIRE(rows.size() == 3);
  CHECK(std::stod(rows[0].at("ttft_s")) < std::stod(rows[1].at("ttft_s")));
  CHECK(std::stod(rows[1].at("ttft_s")) < std::stod(rows[2].at("ttft_s")));
  for (const auto& row : rows) CHECK(std::stod(row.at("queue_s")) == 0);
  // A decode iteration at batch 1 moves every weight from DRAM: it takes at least the weights'
  // bytes over the DRAM bandwidth (int8: a byte per weight).
  const auto iterations = read_layers_csv(f.dir.path() + "/p/iterations.csv");
  const double weights = 2 * (64.0 * (4 + 2 * 2) * 16 + 4 * 16 * 64 + 3 * 64 * 128) + 64 * 256;
  const double bytes_per_cycle = 1200.0 * 1073741824.0 / 1e9;
  bool decoded = false;
  for (const auto& row : iterations)
    if (row.at("decode_tokens") == "1" && row.at("prefill_tokens") == "0") {
      decoded = true;
      CHECK(std::stod(row.at("cycles")) >= weights / bytes_per_cycle);
    }
  CHECK(decoded);
}

TEST_CASE("serve: generated arrivals are reproducible from their seed", "[cli][serving]") {
  ServingFixture f;
  const std::string arrivals = "-p serving.arrivals.count=12 -p serving.arrivals.rate_per_s=2000 -p "
                               "'serving.arrivals.prompt_tokens={min: 4, max: 40}' -p 'serving.arrivals.output_tokens={min: 1, max: 6}'";
  REQUIRE(f.serve("", arrivals, "a").exit_code == 0);
  REQUIRE(f.serve("", arrivals, "b").exit_code == 0);
  REQUIRE(f.serve("", arrivals + " -p serving.arrivals.seed=7", "c").exit_code == 0);
  CHECK(read_text(f.dir.path() + "/a/requests.csv") == read_text(f.dir.path() + "/b/requests.csv"));
  CHECK(read_text(f.dir.path() + "/a/requests.csv") != read_text(f.dir.path() + "/c/requests.csv"));
  std::set<std::string> prompts;
  for (const auto& row : f.requests("a")) {
    const int prompt = std::stoi(row.at("prompt_tokens")), output = std::stoi(row.at("output_tokens"));
    CHECK(prompt >= 4);
    CHECK(prompt <= 40);
    CHECK(output >= 1);
    CHECK(output <= 6);
    prompts.insert(row.at("prompt_tokens"));
  }
  CHECK(prompts.size() > 3);
  // Fixed-rate arrivals: one every 1/rate seconds.
  REQUIRE(f.serve("", "-p serving.arrivals.process=fixed -p serving.arrivals.count=3 -p serving.arrivals.rate_per_s=4", "fixed").exit_code == 0);
  const auto fixed = f.requests("fixed");
  REQUIRE(fixed.size() == 3);
  CHECK(std::stod(fixed[2].at("arrival_s")) == Approx(0.5));
}

TEST_CASE("serve: malformed request traces, impossible limits and unknown models exit 2 naming what is wrong", "[cli][serving]") {
  ServingFixture f;
  auto fails = [&](const std::string& trace, const std::string& extra, const std::vector<std::string>& words) {
    static int n = 0;
    Outcome out = f.serve(trace, extra, "bad" + std::to_string(n++));
    CHECK(out.exit_code == 2);
    for (const auto& word : words) CHECK_THAT(out.output, Contains(word));
  };
  // Request traces: a bad number (file and line), a missing column, an unknown one, a short row.
  fails("arrival_s,prompt_tokens,output_tokens\n0,16,4\nsoon,16,4\n", "", {".csv:3", "arrival_s", "soon"});
  fails("arrival_s,prompt_tokens,output_tokens\n0,-5,4\n", "", {".csv:2", "prompt_tokens"});
  fails("arrival_s,prompt_tokens\n0,16\n", "", {"output_tokens"});
  fails("arrival_s,prompt_tokens,output_tokens,priority\n0,16,4,1\n", "", {"priority"});
  fails("arrival_s,prompt_tokens,output_tokens\n0,16\n", "", {".csv:2", "fields"});
  fails("arrival_s,prompt_tokens,output_tokens\n", "", {"no requests"});
  // A request that can never fit the KV cache (its line), and one that cannot be computed in an
  // iteration without chunked prefill.
  fails("arrival_s,prompt_tokens,output_tokens\n0,16,4\n0,900,4\n", "-p serving.kv_cache.capacity_gib=0.00002",
        {".csv:3", "KV blocks", "never"});
  fails("arrival_s,prompt_tokens,output_tokens\n0,100,4\n",
        "-p serving.batching.chunked_prefill=false -p serving.batching.max_batched_tokens=64 -p serving.batching.max_batch=8",
        {".csv:2", "max_batched_tokens"});
  // Generated requests that can never fit name the arrivals key.
  fails("", "-p serving.arrivals.prompt_tokens=100000 -p serving.kv_cache.capacity_gib=0.001", {"serving.arrivals", "never"});
  // Impossible limits and capacities.
  fails("", "-p serving.batching.max_batch=64 -p serving.batching.max_batched_tokens=32", {"serving.batching.max_batched_tokens"});
  fails("", "-p serving.batching.max_batch=0", {"serving.batching.max_batch"});
  fails("", "-p serving.kv_cache.location=sram -p serving.kv_cache.capacity_gib=1", {"serving.kv_cache.capacity_gib", "W banks"});
  fails("", "-p serving.kv_cache.location=disk", {"serving.kv_cache.location"});
  fails("", "-p dram.capacity_gib=0.00001", {"dram.capacity_gib", "weights"});
  fails("", "-p serving.arrivals.prompt_tokens={min: 9, max: 3}", {"serving.arrivals.prompt_tokens", "min"});
  fails("", "-p serving.batching.max_bach=3", {"max_bach", "max_batch"});
  fails("", "-p serving.batching.token_buckets=8,4", {"serving.batching.token_buckets", "ascending"});
  fails("", "-p serving.expert_skew=1", {"serving.expert_skew", "no experts"});
  // Models: an unknown architecture, a missing key, not JSON, no such file.
  const std::string bert = f.dir.write("bert.json", R"({"model_type": "bert", "hidden_size": 64})");
  fails("", "-p serving.model=" + bert, {"bert.json", "model_type", "bert"});
  const std::string no_layers = f.dir.write("nolayers.json", R"({"model_type": "llama", "hidden_size": 64})");
  fails("", "-p serving.model=" + no_layers, {"nolayers.json", "num_hidden_layers"});
  const std::string broken = f.dir.write("broken.json", "{\"model_type\": \n");
  fails("", "-p serving.model=" + broken, {"broken.json", "JSON"});
  fails("", "-p serving.model=no_such_model", {"no_such_model", "zoo"});
  const std::string overflow = f.dir.write("overflow.json", "{\"model_type\": \"llama\", \"hidden_size\": 1" + std::string(400, '0') + "}");
  fails("", "-p serving.model=" + overflow, {"overflow.json", "JSON"});  // (found by the trace fuzzer)
  // serve without a model.
  Outcome none = run_sosasim("serve -q -p pods=4 -o " + f.dir.path() + "/none");
  CHECK(none.exit_code == 2);
  CHECK_THAT(none.output, Contains("serving.model"));
}
