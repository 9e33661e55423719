#include "interconnect/network_engine.h"

#include <algorithm>
#include <deque>
#include <map>
#include <queue>
#include <unordered_map>

#include "sim/kernel/errors.h"
#include "sim/kernel/ring.h"

namespace sosasim {

namespace {

// Where the packets are: one instance per copy per router input (multicast copies split).
struct Instance {
  std::size_t packet = 0;
  std::vector<int> destinations;
  std::vector<RouteChoice> route;
  std::uint64_t head_arrival = 0;
};

// A slot of `items` for a new element: the last one freed, or a new one at the end. Both engines
// reuse their packet records and packet copies this way, so memory follows what is in flight.
template <typename Items>
std::size_t reuse_slot(Items& items, std::vector<std::size_t>& free) {
  if (free.empty()) {
    items.emplace_back();
    return items.size() - 1;
  }
  const std::size_t slot = free.back();
  free.pop_back();
  return slot;
}

// A copy of packet `packet` for `destinations`, in a reused slot of `instances`.
template <typename Instances>
std::size_t new_copy(Instances& instances, std::vector<std::size_t>& free, std::size_t packet,
                     const std::vector<int>& destinations) {
  const std::size_t slot = reuse_slot(instances, free);
  instances[slot].packet = packet;
  instances[slot].destinations.assign(destinations.begin(), destinations.end());
  return slot;
}

// Numbering of router input ports (the receivers of credits).
struct Inputs {
  std::vector<int> offset;
  int total = 0;
  explicit Inputs(const NetworkGraph& graph) {
    for (const auto& router : graph.routers) {
      offset.push_back(total);
      total += router.inputs;
    }
  }
  int at(int router, int port) const { return offset[static_cast<std::size_t>(router)] + port; }
};

std::vector<std::uint64_t> output_offsets(const NetworkGraph& graph) {
  std::vector<std::uint64_t> offsets;
  std::uint64_t total = 0;
  for (const auto& router : graph.routers) {
    offsets.push_back(total);
    total += static_cast<std::uint64_t>(router.outputs);
  }
  offsets.push_back(total);
  return offsets;
}

void check_packet(const NetworkParams& params, const Packet& packet) {
  if (packet.flits > params.buffer_flits)
    throw ModelError(packet.created, "network", "a packet of " + std::to_string(packet.flits) +
                                                    " flits does not fit a buffer of " +
                                                    std::to_string(params.buffer_flits) + " flits (virtual cut-through)");
  if (packet.flits < 1) throw ModelError(packet.created, "network", "a packet needs at least one flit");
  if (packet.destinations.empty()) throw ModelError(packet.created, "network", "a packet needs a destination");
}

void check_params(const NetworkParams& params) {
  if (params.hop_latency < 1) throw ModelError(0, "network", "hop latency must be >= 1");
}

// The packets in flight, in reusable records, and each source's queue of them.
struct PacketPool {
  struct Record {
    Packet packet;
    int undecided = 0;               // destinations whose delivery is not decided yet
    int unarrived = 0;               // destinations whose tail has not arrived (reference)
    std::uint64_t injected = 0;
    std::uint64_t flit_hops = 0;
  };
  std::vector<Record> records;
  std::vector<std::size_t> free;
  std::vector<std::deque<std::size_t>> by_source;  // not yet injected, in the order added
  std::unordered_map<std::uint64_t, std::size_t> queued;  // packet id -> record, while not injected
  std::uint64_t expected = 0, decided = 0;
  std::uint64_t reached = 0;  // packets must be created at or after this cycle

  explicit PacketPool(const NetworkGraph& graph) : by_source(static_cast<std::size_t>(graph.terminals)) {}

  std::size_t add(const NetworkGraph& graph, const NetworkParams& params, const Packet& packet) {
    check_packet(params, packet);
    if (packet.source < 0 || packet.source >= graph.terminals)
      throw ModelError(packet.created, "network", "packet source " + std::to_string(packet.source) + " is not a terminal");
    for (int destination : packet.destinations) check_destination(graph, destination, packet.created);
    if (packet.created < reached)
      throw ModelError(packet.created, "network",
                       "packet " + std::to_string(packet.id) + " added after cycle " + std::to_string(reached) +
                           " was simulated");
    const std::size_t slot = reuse_slot(records, free);
    Record& record = records[slot];
    record.packet = packet;
    record.undecided = record.unarrived = static_cast<int>(packet.destinations.size());
    record.injected = 0;
    record.flit_hops = 0;
    by_source[static_cast<std::size_t>(packet.source)].push_back(slot);
    queued[packet.id] = slot;
    expected += packet.destinations.size();
    return slot;
  }
  bool join(const NetworkGraph& graph, std::uint64_t id, int destination) {
    auto it = queued.find(id);
    if (it == queued.end()) return false;
    check_destination(graph, destination, reached);
    Record& record = records[it->second];
    auto& destinations = record.packet.destinations;
    if (std::find(destinations.begin(), destinations.end(), destination) != destinations.end()) return false;
    destinations.push_back(destination);
    ++record.undecided;
    ++record.unarrived;
    ++expected;
    return true;
  }
  // The packet at the front of `source`'s queue leaves it at cycle t.
  void inject(int source, std::uint64_t t) {
    Record& record = records[by_source[static_cast<std::size_t>(source)].front()];
    record.injected = t;
    queued.erase(record.packet.id);
  }
  static void check_destination(const NetworkGraph& graph, int destination, std::uint64_t cycle) {
    if (destination < 0 || destination >= graph.terminals)
      throw ModelError(cycle, "network", "packet destination " + std::to_string(destination) + " is not a terminal");
  }
  // A copy of packet `slot` will reach `destination` at head .. tail: decided now.
  Delivery decide(std::size_t slot, int destination, std::uint64_t head, std::uint64_t tail) {
    Record& record = records[slot];
    ++decided;
    Delivery delivery{record.packet.id, destination, head, tail, record.injected, 0};
    if (--record.undecided == 0) delivery.packet_flit_hops = record.flit_hops;
    return delivery;
  }
  void release(std::size_t slot) { free.push_back(slot); }
};

}  // namespace

// ---------------------------------------------------------------- reference: flit by flit

struct ReferenceNetwork::State {
  struct Flit {
    int router;  // kTerminal: a terminal
    int port;    // input port, or terminal
    std::size_t instance;
    int index;
  };
  struct Transmission {
    bool active = false;
    std::size_t instance = 0;
    int sent = 0;
    std::vector<int> outputs;
    std::vector<std::size_t> downstream;  // instance per output
  };

  const NetworkGraph& graph;
  const Topology& topology;
  NetworkParams params;
  Inputs inputs;
  std::vector<std::uint64_t> out_offset;
  std::size_t R;
  std::size_t ring_size;
  PacketPool pool;
  std::vector<Delivery> decided;
  NetworkStats stats;
  std::uint64_t arrived = 0, last_tail = 0;
  std::uint64_t t = 0;  // the next cycle to simulate

  std::vector<std::vector<Flit>> links;
  std::vector<std::vector<int>> credit_returns;
  // Packet copies: at a router input until their last flit leaves it; on the way to a terminal
  // (head_arrival, tail: the cycles decided at the grant) until their tail arrives.
  std::vector<Instance> instances;
  std::vector<std::uint64_t> expected_tail;  // per instance, for copies on the way to a terminal
  std::vector<std::size_t> free_instances;
  std::size_t live = 0;
  std::vector<int> credits;
  std::vector<std::deque<std::pair<std::size_t, int>>> buffers;
  std::vector<std::deque<std::size_t>> fifos;
  std::vector<Transmission> sending;
  std::vector<Transmission> injecting;
  std::vector<std::vector<bool>> output_busy;
  std::vector<int> round_robin;
  std::vector<int> active_in_router;
  std::vector<RouteChoice> choices;

  State(const NetworkGraph& g, const Topology& topo, const NetworkParams& p)
      : graph(g), topology(topo), params(p), inputs(g), out_offset(output_offsets(g)), R(g.routers.size()),
        ring_size(static_cast<std::size_t>(p.hop_latency) + 2), pool(g) {
    check_params(p);
    stats.output_busy_cycles.assign(out_offset.back(), 0);
    links.resize(ring_size);
    credit_returns.resize(2);
    credits.assign(static_cast<std::size_t>(inputs.total), p.buffer_flits);
    buffers.resize(static_cast<std::size_t>(inputs.total));
    fifos.resize(static_cast<std::size_t>(inputs.total));
    sending.resize(static_cast<std::size_t>(inputs.total));
    injecting.resize(static_cast<std::size_t>(g.terminals));
    output_busy.resize(R);
    for (std::size_t r = 0; r < R; ++r) output_busy[r].assign(static_cast<std::size_t>(g.routers[r].outputs), false);
    round_robin.assign(R, 0);
    active_in_router.assign(R, 0);
  }

  std::size_t new_instance(std::size_t packet, const std::vector<int>& destinations) {
    const std::size_t slot = new_copy(instances, free_instances, packet, destinations);
    if (expected_tail.size() < instances.size()) expected_tail.resize(instances.size(), 0);
    instances[slot].route.clear();
    ++live;
    return slot;
  }
  void free_instance(std::size_t slot) {
    free_instances.push_back(slot);
    --live;
  }
  const Packet& packet_of(std::size_t instance) const { return pool.records[instances[instance].packet].packet; }

  bool idle() const { return live == 0 && credit_returns[0].empty() && credit_returns[1].empty(); }
  std::uint64_t first_created() const {
    std::uint64_t first = UINT64_MAX;
    for (const auto& queue : pool.by_source)
      if (!queue.empty()) first = std::min(first, pool.records[queue.front()].packet.created);
    return first;
  }

  void tick() {
    // 1. Flits arriving at this cycle.
    auto& arriving = links[t % ring_size];
    for (const Flit& flit : arriving) {
      const Packet& packet = packet_of(flit.instance);
      if (flit.router == kTerminal) {
        Instance& copy = instances[flit.instance];
        if (flit.index == 0 && t != copy.head_arrival)
          throw ModelError(t, "network terminal " + std::to_string(flit.port), "head arrived off its decided cycle");
        if (flit.index == packet.flits - 1) {
          if (t != expected_tail[flit.instance])
            throw ModelError(t, "network terminal " + std::to_string(flit.port), "tail arrived off its decided cycle");
          stats.flits_delivered += static_cast<std::uint64_t>(packet.flits);
          ++arrived;
          last_tail = std::max(last_tail, t);
          const std::size_t slot = copy.packet;
          free_instance(flit.instance);
          if (--pool.records[slot].unarrived == 0) pool.release(slot);
        }
        continue;
      }
      int receiver = inputs.at(flit.router, flit.port);
      auto& buffer = buffers[static_cast<std::size_t>(receiver)];
      buffer.emplace_back(flit.instance, flit.index);
      if (static_cast<int>(buffer.size()) > params.buffer_flits)
        throw ModelError(t, "network router " + std::to_string(flit.router), "input buffer overflow");
      if (flit.index == 0) {
        Instance& copy = instances[flit.instance];
        copy.head_arrival = t;
        topology.route(graph, flit.router, packet, copy.destinations, choices);
        copy.route = choices;
        fifos[static_cast<std::size_t>(receiver)].push_back(flit.instance);
      }
    }
    arriving.clear();
    // 2. Credits returning at this cycle.
    for (int receiver : credit_returns[t % 2]) ++credits[static_cast<std::size_t>(receiver)];
    credit_returns[t % 2].clear();

    // 3. Allocation: terminals, then routers.
    for (int terminal = 0; terminal < graph.terminals; ++terminal) {
      auto& injection = injecting[static_cast<std::size_t>(terminal)];
      auto& queue = pool.by_source[static_cast<std::size_t>(terminal)];
      if (injection.active || queue.empty() || pool.records[queue.front()].packet.created > t) continue;
      const PortRef& port = graph.injection[static_cast<std::size_t>(terminal)];
      int receiver = inputs.at(port.router, port.port);
      PacketPool::Record& record = pool.records[queue.front()];
      if (credits[static_cast<std::size_t>(receiver)] < record.packet.flits) continue;
      credits[static_cast<std::size_t>(receiver)] -= record.packet.flits;
      pool.inject(terminal, t);
      const std::size_t copy = new_instance(queue.front(), record.packet.destinations);
      injection = Transmission{true, copy, 0, {}, {copy}};
      queue.pop_front();
    }
    for (std::size_t r = 0; r < R; ++r) {
      const RouterNode& router = graph.routers[r];
      const bool may_grant = !(router.one_transfer_at_a_time && active_in_router[r] > 0);
      const int first = round_robin[r];  // this cycle's priority order starts here
      for (int i = 0; may_grant && i < router.inputs; ++i) {
        int in = (first + i) % router.inputs;
        int receiver = inputs.at(static_cast<int>(r), in);
        auto& fifo = fifos[static_cast<std::size_t>(receiver)];
        if (fifo.empty() || sending[static_cast<std::size_t>(receiver)].active) continue;
        const std::size_t granted = fifo.front();
        const int flits = packet_of(granted).flits;
        auto usable = [&](int output) {
          const PortRef& to = router.output_to[static_cast<std::size_t>(output)];
          return !output_busy[r][static_cast<std::size_t>(output)] &&
                 (to.router == kTerminal || credits[static_cast<std::size_t>(inputs.at(to.router, to.port))] >= flits);
        };
        bool ok = true;
        for (const auto& choice : instances[granted].route)
          ok = ok && (usable(choice.output) || (params.adaptive && choice.alternative >= 0 && usable(choice.alternative)));
        if (!ok) continue;
        Transmission transmission{true, granted, 0, {}, {}};
        std::vector<RouteChoice> route = instances[granted].route;  // instances may grow below
        for (auto& choice : route)
          if (!usable(choice.output)) std::swap(choice.output, choice.alternative);
        const std::size_t packet_index = instances[granted].packet;
        const auto f = static_cast<std::uint64_t>(flits);
        for (const auto& choice : route) {
          output_busy[r][static_cast<std::size_t>(choice.output)] = true;
          transmission.outputs.push_back(choice.output);
          pool.records[packet_index].flit_hops += f;
          const PortRef& to = router.output_to[static_cast<std::size_t>(choice.output)];
          const std::size_t copy = new_instance(packet_index, choice.destinations);
          if (to.router != kTerminal) {
            credits[static_cast<std::size_t>(inputs.at(to.router, to.port))] -= flits;
          } else {
            const std::uint64_t head = t + static_cast<std::uint64_t>(params.hop_latency);
            instances[copy].head_arrival = head;
            expected_tail[copy] = head + f - 1;
            decided.push_back(pool.decide(packet_index, choice.destinations.front(), head, head + f - 1));
          }
          transmission.downstream.push_back(copy);
        }
        sending[static_cast<std::size_t>(receiver)] = std::move(transmission);
        ++active_in_router[r];
        fifo.pop_front();
        round_robin[r] = (in + 1) % router.inputs;
        if (router.one_transfer_at_a_time) break;
      }
      for (int in = 0; in < router.inputs; ++in)
        if (!fifos[static_cast<std::size_t>(inputs.at(static_cast<int>(r), in))].empty()) ++stats.stall_cycles;
    }

    // 4. Every active transmission sends one flit.
    auto send = [&](const PortRef& to, std::size_t instance, int index) {
      links[(t + static_cast<std::uint64_t>(params.hop_latency)) % ring_size].push_back(Flit{to.router, to.port, instance, index});
    };
    for (int terminal = 0; terminal < graph.terminals; ++terminal) {
      auto& injection = injecting[static_cast<std::size_t>(terminal)];
      if (!injection.active) continue;
      send(graph.injection[static_cast<std::size_t>(terminal)], injection.downstream[0], injection.sent);
      if (++injection.sent == packet_of(injection.instance).flits) injection.active = false;
    }
    for (std::size_t r = 0; r < R; ++r) {
      const RouterNode& router = graph.routers[r];
      for (int in = 0; in < router.inputs; ++in) {
        int receiver = inputs.at(static_cast<int>(r), in);
        auto& transmission = sending[static_cast<std::size_t>(receiver)];
        if (!transmission.active) continue;
        auto& buffer = buffers[static_cast<std::size_t>(receiver)];
        if (buffer.empty() || buffer.front().first != transmission.instance || buffer.front().second != transmission.sent)
          throw ModelError(t, "network router " + std::to_string(r), "flit to send is not in the input buffer");
        buffer.pop_front();
        credit_returns[(t + 1) % 2].push_back(receiver);
        for (std::size_t k = 0; k < transmission.outputs.size(); ++k) {
          int output = transmission.outputs[k];
          const PortRef& to = router.output_to[static_cast<std::size_t>(output)];
          std::size_t downstream = transmission.downstream[k];
          send(to.router == kTerminal ? PortRef{kTerminal, instances[downstream].destinations.front()} : to, downstream,
               transmission.sent);
          ++stats.flit_hops;
          ++stats.output_busy_cycles[out_offset[r] + static_cast<std::uint64_t>(output)];
        }
        if (++transmission.sent == packet_of(transmission.instance).flits) {
          transmission.active = false;
          --active_in_router[r];
          for (int output : transmission.outputs) output_busy[r][static_cast<std::size_t>(output)] = false;
          free_instance(transmission.instance);
        }
      }
    }
  }
};

ReferenceNetwork::ReferenceNetwork(const NetworkGraph& graph, const Topology& topology, const NetworkParams& params)
    : state_(std::make_unique<State>(graph, topology, params)) {}

ReferenceNetwork::~ReferenceNetwork() = default;

void ReferenceNetwork::add(const Packet& packet) { state_->pool.add(state_->graph, state_->params, packet); }

bool ReferenceNetwork::join(std::uint64_t id, int destination) { return state_->pool.join(state_->graph, id, destination); }

void ReferenceNetwork::advance(std::uint64_t until) {
  State& s = *state_;
  while (s.t < until) {
    if (s.idle()) {  // nothing in flight: skip to the next packet's creation
      const std::uint64_t next = s.first_created();
      if (next >= until) {
        s.t = until;
        break;
      }
      s.t = std::max(s.t, next);
    }
    s.tick();
    ++s.t;
  }
  s.pool.reached = std::max(s.pool.reached, until);
}

std::uint64_t ReferenceNetwork::next_event() const {
  const State& s = *state_;
  if (!s.idle()) return s.t;
  const std::uint64_t next = s.first_created();
  return next == UINT64_MAX ? next : std::max(next, s.t);
}

std::vector<Delivery> ReferenceNetwork::take_deliveries() {
  std::vector<Delivery> out;
  out.swap(state_->decided);
  return out;
}

const NetworkStats& ReferenceNetwork::stats() const {
  state_->stats.packets_delivered = state_->arrived;
  state_->stats.cycles = state_->arrived ? state_->last_tail + 1 : 0;
  return state_->stats;
}

std::uint64_t ReferenceNetwork::undelivered() const { return state_->pool.expected - state_->arrived; }

std::uint64_t ReferenceNetwork::arrived() const { return state_->arrived; }

// ---------------------------------------------------------------- fast: event-driven per packet

struct FastNetwork::State {
  const NetworkGraph& graph;
  const Topology& topology;
  NetworkParams params;
  Inputs inputs;
  std::vector<std::uint64_t> out_offset;
  int R;
  std::uint64_t L;
  PacketPool pool;
  std::vector<Delivery> deliveries;  // decided since the last take
  NetworkStats stats;
  std::uint64_t last_tail = 0;

  // Packet copies at router inputs. Slots are reused (their vectors keep their capacity), so a
  // hop allocates nothing once the network is warm; a deque keeps references valid as it grows.
  std::deque<Instance> instances;
  std::vector<std::size_t> free_instances;
  std::size_t new_instance(std::size_t packet, const std::vector<int>& destinations) {
    return new_copy(instances, free_instances, packet, destinations);
  }
  // Credits on their way back per router input: runs of one credit a cycle from `from` on
  // (a packet's flits leave one a cycle), oldest first. The first few runs sit inline beside the
  // input's credit count (one cache line per input), any further ones in a ring.
  struct Returns {
    std::uint64_t from;
    std::uint64_t count;
  };
  struct Credits {
    static constexpr std::size_t kInline = 2;
    int credits = 0;
    std::uint32_t head = 0, size = 0;  // of `inline_runs`
    Returns inline_runs[kInline];
    Ring<Returns> more;  // runs after the inline ones
    bool empty() const { return size == 0; }
    std::size_t count() const { return size + more.size(); }
    Returns& front() { return inline_runs[head]; }
    const Returns& at(std::size_t i) const {
      return i < size ? inline_runs[(head + i) % kInline] : more[i - size];
    }
    void pop_front() {
      head = (head + 1) % kInline;
      --size;
      if (!more.empty()) {  // keep the inline runs the oldest
        inline_runs[(head + size) % kInline] = more.front();
        more.pop_front();
        ++size;
      }
    }
    void push_back(const Returns& run) {
      if (size < kInline && more.empty()) {
        inline_runs[(head + size) % kInline] = run;
        ++size;
      } else {
        more.push_back(run);
      }
    }
  };
  std::vector<Credits> credits;  // per router input
  std::vector<int> sender_of;                      // node feeding each router input: router, or R + terminal
  std::vector<bool> sender_waits;                  // the sender found too few credits and no returns pending
  std::vector<Ring<std::size_t>> fifos;
  std::vector<std::uint64_t> input_busy, front_since, router_busy, terminal_busy;
  std::vector<std::vector<std::uint64_t>> output_busy;
  std::vector<int> round_robin;
  std::vector<std::uint64_t> processed;
  using Wake = std::pair<std::uint64_t, int>;
  std::priority_queue<Wake, std::vector<Wake>, std::greater<>> wakes;
  std::vector<RouteChoice> choices;

  State(const NetworkGraph& g, const Topology& t, const NetworkParams& p)
      : graph(g), topology(t), params(p), inputs(g), out_offset(output_offsets(g)), R(static_cast<int>(g.routers.size())),
        L(static_cast<std::uint64_t>(p.hop_latency)), pool(g) {
    check_params(p);
    const auto total = static_cast<std::size_t>(inputs.total);
    stats.output_busy_cycles.assign(out_offset.back(), 0);
    credits.resize(total);
    for (Credits& input : credits) input.credits = p.buffer_flits;
    sender_of.assign(total, -1);
    sender_waits.assign(total, false);
    for (int r = 0; r < R; ++r)
      for (int o = 0; o < g.routers[static_cast<std::size_t>(r)].outputs; ++o) {
        const PortRef& to = g.routers[static_cast<std::size_t>(r)].output_to[static_cast<std::size_t>(o)];
        if (to.router >= 0) sender_of[static_cast<std::size_t>(inputs.at(to.router, to.port))] = r;
      }
    for (int terminal = 0; terminal < g.terminals; ++terminal) {
      const PortRef& port = g.injection[static_cast<std::size_t>(terminal)];
      sender_of[static_cast<std::size_t>(inputs.at(port.router, port.port))] = R + terminal;
    }
    fifos.resize(total);
    input_busy.assign(total, 0);
    front_since.assign(total, 0);
    output_busy.resize(static_cast<std::size_t>(R));
    for (int r = 0; r < R; ++r)
      output_busy[static_cast<std::size_t>(r)].assign(static_cast<std::size_t>(g.routers[static_cast<std::size_t>(r)].outputs), 0);
    router_busy.assign(static_cast<std::size_t>(R), 0);
    terminal_busy.assign(static_cast<std::size_t>(g.terminals), 0);
    round_robin.assign(static_cast<std::size_t>(R), 0);
    processed.assign(static_cast<std::size_t>(R + g.terminals), UINT64_MAX);
  }

  int available(int receiver, std::uint64_t t) {
    Credits& pending = credits[static_cast<std::size_t>(receiver)];
    while (!pending.empty() && pending.front().from <= t) {
      Returns& run = pending.front();
      const std::uint64_t back = std::min(run.count, t - run.from + 1);
      pending.credits += static_cast<int>(back);
      run.from += back;
      run.count -= back;
      if (run.count > 0) break;
      pending.pop_front();
    }
    return pending.credits;
  }
  // The first cycle at which `receiver` will have `needed` credits from returns already known.
  std::uint64_t credit_time(int receiver, int needed) const {
    const Credits& pending = credits[static_cast<std::size_t>(receiver)];
    int missing = needed - pending.credits;
    if (missing <= 0) return 0;
    for (std::size_t i = 0; i < pending.count(); ++i) {
      const Returns& run = pending.at(i);
      if (static_cast<std::uint64_t>(missing) <= run.count) return run.from + static_cast<std::uint64_t>(missing) - 1;
      missing -= static_cast<int>(run.count);
    }
    return UINT64_MAX;
  }
  // Puts a packet copy into a router input, its head arriving at `arrival`.
  void arrive(int router, int port, std::size_t instance, std::uint64_t arrival) {
    Instance& copy = instances[instance];
    copy.head_arrival = arrival;
    topology.route(graph, router, pool.records[copy.packet].packet, copy.destinations, copy.route);
    fifos[static_cast<std::size_t>(inputs.at(router, port))].push_back(instance);
    wakes.push({arrival, router});
  }
  // Flits leaving input `receiver` at t .. t+f-1 return credits at t+1 .. t+f; the sender looks
  // again from t+1 on.
  void leave(int receiver, std::uint64_t t, int flits) {
    credits[static_cast<std::size_t>(receiver)].push_back(Returns{t + 1, static_cast<std::uint64_t>(flits)});
    int sender = sender_of[static_cast<std::size_t>(receiver)];
    if (sender >= 0 && sender_waits[static_cast<std::size_t>(receiver)]) {
      sender_waits[static_cast<std::size_t>(receiver)] = false;
      wakes.push({t + 1, sender});
    }
  }
  void deliver(std::size_t packet, int destination, std::uint64_t head, std::uint64_t tail) {
    stats.flits_delivered += static_cast<std::uint64_t>(pool.records[packet].packet.flits);
    deliveries.push_back(pool.decide(packet, destination, head, tail));
    last_tail = std::max(last_tail, tail);
    if (pool.records[packet].undecided == 0) pool.release(packet);  // no copy of it is left
  }

  void terminal_step(int terminal, std::uint64_t t) {
    const int node = R + terminal;
    auto& queue = pool.by_source[static_cast<std::size_t>(terminal)];
    if (queue.empty()) return;
    const Packet& packet = pool.records[queue.front()].packet;
    const PortRef& port = graph.injection[static_cast<std::size_t>(terminal)];
    int receiver = inputs.at(port.router, port.port);
    std::uint64_t when = std::max(packet.created, terminal_busy[static_cast<std::size_t>(terminal)]);
    if (when > t) {
      wakes.push({when, node});
      return;
    }
    if (available(receiver, t) < packet.flits) {
      std::uint64_t ready = credit_time(receiver, packet.flits);
      if (ready != UINT64_MAX) wakes.push({ready, node});
      else sender_waits[static_cast<std::size_t>(receiver)] = true;
      return;
    }
    credits[static_cast<std::size_t>(receiver)].credits -= packet.flits;
    terminal_busy[static_cast<std::size_t>(terminal)] = t + static_cast<std::uint64_t>(packet.flits);
    pool.inject(terminal, t);
    arrive(port.router, port.port, new_instance(queue.front(), packet.destinations), t + L);
    queue.pop_front();
    if (!queue.empty())
      wakes.push({std::max(pool.records[queue.front()].packet.created, terminal_busy[static_cast<std::size_t>(terminal)]), node});
  }

  void router_step(int r, std::uint64_t t) {
    const RouterNode& router = graph.routers[static_cast<std::size_t>(r)];
    if (!router.one_transfer_at_a_time || router_busy[static_cast<std::size_t>(r)] <= t) {
      const int first = round_robin[static_cast<std::size_t>(r)];  // this cycle's priority order starts here
      for (int i = 0; i < router.inputs; ++i) {
        int in = (first + i) % router.inputs;
        int receiver = inputs.at(r, in);
        auto& fifo = fifos[static_cast<std::size_t>(receiver)];
        if (fifo.empty() || input_busy[static_cast<std::size_t>(receiver)] > t) continue;
        const Instance& instance = instances[fifo.front()];
        if (instance.head_arrival > t) continue;
        const int flits = pool.records[instance.packet].packet.flits;
        auto usable = [&](int output) {
          const PortRef& to = router.output_to[static_cast<std::size_t>(output)];
          return output_busy[static_cast<std::size_t>(r)][static_cast<std::size_t>(output)] <= t &&
                 (to.router == kTerminal || available(inputs.at(to.router, to.port), t) >= flits);
        };
        bool ok = true;
        for (const auto& choice : instance.route)
          ok = ok && (usable(choice.output) || (params.adaptive && choice.alternative >= 0 && usable(choice.alternative)));
        if (!ok) continue;
        const std::size_t granted = fifo.front();
        const auto f = static_cast<std::uint64_t>(flits);
        std::vector<RouteChoice>& route = instances[granted].route;
        for (auto& choice : route)
          if (!usable(choice.output)) std::swap(choice.output, choice.alternative);
        const std::size_t packet_index = instance.packet;
        stats.stall_cycles += t - std::max(front_since[static_cast<std::size_t>(receiver)], instances[granted].head_arrival);
        for (const auto& choice : route) {
          output_busy[static_cast<std::size_t>(r)][static_cast<std::size_t>(choice.output)] = t + f;
          stats.flit_hops += f;
          pool.records[packet_index].flit_hops += f;
          stats.output_busy_cycles[out_offset[static_cast<std::size_t>(r)] + static_cast<std::uint64_t>(choice.output)] += f;
          const PortRef& to = router.output_to[static_cast<std::size_t>(choice.output)];
          if (to.router == kTerminal) {
            deliver(packet_index, choice.destinations.front(), t + L, t + L + f - 1);
          } else {
            credits[static_cast<std::size_t>(inputs.at(to.router, to.port))].credits -= flits;
            arrive(to.router, to.port, new_instance(packet_index, choice.destinations), t + L);
          }
        }
        input_busy[static_cast<std::size_t>(receiver)] = t + f;
        router_busy[static_cast<std::size_t>(r)] = t + f;
        leave(receiver, t, flits);
        fifo.pop_front();
        free_instances.push_back(granted);
        front_since[static_cast<std::size_t>(receiver)] = t;
        round_robin[static_cast<std::size_t>(r)] = (in + 1) % router.inputs;
        if (router.one_transfer_at_a_time) break;
      }
    }
    // When might this router's allocation change next?
    std::uint64_t next = UINT64_MAX;
    for (int in = 0; in < router.inputs; ++in) {
      int receiver = inputs.at(r, in);
      const auto& fifo = fifos[static_cast<std::size_t>(receiver)];
      if (fifo.empty()) continue;
      const Instance& instance = instances[fifo.front()];
      if (instance.head_arrival > t) {
        next = std::min(next, instance.head_arrival);
        continue;
      }
      if (input_busy[static_cast<std::size_t>(receiver)] > t) next = std::min(next, input_busy[static_cast<std::size_t>(receiver)]);
      if (router.one_transfer_at_a_time && router_busy[static_cast<std::size_t>(r)] > t)
        next = std::min(next, router_busy[static_cast<std::size_t>(r)]);
      for (const auto& choice : instance.route)
        for (int output : {choice.output, params.adaptive ? choice.alternative : -1}) {
          if (output < 0) continue;
          std::uint64_t busy = output_busy[static_cast<std::size_t>(r)][static_cast<std::size_t>(output)];
          if (busy > t) next = std::min(next, busy);
          const PortRef& to = router.output_to[static_cast<std::size_t>(output)];
          if (to.router != kTerminal) {
            int receiver_down = inputs.at(to.router, to.port);
            std::uint64_t ready = credit_time(receiver_down, pool.records[instance.packet].packet.flits);
            if (ready > t && ready != UINT64_MAX) next = std::min(next, ready);
            else if (ready == UINT64_MAX) sender_waits[static_cast<std::size_t>(receiver_down)] = true;
          }
        }
    }
    if (next != UINT64_MAX) wakes.push({next, r});
  }
};

FastNetwork::FastNetwork(const NetworkGraph& graph, const Topology& topology, const NetworkParams& params)
    : state_(std::make_unique<State>(graph, topology, params)) {}

FastNetwork::~FastNetwork() = default;

void FastNetwork::add(const Packet& packet) {
  State& s = *state_;
  const std::size_t slot = s.pool.add(s.graph, s.params, packet);
  // A terminal with earlier packets still queued wakes itself for this one after injecting them.
  if (s.pool.by_source[static_cast<std::size_t>(packet.source)].size() == 1)
    s.wakes.push({std::max(s.pool.records[slot].packet.created, s.terminal_busy[static_cast<std::size_t>(packet.source)]),
                  s.R + packet.source});
}

bool FastNetwork::join(std::uint64_t id, int destination) { return state_->pool.join(state_->graph, id, destination); }

void FastNetwork::advance(std::uint64_t until) {
  State& s = *state_;
  while (!s.wakes.empty() && s.wakes.top().first < until) {
    auto [t, node] = s.wakes.top();
    s.wakes.pop();
    if (s.processed[static_cast<std::size_t>(node)] == t) continue;
    s.processed[static_cast<std::size_t>(node)] = t;
    if (node >= s.R) s.terminal_step(node - s.R, t);
    else s.router_step(node, t);
  }
  s.pool.reached = std::max(s.pool.reached, until);
}

std::uint64_t FastNetwork::next_event() const {
  return state_->wakes.empty() ? UINT64_MAX : state_->wakes.top().first;
}

std::vector<Delivery> FastNetwork::take_deliveries() {
  std::vector<Delivery> out;
  out.swap(state_->deliveries);
  return out;
}

const NetworkStats& FastNetwork::stats() const {
  state_->stats.packets_delivered = state_->pool.decided;
  state_->stats.cycles = state_->pool.decided ? state_->last_tail + 1 : 0;
  return state_->stats;
}

std::uint64_t FastNetwork::undelivered() const { return state_->pool.expected - state_->pool.decided; }

namespace {

// Runs `packets` through `network` until every tail has arrived or `max_cycles`.
NetworkResult run(IncrementalNetwork& network, const std::vector<Packet>& packets, std::uint64_t max_cycles) {
  for (const auto& packet : packets) network.add(packet);
  network.advance(max_cycles);
  NetworkResult result;
  std::uint64_t last = 0;
  for (const Delivery& delivery : network.take_deliveries())
    if (delivery.tail_cycle < max_cycles) {
      result.deliveries.push_back(delivery);
      last = std::max(last, delivery.tail_cycle);
    }
  std::sort(result.deliveries.begin(), result.deliveries.end(), [](const Delivery& a, const Delivery& b) {
    return a.id != b.id ? a.id < b.id : a.destination < b.destination;
  });
  std::uint64_t expected = 0;
  for (const auto& packet : packets) expected += packet.destinations.size();
  result.undelivered = expected - result.deliveries.size();
  result.stats = network.stats();
  result.stats.packets_delivered = result.deliveries.size();
  result.stats.cycles = result.deliveries.empty() ? 0 : last + 1;
  return result;
}

}  // namespace

NetworkResult run_fast(const NetworkGraph& graph, const Topology& topology, const NetworkParams& params,
                       const std::vector<Packet>& packets, std::uint64_t max_cycles) {
  FastNetwork network(graph, topology, params);
  return run(network, packets, max_cycles);
}

NetworkResult run_reference(const NetworkGraph& graph, const Topology& topology, const NetworkParams& params,
                            const std::vector<Packet>& packets, std::uint64_t max_cycles) {
  ReferenceNetwork network(graph, topology, params);
  return run(network, packets, max_cycles);
}

}  // namespace sosasim
