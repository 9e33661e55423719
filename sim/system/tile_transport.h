// Tile transport: an op's input tile from its X bank and its weight tile from its W bank cross
// the X and W networks to the pod (chunk_banks places the tiles), and partial sums cross the P
// network between post-processors. A pod requests its op's tiles at R = max(cycle it asks,
// operands on chip); requests are booked two cycles later, all of cycle R at once in pod order,
// so the order does not depend on when the pod model asks (the reference array asks one cycle
// behind); no transfer arrives before R + 2 (at least one router and two hops). The links carry
// one array row per flit. A pod's weight tile crosses only when it is not the one the pod holds.
// Used outside lock-step rounds unless `interconnect.transfers: ideal`. Plain C++.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <unordered_map>
#include <vector>

#include "sim/system/layer_tasks.h"
#include "sim/system/system_host.h"
#include "sim/system/transfer_engine.h"

namespace sosasim {

class NetworkSet;
class Timeline;
struct PodOp;

// A partial tile sent from one post-processor to another (K reduction).
struct PartialTile {
  int pod = 0;             // the sender's bank
  std::size_t layer = 0;
  std::uint64_t tile = 0;  // output tile: column block * m_parts + row partition
  int node = 0;            // the sender's node in the tile's tree
  int destination = 0;     // the parent's bank
  int flits = 0;
  std::uint64_t key = 0;
  double bytes = 0;
};

class TileTransport {
 public:
  TileTransport(const SimConfig& config, const TaskGraph& tasks, const NetworkSet& networks,
                SimulationResult& result, SystemHost& host, Timeline& timeline, bool partial_sums);

  // Weight lookahead: asked when the op pod `pod` requested at `ready` begins a run of ops on
  // weight tile `tile_op.weight_tile` of `task`, as its tiles are booked: the next op of the pod's
  // range on another weight tile, if that tile was on chip at `ready` (false otherwise). That
  // tile is sent with the op's tiles, into a landing buffer at the pod (a weight tile's worth).
  using Lookahead =
      std::function<bool(int pod, std::size_t task, const TileOp& tile_op, std::uint64_t ready, TileOp& next)>;
  void on_lookahead(Lookahead lookahead) { lookahead_ = std::move(lookahead); }

  // Called when a partial sum's last row has reached its destination, with that cycle.
  void on_partial_arrival(std::function<void(const PartialTile&, std::uint64_t)> listener) {
    partial_arrived_ = std::move(listener);
  }

  // The op pod `pod` has requested, when it is op `op` of `task` (nullptr otherwise).
  const TileOp* requested(int pod, std::size_t task, std::uint64_t op) const {
    const Booked& booked = booked_[static_cast<std::size_t>(pod)];
    return booked.is(task, op) ? &booked.tile_op : nullptr;
  }
  // Pod `pod` asks, at the current cycle `now`, for op `op_index` of `task` for cycle `cycle`
  // (`op` filled so far): requests its tiles or, once they are booked, fills in their arrivals.
  // True when the op may be handed out.
  bool prepare(int pod, std::size_t task, std::uint64_t op_index, const TileOp& tile_op, PodOp& op,
               std::uint64_t cycle, std::uint64_t now);
  // Pod `pod` requests the tiles of op `op_index` of `task`, ready at `ready`.
  void request(int pod, std::size_t task, std::uint64_t op_index, const TileOp& tile_op, std::uint64_t ready);
  // A partial tile leaves at `ready`.
  void send_partial(const PartialTile& sum, std::uint64_t ready);
  // The booking process (SystemHost::book_at): books what is due, moves the router engines on.
  void run(std::uint64_t now);
  // Network statistics and the bytes the router engines delivered, into the result.
  void collect() const;
  // Arrivals the router engines have delivered so far (the run's watchdog counts them as progress).
  std::uint64_t arrivals() const { return arrivals_seen_; }

 private:
  struct Booked {  // per pod: the transfers of its next op
    enum State { None, Requested, Sent, Resolved } state = None;  // (Sent: in the router engines)
    std::size_t layer = 0;
    std::uint64_t op = 0;
    std::uint64_t ready = 0;                            // requested at
    std::uint64_t weights_ready = 0, stream_ready = 0;  // the W and X tiles' heads reach the pod
    TileOp tile_op;
    std::uint64_t weight_key = 0;
    // Sent: the tiles not yet arrived have their times PodOp::kUnknown; `pulled`: a reference
    // pod took the op before they arrived.
    bool pulled = false;
    bool is(std::size_t of_layer, std::uint64_t of_op) const { return state != None && layer == of_layer && op == of_op; }
  };

  void book_due(std::uint64_t now);
  void book_tiles(int pod, std::uint64_t ready);
  void book_partial(const PartialTile& sum, std::uint64_t ready);
  // Sends one tile of pod `pod`'s op; its bank read counts unless it shares one.
  // `arrives`: where the head's arrival goes (PodOp::kUnknown until the router engines know it).
  // `tag`: what the router engines hand back (the pod, or a lookahead's kAheadTag + n).
  void send_tile(int pod, int network, int bank, std::uint64_t key, std::int64_t flits, double bytes,
                 std::uint64_t ready, double& bank_reads, std::uint64_t& arrives, std::uint64_t tag);
  void arrived(const TransferArrival& arrival);
  void resolve_if_arrived(int pod);
  void schedule(std::uint64_t now);
  // A span on the timeline (callers check that it is enabled: the check costs less than the call).
  void draw(int network, int destination, std::uint64_t start, std::uint64_t tail) const;

  const SimConfig& config_;
  const TaskGraph& tasks_;
  SimulationResult& result_;
  SystemHost& host_;
  Timeline& timeline_;
  int in_flight_counter_[3] = {-1, -1, -1};  // the timeline's mean transfers in flight, per network
  std::unique_ptr<TransferEngine> engine_;
  CalendarEngine* calendar_ = nullptr;  // engine_ when it is the link calendar (direct calls)
  std::function<void(const PartialTile&, std::uint64_t)> partial_arrived_;
  std::vector<Booked> booked_;
  std::vector<std::uint64_t> pod_weight_key_;                  // per pod: the newest weight tile booked for it
  struct Lookahead_ {
    std::uint64_t key = UINT64_MAX;  // a weight tile sent ahead of its op (UINT64_MAX: none)
    std::uint64_t head = 0;          // its head reaches the pod
  };
  std::vector<Lookahead_> ahead_;  // per pod
  Lookahead lookahead_;
  // Router engines: weight tiles sent ahead on their way, by tag: (pod, weight key, layer).
  static constexpr std::uint64_t kAheadTag = std::uint64_t{1} << 40;
  struct AheadSent {
    int pod;
    std::uint64_t key;
    std::size_t layer;
  };
  std::unordered_map<std::uint64_t, AheadSent> ahead_sent_;
  std::uint64_t next_ahead_tag_ = kAheadTag;
  std::map<std::uint64_t, std::vector<int>> requests_;         // request cycle -> pods
  std::map<std::uint64_t, std::vector<PartialTile>> partials_;  // request cycle -> partial tiles to send
  std::unordered_map<std::uint64_t, PartialTile> partials_sent_;  // router engines: partial tiles on their way
  std::uint64_t next_partial_tag_ = 0;
  std::vector<TransferArrival> arrivals_;
  std::uint64_t arrivals_seen_ = 0;
  // Per layer: network bytes of its arrivals through the router engines, summed in arrival order
  // (the same at both fidelities) and added to its activity at the end.
  std::vector<std::array<double, 3>> routed_bytes_;
};

}  // namespace sosasim
