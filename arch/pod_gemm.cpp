#include "arch/pod_gemm.h"

#include <algorithm>
#include <cmath>
#include <chrono>
#include <random>

#include "arch/pe_array_reference.h"

namespace sosasim {

namespace {

std::int64_t div_up(std::int64_t a, std::int64_t b) { return (a + b - 1) / b; }

struct Inputs {
  std::vector<double> x, w;       // dense FP64, X is M x K, W is K x N
  std::vector<Operand> xq, wq;    // encoded, sparsified as configured
};

Inputs make_inputs(const PodGemmSpec& spec, Numerics& numerics) {
  Inputs in;
  std::mt19937_64 rng(spec.seed);
  std::normal_distribution<double> normal(0.0, 1.0);
  in.x.resize(static_cast<std::size_t>(spec.M * spec.K));
  in.w.resize(static_cast<std::size_t>(spec.K * spec.N));
  for (auto& v : in.x) v = normal(rng);
  for (auto& v : in.w) v = normal(rng);
  in.xq = numerics.encode_x(in.x, spec.M, spec.K);
  if (spec.sparsity_group == 0) {
    in.wq = numerics.encode_w(in.w, spec.K, spec.N);
  } else if (spec.prune_first) {
    std::vector<double> pruned = in.w;
    prune_structured(pruned, spec.K, spec.N, spec.sparsity_keep, spec.sparsity_group);
    in.wq = numerics.encode_w(pruned, spec.K, spec.N);
  } else {
    in.wq = numerics.encode_w(in.w, spec.K, spec.N);
    std::vector<double> quantized(in.wq.size());
    for (std::size_t i = 0; i < quantized.size(); ++i) quantized[i] = numerics.dequantized(in.wq[i], true);
    std::vector<double> kept = quantized;
    prune_structured(kept, spec.K, spec.N, spec.sparsity_keep, spec.sparsity_group);
    // Ties among quantized magnitudes are broken by position, as the pruning hardware would.
    for (std::size_t i = 0; i < kept.size(); ++i)
      if (kept[i] == 0.0 && quantized[i] != 0.0) numerics.zero(in.wq[i]);
  }
  return in;
}

// K after a sparse array has skipped the pruned MACs: keep of every group along K.
std::int64_t compressed_k(const PodGemmSpec& spec) {
  SparsitySpec sparsity{spec.sparsity_keep, spec.sparsity_group};
  return sparsity.compressed(spec.K);
}

void fill_errors(PodGemmResult& result) {
  double max_error = 0, error_sq = 0, exact_sq = 0;
  for (std::size_t i = 0; i < result.y.size(); ++i) {
    double error = static_cast<double>(result.y[i]) - result.y_exact[i];
    max_error = std::max(max_error, std::fabs(error));
    error_sq += error * error;
    exact_sq += result.y_exact[i] * result.y_exact[i];
  }
  result.max_abs_error = max_error;
  result.rel_fro_error = exact_sq > 0 ? std::sqrt(error_sq / exact_sq) : 0.0;
  result.sqnr_db = error_sq > 0 ? 10.0 * std::log10(exact_sq / error_sq) : std::numeric_limits<double>::infinity();
}

}  // namespace

std::vector<float> direct_gemm(const PodGemmSpec& spec) {
  Numerics numerics(spec.format);
  Inputs in = make_inputs(spec, numerics);
  return numerics.gemm(in.xq, in.wq, spec.M, spec.K, spec.N);
}

namespace {

// Calls visit(op) for every tile op of the GEMM with reduction length K (full, or compressed by
// sparsity for timing), in order; the op carries no operand values.
template <typename Visit>
void for_each_op(const PodGemmSpec& spec, std::int64_t K, Visit visit) {
  const ArrayShape& array = spec.array;
  const std::int64_t R = array.rows, C = array.cols;
  const bool input_stationary = array.dataflow == Dataflow::IS;
  const std::int64_t rows_total = input_stationary ? spec.N : spec.M;
  const std::int64_t cols_total = input_stationary ? spec.M : spec.N;
  std::int64_t index = 0;
  ReferenceOp op;
  if (array.dataflow != Dataflow::OS) {
    const std::int64_t p = spec.partition > 0 ? spec.partition : rows_total;
    const std::int64_t m_parts = div_up(rows_total, p);
    std::uint64_t tile = 0;
    for (std::int64_t np = 0; np < div_up(cols_total, C); ++np)
      for (std::int64_t kp = 0; kp < div_up(K, R); ++kp, ++tile)
        for (std::int64_t mp = 0; mp < m_parts; ++mp, ++index) {
          op.stationary_tile = tile;
          op.used_rows = std::min(R, K - kp * R);
          op.used_cols = std::min(C, cols_total - np * C);
          op.stream_len = std::min(p, rows_total - mp * p);
          op.k_offset = kp * R;
          op.k_total = K;
          op.psum_source = kp > 0 ? index - m_parts : -1;
          visit(op, np, kp, mp);
        }
  } else {
    const std::int64_t p = spec.partition > 0 ? spec.partition : K;
    for (std::int64_t mb = 0; mb < div_up(spec.M, R); ++mb)
      for (std::int64_t nb = 0; nb < div_up(spec.N, C); ++nb)
        for (std::int64_t kc = 0; kc < div_up(K, p); ++kc, ++index) {
          op.stationary_tile = 0;
          op.used_rows = std::min(R, spec.M - mb * R);
          op.used_cols = std::min(C, spec.N - nb * C);
          op.stream_len = std::min(p, K - kc * p);
          op.k_offset = kc * p;
          op.k_total = K;
          op.psum_source = kc > 0 ? index - 1 : -1;
          visit(op, mb, nb, kc);
        }
  }
}

// The tile ops as objects for the reference array; with `inputs`, each carries its operands.
std::vector<ReferenceOp> build_ops(const PodGemmSpec& spec, std::int64_t K, const Inputs* inputs) {
  const std::int64_t R = spec.array.rows, C = spec.array.cols;
  const bool input_stationary = spec.array.dataflow == Dataflow::IS;
  const bool os = spec.array.dataflow == Dataflow::OS;
  const std::int64_t rows_total = input_stationary ? spec.N : spec.M;
  const std::int64_t p = spec.partition > 0 ? spec.partition : (os ? K : rows_total);
  auto streamed = [&](std::int64_t row, std::int64_t k) -> const Operand& {
    return input_stationary ? inputs->wq[static_cast<std::size_t>(k * spec.N + row)]
                            : inputs->xq[static_cast<std::size_t>(row * spec.K + k)];
  };
  auto stationary = [&](std::int64_t k, std::int64_t col) -> const Operand& {
    return input_stationary ? inputs->xq[static_cast<std::size_t>(col * spec.K + k)]
                            : inputs->wq[static_cast<std::size_t>(k * spec.N + col)];
  };
  std::vector<ReferenceOp> ops;
  for_each_op(spec, K, [&](const ReferenceOp& shape, std::int64_t a, std::int64_t b, std::int64_t c) {
    ReferenceOp op = shape;
    if (inputs && !os) {  // a = column block, b = K block, c = row chunk
      for (std::int64_t i = 0; i < op.used_rows; ++i)
        for (std::int64_t j = 0; j < op.used_cols; ++j) op.stationary.push_back(stationary(b * R + i, a * C + j));
      for (std::int64_t m = 0; m < op.stream_len; ++m)
        for (std::int64_t i = 0; i < op.used_rows; ++i) op.stream.push_back(streamed(c * p + m, b * R + i));
    } else if (inputs) {  // a = row block of M, b = column block of N, c = K chunk
      for (std::int64_t k = 0; k < op.stream_len; ++k)
        for (std::int64_t j = 0; j < op.used_cols; ++j)
          op.stationary.push_back(inputs->wq[static_cast<std::size_t>((c * p + k) * spec.N + b * C + j)]);
      for (std::int64_t i = 0; i < op.used_rows; ++i)
        for (std::int64_t k = 0; k < op.stream_len; ++k)
          op.stream.push_back(inputs->xq[static_cast<std::size_t>((a * R + i) * spec.K + c * p + k)]);
    }
    ops.push_back(std::move(op));
  });
  return ops;
}

// The fast model over the ops, without building them.
std::vector<OpTiming> fast_timings(const PodGemmSpec& spec, std::int64_t K) {
  PodTimingState state;
  std::vector<OpTiming> timings;
  for_each_op(spec, K, [&](const ReferenceOp& op, std::int64_t, std::int64_t, std::int64_t) {
    std::uint64_t not_before = 0;
    if (op.psum_source >= 0 && spec.array.dataflow != Dataflow::OS)
      not_before = timings[static_cast<std::size_t>(op.psum_source)].start + static_cast<std::uint64_t>(spec.array.rows);
    timings.push_back(schedule_tile_op(state, spec.array, op.stationary_tile, static_cast<std::uint64_t>(op.stream_len),
                                       op.operands_ready, not_before));
  });
  return timings;
}

// Y (M x N) from the P bank after the last K block of every output.
std::vector<float> gather_result(const PodGemmSpec& spec, const std::vector<ReferenceOp>& ops, const Numerics& numerics) {
  const std::int64_t R = spec.array.rows, C = spec.array.cols;
  const bool input_stationary = spec.array.dataflow == Dataflow::IS;
  std::vector<float> y(static_cast<std::size_t>(spec.M * spec.N), 0.0f);
  if (spec.array.dataflow != Dataflow::OS) {
    const std::int64_t rows_total = input_stationary ? spec.N : spec.M;
    const std::int64_t cols_total = input_stationary ? spec.M : spec.N;
    const std::int64_t p = spec.partition > 0 ? spec.partition : rows_total;
    const std::int64_t m_parts = div_up(rows_total, p), k_parts = div_up(spec.K, R);
    std::size_t index = 0;
    for (std::int64_t np = 0; np < div_up(cols_total, C); ++np)
      for (std::int64_t kp = 0; kp < k_parts; ++kp)
        for (std::int64_t mp = 0; mp < m_parts; ++mp, ++index) {
          if (kp != k_parts - 1) continue;
          const ReferenceOp& op = ops[index];
          for (std::int64_t m = 0; m < op.stream_len; ++m)
            for (std::int64_t j = 0; j < op.used_cols; ++j) {
              std::int64_t row = mp * p + m, col = np * C + j;
              std::int64_t y_row = input_stationary ? col : row, y_col = input_stationary ? row : col;
              y[static_cast<std::size_t>(y_row * spec.N + y_col)] =
                  numerics.finalize(op.psum_out[static_cast<std::size_t>(m * op.used_cols + j)]);
            }
        }
  } else {
    const std::int64_t p = spec.partition > 0 ? spec.partition : spec.K;
    const std::int64_t k_chunks = div_up(spec.K, p);
    std::size_t index = 0;
    for (std::int64_t mb = 0; mb < div_up(spec.M, R); ++mb)
      for (std::int64_t nb = 0; nb < div_up(spec.N, C); ++nb)
        for (std::int64_t kc = 0; kc < k_chunks; ++kc, ++index) {
          if (kc != k_chunks - 1) continue;
          const ReferenceOp& op = ops[index];
          for (std::int64_t i = 0; i < op.used_rows; ++i)
            for (std::int64_t j = 0; j < op.used_cols; ++j)
              y[static_cast<std::size_t>((mb * R + i) * spec.N + nb * C + j)] =
                  numerics.finalize(op.psum_out[static_cast<std::size_t>(i * op.used_cols + j)]);
        }
  }
  return y;
}

}  // namespace

PodGemmResult run_pod_gemm(const PodGemmSpec& spec) {
  PodGemmResult result;
  const std::int64_t k_time = compressed_k(spec);
  result.useful_macs = static_cast<std::uint64_t>(spec.M * k_time * spec.N);

  // Timing: the ops of the (compressed) GEMM on the fast model or the reference array.
  if (spec.reference) {
    std::vector<ReferenceOp> timing_ops = build_ops(spec, k_time, nullptr);
    ReferenceArray reference(spec.array, nullptr);
    auto begin = std::chrono::steady_clock::now();
    result.timings = reference.run(timing_ops);
    result.reference_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    result.pe_cycles = reference.pe_cycles();
  } else {
    result.timings = fast_timings(spec, k_time);
  }
  result.tile_ops = result.timings.size();
  for (const auto& timing : result.timings) {
    result.cycles = std::max(result.cycles, timing.finish);
    if (timing.loads_weights) ++result.weight_loads;
  }
  result.utilization = result.cycles > 0 ? static_cast<double>(result.useful_macs) /
                                               (static_cast<double>(result.cycles) *
                                                static_cast<double>(spec.array.rows * spec.array.cols))
                                         : 0.0;

  if (spec.functional) {
    // Values: the reference array moves the encoded operands through its PEs. It runs on the
    // full K: pruned weights are zeros, whose products add nothing, so the sums are those of
    // the compressed sparse array.
    Numerics numerics(spec.format);
    Inputs in = make_inputs(spec, numerics);
    std::vector<ReferenceOp> ops = build_ops(spec, spec.K, &in);
    ReferenceArray reference(spec.array, &numerics);
    auto begin = std::chrono::steady_clock::now();
    reference.run(ops);
    result.reference_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
    result.pe_cycles += reference.pe_cycles();
    result.y = gather_result(spec, ops, numerics);
    result.y_exact.assign(static_cast<std::size_t>(spec.M * spec.N), 0.0);
    for (std::int64_t m = 0; m < spec.M; ++m)
      for (std::int64_t k = 0; k < spec.K; ++k) {
        double xv = in.x[static_cast<std::size_t>(m * spec.K + k)];
        for (std::int64_t nn = 0; nn < spec.N; ++nn)
          result.y_exact[static_cast<std::size_t>(m * spec.N + nn)] += xv * in.w[static_cast<std::size_t>(k * spec.N + nn)];
      }
    fill_errors(result);
  }
  return result;
}

}  // namespace sosasim
