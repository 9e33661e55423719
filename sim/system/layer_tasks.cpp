#include "sim/system/layer_tasks.h"

#include <algorithm>

#include "arch/format.h"
#include "sim/kernel/spec.h"
#include "workloads/layer_graph.h"

namespace sosasim {

TaskGraph::TaskGraph(const SimConfig& config, const std::vector<Workload>& workloads, const Scheduler& scheduler,
                     bool follow_graph, SimulationResult& result) {
  const TileShape shape{config.partition_rows(), config.array.rows, config.array.cols};
  // Activations stay in the pods' X banks while they fit.
  const double activation_capacity_bytes =
      static_cast<double>(config.pods) * static_cast<double>(config.sram.bank_kib) * 1024.0;
  std::uint64_t weight_key = 0;
  const std::string policy = scheduler.dispatch_policy();
  for (std::size_t w = 0; w < workloads.size(); ++w) {
    result.workloads.push_back(WorkloadResult{workloads[w].name, workloads[w].path, 0, 0, 0});
    std::vector<std::size_t> task_of_layer(workloads[w].layers.size());
    for (std::size_t l : topological_order(workloads[w])) {
      task_of_layer[l] = tasks_.size();
      std::vector<std::size_t> depends;
      if (!follow_graph) {
        if (!tasks_.empty()) depends.push_back(tasks_.size() - 1);  // one layer at a time, workloads in turn
      } else {
        for (std::size_t d : workloads[w].layers[l].depends) depends.push_back(task_of_layer[d]);
      }
      pending_.push_back(depends.size());
      depends_on_.push_back(depends);
      dependents_.emplace_back();
      for (std::size_t d : depends) dependents_[d].push_back(tasks_.size());
      const Layer& layer = workloads[w].layers[l];
      FormatSpec format =
          workload_layer_format(config.format, l, workloads[w].layers.size(), layer.format);
      SparsitySpec sparsity = config.sparsity;
      if (layer.sparsity == "none") sparsity = SparsitySpec{};
      else if (!layer.sparsity.empty()) parse_sparsity_pattern(layer.sparsity, sparsity.keep, sparsity.group);
      // A sparse array works on the compressed K: keep of every group of weights.
      Layer compressed = layer;
      compressed.K = sparsity.compressed(layer.K);
      const double operand = operand_bits(format) / 8.0;
      const bool every_layer = config.dram.every_layer_inputs;
      tasks_.push_back(LayerTask{w, layer, LayerPlan(compressed, shape),
                                 layer.reads_input_from_dram() || every_layer,
                                 !layer.weights_on_chip || every_layer, weight_key, operand,
                                 partial_sum_bytes(format), operand + sparsity.index_bits() / 8.0,
                                 static_cast<double>(layer.K) / static_cast<double>(compressed.K), 0, 0, {}, {}});
      LayerTask& added = tasks_.back();
      added.chunks = scheduler.lay_out(added.plan, config.pods);
      weight_key += added.plan.weight_tiles();
      for (std::size_t d : layer.depends) added.producers.push_back(task_of_layer[d]);
      const double output = static_cast<double>(layer.M * layer.N * layer.count) * operand;
      added.spill_bytes = std::max(0.0, output - activation_capacity_bytes);
      if (!every_layer && layer.input_from != Layer::InputFrom::Dram)  // (reading its input from DRAM anyway)
        for (std::size_t producer : added.producers) added.input_spill_bytes += tasks_[producer].spill_bytes;
      LayerResult layer_result;
      layer_result.workload = w;
      layer_result.layer = layer;
      layer_result.format = format;
      layer_result.sparsity = sparsity;
      layer_result.tile_ops = added.plan.op_count();
      const ChunkLayout& chunks = added.chunks;
      layer_result.placement = policy == "dynamic" ? chunks.kind() : policy;
      layer_result.chunks = policy == "lockstep_rounds" ? 0 : chunks.count;
      layer_result.row_blocks = added.plan.row_blocks();
      layer_result.k_segments = std::max<std::int64_t>(chunks.segments, 1);
      result.layers.push_back(layer_result);
    }
  }
  completed_.assign(tasks_.size(), false);
  dependencies_done_.assign(tasks_.size(), 0);
}

std::size_t TaskGraph::oldest_unfinished() {
  while (oldest_unfinished_ < tasks_.size() && completed_[oldest_unfinished_]) ++oldest_unfinished_;
  return oldest_unfinished_;
}

std::vector<std::pair<std::size_t, std::uint64_t>> TaskGraph::complete(std::size_t task, std::uint64_t cycle) {
  ++done_;
  completed_[task] = true;
  std::vector<std::pair<std::size_t, std::uint64_t>> released;
  for (std::size_t next : dependents_[task]) {
    dependencies_done_[next] = std::max(dependencies_done_[next], cycle);
    if (--pending_[next] == 0) released.emplace_back(next, dependencies_done_[next]);
  }
  return released;
}

}  // namespace sosasim
