// The per-op array timing against closed forms: SCALE-Sim's WS fold 2r + c + T - 2 without
// double buffering, overlap of weight loads with streaming when double-buffered, weight reuse.
#include <catch2/catch.hpp>

#include "arch/pod_timing.h"

using namespace sosasim;

TEST_CASE("one op: weight load r, then T + r + c - 2 until the last result leaves", "[pod]") {
  for (bool double_buffer : {true, false}) {
    PodTimingState state;
    ArrayShape array{8, 4, double_buffer};
    OpTiming t = schedule_tile_op(state, array, 0, 10, 0);
    CHECK(t.loads_weights);
    CHECK(t.load_start == 0);
    CHECK(t.load_end == 8);
    CHECK(t.start == 8);
    CHECK(t.finish == 2 * 8 + 4 + 10 - 2);  // SCALE-Sim's WS fold
  }
}

TEST_CASE("without double buffering each fold costs 2r + c + T - 2", "[pod]") {
  PodTimingState state;
  ArrayShape array{8, 4, false};
  std::uint64_t finish = 0;
  for (std::uint64_t tile = 0; tile < 5; ++tile) finish = schedule_tile_op(state, array, tile, 10, 0).finish;
  CHECK(finish == 5 * (2 * 8 + 4 + 10 - 2));
}

TEST_CASE("double buffering hides the next weight load behind streaming", "[pod]") {
  PodTimingState state;
  ArrayShape array{8, 4, true};
  OpTiming a = schedule_tile_op(state, array, 0, 10, 0);
  OpTiming b = schedule_tile_op(state, array, 1, 10, 0);
  CHECK(b.load_start == a.start);    // shadow buffer frees when op a starts
  CHECK(b.start == a.start + 10);    // streaming back to back: load (8) < stream (10)
  CHECK(b.finish == b.start + 10 + 8 + 4 - 2);
  // A short stream exposes the load: T = 3 < r = 8.
  OpTiming c = schedule_tile_op(state, array, 2, 3, 0);
  OpTiming d = schedule_tile_op(state, array, 3, 3, 0);
  CHECK(c.start == b.start + 10);
  CHECK(d.start == c.start + 8);  // the load of tile 3 starts when c starts and takes r
}

TEST_CASE("consecutive ops on the same weight tile skip the load", "[pod]") {
  PodTimingState state;
  ArrayShape array{8, 4, true};
  OpTiming a = schedule_tile_op(state, array, 7, 5, 0);
  OpTiming b = schedule_tile_op(state, array, 7, 5, 0);
  CHECK_FALSE(b.loads_weights);
  CHECK(b.start == a.start + 5);
}

TEST_CASE("an op waits for its weights to be on chip", "[pod]") {
  PodTimingState state;
  ArrayShape array{8, 4, true};
  OpTiming t = schedule_tile_op(state, array, 0, 5, 100);
  CHECK(t.load_start == 100);
  CHECK(t.start == 108);
}
