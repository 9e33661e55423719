#include "sim/system/tile_transport.h"

#include <algorithm>
#include <tuple>

#include "arch/pod_work.h"
#include "sim/kernel/spec.h"
#include "sim/system/network_set.h"
#include "sim/system/timeline.h"
#include "tiling/round_schedule.h"

namespace sosasim {

TileTransport::TileTransport(const SimConfig& config, const TaskGraph& tasks, const NetworkSet& networks,
                             SimulationResult& result, SystemHost& host, Timeline& timeline, bool partial_sums)
    : config_(config), tasks_(tasks), result_(result), host_(host), timeline_(timeline) {
  in_flight_counter_[kInputNetwork] = timeline.add_counter("X transfers in flight", 1.0);
  in_flight_counter_[kWeightNetwork] = timeline.add_counter("W transfers in flight", 1.0);
  if (partial_sums) in_flight_counter_[kPartialSumNetwork] = timeline.add_counter("partial sums in flight", 1.0);
  if (config.interconnect.router_transfers) {
    engine_ = make_router_engine(config, networks);
    routed_bytes_.assign(tasks.size(), {0.0, 0.0, 0.0});
  } else {
    engine_ = make_calendar_engine(networks, partial_sums);
    calendar_ = static_cast<CalendarEngine*>(engine_.get());
  }
  booked_.resize(static_cast<std::size_t>(config.pods));
  pod_weight_key_.assign(static_cast<std::size_t>(config.pods), UINT64_MAX);
  ahead_.resize(static_cast<std::size_t>(config.pods));
}

bool TileTransport::prepare(int pod, std::size_t task, std::uint64_t op_index, const TileOp& tile_op, PodOp& op,
                            std::uint64_t cycle, std::uint64_t now) {
  // The pod steps again when its request is due (book_due(), from whichever of the pods steps
  // first at that cycle), so no process runs just to book.
  Booked& booked = booked_[static_cast<std::size_t>(pod)];
  if (!booked.is(task, op_index)) {
    const std::uint64_t ready = std::max(op.operands_ready, cycle);
    request(pod, task, op_index, tile_op, ready);
    host_.wake_at(pod, ready + 2);
    return false;
  }
  if (booked.state == Booked::Requested) {
    if (booked.ready + 2 > now) {
      host_.wake_at(pod, booked.ready + 2);
      return false;
    }
    book_due(now);
  }
  if (booked.state == Booked::Sent) {  // the tiles are on their way through the router engines
    if (!config_.reference_fidelity) return false;  // arrived() wakes the pod
    // The reference array takes the op now and learns the arrival times from arrived(), one hop
    // before the heads come (it simulates a cycle behind).
    booked.pulled = true;
  }
  op.weights_arrive = booked.weights_ready;
  op.stream_ready = booked.stream_ready;
  op.requested = booked.ready;
  return true;
}

void TileTransport::request(int pod, std::size_t task, std::uint64_t op_index, const TileOp& tile_op,
                            std::uint64_t ready) {
  booked_[static_cast<std::size_t>(pod)] = Booked{Booked::Requested, task, op_index, ready, 0, 0, tile_op,
                                                  tasks_[task].first_weight_key + tile_op.weight_tile};
  requests_[ready].push_back(pod);
  if (!engine_->immediate()) host_.book_at(ready + 2);
}

void TileTransport::send_partial(const PartialTile& sum, std::uint64_t ready) {
  partials_[ready].push_back(sum);
  host_.book_at(ready + 2);
}

// The booking process: partial sums are sent when their tree nodes are ready, whether a pod steps
// then or not; with the router engines it also moves the networks on to the current cycle and
// hands out the arrivals decided.
void TileTransport::run(std::uint64_t now) {
  book_due(now);
  if (engine_->immediate()) return;
  arrivals_.clear();
  engine_->advance(now, arrivals_);
  for (const TransferArrival& arrival : arrivals_) arrived(arrival);
  arrivals_seen_ += arrivals_.size();
  schedule(now);
}

// The booking process runs again at the next batch of requests or partial sums, or the next cycle
// the router engines have something to do.
void TileTransport::schedule(std::uint64_t now) {
  std::uint64_t next = engine_->next_event();
  if (!partials_.empty()) next = std::min(next, partials_.begin()->first + 2);
  if (!requests_.empty()) next = std::min(next, requests_.begin()->first + 2);
  if (next != UINT64_MAX) host_.book_at(std::max(next, now + 1));
}

// Books the transfers requested at cycles <= now - 2, by request cycle, then pod: the pods' tiles,
// then the partial sums their post-processors send for reduction.
void TileTransport::book_due(std::uint64_t now) {
  auto first_cycle = [&] {
    std::uint64_t first = UINT64_MAX;
    if (!requests_.empty()) first = requests_.begin()->first;
    if (!partials_.empty()) first = std::min(first, partials_.begin()->first);
    return first;
  };
  for (std::uint64_t batch_cycle = first_cycle(); batch_cycle != UINT64_MAX && batch_cycle + 2 <= now;
       batch_cycle = first_cycle()) {
    auto batch = requests_.find(batch_cycle);
    if (batch != requests_.end()) {
      std::sort(batch->second.begin(), batch->second.end());
      const std::vector<int> pods = std::move(batch->second);
      requests_.erase(batch);
      for (int pod : pods) book_tiles(pod, batch_cycle);
    }
    auto sums = partials_.find(batch_cycle);
    if (sums != partials_.end()) {
      std::vector<PartialTile> list = std::move(sums->second);
      partials_.erase(sums);
      std::sort(list.begin(), list.end(),
                [](const PartialTile& a, const PartialTile& b) { return std::tie(a.pod, a.key) < std::tie(b.pod, b.key); });
      for (const PartialTile& sum : list) book_partial(sum, batch_cycle);
    }
  }
  if (!engine_->immediate()) {
    engine_->flush();
    return;  // (run() schedules itself)
  }
  if (!partials_.empty()) host_.book_at(partials_.begin()->first + 2);
}

// The tiles of pod `pod`'s requested op leave their banks at `ready` (link calendar) or enter the
// router engines two cycles later.
void TileTransport::book_tiles(int pod, std::uint64_t ready) {
  const auto p = static_cast<std::size_t>(pod);
  Booked& booked = booked_[p];
  const LayerTask& task = tasks_[booked.layer];
  booked.state = engine_->immediate() ? Booked::Resolved : Booked::Sent;
  booked.weights_ready = ready;
  const std::uint64_t leaves = engine_->immediate() ? ready : ready + 2;
  const RoundBanks banks = chunk_banks(task.plan, booked.tile_op, task.chunks);
  Lookahead_& ahead = ahead_[p];
  // An op that begins a weight run (its tile is not the pod's newest) sends the next run's tile
  // with its own, if that tile was on chip at `ready` (decided here, at the booking, so that both
  // fidelities decide alike).
  TileOp next_weights;
  const bool send_next =
      booked.weight_key != pod_weight_key_[p] && lookahead_ && lookahead_(pod, booked.layer, booked.tile_op, ready, next_weights);
  auto send_weights = [&](const TileOp& tile_op, std::uint64_t& arrives, std::uint64_t tag) {
    send_tile(pod, kWeightNetwork, chunk_banks(task.plan, tile_op, task.chunks).w,
              task.first_weight_key + tile_op.weight_tile + 1, tile_op.k_rows,
              static_cast<double>(tile_op.k_rows * tile_op.n_cols) * task.weight_bytes, leaves,
              result_.bytes.sram_w_read, arrives, tag);
  };
  if (ahead.key == booked.weight_key) {
    // Sent ahead with an earlier op's tiles (kUnknown: still on its way). The pod learns of its
    // op when it is booked, so it loads the tile from its landing buffer no earlier than any tile
    // of the op could arrive (ready + 2).
    booked.weights_ready = ahead.head == PodOp::kUnknown ? ahead.head : std::max(ahead.head, ready + 2);
    pod_weight_key_[p] = booked.weight_key;
    ahead.key = UINT64_MAX;
  } else if (pod_weight_key_[p] != booked.weight_key) {
    pod_weight_key_[p] = booked.weight_key;
    send_weights(booked.tile_op, booked.weights_ready, static_cast<std::uint64_t>(pod));
  }
  send_tile(pod, kInputNetwork, banks.x,
            (static_cast<std::uint64_t>(booked.layer + 1) << 40) | x_tile_index(task.plan, booked.tile_op),
            booked.tile_op.m_rows, task.input_tile_bytes(booked.tile_op), leaves, result_.bytes.sram_x_read,
            booked.stream_ready, static_cast<std::uint64_t>(pod));
  if (send_next) {
    ahead.key = task.first_weight_key + next_weights.weight_tile;
    const std::uint64_t tag = engine_->immediate() ? 0 : next_ahead_tag_++;
    if (!engine_->immediate()) ahead_sent_.emplace(tag, AheadSent{pod, ahead.key, booked.layer});
    send_weights(next_weights, ahead.head, tag);
  }
}

void TileTransport::send_tile(int pod, int network, int bank, std::uint64_t key, std::int64_t flits, double bytes,
                              std::uint64_t ready, double& bank_reads, std::uint64_t& arrives, std::uint64_t tag) {
  Booked& booked = booked_[static_cast<std::size_t>(pod)];
  ActivityCounts& activity = result_.layers[booked.layer].activity;
  const Transfer transfer{network, bank, pod, key, static_cast<int>(flits), ready, tag, bytes};
  const TransferResult sent = calendar_ ? calendar_->send(transfer) : engine_->send(transfer);
  if (sent.known) {
    arrives = sent.head;
    activity.network_bytes[static_cast<std::size_t>(network)] += sent.network_bytes;
  } else {
    arrives = PodOp::kUnknown;
  }
  if (!sent.shares_source) {
    activity.sram_bytes += bytes;
    bank_reads += bytes;
  }
  if (sent.known && timeline_.enabled()) draw(network, pod, sent.start, sent.tail);
}

// A partial tile is sent at `ready` (the router engines take it two cycles later, when the batch
// is collected): read at the sender, read and written at the receiver.
void TileTransport::book_partial(const PartialTile& sum, std::uint64_t ready) {
  ActivityCounts& activity = result_.layers[sum.layer].activity;
  activity.sram_bytes += 3 * sum.bytes;
  result_.bytes.sram_p_in_read += 2 * sum.bytes;
  result_.bytes.sram_p_out_write += sum.bytes;
  Transfer transfer{kPartialSumNetwork, sum.pod, sum.destination, sum.key, sum.flits, ready, 0, sum.bytes};
  if (!engine_->immediate()) {
    transfer.tag = next_partial_tag_++;
    transfer.ready = std::max(ready + 2, host_.now());
    partials_sent_.emplace(transfer.tag, sum);
    engine_->send(transfer);
    return;
  }
  const TransferResult sent = calendar_->send(transfer);
  activity.network_bytes[kPartialSumNetwork] += sent.network_bytes;
  if (timeline_.enabled()) draw(kPartialSumNetwork, sum.destination, sent.start, sent.tail);
  partial_arrived_(sum, sent.tail);
}

// A tile or partial sum sent through the router engines will arrive: the pod's op may start once
// both its tiles' heads are there; a partial sum continues its reduction tree.
void TileTransport::arrived(const TransferArrival& arrival) {
  const int network = static_cast<int>(arrival.network);
  if (network == kPartialSumNetwork) {
    auto sent = partials_sent_.find(arrival.tag);
    const PartialTile sum = sent->second;
    partials_sent_.erase(sent);
    routed_bytes_[sum.layer][kPartialSumNetwork] += arrival.network_bytes;
    if (timeline_.enabled()) draw(network, sum.destination, arrival.injected, arrival.tail);
    partial_arrived_(sum, arrival.tail);
    return;
  }
  if (arrival.tag >= kAheadTag) {  // a weight tile sent ahead
    auto sent = ahead_sent_.find(arrival.tag);
    const AheadSent ahead_sent = sent->second;
    ahead_sent_.erase(sent);
    routed_bytes_[ahead_sent.layer][kWeightNetwork] += arrival.network_bytes;
    if (timeline_.enabled()) draw(network, ahead_sent.pod, arrival.injected, arrival.tail);
    Lookahead_& ahead = ahead_[static_cast<std::size_t>(ahead_sent.pod)];
    if (ahead.key == ahead_sent.key) {  // its op is not booked yet
      ahead.head = arrival.head;
      return;
    }
    Booked& booked = booked_[static_cast<std::size_t>(ahead_sent.pod)];  // its op, booked, waits for it
    if (booked.weight_key != ahead_sent.key || booked.weights_ready != PodOp::kUnknown) return;
    booked.weights_ready = std::max(arrival.head, booked.ready + 2);
    resolve_if_arrived(ahead_sent.pod);
    return;
  }
  const auto pod = static_cast<int>(arrival.tag);
  Booked& booked = booked_[static_cast<std::size_t>(pod)];
  routed_bytes_[booked.layer][static_cast<std::size_t>(network)] += arrival.network_bytes;
  (network == kWeightNetwork ? booked.weights_ready : booked.stream_ready) = arrival.head;
  if (timeline_.enabled()) draw(network, pod, arrival.injected, arrival.tail);
  resolve_if_arrived(pod);
}

// Pod `pod`'s booked op learned an arrival: a reference pod that took it already is told; once
// both tiles' heads are known the op is resolved and the pod woken.
void TileTransport::resolve_if_arrived(int pod) {
  Booked& booked = booked_[static_cast<std::size_t>(pod)];
  if (booked.pulled) host_.update_arrivals(pod, booked.weights_ready, booked.stream_ready);
  if (booked.weights_ready == PodOp::kUnknown || booked.stream_ready == PodOp::kUnknown) return;
  booked.state = Booked::Resolved;
  if (!booked.pulled) host_.wake(pod);
}

void TileTransport::draw(int network, int destination, std::uint64_t start, std::uint64_t tail) const {
  static const char* const kWhat[3] = {"X tile", "W tile", "partial sums"};
  timeline_.span(kTimelineNetworks, network_lane(network, destination), kWhat[network], start, tail + 1 - start);
  timeline_.count(in_flight_counter_[network], static_cast<double>(start), static_cast<double>(tail + 1 - start),
                  static_cast<double>(tail + 1 - start));
}

void TileTransport::collect() const {
  engine_->collect(result_.networks);
  for (std::size_t l = 0; l < routed_bytes_.size(); ++l)
    for (std::size_t n = 0; n < 3; ++n) result_.layers[l].activity.network_bytes[n] += routed_bytes_[l][n];
}

}  // namespace sosasim
