#include "sim/system/operand_fetch.h"

#include <algorithm>
#include <cmath>

#include "sim/kernel/spec.h"
#include "sim/system/timeline.h"

namespace sosasim {

OperandFetch::OperandFetch(const SimConfig& config, const TaskGraph& tasks, SimulationResult& result,
                           SystemHost& host, Timeline& timeline)
    : config_(config),
      tasks_(tasks),
      result_(result),
      host_(host),
      timeline_(timeline),
      dram_counter_(timeline.add_counter("DRAM GB/s", config.frequency_ghz)),
      dram_bytes_per_cycle_(config.dram.bandwidth_gibps * 1073741824.0 / (config.frequency_ghz * 1e9)),
      w_capacity_bytes_(static_cast<double>(config.pods) * static_cast<double>(config.sram.bank_kib) * 1024.0),
      prefetch_bytes_(config.dram.prefetch_kib > 0
                          ? std::min(w_capacity_bytes_, static_cast<double>(config.dram.prefetch_kib) * 1024.0)
                          : w_capacity_bytes_) {
  data_.resize(tasks.size());
  spill_read_arrival_.assign(tasks.size(), LayerData::kNotArrived);
  spill_writes_pending_.assign(tasks.size(), 0);
  for (std::size_t t = 0; t < tasks.size(); ++t)
    for (std::size_t producer : tasks[t].producers)
      if (tasks[producer].spill_bytes > 0 && tasks[t].input_spill_bytes > 0) ++spill_writes_pending_[t];
}

void OperandFetch::request(double bytes, const DramTag& tag, std::uint64_t cycle) {
  host_.dram_request(bytes, tag.encode());
  if (timeline_.enabled()) dram_requested_[tag.encode()] = {cycle, bytes};
}

void OperandFetch::pump(std::uint64_t cycle) {
  while (fetch_layer_ < tasks_.size()) {
    const LayerTask& task = tasks_[fetch_layer_];
    LayerData& data = data_[fetch_layer_];
    ActivityCounts& activity = result_.layers[fetch_layer_].activity;
    if (!data.requested) {
      data.requested = true;
      data.requested_cycle = cycle;
      listener_->fetch_started(fetch_layer_, cycle);
      data.arrival.assign(task.plan.weight_tiles(), LayerData::kNotArrived);
      data.remaining.assign(task.plan.weight_tiles(), static_cast<std::uint32_t>(task.plan.m_parts()));
      data.fetch_order = listener_->fetch_order(fetch_layer_);
      if (task.input_spill_bytes > 0) data.inputs_arrival = spill_read_arrival_[fetch_layer_];
      if (task.fetches_input) {
        data.inputs_arrival = LayerData::kNotArrived;
        // DRAM holds the input tensor; the X banks hold its lowering (im2col tiles).
        const double lowered_bytes = static_cast<double>(task.layer.lowered_input_elements()) * task.operand_bytes;
        const double input_bytes =
            config_.dram.lowered_inputs ? lowered_bytes
                                        : static_cast<double>(task.layer.input_tensor_elements()) * task.operand_bytes;
        activity.sram_bytes += lowered_bytes;
        activity.dram_bytes += input_bytes;
        result_.bytes.dram_x_read += input_bytes;
        result_.bytes.sram_x_write += lowered_bytes;
        request(input_bytes, DramTag::inputs(fetch_layer_), host_.now());
      }
    }
    if (!task.weights_from_dram && fetch_tile_ == 0) {
      // W is an activation computed on chip (e.g. attention scores): nothing comes from DRAM.
      std::fill(data.arrival.begin(), data.arrival.end(), 0);
      std::fill(data.remaining.begin(), data.remaining.end(), 0);
      fetch_tile_ = task.plan.weight_tiles();
    }
    if (fetch_tile_ == task.plan.weight_tiles()) {
      ++fetch_layer_;
      fetch_tile_ = 0;
      listener_->fetch_asked(fetch_layer_ - 1, cycle);
      continue;
    }
    const std::uint64_t tile = data.fetch_order[fetch_tile_];
    const double bytes = task.weight_tile_bytes(tile);
    if (resident_bytes_ > 0 && resident_bytes_ + bytes > prefetch_bytes_) return;
    resident_bytes_ += bytes;
    activity.sram_bytes += bytes;
    activity.dram_bytes += bytes;
    result_.bytes.dram_w_read += bytes;
    result_.bytes.sram_w_write += bytes;
    request(bytes, DramTag::weights(fetch_layer_, tile), host_.now());
    ++fetch_tile_;
  }
}

void OperandFetch::arrived(std::uint64_t tag_value, std::uint64_t cycle) {
  const DramTag tag = DramTag::decode(tag_value);
  const std::size_t layer = tag.layer;
  if (timeline_.enabled()) {
    auto requested = dram_requested_.find(tag_value);
    if (requested != dram_requested_.end()) {
      const char* what = tag.kind == DramTag::Inputs ? "inputs of " : tag.kind == DramTag::Spill ? "spill of " : "weights of ";
      // The channel serves requests first come, first served at a fixed rate: this one held it
      // for its bytes' time, ending at the whole cycle before its latency.
      const auto [issued, bytes] = requested->second;
      const std::uint64_t channel_end = cycle - static_cast<std::uint64_t>(config_.dram.latency_cycles);
      const double transfer = bytes / dram_bytes_per_cycle_;
      const double channel_start = std::max(static_cast<double>(channel_end) - transfer, static_cast<double>(issued));
      const auto drawn_start = static_cast<std::uint64_t>(std::ceil(channel_start));
      timeline_.span(kTimelineDram, 0, what + tasks_[layer].layer.name, drawn_start, channel_end - drawn_start,
                     "{\"bytes\":" + std::to_string(bytes) + ",\"requested\":" + std::to_string(issued) + "}");
      timeline_.count(dram_counter_, channel_start, static_cast<double>(channel_end) - channel_start, bytes);
      dram_requested_.erase(requested);
    }
  }
  if (tag.kind == DramTag::Spill) {  // a spilled output is in DRAM: consumers read it back
    for (std::size_t consumer = layer + 1; consumer < tasks_.size(); ++consumer) {
      const auto& producers = tasks_[consumer].producers;
      if (std::find(producers.begin(), producers.end(), layer) == producers.end()) continue;
      if (tasks_[consumer].input_spill_bytes <= 0) continue;  // (it reads its whole input from DRAM)
      if (--spill_writes_pending_[consumer] > 0) continue;
      const double bytes = tasks_[consumer].input_spill_bytes;
      result_.layers[consumer].activity.dram_bytes += bytes;
      result_.layers[consumer].activity.sram_bytes += bytes;
      result_.bytes.dram_spill_read += bytes;
      request(bytes, DramTag::inputs(consumer), cycle);
    }
    return;
  }
  if (tag.kind == DramTag::Inputs) {
    spill_read_arrival_[layer] = cycle;
    if (data_[layer].requested) data_[layer].inputs_arrival = cycle;
  } else {
    data_[layer].arrival[tag.tile] = cycle;
  }
  listener_->data_arrived(layer, cycle);
  auto it = waiters_.find(tag_value);
  if (it == waiters_.end()) return;
  for (int pod : it->second) host_.wake(pod);
  waiters_.erase(it);
}

void OperandFetch::tile_used(std::size_t task, std::uint64_t tile, std::uint64_t cycle) {
  if (!tasks_[task].weights_from_dram || --data_[task].remaining[tile] > 0) return;
  resident_bytes_ -= tasks_[task].weight_tile_bytes(tile);
  pump(cycle);
}

void OperandFetch::write_spill(std::size_t task, std::uint64_t cycle) {
  const double bytes = tasks_[task].spill_bytes;
  if (bytes <= 0) return;
  result_.layers[task].activity.dram_bytes += bytes;
  result_.layers[task].activity.sram_bytes += bytes;
  result_.bytes.dram_spill_write += bytes;
  request(bytes, DramTag::spill(task), cycle);
}

void OperandFetch::wait(int pod, const DramTag& what) {
  auto& list = waiters_[what.encode()];
  if (std::find(list.begin(), list.end(), pod) == list.end()) list.push_back(pod);
}

bool OperandFetch::stopped_by_window() const {
  return fetch_layer_ < tasks_.size() && prefetch_bytes_ < w_capacity_bytes_ && !waiters_.empty();
}

std::string OperandFetch::describe() const {
  std::size_t waiting = 0;
  for (const auto& entry : waiters_) waiting += entry.second.size();
  std::string text = std::to_string(waiting) + " pods wait for DRAM data";
  if (!waiters_.empty()) {
    const DramTag tag = DramTag::decode(waiters_.begin()->first);
    text += " (first: " + (tag.kind == DramTag::Inputs ? std::string("the inputs") : "weight tile " + std::to_string(tag.tile)) +
            " of layer '" + tasks_[tag.layer].layer.name + "')";
  }
  if (fetch_layer_ < tasks_.size())
    text += "; DRAM fetches wait at layer '" + tasks_[fetch_layer_].layer.name + "' tile " + std::to_string(fetch_tile_) +
            " with " + std::to_string(static_cast<std::uint64_t>(resident_bytes_)) + " of " +
            std::to_string(static_cast<std::uint64_t>(prefetch_bytes_)) + " weight bytes on chip (the prefetch window)";
  return text;
}

}  // namespace sosasim
