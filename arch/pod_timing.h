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
// Simplifications (replaced by the cycle-level PE array of the pod issue): the swap of weight
// buffers happens for the whole array at once at op start.
#pragma once

#include <cstdint>
#include <limits>

namespace sosasim {

struct ArrayShape {
  std::int64_t rows = 32;
  std::int64_t cols = 32;
  bool double_buffer_weights = true;
};

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
// in op order.
OpTiming schedule_tile_op(PodTimingState& state, const ArrayShape& array, std::uint64_t weight_tile,
                          std::uint64_t stream_rows, std::uint64_t weights_ready);

}  // namespace sosasim
