// The reference network engine: every flit through input buffers and links one hop a cycle,
// with credit counters, ticking every cycle while anything is in flight (network_engine.h).
#include <algorithm>
#include <deque>
#include <map>

#include "interconnect/network_engine.h"
#include "interconnect/network_pool.h"
#include "sim/kernel/errors.h"

namespace sosasim {

using namespace network_detail;

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
      if (!router.one_transfer_at_a_time || active_in_router[r] == 0) {  // (a busy bus grants nothing)
        int flits = 0;
        auto front = [&](int in) -> std::vector<RouteChoice>* {
          const int receiver = inputs.at(static_cast<int>(r), in);
          const auto& fifo = fifos[static_cast<std::size_t>(receiver)];
          if (fifo.empty() || sending[static_cast<std::size_t>(receiver)].active) return nullptr;
          flits = packet_of(fifo.front()).flits;
          return &instances[fifo.front()].route;
        };
        auto usable = [&](int output) {
          const PortRef& to = router.output_to[static_cast<std::size_t>(output)];
          return !output_busy[r][static_cast<std::size_t>(output)] &&
                 (to.router == kTerminal || credits[static_cast<std::size_t>(inputs.at(to.router, to.port))] >= flits);
        };
        auto grant = [&](int in) {
          const int receiver = inputs.at(static_cast<int>(r), in);
          auto& fifo = fifos[static_cast<std::size_t>(receiver)];
          const std::size_t granted = fifo.front();
          Transmission transmission{true, granted, 0, {}, {}};
          const std::vector<RouteChoice> route = instances[granted].route;  // instances may grow below
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
        };
        allocate(router, round_robin[r], params.adaptive, front, usable, grant);
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

}  // namespace sosasim
