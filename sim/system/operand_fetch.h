// Weights and inputs from DRAM: the controller streams every layer's weight tiles in run order
// (each layer's tiles in the order its pods will use them) as far ahead as the prefetch window
// holds (dram.prefetch_kib, by default the pods' W banks); a tile's space frees when its last op
// has finished. A layer without producers first fetches its input (the input tensor, or its
// im2col lowering under dram.inputs: im2col). Outputs too large for the X banks spill to DRAM and
// their consumers read them back. Plain C++: DRAM is reached through SystemHost::dram_request.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sim/system/layer_tasks.h"
#include "sim/system/result.h"
#include "sim/system/system_host.h"

namespace sosasim {

class Timeline;
struct SimConfig;

// What a DRAM request brings, as the 64-bit tag DRAM hands back.
struct DramTag {
  enum Kind { Weights, Inputs, Spill };
  Kind kind = Weights;
  std::size_t layer = 0;
  std::uint64_t tile = 0;  // weight tile index within the layer (Weights only)

  static DramTag weights(std::size_t layer, std::uint64_t tile) { return {Weights, layer, tile}; }
  static DramTag inputs(std::size_t layer) { return {Inputs, layer, 0}; }
  static DramTag spill(std::size_t layer) { return {Spill, layer, 0}; }
  std::uint64_t encode() const {
    const std::uint64_t low = kind == Inputs ? kInputs : kind == Spill ? kSpill : tile;
    return (static_cast<std::uint64_t>(layer) << 32) | low;
  }
  static DramTag decode(std::uint64_t value) {
    const std::uint64_t low = value & kInputs;
    const auto layer = static_cast<std::size_t>(value >> 32);
    return low == kInputs ? inputs(layer) : low == kSpill ? spill(layer) : weights(layer, low);
  }

 private:
  static constexpr std::uint64_t kInputs = 0xFFFFFFFFull;
  static constexpr std::uint64_t kSpill = 0xFFFFFFFEull;
};

// Weight tiles (and inputs) of one layer on their way from DRAM or on chip.
struct LayerData {
  static constexpr std::uint64_t kNotArrived = UINT64_MAX;
  bool requested = false;
  std::uint64_t requested_cycle = 0;       // when DRAM started to bring it (dynamic claims see it after)
  std::uint64_t inputs_arrival = 0;        // kNotArrived while the input fetch is pending
  std::vector<std::uint64_t> arrival;      // per weight tile
  std::vector<std::uint32_t> remaining;    // per weight tile: ops not yet finished
  std::vector<std::uint32_t> fetch_order;  // weight tiles in the order the pods will use them
};

// Told what the fetch does; the dispatch policy listens.
class FetchListener {
 public:
  virtual ~FetchListener() = default;
  // The order in which the pods will use task `task`'s weight tiles.
  virtual std::vector<std::uint32_t> fetch_order(std::size_t task) const = 0;
  // DRAM starts to bring task `task`'s data at `cycle`.
  virtual void fetch_started(std::size_t /*task*/, std::uint64_t /*cycle*/) {}
  // DRAM has been asked for all of task `task`'s weights.
  virtual void fetch_asked(std::size_t /*task*/, std::uint64_t /*cycle*/) {}
  // Some of task `task`'s data arrived at `cycle`.
  virtual void data_arrived(std::size_t /*task*/, std::uint64_t /*cycle*/) {}
};

class OperandFetch {
 public:
  OperandFetch(const SimConfig& config, const TaskGraph& tasks, SimulationResult& result, SystemHost& host,
               Timeline& timeline);
  void set_listener(FetchListener& listener) { listener_ = &listener; }

  // Issues DRAM requests in run order while the prefetch window has room (at `cycle`).
  void pump(std::uint64_t cycle);
  // DRAM brought the request tagged `tag` at `cycle`; wakes the pods that waited for it.
  void arrived(std::uint64_t tag, std::uint64_t cycle);
  // An op of `task` on weight tile `tile` finished at `cycle`: the tile's space frees after its last.
  void tile_used(std::size_t task, std::uint64_t tile, std::uint64_t cycle);
  // All of `task`'s ops finished: its per-tile records go.
  void release(std::size_t task) { data_[task] = LayerData{true, 0, 0, {}, {}, {}}; }
  // Task `task` completed at `cycle`: its output spills to DRAM if it does not fit on chip.
  void write_spill(std::size_t task, std::uint64_t cycle);

  const LayerData& data(std::size_t task) const { return data_[task]; }
  // What an op of `task` on weight tile `tile` still waits for from DRAM (false: nothing; asked
  // on every peek).
  bool missing(std::size_t task, std::uint64_t tile, DramTag& what) const {
    const LayerData& data = data_[task];
    if (!data.requested || data.inputs_arrival == LayerData::kNotArrived) {
      what = data.requested ? DramTag::inputs(task) : DramTag::weights(task, tile);
      return true;
    }
    if (data.arrival[tile] != LayerData::kNotArrived) return false;
    what = DramTag::weights(task, tile);
    return true;
  }
  // Pod `pod` waits for `what`; arrived() wakes it.
  void wait(int pod, const DramTag& what);
  // From when an op of `task` on weight tile `tile` has its data on chip (its layer released at
  // `released`).
  std::uint64_t operands_ready(std::size_t task, std::uint64_t tile, std::uint64_t released) const {
    const LayerData& data = data_[task];
    return std::max({data.arrival[tile], data.inputs_arrival, released});
  }
  // Tasks before this one have had all their weights asked of DRAM.
  std::size_t fetch_layer() const { return fetch_layer_; }

  // DRAM stopped at a full prefetch window smaller than the W banks: the window, not the model,
  // keeps the pods from the tiles they wait for.
  bool stopped_by_window() const;
  // Where the fetch stands, for a stuck run's message.
  std::string describe() const;

 private:
  void request(double bytes, const DramTag& tag, std::uint64_t cycle);

  const SimConfig& config_;
  const TaskGraph& tasks_;
  SimulationResult& result_;
  SystemHost& host_;
  Timeline& timeline_;
  int dram_counter_;  // the timeline's DRAM channel bandwidth
  double dram_bytes_per_cycle_;
  FetchListener* listener_ = nullptr;
  double w_capacity_bytes_;
  double prefetch_bytes_;  // weight bytes fetched and not yet freed, at most (dram.prefetch_kib)
  std::vector<LayerData> data_;
  std::vector<std::uint64_t> spill_read_arrival_;  // per task: when its spilled inputs are back
  std::vector<std::size_t> spill_writes_pending_;  // per task: producers whose spill is not written yet
  std::map<std::uint64_t, std::vector<int>> waiters_;      // DRAM tag -> pods waiting for it
  std::map<std::uint64_t, std::pair<std::uint64_t, double>> dram_requested_;  // tag -> (request cycle, bytes), for the timeline
  std::size_t fetch_layer_ = 0;
  std::uint64_t fetch_tile_ = 0;
  double resident_bytes_ = 0;
};

}  // namespace sosasim
