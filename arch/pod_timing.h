// Per-tile-op timing of a weight-stationary r x c systolic array (the pod's fast model).
//
// Hardware: weights of a k x n tile (k <= r, n <= c) shift into the array from the top, one row
// per cycle, so a load takes r cycles whatever k is. Rows of X enter from the left with the
// usual skew, one per cycle; partial sums flow down and leave the bottom row. For a tile op
// streaming T rows the array's input port is busy T cycles and the last result leaves the
// array T + r + c - 2 cycles after the first row entered (fill and drain).
//
// Double-buffered weights (SOSA): the next tile's weights load into the shadow buffer while
// the current op streams; the shadow buffer frees when its weights become active (the op
// starts). Without double buffering a weight load waits until the previous op has drained,
// which is SCALE-Sim's fold cost 2r + c + T - 2.
// Consecutive ops on the same weight tile (same id) skip the load.
//
// arch/pe_array_reference.h moves the values through the PEs cycle by cycle under the same
// rules; tests check that both give the same cycles.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

namespace sosasim {

// The three dataflows of SCALE-Sim. WS keeps a weight tile (K x N) in the array and streams
// rows of X; IS keeps an input tile (K x M) and streams columns of W, which is WS on the
// transposed GEMM; OS keeps an output tile (M x N) in the accumulators and streams K.
enum class Dataflow { WS, OS, IS };

struct ArrayShape {
  std::int64_t rows = 32;
  std::int64_t cols = 32;
  bool double_buffer_weights = true;  // double-buffered stationary operand (OS: accumulators)
  Dataflow dataflow = Dataflow::WS;
  bool ideal_fill_drain = false;  // SOSA-simulator compatibility: an op takes only its streamed rows
};

// "ws", "os", "is"; returns false for anything else.
bool parse_dataflow(const std::string& text, Dataflow& dataflow);

constexpr std::uint64_t kNoWeightTile = std::numeric_limits<std::uint64_t>::max();

// What a pod's array is doing, as far as the next op is concerned.
struct PodTimingState {
  std::uint64_t input_port_free = 0;    // first cycle the X port can take a new row
  std::uint64_t shadow_buffer_free = 0; // first cycle a weight load may begin
  std::uint64_t last_finish = 0;        // cycle the last result of the latest op leaves
  std::uint64_t newest_weight_tile = kNoWeightTile;  // weights of the latest op
};

struct OpTiming {
  bool loads_weights = false;
  std::uint64_t load_start = 0, load_end = 0;  // [start, end) of the weight load
  std::uint64_t start = 0;                     // first X row enters
  std::uint64_t finish = 0;                    // cycle after the last result leaves
};

// Times one tile op of `stream_rows` rows on weight tile `weight_tile`, whose weights are in
// the pod's bank from cycle `weights_ready` on, and updates `state`. Called by the pod module
// in op order. For OS there is no stationary load: `weight_tile` is ignored and an op starts
// when the input ports (double-buffered accumulators) or the whole array (single) are free.
// `stream_not_before`: the first cycle the op may start streaming because of a partial-sum
// dependency (WS/IS: its K-predecessor's start + r, when partial sums are chained through the
// P bank); 0 when none.
OpTiming schedule_tile_op(PodTimingState& state, const ArrayShape& array, std::uint64_t weight_tile,
                          std::uint64_t stream_rows, std::uint64_t weights_ready,
                          std::uint64_t stream_not_before = 0);

}  // namespace sosasim
