#include "arch/pod_timing.h"

#include <algorithm>

namespace sosasim {

OpTiming schedule_tile_op(PodTimingState& state, const ArrayShape& array, std::uint64_t weight_tile,
                          std::uint64_t stream_rows, std::uint64_t weights_ready, std::uint64_t stream_not_before) {
  const std::uint64_t rows = static_cast<std::uint64_t>(array.rows);
  const std::uint64_t cols = static_cast<std::uint64_t>(array.cols);
  OpTiming timing;
  if (array.ideal_fill_drain) {  // the SOSA authors' simulator: no load, fill or drain
    timing.start = std::max({state.input_port_free, weights_ready, stream_not_before});
    timing.finish = timing.start + stream_rows;
    state.input_port_free = timing.finish;
    state.shadow_buffer_free = timing.start;
    state.last_finish = std::max(state.last_finish, timing.finish);
    state.newest_weight_tile = weight_tile;
    return timing;
  }
  if (array.dataflow == Dataflow::OS) {
    std::uint64_t free = array.double_buffer_weights ? state.input_port_free : state.last_finish;
    timing.start = std::max({free, weights_ready, stream_not_before});
    timing.finish = timing.start + stream_rows + rows + cols - 2;
    state.input_port_free = timing.start + stream_rows;
    state.shadow_buffer_free = timing.start;
    state.last_finish = std::max(state.last_finish, timing.finish);
    return timing;
  }
  std::uint64_t earliest_start = std::max({state.input_port_free, weights_ready, stream_not_before});
  if (weight_tile != state.newest_weight_tile) {
    timing.loads_weights = true;
    std::uint64_t buffer_free = array.double_buffer_weights ? state.shadow_buffer_free : state.last_finish;
    timing.load_start = std::max(buffer_free, weights_ready);
    timing.load_end = timing.load_start + rows;
    earliest_start = std::max(earliest_start, timing.load_end);
  }
  timing.start = earliest_start;
  timing.finish = timing.start + stream_rows + rows + cols - 2;
  state.input_port_free = timing.start + stream_rows;
  state.shadow_buffer_free = timing.start;
  state.last_finish = std::max(state.last_finish, timing.finish);
  state.newest_weight_tile = weight_tile;
  return timing;
}

}  // namespace sosasim

namespace sosasim {

bool parse_dataflow(const std::string& text, Dataflow& dataflow) {
  if (text == "ws") dataflow = Dataflow::WS;
  else if (text == "os") dataflow = Dataflow::OS;
  else if (text == "is") dataflow = Dataflow::IS;
  else return false;
  return true;
}

}  // namespace sosasim
