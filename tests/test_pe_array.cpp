// The reference PE array against the fast model (same cycles on random cases), its functional
// results against a direct evaluation (bit for bit), and SCALE-Sim v2's compute cycles.
#include <catch2/catch.hpp>

#include <random>

#include "arch/pe_array_reference.h"
#include "arch/pod_gemm.h"

using namespace sosasim;

namespace {

std::int64_t div_up(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

// SCALE-Sim v2's compute cycles, from the demand matrices its compute modules build: per fold
// WS and IS emit r (weight fill) + T + (c - 1) rows skewed by r - 1; OS emits T + (c - 1) rows
// skewed by r - 1; the memory system reports the cycle of the last row, folds x rows - 1.
std::uint64_t scalesim_cycles(const std::string& dataflow, std::int64_t M, std::int64_t K, std::int64_t N,
                              std::int64_t r, std::int64_t c) {
  if (dataflow == "ws") return static_cast<std::uint64_t>(div_up(K, r) * div_up(N, c) * (2 * r + c + M - 2) - 1);
  if (dataflow == "is") return static_cast<std::uint64_t>(div_up(K, r) * div_up(M, c) * (2 * r + c + N - 2) - 1);
  return static_cast<std::uint64_t>(div_up(M, r) * div_up(N, c) * (r + c + K - 2) - 1);
}

PodGemmSpec scalesim_spec(const std::string& dataflow, std::int64_t M, std::int64_t K, std::int64_t N, std::int64_t r,
                          std::int64_t c) {
  PodGemmSpec spec;
  spec.M = M;
  spec.K = K;
  spec.N = N;
  spec.array.rows = r;
  spec.array.cols = c;
  spec.array.double_buffer_weights = false;
  parse_dataflow(dataflow, spec.array.dataflow);
  spec.partition = 0;
  return spec;
}

}  // namespace

TEST_CASE("SCALE-Sim v2 golden compute cycles, 32x32, GEMM M=256 N=128 K=256", "[pod][scalesim]") {
  // scale-sim-v2 test/general/golden_trace_user_{ws,os,is}/COMPUTE_REPORT.csv: total cycles
  // minus stall cycles = 52447 - 41248, 52447 - 42272, 19984 - 5777.
  CHECK(run_pod_gemm(scalesim_spec("ws", 256, 256, 128, 32, 32)).cycles - 1 == 11199);
  CHECK(run_pod_gemm(scalesim_spec("os", 256, 256, 128, 32, 32)).cycles - 1 == 10175);
  CHECK(run_pod_gemm(scalesim_spec("is", 256, 256, 128, 32, 32)).cycles - 1 == 14207);
}

TEST_CASE("SCALE-Sim compute cycles on layers that are not multiples of the array", "[pod][scalesim]") {
  std::mt19937 rng(11);
  std::uniform_int_distribution<std::int64_t> dim(1, 200), side(1, 24);
  for (int trial = 0; trial < 60; ++trial) {
    std::int64_t M = dim(rng), K = dim(rng), N = dim(rng), r = side(rng), c = side(rng);
    for (const char* dataflow : {"ws", "os", "is"}) {
      PodGemmSpec spec = scalesim_spec(dataflow, M, K, N, r, c);
      INFO(dataflow << " M=" << M << " K=" << K << " N=" << N << " r=" << r << " c=" << c);
      CHECK(run_pod_gemm(spec).cycles - 1 == scalesim_cycles(dataflow, M, K, N, r, c));
      if (trial % 10 == 0) {
        spec.reference = true;
        CHECK(run_pod_gemm(spec).cycles - 1 == scalesim_cycles(dataflow, M, K, N, r, c));
      }
    }
  }
}

TEST_CASE("fast and reference models agree on GEMMs of random shapes, arrays and dataflows", "[pod][fidelity]") {
  std::mt19937 rng(5);
  std::uniform_int_distribution<std::int64_t> dim(1, 90), side_pick(0, 6), partition(0, 40);
  const std::int64_t sides[] = {1, 2, 3, 5, 8, 13, 16};
  for (int trial = 0; trial < 120; ++trial) {
    PodGemmSpec spec;
    spec.M = dim(rng);
    spec.K = dim(rng);
    spec.N = dim(rng);
    spec.array.rows = sides[side_pick(rng)];
    spec.array.cols = sides[side_pick(rng)];
    spec.array.double_buffer_weights = trial % 2 == 0;
    spec.array.dataflow = trial % 3 == 0 ? Dataflow::WS : trial % 3 == 1 ? Dataflow::OS : Dataflow::IS;
    spec.partition = partition(rng);
    if (trial % 7 == 0) {
      spec.sparsity_keep = 2;
      spec.sparsity_group = 4;
    }
    PodGemmResult fast = run_pod_gemm(spec);
    spec.reference = true;
    PodGemmResult reference = run_pod_gemm(spec);
    INFO("trial " << trial << " M=" << spec.M << " K=" << spec.K << " N=" << spec.N << " r=" << spec.array.rows
                  << " c=" << spec.array.cols << " p=" << spec.partition);
    REQUIRE(fast.timings.size() == reference.timings.size());
    CHECK(fast.cycles == reference.cycles);
    for (std::size_t i = 0; i < fast.timings.size(); ++i) {
      CHECK(fast.timings[i].start == reference.timings[i].start);
      CHECK(fast.timings[i].finish == reference.timings[i].finish);
      CHECK(fast.timings[i].loads_weights == reference.timings[i].loads_weights);
    }
  }
}

TEST_CASE("fast and reference agree on 1xN, Nx1 and 64x64 arrays", "[pod][fidelity]") {
  for (auto [rows, cols] : std::vector<std::pair<std::int64_t, std::int64_t>>{{1, 1}, {1, 17}, {17, 1}, {64, 64}}) {
    for (bool double_buffer : {true, false}) {
      PodGemmSpec spec;
      spec.M = 70;
      spec.K = 130;
      spec.N = 75;
      spec.array.rows = rows;
      spec.array.cols = cols;
      spec.array.double_buffer_weights = double_buffer;
      spec.partition = 16;
      PodGemmResult fast = run_pod_gemm(spec);
      spec.reference = true;
      CHECK(run_pod_gemm(spec).cycles == fast.cycles);
    }
  }
}

TEST_CASE("fast and reference agree on random op sequences with operand arrival times", "[pod][fidelity]") {
  std::mt19937 rng(3);
  std::uniform_int_distribution<int> coin(0, 3);
  std::uniform_int_distribution<std::int64_t> len(1, 40), gap(0, 60);
  for (int trial = 0; trial < 80; ++trial) {
    ArrayShape array;
    array.rows = 1 + static_cast<std::int64_t>(rng() % 12);
    array.cols = 1 + static_cast<std::int64_t>(rng() % 12);
    array.double_buffer_weights = trial % 2 == 0;
    array.dataflow = trial % 4 == 3 ? Dataflow::OS : Dataflow::WS;
    std::vector<ReferenceOp> ops;
    std::uint64_t tile = 0, ready = 0;
    for (int i = 0; i < 25; ++i) {
      ReferenceOp op;
      if (coin(rng) != 0) ++tile;  // sometimes reuse the previous tile
      op.stationary_tile = tile;
      op.stream_len = len(rng);
      op.used_rows = 1 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(array.rows));
      op.used_cols = 1 + static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(array.cols));
      ready += static_cast<std::uint64_t>(coin(rng) == 0 ? gap(rng) : 0);
      op.operands_ready = coin(rng) == 0 ? ready + static_cast<std::uint64_t>(gap(rng)) : ready;
      ops.push_back(op);
    }
    std::vector<ReferenceOp> reference_ops = ops;
    ReferenceArray reference(array, nullptr);
    std::vector<OpTiming> expected = reference.run(reference_ops);
    PodTimingState state;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      OpTiming fast = schedule_tile_op(state, array, ops[i].stationary_tile, static_cast<std::uint64_t>(ops[i].stream_len),
                                       ops[i].operands_ready);
      INFO("trial " << trial << " op " << i);
      CHECK(fast.start == expected[i].start);
      CHECK(fast.finish == expected[i].finish);
      if (array.dataflow == Dataflow::WS) CHECK(fast.load_start == expected[i].load_start);
    }
  }
}

TEST_CASE("functional results of the array equal a direct evaluation bit for bit", "[pod][functional]") {
  std::mt19937 rng(9);
  std::uniform_int_distribution<std::int64_t> dim(1, 70), side(1, 12);
  const std::vector<std::string> formats = {"fp32", "bf16", "int8", "bfp"};
  for (int trial = 0; trial < 48; ++trial) {
    PodGemmSpec spec;
    spec.M = dim(rng);
    spec.K = dim(rng);
    spec.N = dim(rng);
    spec.array.rows = side(rng);
    spec.array.cols = side(rng);
    spec.array.dataflow = trial % 3 == 0 ? Dataflow::WS : trial % 3 == 1 ? Dataflow::OS : Dataflow::IS;
    spec.partition = static_cast<std::int64_t>(rng() % 20);
    spec.functional = true;
    spec.seed = static_cast<std::uint64_t>(trial);
    spec.format.type = formats[static_cast<std::size_t>(trial) % formats.size()];
    spec.format.mantissa_bits = 3 + trial % 5;
    spec.format.block_size = trial % 2 == 0 ? 16 : 7;
    if (trial % 5 == 0) {
      spec.sparsity_keep = 2;
      spec.sparsity_group = 4;
      spec.prune_first = trial % 2 == 0;
    }
    PodGemmResult result = run_pod_gemm(spec);
    std::vector<float> direct = direct_gemm(spec);
    INFO("trial " << trial << " format " << spec.format.type);
    REQUIRE(result.y.size() == direct.size());
    bool identical = true;
    for (std::size_t i = 0; i < direct.size(); ++i) identical = identical && result.y[i] == direct[i];
    CHECK(identical);
  }
}

TEST_CASE("2:4 sparsity halves the K the array streams", "[pod]") {
  PodGemmSpec spec;
  spec.M = 64;
  spec.K = 256;
  spec.N = 64;
  spec.array.rows = spec.array.cols = 32;
  spec.partition = 32;
  PodGemmResult dense = run_pod_gemm(spec);
  spec.sparsity_keep = 2;
  spec.sparsity_group = 4;
  PodGemmResult sparse = run_pod_gemm(spec);
  CHECK(sparse.tile_ops * 2 == dense.tile_ops);
  CHECK(sparse.cycles < dense.cycles);
  CHECK(sparse.useful_macs * 2 == dense.useful_macs);
}
