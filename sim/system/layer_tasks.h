// The layers of a run as tasks, and the tracking of their dependencies: when a layer is released
// (its dependencies are done) and when it completes. Plain C++, no SystemC.
//
// A run's tasks are every workload's layers in an order that respects each layer graph (the file
// order when it does). Tasks follow the layer graph (dynamic scheduling, concurrent rounds) or
// run one at a time in that order, workloads in turn (barrier schedulers). Activations stay in
// the pods' X banks while they fit; a larger output spills to DRAM and its consumers read it
// back.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "sim/system/result.h"
#include "tiling/scheduler.h"
#include "tiling/tiling.h"
#include "workloads/trace.h"

namespace sosasim {

struct SimConfig;

struct LayerTask {
  std::size_t workload = 0;
  Layer layer;
  LayerPlan plan;
  bool fetches_input = false;          // no producers (or dram.layer_inputs: every_layer): its input comes from DRAM
  bool weights_from_dram = true;       // its W operand comes from DRAM (not an activation kept on chip)
  std::uint64_t first_weight_key = 0;  // weight keys are unique across the run
  double operand_bytes = 1;            // per element, in the layer's format
  int psum_bytes = 2;
  double weight_bytes = 1;             // per kept weight: operand plus sparsity index bits
  double dense_k_per_row = 1;          // rows of X's K per array row (group / keep when sparse)
  double spill_bytes = 0;              // output that does not fit on chip: written to DRAM
  double input_spill_bytes = 0;        // inputs its producers spilled: read back from DRAM
  std::vector<std::size_t> producers;  // tasks whose outputs it reads (the layer graph)
  ChunkLayout chunks;                  // where its chunks run under the chunking dispatch

  // Bytes of weight tile `tile` as fetched and stored (operands plus sparsity index bits).
  double weight_tile_bytes(std::uint64_t tile) const {
    return static_cast<double>(plan.weight_tile_rows(tile) * plan.weight_tile_cols(tile)) * weight_bytes;
  }
  // Bytes of an op's input tile as read from its X bank.
  double input_tile_bytes(const TileOp& op) const {
    return static_cast<double>(op.m_rows * op.k_rows) * dense_k_per_row * operand_bytes;
  }
};

// Dependencies between tasks: which are pending, released, done.
class TaskGraph {
 public:
  // Builds the run's tasks and fills `result` with one layer and one workload entry each.
  // `follow_graph`: tasks depend on their layer-graph producers; otherwise each on the one before.
  TaskGraph(const SimConfig& config, const std::vector<Workload>& workloads, const Scheduler& scheduler,
            bool follow_graph, SimulationResult& result);

  std::size_t size() const { return tasks_.size(); }
  const LayerTask& operator[](std::size_t task) const { return tasks_[task]; }
  const std::vector<std::size_t>& depends_on(std::size_t task) const { return depends_on_[task]; }
  bool pending(std::size_t task) const { return pending_[task] > 0; }
  bool completed(std::size_t task) const { return completed_[task]; }
  bool done() const { return done_ >= tasks_.size(); }
  std::size_t unfinished() const { return tasks_.size() - done_; }
  // The first task not completed (size() when all are).
  std::size_t oldest_unfinished();

  // Task `task` completed at `cycle`: returns the dependents it releases, each with the cycle its
  // last dependency completed (the latest completion, which need not be the last reported).
  std::vector<std::pair<std::size_t, std::uint64_t>> complete(std::size_t task, std::uint64_t cycle);

 private:
  std::vector<LayerTask> tasks_;
  std::vector<std::size_t> pending_;                  // per task: dependencies not finished
  std::vector<std::vector<std::size_t>> depends_on_;  // per task: the tasks it waits for
  std::vector<std::vector<std::size_t>> dependents_;  // per task
  std::vector<std::uint64_t> dependencies_done_;      // per task: the latest completion so far
  std::vector<bool> completed_;
  std::size_t done_ = 0;
  std::size_t oldest_unfinished_ = 0;
};

}  // namespace sosasim
