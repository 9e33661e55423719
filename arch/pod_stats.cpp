#include "arch/pod_stats.h"

namespace sosasim {

const std::vector<StatInfo>& pod_stat_table() {
  static const std::vector<StatInfo> table = {
      {"tile_ops", "ops", "tile ops executed", &PodStats::tile_ops},
      {"useful_macs", "MACs", "MACs of unpadded tiles; also the PE-cycles in which a PE did useful work",
       &PodStats::useful_macs},
      {"occupied_pe_cycles", "PE-cycles",
       "PE-cycles of the ops' rows passing the whole array, padded and idle PEs included (useful_macs / this = "
       "mapping efficiency)",
       &PodStats::occupied_pe_cycles},
      {"weight_loads", "tiles", "weight tiles loaded into the array", &PodStats::weight_loads},
      {"stream_cycles", "cycles", "cycles the X port streamed rows", &PodStats::stream_cycles},
      {"array_busy_cycles", "cycles", "cycles with any op in the array (from its first row in to its last result out)",
       &PodStats::array_busy_cycles},
      {"fill_drain_cycles", "cycles", "busy cycles in which the X port was idle: pipeline fill and drain",
       &PodStats::fill_drain_cycles},
      {"weight_load_cycles", "cycles", "cycles spent loading weight tiles (overlapped or not)",
       &PodStats::weight_load_cycles},
      {"weight_load_stall_cycles", "cycles", "cycles the X port waited for a weight load to finish",
       &PodStats::weight_load_stall_cycles},
      {"input_network_stall_cycles", "cycles",
       "cycles the X port waited for its input tile to come through the X network (after any weight load)",
       &PodStats::input_network_stall_cycles},
  };
  return table;
}

}  // namespace sosasim
